// SPDX-License-Identifier: BSD-2-Clause
/*
 * The coverage oracle's driver: runs the example programs, compiled for the
 * host with clang's source-based coverage (glue.c, host_bpf.c), on the same
 * fixed inputs as the BPF runs (bpf/runner/examples.c, included here), with
 * the contexts BPF_PROG_TEST_RUN and the getpgid tracepoint give them, and
 * checks every result against the value the program must return. Its
 * profile, exported by llvm-cov, is the oracle that test_cov_oracle.sh
 * compares with the annotations and with bpfgauge's lcov.
 *
 *   oracle_run   exit 0 ok, 1 a result differs from the expected one
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "examples.c"
#include "host_bpf.h"

typedef int (*prog_fn)(void *ctx);

int xdp_parse(struct xdp_md *ctx);
int tc_classify(struct __sk_buff *skb);
int sock_filter(struct __sk_buff *skb);
int calls_main(struct calls_args *args);
int loop_main(struct loop_args *args);
int trace_getpgid(void *ctx);
int xdp_flow(struct xdp_md *ctx);
int tailcall(struct xdp_md *ctx);
int tail_ipv4(struct xdp_md *ctx);
int tail_arp(struct xdp_md *ctx);
void oracle_set_target_tgid(__u32 tgid);

/* The layout of trace_getpgid.bpf.c's context (the tracepoint's format). */
struct oracle_trace_ctx {
	uint64_t common;
	int32_t syscall_nr;
	uint32_t pad;
	uint64_t pid;
};

/* Packet bytes live below 4 GiB: the contexts hold 32-bit data pointers. */
static unsigned char *oracle_buf;
static int oracle_failed;

static uint32_t oracle_ptr(const void *p)
{
	return (uint32_t)(unsigned long)p;
}

enum oracle_kind { OR_XDP, OR_TC, OR_SOCKET };

/* One packet as BPF_PROG_TEST_RUN presents it to each program type. */
static int oracle_pkt(enum oracle_kind kind, prog_fn prog, const struct ex_pkt *p)
{
	struct xdp_md md;
	struct __sk_buff skb;
	uint16_t proto;

	memcpy(oracle_buf, p->data, p->len);
	memcpy(&proto, p->data + 12, sizeof(proto)); /* eth_type_trans() */
	switch (kind) {
	case OR_XDP:
		memset(&md, 0, sizeof(md));
		md.data = oracle_ptr(oracle_buf);
		md.data_end = oracle_ptr(oracle_buf + p->len);
		return host_run(prog, &md);
	case OR_TC: /* from the Ethernet header */
	case OR_SOCKET: /* from the network header */
		memset(&skb, 0, sizeof(skb));
		skb.protocol = proto;
		skb.data = oracle_ptr(oracle_buf + (kind == OR_SOCKET ? 14 : 0));
		skb.data_end = oracle_ptr(oracle_buf + p->len);
		skb.len = p->len - (kind == OR_SOCKET ? 14 : 0);
		return host_run(prog, &skb);
	}
	return -1;
}

static void oracle_pkts(const char *name, enum oracle_kind kind, prog_fn prog,
			const struct ex_pkt *pk, const uint32_t *want, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		uint32_t got = (uint32_t)oracle_pkt(kind, prog, &pk[i]);

		if (got != want[i]) {
			fprintf(stderr, "oracle: %s: packet %d returned %u, expected %u\n", name,
				i + 1, got, want[i]);
			oracle_failed = 1;
		}
	}
}

int main(void)
{
	struct ex_pkt pk[16];
	int i;

	oracle_buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
			  -1, 0);
	if (oracle_buf == MAP_FAILED) {
		perror("oracle: mmap(MAP_32BIT)");
		return 2;
	}

	xdp_packets(pk);
	oracle_pkts("xdp_parse", OR_XDP, (prog_fn)xdp_parse, pk, xdp_verdicts, EX_XDP_PKTS);
	tc_packets(pk);
	oracle_pkts("tc_classify", OR_TC, (prog_fn)tc_classify, pk, tc_verdicts, EX_TC_PKTS);
	sock_packets(pk);
	oracle_pkts("sock_filter", OR_SOCKET, (prog_fn)sock_filter, pk, sock_verdicts,
		    EX_SOCK_PKTS);

	for (i = 0; i < 2; i++) {
		struct calls_args a = calls_in[i];
		int rv = host_run((prog_fn)calls_main, &a);

		if (rv != 0 || a.out != calls_want[i]) {
			fprintf(stderr, "oracle: calls_main: run %d gave out %d (ret %d)\n", i + 1,
				a.out, rv);
			oracle_failed = 1;
		}
	}
	for (i = 0; i < 3; i++) {
		struct loop_args a = loop_in[i];
		int rv = host_run((prog_fn)loop_main, &a);

		if (rv != 0 || memcmp(&a, &loop_want[i], sizeof(a))) {
			fprintf(stderr, "oracle: loop_main: run %d gave sum %llu iters %u\n", i + 1,
				(unsigned long long)a.sum, a.iters);
			oracle_failed = 1;
		}
	}

	/* The runner's getpgid(2) calls: the tracepoint sees each pid argument,
	 * and the current task is the runner itself. */
	oracle_set_target_tgid(getpid());
	host_pid_tgid = (uint64_t)getpid() << 32 | (uint32_t)getpid();
	for (i = 0; i < EX_TRACE_CALLS; i++) {
		struct oracle_trace_ctx c = {0};

		c.pid = trace_pids[i] < 0 ? (uint64_t)getpid() : (uint64_t)trace_pids[i];
		host_run((prog_fn)trace_getpgid, &c);
	}

	host_map_clear(host_map_by_name("flows"));
	flow_packets(pk);
	oracle_pkts("xdp_flow", OR_XDP, (prog_fn)xdp_flow, pk, flow_verdicts, EX_FLOW_PKTS);

	host_prog_array_set(host_map_by_name("tail_progs"), 0, (prog_fn)tail_ipv4);
	host_prog_array_set(host_map_by_name("tail_progs"), 1, (prog_fn)tail_arp);
	tail_packets(pk);
	oracle_pkts("tailcall", OR_XDP, (prog_fn)tailcall, pk, tail_verdicts, EX_TAIL_PKTS);

	munmap(oracle_buf, 4096);
	return oracle_failed;
}
