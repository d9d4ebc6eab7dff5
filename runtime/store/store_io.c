/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Export and import of the history store, so CI jobs on many machines can
 * each write a file and one merge step combine them. JSON nests runs >
 * cells > programs; CSV (RFC 4180) has one row per program (an empty prog
 * for cells without records) carrying its run and cell columns. Both
 * carry schema_version and read back losslessly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/csv.h"
#include "bpfgauge/json_read.h"
#include "bpfgauge_internal.h"
#include "json_writer.h"
#include "store_internal.h"
#include "store_json.h"

/* A run and its cells being exported or imported. */
struct xrun {
	struct store_run run;
	struct store_cell *cells;
	size_t ncells;
};

static void xruns_free(struct xrun *x, size_t n)
{
	for (size_t i = 0; x && i < n; i++) {
		store_run_release(&x[i].run);
		store_cells_free(x[i].cells, x[i].ncells);
	}
	free(x);
}

static int load_runs(struct store *st, const int64_t *ids, size_t n, struct xrun **out,
		     size_t *nout)
{
	struct store_run *runs;
	size_t nr;
	struct xrun *x;
	int err;

	*out = NULL;
	*nout = 0;
	err = store_runs(st, &runs, &nr);
	if (err)
		return err;
	x = calloc(nr + 1, sizeof(*x));
	if (!x) {
		store_runs_free(runs, nr);
		return bg_err(-ENOMEM);
	}
	for (size_t i = 0; i < nr; i++) {
		bool want = !n;

		for (size_t k = 0; k < n && !want; k++)
			want = ids[k] == runs[i].id;
		if (!want) {
			store_run_release(&runs[i]);
			continue;
		}
		x[*nout].run = runs[i];
		err = store_run_cells(st, runs[i].id, &x[*nout].cells, &x[*nout].ncells);
		(*nout)++;
		if (err)
			break;
	}
	/* on error, runs after the failing one are still in runs[] */
	for (size_t i = 0; err && i < nr; i++) {
		bool moved = false;

		for (size_t k = 0; k < *nout && !moved; k++)
			moved = x[k].run.id == runs[i].id;
		if (!moved)
			store_run_release(&runs[i]);
	}
	free(runs);
	if (err) {
		xruns_free(x, *nout);
		*nout = 0;
		return err;
	}
	*out = x;
	return 0;
}

