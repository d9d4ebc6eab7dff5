/* SPDX-License-Identifier: BSD-2-Clause */
/* Comparison writers: each numeric stat as A, B, diff and %; new/removed rows marked. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/csv.h"
#include "json_writer.h"
#include "verifier_report.h"

static const char *row_status(const struct vcompare_row *r)
{
	return !r->a ? "new" : !r->b ? "removed" : "both";
}

static const struct vlog_record *key(const struct vcompare_row *r)
{
	return r->b ? r->b : r->a;
}

static bool numeric(int id)
{
	enum vlog_kind k = vlog_stat_def(id)->kind;

	return k == VLOG_KIND_INT || k == VLOG_KIND_PCT;
}

static void cell(const struct vcompare_row *r, int id, enum vcmp_variant v, char *buf,
		 size_t size)
{
	double x;

	if (!numeric(id)) {
		const struct vlog_record *rec = v == VCMP_A ? r->a : r->b;

		if (rec)
			vlog_record__format(rec, id, buf, size);
		else
			snprintf(buf, size, "%s", "");
		return;
	}
	if (!vcompare_value(r, id, v, &x)) {
		snprintf(buf, size, "%s", "");
		return;
	}
	if (v == VCMP_PCT)
		snprintf(buf, size, "%+.2f", x); /* vcompare_pct's infinities: "+inf", "-inf" */
	else if (v == VCMP_DIFF)
		snprintf(buf, size, vlog_stat_def(id)->kind == VLOG_KIND_PCT ? "%+.2f" : "%+.0f", x);
	else
		snprintf(buf, size, vlog_stat_def(id)->kind == VLOG_KIND_PCT ? "%.2f" : "%.0f", x);
}

static const enum vcmp_variant vars[] = { VCMP_A, VCMP_B, VCMP_DIFF, VCMP_PCT };
static const char *const var_sfx[] = { "_a", "_b", "_diff", "_pct" };
static const char *const var_hdr[] = { " (A)", " (B)", " (DIFF)", " (%)" };

/* Columns: file, prog, status, then per field A/B[/diff/pct]. */
static size_t ncols_of(int id)
{
	return numeric(id) ? 4 : 2;
}

/*
 * Every column as wide as its widest cell or header, names included (a
 * 60-character program name still lines up); a value column is right-aligned.
 */
static int write_table(FILE *f, const struct vcompare_row *rows, size_t n,
		       const struct vreport_opts *o)
{
	char buf[512];
	size_t wf = strlen("File"), wp = strlen("Program"), ncol = 0;
	int *w;

	for (size_t c = 0; c < o->nfields; c++)
		ncol += ncols_of(o->fields[c]);
	w = calloc(ncol ? ncol : 1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (size_t c = 0, k = 0; c < o->nfields; c++)
		for (size_t v = 0; v < ncols_of(o->fields[c]); v++, k++)
			w[k] = strlen(vlog_stat_def(o->fields[c])->header) + strlen(var_hdr[v]);
	for (size_t i = 0; i < n; i++) {
		const char *file = vlog_record__str(key(&rows[i]), VLOG_STAT_FILE);
		const char *prog = vlog_record__str(key(&rows[i]), VLOG_STAT_PROG);

		if (file && strlen(file) > wf)
			wf = strlen(file);
		if (prog && strlen(prog) > wp)
			wp = strlen(prog);
		for (size_t c = 0, k = 0; c < o->nfields; c++)
			for (size_t v = 0; v < ncols_of(o->fields[c]); v++, k++) {
				cell(&rows[i], o->fields[c], vars[v], buf, sizeof(buf));
				if ((int)strlen(buf) > w[k])
					w[k] = strlen(buf);
			}
	}
	fprintf(f, "%-*s  %-*s  %-7s", (int)wf, "File", (int)wp, "Program", "Status");
	for (size_t c = 0, k = 0; c < o->nfields; c++)
		for (size_t v = 0; v < ncols_of(o->fields[c]); v++, k++) {
			snprintf(buf, sizeof(buf), "%s%s", vlog_stat_def(o->fields[c])->header, var_hdr[v]);
			fprintf(f, "  %*s", w[k], buf);
		}
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		const char *file = vlog_record__str(key(&rows[i]), VLOG_STAT_FILE);
		const char *prog = vlog_record__str(key(&rows[i]), VLOG_STAT_PROG);

		fprintf(f, "%-*s  %-*s  %-7s", (int)wf, file ? file : "-", (int)wp,
			prog ? prog : "-", row_status(&rows[i]));
		for (size_t c = 0, k = 0; c < o->nfields; c++)
			for (size_t v = 0; v < ncols_of(o->fields[c]); v++, k++) {
				cell(&rows[i], o->fields[c], vars[v], buf, sizeof(buf));
				fprintf(f, "  %*s", w[k], buf[0] ? buf : "-");
			}
		fputc('\n', f);
	}
	free(w);
	return ferror(f) ? -EIO : 0;
}

