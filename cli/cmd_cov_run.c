/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpfgauge cov run -- CMD: run a command and collect the coverage of every
 * instrumented object that it, or any of its children, loads, whatever the
 * loader (libbpf, bpftool, Go, Rust...), however short-lived.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpfgauge/elf_sniff.h"
#include "bpfgauge/cov.h"
#include "cov_writers.h"
#include "main.h"

int cov_emit(const struct cov_writer *w, const struct cov_model *m, const char *out,
	     const struct cov_write_opts *o);
int cov_root_opts(const struct cov_writer *w, const char *root, struct cov_write_opts *o);
void cov_print_summary(const struct cov_session *s, FILE *f);
void cov_print_result(const struct cov_result_info *info, const struct cov_model *m);
int cov_json_check_out(const char *cmd, const char *out);

static volatile pid_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* An object under --objects whose mapping cannot be read: one warning line, never the run. */
static void warn_skip(const char *path, int err, void *ctx)
{
	fprintf(stderr, "%s: warning: cov run: skipping '%s': %s\n", bin_name, path,
		bpfgauge_strerror(err));
}

/* "DIR1, DIR2" or "the current directory": where --objects looked. */
static void where_text(char *buf, size_t size, char **objs, int nobjs)
{
	size_t n = 0;

	if (!nobjs) {
		snprintf(buf, size, "the current directory (use --objects)");
		return;
	}
	n = snprintf(buf, size, "--objects ");
	for (int i = 0; i < nobjs && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%s", i ? ", " : "", objs[i]);
}

/*
 * Counter maps with segments of no object found under --objects: save them
 * as a snapshot beside the output so they are not lost, and say where they
 * went (path, of size PATH_SIZE). An error when nothing else was
 * collected, a warning otherwise. 0, or -1 if the snapshot cannot be written.
 */
#define PATH_SIZE 4096
static int save_unmatched(const struct cov_session *s, const char *out, char **objs, int nobjs,
			  size_t nread, char *path)
{
	const struct cov_snapshot *snap = cov_session__unmatched(s);
	char where[1024], desc[512];
	size_t nseg = cov_session__describe_unmatched(s, desc, sizeof(desc));
	size_t nmaps = cov_snapshot__cnt(snap);
	struct cov_summary sum;
	int err;

	cov_session__summary(s, &sum);
	snprintf(path, PATH_SIZE, "%s.unmatched.snap", !out || !strcmp(out, "-") ? "cov-run" : out);
	where_text(where, sizeof(where), objs, nobjs);
	err = cov_snapshot__write(snap, path);
	if (err) {
		p_err("cov run: %zu counter map(s) matched no object under %s, and saving them to '%s' "
		      "failed: %s", nmaps, where, path, bpfgauge_strerror(err));
		return -1;
	}
	/* objects were read, none matched: another build of them (stale) */
	if (!cov_session__mapping(s) && !nread)
		p_err("cov run: %zu counter map(s) captured, but no instrumented object found under %s; "
		      "counters saved to '%s' (bpfgauge cov report OBJ... --snapshot %s)",
		      nmaps, where, path, path);
	else if (!sum.lines_found)
		p_err("cov run: %zu counter map(s) matched no object under %s: stale build? (%s); "
		      "counters saved to '%s' (bpfgauge cov report OBJ... --snapshot %s)",
		      nmaps, where, desc, path, path);
	else
		fprintf(stderr, "%s: warning: cov run: %zu counter segment(s) belong to no object found "
			"under %s (%s); their %zu map(s) saved to '%s' (bpfgauge cov report OBJ... "
			"--snapshot %s)\n", bin_name, nseg, where, desc, nmaps, path, path);
	return 0;
}

static int run_help(void)
{
	printf("Usage: %s cov run [-o FILE] [--format F] [--root DIR] [--objects PATH]... [--test-name TN]\n"
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
	       "  --format F          lcov (default), cobertura or json\n"
	       "  --objects PATH      instrumented objects, or directories searched for *.o\n"
	       "                      (repeatable, searched in order; default: the current\n"
	       "                      directory tree). The search reads only BPF objects,\n"
	       "                      stops once every captured map has its object, stays\n"
	       "                      in the tree (no symlinks out, no /proc, /sys, /dev)\n"
	       "                      and skips an unreadable object with a warning\n"
	       "  -t, --test-name TN  lcov TN for this run\n"
	       "  -j, -p              (before CMD) the result as one JSON document on stdout:\n"
	       "                      the file written, per-file and total lines/functions/\n"
	       "                      branches found and hit, unmatched maps, CMD's exit code\n"
	       "  --root DIR          Cobertura: the <source> root, file names relative to it\n"
	       "                      (default: the git top level, else the current directory)\n"
	       "\n"
	       "Counter maps of objects not found under --objects (a stale build, a wrong\n"
	       "path) are saved to FILE.unmatched.snap, never dropped: report them with\n"
	       "'%s cov report OBJ... --snapshot FILE.unmatched.snap'.\n"
	       "SIGINT and SIGTERM are forwarded to CMD and the coverage gathered so far is\n"
	       "still written. Exit code: CMD's whenever CMD fails (128+N if killed by signal\n"
	       "N); else 2 when no coverage was collected (no instrumented object loaded, or\n"
	       "no counter map matches an object under --objects), when the report has no\n"
	       "instrumented line (no report is written then), or when bpfgauge fails.\n",
	       bin_name, bin_name);
	return 0;
}

struct run_opts {
	const char *out, *tn;
	const struct cov_writer *w;
	struct cov_write_opts wo;
	char **objs; /* --objects, nobjs of them */
	int nobjs;
	char **cmd;  /* CMD [ARGS...], NULL-terminated */
	int cmd_rc;  /* CMD's exit code, once it ran */
};

/* 0, 1 after --help, or EXIT_ERROR (said). o->objs is the caller's to free. */
static int parse_run_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "objects", required_argument, NULL, 'O' },
		{ "test-name", required_argument, NULL, 't' },
		{ "root", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ 0 },
	};
	const char *fmt = "lcov", *root = NULL;
	int opt;

	*o = (struct run_opts){ .out = "coverage.info" };
	o->objs = calloc(argc + 1, sizeof(char *));
	if (!o->objs) {
		p_err("cov run: out of memory");
		return EXIT_ERROR;
	}
	while ((opt = getopt_long(argc, argv, "+:o:t:hjp", opts, NULL)) >= 0) {
		if (cli_json_opt(opt))
			continue;
		switch (opt) {
		case 'o': o->out = optarg; break;
		case 'F': fmt = optarg; break;
		case 'O': o->objs[o->nobjs++] = optarg; break;
		case 't': o->tn = optarg; break;
		case 'R': root = optarg; break;
		case 'h': run_help(); return 1;
		default:
			p_opt_err("cov run", opt, argv);
			return EXIT_ERROR;
		}
	}
	if (!(o->w = cov_writer_find(fmt))) {
		p_err("cov run: unknown --format '%s' (lcov, cobertura, json)", fmt);
		return EXIT_ERROR;
	}
	if (cov_root_opts(o->w, root, &o->wo) || cov_json_check_out("cov run", o->out))
		return EXIT_ERROR;
	if (optind >= argc) {
		p_err("cov run: missing command (usage: %s cov run [OPTIONS] -- CMD [ARGS...])", bin_name);
		return EXIT_ERROR;
	}
	o->cmd = argv + optind;
	return 0;
}

