/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal helpers shared by the runtime's modules: logging macros and errno plumbing. */
#ifndef BPFGAUGE_INTERNAL_H
#define BPFGAUGE_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
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

#endif /* BPFGAUGE_INTERNAL_H */
