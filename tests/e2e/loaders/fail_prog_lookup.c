/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * LD_PRELOAD shim for scripts/tsan-check.sh: libbpf's program lookup by
 * name fails, so every load of `verifier stats` fails after its object was
 * listed fine. That drives every worker through the failed-job path (its
 * reason) at once, where the old CLI raced on one warning buffer.
 */
#include <errno.h>
#include <stddef.h>

struct bpf_object;
struct bpf_program;

struct bpf_program *bpf_object__find_program_by_name(const struct bpf_object *obj,
						     const char *name)
{
	errno = ENOENT;
	return NULL;
}
