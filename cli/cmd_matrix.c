/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpfgauge matrix: run verifier stats over kernel x clang x -mcpu, store
 * every cell in the history store, print the table and regression flags.
 * `matrix capture` is what runs inside each qemu guest (and on the host).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfgauge/cov.h"
#include "bpfgauge/matrix.h"
#include "bpfgauge/store.h"
#include "bpfgauge/vgate.h"
#include "bpfgauge/vload.h"
#include "bpfgauge/vm.h"
#include "main.h"
#include "matrix_report.h"

/* what a matrix guest runs: this CLI's own capture, printed as JSON */
#define GUEST_CAPTURE MX_GUEST_CLI " -q matrix capture"

/* Split "a,b,c" into a NULL-terminated array (the strings point into a copy). */
static char **split_list(const char *s, size_t *n)
{
	char *copy = strdup(s), *save = NULL;
	/* the copy rides in the slot after the terminating NULL */
	char **arr = calloc(strlen(s) + 3, sizeof(*arr));

	*n = 0;
	if (!copy || !arr) {
		free(copy);
		free(arr);
		return NULL;
	}
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		arr[(*n)++] = t;
	arr[*n + 1] = copy;
	return arr;
}

static void free_list(char **arr, size_t n)
{
	if (arr)
		free(arr[n + 1]);
	free(arr);
}

/*
 * Show a stored run (matrix, history show, history diff): the report of
 * mx_report_build() as a table (or JSON under -j), and its files in outdir.
 * Returns EXIT_GATE if any flag was raised.
 */
int matrix_show(struct store *st, const struct store_run *run, const char *baseline,
		const char *policy, const char *outdir)
{
	struct mx_report rep;
	char path[4200];
	int rc = 0, err;

	if (mx_report_build(st, run, baseline, policy, &rep)) {
		p_err("matrix: %s", rep.error);
		return EXIT_ERROR;
	}
	if (json_output)
		matrix_write_json(stdout, &rep, pretty_output);
	else
		matrix_write_text(stdout, &rep, false, isatty(1) && !getenv("NO_COLOR"));
	if (outdir && (err = matrix_write_dir(outdir, &rep, path, sizeof(path)))) {
		p_err("matrix: cannot write '%s': %s", path, bpfgauge_strerror(err));
		rc = EXIT_ERROR;
	} else if (rep.nflags) {
		rc = EXIT_GATE;
	}
	mx_report_release(&rep);
	return rc;
}

/*
 * capture's arguments: objects given, --arch known, and off x86_64 only with
 * a guest kernel; true once the error is printed.
 */
static bool capture_args_bad(int argc, const char *kernel, const char *arch)
{
	if (optind >= argc) {
		p_err("matrix capture: no objects given");
		return true;
	}
	if (arch && !vm_arch_norm(arch)) {
		p_err("matrix capture: unknown architecture '%s' (x86_64 or arm64)", arch);
		return true;
	}
	if (arch && strcmp(vm_arch_norm(arch), "x86_64") && (!kernel || !strcmp(kernel, "host"))) {
		p_err("matrix capture: --arch %s needs --kernel VERSION|PATH (the host is x86_64)", arch);
		return true;
	}
	return false;
}

