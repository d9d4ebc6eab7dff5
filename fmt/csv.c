/* SPDX-License-Identifier: BSD-2-Clause */
/* RFC 4180 CSV writing and parsing (see bpfgauge/csv.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/csv.h"
#include "bpfgauge_internal.h"

void csv_write_field(FILE *f, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n") && s[0] != ' ' && (!*s || s[strlen(s) - 1] != ' ')) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

struct row {
	char **fields;
	size_t n, cap;
	char *buf;
	size_t len, bcap;
};

static int buf_put(struct row *r, char c)
{
	if (r->len + 1 >= r->bcap) {
		size_t cap = r->bcap ? r->bcap * 2 : 256;
		char *n = realloc(r->buf, cap);

		if (!n)
			return -ENOMEM;
		r->buf = n;
		r->bcap = cap;
	}
	r->buf[r->len++] = c;
	return 0;
}

/* Fields are stored as offsets while the buffer may move, fixed up at emit. */
static int field_end(struct row *r)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		char **n = realloc(r->fields, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->fields = n;
		r->cap = cap;
	}
	if (buf_put(r, 0))
		return -ENOMEM;
	r->fields[r->n++] = (char *)(uintptr_t)r->len; /* offset past the NUL */
	return 0;
}

static int emit(struct row *r, size_t line, csv_row_fn fn, void *ctx)
{
	size_t start = 0;
	int ret;

	for (size_t i = 0; i < r->n; i++) {
		size_t end = (size_t)(uintptr_t)r->fields[i];

		r->fields[i] = r->buf + start;
		start = end;
	}
	ret = (r->n == 1 && !r->fields[0][0]) ? 0 : fn(r->fields, r->n, line, ctx);
	r->n = 0;
	r->len = 0;
	return ret;
}

int csv_parse(const char *buf, size_t len, csv_row_fn fn, void *ctx)
{
	struct row r = { 0 };
	size_t i = 0, line = 1, row_line = 1;
	bool in_field = false;
	int err = 0;

	while (i < len && !err) {
		char c = buf[i];

		if (c == '"' && r.len == (r.n ? (size_t)(uintptr_t)r.fields[r.n - 1] : 0)) {
			/* quoted field */
			i++;
			for (;;) {
				if (i >= len) {
					pr_warn("csv: unterminated quote (line %zu)", row_line);
					err = -BPFGAUGE_EBADFORMAT;
					goto out;
				}
				if (buf[i] == '"') {
					if (i + 1 < len && buf[i + 1] == '"') {
						err = buf_put(&r, '"');
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (buf[i] == '\n')
					line++;
				err = buf_put(&r, buf[i++]);
				if (err)
					goto out;
			}
			if (i < len && buf[i] != ',' && buf[i] != '\n' && buf[i] != '\r') {
				pr_warn("csv: text after a closing quote (line %zu)", line);
				err = -BPFGAUGE_EBADFORMAT;
				goto out;
			}
			in_field = true;
			continue;
		}
		if (c == ',') {
			err = field_end(&r);
			in_field = false;
			i++;
			continue;
		}
		if (c == '\r' && i + 1 < len && buf[i + 1] == '\n') {
			i++;
			continue;
		}
		if (c == '\n') {
			err = field_end(&r);
			if (!err)
				err = emit(&r, row_line, fn, ctx);
			in_field = false;
			line++;
			row_line = line;
			i++;
			continue;
		}
		err = buf_put(&r, c);
		in_field = true;
		i++;
	}
	if (!err && (in_field || r.n)) {
		err = field_end(&r);
		if (!err)
			err = emit(&r, row_line, fn, ctx);
	}
out:
	free(r.fields);
	free(r.buf);
	return err < 0 ? bg_err(err) : err;
}
