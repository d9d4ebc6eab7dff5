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

#ifdef __cplusplus
}
#endif

#endif /* BPFGAUGE_VLOAD_H */
