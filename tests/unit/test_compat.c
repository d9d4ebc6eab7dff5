/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The compatibility rules against kernel facts made by hand: for every rule
 * in the table, one kernel where it holds and one where a single fact is
 * flipped (a kconfig symbol unset, an older version, another architecture,
 * a host fact), asserting the verdict, stage and errno. Plus Debian's real
 * 6.1 and 6.12 amd64 configs (tests/data/compat/configs) and variants of
 * them with one symbol flipped, and bad kconfig input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bg_test.h"
#include "bpfgauge/compat.h"
#include "compat_internal.h"

/* A kernel where every rule holds. */
static const char *const base_config[] = {
	"CONFIG_BPF_SYSCALL=y", "CONFIG_BPF_EVENTS=y", "CONFIG_DEBUG_INFO_BTF=y",
	"CONFIG_BPF_LSM=y", "CONFIG_LSM=\"lockdown,capability,bpf\"",
	"CONFIG_FUNCTION_ERROR_INJECTION=y", "CONFIG_KPROBES=y", "CONFIG_FPROBE=y",
	"CONFIG_KPROBES_ON_FTRACE=y", "CONFIG_IA32_EMULATION=y", "CONFIG_FTRACE_SYSCALLS=y",
	"CONFIG_DYNAMIC_FTRACE=y", "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y",
	"CONFIG_SECURITY_LOCKDOWN_LSM=y", "CONFIG_LOCK_DOWN_KERNEL_FORCE_NONE=y",
	"CONFIG_NET_SCH_INGRESS=m",
};

enum poke {
	P_NONE, P_TRAMPOLINE_EPERM, P_NO_KALLSYM, P_NO_FTRACE_FN, P_NO_TRACEFS, P_NO_EVENT,
	P_NO_BTF_TARGET, P_OLD_HELPERS, P_NO_KCONFIG_FILE, P_ITER_EPERM,
};

struct row {
	const char *rule;
	enum compat_kind kind;
	const char *target;
	const char *arch;       /* x86_64 if NULL */
	const char *fail_arch;  /* the flip: another architecture */
	const char *release;    /* of both kernels; "6.12" if NULL */
	/* the flip */
	const char *unset;      /* a symbol removed */
	const char *set;        /* a line added */
	const char *fail_release;
	enum poke poke;
	/* program details */
	bool sleepable, core, not_gpl, kconfig, unknown_type;
	const char *kfunc;
	int helper;
	/* expected when flipped */
	enum compat_verdict verdict;
	int err;
};

