/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Writers for verifier results: stats (table, csv, veristat-csv, json),
 * comparisons (table, csv, json), gate results (text, markdown, junit,
 * github, json) and hotspot heat files (lcov). Writers only format what
 * they are given; they never compute verdicts.
 */
#ifndef BPFGAUGE_VERIFIER_REPORT_H
#define BPFGAUGE_VERIFIER_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "bpfgauge/vgate.h"
#include "bpfgauge/vlog.h"
#include "json_writer.h"

struct vreport_opts {
	const int *fields; /* stat ids to show, in order */
	size_t nfields;
	bool pretty;       /* JSON indentation */
};

struct verifier_writer {
	const char *name;
	int (*write)(FILE *f, struct vlog_record **recs, size_t n, const struct vreport_opts *o);
};

/* The stats writer named name ("table", "csv", "veristat-csv", "json"), or NULL. */
const struct verifier_writer *verifier_writer_find(const char *name);

int verifier_write_table(FILE *f, struct vlog_record **recs, size_t n,
			 const struct vreport_opts *o);
int verifier_write_csv(FILE *f, struct vlog_record **recs, size_t n,
		       const struct vreport_opts *o);
int verifier_write_veristat_csv(FILE *f, struct vlog_record **recs, size_t n,
				const struct vreport_opts *o);
int verifier_write_json(FILE *f, struct vlog_record **recs, size_t n,
			const struct vreport_opts *o);

/* Comparison: fields are shown as A, B, diff and % columns. fmt: table|csv|json. */
int verifier_write_compare(const char *fmt, FILE *f, const struct vcompare_row *rows,
			   size_t n, const struct vreport_opts *o);

/* Gate results. fmt: text|markdown|junit|github|json. */
/* A finding's place in the source (from the object's BTF line info). */
struct gate_srcloc {
	const char *file; /* NULL if unknown */
	int line;         /* 0 if unknown */
};
/*
 * locs (may be NULL) has one entry per finding of res: GitHub annotations
 * then point at that file and line instead of the object, and JSON carries
 * them as source_file and source_line.
 */
int verifier_write_gate(const char *fmt, FILE *f, const struct vgate_result *res,
			const struct vcompare_row *rows, size_t n, bool pretty,
			const struct gate_srcloc *locs);

/*
 * lcov "verifier heat": one SF block per source file, DA:<line>,<insns
 * processed>. test_name goes to the TN: line.
 */
int verifier_write_heat_lcov(FILE *f, const char *test_name, const struct vlog_hotspot *hs,
			     size_t n);

/*
 * Hotspots of one log (what names it: a LOG path or OBJ/prog (verdict)),
 * hs sorted most first: the top lines with their share of every insn
 * processed (those of hs plus unattributed, which have no source line).
 */
void verifier_write_hotspots_plain(FILE *f, const char *what, const struct vlog_hotspot *hs,
				   size_t n, uint64_t unattributed, size_t top);
void verifier_write_hotspots_json(json_writer_t *jw, const char *what,
				  const struct vlog_hotspot *hs, size_t n, uint64_t unattributed,
				  size_t top);

#endif /* BPFGAUGE_VERIFIER_REPORT_H */
