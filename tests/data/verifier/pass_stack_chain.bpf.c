// SPDX-License-Identifier: BSD-2-Clause
/* Passes with known frames for the call-chain stack metric: main (64 B)
 * calls f (128 B), which calls g (256 B); main also calls h (300 B).
 * The deepest chain is main->f->g = 64+128+256 = 448 B, while the largest
 * single frame is h's and the sum of all frames (veristat) is larger still.
 * Source lines are spread out so hotspots have several lines to attribute. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int g(unsigned int r)
{
	volatile unsigned char b[256];

	for (int i = 0; i < 256; i += 32)
		b[i] = r + i;
	return b[r & 31];
}

static __attribute__((noinline)) int f(unsigned int r)
{
	volatile unsigned char b[128];

	for (int i = 0; i < 128; i += 32)
		b[i] = r ^ i;
	return g(r + b[r & 7]);
}

static __attribute__((noinline)) int h(unsigned int r)
{
	volatile unsigned char b[300];

	for (int i = 0; i < 300; i += 60)
		b[i] = r - i;
	return b[r & 15];
}

SEC("xdp")
int pass_stack_chain(struct xdp_md *ctx)
{
	volatile unsigned char a[64];
	unsigned int r = bpf_get_prandom_u32();

	for (int i = 0; i < 64; i += 16)
		a[i] = r;
	if (r & 1)
		return f(r + a[r & 3]) > 7 ? XDP_DROP : XDP_PASS;
	return h(r + a[r & 3]) > 7 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
