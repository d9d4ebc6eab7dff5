/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal structures of the coverage runtime: the parsed mapping. */
#ifndef BPFGAUGE_COV_INTERNAL_H
#define BPFGAUGE_COV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bpfgauge/cov.h"

struct cov_lineref {
	uint32_t fid, line, inst;
};

struct cov_mblock {
	int32_t probe;   /* -1: none */
	bool from_preds; /* hits mode, no probe: derived from predecessors */
	uint32_t nlines;
	struct cov_lineref *lines;
};

struct cov_medge {
	int32_t src, dst; /* -1: the virtual node */
	int32_t probe;    /* -1: none */
	/* branch label; br_site < 0 when the edge is not a branch successor */
	int32_t br_fid, br_line, br_site, br_idx;
};

/* A source conditional without a branch (a select), cov_abi.h's s record. */
struct cov_msel {
	uint32_t block;
	int32_t probe;
	int32_t br_fid, br_line, br_site;
};
/*
 * Validator limits per function. The model is linear in blocks + edges
 * (iterative, with adjacency lists), so a function at these limits turns
 * into counts in well under a second (tests/bench: bench_model_1m).
 */
#define COV_MAX_BLOCKS 1000000u
#define COV_MAX_EDGES 4000000u

/*
 * Counts saturate at COV_COUNT_MAX (2^63 - 1) instead of wrapping: lcov's
 * BRDA taken is signed, and a count that large means "at least that many".
 */
#define COV_COUNT_MAX ((uint64_t)INT64_MAX)

static inline uint64_t cov_sat_add(uint64_t a, uint64_t b)
{
	if (a > COV_COUNT_MAX)
		a = COV_COUNT_MAX;
	if (b > COV_COUNT_MAX)
		b = COV_COUNT_MAX;
	return a + b > COV_COUNT_MAX ? COV_COUNT_MAX : a + b;
}

struct cov_mfunc {
	char *name;
	uint32_t fid, line;
	uint32_t nblocks, nedges, nsels;
	struct cov_mblock *blocks;
	struct cov_medge *edges;
	struct cov_msel *sels;
};

/* A copy of source probe slot in block of a thin CFG, mult times (counts). */
struct cov_mcopy {
	uint32_t block, slot;
	uint64_t mult;
};

/* cov_abi.h's thin records: a function's optimised CFG with its own probes
 * and where the copies of the source probes were. */
struct cov_mthin {
	struct cov_mfunc g; /* no lines, no branch labels, no selects */
	uint32_t ncopies;
	struct cov_mcopy *copies;
};

struct cov_module {
	uint32_t version; /* mapping format */
	uint32_t nthins;
	struct cov_mthin *thins;
	uint64_t hash;
	enum bpfgauge_mode mode;
	uint32_t nprobes;
	char *producer;
	uint32_t nfiles;
	char **files;
	uint32_t nfuncs;
	struct cov_mfunc *funcs;
};

struct cov_mapping {
	char *name;
	size_t nmods;
	struct cov_module *mods;
};

/* Parse one NUL-free mapping record of len bytes; name is for messages. */
int cov_module_parse(const char *text, size_t len, const char *name, struct cov_module *mod);
void cov_module_release(struct cov_module *mod);

/* Walk the segments of a counter map value; cb returns 0 to continue. */
int cov_segments_walk(const void *value, size_t size,
		      int (*cb)(const struct bpfgauge_seg_hdr *hdr, const void *probes, void *ctx),
		      void *ctx);



/* Direct record insertion into a model (lcov reader, tests). */
int cov_model_add_line(struct cov_model *m, const char *path, uint32_t line, uint64_t count);
int cov_model_add_func(struct cov_model *m, const char *path, const char *name, uint32_t line,
		       uint64_t count);
int cov_model_add_branch(struct cov_model *m, const char *path, uint32_t line, uint32_t block,
			 uint32_t branch, int64_t taken);
/*
 * lcov files by test: one model per distinct TN, in order of appearance
 * (records before any TN go to an unnamed one). Free with cov_tests_free().
 */
int cov_lcov_read_tests(const char *path, struct cov_model ***out, size_t *n);
/* The same from an open stream; path names it in messages. */
int cov_lcov_read_tests_file(FILE *f, const char *path, struct cov_model ***out, size_t *n);
struct cov_model *cov_tests_get(struct cov_model ***tests, size_t *n, const char *tn);
void cov_tests_free(struct cov_model **tests, size_t n);

/* Snapshot building (the tracer uses it). */
struct cov_snapshot *cov_snapshot_new(void);
int cov_snapshot_add(struct cov_snapshot *s, uint32_t id, const void *value, size_t size);

#endif /* BPFGAUGE_COV_INTERNAL_H */
