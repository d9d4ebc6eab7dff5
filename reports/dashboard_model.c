/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The dashboard's model: it gathers what the page and `dashboard -j` show
 * from finished inputs (the stored runs' records, the latest run's matrix
 * report, coverage summaries) without judging anything itself: headroom is
 * the records' insns and stack over their limits, a run of a program is
 * its worst passing cell plus its failures (a failed load's insns are never
 * a measurement), and the heatmap axes are ordered as versions.
 */
#define _GNU_SOURCE /* strerrorname_np */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "dashboard.h"
#include "version.h"

/* The arch of a cell's kernel: the cell's arch (matrix --arch), else from a
 * Debian-style release suffix, else the host's. */
static void cell_arch(const struct store_run *run, const struct store_cell *c, char *buf,
		      size_t size)
{
	const char *rel = c->kernel_release ? c->kernel_release : "";

	if (c->arch && *c->arch)
		snprintf(buf, size, "%s", c->arch);
	else if (strstr(rel, "arm64") || strstr(rel, "aarch64"))
		snprintf(buf, size, "arm64");
	else if (strstr(rel, "amd64") || strstr(rel, "x86_64"))
		snprintf(buf, size, "x86_64");
	else if (c->kernel && !strcmp(c->kernel, "host") && run && run->host_arch)
		snprintf(buf, size, "%s", run->host_arch);
	else
		snprintf(buf, size, "%s", "");
}

/* The kernel row of a cell: "host 6.18" (placed by its release), "6.1", or an image's release. */
static void kernel_axis(const struct store_run *run, const struct store_cell *c,
			struct dash_axis *a)
{
	char s[32];

	memset(a, 0, sizeof(*a));
	mx_kernel_short(c, s, sizeof(s));
	snprintf(a->key, sizeof(a->key), "%s", s);
	if (c->kernel && !strcmp(c->kernel, "host") && strcmp(s, "host"))
		snprintf(a->label, sizeof(a->label), "host %s", s);
	else if (!c->kernel || !*c->kernel || strchr(c->kernel, '/'))
		snprintf(a->label, sizeof(a->label), "%s", s);
	else
		snprintf(a->label, sizeof(a->label), "%s", c->kernel);
	cell_arch(run, c, a->arch, sizeof(a->arch));
}

static void comp_axis(const struct store_cell *c, struct dash_axis *a)
{
	const char *cl = c->clang ? c->clang : "", *mcpu = c->mcpu ? c->mcpu : "";

	memset(a, 0, sizeof(*a));
	snprintf(a->key, sizeof(a->key), "%s", cl);
	snprintf(a->arch, sizeof(a->arch), "%s", mcpu); /* the second sort key */
	if (!*cl)
		snprintf(a->label, sizeof(a->label), "object%s%s", *mcpu ? " " : "", mcpu);
	else
		snprintf(a->label, sizeof(a->label), "clang %s%s%s", cl, *mcpu ? " " : "", mcpu);
}

/* Kernels by arch, then version; compilers by clang, then -mcpu, as versions. */
static int axis_cmp(const void *pa, const void *pb)
{
	const struct dash_axis *a = pa, *b = pb;
	int d = bpfgauge_version_cmp(a->key, b->key);

	if (!d)
		d = bpfgauge_version_cmp(a->label, b->label);
	return d;
}

static int kernel_cmp(const void *pa, const void *pb)
{
	const struct dash_axis *a = pa, *b = pb;
	int d = strcmp(a->arch, b->arch);

	return d ? d : axis_cmp(pa, pb);
}

static int comp_cmp(const void *pa, const void *pb)
{
	const struct dash_axis *a = pa, *b = pb;
	int d = bpfgauge_version_cmp(a->key, b->key);

	if (!d)
		d = bpfgauge_version_cmp(a->arch, b->arch);
	return d ? d : strcmp(a->label, b->label);
}

