/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the coverage model: mapping parsing and validation,
 * hits-mode inference, counts-mode flow solving, the line/branch/function
 * semantics of cov.h, merging, and the lcov round trip. Expected numbers are
 * worked out by hand from the CFGs written below.
 */
#include <errno.h>
#include <unistd.h>

#include "bg_test.h"
#include "bpfgauge/cov.h"
#include "cov_internal.h"
#include "cov_writers.h"

/*
 * A diamond: block 0 (line 10, branches on line 10) -> 1 (line 11) or
 * 2 (line 13) -> 3 (line 15, returns). A header helper line h.h:5 is inlined
 * twice (instance 1 in block 1, instance 2 in block 2); line 20 is carried by
 * blocks 1 and 2 in the same instance (like unrolled copies).
 */
static const char *body_counts =
	"mode counts\n"
	"probes 2\n"
	"producer llvm-test\n"
	"file 0 /src/a.c\n"
	"file 1 /src/inc/h%20x.h\n"
	"func f 0 9 4 6\n"
	"b 0 - 0:10:0\n"
	"b 1 - 0:11:0 1:5:1 0:20:0\n"
	"b 2 - 0:13:0 1:5:2 0:20:0\n"
	"b 3 - 0:15:0\n"
	"e -1 0 0 -\n"
	"e 0 1 1 0:10:0:0\n"
	"e 0 2 - 0:10:0:1\n"
	"e 1 3 - -\n"
	"e 2 3 - -\n"
	"e 3 -1 - -\n"
	"end\n";

static const char *body_hits =
	"mode hits\n"
	"probes 3\n"
	"producer llvm-test\n"
	"file 0 /src/a.c\n"
	"file 1 /src/inc/h%20x.h\n"
	"func f 0 9 4 6\n"
	"b 0 - 0:10:0\n"
	"b 1 0 0:11:0 1:5:1 0:20:0\n"
	"b 2 1 0:13:0 1:5:2 0:20:0\n"
	"b 3 2 0:15:0\n"
	"e -1 0 - -\n"
	"e 0 1 - 0:10:0:0\n"
	"e 0 2 - 0:10:0:1\n"
	"e 1 3 - -\n"
	"e 2 3 - -\n"
	"e 3 -1 - -\n"
	"end\n";

/* Build "bpfgauge-map V\nhash H\n<body>" with the right (or a wrong) hash. */
static char *record_v(int version, const char *body, uint64_t *hash, int corrupt)
{
	char *r = malloc(strlen(body) + 64);
	uint64_t h = bpfgauge_fnv1a(BPFGAUGE_FNV_OFFSET, body, strlen(body));

	if (corrupt)
		h ^= 1;
	sprintf(r, "bpfgauge-map %d\nhash %016llx\n%s", version, (unsigned long long)h, body);
	if (hash)
		*hash = h;
	return r;
}

static char *record(const char *body, uint64_t *hash, int corrupt)
{
	return record_v(BPFGAUGE_ABI_VERSION, body, hash, corrupt);
}

static int parse_text(const char *text);

static struct cov_mapping *mapping_of(const char *body, uint64_t *hash)
{
	struct cov_mapping *m = calloc(1, sizeof(*m));
	char *r = record(body, hash, 0);

	m->name = strdup("test.o");
	m->mods = calloc(1, sizeof(*m->mods));
	ASSERT_EQ_INT(cov_module_parse(r, strlen(r), "test.o", &m->mods[0]), 0);
	m->nmods = 1;
	free(r);
	return m;
}

/* A counter segment: header + probes, padded. */
static size_t segment(unsigned char *buf, uint8_t mode, uint32_t n, uint64_t hash,
		      const uint64_t *vals)
{
	struct bpfgauge_seg_hdr h = { BPFGAUGE_SEG_MAGIC, BPFGAUGE_ABI_VERSION, mode, 0, n, 0, hash };
	size_t sz = bpfgauge_seg_size(mode, n);

	memset(buf, 0, sz);
	memcpy(buf, &h, sizeof(h));
	for (uint32_t i = 0; i < n; i++) {
		if (mode == BPFGAUGE_MODE_COUNTS)
			memcpy(buf + sizeof(h) + 8 * i, &vals[i], 8);
		else
			buf[sizeof(h) + i] = (unsigned char)vals[i];
	}
	return sz;
}

static uint64_t line(const struct cov_model *m, const char *file, uint32_t l)
{
	uint64_t c = 12345;

	ASSERT_EQ_INT(cov_model__line(m, file, l, &c), 0);
	return c;
}

static int64_t branch(const struct cov_model *m, uint32_t l, uint32_t blk, uint32_t br)
{
	int64_t t = 12345;

	ASSERT_EQ_INT(cov_model__branch(m, "a.c", l, blk, br, &t), 0);
	return t;
}

