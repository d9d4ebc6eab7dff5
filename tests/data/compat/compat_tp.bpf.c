// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Tracepoints: the perf-event kind (needs tracefs for its id) and raw ones. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_openat(void *ctx)
{
	return 0;
}

SEC("raw_tp/sys_enter")
int raw_sys_enter(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(btf_sched_switch, int preempt)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
