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

/*
 * The records of one SF block, added to the model at end_of_record in
 * sorted order: the model inserts in O(log n) + an append, so a crafted
 * file (a million DA lines in descending order, FNDA names far from
 * their FN) costs O(n log n), not O(n^2).
 */
struct fnl {
	char *name;
	uint32_t line;
	size_t idx; /* file order */
	bool seen;  /* named by an FNDA */
};

struct fnda {
	char *name;
	uint64_t count;
	uint32_t line;
};

struct rec_buf {
	struct da { uint32_t line; uint64_t count; } *da;
	size_t nda, cda;
	struct br { uint32_t line, block, branch; int64_t taken; } *br;
	size_t nbr, cbr;
	struct fnl *fns;
	size_t nfns, cfns;
	struct fnda *fnda;
	size_t nfnda, cfnda;
};

static void *push(void *arr, size_t *n, size_t *cap, size_t elem)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		void *m = realloc(arr, c * elem);

		if (!m)
			return NULL;
		arr = m;
		*cap = c;
	}
	return arr;
}

static void rec_buf_clear(struct rec_buf *rb)
{
	for (size_t i = 0; i < rb->nfns; i++)
		free(rb->fns[i].name);
	for (size_t i = 0; i < rb->nfnda; i++)
		free(rb->fnda[i].name);
	rb->nda = rb->nbr = rb->nfns = rb->nfnda = 0;
}

static void rec_buf_release(struct rec_buf *rb)
{
	rec_buf_clear(rb);
	free(rb->da);
	free(rb->br);
	free(rb->fns);
	free(rb->fnda);
	memset(rb, 0, sizeof(*rb));
}

static int push_da(struct rec_buf *rb, uint32_t line, uint64_t count)
{
	void *n = push(rb->da, &rb->nda, &rb->cda, sizeof(*rb->da));

	if (!n)
		return -ENOMEM;
	rb->da = n;
	rb->da[rb->nda++] = (struct da){ line, count };
	return 0;
}

static int push_br(struct rec_buf *rb, uint32_t line, uint32_t block, uint32_t branch,
		   int64_t taken)
{
	void *n = push(rb->br, &rb->nbr, &rb->cbr, sizeof(*rb->br));

	if (!n)
		return -ENOMEM;
	rb->br = n;
	rb->br[rb->nbr++] = (struct br){ line, block, branch, taken };
	return 0;
}

static int push_fn(struct rec_buf *rb, const char *name, uint32_t line)
{
	void *n = push(rb->fns, &rb->nfns, &rb->cfns, sizeof(*rb->fns));
	char *copy = strdup(name);

	if (n)
		rb->fns = n;
	if (!n || !copy) {
		free(copy);
		return -ENOMEM;
	}
	rb->fns[rb->nfns] = (struct fnl){ copy, line, rb->nfns, false };
	rb->nfns++;
	return 0;
}

static int push_fnda(struct rec_buf *rb, const char *name, uint64_t count)
{
	void *n = push(rb->fnda, &rb->nfnda, &rb->cfnda, sizeof(*rb->fnda));
	char *copy = strdup(name);

	if (n)
		rb->fnda = n;
	if (!n || !copy) {
		free(copy);
		return -ENOMEM;
	}
	rb->fnda[rb->nfnda++] = (struct fnda){ copy, count, 0 };
	return 0;
}

static int da_cmp(const void *a, const void *b)
{
	const struct da *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

static int br_cmp(const void *a, const void *b)
{
	const struct br *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->block != y->block)
		return x->block < y->block ? -1 : 1;
	return x->branch < y->branch ? -1 : x->branch > y->branch;
}

