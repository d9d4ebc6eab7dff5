/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The coverage model: per source file, line counts, function entry counts
 * and branch counts, sorted when read so writers can stream them. Records
 * are appended in O(1) (a hash finds a file by path and a function by
 * name; a line or branch equal to the last one is summed in place); an
 * array that received a record out of order is sorted, and its duplicates
 * summed, once, by settle() before anything reads the model, so adding N
 * records costs O(N log N) whatever their order. Counter
 * snapshots are turned into counts here (hits-mode inference and
 * counts-mode flow conservation), following the semantics in cov.h.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge_internal.h"
#include "cov_internal.h"

/*
 * A string -> index table, open addressing, at most half full: finds a file
 * by path and a function by name in O(1). Keys point into the records.
 */
struct sidx {
	struct sslot { const char *key; size_t idx; } *slot;
	size_t cap;
};

static struct sslot *sidx_find(const struct sidx *x, const char *key)
{
	size_t i = (size_t)bpfgauge_fnv1a(BPFGAUGE_FNV_OFFSET, key, strlen(key)) & (x->cap - 1);

	while (x->slot[i].key && strcmp(x->slot[i].key, key))
		i = (i + 1) & (x->cap - 1);
	return &x->slot[i];
}

/* Room for n keys; -ENOMEM leaves the table as it was. */
static int sidx_reserve(struct sidx *x, size_t n)
{
	struct sslot *old = x->slot;
	size_t oldcap = x->cap, cap = oldcap ? oldcap : 16;

	while (cap < 2 * n)
		cap *= 2;
	if (cap == oldcap)
		return 0;
	x->slot = calloc(cap, sizeof(*x->slot));
	if (!x->slot) {
		x->slot = old;
		return -ENOMEM;
	}
	x->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key)
			*sidx_find(x, old[i].key) = old[i];
	free(old);
	return 0;
}

struct mfile {
	char *path;
	struct cov_line_rec *lines;
	size_t nlines, clines;
	struct cov_func_rec *funcs; /* name owned */
	size_t nfuncs, cfuncs;
	struct sidx fh; /* name -> index in funcs[] */
	struct cov_branch_rec *brs;
	size_t nbrs, cbrs;
	/* an array got a record below its last one: settle() sorts it */
	bool lines_unsorted, funcs_unsorted, brs_unsorted;
};

struct cov_model {
	char *test_name;
	struct mfile *files;
	size_t nfiles, cfiles;
	struct sidx ph; /* path -> index in files[] */
	bool files_unsorted, dirty; /* dirty: some array may need settle() */
};

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	void *n;
	size_t c;

	if (need <= *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	while (c < need)
		c *= 2;
	n = realloc(*arr, c * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = c;
	return 0;
}

/* A test name goes into lcov's TN: line: a control byte would break it. */
static bool test_name_ok(const char *tn)
{
	for (; tn && *tn; tn++)
		if ((unsigned char)*tn < 0x20 || *tn == 0x7f) {
			pr_warn("cov: a test name must not contain control characters");
			return false;
		}
	return true;
}

struct cov_model *cov_model__new(const char *test_name)
{
	struct cov_model *m;

	if (!test_name_ok(test_name))
		return bg_err_ptr(-EINVAL);
	m = calloc(1, sizeof(*m));
	if (!m)
		return bg_err_ptr(-ENOMEM);
	if (test_name && !(m->test_name = strdup(test_name))) {
		free(m);
		return bg_err_ptr(-ENOMEM);
	}
	return m;
}

static void mfile_release(struct mfile *f)
{
	for (size_t i = 0; i < f->nfuncs; i++)
		free((char *)f->funcs[i].name);
	free(f->funcs);
	free(f->fh.slot);
	free(f->lines);
	free(f->brs);
	free(f->path);
}

void cov_model__free(struct cov_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nfiles; i++)
		mfile_release(&m->files[i]);
	free(m->files);
	free(m->ph.slot);
	free(m->test_name);
	free(m);
}

int cov_model__set_test_name(struct cov_model *m, const char *test_name)
{
	char *n;

	if (!test_name_ok(test_name))
		return bg_err(-EINVAL);
	n = test_name ? strdup(test_name) : NULL;
	if (test_name && !n)
		return bg_err(-ENOMEM);
	free(m->test_name);
	m->test_name = n;
	return 0;
}

const char *cov_model__test_name(const struct cov_model *m)
{
	return m->test_name;
}

/* The file record for path, appended if missing; NULL on ENOMEM. */
static struct mfile *model_file(struct cov_model *m, const char *path)
{
	struct mfile nf = { 0 };
	struct sslot *slot;

	if (sidx_reserve(&m->ph, m->nfiles + 1))
		return NULL;
	slot = sidx_find(&m->ph, path);
	m->dirty = true;
	if (slot->key)
		return &m->files[slot->idx];
	if (grow((void **)&m->files, &m->cfiles, m->nfiles + 1, sizeof(*m->files)))
		return NULL;
	if (!(nf.path = strdup(path)))
		return NULL;
	if (m->nfiles && strcmp(m->files[m->nfiles - 1].path, path) > 0)
		m->files_unsorted = true;
	m->files[m->nfiles] = nf;
	*slot = (struct sslot){ nf.path, m->nfiles };
	return &m->files[m->nfiles++];
}

static int add_line(struct mfile *f, uint32_t line, uint64_t count)
{
	if (!line) /* no source line (compiler-generated code): lcov has no line 0 */
		return 0;
	if (f->nlines && f->lines[f->nlines - 1].line == line) {
		f->lines[f->nlines - 1].count = cov_sat_add(f->lines[f->nlines - 1].count, count);
		return 0;
	}
	if (grow((void **)&f->lines, &f->clines, f->nlines + 1, sizeof(*f->lines)))
		return -ENOMEM;
	if (f->nlines && f->lines[f->nlines - 1].line > line)
		f->lines_unsorted = true; /* settle() sorts and sums duplicates */
	f->lines[f->nlines++] = (struct cov_line_rec){ line, cov_sat_add(count, 0) };
	return 0;
}

