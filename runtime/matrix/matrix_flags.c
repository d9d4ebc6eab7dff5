/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Regression flags over a matrix run: pass->fail and insns/states growth
 * against a baseline run, headroom below the policy minimum, and programs
 * that pass on some cells and fail on others. Each flag names the axis
 * that explains it ("on kernel 6.12 only", "with clang 22 only",
 * "-mcpu=v3 only") by finding the axis values shared by exactly the
 * flagged cells of that program.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/matrix.h"
#include "bpfgauge/vgate.h"
#include "bpfgauge_internal.h"

enum { AX_KERNEL, AX_CLANG, AX_MCPU, AX_CNT };

struct ent {
	const char *object, *prog;
	char ax[AX_CNT][64];
	const struct vlog_record *r;
	const char *log;
	bool mark;
};

void mx_policy_default(struct mx_policy *p)
{
	p->insns_growth_pct = 10;
	p->states_growth_pct = 10;
	p->min_headroom_pct = 30;
	p->flag_new_failures = true;
}

int mx_policy_load(const char *path, struct mx_policy *p)
{
	struct vpolicy *vp = NULL;
	char *buf = NULL, *save = NULL;
	size_t len;
	int err, lineno = 0;

	err = vlog_read_file(path, &buf, &len);
	if (err) {
		pr_warn("matrix: cannot read policy '%s': %s", path, bpfgauge_strerror(err));
		return bg_err(err);
	}
	/* the gate's own parser validates the syntax; we take the "*" rules */
	err = vpolicy_parse(buf, path, &vp);
	vpolicy_free(vp);
	if (err) {
		free(buf);
		return bg_err(err);
	}
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char glob[128], metric[64], rule[64];
		int id;
		double v;

		lineno++;
		if (strchr(line, '#'))
			*strchr(line, '#') = 0;
		if (sscanf(line, "%127s %63s %63s", glob, metric, rule) != 3)
			continue;
		if (strcmp(glob, "*")) {
			pr_info("matrix: %s: rule for '%s' ignored (matrix flags use the '*' rules)",
				path, glob);
			continue;
		}
		id = vlog_stat_find(metric);
		if (id == VLOG_STAT_VERDICT && !strcmp(rule, "no-regress"))
			p->flag_new_failures = true;
		else if (id == VLOG_STAT_INSNS && sscanf(rule, "+%lf%%", &v) == 1 && strchr(rule, '%'))
			p->insns_growth_pct = v;
		else if (id == VLOG_STAT_TOTAL_STATES && sscanf(rule, "+%lf%%", &v) == 1 &&
			 strchr(rule, '%'))
			p->states_growth_pct = v;
		else if (id == VLOG_STAT_INSNS_PCT &&
			 (sscanf(rule, "<=%lf", &v) == 1 || sscanf(rule, "<%lf", &v) == 1))
			p->min_headroom_pct = 100 - v;
		else
			pr_info("matrix: %s: '%s %s' is not used by matrix flags", path, metric, rule);
	}
	free(buf);
	return 0;
}

const char *mx_flag_kind_str(enum mx_flag_kind k)
{
	switch (k) {
	case MX_FLAG_PASS_TO_FAIL: return "pass-to-fail";
	case MX_FLAG_INSNS_GROWTH: return "insns-growth";
	case MX_FLAG_STATES_GROWTH: return "states-growth";
	case MX_FLAG_HEADROOM: return "headroom";
	case MX_FLAG_NEW_FAILURE: return "new-failure";
	case MX_FLAG_AXIS_FAIL: return "axis-failure";
	}
	return "?";
}

static int collect(const struct store_cell *cells, size_t n, struct ent **out, size_t *nout)
{
	size_t cnt = 0, k = 0;
	struct ent *e;

	for (size_t i = 0; i < n; i++)
		cnt += cells[i].nrecs;
	e = calloc(cnt + 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct store_cell *c = &cells[i];

		for (size_t j = 0; j < c->nrecs; j++, k++) {
			e[k].object = c->object;
			e[k].prog = vlog_record__str(c->recs[j], VLOG_STAT_PROG);
			if (!e[k].prog)
				e[k].prog = "";
			mx_kernel_short(c, e[k].ax[AX_KERNEL], sizeof(e[k].ax[AX_KERNEL]));
			snprintf(e[k].ax[AX_CLANG], 64, "%s", c->clang ? c->clang : "");
			snprintf(e[k].ax[AX_MCPU], 64, "%s", c->mcpu ? c->mcpu : "");
			e[k].r = c->recs[j];
			e[k].log = c->logs ? c->logs[j] : NULL;
		}
	}
	*out = e;
	*nout = k;
	return 0;
}

