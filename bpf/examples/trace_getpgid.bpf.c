// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * Tracing program on the syscalls:sys_enter_getpgid tracepoint, triggered by
 * real getpgid(2) calls made by the runner. It only looks at the runner's
 * own process (target_tgid, set before load); calls from anyone else bump
 * foreign_events, which the runner reads back so that a test can tell when
 * another process perturbed the counts and run again.
 *
 * Fixed input (bpf/runner/examples.c): the runner calls
 *   getpgid(0) three times, getpgid(getpid()) twice, getpgid(1) once.
 * pid 0 and the caller's pid are "self" (3 + 2 = 5); pid 1 is "other".
 * The annotations assume no foreign event during the run.
 */
#include "common.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* /sys/kernel/tracing/events/syscalls/sys_enter_getpgid/format */
struct sys_enter_getpgid_ctx {
	__u64 common; /* common_type, common_flags, common_preempt_count, common_pid */
	__s32 syscall_nr;
	__u32 pad;
	__u64 pid;
};

enum { TRACE_STAT_SELF, TRACE_STAT_OTHER, TRACE_STAT_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TRACE_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} trace_stats SEC(".maps");

const volatile __u32 target_tgid = 0;
__u64 foreign_events = 0;

SEC("tp/syscalls/sys_enter_getpgid")
int trace_getpgid(struct sys_enter_getpgid_ctx *ctx) /* fn: 6 */
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32; /* cov: 6 */

	if (tgid != target_tgid) { /* cov: 6 br: 0,6 */
		__sync_fetch_and_add(&foreign_events, 1); /* cov: 0 */
		return 0; /* cov: 0 */
	}
	/* pid 0: 3 of 6; of the other 3, 2 are the caller's pid. */
	if (ctx->pid == 0 || ctx->pid == tgid) /* cov: 6 br: 3,3;2,1 */
		stat_inc(&trace_stats, TRACE_STAT_SELF); /* cov: 5 */
	else
		stat_inc(&trace_stats, TRACE_STAT_OTHER); /* cov: 1 */
	return 0; /* cov: 6 */
} /* cov: 6 */
