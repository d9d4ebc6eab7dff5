// SPDX-License-Identifier: BSD-2-Clause
/*
 * Root e2e: counts mode must stay exact under concurrency. Several threads,
 * each with its own fd of the same loaded xdp_parse program, run thousands
 * of BPF_PROG_TEST_RUN calls over the fixed packets; the totals must be the
 * annotations times the number of complete input rounds, with no lost
 * increment.
 */
#include "test_cov_common.h"

#include <pthread.h>

#define THREADS 4
#define CALLS_PER_THREAD 3000 /* a multiple of EX_XDP_PKTS */

struct worker {
	uint32_t prog_id;
	char err[256];
	int ret;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int fd = bpf_prog_get_fd_by_id(w->prog_id), i;

	if (fd < 0) {
		w->ret = -errno;
		snprintf(w->err, sizeof(w->err), "bpf_prog_get_fd_by_id: %s", strerror(errno));
		return NULL;
	}
	for (i = 0; i < CALLS_PER_THREAD && !w->ret; i++)
		w->ret = ex_xdp_run_one(fd, i % EX_XDP_PKTS, w->err, sizeof(w->err));
	close(fd);
	return NULL;
}

TEST(test_counts_exact_under_threads)
{
	int i, checked = 0;

	for (i = 0; i < e2e.nmajors; i++) {
		struct worker w[THREADS];
		pthread_t t[THREADS];
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		struct ex_loaded l;
		struct cov_model *m;
		char dir[4096], err[512], what[64];
		int k;

		if (!e2e_have(e2e.majors[i], "counts"))
			continue;
		e2e_dir(dir, sizeof(dir), e2e.majors[i], "counts");
		if (ex_load(dir, ex_find("xdp_parse"), &l, err, sizeof(err)))
			BG_FAIL("%s", err);
		memset(&info, 0, sizeof(info));
		ASSERT_EQ_INT(bpf_obj_get_info_by_fd(
			bpf_program__fd(bpf_object__find_program_by_name(l.obj, "xdp_parse")),
			&info, &len), 0);
		for (k = 0; k < THREADS; k++) {
			memset(&w[k], 0, sizeof(w[k]));
			w[k].prog_id = info.id;
			ASSERT_EQ_INT(pthread_create(&t[k], NULL, worker_main, &w[k]), 0);
		}
		for (k = 0; k < THREADS; k++)
			pthread_join(t[k], NULL);
		for (k = 0; k < THREADS; k++)
			if (w[k].ret) {
				ex_unload(&l);
				BG_FAIL("thread %d: %s", k, w[k].err);
			}
		m = e2e_collect(&l, "concurrency");
		ex_unload(&l);
		ASSERT_TRUE(m != NULL);
		snprintf(what, sizeof(what), "LLVM %d, %d threads x %d runs", e2e.majors[i],
			 THREADS, CALLS_PER_THREAD);
		/* xdp_parse.bpf.c only: common.h's totals cover all examples. */
		e2e_check(m, ANNOT_COUNTS, THREADS * CALLS_PER_THREAD / EX_XDP_PKTS,
			  "xdp_parse.bpf.c", what);
		{
			uint64_t fnda = 0;

			ASSERT_EQ_INT(cov_model__func(m, "xdp_parse", &fnda), 0);
			ASSERT_EQ_U64(fnda, (uint64_t)THREADS * CALLS_PER_THREAD);
		}
		cov_model__free(m);
		checked++;
	}
	ASSERT_TRUE(checked > 0);
}

int main(void)
{
	e2e_init("counts");
	RUN_TEST(test_counts_exact_under_threads);
	return bg_test_summary();
}
