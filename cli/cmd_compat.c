/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpfgauge compat: will each program of these objects load and attach on
 * that kernel, and if not, why? Predicts from the kernel's facts with the
 * rule table (runtime/compat/compat_rules.c); --live also loads and attaches each
 * program on the running kernel and says whether the prediction held.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bpfgauge/compat.h"
#include "bpfgauge/file.h"
#include "compat_report.h"
#include "main.h"

/* The library's reason if it gave one, else ours with the error's text. */
static void cerr(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cerr(int err, const char *fmt, ...)
{
	const char *w;
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w = cli_take_warning();
	if (w)
		p_err("%s", w);
	else
		p_err("compat: %s: %s", msg, bpfgauge_strerror(err));
}

static int do_help(void)
{
	printf("Usage: %s compat OBJ... [--kernel host|VERSION|PATH] [--config FILE] [--arch ARCH]\n"
	       "                        [--btf FILE] [--live] [--format table|json|markdown]\n"
	       "                        [-o FILE] [--all-reqs] [--no-probe]\n"
	       "\n"
	       "For every program of each object: its type, attach target and flags, what they\n"
	       "need from the kernel (kconfig symbols, minimum version per architecture, BTF,\n"
	       "helpers and kfuncs, the target in BTF/kallsyms/available_filter_functions, the\n"
	       "LSM list, lockdown), checked against that kernel: a verdict with the errno the\n"
	       "load or attach would get, the reason and a hint.\n"
	       "\n"
	       "  --kernel K    host (default): the running kernel; VERSION (6.1): the cached Debian\n"
	       "                image's config and BTF (bpfgauge kernels fetch [--arch arm64]); PATH:\n"
	       "                a kconfig file, or a vmlinuz with config-<release> beside it\n"
	       "  --config FILE kconfig (plain or .gz) to use instead of the kernel's own\n"
	       "  --arch ARCH   x86_64, arm64, riscv64 or s390x (default: from the config): the\n"
	       "                arch's facts (trampolines, direct calls, syscall wrapper names) and,\n"
	       "                with a VERSION, that arch's cached image; must match the config\n"
	       "  --btf FILE    that kernel's BTF (vmlinux or raw), for exact target/kfunc checks\n"
	       "  --live        also load and attach each program on this kernel (root), detach at\n"
	       "                once, and compare with the prediction (XDP/tc attach to lo in a\n"
	       "                private network namespace)\n"
	       "  --format FMT  table (default), json (also with -j), markdown\n"
	       "  -o FILE       write the report to FILE (replaced atomically) instead of stdout\n"
	       "  --all-reqs    table: list met requirements too\n"
	       "  --no-probe    host: do not load the minimal fentry probe\n"
	       "\n"
	       "Exit: 0 every program loads (and attaches where it can), 1 one is predicted or seen\n"
	       "to fail, or --live disagrees with the prediction, 2 bad input.\n",
	       bin_name);
	return 0;
}

/* The command line of compat, once parsed. */
struct compat_args {
	const char *spec, *fmt, *out; /* --kernel, --format, -o */
	const struct compat_writer *w;
	bool live, verbose, help;
};

/* Options into a and ko; 0, or EXIT_ERROR after a one-line error. */
static int compat_parse(int argc, char **argv, struct compat_args *a,
			struct compat_kernel_opts *ko)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "config", required_argument, NULL, 'c' },
		{ "arch", required_argument, NULL, 'a' },
		{ "btf", required_argument, NULL, 'b' },
		{ "live", no_argument, NULL, 'L' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "all-reqs", no_argument, NULL, 'A' },
		{ "no-probe", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, ":o:h", opts, NULL)) >= 0) {
		switch (opt) {
		case 'k': a->spec = optarg; break;
		case 'c': ko->config = optarg; break;
		case 'a': ko->arch = optarg; break;
		case 'b': ko->btf = optarg; break;
		case 'L': a->live = true; break;
		case 'o':
			if (p_opt_old_value("compat", 'o', optarg))
				return EXIT_ERROR;
			a->out = optarg;
			break;
		case 'F': a->fmt = optarg; break;
		case 'A': a->verbose = true; break;
		case 'P': ko->no_probe = true; break;
		case 'h': a->help = true; return 0;
		default:
			p_opt_err("compat", opt, argv);
			return EXIT_ERROR;
		}
	}
	return 0;
}

