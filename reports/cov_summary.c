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

void cov_kind_write_json(json_writer_t *jw, const char *name, uint64_t found, uint64_t hit)
{
	jw_name(jw, name);
	jw_start_object(jw);
	jw_uint_field(jw, "found", found);
	jw_uint_field(jw, "hit", hit);
	if (found)
		jw_double_field(jw, "percent", 100.0 * (double)hit / (double)found);
	else
		jw_null_field(jw, "percent");
	jw_end_object(jw);
}

static void write_strings(json_writer_t *jw, const char *name, const char *const *v, size_t n)
{
	jw_name(jw, name);
	jw_start_array(jw);
	for (size_t i = 0; i < n; i++)
		jw_string(jw, v[i]);
	jw_end_array(jw);
}

/* One file's totals, counted as cov_model__summary() counts the whole model. */
static void write_file(json_writer_t *jw, const struct cov_file_view *v)
{
	uint64_t lh = 0, fh = 0, bh = 0;

	for (size_t j = 0; j < v->nlines; j++)
		lh += v->lines[j].count > 0;
	for (size_t j = 0; j < v->nfuncs; j++)
		fh += v->funcs[j].count > 0;
	for (size_t j = 0; j < v->nbranches; j++)
		bh += v->branches[j].taken > 0;
	jw_start_object(jw);
	jw_string_field(jw, "path", v->path);
	cov_kind_write_json(jw, "lines", v->nlines, lh);
	cov_kind_write_json(jw, "functions", v->nfuncs, fh);
	cov_kind_write_json(jw, "branches", v->nbranches, bh);
	jw_end_object(jw);
}

void cov_result_write_json(json_writer_t *jw, const struct cov_result_info *info,
			   const struct cov_model *m)
{
	struct cov_summary sum;
	size_t n = cov_model__file_cnt(m);

	cov_model__summary(m, &sum);
	jw_start_object(jw);
	jw_string_field(jw, "kind", "bpfgauge-cov-result");
	jw_uint_field(jw, "schema_version", COV_JSON_SCHEMA_VERSION);
	jw_string_field(jw, "command", info->command);
	if (info->cmd) {
		size_t nc = 0;

		while (info->cmd[nc])
			nc++;
		write_strings(jw, "cmd", info->cmd, nc);
		jw_int_field(jw, "cmd_exit_code", info->cmd_exit_code);
	}
	jw_string_field(jw, "output", info->output);
	jw_string_field(jw, "format", info->format);
	if (info->test_names) {
		write_strings(jw, "test_names", info->test_names, info->ntest_names);
	} else {
		const char *tn = cov_model__test_name(m);

		write_strings(jw, "test_names", &tn, tn ? 1 : 0);
	}
	write_strings(jw, "inputs", info->inputs, info->ninputs);
	write_strings(jw, "snapshots", info->snapshots, info->nsnapshots);
	jw_uint_field(jw, "counter_maps", info->counter_maps);
	jw_uint_field(jw, "objects_used", info->objects_used);
	jw_name(jw, "unmatched");
	jw_start_object(jw);
	jw_uint_field(jw, "counter_maps", info->unmatched_maps);
	jw_uint_field(jw, "segments", info->unmatched_segments);
	jw_string_field(jw, "snapshot", info->unmatched_snapshot);
	jw_end_object(jw);
	jw_name(jw, "files");
	jw_start_array(jw);
	for (size_t i = 0; i < n; i++) {
		struct cov_file_view v;

		if (!cov_model__file(m, i, &v))
			write_file(jw, &v);
	}
	jw_end_array(jw);
	jw_name(jw, "total");
	jw_start_object(jw);
	jw_uint_field(jw, "files", sum.files);
	cov_kind_write_json(jw, "lines", sum.lines_found, sum.lines_hit);
	cov_kind_write_json(jw, "functions", sum.funcs_found, sum.funcs_hit);
	cov_kind_write_json(jw, "branches", sum.branches_found, sum.branches_hit);
	jw_end_object(jw);
	jw_end_object(jw);
}
