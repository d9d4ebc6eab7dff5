/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stats writers: an aligned text table, CSV (RFC 4180, every field, our
 * own header), veristat's CSV, and JSON with a schema version. CSV and
 * JSON read back losslessly through vlog_records_parse().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/csv.h"
#include "json_writer.h"
#include "verifier_report.h"
#include "vlog_json.h"

#define CELL 512

int verifier_write_table(FILE *f, struct vlog_record **recs, size_t n,
			 const struct vreport_opts *o)
{
	size_t w[VLOG_STAT_CNT + 1] = { 0 };
	char buf[CELL];

	for (size_t c = 0; c < o->nfields; c++) {
		w[c] = strlen(vlog_stat_def(o->fields[c])->header);
		for (size_t i = 0; i < n; i++) {
			size_t l = vlog_record__format(recs[i], o->fields[c], buf, sizeof(buf));

			if (l > 60)
				l = 60;
			if (l > w[c])
				w[c] = l;
		}
	}
	for (size_t c = 0; c < o->nfields; c++)
		fprintf(f, "%s%-*s", c ? "  " : "", (int)w[c], vlog_stat_def(o->fields[c])->header);
	fputc('\n', f);
	for (size_t c = 0; c < o->nfields; c++) {
		fprintf(f, "%s", c ? "  " : "");
		for (size_t k = 0; k < w[c]; k++)
			fputc('-', f);
	}
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < o->nfields; c++) {
			const struct vlog_stat_def *d = vlog_stat_def(o->fields[c]);
			bool right = d->kind == VLOG_KIND_INT || d->kind == VLOG_KIND_PCT;

			vlog_record__format(recs[i], o->fields[c], buf, sizeof(buf));
			if (strlen(buf) > 60)
				strcpy(buf + 57, "...");
			if (!buf[0])
				strcpy(buf, "-");
			fprintf(f, "%s%*s", c ? "  " : "", right ? (int)w[c] : -(int)w[c], buf);
		}
		fputc('\n', f);
	}
	return 0;
}

int verifier_write_csv(FILE *f, struct vlog_record **recs, size_t n,
		       const struct vreport_opts *o)
{
	char buf[4096];

	for (size_t c = 0; c < o->nfields; c++) {
		if (c)
			fputc(',', f);
		csv_write_field(f, vlog_stat_def(o->fields[c])->name);
	}
	fputs("\r\n", f);
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < o->nfields; c++) {
			if (c)
				fputc(',', f);
			vlog_record__format(recs[i], o->fields[c], buf, sizeof(buf));
			csv_write_field(f, buf);
		}
		fputs("\r\n", f);
	}
	return ferror(f) ? -EIO : 0;
}

/* veristat's columns, in its order; verdicts as success/failure. */
int verifier_write_veristat_csv(FILE *f, struct vlog_record **recs, size_t n,
				const struct vreport_opts *o)
{
	static const int cols[] = { VLOG_STAT_FILE, VLOG_STAT_PROG, VLOG_STAT_VERDICT,
				    VLOG_STAT_DURATION, VLOG_STAT_INSNS, VLOG_STAT_TOTAL_STATES,
				    VLOG_STAT_PEAK_STATES, VLOG_STAT_MAX_STATES_PER_INSN,
				    VLOG_STAT_MARK_READ };
	char buf[4096];

	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		fprintf(f, "%s%s", c ? "," : "", vlog_stat_def(cols[c])->veristat);
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
			if (c)
				fputc(',', f);
			if (cols[c] == VLOG_STAT_VERDICT) {
				fputs(vlog_record__int(recs[i], VLOG_STAT_VERDICT) == VLOG_VERDICT_PASS
					      ? "success" : "failure", f);
				continue;
			}
			vlog_record__format(recs[i], cols[c], buf, sizeof(buf));
			if (!buf[0] && cols[c] != VLOG_STAT_FILE && cols[c] != VLOG_STAT_PROG)
				strcpy(buf, "0");
			csv_write_field(f, buf);
		}
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

int verifier_write_json(FILE *f, struct vlog_record **recs, size_t n,
			const struct vreport_opts *o)
{
	json_writer_t *jw = jw_new(f, o->pretty);

	if (!jw)
		return -ENOMEM;
	jw_start_object(jw);
	jw_int_field(jw, "schema_version", VLOG_SCHEMA_VERSION);
	jw_string_field(jw, "kind", "bpfgauge-verifier-stats");
	jw_name(jw, "programs");
	jw_start_array(jw);
	for (size_t i = 0; i < n; i++)
		vlog_record__write_json(jw, recs[i], o->fields, o->nfields);
	jw_end_array(jw);
	jw_end_object(jw);
	jw_free(jw);
	return ferror(f) ? -EIO : 0;
}

static const struct verifier_writer writers[] = {
	{ "table", verifier_write_table },
	{ "csv", verifier_write_csv },
	{ "veristat-csv", verifier_write_veristat_csv },
	{ "json", verifier_write_json },
	{ 0 },
};

const struct verifier_writer *verifier_writer_find(const char *name)
{
	for (const struct verifier_writer *w = writers; w->name; w++)
		if (!strcmp(w->name, name))
			return w;
	return NULL;
}
