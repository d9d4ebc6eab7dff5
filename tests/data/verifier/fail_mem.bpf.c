// SPDX-License-Identifier: BSD-2-Clause
/* Fails: packet read without the data_end bounds check ("invalid access to packet"). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int fail_mem(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;

	if (data[12] == 0x08)
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
