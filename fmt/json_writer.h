/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A streaming JSON writer in the style of bpftool's json_writer: it tracks
 * nesting and commas so callers only say what to write. Output goes to a
 * FILE the caller owns. Strings are escaped per RFC 8259; doubles that are
 * not finite are written as null.
 */
#ifndef BPFGAUGE_JSON_WRITER_H
#define BPFGAUGE_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct json_writer json_writer_t;

/*
 * Returns NULL with errno=ENOMEM on failure. The FILE is not closed by
 * jw_free. There is one writer of stdout per process: jw_new(stdout) hands
 * out that one each time, so whatever is written to stdout as JSON, by any
 * part of the program, forms well-nested values (one per line).
 */
json_writer_t *jw_new(FILE *f, bool pretty);
/* Writes a final newline if the top-level value is complete. Accepts NULL.
 * For the stdout writer: only flushes; jw_stdout_end() ends it. */
void jw_free(json_writer_t *jw);
/* Where the stdout writer stands: nothing written yet, inside an array
 * (the next value is an element), inside an object, or after a complete
 * top-level value. */
enum jw_where { JW_NOTHING, JW_IN_ARRAY, JW_IN_OBJECT, JW_DONE };
enum jw_where jw_stdout_where(void);
/* End the stdout writer (main() calls it once, at exit): closes whatever
 * is still open, so a command that failed halfway leaves valid JSON. */
void jw_stdout_end(void);

void jw_start_object(json_writer_t *jw);
void jw_end_object(json_writer_t *jw);
void jw_start_array(json_writer_t *jw);
void jw_end_array(json_writer_t *jw);
void jw_name(json_writer_t *jw, const char *name);

void jw_string(json_writer_t *jw, const char *s); /* NULL writes null */
void jw_int(json_writer_t *jw, int64_t v);
void jw_uint(json_writer_t *jw, uint64_t v);
void jw_double(json_writer_t *jw, double v);
void jw_bool(json_writer_t *jw, bool v);
void jw_null(json_writer_t *jw);

/* name + value shorthands */
void jw_string_field(json_writer_t *jw, const char *name, const char *s);
void jw_int_field(json_writer_t *jw, const char *name, int64_t v);
void jw_uint_field(json_writer_t *jw, const char *name, uint64_t v);
void jw_double_field(json_writer_t *jw, const char *name, double v);
void jw_bool_field(json_writer_t *jw, const char *name, bool v);
void jw_null_field(json_writer_t *jw, const char *name);

/* Write s as a JSON string literal (with quotes) to f. */
void jw_escape(FILE *f, const char *s);

#endif /* BPFGAUGE_JSON_WRITER_H */
