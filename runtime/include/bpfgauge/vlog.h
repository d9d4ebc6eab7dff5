/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Verifier-log parsing and per-program stats records. The parser is pure
 * text -> struct (no libbpf, no kernel) and streams: feed it chunks of any
 * size and memory stays bounded however long the log is. One table of
 * stats (vlog_stat_def) drives parsing, printing, sorting and comparison,
 * as in veristat.
 */
#ifndef BPFGAUGE_VLOG_H
#define BPFGAUGE_VLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfgauge/bpfgauge.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every field of a record. The order is the default column order. */
enum vlog_stat {
	VLOG_STAT_FILE,           /* object file (string) */
	VLOG_STAT_PROG,           /* program name (string) */
	VLOG_STAT_VERDICT,        /* enum vlog_verdict */
	VLOG_STAT_CLASS,          /* enum vlog_class */
	VLOG_STAT_ERRNO,          /* positive errno of the load, 0 on success */
	VLOG_STAT_INSNS,          /* processed insns (log) */
	VLOG_STAT_VERIFIED_INSNS, /* bpf_prog_info.verified_insns (kernel) */
	VLOG_STAT_INSN_LIMIT,     /* complexity limit named by the log */
	VLOG_STAT_TOTAL_STATES,
	VLOG_STAT_PEAK_STATES,
	VLOG_STAT_MAX_STATES_PER_INSN,
	VLOG_STAT_MARK_READ,      /* optional; never compare across kernels */
	VLOG_STAT_DURATION,       /* verification time, usec */
	VLOG_STAT_STACK_SUM,      /* sum of per-subprog stack depths (veristat) */
	VLOG_STAT_STACK_MAX,      /* deepest call chain of frames (Cilium); from a
				   * log alone: the largest single frame */
	VLOG_STAT_STACK_DEPTHS,   /* "A+B+C" as logged (string) */
	VLOG_STAT_INSNS_PCT,      /* processed insns, % of the limit */
	VLOG_STAT_STACK_PCT,      /* stack_max, % of 512 bytes */
	VLOG_STAT_JMP_SEQ,        /* jump sequence length (from the error) */
	VLOG_STAT_FAIL_INSN,      /* index of the failing insn */
	VLOG_STAT_FAIL_LINE,      /* "file.c:LINE" of the failure (string) */
	VLOG_STAT_ERROR,          /* the verifier's error message (string) */
	VLOG_STAT_HINT,           /* suggestion (7.3 block) or the class hint */
	VLOG_STAT_TRUNCATED,      /* 1 if the log was cut short */
	VLOG_STAT_PROG_SIZE,      /* xlated insns */
	VLOG_STAT_JITED_SIZE,     /* bytes */
	VLOG_STAT_MAP_COUNT,
	VLOG_STAT_PROG_TYPE,      /* string, e.g. "xdp" */
	VLOG_STAT_ATTACH_TYPE,    /* string */
	VLOG_STAT_CNT,
};

enum vlog_kind {
	VLOG_KIND_INT,  /* int64 */
	VLOG_KIND_PCT,  /* double, two decimals when printed */
	VLOG_KIND_STR,  /* string */
	VLOG_KIND_ENUM, /* int shown by name (verdict, class) */
};

struct vlog_stat_def {
	const char *name;        /* canonical name: CSV/JSON key, -e/-s/-f name */
	const char *aliases[4];  /* accepted on input (veristat's names too) */
	const char *header;      /* table column header */
	enum vlog_kind kind;
	bool lower_is_better;    /* for sorting and compare direction */
	bool noisy;              /* varies run to run or across kernels: gates only warn */
	const char *veristat;    /* veristat CSV column, or NULL */
};

enum vlog_verdict {
	VLOG_VERDICT_UNKNOWN = 0,
	VLOG_VERDICT_PASS,
	VLOG_VERDICT_FAIL,
};