static int func_cmp(uint32_t la, const char *na, uint32_t lb, const char *nb)
{
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(na, nb);
}

static int add_func(struct mfile *f, const char *name, uint32_t line, uint64_t count)
{
	struct sslot *slot;
	size_t i = f->nfuncs;

	if (sidx_reserve(&f->fh, f->nfuncs + 1))
		return -ENOMEM;
	/* lcov keys functions by name: a re-declared line keeps the first one */
	slot = sidx_find(&f->fh, name);
	if (slot->key) {
		f->funcs[slot->idx].count = cov_sat_add(f->funcs[slot->idx].count, count);
		return 0;
	}
	if (grow((void **)&f->funcs, &f->cfuncs, f->nfuncs + 1, sizeof(*f->funcs)))
		return -ENOMEM;
	f->funcs[i].name = strdup(name);
	if (!f->funcs[i].name)
		return -ENOMEM;
	f->funcs[i].line = line;
	f->funcs[i].count = cov_sat_add(count, 0);
	if (i && func_cmp(f->funcs[i - 1].line, f->funcs[i - 1].name, line, name) > 0)
		f->funcs_unsorted = true;
	f->nfuncs++;
	*slot = (struct sslot){ f->funcs[i].name, i };
	return 0;
}

static int64_t taken_add(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return (int64_t)cov_sat_add((uint64_t)a, (uint64_t)b);
}

static int64_t sat_add_i64(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b < 0 ? INT64_MIN : INT64_MAX;
	return r;
}

static int br_cmp(const struct cov_branch_rec *a, uint32_t line, uint32_t block, uint32_t branch)
{
	if (a->line != line)
		return a->line < line ? -1 : 1;
	if (a->block != block)
		return a->block < block ? -1 : 1;
	if (a->branch != branch)
		return a->branch < branch ? -1 : 1;
	return 0;
}

static int add_branch(struct mfile *f, uint32_t line, uint32_t block, uint32_t branch,
		      int64_t taken)
{
	struct cov_branch_rec *last = f->nbrs ? &f->brs[f->nbrs - 1] : NULL;
	int c = last ? br_cmp(last, line, block, branch) : -1;

	if (!c) {
		last->taken = taken_add(last->taken, taken);
		return 0;
	}
	if (grow((void **)&f->brs, &f->cbrs, f->nbrs + 1, sizeof(*f->brs)))
		return -ENOMEM;
	if (c > 0)
		f->brs_unsorted = true;
	f->brs[f->nbrs++] = (struct cov_branch_rec){ line, block, branch, taken };
	return 0;
}

/* ---- settling: sort what came out of order, sum its duplicates --------- */

