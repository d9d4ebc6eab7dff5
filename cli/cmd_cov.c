/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpfgauge cov: report coverage from live counters or snapshots, take
 * snapshots, reset counters, merge tracefiles and gate on a summary.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/cov.h"
#include "cov_writers.h"
#include "json_writer.h"
#include "main.h"

int do_cov_run(int argc, char **argv);

static int cov_help(int argc, char **argv)
{
	printf("Usage: %s cov run [-o FILE] [--format F] [--root DIR] [--objects PATH]... [--test-name TN] -- CMD [ARGS...]\n"
	       "       %s cov report OBJ... [-o FILE] [--format F] [--root DIR] [--snapshot SNAP]... [--test-name TN]\n"
	       "       %s cov snapshot -o SNAP [OBJ...]\n"
	       "       %s cov reset [OBJ...]\n"
	       "       %s cov merge TRACEFILE... [-o FILE] [--format F] [--root DIR]\n"
	       "       %s cov summary TRACEFILE... [--fail-under-lines N] [--fail-under-functions N]\n"
	       "                                   [--fail-under-branches N]\n"
	       "       %s cov help\n"
	       "\n"
	       "F := { lcov | cobertura | json }   (default lcov; --format has no short flag)\n"
	       "-j/-p (run, report, merge): the result as one JSON document on stdout (what was\n"
	       "          written where, lines/functions/branches found and hit per file and in\n"
	       "          total, unmatched counter maps; for run CMD's exit code); the coverage\n"
	       "          then needs -o FILE\n"
	       "--root DIR: Cobertura's <source>; file names under it are written relative to it\n"
	       "          (default: the git top level of the working directory, else the directory)\n"
	       "\n"
	       "run       runs CMD and collects the coverage of every instrumented object it (or a\n"
	       "          child) loads, with any loader; see '%s cov run --help'. Exits with CMD's code\n"
	       "          when CMD fails, with 2 when nothing was collected.\n"
	       "report    reads the counters of the instrumented objects OBJ (files built with the\n"
	       "          pass) from every live .data.bpfgauge map in the kernel (needs root), or from\n"
	       "          snapshot files, and writes coverage. With -o and lcov the result is merged\n"
	       "          into FILE if it exists; every file is replaced atomically. Without -o it\n"
	       "          writes to stdout. Counter maps of other objects are counted and ignored.\n"
	       "snapshot  saves the live counters (of OBJs only, if given) to SNAP for a later report.\n"
	       "reset     zeroes the live counters (of OBJs only, if given), e.g. between tests.\n"
	       "merge     merges lcov tracefiles (sums counts) and writes one in format F.\n"
	       "summary   prints line, function and branch totals; exits 1 if a --fail-under\n"
	       "          percentage is not met, or is set over zero lines (functions, branches).\n",
	       bin_name, bin_name, bin_name, bin_name, bin_name, bin_name, bin_name, bin_name);
	return 0;
}

/* Which writer: --format, defaulting to lcov. */
static const struct cov_writer *pick_writer(const char *fmt)
{
	const struct cov_writer *w = cov_writer_find(fmt ? fmt : "lcov");

	if (!w)
		p_err("cov: unknown --format '%s' (lcov, cobertura, json)", fmt);
	return w;
}

struct emit_ctx {
	const struct cov_writer *w;
	const struct cov_model *m;
	const struct cov_write_opts *o;
};

static int write_one(FILE *f, const struct emit_ctx *e)
{
	if (e->w->write_opts)
		return e->w->write_opts(f, e->m, e->o);
	return e->w->write(f, e->m);
}

static int emit_cb(void *ctx, void *file)
{
	return write_one(file, ctx);
}

int cov_root_opts(const struct cov_writer *w, const char *root, struct cov_write_opts *o)
{
	static char buf[PATH_MAX];

	memset(o, 0, sizeof(*o));
	if (w != &cov_writer_cobertura)
		return 0;
	if (root) {
		if (!realpath(root, buf)) {
			p_err("cov: --root '%s': %s", root, strerror(errno));
			return -1;
		}
		o->root = buf;
		return 0;
	}
	o->root = cli_source_root();
	return 0;
}

