/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel compatibility: predict, before a user hits it, whether each
 * program of a BPF object will load and attach on a given kernel, and why
 * not. A kernel is described by facts (its kconfig, version, architecture,
 * BTF, and on the running host also kallsyms, tracefs, the LSM list and
 * lockdown); each program by what it needs (type, attach target, flags,
 * helpers and kfuncs). One table of rules (compat_rules.c) joins the two
 * into a verdict with the errno the kernel or libbpf would return, a reason
 * and a hint. compat_live() then really loads and attaches each program
 * and says whether the prediction held.
 */
#ifndef BPFGAUGE_COMPAT_H
#define BPFGAUGE_COMPAT_H

#include <stdbool.h>
#include <stddef.h>

#include "bpfgauge/bpfgauge.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ENOTSUPP is kernel-internal (524); user space prints "Unknown error 524". */
#define COMPAT_ENOTSUPP 524

/* --- Kernel facts --------------------------------------------------------- */

struct compat_kernel; /* opaque */

struct compat_kernel_opts {
	size_t sz;          /* sizeof(struct compat_kernel_opts) */
	const char *config; /* kconfig file (plain or .gz) overriding the kernel's own */
	const char *arch;   /* x86_64, arm64, riscv64, s390x; NULL = from the config */
	const char *btf;    /* BTF of that kernel (vmlinux ELF or raw .BTF); NULL = none
			     * (the host's is /sys/kernel/btf/vmlinux) */
	bool no_probe;      /* host: do not probe by loading tiny programs */
};

/*
 * Facts of a kernel named by spec:
 * - "host": the running kernel (uname, /proc/config.gz or /boot/config-*,
 *   /sys/kernel/btf/vmlinux, kallsyms, tracefs, securityfs; as root, tracefs
 *   and securityfs are read through a private mount if they are not
 *   mounted, and a minimal fentry program is loaded once to learn whether
 *   BPF trampolines are allowed);
 * - a version such as "6.1": the newest cached Debian image's config
 *   (bpfgauge kernels fetch), or -ENOENT if none is cached;
 * - a path: a kconfig file, or a vmlinuz with its config-<release> beside it.
 * Returns NULL with errno set and a one-line pr_warn on failure
 * (BPFGAUGE_EBADFORMAT: the file is not a kconfig; EINVAL: unknown arch).
 * Free with compat_kernel__free().
 */
struct compat_kernel *compat_kernel__load(const char *spec, const struct compat_kernel_opts *opts);

/*
 * Facts from kconfig text alone (unit tests, --config with --kernel VERSION).
 * release: "6.1.0-27-cloud-arm64" or "6.1"; NULL = from the config's header.
 * arch: NULL = from CONFIG_X86_64 / CONFIG_ARM64 / CONFIG_RISCV / CONFIG_S390.
 * The text is copied. NULL with errno on failure, as compat_kernel__load.
 */
struct compat_kernel *compat_kernel__from_config_text(const char *text, const char *release,
						       const char *arch);
void compat_kernel__free(struct compat_kernel *k); /* accepts NULL */

const char *compat_kernel__release(const struct compat_kernel *k);
const char *compat_kernel__arch(const struct compat_kernel *k);
const char *compat_kernel__source(const struct compat_kernel *k); /* "host", a path... */
bool compat_kernel__is_host(const struct compat_kernel *k);
/*
 * A kconfig symbol (without CONFIG_): "y", "m", a string/number value, or
 * NULL when unset; NULL too when the config is unknown (see has_config).
 */
const char *compat_kernel__kconfig(const struct compat_kernel *k, const char *sym);
bool compat_kernel__has_config(const struct compat_kernel *k);

/* One fact for reports: name ("lockdown") and its value ("integrity (securityfs)"). */
struct compat_fact_line {
	const char *name;
	char value[256];
};

/* Fill up to max facts of k into out; returns how many. Strings are copied. */
size_t compat_kernel__facts(const struct compat_kernel *k, struct compat_fact_line *out, size_t max);

/* --- Programs ----------------------------------------------------------------- */

