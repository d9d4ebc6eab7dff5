// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * A program whose verdict depends on the kernel: it calls the
 * bpf_rcu_read_lock/unlock kfuncs (Linux 6.2+) from a socket filter, which
 * 6.12 and 6.18 accept (common kfuncs are open to every program type) and
 * 6.1 rejects. The matrix e2e test expects the flag "fails on kernel 6.1 only".
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern void bpf_rcu_read_lock(void) __ksym __weak;
extern void bpf_rcu_read_unlock(void) __ksym __weak;

SEC("socket")
int kfunc_rcu(struct __sk_buff *skb)
{
	int len = skb->len;

	bpf_rcu_read_lock();
	len &= 0xff;
	bpf_rcu_read_unlock();
	return len;
}
