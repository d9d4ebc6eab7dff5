/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Writers for matrix runs and the history store: the object/program x
 * kernel/clang/mcpu table (text with headroom colours, markdown, JSON),
 * regression flags, and the static HTML dashboard. They only format.
 */
#ifndef BPFGAUGE_MATRIX_REPORT_H
#define BPFGAUGE_MATRIX_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "bpfgauge/matrix.h"
#include "bpfgauge/store.h"

#define MATRIX_JSON_SCHEMA_VERSION 1

/* Text table; color adds ANSI headroom colours (green/yellow/red). */
int matrix_write_table(FILE *f, const struct store_cell *cells, size_t n, bool color);
/* Markdown: the table (headroom as coloured dots), then the flags. */
int matrix_write_markdown(FILE *f, const struct store_run *run, const struct store_cell *cells,
			  size_t n, const struct mx_flag *flags, size_t nflags);
/* JSON: run provenance, cells with records, flags; schema_version 1. */
int matrix_write_json(FILE *f, const struct store_run *run, const struct store_cell *cells,
		      size_t n, const struct mx_flag *flags, size_t nflags, bool pretty);
/* Flags as text lines ("object/prog: axis (detail)"). */
void matrix_write_flags(FILE *f, const struct mx_flag *flags, size_t n);

/* One run of the dashboard: its provenance and cells (not owned). */
struct dash_run {
	const struct store_run *run;
	const struct store_cell *cells;
	size_t ncells;
};

/*
 * Write DIR/index.html: a self-contained page (inline CSS and SVG, no
 * scripts fetched) with the latest run's kernel x clang heatmap per
 * program, the insns trend per program over all runs, and the flags with
 * their log excerpts.
 */
int dashboard_write(const char *dir, const struct dash_run *runs, size_t nruns,
		    const struct mx_flag *flags, size_t nflags);

#endif /* BPFGAUGE_MATRIX_REPORT_H */
