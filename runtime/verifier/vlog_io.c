/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reading record sets back from our JSON and CSV and from veristat's CSV,
 * so that every machine format bpfgauge writes doubles as storage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bpfgauge/csv.h"
#include "bpfgauge/json_read.h"
#include "json_writer.h"
#include "bpfgauge/file.h"
#include "vlog_internal.h"
#include "vlog_json.h"

void vlog_records_free(struct vlog_record **recs, size_t n)
{
	if (!recs)
		return;
	for (size_t i = 0; i < n; i++)
		vlog_record__free(recs[i]);
	free(recs);
}

int vlog_read_file(const char *path, char **buf, size_t *len)
{
	*buf = bpfgauge_read_file(path, 0, len);
	return *buf ? 0 : -errno;
}

struct set {
	struct vlog_record **recs;
	size_t n, cap;
	int cols[VLOG_STAT_CNT * 2 + 64]; /* stat id per CSV column, -1 = ignored */
	size_t ncols;
	const char *name;
	bool header_done;
	bool warned; /* a row callback already said what is wrong */
};

static int set_add(struct set *s, struct vlog_record *r)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct vlog_record **m = realloc(s->recs, cap * sizeof(*m));

		if (!m)
			return -ENOMEM;
		s->recs = m;
		s->cap = cap;
	}
	s->recs[s->n++] = r;
	return 0;
}

static int csv_row(char **f, size_t n, size_t line, void *ctx)
{
	struct set *s = ctx;
	struct vlog_record *r;

	if (!s->header_done) {
		bool any = false;

		if (n > sizeof(s->cols) / sizeof(s->cols[0]))
			n = sizeof(s->cols) / sizeof(s->cols[0]);
		for (size_t i = 0; i < n; i++) {
			s->cols[i] = vlog_stat_find(f[i]);
			any |= s->cols[i] == VLOG_STAT_PROG;
		}
		if (!any) {
			pr_warn("verifier: %s: CSV header has no prog/prog_name column", s->name);
			s->warned = true;
			return -BPFGAUGE_EBADFORMAT;
		}
		s->ncols = n;
		s->header_done = true;
		return 0;
	}
	if (n != s->ncols) {
		pr_warn("verifier: %s:%zu: %zu fields, the header has %zu", s->name, line, n,
			s->ncols);
		return -BPFGAUGE_EBADFORMAT;
	}
	r = vlog_record__new();
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (s->cols[i] < 0)
			continue;
		if (vlog_record__parse_value(r, s->cols[i], f[i])) {
			pr_warn("verifier: %s:%zu: bad %s value '%s'", s->name, line,
				vlog_stat_def(s->cols[i])->name, f[i]);
			vlog_record__free(r);
			return -BPFGAUGE_EBADFORMAT;
		}
	}
	if (set_add(s, r)) {
		vlog_record__free(r);
		return -ENOMEM;
	}
	return 0;
}

void vlog_record__write_json(struct json_writer *jw, const struct vlog_record *r,
			     const int *fields, size_t nf)
{
	char buf[4096];

	jw_start_object(jw);
	for (size_t c = 0; c < (fields ? nf : (size_t)VLOG_STAT_CNT); c++) {
		int id = fields ? fields[c] : (int)c;
		const struct vlog_stat_def *d = vlog_stat_def(id);

		if (!vlog_record__has(r, id))
			continue;
		switch (d->kind) {
		case VLOG_KIND_INT:
			jw_int_field(jw, d->name, vlog_record__int(r, id));
			break;
		case VLOG_KIND_PCT:
			/* the text form: JSON and CSV carry the same value */
			vlog_record__format(r, id, buf, sizeof(buf));
			jw_name(jw, d->name);
			jw_double(jw, strtod(buf, NULL));
			break;
		default:
			vlog_record__format(r, id, buf, sizeof(buf));
			jw_string_field(jw, d->name, buf);
		}
	}
	jw_end_object(jw);
}

int vlog_record__read_json(const struct json_value *o, struct vlog_record **out,
			   const char **bad_key)
{
	struct vlog_record *r;

	*out = NULL;
	if (bad_key)
		*bad_key = NULL;
	if (!o || json_type(o) != JSON_OBJECT)
		return bg_err(-BPFGAUGE_EBADFORMAT);
	r = vlog_record__new();
	if (!r)
		return bg_err(-ENOMEM);
	for (size_t i = 0; i < json_len(o); i++) {
		const struct json_value *v = json_at(o, i);
		int id = vlog_stat_find(json_key_at(o, i));
		const char *text;

		/* unknown keys are skipped: newer writers may add stats */
		if (id < 0 || json_type(v) == JSON_NULL)
			continue;
		text = json_type(v) == JSON_NUMBER ? json_num_text(v) : json_str(v);
		if (json_type(v) == JSON_BOOL)
			text = json_bool(v) ? "1" : "0";
		if (!text || vlog_record__parse_value(r, id, text)) {
			if (bad_key)
				*bad_key = json_key_at(o, i);
			vlog_record__free(r);
			return bg_err(-BPFGAUGE_EBADFORMAT);
		}
	}
	*out = r;
	return 0;
}