static const struct row rows[] = {
	{ "prog-type-known", COMPAT_KIND_OTHER, "", .unknown_type = true, .verdict = COMPAT_FAIL_LOAD, .err = EINVAL },
	{ "tc-clsact", COMPAT_KIND_TC, "", .unset = "NET_SCH_INGRESS", .verdict = COMPAT_FAIL_ATTACH, .err = ENOENT },
	{ "bpf-syscall", COMPAT_KIND_XDP, "", .unset = "BPF_SYSCALL", .verdict = COMPAT_FAIL_LOAD, .err = ENOSYS },
	{ "bpf-events", COMPAT_KIND_KPROBE, "do_unlinkat", .unset = "BPF_EVENTS", .verdict = COMPAT_FAIL_LOAD, .err = EINVAL },
	{ "kernel-btf", COMPAT_KIND_ITER, "task", .unset = "DEBUG_INFO_BTF", .verdict = COMPAT_FAIL_LOAD, .err = ESRCH },
	{ "kernel-btf-core", COMPAT_KIND_XDP, "", .core = true, .unset = "DEBUG_INFO_BTF", .verdict = COMPAT_FAIL_LOAD, .err = ESRCH },
	{ "tp-btf-version", COMPAT_KIND_TP_BTF, "sys_enter", .release = "5.10", .fail_release = "5.4", .verdict = COMPAT_FAIL_LOAD, .err = EINVAL },
	{ "lsm-version", COMPAT_KIND_LSM, "file_open", .release = "5.10", .fail_release = "5.6", .verdict = COMPAT_FAIL_LOAD, .err = EINVAL },
	{ "iter-version", COMPAT_KIND_ITER, "task", .release = "5.10", .fail_release = "5.7", .verdict = COMPAT_FAIL_LOAD, .err = EINVAL },
	{ "lsm-config", COMPAT_KIND_LSM, "file_open", .unset = "BPF_LSM", .verdict = COMPAT_FAIL_LOAD, .err = EINVAL },
	{ "lsm-gpl", COMPAT_KIND_LSM, "file_open", .not_gpl = true, .verdict = COMPAT_FAIL_LOAD, .err = EINVAL },
	{ "trampoline-refused", COMPAT_KIND_FENTRY, "do_unlinkat", .poke = P_TRAMPOLINE_EPERM, .verdict = COMPAT_FAIL_LOAD, .err = EPERM },
	{ "iter-refused", COMPAT_KIND_ITER, "bpf_map_elem", .poke = P_ITER_EPERM, .verdict = COMPAT_FAIL_LOAD, .err = EPERM },
	{ "target-btf", COMPAT_KIND_FENTRY, "do_unlinkat", .poke = P_NO_BTF_TARGET, .verdict = COMPAT_FAIL_LOAD, .err = ESRCH },
	{ "target-kallsyms", COMPAT_KIND_FENTRY, "do_unlinkat", .poke = P_NO_KALLSYM, .verdict = COMPAT_FAIL_LOAD, .err = ENOENT },
	{ "sleepable-error-injection", COMPAT_KIND_FENTRY, "do_unlinkat", .sleepable = true, .unset = "FUNCTION_ERROR_INJECTION", .verdict = COMPAT_FAIL_LOAD, .err = EINVAL },
	{ "fmod-ret-error-injection", COMPAT_KIND_FMOD_RET, "do_unlinkat", .unset = "FUNCTION_ERROR_INJECTION", .verdict = COMPAT_FAIL_LOAD, .err = EINVAL },
	{ "kconfig-file", COMPAT_KIND_XDP, "", .kconfig = true, .poke = P_NO_KCONFIG_FILE, .verdict = COMPAT_FAIL_LOAD, .err = EINVAL },
	{ "kfunc", COMPAT_KIND_TP_BTF, "sys_enter", .kfunc = "bpf_rcu_read_lock", .release = "6.2", .fail_release = "6.1", .verdict = COMPAT_FAIL_LOAD, .err = EINVAL },
	{ "helper", COMPAT_KIND_XDP, "", .helper = 200, .poke = P_OLD_HELPERS, .verdict = COMPAT_FAIL_LOAD, .err = EINVAL },
	{ "lockdown-helper", COMPAT_KIND_TP_BTF, "sys_enter", .helper = 36, .set = "CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY=y", .verdict = COMPAT_FAIL_LOAD, .err = EINVAL },
	{ "syscall-wrapper-arch-fentry", COMPAT_KIND_FENTRY, "__x64_sys_openat", .fail_arch = "arm64", .verdict = COMPAT_FAIL_LOAD, .err = ESRCH },
	{ "kprobes", COMPAT_KIND_KPROBE, "do_unlinkat", .unset = "KPROBES", .verdict = COMPAT_FAIL_ATTACH, .err = ENOENT },
	{ "kprobe-multi", COMPAT_KIND_KPROBE_MULTI, "do_*", .unset = "FPROBE", .verdict = COMPAT_FAIL_ATTACH, .err = EOPNOTSUPP },
	{ "syscall-wrapper-arch", COMPAT_KIND_KPROBE, "__x64_sys_openat", .fail_arch = "arm64", .verdict = COMPAT_FAIL_ATTACH, .err = ENOENT },
	{ "syscall-wrapper-riscv", COMPAT_KIND_KPROBE, "__riscv_sys_openat", .arch = "riscv64", .release = "6.8", .fail_release = "6.5", .verdict = COMPAT_FAIL_ATTACH, .err = ENOENT },
	{ "kprobes-on-ftrace-riscv", COMPAT_KIND_KPROBE, "__riscv_sys_openat", .arch = "riscv64", .release = "6.8", .unset = "KPROBES_ON_FTRACE", .verdict = COMPAT_FAIL_ATTACH, .err = EINVAL },
	{ "ia32-emulation", COMPAT_KIND_KPROBE, "__ia32_sys_openat", .unset = "IA32_EMULATION", .verdict = COMPAT_FAIL_ATTACH, .err = ENOENT },
	{ "tracefs-mounted", COMPAT_KIND_TRACEPOINT, "sched/sched_switch", .poke = P_NO_TRACEFS, .verdict = COMPAT_FAIL_ATTACH, .err = ENOENT },
	{ "syscall-events", COMPAT_KIND_TRACEPOINT, "syscalls/sys_enter_openat", .unset = "FTRACE_SYSCALLS", .verdict = COMPAT_FAIL_ATTACH, .err = ENOENT },
	{ "tracepoint-exists", COMPAT_KIND_TRACEPOINT, "sched/sched_switch", .poke = P_NO_EVENT, .verdict = COMPAT_FAIL_ATTACH, .err = ENOENT },
	{ "raw-tp-exists", COMPAT_KIND_RAW_TP, "sys_enter", .poke = P_NO_BTF_TARGET, .verdict = COMPAT_FAIL_ATTACH, .err = ENOENT },
	{ "trampoline-arch-x86_64", COMPAT_KIND_FENTRY, "do_unlinkat", .release = "5.10", .fail_release = "5.4", .verdict = COMPAT_FAIL_ATTACH, .err = COMPAT_ENOTSUPP },
	{ "trampoline-arch-arm64", COMPAT_KIND_FENTRY, "do_unlinkat", .arch = "arm64", .release = "6.6", .fail_release = "5.19", .verdict = COMPAT_FAIL_ATTACH, .err = COMPAT_ENOTSUPP },
	{ "trampoline-arch-s390x", COMPAT_KIND_FENTRY, "do_unlinkat", .arch = "s390x", .release = "6.6", .fail_release = "5.19", .verdict = COMPAT_FAIL_ATTACH, .err = COMPAT_ENOTSUPP },
	{ "trampoline-arch-riscv64", COMPAT_KIND_FENTRY, "do_unlinkat", .arch = "riscv64", .release = "6.8", .fail_release = "6.2", .verdict = COMPAT_FAIL_ATTACH, .err = COMPAT_ENOTSUPP },
	{ "fentry-dynamic-ftrace", COMPAT_KIND_FENTRY, "do_unlinkat", .unset = "DYNAMIC_FTRACE", .verdict = COMPAT_FAIL_ATTACH, .err = EBUSY },
	{ "fentry-direct-calls", COMPAT_KIND_FENTRY, "do_unlinkat", .arch = "arm64", .release = "6.12", .unset = "DYNAMIC_FTRACE_WITH_DIRECT_CALLS", .verdict = COMPAT_FAIL_ATTACH, .err = COMPAT_ENOTSUPP },
	{ "direct-calls-arm64", COMPAT_KIND_FENTRY, "do_unlinkat", .arch = "arm64", .release = "6.4", .fail_release = "6.3", .verdict = COMPAT_FAIL_ATTACH, .err = COMPAT_ENOTSUPP },
	{ "direct-calls-riscv64", COMPAT_KIND_FENTRY, "do_unlinkat", .arch = "riscv64", .release = "6.8", .fail_release = "6.7", .verdict = COMPAT_FAIL_ATTACH, .err = COMPAT_ENOTSUPP },
	{ "target-ftrace", COMPAT_KIND_FENTRY, "do_unlinkat", .poke = P_NO_FTRACE_FN, .verdict = COMPAT_FAIL_ATTACH, .err = EBUSY },
	{ "lsm-active", COMPAT_KIND_LSM, "file_open", .set = "CONFIG_LSM=\"lockdown,capability\"", .verdict = COMPAT_NO_RUN, .err = 0 },
};

