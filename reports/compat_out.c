/* SPDX-License-Identifier: BSD-2-Clause */
/* Compatibility results as a table, JSON (kind bpfgauge.compat) or markdown. */
#include <errno.h>
#include <string.h>

#include "compat_report.h"
#include "json_writer.h"

static const char *flags_str(const struct compat_prog *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", p->sleepable ? "sleepable" : "",
		 p->retprobe ? (p->sleepable ? ",return" : "return") : "");
	return buf;
}

static void verdict_cell(const struct compat_result *res, char *buf, size_t size)
{
	if (res->err)
		snprintf(buf, size, "%s %s", compat_verdict_name(res->verdict),
			 compat_errno_name(res->err));
	else
		snprintf(buf, size, "%s", compat_verdict_name(res->verdict));
}

static void live_cell(const struct compat_live *l, char *buf, size_t size)
{
	int err = l->load_err ? l->load_err : l->attach_err;

	if (!l->done)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%s%s%s (%s)", compat_verdict_name(l->verdict), err ? " " : "",
			 err ? compat_errno_name(err) : "", l->agrees ? "agrees" : "DISAGREES");
}

static int write_table(FILE *f, const struct compat_report *r)
{
	struct compat_fact_line facts[16];
	size_t nf = compat_kernel__facts(r->kernel, facts, 16);
	char v[64], lv[96], sum[768];

	fprintf(f, "kernel %s %s (%s)\n", compat_kernel__release(r->kernel),
		compat_kernel__arch(r->kernel), compat_kernel__source(r->kernel));
	for (size_t i = 3; i < nf; i++)
		fprintf(f, "  %-27s %s\n", facts[i].name, facts[i].value);
	fprintf(f, "\n%-24s %-12s %-28s %-22s%s\n", "PROGRAM", "KIND", "TARGET", "PREDICTED",
		r->live ? " LIVE" : "");
	for (size_t i = 0; i < r->n; i++) {
		const struct compat_result *res = &r->results[i];
		const struct compat_prog *p = res->prog;

		verdict_cell(res, v, sizeof(v));
		live_cell(&res->live, lv, sizeof(lv));
		fprintf(f, "%-24s %-12s %-28s %-22s%s%s\n", p->name, compat_kind_name(p->kind),
			p->target[0] ? p->target : "-", v, r->live ? " " : "", r->live ? lv : "");
		if (res->verdict != COMPAT_OK) {
			compat_summary(res, sum, sizeof(sum));
			fprintf(f, "    %s\n", sum);
			if (res->hint && compat_verdict_failed(res->verdict))
				fprintf(f, "    hint: %s\n", res->hint);
		}
		if (r->live && res->live.done && !res->live.agrees)
			fprintf(f, "    live: %s: %s\n", res->live.disagreement, res->live.detail);
		else if (r->live && res->live.done && (res->live.load_err || res->live.attach_err))
			fprintf(f, "    live: %s\n", res->live.detail);
		for (size_t j = 0; j < res->nreqs; j++) {
			const struct compat_req *q = &res->reqs[j];

			if (!r->verbose && q->status == COMPAT_MET)
				continue;
			if (!r->verbose && res->verdict != COMPAT_UNKNOWN &&
			    q->status == COMPAT_MISSING && !strcmp(q->reason, res->reason))
				continue; /* already said */
			fprintf(f, "    [%s] %s%s%s\n", compat_status_name(q->status), q->what,
				q->reason[0] ? ": " : "", q->reason);
		}
	}
	return ferror(f) ? -EIO : 0;
}

static void json_req(json_writer_t *jw, const struct compat_req *q)
{
	jw_start_object(jw);
	jw_string_field(jw, "rule", q->rule);
	jw_string_field(jw, "what", q->what);
	jw_string_field(jw, "status", compat_status_name(q->status));
	jw_string_field(jw, "stage", compat_stage_name(q->stage));
	jw_int_field(jw, "errno", q->status == COMPAT_MISSING ? q->err : 0);
	jw_string_field(jw, "reason", q->reason);
	jw_string_field(jw, "hint", q->hint);
	jw_end_object(jw);
}

/* What loading it on this kernel did, beside the prediction. */
static void json_live(json_writer_t *jw, const struct compat_live *l)
{
	jw_name(jw, "live");
	jw_start_object(jw);
	jw_string_field(jw, "verdict", compat_verdict_name(l->verdict));
	jw_int_field(jw, "load_errno", l->load_err);
	jw_bool_field(jw, "attach_tried", l->attach_tried);
	jw_int_field(jw, "attach_errno", l->attach_err);
	jw_string_field(jw, "detail", l->detail);
	jw_bool_field(jw, "agrees", l->agrees);
	jw_string_field(jw, "disagreement", l->disagreement);
	jw_end_object(jw);
}