static bool same_prog(const struct ent *a, const struct ent *b)
{
	return !strcmp(a->object, b->object) && !strcmp(a->prog, b->prog);
}

static bool same_cell(const struct ent *a, const struct ent *b)
{
	return same_prog(a, b) && !strcmp(a->ax[0], b->ax[0]) && !strcmp(a->ax[1], b->ax[1]) &&
	       !strcmp(a->ax[2], b->ax[2]);
}

static const struct ent *find(const struct ent *e, size_t n, const struct ent *key)
{
	for (size_t i = 0; i < n; i++)
		if (same_cell(&e[i], key))
			return &e[i];
	return NULL;
}

static bool failed(const struct vlog_record *r)
{
	return vlog_record__int(r, VLOG_STAT_VERDICT) == VLOG_VERDICT_FAIL;
}

/*
 * Describe the marked entries among the entries of one program (idx[0..n)):
 * the axis values all marked cells share while other cells differ, and
 * whether those values pick out exactly the marked cells.
 */
static void describe(const struct ent *e, const size_t *idx, size_t n, const char *verb,
		     char *axis, size_t asz, char *cells, size_t csz)
{
	static const char *const pre[AX_CNT] = { "on kernel ", "with clang ", "-mcpu=" };
	bool restrict_[AX_CNT] = { 0 };
	const char *val[AX_CNT] = { 0 };
	size_t marked = 0, matched = 0, o = 0, co = 0;

	for (size_t i = 0; i < n; i++)
		marked += e[idx[i]].mark;
	for (int a = 0; a < AX_CNT; a++) {
		bool single = true, contrast = false;

		for (size_t i = 0; i < n; i++) {
			const struct ent *x = &e[idx[i]];

			if (!x->mark)
				continue;
			if (!val[a])
				val[a] = x->ax[a];
			else if (strcmp(val[a], x->ax[a]))
				single = false;
		}
		for (size_t i = 0; val[a] && i < n; i++)
			if (strcmp(e[idx[i]].ax[a], val[a]))
				contrast = true;
		restrict_[a] = single && contrast && val[a] && *val[a];
	}
	for (size_t i = 0; i < n; i++) {
		bool in = true;

		for (int a = 0; a < AX_CNT; a++)
			if (restrict_[a] && strcmp(e[idx[i]].ax[a], val[a]))
				in = false;
		matched += in;
	}
	o += snprintf(axis + o, asz - o, "%s", verb);
	if (!restrict_[AX_KERNEL] && !restrict_[AX_CLANG] && !restrict_[AX_MCPU]) {
		snprintf(axis + o, asz - o, marked == n ? " on every cell (%zu)" : " on %zu of %zu cells",
			 marked, n);
	} else {
		for (int a = 0; a < AX_CNT; a++)
			if (restrict_[a])
				o += snprintf(axis + o, asz - o, " %s%s", pre[a], val[a]);
		if (matched == marked)
			snprintf(axis + o, asz - o, " only");
		else
			snprintf(axis + o, asz - o, " (%zu of %zu such cells)", marked, matched);
	}
	cells[0] = 0;
	for (size_t i = 0; i < n && co < csz; i++) {
		const struct ent *x = &e[idx[i]];

		if (x->mark)
			co += snprintf(cells + co, csz - co, "%skernel=%s clang=%s mcpu=%s",
				       co ? "; " : "", x->ax[0], *x->ax[1] ? x->ax[1] : "-",
				       *x->ax[2] ? x->ax[2] : "-");
	}
}

static int push(struct mx_flag **flags, size_t *n, const struct mx_flag *f)
{
	struct mx_flag *nf = realloc(*flags, (*n + 1) * sizeof(*nf));

	if (!nf)
		return -ENOMEM;
	nf[(*n)++] = *f;
	*flags = nf;
	return 0;
}

static const char *first_log(const struct ent *e, const size_t *idx, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (e[idx[i]].mark && e[idx[i]].log)
			return e[idx[i]].log;
	return NULL;
}

