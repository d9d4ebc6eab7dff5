// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fixed inputs of the example programs (bpf/examples) and the loader that
 * runs them; see examples.h. The packets here are what the annotations in
 * the example sources count: change one and the annotations must change.
 */
#include "examples.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>

static int ex_err(char *err, size_t errsz, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return ret;
}

/* ---- packets -------------------------------------------------------------- */

#define ETH_P_8021Q_ 0x8100
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_GRE_ 47

struct ex_pkt {
	unsigned char data[128];
	uint32_t len;
};

static void pkt_put16(struct ex_pkt *p, uint16_t v)
{
	p->data[p->len++] = v >> 8;
	p->data[p->len++] = v & 0xff;
}

static void pkt_eth(struct ex_pkt *p, uint16_t type)
{
	static const unsigned char macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};

	memcpy(p->data + p->len, macs, sizeof(macs));
	p->len += sizeof(macs);
	pkt_put16(p, type);
}

static void pkt_vlan(struct ex_pkt *p, uint16_t tci, uint16_t inner)
{
	pkt_put16(p, tci);
	pkt_put16(p, inner);
}

/* IPv4 (no options, TTL 64) + an L4 header: UDP (8 bytes, dport), TCP (20
 * bytes, dport) or raw (8 zero bytes), then payload. */
static void pkt_ipv4(struct ex_pkt *p, uint8_t proto, uint16_t dport, const void *payload,
		     uint32_t plen, bool bad_csum)
{
	unsigned char *ip = p->data + p->len;
	uint32_t l4 = proto == IPPROTO_TCP_ ? 20 : 8, sum = 0, i;
	uint16_t tot = 20 + l4 + plen;

	memset(ip, 0, 20 + l4);
	ip[0] = 0x45;
	ip[2] = tot >> 8;
	ip[3] = tot & 0xff;
	ip[4] = 0x12; /* id */
	ip[8] = 64;   /* ttl */
	ip[9] = proto;
	memcpy(ip + 12, (unsigned char[]){10, 0, 0, 1, 10, 0, 0, 2}, 8);
	for (i = 0; i < 20; i += 2)
		sum += (ip[i] << 8) | ip[i + 1];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	if (bad_csum)
		sum ^= 0x0101;
	ip[10] = sum >> 8;
	ip[11] = sum & 0xff;
	if (proto == IPPROTO_UDP_ || proto == IPPROTO_TCP_) {
		ip[20] = 0x30; /* sport 12345 */
		ip[21] = 0x39;
		ip[22] = dport >> 8;
		ip[23] = dport & 0xff;
		if (proto == IPPROTO_UDP_) {
			ip[24] = (8 + plen) >> 8;
			ip[25] = (8 + plen) & 0xff;
		} else {
			ip[32] = 0x50; /* data offset 5 */
		}
	}
	p->len += 20 + l4;
	if (plen)
		memcpy(p->data + p->len, payload, plen);
	p->len += plen;
}

static void pkt_zeros(struct ex_pkt *p, uint32_t n)
{
	memset(p->data + p->len, 0, n);
	p->len += n;
}

static const unsigned char dns_payload[4] = {1, 0, 0, 1};
static const unsigned char ff_payload[4] = {0xff, 0xff, 0xff, 0xff};

static int ex_test_run(int fd, const struct ex_pkt *p, const void *ctx, uint32_t ctx_sz,
		       uint32_t *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, o); /* repeat 0: syscall programs refuse any other */
	int ret;

	if (p) {
		o.data_in = p->data;
		o.data_size_in = p->len;
	}
	if (ctx) {
		o.ctx_in = ctx;
		o.ctx_size_in = ctx_sz;
	}
	ret = bpf_prog_test_run_opts(fd, &o);
	if (ret)
		return -errno;
	*retval = o.retval;
	return 0;
}

static int ex_prog_fd(struct bpf_object *obj, const char *name, char *err, size_t errsz)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);

	if (!prog)
		return ex_err(err, errsz, -ENOENT, "no program '%s' in the object", name);
	return bpf_program__fd(prog);
}

