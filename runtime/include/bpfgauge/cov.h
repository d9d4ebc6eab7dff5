/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libbpfgauge coverage API: read the probe-to-source mapping that the pass
 * left in an object, turn counter snapshots into a coverage model, merge
 * models, and write them out. The in-process entry points
 * (bpfgauge_cov_collect/reset/write_lcov) work on a loaded struct
 * bpf_object; the lower-level cov_mapping__ and cov_model__ functions work on
 * plain files and buffers so other loaders (and the CLI) can use them.
 *
 * Count semantics (what a report means):
 *  - A block's count is exact in counts mode (derived by flow conservation
 *    from the probes) and 0/1 in hits mode.
 *  - A line's count is, for each function and inline instance that carries
 *    the line, the maximum count over the blocks carrying it; those maxima
 *    are summed over instances (so a helper inlined at two executed call
 *    sites counts 2, like a non-inlined callee would). Unrolled copies of a
 *    loop share an instance, so they count as the max, not the sum. In hits
 *    mode a collected line is 1 or 0.
 *  - A function's count is its entry count (FNDA); only functions that exist
 *    in the object (programs, subprograms, global functions, callbacks) get
 *    FN records, inlined helpers contribute lines and branches only.
 *  - A branch (BRDA) is one successor of a conditional branch or switch in the
 *    final optimised IR; its block id is the ordinal of the branch site on
 *    that line within its function, so inlined copies in different functions
 *    aggregate. "taken" is '-' when the branching block never ran.
 *  - Merging models (several runs, several objects) sums counts.
 */
#ifndef BPFGAUGE_COV_H
#define BPFGAUGE_COV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfgauge/bpfgauge.h"
#include "bpfgauge/cov_abi.h"
#include "bpfgauge/file.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_object;
struct cov_mapping;
struct cov_model;

/* ---- mapping: what the pass recorded ------------------------------------ */

/*
 * Read every mapping record from the ELF file at path. Errors:
 * -ENOENT/-EACCES (open), -BPFGAUGE_ENOTBPF (not an ELF or not EM_BPF),
 * -BPFGAUGE_ENOMAPPING (no .bpfgauge.map: built without the pass),
 * -BPFGAUGE_EBADMAPPING (malformed or hash mismatch). The caller frees *out
 * with cov_mapping__free(); on error *out is NULL. Messages name the file.
 */
int cov_mapping__from_file(const char *path, struct cov_mapping **out);

/* Same, from an ELF image in memory (e.g. a skeleton's embedded object). The
 * buffer is not kept; name is copied and used in messages. */
int cov_mapping__from_mem(const void *buf, size_t size, const char *name,
			  struct cov_mapping **out);

/* Append every module of src to dst (src is left intact). */
int cov_mapping__merge(struct cov_mapping *dst, const struct cov_mapping *src);

/* Number of modules (instrumented compilation units) in the mapping. */
size_t cov_mapping__module_cnt(const struct cov_mapping *m);
/* Hash and mode of module i. */
uint64_t cov_mapping__module_hash(const struct cov_mapping *m, size_t i);
enum bpfgauge_mode cov_mapping__module_mode(const struct cov_mapping *m, size_t i);
/* Name given at load (file path), never NULL. */
const char *cov_mapping__name(const struct cov_mapping *m);
void cov_mapping__free(struct cov_mapping *m); /* accepts NULL */

/* ---- model: the coverage data ------------------------------------------ */

/* An empty model; test_name (may be NULL) is copied and becomes lcov TN. */
struct cov_model *cov_model__new(const char *test_name);
void cov_model__free(struct cov_model *model); /* accepts NULL */

/*
 * Add the coverage described by one counter map value (one or more
 * segments, as read from a .data.bpfgauge map) to model. Each segment is
 * matched to a module of m by hash. Errors, with the model unchanged:
 * -BPFGAUGE_ECOUNTERS (value too small, garbage between segments, a segment
 * running past the end), -BPFGAUGE_ESTALE (a segment's hash is in no module
 * of m: stale or foreign object; its probe count differs from the module's).
 * If unmatched is not NULL, segments without a module are counted there
 * instead of failing.
 */
int cov_model__add_counters(struct cov_model *model, const struct cov_mapping *m,
			    const void *value, size_t size, size_t *unmatched);

/* Add src's data into dst (sums counts). */
int cov_model__merge(struct cov_model *dst, const struct cov_model *src);

/*
 * Merge an lcov tracefile into model (all its tests summed). -ENOENT if missing,
 * -BPFGAUGE_EBADFORMAT (with file:line in the message) if malformed.
 */
