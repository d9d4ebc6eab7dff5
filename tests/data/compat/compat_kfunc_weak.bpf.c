// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A kfunc newer than most kernels (bpf_preempt_disable, 6.10), declared
 * __weak and guarded: libbpf resolves it to 0 where it is missing and the
 * verifier drops the dead call, so this loads on 6.1 too.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#ifndef bpf_ksym_exists /* libbpf < 1.2 */
#define bpf_ksym_exists(sym) (!!(sym))
#endif

extern void bpf_preempt_disable(void) __ksym __weak;
extern void bpf_preempt_enable(void) __ksym __weak;

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
