// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* An LSM program: needs CONFIG_BPF_LSM, a GPL license and "bpf" among the active LSMs. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct file;

SEC("lsm/file_open")
int BPF_PROG(lsm_file_open, struct file *file)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
