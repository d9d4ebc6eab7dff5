/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lcov tracefiles at the record level: tokenising TN, SF, FN, FNDA, DA,
 * BRDA and end_of_record lines with their syntax and nesting checks, and
 * writing the same records. What the records mean (a coverage model) is the
 * runtime's business.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge_internal.h"
#include "lcov.h"

void lcov_reader_init(struct lcov_reader *r, FILE *f, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	r->path = path;
}

void lcov_reader_release(struct lcov_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}

static int lcov_bad(const struct lcov_reader *r, const char *what)
{
	pr_warn("cov: %s:%lu: malformed lcov: %s", r->path, r->lineno, what);
	return -BPFGAUGE_EBADFORMAT;
}

static int parse_u64(const char *s, char **end, uint64_t *v)
{
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, end, 10);
	return errno ? -1 : 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* DA:<line>,<count>[,<checksum>] */
static int parse_da(const struct lcov_reader *r, const char *s, struct lcov_rec *rec)
{
	uint64_t a, b;
	char *e;

	if (parse_u64(s, &e, &a) || *e != ',' || parse_u64(e + 1, &e, &b) || (*e && *e != ',') ||
	    a == 0 || a > UINT32_MAX)
		return lcov_bad(r, "bad DA");
	*rec = (struct lcov_rec){ .kind = LCOV_DA, .line = (uint32_t)a, .count = b };
	return 0;
}

/* FN:<line>,<name>, or lcov 2's FN:<line>,<end>,<name> */
static int parse_fn(const struct lcov_reader *r, const char *s, struct lcov_rec *rec)
{
	uint64_t a;
	char *e;

	if (parse_u64(s, &e, &a) || *e != ',' || a > UINT32_MAX)
		return lcov_bad(r, "bad FN");
	/* skip a numeric end field; the rest is the name (it may hold commas) */
	e++;
	if (is_digit(*e)) {
		char *p = e;

		while (is_digit(*p))
			p++;
		if (*p == ',')
			e = p + 1;
	}
	if (!*e || is_digit(*e))
		return lcov_bad(r, *e ? "FN name starts with a digit" : "FN with an empty function name");
	*rec = (struct lcov_rec){ .kind = LCOV_FN, .name = e, .line = (uint32_t)a };
	return 0;
}

/* FNDA:<count>,<name> */
static int parse_fnda(const struct lcov_reader *r, const char *s, struct lcov_rec *rec)
{
	uint64_t a;
	char *e;

	if (parse_u64(s, &e, &a) || *e != ',' || !e[1] || is_digit(e[1]))
		return lcov_bad(r, "bad FNDA");
	*rec = (struct lcov_rec){ .kind = LCOV_FNDA, .name = e + 1, .count = a };
	return 0;
}

/* BRDA:<line>,<block>,<branch>,<taken or -> */
static int parse_brda(const struct lcov_reader *r, const char *s, struct lcov_rec *rec)
{
	uint64_t a, b, c, t;
	char *e;

	if (parse_u64(s, &e, &a) || *e != ',' || parse_u64(e + 1, &e, &b) || *e != ',' ||
	    parse_u64(e + 1, &e, &c) || *e != ',' || a > UINT32_MAX || b > UINT32_MAX ||
	    c > UINT32_MAX)
		return lcov_bad(r, "bad BRDA");
	*rec = (struct lcov_rec){ .kind = LCOV_BRDA, .line = (uint32_t)a, .block = (uint32_t)b,
				  .branch = (uint32_t)c, .taken = -1 };
	e++;
	if (!strcmp(e, "-"))
		return 0;
	if (parse_u64(e, &e, &t) || *e || t > INT64_MAX)
		return lcov_bad(r, "bad BRDA taken count");
	rec->taken = (int64_t)t;
	return 0;
}

static bool starts(const char *line, const char *prefix)
{
	return !strncmp(line, prefix, strlen(prefix));
}

/* Records that are recomputed on write (summaries) or that we do not use. */
static bool ignored(const char *line)
{
	static const char *const skip[] = { "FNF:", "FNH:", "BRF:", "BRH:", "LF:",
					    "LH:",  "VER:", "FNL:", "FNA:" };

	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (starts(line, skip[i]))
			return true;
	return false;
}

