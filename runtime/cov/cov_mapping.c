/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reads the coverage mapping that the pass leaves in a BPF object (one text
 * record per instrumented module, see cov_abi.h), from its chunk symbols or
 * from the legacy section .bpfgauge.map, validates it and turns it into
 * struct cov_module.
 */
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfgauge_internal.h"
#include "cov_internal.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/* A line cursor over one record. */
struct cur {
	const char *p, *end;
	const char *name;
	int lineno;
	char line[8192];
};

static int next_line(struct cur *c)
{
	const char *nl;
	size_t n;

	if (c->p >= c->end)
		return 0;
	nl = memchr(c->p, '\n', c->end - c->p);
	n = (nl ? nl : c->end) - c->p;
	if (n >= sizeof(c->line))
		return -1;
	memcpy(c->line, c->p, n);
	c->line[n] = '\0';
	c->p = nl ? nl + 1 : c->end;
	c->lineno++;
	return 1;
}

static int bad(struct cur *c, const char *what)
{
	pr_warn("cov: malformed mapping in '%s' (record line %d): %s", c->name, c->lineno, what);
	return -BPFGAUGE_EBADMAPPING;
}

/* Parse an unsigned decimal token; advances *s past it and one space. */
static int tok_u32(const char **s, uint32_t *v)
{
	char *e;
	unsigned long long x;

	if (**s < '0' || **s > '9')
		return -1;
	x = strtoull(*s, &e, 10);
	if (x > UINT32_MAX || (*e && *e != ' ' && *e != ':'))
		return -1;
	*v = (uint32_t)x;
	*s = *e == ' ' ? e + 1 : e;
	return 0;
}

/* Like tok_u32 for a 64-bit value. */
static int tok_u64(const char **s, uint64_t *v)
{
	char *e;
	unsigned long long x;

	if (**s < '0' || **s > '9')
		return -1;
	errno = 0;
	x = strtoull(*s, &e, 10);
	if (errno || (*e && *e != ' '))
		return -1;
	*v = x;
	*s = *e == ' ' ? e + 1 : e;
	return 0;
}

/* An id or "-1" / "-" (returned as -1). */
static int tok_id(const char **s, int32_t *v, int allow_dash, int allow_minus1)
{
	uint32_t u;

	if (allow_dash && (*s)[0] == '-' && ((*s)[1] == ' ' || !(*s)[1])) {
		*v = -1;
		*s += (*s)[1] ? 2 : 1;
		return 0;
	}
	if (allow_minus1 && !strncmp(*s, "-1", 2) && ((*s)[2] == ' ' || !(*s)[2])) {
		*v = -1;
		*s += (*s)[2] ? 3 : 2;
		return 0;
	}
	if (tok_u32(s, &u) || u > INT32_MAX)
		return -1;
	*v = (int32_t)u;
	return 0;
}

static char *unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (*s == '%' && s[1] && s[2]) {
			char hex[3] = { s[1], s[2], 0 };
			char *e;
			long v = strtol(hex, &e, 16);

			/* a control character in a path would break lcov's line format */
			if (*e || v < 0x20 || v == 0x7f) {
				free(out);
				return NULL;
			}
			*o++ = (char)v;
			s += 2;
		} else if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			free(out);
			return NULL;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

void cov_module_release(struct cov_module *mod)
{
	if (!mod)
		return;
	for (uint32_t i = 0; i < mod->nfiles; i++)
		free(mod->files[i]);
	free(mod->files);
	for (uint32_t i = 0; i < mod->nfuncs; i++) {
		struct cov_mfunc *f = &mod->funcs[i];

		/* a record that failed to parse may have counts but no arrays */
		for (uint32_t b = 0; f->blocks && b < f->nblocks; b++)
			free(f->blocks[b].lines);
		free(f->blocks);
		free(f->edges);
		free(f->sels);
		free(f->name);
	}
	free(mod->funcs);
	for (uint32_t i = 0; i < mod->nthins; i++) {
		struct cov_mthin *t = &mod->thins[i];

		for (uint32_t b = 0; t->g.blocks && b < t->g.nblocks; b++)
			free(t->g.blocks[b].lines);
		free(t->g.blocks);
		free(t->g.edges);
		free(t->g.sels);
		free(t->g.name);
		free(t->copies);
	}
	free(mod->thins);
	free(mod->producer);
	memset(mod, 0, sizeof(*mod));
}

static int parse_block(struct cur *c, const struct cov_module *mod, struct cov_mfunc *f,
		       uint32_t expect)
{
	const char *s = c->line + 2;
	struct cov_mblock *b = &f->blocks[expect];
	uint32_t bid, cap = 0;

	if (tok_u32(&s, &bid) || bid != expect)
		return bad(c, "block ids must be 0..nblocks-1 in order");
	b->from_preds = false;
	if (s[0] == '<' && (s[1] == ' ' || !s[1])) {
		if (mod->mode != BPFGAUGE_MODE_HITS)
			return bad(c, "'<' (derived from predecessors) outside hits mode");
		b->from_preds = true;
		b->probe = -1;
		s += s[1] ? 2 : 1;
	} else if (tok_id(&s, &b->probe, 1, 0)) {
		return bad(c, "bad block probe");
	}
	if (b->probe >= 0 && (uint32_t)b->probe >= mod->nprobes)
		return bad(c, "block probe index out of range");
	while (*s) {
		struct cov_lineref r;

		if (tok_u32(&s, &r.fid) || *s != ':')
			return bad(c, "bad line triple");
		s++;
		if (tok_u32(&s, &r.line) || *s != ':')
			return bad(c, "bad line triple");
		s++;
		if (tok_u32(&s, &r.inst))
			return bad(c, "bad line triple");
		if (r.fid >= mod->nfiles)
			return bad(c, "line triple names an unknown file id");
		if (b->nlines == cap) {
			void *n = realloc(b->lines, (cap = cap ? cap * 2 : 4) * sizeof(r));

			if (!n)
				return -ENOMEM;
			b->lines = n;
		}
		b->lines[b->nlines++] = r;
	}
	return 0;
}