enum vlog_class {
	VLOG_CLASS_NONE = 0,    /* passed */
	VLOG_CLASS_COMPLEXITY,  /* 1M processed insns (E2BIG) */
	VLOG_CLASS_JMP_SEQ,     /* jump sequence too complex */
	VLOG_CLASS_STACK,       /* combined stack too large */
	VLOG_CLASS_LOOP,        /* infinite loop / back-edge */
	VLOG_CLASS_MEM,         /* invalid memory access / pointer arithmetic */
	VLOG_CLASS_REF,         /* unreleased reference */
	VLOG_CLASS_HELPER,      /* helper or kfunc unknown or not allowed */
	VLOG_CLASS_TRUNCATED,   /* log buffer too small (ENOSPC) */
	VLOG_CLASS_TOO_LARGE,   /* E2BIG before verification, no log */
	VLOG_CLASS_BTF,         /* missing BTF / CO-RE relocation failure */
	VLOG_CLASS_PERM,        /* EPERM: no CAP_BPF */
	VLOG_CLASS_OTHER,
	VLOG_CLASS_KERNEL,      /* EPERM/EINVAL/ENOTSUPP the kernel's build or config
				 * explains (bpfgauge compat's rules), e.g. no BPF_LSM */
	VLOG_CLASS_CNT,
};

/* The table entry for a stat; NULL if id is out of range. */
const struct vlog_stat_def *vlog_stat_def(enum vlog_stat id);
/* Look a stat up by name or alias (case-insensitive); -ENOENT if unknown. */
int vlog_stat_find(const char *name);

const char *vlog_verdict_str(enum vlog_verdict v);   /* "pass", "fail", "unknown" */
const char *vlog_class_str(enum vlog_class c);       /* "complexity", ... */
const char *vlog_class_explain(enum vlog_class c);   /* one-line explanation */
const char *vlog_class_hint(enum vlog_class c);      /* one-line hint */
/* Name -> class; -ENOENT if unknown. */
int vlog_class_parse(const char *s);

/* One program's stats. Every field may be unset. */
struct vlog_record;

/* NULL with errno=ENOMEM on failure. */
struct vlog_record *vlog_record__new(void);
void vlog_record__free(struct vlog_record *r); /* accepts NULL */
/* Deep copy; NULL with errno on failure. */
struct vlog_record *vlog_record__dup(const struct vlog_record *r);

bool vlog_record__has(const struct vlog_record *r, enum vlog_stat id);
int64_t vlog_record__int(const struct vlog_record *r, enum vlog_stat id); /* 0 if unset */
double vlog_record__num(const struct vlog_record *r, enum vlog_stat id);  /* any numeric kind */
const char *vlog_record__str(const struct vlog_record *r, enum vlog_stat id); /* NULL if unset */
/* Setters: strings are copied; -ENOMEM leaves the old value. */
void vlog_record__set_int(struct vlog_record *r, enum vlog_stat id, int64_t v);
void vlog_record__set_pct(struct vlog_record *r, enum vlog_stat id, double v);
int vlog_record__set_str(struct vlog_record *r, enum vlog_stat id, const char *s);
void vlog_record__unset(struct vlog_record *r, enum vlog_stat id);

/*
 * Text form of a field ("" if unset), as written to CSV and tables:
 * integers in decimal, percentages with two decimals, enums by name.
 * Returns the length that would have been written (snprintf-like).
 */
int vlog_record__format(const struct vlog_record *r, enum vlog_stat id, char *buf,
			size_t size);
/*
 * Set a field from its text form (the inverse of format; veristat's
 * "success"/"failure" verdicts accepted). "" unsets. -BPFGAUGE_EBADFORMAT
 * if the text does not parse; the field is then unchanged.
 */
int vlog_record__parse_value(struct vlog_record *r, enum vlog_stat id, const char *text);

/*
 * Fill the derived fields (headroom percentages, hint, class from errno
 * when the log had no message). Idempotent.
 */
void vlog_record__finalize(struct vlog_record *r);

/* Compare two records on one stat for sorting (unset sorts last). */
int vlog_record__cmp(const struct vlog_record *a, const struct vlog_record *b,
		     enum vlog_stat id);

/* A BPF-to-BPF call (src_reg BPF_PSEUDO_CALL, or a BPF_PSEUDO_FUNC callback). */
struct vlog_call {
	uint32_t insn;   /* index of the call in the program's final insn array */
	uint32_t target; /* index of the callee's first insn (insn + imm + 1) */
};

/*
 * Set stack_max to the deepest call chain: the max over call paths from
 * the main program of the sum of the frames in stack_depths, and redo
 * stack_limit_pct. The subprogs are the main program (insn 0) and every
 * call target, in increasing order, which is the order of the verifier's
 * "stack depth A+B+C" list. calls is not kept. -ENOENT if r has no
 * stack_depths, -EINVAL if the calls name a different number of subprogs
 * than the frames; r is then unchanged.
 */
