// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * kfuncs newer than some kernels: bpf_rcu_read_lock exists from 6.2, so
 * libbpf refuses to load this on 6.1; the __weak one is guarded and loads
 * everywhere.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#ifndef bpf_ksym_exists /* libbpf < 1.2 */
#define bpf_ksym_exists(sym) (!!(sym))
#endif

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern void bpf_preempt_disable(void) __ksym __weak;
extern void bpf_preempt_enable(void) __ksym __weak;

SEC("tp_btf/sys_enter")
int BPF_PROG(kfunc_rcu, void *regs, long id)
{
	bpf_rcu_read_lock();
	bpf_rcu_read_unlock();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(kfunc_weak, void *regs, long ret)
{
	if (bpf_ksym_exists(bpf_preempt_disable) && bpf_ksym_exists(bpf_preempt_enable)) {
		bpf_preempt_disable();
		bpf_preempt_enable();
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