/* A small BTF standing in for vmlinux's: the targets, kfuncs and helper ids the rows use. */
static struct btf *fake_btf(bool with_targets, int max_helper)
{
	/* the kconfig witnesses of Debian's arm64 6.1 (ftrace_set_filter, register_kprobe,
	 * bpf_lsm_file_open; no register_ftrace_direct) */
	static const char *const funcs[] = { "do_unlinkat", "bpf_lsm_file_open", "bpf_rcu_read_lock",
					     "__x64_sys_openat", "__arm64_sys_openat",
					     "__riscv_sys_openat", "__ia32_sys_openat", "do_sys_open",
					     "ftrace_set_filter", "register_kprobe" };
	struct btf *b = btf__new_empty();
	int proto, e, ptr;

	if (!b)
		return NULL;
	proto = btf__add_func_proto(b, 0);
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (with_targets || strcmp(funcs[i], "do_unlinkat"))
			btf__add_func(b, funcs[i], BTF_FUNC_GLOBAL, proto);
	ptr = btf__add_ptr(b, proto);
	if (with_targets)
		btf__add_typedef(b, "btf_trace_sys_enter", ptr);
	e = btf__add_enum(b, "bpf_func_id", 4);
	(void)e;
	for (int i = 0; i <= max_helper; i++) {
		char n[32];

		snprintf(n, sizeof(n), i == 36 ? "BPF_FUNC_probe_write_user" : "BPF_FUNC_h%d", i);
		btf__add_enum_value(b, n, i);
	}
	btf__add_enum_value(b, "__BPF_FUNC_MAX_ID", max_helper + 1);
	return b;
}

static struct compat_kernel *make_kernel(const struct row *r, bool flip)
{
	char text[8192] = "", release[32];
	const char *arch = flip && r->fail_arch ? r->fail_arch : r->arch ? r->arch : "x86_64";
	struct compat_kernel *k;