static ssize_t axis_find(const struct dash_axis *ax, size_t n, const struct dash_axis *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ax[i].label, key->label) && !strcmp(ax[i].arch, key->arch))
			return (ssize_t)i;
	return -1;
}

/* The axes of the latest run's cells, deduplicated and ordered. */
static int axes_build(struct dash_model *m, const struct dash_run *last)
{
	size_t n = last ? last->ncells : 0;

	m->kernels = calloc(n + 1, sizeof(*m->kernels));
	m->comps = calloc(n + 1, sizeof(*m->comps));
	if (!m->kernels || !m->comps)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct dash_axis k, c;

		kernel_axis(last->run, &last->cells[i], &k);
		comp_axis(&last->cells[i], &c);
		if (axis_find(m->kernels, m->nkernels, &k) < 0)
			m->kernels[m->nkernels++] = k;
		if (axis_find(m->comps, m->ncomps, &c) < 0)
			m->comps[m->ncomps++] = c;
	}
	qsort(m->kernels, m->nkernels, sizeof(*m->kernels), kernel_cmp);
	qsort(m->comps, m->ncomps, sizeof(*m->comps), comp_cmp);
	return 0;
}

/* The heatmap position of a cell of any run; -1 when the latest run has no such cell. */
static ssize_t cell_pos(const struct dash_model *m, const struct store_run *run,
			const struct store_cell *c)
{
	struct dash_axis k, cc;
	ssize_t ki, ci;

	kernel_axis(run, c, &k);
	comp_axis(c, &cc);
	ki = axis_find(m->kernels, m->nkernels, &k);
	ci = axis_find(m->comps, m->ncomps, &cc);
	return ki < 0 || ci < 0 ? -1 : ki * (ssize_t)m->ncomps + ci;
}

static int prog_cmp(const void *pa, const void *pb)
{
	const struct dash_prog *a = pa, *b = pb;
	int d = strcmp(a->object, b->object);

	return d ? d : strcmp(a->prog, b->prog);
}

static struct dash_prog *prog_find(const struct dash_model *m, const char *object,
				   const char *prog)
{
	struct dash_prog key;

	snprintf(key.object, sizeof(key.object), "%s", object ? object : "");
	snprintf(key.prog, sizeof(key.prog), "%s", prog ? prog : "");
	return bsearch(&key, m->progs, m->nprogs, sizeof(*m->progs), prog_cmp);
}

/* The latest run's programs, sorted by object and name, each once. */
static int progs_collect(struct dash_model *m, const struct dash_run *last)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; last && i < last->ncells; i++)
		n += last->cells[i].nrecs;
	m->progs = calloc(n + 1, sizeof(*m->progs));
	if (!m->progs)
		return -ENOMEM;
	for (size_t i = 0; last && i < last->ncells; i++)
		for (size_t j = 0; j < last->cells[i].nrecs; j++) {
			const struct vlog_record *r = last->cells[i].recs[j];
			const char *p = vlog_record__str(r, VLOG_STAT_PROG);
			const char *t = vlog_record__str(r, VLOG_STAT_PROG_TYPE);
			struct dash_prog *d = &m->progs[k++];

			snprintf(d->object, sizeof(d->object), "%s", last->cells[i].object);
			snprintf(d->prog, sizeof(d->prog), "%s", p ? p : "");
			snprintf(d->prog_type, sizeof(d->prog_type), "%s", t ? t : "");
		}
	qsort(m->progs, k, sizeof(*m->progs), prog_cmp);
	for (size_t i = 0; i < k; i++)
		if (!m->nprogs || prog_cmp(&m->progs[m->nprogs - 1], &m->progs[i]))
			m->progs[m->nprogs++] = m->progs[i];
	return 0;
}

