// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A kprobe: needs CONFIG_KPROBES to attach (this host has none). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("kprobe/do_unlinkat")
int kp_unlinkat(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