	if (!strcmp(arch, "arm64"))
		strcat(text, "CONFIG_ARM64=y\n");
	else if (!strcmp(arch, "riscv64"))
		strcat(text, "CONFIG_RISCV=y\nCONFIG_64BIT=y\n");
	else if (!strcmp(arch, "s390x"))
		strcat(text, "CONFIG_S390=y\n");
	else
		strcat(text, "CONFIG_X86_64=y\n");
	for (size_t i = 0; i < sizeof(base_config) / sizeof(base_config[0]); i++) {
		const char *l = base_config[i];

		if (flip && r->unset && !strncmp(l + 7, r->unset, strlen(r->unset)) &&
		    l[7 + strlen(r->unset)] == '=')
			continue;
		if (flip && r->set && !strncmp(r->set, "CONFIG_LSM=", 11) && !strncmp(l, "CONFIG_LSM=", 11))
			continue;
		strcat(text, l);
		strcat(text, "\n");
	}
	if (flip && r->set) {
		strcat(text, r->set);
		strcat(text, "\n");
	}
	snprintf(release, sizeof(release), "%s",
		 flip && r->fail_release ? r->fail_release : r->release ? r->release : "6.12");
	k = compat_kernel__from_config_text(text, release, NULL);
	if (!k)
		return NULL;
	/* the BTF rows and host facts */
	if (!(flip && r->unset && !strcmp(r->unset, "DEBUG_INFO_BTF")) && r->kfunc == NULL)
		k->btf = fake_btf(!(flip && r->poke == P_NO_BTF_TARGET),
				  flip && r->poke == P_OLD_HELPERS ? 120 : 250);
	k->host = true;
	k->have_kallsyms = true;
	compat_strset_add(&k->kallsyms, flip && r->poke == P_NO_KALLSYM ? "other" : r->target);
	compat_strset_sort(&k->kallsyms);
	k->have_ftrace = FACT_YES;
	compat_strset_add(&k->ftrace, flip && r->poke == P_NO_FTRACE_FN ? "other" : r->target);
	compat_strset_sort(&k->ftrace);
	k->tracefs_mounted = flip && r->poke == P_NO_TRACEFS ? FACT_NO : FACT_YES;
	k->have_events = true;
	compat_strset_add(&k->events, flip && r->poke == P_NO_EVENT ? "sched/other" : r->target);
	compat_strset_sort(&k->events);
	/* the host's iterator probe: bpf_map_elem loads, or is EPERM as on this host */
	snprintf(k->iters[0].target, sizeof(k->iters[0].target), "bpf_map_elem");
	k->iters[0].err = flip && r->poke == P_ITER_EPERM ? EPERM : 0;
	k->niters = 1;
	k->trampoline = flip && r->poke == P_TRAMPOLINE_EPERM ? FACT_NO : FACT_YES;
	k->trampoline_err = EPERM;
	k->trampoline_log_empty = true;
	k->kconfig_file = flip && r->poke == P_NO_KCONFIG_FILE ? FACT_NO : FACT_YES;
	return k;
}

static void make_prog(const struct row *r, bool flip, struct compat_prog *p, char **kf, bool *weak,
		      int *helper)
{
	memset(p, 0, sizeof(*p));
	p->name = (char *)r->rule;
	p->object = (char *)"fake.bpf.o";
	p->section = (char *)"";
	p->prog_type = (char *)(flip && r->unknown_type ? "unspec" : "xdp");
	p->kind = r->kind;
	p->target = (char *)r->target;
	p->sleepable = r->sleepable;
	p->core = r->core;
	p->kconfig = r->kconfig;
	p->gpl = !(flip && r->not_gpl);
	if (r->kfunc) {
		kf[0] = (char *)r->kfunc;
		*weak = false;
		p->kfuncs = kf;
		p->kfunc_weak = weak;
		p->nkfuncs = 1;
	}
	if (r->helper) {
		*helper = r->helper;
		p->helpers = helper;
		p->nhelpers = 1;
	}
}

static const struct compat_req *find_req(const struct compat_result *res, const char *rule)
{
	for (size_t i = 0; i < res->nreqs; i++)
		if (!strcmp(res->reqs[i].rule, rule))
			return &res->reqs[i];
	return NULL;
}

/* Each rule holds on its base kernel and fires once one fact is flipped. */
TEST(each_rule_fires_and_holds)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct compat_prog p;
		char *kf[1];
		bool weak;
		int helper;
		struct compat_result ok, bad;
		struct compat_kernel *kok = make_kernel(r, false), *kbad = make_kernel(r, true);
		const struct compat_req *q;

		if (!kok || !kbad)
			BG_FAIL("%s: kernel not built: %s", r->rule, strerror(errno));
		make_prog(r, false, &p, kf, &weak, &helper);
		ASSERT_EQ_INT(compat_check(kok, &p, &ok), 0);
		make_prog(r, true, &p, kf, &weak, &helper);
		ASSERT_EQ_INT(compat_check(kbad, &p, &bad), 0);
		if (ok.verdict != COMPAT_OK && ok.verdict != COMPAT_LOADS)
			BG_FAIL("%s: base kernel gives %s: %s", r->rule, compat_verdict_name(ok.verdict),
				ok.reason);
		q = find_req(&ok, r->rule);
		if (q && q->status != COMPAT_MET)
			BG_FAIL("%s: holds on the base kernel? status %s", r->rule,
				compat_status_name(q->status));
		q = find_req(&bad, r->rule);
		if (!q || q->status != COMPAT_MISSING)
			BG_FAIL("%s: does not fire on the flipped kernel", r->rule);
		if (bad.verdict != r->verdict || bad.err != r->err)
			BG_FAIL("%s: flipped kernel gives %s %s (%s), want %s %s", r->rule,
				compat_verdict_name(bad.verdict), compat_errno_name(bad.err), bad.reason,
				compat_verdict_name(r->verdict), compat_errno_name(r->err));
		compat_result_release(&ok);
		compat_result_release(&bad);
		compat_kernel__free(kok);
		compat_kernel__free(kbad);
	}
}