enum compat_kind {
	COMPAT_KIND_OTHER = 0,
	COMPAT_KIND_KPROBE,      /* kprobe/, kretprobe/ */
	COMPAT_KIND_KSYSCALL,    /* ksyscall/, kretsyscall/ */
	COMPAT_KIND_KPROBE_MULTI,
	COMPAT_KIND_UPROBE,
	COMPAT_KIND_TRACEPOINT,  /* tracepoint/, tp/ */
	COMPAT_KIND_RAW_TP,      /* raw_tracepoint/, raw_tp/ */
	COMPAT_KIND_TP_BTF,
	COMPAT_KIND_FENTRY,      /* fentry/, fexit/ (and their .s) */
	COMPAT_KIND_FMOD_RET,
	COMPAT_KIND_FREPLACE,
	COMPAT_KIND_LSM,
	COMPAT_KIND_ITER,
	COMPAT_KIND_XDP,
	COMPAT_KIND_TC,
	COMPAT_KIND_CGROUP,
	COMPAT_KIND_STRUCT_OPS,
	COMPAT_KIND_PERF_EVENT,
	COMPAT_KIND_SOCKET,
	COMPAT_KIND_CNT,
};

const char *compat_kind_name(enum compat_kind kind);

/* What one program needs, read from the object (strings owned by the prog). */
struct compat_prog {
	char *object;       /* path as given */
	char *name;
	char *section;
	char *prog_type;    /* libbpf's name, e.g. "tracing" */
	char *attach_type;  /* libbpf's name, e.g. "trace_fentry", or "" */
	enum compat_kind kind;
	char *target;       /* attach target from the section ("" if none) */
	bool sleepable;     /* BPF_F_SLEEPABLE */
	bool retprobe;      /* kretprobe/fexit/kretsyscall */
	bool gpl;           /* license is GPL-compatible */
	bool core;          /* has CO-RE relocations (needs kernel BTF) */
	bool kconfig;       /* the object has CONFIG_* __kconfig externs */
	int *helpers;       /* BPF helper ids called (the program and .text) */
	size_t nhelpers;
	char **kfuncs;      /* kfuncs called */
	bool *kfunc_weak;   /* declared __weak (libbpf tolerates them missing) */
	size_t nkfuncs;
};

/*
 * Read every program of the BPF object at path. *progs is an array the
 * caller frees with compat_progs_free(). Errors (with a one-line pr_warn):
 * the open errno, -BPFGAUGE_ENOTBPF, -BPFGAUGE_ELIBBPF, and -ENOENT for an
 * object with no programs.
 */
int compat_object_read(const char *path, struct compat_prog **progs, size_t *n);
void compat_progs_free(struct compat_prog *progs, size_t n);

/* --- Verdicts -------------------------------------------------------------------- */

enum compat_verdict {
	COMPAT_OK = 0,       /* loads and attaches */
	COMPAT_LOADS,        /* loads; attaching needs a target (interface, cgroup...) */
	COMPAT_UNKNOWN,      /* a needed fact is unknown */
	COMPAT_NO_RUN,       /* loads and attaches but never runs */
	COMPAT_FAIL_ATTACH,
	COMPAT_FAIL_LOAD,
};

enum compat_stage { COMPAT_STAGE_NONE = 0, COMPAT_STAGE_LOAD, COMPAT_STAGE_ATTACH, COMPAT_STAGE_RUN };

enum compat_status { COMPAT_MET = 0, COMPAT_MISSING, COMPAT_UNSURE };

/* One requirement of a program and how the kernel meets it. */
struct compat_req {
	const char *rule;       /* id in the rule table, e.g. "fentry-direct-calls" */
	char what[160];         /* "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS", "kfunc bpf_rcu_read_lock" */
	enum compat_status status;
	enum compat_stage stage; /* where it fails when missing */
	int err;                 /* positive errno when missing */
	char reason[384];        /* why, when missing or unsure */
	const char *hint;        /* static string, or NULL */
	bool advisory;           /* unsure, but does not make the verdict unknown (a name
				  * that can only be looked up with the kernel's BTF) */
};

struct compat_live {
	bool done;
	int load_err;           /* positive errno, 0 = loaded */
	int attach_err;         /* positive errno, 0 = attached (or not tried) */
	bool attach_tried;
	enum compat_verdict verdict;
	char detail[256];       /* last verifier/libbpf line on failure, or how it attached */
	bool agrees;            /* with the prediction */
	char disagreement[256];
};

