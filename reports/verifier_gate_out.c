/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Gate writers: plain text, a markdown PR comment, JUnit XML (one testcase
 * per program), GitHub workflow annotations (::error/::warning) and JSON.
 */
#include <errno.h>
#include <string.h>

#include "json_writer.h"
#include "verifier_report.h"
#include "markup.h"

static const struct vlog_record *key(const struct vcompare_row *r)
{
	return r->b ? r->b : r->a;
}

static const char *s_or(const char *s, const char *d)
{
	return s && *s ? s : d;
}

/* GitHub annotation messages: %, \r and \n must be escaped. */
static void gh_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '%')
			fputs("%25", f);
		else if (*s == '\n')
			fputs("%0A", f);
		else if (*s == '\r')
			fputs("%0D", f);
		else
			fputc(*s, f);
	}
}

static int write_markdown(FILE *f, const struct vgate_result *res)
{
	fprintf(f, "### bpfgauge verifier gate: %s\n\n",
		res->errors ? "❌ failed" : res->warnings ? "⚠️ passed with warnings" : "✅ passed");
	fprintf(f, "%zu programs checked, %zu errors, %zu warnings.\n", res->checked,
		res->errors, res->warnings);
	if (!res->n)
		return 0;
	fputs("\n| | Object | Program | Finding |\n|---|---|---|---|\n", f);
	for (size_t i = 0; i < res->n; i++) {
		const struct vgate_finding *g = &res->f[i];

		fprintf(f, "| %s | ", g->error ? "❌" : "⚠️");
		markup_md_escape(f, s_or(vlog_record__str(key(g->row), VLOG_STAT_FILE), "-"));
		fputs(" | ", f);
		markup_md_escape(f, s_or(vlog_record__str(key(g->row), VLOG_STAT_PROG), "-"));
		fputs(" | ", f);
		markup_md_escape(f, g->msg);
		fputs(" |\n", f);
	}
	return 0;
}

static int write_junit(FILE *f, const struct vgate_result *res,
		       const struct vcompare_row *rows, size_t n)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"bpfgauge-verifier-gate\" tests=\"%zu\" failures=\"%zu\">\n",
		res->checked, res->errors);
	fprintf(f, "  <testsuite name=\"verifier-gate\" tests=\"%zu\" failures=\"%zu\">\n",
		res->checked, res->errors);
	for (size_t i = 0; i < n; i++) {
		const struct vcompare_row *row = &rows[i];
		size_t nerr = 0, nwarn = 0;

		if (!row->b)
			continue;
		fputs("    <testcase classname=\"", f);
		markup_escape(f, s_or(vlog_record__str(row->b, VLOG_STAT_FILE), "-"));
		fputs("\" name=\"", f);
		markup_escape(f, s_or(vlog_record__str(row->b, VLOG_STAT_PROG), "-"));
		fputs("\">\n", f);
		for (size_t k = 0; k < res->n; k++) {
			if (res->f[k].row != row)
				continue;
			if (res->f[k].error) {
				fputs(nerr++ ? "" : "      <failure message=\"", f);
				if (nerr == 1) {
					markup_escape(f, res->f[k].msg);
					fputs("\" type=\"gate\">", f);
				}
			}
		}
		if (nerr) {
			for (size_t k = 0; k < res->n; k++)
				if (res->f[k].row == row && res->f[k].error) {
					markup_escape(f, res->f[k].msg);
					fputc('\n', f);
				}
			fputs("</failure>\n", f);
		}
		for (size_t k = 0; k < res->n; k++) {
			if (res->f[k].row != row || res->f[k].error)
				continue;
			fputs(nwarn++ ? "" : "      <system-out>", f);
			markup_escape(f, "warning: ");
			markup_escape(f, res->f[k].msg);
			fputc('\n', f);
		}
		if (nwarn)
			fputs("</system-out>\n", f);
		fputs("    </testcase>\n", f);
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	return ferror(f) ? -EIO : 0;
}

/* An annotation property value also escapes ':' and ','. */
static void gh_prop_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == ':')
			fputs("%3A", f);
		else if (*s == ',')
			fputs("%2C", f);
		else {
			char c[2] = { *s, 0 };

			gh_esc(f, c);
		}
	}
}

