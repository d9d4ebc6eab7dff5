/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Joining two record sets for compare/gate, and veristat-style filter
 * expressions over records and joined rows.
 */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/vgate.h"
#include "vlog_internal.h"

static const char *base_name(const char *path)
{
	const char *s;

	if (!path)
		return "";
	s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static bool same_key(const struct vlog_record *x, const struct vlog_record *y)
{
	const char *px = vlog_record__str(x, VLOG_STAT_PROG), *py = vlog_record__str(y, VLOG_STAT_PROG);

	if (!px || !py || strcmp(px, py))
		return false;
	return !strcmp(base_name(vlog_record__str(x, VLOG_STAT_FILE)),
		       base_name(vlog_record__str(y, VLOG_STAT_FILE)));
}

int vcompare_join(struct vlog_record **a, size_t na, struct vlog_record **b, size_t nb,
		  struct vcompare_row **rows, size_t *n)
{
	struct vcompare_row *r = calloc(na + nb + 1, sizeof(*r));
	bool *used = calloc(na + 1, sizeof(*used));
	size_t k = 0;

	*rows = NULL;
	*n = 0;
	if (!r || !used) {
		free(r);
		free(used);
		return bg_err(-ENOMEM);
	}
	for (size_t j = 0; j < nb; j++) {
		r[k].b = b[j];
		for (size_t i = 0; i < na; i++) {
			if (!used[i] && same_key(a[i], b[j])) {
				used[i] = true;
				r[k].a = a[i];
				break;
			}
		}
		k++;
	}
	for (size_t i = 0; i < na; i++)
		if (!used[i])
			r[k++].a = a[i];
	free(used);
	*rows = r;
	*n = k;
	return 0;
}

double vcompare_pct(double base, double value)
{
	if (base)
		return 100.0 * (value - base) / fabs(base);
	return value > 0 ? INFINITY : value < 0 ? -INFINITY : 0;
}

bool vcompare_value(const struct vcompare_row *row, enum vlog_stat id,
		    enum vcmp_variant var, double *out)
{
	bool ha = vlog_record__has(row->a, id), hb = vlog_record__has(row->b, id);
	double a = vlog_record__num(row->a, id), b = vlog_record__num(row->b, id);

	switch (var) {
	case VCMP_A:
		*out = a;
		return ha;
	case VCMP_B:
		*out = b;
		return hb;
	case VCMP_DIFF:
		*out = b - a;
		return ha && hb;
	case VCMP_PCT:
		if (!ha || !hb)
			return false;
		*out = vcompare_pct(a, b);
		return true;
	}
	return false;
}

enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

int vfilter_parse(const char *expr, bool compare_mode, struct vfilter *f)
{
	static const struct { const char *s; int op; } ops[] = {
		{ "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE }, { ">=", OP_GE },
		{ "<", OP_LT }, { ">", OP_GT }, { "=", OP_EQ },
	};
	char name[64];
	const char *p = expr, *val = NULL;
	size_t nlen;
	char *end;
	int id;

	memset(f, 0, sizeof(*f));
	f->var = VCMP_B;
	while (*p && !strchr("=!<>", *p))
		p++;
	nlen = p - expr;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (!strncmp(p, ops[i].s, strlen(ops[i].s))) {
			f->op = ops[i].op;
			val = p + strlen(ops[i].s);
			break;
		}
	}
	if (!val || !nlen || nlen >= sizeof(name) || !*val) {
		pr_warn("verifier: bad filter '%s' (want NAME OP VALUE, e.g. insns>=1000)", expr);
		return bg_err(-BPFGAUGE_EBADFORMAT);
	}
	memcpy(name, expr, nlen);
	name[nlen] = 0;
	while (nlen && name[nlen - 1] == ' ')
		name[--nlen] = 0;
	id = vlog_stat_find(name);
	if (compare_mode) {
		static const struct { const char *sfx; enum vcmp_variant v; } sfx[] = {
			{ "_a", VCMP_A }, { "_b", VCMP_B }, { "_diff", VCMP_DIFF }, { "_pct", VCMP_PCT },
		};
		for (size_t i = 0; i < 4; i++) {
			size_t sl = strlen(sfx[i].sfx);
			int sid;

			if (nlen <= sl || strcmp(name + nlen - sl, sfx[i].sfx))
				continue;
			name[nlen - sl] = 0;
			sid = vlog_stat_find(name);
			name[nlen - sl] = sfx[i].sfx[0];
			if (sid >= 0) {
				id = sid;
				f->var = sfx[i].v;
			}
			break;
		}
	}
	if (id < 0) {
		pr_warn("verifier: filter '%s': unknown stat '%s'", expr, name);
		return bg_err(-BPFGAUGE_EBADFORMAT);
	}
	f->stat = id;
	while (*val == ' ')
		val++;
	f->num = strtod(val, &end);
	f->is_num = end != val && !*end && vlog_stat_def(id)->kind != VLOG_KIND_STR &&
		    vlog_stat_def(id)->kind != VLOG_KIND_ENUM;
	if (f->var != VCMP_A && f->var != VCMP_B && !f->is_num) {
		pr_warn("verifier: filter '%s': _diff and _pct need a number", expr);
		return bg_err(-BPFGAUGE_EBADFORMAT);
	}
	if (!f->is_num && vlog_stat_def(id)->kind != VLOG_KIND_STR &&
	    vlog_stat_def(id)->kind != VLOG_KIND_ENUM) {
		pr_warn("verifier: filter '%s': '%s' is numeric", expr, name);
		return bg_err(-BPFGAUGE_EBADFORMAT);
	}
	snprintf(f->str, sizeof(f->str), "%s", val);
	return 0;
}

static bool cmp_num(int op, double v, double w)
{
	switch (op) {
	case OP_EQ: return v == w;
	case OP_NE: return v != w;
	case OP_LT: return v < w;
	case OP_LE: return v <= w;
	case OP_GT: return v > w;
	case OP_GE: return v >= w;
	}
	return false;
}

static bool match_str(const struct vfilter *f, const struct vlog_record *r)
{
	char buf[512];
	bool eq;

	vlog_record__format(r, f->stat, buf, sizeof(buf));
	eq = !fnmatch(f->str, buf, 0);
	if (f->op == OP_EQ)
		return eq;
	if (f->op == OP_NE)
		return !eq;
	return cmp_num(f->op, strcmp(buf, f->str), 0);
}

bool vfilter_match(const struct vfilter *f, const struct vlog_record *r)
{
	if (!f->is_num)
		return match_str(f, r);
	if (!vlog_record__has(r, f->stat))
		return false;
	return cmp_num(f->op, vlog_record__num(r, f->stat), f->num);
}

bool vfilter_match_row(const struct vfilter *f, const struct vcompare_row *row)
{
	double v;

	if (!f->is_num) {
		const struct vlog_record *r = f->var == VCMP_A ? row->a : row->b;

		if (!r)
			r = row->a ? row->a : row->b;
		return match_str(f, r);
	}
	if (!vcompare_value(row, f->stat, f->var, &v))
		return false;
	return cmp_num(f->op, v, f->num);
}
