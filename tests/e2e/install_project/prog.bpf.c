/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A user's BPF program for the install test: built against the installed
 * bpfgauge by CMake, pkg-config and the Makefile include. The loader runs it
 * on 2 short and 3 long packets; the cov: marks are the expected line counts.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpfgauge.h> /* installed BPF-side header */

static BPFGAUGE_NOCOV __attribute__((noinline)) int not_measured(int x)
{
	return x * 3 + 1;
}

__u64 short_pkts;

SEC("xdp")
int xdp_len(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 60 > end) { /* cov: 5 */
		__sync_fetch_and_add(&short_pkts, 1); /* cov: 2 */
		return XDP_DROP;
	}
	return not_measured(XDP_PASS) > 0 ? XDP_PASS : XDP_ABORTED; /* cov: 3 */
}

char LICENSE[] SEC("license") = "GPL";
