// SPDX-License-Identifier: BSD-2-Clause
/* Fails before verification: a CO-RE relocation to a field the kernel's
 * task_struct does not have. libbpf poisons the insn. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
	int bpfgauge_no_such_field;
} __attribute__((preserve_access_index));

SEC("kprobe/do_nanosleep")
int fail_core(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();

	return BPF_CORE_READ(t, bpfgauge_no_such_field);
}

char LICENSE[] SEC("license") = "GPL";