/* Every row of the rule table is exercised above. */
TEST(every_rule_is_tested)
{
	for (size_t i = 0; i < compat_rule_count(); i++) {
		bool found = false;

		for (size_t j = 0; j < sizeof(rows) / sizeof(rows[0]); j++)
			found |= !strcmp(rows[j].rule, compat_rule_id(i));
		if (!found)
			BG_FAIL("rule %s has no test row", compat_rule_id(i));
	}
}

/* The example: arm64 6.1 has DYNAMIC_FTRACE but no direct calls. */
TEST(arm64_6_1_fentry_enotsupp)
{
	const char *cfg = "# Linux/arm64 6.1.0 Kernel Configuration\nCONFIG_ARM64=y\n"
			  "CONFIG_BPF_SYSCALL=y\nCONFIG_DEBUG_INFO_BTF=y\nCONFIG_DYNAMIC_FTRACE=y\n"
			  "# CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS is not set\n";
	struct compat_kernel *k = compat_kernel__from_config_text(cfg, "6.1.0-27-cloud-arm64", NULL);
	struct compat_prog p = { .name = (char *)"fe", .kind = COMPAT_KIND_FENTRY,
				 .target = (char *)"do_unlinkat", .gpl = true };
	struct compat_result res;
	char sum[512];

	ASSERT_TRUE(k);
	ASSERT_EQ_STR(compat_kernel__arch(k), "arm64");
	ASSERT_EQ_INT(compat_check(k, &p, &res), 0);
	ASSERT_EQ_INT(res.verdict, COMPAT_FAIL_ATTACH);
	ASSERT_EQ_INT(res.err, 524);
	compat_summary(&res, sum, sizeof(sum));
	ASSERT_CONTAINS(sum, "fails to attach: ENOTSUPP (524), because "
			     "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS is not set");
	ASSERT_CONTAINS(sum, "arm64 from 6.4");
	/* the version rule agrees on its own */
	ASSERT_TRUE(find_req(&res, "direct-calls-arm64"));
	ASSERT_EQ_INT(find_req(&res, "direct-calls-arm64")->status, COMPAT_MISSING);
	compat_result_release(&res);
	compat_kernel__free(k);
}

/*
 * The running kernel without its kconfig (a minimal guest: no /proc/config.gz,
 * no /boot), as on Debian's arm64 6.1 booted from an initramfs: bpf() answers
 * as it does; everything else a host knows is there.
 */
static struct compat_kernel *host_without_config(enum compat_fact bpf_syscall)
{
	struct compat_kernel *k = compat_kernel__from_config_text("CONFIG_ARM64=y\n",
								   "6.1.0-57-cloud-arm64", NULL);

	if (!k)
		return NULL;
	k->have_config = false;
	k->host = true;
	k->bpf_syscall = bpf_syscall;
	k->btf = fake_btf(true, 250);
	k->have_kallsyms = true;
	compat_strset_add(&k->kallsyms, "do_unlinkat");
	compat_strset_sort(&k->kallsyms);
	k->have_ftrace = FACT_YES;
	compat_strset_add(&k->ftrace, "do_unlinkat");
	compat_strset_sort(&k->ftrace);
	k->trampoline = FACT_YES;
	k->kconfig_file = FACT_NO;
	return k;
}

/*
 * Found by compat --live inside Debian's arm64 6.1 guest: a sleepable fentry
 * needs FUNCTION_ERROR_INJECTION at load (unknown there: no kconfig) and
 * direct calls at attach (missing: the kernel is 6.1). It failed at load
 * (EINVAL); "fails to attach: ENOTSUPP" claimed that it loads. Unknown at an
 * earlier stage than the first missing requirement is unknown.
 */
