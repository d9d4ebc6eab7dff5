/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpfgauge matrix: run verifier stats over kernel x clang x -mcpu, store
 * every cell in the history store, print the table and regression flags.
 * `matrix capture` is what runs inside each qemu guest (and on the host).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfgauge/matrix.h"
#include "bpfgauge/vm.h"
#include "main.h"

static int do_capture(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "full-logs", no_argument, NULL, 'L' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "keep", no_argument, NULL, 'K' },
		{ 0 },
	};
	struct mx_capture c;
	bool full = false, keep = false;
	const char *kernel = NULL;
	int opt, jobs = 0, timeout = 0, err;

	while ((opt = getopt_long(argc, argv, "LJ:k:t:K", opts, NULL)) >= 0) {
		switch (opt) {
		case 'L': full = true; break;
		case 'J': jobs = atoi(optarg); break;
		case 'k': kernel = optarg; break;
		case 't': timeout = atoi(optarg); break;
		case 'K': keep = true; break;
		default:
			p_err("matrix capture: unknown option '%s'", argv[optind - 1]);
			return EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		p_err("matrix capture: no objects given");
		return EXIT_ERROR;
	}
	if (kernel && strcmp(kernel, "host")) {
		char path[4096], work[] = "/tmp/bpfgauge-vm-XXXXXX", cmd[4200];
		struct mx_vm_opts vo = { .workdir = work, .timeout_s = timeout };
		struct vm_result vr;

		if (vm_kernel_resolve(kernel, path, sizeof(path))) {
			p_err("matrix capture: kernel '%s' not found (a path, or a version in the cache:"
			      " '%s kernels fetch %s')", kernel, bin_name, kernel);
			return EXIT_ERROR;
		}
		if (!mkdtemp(work)) {
			p_err("matrix capture: mkdtemp: %s", strerror(errno));
			return EXIT_ERROR;
		}
		err = mx_capture_vm(path, argv + optind, argc - optind, full, &vo, &c, &vr);
		if (err) {
			p_err("matrix capture: %s: %s", path, vr.error);
			fprintf(stderr, "--- console tail ---\n%s\n---\n", vr.console_tail ? vr.console_tail : "");
		} else {
			p_info("matrix capture: %s booted with %s in %.1f s", c.kernel_release, vr.accel,
			       vr.boot_s);
		}
		vm_result_release(&vr);
		if (keep) {
			p_info("matrix capture: VM files kept in %s", work);
		} else {
			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
			if (system(cmd))
				p_info("matrix capture: could not remove %s", work);
		}
		if (err)
			return EXIT_ERROR;
		err = mx_capture_write(stdout, &c);
		mx_capture_release(&c);
		return err ? EXIT_ERROR : 0;
	}
	err = mx_capture_run(argv + optind, argc - optind, jobs, full, &c);
	if (err) {
		p_err("matrix capture: %s", bpfgauge_strerror(err));
		return EXIT_ERROR;
	}
	err = mx_capture_write(stdout, &c);
	mx_capture_release(&c);
	return err ? EXIT_ERROR : 0;
}

int do_matrix_run(int argc, char **argv);

static int do_help(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "capture", do_capture },
	{ "help", do_help },
	{ 0 },
};

static int do_help(int argc, char **argv)
{
	printf("Usage: %s matrix [run] [--clang 14,19,22] [--mcpu v2,v3] [--kernel host,6.1,PATH]\n"
	       "                [--cflags FLAGS] [--db PATH] [--label L] [--resume] [--baseline RUN]\n"
	       "                [--policy FILE] [-o DIR] [--timeout S] [--mem MB] [--jobs N]\n"
	       "                SRC.bpf.c|OBJ.o...\n"
	       "       %s matrix capture [--full-logs] [--jobs N] OBJ...\n",
	       bin_name, bin_name);
	return 0;
}

int do_matrix(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "capture"))
		return cmd_select(cmds, "matrix", argc - 1, argv + 1, do_help);
	if (argc >= 2 && is_help(argv[1]))
		return do_help(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return do_matrix_run(argc - 1, argv + 1);
	return do_matrix_run(argc, argv);
}

int do_matrix_run(int argc, char **argv)
{
	p_err("matrix: not built yet");
	return EXIT_ERROR;
}
