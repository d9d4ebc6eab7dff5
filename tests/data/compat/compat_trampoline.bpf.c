// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fentry/fexit on bpf_fentry_test1 (net/bpf/test_run.c: in every kernel
 * with BPF_SYSCALL and NET, noinline, ftrace-managed), on syscall wrappers
 * named for two architectures (one sleepable, which needs
 * FUNCTION_ERROR_INJECTION), and an LSM hook (a BPF trampoline on
 * bpf_lsm_file_open, the same attach path). No maps, no relocations. On
 * arm64 the trampolines need DYNAMIC_FTRACE_WITH_DIRECT_CALLS
 * (from 6.4): Debian's 6.1 arm64 gets ENOTSUPP (524) at attach.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("fentry/bpf_fentry_test1")
int BPF_PROG(fe_test1, int a)
{
	return 0;
}

SEC("fexit/bpf_fentry_test1")
int BPF_PROG(fx_test1, int a, int ret)
{
	return 0;
}

/* the arm64 name of the getpgid wrapper: only in arm64 kernels */
SEC("fentry/__arm64_sys_getpgid")
int BPF_PROG(fe_arm64_getpgid)
{
	return 0;
}

/* sleepable: only on the error-injection allowlist (FUNCTION_ERROR_INJECTION) */
SEC("fentry.s/__arm64_sys_getpgid")
int BPF_PROG(fes_arm64_getpgid)
{
	return 0;
}

/* the x86_64 name: never in an arm64 kernel's BTF */
SEC("fentry/__x64_sys_getpgid")
int BPF_PROG(fe_x64_getpgid)
{
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(lsm_file_open, void *file)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
