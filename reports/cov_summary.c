/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The coverage summary: line, function and branch totals as text (what
 * `cov report`, `cov run` and `cov summary` print) or JSON (`cov summary
 * -j`, with the threshold verdicts).
 */
#include "cov_writers.h"

/* "80.0% (4 of 5)", or "n/a (0 of 0)": a percentage of nothing is not 100%. */
static void print_ratio(FILE *f, const char *what, uint64_t hit, uint64_t found)
{
	if (found)
		fprintf(f, "%s: %.1f%% (%llu of %llu)\n", what, 100.0 * hit / found,
			(unsigned long long)hit, (unsigned long long)found);
	else
		fprintf(f, "%s: n/a (0 of 0)\n", what);
}

int cov_summary_write_plain(FILE *f, const struct cov_summary *s, bool with_files)
{
	if (with_files)
		fprintf(f, "files......: %llu\n", (unsigned long long)s->files);
	print_ratio(f, "lines......", s->lines_hit, s->lines_found);
	print_ratio(f, "functions..", s->funcs_hit, s->funcs_found);
	print_ratio(f, "branches...", s->branches_hit, s->branches_found);
	return ferror(f) ? -EIO : 0;
}

void cov_summary_write_json(json_writer_t *jw, const struct cov_summary *s,
			    const struct cov_check res[COV_NKINDS])
{
	bool ok = true;

	jw_start_object(jw);
	jw_uint_field(jw, "schema_version", COV_JSON_SCHEMA_VERSION);
	jw_uint_field(jw, "files", s->files);
	for (int k = 0; k < COV_NKINDS; k++) {
		const struct cov_check *r = &res[k];

		jw_name(jw, cov_kind_name(k));
		jw_start_object(jw);
		jw_uint_field(jw, "found", r->found);
		jw_uint_field(jw, "hit", r->hit);
		if (r->found)
			jw_double_field(jw, "percent", r->percent);
		else
			jw_null_field(jw, "percent");
		if (r->min >= 0) {
			jw_double_field(jw, "fail_under", r->min);
			jw_bool_field(jw, "ok", r->ok);
		}
		jw_end_object(jw);
		ok &= r->ok;
	}
	jw_bool_field(jw, "ok", ok);
	jw_end_object(jw);
}