/* Run packets through prog name and check each verdict. */
static int ex_run_pkts(struct bpf_object *obj, const char *name, const struct ex_pkt *pkts,
		       const uint32_t *want, int n, char *err, size_t errsz)
{
	int fd = ex_prog_fd(obj, name, err, errsz), i, ret;
	uint32_t got = 0;

	if (fd < 0)
		return fd;
	for (i = 0; i < n; i++) {
		ret = ex_test_run(fd, &pkts[i], NULL, 0, &got);
		if (ret)
			return ex_err(err, errsz, ret, "%s: BPF_PROG_TEST_RUN of packet %d: %s",
				      name, i + 1, strerror(-ret));
		if (got != want[i])
			return ex_err(err, errsz, -EPROTO,
				      "%s: packet %d returned %u, expected %u", name, i + 1, got,
				      want[i]);
	}
	return 0;
}

/* ---- xdp_parse ------------------------------------------------------------- */

enum { XDP_ABORTED_, XDP_DROP_, XDP_PASS_ };

static void xdp_packets(struct ex_pkt *pk)
{
	memset(pk, 0, sizeof(*pk) * EX_XDP_PKTS);
	pkt_eth(&pk[0], ETH_P_IP); /* P1 IPv4/UDP */
	pkt_ipv4(&pk[0], IPPROTO_UDP_, 53, dns_payload, 4, false);
	pkt_eth(&pk[1], ETH_P_8021Q_); /* P2 802.1Q, IPv4/TCP */
	pkt_vlan(&pk[1], 10, ETH_P_IP);
	pkt_ipv4(&pk[1], IPPROTO_TCP_, 80, NULL, 0, false);
	pkt_eth(&pk[2], ETH_P_8021Q_); /* P3 802.1Q x2, IPv4/UDP */
	pkt_vlan(&pk[2], 20, ETH_P_8021Q_);
	pkt_vlan(&pk[2], 30, ETH_P_IP);
	pkt_ipv4(&pk[2], IPPROTO_UDP_, 53, dns_payload, 4, false);
	pkt_eth(&pk[3], ETH_P_ARP); /* P4 ARP */
	pkt_zeros(&pk[3], 28);
	pkt_eth(&pk[4], ETH_P_IP); /* P5 IPv4/UDP, bad checksum */
	pkt_ipv4(&pk[4], IPPROTO_UDP_, 53, dns_payload, 4, true);
	pkt_eth(&pk[5], ETH_P_8021Q_); /* P6 802.1Q ethertype, 14 bytes */
}

static const uint32_t xdp_verdicts[EX_XDP_PKTS] = {XDP_PASS_, XDP_PASS_, XDP_PASS_,
						   XDP_PASS_, XDP_DROP_, XDP_DROP_};

static int xdp_run(struct bpf_object *obj, char *err, size_t errsz)
{
	struct ex_pkt pk[EX_XDP_PKTS];

	xdp_packets(pk);
	return ex_run_pkts(obj, "xdp_parse", pk, xdp_verdicts, EX_XDP_PKTS, err, errsz);
}

int ex_xdp_run_one(int prog_fd, int idx, char *err, size_t errsz)
{
	static __thread struct ex_pkt pk[EX_XDP_PKTS];
	static __thread bool built;
	uint32_t got = 0;
	int ret;

	if (!built) {
		xdp_packets(pk);
		built = true;
	}
	ret = ex_test_run(prog_fd, &pk[idx], NULL, 0, &got);
	if (ret)
		return ex_err(err, errsz, ret, "xdp_parse: BPF_PROG_TEST_RUN: %s",
			      strerror(-ret));
	if (got != xdp_verdicts[idx])
		return ex_err(err, errsz, -EPROTO, "xdp_parse: packet %d returned %u", idx + 1,
			      got);
	return 0;
}

/* ---- tc_classify ----------------------------------------------------------- */

#define TC_ACT_OK_ 0
#define TC_ACT_SHOT_ 2

#define EX_TC_PKTS 7

