/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The history store: verifier-stats records with their provenance in
 * SQLite (WAL). A run holds cells, one per (kernel, clang, -mcpu, object);
 * a cell holds one immutable record per program. Each cell is written in
 * one transaction, so an interrupted matrix leaves whole cells only and a
 * re-run resumes the missing ones; imports are one transaction per file.
 * The schema is migrated through PRAGMA user_version. Runs import and
 * export losslessly as JSON and RFC 4180 CSV (schema_version 1).
 */
#ifndef BPFGAUGE_STORE_H
#define BPFGAUGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bpfgauge/vlog.h"

#ifdef __cplusplus
extern "C" {
#endif

#define STORE_SCHEMA_VERSION 1   /* of the export formats */
#define STORE_DB_VERSION 3       /* PRAGMA user_version */
#define STORE_DEFAULT_PATH ".bpfgauge/history.db"

/* Provenance of one run. All strings are owned (store_run_release). */
struct store_run {
	int64_t id;
	char *uuid;          /* stable across export/import */
	char *started;       /* ISO 8601 UTC */
	char *finished;      /* "" while running */
	/*
	 * "running", "complete", "partial" or "interrupted". A "running" run
	 * whose process is known to be dead (see owner) is read back as
	 * "interrupted", even from a read-only store.
	 */
	char *status;
	char *git_commit;    /* "" outside a repo */
	int git_dirty;       /* -1 unknown */
	char *branch;
	char *host_arch;
	char *host_kernel;   /* uname -r of the host */
	char *label;         /* user label (--label) */
	char *matrix_key;    /* hash of the requested matrix, for resume */
	char *tool_version;  /* bpfgauge version */
	/*
	 * The process that writes the run: "HOST/BOOT_ID/PID/START" (hostname,
	 * /proc/sys/kernel/random/boot_id, pid and its start time in clock
	 * ticks), "" for runs written before it existed. Filled by
	 * store_run_provenance.
	 */
	char *owner;
	size_t ncells;       /* filled by queries */
};

/* One (kernel, clang, mcpu, object) cell and its records. Owned strings. */
struct store_cell {
	int64_t id;
	char *kernel;          /* axis label: "host" or the image given */
	char *kernel_release;  /* uname -r seen by the verifier */
	char *arch;            /* "x86_64", "arm64"; "" or NULL unknown (stores before
				* schema 3: see mx_cell_arch) */
	char *config_hash;     /* sha-256 prefix of the kernel config, "" unknown */
	int btf;               /* kernel BTF present: 1/0, -1 unknown */
	char *clang;           /* axis label, e.g. "19" ("" for prebuilt objects) */
	char *clang_version;   /* first line of clang --version */
	char *mcpu;            /* "v3", "" if not pinned */
	char *cflags;
	char *object;          /* object name (basename, no clang suffix) */
	char *object_hash;     /* sha-256 prefix of the object file */
	char *status;          /* "ok" or "error" */
	char *error;           /* cell error (VM failure, compile error) */
	char *console_tail;    /* VM console tail on error */
	double seconds;        /* wall time of the cell */
	struct vlog_record **recs; /* owned */
	char **logs;           /* per record: log excerpt or NULL; owned */
	/*
	 * Per record: the attach outcome (mx_attach_parse reads it), or NULL
	 * when none was recorded (the load failed, or an older store). The
	 * array itself may be NULL. Owned.
	 */
	char **attach;
	size_t nrecs;
};

struct store;

/*
 * Open (creating directories and the file as needed) and migrate. path
 * NULL = STORE_DEFAULT_PATH. 0 or -errno/-BPFGAUGE_EBADFORMAT (a newer
 * schema than this build knows) with a pr_warn naming the file.
 */
int store_open(const char *path, struct store **out);
/*
 * Open an existing store for reading only: never creates a file or
 * directory, works on a store of another user or on a read-only file
 * system. -ENOENT (with a pr_warn) if path does not exist.
 */
int store_open_ro(const char *path, struct store **out);
void store_close(struct store *st); /* accepts NULL */

/*
 * Fill the host provenance of run (started, git commit/dirty/branch of
 * the current directory, host arch and kernel, tool version). Strings in
 * run are replaced; label and matrix_key are left as they are.
 */
void store_run_provenance(struct store_run *run);
void store_run_release(struct store_run *run); /* frees strings, zeroes */
void store_cell_release(struct store_cell *c); /* frees strings and records */
void store_cells_free(struct store_cell *cells, size_t n);
void store_runs_free(struct store_run *runs, size_t n);

/* Insert run (status "running"); sets run->id. Generates a uuid if empty. */
int store_run_begin(struct store *st, struct store_run *run);
/* Newest run with this matrix key that is not complete; -ENOENT if none. */
int store_run_find_resumable(struct store *st, const char *matrix_key, int64_t *id);
/* Set status ("complete"/"partial") and the finish time. */
int store_run_finish(struct store *st, int64_t run_id, const char *status);
/*
 * Mark every "running" run whose owner process is dead (store_owner_alive
 * 0) "interrupted" in the file; returns how many, or -errno.
 */
int store_runs_reap(struct store *st);
/*
 * Mark run_id "interrupted" if the file still calls it "running" (its
 * process is known dead by the caller). 0 when marked, -ENOENT when it was
 * not running, -errno.
 */
int store_run_mark_interrupted(struct store *st, int64_t run_id);
/* A resumed run is "running" again, owned by this process. */
int store_run_resume(struct store *st, int64_t run_id);
/* Is this cell already stored in run? */
bool store_cell_exists(struct store *st, int64_t run_id, const char *kernel,
		       const char *clang, const char *mcpu, const char *object);
/*
 * Add a cell and its records in one transaction. -EEXIST if the cell is
 * already stored (records are immutable: rows are never updated).
 */
int store_cell_add(struct store *st, int64_t run_id, const struct store_cell *c);

/* All runs, oldest first, with ncells. Caller frees (store_runs_free). */
int store_runs(struct store *st, struct store_run **runs, size_t *n);
/*
 * Find one run by "latest", "latest~N" (N runs before the latest), a
 * numeric id or a uuid prefix. -ENOENT if none matches.
 */
int store_run_get(struct store *st, const char *spec, struct store_run *run);
/* The cells of a run with their records, in insertion order. */
int store_run_cells(struct store *st, int64_t run_id, struct store_cell **cells, size_t *n);
/*
 * The baseline of run: the newest earlier complete run on the same
 * branch (any branch when branch is ""). -ENOENT if there is none.
 */
int store_baseline(struct store *st, const struct store_run *run, int64_t *base_id);

/* --- export / import --- */

/* Write runs (all when n == 0) as JSON or CSV. */
int store_export(struct store *st, const int64_t *ids, size_t n, const char *fmt, FILE *f);
/*
 * Import a file written by store_export (JSON or CSV, detected from the
 * text). Runs whose uuid is already stored are skipped (counted in
 * *skipped). One transaction for the whole file.
 */
int store_import(struct store *st, const char *buf, size_t len, const char *name,
		 size_t *imported, size_t *skipped);

/* --- provenance helpers (runtime/provenance.c) --- */

/* First 16 hex digits of the SHA-256 of a file; "" with -errno if unreadable. */
int prov_file_hash(const char *path, char out[17]);
/* Same for a buffer. */
void prov_buf_hash(const void *buf, size_t len, char out[17]);
/* Hash of /proc/config.gz (decompressed) or /boot/config-$(uname -r); "" if none. */
void prov_kernel_config_hash(char out[17]);
/* This process as a run owner ("HOST/BOOT_ID/PID/START"), "" if /proc is unreadable. */
void store_owner_self(char *buf, size_t size);
/*
 * Is the owner process of a run alive? 1 alive, 0 dead (same host: the
 * boot changed, or no process with that pid and start time), -1 unknown
 * ("" or another host's).
 */
int store_owner_alive(const char *owner);
/* First line of `CLANG --version`, "" if it cannot run. */
void prov_clang_version(const char *clang, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* BPFGAUGE_STORE_H */