static int fnl_name_cmp(const void *a, const void *b)
{
	const struct fnl *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

static int fnda_cmp(const void *a, const void *b)
{
	const struct fnda *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* First index in fns (sorted by name, idx) whose name is name, or n. */
static size_t fnl_first(const struct fnl *fns, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(fns[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !strcmp(fns[lo].name, name) ? lo : n;
}

static int rec_buf_flush(struct rec_buf *rb, struct cov_model *m, const char *sf)
{
	const char *prev = NULL;
	int err = 0;

	if (rb->nda) /* qsort's base must not be NULL, even for 0 items */
		qsort(rb->da, rb->nda, sizeof(*rb->da), da_cmp);
	for (size_t i = 0; i < rb->nda && !err; i++)
		err = cov_model_add_line(m, sf, rb->da[i].line, rb->da[i].count);
	if (rb->nbr)
		qsort(rb->br, rb->nbr, sizeof(*rb->br), br_cmp);
	for (size_t i = 0; i < rb->nbr && !err; i++)
		err = cov_model_add_branch(m, sf, rb->br[i].line, rb->br[i].block, rb->br[i].branch,
					   rb->br[i].taken);
	/* an FNDA takes the line of the last FN naming it (0 without one) */
	if (rb->nfns)
		qsort(rb->fns, rb->nfns, sizeof(*rb->fns), fnl_name_cmp);
	for (size_t i = 0; i < rb->nfnda; i++) {
		size_t k = fnl_first(rb->fns, rb->nfns, rb->fnda[i].name);

		for (; k < rb->nfns && !strcmp(rb->fns[k].name, rb->fnda[i].name); k++) {
			rb->fnda[i].line = rb->fns[k].line;
			rb->fns[k].seen = true;
		}
	}
	/* functions with FN but no FNDA count 0; a re-declared one keeps its first line */
	for (size_t i = 0; i < rb->nfns; i++) {
		const char *name = rb->fns[i].name;
		struct fnda *nf;

		if (rb->fns[i].seen || (prev && !strcmp(prev, name))) {
			prev = name;
			continue;
		}
		prev = name;
		nf = push(rb->fnda, &rb->nfnda, &rb->cfnda, sizeof(*rb->fnda));
		if (!nf)
			return -ENOMEM;
		rb->fnda = nf;
		rb->fnda[rb->nfnda++] = (struct fnda){ rb->fns[i].name, 0, rb->fns[i].line };
		rb->fns[i].name = NULL; /* moved; prev stays valid, fnda owns it */
	}
	if (rb->nfnda)
		qsort(rb->fnda, rb->nfnda, sizeof(*rb->fnda), fnda_cmp);
	for (size_t i = 0; i < rb->nfnda && !err; i++)
		err = cov_model_add_func(m, sf, rb->fnda[i].name, rb->fnda[i].line, rb->fnda[i].count);
	rec_buf_clear(rb);
	return err;
}

/* ---- test names: an index so that many TN names cost O(1) each ---- */

struct tn_index {
	size_t *slot; /* test index + 1; 0 = empty */
	size_t cap;   /* power of two, at least twice the tests indexed */
};

static const char *tn_key(const char *tn)
{
	return tn ? tn : ""; /* the unnamed test and "TN:" are the same test */
}

static size_t *tn_find(const struct tn_index *x, struct cov_model **tests, const char *tn)
{
	size_t i = bpfgauge_fnv1a(BPFGAUGE_FNV_OFFSET, tn, strlen(tn)) & (x->cap - 1);

	while (x->slot[i] && strcmp(tn_key(cov_model__test_name(tests[x->slot[i] - 1])), tn))
		i = (i + 1) & (x->cap - 1);
	return &x->slot[i];
}

/* (Re)build x over tests[0..n), with room for want tests. */
static int tn_reindex(struct tn_index *x, struct cov_model **tests, size_t n, size_t want)
{
	size_t cap = x->cap ? x->cap : 16;
	struct tn_index y;

	while (cap < 2 * want)
		cap *= 2;
	y = (struct tn_index){ calloc(cap, sizeof(size_t)), cap };
	if (!y.slot)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		*tn_find(&y, tests, tn_key(cov_model__test_name(tests[i]))) = i + 1;
	free(x->slot);
	*x = y;
	return 0;
}

/*
 * The model of test name tn in tests[], created (appended) if missing;
 * NULL on ENOMEM. x indexes tests[] and is kept up to date.
 */
static struct cov_model *tn_get(struct tn_index *x, struct cov_model ***tests, size_t *n,
				const char *tn)
{
	struct cov_model *m;
	size_t *slot;
	void *nw;

	tn = tn_key(tn);
	if (2 * (*n + 1) > x->cap && tn_reindex(x, *tests, *n, *n + 1))
		return NULL;
	slot = tn_find(x, *tests, tn);
	if (*slot)
		return (*tests)[*slot - 1];
	nw = realloc(*tests, (*n + 1) * sizeof(**tests));
	if (!nw)
		return NULL;
	*tests = nw;
	m = cov_model__new(*tn ? tn : NULL);
	if (!m)
		return NULL;
	(*tests)[(*n)++] = m;
	*slot = *n;
	return m;
}

/* ---- SF blocks, kept until the end of the file ---- */

/*
 * Every block is added to its test's model at the end, sorted by (test,
 * path, file order): the model then appends files instead of inserting
 * them, so a crafted file with 100k SF blocks in descending order costs
 * O(n log n).
 */
struct sf_block {
	size_t test, seq;
	char *sf;
	struct rec_buf rb;
};

static int sf_block_cmp(const void *a, const void *b)
{
	const struct sf_block *x = a, *y = b;
	int c;

	if (x->test != y->test)
		return x->test < y->test ? -1 : 1;
	c = strcmp(x->sf, y->sf);
	return c ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
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
	struct cov_model **tests = NULL;
	struct tn_index tidx = { NULL, 0 };
	struct sf_block *blocks = NULL;
	size_t ntests = 0, cur = 0, nblocks = 0, cblocks = 0;
	char *line = NULL, *sf = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	struct rec_buf rb = { 0 };
	ssize_t n;
	int err = 0;

	*out = NULL;
	*nout = 0;
	if (!tn_get(&tidx, &tests, &ntests, NULL)) {
		free(tidx.slot);
		cov_tests_free(tests, ntests);
		return bg_err(-ENOMEM);
	}
	while (!err && (n = getline(&line, &cap, f)) >= 0) {
		void *nb;
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
			if (!tn_get(&tidx, &tests, &ntests, line + 3))
				err = -ENOMEM;
			else
				cur = *tn_find(&tidx, tests, line + 3) - 1;
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
			nb = push(blocks, &nblocks, &cblocks, sizeof(*blocks));
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			blocks = nb;
			blocks[nblocks] = (struct sf_block){ cur, nblocks, sf, rb };
			nblocks++;
			sf = NULL;
			memset(&rb, 0, sizeof(rb));
		} else if (!sf) {
			err = lcov_bad(path, lineno, "record outside SF...end_of_record");
		} else if (!strncmp(line, "DA:", 3)) {
			/* DA:<line>,<count>[,<checksum>] */
			if (parse_u64(line + 3, &e, &a) || *e != ',' || parse_u64(e + 1, &e, &b) ||
			    (*e && *e != ',') || a == 0 || a > UINT32_MAX)
				err = lcov_bad(path, lineno, "bad DA");
			else
				err = push_da(&rb, (uint32_t)a, b);
		} else if (!strncmp(line, "FN:", 3)) {
			char *comma;

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
			err = push_fn(&rb, e, (uint32_t)a);
		} else if (!strncmp(line, "FNDA:", 5)) {
			if (parse_u64(line + 5, &e, &a) || *e != ',' || !e[1] ||
			    (e[1] >= '0' && e[1] <= '9')) {
				err = lcov_bad(path, lineno, "bad FNDA");
				break;
			}
			err = push_fnda(&rb, e + 1, a);
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
			err = push_br(&rb, (uint32_t)a, (uint32_t)b, (uint32_t)c, taken);
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
	if (!err && nblocks) {
		qsort(blocks, nblocks, sizeof(*blocks), sf_block_cmp);
		for (size_t i = 0; i < nblocks && !err; i++)
			err = rec_buf_flush(&blocks[i].rb, tests[blocks[i].test], blocks[i].sf);
	}
	for (size_t i = 0; i < nblocks; i++) {
		rec_buf_release(&blocks[i].rb);
		free(blocks[i].sf);
	}
	free(blocks);
	free(tidx.slot);
	rec_buf_release(&rb);
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
	struct tn_index x = { NULL, 0 };
	struct cov_model **got;
	size_t ngot;
	int err = cov_lcov_read_tests(path, &got, &ngot);

	if (err)
		return bg_err(err);
	err = tn_reindex(&x, *tests, *n, *n + 1); /* index what is there */
	for (size_t i = 0; !err && i < ngot; i++) {
		struct cov_model *same = tn_get(&x, tests, n, cov_model__test_name(got[i]));

		err = same ? cov_model__merge(same, got[i]) : -ENOMEM;
	}
	free(x.slot);
	cov_tests_free(got, ngot);
	return bg_err(err);
}

void cov_tests__free(struct cov_model **tests, size_t n)
{
	cov_tests_free(tests, n);
}

struct cov_model *cov_tests__get(struct cov_model ***tests, size_t *n, const char *test_name)
{
	return cov_tests_get(tests, n, test_name);
}
