/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libbpfgauge core: version, logging through a replaceable print callback,
 * and the project-wide error codes. Every other public header includes this.
 * Functions returning int give 0 or a negative error (-errno or
 * -BPFGAUGE_E*) and also set errno to the positive value; functions
 * returning pointers give NULL and set errno.
 */
#ifndef BPFGAUGE_BPFGAUGE_H
#define BPFGAUGE_BPFGAUGE_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

enum bpfgauge_log_level {
	BPFGAUGE_LOG_ERROR = 0,
	BPFGAUGE_LOG_WARN = 1,
	BPFGAUGE_LOG_INFO = 2,
	BPFGAUGE_LOG_DEBUG = 3,
};

typedef void (*bpfgauge_print_fn_t)(enum bpfgauge_log_level level,
				    const char *fmt, va_list args);

/*
 * Replace the print callback; NULL silences the library. Returns the
 * previous callback. The default writes "bpfgauge: <msg>" to stderr for
 * messages at or below the current level.
 */
bpfgauge_print_fn_t bpfgauge_set_print(bpfgauge_print_fn_t fn);

/* Set the level the default callback shows. */
void bpfgauge_set_log_level(enum bpfgauge_log_level level);
enum bpfgauge_log_level bpfgauge_log_level(void);

/*
 * Read BPFGAUGE_LOG from the environment (error|warn|info|debug or 0..3).
 * Returns 0, or -EINVAL for an unknown value (the level is left unchanged).
 */
int bpfgauge_log_level_from_env(void);

/* Parse a level name (error|warn|info|debug or 0..3); -EINVAL if unknown. */
int bpfgauge_log_level_parse(const char *s, enum bpfgauge_log_level *level);

/* Log through the current callback (used by the CLI and the library). */
void bpfgauge_log(enum bpfgauge_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Project error codes, beyond errno. Functions return them negated. */
enum bpfgauge_error {
	BPFGAUGE_ERR_START = 5000,
	BPFGAUGE_ENOTBPF = BPFGAUGE_ERR_START, /* ELF is not a BPF object */
	BPFGAUGE_ENOMAPPING,  /* object has no coverage mapping (built without the pass) */
	BPFGAUGE_EBADMAPPING, /* mapping is malformed or its hash does not verify */
	BPFGAUGE_ESTALE,      /* counters do not belong to this mapping (hash mismatch) */
	BPFGAUGE_ECOUNTERS,   /* counter map missing, malformed, or of the wrong size */
	BPFGAUGE_EBADLOG,     /* verifier log is empty, garbage or unparsable */
	BPFGAUGE_EBADFORMAT,  /* input file (lcov, csv, json, policy) is malformed */
	BPFGAUGE_ENOBTF,      /* object or kernel lacks BTF */
	BPFGAUGE_EPLUGIN,     /* pass plugin missing or for the wrong LLVM major */
	BPFGAUGE_ELIBBPF,     /* a BPF object libbpf cannot open (e.g. needs linking) */
	BPFGAUGE_ERR_END,
};

/*
 * Describe a (negative or positive) error code: errno values through
 * strerror(), bpfgauge codes through a fixed table. Never returns NULL; the
 * string is static or thread-local and must not be freed.
 */
const char *bpfgauge_strerror(int err);

/* The library version string, e.g. "0.1.0". */
const char *bpfgauge_version(void);

#ifdef __cplusplus
}
#endif

#endif /* BPFGAUGE_BPFGAUGE_H */
