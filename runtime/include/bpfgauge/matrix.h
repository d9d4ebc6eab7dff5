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
	const char *workdir;  /* initramfs and console logs go here (must exist) */
	const char *busybox;  /* NULL = /bin/busybox (must be static) */
	int timeout_s;        /* 0 = 300 */
	int mem_mb;           /* 0 = 1024 */
	int cpus;             /* guest vCPUs; 0 = 1 */
	/* The guest's command before the object paths: it must print a capture
	 * document (mx_capture_parse) on stdout. The static CLI is copied to
	 * MX_GUEST_CLI; the bpfgauge command passes its own `matrix capture`. */
	const char *guest_cmd;
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
};

struct mx_result {
	int64_t run_id;
	size_t cells, cells_done, cells_failed, cells_skipped;
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

struct mx_policy {
	double insns_growth_pct;   /* flag insns growth above this; default 10 */
	double states_growth_pct;  /* default 10 */
	double min_headroom_pct;   /* flag when 100 - insns_pct falls below; default 30 */
	bool flag_new_failures;    /* fail in NEW with no baseline cell; default true */
};

void mx_policy_default(struct mx_policy *p);
/*
 * Read thresholds from a `verifier gate` policy file (its "insns +N%",
 * "states +N%", "headroom >= N%" rules for the "*" glob). Lines it does not
 * understand are ignored with a pr_info. 0 or -errno/-BPFGAUGE_EBADFORMAT.
 */
int mx_policy_load(const char *path, struct mx_policy *p);

enum mx_flag_kind {
	MX_FLAG_PASS_TO_FAIL,
	MX_FLAG_INSNS_GROWTH,
	MX_FLAG_STATES_GROWTH,
	MX_FLAG_HEADROOM,
	MX_FLAG_NEW_FAILURE,   /* fails on a cell that the baseline did not have */
	MX_FLAG_AXIS_FAIL,     /* fails on some cells of the matrix but passes on others */
};

struct mx_flag {
	enum mx_flag_kind kind;
	char object[128];
	char prog[128];
	char axis[160];      /* "regressed on kernel 6.12 only", "with clang 22 only", ... */
	char detail[256];    /* the numbers */
	char cells[256];     /* which cells, "kernel=6.1 clang=19 mcpu=v3; ..." */
	const char *log;     /* excerpt from a flagged cell (owned by the cells) */
};

/*
 * Compare cur against base (base may be NULL: only within-run axis
 * differences and headroom are flagged). *flags is malloc'ed; log points
 * into cur's cells, which must outlive the flags.
 */
int mx_flags(const struct store_cell *base, size_t nbase, const struct store_cell *cur,
	     size_t ncur, const struct mx_policy *p, struct mx_flag **flags, size_t *n);
const char *mx_flag_kind_str(enum mx_flag_kind k);

/* Short kernel label for tables: "host" or the release's major.minor ("6.1"). */
void mx_kernel_short(const struct store_cell *c, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* BPFGAUGE_MATRIX_H */