static int do_capture(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "full-logs", no_argument, NULL, 'L' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "keep", no_argument, NULL, 'K' },
		{ "arch", required_argument, NULL, 'A' },
		{ 0 },
	};
	struct mx_capture c;
	bool full = false, keep = false;
	const char *kernel = NULL, *arch = NULL;
	int opt, jobs = 0, timeout = 0, err;

	while ((opt = getopt_long(argc, argv, ":LJ:k:K", opts, NULL)) >= 0) {
		switch (opt) {
		case 'L': full = true; break;
		case 'J': jobs = atoi(optarg); break;
		case 'k': kernel = optarg; break;
		case 't': timeout = atoi(optarg); break;
		case 'K': keep = true; break;
		case 'A': arch = optarg; break;
		default:
			p_opt_err("matrix capture", opt, argv);
			return EXIT_ERROR;
		}
	}
	if (capture_args_bad(argc, kernel, arch))
		return EXIT_ERROR;
	if (kernel && strcmp(kernel, "host")) {
		char path[4096], work[] = "/tmp/bpfgauge-vm-XXXXXX", cmd[4200];
		struct mx_vm_opts vo = { .sz = sizeof(vo), .workdir = work, .timeout_s = timeout,
					 .guest_cmd = full ? GUEST_CAPTURE " --full-logs" : GUEST_CAPTURE,
					 .arch = arch };
		struct vm_result vr;

		if (vm_kernel_resolve_arch(kernel, arch, path, sizeof(path))) {
			p_err("matrix capture: kernel '%s' not found (a path, or a version in the cache:"
			      " '%s kernels fetch%s%s %s')", kernel, bin_name, arch ? " --arch " : "",
			      arch ? arch : "", kernel);
			return EXIT_ERROR;
		}
		if (!mkdtemp(work)) {
			p_err("matrix capture: mkdtemp: %s", strerror(errno));
			return EXIT_ERROR;
		}
		err = mx_capture_vm(path, argv + optind, argc - optind, &vo, &c, &vr);
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
	       "                [--arch x86_64,arm64] [--cflags FLAGS] [--db PATH] [--label L] [--resume] [--baseline RUN]\n"
	       "                [--policy FILE] [-o DIR] [--timeout S] [--mem MB] [--vm-cpus N]\n"
	       "                [--vm-jobs N] [--jobs N] [--workdir DIR] [--no-progress]\n"
	       "                SRC.bpf.c|OBJ.o...\n"
	       "       %s matrix capture [--full-logs] [--jobs N] [--kernel K] [--arch A] [--timeout S]\n"
	       "                OBJ...\n"
	       "\n"
	       "  --clang LIST    clang majors that compile the sources (default: the newest\n"
	       "                  clang-N in PATH); prebuilt objects keep their own\n"
	       "  --kernel LIST   host, a cached version (see '%s kernels fetch') or an image\n"
	       "                  path; each non-host kernel is one qemu boot (KVM, else TCG)\n"
	       "  --arch LIST     x86_64 (default), arm64: sources are compiled per arch and\n"
	       "                  each non-host kernel is booted per arch from that arch's\n"
	       "                  cache ('%s kernels fetch --arch arm64 6.1'); arm64 guests\n"
	       "                  run under qemu-system-aarch64 (TCG) with the cross-built\n"
	       "                  bpfgauge-static-arm64; host cells stay x86_64\n"
	       "  --timeout S     per boot (default 300): a hung or crashed guest turns its\n"
	       "                  kernel's cells into errors carrying the console tail\n"
	       "  --mem MB        guest memory (default 1024)\n"
	       "  --vm-cpus N     vCPUs per guest (default 1)\n"
	       "  --vm-jobs N     guests booted at once (default: by CPUs / vm-cpus and free\n"
	       "                  memory, or $BPFGAUGE_VM_JOBS)\n"
	       "  --jobs N        threads loading objects on the host (default: CPUs); guests\n"
	       "                  load with their own CPUs\n"
	       "  --policy FILE   a verifier gate policy whose rules override the default\n"
	       "                  policy (below); its error findings are the flags\n"
	       "  --resume        continue the last unfinished run of the same matrix\n"
	       "  --no-progress   no progress line (it is shown only when stderr is a TTY)\n"
	       "Short forms: -c --clang, -k --kernel, -d --db, -l --label, -R --resume,\n"
	       "  -b --baseline, -P --policy, -o DIR, -M --mem, -J --jobs, -w --workdir,\n"
	       "  -N --no-progress, -L --full-logs and -K --keep (capture); --mcpu, --cflags,\n"
	       "  --timeout, --vm-cpus and --vm-jobs have none (-m, -F, -t, -C and -V mean\n"
	       "  other things in other commands).\n"
	       "\n"
	       "Cells are named by file name: two inputs that would give the same object\n"
	       "name with the same clang and -mcpu are refused.\n"
	       "Storage: each cell is written in its own transaction as soon as its kernel\n"
	       "is done. An interrupted run keeps its finished cells and never holds a\n"
	       "half-written one; a re-run of the same command with --resume fills in only\n"
	       "the missing cells. A cell that ran and failed (compile error, VM hang) is\n"
	       "finished: re-run without --resume to retry it.\n"
	       "Exit: 0 ok; 1 a regression was flagged; 2 usage error, or a cell could not\n"
	       "be measured (see its ERROR line).\n"
	       "\nThe default policy:\n%s",
	       bin_name, bin_name, bin_name, bin_name, vpolicy_default_text());
	return 0;
}

static int matrix_select(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "capture"))
		return cmd_select(cmds, "matrix", argc - 1, argv + 1, do_help);
	if (argc >= 2 && is_help(argv[1]))
		return do_help(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return do_matrix_run(argc - 1, argv + 1);
	return do_matrix_run(argc, argv);
}

int do_matrix(int argc, char **argv)
{
	int ret;

	/* libbpf's CO-RE and BTF messages classify failed loads (capture, host cells) */
	vload_capture_libbpf_log(true);
	ret = matrix_select(argc, argv);
	vload_capture_libbpf_log(false);
	return ret;
}