/* Write model to out (or stdout); lcov output merges into an existing file. */
int cov_emit(const struct cov_writer *w, const struct cov_model *m, const char *out,
	     const struct cov_write_opts *o)
{
	struct emit_ctx e = { w, m, o };
	int err;

	if (!out)
		out = "-";
	if (w == &cov_writer_lcov && strcmp(out, "-"))
		err = bpfgauge_cov_write_lcov(m, out);
	else
		err = bpfgauge_write_atomic(out, emit_cb, &e);
	if (err) {
		p_err("cov: cannot write %s%s%s: %s", strcmp(out, "-") ? "'" : "", strcmp(out, "-") ? out : "to stdout", strcmp(out, "-") ? "'" : "", bpfgauge_strerror(err));
		return EXIT_ERROR;
	}
	return 0;
}

/* The summary lines after a report written to a file. */
void cov_print_summary(const struct cov_session *s, FILE *f)
{
	struct cov_summary sum;

	cov_session__summary(s, &sum);
	cov_summary_write_plain(f, &sum, false);
}

/* Under -j: the command's result document (cov run, report, merge). */
void cov_print_result(const struct cov_result_info *info, const struct cov_model *m)
{
	json_writer_t *jw = jw_new(stdout, pretty_output);

	if (!jw)
		return;
	cov_result_write_json(jw, info, m);
	jw_free(jw);
}

/* Under -j stdout holds the result document: the coverage needs -o FILE. 0 or EXIT_ERROR. */
int cov_json_check_out(const char *cmd, const char *out)
{
	if (!json_output || (out && strcmp(out, "-")))
		return 0;
	p_err("%s: under -j stdout holds the result document: write the coverage with -o FILE",
	      cmd);
	return EXIT_ERROR;
}

/* A session for test name tn with the mappings of every object given. */
static struct cov_session *session_with_objects(const char *cmd, const char *tn, int n,
						 char **paths)
{
	struct cov_session *s = cov_session__new(tn);

	if (!s) {
		p_err("%s: %s", cmd, errno == EINVAL ? "bad --test-name" : "out of memory");
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		int err = cov_session__add_object(s, paths[i]);

		if (err) {
			if (err == -ENOMEM)
				p_err("cov: out of memory");
			else
				p_err("cov: '%s': %s", paths[i], bpfgauge_strerror(err));
			cov_session__free(s);
			return NULL;
		}
	}
	return s;
}

/* The counters of the snapshot files, or the live ones without any. */
static int report_add_counters(struct cov_session *s, const char **snaps, int nsnaps)
{
	uint32_t id = 0;
	int err;

	for (int i = 0; i < nsnaps || (!nsnaps && i == 0); i++) {
		err = nsnaps ? cov_session__add_snapshot_file(s, snaps[i]) : cov_session__add_live(s);
		if (err) {
			p_err("cov report: %s: %s", nsnaps ? snaps[i] : "reading live counters",
			      bpfgauge_strerror(err));
			return err;
		}
	}
	err = cov_session__build(s, &id);
	if (err)
		p_err("cov report: counter map id %u: %s", id, bpfgauge_strerror(err));
	return err;
}

/* Whether the report has anything to say: matching counters and a line. */
static int report_check(const struct cov_session *s, const char *obj, bool snaps)
{
	struct cov_session_stats st;
	struct cov_summary sum;

	cov_session__stats(s, &st);
	if (!st.values_matched && st.segments_unmatched) {
		/* counters exist but none has this build's hash */
		p_err("cov report: %s is stale or foreign: none of the %zu counter segment(s) %s matches its build (rebuilt after the programs were loaded?)",
		      obj ? obj : "every object", st.segments_unmatched, snaps ? "in the snapshots" : "loaded");
		return -1;
	}
	if (!st.values_matched) {
		p_err("cov report: no counters found for %s (%s)", obj ? obj : "these objects",
		      snaps ? "not in the snapshots" : "is a program from them loaded?");
		return -1;
	}
	if (st.segments_unmatched)
		p_info("cov report: ignored %zu counter segment(s) of other objects", st.segments_unmatched);
	cov_session__summary(s, &sum);
	if (!sum.lines_found) {
		p_err("cov report: the counters of %s hold no instrumented line: no coverage written",
		      obj ? obj : "these objects");
		return -1;
	}
	return 0;
}

