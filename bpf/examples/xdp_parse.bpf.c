// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * XDP packet parser: Ethernet, up to two 802.1Q tags (an unrolled loop), then
 * IPv4 with a checksum check (another unrolled loop, in common.h). It counts
 * what it saw in xdp_stats and drops truncated or corrupt packets.
 *
 * Fixed input (bpf/runner/examples.c, BPF_PROG_TEST_RUN), 6 packets:
 *   P1 IPv4/UDP                    -> PASS (UDP)
 *   P2 802.1Q, IPv4/TCP            -> PASS
 *   P3 802.1Q, 802.1Q, IPv4/UDP    -> PASS (UDP)
 *   P4 ARP                         -> PASS (NONIP)
 *   P5 IPv4/UDP, bad checksum      -> DROP (BAD)
 *   P6 802.1Q ethertype, no tag    -> DROP (14 bytes: the tag is missing)
 * All IPv4 packets have TTL 64.
 *
 * The VLAN loop, per packet: P1, P4, P5 two untagged iterations; P2 a tag,
 * then an untagged iteration; P3 two tags; P6 a tag whose header is missing
 * (return). Iterations 11, condition checked 16 times (5 run out).
 */
#include "common.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define VLAN_MAX 2

enum { XDP_STAT_NONIP, XDP_STAT_BAD, XDP_STAT_UDP, XDP_STAT_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} xdp_stats SEC(".maps");

SEC("xdp")
int xdp_parse(struct xdp_md *ctx) /* fn: 6 */
{
	void *data_end = (void *)(long)ctx->data_end; /* cov: 6 */
	void *data = (void *)(long)ctx->data; /* cov: 6 */
	struct ethhdr *eth = data; /* cov: 6 */
	struct pkt_info pi;
	void *cur = eth + 1; /* cov: 6 */
	__u16 proto;
	int i;

	if (cur > data_end) /* cov: 6 br: 0,6 */
		return XDP_ABORTED; /* cov: 0 */
	proto = eth->h_proto; /* cov: 6 */
#pragma unroll
	for (i = 0; i < VLAN_MAX; i++) { /* cov: 16 br: 11,5 */
		struct vlan_hdr *vh = cur; /* cov: 11 */

		/* Tagged: P2 at i 0, P3 at i 0 and 1, P6 at i 0. */
		if (proto == bpf_htons(ETH_P_8021Q)) { /* cov: 11 br: 4,7 */
			if ((void *)(vh + 1) > data_end) /* cov: 4 br: 1,3 */
				return XDP_DROP; /* cov: 1 */
			proto = vh->h_vlan_encapsulated_proto, cur = vh + 1; /* cov: 3 */
		}
	}
	/* P1-P5 get here. */
	if (proto != bpf_htons(ETH_P_IP)) { /* cov: 5 br: 1,4 */
		stat_inc(&xdp_stats, XDP_STAT_NONIP); /* cov: 1 */
		return XDP_PASS; /* cov: 1 */
	}
	/* P5's checksum is bad. */
	if (pkt_parse_ipv4(cur, data_end, &pi) < 0) { /* cov: 4 br: 1,3 */
		stat_inc(&xdp_stats, XDP_STAT_BAD); /* cov: 1 */
		return XDP_DROP; /* cov: 1 */
	}
	if (pi.ttl <= 1) /* cov: 3 br: 0,3 */
		return XDP_DROP; /* cov: 0 */
	if (pi.proto == IPPROTO_UDP) /* cov: 3 br: 2,1 */
		stat_inc(&xdp_stats, XDP_STAT_UDP); /* cov: 2 */
	return XDP_PASS; /* cov: 3 */
} /* cov: 6 */
