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

int vcli_stats(int argc, char **argv);
int vcli_parse(int argc, char **argv);
int vcli_compare(int argc, char **argv);
int vcli_gate(int argc, char **argv);
int vcli_hotspots(int argc, char **argv);

#endif
