/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared between the coverage tracer BPF program and its user-space side. */
#ifndef BPFGAUGE_COV_TRACER_H
#define BPFGAUGE_COV_TRACER_H

#define COV_TRACER_RINGBUF_SIZE (256 << 10)
#define BPFGAUGE_COUNTER_NAME ".data.bpfgauge" /* BPFGAUGE_COUNTER_SEC */
#define COV_NR_bpf 321 /* x86_64 */
#define COV_SIGSTOP 19
#define COV_BTF_KIND_DATASEC 15 /* BTF_KIND_DATASEC, uapi linux/btf.h */

struct cov_tracer_event {
	__u32 id;   /* the new counter map's id */
	__u32 tgid; /* the creating process */
	__u32 tid;  /* and thread, stopped until we release it */
	__u32 pad;
};

#endif
