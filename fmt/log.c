/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Library logging: one replaceable print callback and a level, the way
 * libbpf's libbpf_set_print() works, so the library never writes to stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bpfgauge_internal.h"

static enum bpfgauge_log_level log_level = BPFGAUGE_LOG_WARN;

static void default_print(enum bpfgauge_log_level level, const char *fmt, va_list args)
{
	if (level > log_level)
		return;
	fputs("bpfgauge: ", stderr);
	vfprintf(stderr, fmt, args);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
}

static bpfgauge_print_fn_t print_fn = default_print;

bpfgauge_print_fn_t bpfgauge_set_print(bpfgauge_print_fn_t fn)
{
	bpfgauge_print_fn_t old = print_fn;

	print_fn = fn;
	return old;
}

void bpfgauge_set_log_level(enum bpfgauge_log_level level)
{
	log_level = level;
}

enum bpfgauge_log_level bpfgauge_log_level(void)
{
	return log_level;
}

int bpfgauge_log_level_parse(const char *s, enum bpfgauge_log_level *level)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	if (!s)
		return bg_err(-EINVAL);
	for (int i = 0; i < 4; i++) {
		if (!strcasecmp(s, names[i]) || (s[0] == '0' + i && !s[1])) {
			*level = (enum bpfgauge_log_level)i;
			return 0;
		}
	}
	if (!strcasecmp(s, "warning")) {
		*level = BPFGAUGE_LOG_WARN;
		return 0;
	}
	return bg_err(-EINVAL);
}

int bpfgauge_log_level_from_env(void)
{
	const char *s = getenv("BPFGAUGE_LOG");
	enum bpfgauge_log_level level;

	if (!s || !*s)
		return 0;
	if (bpfgauge_log_level_parse(s, &level))
		return bg_err(-EINVAL);
	log_level = level;
	return 0;
}

static __thread int muted;

void bpfgauge_log_mute(bool on)
{
	muted += on ? 1 : -1;
}

void bpfgauge_log(enum bpfgauge_log_level level, const char *fmt, ...)
{
	va_list args;
	int saved = errno; /* logging must not clobber the caller's errno */

	if (!print_fn || muted > 0)
		return;
	va_start(args, fmt);
	print_fn(level, fmt, args);
	va_end(args);
	errno = saved;
}

const char *bpfgauge_version(void)
{
	return BPFGAUGE_VERSION;
}