static void report_result(const struct cov_session *s, const struct cov_writer *w,
			  const char *out, char **objs, int nobjs, const char **snaps, int nsnaps)
{
	struct cov_session_stats st;
	struct cov_result_info info = {
		.command = "report", .output = out, .format = w->name,
		.inputs = (const char *const *)objs, .ninputs = nobjs,
		.snapshots = snaps, .nsnapshots = nsnaps,
	};

	cov_session__stats(s, &st);
	info.counter_maps = st.values;
	info.objects_used = nobjs;
	info.unmatched_maps = st.values - st.values_matched;
	info.unmatched_segments = st.segments_unmatched;
	cov_print_result(&info, cov_session__model(s));
}

static int do_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "snapshot", required_argument, NULL, 'S' },
		{ "test-name", required_argument, NULL, 't' },
		{ "root", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = NULL, *fmt = NULL, *tn = NULL, *root = NULL;
	struct cov_write_opts wo;
	const char **snaps = calloc(argc + 1, sizeof(char *));
	int nsnaps = 0, opt, ret = EXIT_ERROR;
	struct cov_session *s = NULL;
	const struct cov_writer *w;

	while ((opt = getopt_long(argc, argv, ":o:t:h", opts, NULL)) >= 0) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 'F': fmt = optarg; break;
		case 'S': snaps[nsnaps++] = optarg; break;
		case 't': tn = optarg; break;
		case 'R': root = optarg; break;
		case 'h': free(snaps); return cov_help(0, NULL);
		default:
			p_opt_err("cov report", opt, argv);
			goto out;
		}
	}
	if (!(w = pick_writer(fmt)) || cov_root_opts(w, root, &wo) ||
	    cov_json_check_out("cov report", out))
		goto out;
	if (optind >= argc) {
		p_err("cov report: name the instrumented objects (usage: %s cov report OBJ... [-o FILE])", bin_name);
		goto out;
	}
	/* checks --test-name before any work */
	s = session_with_objects("cov report", tn, argc - optind, argv + optind);
	if (!s || report_add_counters(s, snaps, nsnaps))
		goto out;
	if (report_check(s, argc - optind == 1 ? argv[optind] : NULL, nsnaps))
		goto out;
	ret = cov_emit(w, cov_session__model(s), out, &wo);
	if (!ret && json_output)
		report_result(s, w, out, argv + optind, argc - optind, snaps, nsnaps);
	else if (!ret && out && !quiet_output)
		cov_print_summary(s, stderr);
out:
	cov_session__free(s);
	free(snaps);
	return ret;
}

static int do_snapshot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cov_snapshot *all = NULL;
	struct cov_session *objs = NULL;
	const char *out = NULL;
	int opt, err, ret = EXIT_ERROR;

	while ((opt = getopt_long(argc, argv, ":o:h", opts, NULL)) >= 0) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 'h': return cov_help(0, NULL);
		default:
			p_opt_err("cov snapshot", opt, argv);
			return EXIT_ERROR;
		}
	}
	if (!out) {
		p_err("cov snapshot: -o FILE is required");
		return EXIT_ERROR;
	}
	if (optind < argc &&
	    !(objs = session_with_objects("cov snapshot", NULL, argc - optind, argv + optind)))
		return EXIT_ERROR;
	err = cov_snapshot__capture(&all);
	if (err) {
		p_err("cov snapshot: reading live counters: %s", bpfgauge_strerror(err));
		goto out;
	}
	/* with OBJs, keep only their counter maps */
	if (objs)
		cov_snapshot__keep_matching(all, cov_session__mapping(objs));
	err = cov_snapshot__write(all, out);
	if (err) {
		p_err("cov snapshot: cannot write '%s': %s", out, bpfgauge_strerror(err));
		goto out;
	}
	p_info("cov snapshot: saved %zu counter map(s) to %s", cov_snapshot__cnt(all), out);
	ret = 0;
