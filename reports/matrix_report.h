/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Writers for matrix runs and the history store: the object/program x
 * kernel/clang/mcpu table (text with headroom colours, markdown, JSON),
 * regression flags, the static HTML dashboard, and the history listings.
 * They only format what mx_report_build() and mx_trend() computed.
 */
#ifndef BPFGAUGE_MATRIX_REPORT_H
#define BPFGAUGE_MATRIX_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "bpfgauge/matrix.h"
#include "bpfgauge/store.h"

#define MATRIX_JSON_SCHEMA_VERSION 1

/* Text table; color adds ANSI headroom colours (green/yellow/red) at the levels lv. */
int matrix_write_table(FILE *f, const struct store_cell *cells, size_t n,
		       const struct mx_levels *lv, bool color);
/* Markdown: the table (headroom as coloured dots at the report's levels), then the flags. */
int matrix_write_markdown(FILE *f, const struct mx_report *rep);
/* JSON: run provenance, cells with records, flags; schema_version 1. */
int matrix_write_json(FILE *f, const struct mx_report *rep, bool pretty);
/* Flags as text lines ("object/prog: axis (detail)"). */
void matrix_write_flags(FILE *f, const struct mx_flag *flags, size_t n);
/*
 * The text report: the table (unless no_table), the baseline line, the flag
 * lines, then an ERROR line per cell that could not be measured, with each
 * distinct guest console tail once.
 */
int matrix_write_text(FILE *f, const struct mx_report *rep, bool no_table, bool color);
/*
 * DIR/matrix.md and DIR/matrix.json (DIR is created if missing), each
 * written atomically. 0, or -errno with the path that failed in failed.
 */
int matrix_write_dir(const char *dir, const struct mx_report *rep, char *failed, size_t fsz);

/* One run of the dashboard: its provenance and cells (not owned). */
struct dash_run {
	const struct store_run *run;
	const struct store_cell *cells;
	size_t ncells;
};

/* The dashboard's model and writers are in dashboard.h. */

/* --- history (reports/history_out.c) --- */

/* `history list`: one line (or JSON object) per run. */
int history_write_runs(FILE *f, const struct store_run *runs, size_t n, bool json, bool pretty);
/* `history show`'s header line for a run. */
void history_write_run_header(FILE *f, const struct store_run *run);
/* `history trend`: one line (or JSON object) per point. */
int history_write_trend(FILE *f, const struct mx_trend_point *pts, size_t n, bool json,
			bool pretty);

#endif /* BPFGAUGE_MATRIX_REPORT_H */