static int parse_edge(struct cur *c, const struct cov_module *mod, struct cov_mfunc *f,
		      struct cov_medge *e)
{
	const char *s = c->line + 2;
	uint32_t fid, line, site, idx;

	if (tok_id(&s, &e->src, 0, 1) || tok_id(&s, &e->dst, 0, 1))
		return bad(c, "bad edge endpoints");
	if ((e->src >= 0 && (uint32_t)e->src >= f->nblocks) ||
	    (e->dst >= 0 && (uint32_t)e->dst >= f->nblocks) || (e->src < 0 && e->dst < 0))
		return bad(c, "edge endpoint out of range");
	if (tok_id(&s, &e->probe, 1, 0))
		return bad(c, "bad edge probe");
	if (e->probe >= 0 && (uint32_t)e->probe >= mod->nprobes)
		return bad(c, "edge probe index out of range");
	e->br_site = -1;
	if (!strcmp(s, "-"))
		return 0;
	if (tok_u32(&s, &fid) || *s++ != ':' || tok_u32(&s, &line) || *s++ != ':' ||
	    tok_u32(&s, &site) || *s++ != ':' || tok_u32(&s, &idx) || *s)
		return bad(c, "bad branch label");
	if (fid >= mod->nfiles || site > INT32_MAX || idx > INT32_MAX || line > INT32_MAX)
		return bad(c, "branch label out of range");
	e->br_fid = fid;
	e->br_line = line;
	e->br_site = site;
	e->br_idx = idx;
	return 0;
}

static int parse_select(struct cur *c, const struct cov_module *mod, struct cov_mfunc *f,
			struct cov_msel *sl)
{
	const char *s = c->line + 2;
	uint32_t fid, line, site;
	int32_t last;

	if (tok_u32(&s, &sl->block) || sl->block >= f->nblocks)
		return bad(c, "bad select block");
	if (tok_id(&s, &sl->probe, 0, 0))
		return bad(c, "bad select probe");
	/* hits mode uses the probe and the next one */
	last = sl->probe + (mod->mode == BPFGAUGE_MODE_HITS ? 1 : 0);
	if (last < sl->probe || (uint32_t)last >= mod->nprobes)
		return bad(c, "select probe index out of range");
	if (tok_u32(&s, &fid) || *s++ != ':' || tok_u32(&s, &line) || *s++ != ':' ||
	    tok_u32(&s, &site) || *s)
		return bad(c, "bad select branch label");
	if (fid >= mod->nfiles || site > INT32_MAX || line > INT32_MAX)
		return bad(c, "select branch label out of range");
	sl->br_fid = fid;
	sl->br_line = line;
	sl->br_site = site;
	return 0;
}

/*
 * The lines that follow a func or thin record: sub-records of a few kinds
 * (tag letter + space), each kind declared with a count in the record.
 * One table per record drives the loop.
 */
struct subrec {
	char tag;
	uint32_t want, got;
	/* read sub-record number i of this kind into rec (a func or a thin) */
	int (*parse)(struct cur *c, struct cov_module *mod, void *rec, uint32_t i);
	/* the complaint about one more than declared; NULL: it is an unexpected record */
	const char *too_many;
};

static int parse_subrecs(struct cur *c, struct cov_module *mod, void *rec, struct subrec *k,
			 size_t nk, const char *eof_msg, const char *other_msg)
{
	for (;;) {
		bool more = false;
		size_t i;
		int err;

		for (i = 0; i < nk; i++)
			more |= k[i].got < k[i].want;
		if (!more)
			return 0;
		if (next_line(c) <= 0)
			return bad(c, eof_msg);
		for (i = 0; i < nk; i++)
			if (c->line[0] == k[i].tag && c->line[1] == ' ' &&
			    (k[i].too_many || k[i].got < k[i].want))
				break;
		if (i == nk)
			return bad(c, other_msg);
		if (k[i].got >= k[i].want)
			return bad(c, k[i].too_many);
		err = k[i].parse(c, mod, rec, k[i].got++);
		if (err)
			return err;
	}
}

/* The name that opens a func or thin record ("func NAME ...", "thin NAME ..."). */
static int take_name(struct cur *c, const char **s, char **name, const char *what)
{
	const char *sp = strchr(*s, ' ');

	if (!sp || sp == *s)
		return bad(c, what);
	*name = strndup(*s, sp - *s);
	if (!*name)
		return -ENOMEM;
	*s = sp + 1;
	return 0;
}