static int line_qcmp(const void *a, const void *b)
{
	const struct cov_line_rec *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

static int func_qcmp(const void *a, const void *b)
{
	const struct cov_func_rec *x = a, *y = b;

	return func_cmp(x->line, x->name, y->line, y->name);
}

static int br_qcmp(const void *a, const void *b)
{
	const struct cov_branch_rec *y = b;

	return br_cmp(a, y->line, y->block, y->branch);
}

static int file_qcmp(const void *a, const void *b)
{
	return strcmp(((const struct mfile *)a)->path, ((const struct mfile *)b)->path);
}

static void settle_file(struct mfile *f)
{
	size_t n = 0;

	if (f->lines_unsorted) {
		qsort(f->lines, f->nlines, sizeof(*f->lines), line_qcmp);
		for (size_t i = 0; i < f->nlines; i++) {
			if (n && f->lines[n - 1].line == f->lines[i].line)
				f->lines[n - 1].count = cov_sat_add(f->lines[n - 1].count,
								    f->lines[i].count);
			else
				f->lines[n++] = f->lines[i];
		}
		f->nlines = n;
		f->lines_unsorted = false;
	}
	if (f->brs_unsorted) {
		n = 0;
		qsort(f->brs, f->nbrs, sizeof(*f->brs), br_qcmp);
		for (size_t i = 0; i < f->nbrs; i++) {
			if (n && !br_qcmp(&f->brs[n - 1], &f->brs[i]))
				f->brs[n - 1].taken = taken_add(f->brs[n - 1].taken, f->brs[i].taken);
			else
				f->brs[n++] = f->brs[i];
		}
		f->nbrs = n;
		f->brs_unsorted = false;
	}
	if (f->funcs_unsorted) { /* names are unique already (the index) */
		qsort(f->funcs, f->nfuncs, sizeof(*f->funcs), func_qcmp);
		for (size_t i = 0; i < f->nfuncs; i++)
			sidx_find(&f->fh, f->funcs[i].name)->idx = i;
		f->funcs_unsorted = false;
	}
}

/*
 * Make every array sorted and duplicate-free before the model is read.
 * Reading is logically const (the records do not change, only their
 * order), hence the cast at the read entry points.
 */
static void settle(const struct cov_model *cm)
{
	struct cov_model *m = (struct cov_model *)cm;

	if (!m->dirty)
		return;
	for (size_t i = 0; i < m->nfiles; i++)
		settle_file(&m->files[i]);
	if (m->files_unsorted) {
		qsort(m->files, m->nfiles, sizeof(*m->files), file_qcmp);
		for (size_t i = 0; i < m->nfiles; i++)
			sidx_find(&m->ph, m->files[i].path)->idx = i;
		m->files_unsorted = false;
	}
	m->dirty = false;
}

/*
 * Sorted-array merges (O(n + m)): inserting src's records one by one would
 * move dst's tail each time when the two interleave.
 */
static int merge_lines(struct mfile *d, const struct mfile *s)
{
	struct cov_line_rec *out;
	size_t i = 0, j = 0, n = 0;

	if (!s->nlines)
		return 0;
	out = malloc((d->nlines + s->nlines) * sizeof(*out));
	if (!out)
		return -ENOMEM;
	while (i < d->nlines || j < s->nlines) {
		if (j == s->nlines || (i < d->nlines && d->lines[i].line < s->lines[j].line))
			out[n++] = d->lines[i++];
		else if (i == d->nlines || s->lines[j].line < d->lines[i].line)
			out[n++] = s->lines[j++];
		else {
			out[n] = d->lines[i++];
			out[n].count = cov_sat_add(out[n].count, s->lines[j++].count);
			n++;
		}
	}
	free(d->lines);
	d->lines = out;
	d->nlines = n;
	d->clines = n; /* the array holds exactly n; grow() reallocates past it */
	return 0;
}

static int merge_branches(struct mfile *d, const struct mfile *s)
{
	struct cov_branch_rec *out;
	size_t i = 0, j = 0, n = 0;

	if (!s->nbrs)
		return 0;
	out = malloc((d->nbrs + s->nbrs) * sizeof(*out));
	if (!out)
		return -ENOMEM;
	while (i < d->nbrs || j < s->nbrs) {
		int c = i == d->nbrs ? 1 : j == s->nbrs ? -1 :
			br_cmp(&d->brs[i], s->brs[j].line, s->brs[j].block, s->brs[j].branch);

		if (c < 0) {
			out[n++] = d->brs[i++];
		} else if (c > 0) {
			out[n++] = s->brs[j++];
		} else {
			out[n] = d->brs[i++];
			out[n].taken = taken_add(out[n].taken, s->brs[j++].taken);
			n++;
		}
	}
	free(d->brs);
	d->brs = out;
	d->nbrs = n;
	d->cbrs = n;
	return 0;
}

int cov_model__merge(struct cov_model *dst, const struct cov_model *src)
{
	settle(src);
	for (size_t i = 0; i < src->nfiles; i++) {
		const struct mfile *sf = &src->files[i];
		struct mfile *df = model_file(dst, sf->path);

		if (!df)
			return bg_err(-ENOMEM);
		settle_file(df); /* merge_*() walk both sorted */
		if (merge_lines(df, sf) || merge_branches(df, sf))
			return bg_err(-ENOMEM);
		for (size_t j = 0; j < sf->nfuncs; j++)
			if (add_func(df, sf->funcs[j].name, sf->funcs[j].line, sf->funcs[j].count))
				return bg_err(-ENOMEM);
	}
	if (!dst->test_name && src->test_name)
		return cov_model__set_test_name(dst, src->test_name);
	return 0;
}

/* Clamp every count to 0/1 (hits mode); '-' branches stay '-'. */
static void model_clamp_hits(struct cov_model *m)
{
	for (size_t i = 0; i < m->nfiles; i++) {
		struct mfile *f = &m->files[i];

		for (size_t j = 0; j < f->nlines; j++)
			f->lines[j].count = !!f->lines[j].count;
		for (size_t j = 0; j < f->nfuncs; j++)
			f->funcs[j].count = !!f->funcs[j].count;
		for (size_t j = 0; j < f->nbrs; j++)
			if (f->brs[j].taken > 0)
				f->brs[j].taken = 1;
	}
}

/* ---- counters -> block and edge counts --------------------------------- */

static uint64_t probe_val(const struct bpfgauge_seg_hdr *hdr, const void *probes, int32_t p)
{
	if (hdr->mode == BPFGAUGE_MODE_COUNTS) {
		uint64_t v;

		memcpy(&v, (const char *)probes + (size_t)p * 8, 8);
		return v > COV_COUNT_MAX ? COV_COUNT_MAX : v;
	}
	return ((const unsigned char *)probes)[p] != 0;
}

/*
 * The derivation graph of hits mode as adjacency lists (off[nb + 1] into
 * dep): a block without a probe depends on its predecessors (from_preds)
 * or on its successors.
 */
static void hits_deps(const struct cov_mfunc *f, uint32_t *off, uint32_t *dep)
{
	uint32_t nb = f->nblocks;

	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t e = 0; e < f->nedges; e++) {
			const struct cov_medge *ed = &f->edges[e];

			if (ed->src < 0 || ed->dst < 0)
				continue;
			if (f->blocks[ed->dst].probe < 0 && f->blocks[ed->dst].from_preds) {
				if (pass)
					dep[off[ed->dst]++] = (uint32_t)ed->src;
				else
					off[ed->dst + 1]++;
			}
			if (f->blocks[ed->src].probe < 0 && !f->blocks[ed->src].from_preds) {
				if (pass)
					dep[off[ed->src]++] = (uint32_t)ed->dst;
				else
					off[ed->src + 1]++;
			}
		}
		if (!pass) {
			for (uint32_t b = 0; b < nb; b++)
				off[b + 1] += off[b];
		} else {
			/* the fill advanced off[b] to the start of b + 1: shift back */
			memmove(off + 1, off, (size_t)nb * sizeof(*off));
			off[0] = 0;
		}
	}
}

struct hits_walk {
	const struct cov_mfunc *f;
	const struct bpfgauge_seg_hdr *hdr;
	const void *probes;
	const uint32_t *off, *dep;
	uint32_t *stk, *pos;
	uint8_t *state; /* 0 new, 1 on the stack, 2 done */
	uint64_t *bc;
};

