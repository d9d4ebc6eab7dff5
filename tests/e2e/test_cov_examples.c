// SPDX-License-Identifier: BSD-2-Clause
/*
 * Root e2e: the example programs, run on their fixed inputs with every
 * built LLVM major, must produce exactly the annotated coverage (DA, FNDA,
 * BRDA in counts mode; hit/miss in hits mode); reset and repeated runs must
 * behave; lcov output must merge and satisfy the real lcov tools; and every
 * example must load plain, in hits mode and in counts mode, whose verifier
 * cost is printed for the record.
 */
#define _GNU_SOURCE /* strcasestr */
#include "test_cov_common.h"

TEST(test_annotations_all_majors)
{
	static const char *const modes[] = {"counts", "hits"};
	char failed[512] = "";
	int i, k, checked = 0;

	/* Every major and mode is checked before failing, so that one report
	 * shows whether a mismatch depends on the LLVM major. */
	for (i = 0; i < e2e.nmajors; i++)
		for (k = 0; k < 2; k++) {
			struct cov_model *m;
			char what[64];

			if (!e2e_have(e2e.majors[i], modes[k]))
				continue;
			snprintf(what, sizeof(what), "LLVM %d %s", e2e.majors[i], modes[k]);
			m = e2e_run_all(e2e.majors[i], modes[k], 1);
			if (e2e_check_quiet(m, k ? ANNOT_HITS : ANNOT_COUNTS, 1, NULL, what))
				snprintf(failed + strlen(failed), sizeof(failed) - strlen(failed),
					 "%s%s", failed[0] ? ", " : "", what);
			cov_model__free(m);
			checked++;
		}
	ASSERT_TRUE(checked > 0);
	if (failed[0])
		BG_FAIL("mismatches against the annotations in: %s", failed);
}

/* Counts scale with repeated runs, and reset brings a loaded object back to
 * a fresh run's counts. Checked on each example's own file (the shared
 * header's totals need all examples). */
TEST(test_reset_and_repeat)
{
	int i;

	for (i = 0; i < e2e.nmajors; i++) {
		char dir[4096];
		size_t j;

		if (!e2e_have(e2e.majors[i], "counts"))
			continue;
		e2e_dir(dir, sizeof(dir), e2e.majors[i], "counts");
		for (j = 0; j < ex_cnt; j++) {
			const struct example *ex = &ex_all[j];
			struct ex_loaded l;
			struct cov_model *m;
			char file[64], err[512];

			snprintf(file, sizeof(file), "%s.bpf.c", ex->name);
			/* Twice without reset: doubled. */
			m = e2e_run_one(dir, ex, 1, &l);
			cov_model__free(m);
			if (ex_run(&l, 1, err, sizeof(err))) {
				ex_unload(&l);
				BG_FAIL("%s", err);
			}
			m = e2e_collect(&l, ex->name);
			ASSERT_TRUE(m != NULL);
			if (!ex_foreign_events(&l))
				e2e_check(m, ANNOT_COUNTS, 2, file, "run twice, no reset");
			cov_model__free(m);
			/* Reset, then once: a fresh run's counts. */
			ASSERT_EQ_INT(bpfgauge_cov_reset(l.obj), 0);
			m = e2e_collect(&l, ex->name);
			ASSERT_TRUE(m != NULL);
			{
				struct cov_summary s;

				cov_model__summary(m, &s);
				ASSERT_EQ_U64(s.lines_hit, 0);
				ASSERT_EQ_U64(s.funcs_hit, 0);
			}
			cov_model__free(m);
			{
				uint64_t before = ex_foreign_events(&l);

				if (ex_run(&l, 1, err, sizeof(err))) {
					ex_unload(&l);
					BG_FAIL("%s", err);
				}
				m = e2e_collect(&l, ex->name);
				ASSERT_TRUE(m != NULL);
				if (ex_foreign_events(&l) == before)
					e2e_check(m, ANNOT_COUNTS, 1, file, "reset, then run once");
				else
					fprintf(stderr, "note: %s perturbed, reset check skipped\n",
						ex->name);
			}
			cov_model__free(m);
			ex_unload(&l);
		}
	}
}