/* The block and edge arrays of a CFG of nblocks (>0) and nedges; counts are set with them. */
static int cfg_alloc(struct cov_mfunc *f, uint32_t nblocks, uint32_t nedges)
{
	f->blocks = calloc(nblocks, sizeof(*f->blocks));
	f->edges = calloc(nedges ? nedges : 1, sizeof(*f->edges));
	if (!f->blocks || !f->edges)
		return -ENOMEM;
	f->nblocks = nblocks;
	f->nedges = nedges;
	return 0;
}

static int func_block(struct cur *c, struct cov_module *mod, void *rec, uint32_t i)
{
	return parse_block(c, mod, rec, i);
}

static int func_edge(struct cur *c, struct cov_module *mod, void *rec, uint32_t i)
{
	struct cov_mfunc *f = rec;

	return parse_edge(c, mod, f, &f->edges[i]);
}

static int func_select(struct cur *c, struct cov_module *mod, void *rec, uint32_t i)
{
	struct cov_mfunc *f = rec;

	return parse_select(c, mod, f, &f->sels[i]);
}

static int parse_func(struct cur *c, struct cov_module *mod, struct cov_mfunc *f)
{
	const char *s = c->line + 5;
	uint32_t nblocks, nedges, nsels = 0;
	int err = take_name(c, &s, &f->name, "bad func record");

	if (err)
		return err;
	/* the name goes into lcov FN/FNDA records: no commas, no control bytes */
	if (f->name[0] >= '0' && f->name[0] <= '9')
		return bad(c, "function name starts with a digit");
	for (const char *p = f->name; *p; p++)
		if (*p == ',' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return bad(c, "bad character in function name");
	/* counts go into f only once the arrays they describe exist */
	if (tok_u32(&s, &f->fid) || tok_u32(&s, &f->line) || tok_u32(&s, &nblocks) ||
	    tok_u32(&s, &nedges))
		return bad(c, "bad func record");
	if (*s && (mod->version < 3 || tok_u32(&s, &nsels) || *s))
		return bad(c, "bad func record");
	if (f->fid >= mod->nfiles)
		return bad(c, "func names an unknown file id");
	if (nblocks == 0 || nblocks > COV_MAX_BLOCKS || nedges > COV_MAX_EDGES ||
	    nsels > COV_MAX_BLOCKS)
		return bad(c, "implausible block, edge or select count");
	f->sels = calloc(nsels ? nsels : 1, sizeof(*f->sels));
	if (!f->sels || cfg_alloc(f, nblocks, nedges))
		return -ENOMEM;
	f->nsels = nsels;
	return parse_subrecs(c, mod, f, (struct subrec[]){
		{ 'b', nblocks, 0, func_block, "more blocks than declared" },
		{ 'e', nedges, 0, func_edge, "more edges than declared" },
		{ 's', nsels, 0, func_select, "more selects than declared" },
	}, 3, "record ends inside a function", "expected a b, e or s record");
}

static int thin_block(struct cur *c, struct cov_module *mod, void *rec, uint32_t i)
{
	struct cov_mthin *t = rec;
	int err = parse_block(c, mod, &t->g, i);

	return !err && t->g.blocks[i].nlines ? bad(c, "a thin block carries no lines") : err;
}

static int thin_edge(struct cur *c, struct cov_module *mod, void *rec, uint32_t i)
{
	struct cov_mthin *t = rec;
	int err = parse_edge(c, mod, &t->g, &t->g.edges[i]);

	return !err && t->g.edges[i].br_site >= 0 ? bad(c, "a thin edge carries no branch label")
						   : err;
}

static int thin_copy(struct cur *c, struct cov_module *mod, void *rec, uint32_t i)
{
	struct cov_mthin *t = rec;
	struct cov_mcopy *cp = &t->copies[i];
	const char *q = c->line + 2;

	if (tok_u32(&q, &cp->block) || tok_u32(&q, &cp->slot) || tok_u64(&q, &cp->mult) || *q ||
	    cp->block >= t->g.nblocks || cp->slot >= mod->nprobes)
		return bad(c, "bad copy record");
	return 0;
}

static int parse_thin(struct cur *c, struct cov_module *mod, struct cov_mthin *t)
{
	const char *s = c->line + 5;
	struct cov_mfunc *f = &t->g;
	uint32_t nblocks, nedges, ncopies;
	int err = take_name(c, &s, &f->name, "bad thin record");

	if (err)
		return err;
	/* counts go into t only once the arrays they describe exist */
	if (tok_u32(&s, &nblocks) || tok_u32(&s, &nedges) || tok_u32(&s, &ncopies) || *s)
		return bad(c, "bad thin record");
	if (nblocks == 0 || nblocks > COV_MAX_BLOCKS || nedges > COV_MAX_EDGES ||
	    ncopies > COV_MAX_EDGES)
		return bad(c, "implausible block, edge or copy count");
	t->copies = calloc(ncopies ? ncopies : 1, sizeof(*t->copies));
	if (!t->copies || cfg_alloc(f, nblocks, nedges))
		return -ENOMEM;
	t->ncopies = ncopies;
	return parse_subrecs(c, mod, t, (struct subrec[]){
		{ 'b', nblocks, 0, thin_block, NULL },
		{ 'e', nedges, 0, thin_edge, NULL },
		{ 'c', ncopies, 0, thin_copy, NULL },
	}, 3, "record ends inside a thin function",
	   "expected a b, e or c record of the declared counts");
}

/* "bpfgauge-map V" and "hash H": the format version and the body's hash. */
static int parse_header(struct cur *c, struct cov_module *mod)
{
	const char *s;
	uint64_t hash = 0;

	if (next_line(c) <= 0 || strncmp(c->line, "bpfgauge-map ", 13))
		return bad(c, "missing 'bpfgauge-map' header");
	s = c->line + 13;
	if (tok_u32(&s, &mod->version) || *s)
		return bad(c, "bad format version");
	if (mod->version < BPFGAUGE_ABI_VERSION_MIN || mod->version > BPFGAUGE_ABI_VERSION) {
		pr_warn("cov: mapping in '%s' has format version %u, this bpfgauge reads %d to %d",
			c->name, mod->version, BPFGAUGE_ABI_VERSION_MIN, BPFGAUGE_ABI_VERSION);
		return -BPFGAUGE_EBADMAPPING;
	}
	if (next_line(c) <= 0 || sscanf(c->line, "hash %16" SCNx64, &hash) != 1 ||
	    strlen(c->line) != 21)
		return bad(c, "bad hash line");
	mod->hash = hash;
	return 0;
}

/* arr (n elements of size elem, room for *cap) with room for one more; NULL if out of memory. */
static void *grow(void *arr, uint32_t n, uint32_t *cap, size_t elem)
{
	void *m;

	if (n < *cap)
		return arr;
	m = realloc(arr, (*cap ? 2 * (size_t)*cap : 8) * elem);
	if (m)
		*cap = *cap ? 2 * *cap : 8;
	return m;
}

/* "file ID PATH": ids 0.. in order, the path %XX-escaped. */
static int parse_file(struct cur *c, struct cov_module *mod, uint32_t *cap)
{
	const char *s = c->line + 5;
	uint32_t fid;
	void *n;

	if (tok_u32(&s, &fid) || fid != mod->nfiles || !*s)
		return bad(c, "file ids must be 0.. in order");
	n = grow(mod->files, mod->nfiles, cap, sizeof(char *));
	if (!n)
		return -ENOMEM;
	mod->files = n;
	mod->files[mod->nfiles] = unescape(s);
	if (!mod->files[mod->nfiles])
		return bad(c, "bad %XX escape or control character in path");
	mod->nfiles++;
	return 0;
}

/* A func (thin: a thin) record: its place at the end of the module's array, then its lines. */
static int add_cfg_record(struct cur *c, struct cov_module *mod, bool thin, uint32_t *cap)
{
	void *n;

	if (!mod->mode)
		return bad(c, thin ? "thin before mode" : "func before mode");
	n = thin ? grow(mod->thins, mod->nthins, cap, sizeof(*mod->thins))
		 : grow(mod->funcs, mod->nfuncs, cap, sizeof(*mod->funcs));
	if (!n)
		return -ENOMEM;
	if (thin) {
		mod->thins = n;
		memset(&mod->thins[mod->nthins], 0, sizeof(*mod->thins));
		return parse_thin(c, mod, &mod->thins[mod->nthins++]);
	}
	mod->funcs = n;
	memset(&mod->funcs[mod->nfuncs], 0, sizeof(*mod->funcs));
	return parse_func(c, mod, &mod->funcs[mod->nfuncs++]);
}

struct body_caps {
	uint32_t files, funcs, thins;
};

/* One record of the body (after the hash line, before "end"). */
static int parse_body_record(struct cur *c, struct cov_module *mod, struct body_caps *caps)
{
	const char *l = c->line, *s;

	if (!strncmp(l, "mode ", 5)) {
		if (!strcmp(l + 5, "hits"))
			mod->mode = BPFGAUGE_MODE_HITS;
		else if (!strcmp(l + 5, "counts"))
			mod->mode = BPFGAUGE_MODE_COUNTS;
		else
			return bad(c, "unknown mode");
	} else if (!strncmp(l, "probes ", 7)) {
		s = l + 7;
		if (tok_u32(&s, &mod->nprobes) || *s)
			return bad(c, "bad probes line");
	} else if (!strncmp(l, "producer ", 9)) {
		free(mod->producer);
		mod->producer = strdup(l + 9);
	} else if (!strncmp(l, "file ", 5)) {
		return parse_file(c, mod, &caps->files);
	} else if (!strncmp(l, "func ", 5)) {
		return add_cfg_record(c, mod, false, &caps->funcs);
	} else if (!strncmp(l, "thin ", 5) && mod->version >= 3) {
		return add_cfg_record(c, mod, true, &caps->thins);
	} else {
		return bad(c, "unknown record");
	}
	return 0;
}

int cov_module_parse(const char *text, size_t len, const char *name, struct cov_module *mod)
{
	struct cur *c = calloc(1, sizeof(*c));
	struct body_caps caps = { 0 };
	const char *body;
	int err, r;

	memset(mod, 0, sizeof(*mod));
	if (!c)
		return -ENOMEM;
	c->p = text;
	c->end = text + len;
	c->name = name;
	err = parse_header(c, mod);
	if (err)
		goto out;
	body = c->p;
	while ((r = next_line(c)) > 0 && strcmp(c->line, "end")) {
		err = parse_body_record(c, mod, &caps);
		if (err)
			goto out;
	}
	if (r <= 0)
		err = r < 0 ? bad(c, "line too long") : bad(c, "missing 'end' (truncated record?)");
	else if (!mod->mode)
		err = bad(c, "missing mode");
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION /* mutations never match a hash */
	else if (bpfgauge_fnv1a(BPFGAUGE_FNV_OFFSET, body, c->p - body) != mod->hash) {
		pr_warn("cov: mapping in '%s' does not match its hash %016" PRIx64 " (corrupted?)",
			name, mod->hash);
		err = -BPFGAUGE_EBADMAPPING;
	}
#endif
out:
	if (err)
		cov_module_release(mod);
	free(c);
	return err;
}

/* Appends mod to m (taking it over; released on failure). */
static int mapping_add_module(struct cov_mapping *m, struct cov_module *mod)
{
	void *n = realloc(m->mods, (m->nmods + 1) * sizeof(*m->mods));

	if (!n) {
		cov_module_release(mod);
		return -ENOMEM;
	}
	m->mods = n;
	m->mods[m->nmods++] = *mod;
	return 0;
}

static int mapping_add_section(struct cov_mapping *m, const char *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		const char *rec = data + off;
		const char *nul;
		struct cov_module mod;
		int err;

		if (*rec == '\0') { /* padding between linked records */
			off++;
			continue;
		}
		nul = memchr(rec, '\0', size - off);
		if (!nul) {
			pr_warn("cov: mapping in '%s' is not NUL-terminated (truncated?)", m->name);
			return -BPFGAUGE_EBADMAPPING;
		}
		err = cov_module_parse(rec, nul - rec, m->name, &mod);
		if (!err)
			err = mapping_add_module(m, &mod);
		if (err)
			return err;
		off = nul - data + 1;
	}
	return 0;
}