static int write_csv(FILE *f, const struct vcompare_row *rows, size_t n,
		     const struct vreport_opts *o)
{
	char buf[512];

	fputs("file,prog,status", f);
	for (size_t c = 0; c < o->nfields; c++)
		for (size_t v = 0; v < ncols_of(o->fields[c]); v++)
			fprintf(f, ",%s%s", vlog_stat_def(o->fields[c])->name, var_sfx[v]);
	fputs("\r\n", f);
	for (size_t i = 0; i < n; i++) {
		csv_write_field(f, vlog_record__str(key(&rows[i]), VLOG_STAT_FILE));
		fputc(',', f);
		csv_write_field(f, vlog_record__str(key(&rows[i]), VLOG_STAT_PROG));
		fprintf(f, ",%s", row_status(&rows[i]));
		for (size_t c = 0; c < o->nfields; c++) {
			for (size_t v = 0; v < ncols_of(o->fields[c]); v++) {
				cell(&rows[i], o->fields[c], vars[v], buf, sizeof(buf));
				fputc(',', f);
				csv_write_field(f, buf);
			}
		}
		fputs("\r\n", f);
	}
	return ferror(f) ? -EIO : 0;
}

static int write_json(FILE *f, const struct vcompare_row *rows, size_t n,
		      const struct vreport_opts *o)
{
	json_writer_t *jw = jw_new(f, o->pretty);
	char name[128], buf[512];

	if (!jw)
		return -ENOMEM;
	jw_start_object(jw);
	jw_int_field(jw, "schema_version", VLOG_SCHEMA_VERSION);
	jw_string_field(jw, "kind", "bpfgauge-verifier-compare");
	jw_name(jw, "programs");
	jw_start_array(jw);
	for (size_t i = 0; i < n; i++) {
		jw_start_object(jw);
		jw_string_field(jw, "file", vlog_record__str(key(&rows[i]), VLOG_STAT_FILE));
		jw_string_field(jw, "prog", vlog_record__str(key(&rows[i]), VLOG_STAT_PROG));
		jw_string_field(jw, "status", row_status(&rows[i]));
		for (size_t c = 0; c < o->nfields; c++) {
			int id = o->fields[c];

			for (size_t v = 0; v < ncols_of(id); v++) {
				double x;

				snprintf(name, sizeof(name), "%s%s", vlog_stat_def(id)->name, var_sfx[v]);
				if (numeric(id)) {
					if (vcompare_value(&rows[i], id, vars[v], &x) && isfinite(x))
						jw_double_field(jw, name, x);
					continue;
				}
				cell(&rows[i], id, vars[v], buf, sizeof(buf));
				if (buf[0])
					jw_string_field(jw, name, buf);
			}
		}
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_end_object(jw);
	jw_free(jw);
	return ferror(f) ? -EIO : 0;
}

int verifier_write_compare(const char *fmt, FILE *f, const struct vcompare_row *rows,
			   size_t n, const struct vreport_opts *o)
{
	if (!strcmp(fmt, "table"))
		return write_table(f, rows, n, o);
	if (!strcmp(fmt, "csv"))
		return write_csv(f, rows, n, o);
	if (!strcmp(fmt, "json"))
		return write_json(f, rows, n, o);
	return -EINVAL;
}
