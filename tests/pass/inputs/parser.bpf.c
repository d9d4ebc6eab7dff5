// SPDX-License-Identifier: BSD-2-Clause
// A realistic XDP packet parser (Ethernet, VLAN, IPv4/IPv6 with extension
// headers, TCP/UDP/ICMP, a port filter and a tail call) plus a bounded loop,
// used to measure how many probes the pass needs against the number of
// blocks, and to check that instrumented code still passes the verifier.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "parse_helpers.h"

enum { C_SHORT, C_VLAN, C_V4, C_V6, C_TCP, C_UDP, C_ICMP, C_OTHER, C_DROP, C_EXT, C_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, C_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16);
	__type(value, __u8);
} blocked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} next SEC(".maps");

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

static __always_inline int l4(struct cursor *c, __u8 proto)
{
	__u16 port = 0;

	switch (proto) {
	case IPPROTO_TCP: {
		struct tcphdr *t = cursor_take(c, sizeof(*t));
		if (!t)
			return XDP_ABORTED;
		count(&stats, C_TCP);
		if (t->syn && !t->ack)
			port = bpf_ntohs(t->dest);
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *u = cursor_take(c, sizeof(*u));
		if (!u)
			return XDP_ABORTED;
		count(&stats, C_UDP);
		port = bpf_ntohs(u->dest);
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		count(&stats, C_ICMP);
		return XDP_PASS;
	default:
		count(&stats, C_OTHER);
		return XDP_PASS;
	}
	if (port && bpf_map_lookup_elem(&blocked, &port)) {
		count(&stats, C_DROP);
		return XDP_DROP;
	}
	return XDP_PASS;
}

SEC("xdp")
int parse(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	struct ethhdr *eth = cursor_take(&c, sizeof(*eth));
	__u16 proto;

	if (!eth) {
		count(&stats, C_SHORT);
		return XDP_PASS;
	}
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q)) {
		struct vlan_hdr *v = cursor_take(&c, sizeof(*v));
		if (!v)
			return XDP_PASS;
		count(&stats, C_VLAN);
		proto = v->proto;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = cursor_take(&c, sizeof(*ip));
		if (!ip)
			return XDP_PASS;
		count(&stats, C_V4);
		if (ip->ihl != 5)
			return XDP_PASS;
		if (ip->ttl <= 1)
			bpf_tail_call(ctx, &next, 0);
		return l4(&c, ip->protocol);
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = cursor_take(&c, sizeof(*ip6));
		__u8 nh;

		if (!ip6)
			return XDP_PASS;
		count(&stats, C_V6);
		nh = ip6->nexthdr;
#pragma unroll
		for (int i = 0; i < 3; i++) {
			__u8 *ext;

			if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING && nh != IPPROTO_DSTOPTS)
				break;
			ext = cursor_take(&c, 8);
			if (!ext)
				return XDP_PASS;
			count(&stats, C_EXT);
			nh = ext[0];
		}
		return l4(&c, nh);
	}
	count(&stats, C_OTHER);
	return XDP_PASS;
}

/* A bounded loop with a branchy body: the verifier walks every iteration. */
SEC("xdp")
int checksum(struct xdp_md *ctx)
{
	unsigned char *p = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 sum = 0;

#pragma clang loop unroll(disable)
	for (int i = 0; i < 32; i++) {
		if (p + i + 1 > end)
			break;
		if (p[i] & 1)
			sum += p[i];
		else
			sum ^= p[i] << 1;
	}
	if (sum == 0)
		count(&stats, C_SHORT);
	return sum > 1000 ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
