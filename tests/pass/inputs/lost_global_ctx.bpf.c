// SPDX-License-Identifier: BSD-2-Clause
// Reduced reproducer (issue 10, "no program lost"): a global function whose
// argument is the program's context. The verifier checks that the caller
// passes ctx in r1 at the call; the plain code computes nothing before the
// call, so r1 still holds ctx there. An entry probe that borrowed r1 as a
// scratch register made the load fail in hits mode with "arg#0 expects
// pointer to ctx" (the kernel selftest test_global_func8).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__noinline int lg_coin(struct __sk_buff *skb)
{
	return bpf_get_prandom_u32();
}

__noinline int lg_len(struct __sk_buff *skb)
{
	if (!skb)
		return 0;
	return skb->len > 100 ? 2 : 1;
}

SEC("cgroup_skb/ingress")
int lg_entry_call(struct __sk_buff *skb)
{
	if (!lg_coin(skb))
		return 0;
	return 1;
}

SEC("cgroup_skb/egress")
int lg_branch_then_call(struct __sk_buff *skb)
{
	if (skb->protocol == 8 && lg_len(skb) == 2)
		return 0;
	return 1;
}

char _license[] SEC("license") = "GPL";
