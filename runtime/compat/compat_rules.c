/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The compatibility rules: one table (rules[] below) says, for each kind
 * of program, which kernel fact it needs, at which stage a missing fact
 * makes it fail (load, attach, or it attaches but never runs), with which
 * errno, why, and what to do about it. compat_check() evaluates every rule
 * that applies to a program against a kernel's facts; the verdict is the
 * earliest stage with a missing requirement. The checks themselves are a
 * handful of generic predicates (a kconfig symbol, a minimum version on an
 * architecture, a name in BTF or kallsyms...) parameterised by the table,
 * so a new rule is a new row, not new code. Row order matters: within a
 * stage the first missing row decides, so rows follow the order in which
 * libbpf (BTF lookups, kfunc resolution) and then the kernel (before the
 * verifier, then in it) check things; --live found that order.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "bpfgauge_internal.h"
#include "compat_internal.h"

#define K(x) (1u << COMPAT_KIND_##x)
#define TRAMPOLINE (K(FENTRY) | K(FMOD_RET) | K(FREPLACE) | K(LSM))
#define FTRACE_BASED (K(FENTRY) | K(FMOD_RET) | K(LSM))

enum check {
	CK_KCONFIG,          /* sym is y or m */
	CK_BPF_SYSCALL,      /* BPF_SYSCALL: the kconfig, else (host) whether bpf() answers */
	CK_ITER_PROBE,       /* host: a minimal iterator over the target loads */
	CK_MIN_VERSION,      /* version >= min (on arch, if the row names one) */
	CK_KERNEL_BTF,       /* the kernel has BTF */
	CK_TARGET_BTF,       /* the attach target is in the kernel's BTF */
	CK_TARGET_KALLSYMS,  /* ... in kallsyms (host) */
	CK_TARGET_FTRACE,    /* ... in available_filter_functions (host) */
	CK_TRAMPOLINE,       /* a minimal fentry program loads (host probe) */
	CK_GPL,              /* GPL-compatible license */
	CK_KFUNCS,           /* every non-weak kfunc exists (BTF, else the version table) */
	CK_HELPERS,          /* every helper id is known to the kernel (BTF) */
	CK_LOCKDOWN_HELPERS, /* no helper lockdown removes */
	CK_SYSCALL_ARCH,     /* an arch-prefixed syscall wrapper target matches the arch */
	CK_TRACEFS,          /* tracefs mounted where libbpf looks (host) */
	CK_EVENT,            /* the tracepoint exists in tracefs (host) */
	CK_LSM_ACTIVE,       /* "bpf" in the active LSM list */
	CK_KCONFIG_FILE,     /* libbpf can read the kernel's config for __kconfig externs */
	CK_PROG_TYPE,        /* libbpf knows the program type from the section name */
};

/* When a row applies beyond its kinds. */
enum {
	W_SLEEPABLE = 1 << 0,    /* only sleepable programs */
	W_CORE = 1 << 1,         /* only objects with CO-RE relocations (kinds ignored) */
	W_SYSCALL = 1 << 2,      /* only targets that are syscall wrappers (__x64_sys_...) */
	W_NOT_SECURITY = 1 << 3, /* only targets not named security_* */
	W_SYSCALL_EVENT = 1 << 4, /* only tracepoints syscalls/... */
	W_IA32 = 1 << 5,         /* only __ia32_ targets */
	W_KCONFIG = 1 << 6,      /* only objects with CONFIG_* __kconfig externs (kinds ignored) */
};

struct compat_rule {
	const char *id;
	uint32_t kinds;
	uint32_t when;
	enum check check;
	const char *sym;   /* kconfig symbol (CK_KCONFIG) */
	const char *arch;  /* only on this architecture; NULL = every one */
	int min;           /* CK_MIN_VERSION */
	enum compat_stage stage;
	int err;
	const char *why;   /* said after the fact, in parentheses */
	const char *hint;
};

