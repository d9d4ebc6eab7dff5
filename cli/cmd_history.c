/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpfgauge history: query the stats store (list, show, diff, trend) and
 * move runs between stores (export, import) so CI jobs on many machines
 * can be merged into one history.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfgauge/cov.h"
#include "bpfgauge/matrix.h"
#include "bpfgauge/store.h"
#include "main.h"
#include "matrix_report.h"

static const char *db_path = STORE_DEFAULT_PATH;

/*
 * Open the store: read-only for queries (no write access needed, never
 * creates a database where a typo points), read-write for import.
 */
static int open_db_mode(struct store **st, bool write)
{
	if (write ? store_open(db_path, st) : store_open_ro(db_path, st)) {
		p_err("history: cannot open store '%s'", db_path);
		return EXIT_ERROR;
	}
	return 0;
}

static int open_db(struct store **st)
{
	return open_db_mode(st, false);
}

/*
 * A command without options of its own (list, trend, import): an argument
 * that looks like one is refused before the store is opened. 0 or EXIT_ERROR.
 */
static int no_options(const char *cmd, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (argv[i][0] == '-' && argv[i][1]) {
			p_err("history %s: unknown option '%s'", cmd, argv[i]);
			return EXIT_ERROR;
		}
	}
	return 0;
}

static int do_list(int argc, char **argv)
{
	struct store_run *runs;
	struct store *st;
	size_t n;

	if (no_options("list", argc, argv))
		return EXIT_ERROR;
	if (argc > 1) {
		p_err("history list: unexpected argument '%s'", argv[1]);
		return EXIT_ERROR;
	}
	if (open_db(&st))
		return EXIT_ERROR;
	if (store_runs(st, &runs, &n)) {
		store_close(st);
		return EXIT_ERROR;
	}
	history_write_runs(stdout, runs, n, json_output, pretty_output);
	store_runs_free(runs, n);
	store_close(st);
	return 0;
}

static int get_run(struct store *st, const char *spec, struct store_run *run)
{
	if (store_run_get(st, spec, run)) {
		p_err("history: no run '%s' in '%s' (see '%s history list')", spec, db_path, bin_name);
		return EXIT_ERROR;
	}
	return 0;
}

static int do_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "policy", required_argument, NULL, 'P' },
		{ "output", required_argument, NULL, 'o' },
		{ 0 },
	};
	const char *baseline = NULL, *policy = NULL, *outdir = NULL;
	struct store_run run;
	struct store *st;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":b:P:o:", opts, NULL)) >= 0) {
		switch (opt) {
		case 'b': baseline = optarg; break;
		case 'P': policy = optarg; break;
		case 'o': outdir = optarg; break;
		default:
			p_opt_err("history show", opt, argv);
			return EXIT_ERROR;
		}
	}
	if (open_db(&st))
		return EXIT_ERROR;
	if (get_run(st, optind < argc ? argv[optind] : "latest", &run)) {
		store_close(st);
		return EXIT_ERROR;
	}
	if (!json_output)
		history_write_run_header(stdout, &run);
	rc = matrix_show(st, &run, baseline, policy, outdir);
	store_run_release(&run);
	store_close(st);
	return rc;
}

static int do_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'P' },
		{ 0 },
	};
	const char *policy = NULL;
	struct store_run run;
	struct store *st;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":P:", opts, NULL)) >= 0) {
		switch (opt) {
		case 'P': policy = optarg; break;
		default:
			p_opt_err("history diff", opt, argv);
			return EXIT_ERROR;
		}
	}
	if (argc - optind != 2) {
		p_err("history diff: usage: %s history diff RUN_A RUN_B", bin_name);
		return EXIT_ERROR;
	}
	if (open_db(&st))
		return EXIT_ERROR;
	if (get_run(st, argv[optind + 1], &run)) {
		store_close(st);
		return EXIT_ERROR;
	}
	/* B against A as its baseline: the table is B's, the flags B vs A */
	rc = matrix_show(st, &run, argv[optind], policy, NULL);
	store_run_release(&run);
	store_close(st);
	return rc;
}

static int do_trend(int argc, char **argv)
{
	struct mx_trend_point *pts;
	struct store *st;
	size_t n;
	int err;

	if (no_options("trend", argc, argv))
		return EXIT_ERROR;
	if (argc < 2) {
		p_err("history trend: usage: %s history trend PROG", bin_name);
		return EXIT_ERROR;
	}
	if (open_db(&st))
		return EXIT_ERROR;
	err = mx_trend(st, argv[1], &pts, &n);
	store_close(st);
	if (err)
		return EXIT_ERROR;
	history_write_trend(stdout, pts, n, json_output, pretty_output);
	free(pts);
	return 0;
}

struct export_ctx {
	struct store *st;
	const int64_t *ids;
	size_t n;
	const char *fmt;
};

static int export_cb(void *ctx, void *file)
{
	struct export_ctx *c = ctx;

	return store_export(c->st, c->ids, c->n, c->fmt, file);
}

