// SPDX-License-Identifier: BSD-2-Clause
// Small programs whose optimized CFG is known, so the pass tests can assert
// exact probe counts. Volatile accesses keep every branch and store in place
// at -O2 with every supported clang; each shape is its own program. Not
// meant to load: spin is an unbounded loop the verifier rejects.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpfgauge.h"

volatile int g, g1, g2, g3;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} jmp SEC(".maps");

/* One block. */
SEC("xdp") int straight(struct xdp_md *ctx)
{
	g1 = 1;
	return XDP_PASS;
}

/* entry -> then | else -> join. */
SEC("xdp") int diamond(struct xdp_md *ctx)
{
	if (g)
		g1 = 1;
	else
		g2 = 2;
	return XDP_PASS;
}

/* entry -> then -> join, entry -> join (a critical edge). */
SEC("xdp") int triangle(struct xdp_md *ctx)
{
	if (g)
		g1 = 1;
	return XDP_PASS;
}

/* entry -> default(join) | c1 | c2 | c5, each case -> join. */
SEC("xdp") int cases(struct xdp_md *ctx)
{
	switch (g) {
	case 1:
		g1 = 1;
		break;
	case 2:
		g2 = 2;
		break;
	case 5:
		g3 = 3;
		break;
	}
	return XDP_PASS;
}

/* Rotated: entry -> body | exit, body -> body | exit. */
SEC("xdp") int spin(struct xdp_md *ctx)
{
	while (g)
		g1 = 1;
	return XDP_PASS;
}

/* The tail call may leave the program: the block is split after it. */
SEC("xdp") int tail(struct xdp_md *ctx)
{
	g1 = 1;
	bpf_tail_call(ctx, &jmp, 0);
	g2 = 2;
	return XDP_PASS;
}

/* Opted out: no probes, no mapping entry. */
SEC("tc") BPFGAUGE_NOCOV int skipped(struct __sk_buff *skb)
{
	if (g)
		g1 = 1;
	return 0;
}

char _license[] SEC("license") = "GPL";
