/* SPDX-License-Identifier: BSD-2-Clause */
/* Internals shared by store.c (SQLite) and store_io.c (export/import). */
#ifndef BPFGAUGE_STORE_INTERNAL_H
#define BPFGAUGE_STORE_INTERNAL_H

#include <sqlite3.h>

#include "bpfgauge/store.h"
#include "bpfgauge/file.h"

struct store {
	sqlite3 *db;
	char *path;
	int ver;      /* PRAGMA user_version: a read-only open also reads version 1 */
};

/* The string fields of runs and cells: one table drives SQL, JSON and CSV. */
struct store_field {
	const char *name;
	size_t off;
};

extern const struct store_field store_run_fields[];
extern const struct store_field store_cell_fields[];

#define STORE_FIELD(base, f) (*(char **)((char *)(base) + (f)->off))

int store_exec(struct store *st, const char *sql);
/* Insert without a transaction of its own (imports batch them). */
int store_run_insert(struct store *st, struct store_run *run);
int store_cell_insert(struct store *st, int64_t run_id, const struct store_cell *c);

#endif /* BPFGAUGE_STORE_INTERNAL_H */