static void export_json(FILE *f, const struct xrun *x, size_t n)
{
	json_writer_t *jw = jw_new(f, true);

	jw_start_object(jw);
	jw_int_field(jw, "schema_version", STORE_SCHEMA_VERSION);
	jw_string_field(jw, "kind", STORE_JSON_KIND);
	jw_name(jw, "runs");
	jw_start_array(jw);
	for (size_t i = 0; i < n; i++) {
		jw_start_object(jw);
		store_run__write_json(jw, &x[i].run, false);
		jw_name(jw, "cells");
		jw_start_array(jw);
		for (size_t c = 0; c < x[i].ncells; c++) {
			jw_start_object(jw);
			store_cell__write_json(jw, &x[i].cells[c]);
			jw_end_object(jw);
		}
		jw_end_array(jw);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_end_object(jw);
	jw_free(jw);
}

/* CSV columns: fixed provenance columns, then every stat by canonical name. */
static void csv_header(FILE *f)
{
	fputs("schema_version", f);
	for (const struct store_field *fl = store_run_fields; fl->name; fl++)
		fprintf(f, ",run_%s", fl->name);
	fputs(",run_git_dirty", f);
	for (const struct store_field *fl = store_cell_fields; fl->name; fl++)
		fprintf(f, ",cell_%s", fl->name);
	fputs(",cell_btf,cell_seconds,log,attach", f);
	for (int id = 0; id < VLOG_STAT_CNT; id++)
		fprintf(f, ",%s", vlog_stat_def(id)->name);
	fputs("\r\n", f);
}

static void csv_row(FILE *f, const struct store_run *r, const struct store_cell *c,
		    const struct vlog_record *rec, const char *log, const char *attach)
{
	char buf[4096];

	fprintf(f, "%d", STORE_SCHEMA_VERSION);
	for (const struct store_field *fl = store_run_fields; fl->name; fl++) {
		fputc(',', f);
		csv_write_field(f, STORE_FIELD(r, fl));
	}
	fprintf(f, ",%d", r->git_dirty);
	for (const struct store_field *fl = store_cell_fields; fl->name; fl++) {
		fputc(',', f);
		csv_write_field(f, STORE_FIELD(c, fl));
	}
	fprintf(f, ",%d,%.17g,", c->btf, c->seconds);
	csv_write_field(f, log);
	fputc(',', f);
	csv_write_field(f, attach);
	for (int id = 0; id < VLOG_STAT_CNT; id++) {
		fputc(',', f);
		buf[0] = 0;
		if (rec)
			vlog_record__format(rec, id, buf, sizeof(buf));
		csv_write_field(f, buf);
	}
	fputs("\r\n", f);
}

int store_export(struct store *st, const int64_t *ids, size_t n, const char *fmt, FILE *f)
{
	struct xrun *x;
	size_t nx;
	int err;

	if (strcmp(fmt, "json") && strcmp(fmt, "csv")) {
		pr_warn("store: unknown export format '%s' (json, csv)", fmt);
		return bg_err(-EINVAL);
	}
	err = load_runs(st, ids, n, &x, &nx);
	if (err)
		return err;
	if (!strcmp(fmt, "json")) {
		export_json(f, x, nx);
	} else {
		csv_header(f);
		for (size_t i = 0; i < nx; i++)
			for (size_t c = 0; c < x[i].ncells; c++) {
				const struct store_cell *cell = &x[i].cells[c];

				if (!cell->nrecs)
					csv_row(f, &x[i].run, cell, NULL, NULL, NULL);
				for (size_t k = 0; k < cell->nrecs; k++)
					csv_row(f, &x[i].run, cell, cell->recs[k], cell->logs[k],
						cell->attach ? cell->attach[k] : NULL);
			}
	}
	xruns_free(x, nx);
	return ferror(f) ? bg_err(-EIO) : 0;
}

/* --- import --- */

static int cell_push_rec(struct store_cell *c, struct vlog_record *r, const char *log,
			 const char *attach)
{
	void *a = realloc(c->recs, (c->nrecs + 1) * sizeof(*c->recs));
	void *b = a ? realloc(c->logs, (c->nrecs + 1) * sizeof(*c->logs)) : NULL;
	void *t = b ? realloc(c->attach, (c->nrecs + 1) * sizeof(*c->attach)) : NULL;

	if (a)
		c->recs = a;
	if (b)
		c->logs = b;
	if (t)
		c->attach = t;
	if (!a || !b || !t)
		return -ENOMEM;
	c->recs[c->nrecs] = r;
	c->attach[c->nrecs] = attach && *attach ? strdup(attach) : NULL;
	c->logs[c->nrecs++] = log && *log ? strdup(log) : NULL;
	return 0;
}

/* A tri-state (1, 0, -1 unknown) from CSV text; "" is -1. */
static int ttri(const char *t, int *out)
{
	char *e;
	long x;

	if (!*t) {
		*out = -1;
		return 0;
	}
	errno = 0;
	x = strtol(t, &e, 10);
	if (errno || *e || x < -1 || x > 1)
		return -1;
	*out = (int)x;
	return 0;
}

static int parse_json(const char *buf, size_t len, const char *name, struct xrun **out,
		      size_t *nout)
{
	struct json_value *root;
	const struct json_value *runs, *v, *k;
	struct xrun *x = NULL;
	const char *why = "";
	char msg[128];
	int err;

	err = json_parse(buf, len, &root, msg, sizeof(msg));
	if (err) {
		pr_warn("store: %s: %s", name, msg);
		return bg_err(-BPFGAUGE_EBADFORMAT);
	}
	v = json_get(root, "schema_version");
	k = json_get(root, "kind");
	runs = json_get(root, "runs");
	if (!v || json_num(v) != STORE_SCHEMA_VERSION || !k || !json_str(k) ||
	    strcmp(json_str(k), STORE_JSON_KIND) || !runs || json_type(runs) != JSON_ARRAY) {
		pr_warn("store: %s: not a bpfgauge history export with schema_version %d", name,
			STORE_SCHEMA_VERSION);
		json_free(root);
		return bg_err(-BPFGAUGE_EBADFORMAT);
	}
	x = calloc(json_len(runs) + 1, sizeof(*x));
	if (!x) {
		json_free(root);
		return bg_err(-ENOMEM);
	}
	*nout = json_len(runs);
	for (size_t i = 0; i < json_len(runs) && !err; i++) {
		const struct json_value *jr = json_at(runs, i), *cells = json_get(jr, "cells");

		err = store_run__from_json(jr, &x[i].run, &why);
		if (err == -BPFGAUGE_EBADFORMAT)
			pr_warn("store: %s: run %zu: %s", name, i, why);
		if (!err && !(x[i].cells = calloc(json_len(cells) + 1, sizeof(*x[i].cells))))
			err = -ENOMEM;
		for (size_t c = 0; c < json_len(cells) && !err; c++) {
			x[i].ncells = c + 1;
			err = store_cell__from_json(json_at(cells, c), &x[i].cells[c], &why);
			if (err == -BPFGAUGE_EBADFORMAT)
				pr_warn("store: %s: run %zu cell %zu: %s", name, i, c, why);
		}
	}
	json_free(root);
	if (err) {
		xruns_free(x, *nout);
		*nout = 0;
		return bg_err(err);
	}
	*out = x;
	return 0;
}

struct csv_ctx {
	const char *name;
	int col_run[16], col_cell[16], col_dirty, col_btf, col_sec, col_log, col_attach;
	int col_stat[VLOG_STAT_CNT];
	bool header;
	struct xrun *x;
	size_t n;
	int err;
};

static int find_col(char **fields, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(fields[i], name))
			return (int)i;
	return -1;
}