TEST(unknown_before_missing_is_unknown)
{
	struct compat_kernel *k = host_without_config(FACT_YES);
	struct compat_prog p = { .name = (char *)"fes", .kind = COMPAT_KIND_FENTRY,
				 .target = (char *)"do_unlinkat", .gpl = true, .sleepable = true,
				 .prog_type = (char *)"tracing" };
	struct compat_result res;

	ASSERT_TRUE(k);
	ASSERT_EQ_INT(compat_check(k, &p, &res), 0);
	ASSERT_EQ_INT(find_req(&res, "sleepable-error-injection")->status, COMPAT_UNSURE);
	ASSERT_EQ_INT(find_req(&res, "direct-calls-arm64")->status, COMPAT_MISSING);
	ASSERT_EQ_STR(compat_verdict_name(res.verdict), "unknown");
	ASSERT_EQ_INT(res.err, 0);
	ASSERT_CONTAINS(res.reason, "CONFIG_FUNCTION_ERROR_INJECTION: the kconfig of this kernel "
				    "is unknown");
	/* the attach failure: no direct calls (its BTF witness is absent, as on 6.1) */
	ASSERT_CONTAINS(res.reason, "if it holds, ENOTSUPP at attach: "
				    "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS is not set");
	compat_result_release(&res);
	/* not sleepable: nothing unknown before the attach, which fails as before */
	p.sleepable = false;
	ASSERT_EQ_INT(compat_check(k, &p, &res), 0);
	ASSERT_EQ_STR(compat_verdict_name(res.verdict), "fail_attach");
	ASSERT_EQ_INT(res.err, COMPAT_ENOTSUPP);
	compat_result_release(&res);
	compat_kernel__free(k);
}

/*
 * Without a kconfig, a symbol whose function is built only with it answers
 * from the kernel's BTF: register_ftrace_direct (direct calls), absent from
 * Debian's arm64 6.1 BTF and present from 6.12; register_kprobe (KPROBES).
 * A symbol with no witness stays unknown.
 */
TEST(kconfig_witness_in_btf)
{
	struct compat_kernel *k = host_without_config(FACT_YES);
	struct compat_prog fe = { .name = (char *)"fe", .kind = COMPAT_KIND_FENTRY,
				  .target = (char *)"do_unlinkat", .gpl = true,
				  .prog_type = (char *)"tracing" };
	struct compat_prog kp = { .name = (char *)"kp", .kind = COMPAT_KIND_KPROBE,
				  .target = (char *)"do_unlinkat", .gpl = true,
				  .prog_type = (char *)"kprobe" };
	const struct compat_req *q;
	struct compat_result res;

	ASSERT_TRUE(k);
	/* like arm64 6.1: ftrace_set_filter and register_kprobe, no register_ftrace_direct */
	ASSERT_EQ_INT(compat_check(k, &fe, &res), 0);
	q = find_req(&res, "fentry-direct-calls");
	ASSERT_TRUE(q);
	ASSERT_EQ_INT(q->status, COMPAT_MISSING);
	ASSERT_CONTAINS(q->reason, "register_ftrace_direct, built only with it, is not in the "
				   "kernel's BTF");
	ASSERT_EQ_INT(find_req(&res, "fentry-dynamic-ftrace")->status, COMPAT_MET);
	ASSERT_EQ_STR(compat_verdict_name(res.verdict), "fail_attach");
	ASSERT_EQ_INT(res.err, COMPAT_ENOTSUPP);
	compat_result_release(&res);
	ASSERT_EQ_INT(compat_check(k, &kp, &res), 0);
	ASSERT_EQ_INT(find_req(&res, "kprobes")->status, COMPAT_MET);
	compat_result_release(&res);
	/* like 6.12: the witness is there; and a kernel without register_kprobe */
	btf__free(k->btf);
	k->btf = btf__new_empty();
	ASSERT_TRUE(k->btf);
	{
		int proto = btf__add_func_proto(k->btf, 0);

		btf__add_func(k->btf, "do_unlinkat", BTF_FUNC_GLOBAL, proto);
		btf__add_func(k->btf, "ftrace_set_filter", BTF_FUNC_GLOBAL, proto);
		btf__add_func(k->btf, "register_ftrace_direct", BTF_FUNC_GLOBAL, proto);
	}
	ASSERT_EQ_INT(compat_check(k, &fe, &res), 0);
	ASSERT_EQ_INT(find_req(&res, "fentry-direct-calls")->status, COMPAT_MET);
	compat_result_release(&res);
	ASSERT_EQ_INT(compat_check(k, &kp, &res), 0);
	q = find_req(&res, "kprobes");
	ASSERT_EQ_INT(q->status, COMPAT_MISSING);
	ASSERT_CONTAINS(q->reason, "register_kprobe, built only with it");
	compat_result_release(&res);
	/* with a kconfig, the kconfig answers, not the witness */
	k->have_config = true;
	ASSERT_EQ_INT(compat_check(k, &kp, &res), 0);
	ASSERT_CONTAINS(find_req(&res, "kprobes")->reason, "CONFIG_KPROBES is not set (");
	ASSERT_TRUE(!strstr(find_req(&res, "kprobes")->reason, "BTF"));
	compat_result_release(&res);
	compat_kernel__free(k);
}

