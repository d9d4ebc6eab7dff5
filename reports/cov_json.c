/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Coverage JSON writer: a summary plus per-file totals and records, with a
 * schema version, for dashboards and scripts.
 */
#include <errno.h>

#include "cov_writers.h"
#include "json_writer.h"

static void summary_obj(json_writer_t *jw, const char *name, uint64_t found, uint64_t hit)
{
	jw_name(jw, name);
	jw_start_object(jw);
	jw_uint_field(jw, "found", found);
	jw_uint_field(jw, "hit", hit);
	jw_double_field(jw, "percent", found ? 100.0 * (double)hit / (double)found : 100.0);
	jw_end_object(jw);
}

static int json_write(FILE *f, const struct cov_model *m)
{
	json_writer_t *jw = jw_new(f, true);
	struct cov_summary s;
	struct cov_file_view v;

	if (!jw)
		return -ENOMEM;
	cov_model__summary(m, &s);
	jw_start_object(jw);
	jw_uint_field(jw, "schema_version", COV_JSON_SCHEMA_VERSION);
	jw_string_field(jw, "test_name", cov_model__test_name(m));
	summary_obj(jw, "lines", s.lines_found, s.lines_hit);
	summary_obj(jw, "functions", s.funcs_found, s.funcs_hit);
	summary_obj(jw, "branches", s.branches_found, s.branches_hit);
	jw_name(jw, "files");
	jw_start_array(jw);
	for (size_t i = 0; i < cov_model__file_cnt(m); i++) {
		uint64_t lh = 0, fh = 0, bh = 0;

		cov_model__file(m, i, &v);
		for (size_t j = 0; j < v.nlines; j++)
			lh += v.lines[j].count > 0;
		for (size_t j = 0; j < v.nfuncs; j++)
			fh += v.funcs[j].count > 0;
		for (size_t j = 0; j < v.nbranches; j++)
			bh += v.branches[j].taken > 0;
		jw_start_object(jw);
		jw_string_field(jw, "path", v.path);
		summary_obj(jw, "lines", v.nlines, lh);
		summary_obj(jw, "functions", v.nfuncs, fh);
		summary_obj(jw, "branches", v.nbranches, bh);
		jw_name(jw, "line_counts");
		jw_start_array(jw);
		for (size_t j = 0; j < v.nlines; j++) {
			jw_start_array(jw);
			jw_uint(jw, v.lines[j].line);
			jw_uint(jw, v.lines[j].count);
			jw_end_array(jw);
		}
		jw_end_array(jw);
		jw_name(jw, "function_counts");
		jw_start_array(jw);
		for (size_t j = 0; j < v.nfuncs; j++) {
			jw_start_object(jw);
			jw_string_field(jw, "name", v.funcs[j].name);
			jw_uint_field(jw, "line", v.funcs[j].line);
			jw_uint_field(jw, "count", v.funcs[j].count);
			jw_end_object(jw);
		}
		jw_end_array(jw);
		jw_name(jw, "branch_counts");
		jw_start_array(jw);
		for (size_t j = 0; j < v.nbranches; j++) {
			jw_start_array(jw);
			jw_uint(jw, v.branches[j].line);
			jw_uint(jw, v.branches[j].block);
			jw_uint(jw, v.branches[j].branch);
			if (v.branches[j].taken < 0)
				jw_null(jw);
			else
				jw_int(jw, v.branches[j].taken);
			jw_end_array(jw);
		}
		jw_end_array(jw);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_end_object(jw);
	jw_free(jw);
	return ferror(f) ? -EIO : 0;
}

const struct cov_writer cov_writer_json = { "json", "JSON summary and records (schema_version 1)",
					    json_write, NULL };