int vlog_record__set_call_chain(struct vlog_record *r, const struct vlog_call *calls,
				size_t ncalls);

/* Classify an error message (one line); VLOG_CLASS_OTHER if nothing matches. */
enum vlog_class vlog_classify_msg(const char *msg);

/* --- Record sets in files (our JSON and CSV, veristat's CSV) --- */

#define VLOG_SCHEMA_VERSION 1

/*
 * Read records from text: JSON written by bpfgauge (an object with
 * "programs", or a bare array of program objects), or CSV with a header
 * naming stats by name or alias (veristat's header works as is). Unknown
 * columns/keys are ignored. name is used in messages. The caller owns
 * *recs (vlog_records_free). -BPFGAUGE_EBADFORMAT with a pr_warn naming
 * the line on malformed input; *recs is then NULL.
 */
int vlog_records_parse(const char *buf, size_t len, const char *name,
		       struct vlog_record ***recs, size_t *n);
/* Same, from a file path ("-" = stdin). -errno if it cannot be read. */
int vlog_records_load(const char *path, struct vlog_record ***recs, size_t *n);
void vlog_records_free(struct vlog_record **recs, size_t n); /* accepts NULL */

/* Read a whole file ("-" = stdin) into a NUL-terminated buffer the caller frees. */
int vlog_read_file(const char *path, char **buf, size_t *len);

/* --- Streaming parser --- */

struct vlog_parser_opts {
	size_t sz;           /* sizeof(struct vlog_parser_opts) */
	bool hotspots;       /* keep per-insn and per-source-line counts */
};

struct vlog_parser;

/* opts may be NULL. NULL with errno on failure. */
struct vlog_parser *vlog_parser__new(const struct vlog_parser_opts *opts);
void vlog_parser__free(struct vlog_parser *p); /* accepts NULL */
/* Feed any chunk of the log (need not end at a line). 0 or -ENOMEM. */
int vlog_parser__feed(struct vlog_parser *p, const char *buf, size_t len);
/*
 * End of input: build the record. The caller owns *rec (free with
 * vlog_record__free). -BPFGAUGE_EBADLOG if the text holds no verifier log
 * at all (empty, binary garbage); *rec is then NULL. A log that stops
 * before its final stats line gives a record with truncated=1.
 */
int vlog_parser__finish(struct vlog_parser *p, struct vlog_record **rec);
/* Number of lines and bytes seen so far. */
uint64_t vlog_parser__lines(const struct vlog_parser *p);

/* Convenience: parse a whole buffer. */
int vlog_parse_buf(const char *buf, size_t len, struct vlog_record **rec);

/* --- Hotspots (after finish, with opts.hotspots) --- */

struct vlog_hotspot {
	const char *file;   /* owned by the parser */
	int line;
	const char *src;    /* the C source text from the comment, may be "" */
	uint64_t insns;     /* processed insns attributed to this line */
	uint64_t paths;     /* verifier paths (from A to B) entering this line */
};

/*
 * The per-line table, sorted by insns descending. *n gets the count. The
 * array and strings belong to the parser and live until it is freed.
 * Insns with no known line (pre-6.9 logs without "@ file:line") are
 * counted in *unattributed if it is not NULL.
 */
const struct vlog_hotspot *vlog_parser__hotspots(struct vlog_parser *p, size_t *n,
						 uint64_t *unattributed);
/*
 * Supply line info for insns the log did not locate (e.g. from BTF line
 * info, for logs older than 6.9). An insn the log located keeps the log's
 * line. file is copied. Call before vlog_parser__hotspots.
 */
int vlog_parser__set_insn_line(struct vlog_parser *p, uint32_t insn, const char *file,
			       int line);
/* Same, with the line's source text (copied; NULL or "" if unknown). */
int vlog_parser__set_insn_loc(struct vlog_parser *p, uint32_t insn, const char *file,
			      int line, const char *src);

struct json_value;
/*
 * Read one record object; unknown keys are skipped. -BPFGAUGE_EBADFORMAT if
 * o is not an object or a value does not parse (*bad_key names it, if
 * bad_key is not NULL). The caller frees *out.
 */
int vlog_record__read_json(const struct json_value *o, struct vlog_record **out,
			   const char **bad_key);
/* The same, returning the record or NULL with errno set. */
struct vlog_record *vlog_record__from_json(const struct json_value *o);

#ifdef __cplusplus
}
#endif

#endif /* BPFGAUGE_VLOG_H */