TEST(counts_mode_flow_conservation)
{
	uint64_t hash, fn = 0, c;
	struct cov_mapping *map = mapping_of(body_counts, &hash);
	struct cov_model *m = cov_model__new("t1");
	unsigned char seg[64];
	/* 10 entries, 3 of them take the then-branch */
	uint64_t vals[2] = { 10, 3 };
	size_t sz = segment(seg, BPFGAUGE_MODE_COUNTS, 2, hash, vals);

	ASSERT_EQ_INT(cov_model__add_counters(m, map, seg, sz, NULL), 0);
	ASSERT_EQ_U64(line(m, "a.c", 10), 10);
	ASSERT_EQ_U64(line(m, "a.c", 11), 3);
	ASSERT_EQ_U64(line(m, "a.c", 13), 7);
	ASSERT_EQ_U64(line(m, "a.c", 15), 10);
	/* two inline instances sum; same-instance copies take the max */
	ASSERT_EQ_U64(line(m, "inc/h x.h", 5), 10);
	ASSERT_EQ_U64(line(m, "a.c", 20), 7);
	ASSERT_EQ_INT(cov_model__line(m, "a.c", 12, &c), -ENOENT);
	ASSERT_EQ_INT(cov_model__line(m, "h.h", 5, &c), -ENOENT); /* suffix at '/' only */
	ASSERT_EQ_INT(cov_model__func(m, "f", &fn), 0);
	ASSERT_EQ_U64(fn, 10);
	ASSERT_EQ_INT(branch(m, 10, 0, 0), 3);
	ASSERT_EQ_INT(branch(m, 10, 0, 1), 7);

	struct cov_summary s;
	cov_model__summary(m, &s);
	ASSERT_EQ_U64(s.files, 2);
	ASSERT_EQ_U64(s.lines_found, 6);
	ASSERT_EQ_U64(s.lines_hit, 6);
	ASSERT_EQ_U64(s.branches_found, 2);
	ASSERT_EQ_U64(s.funcs_hit, 1);

	/* a second collection adds up */
	ASSERT_EQ_INT(cov_model__add_counters(m, map, seg, sz, NULL), 0);
	ASSERT_EQ_U64(line(m, "a.c", 13), 14);
	ASSERT_EQ_INT(branch(m, 10, 0, 0), 6);
	cov_model__free(m);
	cov_mapping__free(map);
}

TEST(counts_mode_unexecuted_branch_is_dash)
{
	uint64_t hash;
	struct cov_mapping *map = mapping_of(body_counts, &hash);
	struct cov_model *m = cov_model__new(NULL);
	unsigned char seg[64];
	uint64_t vals[2] = { 0, 0 };
	size_t sz = segment(seg, BPFGAUGE_MODE_COUNTS, 2, hash, vals);

	ASSERT_EQ_INT(cov_model__add_counters(m, map, seg, sz, NULL), 0);
	ASSERT_EQ_INT(branch(m, 10, 0, 0), -1);
	ASSERT_EQ_INT(branch(m, 10, 0, 1), -1);
	ASSERT_EQ_U64(line(m, "a.c", 10), 0);
	cov_model__free(m);
	cov_mapping__free(map);
}

/* body_counts plus two selects (a cheap `c ? a : b`): one on line 10 after
 * its branch (site 1, so BRDA block 1), one in block 1 on line 11. */
static const char *body_counts_sel =
	"mode counts\n"
	"probes 3\n"
	"producer llvm-test\n"
	"file 0 /src/a.c\n"
	"func f 0 9 4 6 2\n"
	"b 0 - 0:10:0\n"
	"b 1 - 0:11:0\n"
	"b 2 - 0:13:0\n"
	"b 3 - 0:15:0\n"
	"e -1 0 0 -\n"
	"e 0 1 1 0:10:0:0\n"
	"e 0 2 - 0:10:0:1\n"
	"e 1 3 - -\n"
	"e 2 3 - -\n"
	"e 3 -1 - -\n"
	"s 0 2 0:10:1\n"
	"s 1 0 0:11:2\n"
	"end\n";

TEST(selects_count_without_branches)
{
	uint64_t hash;
	struct cov_mapping *map = mapping_of(body_counts_sel, &hash);
	struct cov_model *m = cov_model__new(NULL);
	unsigned char seg[64];
	/* 10 entries, 3 take the then-branch; the line-10 select is true 4
	 * times. Probe 0 is also the entry counter, so the line-11 select's
	 * "true" reads 10 of its block's 3 runs: clamped (counters read while
	 * programs ran), never negative. */
	uint64_t vals[3] = { 10, 3, 4 };
	size_t sz = segment(seg, BPFGAUGE_MODE_COUNTS, 3, hash, vals);

	ASSERT_EQ_INT(cov_model__add_counters(m, map, seg, sz, NULL), 0);
	ASSERT_EQ_INT(branch(m, 10, 0, 0), 3);
	ASSERT_EQ_INT(branch(m, 10, 0, 1), 7);
	ASSERT_EQ_INT(branch(m, 10, 1, 0), 4);
	ASSERT_EQ_INT(branch(m, 10, 1, 1), 6);
	ASSERT_EQ_INT(branch(m, 11, 0, 0), 3);
	ASSERT_EQ_INT(branch(m, 11, 0, 1), 0);
	cov_model__free(m);

	/* a block that never ran: both outcomes '-' */
	m = cov_model__new(NULL);
	vals[0] = 5, vals[1] = 0, vals[2] = 5;
	sz = segment(seg, BPFGAUGE_MODE_COUNTS, 3, hash, vals);
	ASSERT_EQ_INT(cov_model__add_counters(m, map, seg, sz, NULL), 0);
	ASSERT_EQ_INT(branch(m, 11, 0, 0), -1);
	ASSERT_EQ_INT(branch(m, 11, 0, 1), -1);
	ASSERT_EQ_INT(branch(m, 10, 1, 0), 5);
	ASSERT_EQ_INT(branch(m, 10, 1, 1), 0);
	cov_model__free(m);
	cov_mapping__free(map);

	/* hits: the probe pair is (false, true) */
	static const char *body_hits_sel =
		"mode hits\n"
		"probes 3\n"
		"producer llvm-test\n"
		"file 0 /src/a.c\n"
		"func g 0 1 1 2 1\n"
		"b 0 0 0:2:0\n"
		"e -1 0 - -\n"
		"e 0 -1 - -\n"
		"s 0 1 0:2:0\n"
		"end\n";
	map = mapping_of(body_hits_sel, &hash);
	m = cov_model__new(NULL);
	uint64_t hv[3] = { 1, 0, 1 };
	sz = segment(seg, BPFGAUGE_MODE_HITS, 3, hash, hv);
	ASSERT_EQ_INT(cov_model__add_counters(m, map, seg, sz, NULL), 0);
	ASSERT_EQ_INT(branch(m, 2, 0, 0), 1);
	ASSERT_EQ_INT(branch(m, 2, 0, 1), 0);
	cov_model__free(m);
	cov_mapping__free(map);

	bpfgauge_print_fn_t old = bpfgauge_set_print(NULL);
	/* format 2 has no selects; a hits pair must fit in "probes" */
	char *r = record_v(2, body_counts_sel, NULL, 0);
	ASSERT_EQ_INT(parse_text(r), -BPFGAUGE_EBADMAPPING);
	free(r);
	char *b = strdup(body_hits_sel);
	strstr(b, "s 0 1")[4] = '2';
	r = record(b, NULL, 0);
	ASSERT_EQ_INT(parse_text(r), -BPFGAUGE_EBADMAPPING);
	free(r);
	free(b);
	bpfgauge_set_print(old);
}

