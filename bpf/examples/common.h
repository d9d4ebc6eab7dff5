/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/*
 * Helpers shared by several example programs. Each is a function of the
 * source, so each has an FN record, and its lines and branches count what
 * the source ran, summed over every call site of every program that uses
 * it. The cov:/fn:/br: annotations here are therefore totals over all
 * examples and their fixed inputs (bpf/runner/examples.c); the per-program
 * split is given in the comments.
 */
#ifndef BPFGAUGE_EXAMPLES_COMMON_H
#define BPFGAUGE_EXAMPLES_COMMON_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* linux/if_vlan.h keeps this struct out of the uapi. */
struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

struct pkt_info {
	__u8 proto;
	__u8 ttl;
};

/*
 * Add one to slot idx of an array map of u64. An array lookup with an index
 * below max_entries never fails, so the increment always runs.
 *
 * Call sites and how often each runs for the fixed inputs:
 *   xdp_parse: NONIP 1, BAD 1, UDP 2                       = 4
 *   tc_classify: NONIP 1, UDP 2, SEEN 5                    = 8
 *   sock_filter: DNS 2                                     = 2
 *   calls_weight: NEG 2; calls_clamp: CLAMPED 1            = 3
 *   trace_getpgid: SELF 5, OTHER 1                         = 6
 *                                                    total = 23
 * The branch on v is one source condition: one site, whatever the number
 * of call sites. The function returns by falling off its end, at the brace.
 */
static __always_inline void stat_inc(void *map, __u32 idx) /* fn: 23 */
{
	__u64 *v = bpf_map_lookup_elem(map, &idx); /* cov: 23 */

	if (v) /* cov: 23 br: 23,0 */
		__sync_fetch_and_add(v, 1); /* cov: 23 */
} /* cov: 23 */

/*
 * Validate the IPv4 header at cur (no options) and fill pi. Returns 0, or
 * -1 for a truncated header or a bad checksum. The checksum loop runs ten
 * times per call: its body counts 10 per call, its condition 11.
 *
 * Calls: xdp_parse 4 (P1, P2, P3 valid; P5 bad checksum), tc_classify 6
 * (T1-T5 valid; T7 bad checksum) = 10, 8 valid; none is truncated.
 */
static __always_inline int pkt_parse_ipv4(void *cur, void *data_end, struct pkt_info *pi) /* fn: 10 */
{
	struct iphdr *ip = cur; /* cov: 10 */
	__u16 *w = cur; /* cov: 10 */
	__u32 sum = 0; /* cov: 10 */
	int i;

	if ((void *)(ip + 1) > data_end) /* cov: 10 br: 0,10 */
		return -1; /* cov: 0 */
#pragma unroll
	for (i = 0; i < 10; i++) /* cov: 110 br: 100,10 */
		sum += w[i]; /* cov: 100 */
	sum = (sum & 0xffff) + (sum >> 16); /* cov: 10 */
	sum = (sum & 0xffff) + (sum >> 16); /* cov: 10 */
	if (sum != 0xffff) /* cov: 10 br: 2,8 */
		return -1; /* cov: 2 */
	pi->proto = ip->protocol; /* cov: 8 */
	pi->ttl = ip->ttl; /* cov: 8 */
	return 0; /* cov: 8 */
} /* cov: 10 */

#endif /* BPFGAUGE_EXAMPLES_COMMON_H */
