/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The dashboard model as JSON: what `dashboard -j` prints and what the page
 * embeds and renders, so both show the same numbers. A value that does not
 * exist (no passing cell, no baseline) is null, never 0; a failed load's
 * insns appear only in the failure text, never as a measurement.
 */
#include <string.h>

#include "cov_writers.h"
#include "dashboard.h"

static void int_or_null(json_writer_t *jw, const char *name, long long v)
{
	if (v < 0)
		jw_null_field(jw, name);
	else
		jw_int_field(jw, name, v);
}

static void str_or_null(json_writer_t *jw, const char *name, const char *s)
{
	if (s && *s)
		jw_string_field(jw, name, s);
	else
		jw_null_field(jw, name);
}

/* A run's short name for axis ticks: its label, else its commit, else "#id". */
static void run_tick(const struct store_run *r, char *buf, size_t size)
{
	if (r->label && *r->label)
		snprintf(buf, size, "%s", r->label);
	else if (r->git_commit && *r->git_commit)
		snprintf(buf, size, "%.7s%s", r->git_commit, r->git_dirty == 1 ? "+" : "");
	else
		snprintf(buf, size, "#%lld", (long long)r->id);
}

static void write_runs(json_writer_t *jw, const struct dash_model *m)
{
	jw_name(jw, "runs");
	jw_start_array(jw);
	for (size_t i = 0; i < m->nruns; i++) {
		const struct dash_run *dr = &m->runs[i];
		const struct store_run *r = dr->run;
		char tick[96];
		size_t nerr = 0;

		for (size_t c = 0; c < dr->ncells; c++)
			nerr += dr->cells[c].status && !strcmp(dr->cells[c].status, "error");
		run_tick(r, tick, sizeof(tick));
		jw_start_object(jw);
		jw_int_field(jw, "id", r->id);
		jw_string_field(jw, "uuid", r->uuid);
		jw_string_field(jw, "started", r->started);
		jw_string_field(jw, "status", r->status);
		jw_string_field(jw, "git_commit", r->git_commit);
		jw_int_field(jw, "git_dirty", r->git_dirty);
		jw_string_field(jw, "branch", r->branch);
		jw_string_field(jw, "label", r->label);
		jw_string_field(jw, "host_kernel", r->host_kernel);
		jw_string_field(jw, "tick", tick);
		jw_uint_field(jw, "cells", dr->ncells);
		jw_uint_field(jw, "cell_errors", nerr);
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

static void write_axes(json_writer_t *jw, const struct dash_model *m)
{
	jw_name(jw, "kernels");
	jw_start_array(jw);
	for (size_t i = 0; i < m->nkernels; i++) {
		jw_start_object(jw);
		jw_string_field(jw, "label", m->kernels[i].label);
		jw_string_field(jw, "version", m->kernels[i].key);
		jw_string_field(jw, "arch", m->kernels[i].arch);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "compilers");
	jw_start_array(jw);
	for (size_t i = 0; i < m->ncomps; i++) {
		jw_start_object(jw);
		jw_string_field(jw, "label", m->comps[i].label);
		jw_string_field(jw, "clang", m->comps[i].key);
		jw_string_field(jw, "mcpu", m->comps[i].arch);
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

static void write_res(json_writer_t *jw, const struct dash_res *d)
{
	if (!d->present && !d->cell_error) {
		jw_null(jw);
		return;
	}
	jw_start_object(jw);
	if (!d->present) {
		jw_bool_field(jw, "cell_error", true);
		jw_end_object(jw);
		return;
	}
	jw_string_field(jw, "verdict", vlog_verdict_str(d->verdict));
	if (d->verdict == VLOG_VERDICT_PASS) {
		jw_int_field(jw, "insns", d->insns);
		jw_double_field(jw, "insns_pct", d->insns_pct);
		jw_int_field(jw, "states", d->states);
		jw_int_field(jw, "stack", d->stack);
		jw_double_field(jw, "stack_pct", d->stack_pct);
	} else {
		jw_string_field(jw, "class", vlog_class_str(d->cls));
		jw_int_field(jw, "errno", d->err);
		jw_string_field(jw, "failure", d->fail);
	}
	/* the attach outcome where the matrix tried one (older stores have none) */
	if (d->attach != MX_ATTACH_NONE)
		jw_string_field(jw, "attach", mx_attach_outcome_str(d->attach));
	if (*d->attach_why)
		jw_string_field(jw, "attach_error", d->attach_why);
	jw_end_object(jw);
}

static void write_heatmap(json_writer_t *jw, const struct dash_model *m, const struct dash_prog *p)
{
	jw_name(jw, "heatmap");
	jw_start_array(jw);
	for (size_t k = 0; k < m->nkernels; k++) {
		jw_start_array(jw);
		for (size_t c = 0; c < m->ncomps; c++)
			write_res(jw, &p->res[k * m->ncomps + c]);
		jw_end_array(jw);
	}
	jw_end_array(jw);
}

/*
 * A run's value on each heatmap cell (k * ncomps + c): insns, or null when
 * the cell failed or lacks the program; the failed cells' indexes apart.
 */
static void write_by_cell(json_writer_t *jw, const long long *v, size_t n)
{
	jw_name(jw, "by_cell");
	jw_start_array(jw);
	for (size_t q = 0; q < n; q++)
		if (v[q] >= 0)
			jw_int(jw, v[q]);
		else
			jw_null(jw);
	jw_end_array(jw);
	jw_name(jw, "failed_on");
	jw_start_array(jw);
	for (size_t q = 0; q < n; q++)
		if (v[q] == DASH_FAILED)
			jw_uint(jw, q);
	jw_end_array(jw);
}

/* One run of one program; runs without the program are left out. */
static void write_trend(json_writer_t *jw, const struct dash_model *m, const struct dash_prog *p)
{
	jw_name(jw, "trend");
	jw_start_array(jw);
	for (size_t i = 0; i < m->nruns; i++) {
		const struct dash_point *t = &p->trend[i];

		if (!t->ncells)
			continue;
		jw_start_object(jw);
		jw_int_field(jw, "run", m->runs[i].run->id);
		jw_int_field(jw, "cells", t->ncells);
		jw_int_field(jw, "failed", t->nfail);
		int_or_null(jw, "insns", t->insns);
		int_or_null(jw, "states", t->states);
		str_or_null(jw, "failure", t->fail);
		write_by_cell(jw, &p->by_cell[i * m->nkernels * m->ncomps], m->nkernels * m->ncomps);
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

static void write_change(json_writer_t *jw, const struct dash_model *m, const struct dash_prog *p)
{
	const struct dash_change *ch = &p->change;

	if (!m->latest || !m->latest->base.id) {
		jw_null_field(jw, "change");
		return;
	}
	jw_name(jw, "change");
	jw_start_object(jw);
	jw_bool_field(jw, "in_baseline", ch->in_base);
	jw_int_field(jw, "new_failures", ch->new_failures);
	jw_int_field(jw, "fixed", ch->fixed);
	if (ch->has_delta) {
		jw_string_field(jw, "cell", ch->cell);
		jw_int_field(jw, "baseline_insns", ch->base_insns);
		jw_int_field(jw, "insns", ch->insns);
		jw_int_field(jw, "delta", ch->insns - ch->base_insns);
		jw_double_field(jw, "delta_pct", ch->delta_pct);
	}
	jw_end_object(jw);
}

static void write_flag(json_writer_t *jw, const struct mx_flag *f, bool full)
{
	jw_start_object(jw);
	if (full) {
		jw_string_field(jw, "object", f->object);
		jw_string_field(jw, "prog", f->prog);
	}
	jw_string_field(jw, "kind", mx_flag_kind_str(f->kind));
	jw_string_field(jw, "axis", f->axis);
	jw_string_field(jw, "detail", f->detail);
	jw_string_field(jw, "cells", f->cells);
	if (full)
		jw_string_field(jw, "log", f->log);
	jw_end_object(jw);
}

static void write_prog(json_writer_t *jw, const struct dash_model *m, const struct dash_prog *p)
{
	jw_start_object(jw);
	jw_string_field(jw, "object", p->object);
	jw_string_field(jw, "prog", p->prog);
	jw_string_field(jw, "prog_type", p->prog_type);
	jw_int_field(jw, "cells", p->ncells);
	jw_int_field(jw, "failed_cells", p->nfail);
	jw_int_field(jw, "error_cells", p->nerr);
	int_or_null(jw, "insns", p->insns);
	if (p->insns >= 0)
		jw_double_field(jw, "insns_pct", p->insns_pct);
	else
		jw_null_field(jw, "insns_pct");
	int_or_null(jw, "stack", p->stack);
	if (p->stack >= 0)
		jw_double_field(jw, "stack_pct", p->stack_pct);
	else
		jw_null_field(jw, "stack_pct");
	int_or_null(jw, "states", p->states);
	str_or_null(jw, "failure", p->fail);
	jw_int_field(jw, "attach_failed_cells", p->nattach_fail);
	str_or_null(jw, "attach_failure", p->attach_fail);
	write_change(jw, m, p);
	jw_name(jw, "flags");
	jw_start_array(jw);
	for (size_t f = 0; f < p->nflags; f++)
		write_flag(jw, &m->latest->flags[p->flags[f]], false);
	jw_end_array(jw);
	write_heatmap(jw, m, p);
	write_trend(jw, m, p);
	jw_end_object(jw);
}

static void write_coverage(json_writer_t *jw, const struct dash_model *m)
{
	jw_name(jw, "coverage");
	jw_start_array(jw);
	for (size_t i = 0; i < m->ncov; i++) {
		const struct dash_cov *c = &m->cov[i];

		jw_start_object(jw);
		jw_int_field(jw, "run", c->run_id);
		jw_string_field(jw, "file", c->file);
		str_or_null(jw, "genhtml", c->genhtml);
		jw_uint_field(jw, "files", c->sum.files);
		cov_kind_write_json(jw, "lines", c->sum.lines_found, c->sum.lines_hit);
		cov_kind_write_json(jw, "functions", c->sum.funcs_found, c->sum.funcs_hit);
		cov_kind_write_json(jw, "branches", c->sum.branches_found, c->sum.branches_hit);
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

void dashboard_write_json(json_writer_t *jw, const struct dash_model *m)
{
	const struct mx_report *rep = m->latest;

	jw_start_object(jw);
	jw_int_field(jw, "schema_version", DASH_JSON_SCHEMA_VERSION);
	jw_string_field(jw, "kind", "bpfgauge-dashboard");
	jw_string_field(jw, "tool_version", bpfgauge_version());
	jw_name(jw, "limits");
	jw_start_object(jw);
	jw_int_field(jw, "insns", DASH_INSN_LIMIT);
	jw_int_field(jw, "stack", DASH_STACK_LIMIT);
	jw_end_object(jw);
	jw_name(jw, "levels");
	jw_start_object(jw);
	jw_double_field(jw, "warn_pct", rep ? rep->levels.warn_pct : 50);
	jw_double_field(jw, "error_pct", rep ? rep->levels.error_pct : 70);
	jw_end_object(jw);
	if (m->nruns)
		jw_int_field(jw, "latest_run", m->runs[m->nruns - 1].run->id);
	else
		jw_null_field(jw, "latest_run");
	if (rep && rep->base.id)
		jw_int_field(jw, "baseline_run", rep->base.id);
	else
		jw_null_field(jw, "baseline_run");
	write_runs(jw, m);
	write_axes(jw, m);
	jw_name(jw, "programs");
	jw_start_array(jw);
	for (size_t i = 0; i < m->nprogs; i++)
		write_prog(jw, m, &m->progs[i]);
	jw_end_array(jw);
	jw_name(jw, "flags");
	jw_start_array(jw);
	for (size_t f = 0; rep && f < rep->nflags; f++)
		write_flag(jw, &rep->flags[f], true);
	jw_end_array(jw);
	write_coverage(jw, m);
	jw_end_object(jw);
}
