/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel configs (kconfig): reading one (gzip or plain), parsing its
 * "CONFIG_X=value" lines into a kernel's facts, and looking symbols up.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge_internal.h"
#include "compat_internal.h"

/* why the last compat_parse_config() refused its text */
static __thread char parse_why[160];

const char *compat_parse_why(void)
{
	return parse_why;
}

/* config entries are "SYM=value": compare by SYM only */
static int cmp_sym(const char *a, const char *b)
{
	for (;; a++, b++) {
		char ca = *a == '=' ? 0 : *a, cb = *b == '=' ? 0 : *b;

		if (ca != cb || !ca)
			return (unsigned char)ca - (unsigned char)cb;
	}
}

static int cmp_entry(const void *a, const void *b)
{
	return cmp_sym(*(char *const *)a, *(char *const *)b);
}

/*
 * A kconfig is "CONFIG_X=value" lines and comments; anything else means the
 * file is something else. The header comment "# Linux/x86 6.1.0 Kernel
 * Configuration" gives the version.
 */
int compat_parse_config(struct compat_kernel *k, const char *text)
{
	const char *p = text;
	int lineno = 0, nsyms = 0, err;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char line[1024];

		lineno++;
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = 0;
		while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = 0;
		p = e ? e + 1 : p + strlen(p);
		if (!len)
			continue;
		if (line[0] == '#') {
			char ver[64];

			if (!k->version && sscanf(line, "# Linux/%*s %63s Kernel Configuration", ver) == 1) {
				k->version = compat_parse_version(ver);
				if (!k->release[0])
					snprintf(k->release, sizeof(k->release), "%s", ver);
			}
			if (!strncmp(line, "# CONFIG_", 9) && strstr(line, " is not set"))
				nsyms++;
			continue;
		}
		if (strncmp(line, "CONFIG_", 7) || !strchr(line, '=')) {
			snprintf(parse_why, sizeof(parse_why), "line %d is not a kconfig line: '%.60s'",
				 lineno, line);
			return -BPFGAUGE_EBADFORMAT;
		}
		for (const char *s = line + 7; *s != '='; s++)
			if (!isalnum((unsigned char)*s) && *s != '_') {
				snprintf(parse_why, sizeof(parse_why),
					 "line %d is not a kconfig line: '%.60s'", lineno, line);
				return -BPFGAUGE_EBADFORMAT;
			}
		/* strip quotes of string values */
		{
			char *v = strchr(line, '=') + 1;
			size_t vl = strlen(v);

			if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
				memmove(v, v + 1, vl - 2);
				v[vl - 2] = 0;
			}
		}
		if (strcmp(strchr(line, '=') + 1, "n")) {
			err = compat_strset_add(&k->config, line + 7);
			if (err)
				return err;
		}
		nsyms++;
	}
	if (nsyms == 0) {
		snprintf(parse_why, sizeof(parse_why), "no CONFIG_ line in it");
		return -BPFGAUGE_EBADFORMAT;
	}
	qsort(k->config.v, k->config.n, sizeof(*k->config.v), cmp_entry);
	k->have_config = true;
	return 0;
}

const char *compat_kernel__kconfig(const struct compat_kernel *k, const char *sym)
{
	char **hit;

	if (!k || !k->have_config || !k->config.n)
		return NULL;
	if (!strncmp(sym, "CONFIG_", 7))
		sym += 7;
	hit = bsearch(&sym, k->config.v, k->config.n, sizeof(*k->config.v), cmp_entry);
	return hit ? strchr(*hit, '=') + 1 : NULL;
}

bool compat_kernel__has_config(const struct compat_kernel *k)
{
	return k && k->have_config;
}

/* Whole file (gzip or plain) into a NUL-terminated buffer; NULL + errno. */
static char *read_config_file(const char *path)
{
	size_t len;
	char *buf = compat_read_gz(path, 64u << 20, &len); /* no kconfig is bigger */

	if (buf && memchr(buf, 0, len)) { /* binary: not a kconfig */
		free(buf);
		errno = BPFGAUGE_EBADFORMAT;
		return NULL;
	}
	return buf;
}

int compat_load_config_file(struct compat_kernel *k, const char *path)
{
	char *text = read_config_file(path);
	int err;

	if (!text) {
		err = errno;
		if (err == BPFGAUGE_EBADFORMAT)
			pr_warn("compat: '%s' is not a kernel config (binary data)", path);
		else
			pr_warn("compat: cannot read config '%s': %s", path, bpfgauge_strerror(err));
		return -err;
	}
	err = compat_parse_config(k, text);
	free(text);
	if (err == -BPFGAUGE_EBADFORMAT)
		pr_warn("compat: '%s' is not a kernel config: %s", path, parse_why);
	return err;
}