int mx_flags(const struct store_cell *base, size_t nbase, const struct store_cell *cur,
	     size_t ncur, const struct mx_policy *p, struct mx_flag **flags, size_t *nflags)
{
	struct ent *b = NULL, *c = NULL;
	size_t nb = 0, nc = 0, *idx = NULL;
	bool *seen = NULL;
	int err;

	*flags = NULL;
	*nflags = 0;
	err = collect(base, nbase, &b, &nb);
	if (!err)
		err = collect(cur, ncur, &c, &nc);
	idx = calloc(nc + 1, sizeof(*idx));
	seen = calloc(nc + 1, sizeof(*seen));
	if (err || !idx || !seen) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nc && !err; i++) {
		size_t n = 0;

		if (seen[i])
			continue;
		for (size_t j = i; j < nc; j++)
			if (!seen[j] && same_prog(&c[i], &c[j])) {
				seen[j] = true;
				idx[n++] = j;
			}
		/* one pass per flag kind over this program's cells */
		for (int kind = 0; kind <= MX_FLAG_AXIS_FAIL && !err; kind++) {
			struct mx_flag f = { .kind = kind };
			double worst = 0;
			size_t marked = 0, nfail = 0;
			const char *verb = "regressed";

			for (size_t k = 0; k < n; k++) {
				struct ent *x = &c[idx[k]];
				const struct ent *o = find(b, nb, x);
				bool m = false;

				x->mark = false;
				nfail += failed(x->r);
				switch (kind) {
				case MX_FLAG_PASS_TO_FAIL:
					m = o && !failed(o->r) && failed(x->r);
					break;
				case MX_FLAG_NEW_FAILURE:
					m = p->flag_new_failures && nb && !o && failed(x->r);
					verb = "fails (new cell)";
					break;
				case MX_FLAG_INSNS_GROWTH:
				case MX_FLAG_STATES_GROWTH: {
					int id = kind == MX_FLAG_INSNS_GROWTH ? VLOG_STAT_INSNS
									     : VLOG_STAT_TOTAL_STATES;
					double lim = kind == MX_FLAG_INSNS_GROWTH ? p->insns_growth_pct
										  : p->states_growth_pct;
					double a, bb, pct;

					if (!o || failed(x->r) || failed(o->r) || !vlog_record__has(o->r, id) ||
					    !vlog_record__has(x->r, id))
						break;
					a = vlog_record__num(o->r, id);
					bb = vlog_record__num(x->r, id);
					pct = a > 0 ? (bb - a) * 100 / a : (bb > 0 ? 100 : 0);
					m = pct > lim;
					if (m && pct > worst) {
						worst = pct;
						snprintf(f.detail, sizeof(f.detail),
							 "%s %.0f -> %.0f (+%.1f%%, limit +%.0f%%)",
							 vlog_stat_def(id)->name, a, bb, pct, lim);
					}
					verb = kind == MX_FLAG_INSNS_GROWTH ? "insns grew" : "states grew";
					break;
				}
				case MX_FLAG_HEADROOM: {
					double pct = vlog_record__num(x->r, VLOG_STAT_INSNS_PCT);

					m = !failed(x->r) && vlog_record__has(x->r, VLOG_STAT_INSNS_PCT) &&
					    100 - pct < p->min_headroom_pct;
					if (m && pct > worst) {
						worst = pct;
						snprintf(f.detail, sizeof(f.detail),
							 "uses %.2f%% of the insn limit: headroom %.2f%% < %.0f%%",
							 pct, 100 - pct, p->min_headroom_pct);
					}
					verb = "headroom low";
					break;
				}
				case MX_FLAG_AXIS_FAIL:
					m = failed(x->r);
					verb = "fails";
					break;
				}
				x->mark = m;
				marked += m;
			}
			if (!marked)
				continue;
			/* failing everywhere is not an axis difference */
			if (kind == MX_FLAG_AXIS_FAIL && nfail == n)
				continue;
			snprintf(f.object, sizeof(f.object), "%s", c[idx[0]].object);
			snprintf(f.prog, sizeof(f.prog), "%s", c[idx[0]].prog);
			describe(c, idx, n, verb, f.axis, sizeof(f.axis), f.cells, sizeof(f.cells));
			if (!f.detail[0]) {
				for (size_t k = 0; k < n; k++)
					if (c[idx[k]].mark) {
						const char *em = vlog_record__str(c[idx[k]].r, VLOG_STAT_ERROR);
						int cls = vlog_record__int(c[idx[k]].r, VLOG_STAT_CLASS);

						snprintf(f.detail, sizeof(f.detail), "%s: %s",
							 vlog_class_str(cls), em ? em : "");
						break;
					}
			}
			f.log = first_log(c, idx, n);
			err = push(flags, nflags, &f);
		}
	}
out:
	free(b);
	free(c);
	free(idx);
	free(seen);
	if (err) {
		free(*flags);
		*flags = NULL;
		*nflags = 0;
	}
	return bg_err(err);
}
