/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The call-chain stack metric: from the per-subprog frames of the
 * verifier's "stack depth A+B+C" line and the program's BPF-to-BPF calls,
 * the deepest chain of frames (Cilium's metric), which is what the 512-byte
 * limit applies to; the log alone only gives the frames, so without the
 * calls stack_max stays the largest single frame.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vlog_internal.h"

#define MAX_SUBPROGS 4096 /* the kernel allows BPF_MAX_SUBPROGS = 256 */

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Index of the subprog holding insn: the last start <= insn. */
static size_t subprog_of(const uint32_t *starts, size_t n, uint32_t insn)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (starts[mid] <= insn)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Deepest chain from subprog s (memoized in best[], -1 = not yet known,
 * -2 = on the current path: a cycle, which the verifier refuses anyway).
 */
static int64_t chain(size_t s, const int64_t *frame, const size_t *from, const size_t *to,
		     size_t nedges, int64_t *best)
{
	int64_t deepest = 0;

	if (best[s] >= 0)
		return best[s];
	if (best[s] == -2)
		return 0;
	best[s] = -2;
	for (size_t e = 0; e < nedges; e++) {
		int64_t d;

		if (from[e] != s)
			continue;
		d = chain(to[e], frame, from, to, nedges, best);
		if (d > deepest)
			deepest = d;
	}
	best[s] = frame[s] + deepest;
	return best[s];
}

int vlog_record__set_call_chain(struct vlog_record *r, const struct vlog_call *calls,
				size_t ncalls)
{
	const char *depths = vlog_record__str(r, VLOG_STAT_STACK_DEPTHS);
	uint32_t *starts = NULL;
	int64_t *frame = NULL, *best = NULL, v;
	size_t *from = NULL, *to = NULL, nstarts = 0, nframes = 0;
	const char *s;
	int err = -EINVAL;

	if (!depths)
		return bg_err(-ENOENT);
	for (s = depths; *s; s++)
		nframes += *s == '+';
	nframes++;
	if (nframes > MAX_SUBPROGS || ncalls > MAX_SUBPROGS * 64)
		return bg_err(-E2BIG);
	starts = malloc((ncalls + 1) * sizeof(*starts));
	frame = calloc(nframes, sizeof(*frame));
	best = malloc(nframes * sizeof(*best));
	from = malloc((ncalls + 1) * sizeof(*from));
	to = malloc((ncalls + 1) * sizeof(*to));
	if (!starts || !frame || !best || !from || !to) {
		err = -ENOMEM;
		goto out;
	}
	/* frames in subprog order */
	s = depths;
	for (size_t i = 0; i < nframes; i++) {
		char *end;

		v = strtoll(s, &end, 10);
		if (end == s || v < 0 || (*end && *end != '+'))
			goto out;
		frame[i] = v;
		best[i] = -1;
		s = *end ? end + 1 : end;
	}
	/* subprogs start at 0 and at every call target, in increasing order */
	starts[nstarts++] = 0;
	for (size_t i = 0; i < ncalls; i++)
		starts[nstarts++] = calls[i].target;
	qsort(starts, nstarts, sizeof(*starts), u32_cmp);
	{
		size_t k = 1;

		for (size_t i = 1; i < nstarts; i++)
			if (starts[i] != starts[k - 1])
				starts[k++] = starts[i];
		nstarts = k;
	}
	if (nstarts != nframes) {
		pr_debug("verifier: %zu subprogs from the calls but %zu frames in 'stack depth %s'",
			 nstarts, nframes, depths);
		goto out;
	}
	for (size_t i = 0; i < ncalls; i++) {
		from[i] = subprog_of(starts, nstarts, calls[i].insn);
		to[i] = subprog_of(starts, nstarts, calls[i].target);
	}
	vlog_record__set_int(r, VLOG_STAT_STACK_MAX, chain(0, frame, from, to, ncalls, best));
	vlog_record__unset(r, VLOG_STAT_STACK_PCT);
	vlog_record__finalize(r);
	err = 0;
out:
	free(starts);
	free(frame);
	free(best);
	free(from);
	free(to);
	return err ? bg_err(err) : 0;
}
