// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * BPF-to-BPF calls: a static __noinline subprogram called from an unrolled
 * loop (four call sites) and a global function, which the verifier checks on
 * its own against its BTF signature. Both exist as functions in the object,
 * so each gets an FN record whose FNDA is its call count.
 *
 * A BPF_PROG_TYPE_SYSCALL program: BPF_PROG_TEST_RUN passes struct
 * calls_args as the context and copies it back. Fixed input, 2 runs:
 *   C1 vals {5, -2, 40, 7}  -> weights 15+0+120+21 = 156, clamped: out 100
 *   C2 vals {1, 2, 3, -4}   -> weights 3+6+9+0 = 18, not clamped: out 18
 */
#include "common.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct calls_args {
	__s32 vals[4];
	__s32 out;
};

enum { CALLS_STAT_NEG, CALLS_STAT_CLAMPED, CALLS_STAT_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CALLS_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} calls_stats SEC(".maps");

/* 8 calls: 4 per run; -2 and -4 are negative. */
static __noinline int calls_weight(int v) /* fn: 8 */
{
	if (v < 0) { /* cov: 8 br: 2,6 */
		stat_inc(&calls_stats, CALLS_STAT_NEG); /* cov: 2 */
		return 0; /* cov: 2 */
	}
	return v * 3; /* cov: 6 */
} /* cov: 8 */

/* Global: verified once, independently of its callers. */
__noinline int calls_clamp(int v) /* fn: 2 */
{
	if (v > 100) { /* cov: 2 br: 1,1 */
		stat_inc(&calls_stats, CALLS_STAT_CLAMPED); /* cov: 1 */
		return 100; /* cov: 1 */
	}
	return v; /* cov: 1 */
} /* cov: 2 */

SEC("syscall")
int calls_main(struct calls_args *args) /* fn: 2 */
{
	int i, total = 0; /* cov: 2 */

	/* 4 iterations per run, the condition checked 5 times. */
#pragma unroll
	for (i = 0; i < 4; i++) /* cov: 10 br: 8,2 */
		total += calls_weight(args->vals[i]); /* cov: 8 */
	args->out = calls_clamp(total); /* cov: 2 */
	return 0; /* cov: 2 */
} /* cov: 2? (single return at the end: clang may give the brace no code) */
