// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * Socket filter that keeps DNS queries (IPv4/UDP to port 53) and truncates
 * everything else to zero bytes. Socket filters cannot read the packet
 * directly, so it copies headers out with bpf_skb_load_bytes(), and scans
 * the first payload bytes with a bounded loop that is deliberately not
 * unrolled: 4 iterations and 5 condition checks per kept packet.
 *
 * Fixed input (bpf/runner/examples.c, BPF_PROG_TEST_RUN; the skb starts at
 * the IP header), 5 packets:
 *   S1 IPv4/UDP to 53, payload 01 00 00 01   -> keep (2 zero bytes)
 *   S2 IPv4/UDP to 53, payload ff ff ff ff   -> keep (no zero byte)
 *   S3 IPv4/UDP to 123                       -> drop
 *   S4 IPv4/TCP                              -> drop
 *   S5 ARP                                   -> drop
 */
#include <linux/udp.h>
#include "common.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SCAN_BYTES 4

enum { SOCK_STAT_DNS, SOCK_STAT_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SOCK_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sock_stats SEC(".maps");

/* Zero payload bytes seen in kept packets. */
__u64 zero_bytes = 0;

SEC("socket")
int sock_filter(struct __sk_buff *skb) /* fn: 5 */
{
	/* A failed bpf_skb_load_bytes() leaves these zeroed, and zeroed
	 * headers fail the checks below: no separate error branch needed. */
	struct iphdr ip = {}; /* cov: 5 */
	struct udphdr udp = {}; /* cov: 5 */
	__u32 off, i;

	if (skb->protocol != bpf_htons(ETH_P_IP)) /* cov: 5 br: 1,4 */
		return 0; /* cov: 1 */
	bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)); /* cov: 4 */
	if (ip.protocol != IPPROTO_UDP) /* cov: 4 br: 1,3 */
		return 0; /* cov: 1 */
	off = ip.ihl * 4; /* cov: 3 */
	bpf_skb_load_bytes(skb, off, &udp, sizeof(udp)); /* cov: 3 */
	if (udp.dest != bpf_htons(53)) /* cov: 3 br: 1,2 */
		return 0; /* cov: 1 */

	stat_inc(&sock_stats, SOCK_STAT_DNS); /* cov: 2 */
#pragma clang loop unroll(disable)
	for (i = 0; i < SCAN_BYTES; i++) { /* cov: 10 br: 8,2 */
		__u8 b;

		if (bpf_skb_load_bytes(skb, off + sizeof(udp) + i, &b, 1) < 0) /* cov: 8 br: 0,8 */
			break; /* cov: 0 */
		if (b == 0) /* cov: 8 br: 2,6 */
			__sync_fetch_and_add(&zero_bytes, 1); /* cov: 2 */
	}
	return skb->len; /* cov: 2 */
} /* cov: 5 */