/*
 * Late thinning: the source function's only probe (slot 0, its entry
 * count) was copied by the optimiser into blocks 1 (twice, an unrolled
 * pair) and 2 of the optimised diamond g, which has its own probes in
 * slots 0 (entry, reused) and 1 (edge 0->1). g runs 10 times, 3 through
 * block 1: the source block ran 3 * 2 + 7 = 13 times.
 */
static const char *body_thin =
	"mode counts\n"
	"probes 2\n"
	"producer llvm-test\n"
	"file 0 /src/a.c\n"
	"func f 0 9 1 2\n"
	"b 0 - 0:10:0\n"
	"e -1 0 0 -\n"
	"e 0 -1 - -\n"
	"thin g 4 6 2\n"
	"b 0 -\n"
	"b 1 -\n"
	"b 2 -\n"
	"b 3 -\n"
	"e -1 0 0 -\n"
	"e 0 1 1 -\n"
	"e 0 2 - -\n"
	"e 1 3 - -\n"
	"e 2 3 - -\n"
	"e 3 -1 - -\n"
	"c 1 0 2\n"
	"c 2 0 1\n"
	"end\n";

TEST(thin_records_sum_the_copies)
{
	uint64_t hash, fn = 0;
	struct cov_mapping *map = mapping_of(body_thin, &hash);
	struct cov_model *m = cov_model__new(NULL);
	unsigned char seg[64];
	uint64_t vals[2] = { 10, 3 };
	size_t sz = segment(seg, BPFGAUGE_MODE_COUNTS, 2, hash, vals);

	ASSERT_EQ_INT(cov_model__add_counters(m, map, seg, sz, NULL), 0);
	ASSERT_EQ_U64(line(m, "a.c", 10), 13);
	ASSERT_EQ_INT(cov_model__func(m, "f", &fn), 0);
	ASSERT_EQ_U64(fn, 13);
	ASSERT_EQ_INT(cov_model__func(m, "g", &fn), -ENOENT); /* not a source function */
	cov_model__free(m);

	/* a merged mapping keeps the thin records */
	struct cov_mapping *map2 = mapping_of(body_counts, NULL);
	ASSERT_EQ_INT(cov_mapping__merge(map2, map), 0);
	m = cov_model__new(NULL);
	ASSERT_EQ_INT(cov_model__add_counters(m, map2, seg, sz, NULL), 0);
	ASSERT_EQ_U64(line(m, "a.c", 10), 13);
	cov_model__free(m);
	cov_mapping__free(map2);
	cov_mapping__free(map);

	/* a copy of a slot past "probes", or a thin block with lines: refused */
	bpfgauge_print_fn_t old = bpfgauge_set_print(NULL);
	char *b = strdup(body_thin);
	strstr(b, "c 2 0 1")[4] = '7';
	char *r = record(b, NULL, 0);
	ASSERT_EQ_INT(parse_text(r), -BPFGAUGE_EBADMAPPING);
	free(r);
	free(b);
	b = malloc(strlen(body_thin) + 16);
	strcpy(b, body_thin);
	char *at = strstr(b, "b 3 -\n") + 5;
	memmove(at + 7, at, strlen(at) + 1);
	memcpy(at, " 0:11:0", 7);
	r = record(b, NULL, 0);
	ASSERT_EQ_INT(parse_text(r), -BPFGAUGE_EBADMAPPING);
	free(r);
	free(b);
	bpfgauge_set_print(old);
}

TEST(hits_mode_inference)
{
	uint64_t hash, fn = 9;
	struct cov_mapping *map = mapping_of(body_hits, &hash);
	struct cov_model *m = cov_model__new(NULL);
	unsigned char seg[64];
	/* then-block ran, else-block did not, join ran; entry has no probe */
	uint64_t vals[3] = { 1, 0, 1 };
	size_t sz = segment(seg, BPFGAUGE_MODE_HITS, 3, hash, vals);

	ASSERT_EQ_INT(cov_model__add_counters(m, map, seg, sz, NULL), 0);
	ASSERT_EQ_U64(line(m, "a.c", 10), 1); /* derived from a successor */
	ASSERT_EQ_U64(line(m, "a.c", 11), 1);
	ASSERT_EQ_U64(line(m, "a.c", 13), 0);
	ASSERT_EQ_U64(line(m, "a.c", 15), 1);
	ASSERT_EQ_U64(line(m, "h x.h", 5), 1); /* clamped to a hit */
	ASSERT_EQ_U64(line(m, "a.c", 20), 1);
	ASSERT_EQ_INT(cov_model__func(m, "f", &fn), 0);
	ASSERT_EQ_U64(fn, 1);
	ASSERT_EQ_INT(branch(m, 10, 0, 0), 1);
	ASSERT_EQ_INT(branch(m, 10, 0, 1), 0);

	/* nothing ran: the entry is derived as not hit, branches are '-' */
	struct cov_model *m2 = cov_model__new(NULL);
	uint64_t none[3] = { 0, 0, 0 };

	sz = segment(seg, BPFGAUGE_MODE_HITS, 3, hash, none);
	ASSERT_EQ_INT(cov_model__add_counters(m2, map, seg, sz, NULL), 0);
	ASSERT_EQ_U64(line(m2, "a.c", 10), 0);
	ASSERT_EQ_INT(cov_model__func(m2, "f", &fn), 0);
	ASSERT_EQ_U64(fn, 0);
	ASSERT_EQ_INT(branch(m2, 10, 0, 0), -1);
	cov_model__free(m2);
	cov_model__free(m);
	cov_mapping__free(map);
}

