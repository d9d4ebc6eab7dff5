/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The coverage oracle's host runtime (host_bpf.c): maps, the helpers the
 * examples call, and tail calls, for the example programs compiled for the
 * host. A glue file per example (ex_<name>.c) includes the example's source
 * and registers its maps and programs here; the driver (oracle_run.c) runs
 * the examples' fixed inputs through them.
 */
#ifndef BPFGAUGE_ORACLE_HOST_BPF_H
#define BPFGAUGE_ORACLE_HOST_BPF_H

#include <stddef.h>
#include <stdint.h>

/* Register a map defined with libbpf's __uint/__type macros. */
#define ORACLE_MAP(m)                                                                     \
	host_map_register(#m, &(m), sizeof(*(m).type) / sizeof(int),                      \
			  sizeof(*(m).max_entries) / sizeof(int), sizeof(*(m).key),       \
			  sizeof(*(m).value))

int host_map_register(const char *name, void *def, uint32_t type, uint32_t max_entries,
		      uint32_t key_size, uint32_t value_size);
/* The map registered under name, for the driver (NULL if none). */
void *host_map_by_name(const char *name);
/* Empty a hash map (what the runner does before each run). */
void host_map_clear(void *def);
/* Put a program into slot idx of a program array. */
int host_prog_array_set(void *def, uint32_t idx, int (*prog)(void *ctx));

/* What bpf_get_current_pid_tgid() returns (tgid << 32 | pid). */
extern uint64_t host_pid_tgid;

/*
 * Run prog on ctx as the kernel does, following tail calls: a tail call
 * that finds a program runs it and never returns to its caller; its return
 * value becomes the run's.
 */
int host_run(int (*prog)(void *ctx), void *ctx);

#endif
