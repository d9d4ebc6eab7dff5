/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hand-made matrix cells for the matrix unit tests (flags, arch): one
 * record per cell, as the matrix stores it, and the flags of such cells
 * under the default policy. Include after bg_test.h.
 */
#ifndef BG_MX_CELLS_H
#define BG_MX_CELLS_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/matrix.h"
#include "bpfgauge/store.h"
#include "bpfgauge/vgate.h"

/* kernel label, release, arch column (NULL: none), clang, -mcpu; r and attach owned by c */
static void mx_test_cell(struct store_cell *c, const char *kernel, const char *krel,
			 const char *arch, const char *clang, const char *mcpu,
			 struct vlog_record *r, const char *attach)
{
	memset(c, 0, sizeof(*c));
	c->kernel = strdup(kernel);
	c->kernel_release = strdup(krel);
	c->arch = arch ? strdup(arch) : NULL;
	c->config_hash = strdup("");
	c->btf = 1;
	c->clang = strdup(clang);
	c->clang_version = strdup("");
	c->mcpu = strdup(mcpu);
	c->cflags = strdup("");
	c->object = strdup("obj");
	c->object_hash = strdup("0123");
	c->status = strdup("ok");
	c->error = strdup("");
	c->console_tail = strdup("");
	c->recs = calloc(1, sizeof(*c->recs));
	c->logs = calloc(1, sizeof(*c->logs));
	c->attach = calloc(1, sizeof(*c->attach));
	c->recs[0] = r;
	c->attach[0] = attach ? strdup(attach) : NULL;
	c->nrecs = 1;
}

/* The flags of cells (no baseline) under the default policy. */
static size_t flags_of(struct store_cell *cells, size_t n, struct mx_flag **flags)
{
	struct vpolicy *pol;
	size_t nf = 0;

	ASSERT_EQ_INT(mx_policy_load(NULL, &pol), 0);
	ASSERT_EQ_INT(mx_flags(NULL, 0, cells, n, pol, flags, &nf), 0);
	vpolicy_free(pol);
	return nf;
}

static const struct mx_flag *find_flag(const struct mx_flag *f, size_t n, enum mx_flag_kind k)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].kind == k)
			return &f[i];
	return NULL;
}

static void free_cells(struct store_cell *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_cell_release(&c[i]);
}

/* Run sql on the SQLite file at path directly (old layouts, edits by hand). */
static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;

	ASSERT_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	ASSERT_EQ_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* A run and its cells as a store reads them back; mx_read_release frees them. */
struct mx_read {
	struct store_run run;
	struct store_cell *cells;
	size_t n;
};

/* Run spec ("latest", an id) of st, which must have exactly one cell. */
static void mx_read_one(struct store *st, const char *spec, struct mx_read *r)
{
	ASSERT_EQ_INT(store_run_get(st, spec, &r->run), 0);
	ASSERT_EQ_INT(store_run_cells(st, r->run.id, &r->cells, &r->n), 0);
	ASSERT_EQ_INT(r->n, 1);
}

static void mx_read_release(struct mx_read *r)
{
	store_cells_free(r->cells, r->n);
	store_run_release(&r->run);
}

/* Run id of st exported as fmt ("json", "csv"): the text (the caller frees it). */
static char *mx_export_run(struct store *st, int64_t id, const char *fmt, size_t *len)
{
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);

	ASSERT_TRUE(m);
	ASSERT_EQ_INT(store_export(st, &id, 1, fmt, m), 0);
	fclose(m);
	return buf;
}

/* A new store at path with an export imported into it: exactly one run. */
static struct store *mx_import_one(const char *path, const char *text, size_t len)
{
	struct store *s;
	size_t imp = 0, skip = 0;

	ASSERT_EQ_INT(store_open(path, &s), 0);
	ASSERT_EQ_INT(store_import(s, text, len, "import", &imp, &skip), 0);
	ASSERT_EQ_INT(imp, 1);
	return s;
}

#endif /* BG_MX_CELLS_H */