/*
 * Fork cmd stopped at a gate, start the tracer on it, then open the gate.
 * 0 with *pid and *tr, or EXIT_ERROR (said; no child left behind).
 */
static int start_traced(char **cmd, pid_t *pid, struct cov_tracer **tr)
{
	struct sigaction sa = { .sa_handler = forward_signal };
	int gate[2], err;

	if (pipe(gate)) {
		p_err("cov run: pipe: %s", strerror(errno));
		return EXIT_ERROR;
	}
	fflush(NULL);
	*pid = fork();
	if (*pid < 0) {
		p_err("cov run: fork: %s", strerror(errno));
		close(gate[0]);
		close(gate[1]);
		return EXIT_ERROR;
	}
	if (*pid == 0) {
		char c;

		close(gate[1]);
		/* wait until the tracer watches us; EOF means it failed */
		if (read(gate[0], &c, 1) != 1)
			_exit(127);
		close(gate[0]);
		execvp(cmd[0], cmd);
		fprintf(stderr, "%s: error: cov run: cannot run '%s': %s\n", bin_name, cmd[0],
			strerror(errno));
		_exit(127);
	}
	close(gate[0]);
	child_pid = *pid;
	err = cov_tracer__start(*pid, tr);
	if (err) {
		close(gate[1]);
		waitpid(*pid, NULL, 0);
		child_pid = 0;
		p_err("cov run: cannot start the coverage tracer: %s%s", bpfgauge_strerror(err),
		      (err == -EPERM || err == -EACCES) && geteuid() ?
			      " (run as root: it needs CAP_BPF and CAP_PERFMON)"
		      : err == -EPERM || err == -EACCES ?
			      " (as root: the kernel refuses BPF tracing here, e.g. lockdown)"
		      : err == -BPFGAUGE_ENOBTF ? " (the kernel has no /sys/kernel/btf/vmlinux)" : "");
		return EXIT_ERROR;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (write(gate[1], "g", 1) != 1) {
		p_err("cov run: cannot start '%s'", cmd[0]);
		close(gate[1]);
		return EXIT_ERROR;
	}
	close(gate[1]);
	return 0;
}

/* Poll the tracer until CMD exits: its exit code (128+N if killed by
 * signal N), or -1 (said; CMD is still running). */
static int wait_traced(pid_t pid, struct cov_tracer *tr)
{
	int status = 0;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			p_err("cov run: waitpid: %s", strerror(errno));
			return -1;
		}
		if (cov_tracer__poll(tr, 50) == -ENOMEM) {
			p_err("cov run: out of memory");
			return -1;
		}
	}
	child_pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The tracer's counter maps into s (*nmaps of them). 0, or -1 (said). */