static const struct compat_rule rules[] = {
	/* --- load --- */
	{ "prog-type-known", K(OTHER), 0, CK_PROG_TYPE, NULL, NULL, 0, COMPAT_STAGE_LOAD, EINVAL,
	  "libbpf takes the program type from the section name",
	  "use a libbpf section name (SEC(\"xdp\"), SEC(\"tc\")...) or bpf_program__set_type()" },
	{ "bpf-syscall", 0, 0, CK_BPF_SYSCALL, "BPF_SYSCALL", NULL, 0, COMPAT_STAGE_LOAD, ENOSYS,
	  "every BPF program needs the bpf() syscall", "enable CONFIG_BPF_SYSCALL" },
	/* libbpf refuses these before the kernel sees the program */
	{ "kernel-btf", TRAMPOLINE | K(TP_BTF) | K(ITER) | K(STRUCT_OPS), 0, CK_KERNEL_BTF, NULL,
	  NULL, 0, COMPAT_STAGE_LOAD, ESRCH,
	  "libbpf finds the attach target's type id in the kernel's BTF",
	  "enable CONFIG_DEBUG_INFO_BTF, or ship the kernel's BTF and set btf_custom_path" },
	{ "kernel-btf-core", 0, W_CORE, CK_KERNEL_BTF, NULL, NULL, 0, COMPAT_STAGE_LOAD, ESRCH,
	  "CO-RE relocations are resolved against the kernel's BTF",
	  "enable CONFIG_DEBUG_INFO_BTF, or ship the kernel's BTF and set btf_custom_path" },
	{ "kconfig-file", 0, W_KCONFIG, CK_KCONFIG_FILE, NULL, NULL, 0, COMPAT_STAGE_LOAD, EINVAL,
	  "libbpf reads CONFIG_* __kconfig externs from /boot/config-$(uname -r) or /proc/config.gz",
	  "install the config as /boot/config-<release>, enable CONFIG_IKCONFIG_PROC, or pass "
	  "bpf_object_open_opts.kconfig" },
	{ "kfunc", 0, 0, CK_KFUNCS, NULL, NULL, 0, COMPAT_STAGE_LOAD, EINVAL,
	  "libbpf (1.1) refuses an object whose non-__weak kfunc is not in the kernel's BTF",
	  "declare the kfunc __weak and guard the call with bpf_ksym_exists() "
	  "(or LINUX_KERNEL_VERSION)" },
	{ "target-btf", FTRACE_BASED | K(TP_BTF), 0, CK_TARGET_BTF, NULL, NULL, 0,
	  COMPAT_STAGE_LOAD, ESRCH, "libbpf needs the target's BTF type id",
	  "check the name; a target in another BPF program needs bpf_program__set_attach_target(); "
	  "where the kernel lacks it, bpf_program__set_autoload(false)" },
	{ "syscall-wrapper-arch-fentry", K(FENTRY) | K(FMOD_RET), W_SYSCALL, CK_SYSCALL_ARCH, NULL,
	  NULL, 0, COMPAT_STAGE_LOAD, ESRCH,
	  "syscall wrappers are named per architecture: __x64_sys_, __arm64_sys_, __riscv_sys_, __s390x_sys_",
	  "use a ksyscall/ program, or build the name from the target arch" },
	/* --- attach --- */
	/* the kernel: before the verifier (empty log), then in it */
	{ "bpf-events", K(KPROBE) | K(KSYSCALL) | K(UPROBE) | K(TRACEPOINT) | K(RAW_TP) |
	  K(PERF_EVENT), 0, CK_KCONFIG, "BPF_EVENTS", NULL, 0, COMPAT_STAGE_LOAD, EINVAL,
	  "kprobe, uprobe, tracepoint and perf_event program types exist only with it",
	  "enable CONFIG_BPF_EVENTS (needs KPROBE_EVENTS or UPROBE_EVENTS or EVENT_TRACING)" },
	{ "tp-btf-version", K(TP_BTF), 0, CK_MIN_VERSION, NULL, NULL, KVER(5, 5),
	  COMPAT_STAGE_LOAD, EINVAL, "tp_btf programs exist from 5.5",
	  "use a raw_tp program on older kernels" },
	{ "lsm-version", K(LSM), 0, CK_MIN_VERSION, NULL, NULL, KVER(5, 7), COMPAT_STAGE_LOAD,
	  EINVAL, "BPF LSM programs exist from 5.7", NULL },
	{ "iter-version", K(ITER), 0, CK_MIN_VERSION, NULL, NULL, KVER(5, 8), COMPAT_STAGE_LOAD,
	  EINVAL, "BPF iterators exist from 5.8", NULL },
	{ "lsm-config", K(LSM), 0, CK_KCONFIG, "BPF_LSM", NULL, 0, COMPAT_STAGE_LOAD, EINVAL,
	  "lsm programs need it", "enable CONFIG_BPF_LSM, or use fentry on the security_* function" },
	{ "lsm-gpl", K(LSM), 0, CK_GPL, NULL, NULL, 0, COMPAT_STAGE_LOAD, EINVAL,
	  "LSM programs must have a GPL-compatible license", "declare a GPL-compatible license" },
	{ "iter-refused", K(ITER), 0, CK_ITER_PROBE, NULL, NULL, 0, COMPAT_STAGE_LOAD, EPERM, NULL,
	  "use another iterator target, or read the data another way on this kernel" },
	{ "trampoline-refused", TRAMPOLINE, 0, CK_TRAMPOLINE, NULL, NULL, 0, COMPAT_STAGE_LOAD,
	  EPERM, NULL,
	  "on this kernel use tracepoint, raw_tp or tp_btf programs (they need no trampoline)" },
	{ "target-kallsyms", K(FENTRY) | K(FMOD_RET), 0, CK_TARGET_KALLSYMS, NULL, NULL, 0,
	  COMPAT_STAGE_LOAD, ENOENT,
	  "the verifier needs the function's address; it is fully inlined in this build",
	  "attach to a caller that is not inlined" },
	{ "sleepable-error-injection", K(FENTRY) | K(FMOD_RET), W_SLEEPABLE, CK_KCONFIG,
	  "FUNCTION_ERROR_INJECTION", NULL, 0, COMPAT_STAGE_LOAD, EINVAL,
	  "sleepable fentry/fexit/fmod_ret attach only to the error-injection allowlist, "
	  "which needs it", "drop BPF_F_SLEEPABLE (use fentry/ instead of fentry.s/)" },
	{ "fmod-ret-error-injection", K(FMOD_RET), W_NOT_SECURITY, CK_KCONFIG,
	  "FUNCTION_ERROR_INJECTION", NULL, 0, COMPAT_STAGE_LOAD, EINVAL,
	  "fmod_ret on a non-security_* function needs the error-injection allowlist",
	  "attach fmod_ret to a security_* hook, or use fexit to observe only" },
	{ "helper", 0, 0, CK_HELPERS, NULL, NULL, 0, COMPAT_STAGE_LOAD, EINVAL,
	  "the verifier rejects helper ids it does not know (invalid func unknown#N)",
	  "guard the call with bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_...)" },
	{ "lockdown-helper", 0, 0, CK_LOCKDOWN_HELPERS, NULL, NULL, 0, COMPAT_STAGE_LOAD, EINVAL,
	  "kernel lockdown removes the helper: 'program of this type cannot use helper'",
	  "avoid the helper (bpf_probe_write_user under integrity; bpf_probe_read_kernel "
	  "under confidentiality)" },
	{ "kprobes", K(KPROBE) | K(KSYSCALL), 0, CK_KCONFIG, "KPROBES", NULL, 0,
	  COMPAT_STAGE_ATTACH, ENOENT,
	  "kprobe programs need it: without it there is no kprobe PMU and no kprobe_events",
	  "use fentry/fexit, or a tracepoint, where the kernel has them" },
	{ "kprobe-multi", K(KPROBE_MULTI), 0, CK_KCONFIG, "FPROBE", NULL, 0, COMPAT_STAGE_ATTACH,
	  EOPNOTSUPP, "kprobe.multi links need it (from 5.18)",
	  "fall back to one kprobe per function" },
	{ "syscall-wrapper-arch", K(KPROBE), W_SYSCALL, CK_SYSCALL_ARCH, NULL, NULL, 0,
	  COMPAT_STAGE_ATTACH, ENOENT,
	  "syscall wrappers are named per architecture: __x64_sys_, __arm64_sys_, __riscv_sys_, __s390x_sys_",
	  "use a ksyscall/ program: libbpf picks the wrapper name" },
	{ "syscall-wrapper-riscv", K(KPROBE), W_SYSCALL, CK_MIN_VERSION, NULL, "riscv64",
	  KVER(6, 6), COMPAT_STAGE_ATTACH, ENOENT,
	  "riscv64 has ARCH_HAS_SYSCALL_WRAPPER only from 6.6 (sys_* before)",
	  "use a ksyscall/ program: libbpf picks the wrapper name" },
	{ "kprobes-on-ftrace-riscv", K(KPROBE) | K(KSYSCALL), W_SYSCALL, CK_KCONFIG,
	  "KPROBES_ON_FTRACE", "riscv64", 0, COMPAT_STAGE_ATTACH, EINVAL,
	  "riscv64 syscall wrappers start at an ftrace patchable entry, which kprobes reject without it",
	  "enable CONFIG_KPROBES_ON_FTRACE, or use fentry" },
	{ "ia32-emulation", K(KPROBE) | K(FENTRY) | K(FMOD_RET), W_IA32, CK_KCONFIG,
	  "IA32_EMULATION", "x86_64", 0, COMPAT_STAGE_ATTACH, ENOENT,
	  "compat (__ia32_) syscall hooks exist only with it", "drop the compat hook on this kernel" },
	{ "tc-clsact", K(TC), 0, CK_KCONFIG, "NET_SCH_INGRESS", NULL, 0, COMPAT_STAGE_ATTACH, ENOENT,
	  "tc programs attach through the clsact qdisc (a module where it is =m)",
	  "enable CONFIG_NET_SCH_INGRESS (or use tcx on 6.6+)" },
	{ "tracefs-mounted", K(TRACEPOINT), 0, CK_TRACEFS, NULL, NULL, 0, COMPAT_STAGE_ATTACH,
	  ENOENT,
	  "libbpf reads the tracepoint id from tracefs (/sys/kernel/tracing or /sys/kernel/debug/tracing)",
	  "mount -t tracefs tracefs /sys/kernel/tracing" },
	{ "syscall-events", K(TRACEPOINT), W_SYSCALL_EVENT, CK_KCONFIG, "FTRACE_SYSCALLS", NULL,
	  0, COMPAT_STAGE_ATTACH, ENOENT, "syscalls/* tracepoints exist only with it",
	  "use raw_tp/sys_enter and filter on the syscall id" },
	{ "tracepoint-exists", K(TRACEPOINT), 0, CK_EVENT, NULL, NULL, 0, COMPAT_STAGE_ATTACH,
	  ENOENT, "the event must exist in tracefs's events/", "check the category/name" },
	{ "raw-tp-exists", K(RAW_TP), 0, CK_TARGET_BTF, NULL, NULL, 0, COMPAT_STAGE_ATTACH,
	  ENOENT, "the raw tracepoint must exist (btf_trace_<name>)", "check the name" },
	{ "trampoline-arch-x86_64", TRAMPOLINE, 0, CK_MIN_VERSION, NULL, "x86_64", KVER(5, 5),
	  COMPAT_STAGE_ATTACH, COMPAT_ENOTSUPP, "x86_64 has BPF trampolines from 5.5",
	  "fall back to a kprobe" },
	{ "trampoline-arch-arm64", TRAMPOLINE, 0, CK_MIN_VERSION, NULL, "arm64", KVER(6, 0),
	  COMPAT_STAGE_ATTACH, COMPAT_ENOTSUPP, "arm64 has BPF trampolines from 6.0",
	  "fall back to a kprobe" },
	{ "trampoline-arch-s390x", TRAMPOLINE, 0, CK_MIN_VERSION, NULL, "s390x", KVER(6, 0),
	  COMPAT_STAGE_ATTACH, COMPAT_ENOTSUPP, "s390x has BPF trampolines from 6.0",
	  "fall back to a kprobe" },
	{ "trampoline-arch-riscv64", TRAMPOLINE, 0, CK_MIN_VERSION, NULL, "riscv64", KVER(6, 3),
	  COMPAT_STAGE_ATTACH, COMPAT_ENOTSUPP, "riscv64 has BPF trampolines from 6.3",
	  "fall back to a kprobe" },
	{ "fentry-dynamic-ftrace", FTRACE_BASED, 0, CK_KCONFIG, "DYNAMIC_FTRACE", NULL, 0,
	  COMPAT_STAGE_ATTACH, EBUSY,
	  "fentry attaches at the function's patchable ftrace entry; without it there is none",
	  "enable CONFIG_DYNAMIC_FTRACE (needs FUNCTION_TRACER), or fall back to a kprobe" },
	{ "fentry-direct-calls", FTRACE_BASED, 0, CK_KCONFIG, "DYNAMIC_FTRACE_WITH_DIRECT_CALLS",
	  NULL, 0, COMPAT_STAGE_ATTACH, COMPAT_ENOTSUPP,
	  "fentry needs it; x86_64 has it from 5.5, arm64 from 6.4, riscv64 from 6.8",
	  "enable CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS, or fall back to a kprobe" },
	{ "direct-calls-arm64", FTRACE_BASED, 0, CK_MIN_VERSION, NULL, "arm64", KVER(6, 4),
	  COMPAT_STAGE_ATTACH, COMPAT_ENOTSUPP, "arm64 has ftrace direct calls from 6.4",
	  "fall back to a kprobe on arm64 before 6.4" },
	{ "direct-calls-riscv64", FTRACE_BASED, 0, CK_MIN_VERSION, NULL, "riscv64", KVER(6, 8),
	  COMPAT_STAGE_ATTACH, COMPAT_ENOTSUPP, "riscv64 has ftrace direct calls from 6.8",
	  "fall back to a kprobe on riscv64 before 6.8" },
	{ "target-ftrace", K(FENTRY) | K(FMOD_RET), 0, CK_TARGET_FTRACE, NULL, NULL, 0,
	  COMPAT_STAGE_ATTACH, EBUSY,
	  "the target has no patchable ftrace entry (notrace, or inlined into its callers)",
	  "attach to a traceable caller, or use a tracepoint" },
	/* --- run --- */
	{ "lsm-active", K(LSM), 0, CK_LSM_ACTIVE, NULL, NULL, 0, COMPAT_STAGE_RUN, 0,
	  "BPF LSM hooks run only when 'bpf' is an active LSM",
	  "add bpf to lsm= on the kernel command line (or to CONFIG_LSM)" },
};

