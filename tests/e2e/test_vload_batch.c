// SPDX-License-Identifier: BSD-2-Clause
/*
 * Root e2e: the batch loader (vload_batch) and the opt-in libbpf print
 * hook. Every program of the plain example objects, plus a job naming a
 * program that does not exist, loaded on 3 threads: results in input
 * order, each equal to a lone vload_prog of the same program (processed
 * insns, verdict), the bad job failing with its own reason, progress
 * counting 1..n one call at a time, on_result once per job; the same when
 * pthread_create fails after one thread or at once. The hook:
 * never installed unless asked, chaining messages outside our loads to the
 * host's callback, nesting, and restoring the host's callback.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include <bpf/libbpf.h>
#include <dlfcn.h>
#include <errno.h>
#include <glob.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <unistd.h>

#include "bg_test.h"
#include "bpfgauge/vload.h"
#include "bpfgauge/vlog.h"

#define MAX_JOBS 256

static char objs_glob[4096];

struct seen {
	size_t n;
	size_t progress_calls;
	size_t last_done;
	bool out_of_order;
	size_t total;
	int on_result[MAX_JOBS];
	bool took_log[MAX_JOBS];
};

static void on_result(struct vload_job *j, size_t i, struct vload_result *res, void *ctx)
{
	struct seen *s = ctx;

	/* each index belongs to one worker: no lock needed */
	s->on_result[i]++;
	s->took_log[i] = res->log && res->rec;
}

static void on_progress(size_t done, size_t total, void *ctx)
{
	struct seen *s = ctx; /* calls are serialised by the loader */

	s->progress_calls++;
	if (done != s->last_done + 1)
		s->out_of_order = true;
	s->last_done = done;
	s->total = total;
}

/* Every program of the objects matching objs_glob, then a bogus one in the middle. */
static size_t make_jobs(struct vload_job *jobs, char ***names_out, size_t *nnames, glob_t *g)
{
	size_t n = 0;

	*nnames = 0;
	if (glob(objs_glob, 0, NULL, g) || !g->gl_pathc)
		BG_SKIP("no example objects (build the bpf/ examples first)");
	for (size_t i = 0; i < g->gl_pathc; i++) {
		char **names;
		size_t k;

		ASSERT_EQ_INT(vload_list_progs(g->gl_pathv[i], &names, &k), 0);
		names_out[(*nnames)++] = names;
		for (size_t p = 0; p < k && n < MAX_JOBS - 1; p++) {
			jobs[n++] = (struct vload_job){ .path = g->gl_pathv[i], .prog = names[p] };
			if (i == 0 && p == 0) /* after the first job */
				jobs[n++] = (struct vload_job){ .path = g->gl_pathv[0],
								.prog = "no_such_prog" };
		}
	}
	return n;
}

