/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Matrix writers: the grid layout (object/program rows against
 * kernel/clang/mcpu columns), the text table with headroom colours,
 * markdown for PR comments, JSON, and flag lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bpfgauge/file.h"
#include "json_writer.h"
#include "matrix_grid.h"
#include "matrix_report.h"
#include "markup.h"
#include "store_json.h"
#include "version.h"

static void col_of(const struct store_cell *c, struct grid_col *col)
{
	memset(col, 0, sizeof(*col));
	mx_kernel_short(c, col->kernel, sizeof(col->kernel));
	snprintf(col->clang, sizeof(col->clang), "%s", c->clang ? c->clang : "");
	snprintf(col->mcpu, sizeof(col->mcpu), "%s", c->mcpu ? c->mcpu : "");
	snprintf(col->label, sizeof(col->label), "%s%s%s%s%s", col->kernel, *col->clang ? " clang" : "",
		 col->clang, *col->mcpu ? " " : "", col->mcpu);
}

/* Kernels, then clangs, then -mcpu, each ordered as versions (6.1 < 6.12 < 6.18). */
static int col_cmp(const void *a, const void *b)
{
	const struct grid_col *x = a, *y = b;
	int d = bpfgauge_version_cmp(x->kernel, y->kernel);

	if (!d)
		d = bpfgauge_version_cmp(x->clang, y->clang);
	if (!d)
		d = bpfgauge_version_cmp(x->mcpu, y->mcpu);
	return d;
}

/* Put each cell's records (and error, log, attach outcome) under its row and column. */
static int grid_fill(const struct store_cell *cells, size_t n, struct grid *g)
{
	g->rec = calloc(g->nrows * g->ncols + 1, sizeof(*g->rec));
	g->err = calloc(g->nrows * g->ncols + 1, sizeof(*g->err));
	g->log = calloc(g->nrows * g->ncols + 1, sizeof(*g->log));
	g->attach = calloc(g->nrows * g->ncols + 1, sizeof(*g->attach));
	if (!g->rec || !g->err || !g->log || !g->attach)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct grid_col col;
		size_t c;

		col_of(&cells[i], &col);
		for (c = 0; c < g->ncols && strcmp(g->cols[c].label, col.label); c++)
			;
		for (size_t r = 0; r < g->nrows; r++) {
			if (strcmp(g->rows[r].object, cells[i].object))
				continue;
			if (cells[i].error && *cells[i].error)
				g->err[r * g->ncols + c] = cells[i].error;
			for (size_t k = 0; k < cells[i].nrecs; k++) {
				const char *p = vlog_record__str(cells[i].recs[k], VLOG_STAT_PROG);

				if (p && !strcmp(p, g->rows[r].prog)) {
					g->rec[r * g->ncols + c] = cells[i].recs[k];
					g->log[r * g->ncols + c] = cells[i].logs ? cells[i].logs[k] : NULL;
					g->attach[r * g->ncols + c] =
						cells[i].attach ? cells[i].attach[k] : NULL;
				}
			}
		}
	}
	return 0;
}

int grid_build(const struct store_cell *cells, size_t n, struct grid *g)
{
	size_t nrec = 0;

	memset(g, 0, sizeof(*g));
	for (size_t i = 0; i < n; i++)
		nrec += cells[i].nrecs ? cells[i].nrecs : 1;
	g->cols = calloc(n + 1, sizeof(*g->cols));
	g->rows = calloc(nrec + 1, sizeof(*g->rows));
	if (!g->cols || !g->rows)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		struct grid_col col;
		size_t c;

		col_of(&cells[i], &col);
		for (c = 0; c < g->ncols; c++)
			if (!strcmp(g->cols[c].label, col.label))
				break;
		if (c == g->ncols)
			g->cols[g->ncols++] = col;
		for (size_t k = 0; k < cells[i].nrecs; k++) {
			const char *p = vlog_record__str(cells[i].recs[k], VLOG_STAT_PROG);
			size_t r;

			for (r = 0; r < g->nrows; r++)
				if (!strcmp(g->rows[r].object, cells[i].object) &&
				    !strcmp(g->rows[r].prog, p ? p : ""))
					break;
			if (r == g->nrows) {
				snprintf(g->rows[r].object, sizeof(g->rows[r].object), "%s", cells[i].object);
				snprintf(g->rows[r].prog, sizeof(g->rows[r].prog), "%s", p ? p : "");
				g->nrows++;
			}
		}
		if (!cells[i].nrecs) {
			size_t r;

			for (r = 0; r < g->nrows; r++)
				if (!strcmp(g->rows[r].object, cells[i].object))
					break;
			if (r == g->nrows) {
				snprintf(g->rows[r].object, sizeof(g->rows[r].object), "%s", cells[i].object);
				snprintf(g->rows[r].prog, sizeof(g->rows[r].prog), "*");
				g->nrows++;
			}
		}
	}
	qsort(g->cols, g->ncols, sizeof(*g->cols), col_cmp);
	if (grid_fill(cells, n, g))
		goto nomem;
	return 0;
