/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Coverage ground truth: parse the annotations written into the example BPF
 * sources (bpf/examples) and check a coverage model against them. The
 * annotations are derived from each program's source and its fixed input
 * (bpf/runner/examples.c) alone: what the source ran, as gcov or llvm-cov
 * count it, never what an optimiser kept and never the tool's output.
 *
 * SEMANTICS annotated (README, "Coverage semantics"):
 *   - a line that holds a statement counts how many times it ran; a line
 *     of several blocks (a for header) counts its busiest one, so a loop
 *     header counts its condition checks; an unrolled loop counts every
 *     iteration; a helper counts every call, whatever was inlined;
 *   - declarations without an initialiser, labels, 'else' and the braces
 *     of inner blocks are not lines; a function's closing brace is the
 *     line of its return block (the number of times it returned);
 *   - one branch site per source condition: each if/loop/?: condition and
 *     each operand of && and ||, outcomes true then false (for a condition
 *     written !x, x true then x false: clang branches on x); a switch is
 *     one site on its line, one outcome per distinct case target in source
 *     order, then default. Sites on one line in source order.
 *
 * GRAMMAR. An annotation is a C comment on the line it describes,
 *     / * key: value [key: value ...] * /       (no spaces inside "/ *")
 * holding one or more of these keys, optionally followed by a remark in
 * parentheses:
 *
 *   cov: N     The line holds code: it must be a DA record with count
 *              exactly N*scale (counts mode), hit iff N > 0 (hits mode).
 *   cov: N?    Only on a function's closing brace, with a remark: a
 *              function whose single return is its last statement may
 *              leave the brace no code (clang gives that return the ret);
 *              if the line is present it must match as above.
 *   fn: N      An FN record for the function declared on this line (its
 *              name is the identifier before the first '('), with FNDA
 *              exactly N*scale (counts) or > 0 iff N > 0 (hits).
 *   br: A,B;C,D
 *              The BRDA records on this line, exactly: sites (';') in
 *              block-id order, which is source order, each with its
 *              outcomes (',') in branch order (true, false; or the switch
 *              cases then default). '-' means the site never ran. Counts
 *              mode compares values times scale; hits mode compares '-',
 *              0 and >0.
 *   br+: A,B   Sum each outcome over all sites of the line, then compare
 *              in order (kept for callers that need a per-line total; the
 *              examples no longer use it).
 *   oracle: N  Not checked here: the count the host oracle (llvm-cov, see
 *              tests/e2e/oracle) reports for this line where it deliberately
 *              differs from cov:, with the reason in the remark.
 *
 * RULES checked by annot_check():
 *   - every DA line in an annotated file has a cov: annotation;
 *   - every cov: N (without '?') line is present;
 *   - every FN record in an annotated file has a fn: annotation, and every
 *     fn: annotation has its FN record, on that line;
 *   - every br:/br+: annotation matches, and every BRDA line has one;
 *   - the model holds no file outside the annotated set.
 */
#ifndef BPFGAUGE_E2E_ANNOT_H
#define BPFGAUGE_E2E_ANNOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cov_model;

#define ANNOT_MAX_BLOCKS 8
#define ANNOT_MAX_BRANCHES 8
#define ANNOT_NEVER (-1) /* '-' */

struct annot_br {
	int nblocks;
	int nbranches[ANNOT_MAX_BLOCKS];
	int64_t taken[ANNOT_MAX_BLOCKS][ANNOT_MAX_BRANCHES];
};

struct annot_line {
	uint32_t line;
	bool has_cov, cov_optional; /* cov_optional: only on a closing brace */
	uint64_t cov;
	bool has_fn;
	uint64_t fn;
	char fn_name[64];
	bool has_br, br_sum; /* br_sum: br+ */
	struct annot_br br;
};

struct annot_file {
	char *path; /* as read */
	char *base; /* file name, used to match model paths */
	struct annot_line *lines;
	size_t nlines;
};

struct annot_set {
	struct annot_file *files;
	size_t nfiles;
};

/*
 * Parse every *.bpf.c and *.h in dir into set (which the caller zeroes
 * first and releases with annot_set_release()). Returns 0, or -errno with
 * a message naming file:line in err.
 */
int annot_load_dir(struct annot_set *set, const char *dir, char *err, size_t errsz);
/* Parse one file and append it to set. */
int annot_load_file(struct annot_set *set, const char *path, char *err, size_t errsz);
void annot_set_release(struct annot_set *set);

enum annot_mode { ANNOT_COUNTS, ANNOT_HITS };

struct annot_check_opts {
	enum annot_mode mode;
	uint64_t scale;        /* counts are expected * scale; 0 means 1 */
	const char *only_file; /* check only this base name; others ignored */
	bool skip_file;        /* with only_file: check all but that one */
};

struct annot_stats {
	size_t lines, funcs, branch_lines, branch_lines_unchecked;
	size_t failures;
};

/*
 * Check model against set. Every mismatch is appended to out (one line
 * each, "file:line: what") as long as it fits in outsz. Returns the number
 * of failures (0 = exact match).
 */
size_t annot_check(const struct annot_set *set, const struct cov_model *model,
		   const struct annot_check_opts *opts, struct annot_stats *stats,
		   char *out, size_t outsz);

#endif /* BPFGAUGE_E2E_ANNOT_H */