out:
	cov_snapshot__free(all);
	cov_session__free(objs);
	return ret;
}

static int do_reset(int argc, char **argv)
{
	struct cov_session *objs = NULL;
	int err, n = 0;

	if (argc > 1 && is_help(argv[1]))
		return cov_help(0, NULL);
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-') {
			p_err("cov reset: unknown option '%s'", argv[i]);
			return EXIT_ERROR;
		}
	if (argc > 1 && !(objs = session_with_objects("cov reset", NULL, argc - 1, argv + 1)))
		return EXIT_ERROR;
	err = bpfgauge_cov_reset_live(objs ? cov_session__mapping(objs) : NULL, &n);
	cov_session__free(objs);
	if (err) {
		p_err("cov reset: %s", bpfgauge_strerror(err));
		return EXIT_ERROR;
	}
	p_info("cov reset: zeroed %d counter map(s)", n);
	return 0;
}

struct tests_ctx {
	struct cov_model **tests;
	size_t n;
};

static int tests_cb(void *ctx, void *file)
{
	struct tests_ctx *c = ctx;
	int err = 0;

	for (size_t i = 0; !err && i < c->n; i++)
		err = cov_writer_lcov.write(file, c->tests[i]);
	return err;
}

/* The tests summed into one model (no test name); NULL (said) on ENOMEM. */
static struct cov_model *merge_sum(struct cov_model **tests, size_t ntests)
{
	struct cov_model *m = cov_model__new(NULL);

	for (size_t i = 0; m && i < ntests; i++)
		if (cov_model__merge(m, tests[i])) {
			cov_model__free(m);
			m = NULL;
		}
	if (!m)
		p_err("cov merge: out of memory");
	return m;
}

static void merge_result(const char *out, const struct cov_writer *w, char **inputs, int ninputs,
			 struct cov_model **tests, size_t ntests, const struct cov_model *m)
{
	const char **names = calloc(ntests + 1, sizeof(*names));
	struct cov_result_info info = {
		.command = "merge", .output = out, .format = w->name,
		.inputs = (const char *const *)inputs, .ninputs = ninputs,
		.test_names = names,
	};

	if (!names) {
		p_err("cov merge: out of memory");
		return;
	}
	/* one block per test name in the tracefiles: their names, in order */
	for (size_t i = 0; i < ntests; i++)
		if (cov_model__test_name(tests[i]) && *cov_model__test_name(tests[i]))
			names[info.ntest_names++] = cov_model__test_name(tests[i]);
	cov_print_result(&info, m);
	free(names);
}

static int do_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "root", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = NULL, *fmt = NULL, *root = NULL;
	struct cov_write_opts wo;
	const struct cov_writer *w;
	struct cov_model *m = NULL, **tests = NULL;
	size_t ntests = 0;
	int opt, ret = EXIT_ERROR;

	while ((opt = getopt_long(argc, argv, ":o:h", opts, NULL)) >= 0) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 'F': fmt = optarg; break;
		case 'R': root = optarg; break;
		case 'h': return cov_help(0, NULL);
		default:
			p_opt_err("cov merge", opt, argv);
			return EXIT_ERROR;
		}
	}
	if (!(w = pick_writer(fmt)) || cov_root_opts(w, root, &wo) ||
	    cov_json_check_out("cov merge", out))
		return EXIT_ERROR;
	if (optind >= argc) {
		p_err("cov merge: name at least one tracefile");
		return EXIT_ERROR;
	}
	/* lcov keeps one block per test name (TN); the other formats have none */
	for (int i = optind; i < argc; i++) {
		int err = cov_tests__read_lcov(&tests, &ntests, argv[i]);

		if (err) {
			p_err("cov merge: '%s': %s", argv[i], bpfgauge_strerror(err));
			goto out;
		}
	}
	if (w == &cov_writer_lcov) {
		struct tests_ctx c = { tests, ntests };

		/* the output replaces -o: merging into it would count its data twice */
		if (bpfgauge_write_atomic(out ? out : "-", tests_cb, &c)) {
			p_err("cov merge: cannot write %s%s%s", out ? "'" : "", out ? out : "to stdout",
			      out ? "'" : "");
			goto out;
		}
		ret = 0;
	}
	/* the other formats, and the -j totals, take the tests summed */
	if (w != &cov_writer_lcov || json_output) {
		m = merge_sum(tests, ntests);
		if (!m) {
			ret = EXIT_ERROR;
			goto out;
		}
	}
	if (w != &cov_writer_lcov)
		ret = cov_emit(w, m, out, &wo);
	if (!ret && json_output)
		merge_result(out, w, argv + optind, argc - optind, tests, ntests, m);
