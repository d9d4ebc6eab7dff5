/* SPDX-License-Identifier: BSD-2-Clause */
/* The other source of the linked object. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_b(struct xdp_md *ctx)
{
	return ctx->rx_queue_index ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
