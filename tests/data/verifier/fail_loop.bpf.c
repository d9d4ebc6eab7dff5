// SPDX-License-Identifier: BSD-2-Clause
/* Fails: a loop whose state never changes ("infinite loop detected"). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int fail_loop(struct xdp_md *ctx)
{
	unsigned int r = bpf_get_prandom_u32();

	if (r & 1)
		asm volatile("r1 = 0; goto -1" ::: "r1");
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