/* The parsed options must make sense together; 0, or EXIT_ERROR after a one-line error. */
static int compat_validate(int argc, struct compat_args *a)
{
	struct stat st;

	if (!a->fmt)
		a->fmt = json_output ? "json" : "table";
	a->w = compat_writer_find(a->fmt);
	if (!a->w) {
		p_err("compat: unknown output format '%s' (table, json, markdown)", a->fmt);
		return EXIT_ERROR;
	}
	if (a->out && strcmp(a->out, "-") && !stat(a->out, &st) && S_ISDIR(st.st_mode)) {
		p_err("compat: -o '%s' is a directory (-o is the output file)", a->out);
		return EXIT_ERROR;
	}
	if (optind >= argc) {
		p_err("compat: which objects? e.g. '%s compat prog.bpf.o'", bin_name);
		return EXIT_ERROR;
	}
	if (a->live && strcmp(a->spec, "host")) {
		p_err("compat: --live checks the running kernel; drop --kernel %s (or use --kernel host)",
		      a->spec);
		return EXIT_ERROR;
	}
	if (a->live && geteuid() != 0) {
		p_err("compat: --live loads programs: run as root");
		return EXIT_ERROR;
	}
	return 0;
}

/* The programs of each object into progs[i] (nprogs[i] of them); their total in *nres. */
static int compat_read_objects(char **paths, size_t nobj, struct compat_prog **progs,
			       size_t *nprogs, size_t *nres)
{
	for (size_t i = 0; i < nobj; i++) {
		const char *path = paths[i];

		if (compat_object_read(path, &progs[i], &nprogs[i])) {
			cerr(errno, "'%s'", path);
			return -1;
		}
		*nres += nprogs[i];
	}
	return 0;
}

/* The prediction for every program, into results; *nres counts those filled in. */
static int compat_check_objects(struct compat_kernel *k, struct compat_prog **progs,
				const size_t *nprogs, size_t nobj,
				struct compat_result *results, size_t *nres)
{
	for (size_t i = 0; i < nobj; i++)
		for (size_t j = 0; j < nprogs[i]; j++) {
			struct compat_result *res = &results[*nres];

			if (compat_check(k, &progs[i][j], res)) {
				cerr(errno, "checking %s failed", progs[i][j].name);
				return -1;
			}
			(*nres)++;
		}
	return 0;
}

/* The live checks of all n programs of the objects, started (NULL: out of memory). */
static struct compat_live_run *compat_live_begin(struct compat_prog **progs, const size_t *nprogs,
						 size_t nobj, size_t n)
{
	const struct compat_prog **all = calloc(n ? n : 1, sizeof(*all));
	struct compat_live_run *run;
	size_t k = 0;

	if (!all) {
		cerr(-ENOMEM, "live check");
		return NULL;
	}
	for (size_t i = 0; i < nobj; i++)
		for (size_t j = 0; j < nprogs[i]; j++)
			all[k++] = &progs[i][j];
	run = compat_live_start(all, n, 0);
	free(all);
	if (!run)
		cerr(-ENOMEM, "live check");
	return run;
}

/* Predicted or seen to fail, or --live disagrees with the prediction. */
static bool compat_any_failed(const struct compat_result *results, size_t nres, bool live)
{
	bool failed = false;

	for (size_t i = 0; i < nres; i++)
		if (compat_verdict_failed(results[i].verdict) ||
		    (live && (compat_verdict_failed(results[i].live.verdict) ||
			      !results[i].live.agrees)))
			failed = true;
	return failed;
}

