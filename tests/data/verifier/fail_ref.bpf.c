// SPDX-License-Identifier: BSD-2-Clause
/* Fails: a ring buffer record is reserved but not submitted on one path
 * ("Unreleased reference"). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

SEC("xdp")
int fail_ref(struct xdp_md *ctx)
{
	unsigned int *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e)
		return XDP_PASS;
	*e = bpf_get_prandom_u32();
	if (*e & 1)
		return XDP_DROP; /* leaks e */
	bpf_ringbuf_submit(e, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