/* One chunk symbol (cov_abi.h): its record's hash, place and payload. */
struct chunk {
	uint64_t hash;
	uint32_t idx, n;
	const char *payload; /* in the ELF's string table, NUL-terminated */
};

static int chunk_cmp(const void *a, const void *b)
{
	const struct chunk *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return strcmp(x->payload, y->payload);
}

/* Parses "<hash>.<i>.<n>.<payload>" (the name after the prefix); -1 if bad. */
static int chunk_parse(const char *s, struct chunk *c)
{
	char *e;
	unsigned long long v;

	for (int i = 0; i < 16; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	if (s[16] != '.')
		return -1;
	c->hash = strtoull(s, NULL, 16);
	s += 17;
	for (int k = 0; k < 2; k++) {
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		v = strtoull(s, &e, 10);
		if (errno || v > UINT32_MAX || *e != '.')
			return -1;
		*(k ? &c->n : &c->idx) = (uint32_t)v;
		s = e + 1;
	}
	if (c->idx >= c->n)
		return -1;
	c->payload = s;
	return 0;
}

/* Appends the decoded payload to out (which has room); -1 on a bad escape. */
static int chunk_decode(const char *p, char *out, size_t *len)
{
	for (; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '+') {
			out[(*len)++] = ' ';
		} else if (ch == '|') {
			out[(*len)++] = '\n';
		} else if (ch == '%') {
			int v = 0;

			for (int k = 1; k <= 2; k++) {
				char h = p[k];

				v <<= 4;
				if (h >= '0' && h <= '9')
					v |= h - '0';
				else if (h >= 'A' && h <= 'F')
					v |= h - 'A' + 10;
				else
					return -1;
			}
			if (!v) /* a NUL would end the record early */
				return -1;
			out[(*len)++] = (char)v;
			p += 2;
		} else if (ch < 0x21 || ch > 0x7e) {
			return -1;
		} else {
			out[(*len)++] = (char)ch;
		}
	}
	return 0;
}