/* "complexity (E2BIG)" */
static void fail_text(const struct dash_res *d, char *buf, size_t size)
{
	const char *en = d->err > 0 ? strerrorname_np(d->err) : NULL;

	if (en)
		snprintf(buf, size, "%s (%s)", vlog_class_str(d->cls), en);
	else
		snprintf(buf, size, "%s", vlog_class_str(d->cls));
}

/* A record's numbers as the page shows them: % of the record's own limit (1M by default). */
static void res_fill(struct dash_res *d, const struct vlog_record *r)
{
	long long limit = vlog_record__int(r, VLOG_STAT_INSN_LIMIT);

	if (limit <= 0)
		limit = DASH_INSN_LIMIT;
	d->present = true;
	d->verdict = (int)vlog_record__int(r, VLOG_STAT_VERDICT);
	d->cls = (int)vlog_record__int(r, VLOG_STAT_CLASS);
	d->err = (int)vlog_record__int(r, VLOG_STAT_ERRNO);
	d->insns = vlog_record__int(r, VLOG_STAT_INSNS);
	d->states = vlog_record__int(r, VLOG_STAT_TOTAL_STATES);
	d->stack = vlog_record__has(r, VLOG_STAT_STACK_MAX) ? vlog_record__int(r, VLOG_STAT_STACK_MAX)
							   : vlog_record__int(r, VLOG_STAT_STACK_SUM);
	d->insns_pct = 100.0 * (double)d->insns / (double)limit;
	d->stack_pct = 100.0 * (double)d->stack / DASH_STACK_LIMIT;
	if (d->verdict != VLOG_VERDICT_PASS)
		fail_text(d, d->fail, sizeof(d->fail));
}

/* Add one cell's record of a program to its run's point. */
static void point_add(struct dash_point *p, const struct dash_res *d, const char *where)
{
	size_t len;

	p->ncells++;
	if (d->verdict == VLOG_VERDICT_PASS) {
		if (d->insns > p->insns)
			p->insns = d->insns;
		if (d->states > p->states)
			p->states = d->states;
		return;
	}
	p->nfail++;
	len = strlen(p->fail);
	if (len + 8 < sizeof(p->fail))
		snprintf(p->fail + len, sizeof(p->fail) - len, "%s%s: %s", len ? "; " : "", where,
			 d->fail);
}

/* "6.12 clang 22" for a cell of run. */
static void where_of(const struct store_run *run, const struct store_cell *c, char *buf,
		     size_t size)
{
	struct dash_axis k, cc;

	kernel_axis(run, c, &k);
	comp_axis(c, &cc);
	snprintf(buf, size, "%s %s", k.label, cc.label);
}

/* Every run's records into the programs' trend points. */
static void trends_fill(struct dash_model *m)
{
	for (size_t i = 0; i < m->nruns; i++) {
		const struct dash_run *dr = &m->runs[i];

		for (size_t c = 0; c < dr->ncells; c++) {
			ssize_t pos = cell_pos(m, dr->run, &dr->cells[c]);
			char where[200];

			where_of(dr->run, &dr->cells[c], where, sizeof(where));
			for (size_t j = 0; j < dr->cells[c].nrecs; j++) {
				const struct vlog_record *r = dr->cells[c].recs[j];
				struct dash_prog *p = prog_find(m, dr->cells[c].object,
								vlog_record__str(r, VLOG_STAT_PROG));
				struct dash_res d = { 0 };

				if (!p)
					continue;
				res_fill(&d, r);
				point_add(&p->trend[i], &d, where);
				if (pos >= 0)
					p->by_cell[i * m->nkernels * m->ncomps + (size_t)pos] =
						d.verdict == VLOG_VERDICT_PASS ? d.insns : DASH_FAILED;
			}
		}
	}
}

/* A cell's stored attach outcome (matrix: "failed ENOENT: cause") into d. */
static void attach_fill(struct dash_res *d, const char *stored)
{
	struct mx_attach a;

	mx_attach_parse(stored, &a);
	d->attach = a.outcome;
	if (a.outcome == MX_ATTACH_FAILED || a.outcome == MX_ATTACH_LOAD_FAILED)
		snprintf(d->attach_why, sizeof(d->attach_why), "%s%s%s", a.err, *a.err ? ": " : "",
			 a.cause);
}