/* kfuncs' first kernel version, for kernels without BTF. */
static const struct { const char *name; int ver; } kfunc_versions[] = {
	{ "bpf_rcu_read_lock", KVER(6, 2) },   { "bpf_rcu_read_unlock", KVER(6, 2) },
	{ "bpf_obj_new_impl", KVER(6, 2) },    { "bpf_obj_drop_impl", KVER(6, 2) },
	{ "bpf_task_acquire", KVER(6, 2) },    { "bpf_task_release", KVER(6, 2) },
	{ "bpf_cgroup_acquire", KVER(6, 2) },  { "bpf_cgroup_release", KVER(6, 2) },
	{ "bpf_cpumask_create", KVER(6, 3) },  { "bpf_cpumask_release", KVER(6, 3) },
	{ "bpf_iter_num_new", KVER(6, 4) },    { "bpf_iter_num_next", KVER(6, 4) },
	{ "bpf_iter_num_destroy", KVER(6, 4) }, { "bpf_dynptr_from_skb", KVER(6, 4) },
	{ "bpf_throw", KVER(6, 7) },           { "bpf_preempt_disable", KVER(6, 10) },
	{ "bpf_preempt_enable", KVER(6, 10) },
};

/* helpers lockdown removes, and the mode that removes them */
static const struct { int id; const char *name; const char *mode; } lockdown_helpers[] = {
	{ 36, "bpf_probe_write_user", "integrity" },
	{ 4, "bpf_probe_read", "confidentiality" },
	{ 45, "bpf_probe_read_str", "confidentiality" },
	{ 113, "bpf_probe_read_kernel", "confidentiality" },
	{ 115, "bpf_probe_read_kernel_str", "confidentiality" },
};

size_t compat_rule_count(void)
{
	return sizeof(rules) / sizeof(rules[0]);
}

const char *compat_rule_id(size_t i)
{
	return i < compat_rule_count() ? rules[i].id : NULL;
}

