/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lcov_annot: check an lcov tracefile written by `bpfgauge cov run` (or
 * `cov report`) against the annotated ground truth of the bundled examples
 * (annot.h), so the cov run tests compare with the annotations and never
 * with numbers taken from bpfgauge's own output. Built by test_cov_run.sh.
 *
 *   lcov_annot SRCDIR LCOV counts|hits SCALE [FILE.bpf.c...]
 *
 * Without FILEs every annotated file is checked (the run must have covered
 * every example, as common.h counts them all); with FILEs only those.
 * Exit 0 exact, 1 mismatch (each one listed), 2 usage or I/O error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annot.h"
#include "bpfgauge/cov.h"

static int check(const struct annot_set *set, const struct cov_model *m,
		 struct annot_check_opts *o, const char *what)
{
	static char out[1 << 16];
	struct annot_stats st;
	size_t bad;

	out[0] = '\0';
	bad = annot_check(set, m, o, &st, out, sizeof(out));
	fputs(out, stderr);
	fprintf(stderr, "lcov_annot: %s x%llu (%s): %zu lines, %zu functions, %zu branch lines: %zu mismatches\n",
		what, (unsigned long long)o->scale, o->mode == ANNOT_HITS ? "hits" : "counts",
		st.lines, st.funcs, st.branch_lines, bad);
	return bad || !st.lines;
}

int main(int argc, char **argv)
{
	struct annot_set set = {0};
	struct annot_check_opts o = {0};
	struct cov_model *m;
	char err[512];
	int rc = 0, err_;

	if (argc < 5) {
		fprintf(stderr, "usage: lcov_annot SRCDIR LCOV counts|hits SCALE [FILE.bpf.c...]\n");
		return 2;
	}
	o.mode = !strcmp(argv[3], "hits") ? ANNOT_HITS : ANNOT_COUNTS;
	o.scale = strtoull(argv[4], NULL, 10);
	m = cov_model__new(NULL);
	if (!m || (err_ = cov_model__read_lcov(m, argv[2]))) {
		fprintf(stderr, "lcov_annot: cannot read '%s': %s\n", argv[2],
			m ? bpfgauge_strerror(err_) : "out of memory");
		return 2;
	}
	if (annot_load_dir(&set, argv[1], err, sizeof(err))) {
		fprintf(stderr, "lcov_annot: %s\n", err);
		return 2;
	}
	if (argc == 5)
		rc |= check(&set, m, &o, "all examples");
	for (int i = 5; i < argc; i++) {
		o.only_file = argv[i];
		rc |= check(&set, m, &o, argv[i]);
	}
	annot_set_release(&set);
	cov_model__free(m);
	return rc;
}