/* The records that open or close a file block, which check the nesting. */
static int parse_framing(struct lcov_reader *r, char *line, struct lcov_rec *rec)
{
	if (starts(line, "TN:")) {
		/* records belong to the last TN: keep tests apart */
		if (r->in_sf)
			return lcov_bad(r, "TN inside an SF record");
		*rec = (struct lcov_rec){ .kind = LCOV_TN, .name = line + 3 };
	} else if (starts(line, "SF:")) {
		if (r->in_sf)
			return lcov_bad(r, "SF without end_of_record");
		if (!line[3])
			return lcov_bad(r, "empty SF");
		*rec = (struct lcov_rec){ .kind = LCOV_SF, .name = line + 3 };
		r->in_sf = true;
	} else {
		if (!r->in_sf)
			return lcov_bad(r, "end_of_record without SF");
		*rec = (struct lcov_rec){ .kind = LCOV_END };
		r->in_sf = false;
	}
	return 1;
}

/* One line, trailing newline removed: 1 with a record, 0 to pass it over, or an error. */
static int parse_line(struct lcov_reader *r, char *line, struct lcov_rec *rec)
{
	int err;

	if (starts(line, "TN:") || starts(line, "SF:") || !strcmp(line, "end_of_record"))
		return parse_framing(r, line, rec);
	if (!r->in_sf)
		return lcov_bad(r, "record outside SF...end_of_record");
	if (starts(line, "DA:"))
		err = parse_da(r, line + 3, rec);
	else if (starts(line, "FN:"))
		err = parse_fn(r, line + 3, rec);
	else if (starts(line, "FNDA:"))
		err = parse_fnda(r, line + 5, rec);
	else if (starts(line, "BRDA:"))
		err = parse_brda(r, line + 5, rec);
	else if (ignored(line))
		return 0;
	else
		err = lcov_bad(r, "unknown record");
	return err ? err : 1;
}

int lcov_reader_next(struct lcov_reader *r, struct lcov_rec *rec)
{
	ssize_t n;

	while ((n = getline(&r->buf, &r->cap, r->f)) >= 0) {
		int got;

		r->lineno++;
		while (n > 0 && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r'))
			r->buf[--n] = '\0';
		if (!n)
			continue;
		/* a name cut at a NUL would not be the name the file holds */
		if (strlen(r->buf) != (size_t)n)
			return lcov_bad(r, "NUL byte in line");
		got = parse_line(r, r->buf, rec);
		if (got)
			return got;
	}
	if (r->in_sf)
		return lcov_bad(r, "missing end_of_record at end of file");
	return ferror(r->f) ? -EIO : 0;
}

void lcov_put_text(FILE *f, const char *s)
{
	fputs(s ? s : "", f);
}

static void put_field(FILE *f, const char *tag, const char *s)
{
	fputs(tag, f);
	lcov_put_text(f, s);
	fputc('\n', f);
}

void lcov_write_tn(FILE *f, const char *test_name)
{
	put_field(f, "TN:", test_name);
}

void lcov_write_sf(FILE *f, const char *path)
{
	put_field(f, "SF:", path);
}

void lcov_write_fn(FILE *f, uint32_t line, const char *name)
{
	fprintf(f, "FN:%" PRIu32 ",", line);
	lcov_put_text(f, name);
	fputc('\n', f);
}

void lcov_write_fnda(FILE *f, uint64_t count, const char *name)
{
	fprintf(f, "FNDA:%" PRIu64 ",", count);
	lcov_put_text(f, name);
	fputc('\n', f);
}

void lcov_write_brda(FILE *f, uint32_t line, uint32_t block, uint32_t branch, int64_t taken)
{
	if (taken < 0)
		fprintf(f, "BRDA:%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",-\n", line, block, branch);
	else
		fprintf(f, "BRDA:%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRId64 "\n", line, block,
			branch, taken);
}

void lcov_write_da(FILE *f, uint32_t line, uint64_t count)
{
	fprintf(f, "DA:%" PRIu32 ",%" PRIu64 "\n", line, count);
}

void lcov_write_fn_summary(FILE *f, uint64_t found, uint64_t hit)
{
	fprintf(f, "FNF:%" PRIu64 "\nFNH:%" PRIu64 "\n", found, hit);
}

void lcov_write_br_summary(FILE *f, uint64_t found, uint64_t hit)
{
	fprintf(f, "BRF:%" PRIu64 "\nBRH:%" PRIu64 "\n", found, hit);
}

void lcov_write_line_summary(FILE *f, uint64_t found, uint64_t hit)
{
	fprintf(f, "LF:%" PRIu64 "\nLH:%" PRIu64 "\n", found, hit);
}

void lcov_write_end(FILE *f)
{
	fputs("end_of_record\n", f);
}