static const uint32_t tc_verdicts[EX_TC_PKTS] = {TC_ACT_OK_, TC_ACT_OK_, TC_ACT_OK_, TC_ACT_SHOT_,
						TC_ACT_OK_, TC_ACT_OK_, TC_ACT_SHOT_};

static void tc_packets(struct ex_pkt *pk)
{
	memset(pk, 0, sizeof(*pk) * EX_TC_PKTS);
	pkt_eth(&pk[0], ETH_P_IP); /* T1 TCP */
	pkt_ipv4(&pk[0], IPPROTO_TCP_, 80, NULL, 0, false);
	pkt_eth(&pk[1], ETH_P_IP); /* T2 UDP */
	pkt_ipv4(&pk[1], IPPROTO_UDP_, 53, dns_payload, 4, false);
	pkt_eth(&pk[2], ETH_P_IP); /* T3 UDP */
	pkt_ipv4(&pk[2], IPPROTO_UDP_, 123, NULL, 0, false);
	pkt_eth(&pk[3], ETH_P_IP); /* T4 ICMP */
	pkt_ipv4(&pk[3], IPPROTO_ICMP_, 0, NULL, 0, false);
	pkt_eth(&pk[4], ETH_P_IP); /* T5 GRE */
	pkt_ipv4(&pk[4], IPPROTO_GRE_, 0, NULL, 0, false);
	pkt_eth(&pk[5], ETH_P_IPV6); /* T6 IPv6 */
	pkt_zeros(&pk[5], 40);
	pkt_eth(&pk[6], ETH_P_IP); /* T7 TCP, bad checksum */
	pkt_ipv4(&pk[6], IPPROTO_TCP_, 80, NULL, 0, true);
}

static int tc_run(struct bpf_object *obj, char *err, size_t errsz)
{
	struct ex_pkt pk[EX_TC_PKTS];

	tc_packets(pk);
	return ex_run_pkts(obj, "tc_classify", pk, tc_verdicts, EX_TC_PKTS, err, errsz);
}

/* ---- sock_filter ----------------------------------------------------------- */

#define EX_SOCK_PKTS 5

/* Kept packets return skb->len: IP 20 + UDP 8 + payload 4. */
static const uint32_t sock_verdicts[EX_SOCK_PKTS] = {32, 32, 0, 0, 0};

static void sock_packets(struct ex_pkt *pk)
{
	memset(pk, 0, sizeof(*pk) * EX_SOCK_PKTS);
	pkt_eth(&pk[0], ETH_P_IP); /* S1 DNS, two zero bytes */
	pkt_ipv4(&pk[0], IPPROTO_UDP_, 53, dns_payload, 4, false);
	pkt_eth(&pk[1], ETH_P_IP); /* S2 DNS, no zero byte */
	pkt_ipv4(&pk[1], IPPROTO_UDP_, 53, ff_payload, 4, false);
	pkt_eth(&pk[2], ETH_P_IP); /* S3 NTP */
	pkt_ipv4(&pk[2], IPPROTO_UDP_, 123, dns_payload, 4, false);
	pkt_eth(&pk[3], ETH_P_IP); /* S4 TCP */
	pkt_ipv4(&pk[3], IPPROTO_TCP_, 53, dns_payload, 4, false);
	pkt_eth(&pk[4], ETH_P_ARP); /* S5 ARP */
	pkt_zeros(&pk[4], 28);
}

static int sock_run(struct bpf_object *obj, char *err, size_t errsz)
{
	struct ex_pkt pk[EX_SOCK_PKTS];

	sock_packets(pk);
	return ex_run_pkts(obj, "sock_filter", pk, sock_verdicts, EX_SOCK_PKTS, err, errsz);
}

/* ---- calls ----------------------------------------------------------------- */

struct calls_args {
	int32_t vals[4];
	int32_t out;
};

static const struct calls_args calls_in[2] = {{{5, -2, 40, 7}, 0}, {{1, 2, 3, -4}, 0}};
static const int32_t calls_want[2] = {100, 18};