static const char *fld(char **fields, size_t n, int col)
{
	return col >= 0 && (size_t)col < n ? fields[col] : "";
}

/* The header line: find each column by name; run_uuid and prog must be there. */
static int csv_read_header(struct csv_ctx *ctx, char **fields, size_t n, size_t line)
{
	char name[64];
	int i;

	if (n < 1 || strcmp(fields[0], "schema_version")) {
		pr_warn("store: %s:%zu: not a bpfgauge history CSV (no schema_version column)",
			ctx->name, line);
		return -BPFGAUGE_EBADFORMAT;
	}
	i = 0;
	for (const struct store_field *fl = store_run_fields; fl->name; fl++) {
		snprintf(name, sizeof(name), "run_%s", fl->name);
		ctx->col_run[i++] = find_col(fields, n, name);
	}
	i = 0;
	for (const struct store_field *fl = store_cell_fields; fl->name; fl++) {
		snprintf(name, sizeof(name), "cell_%s", fl->name);
		ctx->col_cell[i++] = find_col(fields, n, name);
	}
	ctx->col_dirty = find_col(fields, n, "run_git_dirty");
	ctx->col_btf = find_col(fields, n, "cell_btf");
	ctx->col_sec = find_col(fields, n, "cell_seconds");
	ctx->col_log = find_col(fields, n, "log");
	ctx->col_attach = find_col(fields, n, "attach"); /* absent in older exports */
	for (int id = 0; id < VLOG_STAT_CNT; id++)
		ctx->col_stat[id] = find_col(fields, n, vlog_stat_def(id)->name);
	if (ctx->col_run[0] < 0 || ctx->col_stat[VLOG_STAT_PROG] < 0) {
		pr_warn("store: %s:%zu: missing run_uuid or prog column", ctx->name, line);
		return -BPFGAUGE_EBADFORMAT;
	}
	ctx->header = true;
	return 0;
}

/* The line's run (by uuid), added from the line's run columns when new. */
static int csv_read_run(struct csv_ctx *ctx, char **fields, size_t n, size_t line,
			struct xrun **out)
{
	const char *uuid = fld(fields, n, ctx->col_run[0]);
	struct xrun *xr = NULL;
	int i;

	for (size_t k = 0; k < ctx->n && !xr; k++)
		if (!strcmp(ctx->x[k].run.uuid, uuid))
			xr = &ctx->x[k];
	if (!xr) {
		struct xrun *nx = realloc(ctx->x, (ctx->n + 1) * sizeof(*nx));

		if (!nx)
			return -ENOMEM;
		ctx->x = nx;
		xr = &ctx->x[ctx->n++];
		memset(xr, 0, sizeof(*xr));
		i = 0;
		for (const struct store_field *fl = store_run_fields; fl->name; fl++)
			STORE_FIELD(&xr->run, fl) = strdup(fld(fields, n, ctx->col_run[i++]));
		if (ttri(fld(fields, n, ctx->col_dirty), &xr->run.git_dirty)) {
			pr_warn("store: %s:%zu: run_git_dirty must be 1, 0 or -1", ctx->name, line);
			return -BPFGAUGE_EBADFORMAT;
		}
	}
	*out = xr;
	return 0;
}

