/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The install test's loader: opens the skeleton, runs xdp_len on 2 short
 * (20 B) and 3 long (64 B) packets, checks the verdicts, and writes the
 * in-process coverage with libbpfgauge to argv[1]. It defines its own
 * jw_new, as a program may: the installed library must not export one.
 */
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpfgauge/cov.h>
#include "prog.skel.h"

int jw_new(void)
{
	return 42;
}

int main(int argc, char **argv)
{
	unsigned char pkt[64];
	struct prog *skel;
	int fails = 0;

	memset(pkt, 0xab, sizeof(pkt));
	skel = prog__open_and_load();
	if (!skel) {
		fprintf(stderr, "loader: cannot load prog\n");
		return 1;
	}
	for (int i = 0; i < 5; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = i < 2 ? 20 : 64);
		int want = i < 2 ? 1 /* XDP_DROP */ : 2 /* XDP_PASS */;

		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdp_len), &o) || o.retval != (unsigned)want) {
			fprintf(stderr, "loader: run %d: retval %u, want %d\n", i, o.retval, want);
			fails++;
		}
	}
	if (argc > 1) {
		LIBBPF_OPTS(bpfgauge_cov_opts, copts, .test_name = "inproc");
		struct cov_model *m;
		size_t sz;

		copts.obj_buf = prog__elf_bytes(&sz);
		copts.obj_buf_sz = sz;
		m = bpfgauge_cov_collect(skel->obj, &copts);
		if (!m || bpfgauge_cov_write_lcov(m, argv[1])) {
			fprintf(stderr, "loader: in-process coverage failed\n");
			fails++;
		}
		cov_model__free(m);
	}
	prog__destroy(skel);
	printf("loader: libbpfgauge %s, own jw_new %d\n", bpfgauge_version(), jw_new());
	return fails ? 1 : 0;
}
