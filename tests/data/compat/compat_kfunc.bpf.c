// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A kfunc newer than some kernels: bpf_rcu_read_lock exists from 6.2, so
 * libbpf refuses to load this object (any program of it) on 6.1.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

SEC("tp_btf/sys_enter")
int BPF_PROG(kfunc_rcu, void *regs, long id)
{
	bpf_rcu_read_lock();
	bpf_rcu_read_unlock();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