static const struct { int err; const char *name; } errnames[] = {
	{ EPERM, "EPERM" },     { ENOENT, "ENOENT" },   { ESRCH, "ESRCH" },
	{ EINVAL, "EINVAL" },   { EBUSY, "EBUSY" },     { EOPNOTSUPP, "EOPNOTSUPP" },
	{ COMPAT_ENOTSUPP, "ENOTSUPP" }, { ENOSYS, "ENOSYS" }, { E2BIG, "E2BIG" },
	{ EACCES, "EACCES" },   { EFAULT, "EFAULT" },   { ENOMEM, "ENOMEM" },
	{ ENODEV, "ENODEV" },   { EEXIST, "EEXIST" },   { ENOSPC, "ENOSPC" },
	{ EBADF, "EBADF" },     { ENXIO, "ENXIO" },
};

const char *compat_errno_name(int err)
{
	static __thread char buf[16];

	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

const char *compat_verdict_name(enum compat_verdict v)
{
	static const char *const n[] = { "ok", "loads", "unknown", "no_run", "fail_attach",
					 "fail_load" };

	return v >= 0 && v <= COMPAT_FAIL_LOAD ? n[v] : "unknown";
}

const char *compat_stage_name(enum compat_stage s)
{
	static const char *const n[] = { "", "load", "attach", "run" };

	return s >= 0 && s <= COMPAT_STAGE_RUN ? n[s] : "";
}

const char *compat_status_name(enum compat_status s)
{
	static const char *const n[] = { "met", "missing", "unknown" };

	return s >= 0 && s <= COMPAT_UNSURE ? n[s] : "unknown";
}

bool compat_verdict_failed(enum compat_verdict v)
{
	return v == COMPAT_FAIL_LOAD || v == COMPAT_FAIL_ATTACH || v == COMPAT_NO_RUN;
}

/* --- the generic checks ------------------------------------------------------ */

static const char *syscall_prefix(const char *arch)
{
	if (!strcmp(arch, "x86_64"))
		return "__x64_sys_";
	if (!strcmp(arch, "arm64"))
		return "__arm64_sys_";
	if (!strcmp(arch, "riscv64"))
		return "__riscv_sys_";
	if (!strcmp(arch, "s390x"))
		return "__s390x_sys_";
	return "";
}

static bool is_syscall_wrapper(const char *t)
{
	static const char *const pre[] = { "__x64_sys_", "__arm64_sys_", "__riscv_sys_",
					   "__s390x_sys_", "__ia32_sys_", "__ia32_compat_sys_",
					   "__se_sys_", "sys_" };

	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (!strncmp(t, pre[i], strlen(pre[i])))
			return true;
	return false;
}

/* The name the kernel's BTF holds for a program's target. */
static void btf_target(const struct compat_prog *p, char *buf, size_t size, int *kind)
{
	*kind = BTF_KIND_FUNC;
	if (p->kind == COMPAT_KIND_LSM) {
		snprintf(buf, size, "bpf_lsm_%s", p->target);
	} else if (p->kind == COMPAT_KIND_TP_BTF || p->kind == COMPAT_KIND_RAW_TP) {
		snprintf(buf, size, "btf_trace_%s", p->target);
		*kind = BTF_KIND_TYPEDEF;
	} else {
		snprintf(buf, size, "%s", p->target);
	}
}

static bool kver_ok(const struct compat_kernel *k, int min)
{
	return k->version >= min;
}

struct ctx {
	const struct compat_kernel *k;
	const struct compat_prog *p;
	struct compat_result *res;
};

static struct compat_req *req_new(struct ctx *c, const struct compat_rule *r)
{
	struct compat_req *v = realloc(c->res->reqs, (c->res->nreqs + 1) * sizeof(*v));

	if (!v)
		return NULL;
	c->res->reqs = v;
	v = &v[c->res->nreqs++];
	memset(v, 0, sizeof(*v));
	v->rule = r->id;
	v->stage = r->stage;
	v->err = r->err;
	v->hint = r->hint;
	return v;
}

#define SET(q, st, ...)                                               \
	do {                                                          \
		(q)->status = (st);                                   \
		snprintf((q)->reason, sizeof((q)->reason), __VA_ARGS__); \
	} while (0)

/*
 * Without a kconfig, some symbols show in the kernel's own BTF: each of these
 * functions is built into vmlinux only with its symbol (kernel/trace/ftrace.c,
 * kernel/kprobes.c, kernel/bpf/bpf_lsm.c). Checked against the configs and
 * BTF of Debian's x86_64 and arm64 6.1 and 6.12 images and this host's 6.18:
 * register_ftrace_direct is absent exactly from arm64 6.1 (no direct calls),
 * register_kprobe exactly from the host (no KPROBES).
 */
static const struct {
	const char *sym, *func;
} btf_witness[] = {
	{ "DYNAMIC_FTRACE_WITH_DIRECT_CALLS", "register_ftrace_direct" },
	{ "DYNAMIC_FTRACE", "ftrace_set_filter" },
	{ "KPROBES", "register_kprobe" },
	{ "BPF_LSM", "bpf_lsm_file_open" },
};

/* No kconfig: answer r->sym from its BTF witness; false if it has none (or no BTF). */
static bool kconfig_from_btf(struct ctx *c, const struct compat_rule *r, struct compat_req *q)
{
	for (size_t i = 0; c->k->btf && i < sizeof(btf_witness) / sizeof(btf_witness[0]); i++) {
		if (strcmp(btf_witness[i].sym, r->sym))
			continue;
		if (btf__find_by_name_kind(c->k->btf, btf_witness[i].func, BTF_KIND_FUNC) > 0)
			q->status = COMPAT_MET;
		else
			SET(q, COMPAT_MISSING,
			    "CONFIG_%s is not set: no kconfig here, and %s, built only with it, is "
			    "not in the kernel's BTF (%s)", r->sym, btf_witness[i].func, r->why);
		return true;
	}
	return false;
}

static int check_kconfig(struct ctx *c, const struct compat_rule *r)
{
	struct compat_req *q = req_new(c, r);

	if (!q)
		return -ENOMEM;
	snprintf(q->what, sizeof(q->what), "CONFIG_%s", r->sym);
	if (!c->k->have_config && kconfig_from_btf(c, r, q))
		return 0;
	if (!c->k->have_config)
		SET(q, COMPAT_UNSURE, "the kconfig of this kernel is unknown (give --config FILE)");
	else if (compat_kernel__kconfig(c->k, r->sym))
		q->status = COMPAT_MET;
	else
		SET(q, COMPAT_MISSING, "CONFIG_%s is not set (%s)", r->sym, r->why);
	return 0;
}

/* Without the kconfig, the running kernel answers for itself: bpf() is ENOSYS without it. */
static int check_bpf_syscall(struct ctx *c, const struct compat_rule *r)
{
	struct compat_req *q;

	if (c->k->have_config || c->k->bpf_syscall == FACT_UNKNOWN)
		return check_kconfig(c, r);
	q = req_new(c, r);
	if (!q)
		return -ENOMEM;
	snprintf(q->what, sizeof(q->what), "CONFIG_%s", r->sym);
	if (c->k->bpf_syscall == FACT_YES)
		q->status = COMPAT_MET;
	else
		SET(q, COMPAT_MISSING, "the bpf() syscall is ENOSYS: CONFIG_%s is not set (%s)",
		    r->sym, r->why);
	return 0;
}

static int check_version(struct ctx *c, const struct compat_rule *r)
{
	struct compat_req *q = req_new(c, r);

	if (!q)
		return -ENOMEM;
	snprintf(q->what, sizeof(q->what), "kernel >= %d.%d%s%s", r->min / 1000, r->min % 1000,
		 r->arch ? " on " : "", r->arch ? r->arch : "");
	if (!c->k->version)
		SET(q, COMPAT_UNSURE, "the kernel version is unknown");
	else if (kver_ok(c->k, r->min))
		q->status = COMPAT_MET;
	else
		SET(q, COMPAT_MISSING, "the kernel is %d.%d (%s)", c->k->version / 1000,
		    c->k->version % 1000, r->why);
	return 0;
}

static int check_kernel_btf(struct ctx *c, const struct compat_rule *r)
{
	struct compat_req *q = req_new(c, r);

	if (!q)
		return -ENOMEM;
	snprintf(q->what, sizeof(q->what), "kernel BTF");
	if (c->k->btf)
		q->status = COMPAT_MET;
	else if (c->k->have_config && compat_kernel__kconfig(c->k, "DEBUG_INFO_BTF"))
		q->status = COMPAT_MET; /* the image has it; we just do not hold it */
	else if (c->k->have_config)
		SET(q, COMPAT_MISSING, "CONFIG_DEBUG_INFO_BTF is not set (%s)", r->why);
	else
		SET(q, COMPAT_UNSURE, "neither the kconfig nor the BTF of this kernel is known");
	return 0;
}

static int check_target_btf(struct ctx *c, const struct compat_rule *r)
{
	struct compat_req *q;
	char name[256];
	int kind;

	if (!c->p->target[0])
		return 0;
	q = req_new(c, r);
	if (!q)
		return -ENOMEM;
	btf_target(c->p, name, sizeof(name), &kind);
	snprintf(q->what, sizeof(q->what), "%s in BTF", name);
	if (!c->k->btf) {
		SET(q, COMPAT_UNSURE, "no BTF for this kernel to look up %s (give --btf FILE)", name);
		q->advisory = true;
	}
	else if (btf__find_by_name_kind(c->k->btf, name, kind) > 0)
		q->status = COMPAT_MET;
	else
		SET(q, COMPAT_MISSING, "%s is not in the kernel's BTF (%s)", name, r->why);
	return 0;
}

static int check_target_kallsyms(struct ctx *c, const struct compat_rule *r)
{
	struct compat_req *q;

	if (!c->k->host || !c->p->target[0])
		return 0; /* a host-only fact */
	/* a cache filled on first use; the facts themselves do not change */
	compat_kallsyms_load((struct compat_kernel *)c->k);
	if (!c->k->have_kallsyms)
		return 0;
	q = req_new(c, r);
	if (!q)
		return -ENOMEM;
	snprintf(q->what, sizeof(q->what), "%s in kallsyms", c->p->target);
	if (compat_strset_has(&c->k->kallsyms, c->p->target))
		q->status = COMPAT_MET;
	else
		SET(q, COMPAT_MISSING, "%s is not in /proc/kallsyms (%s)", c->p->target, r->why);
	return 0;
}

static int check_target_ftrace(struct ctx *c, const struct compat_rule *r)
{
	struct compat_req *q;

	if (!c->k->host || !c->p->target[0])
		return 0;
	q = req_new(c, r);
	if (!q)
		return -ENOMEM;
	snprintf(q->what, sizeof(q->what), "%s in available_filter_functions", c->p->target);
	if (c->k->have_ftrace == FACT_YES) {
		if (compat_strset_has(&c->k->ftrace, c->p->target))
			q->status = COMPAT_MET;
		else
			SET(q, COMPAT_MISSING, "%s is not in available_filter_functions (%s)",
			    c->p->target, r->why);
	} else if (c->k->have_ftrace == FACT_NO) {
		SET(q, COMPAT_UNSURE, "available_filter_functions cannot be read: %s",
		    compat_errno_name(c->k->ftrace_err));
		q->advisory = true;
	} else {
		SET(q, COMPAT_UNSURE, "tracefs is not available to read available_filter_functions");
		q->advisory = true;
	}
	return 0;
}

static int check_trampoline(struct ctx *c, const struct compat_rule *r)
{
	struct compat_req *q;

	if (!c->k->host || c->k->trampoline == FACT_UNKNOWN)
		return 0;
	q = req_new(c, r);
	if (!q)
		return -ENOMEM;
	snprintf(q->what, sizeof(q->what), "BPF trampolines allowed");
	if (c->k->trampoline == FACT_YES) {
		q->status = COMPAT_MET;
		return 0;
	}
	q->err = c->k->trampoline_err;
	SET(q, COMPAT_MISSING,
	    "this kernel refuses every BPF trampoline program (fentry, fexit, fmod_ret, freplace, lsm): "
	    "a minimal fentry program on bpf_fentry_test1 got %s %s; kernel lockdown is '%s'%s%s%s",
	    compat_errno_name(c->k->trampoline_err),
	    c->k->trampoline_log_empty ? "before the verifier ran (empty log)" : "",
	    c->k->lockdown[0] ? c->k->lockdown : "unknown",
	    c->k->have_ftrace == FACT_NO ? ", and ftrace's function files refuse reads with " : "",
	    c->k->have_ftrace == FACT_NO ? compat_errno_name(c->k->ftrace_err) : "",
	    c->k->have_ftrace == FACT_NO ? " too" : "");
	return 0;
}

static int check_iter_probe(struct ctx *c, const struct compat_rule *r)
{
	const struct compat_iter_probe *ip = NULL;
	struct compat_req *q;

	for (size_t i = 0; c->p->target && i < c->k->niters; i++)
		if (!strcmp(c->k->iters[i].target, c->p->target))
			ip = &c->k->iters[i];
	if (!ip)
		return 0; /* not probed: not the running kernel, or not root */
	q = req_new(c, r);
	if (!q)
		return -ENOMEM;
	snprintf(q->what, sizeof(q->what), "iter/%s programs allowed", ip->target);
	if (!ip->err) {
		q->status = COMPAT_MET;
		return 0;
	}
	q->err = ip->err;
	SET(q, COMPAT_MISSING,
	    "this kernel refuses iter/%s programs: a minimal one (r0 = 0; exit) got %s at load; "
	    "kernel lockdown is '%s'", ip->target, compat_errno_name(ip->err),
	    c->k->lockdown[0] ? c->k->lockdown : "unknown");
	return 0;
}

static int check_gpl(struct ctx *c, const struct compat_rule *r)
{
	struct compat_req *q = req_new(c, r);

	if (!q)
		return -ENOMEM;
	snprintf(q->what, sizeof(q->what), "GPL-compatible license");
	if (c->p->gpl)
		q->status = COMPAT_MET;
	else
		SET(q, COMPAT_MISSING, "the license is not GPL-compatible (%s)", r->why);
	return 0;
}

static int check_kfuncs(struct ctx *c, const struct compat_rule *r)
{
	for (size_t i = 0; i < c->p->nkfuncs; i++) {
		const char *f = c->p->kfuncs[i];
		struct compat_req *q = req_new(c, r);
		int ver = 0;

		if (!q)
			return -ENOMEM;
		snprintf(q->what, sizeof(q->what), "kfunc %s%s", f, c->p->kfunc_weak[i] ? " (weak)" : "");
		for (size_t j = 0; j < sizeof(kfunc_versions) / sizeof(kfunc_versions[0]); j++)
			if (!strcmp(kfunc_versions[j].name, f))
				ver = kfunc_versions[j].ver;
		if (c->k->btf) {
			if (btf__find_by_name_kind(c->k->btf, f, BTF_KIND_FUNC) > 0)
				q->status = COMPAT_MET;
			else if (c->p->kfunc_weak[i])
				q->status = COMPAT_MET; /* resolves to 0: the program guards it */
			else if (ver)
				SET(q, COMPAT_MISSING, "kfunc %s is not in the kernel's BTF: it exists from %d.%d (%s)",
				    f, ver / 1000, ver % 1000, r->why);
			else
				SET(q, COMPAT_MISSING, "kfunc %s is not in the kernel's BTF (%s)", f, r->why);
		} else if (ver && c->k->version) {
			if (kver_ok(c->k, ver) || c->p->kfunc_weak[i])
				q->status = COMPAT_MET;
			else
				SET(q, COMPAT_MISSING, "kfunc %s exists from %d.%d and the kernel is %d.%d (%s)",
				    f, ver / 1000, ver % 1000, c->k->version / 1000,
				    c->k->version % 1000, r->why);
		} else if (c->p->kfunc_weak[i]) {
			q->status = COMPAT_MET;
		} else {
			SET(q, COMPAT_UNSURE, "no BTF for this kernel to look up kfunc %s (give --btf FILE)", f);
		}
	}
	return 0;
}

/* Largest BPF_FUNC_* value of enum bpf_func_id in btf, -1 if absent; name of id into buf. */
static int helper_max(const struct btf *btf, int id, char *buf, size_t size)
{
	int tid = btf ? btf__find_by_name_kind(btf, "bpf_func_id", BTF_KIND_ENUM) : -1;
	const struct btf_type *t;
	const struct btf_enum *e;
	int max = -1;

	snprintf(buf, size, "#%d", id);
	if (tid <= 0)
		return -1;
	t = btf__type_by_id(btf, tid);
	e = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *n = btf__name_by_offset(btf, e[i].name_off);

		if (n && !strncmp(n, "__BPF_FUNC_MAX_ID", 17))
			continue;
		if (e[i].val > max)
			max = e[i].val;
		if (e[i].val == id && n && !strncmp(n, "BPF_FUNC_", 9))
			snprintf(buf, size, "bpf_%s#%d", n + 9, id);
	}
	return max;
}

