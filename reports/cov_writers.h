/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Coverage writers: each output format is one file behind this ops struct.
 * A writer only reads a finished model and writes to a FILE the caller owns;
 * it returns 0 or a negative errno (e.g. -EIO if the FILE reported an error).
 */
#ifndef BPFGAUGE_COV_WRITERS_H
#define BPFGAUGE_COV_WRITERS_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "bpfgauge/cov.h"
#include "json_writer.h"

/* Options some writers take; a writer ignores what it does not use. */
struct cov_write_opts {
	/* Cobertura: the <source> root; file names under it are written relative
	 * to it (as gcovr's --root), others stay absolute. NULL: "/". */
	const char *root;
};

struct cov_writer {
	const char *name; /* lcov, cobertura, json */
	const char *desc;
	int (*write)(FILE *f, const struct cov_model *m);
	/* The same with options, for writers that take any (else NULL). */
	int (*write_opts)(FILE *f, const struct cov_model *m, const struct cov_write_opts *o);
};

extern const struct cov_writer cov_writer_lcov;
extern const struct cov_writer cov_writer_cobertura;
extern const struct cov_writer cov_writer_json;

/* Look a writer up by name; NULL if unknown. */
const struct cov_writer *cov_writer_find(const char *name);

/*
 * The summary as text: "files......: N" (with_files) and one line per kind,
 * "lines......: 80.0% (4 of 5)" or "n/a (0 of 0)". 0 or -EIO.
 */
int cov_summary_write_plain(FILE *f, const struct cov_summary *s, bool with_files);
/* "NAME": {found, hit, percent} (percent null over nothing): one coverage kind. */
void cov_kind_write_json(json_writer_t *jw, const char *name, uint64_t found, uint64_t hit);
/* The summary as one JSON object: files, per kind found, hit, percent
 * (null over nothing) and, with a threshold, fail_under and ok; then ok. */
void cov_summary_write_json(json_writer_t *jw, const struct cov_summary *s,
			    const struct cov_check res[COV_NKINDS]);

/*
 * What a coverage command did, for its -j document (cov_result_write_json);
 * the strings are borrowed. Counts of zero and NULL strings are written as
 * 0 and null, except the cmd fields, written only when cmd is set.
 */
struct cov_result_info {
	const char *command;       /* "run", "report" or "merge" */
	const char *output;        /* the file written; "-" for stdout */
	const char *format;        /* lcov, cobertura, json */
	const char *const *inputs; /* objects (report) or tracefiles (merge) */
	size_t ninputs;
	const char *const *snapshots; /* report --snapshot files */
	size_t nsnapshots;
	const char *const *test_names; /* merge: the inputs' test names; NULL: the model's */
	size_t ntest_names;
	size_t counter_maps;       /* counter map values read (run, report) */
	size_t objects_used;       /* run: objects found that own a captured map */
	size_t unmatched_maps;     /* counter map values with a segment of no object */
	size_t unmatched_segments; /* ... and those segments */
	const char *unmatched_snapshot; /* run: where the unmatched maps were saved */
	const char *const *cmd;    /* run: CMD [ARGS...], NULL-terminated */
	int cmd_exit_code;         /* run: CMD's (128+N if killed by signal N) */
};
/*
 * A coverage command's result as one JSON object (kind "bpfgauge-cov-result"): the
 * info above, then per file and in total the lines, functions and branches
 * found and hit of m (as lcov counts them: LF/LH, FNF/FNH, BRF/BRH).
 */
void cov_result_write_json(json_writer_t *jw, const struct cov_result_info *info,
			   const struct cov_model *m);

/* Schema version of the coverage JSON. */
#define COV_JSON_SCHEMA_VERSION 1

#endif /* BPFGAUGE_COV_WRITERS_H */
