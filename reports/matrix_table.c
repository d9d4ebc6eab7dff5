/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Matrix writers: the grid layout (object/program rows against
 * kernel/clang/mcpu columns), the text table with headroom colours,
 * markdown for PR comments, JSON, and flag lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "matrix_grid.h"
#include "matrix_report.h"
#include "vlog_json.h"
#include "markup.h"

static void col_of(const struct store_cell *c, struct grid_col *col)
{
	memset(col, 0, sizeof(*col));
	mx_kernel_short(c, col->kernel, sizeof(col->kernel));
	snprintf(col->clang, sizeof(col->clang), "%s", c->clang ? c->clang : "");
	snprintf(col->mcpu, sizeof(col->mcpu), "%s", c->mcpu ? c->mcpu : "");
	snprintf(col->label, sizeof(col->label), "%s%s%s%s%s", col->kernel, *col->clang ? " clang" : "",
		 col->clang, *col->mcpu ? " " : "", col->mcpu);
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
	g->rec = calloc(g->nrows * g->ncols + 1, sizeof(*g->rec));
	g->err = calloc(g->nrows * g->ncols + 1, sizeof(*g->err));
	g->log = calloc(g->nrows * g->ncols + 1, sizeof(*g->log));
	if (!g->rec || !g->err || !g->log)
		goto nomem;
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
				}
			}
		}
	}
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
	memset(g, 0, sizeof(*g));
}

/* 0 green (>= 50% headroom), 1 yellow (>= 30%), 2 red (< 30% or failed). */
static int level(const struct vlog_record *r)
{
	double pct;

	if (!r || vlog_record__int(r, VLOG_STAT_VERDICT) != VLOG_VERDICT_PASS)
		return 2;
	pct = vlog_record__num(r, VLOG_STAT_INSNS_PCT);
	return pct <= 50 ? 0 : pct <= 70 ? 1 : 2;
}

static void cell_text(const struct vlog_record *r, const char *err, char *buf, size_t size)
{
	if (!r) {
		snprintf(buf, size, "%s", err ? "ERROR" : "-");
		return;
	}
	if (vlog_record__int(r, VLOG_STAT_VERDICT) == VLOG_VERDICT_PASS)
		snprintf(buf, size, "%lld", (long long)vlog_record__int(r, VLOG_STAT_INSNS));
	else
		snprintf(buf, size, "FAIL(%s)", vlog_class_str(vlog_record__int(r, VLOG_STAT_CLASS)));
}

int matrix_write_table(FILE *f, const struct store_cell *cells, size_t n, bool color)
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
			cell_text(g.rec[r * g.ncols + c], g.err[r * g.ncols + c], buf, sizeof(buf));
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

			cell_text(rec, g.err[r * g.ncols + c], buf, sizeof(buf));
			if (color && (rec || g.err[r * g.ncols + c]))
				fprintf(f, "  %s%*s\033[0m", ansi[level(rec)], (int)w[c], buf);
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

int matrix_write_markdown(FILE *f, const struct store_run *run, const struct store_cell *cells,
			  size_t n, const struct mx_flag *flags, size_t nflags)
{
	static const char *const dot[] = { "🟢", "🟡", "🔴" };
	struct grid g;
	char buf[160];

	if (grid_build(cells, n, &g))
		return -ENOMEM;
	fprintf(f, "## bpfgauge matrix");
	if (run)
		fprintf(f, " — run %lld (%s, %s%s)", (long long)run->id, run->started,
			*run->git_commit ? run->git_commit : "no git",
			run->git_dirty == 1 ? ", dirty" : "");
	fprintf(f, "\n\nProcessed insns per cell; 🟢 headroom ≥ 50%%, 🟡 ≥ 30%%, 🔴 below or failed.\n\n");
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

			cell_text(rec, err, buf, sizeof(buf));
			fprintf(f, " %s %s |", rec || err ? dot[level(rec)] : "", buf);
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

static void json_run(json_writer_t *jw, const struct store_run *r)
{
	jw_name(jw, "run");
	jw_start_object(jw);
	jw_int_field(jw, "id", r->id);
	jw_string_field(jw, "uuid", r->uuid);
	jw_string_field(jw, "started", r->started);
	jw_string_field(jw, "finished", r->finished);
	jw_string_field(jw, "status", r->status);
	jw_string_field(jw, "git_commit", r->git_commit);
	jw_int_field(jw, "git_dirty", r->git_dirty);
	jw_string_field(jw, "branch", r->branch);
	jw_string_field(jw, "host_arch", r->host_arch);
	jw_string_field(jw, "host_kernel", r->host_kernel);
	jw_string_field(jw, "label", r->label);
	jw_string_field(jw, "tool_version", r->tool_version);
	jw_end_object(jw);
}

int matrix_write_json(FILE *f, const struct store_run *run, const struct store_cell *cells,
		      size_t n, const struct mx_flag *flags, size_t nflags, bool pretty)
{
	json_writer_t *jw = jw_new(f, pretty);

	if (!jw)
		return -ENOMEM;
	jw_start_object(jw);
	jw_int_field(jw, "schema_version", MATRIX_JSON_SCHEMA_VERSION);
	jw_string_field(jw, "kind", "bpfgauge-matrix");
	if (run)
		json_run(jw, run);
	jw_name(jw, "cells");
	jw_start_array(jw);
	for (size_t i = 0; i < n; i++) {
		const struct store_cell *c = &cells[i];
		char ks[32];

		mx_kernel_short(c, ks, sizeof(ks));
		jw_start_object(jw);
		jw_string_field(jw, "kernel", c->kernel);
		jw_string_field(jw, "kernel_short", ks);
		jw_string_field(jw, "kernel_release", c->kernel_release);
		jw_string_field(jw, "config_hash", c->config_hash);
		jw_int_field(jw, "btf", c->btf);
		jw_string_field(jw, "clang", c->clang);
		jw_string_field(jw, "clang_version", c->clang_version);
		jw_string_field(jw, "mcpu", c->mcpu);
		jw_string_field(jw, "cflags", c->cflags);
		jw_string_field(jw, "object", c->object);
		jw_string_field(jw, "object_hash", c->object_hash);
		jw_string_field(jw, "status", c->status);
		if (c->error && *c->error) {
			jw_string_field(jw, "error", c->error);
			jw_string_field(jw, "console_tail", c->console_tail);
		}
		jw_name(jw, "programs");
		jw_start_array(jw);
		for (size_t k = 0; k < c->nrecs; k++)
			vlog_record__write_json(jw, c->recs[k], NULL, 0);
		jw_end_array(jw);
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