/* Depth-first from root: a block is hit if its probe is, or a block it depends on is. */
static int hits_walk(struct hits_walk *w, uint32_t root)
{
	uint32_t top = 0;

	w->stk[top] = root;
	w->pos[top++] = 0;
	w->state[root] = 1;
	w->bc[root] = 0;
	while (top) {
		uint32_t b = w->stk[top - 1];

		if (w->f->blocks[b].probe >= 0) {
			w->bc[b] = probe_val(w->hdr, w->probes, w->f->blocks[b].probe);
		} else if (w->off[b] + w->pos[top - 1] < w->off[b + 1]) {
			uint32_t d = w->dep[w->off[b] + w->pos[top - 1]++];

			if (w->state[d] == 1)
				return -BPFGAUGE_EBADMAPPING; /* cyclic derivation */
			if (w->state[d] == 0) {
				assert(top < w->f->nblocks);
				w->state[d] = 1;
				w->bc[d] = 0;
				w->stk[top] = d;
				w->pos[top++] = 0;
			} else if (w->bc[d]) {
				w->bc[b] = 1;
			}
			continue;
		}
		/* b is done: fold it into the block that needed it */
		w->state[b] = 2;
		top--;
		if (top && w->bc[b])
			w->bc[w->stk[top - 1]] = 1;
	}
	return 0;
}

/*
 * hits mode: block hit = probe, or any successor hit, or (from_preds) any
 * predecessor hit. The derivations form a graph over blocks; it must be
 * acyclic. Walked iteratively (a crafted mapping may chain a million
 * blocks) over adjacency lists built once, so the work is O(blocks + edges).
 */
static int func_counts_hits(const struct cov_mfunc *f, const struct bpfgauge_seg_hdr *hdr,
			    const void *probes, uint64_t *bc, uint64_t *ec)
{
	uint32_t nb = f->nblocks;
	uint32_t *off = calloc((size_t)nb + 1, sizeof(*off));
	uint32_t *dep = malloc(((size_t)f->nedges * 2 + 1) * sizeof(*dep));
	struct hits_walk w = {
		.f = f, .hdr = hdr, .probes = probes, .off = off, .dep = dep, .bc = bc,
		.stk = malloc((size_t)nb * sizeof(uint32_t)),
		.pos = malloc((size_t)nb * sizeof(uint32_t)),
		.state = calloc(nb, 1),
	};
	int err = 0;

	if (!off || !dep || !w.stk || !w.pos || !w.state) {
		err = -ENOMEM;
		goto out;
	}
	hits_deps(f, off, dep);
	for (uint32_t root = 0; !err && root < nb; root++)
		if (!w.state[root])
			err = hits_walk(&w, root);
	for (uint32_t e = 0; !err && e < f->nedges; e++) {
		const struct cov_medge *ed = &f->edges[e];

		if (ed->probe >= 0)
			ec[e] = probe_val(hdr, probes, ed->probe);
		else
			ec[e] = ed->dst >= 0 ? bc[ed->dst] : bc[ed->src];
	}
out:
	free(off);
	free(dep);
	free(w.stk);
	free(w.pos);
	free(w.state);
	return err;
}

/* counts mode with one probe per block (the bench-only naive placement) */
static void func_counts_blocks(const struct cov_mfunc *f, const struct bpfgauge_seg_hdr *hdr,
			       const void *probes, uint64_t *bc, uint64_t *ec)
{
	uint32_t *nin = calloc(f->nblocks, sizeof(*nin)), *nout = calloc(f->nblocks, sizeof(*nout));

	for (uint32_t b = 0; b < f->nblocks; b++)
		bc[b] = f->blocks[b].probe >= 0 ? probe_val(hdr, probes, f->blocks[b].probe) : 0;
	for (uint32_t e = 0; nin && nout && e < f->nedges; e++) {
		if (f->edges[e].dst >= 0)
			nin[f->edges[e].dst]++;
		if (f->edges[e].src >= 0)
			nout[f->edges[e].src]++;
	}
	for (uint32_t e = 0; e < f->nedges; e++) {
		const struct cov_medge *ed = &f->edges[e];

		if (ed->probe >= 0)
			ec[e] = probe_val(hdr, probes, ed->probe);
		else if (ed->dst >= 0 && nin && nin[ed->dst] == 1)
			ec[e] = bc[ed->dst];
		else if (ed->src >= 0 && nout && nout[ed->src] == 1)
			ec[e] = bc[ed->src];
		else
			ec[e] = 0; /* not derivable with block probes */
	}
	free(nin);
	free(nout);
}

/* The flow solver's state: node V (= nblocks) is the virtual entry/exit. */
struct flow {
	const struct cov_mfunc *f;
	uint32_t nn, V;
	uint32_t *unknown;  /* per node: unknown edges still at it */
	uint32_t *queue;    /* nodes with one unknown edge left */
	uint32_t qh, qt;
	uint32_t *off, *inc; /* per node: its unknown edges (off[nn + 1] into inc) */
	int64_t *bal;       /* per node: known in - known out */
	uint8_t *known;     /* per edge */
	uint32_t left;      /* unknown edges */
};

static uint32_t flow_node(const struct flow *fl, int32_t b)
{
	return b < 0 ? fl->V : (uint32_t)b;
}

