// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * The coverage tracer behind `bpfgauge cov run`. When a process of the traced
 * tree creates a bpfgauge counter map (bpf(BPF_MAP_CREATE) returns an fd to a
 * map named .data.bpfgauge, or to a global-data map, one whose BTF value type
 * is a DATASEC: the pass's -bpfgauge-section=data puts the counters in the
 * program's .data, and user space keeps only the maps whose DATASEC holds
 * them), it reports the map id and stops the creating thread with SIGSTOP;
 * user space takes its own reference to the map by id and lets the thread
 * continue. The map then outlives the loader, its programs and pins, and is
 * read once when the command is done: no polling, no race with a loader that
 * exits a millisecond later. Only raw tracepoints are used (no kprobes, no
 * trampolines).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "cov_tracer.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 root_tgid = 0; /* the traced command's pid */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, COV_TRACER_RINGBUF_SIZE);
} events SEC(".maps");

/* Is the current task root_tgid or one of its descendants? */
static __always_inline bool in_tree(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();

	for (int i = 0; i < 32 && t; i++) {
		__u32 tgid = BPF_CORE_READ(t, tgid);

		if (tgid == root_tgid)
			return true;
		if (tgid <= 1)
			return false;
		t = BPF_CORE_READ(t, real_parent);
	}
	return false;
}

/*
 * Is m a one-entry array whose value type is a BTF DATASEC (a loader's
 * .data/.bss/.rodata map)? As the kernel's btf_type_by_id() for a map's
 * own (non-split) BTF.
 */
static __always_inline bool datasec_array(struct bpf_map *m)
{
	__u32 id = BPF_CORE_READ(m, btf_value_type_id), start = 0, nr, info = 0;
	struct btf *btf = BPF_CORE_READ(m, btf);
	struct btf_type **types, *t = NULL;

	if (!btf || !id || BPF_CORE_READ(m, map_type) != BPF_MAP_TYPE_ARRAY ||
	    BPF_CORE_READ(m, max_entries) != 1)
		return false;
	if (bpf_core_field_exists(btf->start_id))
		start = BPF_CORE_READ(btf, start_id);
	nr = BPF_CORE_READ(btf, nr_types);
	types = BPF_CORE_READ(btf, types);
	if (id < start || id - start >= nr || !types ||
	    bpf_probe_read_kernel(&t, sizeof(t), &types[id - start]) || !t ||
	    bpf_probe_read_kernel(&info, sizeof(info), &t->info))
		return false;
	return ((info >> 24) & 0x1f) == COV_BTF_KIND_DATASEC;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(cov_sys_exit, struct pt_regs *regs, long ret)
{
	static const char want[16] = BPFGAUGE_COUNTER_NAME;
	struct task_struct *t;
	struct cov_tracer_event *e;
	struct file *f = NULL, **fds;
	struct bpf_map *m;
	char name[16] = {};

	if (ret < 0 || ret > 0xfffff || BPF_CORE_READ(regs, orig_ax) != COV_NR_bpf ||
	    PT_REGS_PARM1_CORE_SYSCALL(regs) != BPF_MAP_CREATE || !in_tree())
		return 0;
	t = (struct task_struct *)bpf_get_current_task();
	fds = BPF_CORE_READ(t, files, fdt, fd);
	if (!fds || bpf_probe_read_kernel(&f, sizeof(f), &fds[ret]) || !f)
		return 0;
	m = BPF_CORE_READ(f, private_data);
	if (!m || bpf_probe_read_kernel(name, sizeof(name), &m->name))
		return 0;
	if (__builtin_memcmp(name, want, sizeof(name)) && !datasec_array(m))
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->id = BPF_CORE_READ(m, id);
	e->tgid = bpf_get_current_pid_tgid() >> 32;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	bpf_ringbuf_submit(e, 0);
	/* hold the loader until user space has its own reference */
	bpf_send_signal_thread(COV_SIGSTOP);
	return 0;
}