static int check_helpers(struct ctx *c, const struct compat_rule *r)
{
	char name[96];
	int max;

	if (!c->k->btf)
		return 0; /* helper ids per version are not tabled: needs BTF */
	for (size_t i = 0; i < c->p->nhelpers; i++) {
		int id = c->p->helpers[i];
		struct compat_req *q;

		max = helper_max(c->k->btf, id, name, sizeof(name));
		if (max < 0)
			return 0;
		if (id <= max)
			continue; /* only list the ones that fail: most objects call many */
		q = req_new(c, r);
		if (!q)
			return -ENOMEM;
		snprintf(q->what, sizeof(q->what), "helper #%d", id);
		SET(q, COMPAT_MISSING, "helper #%d is newer than this kernel (its last is #%d) (%s)", id,
		    max, r->why);
	}
	return 0;
}

/* Lockdown mode: securityfs on the host, else forced by the config. */
static const char *lockdown_mode(const struct compat_kernel *k, bool *sure)
{
	*sure = true;
	if (k->lockdown[0])
		return k->lockdown;
	if (!k->have_config) {
		*sure = false;
		return "";
	}
	if (compat_kernel__kconfig(k, "LOCK_DOWN_KERNEL_FORCE_CONFIDENTIALITY"))
		return "confidentiality";
	if (compat_kernel__kconfig(k, "LOCK_DOWN_KERNEL_FORCE_INTEGRITY"))
		return "integrity";
	if (!compat_kernel__kconfig(k, "SECURITY_LOCKDOWN_LSM"))
		return "none";
	*sure = !compat_kernel__kconfig(k, "LOCK_DOWN_IN_EFI_SECURE_BOOT");
	return "none";
}

