/* SPDX-License-Identifier: BSD-2-Clause */
/* Streaming JSON writer: nesting, commas, escaping, optional pretty print. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "json_writer.h"

#define JW_MAX_DEPTH 64

struct json_writer {
	FILE *f;
	bool pretty;
	int depth;
	bool first[JW_MAX_DEPTH]; /* no element written yet at this depth */
	char closer[JW_MAX_DEPTH]; /* '}' or ']' for each open container */
	bool after_name;
	int users; /* the stdout writer: jw_new()s not yet jw_free()d */
	bool line_ended; /* the stdout writer: the last top-level value has its newline */
};

/* The one writer of stdout, shared by every jw_new(stdout) of the process. */
static json_writer_t *stdout_jw;

json_writer_t *jw_new(FILE *f, bool pretty)
{
	json_writer_t *jw;

	if (f == stdout && stdout_jw) {
		stdout_jw->users++;
		return stdout_jw;
	}
	jw = calloc(1, sizeof(*jw));
	if (!jw) {
		errno = ENOMEM;
		return NULL;
	}
	jw->f = f;
	jw->pretty = pretty;
	jw->first[0] = true;
	if (f == stdout) {
		jw->users = 1;
		stdout_jw = jw;
	}
	return jw;
}

void jw_free(json_writer_t *jw)
{
	if (!jw)
		return;
	if (jw == stdout_jw) {
		/* the end of a document: its line ends now (before any stderr
		 * line); the writer lives on until jw_stdout_end() */
		jw->users--;
		if (jw->depth == 0 && !jw->first[0] && !jw->line_ended) {
			fputc('\n', jw->f);
			jw->line_ended = true;
			fflush(jw->f);
		}
		return;
	}
	if (jw->depth == 0 && !jw->first[0])
		fputc('\n', jw->f);
	free(jw);
}

enum jw_where jw_stdout_where(void)
{
	const json_writer_t *jw = stdout_jw;

	if (!jw || (jw->first[0] && !jw->depth))
		return JW_NOTHING;
	if (!jw->depth)
		return JW_DONE;
	return jw->closer[jw->depth] == ']' && !jw->after_name ? JW_IN_ARRAY : JW_IN_OBJECT;
}

void jw_stdout_end(void)
{
	json_writer_t *jw = stdout_jw;

	if (!jw)
		return;
	if (jw->after_name) /* a name with no value yet */
		fputs("null", jw->f), jw->after_name = false;
	while (jw->depth > 0) {
		jw->depth--;
		fputc(jw->closer[jw->depth + 1], jw->f);
	}
	if (!jw->first[0] && !jw->line_ended)
		fputc('\n', jw->f);
	stdout_jw = NULL;
	free(jw);
}

static void jw_indent(json_writer_t *jw)
{
	if (!jw->pretty)
		return;
	fputc('\n', jw->f);
	for (int i = 0; i < jw->depth; i++)
		fputs("  ", jw->f);
}

/* Separator before a value or a name. */
static void jw_sep(json_writer_t *jw)
{
	if (jw->after_name) {
		jw->after_name = false;
		return;
	}
	/* a second top-level value (JSON lines) goes on a line of its own */
	if (!jw->first[jw->depth] && (jw->depth || !jw->line_ended))
		fputc(jw->depth ? ',' : '\n', jw->f);
	jw->line_ended = false;
	if (jw->depth > 0)
		jw_indent(jw);
	jw->first[jw->depth] = false;
}

void jw_escape(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void jw_open(json_writer_t *jw, char c)
{
	jw_sep(jw);
	fputc(c, jw->f);
	assert(jw->depth + 1 < JW_MAX_DEPTH);
	jw->depth++;
	jw->first[jw->depth] = true;
	jw->closer[jw->depth] = c == '{' ? '}' : ']';
}

static void jw_close(json_writer_t *jw, char c)
{
	bool empty = jw->first[jw->depth];

	assert(jw->depth > 0);
	jw->depth--;
	if (!empty)
		jw_indent(jw);
	fputc(c, jw->f);
}

void jw_start_object(json_writer_t *jw) { jw_open(jw, '{'); }
void jw_end_object(json_writer_t *jw) { jw_close(jw, '}'); }
void jw_start_array(json_writer_t *jw) { jw_open(jw, '['); }
void jw_end_array(json_writer_t *jw) { jw_close(jw, ']'); }

void jw_name(json_writer_t *jw, const char *name)
{
	jw_sep(jw);
	jw_escape(jw->f, name);
	fputs(jw->pretty ? ": " : ":", jw->f);
	jw->after_name = true;
}

void jw_string(json_writer_t *jw, const char *s)
{
	jw_sep(jw);
	if (s)
		jw_escape(jw->f, s);
	else
		fputs("null", jw->f);
}

void jw_int(json_writer_t *jw, int64_t v)
{
	jw_sep(jw);
	fprintf(jw->f, "%" PRId64, v);
}

void jw_uint(json_writer_t *jw, uint64_t v)
{
	jw_sep(jw);
	fprintf(jw->f, "%" PRIu64, v);
}

void jw_double(json_writer_t *jw, double v)
{
	jw_sep(jw);
	if (isfinite(v))
		fprintf(jw->f, "%.17g", v);
	else
		fputs("null", jw->f);
}

void jw_bool(json_writer_t *jw, bool v)
{
	jw_sep(jw);
	fputs(v ? "true" : "false", jw->f);
}

void jw_null(json_writer_t *jw)
{
	jw_sep(jw);
	fputs("null", jw->f);
}

void jw_string_field(json_writer_t *jw, const char *n, const char *s) { jw_name(jw, n); jw_string(jw, s); }
void jw_int_field(json_writer_t *jw, const char *n, int64_t v) { jw_name(jw, n); jw_int(jw, v); }
void jw_uint_field(json_writer_t *jw, const char *n, uint64_t v) { jw_name(jw, n); jw_uint(jw, v); }
void jw_double_field(json_writer_t *jw, const char *n, double v) { jw_name(jw, n); jw_double(jw, v); }
void jw_bool_field(json_writer_t *jw, const char *n, bool v) { jw_name(jw, n); jw_bool(jw, v); }
void jw_null_field(json_writer_t *jw, const char *n) { jw_name(jw, n); jw_null(jw); }