int cov_model__read_lcov(struct cov_model *model, const char *path);

/* Set or replace the test name (copied). */
int cov_model__set_test_name(struct cov_model *model, const char *test_name);
const char *cov_model__test_name(const struct cov_model *model); /* may be NULL */

/* Look-ups for tests and gates. file matches a path suffix at a '/'
 * boundary ("x.bpf.c" matches "/src/x.bpf.c"). Return 0 and the value, or
 * -ENOENT if the file/line/function/branch is not in the model. For
 * branches, *taken is -1 for lcov's '-'. */
int cov_model__line(const struct cov_model *model, const char *file, uint32_t line,
		    uint64_t *count);
int cov_model__func(const struct cov_model *model, const char *name, uint64_t *count);
int cov_model__branch(const struct cov_model *model, const char *file, uint32_t line,
		      uint32_t block, uint32_t branch, int64_t *taken);

struct cov_summary {
	uint64_t lines_found, lines_hit;
	uint64_t funcs_found, funcs_hit;
	uint64_t branches_found, branches_hit;
	uint64_t files;
};
/* Totals over the whole model. */
void cov_model__summary(const struct cov_model *model, struct cov_summary *s);

/* ---- read-only views for writers (reports/) ---------------------------- */

struct cov_line_rec { uint32_t line; uint64_t count; };
struct cov_func_rec { const char *name; uint32_t line; uint64_t count; };
struct cov_branch_rec { uint32_t line, block, branch; int64_t taken; /* -1: '-' */ };
struct cov_file_view {
	const char *path;
	const struct cov_line_rec *lines;     size_t nlines;     /* sorted by line */
	const struct cov_func_rec *funcs;     size_t nfuncs;     /* sorted by line, name */
	const struct cov_branch_rec *branches; size_t nbranches; /* sorted by line, block, branch */
};
/* Files sorted by path. The view is valid until the model is changed or freed. */
size_t cov_model__file_cnt(const struct cov_model *model);
int cov_model__file(const struct cov_model *model, size_t i, struct cov_file_view *v);

/* ---- in-process collection from a loaded libbpf object ----------------- */

struct bpfgauge_cov_opts {
	size_t sz; /* sizeof(struct bpfgauge_cov_opts), for compatibility */
	/* Where the mapping comes from: the object file the bpf_object was opened
	 * from, or its ELF image (e.g. skeleton->data/data_sz). One is needed:
	 * libbpf does not expose the path of an opened object. */
	const char *object_path;
	const void *obj_buf;
	size_t obj_buf_sz;
	const char *test_name; /* lcov TN, copied; may be NULL */
	size_t :0;
};
#define BPFGAUGE_COV_OPTS_SZ (offsetof(struct bpfgauge_cov_opts, test_name) + sizeof(const char *))

/*
 * Read the counters of a loaded object (its .data.bpfgauge map) and return
 * a new model with that coverage; free it with cov_model__free(). Returns
 * NULL with errno set (and a message naming the object) on failure:
 * BPFGAUGE_ENOMAPPING, BPFGAUGE_ECOUNTERS (object not loaded, map missing),
 * BPFGAUGE_ESTALE, EINVAL (no object_path/obj_buf).
 */
struct cov_model *bpfgauge_cov_collect(struct bpf_object *obj,
				       const struct bpfgauge_cov_opts *opts);

/* Zero the object's probes in the kernel map (headers are kept), for
 * per-test attribution. 0 or a negative error. */
int bpfgauge_cov_reset(struct bpf_object *obj);

/*
 * Read the lcov tracefile at path as one model per test name (TN) and add
 * them to the array *tests of *n models: a test already there is summed
 * into, a new one appended. *tests is realloc'ed; free the whole with
 * cov_tests__free(). On error what was added so far stays in *tests.
 */
int cov_tests__read_lcov(struct cov_model ***tests, size_t *n, const char *path);
void cov_tests__free(struct cov_model **tests, size_t n); /* accepts NULL */
/* The model of test_name in *tests (NULL or "" = unnamed), appended empty if
 * there is none yet; NULL when out of memory. */
struct cov_model *cov_tests__get(struct cov_model ***tests, size_t *n, const char *test_name);

/*
 * Write model as lcov to path, merged with what path already holds (if it
 * exists), atomically: a temp file in the same directory, then rename. The
 * file keeps one block per test name (TN): the model's counts add to the
 * block of its own test name, other tests' blocks are kept as they are. On
 * any error the old file is untouched and the temp file removed.
 */
int bpfgauge_cov_write_lcov(const struct cov_model *model, const char *path);