static int check_lockdown_helpers(struct ctx *c, const struct compat_rule *r)
{
	for (size_t i = 0; i < c->p->nhelpers; i++)
		for (size_t j = 0; j < sizeof(lockdown_helpers) / sizeof(lockdown_helpers[0]); j++) {
			struct compat_req *q;
			const char *mode;
			bool sure, denied;

			if (lockdown_helpers[j].id != c->p->helpers[i])
				continue;
			q = req_new(c, r);
			if (!q)
				return -ENOMEM;
			mode = lockdown_mode(c->k, &sure);
			snprintf(q->what, sizeof(q->what), "%s under lockdown", lockdown_helpers[j].name);
			denied = !strcmp(mode, "confidentiality") ||
				 (!strcmp(mode, "integrity") &&
				  !strcmp(lockdown_helpers[j].mode, "integrity"));
			if (denied) {
				SET(q, COMPAT_MISSING, "kernel lockdown is '%s' and removes %s (%s)", mode,
				    lockdown_helpers[j].name, r->why);
			} else if (!sure && !strcmp(lockdown_helpers[j].mode, "integrity")) {
				/* a boot-time fact: does not decide the verdict */
				SET(q, COMPAT_UNSURE, "UEFI secure boot would lock the kernel down to "
				    "integrity, which removes %s", lockdown_helpers[j].name);
				q->advisory = true;
			} else {
				q->status = COMPAT_MET; /* secure boot raises it to integrity only */
			}
		}
	return 0;
}

static int check_syscall_arch(struct ctx *c, const struct compat_rule *r)
{
	const char *want = syscall_prefix(c->k->arch), *t = c->p->target;
	struct compat_req *q;

	if (!strncmp(t, "__ia32_", 7) || !strncmp(t, "__se_sys_", 9) || !strncmp(t, "sys_", 4) ||
	    !t[0])
		return 0;
	q = req_new(c, r);
	if (!q)
		return -ENOMEM;
	snprintf(q->what, sizeof(q->what), "syscall wrapper for %s", c->k->arch);
	if (!strncmp(t, want, strlen(want)) && want[0])
		q->status = COMPAT_MET;
	else
		SET(q, COMPAT_MISSING, "%s is not named as %s syscall wrappers are (%s...) (%s)", t,
		    c->k->arch, want, r->why);
	return 0;
}

