// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * XDP flow accounting, dense with the constructs whose coverage an optimiser
 * blurs: early returns in every position (first statement, after && and ||
 * chains, inside an unrolled loop, inside a bounded loop, in switch cases of
 * a helper, inside a helper, in a nested block, last), an unrolled loop with
 * break, continue and return, a bounded loop with continue, return and break,
 * an always-inline helper called from two sites and inside a loop, a sparse
 * switch without default and a dense switch (a lookup table once optimised),
 * ternaries (one a select, one choosing between two helper calls), &&/||,
 * likely/unlikely, a statement macro with a branch inside, and a hash-map
 * lookup with its NULL check.
 *
 * Fixed input (bpf/runner/examples.c, BPF_PROG_TEST_RUN; the runner empties
 * flows first), 13 packets. Every IPv4 packet goes to 10.0.0.2 from port
 * 12345 (X12, X13: port 0); "payload" is the 4 bytes after the UDP header.
 *   X1  ARP (42 bytes)                            -> PASS   (not IPv4)
 *   X2  IPv4, 40 bytes                            -> DROP   (truncated)
 *   X3  IPv4/UDP, ihl 6                           -> PASS   (options)
 *   X4  IPv4/UDP, TTL 1                           -> DROP
 *   X5  IPv4/ICMP                                 -> PASS   (not UDP/TCP)
 *   X6  UDP to 53, payload 02 00 05 7f            -> PASS   (flow A, new)
 *   X7  UDP to 53, payload 7f ee 01 00            -> PASS   (flow A again)
 *   X8  TCP to 443                                -> PASS   (flow B, new)
 *   X9  TCP to 443                                -> PASS   (flow B again)
 *   X10 UDP to 8080, payload dd 00 00 00          -> ABORTED (0xdd, unrolled loop)
 *   X11 UDP to 8080, payload 10 ff 00 00          -> DROP   (0xff, bounded loop)
 *   X12 UDP 0 -> 5000, 2-byte payload (no scan)   -> PASS   (flow C, new)
 *   X13 UDP 0 -> 5000, 2-byte payload             -> TX     (flow C again, class 0)
 * Per packet, from the source:
 *   unrolled loop (b = payload byte i; TCP and short payloads scan 0s):
 *     X6  i0 02 mark, i1 00 mark, i2 05 continue, i3 7f break   marks 2
 *     X7  i0 7f break                                           marks 0
 *     X8, X9, X12, X13: four 00 bytes, four marks, no break      marks 4
 *     X10 i0 dd return
 *     X11 i0 10 mark, i1 ff continue, i2 00 mark, i3 00 mark     marks 3
 *   bounded loop:
 *     X6  i0 02 mix, i1 00 continue, i2 05 mix, i3 7f mix, exit
 *     X7  i0 7f mix, i1 ee break
 *     X8, X9, X12, X13: four continues, exit
 *     X11 i0 10 mix, i1 ff return
 */
#include <linux/udp.h>
#include "common.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* A statement macro: its code, branch included, is on the invoking line. */
#define SAT_ADD(var, n, max) do { (var) += (n); if ((var) > (max)) (var) = (max); } while (0)

#define SCAN 4

struct flow_key {
	__u32 daddr;
	__u16 dport;
	__u8 proto;
	__u8 cls;
};

struct flow_val {
	__u64 pkts;
	__u64 hash;
	__u32 bytes;
	__u32 weight;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct flow_key);
	__type(value, struct flow_val);
} flows SEC(".maps");

/*
 * Calls: 2 per packet that gets past the unrolled loop (X6-X9, X11-X13: 7,
 * so 14) plus one per bounded-loop mix (X6 3, X7 1, X11 1: 5) = 19. v is 0
 * once per X12 and X13 (their source port).
 */
static __always_inline __u32 flow_mix(__u32 h, __u32 v) /* fn: 19 */
{
	/* Written !v: outcome 0 is v != 0 (17), as clang branches on v. */
	if (!v) /* cov: 19 br: 17,2 */
		return h; /* cov: 2 */
	return (h ^ v) * 0x9e3779b1; /* cov: 17 */
} /* cov: 19 */

/*
 * Sparse: no default. Calls: X6, X7 (53), X8, X9 (443) through the dport
 * site, X12, X13 (source port 0) through the sport site = 6.
 */
static __always_inline int flow_port_class(__u16 port) /* fn: 6 */
{
	switch (port) { /* cov: 6 br: 0,2,2,2 */
	case 22:
		return 1; /* cov: 0 */
	case 53:
	case 853:
		return 2; /* cov: 2 */
	case 80:
	case 443:
		return 3; /* cov: 2 */
	}
	return 0; /* cov: 2 */
} /* cov: 6 */