/*
 * A triangle after the pass split its critical edge: block 0 (line 10,
 * branches on line 10) -> 1 (line 11) -> 3, and 0 -> 2 (the split block, no
 * line) -> 3 (line 15, returns). Probes on 1 and 2 only: block 0 is derived
 * from its successors ("-"), block 3 from its predecessors ("<").
 */
static const char *body_hits_preds =
	"mode hits\n"
	"probes 2\n"
	"producer llvm-test\n"
	"file 0 /src/a.c\n"
	"func g 0 9 4 6\n"
	"b 0 - 0:10:0\n"
	"b 1 0 0:11:0\n"
	"b 2 1\n"
	"b 3 < 0:15:0\n"
	"e -1 0 - -\n"
	"e 0 1 - 0:10:0:0\n"
	"e 0 2 - 0:10:0:1\n"
	"e 1 3 - -\n"
	"e 2 3 - -\n"
	"e 3 -1 - -\n"
	"end\n";

TEST(hits_mode_predecessor_inference)
{
	uint64_t hash, fn = 9;
	struct cov_mapping *map = mapping_of(body_hits_preds, &hash);
	unsigned char seg[64];
	/* only the split edge ran; only the then-block ran; nothing ran */
	uint64_t split[2] = { 0, 1 }, then[2] = { 1, 0 }, none[2] = { 0, 0 };
	struct cov_model *m = cov_model__new(NULL);
	size_t sz = segment(seg, BPFGAUGE_MODE_HITS, 2, hash, split);

	ASSERT_EQ_INT(cov_model__add_counters(m, map, seg, sz, NULL), 0);
	ASSERT_EQ_U64(line(m, "a.c", 10), 1);
	ASSERT_EQ_U64(line(m, "a.c", 11), 0);
	ASSERT_EQ_U64(line(m, "a.c", 15), 1); /* from predecessor 2 */
	ASSERT_EQ_INT(branch(m, 10, 0, 0), 0);
	ASSERT_EQ_INT(branch(m, 10, 0, 1), 1);
	cov_model__free(m);

	m = cov_model__new(NULL);
	sz = segment(seg, BPFGAUGE_MODE_HITS, 2, hash, then);
	ASSERT_EQ_INT(cov_model__add_counters(m, map, seg, sz, NULL), 0);
	ASSERT_EQ_U64(line(m, "a.c", 11), 1);
	ASSERT_EQ_U64(line(m, "a.c", 15), 1); /* from predecessor 1 */
	ASSERT_EQ_INT(branch(m, 10, 0, 0), 1);
	ASSERT_EQ_INT(branch(m, 10, 0, 1), 0);
	cov_model__free(m);

	m = cov_model__new(NULL);
	sz = segment(seg, BPFGAUGE_MODE_HITS, 2, hash, none);
	ASSERT_EQ_INT(cov_model__add_counters(m, map, seg, sz, NULL), 0);
	ASSERT_EQ_U64(line(m, "a.c", 10), 0);
	ASSERT_EQ_U64(line(m, "a.c", 15), 0);
	ASSERT_EQ_INT(cov_model__func(m, "g", &fn), 0);
	ASSERT_EQ_U64(fn, 0);
	ASSERT_EQ_INT(branch(m, 10, 0, 1), -1);
	cov_model__free(m);
	cov_mapping__free(map);
}

/* 0 -> 1 -> 2 -> V with 1 derived from 2 and 2 from 1: no solution. */
static const char *body_hits_cycle =
	"mode hits\n"
	"probes 1\n"
	"producer llvm-test\n"
	"file 0 /src/a.c\n"
	"func c 0 9 3 4\n"
	"b 0 0 0:10:0\n"
	"b 1 - 0:11:0\n"
	"b 2 < 0:12:0\n"
	"e -1 0 - -\n"
	"e 0 1 - -\n"
	"e 1 2 - -\n"
	"e 2 -1 - -\n"
	"end\n";

TEST(hits_mode_cyclic_derivation_is_refused)
{
	uint64_t hash, one[1] = { 1 };
	struct cov_mapping *map = mapping_of(body_hits_cycle, &hash);
	struct cov_model *m = cov_model__new(NULL);
	unsigned char seg[64];
	size_t sz = segment(seg, BPFGAUGE_MODE_HITS, 1, hash, one);

	ASSERT_EQ_INT(cov_model__add_counters(m, map, seg, sz, NULL), -BPFGAUGE_EBADMAPPING);
	ASSERT_EQ_INT(cov_model__file_cnt(m), 0);
	cov_model__free(m);
	cov_mapping__free(map);
}