out:
	cov_model__free(m);
	cov_tests__free(tests, ntests);
	return ret;
}

static int parse_pct(const char *s, double *v)
{
	char *e;

	*v = strtod(s, &e);
	return *e || e == s || *v < 0 || *v > 100 ? -1 : 0;
}

/* Say on stderr which thresholds failed, and why. */
static void report_failed_checks(const struct cov_check res[COV_NKINDS])
{
	for (int k = 0; k < COV_NKINDS; k++) {
		const char *what = cov_kind_name(k);

		if (res[k].ok)
			continue;
		if (!res[k].found)
			fprintf(stderr, "%s: no instrumented %s (0 of 0), so --fail-under-%s %.1f%% fails\n",
				bin_name, what, what, res[k].min);
		else
			fprintf(stderr, "%s: %s coverage %.1f%% is below --fail-under-%s %.1f%%\n", bin_name,
				what, res[k].percent, what, res[k].min);
	}
}

static int do_summary(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fail-under-lines", required_argument, NULL, 'l' },
		{ "fail-under-functions", required_argument, NULL, 'F' },
		{ "fail-under-branches", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	double min[COV_NKINDS] = { -1, -1, -1 };
	struct cov_check res[COV_NKINDS];
	struct cov_session *s;
	struct cov_summary sum;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) >= 0) {
		enum cov_kind k = opt == 'l' ? COV_LINES : opt == 'F' ? COV_FUNCS : COV_BRANCHES;

		if (opt == 'h')
			return cov_help(0, NULL);
		if (opt == '?' || opt == ':') {
			p_opt_err("cov summary", opt, argv);
			return EXIT_ERROR;
		}
		if (parse_pct(optarg, &min[k])) {
			p_err("cov summary: --fail-under-%s takes a percentage 0..100, not '%s'",
			      cov_kind_name(k), optarg);
			return EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		p_err("cov summary: name at least one tracefile");
		return EXIT_ERROR;
	}
	s = cov_session__new(NULL);
	for (int i = optind; s && i < argc; i++) {
		int err = cov_session__add_lcov(s, argv[i]);

		if (err) {
			p_err("cov summary: '%s': %s", argv[i], bpfgauge_strerror(err));
			cov_session__free(s);
			return EXIT_ERROR;
		}
	}
	if (!s)
		return EXIT_ERROR;
	cov_session__summary(s, &sum);
	ret = cov_summary__check(&sum, min, res) ? 0 : EXIT_GATE;
	if (json_output) {
		json_writer_t *jw = jw_new(stdout, pretty_output);

		cov_summary_write_json(jw, &sum, res);
		jw_free(jw);
	} else {
		cov_summary_write_plain(stdout, &sum, true);
	}
	report_failed_checks(res);
	cov_session__free(s);
	return ret;
}

static const struct cmd cmds[] = {
	{ "report", do_report },
	{ "run", do_cov_run },
	{ "snapshot", do_snapshot },
	{ "reset", do_reset },
	{ "merge", do_merge },
	{ "summary", do_summary },
	{ "help", cov_help },
	{ 0 },
};

int do_cov(int argc, char **argv)
{
	return cmd_select(cmds, "cov", argc - 1, argv + 1, cov_help);
}
