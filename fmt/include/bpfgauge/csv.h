/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RFC 4180 CSV: quoting on write and a parser over an in-memory buffer
 * that handles quoted fields, doubled quotes, embedded newlines, and both
 * CRLF and LF line ends. Generic: knows nothing about bpfgauge's records.
 */
#ifndef BPFGAUGE_CSV_H
#define BPFGAUGE_CSV_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Write s (NULL = empty) as one field, quoted only when it must be. */
void csv_write_field(FILE *f, const char *s);

/*
 * Called once per record with its fields (NUL-terminated, owned by the
 * parser and valid only during the call) and the 1-based line it started
 * on. A non-zero return stops parsing and is returned by csv_parse.
 */
typedef int (*csv_row_fn)(char **fields, size_t n, size_t line, void *ctx);

/*
 * Parse buf. Returns 0, the callback's non-zero value, -ENOMEM, or
 * -BPFGAUGE_EBADFORMAT for an unterminated quote or text after a closing
 * quote. Blank lines are skipped.
 */
int csv_parse(const char *buf, size_t len, csv_row_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* BPFGAUGE_CSV_H */