TEST(segments_of_linked_objects_and_bad_counters)
{
	uint64_t hc, hh, vals2[2] = { 4, 4 }, vals3[3] = { 0, 1, 1 };
	struct cov_mapping *map = mapping_of(body_counts, &hc);
	struct cov_mapping *map2 = mapping_of(body_hits, &hh);
	struct cov_model *m = cov_model__new(NULL);
	unsigned char buf[256] = { 0 };
	size_t off, um = 0;

	ASSERT_EQ_INT(cov_mapping__merge(map, map2), 0);
	ASSERT_EQ_INT(cov_mapping__module_cnt(map), 2);
	/* two segments with 8 bytes of zero padding between them */
	off = segment(buf, BPFGAUGE_MODE_COUNTS, 2, hc, vals2);
	off += 8;
	off += segment(buf + off, BPFGAUGE_MODE_HITS, 3, hh, vals3);
	ASSERT_EQ_INT(cov_model__add_counters(m, map, buf, off, NULL), 0);
	/* counts: all 4 entries take the then-branch (4); hits: else side ran (1) */
	ASSERT_EQ_U64(line(m, "a.c", 11), 4);
	ASSERT_EQ_U64(line(m, "a.c", 13), 0 + 1);

	/* a segment from another object: ESTALE, or counted as unmatched */
	struct cov_model *m2 = cov_model__new(NULL);
	off = segment(buf, BPFGAUGE_MODE_COUNTS, 2, hc ^ 0xff, vals2);
	ASSERT_EQ_INT(cov_model__add_counters(m2, map, buf, off, NULL), -BPFGAUGE_ESTALE);
	ASSERT_EQ_INT(cov_model__add_counters(m2, map, buf, off, &um), 0);
	ASSERT_EQ_INT(um, 1);
	ASSERT_EQ_INT(cov_model__file_cnt(m2), 0);
	/* wrong probe count for the hash */
	off = segment(buf, BPFGAUGE_MODE_COUNTS, 1, hc, vals2);
	ASSERT_EQ_INT(cov_model__add_counters(m2, map, buf, off, NULL), -BPFGAUGE_ECOUNTERS);
	/* a map value too small for the segment it announces */
	off = segment(buf, BPFGAUGE_MODE_COUNTS, 2, hc, vals2);
	ASSERT_EQ_INT(cov_model__add_counters(m2, map, buf, off - 8, NULL), -BPFGAUGE_ECOUNTERS);
	/* garbage */
	memset(buf, 0xab, 64);
	ASSERT_EQ_INT(cov_model__add_counters(m2, map, buf, 64, NULL), -BPFGAUGE_ECOUNTERS);
	/* all zero: no segment at all */
	memset(buf, 0, 64);
	ASSERT_EQ_INT(cov_model__add_counters(m2, map, buf, 64, NULL), -BPFGAUGE_ECOUNTERS);
	ASSERT_EQ_INT(cov_model__file_cnt(m2), 0); /* unchanged on every error */
	cov_model__free(m2);
	cov_model__free(m);
	cov_mapping__free(map);
	cov_mapping__free(map2);
}

static int parse_text(const char *text)
{
	struct cov_module mod;
	int err = cov_module_parse(text, strlen(text), "bad.o", &mod);

	if (!err)
		cov_module_release(&mod);
	return err;
}

TEST(malformed_mappings_are_refused)
{
	char *r = record(body_counts, NULL, 1);
	char *s;

	bpfgauge_print_fn_t old = bpfgauge_set_print(NULL);
	ASSERT_EQ_INT(parse_text(r), -BPFGAUGE_EBADMAPPING); /* hash mismatch */
	free(r);
	r = record(body_counts, NULL, 0);
	ASSERT_EQ_INT(parse_text(r), 0);
	r[strlen(r) - 4] = '\0'; /* cut "end\n" */
	ASSERT_EQ_INT(parse_text(r), -BPFGAUGE_EBADMAPPING);
	free(r);
	ASSERT_EQ_INT(parse_text("bpfgauge-map 3\nhash 0000000000000000\n"), -BPFGAUGE_EBADMAPPING);
	ASSERT_EQ_INT(parse_text("bpfgauge-map 0\nhash 0000000000000000\n"), -BPFGAUGE_EBADMAPPING);
	/* format 1 (no '<' blocks) is still read */
	r = record_v(1, body_counts, NULL, 0);
	ASSERT_EQ_INT(parse_text(r), 0);
	free(r);
	/* '<' is a hits-mode derivation */
	s = strdup(body_counts);
	strstr(s, "b 3 -")[4] = '<';
	r = record(s, NULL, 0);
	ASSERT_EQ_INT(parse_text(r), -BPFGAUGE_EBADMAPPING);
	free(r);
	free(s);
	ASSERT_EQ_INT(parse_text("hello world"), -BPFGAUGE_EBADMAPPING);
	ASSERT_EQ_INT(parse_text(""), -BPFGAUGE_EBADMAPPING);
	/* an edge into a block that does not exist */
	s = strdup(body_counts);
	strstr(s, "e 1 3")[4] = '7';
	r = record(s, NULL, 0);
	ASSERT_EQ_INT(parse_text(r), -BPFGAUGE_EBADMAPPING);
	free(r);
	free(s);
	/* a probe index past "probes" */
	s = strdup(body_counts);
	strstr(s, "e 0 1 1")[6] = '5';
	r = record(s, NULL, 0);
	ASSERT_EQ_INT(parse_text(r), -BPFGAUGE_EBADMAPPING);
	free(r);
	free(s);
	bpfgauge_set_print(old);
}

TEST(flow_that_is_not_a_tree_is_refused)
{
	/* two uninstrumented parallel paths: 0->1->3 and 0->2->3 with no probe
	 * except the entry: 5 unknown edges on 5 nodes is a cycle, not a tree */
	const char *body =
		"mode counts\nprobes 1\nproducer t\nfile 0 /a.c\n"
		"func g 0 1 4 6\nb 0 - 0:1:0\nb 1 - 0:2:0\nb 2 - 0:3:0\nb 3 - 0:4:0\n"
		"e -1 0 0 -\ne 0 1 - -\ne 0 2 - -\ne 1 3 - -\ne 2 3 - -\ne 3 -1 - -\nend\n";
	uint64_t hash, v = 5;
	struct cov_mapping *map = mapping_of(body, &hash);
	struct cov_model *m = cov_model__new(NULL);
	unsigned char seg[64];
	size_t sz = segment(seg, BPFGAUGE_MODE_COUNTS, 1, hash, &v);
	bpfgauge_print_fn_t old = bpfgauge_set_print(NULL);

	ASSERT_EQ_INT(cov_model__add_counters(m, map, seg, sz, NULL), -BPFGAUGE_EBADMAPPING);
	bpfgauge_set_print(old);
	cov_model__free(m);
	cov_mapping__free(map);
}

