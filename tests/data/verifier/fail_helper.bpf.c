// SPDX-License-Identifier: BSD-2-Clause
/* Fails: a kprobe-only helper called from XDP ("unknown func ..."). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int fail_helper(struct xdp_md *ctx)
{
	/* kprobe-only helper: not in XDP's helper set */
	return bpf_override_return((void *)ctx, 0) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