/* A growing array of chunks. */
struct chunks {
	struct chunk *v;
	size_t n, cap;
};

/*
 * Collects the chunk symbols (SHN_ABS, name prefix BPFGAUGE_MAPPING_SYM_PREFIX)
 * of every symbol table into cs; the payloads point into the ELF.
 */
static int chunks_collect(Elf *elf, struct cov_mapping *m, size_t fsize, struct chunks *cs)
{
	const size_t plen = sizeof(BPFGAUGE_MAPPING_SYM_PREFIX) - 1;
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		if (sh.sh_offset > fsize || sh.sh_size > fsize - sh.sh_offset) {
			pr_warn("cov: '%s' is truncated (its symbol table ends past its %zu bytes)",
				m->name, fsize);
			return -BPFGAUGE_ENOTBPF;
		}
		d = elf_getdata(scn, NULL);
		for (size_t i = 1; d && i < d->d_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;
			struct chunk c;

			if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx != SHN_ABS)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || strncmp(name, BPFGAUGE_MAPPING_SYM_PREFIX, plen))
				continue;
			if (chunk_parse(name + plen, &c) || sym.st_value != (uint64_t)c.idx + 1) {
				pr_warn("cov: malformed mapping in '%s': bad chunk symbol '%.60s...'",
					m->name, name);
				return -BPFGAUGE_EBADMAPPING;
			}
			if (cs->n == cs->cap) {
				size_t cap = cs->cap ? 2 * cs->cap : 64;
				void *n = realloc(cs->v, cap * sizeof(*cs->v));

				if (!n)
					return -ENOMEM;
				cs->v = n;
				cs->cap = cap;
			}
			cs->v[cs->n++] = c;
		}
	}
	return 0;
}

/*
 * Decodes the sorted chunks ch[0..n) of one record into text (room for all
 * payloads) and parses it into mod. An exact duplicate (the same chunk
 * twice) adds nothing; a missing, doubled or foreign chunk, a bad escape, or
 * a record whose hash differs from its symbols' is malformed.
 */
