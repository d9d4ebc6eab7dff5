/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Helpers shared by the root coverage e2e tests (test_cov_*.c): find the
 * example objects of every LLVM major the build selected, load and run them,
 * and collect their coverage. Header-only (with examples.c and annot.c
 * included once per test binary) because the test glob links each test_*.c
 * alone against libbpfgauge.
 */
#ifndef BPFGAUGE_E2E_TEST_COV_COMMON_H
#define BPFGAUGE_E2E_TEST_COV_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bg_test.h"
#include "bpfgauge/cov.h"

#include "annot.c"
#include "examples.c"

#define E2E_MAX_MAJORS 16

struct e2e_env {
	const char *bpf_dir; /* BPFGAUGE_BPF_DIR */
	const char *src;     /* BPFGAUGE_SRC */
	int majors[E2E_MAX_MAJORS];
	int nmajors;
};

static struct e2e_env e2e;

/* Skip unless root and at least one major has objects of the given mode. */
static void e2e_init(const char *need_mode)
{
	const char *m = getenv("BPFGAUGE_LLVM_MAJORS");
	char buf[256], *save = NULL, *tok;
	int with_objs = 0, i;

	if (geteuid() != 0)
		BG_SKIP("needs root (loads BPF programs)");
	e2e.bpf_dir = getenv("BPFGAUGE_BPF_DIR");
	e2e.src = getenv("BPFGAUGE_SRC");
	if (!e2e.bpf_dir || !e2e.src || !m)
		BG_SKIP("BPFGAUGE_BPF_DIR, BPFGAUGE_SRC or BPFGAUGE_LLVM_MAJORS unset (run through ctest)");
	snprintf(buf, sizeof(buf), "%s", m);
	for (tok = strtok_r(buf, ",", &save); tok && e2e.nmajors < E2E_MAX_MAJORS;
	     tok = strtok_r(NULL, ",", &save))
		e2e.majors[e2e.nmajors++] = atoi(tok);
	for (i = 0; i < e2e.nmajors; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/llvm-%d/%s/xdp_parse.bpf.o", e2e.bpf_dir,
			 e2e.majors[i], need_mode);
		if (!access(path, R_OK))
			with_objs++;
		else
			fprintf(stderr, "note: no %s (pass or examples for LLVM %d not built)\n",
				path, e2e.majors[i]);
	}
	if (!with_objs) {
		snprintf(buf, sizeof(buf),
			 "no %s-mode example objects for any of LLVM %s under %s (build bpf_examples)",
			 need_mode, m, e2e.bpf_dir);
		BG_SKIP(buf);
	}
	ex_set_verbose(getenv("BPFGAUGE_E2E_VERBOSE") != NULL);
}

static bool e2e_have(int major, const char *mode)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/llvm-%d/%s/xdp_parse.bpf.o", e2e.bpf_dir, major, mode);
	return !access(path, R_OK);
}

static void e2e_dir(char *buf, size_t size, int major, const char *mode)
{
	snprintf(buf, size, "%s/llvm-%d/%s", e2e.bpf_dir, major, mode);
}

static struct cov_model *e2e_collect(struct ex_loaded *l, const char *tn)
{
	LIBBPF_OPTS(bpfgauge_cov_opts, co, .object_path = l->path, .test_name = tn);

	return bpfgauge_cov_collect(l->obj, &co);
}

/*
 * Load an example, run its input repeat times and collect. The tracepoint
 * example is retried (reset and run again) while other processes' getpgid
 * calls perturbed it. Fails the current test on any error.
 */
static struct cov_model *e2e_run_one(const char *dir, const struct example *ex, int repeat,
				     struct ex_loaded *keep)
{
	struct ex_loaded l;
	struct cov_model *m;
	char err[512];
	int attempt;

	if (ex_load(dir, ex, &l, err, sizeof(err)))
		BG_FAIL("%s", err);
	for (attempt = 0;; attempt++) {
		uint64_t before = ex_foreign_events(&l);

		if (ex_run(&l, repeat, err, sizeof(err))) {
			ex_unload(&l);
			BG_FAIL("%s", err);
		}
		if (ex_foreign_events(&l) == before || attempt == 4)
			break;
		fprintf(stderr, "note: %s perturbed by another process, running again\n",
			ex->name);
		if (bpfgauge_cov_reset(l.obj)) {
			ex_unload(&l);
			BG_FAIL("bpfgauge_cov_reset(%s) failed", l.path);
		}
	}
	m = e2e_collect(&l, ex->name);
	if (!m) {
		int e = errno;

		ex_unload(&l);
		BG_FAIL("bpfgauge_cov_collect(%s): %s", dir, bpfgauge_strerror(e));
	}
	if (keep)
		*keep = l;
	else
		ex_unload(&l);
	return m;
}

/* All examples of one major and mode, merged into one model. */
static __attribute__((unused)) struct cov_model *e2e_run_all(int major, const char *mode, int repeat)
{
	struct cov_model *total = cov_model__new("examples");
	char dir[4096];
	size_t i;

	ASSERT_TRUE(total != NULL);
	e2e_dir(dir, sizeof(dir), major, mode);
	for (i = 0; i < ex_cnt; i++) {
		struct cov_model *m = e2e_run_one(dir, &ex_all[i], repeat, NULL);

		ASSERT_EQ_INT(cov_model__merge(total, m), 0);
		cov_model__free(m);
	}
	return total;
}

static void e2e_load_annotations(struct annot_set *set)
{
	char dir[4096], err[512];

	snprintf(dir, sizeof(dir), "%s/bpf/examples", e2e.src);
	memset(set, 0, sizeof(*set));
	if (annot_load_dir(set, dir, err, sizeof(err)))
		BG_FAIL("%s", err);
}

/* Check model against the annotations; print every mismatch and return
 * their number (an empty model counts as one). */
static size_t e2e_check_quiet(const struct cov_model *model, enum annot_mode mode,
			      uint64_t scale, const char *only_file, const char *what)
{
	static char out[1 << 16];
	struct annot_set set;
	struct annot_check_opts o = {.mode = mode, .scale = scale, .only_file = only_file};
	struct annot_stats st;
	size_t bad;

	e2e_load_annotations(&set);
	bad = annot_check(&set, model, &o, &st, out, sizeof(out));
	annot_set_release(&set);
	fprintf(stderr, "  %s: %zu lines, %zu functions, %zu branch lines (%zu without br:), %zu mismatches\n",
		what, st.lines, st.funcs, st.branch_lines, st.branch_lines_unchecked, bad);
	if (bad)
		fprintf(stderr, "%s: %zu mismatches against the annotations:\n%s", what, bad, out);
	return st.lines ? bad : bad + 1;
}

/* Check model against the annotations; fail with every mismatch listed. */
static void e2e_check(const struct cov_model *model, enum annot_mode mode, uint64_t scale,
		      const char *only_file, const char *what)
{
	size_t bad = e2e_check_quiet(model, mode, scale, only_file, what);

	if (bad)
		BG_FAIL("%s: %zu mismatches against the annotations (listed above)", what, bad);
}

static int e2e_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static __attribute__((unused)) double median_of(double *v, int n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), e2e_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif /* BPFGAUGE_E2E_TEST_COV_COMMON_H */
