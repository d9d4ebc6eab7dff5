/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * JSON of runs, cells and records, written and read in one place (see
 * store_json.h): the field tables of store.c drive the string members, so
 * a field added to a table appears in every JSON output and input at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge_internal.h"
#include "store_internal.h"
#include "store_json.h"
#include "vlog_json.h"

void store_run__write_json(json_writer_t *jw, const struct store_run *r, bool with_id)
{
	if (with_id)
		jw_int_field(jw, "id", r->id);
	for (const struct store_field *fl = store_run_fields; fl->name; fl++)
		jw_string_field(jw, fl->name, STORE_FIELD(r, fl));
	jw_int_field(jw, "git_dirty", r->git_dirty);
}

void store_records__write_json(json_writer_t *jw, struct vlog_record *const *recs,
			       char *const *logs, char *const *attach, size_t n)
{
	jw_name(jw, "programs");
	jw_start_array(jw);
	for (size_t k = 0; k < n; k++)
		vlog_record__write_json(jw, recs[k], NULL, 0);
	jw_end_array(jw);
	jw_name(jw, "logs");
	jw_start_array(jw);
	for (size_t k = 0; k < n; k++)
		jw_string(jw, logs ? logs[k] : NULL);
	jw_end_array(jw);
	if (!attach)
		return;
	jw_name(jw, "attach");
	jw_start_array(jw);
	for (size_t k = 0; k < n; k++)
		jw_string(jw, attach[k]);
	jw_end_array(jw);
}

void store_cell__write_json(json_writer_t *jw, const struct store_cell *c)
{
	for (const struct store_field *fl = store_cell_fields; fl->name; fl++)
		jw_string_field(jw, fl->name, STORE_FIELD(c, fl));
	jw_int_field(jw, "btf", c->btf);
	jw_double_field(jw, "seconds", c->seconds);
	store_records__write_json(jw, c->recs, c->logs, c->attach, c->nrecs);
}

/* A tri-state (1, 0, -1 unknown): absent is -1; anything else out of range is an error. */
static int jtri(const struct json_value *o, const char *k, int *out)
{
	const struct json_value *v = json_get(o, k);
	int64_t x;

	if (!v) {
		*out = -1;
		return 0;
	}
	if (json_int64(v, &x) || x < -1 || x > 1)
		return -1;
	*out = (int)x;
	return 0;
}

/*
 * An entity's string fields (absent ones as "") and its one tri-state
 * member tri (bad: *why = bad).
 */
static int fields_from_json(const struct json_value *o, const struct store_field *fields,
			    void *base, const char *tri, int *tri_out, const char *bad,
			    const char **why)
{
	for (const struct store_field *fl = fields; fl->name; fl++) {
		const struct json_value *v = json_get(o, fl->name);

		STORE_FIELD(base, fl) = strdup(v && json_str(v) ? json_str(v) : "");
		if (!STORE_FIELD(base, fl))
			return -ENOMEM;
	}
	if (jtri(o, tri, tri_out)) {
		*why = bad;
		return -BPFGAUGE_EBADFORMAT;
	}
	return 0;
}

int store_run__from_json(const struct json_value *o, struct store_run *r, const char **why)
{
	return fields_from_json(o, store_run_fields, r, "git_dirty", &r->git_dirty,
				"git_dirty must be 1, 0 or -1", why);
}

int store_records__from_json(const struct json_value *o, struct vlog_record ***recs,
			     char ***logs, char ***attach, size_t *n, const char **why)
{
	const struct json_value *progs = json_get(o, "programs"), *jl = json_get(o, "logs");
	const struct json_value *ja = json_get(o, "attach");

	for (size_t k = 0; k < json_len(progs); k++) {
		const struct json_value *l = jl ? json_at(jl, k) : NULL;
		const char *log = l ? json_str(l) : NULL;
		const struct json_value *at = ja ? json_at(ja, k) : NULL;
		const char *att = at ? json_str(at) : NULL;
		struct vlog_record *r = vlog_record__from_json(json_at(progs, k));
		void *a, *b, *t;

		if (!r) {
			*why = "bad program record";
			return -BPFGAUGE_EBADFORMAT;
		}
		a = realloc(*recs, (*n + 1) * sizeof(**recs));
		if (a)
			*recs = a;
		b = a ? realloc(*logs, (*n + 1) * sizeof(**logs)) : NULL;
		if (b)
			*logs = b;
		t = b ? realloc(*attach, (*n + 1) * sizeof(**attach)) : NULL;
		if (t)
			*attach = t;
		if (!a || !b || !t) {
			vlog_record__free(r);
			return -ENOMEM;
		}
		(*recs)[*n] = r;
		(*attach)[*n] = att && *att ? strdup(att) : NULL;
		(*logs)[(*n)++] = log && *log ? strdup(log) : NULL;
	}
	return 0;
}

int store_cell__from_json(const struct json_value *o, struct store_cell *c, const char **why)
{
	int err = fields_from_json(o, store_cell_fields, c, "btf", &c->btf,
				   "btf must be 1, 0 or -1", why);

	if (err)
		return err;
	c->seconds = json_num(json_get(o, "seconds"));
	return store_records__from_json(o, &c->recs, &c->logs, &c->attach, &c->nrecs, why);
}