/* ---- out-of-process collection ----------------------------------------- */

/*
 * Call cb(map_id, value, size, ctx) for every live .data.bpfgauge array map
 * in the kernel (needs root/CAP_SYS_ADMIN to list maps). The value buffer
 * is only valid during the call. Stops at the first non-zero cb return and
 * returns it; -EPERM if maps cannot be listed.
 */
int bpfgauge_cov_live_foreach(int (*cb)(uint32_t map_id, const void *value, size_t size, void *ctx),
			      void *ctx);

/*
 * Counter snapshots: copies of live counter map values, in memory or in a
 * file. capture() needs root; the file is written atomically. All return 0
 * or a negative error; *out is NULL on error. Free with cov_snapshot__free().
 */
struct cov_snapshot;
int cov_snapshot__capture(struct cov_snapshot **out);
int cov_snapshot__read(const char *path, struct cov_snapshot **out);
int cov_snapshot__write(const struct cov_snapshot *s, const char *path);
size_t cov_snapshot__cnt(const struct cov_snapshot *s);
/* Value i (owned by the snapshot), its size and map id; NULL if out of range. */
const void *cov_snapshot__value(const struct cov_snapshot *s, size_t i, size_t *size,
				uint32_t *map_id);
void cov_snapshot__free(struct cov_snapshot *s); /* accepts NULL */
/* Remove value i (later values move down by one). */
void cov_snapshot__drop(struct cov_snapshot *s, size_t i);

/* True if any counter segment in value belongs to a module of m. */
bool cov_mapping__matches_value(const struct cov_mapping *m, const void *value, size_t size);
/* Drop every value of s that has no segment of a module of m. */
void cov_snapshot__keep_matching(struct cov_snapshot *s, const struct cov_mapping *m);

/*
 * Zero the probes of every live .data.bpfgauge map (only those matching
 * filter, if not NULL). *nreset gets the number of maps zeroed. Needs root.
 */
int bpfgauge_cov_reset_live(const struct cov_mapping *filter, int *nreset);

/*
 * The coverage tracer (cov run): a BPF program on a raw tracepoint that
 * reports every counter map the traced process tree creates and holds the
 * creating thread (SIGSTOP) until user space has its own reference, so no
 * map can vanish before it is read, however short-lived its loader. Needs
 * root and a kernel with BTF. Typical use: fork the command stopped, start
 * the tracer with its pid, let the command run, poll while it runs, finish.
 */
struct cov_tracer;
int cov_tracer__start(int root_pid, struct cov_tracer **out);
/* Handle events for up to timeout_ms (0: no wait). 0 or a negative error. */
int cov_tracer__poll(struct cov_tracer *t, int timeout_ms);
/*
 * Detach and return the current value of every counter map the tree
 * created (*nmaps of them), one per map: read after the command is done,
 * while we still hold them. *nmissed counts maps that were gone before we
 * could take them (never expected). Free with cov_snapshot__free().
 */
int cov_tracer__finish(struct cov_tracer *t, struct cov_snapshot **out, size_t *nmaps,
		       size_t *nmissed);
void cov_tracer__free(struct cov_tracer *t); /* accepts NULL, releases the maps */

/* Zero the probes of every segment in a counter map value (headers kept). */
int cov_value_reset(void *value, size_t size);

/*
 * The mapping hash of every segment in a counter map value, in order: the
 * first max go to hashes, *n gets how many there are (may exceed max). 0, or
 * -BPFGAUGE_ECOUNTERS (with *n = 0) if the value is malformed.
 */
int cov_value_hashes(const void *value, size_t size, uint64_t *hashes, size_t max, size_t *n);

/* ---- a coverage session: from objects and counters to a checked model -- */

/*
 * One report's worth of work, in the order the CLI (or a host program)
 * does it: add the objects' mappings, add counter snapshots (live, from
 * files, from the tracer) or lcov tracefiles, build the model, summarise
 * it and check thresholds. Snapshots are kept until cov_session__build(),
 * so objects may be added after the counters (cov run finds the objects
 * of the maps it captured).
 */
struct cov_session;

/* A session whose model carries test_name (copied; may be NULL) as lcov
 * TN. NULL with errno EINVAL (a name lcov cannot carry) or ENOMEM. */
struct cov_session *cov_session__new(const char *test_name);
void cov_session__free(struct cov_session *s); /* accepts NULL */

/* Read the mapping of the object at path and add its modules. Errors as
 * cov_mapping__from_file() (logged, naming path); the session is unchanged. */