TEST(test_batch_order_reasons_progress)
{
	static struct vload_job jobs[MAX_JOBS];
	static char **names[MAX_JOBS];
	static struct seen s;
	struct vload_batch_opts bo = { .sz = sizeof(bo), .jobs = 3, .on_result = on_result,
				       .progress = on_progress, .ctx = &s };
	size_t n, nnames;
	char want[8192];
	glob_t g;

	memset(&s, 0, sizeof(s));
	n = make_jobs(jobs, names, &nnames, &g);
	ASSERT_TRUE(n >= 4);
	ASSERT_EQ_INT(vload_batch(jobs, n, &bo), 0);
	ASSERT_EQ_U64(s.progress_calls, n);
	ASSERT_EQ_U64(s.total, n);
	ASSERT_TRUE(!s.out_of_order);
	for (size_t i = 0; i < n; i++) {
		struct vload_result lone;

		if (!strcmp(jobs[i].prog, "no_such_prog")) {
			ASSERT_EQ_INT(jobs[i].err, -ENOENT);
			ASSERT_TRUE(jobs[i].rec == NULL);
			snprintf(want, sizeof(want),
				 "cannot open '%s' for program 'no_such_prog': %s", jobs[i].path,
				 strerror(ENOENT));
			ASSERT_EQ_STR(jobs[i].reason, want);
			ASSERT_EQ_INT(s.on_result[i], 0); /* only for loaded jobs */
			continue;
		}
		ASSERT_EQ_INT(jobs[i].err, 0);
		ASSERT_TRUE(jobs[i].reason == NULL);
		ASSERT_EQ_INT(s.on_result[i], 1);
		ASSERT_TRUE(s.took_log[i]);
		/* input order: job i's record is program i's */
		ASSERT_EQ_STR(vlog_record__str(jobs[i].rec, VLOG_STAT_FILE), jobs[i].path);
		ASSERT_EQ_STR(vlog_record__str(jobs[i].rec, VLOG_STAT_PROG), jobs[i].prog);
		/* the same numbers as a lone load (the oracle: one program, one thread) */
		ASSERT_EQ_INT(vload_prog(jobs[i].path, jobs[i].prog, NULL, &lone), 0);
		ASSERT_EQ_INT(vlog_record__int(jobs[i].rec, VLOG_STAT_VERDICT),
			      vlog_record__int(lone.rec, VLOG_STAT_VERDICT));
		ASSERT_EQ_INT(vlog_record__int(jobs[i].rec, VLOG_STAT_INSNS),
			      vlog_record__int(lone.rec, VLOG_STAT_INSNS));
		vload_result_release(&lone);
	}
	for (size_t i = 0; i < n; i++)
		vload_job_release(&jobs[i]);
	for (size_t i = 0; i < nnames; i++)
		vload_names_free(names[i]);
	globfree(&g);
}

/*
 * pthread_create as the runtime sees it (this executable's definition wins
 * over libc's for the statically linked library): it fails once
 * threads_left reaches 0, counting the calls.
 */
static int threads_left = -1; /* -1: no limit */
static int create_calls;

int pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
	static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

	create_calls++;
	if (threads_left == 0)
		return EAGAIN;
	if (threads_left > 0)
		threads_left--;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pthread_create");
	return real(t, a, fn, arg);
}

/* No job is lost when threads cannot be created: all, or all but one, fail. */
TEST(test_batch_thread_failures)
{
	static struct vload_job jobs[MAX_JOBS];
	static char **names[MAX_JOBS];
	static struct seen s;
	struct vload_batch_opts bo = { .sz = sizeof(bo), .jobs = 4, .progress = on_progress,
				       .ctx = &s };
	size_t n, nnames;
	glob_t g;

	for (int allowed = 0; allowed <= 1; allowed++) {
		memset(&s, 0, sizeof(s));
		n = make_jobs(jobs, names, &nnames, &g);
		threads_left = allowed;
		create_calls = 0;
		ASSERT_EQ_INT(vload_batch(jobs, n, &bo), 0);
		threads_left = -1;
		ASSERT_EQ_INT(create_calls, allowed + 1); /* stops at the first failure */
		ASSERT_EQ_U64(s.progress_calls, n);
		for (size_t i = 0; i < n; i++) {
			bool bogus = !strcmp(jobs[i].prog, "no_such_prog");

			ASSERT_TRUE(bogus ? jobs[i].err == -ENOENT && !jobs[i].rec
					  : !jobs[i].err && jobs[i].rec);
			if (!bogus)
				ASSERT_EQ_STR(vlog_record__str(jobs[i].rec, VLOG_STAT_PROG), jobs[i].prog);
			vload_job_release(&jobs[i]);
		}
		for (size_t i = 0; i < nnames; i++)
			vload_names_free(names[i]);
		globfree(&g);
	}
}

