/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel x clang x -mcpu matrix: capture stats for a set of objects on
 * the running kernel (host, or inside a guest), run the whole matrix
 * (compile, host loads, one VM boot per kernel), store every cell, and
 * compute regression flags against a baseline run, naming the axis that
 * changed.
 */
#ifndef BPFGAUGE_MATRIX_H
#define BPFGAUGE_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bpfgauge/store.h"
#include "bpfgauge/vlog.h"

#ifdef __cplusplus
extern "C" {
#endif

struct json_writer;
struct json_value;

/* --- capture: stats of objects on the running kernel --- */

struct mx_capture {
	char kernel_release[128];
	char config_hash[17];
	int btf;                    /* /sys/kernel/btf/vmlinux present */
	struct vlog_record **recs;  /* file = the path given */
	char **logs;                /* per record: full log (full_logs) or failure tail */
	char **attach;              /* per record: attach outcome (mx_attach_run) or NULL;
				     * the array is NULL when attaches were not tried */
	size_t n;
	char **errors;              /* "path: reason" for objects that did not open */
	size_t nerrors;
};

/*
 * Load every program of every object (jobs threads; 0 = CPUs) and collect
 * the records. With full_logs every log is kept whole, else only the last
 * lines of failing ones. 0 or -ENOMEM; object errors go to out->errors.
 */
int mx_capture_run(char *const *paths, size_t n, int jobs, bool full_logs,
		   struct mx_capture *out);
/* JSON: {"schema_version","kind":"bpfgauge-capture","kernel_release",...,"programs":[...]} */
int mx_capture_write(FILE *f, const struct mx_capture *c);
int mx_capture_parse(const char *buf, size_t len, struct mx_capture *out);
void mx_capture_release(struct mx_capture *c);

struct vm_result;

struct mx_vm_opts {
	size_t sz;            /* sizeof(struct mx_vm_opts) */
	const char *workdir;  /* initramfs and console logs go here (must exist) */
	const char *busybox;  /* NULL = /bin/busybox (must be static) */
	int timeout_s;        /* 0 = 300 */
	int mem_mb;           /* 0 = 1024 */
	int cpus;             /* guest vCPUs; 0 = 1 */
	/* The guest's command before the object paths: it must print a capture
	 * document (mx_capture_parse) on stdout. The static CLI is copied to
	 * MX_GUEST_CLI; the bpfgauge command passes its own `matrix capture`. */
	const char *guest_cmd;
	/* The guest's architecture (vm_arch_norm): NULL or "x86_64", or "arm64",
	 * run under qemu-system-aarch64 with bpfgauge-static-arm64 (vm_static_cli_arch)
	 * and the arm64 busybox (vm_busybox). */
	const char *arch;
};

#define MX_GUEST_CLI "/bin/bpfgauge"

/*
 * Boot kernel (an image path) once with all objects and capture their
 * stats inside it with the static CLI. On a VM failure returns the error
 * with vr->error and vr->console_tail set; out is then empty. Record files
 * are the host paths given. The caller releases out and vr.
 */
int mx_capture_vm(const char *kernel, char *const *paths, size_t n,
		  const struct mx_vm_opts *o, struct mx_capture *out, struct vm_result *vr);

/* --- attach outcomes (matrix_attach.c) --- */

enum mx_attach_outcome {
	MX_ATTACH_NONE = 0,     /* not recorded: the load failed, or an older store */
	MX_ATTACH_OK,           /* attached for real, detached at once */
	MX_ATTACH_NOT_TRIED,    /* loaded; attaching needs a target (interface, cgroup...) */
	MX_ATTACH_FAILED,       /* attach failed: err and cause */
	MX_ATTACH_LOAD_FAILED,  /* verified, but the attach check's own load failed */
};

/* A stored outcome ("failed ENOTSUPP: CONFIG_... is not set ...") split up. */
struct mx_attach {
	enum mx_attach_outcome outcome;
	char err[24];     /* errno name ("ENOTSUPP", "EPERM"), "" if none */
	char cause[400];  /* the kconfig cause from the compat rules, else libbpf's line */
};

/* Split an outcome string (NULL or "": MX_ATTACH_NONE). */
void mx_attach_parse(const char *s, struct mx_attach *a);
/* "attached", "not-attached", "failed", "load-failed", "" for MX_ATTACH_NONE. */
const char *mx_attach_outcome_str(enum mx_attach_outcome o);

/*
 * On the running kernel, attach every program of cap that verified, with
 * compat_live_check_all (jobs threads; 0 = two per CPU, at most 8),
 * detaching at once, and fill cap->attach (record files must be the paths
 * given). Needs root. 0 or -ENOMEM; a program whose check could not run
 * gets no outcome.
 */
int mx_attach_run(char *const *paths, size_t n, int jobs, struct mx_capture *cap);

/*
 * Replace the libbpf line of each "failed ERRNO" outcome in attach[0..n)
 * (records recs of the object file at path object) by the cause the compat
 * rules give for that errno on kernel (compat_kernel__load spec: "host",
 * or a guest's image path with its config-<release> beside it), where one
 * does. Outcomes the rules do not explain are left as they are. Records
 * that failed to load with EPERM, EINVAL or ENOTSUPP are classed "kernel"
 * with their cause on that kernel (compat_explain_records). attach may be
 * NULL.
 */
void mx_attach_explain(const char *kernel, const char *object, struct vlog_record *const *recs,
		       char **attach, size_t n);

/* Last lines of a log (at most max_lines), malloc'ed; NULL for NULL. */
char *mx_log_tail(const char *log, int max_lines);

/* --- the matrix --- */

/* Where a run stands, for a progress display. */
struct mx_progress {
	size_t done, total, failed; /* cells */
	double elapsed_s;
	double eta_s;               /* 0 until a cell is done */
};

struct mx_opts {
	size_t sz;
	char **clangs;  size_t nclangs;   /* majors, e.g. "14"; none = objects as given */
	char **mcpus;   size_t nmcpus;    /* e.g. "v3"; none = compiler default */
	char **kernels; size_t nkernels;  /* "host", a version ("6.1") or an image path */
	char **inputs;  size_t ninputs;   /* *.bpf.c sources or *.o objects */
	const char *cflags;               /* extra clang flags (split on spaces) */
	const char *db;                   /* store path */
	const char *label;
	const char *workdir;              /* NULL = a temp dir, removed after */
	int vm_timeout_s;                 /* per boot; 0 = 300 */
	int vm_mem_mb;                    /* 0 = 1024 */
	int vm_cpus;                      /* vCPUs per guest; 0 = 1 */
	int jobs;                         /* host load threads; 0 = CPUs */
	int vm_jobs;                      /* VMs booted at once; 0 = vm_max_parallel() / vm_cpus */
	bool resume;                      /* continue an unfinished run of the same matrix */
	/* Called before the first cell and after each, one call at a time (from
	 * the kernels' threads); the library itself never prints. NULL = none. */
	void (*progress)(const struct mx_progress *p, void *ctx);
	void *progress_ctx;
	const char *guest_cmd;            /* kernel axis: see struct mx_vm_opts */
	/* The architecture axis: "x86_64", "arm64" (aliases per vm_arch_norm);
	 * none = x86_64. Sources are compiled per arch (-D__TARGET_ARCH_...),
	 * each non-host kernel is booted once per arch from that arch's cache
	 * (vm_kernel_resolve_arch), and "host" runs x86_64 only. A cell off
	 * x86_64 is labelled "KERNEL/ARCH" and stores its arch. */
	char **archs;   size_t narchs;
};

struct mx_result {
	int64_t run_id;
	size_t cells, cells_done, cells_failed, cells_skipped;
	size_t cells_unstored; /* measured but not written to the store (the run stays partial) */
	int store_err;         /* the first of those writes' errors (negative errno) */
	double seconds;
	double boot_s_max;    /* slowest boot */
	char error[512];      /* why mx_run failed before running any cell, "" if it did not */
};

/*
 * Run the matrix; every cell goes to the store in its own transaction as
 * soon as its kernel is done, so an interrupted run keeps its finished
 * cells and never a half-written one, and a re-run with resume fills in
 * the missing ones. Inputs whose cells would share a name (same object
 * name, clang and -mcpu, e.g. a/x.bpf.c and b/x.bpf.c) are refused with
 * -EINVAL and res->error naming both, before anything is stored.
 */
int mx_run(const struct mx_opts *opts, struct mx_result *res);

/* --- regression flags --- */

struct vpolicy;

/*
 * The flags' policy: vgate.h's default policy, then (path not NULL) the
 * rules of a `verifier gate` policy file, which override the defaults per
 * metric and program glob (the last matching line wins). *out is freed
 * with vpolicy_free. 0 or -errno/-BPFGAUGE_EBADFORMAT (with a pr_warn naming
 * the file and line), *out NULL.
 */
int mx_policy_load(const char *path, struct vpolicy **out);

/*
 * Headroom levels for the writers' colours, as insns_limit_pct (% of the
 * 1M insn limit used): at most warn_pct is fine (green), at most error_pct
 * is a warning (yellow), above it or a failure is an error (red).
 */
struct mx_levels {
	double warn_pct;
	double error_pct;
};

enum { MX_LEVEL_OK, MX_LEVEL_WARN, MX_LEVEL_ERROR };

/*
 * error_pct is the policy's insns_limit_pct bound for "*" (70 in the
 * default policy: 30% headroom), 100 without one; warn_pct is 50 (Cilium's
 * warning level), or error_pct when that is lower.
 */
void mx_levels_from_policy(const struct vpolicy *p, struct mx_levels *l);
/* MX_LEVEL_* of a record (NULL or failed: MX_LEVEL_ERROR). */
int mx_level(const struct vlog_record *r, const struct mx_levels *l);

enum mx_flag_kind {
	MX_FLAG_PASS_TO_FAIL,
	MX_FLAG_INSNS_GROWTH,
	MX_FLAG_STATES_GROWTH,
	MX_FLAG_HEADROOM,
	MX_FLAG_NEW_FAILURE,   /* fails on a cell that the baseline did not have */
	MX_FLAG_AXIS_FAIL,     /* fails on some cells of the matrix but passes on others */
	MX_FLAG_POLICY,        /* another rule of the policy broken (detail: the gate's message) */
	MX_FLAG_ATTACH_FAIL,   /* verifies everywhere it is tried, but attaching fails on some
				* cells and works on others (detail: "ENOTSUPP (cause)") */
	MX_FLAG_CNT,
};

struct mx_flag {
	enum mx_flag_kind kind;
	char object[128];
	char prog[128];
	/*
	 * "regressed on kernel 6.12 only", "with clang 22 only", ... or, when
	 * the outcome changes once along kernels or clangs ordered as versions
	 * (bpfgauge_version_cmp), the first version where it changed:
	 * "kernel: passes on 6.1, fails from 6.12 on (E2BIG)".
	 */
	char axis[160];
	char detail[256];    /* the numbers */
	char cells[256];     /* which cells, "kernel=6.1 clang=19 mcpu=v3; ..." */
	const char *log;     /* excerpt from a flagged cell (owned by the cells) */
};

/*
 * Judge cur against base with the gate's evaluator (vgate_eval over the
 * cells joined by kernel, clang, -mcpu, object and program): the policy's
 * error findings, and programs that fail on some cells only. base may be
 * NULL: then only bounds (headroom) and within-run axis differences are
 * flagged. *flags is malloc'ed; log points into cur's cells, which must
 * outlive the flags.
 */
int mx_flags(const struct store_cell *base, size_t nbase, const struct store_cell *cur,
	     size_t ncur, const struct vpolicy *p, struct mx_flag **flags, size_t *n);
const char *mx_flag_kind_str(enum mx_flag_kind k);

/* --- reports: what `matrix`, `history` and `dashboard` show --- */

struct mx_report {
	const struct store_run *run;  /* the caller's, not copied */
	struct store_cell *cells;     /* run's cells */
	size_t ncells;
	struct store_run base;        /* the baseline run; base.id 0 when there is none */
	struct store_cell *bcells;
	size_t nbcells;
	struct mx_flag *flags;        /* run against base (mx_flags) */
	size_t nflags;
	struct mx_levels levels;      /* the policy's headroom levels, for the writers */
	char error[256];              /* why mx_report_build failed, "" if it did not */
};

/*
 * Read run's cells, pick its baseline (the run baseline names, a
 * store_run_get spec, or else the previous complete run of run's branch,
 * or none) and its cells, and flag run against it under the policy of
 * mx_policy_load(policy). run must outlive the report; NULL (an empty
 * store) gives a report of no cells with the policy's levels. On failure
 * rep holds only rep->error (e.g. "baseline run 'x' not found") and nothing
 * to release.
 */
int mx_report_build(struct store *st, const struct store_run *run, const char *baseline,
		    const char *policy, struct mx_report *rep);
void mx_report_release(struct mx_report *rep);

/* One program on one cell of one run, for `history trend`. */
struct mx_trend_point {
	int64_t run;
	char started[32];
	char object[128];
	char kernel[32];    /* mx_kernel_short */
	char clang[32], mcpu[32];
	int verdict;        /* enum vlog_verdict */
	long long insns, states;
};

/*
 * Every record of program prog (by name) in every run, oldest run first.
 * *out is malloc'ed. 0 or -errno.
 */
int mx_trend(struct store *st, const char *prog, struct mx_trend_point **out, size_t *n);

/*
 * Short kernel label for tables and flags: the release's major.minor
 * ("6.1"), with "/ARCH" for a cell off x86_64 ("6.1/arm64"); the cell's
 * kernel label when there is no release.
 */
void mx_kernel_short(const struct store_cell *c, char *buf, size_t size);
/* The cell's architecture: its arch column, else "arm64" for a release ending
 * in "-arm64" (stores before that column), else "x86_64". */
const char *mx_cell_arch(const struct store_cell *c);

#ifdef __cplusplus
}
#endif

#endif /* BPFGAUGE_MATRIX_H */