/* The latest run's cells into each program's heatmap row, cell errors included. */
static void latest_fill(struct dash_model *m, const struct dash_run *last)
{
	for (size_t c = 0; last && c < last->ncells; c++) {
		const struct store_cell *cell = &last->cells[c];
		ssize_t pos = cell_pos(m, last->run, cell);

		if (pos < 0)
			continue;
		if (cell->status && !strcmp(cell->status, "error")) {
			for (size_t i = 0; i < m->nprogs; i++)
				if (!strcmp(m->progs[i].object, cell->object)) {
					m->progs[i].res[pos].cell_error = true;
					m->progs[i].nerr++;
				}
			continue;
		}
		for (size_t j = 0; j < cell->nrecs; j++) {
			struct dash_prog *p = prog_find(m, cell->object,
							vlog_record__str(cell->recs[j], VLOG_STAT_PROG));

			if (!p)
				continue;
			res_fill(&p->res[pos], cell->recs[j]);
			attach_fill(&p->res[pos], cell->attach ? cell->attach[j] : NULL);
		}
	}
}

/* Append "6.12 clang 14: complexity (E2BIG)" to a failure list. */
static void fail_add(char *buf, size_t size, const struct dash_axis *k, const struct dash_axis *c,
		     const char *why)
{
	size_t len = strlen(buf);

	if (len + 8 < size)
		snprintf(buf + len, size - len, "%s%s %s: %s", len ? "; " : "", k->label, c->label,
			 why);
}

/* Headroom of the latest run: the worst passing cell's numbers. */
static void headroom_fill(struct dash_model *m)
{
	size_t ncell = m->nkernels * m->ncomps;

	for (size_t i = 0; i < m->nprogs; i++) {
		struct dash_prog *p = &m->progs[i];

		p->insns = p->states = p->stack = -1;
		for (size_t k = 0; k < ncell; k++) {
			const struct dash_res *d = &p->res[k];

			if (!d->present)
				continue;
			p->ncells++;
			if (d->verdict != VLOG_VERDICT_PASS) {
				fail_add(p->fail, sizeof(p->fail), &m->kernels[k / m->ncomps],
					 &m->comps[k % m->ncomps], d->fail);
				p->nfail++;
				continue;
			}
			if (d->attach == MX_ATTACH_FAILED || d->attach == MX_ATTACH_LOAD_FAILED) {
				fail_add(p->attach_fail, sizeof(p->attach_fail),
					 &m->kernels[k / m->ncomps], &m->comps[k % m->ncomps],
					 d->attach_why);
				p->nattach_fail++;
			}
			if (d->insns > p->insns) {
				p->insns = d->insns;
				p->insns_pct = d->insns_pct;
			}
			if (d->stack > p->stack) {
				p->stack = d->stack;
				p->stack_pct = d->stack_pct;
			}
			if (d->states > p->states)
				p->states = d->states;
		}
	}
}

/* One baseline record against the latest run's record on the same cell. */
static void change_add(struct dash_change *ch, const struct dash_res *cur,
		       const struct dash_res *base, const char *where)
{
	bool bpass = base->verdict == VLOG_VERDICT_PASS, cpass = cur->verdict == VLOG_VERDICT_PASS;
	double pct;

	ch->in_base = true;
	if (!cur->present)
		return;
	ch->new_failures += bpass && !cpass;
	ch->fixed += !bpass && cpass;
	if (!bpass || !cpass)
		return;
	pct = base->insns ? 100.0 * (double)(cur->insns - base->insns) / (double)base->insns
			  : (cur->insns ? 100.0 : 0.0);
	if (ch->has_delta && (pct < 0 ? -pct : pct) <=
				     (ch->delta_pct < 0 ? -ch->delta_pct : ch->delta_pct))
		return; /* keep the cell that moved most */
	ch->has_delta = true;
	ch->base_insns = base->insns;
	ch->insns = cur->insns;
	ch->delta_pct = pct;
	snprintf(ch->cell, sizeof(ch->cell), "%s", where);
}

