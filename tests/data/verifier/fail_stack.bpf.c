// SPDX-License-Identifier: BSD-2-Clause
/* Fails: each frame fits in 512 bytes, but the call chain does not
 * ("combined stack size of 2 calls is ... Too large"). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int inner(unsigned int r)
{
	volatile unsigned char b[320];

	for (int i = 0; i < 320; i += 64)
		b[i] = r + i;
	return b[r & 255];
}

SEC("xdp")
int fail_stack(struct xdp_md *ctx)
{
	volatile unsigned char a[320];
	unsigned int r = bpf_get_prandom_u32();

	for (int i = 0; i < 320; i += 64)
		a[i] = r;
	return inner(r) + a[r & 127] > 3 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