/*
 * BPF_SYSCALL without the kconfig: the host's bpf() answers (EINVAL for an
 * unknown command with it, ENOSYS without). Unknown when bpf() said nothing,
 * and then an attach failure can no longer be told from a load failure.
 */
TEST(bpf_syscall_from_the_host)
{
	struct compat_prog p = { .name = (char *)"fe", .kind = COMPAT_KIND_FENTRY,
				 .target = (char *)"do_unlinkat", .gpl = true,
				 .prog_type = (char *)"tracing" };
	static const struct {
		enum compat_fact fact;
		enum compat_status status;
		const char *verdict;
		int err;
	} cases[] = {
		{ FACT_YES, COMPAT_MET, "fail_attach", COMPAT_ENOTSUPP },
		{ FACT_NO, COMPAT_MISSING, "fail_load", ENOSYS },
		{ FACT_UNKNOWN, COMPAT_UNSURE, "unknown", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct compat_kernel *k = host_without_config(cases[i].fact);
		struct compat_result res;

		ASSERT_TRUE(k);
		ASSERT_EQ_INT(compat_check(k, &p, &res), 0);
		ASSERT_EQ_INT(find_req(&res, "bpf-syscall")->status, cases[i].status);
		ASSERT_EQ_STR(compat_verdict_name(res.verdict), cases[i].verdict);
		ASSERT_EQ_INT(res.err, cases[i].err);
		if (cases[i].fact == FACT_NO)
			ASSERT_CONTAINS(res.reason, "the bpf() syscall is ENOSYS");
		compat_result_release(&res);
		compat_kernel__free(k);
	}
}

/*
 * The probe on this machine, which has bpf() (the project's e2e tests load
 * programs here): yes as root; unprivileged, EPERM
 * (kernel.unprivileged_bpf_disabled) may leave it unknown, never no.
 */
TEST(bpf_syscall_probe_here)
{
	struct compat_kernel_opts o = { .sz = sizeof(o), .no_probe = true };
	struct compat_kernel *k = compat_kernel__load("host", &o);

	ASSERT_TRUE(k);
	if (geteuid() == 0)
		ASSERT_EQ_INT(k->bpf_syscall, FACT_YES);
	else
		ASSERT_TRUE(k->bpf_syscall != FACT_NO);
	compat_kernel__free(k);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void cfg_path(char *buf, size_t size, const char *name)
{
	const char *src = getenv("BPFGAUGE_DATA");

	snprintf(buf, size, "%s/compat/configs/%s", src ? src : "tests/data", name);
}

/* Debian's real configs: what they have and lack (read from the files, by grep). */
TEST(debian_configs)
{
	char path[4096];
	struct compat_kernel *k61, *k612;
	struct compat_prog fe = { .name = (char *)"fe", .kind = COMPAT_KIND_FENTRY,
				  .target = (char *)"do_unlinkat", .gpl = true };
	struct compat_prog fes = fe, kp = fe;
	char *kf[] = { (char *)"bpf_rcu_read_lock" };
	bool weak[] = { false };
	struct compat_prog rcu = { .name = (char *)"rcu", .kind = COMPAT_KIND_TP_BTF,
				   .target = (char *)"sys_enter", .gpl = true, .kfuncs = kf,
				   .kfunc_weak = weak, .nkfuncs = 1 };
	struct compat_result res;
	LIBBPF_OPTS(compat_kernel_opts, o);

	fes.sleepable = true;
	kp.kind = COMPAT_KIND_KPROBE;
	cfg_path(path, sizeof(path), "config-6.1.0-57-cloud-amd64");
	k61 = compat_kernel__load(path, &o);
	cfg_path(path, sizeof(path), "config-6.12.117+deb12-cloud-amd64");
	k612 = compat_kernel__load(path, &o);
	ASSERT_TRUE(k61 && k612);
	ASSERT_EQ_STR(compat_kernel__arch(k61), "x86_64");
	ASSERT_EQ_STR(compat_kernel__release(k61), "6.1.0-57-cloud-amd64");
	ASSERT_EQ_STR(compat_kernel__kconfig(k61, "DYNAMIC_FTRACE_WITH_DIRECT_CALLS"), "y");
	ASSERT_TRUE(!compat_kernel__kconfig(k61, "FUNCTION_ERROR_INJECTION"));
	/* fentry and kprobes work on both */
	ASSERT_EQ_INT(compat_check(k61, &fe, &res), 0);
	ASSERT_EQ_INT(res.verdict, COMPAT_OK);
	compat_result_release(&res);
	ASSERT_EQ_INT(compat_check(k612, &kp, &res), 0);
	ASSERT_EQ_INT(res.verdict, COMPAT_OK);
	compat_result_release(&res);
	/* sleepable fentry: no error-injection allowlist in Debian's amd64 builds */
	ASSERT_EQ_INT(compat_check(k612, &fes, &res), 0);
	ASSERT_EQ_INT(res.verdict, COMPAT_FAIL_LOAD);
	ASSERT_EQ_INT(res.err, EINVAL);
	ASSERT_CONTAINS(res.reason, "CONFIG_FUNCTION_ERROR_INJECTION is not set");
	compat_result_release(&res);
	/* bpf_rcu_read_lock: 6.2+ */
	ASSERT_EQ_INT(compat_check(k61, &rcu, &res), 0);
	ASSERT_EQ_INT(res.verdict, COMPAT_FAIL_LOAD);
	ASSERT_EQ_INT(res.err, EINVAL); /* libbpf 1.1's errno, as a 6.1 guest shows */
	ASSERT_CONTAINS(res.reason, "exists from 6.2 and the kernel is 6.1");
	compat_result_release(&res);
	ASSERT_EQ_INT(compat_check(k612, &rcu, &res), 0);
	ASSERT_EQ_INT(res.verdict, COMPAT_OK);
	compat_result_release(&res);
	compat_kernel__free(k61);
	compat_kernel__free(k612);
}

/* The real 6.1 config with one symbol flipped. */
TEST(debian_config_variants)
{
	static const struct { const char *sym; enum compat_kind kind; int err; } flips[] = {
		{ "DYNAMIC_FTRACE_WITH_DIRECT_CALLS", COMPAT_KIND_FENTRY, COMPAT_ENOTSUPP },
		{ "KPROBES", COMPAT_KIND_KPROBE, ENOENT },
		{ "BPF_LSM", COMPAT_KIND_LSM, EINVAL },
	};
	char path[4096];
	char *orig;

	cfg_path(path, sizeof(path), "config-6.1.0-57-cloud-amd64");
	orig = slurp(path);
	ASSERT_TRUE(orig);
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		char needle[128], *text = strdup(orig), *at;
		struct compat_prog p = { .name = (char *)"p", .kind = flips[i].kind,
					 .target = (char *)(flips[i].kind == COMPAT_KIND_LSM ? "file_open" : "do_unlinkat"),
					 .gpl = true };
		struct compat_kernel *k;
		struct compat_result res;

		snprintf(needle, sizeof(needle), "\nCONFIG_%s=y\n", flips[i].sym);
		at = strstr(text, needle);
		if (!at)
			BG_FAIL("%s not set in the real config", flips[i].sym);
		at[1] = '#'; /* "#ONFIG_X=y": a comment now */
		k = compat_kernel__from_config_text(text, "6.1.0-57-cloud-amd64", NULL);
		ASSERT_TRUE(k);
		ASSERT_EQ_INT(compat_check(k, &p, &res), 0);
		if (res.err != flips[i].err)
			BG_FAIL("%s unset: got %s (%s)", flips[i].sym, compat_errno_name(res.err), res.reason);
		ASSERT_CONTAINS(res.reason, flips[i].sym);
		compat_result_release(&res);
		compat_kernel__free(k);
		free(text);
	}
	free(orig);
}

TEST(bad_configs)
{
	struct compat_kernel *k;
	LIBBPF_OPTS(compat_kernel_opts, o, .arch = "mips");

	k = compat_kernel__from_config_text("hello world\nthis is not a config\n", "6.1", NULL);
	ASSERT_TRUE(!k);
	ASSERT_EQ_INT(errno, BPFGAUGE_EBADFORMAT);
	k = compat_kernel__from_config_text("# only comments\n", "6.1", NULL);
	ASSERT_TRUE(!k);
	ASSERT_EQ_INT(errno, BPFGAUGE_EBADFORMAT);
	k = compat_kernel__from_config_text("CONFIG_X86_64=y\n", "6.1", "mips");
	ASSERT_TRUE(!k);
	ASSERT_EQ_INT(errno, EINVAL);
	k = compat_kernel__load("9.99", NULL);
	ASSERT_TRUE(!k);
	ASSERT_EQ_INT(errno, ENOENT);
	(void)o;
}

int main(void)
{
	bpfgauge_set_log_level(BPFGAUGE_LOG_ERROR);
	RUN_TEST(each_rule_fires_and_holds);
	RUN_TEST(every_rule_is_tested);
	RUN_TEST(arm64_6_1_fentry_enotsupp);
	RUN_TEST(unknown_before_missing_is_unknown);
	RUN_TEST(kconfig_witness_in_btf);
	RUN_TEST(bpf_syscall_from_the_host);
	RUN_TEST(bpf_syscall_probe_here);
	RUN_TEST(debian_configs);
	RUN_TEST(debian_config_variants);
	RUN_TEST(bad_configs);
	return bg_test_summary();
}