static int chunks_record(const struct chunk *ch, size_t n, char *text, const char *name,
			 struct cov_module *mod)
{
	size_t len = 0;
	uint32_t want = 0;
	int err;

	for (size_t k = 0; k < n; k++) {
		if (k && ch[k].idx == ch[k - 1].idx && !strcmp(ch[k].payload, ch[k - 1].payload))
			continue;
		if (ch[k].n != ch[0].n || ch[k].idx != want) {
			pr_warn("cov: malformed mapping in '%s': record %016" PRIx64
				" has a missing, doubled or foreign chunk (%u of %u)",
				name, ch[0].hash, ch[k].idx, ch[k].n);
			return -BPFGAUGE_EBADMAPPING;
		}
		if (chunk_decode(ch[k].payload, text, &len)) {
			pr_warn("cov: malformed mapping in '%s': record %016" PRIx64
				" chunk %u has a bad escape",
				name, ch[0].hash, ch[k].idx);
			return -BPFGAUGE_EBADMAPPING;
		}
		want++;
	}
	if (want != ch[0].n) {
		pr_warn("cov: malformed mapping in '%s': record %016" PRIx64
			" has %u of its %u chunks (truncated?)",
			name, ch[0].hash, want, ch[0].n);
		return -BPFGAUGE_EBADMAPPING;
	}
	err = cov_module_parse(text, len, name, mod);
	if (err)
		return err;
	if (mod->hash != ch[0].hash) {
		pr_warn("cov: malformed mapping in '%s': record %016" PRIx64
			" is held by symbols of %016" PRIx64,
			name, mod->hash, ch[0].hash);
		cov_module_release(mod);
		return -BPFGAUGE_EBADMAPPING;
	}
	return 0;
}

/* Adds the records held in chunk symbols (cov_abi.h) to m. */
static int mapping_add_symbols(Elf *elf, struct cov_mapping *m)
{
	struct chunks cs = {0};
	size_t fsize = 0;
	char *text = NULL;
	int err;

	elf_rawfile(elf, &fsize);
	err = chunks_collect(elf, m, fsize, &cs);
	if (err || !cs.n)
		goto out;
	qsort(cs.v, cs.n, sizeof(*cs.v), chunk_cmp);
	for (size_t i = 0, j; i < cs.n; i = j) {
		size_t room = 0;
		struct cov_module mod;

		for (j = i; j < cs.n && cs.v[j].hash == cs.v[i].hash; j++)
			room += strlen(cs.v[j].payload);
		free(text);
		text = malloc(room + 1);
		if (!text) {
			err = -ENOMEM;
			goto out;
		}
		err = chunks_record(cs.v + i, j - i, text, m->name, &mod);
		if (!err)
			err = mapping_add_module(m, &mod);
		if (err)
			goto out;
	}
out:
	free(text);
	free(cs.v);
	return err;
}

static int mapping_from_elf(Elf *elf, struct cov_mapping *m)
{
	GElf_Ehdr ehdr;
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	bool found = false;
	int err;

	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &ehdr)) {
		pr_warn("cov: '%s' is not an ELF file", m->name);
		return -BPFGAUGE_ENOTBPF;
	}
	if (ehdr.e_machine != EM_BPF) {
		pr_warn("cov: '%s' is an ELF file but not a BPF object (e_machine %u)", m->name,
			ehdr.e_machine);
		return -BPFGAUGE_ENOTBPF;
	}
	{
		/* a cut-off file must not pass for an object built without the pass */
		size_t fsize = 0;

		elf_rawfile(elf, &fsize);
		if (ehdr.e_shoff > fsize ||
		    (uint64_t)ehdr.e_shnum * ehdr.e_shentsize > fsize - ehdr.e_shoff) {
			pr_warn("cov: '%s' is truncated (%zu bytes, its section headers end past that)",
				m->name, fsize);
			return -BPFGAUGE_ENOTBPF;
		}
	}
	if (elf_getshdrstrndx(elf, &shstrndx)) {
		pr_warn("cov: '%s': cannot read section names: %s", m->name, elf_errmsg(-1));
		return -BPFGAUGE_ENOTBPF;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *sname;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			continue;
		sname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!sname || strcmp(sname, BPFGAUGE_MAPPING_SEC))
			continue;
		d = elf_getdata(scn, NULL);
		if (sh.sh_type != SHT_NOBITS) {
			size_t fsize = 0;

			elf_rawfile(elf, &fsize);
			if (sh.sh_offset > fsize || sh.sh_size > fsize - sh.sh_offset) {
				pr_warn("cov: '%s' is truncated (section %s ends past its %zu bytes)",
					m->name, BPFGAUGE_MAPPING_SEC, fsize);
				return -BPFGAUGE_ENOTBPF;
			}
		}
		if (!d || !d->d_buf || sh.sh_type == SHT_NOBITS) {
			pr_warn("cov: '%s': section %s is empty", m->name, BPFGAUGE_MAPPING_SEC);
			return -BPFGAUGE_EBADMAPPING;
		}
		err = mapping_add_section(m, d->d_buf, d->d_size);
		if (err)
			return err;
		found = true;
	}
	/* the chunk symbols; an object linked from old and new ones has both */
	err = mapping_add_symbols(elf, m);
	if (err)
		return err;
	if (!m->nmods) {
		if (found)
			pr_warn("cov: failed to read mapping from '%s': section %s holds no record",
				m->name, BPFGAUGE_MAPPING_SEC);
		else
			pr_warn("cov: failed to read mapping from '%s': no mapping symbols (%s*) or section %s (was it built with the bpfgauge pass? stripped beyond llvm-strip -g?)",
				m->name, BPFGAUGE_MAPPING_SYM_PREFIX, BPFGAUGE_MAPPING_SEC);
		return -BPFGAUGE_ENOMAPPING;
	}
	return 0;
}

