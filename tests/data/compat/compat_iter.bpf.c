// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * An iterator over map elements: this host's 6.18 (lockdown=integrity)
 * refuses iter/bpf_map_elem programs at load (EPERM, nothing in the
 * verifier's log) while iter/task loads; Debian's 6.1 loads both.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("iter/bpf_map_elem")
int it_map_elem(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