TEST(non_bpf_elf_and_garbage_are_not_mappings)
{
	struct cov_mapping *m = (void *)1;
	bpfgauge_print_fn_t old = bpfgauge_set_print(NULL);

	ASSERT_EQ_INT(cov_mapping__from_file("/bin/sh", &m), -BPFGAUGE_ENOTBPF);
	ASSERT_TRUE(m == NULL);
	ASSERT_EQ_INT(cov_mapping__from_file("/etc/hostname", &m), -BPFGAUGE_ENOTBPF);
	ASSERT_EQ_INT(cov_mapping__from_file("/nonexistent.o", &m), -ENOENT);
	ASSERT_EQ_INT(cov_mapping__from_mem("garbage", 7, "mem", &m), -BPFGAUGE_ENOTBPF);
	bpfgauge_set_print(old);
}

TEST(lcov_round_trip_and_atomic_merge)
{
	uint64_t hash;
	struct cov_mapping *map = mapping_of(body_counts, &hash);
	struct cov_model *m = cov_model__new("unit");
	struct cov_model *back = cov_model__new(NULL);
	unsigned char seg[64];
	uint64_t vals[2] = { 10, 3 };
	size_t sz = segment(seg, BPFGAUGE_MODE_COUNTS, 2, hash, vals);
	char path[] = "/tmp/bg-lcov-XXXXXX";
	int fd = mkstemp(path);

	close(fd);
	unlink(path);
	ASSERT_EQ_INT(cov_model__add_counters(m, map, seg, sz, NULL), 0);
	ASSERT_EQ_INT(bpfgauge_cov_write_lcov(m, path), 0);
	ASSERT_EQ_INT(cov_model__read_lcov(back, path), 0);
	ASSERT_EQ_STR(cov_model__test_name(back), "unit");
	ASSERT_EQ_U64(line(back, "a.c", 13), 7);
	ASSERT_EQ_U64(line(back, "h x.h", 5), 10);
	ASSERT_EQ_INT(branch(back, 10, 0, 1), 7);
	/* writing again merges with the file: counts double */
	ASSERT_EQ_INT(bpfgauge_cov_write_lcov(m, path), 0);
	cov_model__free(back);
	back = cov_model__new(NULL);
	ASSERT_EQ_INT(cov_model__read_lcov(back, path), 0);
	ASSERT_EQ_U64(line(back, "a.c", 13), 14);
	uint64_t fn = 0;
	ASSERT_EQ_INT(cov_model__func(back, "f", &fn), 0);
	ASSERT_EQ_U64(fn, 20);

	/* a malformed existing file is not overwritten */
	FILE *f = fopen(path, "w");
	fputs("SF:/x.c\nDA:oops\nend_of_record\n", f);
	fclose(f);
	bpfgauge_print_fn_t old = bpfgauge_set_print(NULL);
	ASSERT_EQ_INT(bpfgauge_cov_write_lcov(m, path), -BPFGAUGE_EBADFORMAT);
	/* an unwritable destination keeps nothing half-written */
	ASSERT_EQ_INT(bpfgauge_cov_write_lcov(m, "/nonexistent-dir/x.info"), -ENOENT);
	bpfgauge_set_print(old);
	f = fopen(path, "r");
	char buf[64] = { 0 };
	fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	ASSERT_EQ_STR(buf, "SF:/x.c\nDA:oops\nend_of_record\n");
	unlink(path);
	cov_model__free(back);
	cov_model__free(m);
	cov_mapping__free(map);
}

/* Count lines equal to s in the file. */
static int count_lines(const char *path, const char *s)
{
	char buf[512];
	int n = 0;
	FILE *f = fopen(path, "r");

	while (f && fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = 0;
		n += !strcmp(buf, s);
	}
	if (f)
		fclose(f);
	return n;
}

TEST(lcov_keeps_one_block_per_test_name)
{
	uint64_t hash;
	struct cov_mapping *map = mapping_of(body_counts, &hash);
	struct cov_model *a = cov_model__new("test_a"), *b = cov_model__new("test_b");
	unsigned char seg[64];
	uint64_t va[2] = { 10, 3 }, vb[2] = { 1, 1 };
	char path[] = "/tmp/bg-tn-XXXXXX";
	int fd = mkstemp(path);

	close(fd);
	unlink(path);
	ASSERT_EQ_INT(cov_model__add_counters(a, map, seg, segment(seg, BPFGAUGE_MODE_COUNTS, 2, hash, va), NULL), 0);
	ASSERT_EQ_INT(cov_model__add_counters(b, map, seg, segment(seg, BPFGAUGE_MODE_COUNTS, 2, hash, vb), NULL), 0);
	ASSERT_EQ_INT(bpfgauge_cov_write_lcov(a, path), 0);
	ASSERT_EQ_INT(bpfgauge_cov_write_lcov(b, path), 0);
	ASSERT_EQ_INT(bpfgauge_cov_write_lcov(a, path), 0);
	/* two files per test: TN lines per SF record */
	ASSERT_EQ_INT(count_lines(path, "TN:test_a"), 2);
	ASSERT_EQ_INT(count_lines(path, "TN:test_b"), 2);
	/* a's line 13 is 7 per run (x2), b's is 0; line 11: a 3 (x2), b 1 */
	ASSERT_EQ_INT(count_lines(path, "DA:13,14"), 1);
	ASSERT_EQ_INT(count_lines(path, "DA:13,0"), 1);
	ASSERT_EQ_INT(count_lines(path, "DA:11,6"), 1);
	ASSERT_EQ_INT(count_lines(path, "DA:11,1"), 1);
	/* reading the whole file sums the tests */
	struct cov_model *all = cov_model__new(NULL);
	ASSERT_EQ_INT(cov_model__read_lcov(all, path), 0);
	ASSERT_EQ_U64(line(all, "a.c", 11), 7);
	ASSERT_EQ_U64(line(all, "a.c", 10), 21);
	unlink(path);
	cov_model__free(all);
	cov_model__free(a);
	cov_model__free(b);
	cov_mapping__free(map);
}