/* The progress line, rewritten in place on stderr (a TTY). */
static void print_progress(const struct mx_progress *p, void *ctx)
{
	fprintf(stderr, "\rmatrix: %zu/%zu cells, %zu failed, %.0f s elapsed, ETA %.0f s   ",
		p->done, p->total, p->failed, p->elapsed_s, p->eta_s);
	if (p->done == p->total)
		fputc('\n', stderr);
	fflush(stderr);
}

/* A signal that ends the run takes the guests with it, then acts as before. */
static void kill_guests_and_die(int sig)
{
	vm_kill_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void guard_guests(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = kill_guests_and_die };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		/* keep a signal ignored if our parent ignored it (nohup, &) */
		if (!sigaction(sigs[i], NULL, &old) && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

/* matrix run's options that are not mx_opts fields */
struct run_args {
	const char *baseline, *policy, *outdir;
	char *clangs, *mcpus, *kernels, *archs;
	bool no_progress;
};

/* Parse matrix run's options into o and a; 0, or EXIT_ERROR once the error is printed. */
static int parse_run_opts(int argc, char **argv, struct mx_opts *o, struct run_args *a)
{
	static const struct option opts[] = {
		{ "clang", required_argument, NULL, 'c' },
		{ "mcpu", required_argument, NULL, 'm' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "arch", required_argument, NULL, 'A' },
		{ "cflags", required_argument, NULL, 'F' },
		{ "db", required_argument, NULL, 'd' },
		{ "label", required_argument, NULL, 'l' },
		{ "resume", no_argument, NULL, 'R' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "policy", required_argument, NULL, 'P' },
		{ "output", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 't' },
		{ "mem", required_argument, NULL, 'M' },
		{ "vm-cpus", required_argument, NULL, 'C' },
		{ "vm-jobs", required_argument, NULL, 'V' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "no-progress", no_argument, NULL, 'N' },
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, ":c:k:d:l:Rb:P:o:M:J:w:N", opts, NULL)) >= 0) {
		switch (opt) {
		case 'c': a->clangs = optarg; break;
		case 'm': a->mcpus = optarg; break;
		case 'k': a->kernels = optarg; break;
		case 'A': a->archs = optarg; break;
		case 'F': o->cflags = optarg; break;
		case 'd': o->db = optarg; break;
		case 'l': o->label = optarg; break;
		case 'R': o->resume = true; break;
		case 'b': a->baseline = optarg; break;
		case 'P': a->policy = optarg; break;
		case 'o': a->outdir = optarg; break;
		case 't': o->vm_timeout_s = atoi(optarg); break;
		case 'M': o->vm_mem_mb = atoi(optarg); break;
		case 'C': o->vm_cpus = atoi(optarg); break;
		case 'V': o->vm_jobs = atoi(optarg); break;
		case 'J': o->jobs = atoi(optarg); break;
		case 'w': o->workdir = optarg; break;
		case 'N': a->no_progress = true; break;
		default:
			p_opt_err("matrix", opt, argv);
			return EXIT_ERROR;
		}
	}
	return 0;
}

/* The newest clang-N in PATH as "N", or "" if there is none. */
static void newest_clang(char *buf, size_t size)
{
	const char *path = getenv("PATH");

	buf[0] = 0;
	for (int major = 40; major >= 10 && !buf[0]; major--) {
		const char *p = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";

		while (*p) {
			size_t l = strcspn(p, ":");
			char bin[4200];

			snprintf(bin, sizeof(bin), "%.*s/clang-%d", (int)l, l ? p : ".", major);
			if (!access(bin, X_OK)) {
				snprintf(buf, size, "%d", major);
				break;
			}
			p += l + (p[l] == ':');
		}
	}
}

/* Sources without --clang: the newest clang-N there is; 0, or EXIT_ERROR once said. */
static int default_clang(const struct mx_opts *o, const struct run_args *a, char *buf, size_t size)
{
	bool sources = false;

	buf[0] = 0;
	for (size_t i = 0; i < o->ninputs; i++) {
		size_t l = strlen(o->inputs[i]);

		sources |= l > 2 && !strcmp(o->inputs[i] + l - 2, ".c");
	}
	if (a->clangs || !sources)
		return 0;
	newest_clang(buf, size);
	if (!buf[0]) {
		p_err("matrix: compiling sources needs clang-N in PATH (none found): install one, or pass --clang N");
		return EXIT_ERROR;
	}
	return 0;
}

