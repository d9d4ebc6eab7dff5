/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reads lcov tracefiles (geninfo format: TN, SF, FN, FNDA, BRDA, DA,
 * end_of_record, and the summary records it recomputes) into a model, so
 * that new coverage merges with what a file already holds.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bpfgauge_internal.h"
#include "cov_internal.h"

static int lcov_bad(const char *path, unsigned long lineno, const char *what)
{
	pr_warn("cov: %s:%lu: malformed lcov: %s", path, lineno, what);
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

void cov_tests_free(struct cov_model **tests, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cov_model__free(tests[i]);
	free(tests);
}

static bool same_name(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* The model of test name tn in *tests, created (appended) if missing. */
struct cov_model *cov_tests_get(struct cov_model ***tests, size_t *n, const char *tn)
{
	struct cov_model *m;
	void *nw;

	for (size_t i = 0; i < *n; i++)
		if (same_name(cov_model__test_name((*tests)[i]), tn))
			return (*tests)[i];
	nw = realloc(*tests, (*n + 1) * sizeof(**tests));
	if (!nw)
		return NULL;
	*tests = nw;
	m = cov_model__new(tn && *tn ? tn : NULL);
	if (m)
		(*tests)[(*n)++] = m;
	return m;
}

int cov_lcov_read_tests_file(FILE *f, const char *path, struct cov_model ***out, size_t *nout)
{
	struct cov_model **tests = NULL, *tmp;
	size_t ntests = 0;
	char *line = NULL, *sf = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	/* FN line numbers seen in this record, applied when FNDA names them */
	struct fnl { char *name; uint32_t line; bool seen; } *fns = NULL;
	size_t nfns = 0;
	ssize_t n;
	int err = 0;

	*out = NULL;
	*nout = 0;
	tmp = cov_tests_get(&tests, &ntests, NULL);
	if (!tmp)
		return bg_err(-ENOMEM);
	while (!err && (n = getline(&line, &cap, f)) >= 0) {
		char *e;
		uint64_t a, b, c;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n)
			continue;
		/* a name cut at a NUL would not be the name the file holds */
		if (strlen(line) != (size_t)n) {
			err = lcov_bad(path, lineno, "NUL byte in line");
			break;
		}
		if (!strncmp(line, "TN:", 3)) {
			/* records belong to the last TN: keep tests apart */
			if (sf) {
				err = lcov_bad(path, lineno, "TN inside an SF record");
				break;
			}
			tmp = cov_tests_get(&tests, &ntests, line + 3);
			if (!tmp)
				err = -ENOMEM;
		} else if (!strncmp(line, "SF:", 3)) {
			if (sf) {
				err = lcov_bad(path, lineno, "SF without end_of_record");
				break;
			}
			if (!line[3]) {
				err = lcov_bad(path, lineno, "empty SF");
				break;
			}
			sf = strdup(line + 3);
			if (!sf)
				err = -ENOMEM;
		} else if (!strcmp(line, "end_of_record")) {
			if (!sf) {
				err = lcov_bad(path, lineno, "end_of_record without SF");
				break;
			}
			/* functions with FN but no FNDA count 0 */
			for (size_t i = 0; i < nfns && !err; i++)
				if (!fns[i].seen)
					err = cov_model_add_func(tmp, sf, fns[i].name, fns[i].line, 0);
			for (size_t i = 0; i < nfns; i++)
				free(fns[i].name);
			nfns = 0;
			free(sf);
			sf = NULL;
		} else if (!sf) {
			err = lcov_bad(path, lineno, "record outside SF...end_of_record");
		} else if (!strncmp(line, "DA:", 3)) {
			/* DA:<line>,<count>[,<checksum>] */
			if (parse_u64(line + 3, &e, &a) || *e != ',' || parse_u64(e + 1, &e, &b) ||
			    (*e && *e != ',') || a == 0 || a > UINT32_MAX)
				err = lcov_bad(path, lineno, "bad DA");
			else
				err = cov_model_add_line(tmp, sf, (uint32_t)a, b);
		} else if (!strncmp(line, "FN:", 3)) {
			char *comma;
			void *nf;

			if (parse_u64(line + 3, &comma, &a) || *comma != ',' || a > UINT32_MAX) {
				err = lcov_bad(path, lineno, "bad FN");
				break;
			}
			/*
			 * lcov 2 writes FN:<start>,<end>,<name>: skip a numeric end
			 * field; the rest is the name (it may hold commas)
			 */
			e = comma + 1;
			if (*e >= '0' && *e <= '9') {
				char *p = e;

				while (*p >= '0' && *p <= '9')
					p++;
				if (*p == ',')
					e = p + 1;
			}
			if (!*e || (*e >= '0' && *e <= '9')) {
				err = lcov_bad(path, lineno, *e ? "FN name starts with a digit" :
								  "FN with an empty function name");
				break;
			}
			nf = realloc(fns, (nfns + 1) * sizeof(*fns));
			if (!nf) {
				err = -ENOMEM;
				break;
			}
			fns = nf;
			fns[nfns].name = strdup(e);
			fns[nfns].line = (uint32_t)a;
			fns[nfns].seen = false;
			if (!fns[nfns++].name)
				err = -ENOMEM;
		} else if (!strncmp(line, "FNDA:", 5)) {
			uint32_t fl = 0;

			if (parse_u64(line + 5, &e, &a) || *e != ',' || !e[1] ||
			    (e[1] >= '0' && e[1] <= '9')) {
				err = lcov_bad(path, lineno, "bad FNDA");
				break;
			}
			for (size_t i = 0; i < nfns; i++)
				if (!strcmp(fns[i].name, e + 1)) {
					fl = fns[i].line;
					fns[i].seen = true;
				}
			err = cov_model_add_func(tmp, sf, e + 1, fl, a);
		} else if (!strncmp(line, "BRDA:", 5)) {
			int64_t taken;

			if (parse_u64(line + 5, &e, &a) || *e != ',' || parse_u64(e + 1, &e, &b) ||
			    *e != ',' || parse_u64(e + 1, &e, &c) || *e != ',' || a > UINT32_MAX ||
			    b > UINT32_MAX || c > UINT32_MAX) {
				err = lcov_bad(path, lineno, "bad BRDA");
				break;
			}
			e++;
			if (!strcmp(e, "-")) {
				taken = -1;
			} else {
				uint64_t t;

				if (parse_u64(e, &e, &t) || *e || t > INT64_MAX) {
					err = lcov_bad(path, lineno, "bad BRDA taken count");
					break;
				}
				taken = (int64_t)t;
			}
			err = cov_model_add_branch(tmp, sf, (uint32_t)a, (uint32_t)b, (uint32_t)c, taken);
		} else if (!strncmp(line, "FNF:", 4) || !strncmp(line, "FNH:", 4) ||
			   !strncmp(line, "BRF:", 4) || !strncmp(line, "BRH:", 4) ||
			   !strncmp(line, "LF:", 3) || !strncmp(line, "LH:", 3) ||
			   !strncmp(line, "VER:", 4) || !strncmp(line, "FNL:", 4) ||
			   !strncmp(line, "FNA:", 4)) {
			/* summaries are recomputed on write; lcov 2 extras are ignored */
		} else {
			err = lcov_bad(path, lineno, "unknown record");
		}
	}
	if (!err && sf)
		err = lcov_bad(path, lineno, "missing end_of_record at end of file");
	if (!err && ferror(f))
		err = -EIO;
	for (size_t i = 0; i < nfns; i++)
		free(fns[i].name);
	free(fns);
	free(sf);
	free(line);
	if (err) {
		cov_tests_free(tests, ntests);
		return bg_err(err);
	}
	/* drop the unnamed model if nothing came before the first TN */
	if (ntests > 1 && !cov_model__test_name(tests[0]) && !cov_model__file_cnt(tests[0])) {
		cov_model__free(tests[0]);
		memmove(tests, tests + 1, --ntests * sizeof(*tests));
	}
	*out = tests;
	*nout = ntests;
	return 0;
}

int cov_lcov_read_tests(const char *path, struct cov_model ***out, size_t *nout)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	int err;

	if (f && !fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fclose(f);
		f = NULL;
		errno = EISDIR;
	}
	if (!f) {
		err = -errno;
		if (err != -ENOENT)
			pr_warn("cov: cannot read '%s': %s", path, bpfgauge_strerror(err));
		return bg_err(err);
	}
	err = cov_lcov_read_tests_file(f, path, out, nout);
	fclose(f);
	return err;
}

int cov_model__read_lcov(struct cov_model *model, const char *path)
{
	struct cov_model **tests;
	size_t n;
	int err = cov_lcov_read_tests(path, &tests, &n);

	if (err)
		return bg_err(err);
	for (size_t i = 0; !err && i < n; i++)
		err = cov_model__merge(model, tests[i]);
	cov_tests_free(tests, n);
	return bg_err(err);
}

int cov_tests__read_lcov(struct cov_model ***tests, size_t *n, const char *path)
{
	struct cov_model **got;
	size_t ngot;
	int err = cov_lcov_read_tests(path, &got, &ngot);

	if (err)
		return bg_err(err);
	for (size_t i = 0; !err && i < ngot; i++) {
		struct cov_model *same = cov_tests_get(tests, n, cov_model__test_name(got[i]));

		err = same ? cov_model__merge(same, got[i]) : -ENOMEM;
	}
	cov_tests_free(got, ngot);
	return bg_err(err);
}

void cov_tests__free(struct cov_model **tests, size_t n)
{
	cov_tests_free(tests, n);
}