static int check_tracefs(struct ctx *c, const struct compat_rule *r)
{
	struct compat_req *q;

	if (!c->k->host)
		return 0; /* a property of the machine, not the kernel */
	q = req_new(c, r);
	if (!q)
		return -ENOMEM;
	snprintf(q->what, sizeof(q->what), "tracefs mounted");
	if (c->k->tracefs_mounted == FACT_YES)
		q->status = COMPAT_MET;
	else
		SET(q, COMPAT_MISSING, "tracefs is not mounted (%s)", r->why);
	return 0;
}

static int check_event(struct ctx *c, const struct compat_rule *r)
{
	struct compat_req *q;

	if (!c->k->host || !c->p->target[0])
		return 0;
	q = req_new(c, r);
	if (!q)
		return -ENOMEM;
	snprintf(q->what, sizeof(q->what), "event %s", c->p->target);
	if (!c->k->have_events) {
		SET(q, COMPAT_UNSURE, "tracefs events could not be read");
		q->advisory = true;
	}
	else if (compat_strset_has(&c->k->events, c->p->target))
		q->status = COMPAT_MET;
	else
		SET(q, COMPAT_MISSING, "tracepoint %s does not exist (%s)", c->p->target, r->why);
	return 0;
}

/* The active LSM list: securityfs, lsm=, else CONFIG_LSM. */
static int check_lsm_active(struct ctx *c, const struct compat_rule *r)
{
	struct compat_req *q = req_new(c, r);
	const char *list = c->k->lsm, *src = c->k->lsm_source;
	char buf[300];

	if (!q)
		return -ENOMEM;
	snprintf(q->what, sizeof(q->what), "bpf in the active LSM list");
	if (!list[0] && compat_kernel__kconfig(c->k, "LSM")) {
		list = compat_kernel__kconfig(c->k, "LSM");
		src = "CONFIG_LSM, unless lsm= is given at boot";
	}
	if (!list[0]) {
		SET(q, COMPAT_UNSURE, "the active LSM list is unknown");
		return 0;
	}
	snprintf(buf, sizeof(buf), ",%s,", list);
	if (strstr(buf, ",bpf,"))
		q->status = COMPAT_MET;
	else
		SET(q, COMPAT_MISSING, "'bpf' is not in the active LSM list '%s' (from %s) (%s)", list,
		    src, r->why);
	return 0;
}

static int check_kconfig_file(struct ctx *c, const struct compat_rule *r)
{
	struct compat_req *q = req_new(c, r);

	if (!q)
		return -ENOMEM;
	snprintf(q->what, sizeof(q->what), "kernel config readable by libbpf");
	if (c->k->host) {
		if (c->k->kconfig_file == FACT_NO)
			SET(q, COMPAT_MISSING, "neither /boot/config-%s nor /proc/config.gz is readable (%s)",
			    c->k->release, r->why);
		else
			q->status = COMPAT_MET;
	} else if (compat_kernel__kconfig(c->k, "IKCONFIG_PROC")) {
		q->status = COMPAT_MET;
	} else {
		/* where the kernel runs decides: a file in /boot */
		SET(q, COMPAT_UNSURE, "this kernel has no /proc/config.gz (CONFIG_IKCONFIG_PROC): the "
		    "machine must have /boot/config-<release> (%s)", r->why);
		q->advisory = true;
	}
	return 0;
}

static int check_prog_type(struct ctx *c, const struct compat_rule *r)
{
	struct compat_req *q = req_new(c, r);

	if (!q)
		return -ENOMEM;
	snprintf(q->what, sizeof(q->what), "a program type libbpf knows");
	if (c->p->prog_type && strcmp(c->p->prog_type, "unspec"))
		q->status = COMPAT_MET;
	else
		SET(q, COMPAT_MISSING, "section '%s' names no program type (%s)",
		    c->p->section ? c->p->section : "", r->why);
	return 0;
}

static bool applies(const struct compat_rule *r, const struct compat_kernel *k,
		    const struct compat_prog *p)
{
	if (r->arch && strcmp(r->arch, k->arch))
		return false;
	if (r->when & W_CORE)
		return p->core;
	if (r->when & W_KCONFIG)
		return p->kconfig;
	if (r->kinds && !(r->kinds & (1u << p->kind)))
		return false;
	if ((r->when & W_SLEEPABLE) && !p->sleepable)
		return false;
	if ((r->when & W_SYSCALL) && !(p->kind == COMPAT_KIND_KSYSCALL || is_syscall_wrapper(p->target)))
		return false;
	if ((r->when & W_NOT_SECURITY) && !strncmp(p->target, "security_", 9))
		return false;
	if ((r->when & W_SYSCALL_EVENT) && strncmp(p->target, "syscalls/", 9))
		return false;
	if ((r->when & W_IA32) && strncmp(p->target, "__ia32_", 7))
		return false;
	return true;
}

static int run_rule(struct ctx *c, const struct compat_rule *r)
{
	switch (r->check) {
	case CK_KCONFIG: return check_kconfig(c, r);
	case CK_BPF_SYSCALL: return check_bpf_syscall(c, r);
	case CK_MIN_VERSION: return check_version(c, r);
	case CK_KERNEL_BTF: return check_kernel_btf(c, r);
	case CK_TARGET_BTF: return check_target_btf(c, r);
	case CK_TARGET_KALLSYMS: return check_target_kallsyms(c, r);
	case CK_TARGET_FTRACE: return check_target_ftrace(c, r);
	case CK_TRAMPOLINE: return check_trampoline(c, r);
	case CK_ITER_PROBE: return check_iter_probe(c, r);
	case CK_GPL: return check_gpl(c, r);
	case CK_KFUNCS: return check_kfuncs(c, r);
	case CK_HELPERS: return check_helpers(c, r);
	case CK_LOCKDOWN_HELPERS: return check_lockdown_helpers(c, r);
	case CK_SYSCALL_ARCH: return check_syscall_arch(c, r);
	case CK_TRACEFS: return check_tracefs(c, r);
	case CK_EVENT: return check_event(c, r);
	case CK_LSM_ACTIVE: return check_lsm_active(c, r);
	case CK_KCONFIG_FILE: return check_kconfig_file(c, r);
	case CK_PROG_TYPE: return check_prog_type(c, r);
	}
	return 0;
}

/* Kinds whose attach needs something the check does not have. */
static bool needs_target(const struct compat_prog *p)
{
	switch (p->kind) {
	case COMPAT_KIND_TC:
	case COMPAT_KIND_CGROUP:
	case COMPAT_KIND_SOCKET:
	case COMPAT_KIND_STRUCT_OPS:
	case COMPAT_KIND_PERF_EVENT:
	case COMPAT_KIND_FREPLACE:
	case COMPAT_KIND_OTHER:
		return true;
	case COMPAT_KIND_UPROBE: /* the binary is outside the kernel's facts */
		return true;
	case COMPAT_KIND_XDP: /* xdp/cpumap, xdp/devmap: a map entry, else an interface */
		return true;
	case COMPAT_KIND_ITER: /* map iterators need the map */
		return !strcmp(p->target, "bpf_map_elem") || !strcmp(p->target, "bpf_sk_storage_map") ||
		       !strcmp(p->target, "sockmap");
	default:
		return false;
	}
}

