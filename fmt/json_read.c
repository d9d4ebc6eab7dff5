/* SPDX-License-Identifier: BSD-2-Clause */
/* Recursive-descent JSON reader into a small tree (see bpfgauge/json_read.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/json_read.h"
#include "bpfgauge_internal.h"

#define MAX_DEPTH 256

struct json_value {
	enum json_type type;
	bool b;
	char *s;                  /* string value or number text */
	struct json_value **items;
	char **keys;              /* objects only */
	size_t n, cap;
};

struct jp {
	const char *p, *end, *start;
	char *err;
	size_t err_size;
	int depth;
	int code;
};

static void jp_fail(struct jp *j, const char *what)
{
	size_t line = 1, col = 1;

	if (j->code)
		return;
	for (const char *c = j->start; c < j->p && c < j->end; c++) {
		if (*c == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	if (j->err)
		snprintf(j->err, j->err_size, "line %zu col %zu: %s", line, col, what);
	j->code = -BPFGAUGE_EBADFORMAT;
}

static void ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

void json_free(struct json_value *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		json_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

static struct json_value *val_new(struct jp *j, enum json_type t)
{
	struct json_value *v = calloc(1, sizeof(*v));

	if (!v)
		j->code = -ENOMEM;
	else
		v->type = t;
	return v;
}

static int put_utf8(char **o, size_t *len, size_t *cap, unsigned cp)
{
	char tmp[4];
	int n;

	if (cp < 0x80) {
		tmp[0] = cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = 0xc0 | (cp >> 6);
		tmp[1] = 0x80 | (cp & 0x3f);
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = 0xe0 | (cp >> 12);
		tmp[1] = 0x80 | ((cp >> 6) & 0x3f);
		tmp[2] = 0x80 | (cp & 0x3f);
		n = 3;
	} else {
		tmp[0] = 0xf0 | (cp >> 18);
		tmp[1] = 0x80 | ((cp >> 12) & 0x3f);
		tmp[2] = 0x80 | ((cp >> 6) & 0x3f);
		tmp[3] = 0x80 | (cp & 0x3f);
		n = 4;
	}
	if (*len + n + 1 > *cap) {
		size_t c = (*cap + n + 1) * 2;
		char *m = realloc(*o, c);

		if (!m)
			return -ENOMEM;
		*o = m;
		*cap = c;
	}
	memcpy(*o + *len, tmp, n);
	*len += n;
	(*o)[*len] = 0;
	return 0;
}

static int hex4(struct jp *j, unsigned *cp)
{
	unsigned v = 0;

	if (j->end - j->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = *j->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*cp = v;
	return 0;
}

/*
 * The code point of the escape after a backslash (j->p at the letter):
 * 0 with *cp set, or -1 after jp_fail(). Surrogate pairs are joined;
 * \u0000 is refused (strings are NUL-terminated).
 */
static int parse_escape(struct jp *j, unsigned *cp)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	unsigned char c = *j->p++;
	const char *e = c ? strchr(from, c) : NULL;
	unsigned lo;

	if (e) {
		*cp = (unsigned char)to[e - from];
		return 0;
	}
	if (c != 'u') {
		jp_fail(j, "bad escape");
		return -1;
	}
	if (hex4(j, cp)) {
		jp_fail(j, "bad \\u escape");
		return -1;
	}
	if (*cp >= 0xd800 && *cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
	    j->p[1] == 'u') {
		j->p += 2;
		if (hex4(j, &lo) || lo < 0xdc00 || lo > 0xdfff) {
			jp_fail(j, "bad surrogate pair");
			return -1;
		}
		*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (*cp == 0) {
		jp_fail(j, "\\u0000 is not supported");
		return -1;
	}
	return 0;
}

static char *parse_string(struct jp *j)
{
	size_t len = 0, cap = 16;
	char *o = malloc(cap);

	if (!o) {
		j->code = -ENOMEM;
		return NULL;
	}
	o[0] = 0;
	j->p++; /* opening quote */
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = *j->p++;
		unsigned cp = c;

		if (c < 0x20) {
			jp_fail(j, "control character in string");
			goto err;
		}
		if (c == '\\') {
			if (j->p >= j->end)
				break;
			if (parse_escape(j, &cp))
				goto err;
			if (put_utf8(&o, &len, &cap, cp)) {
				j->code = -ENOMEM;
				goto err;
			}
			continue;
		}
		/* raw byte (UTF-8 passes through) */
		if (len + 2 > cap) {
			char *m = realloc(o, cap * 2);

			if (!m) {
				j->code = -ENOMEM;
				goto err;
			}
			o = m;
			cap *= 2;
		}
		o[len++] = c;
		o[len] = 0;
	}
	if (j->p >= j->end) {
		jp_fail(j, "unterminated string");
		goto err;
	}
	j->p++;
	return o;
err:
	free(o);
	return NULL;
}

static int append(struct json_value *v, char *key, struct json_value *item)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		struct json_value **n = realloc(v->items, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		v->items = n;
		if (v->type == JSON_OBJECT) {
			char **k = realloc(v->keys, cap * sizeof(*k));

			if (!k)
				return -ENOMEM;
			v->keys = k;
		}
		v->cap = cap;
	}
	if (v->type == JSON_OBJECT)
		v->keys[v->n] = key;
	v->items[v->n++] = item;
	return 0;
}

static struct json_value *parse_value(struct jp *j);

static struct json_value *parse_container(struct jp *j, bool obj)
{
	struct json_value *v = val_new(j, obj ? JSON_OBJECT : JSON_ARRAY);
	char close = obj ? '}' : ']';

	if (!v)
		return NULL;
	if (++j->depth > MAX_DEPTH) {
		jp_fail(j, "nesting too deep");
		goto err;
	}
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct json_value *item;

		ws(j);
		if (obj) {
			if (j->p >= j->end || *j->p != '"') {
				jp_fail(j, "expected a string key");
				goto err;
			}
			key = parse_string(j);
			if (!key)
				goto err;
			ws(j);
			if (j->p >= j->end || *j->p != ':') {
				free(key);
				jp_fail(j, "expected ':'");
				goto err;
			}
			j->p++;
		}
		item = parse_value(j);
		if (!item) {
			free(key);
			goto err;
		}
		if (append(v, key, item)) {
			free(key);
			json_free(item);
			j->code = -ENOMEM;
			goto err;
		}
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			break;
		}
		jp_fail(j, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		goto err;
	}
	j->depth--;
	return v;
err:
	json_free(v);
	return NULL;
}

static struct json_value *parse_value(struct jp *j)
{
	struct json_value *v;
	const char *s;

	ws(j);
	if (j->p >= j->end) {
		jp_fail(j, "unexpected end of input");
		return NULL;
	}
	switch (*j->p) {
	case '{': return parse_container(j, true);
	case '[': return parse_container(j, false);
	case '"':
		v = val_new(j, JSON_STRING);
		if (v && !(v->s = parse_string(j))) {
			json_free(v);
			return NULL;
		}
		return v;
	}
	if (j->end - j->p >= 4 && !memcmp(j->p, "true", 4)) {
		j->p += 4;
		v = val_new(j, JSON_BOOL);
		if (v)
			v->b = true;
		return v;
	}
	if (j->end - j->p >= 5 && !memcmp(j->p, "false", 5)) {
		j->p += 5;
		return val_new(j, JSON_BOOL);
	}
	if (j->end - j->p >= 4 && !memcmp(j->p, "null", 4)) {
		j->p += 4;
		return val_new(j, JSON_NULL);
	}
	/* number: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)? */
	s = j->p;
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end || !isdigit((unsigned char)*j->p)) {
		j->p = s;
		jp_fail(j, "unexpected character");
		return NULL;
	}
	if (*j->p == '0')
		j->p++;
	else
		while (j->p < j->end && isdigit((unsigned char)*j->p))
			j->p++;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j->p >= j->end || !isdigit((unsigned char)*j->p)) {
			jp_fail(j, "bad number");
			return NULL;
		}
		while (j->p < j->end && isdigit((unsigned char)*j->p))
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || !isdigit((unsigned char)*j->p)) {
			jp_fail(j, "bad number");
			return NULL;
		}
		while (j->p < j->end && isdigit((unsigned char)*j->p))
			j->p++;
	}
	v = val_new(j, JSON_NUMBER);
	if (v && !(v->s = strndup(s, j->p - s))) {
		j->code = -ENOMEM;
		json_free(v);
		return NULL;
	}
	return v;
}