static struct cov_mapping *mapping_new(const char *name)
{
	struct cov_mapping *m = calloc(1, sizeof(*m));

	if (m && !(m->name = strdup(name ? name : "(memory)"))) {
		free(m);
		m = NULL;
	}
	return m;
}

int cov_mapping__from_mem(const void *buf, size_t size, const char *name,
			  struct cov_mapping **out)
{
	struct cov_mapping *m;
	Elf *elf;
	int err;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return bg_err(-ENOSYS);
	m = mapping_new(name);
	if (!m)
		return bg_err(-ENOMEM);
	elf = elf_memory((char *)buf, size);
	if (!elf) {
		pr_warn("cov: '%s' is not an ELF file", m->name);
		cov_mapping__free(m);
		return bg_err(-BPFGAUGE_ENOTBPF);
	}
	err = mapping_from_elf(elf, m);
	elf_end(elf);
	if (err) {
		cov_mapping__free(m);
		return bg_err(err);
	}
	*out = m;
	return 0;
}

int cov_mapping__from_file(const char *path, struct cov_mapping **out)
{
	struct cov_mapping *m;
	Elf *elf;
	int fd, err;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return bg_err(-ENOSYS);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_warn("cov: cannot open '%s': %s", path, bpfgauge_strerror(err));
		return bg_err(err);
	}
	m = mapping_new(path);
	if (!m) {
		close(fd);
		return bg_err(-ENOMEM);
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		pr_warn("cov: '%s' is not an ELF file", path);
		err = -BPFGAUGE_ENOTBPF;
	} else {
		err = mapping_from_elf(elf, m);
		elf_end(elf);
	}
	close(fd);
	if (err) {
		cov_mapping__free(m);
		return bg_err(err);
	}
	*out = m;
	return 0;
}

static int module_copy(struct cov_module *dst, const struct cov_module *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->version = src->version;
	dst->hash = src->hash;
	dst->nthins = 0;
	dst->mode = src->mode;
	dst->nprobes = src->nprobes;
	dst->producer = src->producer ? strdup(src->producer) : NULL;
	dst->files = calloc(src->nfiles ? src->nfiles : 1, sizeof(char *));
	dst->funcs = calloc(src->nfuncs ? src->nfuncs : 1, sizeof(*dst->funcs));
	if (!dst->files || !dst->funcs)
		goto nomem;
	for (; dst->nfiles < src->nfiles; dst->nfiles++)
		if (!(dst->files[dst->nfiles] = strdup(src->files[dst->nfiles])))
			goto nomem;
	for (; dst->nfuncs < src->nfuncs; dst->nfuncs++) {
		const struct cov_mfunc *sf = &src->funcs[dst->nfuncs];
		struct cov_mfunc *df = &dst->funcs[dst->nfuncs];

		*df = *sf;
		df->name = strdup(sf->name);
		df->blocks = calloc(sf->nblocks, sizeof(*df->blocks));
		df->edges = malloc((sf->nedges ? sf->nedges : 1) * sizeof(*df->edges));
		df->sels = malloc((sf->nsels ? sf->nsels : 1) * sizeof(*df->sels));
		if (!df->name || !df->blocks || !df->edges || !df->sels) {
			dst->nfuncs++;
			goto nomem;
		}
		memcpy(df->edges, sf->edges, sf->nedges * sizeof(*df->edges));
		memcpy(df->sels, sf->sels, sf->nsels * sizeof(*df->sels));
		for (uint32_t b = 0; b < sf->nblocks; b++) {
			df->blocks[b] = sf->blocks[b];
			df->blocks[b].lines = NULL;
			if (sf->blocks[b].nlines) {
				df->blocks[b].lines = malloc(sf->blocks[b].nlines * sizeof(struct cov_lineref));
				if (!df->blocks[b].lines) {
					df->blocks[b].nlines = 0;
					dst->nfuncs++;
					goto nomem;
				}
				memcpy(df->blocks[b].lines, sf->blocks[b].lines,
				       sf->blocks[b].nlines * sizeof(struct cov_lineref));
			}
		}
	}
	dst->thins = calloc(src->nthins ? src->nthins : 1, sizeof(*dst->thins));
	if (!dst->thins)
		goto nomem;
	for (; dst->nthins < src->nthins; dst->nthins++) {
		const struct cov_mthin *st = &src->thins[dst->nthins];
		struct cov_mthin *dt = &dst->thins[dst->nthins];

		/* thin blocks carry no lines, so the block array copies flat */
		dt->ncopies = st->ncopies;
		dt->g = st->g;
		dt->g.name = strdup(st->g.name);
		dt->g.blocks = malloc(st->g.nblocks * sizeof(*dt->g.blocks));
		dt->g.edges = malloc((st->g.nedges ? st->g.nedges : 1) * sizeof(*dt->g.edges));
		dt->g.sels = NULL;
		dt->g.nsels = 0;
		dt->copies = malloc((st->ncopies ? st->ncopies : 1) * sizeof(*dt->copies));
		if (!dt->g.name || !dt->g.blocks || !dt->g.edges || !dt->copies) {
			dst->nthins++;
			goto nomem;
		}
		memcpy(dt->g.blocks, st->g.blocks, st->g.nblocks * sizeof(*dt->g.blocks));
		memcpy(dt->g.edges, st->g.edges, st->g.nedges * sizeof(*dt->g.edges));
		memcpy(dt->copies, st->copies, st->ncopies * sizeof(*dt->copies));
	}
	return 0;
nomem:
	cov_module_release(dst);
	return -ENOMEM;
}