struct compat_out {
	const struct compat_writer *w;
	const struct compat_report *r;
};

static int compat_write_cb(void *ctx, void *file)
{
	const struct compat_out *c = ctx;
	int err = c->w->write(file, c->r);

	return err < 0 ? err : err ? -EIO : 0;
}

/* The report, to -o or stdout; 0, or -1 after a one-line error. */
static int compat_write_report(const struct compat_args *a, const struct compat_kernel *k,
			       const struct compat_result *results, size_t nres)
{
	struct compat_report r = { .kernel = k, .results = results, .n = nres, .live = a->live,
				   .verbose = a->verbose, .pretty = pretty_output };
	int err = bpfgauge_write_atomic(a->out ? a->out : "-", compat_write_cb,
					&(struct compat_out){ a->w, &r });

	if (err) {
		cerr(err, "cannot write the report to %s", a->out ? a->out : "stdout");
		return -1;
	}
	return 0;
}

static int compat_main(int argc, char **argv)
{
	LIBBPF_OPTS(compat_kernel_opts, ko);
	struct compat_args a = { .spec = "host" };
	struct compat_prog **progs = NULL;
	size_t *nprogs = NULL, nres = 0, nobj;
	struct compat_result *results = NULL;
	struct compat_kernel *k = NULL;
	struct compat_live_run *run = NULL;
	bool failed;
	int rc = EXIT_ERROR;

	if (argc > 1 && is_help(argv[1]))
		return do_help();
	if (compat_parse(argc, argv, &a, &ko))
		return EXIT_ERROR;
	if (a.help)
		return do_help();
	if (compat_validate(argc, &a))
		return EXIT_ERROR;
	nobj = argc - optind;
	progs = calloc(nobj, sizeof(*progs));
	nprogs = calloc(nobj, sizeof(*nprogs));
	if (!progs || !nprogs)
		goto out;
	if (compat_read_objects(argv + optind, nobj, progs, nprogs, &nres))
		goto out;
	results = calloc(nres, sizeof(*results));
	if (!results)
		goto out;
	/*
	 * live: every program loaded and attached for real, several at once,
	 * while this thread gathers the kernel's facts and predicts
	 */
	if (a.live && !(run = compat_live_begin(progs, nprogs, nobj, nres)))
		goto out;
	nres = 0;
	k = compat_kernel__load(a.spec, &ko);
	if (!k) {
		cerr(errno, "cannot use kernel '%s'", a.spec);
		goto out;
	}
	/* the running kernel: which iterator targets it lets load */
	for (size_t i = 0; i < nobj; i++)
		compat_kernel__probe_iters(k, progs[i], nprogs[i]);
	if (compat_check_objects(k, progs, nprogs, nobj, results, &nres))
		goto out;
	if (run) {
		size_t bad = 0;
		int err = compat_live_wait(run, results, &bad);

		run = NULL;
		if (err) {
			cerr(err, "live check of %s failed", results[bad].prog->name);
			goto out;
		}
	}
	failed = compat_any_failed(results, nres, a.live);
	if (compat_write_report(&a, k, results, nres))
		goto out;
	rc = failed ? EXIT_GATE : 0;
out:
	if (run)
		compat_live_wait(run, NULL, NULL);
	if (a.live)
		compat_live_finish();
	/* nres counts the programs read before results exist: only these are filled */
	for (size_t i = 0; results && i < nres; i++)
		compat_result_release(&results[i]);
	free(results);
	for (size_t i = 0; progs && i < nobj; i++)
		compat_progs_free(progs[i], nprogs[i]);
	free(progs);
	free(nprogs);
	compat_kernel__free(k);
	return rc;
}

int do_compat(int argc, char **argv)
{
	int ret;

	cli_warn_capture(true);
	ret = compat_main(argc, argv);
	cli_warn_capture(false);
	return ret;
}
