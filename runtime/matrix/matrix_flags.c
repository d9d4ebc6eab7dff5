/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Regression flags over a matrix run. The judgement is the gate's: each
 * cell of the current run is joined with the same cell of the baseline run
 * and the policy (a `verifier gate` policy; vgate.c) is evaluated over those
 * rows. Its error findings become flags: pass->fail and new failing cells
 * (verdict no-regress), insns and states growth between passing cells (+N%),
 * headroom below the policy's minimum on passing cells (insns_limit_pct
 * <=N), any other rule broken, and programs that pass on some cells and
 * fail on others, or attach on some cells and not on others. Each flag
 * names the axis that explains it ("on kernel 6.12 only", "with clang 22
 * only", "-mcpu=v3 only") by finding the axis values shared by exactly the
 * flagged cells of that program; when a failure spans several kernels or
 * clangs, ordered as versions, and the outcome changes once along them,
 * the flag names the first version where it changed ("kernel: passes on
 * 6.1, fails from 6.12 on (E2BIG)").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/compat.h"
#include "bpfgauge/matrix.h"
#include "bpfgauge/vgate.h"
#include "bpfgauge_internal.h"
#include "version.h"

/* AX_ARCH: the cell's architecture; its kernel label names it too off x86_64 */
enum { AX_KERNEL, AX_CLANG, AX_MCPU, AX_ARCH, AX_CNT };

struct ent {
	const char *object, *prog;
	char ax[AX_CNT][64];
	const struct vlog_record *r;
	const char *log;
	struct mx_attach att;
	bool mark;
	/* the gate's error findings on this cell (current run only) */
	const struct vgate_finding **f;
	size_t nf;
};

int mx_policy_load(const char *path, struct vpolicy **out)
{
	int err = vpolicy_parse(vpolicy_default_text(), "default policy", out);

	if (!err && path) {
		err = vpolicy_append_file(*out, path);
		if (err) {
			vpolicy_free(*out);
			*out = NULL;
		}
	}
	return bg_err(err);
}

void mx_levels_from_policy(const struct vpolicy *p, struct mx_levels *l)
{
	double max;

	l->error_pct = vpolicy_max(p, VLOG_STAT_INSNS_PCT, &max) ? max : 100;
	l->warn_pct = l->error_pct < 50 ? l->error_pct : 50;
}

int mx_level(const struct vlog_record *r, const struct mx_levels *l)
{
	double pct;

	if (!r || vlog_record__int(r, VLOG_STAT_VERDICT) != VLOG_VERDICT_PASS)
		return MX_LEVEL_ERROR;
	pct = vlog_record__num(r, VLOG_STAT_INSNS_PCT);
	return pct <= l->warn_pct ? MX_LEVEL_OK : pct <= l->error_pct ? MX_LEVEL_WARN : MX_LEVEL_ERROR;
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
	case MX_FLAG_POLICY: return "policy";
	case MX_FLAG_ATTACH_FAIL: return "attach-failure";
	case MX_FLAG_CNT: break;
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
			/* "6.1/arm64" off x86_64: the kernel label names the architecture */
			mx_kernel_short(c, e[k].ax[AX_KERNEL], sizeof(e[k].ax[AX_KERNEL]));
			snprintf(e[k].ax[AX_CLANG], 64, "%s", c->clang ? c->clang : "");
			snprintf(e[k].ax[AX_MCPU], 64, "%s", c->mcpu ? c->mcpu : "");
			snprintf(e[k].ax[AX_ARCH], 64, "%s", mx_cell_arch(c));
			e[k].r = c->recs[j];
			e[k].log = c->logs ? c->logs[j] : NULL;
			mx_attach_parse(c->attach ? c->attach[j] : NULL, &e[k].att);
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

static int cmp_version(const void *a, const void *b)
{
	return bpfgauge_version_cmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The ordered form of describe(): along kernels or clangs sorted as
 * versions, the marked cells (among those that match the other axes'
 * restrictions) are exactly the values from one version on, or up to one,
 * spanning more than one version. Then "kernel: passes on 6.1, fails from
 * 6.12 on (E2BIG)" (pass_verb, verb, why) and true; else false.
 */
/* All kernel labels of one architecture (the same "/ARCH" suffix, or none)? */
static bool same_arch(const char *const *v, size_t nv)
{
	const char *s0 = nv ? strchr(v[0], '/') : NULL;

	for (size_t k = 1; k < nv; k++) {
		const char *s = strchr(v[k], '/');

		if (!s0 != !s || (s && strcmp(s, s0)))
			return false;
	}
	return true;
}

static bool describe_ordered(const struct ent *e, const size_t *idx, size_t n,
			     const bool *restrict_, const char *const *val, const char *verb,
			     const char *pass_verb, const char *why, char *axis, size_t asz)
{
	static const char *const name[AX_CNT] = { "kernel", "clang", "mcpu", "arch" };
	static const char *const pre[AX_CNT] = { " on kernel ", " with clang ", " -mcpu=", " on " };
	const char **v = calloc(n + 1, sizeof(*v));
	int *state = calloc(n + 1, sizeof(*state));
	bool done = false;

	for (int a = AX_KERNEL; a <= AX_CLANG && v && state && !done; a++) {
		size_t nv = 0, changes = 0, t = 0, nmarked = 0;
		char others[128] = "";
		size_t oo = 0;

		if (restrict_[a])
			continue;
		for (size_t i = 0; i < n; i++) {
			const struct ent *x = &e[idx[i]];
			bool in = true, dup = false;

			for (int b = 0; b < AX_CNT; b++)
				if (b != a && restrict_[b] && strcmp(x->ax[b], val[b]))
					in = false;
			for (size_t k = 0; k < nv && in && !dup; k++)
				dup = !strcmp(v[k], x->ax[a]);
			if (in && !dup && *x->ax[a])
				v[nv++] = x->ax[a];
		}
		if (nv < 3)
			continue; /* two values: "on kernel X only" says it all */
		if (a == AX_KERNEL && !same_arch(v, nv))
			continue; /* versions are ordered within one architecture only */
		qsort(v, nv, sizeof(*v), cmp_version);
		for (size_t k = 0; k < nv; k++)
			state[k] = -1;
		for (size_t i = 0; i < n; i++) {
			const struct ent *x = &e[idx[i]];
			bool in = true;

			for (int b = 0; b < AX_CNT; b++)
				if (b != a && restrict_[b] && strcmp(x->ax[b], val[b]))
					in = false;
			for (size_t k = 0; k < nv && in; k++)
				if (!strcmp(v[k], x->ax[a]))
					state[k] = state[k] < 0 || state[k] == x->mark ? x->mark : 2;
		}
		for (size_t k = 0; k < nv; k++) {
			if (state[k] == 2)
				changes = 99; /* mixed: this axis does not explain it */
			nmarked += state[k] == 1;
			if (k && state[k] != state[k - 1]) {
				changes++;
				t = k;
			}
		}
		if (changes != 1 || nmarked < 2)
			continue;
		for (int b = 0; b < AX_CNT; b++)
			/* kernel labels off x86_64 already say "/arm64" */
			if (b != a && restrict_[b] && !(a == AX_KERNEL && b == AX_ARCH))
				oo += snprintf(others + oo, sizeof(others) - oo, "%s%s", pre[b], val[b]);
		/* "passes on 6.1 to 6.6, fails from 6.12 on" or "fails on ..., passes from ..." */
		snprintf(axis, asz, "%s: %s on %s%s%s%s, %s from %s on%s%s", name[a],
			 state[0] ? verb : pass_verb, v[0], t > 1 ? " to " : "", t > 1 ? v[t - 1] : "",
			 state[0] ? why : "", state[0] ? pass_verb : verb, v[t], others,
			 state[0] ? "" : why);
		done = true;
	}
	free(v);
	free(state);
	return done;
}

/*
 * Describe the marked entries among the entries of one program (idx[0..n)):
 * the axis values all marked cells share while other cells differ, and
 * whether those values pick out exactly the marked cells. With a pass_verb
 * a failure that starts or ends at a version is said so (describe_ordered).
 */
static void describe(const struct ent *e, const size_t *idx, size_t n, const char *verb,
		     const char *pass_verb, const char *why, char *axis, size_t asz, char *cells,
		     size_t csz)
{
	static const char *const pre[AX_CNT] = { "on kernel ", "with clang ", "-mcpu=", "on " };
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
	/* one kernel's label ("6.1/arm64") already names its arch */
	if (restrict_[AX_KERNEL])
		restrict_[AX_ARCH] = false;
	for (size_t i = 0; i < n; i++) {
		bool in = true;

		for (int a = 0; a < AX_CNT; a++)
			if (restrict_[a] && strcmp(e[idx[i]].ax[a], val[a]))
				in = false;
		matched += in;
	}
	if (pass_verb && marked < n &&
	    describe_ordered(e, idx, n, restrict_, val, verb, pass_verb, why, axis, asz))
		goto cells;
	o += snprintf(axis + o, asz - o, "%s", verb);
	if (!restrict_[AX_KERNEL] && !restrict_[AX_CLANG] && !restrict_[AX_MCPU] &&
	    !restrict_[AX_ARCH]) {
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
cells:
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

/* A failure's detail: the first flagged cell's class and message. */
static void fail_detail(const struct ent *c, const size_t *idx, size_t n, struct mx_flag *f)
{
	for (size_t k = 0; k < n; k++)
		if (c[idx[k]].mark) {
			const char *em = vlog_record__str(c[idx[k]].r, VLOG_STAT_ERROR);
			const char *hint = vlog_record__str(c[idx[k]].r, VLOG_STAT_HINT);
			int cls = vlog_record__int(c[idx[k]].r, VLOG_STAT_CLASS);

			/* a kernel-caused load error: its cause says more than errno's text */
			if (cls == VLOG_CLASS_KERNEL && hint && *hint)
				em = hint;
			snprintf(f->detail, sizeof(f->detail), "%s: %s", vlog_class_str(cls), em ? em : "");
			return;
		}
}

/* " (E2BIG)": the errno (else the class) of the first flagged cell. */
static void fail_why(const struct ent *c, const size_t *idx, size_t n, bool attach, char *buf,
		     size_t size)
{
	for (size_t k = 0; k < n; k++) {
		const struct vlog_record *r = c[idx[k]].r;
		int e;

		if (!c[idx[k]].mark)
			continue;
		if (attach) {
			snprintf(buf, size, " (%s)", c[idx[k]].att.err);
			return;
		}
		e = vlog_record__has(r, VLOG_STAT_ERRNO) ? (int)vlog_record__int(r, VLOG_STAT_ERRNO) : 0;
		if (e < 0)
			e = -e;
		snprintf(buf, size, " (%s)",
			 e ? compat_errno_name(e) : vlog_class_str(vlog_record__int(r, VLOG_STAT_CLASS)));
		return;
	}
}

static const char *first_log(const struct ent *e, const size_t *idx, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (e[idx[i]].mark && e[idx[i]].log)
			return e[idx[i]].log;
	return NULL;
}

/*
 * The flag kind a finding on cell x (baseline cell o, NULL if none) raises,
 * or -1. Growth is judged between passing cells only and headroom on
 * passing cells only (a failure is flagged as such); a new failing cell is
 * flagged only when there is a baseline at all.
 */
static int finding_kind(const struct vgate_finding *f, const struct ent *x, const struct ent *o,
			size_t nb)
{
	bool rel = f->rule == VGATE_REL_PCT || f->rule == VGATE_REL_ABS;

	if (f->rule == VGATE_NO_REGRESS)
		return o ? MX_FLAG_PASS_TO_FAIL : nb ? MX_FLAG_NEW_FAILURE : -1;
	if (rel && (f->stat == VLOG_STAT_INSNS || f->stat == VLOG_STAT_TOTAL_STATES)) {
		if (failed(x->r) || failed(o->r))
			return -1;
		return f->stat == VLOG_STAT_INSNS ? MX_FLAG_INSNS_GROWTH : MX_FLAG_STATES_GROWTH;
	}
	if (f->stat == VLOG_STAT_INSNS_PCT && (f->rule == VGATE_LE || f->rule == VGATE_LT))
		return failed(x->r) ? -1 : MX_FLAG_HEADROOM;
	return MX_FLAG_POLICY;
}

/* Join cur's cells with base's and keep the policy's error findings per cell. */
static int judge(const struct vpolicy *p, struct ent *b, size_t nb, struct ent *c, size_t nc,
		 struct vgate_result *res)
{
	struct vcompare_row *rows = calloc(nc + 1, sizeof(*rows));
	int err;

	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < nc; i++) {
		const struct ent *o = find(b, nb, &c[i]);

		rows[i] = (struct vcompare_row){ o ? o->r : NULL, c[i].r };
	}
	err = vgate_eval(p, rows, nc, res);
	if (!err) {
		for (size_t k = 0; k < res->n; k++)
			if (res->f[k].error)
				c[res->f[k].row - rows].nf++;
		for (size_t i = 0; i < nc && !err; i++)
			if (c[i].nf && !(c[i].f = calloc(c[i].nf, sizeof(*c[i].f))))
				err = -ENOMEM;
		for (size_t i = 0; i < nc; i++)
			c[i].nf = 0;
		for (size_t k = 0; k < res->n && !err; k++) {
			struct ent *x = &c[res->f[k].row - rows];

			if (res->f[k].error)
				x->f[x->nf++] = &res->f[k];
		}
	}
	free(rows); /* res->f[].row now dangles: only ents are used from here */
	return err;
}

/*
 * Mark the cells of one program (idx[0..n)) that raise kind (for
 * MX_FLAG_POLICY: a rule on stat), put the numbers of the worst in fl's
 * detail and the axis verb in verb. Returns how many are marked.
 */
static size_t mark_kind(struct ent *c, const size_t *idx, size_t n, const struct ent *b,
			size_t nb, int kind, int stat, struct mx_flag *fl, char *verb, size_t vsz)
{
	double worst = -INFINITY;
	size_t marked = 0, nfail = 0;

	snprintf(verb, vsz, "regressed");
	for (size_t k = 0; k < n; k++) {
		struct ent *x = &c[idx[k]];
		const struct ent *o = find(b, nb, x);

		x->mark = false;
		nfail += failed(x->r);
		if (kind == MX_FLAG_AXIS_FAIL) {
			x->mark = failed(x->r);
			snprintf(verb, vsz, "fails");
		}
		if (kind == MX_FLAG_ATTACH_FAIL) {
			/* idx holds only the cells where attaching was tried */
			x->mark = x->att.outcome == MX_ATTACH_FAILED;
			nfail += x->mark - failed(x->r);
			snprintf(verb, vsz, "attach fails");
			if (x->mark && !fl->detail[0])
				snprintf(fl->detail, sizeof(fl->detail), "%s (%s)", x->att.err,
					 x->att.cause);
		}
		for (size_t j = 0; j < x->nf && kind != MX_FLAG_AXIS_FAIL &&
				   kind != MX_FLAG_ATTACH_FAIL; j++) {
			const struct vgate_finding *f = x->f[j];
			double pct = vcompare_pct(f->base, f->value);

			if (finding_kind(f, x, o, nb) != kind || (kind == MX_FLAG_POLICY && f->stat != stat))
				continue;
			x->mark = true;
			switch (kind) {
			case MX_FLAG_NEW_FAILURE:
				snprintf(verb, vsz, "fails (new cell)");
				break;
			case MX_FLAG_INSNS_GROWTH:
			case MX_FLAG_STATES_GROWTH:
				snprintf(verb, vsz, kind == MX_FLAG_INSNS_GROWTH ? "insns grew" : "states grew");
				if (f->rule == VGATE_REL_ABS)
					pct = f->value - f->base;
				if (pct <= worst)
					break;
				worst = pct;
				if (f->rule == VGATE_REL_PCT)
					snprintf(fl->detail, sizeof(fl->detail),
						 "%s %.0f -> %.0f (%+.1f%%, limit +%.0f%%)",
						 vlog_stat_def(f->stat)->name, f->base, f->value, pct, f->limit);
				else
					snprintf(fl->detail, sizeof(fl->detail), "%s %.0f -> %.0f (%+.0f, limit +%g)",
						 vlog_stat_def(f->stat)->name, f->base, f->value, pct, f->limit);
				break;
			case MX_FLAG_HEADROOM:
				snprintf(verb, vsz, "headroom low");
				if (f->value <= worst)
					break;
				worst = f->value;
				snprintf(fl->detail, sizeof(fl->detail),
					 "uses %.2f%% of the insn limit: headroom %.2f%% < %.0f%%", f->value,
					 100 - f->value, 100 - f->limit);
				break;
			case MX_FLAG_POLICY:
				snprintf(verb, vsz, "breaks the %s rule", vlog_stat_def(stat)->name);
				if (!fl->detail[0])
					snprintf(fl->detail, sizeof(fl->detail), "%s", f->msg);
				break;
			}
		}
		marked += x->mark;
	}
	/* failing everywhere is not an axis difference */
	if ((kind == MX_FLAG_AXIS_FAIL || kind == MX_FLAG_ATTACH_FAIL) && nfail == n)
		return 0;
	return marked;
}

int mx_flags(const struct store_cell *base, size_t nbase, const struct store_cell *cur,
	     size_t ncur, const struct vpolicy *p, struct mx_flag **flags, size_t *nflags)
{
	struct vgate_result res = { 0 };
	struct ent *b = NULL, *c = NULL;
	size_t nb = 0, nc = 0, *idx = NULL, *aidx = NULL, na;
	bool *seen = NULL;
	int err;

	*flags = NULL;
	*nflags = 0;
	err = collect(base, nbase, &b, &nb);
	if (!err)
		err = collect(cur, ncur, &c, &nc);
	idx = calloc(nc + 1, sizeof(*idx));
	aidx = calloc(nc + 1, sizeof(*aidx));
	seen = calloc(nc + 1, sizeof(*seen));
	if (err || !idx || !aidx || !seen) {
		err = -ENOMEM;
		goto out;
	}
	err = judge(p, b, nb, c, nc, &res);
	for (size_t i = 0; i < nc && !err; i++) {
		size_t n = 0;

		if (seen[i])
			continue;
		for (size_t j = i; j < nc; j++)
			if (!seen[j] && same_prog(&c[i], &c[j])) {
				seen[j] = true;
				idx[n++] = j;
			}
		/* the cells where attaching was tried: the attach flag compares those */
		na = 0;
		for (size_t k = 0; k < n; k++)
			if (c[idx[k]].att.outcome == MX_ATTACH_OK ||
			    c[idx[k]].att.outcome == MX_ATTACH_FAILED)
				aidx[na++] = idx[k];
		/* one pass per flag kind (per stat for other rules) over this program's cells */
		for (int kind = 0; kind < MX_FLAG_CNT && !err; kind++) {
			for (int stat = 0; stat < (kind == MX_FLAG_POLICY ? VLOG_STAT_CNT : 1) && !err;
			     stat++) {
				bool att = kind == MX_FLAG_ATTACH_FAIL;
				const size_t *ix = att ? aidx : idx;
				size_t nx = att ? na : n;
				struct mx_flag f = { .kind = kind };
				char verb[96], why[48] = "";

				if (!nx || !mark_kind(c, ix, nx, b, nb, kind, stat, &f, verb, sizeof(verb)))
					continue;
				snprintf(f.object, sizeof(f.object), "%s", c[idx[0]].object);
				snprintf(f.prog, sizeof(f.prog), "%s", c[idx[0]].prog);
				fail_why(c, ix, nx, att, why, sizeof(why));
				describe(c, ix, nx, verb,
					 kind == MX_FLAG_AXIS_FAIL ? "passes" : att ? "attaches" : NULL, why,
					 f.axis, sizeof(f.axis), f.cells, sizeof(f.cells));
				if (!f.detail[0])
					fail_detail(c, ix, nx, &f);
				f.log = first_log(c, ix, nx);
				err = push(flags, nflags, &f);
			}
		}
	}
out:
	for (size_t i = 0; c && i < nc; i++)
		free(c[i].f);
	vgate_result_release(&res);
	free(b);
	free(c);
	free(idx);
	free(aidx);
	free(seen);
	if (err) {
		free(*flags);
		*flags = NULL;
		*nflags = 0;
	}
	return bg_err(err);
}