int cov_mapping__merge(struct cov_mapping *dst, const struct cov_mapping *src)
{
	for (size_t i = 0; i < src->nmods; i++) {
		void *n;
		int err;

		n = realloc(dst->mods, (dst->nmods + 1) * sizeof(*dst->mods));
		if (!n)
			return bg_err(-ENOMEM);
		dst->mods = n;
		err = module_copy(&dst->mods[dst->nmods], &src->mods[i]);
		if (err)
			return bg_err(err);
		dst->nmods++;
	}
	return 0;
}

size_t cov_mapping__module_cnt(const struct cov_mapping *m)
{
	return m->nmods;
}

uint64_t cov_mapping__module_hash(const struct cov_mapping *m, size_t i)
{
	return i < m->nmods ? m->mods[i].hash : 0;
}

enum bpfgauge_mode cov_mapping__module_mode(const struct cov_mapping *m, size_t i)
{
	return i < m->nmods ? m->mods[i].mode : 0;
}

const char *cov_mapping__name(const struct cov_mapping *m)
{
	return m->name;
}

void cov_mapping__free(struct cov_mapping *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nmods; i++)
		cov_module_release(&m->mods[i]);
	free(m->mods);
	free(m->name);
	free(m);
}

int cov_segments_walk(const void *value, size_t size,
		      int (*cb)(const struct bpfgauge_seg_hdr *hdr, const void *probes, void *ctx),
		      void *ctx)
{
	const unsigned char *v = value;
	size_t off = 0;
	int nseg = 0, err;

	while (off + 8 <= size) {
		struct bpfgauge_seg_hdr hdr;
		uint64_t seg;

		if (off + sizeof(hdr) > size) {
			uint64_t z;

			memcpy(&z, v + off, 8);
			if (z)
				return -BPFGAUGE_ECOUNTERS;
			off += 8;
			continue;
		}
		memcpy(&hdr, v + off, sizeof(hdr));
		if (hdr.magic != BPFGAUGE_SEG_MAGIC) {
			uint64_t z;

			memcpy(&z, v + off, 8);
			if (z) /* only zero padding may sit between segments */
				return -BPFGAUGE_ECOUNTERS;
			off += 8;
			continue;
		}
		if (hdr.version < BPFGAUGE_ABI_VERSION_MIN || hdr.version > BPFGAUGE_ABI_VERSION ||
		    (hdr.mode != BPFGAUGE_MODE_HITS && hdr.mode != BPFGAUGE_MODE_COUNTS))
			return -BPFGAUGE_ECOUNTERS;
		seg = bpfgauge_seg_size(hdr.mode, hdr.nprobes);
		if (seg > size - off)
			return -BPFGAUGE_ECOUNTERS;
		err = cb(&hdr, v + off + sizeof(hdr), ctx);
		if (err)
			return err;
		nseg++;
		off += seg;
	}
	return nseg ? 0 : -BPFGAUGE_ECOUNTERS;
}

struct match_ctx {
	const struct cov_mapping *m;
	bool found;
};

static int match_seg(const struct bpfgauge_seg_hdr *hdr, const void *probes, void *ctx)
{
	struct match_ctx *c = ctx;

	for (size_t i = 0; i < c->m->nmods; i++)
		if (c->m->mods[i].hash == hdr->hash)
			c->found = true;
	return 0;
}

bool cov_mapping__matches_value(const struct cov_mapping *m, const void *value, size_t size)
{
	struct match_ctx c = { m, false };

	return !cov_segments_walk(value, size, match_seg, &c) && c.found;
}

static int zero_probes(const struct bpfgauge_seg_hdr *hdr, const void *probes, void *ctx)
{
	uint64_t n = bpfgauge_seg_size(hdr->mode, hdr->nprobes) - sizeof(*hdr);

	memset((void *)probes, 0, n);
	return 0;
}

/* Zero every segment's probes in a map value, keeping the headers. */
int cov_value_reset(void *value, size_t size)
{
	return cov_segments_walk(value, size, zero_probes, NULL);
}

struct hashes_ctx {
	uint64_t *out;
	size_t max, n;
};

static int add_hash(const struct bpfgauge_seg_hdr *hdr, const void *probes, void *ctx)
{
	struct hashes_ctx *c = ctx;

	if (c->n < c->max)
		c->out[c->n] = hdr->hash;
	c->n++;
	return 0;
}

int cov_value_hashes(const void *value, size_t size, uint64_t *hashes, size_t max, size_t *n)
{
	struct hashes_ctx c = { hashes, max, 0 };
	int err = cov_segments_walk(value, size, add_hash, &c);

	*n = err ? 0 : c.n;
	return err;
}
