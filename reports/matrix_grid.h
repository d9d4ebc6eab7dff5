/* SPDX-License-Identifier: BSD-2-Clause */
/* The row/column layout shared by the matrix writers (layout only, no verdicts). */
#ifndef BPFGAUGE_MATRIX_GRID_H
#define BPFGAUGE_MATRIX_GRID_H

#include "bpfgauge/store.h"

struct grid_col {
	char label[96];    /* "6.1 clang19 v3" */
	char kernel[32], clang[32], mcpu[32];
};

struct grid_row {
	char object[128], prog[128];
};

struct grid {
	struct grid_col *cols;
	size_t ncols;
	struct grid_row *rows;
	size_t nrows;
	/* cell[r * ncols + c]: the record, or NULL; err: cell error text */
	const struct vlog_record **rec;
	const char **err;
	const char **log;
	const char **attach;
};

/*
 * Rows in the order programs first appear; columns ordered by kernel, then
 * clang, then -mcpu, each as versions (bpfgauge_version_cmp: "6.1" <
 * "6.12" < "6.18", "14" < "22"; the host's column is labelled by its
 * release, so it sorts among the others). attach[r * ncols + c] is that
 * record's attach outcome string (mx_attach_parse), or NULL.
 */
int grid_build(const struct store_cell *cells, size_t n, struct grid *g);
void grid_release(struct grid *g);

#endif /* BPFGAUGE_MATRIX_GRID_H */
