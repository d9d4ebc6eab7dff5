/* SPDX-License-Identifier: BSD-2-Clause */
/* Internals of the verifier-log modules: the record layout shared by the parser and stats code. */
#ifndef BPFGAUGE_VLOG_INTERNAL_H
#define BPFGAUGE_VLOG_INTERNAL_H

#include "bpfgauge/vlog.h"
#include "bpfgauge_internal.h"

struct vlog_value {
	bool set;
	int64_t i;
	double d;
	char *s; /* owned */
};

struct vlog_record {
	struct vlog_value v[VLOG_STAT_CNT];
};

#define VLOG_DEFAULT_LIMIT 1000000
#define VLOG_STACK_LIMIT 512
/* Percentages beyond this are refused on input and clamped when computed. */
#define VLOG_PCT_MAX 1e15

#endif /* BPFGAUGE_VLOG_INTERNAL_H */