struct vlog_record *vlog_record__from_json(const struct json_value *o)
{
	struct vlog_record *r;
	int err = vlog_record__read_json(o, &r, NULL);

	return err ? bg_err_ptr(err) : r;
}

static int json_prog(struct set *s, const struct json_value *o, size_t idx)
{
	struct vlog_record *r;
	const char *bad_key;
	int err = vlog_record__read_json(o, &r, &bad_key);

	if (err == -BPFGAUGE_EBADFORMAT) {
		if (bad_key)
			pr_warn("verifier: %s: programs[%zu].%s has a bad value", s->name, idx, bad_key);
		else
			pr_warn("verifier: %s: programs[%zu] is not an object", s->name, idx);
	}
	if (err)
		return err;
	if (set_add(s, r)) {
		vlog_record__free(r);
		return -ENOMEM;
	}
	return 0;
}

int vlog_records_parse(const char *buf, size_t len, const char *name,
		       struct vlog_record ***recs, size_t *n)
{
	struct set s = { .name = name };
	size_t i = 0;
	int err = 0;

	*recs = NULL;
	*n = 0;
	while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
		i++;
	if (i == len) {
		pr_warn("verifier: %s: empty input", name);
		return bg_err(-BPFGAUGE_EBADFORMAT);
	}
	if (memchr(buf, 0, len)) {
		pr_warn("verifier: %s: binary data, not JSON or CSV", name);
		return bg_err(-BPFGAUGE_EBADFORMAT);
	}
	if (buf[i] == '{' || buf[i] == '[') {
		struct json_value *root;
		const struct json_value *progs;
		char msg[128];

		err = json_parse(buf, len, &root, msg, sizeof(msg));
		if (err) {
			pr_warn("verifier: %s: bad JSON: %s", name, msg);
			return err;
		}
		progs = json_type(root) == JSON_ARRAY ? root : json_get(root, "programs");
		if (json_type(root) == JSON_OBJECT) {
			const struct json_value *sv = json_get(root, "schema_version");
			int64_t ver = 0;

			if (sv && (json_int64(sv, &ver) || ver < 1)) {
				pr_warn("verifier: %s: schema_version must be a positive integer", name);
				json_free(root);
				return bg_err(-BPFGAUGE_EBADFORMAT);
			}
			if (sv && ver > VLOG_SCHEMA_VERSION) {
				pr_warn("verifier: %s: schema_version %s is newer than this bpfgauge (%d)",
					name, json_num_text(sv), VLOG_SCHEMA_VERSION);
				json_free(root);
				return bg_err(-BPFGAUGE_EBADFORMAT);
			}
		}
		if (json_type(progs) != JSON_ARRAY) {
			pr_warn("verifier: %s: JSON has no \"programs\" array", name);
			json_free(root);
			return bg_err(-BPFGAUGE_EBADFORMAT);
		}
		for (size_t k = 0; k < json_len(progs) && !err; k++)
			err = json_prog(&s, json_at(progs, k), k);
		json_free(root);
	} else {
		err = csv_parse(buf, len, csv_row, &s);
		if (!err && !s.header_done)
			err = -BPFGAUGE_EBADFORMAT;
		if (err == -BPFGAUGE_EBADFORMAT && !s.n && !s.header_done && !s.warned)
			pr_warn("verifier: %s: not CSV with a header", name);
	}
	if (err) {
		vlog_records_free(s.recs, s.n);
		return bg_err(err);
	}
	*recs = s.recs;
	*n = s.n;
	return 0;
}

int vlog_records_load(const char *path, struct vlog_record ***recs, size_t *n)
{
	char *buf;
	size_t len;
	int err = vlog_read_file(path, &buf, &len);

	*recs = NULL;
	*n = 0;
	if (err) {
		pr_warn("verifier: cannot read '%s': %s", path, bpfgauge_strerror(err));
		return err;
	}
	err = vlog_records_parse(buf, len, path, recs, n);
	free(buf);
	return err;
}