struct compat_result {
	const struct compat_prog *prog; /* not owned */
	enum compat_verdict verdict;
	enum compat_stage stage;
	int err;                        /* positive errno predicted, 0 if none */
	char reason[384];               /* of the first failing requirement, or of an unknown */
	const char *hint;
	struct compat_req *reqs;        /* every requirement checked (owned) */
	size_t nreqs;
	struct compat_live live;
};

/*
 * The running kernel (host, root, with BTF): load "r0 = 0; exit" as an
 * iterator over each target the n programs iterate (iter/<target>), never
 * attached, so that the rules know which targets it refuses. A no-op for
 * other kernels and without root.
 */
void compat_kernel__probe_iters(struct compat_kernel *k, const struct compat_prog *progs,
				size_t n);

/*
 * Check prog against kernel k with the rule table and fill res (released
 * with compat_result_release). 0 or -ENOMEM.
 */
int compat_check(const struct compat_kernel *k, const struct compat_prog *prog,
		 struct compat_result *res);
void compat_result_release(struct compat_result *res); /* accepts zeroed */

/*
 * Really load and attach each program on the running kernel, detach at once,
 * and fill res[i].live, comparing with the prediction in res[i]. XDP and tc
 * programs attach to lo inside a private network namespace (never the
 * host's interfaces; a thread enters it only around the attach); cgroup,
 * socket and struct_ops programs are loaded only. Needs root.
 *
 * compat_live_start() starts the checks of progs[0..n) on up to jobs threads
 * (0: two per CPU, at most 8), each with a private network namespace of its
 * own (XDP programs that attach to a device all go to the first), and
 * returns at once (NULL: out of memory): the prediction may be computed
 * meanwhile. compat_live_wait() waits for them, fills res[i].live for the
 * same n programs (res[i].prog == progs[i]; res may be NULL to drop them)
 * and frees the run: 0, or the first negative error (an object that cannot
 * be opened; the others are still checked), *failed (if not NULL) its index.
 * compat_live_check_all() is both, for res[i].prog. Call
 * compat_live_finish() after them.
 */
struct compat_live_run;
struct compat_live_run *compat_live_start(const struct compat_prog *const *progs, size_t n,
					  int jobs);
int compat_live_wait(struct compat_live_run *run, struct compat_result *res, size_t *failed);
int compat_live_check_all(struct compat_result *res, size_t n, int jobs, size_t *failed);

/*
 * Wait until every program the live checks loaded is detached and
 * unloaded (they are released at once, on background threads, so that
 * their RCU waits overlap), and drop the private network namespace. Call it
 * once after the last check; checks may follow again.
 */
void compat_live_finish(void);

/* Names of verdicts, stages, statuses; errno names ("ENOTSUPP"); never NULL. */
const char *compat_verdict_name(enum compat_verdict v);
const char *compat_stage_name(enum compat_stage s);
const char *compat_status_name(enum compat_status s);
const char *compat_errno_name(int err);
bool compat_verdict_failed(enum compat_verdict v); /* fail_load, fail_attach, no_run */

/* One line: "fails to attach: ENOTSUPP (524), because ..." */
void compat_summary(const struct compat_result *res, char *buf, size_t size);

/* Number of rules and the i-th rule's id (for docs and tests). */
size_t compat_rule_count(void);
const char *compat_rule_id(size_t i);

/*
 * The kconfig cause of a load error on kernel k for a program of
 * prog_type/attach_type (libbpf names), if a rule explains it: e.g. EPERM
 * for a "tracing"/"trace_fentry" program when trampolines are refused.
 * Fills buf and returns true, or returns false. Used by verifier stats.
 */
bool compat_explain_load_error(const struct compat_kernel *k, const char *prog_type,
			       const char *attach_type, int err, char *buf, size_t size);

struct vlog_record;

/*
 * Is r a load-time EPERM, EINVAL or ENOTSUPP (classed permission, other or
 * helper) that compat_explain_records could explain?
 */
bool compat_record_needs_kernel(const struct vlog_record *r);
/*
 * Class each such record of recs "kernel", with the cause on kernel k as
 * its hint (compat_explain_load_error), where a rule explains it. Returns
 * how many were explained; k NULL explains none. Used by verifier stats
 * and the matrix.
 */
size_t compat_explain_records(const struct compat_kernel *k, struct vlog_record *const *recs,
			      size_t n);

#ifdef __cplusplus
}
#endif

#endif /* BPFGAUGE_COMPAT_H */
