// SPDX-License-Identifier: BSD-2-Clause
/* Fails with E2BIG: a branch-free bounded loop whose trip count times body
 * exceeds the verifier's 1M processed-insn budget. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int fail_complexity(struct xdp_md *ctx)
{
	unsigned int r = bpf_get_prandom_u32();
	unsigned int x = 0;

#pragma clang loop unroll(disable)
	for (unsigned int i = 0; i < 400000; i++)
		x = x * 31 + (r ^ i); /* no branch: no pending states, just insns */
	return x & 1 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
