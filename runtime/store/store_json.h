/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one JSON serialiser (and reader) per stored entity: a run, a cell
 * and a cell's records, driven by the field tables of store.c. The history
 * export, the matrix report (reports/matrix_table.c) and the matrix capture
 * a guest prints all use them, so a run or a cell has one JSON shape
 * wherever it appears. In-tree only: json_writer is not installed.
 */
#ifndef BPFGAUGE_STORE_JSON_H
#define BPFGAUGE_STORE_JSON_H

#include <stdbool.h>

#include "bpfgauge/json_read.h"
#include "bpfgauge/store.h"
#include "json_writer.h"

/* The "kind" of a history export (schema_version STORE_SCHEMA_VERSION). */
#define STORE_JSON_KIND "bpfgauge-history"

/*
 * The members of a run into an object the caller has opened (so it can
 * add its own, e.g. "cells"): "id" when with_id (the id is local to one
 * store, so exports leave it out), every string field, "git_dirty".
 */
void store_run__write_json(json_writer_t *jw, const struct store_run *r, bool with_id);
/*
 * The members of a cell: every string field, "btf", "seconds", then
 * "programs", "logs" and "attach" as store_records__write_json writes them.
 */
void store_cell__write_json(json_writer_t *jw, const struct store_cell *c);
/*
 * "programs": [record...], "logs": [log or null...] and "attach": [attach
 * outcome or null...], n of each; attach NULL writes no "attach" member.
 */
void store_records__write_json(json_writer_t *jw, struct vlog_record *const *recs,
			       char *const *logs, char *const *attach, size_t n);

/*
 * Read them back from an object. Strings are copied (absent ones as "");
 * tri-states must be 1, 0 or -1 (absent: -1). On -BPFGAUGE_EBADFORMAT
 * *why names what was wrong; on any error what was read stays in the
 * entity for its release function (store_run_release, store_cells_free).
 */
int store_run__from_json(const struct json_value *o, struct store_run *r, const char **why);
int store_cell__from_json(const struct json_value *o, struct store_cell *c, const char **why);
/*
 * "programs", "logs" and "attach" of o, appended to *recs / *logs /
 * *attach (realloc'ed, always n long); "" or absent logs and attach
 * outcomes (exports older than attach outcomes) become NULL.
 */
int store_records__from_json(const struct json_value *o, struct vlog_record ***recs,
			     char ***logs, char ***attach, size_t *n, const char **why);

#endif /* BPFGAUGE_STORE_JSON_H */