static int calls_run(struct bpf_object *obj, char *err, size_t errsz)
{
	const struct calls_args *in = calls_in;
	const int32_t *want = calls_want;
	int fd = ex_prog_fd(obj, "calls_main", err, errsz), i, ret;

	if (fd < 0)
		return fd;
	for (i = 0; i < 2; i++) {
		struct calls_args a = in[i];
		uint32_t rv = 0;

		ret = ex_test_run(fd, NULL, &a, sizeof(a), &rv);
		if (ret)
			return ex_err(err, errsz, ret, "calls_main: BPF_PROG_TEST_RUN: %s",
				      strerror(-ret));
		if (rv != 0 || a.out != want[i])
			return ex_err(err, errsz, -EPROTO,
				      "calls_main: run %d gave out %d (ret %u), expected %d",
				      i + 1, a.out, rv, want[i]);
	}
	return 0;
}

/* ---- loop ------------------------------------------------------------------ */

struct loop_args {
	uint32_t n, stop;
	uint64_t sum;
	uint32_t iters, stopped_at;
};

static const struct loop_args loop_in[3] = {{5, 100, 0, 0, 0}, {10, 3, 0, 0, 0}, {0, 0, 0, 0, 0}};
static const struct loop_args loop_want[3] = {{5, 100, 30, 5, ~0u}, {10, 3, 5, 4, 3},
					      {0, 0, 0, 0, ~0u}};

static int loop_run(struct bpf_object *obj, char *err, size_t errsz)
{
	const struct loop_args *in = loop_in, *want = loop_want;
	int fd = ex_prog_fd(obj, "loop_main", err, errsz), i, ret;

	if (fd < 0)
		return fd;
	for (i = 0; i < 3; i++) {
		struct loop_args a = in[i];
		uint32_t rv = 0;

		ret = ex_test_run(fd, NULL, &a, sizeof(a), &rv);
		if (ret)
			return ex_err(err, errsz, ret, "loop_main: BPF_PROG_TEST_RUN: %s",
				      strerror(-ret));
		if (rv != 0 || memcmp(&a, &want[i], sizeof(a)))
			return ex_err(err, errsz, -EPROTO,
				      "loop_main: run %d gave sum %llu iters %u stopped_at %u",
				      i + 1, (unsigned long long)a.sum, a.iters, a.stopped_at);
	}
	return 0;
}

/* ---- xdp_flow -------------------------------------------------------------- */

enum { XDP_TX_ = 3 };

#define EX_FLOW_PKTS 13

static void flow_packets(struct ex_pkt *pk)
{
	static const unsigned char p6[4] = {0x02, 0x00, 0x05, 0x7f};
	static const unsigned char p7[4] = {0x7f, 0xee, 0x01, 0x00};
	static const unsigned char p10[4] = {0xdd, 0x00, 0x00, 0x00};
	static const unsigned char p11[4] = {0x10, 0xff, 0x00, 0x00};
	static const unsigned char p12[2] = {0x01, 0x02};
	int i;

	memset(pk, 0, sizeof(*pk) * EX_FLOW_PKTS);
	pkt_eth(&pk[0], ETH_P_ARP); /* X1 ARP */
	pkt_zeros(&pk[0], 28);
	pkt_eth(&pk[1], ETH_P_IP); /* X2 IPv4 cut to 40 bytes */
	pkt_ipv4(&pk[1], IPPROTO_UDP_, 53, dns_payload, 4, false);
	pk[1].len = 40;
	pkt_eth(&pk[2], ETH_P_IP); /* X3 ihl 6 */
	pkt_ipv4(&pk[2], IPPROTO_UDP_, 53, dns_payload, 4, false);
	pk[2].data[14] = 0x46;
	pkt_eth(&pk[3], ETH_P_IP); /* X4 TTL 1 */
	pkt_ipv4(&pk[3], IPPROTO_UDP_, 53, dns_payload, 4, false);
	pk[3].data[14 + 8] = 1;
	pkt_eth(&pk[4], ETH_P_IP); /* X5 ICMP */
	pkt_ipv4(&pk[4], IPPROTO_ICMP_, 0, NULL, 0, false);
	pkt_eth(&pk[5], ETH_P_IP); /* X6 flow A */
	pkt_ipv4(&pk[5], IPPROTO_UDP_, 53, p6, 4, false);
	pkt_eth(&pk[6], ETH_P_IP); /* X7 flow A again */
	pkt_ipv4(&pk[6], IPPROTO_UDP_, 53, p7, 4, false);
	for (i = 7; i < 9; i++) { /* X8, X9 flow B */
		pkt_eth(&pk[i], ETH_P_IP);
		pkt_ipv4(&pk[i], IPPROTO_TCP_, 443, NULL, 0, false);
	}
	pkt_eth(&pk[9], ETH_P_IP); /* X10 0xdd */
	pkt_ipv4(&pk[9], IPPROTO_UDP_, 8080, p10, 4, false);
	pkt_eth(&pk[10], ETH_P_IP); /* X11 0xff */
	pkt_ipv4(&pk[10], IPPROTO_UDP_, 8080, p11, 4, false);
	for (i = 11; i < 13; i++) { /* X12, X13 flow C: source port 0 */
		pkt_eth(&pk[i], ETH_P_IP);
		pkt_ipv4(&pk[i], IPPROTO_UDP_, 5000, p12, 2, false);
		pk[i].data[14 + 20] = 0;
		pk[i].data[14 + 21] = 0;
	}
}

