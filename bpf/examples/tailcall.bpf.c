// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * Tail calls: an XDP dispatcher picks a slot of a program array by
 * ethertype (a chain of ternaries) and tail-calls it. A tail call that
 * succeeds never returns, so the lines after it run only for the packets
 * whose slot is empty. The runner fills slot 0 (IPv4) with tail_ipv4 and
 * slot 1 (ARP) with tail_arp before each run; slot 2 (anything else) stays
 * empty. Each tail-called program is a function of the source with its own
 * FN record, entered once per tail call.
 *
 * Fixed input (bpf/runner/examples.c, BPF_PROG_TEST_RUN of tailcall), 5
 * packets:
 *   K1 IPv4/UDP, TTL 64   -> slot 0: tail_ipv4 -> PASS
 *   K2 ARP                -> slot 1: tail_arp  -> DROP
 *   K3 IPv6               -> slot 2 empty      -> TX
 *   K4 IPv4/TCP, TTL 1    -> slot 0: tail_ipv4 -> DROP
 *   K5 IPv4, 20 bytes     -> slot 0: tail_ipv4 -> ABORTED (truncated)
 */
#include "common.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u32);
} tail_progs SEC(".maps");

/* Packets whose slot held no program. */
__u64 tail_missed = 0;

SEC("xdp")
int tailcall(struct xdp_md *ctx) /* fn: 5 */
{
	void *data_end = (void *)(long)ctx->data_end; /* cov: 5 */
	void *data = (void *)(long)ctx->data; /* cov: 5 */
	struct ethhdr *eth = data; /* cov: 5 */
	__u32 slot;

	/* BPF_PROG_TEST_RUN refuses packets shorter than an Ethernet header. */
	if ((void *)(eth + 1) > data_end) /* cov: 5 br: 0,5 */
		return XDP_ABORTED; /* cov: 0 */
	/* IPv4: K1, K4, K5; ARP: K2; IPv6: K3. */
	slot = eth->h_proto == bpf_htons(ETH_P_IP) ? 0 : eth->h_proto == bpf_htons(ETH_P_ARP) ? 1 : 2; /* cov: 5 br: 3,2;1,1 */
	bpf_tail_call(ctx, &tail_progs, slot); /* cov: 5 */
	/* Only K3 gets here: the other slots hold a program. llvm-cov assumes
	 * that every call returns, so the host oracle counts all 5. */
	__sync_fetch_and_add(&tail_missed, 1); /* cov: 1 oracle: 5 (llvm-cov: calls return) */
	return XDP_TX; /* cov: 1 oracle: 5 (llvm-cov: calls return) */
} /* cov: 1 */

/* Slot 0: K1, K4, K5. */
SEC("xdp")
int tail_ipv4(struct xdp_md *ctx) /* fn: 3 */
{
	void *data_end = (void *)(long)ctx->data_end; /* cov: 3 */
	struct iphdr *ip = (void *)(long)ctx->data + sizeof(struct ethhdr); /* cov: 3 */

	if ((void *)(ip + 1) > data_end) /* cov: 3 br: 1,2 */
		return XDP_ABORTED; /* cov: 1 */
	return ip->ttl > 1 ? XDP_PASS : XDP_DROP; /* cov: 2 br: 1,1 */
} /* cov: 3 */

/* Slot 1: K2. A single return: the closing brace may carry nothing. */
SEC("xdp")
int tail_arp(struct xdp_md *ctx) /* fn: 1 */
{
	return XDP_DROP; /* cov: 1 */
} /* cov: 1? (single return at the end: clang may give the brace no code) */
