// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * bpf_loop(): the callback is a real function in the object (its address is
 * taken), so it gets an FN record; its FNDA is the number of iterations the
 * kernel ran, summed over all bpf_loop() calls.
 *
 * A BPF_PROG_TYPE_SYSCALL program; struct loop_args is the context and is
 * copied back. Fixed input, 3 runs:
 *   L1 n=5,  stop=100 -> 5 callbacks, none stops: sum 0+1+4+9+16 = 30
 *   L2 n=10, stop=3   -> 4 callbacks (i = 0..3), i = 3 stops: sum 0+1+4 = 5
 *   L3 n=0,  stop=0   -> no callback: sum 0
 */
#include "common.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct loop_args {
	__u32 n;
	__u32 stop;
	__u64 sum;
	__u32 iters;
	__u32 stopped_at;
};

struct loop_state {
	__u32 stop;
	__u32 stopped_at;
	__u64 sum;
};

/* 9 calls: 5 (L1) + 4 (L2); i == stop once (L2, i = 3). */
static long loop_step(__u32 i, void *data) /* fn: 9 */
{
	struct loop_state *st = data; /* cov: 9 */

	if (i == st->stop) { /* cov: 9 br: 1,8 */
		st->stopped_at = i; /* cov: 1 */
		return 1; /* cov: 1 */
	}
	st->sum += (__u64)i * i; /* cov: 8 */
	return 0; /* cov: 8 */
} /* cov: 9 */

SEC("syscall")
int loop_main(struct loop_args *args) /* fn: 3 */
{
	struct loop_state st = { .stop = args->stop, .stopped_at = ~0u }; /* cov: 3 */
	long n;

	n = bpf_loop(args->n, loop_step, &st, 0); /* cov: 3 */
	args->sum = st.sum; /* cov: 3 */
	args->iters = n; /* cov: 3 */
	args->stopped_at = st.stopped_at; /* cov: 3 */
	return 0; /* cov: 3 */
} /* cov: 3? (single return at the end: clang may give the brace no code) */
