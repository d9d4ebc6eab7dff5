/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The lcov tracefile format (geninfo's, as lcov 1.x/2.x and genhtml read
 * it) at the record level: a reader that tokenises a tracefile into TN, SF,
 * FN, FNDA, DA, BRDA and end_of_record records, checking their syntax and
 * nesting, and a writer of the same records. Part of fmt/: it knows lines
 * and numbers, nothing of coverage models.
 */
#ifndef BPFGAUGE_FMT_LCOV_H
#define BPFGAUGE_FMT_LCOV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum lcov_kind {
	LCOV_TN,   /* name: the test name ("" for "TN:") */
	LCOV_SF,   /* name: the source file path, never empty */
	LCOV_FN,   /* name, line: a function and its first line */
	LCOV_FNDA, /* name, count: a function's entry count */
	LCOV_DA,   /* line, count */
	LCOV_BRDA, /* line, block, branch, taken (-1 for '-') */
	LCOV_END,  /* end_of_record */
};

struct lcov_rec {
	enum lcov_kind kind;
	const char *name; /* points into the reader's line buffer: valid until the next read */
	uint32_t line, block, branch;
	uint64_t count;
	int64_t taken;
};

struct lcov_reader {
	FILE *f;
	const char *path; /* names the file in messages; not copied */
	char *buf;
	size_t cap;
	unsigned long lineno;
	bool in_sf; /* between SF and end_of_record */
};

/* Read the tracefile f (owned by the caller); path names it in messages. */
void lcov_reader_init(struct lcov_reader *r, FILE *f, const char *path);
void lcov_reader_release(struct lcov_reader *r);

/*
 * The next record into *rec: 1, or 0 at the end of the file. Summary and
 * lcov 2 extra records (LF, LH, FNF, FNH, BRF, BRH, VER, FNL, FNA) and empty
 * lines are passed over. A malformed line or nesting (a record outside
 * SF..end_of_record, TN inside one, a file ending inside one) is logged as
 * "cov: PATH:LINE: malformed lcov: WHAT" and gives -BPFGAUGE_EBADFORMAT;
 * a read error -EIO.
 */
int lcov_reader_next(struct lcov_reader *r, struct lcov_rec *rec);

/*
 * The writer: one function per record, in geninfo's order within a file
 * block (TN, SF, FN..., FNDA..., FNF/FNH, BRDA..., BRF/BRH, DA..., LF/LH,
 * end_of_record). Text fields are written by one function,
 * lcov_put_text(): lcov has no escapes, so they go as they are (the model
 * refuses newlines and control bytes in test names, paths and function
 * names before they get here), and the reader reads back what was written.
 * Errors stay in the FILE (ferror).
 */
void lcov_put_text(FILE *f, const char *s);
void lcov_write_tn(FILE *f, const char *test_name); /* NULL: "TN:" */
void lcov_write_sf(FILE *f, const char *path);
void lcov_write_fn(FILE *f, uint32_t line, const char *name);
void lcov_write_fnda(FILE *f, uint64_t count, const char *name);
void lcov_write_brda(FILE *f, uint32_t line, uint32_t block, uint32_t branch, int64_t taken);
void lcov_write_da(FILE *f, uint32_t line, uint64_t count);
/* The found/hit summaries: FNF/FNH, BRF/BRH, LF/LH. */
void lcov_write_fn_summary(FILE *f, uint64_t found, uint64_t hit);
void lcov_write_br_summary(FILE *f, uint64_t found, uint64_t hit);
void lcov_write_line_summary(FILE *f, uint64_t found, uint64_t hit);
void lcov_write_end(FILE *f);

#endif /* BPFGAUGE_FMT_LCOV_H */
