/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The verifier gate: a line-based policy evaluated over a BASE/NEW join.
 *
 * Policy format (one rule a line; '#' starts a comment):
 *
 *     GLOB  METRIC  RULE  [warn|error]
 *
 * GLOB matches the program name (fnmatch), or "FILE:PROG" if it holds a
 * ':' (FILE is the object's basename). METRIC is any stat name or alias.
 * RULE is one of:
 *     +N%         NEW may exceed BASE by at most N percent
 *     +N          NEW may exceed BASE by at most N (absolute)
 *     <=N <N >=N >N   a bound on the NEW value (e.g. insns_limit_pct <=70
 *                 is "30% headroom under the 1M limit")
 *     no-regress  verdict only: pass->fail (or a new failing program) fails
 * For each program and metric the last matching line wins, so put general
 * rules first and overrides after. Noisy metrics (duration) only warn.
 * +N% compares vcompare_pct(BASE, NEW) with N, so a metric growing from 0
 * breaks every +N% rule.
 */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/vgate.h"
#include "vlog_internal.h"

/* the matrix's and dashboard's policy when the user gives none (vgate.h) */
static const char default_policy[] =
	"# bpfgauge default policy\n"
	"*  insns            +10%\n"
	"*  states           +10%\n"
	"*  insns_limit_pct  <=70   # keep 30% headroom under the 1M limit\n"
	"*  verdict          no-regress\n";

const char *vpolicy_default_text(void)
{
	return default_policy;
}

struct rule {
	char glob[128];
	int stat;
	enum vgate_rule kind;
	double val;
	bool error;
	int line;
};

struct vpolicy {
	struct rule *r;
	size_t n;
};

void vpolicy_free(struct vpolicy *p)
{
	if (!p)
		return;
	free(p->r);
	free(p);
}

size_t vpolicy_rules(const struct vpolicy *p)
{
	return p ? p->n : 0;
}

/* Parse a numeric RULE (+N%, +N, <=N, >=N, <N, >N) into r's kind and val; -1 if malformed. */
static int parse_bound(const char *v, struct rule *r)
{
	char *end;

	if (v[0] == '+') {
		v++;
		r->kind = VGATE_REL_ABS;
	} else if (!strncmp(v, "<=", 2)) {
		r->kind = VGATE_LE;
		v += 2;
	} else if (!strncmp(v, ">=", 2)) {
		r->kind = VGATE_GE;
		v += 2;
	} else if (v[0] == '<') {
		r->kind = VGATE_LT;
		v++;
	} else if (v[0] == '>') {
		r->kind = VGATE_GT;
		v++;
	} else {
		return -1;
	}
	r->val = strtod(v, &end);
	if (end == v)
		return -1;
	if (*end == '%' && r->kind == VGATE_REL_ABS) {
		r->kind = VGATE_REL_PCT;
		end++;
	}
	if (*end)
		return -1;
	return 0;
}

static int parse_rule(const char *name, int line, char *text, struct rule *r)
{
	char *tok[5], *save = NULL;
	int nt = 0;

	for (char *t = strtok_r(text, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (nt == 5)
			goto bad;
		tok[nt++] = t;
	}
	if (nt < 3 || nt > 4)
		goto bad;
	memset(r, 0, sizeof(*r));
	r->line = line;
	snprintf(r->glob, sizeof(r->glob), "%s", tok[0]);
	r->stat = vlog_stat_find(tok[1]);
	if (r->stat < 0) {
		pr_warn("verifier: %s:%d: unknown metric '%s'", name, line, tok[1]);
		return -BPFGAUGE_EBADFORMAT;
	}
	if (!strcmp(tok[2], "no-regress")) {
		if (r->stat != VLOG_STAT_VERDICT) {
			pr_warn("verifier: %s:%d: no-regress applies to verdict only", name, line);
			return -BPFGAUGE_EBADFORMAT;
		}
		r->kind = VGATE_NO_REGRESS;
	} else {
		if (vlog_stat_def(r->stat)->kind == VLOG_KIND_STR ||
		    vlog_stat_def(r->stat)->kind == VLOG_KIND_ENUM) {
			pr_warn("verifier: %s:%d: metric '%s' is not numeric", name, line, tok[1]);
			return -BPFGAUGE_EBADFORMAT;
		}
		if (parse_bound(tok[2], r))
			goto bad;
	}
	/* deterministic metrics fail the gate by default; noisy ones only ever warn */
	r->error = !vlog_stat_def(r->stat)->noisy;
	if (nt == 4) {
		if (!strcmp(tok[3], "warn")) {
			r->error = false;
		} else if (!strcmp(tok[3], "error")) {
			if (vlog_stat_def(r->stat)->noisy) {
				pr_warn("verifier: %s:%d: %s is noisy across runs or kernels and can only warn",
					name, line, vlog_stat_def(r->stat)->name);
				return -BPFGAUGE_EBADFORMAT;
			}
			r->error = true;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	pr_warn("verifier: %s:%d: bad rule (want GLOB METRIC +N%%|+N|<=N|>=N|no-regress [warn|error])",
		name, line);
	return -BPFGAUGE_EBADFORMAT;
}

/* Parse text's rules onto the end of p; on error p keeps its old rules. */
static int parse_into(struct vpolicy *p, const char *text, const char *name)
{
	size_t n0 = p->n, cap = p->n;
	int line = 0, err = 0;
	const char *s = text;

	while (*s && !err) {
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		char buf[512], *c;

		line++;
		if (len >= sizeof(buf)) {
			pr_warn("verifier: %s:%d: line too long", name, line);
			err = -BPFGAUGE_EBADFORMAT;
			break;
		}
		memcpy(buf, s, len);
		buf[len] = 0;
		s = e ? e + 1 : s + len;
		if ((c = strchr(buf, '#')))
			*c = 0;
		for (c = buf; *c; c++)
			if (*c == '\r' || *c == '\t')
				*c = ' ';
		c = buf;
		while (*c == ' ')
			c++;
		if (!*c)
			continue;
		if (p->n == cap) {
			struct rule *m;

			cap = cap ? cap * 2 : 16;
			m = realloc(p->r, cap * sizeof(*m));
			if (!m) {
				err = -ENOMEM;
				break;
			}
			p->r = m;
		}
		err = parse_rule(name, line, c, &p->r[p->n]);
		if (!err)
			p->n++;
	}
	if (!err && p->n == n0) {
		pr_warn("verifier: %s: policy has no rules", name);
		err = -BPFGAUGE_EBADFORMAT;
	}
	if (err)
		p->n = n0;
	return err;
}

/* A new policy from text, or (text NULL) from the file at path. */
static int policy_new(const char *text, const char *path, struct vpolicy **out)
{
	struct vpolicy *p = calloc(1, sizeof(*p));
	int err;

	*out = NULL;
	if (!p)
		return bg_err(-ENOMEM);
	err = text ? parse_into(p, text, path) : vpolicy_append_file(p, path);
	if (err) {
		vpolicy_free(p);
		return bg_err(err);
	}
	*out = p;
	return 0;
}

int vpolicy_parse(const char *text, const char *name, struct vpolicy **out)
{
	return policy_new(text, name, out);
}

int vpolicy_append(struct vpolicy *p, const char *text, const char *name)
{
	return bg_err(parse_into(p, text, name));
}

/* Read a policy file: NUL-free text, malloc'ed in *buf. */
static int read_policy(const char *path, char **buf)
{
	size_t len;
	int err = vlog_read_file(path, buf, &len);

	if (err) {
		pr_warn("verifier: cannot read policy '%s': %s", path, bpfgauge_strerror(err));
		return err;
	}
	if (memchr(*buf, 0, len)) {
		pr_warn("verifier: policy '%s' is binary", path);
		free(*buf);
		*buf = NULL;
		return bg_err(-BPFGAUGE_EBADFORMAT);
	}
	return 0;
}

int vpolicy_load(const char *path, struct vpolicy **out)
{
	return policy_new(NULL, path, out);
}

int vpolicy_append_file(struct vpolicy *p, const char *path)
{
	char *buf;
	int err = read_policy(path, &buf);

	if (err)
		return err;
	err = vpolicy_append(p, buf, path);
	free(buf);
	return err;
}

bool vpolicy_max(const struct vpolicy *p, int stat, double *max)
{
	const struct rule *last = NULL;

	for (size_t k = 0; p && k < p->n; k++)
		if (p->r[k].stat == stat && !strcmp(p->r[k].glob, "*"))
			last = &p->r[k];
	if (!last || (last->kind != VGATE_LE && last->kind != VGATE_LT))
		return false;
	*max = last->val;
	return true;
}

static bool glob_match(const char *glob, const struct vlog_record *r)
{
	const char *prog = vlog_record__str(r, VLOG_STAT_PROG);
	const char *file = vlog_record__str(r, VLOG_STAT_FILE);
	const char *colon = strchr(glob, ':');

	if (!colon)
		return prog && !fnmatch(glob, prog, 0);
	{
		char fg[128];
		const char *base = file ? strrchr(file, '/') : NULL;

		snprintf(fg, sizeof(fg), "%.*s", (int)(colon - glob), glob);
		base = base ? base + 1 : (file ? file : "");
		return prog && !fnmatch(fg, base, 0) && !fnmatch(colon + 1, prog, 0);
	}
}

/* what a finding judged: the rule (NULL for implicit ones) and the values */
struct judged {
	const struct rule *r;
	double a, b;
};

static int add(struct vgate_result *res, size_t *cap, const struct vcompare_row *row, int stat,
	       const struct judged *j, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int add(struct vgate_result *res, size_t *cap, const struct vcompare_row *row, int stat,
	       const struct judged *j, const char *fmt, ...)
{
	bool error = j->r && j->r->error;
	va_list ap;
	struct vgate_finding *f;

	if (res->n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct vgate_finding *m = realloc(res->f, c * sizeof(*m));

		if (!m)
			return -ENOMEM;
		res->f = m;
		*cap = c;
	}
	f = &res->f[res->n++];
	memset(f, 0, sizeof(*f));
	f->row = row;
	f->stat = stat;
	f->error = error;
	if (j->r) {
		f->rule_line = j->r->line;
		f->rule = j->r->kind;
		f->limit = j->r->val;
	}
	f->base = j->a;
	f->value = j->b;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	if (error)
		res->errors++;
	else
		res->warnings++;
	return 0;
}

static void fmt_num(char *buf, size_t size, int stat, double v)
{
	if (vlog_stat_def(stat)->kind == VLOG_KIND_PCT)
		snprintf(buf, size, "%.2f", v);
	else
		snprintf(buf, size, "%.0f", v);
}

/* Judge row's NEW value of stat s by rule r, adding a finding if it breaks the rule. */
static int judge_stat(struct vgate_result *res, size_t *cap, const struct vcompare_row *row,
		      int s, const struct rule *r)
{
	const char *name = vlog_stat_def(s)->name;
	double a = 0, b, pct;
	char sa[32], sb[32], sl[32];
	bool ha, hb, bad = false;

	if (r->kind == VGATE_NO_REGRESS) {
		int va = row->a ? vlog_record__int(row->a, VLOG_STAT_VERDICT) : -1;
		int vb = vlog_record__int(row->b, VLOG_STAT_VERDICT);

		if (vb == VLOG_VERDICT_FAIL && va != VLOG_VERDICT_FAIL)
			return add(res, cap, row, s, &(struct judged){ r, va, vb },
				   row->a ? "verdict pass -> fail (%s)" : "new program fails (%s)",
				   vlog_class_str(vlog_record__int(row->b, VLOG_STAT_CLASS)));
		return 0;
	}
	ha = vcompare_value(row, s, VCMP_A, &a);
	hb = vcompare_value(row, s, VCMP_B, &b);
	if (!hb)
		return 0;
	fmt_num(sb, sizeof(sb), s, b);
	switch (r->kind) {
	case VGATE_REL_PCT:
	case VGATE_REL_ABS:
		if (!ha)
			return 0;
		pct = vcompare_pct(a, b);
		bad = r->kind == VGATE_REL_PCT ? pct > r->val + 1e-9 : b > a + r->val + 1e-9;
		fmt_num(sa, sizeof(sa), s, a);
		if (bad)
			return add(res, cap, row, s, &(struct judged){ r, a, b },
				   "%s %s -> %s (%+.2f%%), allowed +%g%s", name, sa, sb, pct, r->val,
				   r->kind == VGATE_REL_PCT ? "%" : "");
		return 0;
	case VGATE_LE: bad = !(b <= r->val); break;
	case VGATE_LT: bad = !(b < r->val); break;
	case VGATE_GE: bad = !(b >= r->val); break;
	case VGATE_GT: bad = !(b > r->val); break;
	default: break;
	}
	if (bad) {
		static const char *const opn[] = { [VGATE_LE] = "<=", [VGATE_LT] = "<",
						   [VGATE_GE] = ">=", [VGATE_GT] = ">" };

		fmt_num(sl, sizeof(sl), s, r->val);
		return add(res, cap, row, s, &(struct judged){ r, a, b }, "%s %s, must be %s %s",
			   name, sb, opn[r->kind], sl);
	}
	return 0;
}

int vgate_eval(const struct vpolicy *p, const struct vcompare_row *rows, size_t n,
	       struct vgate_result *res)
{
	size_t cap = 0;
	int err = 0;

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < n && !err; i++) {
		const struct vcompare_row *row = &rows[i];
		const struct rule *last[VLOG_STAT_CNT] = { 0 };
		const struct vlog_record *key = row->b ? row->b : row->a;

		if (!row->b) {
			err = add(res, &cap, row, -1, &(struct judged){ 0 }, "program removed");
			continue;
		}
		res->checked++;
		for (size_t k = 0; k < p->n; k++)
			if (glob_match(p->r[k].glob, key))
				last[p->r[k].stat] = &p->r[k];
		/* the last matching rule of each metric judges it */
		for (int s = 0; s < VLOG_STAT_CNT && !err; s++)
			if (last[s])
				err = judge_stat(res, &cap, row, s, last[s]);
	}
	if (err) {
		vgate_result_release(res);
		return bg_err(err);
	}
	return 0;
}

void vgate_result_release(struct vgate_result *res)
{
	if (!res)
		return;
	free(res->f);
	memset(res, 0, sizeof(*res));
}