/* Check the inputs and numbers, then fill o's axes; 0, or EXIT_ERROR once the error is printed. */
static int run_setup(int argc, char **argv, struct mx_opts *o, const struct run_args *a)
{
	char def_clang[16];

	if (optind >= argc) {
		p_err("matrix: no sources or objects given (try '%s matrix help')", bin_name);
		return EXIT_ERROR;
	}
	if (o->vm_cpus < 0 || o->vm_jobs < 0 || o->jobs < 0 || o->vm_mem_mb < 0 ||
	    o->vm_timeout_s < 0) {
		p_err("matrix: --vm-cpus, --vm-jobs, --jobs, --mem and --timeout take positive numbers");
		return EXIT_ERROR;
	}
	o->inputs = argv + optind;
	o->ninputs = argc - optind;
	for (size_t i = 0; i < o->ninputs; i++)
		if (access(o->inputs[i], R_OK)) {
			p_err("matrix: cannot read '%s': %s", o->inputs[i], strerror(errno));
			return EXIT_ERROR;
		}
	if (default_clang(o, a, def_clang, sizeof(def_clang)))
		return EXIT_ERROR;
	o->clangs = a->clangs	  ? split_list(a->clangs, &o->nclangs)
		    : def_clang[0] ? split_list(def_clang, &o->nclangs)
				   : NULL;
	o->mcpus = a->mcpus ? split_list(a->mcpus, &o->nmcpus) : NULL;
	o->kernels = split_list(a->kernels ? a->kernels : "host", &o->nkernels);
	o->archs = a->archs ? split_list(a->archs, &o->narchs) : NULL;
	for (size_t i = 0; i < o->narchs; i++)
		if (!vm_arch_norm(o->archs[i])) {
			p_err("matrix: unknown architecture '%s' (--arch takes x86_64,arm64)",
			      o->archs[i]);
			return EXIT_ERROR;
		}
	if (!a->no_progress && !quiet_output && isatty(2))
		o->progress = print_progress;
	for (size_t i = 0; i < o->nclangs; i++) {
		char bin[64];

		snprintf(bin, sizeof(bin), "clang-%s", o->clangs[i]);
		if (atoi(o->clangs[i]) <= 0) {
			p_err("matrix: --clang takes majors like 14,19,22, not '%s'", o->clangs[i]);
			return EXIT_ERROR;
		}
	}
	return 0;
}

/* Print the finished run's table and flags from the store; the exit code. */
static int run_show(const struct mx_opts *o, const struct mx_result *res,
		    const struct run_args *a)
{
	struct store *st = NULL;
	struct store_run run;
	char id[32];
	int rc;

	if (store_open(o->db, &st))
		return EXIT_ERROR;
	snprintf(id, sizeof(id), "%lld", (long long)res->run_id);
	if (store_run_get(st, id, &run)) {
		store_close(st);
		return EXIT_ERROR;
	}
	rc = matrix_show(st, &run, a->baseline, a->policy, a->outdir);
	store_run_release(&run);
	store_close(st);
	if (res->cells_failed && rc != EXIT_ERROR) {
		p_err("matrix: %zu of %zu cells could not be measured (ERROR lines above);"
		      " run %lld holds every finished cell, these errors included",
		      res->cells_failed, res->cells, (long long)res->run_id);
		rc = EXIT_ERROR;
	}
	return rc;
}

int do_matrix_run(int argc, char **argv)
{
	struct mx_opts o = { .sz = sizeof(o), .db = STORE_DEFAULT_PATH, .guest_cmd = GUEST_CAPTURE };
	struct run_args a = { 0 };
	struct mx_result res;
	bool bad;
	int err = 0;

	if (parse_run_opts(argc, argv, &o, &a))
		return EXIT_ERROR;
	/* a bad axis value is refused after the lists are split: free them either way */
	bad = run_setup(argc, argv, &o, &a) != 0;
	if (!bad) {
		guard_guests();
		err = mx_run(&o, &res);
	}
	free_list(o.clangs, o.nclangs);
	free_list(o.mcpus, o.nmcpus);
	free_list(o.kernels, o.nkernels);
	free_list(o.archs, o.narchs);
	if (bad)
		return EXIT_ERROR;
	if (err) {
		p_err("matrix: %s", res.error[0] ? res.error : bpfgauge_strerror(err));
		return EXIT_ERROR;
	}
	p_info("matrix: run %lld: %zu cells (%zu done, %zu failed, %zu already stored) in %.1f s",
	       (long long)res.run_id, res.cells, res.cells_done, res.cells_failed, res.cells_skipped,
	       res.seconds);
	if (res.cells_unstored) {
		p_err("matrix: run %lld: %zu cells could not be written to '%s' (%s); the run stays partial: --resume fills them in",
		      (long long)res.run_id, res.cells_unstored, o.db, bpfgauge_strerror(res.store_err));
		return EXIT_ERROR;
	}
	return run_show(&o, &res, &a);
}