nomem:
	grid_release(g);
	return -ENOMEM;
}

void grid_release(struct grid *g)
{
	free(g->cols);
	free(g->rows);
	free(g->rec);
	free(g->err);
	free(g->log);
	free(g->attach);
	memset(g, 0, sizeof(*g));
}

/* "1270", "1270 attach:ENOTSUPP" (verified, attaching failed), "FAIL(complexity)". */
static void cell_text(const struct vlog_record *r, const char *err, const char *attach, char *buf,
		      size_t size)
{
	struct mx_attach a;

	if (!r) {
		snprintf(buf, size, "%s", err ? "ERROR" : "-");
		return;
	}
	mx_attach_parse(attach, &a);
	if (vlog_record__int(r, VLOG_STAT_VERDICT) == VLOG_VERDICT_PASS)
		snprintf(buf, size, "%lld%s%s", (long long)vlog_record__int(r, VLOG_STAT_INSNS),
			 a.outcome == MX_ATTACH_FAILED ? " attach:" : "",
			 a.outcome == MX_ATTACH_FAILED ? a.err : "");
	else
		snprintf(buf, size, "FAIL(%s)", vlog_class_str(vlog_record__int(r, VLOG_STAT_CLASS)));
}

int matrix_write_table(FILE *f, const struct store_cell *cells, size_t n,
		       const struct mx_levels *lv, bool color)
{
	static const char *const ansi[] = { "\033[32m", "\033[33m", "\033[31m" };
	struct grid g;
	size_t w0 = strlen("object/program"), *w;
	char buf[160];

	if (grid_build(cells, n, &g))
		return -ENOMEM;
	w = calloc(g.ncols + 1, sizeof(*w));
	if (!w) {
		grid_release(&g);
		return -ENOMEM;
	}
	for (size_t r = 0; r < g.nrows; r++) {
		size_t l = strlen(g.rows[r].object) + 1 + strlen(g.rows[r].prog);

		if (l > w0)
			w0 = l;
	}
	for (size_t c = 0; c < g.ncols; c++) {
		w[c] = strlen(g.cols[c].label);
		for (size_t r = 0; r < g.nrows; r++) {
			cell_text(g.rec[r * g.ncols + c], g.err[r * g.ncols + c], g.attach[r * g.ncols + c], buf,
				  sizeof(buf));
			if (strlen(buf) > w[c])
				w[c] = strlen(buf);
		}
	}
	fprintf(f, "%-*s", (int)w0, "object/program");
	for (size_t c = 0; c < g.ncols; c++)
		fprintf(f, "  %*s", (int)w[c], g.cols[c].label);
	fputc('\n', f);
	for (size_t r = 0; r < g.nrows; r++) {
		snprintf(buf, sizeof(buf), "%s/%s", g.rows[r].object, g.rows[r].prog);
		fprintf(f, "%-*s", (int)w0, buf);
		for (size_t c = 0; c < g.ncols; c++) {
			const struct vlog_record *rec = g.rec[r * g.ncols + c];

			cell_text(rec, g.err[r * g.ncols + c], g.attach[r * g.ncols + c], buf, sizeof(buf));
			if (color && (rec || g.err[r * g.ncols + c]))
				fprintf(f, "  %s%*s\033[0m", ansi[mx_level(rec, lv)], (int)w[c], buf);
			else
				fprintf(f, "  %*s", (int)w[c], buf);
		}
		fputc('\n', f);
	}
	free(w);
	grid_release(&g);
	return ferror(f) ? -EIO : 0;
}

void matrix_write_flags(FILE *f, const struct mx_flag *flags, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "FLAG %s/%s: %s [%s] (%s)\n", flags[i].object, flags[i].prog, flags[i].axis,
			mx_flag_kind_str(flags[i].kind), flags[i].detail);
}