static int collect_maps(struct cov_tracer *tr, struct cov_session *s, const char *cmd,
			int cmd_rc, size_t *nmaps)
{
	struct cov_snapshot *snap;
	size_t nmissed = 0;
	int err = cov_tracer__finish(tr, &snap, nmaps, &nmissed);

	if (err) {
		p_err("cov run: collecting counters: %s", bpfgauge_strerror(err));
		return -1;
	}
	if (nmissed)
		fprintf(stderr, "%s: warning: cov run: %zu counter map(s) vanished before they could be held\n",
			bin_name, nmissed);
	if (!cov_snapshot__cnt(snap)) {
		if (cmd_rc)
			p_err("cov run: '%s' exited with %d and loaded no instrumented BPF object; "
			      "no coverage written", cmd, cmd_rc);
		else
			p_err("cov run: '%s' loaded no instrumented BPF object: no coverage collected "
			      "(were the objects built with the pass?)", cmd);
		cov_snapshot__free(snap);
		return -1;
	}
	if (cov_session__add_snapshot(s, snap)) {
		p_err("cov run: out of memory");
		return -1;
	}
	return 0;
}

/* Find the maps' objects under --objects and build the model. 0, or -1 (said). */
static int build_model(struct cov_session *s, const struct run_opts *o, struct cov_find_stats *st)
{
	struct cov_find_opts fo = { .sz = sizeof(fo), .on_skip = warn_skip };
	int err = cov_session__find_objects(s, (const char *const *)o->objs, o->nobjs, &fo, st);

	if (err) {
		if (st->bad_path)
			p_err("cov run: --objects '%s': %s", st->bad_path, strerror(-err));
		else
			p_err("cov run: looking for objects: %s", bpfgauge_strerror(err));
		return -1;
	}
	p_info("cov run: looked at %zu file(s) under %s: %zu instrumented BPF object(s) read, %zu used",
	       st->looked, o->nobjs ? "--objects" : "the current directory", st->read, st->used);
	err = cov_session__build(s, NULL);
	if (err) {
		p_err("cov run: %s", bpfgauge_strerror(err));
		return -1;
	}
	return 0;
}