SEC("xdp")
int xdp_flow(struct xdp_md *ctx) /* fn: 13 */
{
	void *data_end = (void *)(long)ctx->data_end; /* cov: 13 */
	void *data = (void *)(long)ctx->data; /* cov: 13 */
	struct ethhdr *eth = data; /* cov: 13 */
	struct iphdr *ip = (void *)(eth + 1); /* cov: 13 */
	struct udphdr *l4 = (void *)(ip + 1); /* cov: 13 */
	__u32 len = data_end - data; /* cov: 13 */
	struct flow_key key = {}; /* cov: 13 */
	struct flow_val *fv;
	__u32 word = 0, h, weight; /* cov: 13 */
	__u16 sport, dport;
	int i, marks = 0; /* cov: 13 */

	if ((void *)(l4 + 1) > data_end) /* cov: 13 br: 1,12 */
		return XDP_DROP; /* cov: 1 */
	/* X1 stops at the first operand, X3 at the second. */
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5) /* cov: 12 br: 1,11;1,10 */
		return XDP_PASS; /* cov: 2 */
	if (unlikely(ip->ttl <= 1)) /* cov: 10 br: 1,9 */
		return XDP_DROP; /* cov: 1 */
	/* X5 (ICMP) is true twice; TCP packets (X8, X9) fail the second. */
	if (ip->protocol != IPPROTO_UDP && ip->protocol != IPPROTO_TCP) /* cov: 9 br: 3,6;1,2 */
		return XDP_PASS; /* cov: 1 */
	sport = bpf_ntohs(l4->source); /* cov: 8 */
	dport = bpf_ntohs(l4->dest); /* cov: 8 */
	/* UDP: X6, X7, X10-X13; of those X12 and X13 have no 4-byte payload. */
	if (ip->protocol == IPPROTO_UDP && (void *)(l4 + 1) + SCAN <= data_end) /* cov: 8 br: 6,2;4,2 */
		__builtin_memcpy(&word, l4 + 1, SCAN); /* cov: 4 */

	/* 8 packets; iterations started: X6 4, X7 1, X8 X9 X12 X13 4 each,
	 * X10 1, X11 4 = 26; condition checked 26 times true, false 5 times
	 * (X8 X9 X11 X12 X13 run out), so 31. */
#pragma unroll
	for (i = 0; i < SCAN; i++) { /* cov: 31 br: 26,5 */
		__u8 b = word >> (i * 8); /* cov: 26 */

		if (b == 0x7f) /* cov: 26 br: 2,24 */
			break; /* cov: 2 */
		if (b == 0xdd) /* cov: 24 br: 1,23 */
			return XDP_ABORTED; /* cov: 1 */
		if (b & 1) /* cov: 23 br: 2,21 */
			continue; /* cov: 2 */
		marks++; /* cov: 21 */
	}

	h = flow_mix(ip->daddr, dport); /* cov: 7 */
	h = flow_mix(h, sport); /* cov: 7 */
	/* Iterations started: X6 4, X7 2, X8 X9 X12 X13 4 each, X11 2 = 24;
	 * the condition is false for X6, X8, X9, X12, X13 (5): 29. */
#pragma clang loop unroll(disable)
	for (i = 0; i < SCAN; i++) { /* cov: 29 br: 24,5 */
		__u8 b = word >> (i * 8); /* cov: 24 */

		/* Written !b: outcome 0 is b != 0 (7). */
		if (!b) /* cov: 24 br: 7,17 */
			continue; /* cov: 17 */
		if (b == 0xff) /* cov: 7 br: 1,6 */
			return XDP_DROP; /* cov: 1 */
		if (b == 0xee) /* cov: 6 br: 1,5 */
			break; /* cov: 1 */
		h = flow_mix(h, b); /* cov: 5 */
	}

	/* Dense: marks X6 2, X7 0, X8 X9 X12 X13 4 (default). Outcomes:
	 * case 0, 1, 2, 3, default. */
	switch (marks) { /* cov: 6 br: 1,0,1,0,4 */
	case 0:
		weight = 1; /* cov: 1 */
		break; /* cov: 1 */
	case 1:
		weight = 3; /* cov: 0 */
		break; /* cov: 0 */
	case 2:
		weight = 7; /* cov: 1 */
		break; /* cov: 1 */
	case 3:
		weight = 15; /* cov: 0 */
		break; /* cov: 0 */
	default:
		weight = 31; /* cov: 4 */
		break; /* cov: 4 */
	}

	key.daddr = ip->daddr; /* cov: 6 */
	key.dport = dport; /* cov: 6 */
	key.proto = ip->protocol; /* cov: 6 */
	/* dport < 1024: X6-X9; X12, X13 classify their source port. */
	key.cls = dport < 1024 ? flow_port_class(dport) : flow_port_class(sport); /* cov: 6 br: 4,2 */
	fv = bpf_map_lookup_elem(&flows, &key); /* cov: 6 */
	/* New flows: X6, X8, X12 (written !fv: outcome 0 is a found flow). */
	if (!fv) { /* cov: 6 br: 3,3 */
		struct flow_val init = {.pkts = 1, .hash = h, .bytes = len, .weight = weight}; /* cov: 3 */

		bpf_map_update_elem(&flows, &key, &init, BPF_ANY); /* cov: 3 */
		return XDP_PASS; /* cov: 3 */
	}
	fv->pkts++; /* cov: 3 */
	/* bytes: X7 46+46 = 92, X9 54+54 = 108 (capped), X13 44+44 = 88. */
	SAT_ADD(fv->bytes, len, 100); /* cov: 3 br: 1,2 */
	/* X7: 7 > 1; X9: 31 > 31 no; X13: 31 > 31 no. */
	fv->weight = fv->weight > weight ? fv->weight : weight; /* cov: 3 br: 1,2 */
	fv->hash = h; /* cov: 3 */
	/* class: X7 2, X9 3, X13 0. */
	return likely(key.cls) ? XDP_PASS : XDP_TX; /* cov: 3 br: 2,1 */
} /* cov: 13 */