/* Each program's change since the baseline run of the report (none: nothing). */
static void changes_fill(struct dash_model *m)
{
	const struct mx_report *rep = m->latest;

	for (size_t c = 0; rep && c < rep->nbcells; c++) {
		const struct store_cell *cell = &rep->bcells[c];
		ssize_t pos = cell_pos(m, &rep->base, cell);
		char where[200];

		where_of(&rep->base, cell, where, sizeof(where));
		for (size_t j = 0; j < cell->nrecs; j++) {
			struct dash_prog *p = prog_find(m, cell->object,
							vlog_record__str(cell->recs[j], VLOG_STAT_PROG));
			struct dash_res base = { 0 }, none = { 0 };

			if (!p)
				continue;
			res_fill(&base, cell->recs[j]);
			change_add(&p->change, pos < 0 ? &none : &p->res[pos], &base, where);
		}
	}
}

static int flags_fill(struct dash_model *m)
{
	const struct mx_report *rep = m->latest;

	for (size_t f = 0; rep && f < rep->nflags; f++) {
		struct dash_prog *p = prog_find(m, rep->flags[f].object, rep->flags[f].prog);
		size_t *a;

		if (!p)
			continue;
		a = realloc(p->flags, (p->nflags + 1) * sizeof(*a));
		if (!a)
			return -ENOMEM;
		p->flags = a;
		p->flags[p->nflags++] = f;
	}
	return 0;
}

static int progs_alloc(struct dash_model *m)
{
	size_t ncell = m->nkernels * m->ncomps;

	for (size_t i = 0; i < m->nprogs; i++) {
		m->progs[i].res = calloc(ncell + 1, sizeof(*m->progs[i].res));
		m->progs[i].trend = calloc(m->nruns + 1, sizeof(*m->progs[i].trend));
		m->progs[i].by_cell = malloc((m->nruns * ncell + 1) * sizeof(*m->progs[i].by_cell));
		if (!m->progs[i].res || !m->progs[i].trend || !m->progs[i].by_cell)
			return -ENOMEM;
		for (size_t k = 0; k < m->nruns * ncell; k++)
			m->progs[i].by_cell[k] = DASH_ABSENT;
		for (size_t r = 0; r < m->nruns; r++)
			m->progs[i].trend[r].insns = m->progs[i].trend[r].states = -1;
	}
	return 0;
}

int dash_model_build(const struct dash_run *runs, size_t nruns, const struct mx_report *latest,
		     const struct dash_cov *cov, size_t ncov, struct dash_model *m)
{
	const struct dash_run *last = nruns ? &runs[nruns - 1] : NULL;
	int err;

	memset(m, 0, sizeof(*m));
	m->runs = runs;
	m->nruns = nruns;
	m->latest = latest;
	m->cov = cov;
	m->ncov = ncov;
	err = axes_build(m, last);
	if (!err)
		err = progs_collect(m, last);
	if (!err)
		err = progs_alloc(m);
	if (!err)
		err = flags_fill(m);
	if (err) {
		dash_model_release(m);
		return err;
	}
	trends_fill(m);
	latest_fill(m, last);
	headroom_fill(m);
	changes_fill(m);
	return 0;
}

void dash_model_release(struct dash_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; m->progs && i < m->nprogs; i++) {
		free(m->progs[i].flags);
		free(m->progs[i].res);
		free(m->progs[i].trend);
		free(m->progs[i].by_cell);
	}
	free(m->progs);
	free(m->kernels);
	free(m->comps);
	memset(m, 0, sizeof(*m));
}