static int run_tool(const char *cmd, const char *errfile)
{
	char full[16384];

	snprintf(full, sizeof(full), "%s >/dev/null 2>%s", cmd, errfile);
	return system(full);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	if (fread(buf, 1, n, f) != (size_t)n)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

/* A failed assertion leaves the test by longjmp: the temp dir goes at exit. */
static char lcov_tmp_dir[64];

static void lcov_tmp_remove(void)
{
	char cmd[128];

	if (!lcov_tmp_dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", lcov_tmp_dir);
	if (system(cmd))
		fprintf(stderr, "note: could not remove %s\n", lcov_tmp_dir);
}

/* write_lcov merges into an existing file; lcov and genhtml accept it. */
TEST(test_lcov_merge_and_tools)
{
	char tmpl[] = "/tmp/bpfgauge-e2e-lcov.XXXXXX", info[4200], errf[4200], cmd[8192];
	const char *tmp;
	int i;

	tmp = mkdtemp(tmpl);
	ASSERT_TRUE(tmp != NULL);
	snprintf(lcov_tmp_dir, sizeof(lcov_tmp_dir), "%s", tmp);
	atexit(lcov_tmp_remove);
	snprintf(info, sizeof(info), "%s/examples.info", tmp);
	snprintf(errf, sizeof(errf), "%s/stderr.txt", tmp);
	for (i = 0; i < e2e.nmajors; i++) {
		struct cov_model *m, *back;
		char *err;

		if (!e2e_have(e2e.majors[i], "counts"))
			continue;
		unlink(info);
		m = e2e_run_all(e2e.majors[i], "counts", 1);
		ASSERT_EQ_INT(bpfgauge_cov_write_lcov(m, info), 0);
		ASSERT_EQ_INT(bpfgauge_cov_write_lcov(m, info), 0); /* merges: x2 */
		cov_model__free(m);
		back = cov_model__new(NULL);
		ASSERT_EQ_INT(cov_model__read_lcov(back, info), 0);
		e2e_check(back, ANNOT_COUNTS, 2, NULL, "lcov written twice, read back");
		cov_model__free(back);

		snprintf(cmd, sizeof(cmd), "lcov --rc lcov_branch_coverage=1 --summary %s", info);
		if (system("command -v lcov >/dev/null 2>&1 && command -v genhtml >/dev/null 2>&1")) {
			fprintf(stderr, "note: lcov/genhtml not installed (apt-get install lcov): tool check skipped\n");
			break;
		}
		ASSERT_EQ_INT(run_tool(cmd, errf), 0);
		err = slurp(errf);
		if (strcasestr(err, "warning") || strcasestr(err, "error")) {
			fprintf(stderr, "%s", err);
			free(err);
			BG_FAIL("lcov --summary complained about %s", info);
		}
		free(err);
		snprintf(cmd, sizeof(cmd),
			 "genhtml --rc lcov_branch_coverage=1 --branch-coverage -o %s/html %s", tmp,
			 info);
		ASSERT_EQ_INT(run_tool(cmd, errf), 0);
		err = slurp(errf);
		if (strcasestr(err, "warning") || strcasestr(err, "error")) {
			fprintf(stderr, "%s", err);
			free(err);
			BG_FAIL("genhtml complained about %s", info);
		}
		free(err);
		snprintf(cmd, sizeof(cmd), "%s/html/index.html", tmp);
		ASSERT_TRUE(access(cmd, R_OK) == 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd))
		fprintf(stderr, "note: could not remove %s\n", tmp);
}

/* Every example loads in all three variants; the cost is printed only
 * (targets are the benchmarks' business). */
TEST(test_verifier_cost_all_load)
{
	static const char *const variants[] = {"plain", "hits", "counts"};
	int i;

	for (i = 0; i < e2e.nmajors; i++) {
		double rh[16], rc[16];
		int nh = 0, nc = 0;
		size_t j;

		if (!e2e_have(e2e.majors[i], "counts") || !e2e_have(e2e.majors[i], "hits"))
			continue;
		fprintf(stderr, "  LLVM %d: %-14s %8s %8s %8s %7s %7s\n", e2e.majors[i], "program",
			"plain", "hits", "counts", "hits/p", "cnt/p");
		for (j = 0; j < ex_cnt; j++) {
			uint64_t insns[3] = {0, 0, 0};
			int v;

			for (v = 0; v < 3; v++) {
				struct ex_loaded l;
				const char *names[8];
				uint64_t ins[8];
				char dir[4096], err[512];
				int n;

				e2e_dir(dir, sizeof(dir), e2e.majors[i], variants[v]);
				if (ex_load(dir, &ex_all[j], &l, err, sizeof(err)))
					BG_FAIL("LLVM %d %s: %s", e2e.majors[i], variants[v], err);
				n = ex_verified_insns(l.obj, names, ins, 8);
				ex_unload(&l);
				ASSERT_TRUE(n >= 1);
				insns[v] = ins[0];
			}
			rh[nh++] = (double)insns[1] / insns[0];
			rc[nc++] = (double)insns[2] / insns[0];
			fprintf(stderr, "  LLVM %d: %-14s %8llu %8llu %8llu %7.3f %7.3f\n",
				e2e.majors[i], ex_all[j].name, (unsigned long long)insns[0],
				(unsigned long long)insns[1], (unsigned long long)insns[2],
				rh[nh - 1], rc[nc - 1]);
		}
		fprintf(stderr, "  LLVM %d: %-14s %8s %8s %8s %7.3f %7.3f\n", e2e.majors[i],
			"median", "", "", "", median_of(rh, nh), median_of(rc, nc));
	}
}

int main(void)
{
	e2e_init("counts");
	RUN_TEST(test_annotations_all_majors);
	RUN_TEST(test_reset_and_repeat);
	RUN_TEST(test_lcov_merge_and_tools);
	RUN_TEST(test_verifier_cost_all_load);
	return bg_test_summary();
}