int matrix_write_markdown(FILE *f, const struct mx_report *rep)
{
	const struct store_run *run = rep->run;
	const struct mx_flag *flags = rep->flags;
	size_t nflags = rep->nflags;
	static const char *const dot[] = { "🟢", "🟡", "🔴" };
	struct grid g;
	char buf[160];

	if (grid_build(rep->cells, rep->ncells, &g))
		return -ENOMEM;
	fprintf(f, "## bpfgauge matrix");
	if (run)
		fprintf(f, " — run %lld (%s, %s%s)", (long long)run->id, run->started,
			*run->git_commit ? run->git_commit : "no git",
			run->git_dirty == 1 ? ", dirty" : "");
	fprintf(f, "\n\nProcessed insns per cell; 🟢 headroom ≥ %g%%, 🟡 ≥ %g%%, 🔴 below or failed.\n\n",
		100 - rep->levels.warn_pct, 100 - rep->levels.error_pct);
	fprintf(f, "| object/program |");
	for (size_t c = 0; c < g.ncols; c++)
		fprintf(f, " %s |", g.cols[c].label);
	fprintf(f, "\n|---|");
	for (size_t c = 0; c < g.ncols; c++)
		fprintf(f, "---:|");
	fputc('\n', f);
	for (size_t r = 0; r < g.nrows; r++) {
		fprintf(f, "| ");
		markup_md_escape(f, g.rows[r].object);
		fputc('/', f);
		markup_md_escape(f, g.rows[r].prog);
		fprintf(f, " |");
		for (size_t c = 0; c < g.ncols; c++) {
			const struct vlog_record *rec = g.rec[r * g.ncols + c];
			const char *err = g.err[r * g.ncols + c];

			cell_text(rec, err, g.attach[r * g.ncols + c], buf, sizeof(buf));
			fprintf(f, " %s %s |", rec || err ? dot[mx_level(rec, &rep->levels)] : "", buf);
		}
		fputc('\n', f);
	}
	fprintf(f, "\n### Flags\n\n");
	if (!nflags)
		fprintf(f, "None.\n");
	for (size_t i = 0; i < nflags; i++) {
		fprintf(f, "- **");
		markup_md_escape(f, flags[i].object);
		fputc('/', f);
		markup_md_escape(f, flags[i].prog);
		fprintf(f, "**: %s — %s (`%s`)\n", flags[i].axis, flags[i].detail,
			mx_flag_kind_str(flags[i].kind));
	}
	grid_release(&g);
	return ferror(f) ? -EIO : 0;
}

