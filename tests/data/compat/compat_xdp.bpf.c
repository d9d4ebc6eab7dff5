// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * XDP: loads anywhere; attaching needs an interface (lo of a private netns in
 * --live). Two programs: the second attaches to the same lo after the first
 * is detached (it would get EBUSY if the first were still there).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int xdp_pass_again(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
