/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Comparing two record sets (join on object basename + program), veristat
 * style filter expressions, and the gate: a line-based policy of per-metric,
 * per-program-glob thresholds evaluated over a comparison.
 */
#ifndef BPFGAUGE_VGATE_H
#define BPFGAUGE_VGATE_H

#include <stdbool.h>
#include <stddef.h>

#include "bpfgauge/vlog.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One joined program: a (BASE) and/or b (NEW); records are not copied. */
struct vcompare_row {
	const struct vlog_record *a, *b;
};

/*
 * Join a and b on (basename(file), prog). Rows come in b's order, then the
 * removed ones. *rows is malloc'ed; the records stay owned by the caller.
 */
int vcompare_join(struct vlog_record **a, size_t na, struct vlog_record **b, size_t nb,
		  struct vcompare_row **rows, size_t *n);

enum vcmp_variant { VCMP_A, VCMP_B, VCMP_DIFF, VCMP_PCT };

/*
 * The percent change from base to value: the one rule behind compare's
 * NAME_pct, the gate's +N% rules and the matrix growth flags.
 *   base != 0: 100 * (value - base) / |base|
 *   base == 0: 0 when value is 0 too; +INFINITY when value > 0 (growth from
 *              nothing exceeds every +N% limit); -INFINITY when value < 0.
 * printf's %+f prints the infinities as "+inf" and "-inf".
 */
double vcompare_pct(double base, double value);

/* Numeric value of stat id for a variant; false if unavailable. */
bool vcompare_value(const struct vcompare_row *row, enum vlog_stat id,
		    enum vcmp_variant var, double *out);

/* "NAME OP VALUE": OP is one of == = != < <= > >=; strings match as globs. */
struct vfilter {
	int stat;
	enum vcmp_variant var; /* compare mode: NAME_a, NAME_b, NAME_diff, NAME_pct */
	int op;
	bool is_num;
	double num;
	char str[128];
};

/* -BPFGAUGE_EBADFORMAT (with a pr_warn) if expr does not parse. */
int vfilter_parse(const char *expr, bool compare_mode, struct vfilter *f);
bool vfilter_match(const struct vfilter *f, const struct vlog_record *r);
bool vfilter_match_row(const struct vfilter *f, const struct vcompare_row *row);

/* --- gate --- */

struct vpolicy;

/*
 * The default policy, used by the matrix and the dashboard when the user
 * gives none, and under every --policy FILE there (the file's rules come
 * after it, so they override it per metric):
 *     *  insns            +10%
 *     *  states           +10%
 *     *  insns_limit_pct  <=70        (30% headroom under the 1M limit)
 *     *  verdict          no-regress
 * A static string.
 */
const char *vpolicy_default_text(void);

/*
 * Parse a policy (see the format in vgate.c's header comment).
 * -BPFGAUGE_EBADFORMAT with a pr_warn naming name:line on error.
 */
int vpolicy_parse(const char *text, const char *name, struct vpolicy **out);
int vpolicy_load(const char *path, struct vpolicy **out);
/*
 * Append the rules of text (or of the file at path) after p's, as if the
 * two texts were one policy, so they win over p's for the same metric.
 * On error (the same as vpolicy_parse's) p is left as it was.
 */
int vpolicy_append(struct vpolicy *p, const char *text, const char *name);
int vpolicy_append_file(struct vpolicy *p, const char *path);
void vpolicy_free(struct vpolicy *p);
size_t vpolicy_rules(const struct vpolicy *p);
/*
 * The upper bound (a <=N or <N rule) that the policy's last rule on stat
 * for the glob "*" sets, in *max; false (and *max untouched) when that rule
 * is not an upper bound or there is none. The writers take their headroom
 * levels from it (stat VLOG_STAT_INSNS_PCT).
 */
bool vpolicy_max(const struct vpolicy *p, int stat, double *max);

enum vgate_rule {
	VGATE_REL_PCT,     /* +N%: NEW may exceed BASE by N percent (vcompare_pct) */
	VGATE_REL_ABS,     /* +N */
	VGATE_LE, VGATE_LT, VGATE_GE, VGATE_GT,  /* a bound on NEW */
	VGATE_NO_REGRESS,  /* verdict pass -> fail, or a new failing program */
};

struct vgate_finding {
	const struct vcompare_row *row;
	int stat;         /* -1 for program-level findings (removed) */
	bool error;       /* false: warning only */
	char msg[256];
	int rule_line;    /* policy line, 0 if implicit */
	enum vgate_rule rule;     /* the rule broken (stat >= 0) */
	double base, value;       /* the stat's BASE and NEW values (numeric rules) */
	double limit;             /* the rule's N */
};

struct vgate_result {
	struct vgate_finding *f;
	size_t n;
	size_t errors, warnings, checked;
};

/* Evaluate the policy over rows. The result refers to rows (not copied). */
int vgate_eval(const struct vpolicy *p, const struct vcompare_row *rows, size_t n,
	       struct vgate_result *res);
void vgate_result_release(struct vgate_result *res);

#ifdef __cplusplus
}
#endif

#endif /* BPFGAUGE_VGATE_H */
