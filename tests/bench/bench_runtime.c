// SPDX-License-Identifier: BSD-2-Clause
/*
 * Run-time cost of the coverage probes: ns per run of each bundled example,
 * plain vs hits vs counts objects of one clang, on the examples' fixed inputs
 * (bpf/runner/examples.c, included so the inputs and expected verdicts are the
 * ones the e2e tests check). Packet programs are timed by the kernel under
 * BPF_PROG_TEST_RUN with repeat=N (its per-run average); syscall programs
 * refuse repeat and the tracepoint is not test-runnable, so those are timed
 * with the kernel's BPF run-time stats (bpf_enable_stats) instead, which add
 * the same clock-read overhead to every variant. Rounds alternate the
 * variants; the ratio is the median of the per-round ratios.
 * Prints one JSON object per example on stdout. Root needed.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int bench_repeat = 1;	    /* repeat asked of BPF_PROG_TEST_RUN */
static uint64_t bench_tr_ns, bench_tr_runs; /* kernel-timed runs seen */

static int bench_test_run(int fd, struct bpf_test_run_opts *o)
{
	int ret;

	o->repeat = bench_repeat > 1 ? bench_repeat : 0;
	ret = bpf_prog_test_run_opts(fd, o);
	if (ret && errno == EINVAL && bench_repeat > 1) {
		o->repeat = 0; /* syscall programs: no repeat, no duration */
		return bpf_prog_test_run_opts(fd, o);
	}
	if (!ret && o->duration) {
		bench_tr_ns += (uint64_t)o->duration * o->repeat;
		bench_tr_runs += o->repeat;
	}
	return ret;
}

#define bpf_prog_test_run_opts(fd, o) bench_test_run(fd, o)
#include "examples.c"
#undef bpf_prog_test_run_opts

static const char *variants[3] = {"plain", "hits", "counts"};

/* Sum of run_time_ns and run_cnt over the programs of obj. */
static void prog_stats(struct bpf_object *obj, uint64_t *ns, uint64_t *cnt)
{
	struct bpf_program *p;

	*ns = *cnt = 0;
	bpf_object__for_each_program(p, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_program__fd(p) < 0 ||
		    bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			continue;
		*ns += info.run_time_ns;
		*cnt += info.run_cnt;
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : 0;
}

/* One batch of iters runs of variant l; ns per run, or < 0 on error. */
static double batch(struct ex_loaded *l, bool use_stats, int iters)
{
	uint64_t ns0, c0, ns1, c1;
	char err[512];

	bench_tr_ns = bench_tr_runs = 0;
	prog_stats(l->obj, &ns0, &c0);
	if (ex_run(l, iters, err, sizeof(err))) {
		fprintf(stderr, "bench_runtime: %s: %s\n", l->path, err);
		return -1;
	}
	prog_stats(l->obj, &ns1, &c1);
	if (!use_stats)
		return bench_tr_runs ? (double)bench_tr_ns / bench_tr_runs : -1;
	return c1 > c0 ? (double)(ns1 - ns0) / (c1 - c0) : -1;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 7, repeat = argc > 3 ? atoi(argv[3]) : 1000;
	double budget_ms = argc > 4 ? atof(argv[4]) : 60;
	const char *root = argc > 1 ? argv[1] : NULL;
	size_t e;

	if (!root) {
		fprintf(stderr, "Usage: bench_runtime LLVM_DIR [ROUNDS [REPEAT [BATCH_MS]]]\n"
				"  LLVM_DIR holds {plain,hits,counts}/*.bpf.o (build/bpf/llvm-N)\n");
		return 2;
	}
	ex_set_verbose(false);
	for (e = 0; e < ex_cnt; e++) {
		struct ex_loaded l[3] = {};
		double ns[3][64], ratio[2][64], t0, one;
		bool use_stats;
		int v, r, iters, stats_fd = -1, ok = 1;
		char dir[4096], err[512];

		for (v = 0; v < 3 && ok; v++) {
			snprintf(dir, sizeof(dir), "%s/%s", root, variants[v]);
			if (ex_load(dir, &ex_all[e], &l[v], err, sizeof(err))) {
				fprintf(stderr, "bench_runtime: %s\n", err);
				ok = 0;
			}
		}
		if (!ok)
			goto next;
		/* Probe: does the kernel time it under test-run repeat? */
		bench_repeat = repeat;
		bench_tr_runs = 0;
		if (ex_run(&l[0], 1, err, sizeof(err))) {
			fprintf(stderr, "bench_runtime: %s\n", err);
			goto next;
		}
		use_stats = bench_tr_runs == 0;
		if (use_stats) {
			bench_repeat = 1;
			stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
			if (stats_fd < 0) {
				fprintf(stderr, "bench_runtime: bpf_enable_stats: %s\n",
					strerror(errno));
				goto next;
			}
		}
		t0 = now_ms();
		ex_run(&l[0], 3, err, sizeof(err));
		one = (now_ms() - t0) / 3;
		iters = one > 0 ? (int)(budget_ms / one) : 1000;
		if (iters < 20) /* the tracepoint attaches per run: slow */
			iters = 20;
		if (rounds > 64)
			rounds = 64;
		for (r = 0; r < rounds; r++) {
			for (v = 0; v < 3; v++) {
				int vv = (v + r) % 3; /* rotate the order */

				ns[vv][r] = batch(&l[vv], use_stats, iters);
				if (ns[vv][r] < 0)
					goto next;
			}
			ratio[0][r] = ns[1][r] / ns[0][r];
			ratio[1][r] = ns[2][r] / ns[0][r];
		}
		printf("{\"example\":\"%s\",\"method\":\"%s\",\"rounds\":%d,\"runs_per_round\":%d,"
		       "\"plain_ns\":%.2f,\"hits_ns\":%.2f,\"counts_ns\":%.2f,"
		       "\"hits_ratio\":%.4f,\"counts_ratio\":%.4f}\n",
		       ex_all[e].name, use_stats ? "bpf_stats" : "test_run_repeat", rounds,
		       use_stats ? iters : iters * repeat, median(ns[0], rounds),
		       median(ns[1], rounds), median(ns[2], rounds), median(ratio[0], rounds),
		       median(ratio[1], rounds));
		fflush(stdout);
next:
		if (stats_fd >= 0)
			close(stats_fd);
		for (v = 0; v < 3; v++)
			ex_unload(&l[v]);
	}
	return 0;
}