static int do_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ 0 },
	};
	const char *fmt = "json", *out = NULL;
	int64_t *ids = NULL;
	size_t nids = 0;
	struct store *st;
	int opt, err, rc = 0;

	while ((opt = getopt_long(argc, argv, ":o:", opts, NULL)) >= 0) {
		switch (opt) {
		case 'F': fmt = optarg; break;
		case 'o': out = optarg; break;
		default:
			p_opt_err("history export", opt, argv);
			return EXIT_ERROR;
		}
	}
	if (strcmp(fmt, "json") && strcmp(fmt, "csv")) {
		p_err("history export: format '%s' is not json or csv", fmt);
		return EXIT_ERROR;
	}
	if (open_db(&st))
		return EXIT_ERROR;
	ids = calloc(argc + 1, sizeof(*ids));
	for (int i = optind; ids && i < argc; i++) {
		struct store_run r;

		if (get_run(st, argv[i], &r)) {
			rc = EXIT_ERROR;
			goto out;
		}
		ids[nids++] = r.id;
		store_run_release(&r);
	}
	{
		struct export_ctx c = { st, ids, nids, fmt };

		err = bpfgauge_write_atomic(out ? out : "-", export_cb, &c);
	}
	if (err) {
		p_err("history export: cannot write %s: %s", out ? out : "to stdout",
		      bpfgauge_strerror(err));
		rc = EXIT_ERROR;
	}
out:
	free(ids);
	store_close(st);
	return rc;
}

static int do_import(int argc, char **argv)
{
	struct store *st;
	int rc = 0;

	if (no_options("import", argc, argv))
		return EXIT_ERROR;
	if (argc < 2) {
		p_err("history import: usage: %s history [--db DB] import FILE...", bin_name);
		return EXIT_ERROR;
	}
	if (open_db_mode(&st, true))
		return EXIT_ERROR;
	for (int i = 1; i < argc; i++) {
		size_t len, imported, skipped;
		char *buf;
		int err = vlog_read_file(argv[i], &buf, &len);

		if (err) {
			p_err("history import: cannot read '%s': %s", argv[i], bpfgauge_strerror(err));
			rc = EXIT_ERROR;
			continue;
		}
		err = store_import(st, buf, len, argv[i], &imported, &skipped);
		free(buf);
		if (err) {
			p_err("history import: '%s': %s", argv[i], bpfgauge_strerror(err));
			rc = EXIT_ERROR;
			continue;
		}
		p_info("history import: %s: %zu runs imported, %zu already present", argv[i], imported,
		       skipped);
	}
	store_close(st);
	return rc;
}

static int do_help(int argc, char **argv)
{
	printf("Usage: %s history [--db PATH] { list | show [RUN] [--baseline RUN] [--policy F] [-o DIR]\n"
	       "                     | diff RUN_A RUN_B [--policy F] | trend PROG\n"
	       "                     | export [--format json|csv] [-o FILE] [RUN...] | import FILE... }\n"
	       "\n"
	       "RUN := latest | latest~N | ID | UUID-PREFIX\n"
	       "The store defaults to %s. Exports carry schema_version %d and import\n"
	       "losslessly into another store (runs already present are skipped), so CI matrix jobs\n"
	       "can each upload one file and a final job merges them:\n"
	       "  jobs: { matrix: { strategy: { matrix: { kernel: [host, '6.1', '6.12'] } } } }\n"
	       "    run: bpfgauge kernels fetch ${{ matrix.kernel }}  # except host\n"
	       "         bpfgauge matrix --db run.db --kernel ${{ matrix.kernel }} --clang 14,22 src/*.bpf.c\n"
	       "         bpfgauge history --db run.db export -o stats-${{ matrix.kernel }}.json\n"
	       "    (upload-artifact) ... merge job: bpfgauge history --db all.db import stats-*.json\n",
	       bin_name, STORE_DEFAULT_PATH, STORE_SCHEMA_VERSION);
	return 0;
}

static const struct cmd cmds[] = {
	{ "list", do_list },
	{ "show", do_show },
	{ "diff", do_diff },
	{ "trend", do_trend },
	{ "export", do_export },
	{ "import", do_import },
	{ "help", do_help },
	{ 0 },
};

int do_history(int argc, char **argv)
{
	int i = 1;

	/* --db before the command (history --db X list) or right after it */
	while (i + 1 < argc && (!strcmp(argv[i], "--db") || !strcmp(argv[i], "-d"))) {
		db_path = argv[i + 1];
		i += 2;
	}
	for (int k = i; k < argc; k++)
		if ((!strcmp(argv[k], "--db") || !strcmp(argv[k], "-d")) && k + 1 >= argc) {
			p_err("history: option '%s' needs an argument", argv[k]);
			return EXIT_ERROR;
		}
	for (int k = i + 1; k + 1 < argc; k++)
		if (!strcmp(argv[k], "--db") || !strcmp(argv[k], "-d")) {
			db_path = argv[k + 1];
			memmove(&argv[k], &argv[k + 2], (argc - k - 2) * sizeof(*argv));
			argc -= 2;
			break;
		}
	return cmd_select(cmds, "history", argc - i, argv + i, do_help);
}