/* Probed edges are known and go into the balances; the others are listed per node. */
static int flow_init(struct flow *fl, const struct bpfgauge_seg_hdr *hdr, const void *probes,
		     uint64_t *ec)
{
	const struct cov_mfunc *f = fl->f;

	for (uint32_t e = 0; e < f->nedges; e++) {
		const struct cov_medge *ed = &f->edges[e];
		uint32_t s = flow_node(fl, ed->src), d = flow_node(fl, ed->dst);

		if (ed->probe >= 0) {
			ec[e] = probe_val(hdr, probes, ed->probe);
			fl->known[e] = 1;
			fl->bal[d] = sat_add_i64(fl->bal[d], (int64_t)ec[e]);
			fl->bal[s] = sat_add_i64(fl->bal[s], -(int64_t)ec[e]);
		} else if (s == d) {
			return -BPFGAUGE_EBADMAPPING; /* a self loop cannot be on a tree */
		} else {
			fl->unknown[s]++;
			fl->unknown[d]++;
			fl->off[s + 1]++;
			fl->off[d + 1]++;
			fl->left++;
		}
	}
	for (uint32_t n = 0; n < fl->nn; n++)
		fl->off[n + 1] += fl->off[n];
	for (uint32_t e = 0; e < f->nedges; e++) {
		if (fl->known[e])
			continue;
		fl->inc[fl->off[flow_node(fl, f->edges[e].src)]++] = e;
		fl->inc[fl->off[flow_node(fl, f->edges[e].dst)]++] = e;
	}
	memmove(fl->off + 1, fl->off, (size_t)fl->nn * sizeof(*fl->off));
	fl->off[0] = 0;
	for (uint32_t n = 0; n < fl->nn; n++)
		if (fl->unknown[n] == 1)
			fl->queue[fl->qt++] = n;
	return 0;
}

/*
 * Peel leaves: a node with one unknown edge left gets it from in == out.
 * Returns whether a value had to be clamped at 0 (inconsistent counters).
 */
static bool flow_peel(struct flow *fl, uint64_t *ec)
{
	const struct cov_mfunc *f = fl->f;
	bool clamped = false;

	while (fl->qh < fl->qt && fl->left) {
		uint32_t n = fl->queue[fl->qh++];

		if (fl->unknown[n] != 1)
			continue;
		for (uint32_t k = fl->off[n]; k < fl->off[n + 1]; k++) {
			uint32_t e = fl->inc[k], s, d, other;
			int64_t v;

			if (fl->known[e])
				continue;
			s = flow_node(fl, f->edges[e].src);
			d = flow_node(fl, f->edges[e].dst);
			/* in == out at n: an unknown in-edge is -bal, an out-edge is +bal */
			v = d == n ? (fl->bal[n] == INT64_MIN ? INT64_MAX : -fl->bal[n]) : fl->bal[n];
			if (v < 0) {
				v = 0;
				clamped = true;
			}
			ec[e] = (uint64_t)v;
			fl->known[e] = 1;
			fl->left--;
			fl->bal[d] = sat_add_i64(fl->bal[d], v);
			fl->bal[s] = sat_add_i64(fl->bal[s], -v);
			fl->unknown[s]--;
			fl->unknown[d]--;
			other = s == n ? d : s;
			if (fl->unknown[other] == 1) {
				assert(fl->qt < fl->nn * 2 + f->nedges + 1);
				fl->queue[fl->qt++] = other;
			}
			break;
		}
	}
	return clamped;
}

/*
 * counts mode: edges with probes are known; the rest form a spanning tree and
 * follow from in == out at every block and at the virtual node (index nblocks).
 * Each node keeps the list of its unknown edges, so solving is O(blocks +
 * edges). Sums saturate (see cov_sat_add()).
 */
static int func_counts_flow(const struct cov_mfunc *f, const struct bpfgauge_seg_hdr *hdr,
			    const void *probes, uint64_t *bc, uint64_t *ec, const char *oname)
{
	uint32_t nn = f->nblocks + 1;
	struct flow fl = {
		.f = f, .nn = nn, .V = f->nblocks,
		.unknown = calloc(nn, sizeof(uint32_t)),
		.queue = calloc((size_t)nn * 2 + f->nedges + 1, sizeof(uint32_t)),
		.off = calloc((size_t)nn + 1, sizeof(uint32_t)),
		.inc = malloc(((size_t)f->nedges * 2 + 1) * sizeof(uint32_t)),
		.bal = calloc(nn, sizeof(int64_t)),
		.known = calloc(f->nedges ? f->nedges : 1, 1),
	};
	bool clamped;
	int err;

	if (!fl.unknown || !fl.queue || !fl.bal || !fl.known || !fl.off || !fl.inc) {
		err = -ENOMEM;
		goto out;
	}
	err = flow_init(&fl, hdr, probes, ec);
	if (err)
		goto out;
	clamped = flow_peel(&fl, ec);
	if (fl.left) {
		pr_warn("cov: mapping of '%s' function %s: uninstrumented edges do not form a tree",
			oname, f->name);
		err = -BPFGAUGE_EBADMAPPING;
		goto out;
	}
	if (clamped)
		pr_warn("cov: '%s' function %s: counters are inconsistent (read while programs ran?)",
			oname, f->name);
	memset(bc, 0, f->nblocks * sizeof(*bc));
	for (uint32_t e = 0; e < f->nedges; e++)
		if (f->edges[e].dst >= 0)
			bc[f->edges[e].dst] = cov_sat_add(bc[f->edges[e].dst], ec[e]);
out:
	free(fl.unknown);
	free(fl.queue);
	free(fl.bal);
	free(fl.known);
	free(fl.off);
	free(fl.inc);
	return err;
}

/* ---- block and edge counts -> lines, functions, branches ---------------- */

struct lkey {
	uint32_t fid, line, inst;
	uint64_t max;
};

static int lkey_cmp(const void *a, const void *b)
{
	const struct lkey *x = a, *y = b;

	if (x->fid != y->fid)
		return x->fid < y->fid ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->inst != y->inst)
		return x->inst < y->inst ? -1 : 1;
	return 0;
}

struct site {
	int32_t fid, line, site;
	uint32_t ord; /* among the distinct sites of (fid, line) */
};

static int site_cmp(const void *a, const void *b)
{
	const struct site *x = a, *y = b;

	if (x->fid != y->fid)
		return x->fid < y->fid ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->site < y->site ? -1 : x->site > y->site;
}