TEST(test_batch_edges)
{
	struct vload_job j[2] = { { .path = "/nonexistent.o", .prog = "x" },
				  { .path = "/nonexistent.o", .prog = NULL } };
	struct vload_batch_opts bo = { .sz = sizeof(bo), .jobs = 64 };

	ASSERT_EQ_INT(vload_batch(NULL, 0, &bo), 0);
	/* a job without a program: nothing is loaded */
	ASSERT_EQ_INT(vload_batch(j, 2, &bo), -EINVAL);
	ASSERT_TRUE(j[0].rec == NULL && j[0].reason == NULL);
	/* more threads than jobs, default options */
	ASSERT_EQ_INT(vload_batch(j, 1, NULL), 0);
	ASSERT_TRUE(j[0].err < 0 && j[0].rec == NULL);
	ASSERT_CONTAINS(j[0].reason, "cannot open '/nonexistent.o' for program 'x'");
	vload_job_release(&j[0]);
	ASSERT_TRUE(j[0].reason == NULL);
}

static int host_msgs;

static int host_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	host_msgs++;
	return 0;
}

static int other_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static libbpf_print_fn_t current_print(void)
{
	libbpf_print_fn_t cur = libbpf_set_print(NULL);

	libbpf_set_print(cur);
	return cur;
}

/* libbpf warns about a file that is not ELF (outside any load of ours). */
static void libbpf_warn_once(void)
{
	struct bpf_object *o = bpf_object__open_file("/proc/self/status", NULL);

	bpf_object__close(o);
}

TEST(test_libbpf_hook_opt_in)
{
	struct vload_result res;
	glob_t g;
	int before;

	if (glob(objs_glob, 0, NULL, &g) || !g.gl_pathc)
		BG_SKIP("no example objects");
	libbpf_set_print(host_print);
	/* not asked: a load leaves the host's callback alone */
	{
		char **names;
		size_t k;

		ASSERT_EQ_INT(vload_list_progs(g.gl_pathv[0], &names, &k), 0);
		ASSERT_EQ_INT(vload_prog(g.gl_pathv[0], names[0], NULL, &res), 0);
		vload_result_release(&res);
		vload_names_free(names);
	}
	ASSERT_TRUE(current_print() == host_print);

	vload_capture_libbpf_log(true);
	ASSERT_TRUE(current_print() != host_print);
	before = host_msgs;
	libbpf_warn_once(); /* not inside a load: chained to the host's callback */
	ASSERT_TRUE(host_msgs > before);
	/* nested: the inner "off" keeps the hook */
	vload_capture_libbpf_log(true);
	vload_capture_libbpf_log(false);
	ASSERT_TRUE(current_print() != host_print);
	vload_capture_libbpf_log(false);
	ASSERT_TRUE(current_print() == host_print);
	/* an extra "off" changes nothing */
	vload_capture_libbpf_log(false);
	ASSERT_TRUE(current_print() == host_print);

	/* replaced while hooked: the last "off" keeps the replacement */
	vload_capture_libbpf_log(true);
	libbpf_set_print(other_print);
	vload_capture_libbpf_log(false);
	ASSERT_TRUE(current_print() == other_print);
	libbpf_set_print(NULL);
	globfree(&g);
}

int main(void)
{
	const char *dir = getenv("BPFGAUGE_BPF_DIR");
	const char *majors = getenv("BPFGAUGE_LLVM_MAJORS");
	const char *last;

	if (geteuid() != 0)
		BG_SKIP("needs root (CAP_BPF) to load programs");
	if (!dir || !majors || !*majors)
		BG_SKIP("BPFGAUGE_BPF_DIR or BPFGAUGE_LLVM_MAJORS unset (run through ctest)");
	last = strrchr(majors, ',');
	snprintf(objs_glob, sizeof(objs_glob), "%s/llvm-%s/plain/*.bpf.o", dir,
		 last ? last + 1 : majors);
	RUN_TEST(test_batch_order_reasons_progress);
	RUN_TEST(test_batch_thread_failures);
	RUN_TEST(test_batch_edges);
	RUN_TEST(test_libbpf_hook_opt_in);
	return bg_test_summary();
}