int compat_check(const struct compat_kernel *k, const struct compat_prog *p,
		 struct compat_result *res)
{
	struct ctx c = { k, p, res };
	const struct compat_req *first = NULL, *unsure = NULL, *earlier = NULL;
	int err;

	memset(res, 0, sizeof(*res));
	res->prog = p;
	for (size_t i = 0; i < compat_rule_count(); i++) {
		if (!applies(&rules[i], k, p))
			continue;
		err = run_rule(&c, &rules[i]);
		if (err) {
			compat_result_release(res);
			return bg_err(err);
		}
	}
	for (size_t i = 0; i < res->nreqs; i++) {
		const struct compat_req *q = &res->reqs[i];

		if (q->status == COMPAT_MISSING && (!first || q->stage < first->stage))
			first = q;
		if (q->status == COMPAT_UNSURE && !q->advisory && !unsure)
			unsure = q;
	}
	/*
	 * A requirement that is unknown at an earlier stage than the first
	 * missing one: the program fails, but where (and with which errno)
	 * depends on the unknown one; saying "loads, then fails to attach"
	 * would claim what is not known.
	 */
	if (first) {
		for (size_t i = 0; i < res->nreqs && !earlier; i++)
			if (res->reqs[i].status == COMPAT_UNSURE && !res->reqs[i].advisory &&
			    res->reqs[i].stage < first->stage)
				earlier = &res->reqs[i];
	}
	if (earlier) {
		int w = snprintf(res->reason, sizeof(res->reason), "%s: %s; if it holds, ",
				 earlier->what, earlier->reason);

		if (w > 0 && (size_t)w < sizeof(res->reason))
			w = snprintf(res->reason + w, sizeof(res->reason) - (size_t)w,
				     "%s at %s: %s", compat_errno_name(first->err),
				     compat_stage_name(first->stage), first->reason);
		(void)w;
		res->verdict = COMPAT_UNKNOWN;
		res->hint = earlier->hint;
	} else if (first) {
		res->verdict = first->stage == COMPAT_STAGE_LOAD     ? COMPAT_FAIL_LOAD
			       : first->stage == COMPAT_STAGE_ATTACH ? COMPAT_FAIL_ATTACH
								     : COMPAT_NO_RUN;
		res->stage = first->stage;
		res->err = first->err;
		snprintf(res->reason, sizeof(res->reason), "%s", first->reason);
		res->hint = first->hint;
	} else if (unsure) {
		res->verdict = COMPAT_UNKNOWN;
		snprintf(res->reason, sizeof(res->reason), "%s", unsure->reason);
		res->hint = unsure->hint;
	} else {
		res->verdict = needs_target(p) ? COMPAT_LOADS : COMPAT_OK;
		if (res->verdict == COMPAT_LOADS)
			snprintf(res->reason, sizeof(res->reason),
				 "attaching a %s program needs a target (interface, cgroup, program...)",
				 compat_kind_name(p->kind));
	}
	return 0;
}

void compat_result_release(struct compat_result *res)
{
	if (!res)
		return;
	free(res->reqs);
	memset(res, 0, sizeof(*res));
}

void compat_summary(const struct compat_result *res, char *buf, size_t size)
{
	const char *what;

	switch (res->verdict) {
	case COMPAT_OK:
		snprintf(buf, size, "loads and attaches");
		return;
	case COMPAT_LOADS:
		snprintf(buf, size, "loads (%s)", res->reason);
		return;
	case COMPAT_UNKNOWN:
		snprintf(buf, size, "unknown: %s", res->reason);
		return;
	case COMPAT_NO_RUN:
		snprintf(buf, size, "attaches but never runs, because %s", res->reason);
		return;
	case COMPAT_FAIL_ATTACH:
		what = "fails to attach";
		break;
	default:
		what = "fails to load";
		break;
	}
	snprintf(buf, size, "%s: %s (%d), because %s", what, compat_errno_name(res->err), res->err,
		 res->reason);
}

/* verifier stats: libbpf type names to a kind */
static enum compat_kind kind_of(const char *pt, const char *at)
{
	static const struct { const char *pt, *at; enum compat_kind kind; } map[] = {
		{ "tracing", "trace_fentry", COMPAT_KIND_FENTRY },
		{ "tracing", "trace_fexit", COMPAT_KIND_FENTRY },
		{ "tracing", "modify_return", COMPAT_KIND_FMOD_RET },
		{ "tracing", "trace_raw_tp", COMPAT_KIND_TP_BTF },
		{ "tracing", "trace_iter", COMPAT_KIND_ITER },
		{ "lsm", NULL, COMPAT_KIND_LSM },
		{ "ext", NULL, COMPAT_KIND_FREPLACE },
		{ "kprobe", NULL, COMPAT_KIND_KPROBE },
		{ "tracepoint", NULL, COMPAT_KIND_TRACEPOINT },
		{ "raw_tracepoint", NULL, COMPAT_KIND_RAW_TP },
		{ "xdp", NULL, COMPAT_KIND_XDP },
		{ "sched_cls", NULL, COMPAT_KIND_TC },
		{ "perf_event", NULL, COMPAT_KIND_PERF_EVENT },
		{ "struct_ops", NULL, COMPAT_KIND_STRUCT_OPS },
	};

	for (size_t i = 0; pt && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].pt, pt) && (!map[i].at || (at && !strcmp(map[i].at, at))))
			return map[i].kind;
	return COMPAT_KIND_OTHER;
}

bool compat_explain_load_error(const struct compat_kernel *k, const char *prog_type,
			       const char *attach_type, int err, char *buf, size_t size)
{
	struct compat_prog p = { .kind = kind_of(prog_type, attach_type), .target = (char *)"",
				 .prog_type = (char *)(prog_type ? prog_type : ""), .gpl = true };
	struct compat_result res = { 0 };
	struct ctx c = { k, &p, &res };
	bool found = false;

	if (err < 0)
		err = -err;
	for (size_t i = 0; i < compat_rule_count() && !found; i++) {
		const struct compat_rule *r = &rules[i];

		if (r->stage != COMPAT_STAGE_LOAD || !applies(r, k, &p) || !r->kinds)
			continue;
		if (run_rule(&c, r))
			break;
		for (size_t j = 0; j < res.nreqs; j++)
			if (res.reqs[j].status == COMPAT_MISSING && res.reqs[j].err == err) {
				snprintf(buf, size, "%s", res.reqs[j].reason);
				found = true;
				break;
			}
	}
	compat_result_release(&res);
	return found;
}