/*
 * Records in any order: the model sorts files by path, lines, functions and
 * branches, and sums duplicates (saturating; '-' branches add nothing),
 * exactly as if they had come in order. Expected values by hand.
 */
TEST(model_sorts_and_sums_records_out_of_order)
{
	struct cov_model *m = cov_model__new(NULL), *m2 = cov_model__new(NULL);
	struct cov_file_view v;
	struct cov_summary s;
	uint64_t c = 0;

	ASSERT_TRUE(m && m2);
	ASSERT_EQ_INT(cov_model_add_line(m, "/b.c", 5, 2), 0);
	ASSERT_EQ_INT(cov_model_add_line(m, "/b.c", 3, 1), 0);
	ASSERT_EQ_INT(cov_model_add_line(m, "/a.c", 9, 4), 0);
	ASSERT_EQ_INT(cov_model_add_line(m, "/b.c", 5, 3), 0);
	ASSERT_EQ_INT(cov_model_add_line(m, "/b.c", 1, 0), 0);
	ASSERT_EQ_INT(cov_model_add_line(m, "/b.c", 3, UINT64_MAX), 0);
	ASSERT_EQ_INT(cov_model_add_func(m, "/b.c", "zeta", 7, 1), 0);
	ASSERT_EQ_INT(cov_model_add_func(m, "/b.c", "alpha", 2, 6), 0);
	ASSERT_EQ_INT(cov_model_add_func(m, "/b.c", "zeta", 9, 2), 0); /* keeps line 7 */
	ASSERT_EQ_INT(cov_model_add_branch(m, "/b.c", 5, 0, 1, 4), 0);
	ASSERT_EQ_INT(cov_model_add_branch(m, "/b.c", 5, 0, 0, -1), 0);
	ASSERT_EQ_INT(cov_model_add_branch(m, "/b.c", 3, 0, 0, 2), 0);
	ASSERT_EQ_INT(cov_model_add_branch(m, "/b.c", 5, 0, 1, 1), 0);
	ASSERT_EQ_INT(cov_model_add_branch(m, "/b.c", 5, 0, 0, 3), 0);
	ASSERT_EQ_U64(cov_model__file_cnt(m), 2);
	ASSERT_EQ_INT(cov_model__file(m, 0, &v), 0);
	ASSERT_EQ_STR(v.path, "/a.c");
	ASSERT_EQ_INT(cov_model__file(m, 1, &v), 0);
	ASSERT_EQ_STR(v.path, "/b.c");
	ASSERT_EQ_U64(v.nlines, 3);
	ASSERT_EQ_U64(v.lines[0].line, 1);
	ASSERT_EQ_U64(v.lines[0].count, 0);
	ASSERT_EQ_U64(v.lines[1].line, 3);
	ASSERT_TRUE(v.lines[1].count >= (1ULL << 62)); /* saturated, not wrapped */
	ASSERT_EQ_U64(v.lines[2].line, 5);
	ASSERT_EQ_U64(v.lines[2].count, 5);
	ASSERT_EQ_U64(v.nfuncs, 2);
	ASSERT_EQ_STR(v.funcs[0].name, "alpha");
	ASSERT_EQ_STR(v.funcs[1].name, "zeta");
	ASSERT_EQ_U64(v.funcs[1].line, 7);
	ASSERT_EQ_U64(v.funcs[1].count, 3);
	ASSERT_EQ_U64(v.nbranches, 3);
	ASSERT_EQ_U64(v.branches[0].line, 3);
	ASSERT_EQ_INT(v.branches[0].taken, 2);
	ASSERT_EQ_U64(v.branches[1].branch, 0);
	ASSERT_EQ_INT(v.branches[1].taken, 3);
	ASSERT_EQ_U64(v.branches[2].branch, 1);
	ASSERT_EQ_INT(v.branches[2].taken, 5);
	/* adding after a read, then merging into a model built the other way */
	ASSERT_EQ_INT(cov_model_add_line(m, "/b.c", 2, 1), 0);
	ASSERT_EQ_INT(cov_model_add_line(m2, "/c.c", 1, 1), 0);
	ASSERT_EQ_INT(cov_model_add_line(m2, "/b.c", 5, 1), 0);
	ASSERT_EQ_INT(cov_model__merge(m2, m), 0);
	ASSERT_EQ_INT(cov_model__line(m2, "/b.c", 5, &c), 0);
	ASSERT_EQ_U64(c, 6);
	ASSERT_EQ_INT(cov_model__line(m2, "/b.c", 2, &c), 0);
	ASSERT_EQ_U64(c, 1);
	cov_model__summary(m2, &s);
	ASSERT_EQ_U64(s.files, 3);
	ASSERT_EQ_U64(s.lines_found, 1 + 4 + 1);
	ASSERT_EQ_INT(cov_model__file(m2, 2, &v), 0);
	ASSERT_EQ_STR(v.path, "/c.c");
	cov_model__free(m);
	cov_model__free(m2);
}

/*
 * The session: values whose segments all have a module count as matched;
 * a value with a foreign segment still adds its own segments, and is kept
 * among the unmatched values with the foreign segment described.
 */
