/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpfgauge cov run -- CMD: run a command and collect the coverage of every
 * instrumented object that it, or any of its children, loads, whatever the
 * loader (libbpf, bpftool, Go, Rust...), however short-lived.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpfgauge/cov.h"
#include "cov_writers.h"
#include "main.h"

int cov_emit(const struct cov_writer *w, const struct cov_model *m, const char *out);
void cov_print_summary(const struct cov_model *m, FILE *f);

static volatile pid_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

static struct cov_mapping *found_map;
static size_t found_objs;
static int found_err;

static void add_object(const char *path)
{
	struct cov_mapping *m;

	if (cov_mapping__from_file(path, &m))
		return; /* not a BPF object, or not instrumented: not ours */
	found_objs++;
	if (!found_map) {
		found_map = m;
		return;
	}
	if (cov_mapping__merge(found_map, m))
		found_err = -ENOMEM;
	cov_mapping__free(m);
}

static int scan_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t n = strlen(path);

	if (type == FTW_F && n > 2 && !strcmp(path + n - 2, ".o"))
		add_object(path);
	return 0;
}

/* Mappings of every instrumented object in the given files and directories. */
static int find_objects(char **paths, int n)
{
	bpfgauge_print_fn_t old = bpfgauge_set_print(NULL);
	static char *dot[] = { "." };

	if (!n) {
		paths = dot;
		n = 1;
	}
	for (int i = 0; i < n; i++) {
		struct stat st;

		if (stat(paths[i], &st)) {
			bpfgauge_set_print(old);
			p_err("cov run: --objects '%s': %s", paths[i], strerror(errno));
			return -ENOENT;
		}
		if (S_ISDIR(st.st_mode))
			nftw(paths[i], scan_cb, 16, FTW_PHYS);
		else
			add_object(paths[i]);
	}
	bpfgauge_set_print(old);
	return found_err;
}

static int run_help(void)
{
	printf("Usage: %s cov run [-o FILE] [--format F] [--objects PATH]... [--test-name TN]\n"
	       "                     -- CMD [ARGS...]\n"
	       "\n"
	       "Runs CMD and collects the coverage of every instrumented BPF object that CMD or\n"
	       "any of its children loads, with any loader. A tracer takes a reference to each\n"
	       "counter map as it is created (the creating thread waits a moment, stopped), so\n"
	       "maps outlive loaders that exit right after their tests, and all are read once\n"
	       "CMD is done.\n"
	       "Loading the same object several times adds the counts up. Needs root.\n"
	       "\n"
	       "  -o, --output FILE   where to write (default coverage.info); lcov output is\n"
	       "                      merged into FILE if it exists; written atomically\n"
	       "  -f, --format F      lcov (default), cobertura or json\n"
	       "  --objects PATH      instrumented objects, or directories searched for *.o\n"
	       "                      (repeatable; default: the current directory tree)\n"
	       "  -t, --test-name TN  lcov TN for this run\n"
	       "\n"
	       "SIGINT and SIGTERM are forwarded to CMD and the coverage gathered so far is\n"
	       "still written. Exit code: CMD's (128+N if killed by signal N), or 2 if\n"
	       "bpfgauge itself fails.\n",
	       bin_name);
	return 0;
}

