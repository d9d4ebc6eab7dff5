/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared declarations of the `bpfgauge verifier` command files. */
#ifndef BPFGAUGE_CLI_VERIFIER_H
#define BPFGAUGE_CLI_VERIFIER_H

#include <stddef.h>

#include "bpfgauge/vgate.h"
#include "bpfgauge/vlog.h"
#include "bpfgauge/vload.h"
#include "main.h"
#include "verifier_report.h"

enum vcli_fields_kind { VCLI_FIELDS_TABLE, VCLI_FIELDS_ALL, VCLI_FIELDS_COMPARE };

/* Parse -e; NULL spec gives the defaults of kind. out holds VLOG_STAT_CNT ints. */
int vcli_fields(const char *spec, enum vcli_fields_kind kind, int *out, size_t *n);
/* p_err with the library's last warning if there was one, else msg: strerror(err). */
void vcli_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vcli_clear_warn(void);
/* -o FILE that is a directory: EXIT_ERROR after a p_err naming cmd ("stats"), else 0. */
int vcli_check_out(const char *cmd, const char *out);
/*
 * write(ctx, FILE *) to out (-o FILE; NULL or "-": stdout) with
 * bpfgauge_write_atomic(): a regular file is replaced atomically, a device
 * is written in place. 0, or EXIT_ERROR after a p_err naming cmd.
 */
int vcli_write(const char *cmd, const char *out, int (*write)(void *ctx, void *file), void *ctx);

/*
 * veristat's -f: "NAME OP VALUE" (a stat) or a name glob, "GLOB" (object
 * basename or program), "OBJ/PROG", "OBJ/" or "/PROG"; a leading '!'
 * excludes what it matches; "@FILE" reads one filter a line (# comments).
 */
struct vcli_filter {
	bool deny;
	bool is_name;
	char *any, *obj, *prog; /* name globs (malloc'd); NULL: any */
	struct vfilter expr;
};
struct vcli_filters {
	struct vcli_filter *v;
	size_t n;
	bool has_allow_names; /* an allowing name glob exists: one must match */
};
/* Add the filters of -f ARG (compare_mode: NAME_a... stats). 0, or
 * EXIT_ERROR after a p_err naming cmd. */
int vcli_filters_add(struct vcli_filters *fs, const char *cmd, const char *arg, bool compare_mode);
void vcli_filters_release(struct vcli_filters *fs);
/* Does the program pass the name globs? (obj: a path; its basename counts) */
bool vcli_filters_names(const struct vcli_filters *fs, const char *obj, const char *prog);
/* ... and every stat filter (veristat's stat filters allow on any match;
 * ours must all hold, so that -f 'insns>=1000' -f 'insns<5000' is a range) */
bool vcli_filters_record(const struct vcli_filters *fs, const struct vlog_record *r);
/* compare: names on either side; stats only for programs in both. */
bool vcli_filters_row(const struct vcli_filters *fs, const struct vcompare_row *row);

int vcli_stats(int argc, char **argv);
int vcli_parse(int argc, char **argv);
int vcli_compare(int argc, char **argv);
int vcli_gate(int argc, char **argv);
int vcli_hotspots(int argc, char **argv);

#endif
