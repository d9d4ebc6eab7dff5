/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capture: load every program of a set of objects on the running kernel
 * (the host, or a qemu guest running the static CLI) and serialise the
 * records, kernel identity and logs as one JSON document, which the host
 * reads back. Records, logs and attach outcomes (matrix_attach.c) are
 * written by the store's serialiser (store_json.h), the same
 * "programs"/"logs"/"attach" a stored cell has.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bpfgauge/json_read.h"
#include "bpfgauge/matrix.h"
#include "bpfgauge/vload.h"
#include "bpfgauge_internal.h"
#include "json_writer.h"
#include "store_json.h"

#define TAIL_LINES 30
#define CAPTURE_KIND "bpfgauge-capture"

char *mx_log_tail(const char *log, int max_lines)
{
	const char *p;
	int seen = 0;

	if (!log)
		return NULL;
	p = log + strlen(log);
	while (p > log && (p[-1] == '\n'))
		p--;
	const char *end = p;

	while (p > log) {
		if (p[-1] == '\n' && ++seen >= max_lines)
			break;
		p--;
	}
	return strndup(p, end - p);
}

/* Per job: what the capture keeps of the log (whole, or a failure's tail). */
struct capture_logs {
	char **logs;
	bool full_logs;
};

static void capture_on_result(struct vload_job *j, size_t i, struct vload_result *res, void *ctx)
{
	struct capture_logs *c = ctx;

	if (c->full_logs) {
		c->logs[i] = res->log;
		res->log = NULL;
	} else if (vlog_record__int(res->rec, VLOG_STAT_VERDICT) != VLOG_VERDICT_PASS) {
		c->logs[i] = mx_log_tail(res->log, TAIL_LINES);
	}
}

static int push_str(char ***arr, size_t *n, char *s)
{
	char **a = realloc(*arr, (*n + 1) * sizeof(*a));

	if (!a || !s) {
		free(s);
		if (a)
			*arr = a;
		return -ENOMEM;
	}
	a[(*n)++] = s;
	*arr = a;
	return 0;
}

/* Every program of every object as a job; unopened objects go to out->errors. */
static int capture_jobs(char *const *paths, size_t n, struct vload_job **jobsp, size_t *njobsp,
			struct mx_capture *out)
{
	int err = 0;

	for (size_t i = 0; i < n && err != -ENOMEM; i++) {
		int e = vload_jobs_add_object(jobsp, njobsp, paths[i]);
		char *msg;

		if (e == -ENOMEM) {
			err = e;
		} else if (e) {
			if (asprintf(&msg, "%s: %s", paths[i], bpfgauge_strerror(e)) < 0)
				msg = NULL;
			if (push_str(&out->errors, &out->nerrors, msg))
				err = -ENOMEM;
		}
	}
	return err;
}

int mx_capture_run(char *const *paths, size_t n, int jobs, bool full_logs,
		   struct mx_capture *out)
{
	struct capture_logs cl = { .full_logs = full_logs };
	struct vload_batch_opts bo = { .sz = sizeof(bo), .jobs = jobs,
				       .on_result = capture_on_result, .ctx = &cl };
	struct vload_job *jv = NULL;
	struct utsname u;
	size_t nj = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (!uname(&u))
		snprintf(out->kernel_release, sizeof(out->kernel_release), "%s", u.release);
	out->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	prov_kernel_config_hash(out->config_hash);

	err = capture_jobs(paths, n, &jv, &nj, out);
	cl.logs = calloc(nj ? nj : 1, sizeof(*cl.logs));
	if (!cl.logs)
		err = -ENOMEM;
	if (!err) /* after an error nothing would be kept: load nothing */
		err = vload_batch(jv, nj, &bo);