int do_cov_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "objects", required_argument, NULL, 'O' },
		{ "test-name", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = "coverage.info", *fmt = "lcov", *tn = NULL;
	char **objs = calloc(argc + 1, sizeof(char *));
	int nobjs = 0, opt, gate[2], status = 0, cmd_rc, err;
	const struct cov_writer *w;
	struct cov_tracer *tr = NULL;
	struct cov_snapshot *snap = NULL;
	struct cov_model *model = NULL;
	size_t nmaps = 0, nmissed = 0, unmatched = 0;
	struct sigaction sa = { .sa_handler = forward_signal };
	pid_t pid;

	while ((opt = getopt_long(argc, argv, "+:o:f:t:h", opts, NULL)) >= 0) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 'f': fmt = optarg; break;
		case 'O': objs[nobjs++] = optarg; break;
		case 't': tn = optarg; break;
		case 'h': free(objs); return run_help();
		default:
			p_opt_err("cov run", opt, argv);
			free(objs);
			return EXIT_ERROR;
		}
	}
	if (!(w = cov_writer_find(fmt))) {
		p_err("cov run: unknown --format '%s' (lcov, cobertura, json)", fmt);
		free(objs);
		return EXIT_ERROR;
	}
	if (optind >= argc) {
		p_err("cov run: missing command (usage: %s cov run [OPTIONS] -- CMD [ARGS...])", bin_name);
		free(objs);
		return EXIT_ERROR;
	}
	if (pipe(gate)) {
		p_err("cov run: pipe: %s", strerror(errno));
		free(objs);
		return EXIT_ERROR;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		p_err("cov run: fork: %s", strerror(errno));
		free(objs);
		return EXIT_ERROR;
	}
	if (pid == 0) {
		char c;

		close(gate[1]);
		/* wait until the tracer watches us; EOF means it failed */
		if (read(gate[0], &c, 1) != 1)
			_exit(127);
		close(gate[0]);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "%s: error: cov run: cannot run '%s': %s\n", bin_name, argv[optind],
			strerror(errno));
		_exit(127);
	}
	close(gate[0]);
	child_pid = pid;
	err = cov_tracer__start(pid, &tr);
	if (err) {
		close(gate[1]);
		waitpid(pid, NULL, 0);
		p_err("cov run: cannot start the coverage tracer: %s%s", bpfgauge_strerror(err),
		      err == -EPERM || err == -EACCES ? " (run as root: it needs CAP_BPF and CAP_PERFMON)"
		      : err == -BPFGAUGE_ENOBTF ? " (the kernel has no /sys/kernel/btf/vmlinux)" : "");
		free(objs);
		return EXIT_ERROR;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (write(gate[1], "g", 1) != 1) {
		p_err("cov run: cannot start '%s'", argv[optind]);
		goto fail;
	}
	close(gate[1]);

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			p_err("cov run: waitpid: %s", strerror(errno));
			goto fail;
		}
		if (cov_tracer__poll(tr, 50) == -ENOMEM) {
			p_err("cov run: out of memory");
			goto fail;
		}
	}
	child_pid = 0;
	cmd_rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	err = cov_tracer__finish(tr, &snap, &nmaps, &nmissed);
	if (err) {
		p_err("cov run: collecting counters: %s", bpfgauge_strerror(err));
		goto fail;
	}
	if (nmissed)
		fprintf(stderr, "%s: warning: cov run: %zu counter map(s) vanished before they could be held\n",
			bin_name, nmissed);
	if (find_objects(objs, nobjs))
		goto fail;
	if (!cov_snapshot__cnt(snap)) {
		p_err("cov run: '%s' loaded no instrumented BPF object (exit code %d)", argv[optind], cmd_rc);
		goto fail_rc;
	}
	if (!found_map) {
		p_err("cov run: %zu counter map(s) captured, but no instrumented object found under %s",
		      cov_snapshot__cnt(snap), nobjs ? "--objects" : "the current directory (use --objects)");
		goto fail_rc;
	}
	model = cov_model__new(tn);
	for (size_t i = 0; model && i < cov_snapshot__cnt(snap); i++) {
		size_t size;
		const void *v = cov_snapshot__value(snap, i, &size, NULL);

		err = cov_model__add_counters(model, found_map, v, size, &unmatched);
		if (err) {
			p_err("cov run: %s", bpfgauge_strerror(err));
			goto fail_rc;
		}
	}
	if (unmatched)
		fprintf(stderr, "%s: warning: cov run: %zu counter segment(s) belong to no object found under %s\n",
			bin_name, unmatched, nobjs ? "--objects" : "the current directory");
	if (cov_emit(w, model, out))
		goto fail_rc;
	p_info("cov run: %zu counter map(s) from %zu object(s) -> %s", cov_snapshot__cnt(snap), found_objs, out);
	cov_print_summary(model, stderr);
	cov_model__free(model);
	cov_snapshot__free(snap);
	cov_tracer__free(tr);
	cov_mapping__free(found_map);
	free(objs);
	return cmd_rc;
fail:
	if (child_pid > 0) {
		kill(child_pid, SIGTERM);
		waitpid(child_pid, NULL, 0);
	}
fail_rc:
	cov_model__free(model);
	cov_snapshot__free(snap);
	cov_tracer__free(tr);
	cov_mapping__free(found_map);
	free(objs);
	return EXIT_ERROR;
}