int matrix_write_json(FILE *f, const struct mx_report *rep, bool pretty)
{
	const struct store_run *run = rep->run;
	const struct store_cell *cells = rep->cells;
	const struct mx_flag *flags = rep->flags;
	size_t n = rep->ncells, nflags = rep->nflags;
	json_writer_t *jw = jw_new(f, pretty);

	if (!jw)
		return -ENOMEM;
	jw_start_object(jw);
	jw_int_field(jw, "schema_version", MATRIX_JSON_SCHEMA_VERSION);
	jw_string_field(jw, "kind", "bpfgauge-matrix");
	if (run) {
		jw_name(jw, "run");
		jw_start_object(jw);
		store_run__write_json(jw, run, true);
		jw_end_object(jw);
	}
	jw_name(jw, "cells");
	jw_start_array(jw);
	for (size_t i = 0; i < n; i++) {
		char ks[32];

		mx_kernel_short(&cells[i], ks, sizeof(ks));
		jw_start_object(jw);
		store_cell__write_json(jw, &cells[i]);
		jw_string_field(jw, "kernel_short", ks);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "flags");
	jw_start_array(jw);
	for (size_t i = 0; i < nflags; i++) {
		jw_start_object(jw);
		jw_string_field(jw, "kind", mx_flag_kind_str(flags[i].kind));
		jw_string_field(jw, "object", flags[i].object);
		jw_string_field(jw, "prog", flags[i].prog);
		jw_string_field(jw, "axis", flags[i].axis);
		jw_string_field(jw, "detail", flags[i].detail);
		jw_string_field(jw, "cells", flags[i].cells);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_end_object(jw);
	jw_free(jw);
	return ferror(f) ? -EIO : 0;
}

/*
 * One ATTACH line per program and attach failure (same errno and cause),
 * naming its cells: "ATTACH obj/prog: failed ENOENT: cause (kernel=6.18
 * clang=14; ...)". The table shows only the errno.
 */
static void write_attach_failures(FILE *f, const struct store_cell *cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; cells[i].attach && k < cells[i].nrecs; k++) {
			const char *a = cells[i].attach[k];
			const char *p = vlog_record__str(cells[i].recs[k], VLOG_STAT_PROG);
			bool seen = false, first = true;

			if (!a || strncmp(a, "failed ", 7) || !p)
				continue;
			/* printed already with an earlier cell? */
			for (size_t j = 0; j < i && !seen; j++)
				for (size_t m = 0; cells[j].attach && m < cells[j].nrecs && !seen; m++)
					seen = cells[j].attach[m] && !strcmp(cells[j].attach[m], a) &&
					       !strcmp(cells[j].object, cells[i].object) &&
					       vlog_record__str(cells[j].recs[m], VLOG_STAT_PROG) &&
					       !strcmp(vlog_record__str(cells[j].recs[m], VLOG_STAT_PROG), p);
			if (seen)
				continue;
			fprintf(f, "ATTACH %s/%s: %s (", cells[i].object, p, a);
			for (size_t j = i; j < n; j++)
				for (size_t m = 0; cells[j].attach && m < cells[j].nrecs; m++) {
					const char *q = vlog_record__str(cells[j].recs[m], VLOG_STAT_PROG);
					char ks[32];

					if (!cells[j].attach[m] || strcmp(cells[j].attach[m], a) ||
					    strcmp(cells[j].object, cells[i].object) || !q || strcmp(q, p))
						continue;
					mx_kernel_short(&cells[j], ks, sizeof(ks));
					fprintf(f, "%skernel=%s clang=%s mcpu=%s", first ? "" : "; ", ks,
						*cells[j].clang ? cells[j].clang : "-",
						*cells[j].mcpu ? cells[j].mcpu : "-");
					first = false;
				}
			fprintf(f, ")\n");
		}
}

int matrix_write_text(FILE *f, const struct mx_report *rep, bool no_table, bool color)
{
	const struct store_cell *cells = rep->cells;

	if (!no_table)
		matrix_write_table(f, cells, rep->ncells, &rep->levels, color);
	if (rep->base.id)
		fprintf(f, "baseline: run %lld (%s)\n", (long long)rep->base.id, rep->base.started);
	else
		fprintf(f, "baseline: none (first run on this branch)\n");
	matrix_write_flags(f, rep->flags, rep->nflags);
	write_attach_failures(f, cells, rep->ncells);
	for (size_t i = 0; i < rep->ncells; i++) {
		const char *tail = cells[i].console_tail;
		bool shown = false;

		if (!cells[i].error || !*cells[i].error)
			continue;
		fprintf(f, "ERROR cell kernel=%s clang=%s mcpu=%s object=%s: %s\n", cells[i].kernel,
			cells[i].clang, cells[i].mcpu, cells[i].object, cells[i].error);
		/* one boot fails all its cells alike: show each console tail once */
		for (size_t j = 0; j < i && !shown; j++)
			shown = cells[j].console_tail && tail && !strcmp(cells[j].console_tail, tail) &&
				cells[j].error && *cells[j].error;
		if (tail && *tail && !shown)
			fprintf(f, "--- console tail of kernel %s ---\n%s%s--- end of console tail ---\n",
				cells[i].kernel, tail, tail[strlen(tail) - 1] == '\n' ? "" : "\n");
	}
	return ferror(f) ? -EIO : 0;
}

static int md_cb(void *ctx, void *f)
{
	return matrix_write_markdown(f, ctx);
}

static int json_cb(void *ctx, void *f)
{
	return matrix_write_json(f, ctx, true);
}

int matrix_write_dir(const char *dir, const struct mx_report *rep, char *failed, size_t fsz)
{
	/* the report is only read: the callbacks take it as void * */
	void *ctx = (void *)rep;
	int err;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		err = -errno;
		snprintf(failed, fsz, "%s", dir);
		return err;
	}
	snprintf(failed, fsz, "%s/matrix.md", dir);
	err = bpfgauge_write_atomic(failed, md_cb, ctx);
	if (err)
		return err;
	snprintf(failed, fsz, "%s/matrix.json", dir);
	return bpfgauge_write_atomic(failed, json_cb, ctx);
}
