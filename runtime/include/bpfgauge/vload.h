/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loading BPF programs one at a time, veristat-style, to capture their
 * verifier log and bpf_prog_info: a fresh bpf_object per program with only
 * that program autoloaded, pinning off and max_entries 0 fixed up. Loaded
 * programs are closed again at once; nothing stays in the kernel.
 */
#ifndef BPFGAUGE_VLOAD_H
#define BPFGAUGE_VLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "bpfgauge/vlog.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vload_opts {
	size_t sz;          /* sizeof(struct vload_opts) */
	int log_level;      /* 1 or 2; BPF_LOG_STATS (4) is always added. 0 = 1 */
	size_t log_size;    /* first log buffer size in bytes; 0 = 16 MiB */
	bool no_retry;      /* keep the first buffer even if the log is cut (ENOSPC) */
	bool hotspots;      /* build per-line hotspots while parsing */
};

/*
 * Check that path is a BPF ELF object with BTF and list its programs.
 * *names is a NULL-terminated array the caller frees with vload_names_free.
 * Errors: -ENOENT (or other open errno), -BPFGAUGE_ENOTBPF (not ELF, or ELF
 * for another machine), -BPFGAUGE_ENOBTF (no .BTF section), -EINVAL (libbpf
 * refused it). A one-line reason is logged with pr_warn.
 */
int vload_list_progs(const char *path, char ***names, size_t *n);
void vload_names_free(char **names);

/*
 * Where program prog of the BPF ELF at path is in the source, from the
 * object's BTF line info, without loading it (no privileges): the file as
 * clang recorded it (absolute when clang knew the compile directory) and the
 * line of insn number insn of the program (e.g. the verifier's failing
 * insn), or of its first insn when insn is negative or past the program's
 * own code (appended subprogs). *file is malloc'd, the caller frees it.
 * -ENOENT when the object, the program or its line info is missing; *file
 * is then NULL.
 */
int vload_prog_source(const char *path, const char *prog, int insn, char **file, int *line);
/*
 * Every source file named in the BTF line info of the BPF ELF at path, as
 * clang recorded them (absolute when it knew the compile directory), each
 * once: a NULL-terminated array freed with vload_names_free. -ENOENT if the
 * object has no line info.
 */
int vload_source_files(const char *path, char ***files, size_t *n);

struct vload_result {
	struct vlog_record *rec; /* owned by the caller: vlog_record__free */
	char *log;               /* the verifier log (NUL-terminated), caller frees */
	size_t log_len;
	struct vlog_parser *parser; /* with opts.hotspots: caller frees */
	int retries;             /* ENOSPC retries done */
};

/*
 * Load program prog of path and fill res. Returns 0 when a record was
 * produced (also when the program failed verification: see the verdict),
 * or a negative error when the object could not even be opened; res is
 * then zeroed. Thread-safe across different objects.
 */
int vload_prog(const char *path, const char *prog, const struct vload_opts *opts,
	       struct vload_result *res);
void vload_result_release(struct vload_result *res); /* accepts zeroed */

/*
 * libbpf's messages are part of a load's verdict (CO-RE and BTF failures
 * are classified from them). With capture on, the loader hooks
 * libbpf_set_print(): what libbpf prints on a thread while one of our loads
 * or opens runs there is kept for that load (and logged with pr_debug);
 * every other message goes on to the callback installed before. Calls nest:
 * the first "on" installs the hook, the last "off" puts the previous
 * callback back (unless it was replaced meanwhile: then the new one stays).
 * Without capture, libbpf's messages go wherever the host sends them and a
 * failure is classified from the verifier log alone. Thread-safe.
 */
void vload_capture_libbpf_log(bool on);

/*
 * What the object adds to an offline log of program prog: libbpf's final
 * layout of it (the object is opened and loaded once, so this needs the
 * same privileges as vload_prog; a refused load still relocates). With p,
 * BTF line info is supplied for insns the log did not locate (logs older
 * than 6.9); with r, stack_max becomes the deepest call chain. Either may
 * be NULL. 0 also when the layout is unknown; a negative error when the
 * object or program cannot be opened (with a pr_warn).
 */
int vload_annotate(const char *path, const char *prog, struct vlog_parser *p,
		   struct vlog_record *r);

/* --- batch loading: many programs on worker threads --- */

/*
 * One program of a batch: the caller sets path and prog, vload_batch the
 * rest (overwriting it: release a job before running it again).
 */
struct vload_job {
	const char *path;        /* the object; not copied, must outlive the batch */
	const char *prog;        /* the program's name; not copied */
	struct vlog_record *rec; /* out: the record, NULL on error (vload_job_release) */
	int err;                 /* out: 0, or vload_prog's negative error */
	char *reason;            /* out: with err, what failed in one line (no "verifier: "
				  * prefix); malloc'd (vload_job_release), NULL if none */
};

struct vload_batch_opts {
	size_t sz;                     /* sizeof(struct vload_batch_opts) */
	const struct vload_opts *load; /* for every program; NULL = defaults */
	int jobs;                      /* worker threads; 0 = online CPUs; at most one per job */
	/*
	 * Called on the worker thread that loaded job number i, before res is
	 * released: it may take a field of res (the log, the parser) by setting
	 * it to NULL. res->rec goes to job->rec afterwards unless taken. Calls
	 * for different jobs run concurrently. NULL = none.
	 */
	void (*on_result)(struct vload_job *job, size_t i, struct vload_result *res, void *ctx);
	/* Called after every job, done counting 1..total, one call at a time. NULL = none. */
	void (*progress)(size_t done, size_t total, void *ctx);
	void *ctx;                     /* passed to on_result and progress */
};

/*
 * Load the n jobs with vload_prog on a pool of threads, the calling thread
 * being one of them; results stay in input order. A thread that cannot be
 * created shrinks the pool (down to the caller alone): no job is lost. The
 * workers log no warnings: a failed job has err and reason instead, for the
 * caller to report. Returns 0 (also when jobs failed: see their err), or
 * -EINVAL for a job without path or prog (nothing loaded).
 */
int vload_batch(struct vload_job *jobs, size_t n, const struct vload_batch_opts *opts);
/* Free a job's record and reason and clear them (path and prog stay). Accepts NULL. */
void vload_job_release(struct vload_job *job);
/*
 * Append one job per program of the BPF object at path to *jobs (*n
 * entries, grown with realloc). path is not copied; each prog is a
 * malloc'd copy (vload_jobs_free). Errors as vload_list_progs, with its
 * pr_warn; *jobs and *n then hold what they held before.
 */
int vload_jobs_add_object(struct vload_job **jobs, size_t *n, const char *path);
/* Release n jobs built with vload_jobs_add_object (records, reasons, names) and the array. */
void vload_jobs_free(struct vload_job *jobs, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* BPFGAUGE_VLOAD_H */