TEST(session_builds_and_keeps_what_matches_nothing)
{
	uint64_t hc, hh, vals2[2] = { 4, 4 }, vals3[3] = { 1, 0, 1 };
	struct cov_session *s = cov_session__new("t1");
	struct cov_snapshot *snap = cov_snapshot_new();
	unsigned char buf[256];
	struct cov_session_stats st;
	const struct cov_snapshot *um;
	char desc[256], want[128];
	uint32_t id = 0;
	size_t off;

	ASSERT_TRUE(s && snap);
	ASSERT_EQ_INT(cov_session__add_mapping(s, mapping_of(body_counts, &hc)), 0);
	ASSERT_EQ_INT(cov_session__add_mapping(s, mapping_of(body_hits, &hh)), 0);
	ASSERT_EQ_INT(cov_mapping__module_cnt(cov_session__mapping(s)), 2);
	/* map 7: ours; map 8: a foreign object's; map 9: ours linked with a foreign one */
	off = segment(buf, BPFGAUGE_MODE_COUNTS, 2, hc, vals2);
	ASSERT_EQ_INT(cov_snapshot_add(snap, 7, buf, off), 0);
	off = segment(buf, BPFGAUGE_MODE_COUNTS, 2, hc ^ 0xff, vals2);
	ASSERT_EQ_INT(cov_snapshot_add(snap, 8, buf, off), 0);
	off = segment(buf, BPFGAUGE_MODE_COUNTS, 2, hc, vals2);
	off += segment(buf + off, BPFGAUGE_MODE_HITS, 3, hh ^ 0xff, vals3);
	ASSERT_EQ_INT(cov_snapshot_add(snap, 9, buf, off), 0);
	ASSERT_EQ_INT(cov_session__add_snapshot(s, snap), 0);
	ASSERT_EQ_INT(cov_session__pending_cnt(s), 3);
	ASSERT_EQ_INT(cov_session__build(s, &id), 0);
	ASSERT_EQ_INT(cov_session__pending_cnt(s), 0);
	cov_session__stats(s, &st);
	ASSERT_EQ_INT(st.values, 3);
	ASSERT_EQ_INT(st.values_matched, 1);
	ASSERT_EQ_INT(st.segments_unmatched, 2);
	/* line 11 runs 4 times in map 7 and 4 times in map 9 */
	ASSERT_EQ_U64(line(cov_session__model(s), "a.c", 11), 8);
	ASSERT_EQ_STR(cov_model__test_name(cov_session__model(s)), "t1");
	um = cov_session__unmatched(s);
	ASSERT_EQ_INT(cov_snapshot__cnt(um), 2);
	cov_snapshot__value(um, 0, NULL, &id);
	ASSERT_EQ_INT(id, 8);
	cov_snapshot__value(um, 1, NULL, &id);
	ASSERT_EQ_INT(id, 9);
	ASSERT_EQ_INT(cov_session__describe_unmatched(s, desc, sizeof(desc)), 2);
	snprintf(want, sizeof(want), "counts-mode segment %016llx of 2 probes, hits-mode segment %016llx of 3 probes",
		 (unsigned long long)(hc ^ 0xff), (unsigned long long)(hh ^ 0xff));
	ASSERT_EQ_STR(desc, want);

	/* a malformed value fails the build and names its map */
	snap = cov_snapshot_new();
	memset(buf, 0xab, 64);
	ASSERT_EQ_INT(cov_snapshot_add(snap, 42, buf, 64), 0);
	ASSERT_EQ_INT(cov_session__add_snapshot(s, snap), 0);
	ASSERT_EQ_INT(cov_session__build(s, &id), -BPFGAUGE_ECOUNTERS);
	ASSERT_EQ_INT(id, 42);
	cov_session__free(s);

	/* a test name lcov cannot carry */
	errno = 0;
	ASSERT_TRUE(!cov_session__new("a\nb") && errno == EINVAL);
}

/* Thresholds: a percentage at the minimum passes, one over nothing fails. */
TEST(summary_thresholds)
{
	struct cov_summary sum = { .lines_found = 4, .lines_hit = 3, .funcs_found = 0,
				   .funcs_hit = 0, .branches_found = 2, .branches_hit = 1 };
	struct cov_check res[COV_NKINDS];
	double none[COV_NKINDS] = { -1, -1, -1 }, min[COV_NKINDS] = { 75, -1, 50.5 };

	ASSERT_TRUE(cov_summary__check(&sum, none, res));
	ASSERT_TRUE(!res[COV_FUNCS].found && res[COV_FUNCS].ok);
	ASSERT_TRUE(!cov_summary__check(&sum, min, res));
	ASSERT_TRUE(res[COV_LINES].ok && res[COV_LINES].percent == 75.0);
	ASSERT_TRUE(!res[COV_BRANCHES].ok && res[COV_BRANCHES].percent == 50.0);
	min[COV_BRANCHES] = -1;
	min[COV_FUNCS] = 0;
	ASSERT_TRUE(!cov_summary__check(&sum, min, res)); /* 0 of 0 functions fails even at 0% */
	ASSERT_TRUE(!res[COV_FUNCS].ok);
	ASSERT_EQ_STR(cov_kind_name(COV_FUNCS), "functions");
}

int main(void)
{
	RUN_TEST(counts_mode_flow_conservation);
	RUN_TEST(counts_mode_unexecuted_branch_is_dash);
	RUN_TEST(selects_count_without_branches);
	RUN_TEST(thin_records_sum_the_copies);
	RUN_TEST(hits_mode_inference);
	RUN_TEST(hits_mode_predecessor_inference);
	RUN_TEST(hits_mode_cyclic_derivation_is_refused);
	RUN_TEST(segments_of_linked_objects_and_bad_counters);
	RUN_TEST(malformed_mappings_are_refused);
	RUN_TEST(flow_that_is_not_a_tree_is_refused);
	RUN_TEST(non_bpf_elf_and_garbage_are_not_mappings);
	RUN_TEST(lcov_round_trip_and_atomic_merge);
	RUN_TEST(lcov_keeps_one_block_per_test_name);
	RUN_TEST(model_sorts_and_sums_records_out_of_order);
	RUN_TEST(session_builds_and_keeps_what_matches_nothing);
	RUN_TEST(summary_thresholds);
	return bg_test_summary();
}
