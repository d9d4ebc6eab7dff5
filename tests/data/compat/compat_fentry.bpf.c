// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fentry/fexit: BPF trampolines on an ftrace-managed function. Need
 * DYNAMIC_FTRACE_WITH_DIRECT_CALLS (arm64 from 6.4); the sleepable one
 * also needs FUNCTION_ERROR_INJECTION.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("fentry/do_unlinkat")
int BPF_PROG(fe_unlinkat, int dfd)
{
	return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(fx_unlinkat, int dfd, void *name, long ret)
{
	return 0;
}

SEC("fentry.s/__x64_sys_getpgid")
int BPF_PROG(fe_sleepable_getpgid)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