int cov_session__add_object(struct cov_session *s, const char *path);
/* Add the modules of m; the session takes m, also on error. */
int cov_session__add_mapping(struct cov_session *s, struct cov_mapping *m);
/* Modules added so far, merged (NULL before the first object). Valid until
 * the next add. */
const struct cov_mapping *cov_session__mapping(const struct cov_session *s);

/* Add counter map values: the session takes snap, also on error. */
int cov_session__add_snapshot(struct cov_session *s, struct cov_snapshot *snap);
/* The same from a snapshot file (cov_snapshot__read() errors). */
int cov_session__add_snapshot_file(struct cov_session *s, const char *path);
/* The same from every live counter map (cov_snapshot__capture(); root). */
int cov_session__add_live(struct cov_session *s);
/* Counter map values added so far and not yet built into the model. */
size_t cov_session__pending_cnt(const struct cov_session *s);
/* Every pending value, in the order added; NULL when there are none. */
const struct cov_snapshot *cov_session__pending(const struct cov_session *s);

/*
 * Find the objects of the pending values (cov run): in the n files and
 * directories of paths (none: "."), in order, every BPF ELF *.o whose
 * mapping holds a hash that a pending segment carries is added to s. The
 * scan stops once every hash has its object, never follows a symlink out
 * of the tree it scans and never enters /proc, /sys, /dev or another pseudo
 * file system. An object whose mapping cannot be read is skipped and told
 * to on_skip (the log stays quiet about it). Returns 0, -ENOMEM, or the
 * -errno of a path that cannot be looked at, which st->bad_path names.
 */
struct cov_find_opts {
	size_t sz; /* sizeof(struct cov_find_opts) */
	void (*on_skip)(const char *path, int err, void *ctx);
	void *ctx;
	size_t :0;
};
struct cov_find_stats {
	size_t looked;        /* names other than directories looked at */
	size_t read;          /* instrumented BPF objects whose mapping was read */
	size_t used;          /* ... that hold a wanted hash (added) */
	const char *bad_path; /* the path of a -errno return (one of paths) */
};
int cov_session__find_objects(struct cov_session *s, const char *const *paths, size_t n,
			      const struct cov_find_opts *opts, struct cov_find_stats *st);

/* Merge an lcov tracefile into the model (cov_model__read_lcov() errors). */
int cov_session__add_lcov(struct cov_session *s, const char *path);

/*
 * Turn every pending value into coverage with the mappings added so far.
 * Segments of no module are counted, not an error (see the stats), and
 * the values that hold any stay in cov_session__unmatched(). Errors as
 * cov_model__add_counters(); *bad_map_id (if not NULL) then names the map
 * whose value failed, and the model keeps the values added before it.
 */
int cov_session__build(struct cov_session *s, uint32_t *bad_map_id);

struct cov_session_stats {
	size_t values;             /* counter map values built */
	size_t values_matched;     /* ... whose every segment has a module */
	size_t segments_unmatched; /* segments of no module added */
};
void cov_session__stats(const struct cov_session *s, struct cov_session_stats *st);

/* The values built that hold a segment of no module (for saving them as a
 * snapshot); owned by the session, never NULL after a build. */
const struct cov_snapshot *cov_session__unmatched(const struct cov_session *s);
/*
 * Describe the segments of no module in the unmatched values: their number
 * is returned, desc gets "counts-mode segment <hash> of N probes, ..." for
 * the first three (then ", ...").
 */
size_t cov_session__describe_unmatched(const struct cov_session *s, char *desc, size_t size);

/* The model built so far (never NULL); valid until the session changes. */
const struct cov_model *cov_session__model(const struct cov_session *s);
void cov_session__summary(const struct cov_session *s, struct cov_summary *sum);

/* ---- thresholds (cov summary --fail-under-*) ---------------------------- */

enum cov_kind { COV_LINES, COV_FUNCS, COV_BRANCHES, COV_NKINDS };

/* "lines", "functions", "branches". */
const char *cov_kind_name(enum cov_kind k);

struct cov_check {
	uint64_t found, hit;
	double percent; /* 0 when found is 0 */
	double min;     /* the threshold, < 0: none */
	bool ok;
};

/*
 * Check a summary against min[k] (a percentage, < 0 for none) for every
 * kind into res[]. A threshold over nothing fails: an empty report must not
 * pass a gate. Returns true when every kind passes.
 */
bool cov_summary__check(const struct cov_summary *sum, const double min[COV_NKINDS],
			struct cov_check res[COV_NKINDS]);

#ifdef __cplusplus
}
#endif

#endif /* BPFGAUGE_COV_H */
