// SPDX-License-Identifier: BSD-2-Clause
// Reduced reproducer (issue 10, "no program lost"): a packet cursor advanced
// by a variable length computed from a header field after a range check on
// that field, in a BPF-to-BPF subprogram ((ihl - 5) * 4 once ihl > 5). The
// verifier accepts the later access only if it sees the check on the very
// register the length is computed from; the shape of the kernel selftest
// test_cls_redirect_subprogs, whose cls_redirect failed instrumented with
// "R8 min value is negative, either use unsigned index or do a if (index >= 0)
// check". Instrumented, with a probe between the two reads of ip->ihl, the
// optimiser rewrote the check as (x & 0xe) < 6 and the length as
// ((x << 2) & 0x3c) - 20: two registers, where plain shares x & 0xf.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

typedef struct po_buf {
	struct __sk_buff *skb;
	__u8 *head;
	__u8 *tail;
} po_buf_t;

static __always_inline void *po_assign(po_buf_t *buf, const __u64 len)
{
	void *ptr;

	if (buf->head + len > buf->tail)
		return NULL;
	ptr = buf->head;
	buf->head += len;
	return ptr;
}

static __always_inline __u64 po_off(const po_buf_t *buf)
{
	return buf->head - (__u8 *)(long)buf->skb->data;
}

/* Bounded by the skb's length (the non-linear part counts), not data_end. */
static __always_inline int po_skip(po_buf_t *buf, const __u64 len)
{
	if (po_off(buf) + len > buf->skb->len)
		return 0;
	buf->head += len;
	return 1;
}

static __noinline int po_skip_options(po_buf_t *buf, const struct iphdr *ip)
{
	if (ip->ihl <= 5)
		return 1;
	return po_skip(buf, (ip->ihl - 5) * 4);
}

static __noinline int po_ports(po_buf_t *buf, __u16 *dport)
{
	struct udphdr *udp = po_assign(buf, sizeof(*udp));

	if (!udp)
		return 0;
	*dport = bpf_ntohs(udp->dest);
	return 1;
}

SEC("tc")
int po_classify(struct __sk_buff *skb)
{
	po_buf_t buf = {
		.skb = skb,
		.head = (__u8 *)(long)skb->data,
		.tail = (__u8 *)(long)skb->data_end,
	};
	struct ethhdr *eth;
	struct iphdr *ip;
	__u16 dport = 0;

	eth = po_assign(&buf, sizeof(*eth));
	if (!eth || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	ip = po_assign(&buf, sizeof(*ip));
	if (!ip || ip->ihl < 5)
		return TC_ACT_OK;
	if (!po_skip_options(&buf, ip))
		return TC_ACT_SHOT;
	if (ip->protocol != IPPROTO_UDP)
		return TC_ACT_OK;
	if (!po_ports(&buf, &dport))
		return TC_ACT_SHOT;
	return dport == 53 ? TC_ACT_SHOT : TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
