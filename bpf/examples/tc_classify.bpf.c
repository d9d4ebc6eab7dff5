// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * tc classifier: a switch on the IPv4 protocol sets skb->priority or
 * skb->mark, or drops ICMP; each case line counts the packets of its case.
 *
 * Fixed input (bpf/runner/examples.c, BPF_PROG_TEST_RUN), 7 packets:
 *   T1 IPv4/TCP              -> OK, priority 6
 *   T2 IPv4/UDP              -> OK, UDP stat
 *   T3 IPv4/UDP              -> OK, UDP stat
 *   T4 IPv4/ICMP             -> SHOT
 *   T5 IPv4/GRE (47)         -> OK, mark = ttl
 *   T6 IPv6                  -> OK (NONIP)
 *   T7 IPv4/TCP, bad csum    -> SHOT
 */
#include <linux/pkt_cls.h>
#include "common.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

enum { TC_STAT_NONIP, TC_STAT_UDP, TC_STAT_SEEN, TC_STAT_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TC_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} tc_stats SEC(".maps");

SEC("tc")
int tc_classify(struct __sk_buff *skb) /* fn: 7 */
{
	void *data_end = (void *)(long)skb->data_end; /* cov: 7 */
	void *data = (void *)(long)skb->data; /* cov: 7 */
	struct ethhdr *eth = data; /* cov: 7 */
	struct pkt_info pi;
	int ret = TC_ACT_OK; /* cov: 7 */

	if ((void *)(eth + 1) > data_end) /* cov: 7 br: 0,7 */
		return TC_ACT_SHOT; /* cov: 0 */
	if (eth->h_proto != bpf_htons(ETH_P_IP)) { /* cov: 7 br: 1,6 */
		stat_inc(&tc_stats, TC_STAT_NONIP); /* cov: 1 */
		return TC_ACT_OK; /* cov: 1 */
	}
	/* T7's checksum is bad. */
	if (pkt_parse_ipv4(eth + 1, data_end, &pi) < 0) /* cov: 6 br: 1,5 */
		return TC_ACT_SHOT; /* cov: 1 */

	/* Outcomes: TCP (T1), UDP (T2, T3), ICMP (T4), default (T5). */
	switch (pi.proto) { /* cov: 5 br: 1,2,1,1 */
	case IPPROTO_TCP:
		skb->priority = 6; /* cov: 1 */
		break; /* cov: 1 */
	case IPPROTO_UDP:
		stat_inc(&tc_stats, TC_STAT_UDP); /* cov: 2 */
		break; /* cov: 2 */
	case IPPROTO_ICMP:
		ret = TC_ACT_SHOT; /* cov: 1 */
		break; /* cov: 1 */
	default:
		skb->mark = pi.ttl; /* cov: 1 */
		break; /* cov: 1 */
	}
	stat_inc(&tc_stats, TC_STAT_SEEN); /* cov: 5 */
	return ret; /* cov: 5 */
} /* cov: 7 */
