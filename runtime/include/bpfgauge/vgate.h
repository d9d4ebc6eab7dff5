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
 * Parse a policy (see the format in vgate.c's header comment).
 * -BPFGAUGE_EBADFORMAT with a pr_warn naming name:line on error.
 */
int vpolicy_parse(const char *text, const char *name, struct vpolicy **out);
int vpolicy_load(const char *path, struct vpolicy **out);
void vpolicy_free(struct vpolicy *p);
size_t vpolicy_rules(const struct vpolicy *p);

struct vgate_finding {
	const struct vcompare_row *row;
	int stat;         /* -1 for program-level findings (removed) */
	bool error;       /* false: warning only */
	char msg[256];
	int rule_line;    /* policy line, 0 if implicit */
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
