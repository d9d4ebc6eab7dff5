/* SPDX-License-Identifier: BSD-2-Clause */
/* Internals of the compatibility check: the kernel facts the rules read. */
#ifndef BPFGAUGE_COMPAT_INTERNAL_H
#define BPFGAUGE_COMPAT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "bpfgauge/compat.h"

struct btf;

#define KVER(a, b) ((a) * 1000 + (b))

/* A sorted array of strings, for symbol lookups. */
struct compat_strset {
	char **v;
	size_t n, cap;
};

enum compat_fact { FACT_UNKNOWN = 0, FACT_NO, FACT_YES };

struct compat_kernel {
	char release[128];
	char arch[16];
	char source[512];
	int version;               /* KVER(major, minor), 0 if unknown */
	bool host;
	/* kconfig: "SYM=value" lines, sorted by symbol; unset symbols absent */
	struct compat_strset config;
	bool have_config;
	struct btf *btf;           /* NULL if unknown */
	char btf_source[512];
	/* host-only facts (FACT_UNKNOWN elsewhere) */
	struct compat_strset kallsyms; /* function symbols */
	bool have_kallsyms;
	bool kallsyms_lazy;        /* host: read /proc/kallsyms on first use */
	struct compat_strset ftrace;   /* available_filter_functions */
	enum compat_fact have_ftrace;  /* NO: unreadable, see ftrace_err */
	int ftrace_err;
	struct compat_strset events;   /* tracefs events "cat/name" */
	bool have_events;
	enum compat_fact tracefs_mounted; /* where libbpf looks for it */
	char lsm[256];             /* active LSM list, "" if unknown */
	char lsm_source[64];       /* "securityfs", "CONFIG_LSM", "lsm= on the command line" */
	char lockdown[32];         /* "none", "integrity", "confidentiality", "" unknown */
	char lockdown_source[64];
	enum compat_fact trampoline; /* a minimal fentry program loads */
	int trampoline_err;
	bool trampoline_log_empty; /* refused before the verifier ran */
	enum compat_fact kprobe_pmu; /* /sys/bus/event_source/devices/kprobe */
	enum compat_fact kconfig_file; /* /boot/config-$(uname -r) or /proc/config.gz readable */
	enum compat_fact bpf_syscall; /* bpf() answers (NO: ENOSYS, no CONFIG_BPF_SYSCALL) */
	/* host: minimal iterators loaded per target (compat_kernel__probe_iters) */
	struct compat_iter_probe {
		char target[64];
		int err; /* 0: it loads; else the positive errno of the refusal */
	} iters[32];
	size_t niters;
};

int compat_strset_add(struct compat_strset *s, const char *str);
void compat_strset_sort(struct compat_strset *s);
bool compat_strset_has(const struct compat_strset *s, const char *str);
void compat_strset_release(struct compat_strset *s);

/* Parse kconfig text into k->config; -BPFGAUGE_EBADFORMAT if it is not a kconfig. */
int compat_parse_config(struct compat_kernel *k, const char *text);
/* Why the last compat_parse_config() of this thread refused its text. */
const char *compat_parse_why(void);
/* Read a kconfig file (plain or gzip) into k; -errno or -BPFGAUGE_EBADFORMAT, with a pr_warn. */
int compat_load_config_file(struct compat_kernel *k, const char *path);
/* "6.1.0-27-cloud-amd64" -> KVER(6, 1); 0 if unparsable. */
int compat_parse_version(const char *release);
/* Normalise an architecture name (aarch64 -> arm64); NULL if unknown. */
const char *compat_arch_norm(const char *arch);
/*
 * All of path, plain or gzip, NUL-terminated (*len bytes before the NUL);
 * NULL with errno set (EFBIG above max bytes). free() it.
 */
void *compat_read_gz(const char *path, size_t max, size_t *len);

/*
 * Read /proc/kallsyms into k if it is still pending (host kernels read it on
 * first use: it is the slowest fact). Not thread-safe on one kernel.
 */
int compat_kallsyms_load(struct compat_kernel *k);

/*
 * The BTF of the kernel image at image (a bzImage): from cache_path if it is
 * there, else extracted from the image's compressed vmlinux and saved to
 * cache_path. 0 with *out (caller frees with btf__free), or a negative error
 * (-BPFGAUGE_EBADFORMAT: not a bzImage or an unknown codec; -ENOENT: the
 * decompressor is not installed, with a pr_warn).
 */
int compat_btf_from_image(const char *image, const char *cache_path, struct btf **out);

/* Host facts gathering (compat_host.c). */
int compat_host_facts(struct compat_kernel *k, bool probe);

#endif /* BPFGAUGE_COMPAT_INTERNAL_H */
