/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * History writers: the run list, the header of a shown run, and a
 * program's trend across runs, as aligned text or JSON (`history -j`).
 */
#include <errno.h>
#include <stdio.h>

#include "json_writer.h"
#include "matrix_report.h"

int history_write_runs(FILE *f, const struct store_run *runs, size_t n, bool json, bool pretty)
{
	if (json) {
		json_writer_t *jw = jw_new(f, pretty);

		if (!jw)
			return -ENOMEM;
		jw_start_array(jw);
		for (size_t i = 0; i < n; i++) {
			jw_start_object(jw);
			jw_int_field(jw, "id", runs[i].id);
			jw_string_field(jw, "uuid", runs[i].uuid);
			jw_string_field(jw, "started", runs[i].started);
			jw_string_field(jw, "status", runs[i].status);
			jw_string_field(jw, "branch", runs[i].branch);
			jw_string_field(jw, "git_commit", runs[i].git_commit);
			jw_int_field(jw, "git_dirty", runs[i].git_dirty);
			jw_string_field(jw, "label", runs[i].label);
			jw_uint_field(jw, "cells", runs[i].ncells);
			jw_end_object(jw);
		}
		jw_end_array(jw);
		jw_free(jw);
		return ferror(f) ? -EIO : 0;
	}
	fprintf(f, "%-5s %-20s %-9s %-6s %-14s %-12s %s\n", "ID", "STARTED", "STATUS", "CELLS",
		"BRANCH", "COMMIT", "LABEL");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%-5lld %-20s %-9s %-6zu %-14s %-12.12s%s %s\n", (long long)runs[i].id,
			runs[i].started, runs[i].status, runs[i].ncells, runs[i].branch,
			*runs[i].git_commit ? runs[i].git_commit : "-",
			runs[i].git_dirty == 1 ? "+" : " ", runs[i].label);
	return ferror(f) ? -EIO : 0;
}

void history_write_run_header(FILE *f, const struct store_run *run)
{
	fprintf(f, "run %lld %s  started %s  status %s  commit %s%s  branch %s  host %s %s\n",
		(long long)run->id, run->uuid, run->started, run->status,
		*run->git_commit ? run->git_commit : "-", run->git_dirty == 1 ? " (dirty)" : "",
		run->branch, run->host_arch, run->host_kernel);
}

int history_write_trend(FILE *f, const struct mx_trend_point *pts, size_t n, bool json,
			bool pretty)
{
	json_writer_t *jw = NULL;

	if (json) {
		jw = jw_new(f, pretty);
		if (!jw)
			return -ENOMEM;
		jw_start_array(jw);
	} else {
		fprintf(f, "%-5s %-20s %-10s %-7s %-6s %-8s %10s %8s\n", "RUN", "STARTED", "KERNEL",
			"CLANG", "MCPU", "VERDICT", "INSNS", "STATES");
	}
	for (size_t i = 0; i < n; i++) {
		const struct mx_trend_point *t = &pts[i];

		if (jw) {
			jw_start_object(jw);
			jw_int_field(jw, "run", t->run);
			jw_string_field(jw, "started", t->started);
			jw_string_field(jw, "object", t->object);
			jw_string_field(jw, "kernel", t->kernel);
			jw_string_field(jw, "clang", t->clang);
			jw_string_field(jw, "mcpu", t->mcpu);
			jw_string_field(jw, "verdict", vlog_verdict_str(t->verdict));
			jw_int_field(jw, "insns", t->insns);
			jw_int_field(jw, "states", t->states);
			jw_end_object(jw);
		} else {
			fprintf(f, "%-5lld %-20s %-10s %-7s %-6s %-8s %10lld %8lld\n", (long long)t->run,
				t->started, t->kernel, *t->clang ? t->clang : "-", *t->mcpu ? t->mcpu : "-",
				vlog_verdict_str(t->verdict), t->insns, t->states);
		}
	}
	if (jw) {
		jw_end_array(jw);
		jw_free(jw);
	}
	return ferror(f) ? -EIO : 0;
}
