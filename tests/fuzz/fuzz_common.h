/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared bits of the libFuzzer targets: silence the library's log. */
#ifndef BPFGAUGE_FUZZ_COMMON_H
#define BPFGAUGE_FUZZ_COMMON_H

#include <stdarg.h>
#include <stdio.h>

#include "bpfgauge/bpfgauge.h"

/* format every message (a bad argument would crash the CLI) but print none */
static void fuzz_quiet(enum bpfgauge_log_level level, const char *fmt, va_list args)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, args);
}

static inline void fuzz_init(void)
{
	static int done;

	if (!done) {
		bpfgauge_set_print(fuzz_quiet);
		done = 1;
	}
}

#endif
