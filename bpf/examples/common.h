/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/*
 * Helpers shared by several example programs. They are always inlined, so
 * their lines carry code in every program that uses them: the coverage
 * report must attribute those lines to this header, summed over every
 * inline site of every program (see cov.h). The cov:/br: annotations here
 * are therefore totals over all examples and their fixed inputs
 * (tests/e2e/examples.c); the per-program split is given in the comments.
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
 * Every site is its own inline instance; the branch on v is one BRDA block
 * per site, so only its sum over blocks is asserted (br+).
 */
static __always_inline void stat_inc(void *map, __u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(map, &idx); /* cov: 23 */

	if (v) /* cov: 23 br+: 0,23 */
		__sync_fetch_and_add(v, 1); /* cov: 23 */
} /* cov: 23? */

/*
 * Validate the IPv4 header at cur (no options) and fill pi. Returns 0, or
 * -1 for a truncated header or a bad checksum. The checksum loop is fully
 * unrolled: every copy shares one inline instance, so its line counts as
 * the number of headers checked, not ten times that.
 *
 * Calls: xdp_parse 4 (P1, P2, P3 valid; P5 bad checksum), tc_classify 6
 * (T1-T5 valid; T7 bad checksum) = 10, 8 valid; none is truncated. One
 * inline instance per program, so each branch is block 0 in both and the
 * two programs' counts add up.
 */
static __always_inline int pkt_parse_ipv4(void *cur, void *data_end, struct pkt_info *pi)
{
	struct iphdr *ip = cur;
	__u16 *w = cur;
	__u32 sum = 0; /* cov: 10? */
	int i;

	if ((void *)(ip + 1) > data_end) /* cov: 10 br: 0,10 */
		return -1; /* cov: 0? */
#pragma unroll
	for (i = 0; i < 10; i++) /* cov: 10? */
		sum += w[i]; /* cov: 10 */
	sum = (sum & 0xffff) + (sum >> 16); /* cov: 10 */
	sum = (sum & 0xffff) + (sum >> 16); /* cov: 10 */
	if (sum != 0xffff) /* cov: 10 br: 2,8 */
		return -1; /* cov: 2? */
	/* pi is scalarised in the caller and these loads sink to their uses,
	 * so these lines may keep no instruction of their own. */
	pi->proto = ip->protocol; /* cov: 8? */
	pi->ttl = ip->ttl; /* cov: 8? */
	return 0; /* cov: 8? */
} /* cov: 10? */

#endif /* BPFGAUGE_EXAMPLES_COMMON_H */
