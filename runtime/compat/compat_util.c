/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Small helpers the compatibility modules share: sorted string sets, kernel
 * versions and architecture names, and reading a (gzip or plain) file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bpfgauge_internal.h"
#include "compat_internal.h"

int compat_strset_add(struct compat_strset *s, const char *str)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n] = strdup(str);
	if (!s->v[s->n])
		return -ENOMEM;
	s->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void compat_strset_sort(struct compat_strset *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_str);
}

bool compat_strset_has(const struct compat_strset *s, const char *str)
{
	return s->n && bsearch(&str, s->v, s->n, sizeof(*s->v), cmp_str);
}

void compat_strset_release(struct compat_strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int compat_parse_version(const char *release)
{
	int a, b;

	if (!release || sscanf(release, "%d.%d", &a, &b) != 2 || a < 2 || a > 99 || b < 0 ||
	    b > 999)
		return 0;
	return KVER(a, b);
}

const char *compat_arch_norm(const char *arch)
{
	static const struct { const char *in, *out; } names[] = {
		{ "x86_64", "x86_64" }, { "amd64", "x86_64" }, { "x86", "x86_64" },
		{ "arm64", "arm64" },   { "aarch64", "arm64" }, { "riscv64", "riscv64" },
		{ "riscv", "riscv64" }, { "s390x", "s390x" },  { "s390", "s390x" },
	};

	if (!arch)
		return NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(arch, names[i].in))
			return names[i].out;
	return NULL;
}

void *compat_read_gz(const char *path, size_t max, size_t *len)
{
	gzFile f = gzopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf;
	int r;

	*len = 0;
	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		if (n + 1 == cap) {
			char *b = realloc(buf, cap * 2);

			if (!b) {
				free(buf);
				buf = NULL;
				errno = ENOMEM;
				break;
			}
			buf = b;
			cap *= 2;
		}
		r = gzread(f, buf + n, (unsigned int)(cap - n - 1 < (1u << 30) ? cap - n - 1 : 1u << 30));
		if (r < 0) {
			free(buf);
			buf = NULL;
			errno = EIO;
			break;
		}
		if (r == 0)
			break;
		n += r;
		if (n > max) {
			free(buf);
			buf = NULL;
			errno = EFBIG;
			break;
		}
	}
	gzclose(f);
	if (buf) {
		buf[n] = 0;
		*len = n;
	}
	return buf;
}