	out->recs = calloc(nj ? nj : 1, sizeof(*out->recs));
	out->logs = calloc(nj ? nj : 1, sizeof(*out->logs));
	if (!out->recs || !out->logs)
		err = -ENOMEM;
	for (size_t i = 0; i < nj; i++) {
		if (!err && jv[i].rec) {
			out->recs[out->n] = jv[i].rec;
			out->logs[out->n++] = cl.logs[i];
			jv[i].rec = NULL;
		} else {
			char *msg;

			if (!err && asprintf(&msg, "%s: program '%s' could not be loaded", jv[i].path,
					     jv[i].prog) >= 0)
				push_str(&out->errors, &out->nerrors, msg);
			if (cl.logs)
				free(cl.logs[i]);
		}
	}
	free(cl.logs);
	vload_jobs_free(jv, nj);
	/* then each program that verified attaches for real, and detaches */
	if (!err)
		err = mx_attach_run(paths, n, 0, out);
	return bg_err(err);
}

int mx_capture_write(FILE *f, const struct mx_capture *c)
{
	json_writer_t *jw = jw_new(f, false);

	if (!jw)
		return bg_err(-ENOMEM);
	jw_start_object(jw);
	jw_int_field(jw, "schema_version", VLOG_SCHEMA_VERSION);
	jw_string_field(jw, "kind", CAPTURE_KIND);
	/* the kernel's identity, named as a cell's fields, then the cell's records */
	jw_string_field(jw, "kernel_release", c->kernel_release);
	jw_string_field(jw, "config_hash", c->config_hash);
	jw_int_field(jw, "btf", c->btf);
	store_records__write_json(jw, c->recs, c->logs, c->attach, c->n);
	jw_name(jw, "errors");
	jw_start_array(jw);
	for (size_t i = 0; i < c->nerrors; i++)
		jw_string(jw, c->errors[i]);
	jw_end_array(jw);
	jw_end_object(jw);
	jw_free(jw);
	return ferror(f) ? bg_err(-EIO) : 0;
}

int mx_capture_parse(const char *buf, size_t len, struct mx_capture *out)
{
	const struct json_value *progs, *errs, *v, *k;
	struct json_value *root = NULL;
	const char *why = "";
	char msg[128];
	int err;

	memset(out, 0, sizeof(*out));
	err = json_parse(buf, len, &root, msg, sizeof(msg));
	if (err) {
		pr_warn("matrix: guest output is not JSON: %s", msg);
		return bg_err(err);
	}
	v = json_get(root, "schema_version");
	k = json_get(root, "kind");
	progs = json_get(root, "programs");
	errs = json_get(root, "errors");
	if (!v || json_num(v) != VLOG_SCHEMA_VERSION || !k || !json_str(k) ||
	    strcmp(json_str(k), CAPTURE_KIND)) {
		pr_warn("matrix: guest output is not a %s document with schema_version %d",
			CAPTURE_KIND, VLOG_SCHEMA_VERSION);
		json_free(root);
		return bg_err(-BPFGAUGE_EBADFORMAT);
	}
	if (!progs || json_type(progs) != JSON_ARRAY) {
		pr_warn("matrix: guest output has no \"programs\" array");
		json_free(root);
		return bg_err(-BPFGAUGE_EBADFORMAT);
	}
	if ((v = json_get(root, "kernel_release")) && json_str(v))
		snprintf(out->kernel_release, sizeof(out->kernel_release), "%s", json_str(v));
	if ((v = json_get(root, "config_hash")) && json_str(v))
		snprintf(out->config_hash, sizeof(out->config_hash), "%s", json_str(v));
	out->btf = (v = json_get(root, "btf")) ? (int)json_num(v) : -1;
	err = store_records__from_json(root, &out->recs, &out->logs, &out->attach, &out->n, &why);
	if (err == -BPFGAUGE_EBADFORMAT)
		pr_warn("matrix: guest output: %s", why);
	for (size_t i = 0; !err && errs && i < json_len(errs); i++)
		if (json_str(json_at(errs, i)))
			push_str(&out->errors, &out->nerrors, strdup(json_str(json_at(errs, i))));
	json_free(root);
	if (err)
		mx_capture_release(out);
	return bg_err(err);
}

void mx_capture_release(struct mx_capture *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		vlog_record__free(c->recs[i]);
		free(c->logs[i]);
		if (c->attach)
			free(c->attach[i]);
	}
	for (size_t i = 0; i < c->nerrors; i++)
		free(c->errors[i]);
	free(c->recs);
	free(c->logs);
	free(c->attach);
	free(c->errors);
	memset(c, 0, sizeof(*c));
}