/* The line's cell of xr (by kernel, clang, mcpu, object), added when new. */
static int csv_read_cell(struct csv_ctx *ctx, struct xrun *xr, char **fields, size_t n,
			 size_t line, struct store_cell **out)
{
	struct store_cell *cell = NULL;
	int i;

	for (size_t k = 0; k < xr->ncells && !cell; k++) {
		struct store_cell *c = &xr->cells[k];
		bool same = true;

		i = 0;
		for (const struct store_field *fl = store_cell_fields; fl->name && same; fl++, i++)
			if (!strcmp(fl->name, "kernel") || !strcmp(fl->name, "clang") ||
			    !strcmp(fl->name, "mcpu") || !strcmp(fl->name, "object"))
				same = !strcmp(STORE_FIELD(c, fl), fld(fields, n, ctx->col_cell[i]));
		if (same)
			cell = c;
	}
	if (!cell) {
		struct store_cell *nc = realloc(xr->cells, (xr->ncells + 1) * sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		xr->cells = nc;
		cell = &xr->cells[xr->ncells++];
		memset(cell, 0, sizeof(*cell));
		i = 0;
		for (const struct store_field *fl = store_cell_fields; fl->name; fl++)
			STORE_FIELD(cell, fl) = strdup(fld(fields, n, ctx->col_cell[i++]));
		if (ttri(fld(fields, n, ctx->col_btf), &cell->btf)) {
			pr_warn("store: %s:%zu: cell_btf must be 1, 0 or -1", ctx->name, line);
			return -BPFGAUGE_EBADFORMAT;
		}
		cell->seconds = strtod(fld(fields, n, ctx->col_sec), NULL);
	}
	*out = cell;
	return 0;
}

/* The line's program record, onto cell; a line without a prog is a cell without records. */
static int csv_read_record(struct csv_ctx *ctx, struct store_cell *cell, char **fields,
			   size_t n, size_t line)
{
	struct vlog_record *r;

	if (!*fld(fields, n, ctx->col_stat[VLOG_STAT_PROG]))
		return 0;
	r = vlog_record__new();
	if (!r)
		return -ENOMEM;
	for (int id = 0; id < VLOG_STAT_CNT; id++) {
		const char *t = fld(fields, n, ctx->col_stat[id]);

		if (*t && vlog_record__parse_value(r, id, t)) {
			pr_warn("store: %s:%zu: bad value '%s' for %s", ctx->name, line, t,
				vlog_stat_def(id)->name);
			vlog_record__free(r);
			return -BPFGAUGE_EBADFORMAT;
		}
	}
	if (cell_push_rec(cell, r, fld(fields, n, ctx->col_log), fld(fields, n, ctx->col_attach))) {
		vlog_record__free(r);
		return -ENOMEM;
	}
	return 0;
}

/* One CSV line: the header first, then one program record of a run's cell a line. */
static int csv_cb(char **fields, size_t n, size_t line, void *ctx_)
{
	struct csv_ctx *ctx = ctx_;
	struct store_cell *cell = NULL;
	struct xrun *xr = NULL;
	int err;

	if (!ctx->header)
		return csv_read_header(ctx, fields, n, line);
	if (atoi(fields[0]) != STORE_SCHEMA_VERSION) {
		pr_warn("store: %s:%zu: schema_version %s is not %d", ctx->name, line, fields[0],
			STORE_SCHEMA_VERSION);
		return -BPFGAUGE_EBADFORMAT;
	}
	err = csv_read_run(ctx, fields, n, line, &xr);
	if (!err)
		err = csv_read_cell(ctx, xr, fields, n, line, &cell);
	if (!err)
		err = csv_read_record(ctx, cell, fields, n, line);
	return err;
}

int store_import(struct store *st, const char *buf, size_t len, const char *name,
		 size_t *imported, size_t *skipped)
{
	struct xrun *x = NULL;
	size_t nx = 0, i = 0;
	int err;

	*imported = *skipped = 0;
	while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
		i++;
	if (i < len && buf[i] == '{') {
		err = parse_json(buf, len, name, &x, &nx);
	} else {
		struct csv_ctx ctx = { .name = name };

		err = csv_parse(buf, len, csv_cb, &ctx);
		x = ctx.x;
		nx = ctx.n;
		if (!err && !ctx.header) {
			pr_warn("store: %s: empty file", name);
			err = -BPFGAUGE_EBADFORMAT;
		}
	}
	if (err) {
		xruns_free(x, nx);
		return bg_err(err);
	}
	if (store_exec(st, "BEGIN IMMEDIATE")) {
		xruns_free(x, nx);
		return bg_err(-EIO);
	}
	for (size_t k = 0; k < nx && !err; k++) {
		struct store_run probe;

		if (x[k].run.uuid[0] && !store_run_get(st, x[k].run.uuid, &probe) &&
		    !strcmp(probe.uuid, x[k].run.uuid)) {
			store_run_release(&probe);
			(*skipped)++;
			continue;
		}
		store_run_release(&probe);
		err = store_run_insert(st, &x[k].run);
		for (size_t c = 0; c < x[k].ncells && !err; c++)
			err = store_cell_insert(st, x[k].run.id, &x[k].cells[c]);
		if (!err)
			(*imported)++;
	}
	if (err)
		store_exec(st, "ROLLBACK");
	else if (store_exec(st, "COMMIT"))
		err = -EIO;
	xruns_free(x, nx);
	if (err)
		*imported = 0;
	return bg_err(err);
}
