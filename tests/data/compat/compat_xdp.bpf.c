// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* XDP: loads anywhere; attaching needs an interface (lo of a private netns in --live). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