/* The taken counts of select s: [0] true, [1] false; -1 if its block never ran. */
static void select_taken(const struct cov_module *mod, const struct cov_msel *s,
			 const struct bpfgauge_seg_hdr *hdr, const void *probes, const uint64_t *bc,
			 int64_t taken[2])
{
	uint64_t t, n = bc[s->block];

	if (!n) {
		taken[0] = taken[1] = -1;
		return;
	}
	if (mod->mode == BPFGAUGE_MODE_HITS) {
		taken[0] = probe_val(hdr, probes, s->probe + 1) != 0;
		taken[1] = probe_val(hdr, probes, s->probe) != 0;
		return;
	}
	t = probe_val(hdr, probes, s->probe);
	if (t > n) /* read while programs ran */
		t = n;
	taken[0] = t > INT64_MAX ? INT64_MAX : (int64_t)t;
	taken[1] = n - t > INT64_MAX ? INT64_MAX : (int64_t)(n - t);
}

/* Line counts: a line is as often as the most often run of its instances. */
static int func_lines(struct cov_model *m, const struct cov_module *mod,
		      const struct cov_mfunc *f, const uint64_t *bc)
{
	size_t nkeys = 0, total = 0;
	struct lkey *keys;
	struct mfile *mf;
	int err = 0;

	for (uint32_t b = 0; b < f->nblocks; b++)
		total += f->blocks[b].nlines;
	keys = malloc((total ? total : 1) * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (uint32_t b = 0; b < f->nblocks; b++)
		for (uint32_t i = 0; i < f->blocks[b].nlines; i++) {
			const struct cov_lineref *r = &f->blocks[b].lines[i];

			keys[nkeys++] = (struct lkey){ r->fid, r->line, r->inst, bc[b] };
		}
	qsort(keys, nkeys, sizeof(*keys), lkey_cmp);
	for (size_t i = 0; !err && i < nkeys;) {
		size_t j = i;
		uint64_t max = 0;

		for (; j < nkeys && !lkey_cmp(&keys[i], &keys[j]); j++)
			if (keys[j].max > max)
				max = keys[j].max;
		mf = model_file(m, mod->files[keys[i].fid]);
		err = !mf || add_line(mf, keys[i].line, max) ? -ENOMEM : 0;
		i = j;
	}
	free(keys);
	return err;
}

/* The function's entry count: its entry edges, or block 0 where it is probed. */
static int func_entry(struct cov_model *m, const struct cov_module *mod,
		      const struct cov_mfunc *f, const uint64_t *bc, const uint64_t *ec)
{
	uint64_t entry = 0;
	struct mfile *mf;

	for (uint32_t e = 0; e < f->nedges; e++)
		if (f->edges[e].src < 0 && f->edges[e].dst == 0)
			entry = cov_sat_add(entry, ec[e]);
	if (mod->mode == BPFGAUGE_MODE_HITS || f->blocks[0].probe >= 0)
		entry = bc[0];
	mf = model_file(m, mod->files[f->fid]);
	return !mf || add_func(mf, f->name, f->line, entry) ? -ENOMEM : 0;
}

/*
 * The branch sites of f (edges and selects), sorted, deduplicated and
 * numbered per line: a branch's block id is its site's ordinal among this
 * function's sites on that line (O(E log E), not O(E^2)). *n of them.
 */
static struct site *func_sites(const struct cov_mfunc *f, size_t *n)
{
	struct site *sites = malloc((f->nedges + f->nsels + 1) * sizeof(*sites));
	size_t nsites = 0, u = 0;

	if (!sites)
		return NULL;
	for (uint32_t e = 0; e < f->nedges; e++) {
		const struct cov_medge *ed = &f->edges[e];

		if (ed->br_site >= 0)
			sites[nsites++] = (struct site){ ed->br_fid, ed->br_line, ed->br_site, 0 };
	}
	for (uint32_t i = 0; i < f->nsels; i++)
		sites[nsites++] = (struct site){ f->sels[i].br_fid, f->sels[i].br_line,
						 f->sels[i].br_site, 0 };
	qsort(sites, nsites, sizeof(*sites), site_cmp);
	for (size_t i = 0; i < nsites; i++) {
		if (u && !site_cmp(&sites[u - 1], &sites[i]))
			continue;
		sites[u] = sites[i];
		sites[u].ord = u && sites[u - 1].fid == sites[i].fid &&
					sites[u - 1].line == sites[i].line ?
				       sites[u - 1].ord + 1 : 0;
		u++;
	}
	*n = u;
	return sites;
}

/* Branch counts: every branch edge, then both outcomes of every select. */
static int func_branches(struct cov_model *m, const struct cov_module *mod,
			 const struct cov_mfunc *f, const uint64_t *bc, const uint64_t *ec,
			 const struct bpfgauge_seg_hdr *hdr, const void *probes,
			 const struct site *sites, size_t nsites)
{
	struct mfile *mf;

	for (uint32_t e = 0; e < f->nedges; e++) {
		const struct cov_medge *ed = &f->edges[e];
		struct site key = { ed->br_fid, ed->br_line, ed->br_site, 0 };
		const struct site *hit;
		int64_t taken;

		if (ed->br_site < 0 || ed->src < 0)
			continue;
		hit = bsearch(&key, sites, nsites, sizeof(*sites), site_cmp);
		assert(hit);
		taken = bc[ed->src] ? (int64_t)cov_sat_add(ec[e], 0) : -1;
		mf = model_file(m, mod->files[ed->br_fid]);
		if (!mf || add_branch(mf, ed->br_line, hit->ord, ed->br_idx, taken))
			return -ENOMEM;
	}
	for (uint32_t i = 0; i < f->nsels; i++) {
		const struct cov_msel *sl = &f->sels[i];
		struct site key = { sl->br_fid, sl->br_line, sl->br_site, 0 };
		const struct site *hit = bsearch(&key, sites, nsites, sizeof(*sites), site_cmp);
		int64_t tk[2];

		assert(hit);
		select_taken(mod, sl, hdr, probes, bc, tk);
		mf = model_file(m, mod->files[sl->br_fid]);
		if (!mf || add_branch(mf, sl->br_line, hit->ord, 0, tk[0]) ||
		    add_branch(mf, sl->br_line, hit->ord, 1, tk[1]))
			return -ENOMEM;
	}
	return 0;
}

static int func_to_model(struct cov_model *m, const struct cov_module *mod,
			 const struct cov_mfunc *f, const uint64_t *bc, const uint64_t *ec,
			 const struct bpfgauge_seg_hdr *hdr, const void *probes)
{
	struct site *sites;
	size_t nsites = 0;
	int err;

	err = func_lines(m, mod, f, bc);
	if (!err)
		err = func_entry(m, mod, f, bc, ec);
	if (err)
		return err;
	sites = func_sites(f, &nsites);
	if (!sites)
		return -ENOMEM;
	err = func_branches(m, mod, f, bc, ec, hdr, probes, sites, nsites);
	free(sites);
	return err;
}

static int module_to_model(struct cov_model *m, const struct cov_module *mod,
			   const struct bpfgauge_seg_hdr *hdr, const void *probes, const char *oname)
{
	int err = 0;

	for (uint32_t i = 0; i < mod->nfuncs && !err; i++) {
		const struct cov_mfunc *f = &mod->funcs[i];
		uint64_t *bc = calloc(f->nblocks, sizeof(*bc));
		uint64_t *ec = calloc(f->nedges ? f->nedges : 1, sizeof(*ec));
		bool block_probes = false;

		if (!bc || !ec) {
			err = -ENOMEM;
		} else {
			for (uint32_t b = 0; b < f->nblocks; b++)
				block_probes |= f->blocks[b].probe >= 0;
			if (mod->mode == BPFGAUGE_MODE_HITS)
				err = func_counts_hits(f, hdr, probes, bc, ec);
			else if (block_probes)
				func_counts_blocks(f, hdr, probes, bc, ec);
			else
				err = func_counts_flow(f, hdr, probes, bc, ec, oname);
			if (!err)
				err = func_to_model(m, mod, f, bc, ec, hdr, probes);
		}
		free(bc);
		free(ec);
	}
	return err;
}

/*
 * Thin records (cov_abi.h): the probes of the optimised CFGs give their
 * block counts, and a source probe with copies is worth the sum (counts)
 * or the OR (hits) of its copies' blocks. *out gets the segment's probes
 * with those values in place, in the segment's layout; free() it.
 */
static int thin_probes(const struct cov_module *mod, const struct bpfgauge_seg_hdr *hdr,
		       const void *probes, const char *oname, void **out)
{
	size_t esz = hdr->mode == BPFGAUGE_MODE_COUNTS ? 8 : 1;
	uint64_t *acc = calloc(mod->nprobes ? mod->nprobes : 1, sizeof(*acc));
	uint8_t *has = calloc(mod->nprobes ? mod->nprobes : 1, 1);
	unsigned char *virt = malloc((size_t)mod->nprobes * esz + 1);
	int err = 0;

	if (!acc || !has || !virt) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(virt, probes, (size_t)mod->nprobes * esz);
	for (uint32_t i = 0; i < mod->nthins && !err; i++) {
		const struct cov_mthin *t = &mod->thins[i];
		uint64_t *bc = calloc(t->g.nblocks, sizeof(*bc));
		uint64_t *ec = calloc(t->g.nedges ? t->g.nedges : 1, sizeof(*ec));

		if (!bc || !ec)
			err = -ENOMEM;
		else if (mod->mode == BPFGAUGE_MODE_HITS)
			err = func_counts_hits(&t->g, hdr, probes, bc, ec);
		else
			err = func_counts_flow(&t->g, hdr, probes, bc, ec, oname);
		for (uint32_t k = 0; !err && k < t->ncopies; k++) {
			const struct cov_mcopy *cp = &t->copies[k];
			uint64_t v = bc[cp->block];

			assert(cp->slot < mod->nprobes && cp->block < t->g.nblocks);
			has[cp->slot] = 1;
			if (mod->mode == BPFGAUGE_MODE_HITS)
				acc[cp->slot] |= v != 0;
			else if (cp->mult && v > (UINT64_MAX - acc[cp->slot]) / cp->mult)
				acc[cp->slot] = UINT64_MAX; /* saturates */
			else
				acc[cp->slot] += v * cp->mult;
		}
		free(bc);
		free(ec);
	}
	for (uint32_t p = 0; !err && p < mod->nprobes; p++) {
		if (!has[p])
			continue;
		if (esz == 8)
			memcpy(virt + (size_t)p * 8, &acc[p], 8);
		else
			virt[p] = (unsigned char)acc[p];
	}
out:
	free(acc);
	free(has);
	if (err)
		free(virt);
	else
		*out = virt;
	return err;
}

struct add_ctx {
	const struct cov_mapping *map;
	struct cov_model *acc;
	size_t *unmatched;
};

static int add_segment(const struct bpfgauge_seg_hdr *hdr, const void *probes, void *ctx)
{
	struct add_ctx *a = ctx;
	const struct cov_module *mod = NULL;
	struct cov_model *tmp;
	int err;

	for (size_t i = 0; i < a->map->nmods; i++)
		if (a->map->mods[i].hash == hdr->hash)
			mod = &a->map->mods[i];
	if (!mod) {
		if (a->unmatched) {
			(*a->unmatched)++;
			return 0;
		}
		pr_warn("cov: counters with hash %016" PRIx64 " match no mapping in '%s' (stale or foreign object?)",
			hdr->hash, a->map->name);
		return -BPFGAUGE_ESTALE;
	}
	if (mod->nprobes != hdr->nprobes || mod->mode != hdr->mode) {
		pr_warn("cov: counters for '%s' (hash %016" PRIx64 ") have %u probes in mode %u, the mapping says %u in mode %u",
			a->map->name, hdr->hash, hdr->nprobes, hdr->mode, mod->nprobes, mod->mode);
		return -BPFGAUGE_ECOUNTERS;
	}
	tmp = cov_model__new(NULL);
	if (!tmp)
		return -ENOMEM;
	if (mod->nthins) {
		void *virt = NULL;

		err = thin_probes(mod, hdr, probes, a->map->name, &virt);
		if (!err)
			err = module_to_model(tmp, mod, hdr, virt, a->map->name);
		free(virt);
	} else {
		err = module_to_model(tmp, mod, hdr, probes, a->map->name);
	}
	if (!err && mod->mode == BPFGAUGE_MODE_HITS)
		model_clamp_hits(tmp);
	if (!err)
		err = cov_model__merge(a->acc, tmp);
	cov_model__free(tmp);
	return err;
}

int cov_model__add_counters(struct cov_model *model, const struct cov_mapping *map,
			    const void *value, size_t size, size_t *unmatched)
{
	struct add_ctx a = { map, cov_model__new(NULL), unmatched };
	size_t um0 = unmatched ? *unmatched : 0;
	int err;

	if (!a.acc)
		return bg_err(-ENOMEM);
	err = cov_segments_walk(value, size, add_segment, &a);
	if (err == -BPFGAUGE_ECOUNTERS && !a.acc->nfiles)
		pr_warn("cov: counter map for '%s' is malformed (%zu bytes, no valid segment)",
			map->name, size);
	if (!err)
		err = cov_model__merge(model, a.acc);
	else if (unmatched)
		*unmatched = um0;
	cov_model__free(a.acc);
	return bg_err(err);
}

/* ---- look-ups and views ------------------------------------------------ */

static bool path_matches(const char *path, const char *suffix)
{
	size_t lp = strlen(path), ls = strlen(suffix);

	if (ls > lp || strcmp(path + lp - ls, suffix))
		return false;
	return ls == lp || path[lp - ls - 1] == '/';
}

int cov_model__line(const struct cov_model *m, const char *file, uint32_t line, uint64_t *count)
{
	settle(m);
	for (size_t i = 0; i < m->nfiles; i++) {
		if (!path_matches(m->files[i].path, file))
			continue;
		for (size_t j = 0; j < m->files[i].nlines; j++)
			if (m->files[i].lines[j].line == line) {
				*count = m->files[i].lines[j].count;
				return 0;
			}
	}
	return -ENOENT;
}

int cov_model__func(const struct cov_model *m, const char *name, uint64_t *count)
{
	settle(m);
	for (size_t i = 0; i < m->nfiles; i++)
		for (size_t j = 0; j < m->files[i].nfuncs; j++)
			if (!strcmp(m->files[i].funcs[j].name, name)) {
				*count = m->files[i].funcs[j].count;
				return 0;
			}
	return -ENOENT;
}

int cov_model__branch(const struct cov_model *m, const char *file, uint32_t line,
		      uint32_t block, uint32_t branch, int64_t *taken)
{
	settle(m);
	for (size_t i = 0; i < m->nfiles; i++) {
		if (!path_matches(m->files[i].path, file))
			continue;
		for (size_t j = 0; j < m->files[i].nbrs; j++)
			if (!br_cmp(&m->files[i].brs[j], line, block, branch)) {
				*taken = m->files[i].brs[j].taken;
				return 0;
			}
	}
	return -ENOENT;
}

void cov_model__summary(const struct cov_model *m, struct cov_summary *s)
{
	settle(m);
	memset(s, 0, sizeof(*s));
	s->files = m->nfiles;
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct mfile *f = &m->files[i];

		s->lines_found += f->nlines;
		for (size_t j = 0; j < f->nlines; j++)
			s->lines_hit += f->lines[j].count > 0;
		s->funcs_found += f->nfuncs;
		for (size_t j = 0; j < f->nfuncs; j++)
			s->funcs_hit += f->funcs[j].count > 0;
		s->branches_found += f->nbrs;
		for (size_t j = 0; j < f->nbrs; j++)
			s->branches_hit += f->brs[j].taken > 0;
	}
}

