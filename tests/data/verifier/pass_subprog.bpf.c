// SPDX-License-Identifier: BSD-2-Clause
/* Passes: a bounded loop and a static subprog with its own stack, so the
 * log has per-subprog stack depths and several source lines. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int sum_buf(volatile unsigned char *b, int n)
{
	int s = 0;

	for (int i = 0; i < n && i < 32; i++)
		s += b[i];
	return s;
}

SEC("xdp")
int pass_subprog(struct xdp_md *ctx)
{
	volatile unsigned char buf[48];
	unsigned int r = bpf_get_prandom_u32();

	for (int i = 0; i < 48; i++)
		buf[i] = r + i;
	if (sum_buf(buf, r & 15) > 1000)
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
