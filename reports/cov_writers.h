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
/* The summary as one JSON object: files, per kind found, hit, percent
 * (null over nothing) and, with a threshold, fail_under and ok; then ok. */
void cov_summary_write_json(json_writer_t *jw, const struct cov_summary *s,
			    const struct cov_check res[COV_NKINDS]);

/* Schema version of the coverage JSON. */
#define COV_JSON_SCHEMA_VERSION 1

#endif /* BPFGAUGE_COV_WRITERS_H */
