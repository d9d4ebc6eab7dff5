/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Builds coverage models from lcov tracefiles, one per test name (TN), so
 * that new coverage merges with what a file already holds. fmt/lcov.c reads
 * the records; this file gathers them per SF block and adds them to the
 * models in an order that keeps crafted files cheap.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bpfgauge/file.h"
#include "bpfgauge_internal.h"
#include "cov_internal.h"
#include "lcov.h"

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

/* The records of one file as read: a tracefile's TNs and its SF blocks. */
struct lcov_doc {
	struct cov_model **tests;
	size_t ntests, cur; /* cur: the test of the last TN */
	struct tn_index tidx;
	struct sf_block *blocks;
	size_t nblocks, cblocks;
	char *sf;          /* the open SF block's path */
	struct rec_buf rb; /* ... and its records */
};

static void lcov_doc_release(struct lcov_doc *d)
{
	for (size_t i = 0; i < d->nblocks; i++) {
		rec_buf_release(&d->blocks[i].rb);
		free(d->blocks[i].sf);
	}
	free(d->blocks);
	free(d->tidx.slot);
	rec_buf_release(&d->rb);
	free(d->sf);
	cov_tests_free(d->tests, d->ntests);
}

/* The test of TN name, created if missing, becomes the current one. */
static int doc_test(struct lcov_doc *d, const char *name)
{
	if (!tn_get(&d->tidx, &d->tests, &d->ntests, name))
		return -ENOMEM;
	d->cur = *tn_find(&d->tidx, d->tests, tn_key(name)) - 1;
	return 0;
}

/* end_of_record: the open block is kept, with its records, for doc_flush(). */
static int doc_close_block(struct lcov_doc *d)
{
	void *nb = push(d->blocks, &d->nblocks, &d->cblocks, sizeof(*d->blocks));

	if (!nb)
		return -ENOMEM;
	d->blocks = nb;
	d->blocks[d->nblocks] = (struct sf_block){ d->cur, d->nblocks, d->sf, d->rb };
	d->nblocks++;
	d->sf = NULL;
	memset(&d->rb, 0, sizeof(d->rb));
	return 0;
}

static int doc_add(struct lcov_doc *d, const struct lcov_rec *r)
{
	switch (r->kind) {
	case LCOV_TN:
		return doc_test(d, r->name);
	case LCOV_SF:
		d->sf = strdup(r->name);
		return d->sf ? 0 : -ENOMEM;
	case LCOV_END:
		return doc_close_block(d);
	case LCOV_DA:
		return push_da(&d->rb, r->line, r->count);
	case LCOV_FN:
		return push_fn(&d->rb, r->name, r->line);
	case LCOV_FNDA:
		return push_fnda(&d->rb, r->name, r->count);
	case LCOV_BRDA:
		return push_br(&d->rb, r->line, r->block, r->branch, r->taken);
	}
	return 0;
}

/* Every block into its test's model, sorted by (test, path, file order). */
static int doc_flush(struct lcov_doc *d)
{
	int err = 0;

	if (d->nblocks)
		qsort(d->blocks, d->nblocks, sizeof(*d->blocks), sf_block_cmp);
	for (size_t i = 0; i < d->nblocks && !err; i++)
		err = rec_buf_flush(&d->blocks[i].rb, d->tests[d->blocks[i].test], d->blocks[i].sf);
	return err;
}

/* Hand the tests over; the unnamed one goes if nothing came before the first TN. */
static void doc_take_tests(struct lcov_doc *d, struct cov_model ***out, size_t *nout)
{
	if (d->ntests > 1 && !cov_model__test_name(d->tests[0]) &&
	    !cov_model__file_cnt(d->tests[0])) {
		cov_model__free(d->tests[0]);
		memmove(d->tests, d->tests + 1, --d->ntests * sizeof(*d->tests));
	}
	*out = d->tests;
	*nout = d->ntests;
	d->tests = NULL;
	d->ntests = 0;
}

int cov_lcov_read_tests_file(FILE *f, const char *path, struct cov_model ***out, size_t *nout)
{
	struct lcov_doc d = { 0 };
	struct lcov_reader r;
	struct lcov_rec rec;
	int err, got = 0;

	*out = NULL;
	*nout = 0;
	lcov_reader_init(&r, f, path);
	/* records before any TN go to an unnamed test */
	err = tn_get(&d.tidx, &d.tests, &d.ntests, NULL) ? 0 : -ENOMEM;
	while (!err && (got = lcov_reader_next(&r, &rec)) > 0)
		err = doc_add(&d, &rec);
	if (!err && got < 0)
		err = got;
	if (!err)
		err = doc_flush(&d);
	if (!err)
		doc_take_tests(&d, out, nout);
	lcov_reader_release(&r);
	lcov_doc_release(&d);
	return bg_err(err);
}

int cov_lcov_read_tests(const char *path, struct cov_model ***out, size_t *nout)
{
	/* a file named "-" is a file here: only the directory check is shared */
	FILE *f = strcmp(path, "-") ? bpfgauge_open_read(path) : fopen(path, "r");
	int err;

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