static const uint32_t flow_verdicts[EX_FLOW_PKTS] = {
	XDP_PASS_, XDP_DROP_, XDP_PASS_, XDP_DROP_, XDP_PASS_, XDP_PASS_, XDP_PASS_,
	XDP_PASS_, XDP_PASS_, XDP_ABORTED_, XDP_DROP_, XDP_PASS_, XDP_TX_,
};

/* Empty a hash map, so that every run starts with no flow known. */
static int ex_map_clear(struct bpf_map *map, char *err, size_t errsz)
{
	unsigned char key[64];
	int fd = bpf_map__fd(map);

	if (bpf_map__key_size(map) > sizeof(key))
		return ex_err(err, errsz, -E2BIG, "map %s: key too large", bpf_map__name(map));
	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key))
			return ex_err(err, errsz, -errno, "map %s: delete: %s",
				      bpf_map__name(map), strerror(errno));
	return 0;
}

static int flow_run(struct bpf_object *obj, char *err, size_t errsz)
{
	struct bpf_map *flows = bpf_object__find_map_by_name(obj, "flows");
	struct ex_pkt pk[EX_FLOW_PKTS];
	int ret;

	if (!flows)
		return ex_err(err, errsz, -ENOENT, "xdp_flow: no map 'flows'");
	ret = ex_map_clear(flows, err, errsz);
	if (ret)
		return ret;
	flow_packets(pk);
	return ex_run_pkts(obj, "xdp_flow", pk, flow_verdicts, EX_FLOW_PKTS, err, errsz);
}

/* ---- tailcall -------------------------------------------------------------- */

#define EX_TAIL_PKTS 5

/* Slot k of tail_progs holds tail_slots[k]; slot 2 stays empty. */
static const char *const tail_slots[2] = {"tail_ipv4", "tail_arp"};
static const uint32_t tail_verdicts[EX_TAIL_PKTS] = {XDP_PASS_, XDP_DROP_, XDP_TX_, XDP_DROP_,
						     XDP_ABORTED_};

static void tail_packets(struct ex_pkt *pk)
{
	memset(pk, 0, sizeof(*pk) * EX_TAIL_PKTS);
	pkt_eth(&pk[0], ETH_P_IP); /* K1 IPv4/UDP */
	pkt_ipv4(&pk[0], IPPROTO_UDP_, 53, dns_payload, 4, false);
	pkt_eth(&pk[1], ETH_P_ARP); /* K2 ARP */
	pkt_zeros(&pk[1], 28);
	pkt_eth(&pk[2], ETH_P_IPV6); /* K3 IPv6 */
	pkt_zeros(&pk[2], 40);
	pkt_eth(&pk[3], ETH_P_IP); /* K4 IPv4/TCP, TTL 1 */
	pkt_ipv4(&pk[3], IPPROTO_TCP_, 80, NULL, 0, false);
	pk[3].data[14 + 8] = 1;
	pkt_eth(&pk[4], ETH_P_IP); /* K5 IPv4 cut to 20 bytes */
	pkt_ipv4(&pk[4], IPPROTO_UDP_, 53, dns_payload, 4, false);
	pk[4].len = 20;
}

