/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Writers for compatibility results (table, json, markdown). They format
 * the verdicts compat_check() and compat_live_check() computed; they never
 * decide anything.
 */
#ifndef BPFGAUGE_COMPAT_REPORT_H
#define BPFGAUGE_COMPAT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "bpfgauge/compat.h"

#define COMPAT_SCHEMA_VERSION 1

struct compat_report {
	const struct compat_kernel *kernel;
	const struct compat_result *results;
	size_t n;
	bool live;     /* results carry live outcomes */
	bool verbose;  /* table: every requirement, not only the failing ones */
	bool pretty;   /* JSON indentation */
};

struct compat_writer {
	const char *name;
	int (*write)(FILE *f, const struct compat_report *r);
};

/* The writer named name ("table", "json", "markdown"), or NULL. */
const struct compat_writer *compat_writer_find(const char *name);

#endif /* BPFGAUGE_COMPAT_REPORT_H */