int json_parse(const char *buf, size_t len, struct json_value **out, char *err,
	       size_t err_size)
{
	struct jp j = { .p = buf, .end = buf + len, .start = buf, .err = err,
			.err_size = err_size };
	struct json_value *v;

	*out = NULL;
	if (err && err_size)
		err[0] = 0;
	v = parse_value(&j);
	if (v) {
		ws(&j);
		if (j.p < j.end) {
			jp_fail(&j, "trailing characters after the value");
			json_free(v);
			v = NULL;
		}
	}
	if (!v) {
		if (!j.code)
			j.code = -BPFGAUGE_EBADFORMAT;
		if (j.code == -ENOMEM && err)
			snprintf(err, err_size, "out of memory");
		return bg_err(j.code);
	}
	*out = v;
	return 0;
}

enum json_type json_type(const struct json_value *v)
{
	return v ? v->type : JSON_NULL;
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return obj->items[i];
	return NULL;
}

size_t json_len(const struct json_value *v)
{
	return v && (v->type == JSON_ARRAY || v->type == JSON_OBJECT) ? v->n : 0;
}

const struct json_value *json_at(const struct json_value *arr, size_t i)
{
	return arr && (arr->type == JSON_ARRAY || arr->type == JSON_OBJECT) && i < arr->n
		       ? arr->items[i]
		       : NULL;
}

const char *json_key_at(const struct json_value *obj, size_t i)
{
	return obj && obj->type == JSON_OBJECT && i < obj->n ? obj->keys[i] : NULL;
}

const char *json_str(const struct json_value *v)
{
	return v && v->type == JSON_STRING ? v->s : NULL;
}

const char *json_num_text(const struct json_value *v)
{
	return v && v->type == JSON_NUMBER ? v->s : NULL;
}

double json_num(const struct json_value *v)
{
	return v && v->type == JSON_NUMBER ? strtod(v->s, NULL) : 0;
}

bool json_bool(const struct json_value *v)
{
	return v && v->type == JSON_BOOL && v->b;
}

int json_int64(const struct json_value *v, int64_t *out)
{
	char *end;
	long long n;

	if (!v || v->type != JSON_NUMBER)
		return -EINVAL;
	errno = 0;
	n = strtoll(v->s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = n;
	return 0;
}