size_t cov_model__file_cnt(const struct cov_model *m)
{
	settle(m);
	return m->nfiles;
}

int cov_model__file(const struct cov_model *m, size_t i, struct cov_file_view *v)
{
	settle(m);
	if (i >= m->nfiles)
		return bg_err(-ENOENT);
	v->path = m->files[i].path;
	v->lines = m->files[i].lines;
	v->nlines = m->files[i].nlines;
	v->funcs = m->files[i].funcs;
	v->nfuncs = m->files[i].nfuncs;
	v->branches = m->files[i].brs;
	v->nbranches = m->files[i].nbrs;
	return 0;
}

/* Used by the lcov reader: add records directly. */
int cov_model_add_line(struct cov_model *m, const char *path, uint32_t line, uint64_t count)
{
	struct mfile *f = model_file(m, path);

	return f ? add_line(f, line, count) : -ENOMEM;
}

int cov_model_add_func(struct cov_model *m, const char *path, const char *name, uint32_t line,
		       uint64_t count)
{
	struct mfile *f = model_file(m, path);

	return f ? add_func(f, name, line, count) : -ENOMEM;
}

int cov_model_add_branch(struct cov_model *m, const char *path, uint32_t line, uint32_t block,
			 uint32_t branch, int64_t taken)
{
	struct mfile *f = model_file(m, path);

	return f ? add_branch(f, line, block, branch, taken) : -ENOMEM;
}