/* One element of "programs": the program, its verdict and requirements. */
static void json_result(json_writer_t *jw, const struct compat_report *r,
			const struct compat_result *res)
{
	const struct compat_prog *p = res->prog;
	char buf[768];

	jw_start_object(jw);
	jw_string_field(jw, "object", p->object);
	jw_string_field(jw, "name", p->name);
	jw_string_field(jw, "section", p->section);
	jw_string_field(jw, "prog_type", p->prog_type);
	jw_string_field(jw, "attach_type", p->attach_type);
	jw_string_field(jw, "kind", compat_kind_name(p->kind));
	jw_string_field(jw, "target", p->target);
	jw_string_field(jw, "flags", flags_str(p, buf, sizeof(buf)));
	jw_name(jw, "helpers");
	jw_start_array(jw);
	for (size_t j = 0; j < p->nhelpers; j++)
		jw_int(jw, p->helpers[j]);
	jw_end_array(jw);
	jw_name(jw, "kfuncs");
	jw_start_array(jw);
	for (size_t j = 0; j < p->nkfuncs; j++)
		jw_string(jw, p->kfuncs[j]);
	jw_end_array(jw);
	jw_string_field(jw, "verdict", compat_verdict_name(res->verdict));
	jw_string_field(jw, "stage", compat_stage_name(res->stage));
	jw_int_field(jw, "errno", res->err);
	jw_string_field(jw, "errno_name", res->err ? compat_errno_name(res->err) : "");
	jw_string_field(jw, "reason", res->reason);
	jw_string_field(jw, "hint", res->hint);
	compat_summary(res, buf, sizeof(buf));
	jw_string_field(jw, "summary", buf);
	jw_name(jw, "requirements");
	jw_start_array(jw);
	for (size_t j = 0; j < res->nreqs; j++)
		json_req(jw, &res->reqs[j]);
	jw_end_array(jw);
	if (r->live && res->live.done)
		json_live(jw, &res->live);
	jw_end_object(jw);
}

static int write_json(FILE *f, const struct compat_report *r)
{
	json_writer_t *jw = jw_new(f, r->pretty);
	struct compat_fact_line facts[16];
	size_t nf = compat_kernel__facts(r->kernel, facts, 16), failing = 0, unknown = 0, dis = 0;

	if (!jw)
		return -ENOMEM;
	jw_start_object(jw);
	jw_string_field(jw, "kind", "bpfgauge.compat");
	jw_int_field(jw, "schema_version", COMPAT_SCHEMA_VERSION);
	jw_name(jw, "kernel");
	jw_start_object(jw);
	for (size_t i = 0; i < nf; i++)
		jw_string_field(jw, facts[i].name, facts[i].value);
	jw_end_object(jw);
	jw_bool_field(jw, "live", r->live);
	jw_name(jw, "programs");
	jw_start_array(jw);
	for (size_t i = 0; i < r->n; i++) {
		const struct compat_result *res = &r->results[i];

		failing += compat_verdict_failed(res->verdict);
		unknown += res->verdict == COMPAT_UNKNOWN;
		dis += r->live && res->live.done && !res->live.agrees;
		json_result(jw, r, res);
	}
	jw_end_array(jw);
	jw_name(jw, "summary");
	jw_start_object(jw);
	jw_uint_field(jw, "programs", r->n);
	jw_uint_field(jw, "failing", failing);
	jw_uint_field(jw, "unknown", unknown);
	jw_uint_field(jw, "disagreements", dis);
	jw_end_object(jw);
	jw_end_object(jw);
	jw_free(jw);
	return ferror(f) ? -EIO : 0;
}

/* markdown table cells must not hold '|' or newlines */
static void md(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

static int write_markdown(FILE *f, const struct compat_report *r)
{
	struct compat_fact_line facts[16];
	size_t nf = compat_kernel__facts(r->kernel, facts, 16);
	char v[64], lv[96], sum[768];

	fprintf(f, "### Kernel compatibility: %s %s\n\n", compat_kernel__release(r->kernel),
		compat_kernel__arch(r->kernel));
	fprintf(f, "| fact | value |\n|---|---|\n");
	for (size_t i = 2; i < nf; i++) {
		fprintf(f, "| %s | ", facts[i].name);
		md(f, facts[i].value);
		fprintf(f, " |\n");
	}
	fprintf(f, "\n| program | kind | target | predicted |%s why | hint |\n|---|---|---|---|%s---|---|\n",
		r->live ? " live |" : "", r->live ? "---|" : "");
	for (size_t i = 0; i < r->n; i++) {
		const struct compat_result *res = &r->results[i];
		const struct compat_prog *p = res->prog;

		verdict_cell(res, v, sizeof(v));
		live_cell(&res->live, lv, sizeof(lv));
		compat_summary(res, sum, sizeof(sum));
		fprintf(f, "| `%s` | %s | ", p->name, compat_kind_name(p->kind));
		md(f, p->target[0] ? p->target : "-");
		if (compat_verdict_failed(res->verdict))
			fprintf(f, " | **%s** |", v);
		else
			fprintf(f, " | %s |", v);
		if (r->live)
			fprintf(f, " %s |", lv);
		fputc(' ', f);
		md(f, sum);
		fprintf(f, " | ");
		md(f, compat_verdict_failed(res->verdict) && res->hint ? res->hint : "");
		fprintf(f, " |\n");
	}
	fprintf(f, "\n<details><summary>requirements</summary>\n\n| program | requirement | status | why |\n|---|---|---|---|\n");
	for (size_t i = 0; i < r->n; i++)
		for (size_t j = 0; j < r->results[i].nreqs; j++) {
			const struct compat_req *q = &r->results[i].reqs[j];

			fprintf(f, "| `%s` | ", r->results[i].prog->name);
			md(f, q->what);
			fprintf(f, " | %s | ", compat_status_name(q->status));
			md(f, q->reason);
			fprintf(f, " |\n");
		}
	fprintf(f, "\n</details>\n");
	return ferror(f) ? -EIO : 0;
}

static const struct compat_writer writers[] = {
	{ "table", write_table },
	{ "json", write_json },
	{ "markdown", write_markdown },
};

const struct compat_writer *compat_writer_find(const char *name)
{
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (!strcmp(writers[i].name, name))
			return &writers[i];
	return NULL;
}