static int tail_run(struct bpf_object *obj, char *err, size_t errsz)
{
	struct bpf_map *progs = bpf_object__find_map_by_name(obj, "tail_progs");
	struct ex_pkt pk[EX_TAIL_PKTS];
	uint32_t k;

	if (!progs)
		return ex_err(err, errsz, -ENOENT, "tailcall: no map 'tail_progs'");
	for (k = 0; k < 2; k++) {
		int fd = ex_prog_fd(obj, tail_slots[k], err, errsz);

		if (fd < 0)
			return fd;
		if (bpf_map_update_elem(bpf_map__fd(progs), &k, &fd, BPF_ANY))
			return ex_err(err, errsz, -errno, "tailcall: cannot fill slot %u: %s", k,
				      strerror(errno));
	}
	tail_packets(pk);
	return ex_run_pkts(obj, "tailcall", pk, tail_verdicts, EX_TAIL_PKTS, err, errsz);
}

/* ---- trace_getpgid --------------------------------------------------------- */

static struct bpf_map *ex_map_suffix(struct bpf_object *obj, const char *suffix)
{
	struct bpf_map *map;
	size_t sl = strlen(suffix);

	bpf_object__for_each_map(map, obj) {
		const char *n = bpf_map__name(map);
		size_t nl = strlen(n);

		if (nl >= sl && !strcmp(n + nl - sl, suffix))
			return map;
	}
	return NULL;
}

/* The getpgid(2) calls, in order; -1 stands for the caller's own pid. */
#define EX_TRACE_CALLS 6
static const int trace_pids[EX_TRACE_CALLS] = {0, 0, 0, -1, -1, 1};

static int trace_prepare(struct bpf_object *obj, char *err, size_t errsz)
{
	struct bpf_map *ro = ex_map_suffix(obj, ".rodata");
	size_t sz = 0;
	uint32_t *tgid;

	if (!ro)
		return ex_err(err, errsz, -ENOENT, "trace_getpgid: no .rodata map");
	tgid = (uint32_t *)bpf_map__initial_value(ro, &sz);
	if (!tgid || sz != sizeof(*tgid))
		return ex_err(err, errsz, -EINVAL,
			      "trace_getpgid: .rodata is %zu bytes, expected target_tgid only",
			      sz);
	*tgid = getpid();
	return 0;
}

int ex_mount_tracefs(void)
{
	if (!access("/sys/kernel/tracing/events", F_OK) ||
	    !access("/sys/kernel/debug/tracing/events", F_OK))
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return -errno;
	return 0;
}

static int trace_run(struct bpf_object *obj, char *err, size_t errsz)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "trace_getpgid");
	struct bpf_map *stats = bpf_object__find_map_by_name(obj, "trace_stats");
	uint64_t before[2] = {0, 0}, after[2] = {0, 0};
	struct bpf_link *link;
	uint32_t k;
	int ret, i;

	if (!prog || !stats)
		return ex_err(err, errsz, -ENOENT, "trace_getpgid: program or map missing");
	ret = ex_mount_tracefs();
	if (ret)
		return ex_err(err, errsz, ret, "trace_getpgid: cannot mount tracefs: %s",
			      strerror(-ret));
	for (k = 0; k < 2; k++)
		bpf_map_lookup_elem(bpf_map__fd(stats), &k, &before[k]);
	link = bpf_program__attach(prog);
	if (!link)
		return ex_err(err, errsz, -errno, "trace_getpgid: attach failed: %s",
			      strerror(errno));
	for (i = 0; i < EX_TRACE_CALLS; i++)
		syscall(SYS_getpgid, trace_pids[i] < 0 ? getpid() : trace_pids[i]);
	bpf_link__destroy(link);
	for (k = 0; k < 2; k++)
		bpf_map_lookup_elem(bpf_map__fd(stats), &k, &after[k]);
	if (after[0] - before[0] != 5 || after[1] - before[1] != 1)
		return ex_err(err, errsz, -EPROTO,
			      "trace_getpgid: saw %llu self and %llu other calls, expected 5 and 1",
			      (unsigned long long)(after[0] - before[0]),
			      (unsigned long long)(after[1] - before[1]));
	return 0;
}

