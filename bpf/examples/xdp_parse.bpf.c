// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * XDP packet parser: Ethernet, up to two 802.1Q tags (an unrolled loop), then
 * IPv4 with a checksum check (another unrolled loop, in common.h). It counts
 * what it saw in xdp_stats and drops truncated or corrupt packets.
 *
 * Fixed input (tests/e2e/examples.c, BPF_PROG_TEST_RUN), 6 packets:
 *   P1 IPv4/UDP                    -> PASS (UDP)
 *   P2 802.1Q, IPv4/TCP            -> PASS
 *   P3 802.1Q, 802.1Q, IPv4/UDP    -> PASS (UDP)
 *   P4 ARP                         -> PASS (NONIP)
 *   P5 IPv4/UDP, bad checksum      -> DROP (BAD)
 *   P6 802.1Q ethertype, no tag    -> DROP (14 bytes: the tag is missing)
 * All IPv4 packets have TTL 64.
 *
 * Unrolled copies share an inline instance, so a line in the VLAN loop counts
 * the busiest copy: the first one, which runs for every packet.
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
	struct ethhdr *eth = data; /* cov: 6? */
	struct pkt_info pi;
	void *cur = eth + 1; /* cov: 6? */
	__u16 proto;
	int i;

	if (cur > data_end) /* cov: 6 br: 0,6 */
		return XDP_ABORTED; /* cov: 0? */
	proto = eth->h_proto; /* cov: 6 */
#pragma unroll
	for (i = 0; i < VLAN_MAX; i++) { /* cov: 6? */
		struct vlan_hdr *vh = cur;

		/* copy 1: all 6 packets, 3 tagged. Copy 2 is reached only by P2
		 * and P3: the optimiser threads untagged packets past it, since
		 * their proto cannot have changed; P3 is tagged again. */
		if (proto == bpf_htons(ETH_P_8021Q)) { /* cov: 6 br: 3,3;1,1 */
			/* copy 1: P2, P3, P6 (truncated); copy 2: P3. */
			if ((void *)(vh + 1) > data_end) /* cov: 3 br: 1,2;0,1 */
				return XDP_DROP; /* cov: 1? */
			/* One line: the new cur is CSE'd into the bounds check. */
			proto = vh->h_vlan_encapsulated_proto, cur = vh + 1; /* cov: 2 */
		} /* cov: 1? (the jump out of the last copy: P3) */
	}
	/* P1-P5 get here. */
	if (proto != bpf_htons(ETH_P_IP)) { /* cov: 5 br: 1,4 */
		stat_inc(&xdp_stats, XDP_STAT_NONIP); /* cov: 1? */
		return XDP_PASS; /* cov: 1? */
	}
	/* The helper's own branches jump straight to the BAD path. */
	if (pkt_parse_ipv4(cur, data_end, &pi) < 0) { /* cov: 4? */
		stat_inc(&xdp_stats, XDP_STAT_BAD); /* cov: 1? */
		return XDP_DROP; /* cov: 1? */
	}
	if (pi.ttl <= 1) /* cov: 3 br: 0,3 */
		return XDP_DROP; /* cov: 0? */
	if (pi.proto == IPPROTO_UDP) /* cov: 3 br: 2,1 */
		stat_inc(&xdp_stats, XDP_STAT_UDP); /* cov: 2? */
	return XDP_PASS; /* cov: 3? */
} /* cov: 6? */
