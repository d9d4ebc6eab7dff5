// SPDX-License-Identifier: BSD-2-Clause
/*
 * The kernel's own cost of attaching XDP programs, with no bpfgauge in the
 * way: the baseline for `compat --live` in test_compat_bench.sh. Loads
 * OBJ's programs (all of them, once), then, in a private network namespace,
 * attaches each XDP program to lo one after another in the cheapest way
 * there is (each replaces the one before: one rebuild of the kernel's XDP
 * dispatcher per program, not two) and detaches the last. Prints
 *   xdp N attach_ms T
 * where T is the time of the attaches and the detach only (not the load).
 *   bench_xdp_floor OBJ
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	int prev = -1, n = 0, err;
	double t0;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_xdp_floor OBJ\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "bench_xdp_floor: cannot open %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	/* only the XDP programs: the others may not load here (fentry, lockdown) */
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, bpf_program__type(prog) == BPF_PROG_TYPE_XDP);
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "bench_xdp_floor: cannot load %s: %s\n", argv[1], strerror(-err));
		bpf_object__close(obj);
		return 1;
	}
	/* the private namespace and its lo go away with this process */
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "bench_xdp_floor: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		bpf_object__close(obj);
		return 1;
	}
	t0 = now_ms();
	bpf_object__for_each_program(prog, obj) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = prev);
		int fd = bpf_program__fd(prog);

		if (fd < 0)
			continue;
		err = bpf_xdp_attach(1, fd, prev >= 0 ? XDP_FLAGS_REPLACE : XDP_FLAGS_UPDATE_IF_NOEXIST,
				     prev >= 0 ? &o : NULL);
		if (err) {
			fprintf(stderr, "bench_xdp_floor: attach: %s\n", strerror(-err));
			bpf_object__close(obj);
			return 1;
		}
		prev = fd;
		n++;
	}
	if (prev >= 0)
		bpf_xdp_detach(1, 0, NULL);
	printf("xdp %d attach_ms %.0f\n", n, now_ms() - t0);
	bpf_object__close(obj);
	return 0;
}