uint64_t ex_foreign_events(struct ex_loaded *l)
{
	struct bpf_map *bss;
	uint64_t v = 0;
	uint32_t k = 0;

	if (!l->obj || strcmp(l->ex->name, "trace_getpgid"))
		return 0;
	bss = ex_map_suffix(l->obj, ".bss");
	if (bss && bpf_map__value_size(bss) == sizeof(v))
		bpf_map_lookup_elem(bpf_map__fd(bss), &k, &v);
	return v;
}

/* ---- table and loader ------------------------------------------------------- */

const struct example ex_all[] = {
	{"xdp_parse", NULL, xdp_run},
	{"tc_classify", NULL, tc_run},
	{"sock_filter", NULL, sock_run},
	{"calls", NULL, calls_run},
	{"loop", NULL, loop_run},
	{"trace_getpgid", trace_prepare, trace_run},
	{"xdp_flow", NULL, flow_run},
	{"tailcall", NULL, tail_run},
};
const size_t ex_cnt = sizeof(ex_all) / sizeof(ex_all[0]);

const struct example *ex_find(const char *name)
{
	size_t i;

	for (i = 0; i < ex_cnt; i++)
		if (!strcmp(ex_all[i].name, name))
			return &ex_all[i];
	return NULL;
}

int ex_load(const char *dir, const struct example *ex, struct ex_loaded *l, char *err,
	    size_t errsz)
{
	int ret;

	memset(l, 0, sizeof(*l));
	snprintf(l->path, sizeof(l->path), "%s/%s.bpf.o", dir, ex->name);
	if (access(l->path, R_OK))
		return ex_err(err, errsz, -errno, "cannot read '%s': %s", l->path,
			      strerror(errno));
	l->obj = bpf_object__open_file(l->path, NULL);
	if (!l->obj) {
		ret = -errno;
		return ex_err(err, errsz, ret, "cannot open '%s': %s", l->path, strerror(-ret));
	}
	l->ex = ex;
	if (ex->prepare) {
		ret = ex->prepare(l->obj, err, errsz);
		if (ret)
			goto fail;
	}
	ret = bpf_object__load(l->obj);
	if (ret) {
		ret = -errno;
		ex_err(err, errsz, ret, "cannot load '%s': %s (verifier log above)", l->path,
		       strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	bpf_object__close(l->obj);
	memset(l, 0, sizeof(*l));
	return ret;
}

void ex_unload(struct ex_loaded *l)
{
	if (l->obj)
		bpf_object__close(l->obj);
	memset(l, 0, sizeof(*l));
}

int ex_run(struct ex_loaded *l, int repeat, char *err, size_t errsz)
{
	int i, ret;

	for (i = 0; i < repeat; i++) {
		ret = l->ex->run(l->obj, err, errsz);
		if (ret)
			return ret;
	}
	return 0;
}

int ex_verified_insns(struct bpf_object *obj, const char **names, uint64_t *insns, int max)
{
	struct bpf_program *prog;
	int n = 0;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);

		if (n >= max)
			break;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			return -errno;
		names[n] = bpf_program__name(prog);
		insns[n++] = info.verified_insns;
	}
	return n;
}

static bool ex_verbose;

static int ex_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level != LIBBPF_WARN && !ex_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

void ex_set_verbose(bool verbose)
{
	ex_verbose = verbose;
	libbpf_set_print(ex_libbpf_print);
}
