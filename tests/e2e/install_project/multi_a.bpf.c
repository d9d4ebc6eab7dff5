/* SPDX-License-Identifier: BSD-2-Clause */
/* One of two sources linked into one object by bpfgauge_add_bpf_object. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_a(struct xdp_md *ctx)
{
	return ctx->ingress_ifindex ? XDP_PASS : XDP_DROP;
}