/* Save what matched nothing, then write the report. 0, or -1 (said). */
static int write_report(const struct cov_session *s, const struct run_opts *o, size_t nmaps,
			const struct cov_find_stats *st)
{
	size_t nunmatched = cov_snapshot__cnt(cov_session__unmatched(s));
	char saved[PATH_SIZE] = "";
	struct cov_summary sum;

	if (nunmatched && save_unmatched(s, o->out, o->objs, o->nobjs, st->read, saved))
		return -1;
	cov_session__summary(s, &sum);
	if (!sum.lines_found) {
		if (!nunmatched)
			p_err("cov run: the %zu counter map(s) of '%s' hold no instrumented line: "
			      "no coverage written", nmaps, o->cmd[0]);
		return -1;
	}
	if (cov_emit(o->w, cov_session__model(s), o->out, &o->wo))
		return -1;
	p_info("cov run: %zu counter map(s) from %zu object(s) -> %s", nmaps, st->used, o->out);
	if (json_output) {
		char desc[8];
		struct cov_result_info info = {
			.command = "run", .output = o->out, .format = o->w->name,
			.inputs = (const char *const *)o->objs, .ninputs = o->nobjs,
			.counter_maps = nmaps, .objects_used = st->used,
			.unmatched_maps = nunmatched,
			.unmatched_segments = cov_session__describe_unmatched(s, desc, sizeof(desc)),
			.unmatched_snapshot = saved[0] ? saved : NULL,
			.cmd = (const char *const *)o->cmd, .cmd_exit_code = o->cmd_rc,
		};

		cov_print_result(&info, cov_session__model(s));
	} else if (!quiet_output) {
		cov_print_summary(s, stderr);
	}
	return 0;
}

int do_cov_run(int argc, char **argv)
{
	struct cov_session *s = NULL;
	struct cov_tracer *tr = NULL;
	struct cov_find_stats st;
	struct run_opts o;
	int ret, cmd_rc;
	size_t nmaps = 0;
	pid_t pid;

	ret = parse_run_opts(argc, argv, &o);
	if (ret) {
		free(o.objs);
		return ret == 1 ? 0 : ret;
	}
	/* checks --test-name before CMD runs */
	s = cov_session__new(o.tn);
	if (!s) {
		p_err("cov run: %s", errno == EINVAL ? "bad --test-name" : "out of memory");
		free(o.objs);
		return EXIT_ERROR;
	}
	ret = EXIT_ERROR;
	if (start_traced(o.cmd, &pid, &tr))
		goto fail;
	cmd_rc = wait_traced(pid, tr);
	if (cmd_rc < 0)
		goto fail;
	/* from here on CMD's own failure wins over ours: the gate is CMD's */
	ret = cmd_rc ? cmd_rc : EXIT_ERROR;
	o.cmd_rc = cmd_rc;
	if (!collect_maps(tr, s, o.cmd[0], cmd_rc, &nmaps) && !build_model(s, &o, &st) &&
	    !write_report(s, &o, nmaps, &st))
		ret = cmd_rc;
	goto out;
fail:
	if (child_pid > 0) {
		kill(child_pid, SIGTERM);
		waitpid(child_pid, NULL, 0);
	}
out:
	cov_session__free(s);
	cov_tracer__free(tr);
	free(o.objs);
	return ret;
}
