/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small JSON reader (RFC 8259) that builds a read-only tree. Numbers
 * keep their source text so 64-bit integers read back exactly. Generic:
 * any module may use it for its own files.
 */
#ifndef BPFGAUGE_JSON_READ_H
#define BPFGAUGE_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_value;

/*
 * Parse buf (len bytes) into a tree the caller frees with json_free. On
 * failure returns -BPFGAUGE_EBADFORMAT (or -ENOMEM), sets *out to NULL and,
 * if err is not NULL, writes "line L col C: what" into err. Nesting deeper
 * than 256 levels is refused.
 */
int json_parse(const char *buf, size_t len, struct json_value **out, char *err,
	       size_t err_size);
void json_free(struct json_value *v); /* accepts NULL */

enum json_type json_type(const struct json_value *v);
/* Member of an object by key (first match), or NULL. */
const struct json_value *json_get(const struct json_value *obj, const char *key);
size_t json_len(const struct json_value *v); /* array items or object members */
const struct json_value *json_at(const struct json_value *arr, size_t i);
/* Object member i: its key (and value via json_at). */
const char *json_key_at(const struct json_value *obj, size_t i);
/* String value (decoded UTF-8) or NULL if not a string. Owned by the tree. */
const char *json_str(const struct json_value *v);
/* Number source text ("12", "-1.5e3"), or NULL if not a number. */
const char *json_num_text(const struct json_value *v);
double json_num(const struct json_value *v);          /* 0 if not a number */
bool json_bool(const struct json_value *v);           /* false if not a bool */
/* Integer value: 0, or -ERANGE / -EINVAL if not an exact int64. */
int json_int64(const struct json_value *v, int64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* BPFGAUGE_JSON_READ_H */
