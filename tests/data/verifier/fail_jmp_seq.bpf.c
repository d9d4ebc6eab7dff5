// SPDX-License-Identifier: BSD-2-Clause
/* Fails with "The sequence of 8193 jumps is too complex": 9000 conditional
 * jumps on an unknown value along one path, each pushing a pending state. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define J asm volatile("if %0 == 7 goto +1; %1 += 1" : : "r"(r), "r"(x));
#define J10 J J J J J J J J J J
#define J100 J10 J10 J10 J10 J10 J10 J10 J10 J10 J10
#define J1000 J100 J100 J100 J100 J100 J100 J100 J100 J100 J100

SEC("xdp")
int fail_jmp_seq(struct xdp_md *ctx)
{
	unsigned long r = bpf_get_prandom_u32();
	unsigned long x = 0;

	J1000 J1000 J1000 J1000 J1000 J1000 J1000 J1000 J1000
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
