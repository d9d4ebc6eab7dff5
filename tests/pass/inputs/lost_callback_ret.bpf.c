// SPDX-License-Identifier: BSD-2-Clause
// Reduced reproducer (issue 10, "no program lost"): a bpf_loop callback that
// returns 0 or 1 from many paths around helper calls, with the return value
// live across the calls. The verifier requires the callback's R0 in [0, 1].
// In the plain build the value stays in a callee-saved register; when the
// instrumentation takes that register, the value goes through a 32-bit stack
// spill and the verifier can lose its bounds ("At callback return the
// register R0 has smin=0 smax=4294967295 should have been in [0, 1]", the
// kernel selftest setget_sockopt's skops_sockopt in counts mode). This
// reduction loads with the default lowering; it fails that way once the
// probes the optimiser sank into a phi of addresses are moved back onto
// their edges without also freeing the register held by the increment.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define LC_SOL_SOCKET 1

struct lc_opt {
	int opt;
	int val;
	int expect;
	int restore;
	int flip;
};

static const struct lc_opt lc_opts[] = {
	{ .opt = 6 /* SO_PRIORITY */, .val = 3, .expect = 3 },
	{ .opt = 9 /* SO_KEEPALIVE */, .flip = 1 },
	{ .opt = 74 /* SO_TXREHASH */, .flip = 1 },
	{ .opt = 7 /* SO_SNDBUF */, .val = 8192, .expect = 16384, .restore = 4096 },
	{ .opt = 36 /* SO_MARK */, .val = 42, .expect = 42 },
	{ .opt = 0 },
};

struct lc_ctx {
	struct bpf_sock_ops *ops;
};

static int lc_flip(void *ctx, const struct lc_opt *t)
{
	int old = 0, tmp, val;

	if (bpf_getsockopt(ctx, LC_SOL_SOCKET, t->opt, &old, sizeof(old)))
		return 1;
	/* an option the kernel may start at 255 */
	if (t->opt == 74 /* SO_TXREHASH */ && old != 0 && old != 1)
		old = 1;
	val = !old;
	if (bpf_setsockopt(ctx, LC_SOL_SOCKET, t->opt, &val, sizeof(val)))
		return 1;
	if (bpf_getsockopt(ctx, LC_SOL_SOCKET, t->opt, &tmp, sizeof(tmp)) || tmp != val)
		return 1;
	if (bpf_setsockopt(ctx, LC_SOL_SOCKET, t->opt, &old, sizeof(old)))
		return 1;
	return 0;
}

static int lc_set(void *ctx, const struct lc_opt *t)
{
	int old, tmp, val = t->val;

	if (bpf_getsockopt(ctx, LC_SOL_SOCKET, t->opt, &old, sizeof(old)) || old == val)
		return 1;
	if (bpf_setsockopt(ctx, LC_SOL_SOCKET, t->opt, &val, sizeof(val)))
		return 1;
	if (bpf_getsockopt(ctx, LC_SOL_SOCKET, t->opt, &tmp, sizeof(tmp)) || tmp != t->expect)
		return 1;
	if (t->restore)
		old = t->restore;
	if (bpf_setsockopt(ctx, LC_SOL_SOCKET, t->opt, &old, sizeof(old)))
		return 1;
	return 0;
}

static int lc_step(__u32 i, struct lc_ctx *c)
{
	const struct lc_opt *t;

	if (i >= sizeof(lc_opts) / sizeof(lc_opts[0]))
		return 1;
	t = &lc_opts[i];
	if (!t->opt)
		return 1;
	if (t->flip)
		return lc_flip(c->ops, t);
	return lc_set(c->ops, t);
}

SEC("sockops")
int lc_sockops(struct bpf_sock_ops *ops)
{
	struct lc_ctx c = { .ops = ops };

	if (ops->op != BPF_SOCK_OPS_TCP_CONNECT_CB)
		return 1;
	bpf_loop(sizeof(lc_opts) / sizeof(lc_opts[0]), lc_step, &c, 0);
	return 1;
}

char _license[] SEC("license") = "GPL";