static int write_github(FILE *f, const struct vgate_result *res, const struct gate_srcloc *locs)
{
	for (size_t i = 0; i < res->n; i++) {
		const struct vgate_finding *g = &res->f[i];
		const char *file = vlog_record__str(key(g->row), VLOG_STAT_FILE);
		bool src = locs && locs[i].file;

		fprintf(f, "::%s ", g->error ? "error" : "warning");
		if (src || file) {
			fputs("file=", f);
			gh_prop_esc(f, src ? locs[i].file : file);
			fputc(',', f);
		}
		if (src && locs[i].line > 0)
			fprintf(f, "line=%d,", locs[i].line);
		fputs("title=bpfgauge verifier gate::", f);
		if (src && file) {
			gh_esc(f, file);
			fputc('/', f);
		}
		gh_esc(f, s_or(vlog_record__str(key(g->row), VLOG_STAT_PROG), "-"));
		fputs(": ", f);
		gh_esc(f, g->msg);
		fputc('\n', f);
	}
	return 0;
}

static int write_text(FILE *f, const struct vgate_result *res)
{
	for (size_t i = 0; i < res->n; i++) {
		const struct vgate_finding *g = &res->f[i];

		fprintf(f, "%s: %s/%s: %s", g->error ? "error" : "warning",
			s_or(vlog_record__str(key(g->row), VLOG_STAT_FILE), "-"),
			s_or(vlog_record__str(key(g->row), VLOG_STAT_PROG), "-"), g->msg);
		if (g->rule_line)
			fprintf(f, " (policy line %d)", g->rule_line);
		fputc('\n', f);
	}
	fprintf(f, "gate: %s: %zu programs checked, %zu errors, %zu warnings\n",
		res->errors ? "FAIL" : "PASS", res->checked, res->errors, res->warnings);
	return 0;
}

static int write_json(FILE *f, const struct vgate_result *res, bool pretty,
		      const struct gate_srcloc *locs)
{
	json_writer_t *jw = jw_new(f, pretty);

	if (!jw)
		return -ENOMEM;
	jw_start_object(jw);
	jw_int_field(jw, "schema_version", VLOG_SCHEMA_VERSION);
	jw_string_field(jw, "kind", "bpfgauge-verifier-gate");
	jw_bool_field(jw, "pass", res->errors == 0);
	jw_uint_field(jw, "checked", res->checked);
	jw_uint_field(jw, "errors", res->errors);
	jw_uint_field(jw, "warnings", res->warnings);
	jw_name(jw, "findings");
	jw_start_array(jw);
	for (size_t i = 0; i < res->n; i++) {
		const struct vgate_finding *g = &res->f[i];

		jw_start_object(jw);
		jw_string_field(jw, "level", g->error ? "error" : "warning");
		jw_string_field(jw, "file", vlog_record__str(key(g->row), VLOG_STAT_FILE));
		jw_string_field(jw, "prog", vlog_record__str(key(g->row), VLOG_STAT_PROG));
		if (locs && locs[i].file) {
			jw_string_field(jw, "source_file", locs[i].file);
			jw_int_field(jw, "source_line", locs[i].line);
		}
		jw_string_field(jw, "metric", g->stat >= 0 ? vlog_stat_def(g->stat)->name : NULL);
		jw_string_field(jw, "message", g->msg);
		jw_int_field(jw, "policy_line", g->rule_line);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_end_object(jw);
	jw_free(jw);
	return 0;
}

int verifier_write_gate(const char *fmt, FILE *f, const struct vgate_result *res,
			const struct vcompare_row *rows, size_t n, bool pretty,
			const struct gate_srcloc *locs)
{
	if (!strcmp(fmt, "text"))
		return write_text(f, res);
	if (!strcmp(fmt, "markdown"))
		return write_markdown(f, res);
	if (!strcmp(fmt, "junit"))
		return write_junit(f, res, rows, n);
	if (!strcmp(fmt, "github"))
		return write_github(f, res, locs);
	if (!strcmp(fmt, "json"))
		return write_json(f, res, pretty, locs);
	return -EINVAL;
}
