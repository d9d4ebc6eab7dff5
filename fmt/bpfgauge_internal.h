/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal helpers shared by the runtime's modules: logging macros and errno plumbing. */
#ifndef BPFGAUGE_INTERNAL_H
#define BPFGAUGE_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include "bpfgauge/bpfgauge.h"

#define pr_warn(fmt, ...) bpfgauge_log(BPFGAUGE_LOG_WARN, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) bpfgauge_log(BPFGAUGE_LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) bpfgauge_log(BPFGAUGE_LOG_DEBUG, fmt, ##__VA_ARGS__)

/*
 * Mute (true) or unmute (false) this thread's library log, nesting: for
 * probing candidates whose failures the caller reports another way. The
 * user's print callback is left alone.
 */
void bpfgauge_log_mute(bool on);

/* Set errno from a negative return code and pass it through. */
static inline int bg_err(int ret)
{
	if (ret < 0)
		errno = -ret;
	return ret;
}

/* NULL with errno set from a negative error code. */
static inline void *bg_err_ptr(int ret)
{
	errno = ret < 0 ? -ret : ret;
	return (void *)0;
}

/*
 * Options structs, as libbpf's: the first field is `size_t sz`, which the
 * caller sets to sizeof() the struct as its headers declare it. An older
 * caller's shorter struct is fine (the fields it lacks read as their
 * default); a newer caller's longer one is fine only if every byte we do
 * not know is zero. Every public function that takes options checks them
 * with OPTS_VALID() at its entry, then reads them with OPTS_GET() or works
 * on an OPTS_COPY().
 */
#ifndef offsetofend
#define offsetofend(TYPE, FIELD) (offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))
#endif
bool bg_opts_valid(const void *opts, size_t ours, const char *type);
void bg_opts_copy(void *dst, size_t ours, const void *opts);
/* NULL opts are valid (all defaults) */
#define OPTS_VALID(opts, type) (!(opts) || bg_opts_valid((opts), sizeof(struct type), #type))
#define OPTS_HAS(opts, field) ((opts) && (opts)->sz >= offsetofend(typeof(*(opts)), field))
#define OPTS_GET(opts, field, fallback) (OPTS_HAS(opts, field) ? (opts)->field : (fallback))
/* *dst (a whole struct of our size) = the caller's fields, the rest zero */
#define OPTS_COPY(dst, opts) bg_opts_copy((dst), sizeof(*(dst)), (opts))

#endif /* BPFGAUGE_INTERNAL_H */
