/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpfgauge dashboard: the history store's runs, the latest run's flags
 * against its baseline and the coverage tracefiles given, as one
 * self-contained static page (DIR/index.html) and/or as JSON (-j).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfgauge/cov.h"
#include "bpfgauge/matrix.h"
#include "bpfgauge/store.h"
#include "dashboard.h"
#include "json_writer.h"
#include "main.h"

/* --coverage and --genhtml in command-line order (a bare --genhtml DIR
 * belongs to the --coverage before it). */
struct dash_arg {
	bool genhtml;
	const char *arg;
};

struct dash_opts {
	const char *db, *out, *policy;
	struct dash_arg args[64];
	size_t nargs;
};

static int dash_help(void)
{
	printf("Usage: %s dashboard [--db PATH] [--policy FILE] [-o DIR] [-j|-p]\n"
	       "          [--coverage RUN=FILE.info [--genhtml [RUN=]DIR]]...\n"
	       "Writes DIR/index.html, one self-contained page (inline CSS and JS, nothing\n"
	       "fetched; opens from file://), and with -j prints the same data as JSON:\n"
	       "  - the programs of the latest run, sortable and filterable: headroom (insns\n"
	       "    as %% of the 1M limit, stack as %% of 512 bytes, states; the worst passing\n"
	       "    kernel x compiler cell), failures, the change since the baseline (the\n"
	       "    previous complete run of the branch) and the flags (as `matrix` gives them);\n"
	       "  - per program: its kernel x clang (x arch) heatmap, kernels and compilers in\n"
	       "    version order, and its trend over all runs with axes, run ticks (label or\n"
	       "    commit, date), the 1M limit line and a marker for each failed run (a\n"
	       "    failed load's insns are never plotted);\n"
	       "  - the coverage summary of each run given a tracefile.\n"
	       "The URL fragment sets the view: #sort=insns&dir=asc&filter=xdp&prog=OBJ/PROG.\n"
	       "  --coverage RUN=FILE  an lcov tracefile of run RUN: its label, id, uuid\n"
	       "                       prefix, 'latest', 'latest~N' or a commit prefix\n"
	       "  --genhtml [RUN=]DIR  genhtml's output of that run (or of the --coverage\n"
	       "                       before it), linked from the page\n"
	       "Exit 2 if the store does not exist or a tracefile or run cannot be read.\n",
	       bin_name);
	return 0;
}

static int dash_parse(int argc, char **argv, struct dash_opts *o)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "policy", required_argument, NULL, 'P' },
		{ "coverage", required_argument, NULL, 'C' },
		{ "genhtml", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	if (argc > 1 && is_help(argv[1]))
		return dash_help() + 1;
	/* -j/-p anywhere are the global options: main() takes them out of argv */
	while ((opt = getopt_long(argc, argv, ":d:o:P:h", opts, NULL)) >= 0) {
		switch (opt) {
		case 'd': o->db = optarg; break;
		case 'o': o->out = optarg; break;
		case 'P': o->policy = optarg; break;
		case 'h': return dash_help() + 1;
		case 'C':
		case 'G':
			if (o->nargs == sizeof(o->args) / sizeof(o->args[0])) {
				p_err("dashboard: too many --coverage/--genhtml options (at most 64)");
				return -1;
			}
			o->args[o->nargs++] = (struct dash_arg){ opt == 'G', optarg };
			break;
		default:
			p_opt_err("dashboard", opt, argv);
			return -1;
		}
	}
	if (optind < argc) {
		p_err("dashboard: unexpected argument '%s' (try '%s dashboard --help')", argv[optind],
		      bin_name);
		return -1;
	}
	if (!o->out && !json_output) {
		p_err("dashboard: -o DIR is required (or -j for JSON on stdout)");
		return -1;
	}
	return 0;
}

/* RUN of --coverage: a label (newest first), a store_run_get spec, or a commit prefix. */
static int find_run(struct store *st, const struct store_run *runs, size_t n, const char *spec,
		    int64_t *id)
{
	struct store_run r = { 0 };

	for (size_t i = n; i-- > 0;)
		if (*runs[i].label && !strcmp(runs[i].label, spec)) {
			*id = runs[i].id;
			return 0;
		}
	if (!store_run_get(st, spec, &r)) {
		*id = r.id;
		store_run_release(&r);
		return 0;
	}
	for (size_t i = n; strlen(spec) >= 4 && i-- > 0;)
		if (!strncmp(runs[i].git_commit, spec, strlen(spec))) {
			*id = runs[i].id;
			return 0;
		}
	return -ENOENT;
}

/* The path of target relative to the directory base (both absolute, canonical). */
static void rel_path(const char *base, const char *target, char *buf, size_t size)
{
	char dir[PATH_MAX + 2];
	size_t common = 0, len = 0;

	snprintf(dir, sizeof(dir), "%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/");
	for (size_t i = 0; dir[i] && dir[i] == target[i]; i++)
		if (dir[i] == '/')
			common = i + 1;
	buf[0] = 0;
	for (const char *p = dir + common; *p; p++)
		if (*p == '/' && len + 4 < size) {
			memcpy(buf + len, "../", 4);
			len += 3;
		}
	snprintf(buf + len, size - len, "%s", target + common);
}

/* The href of genhtml's DIR/index.html, relative to the page's directory when there is one. */
static int genhtml_href(const char *dir, const char *out, char **href)
{
	char idx[PATH_MAX + 16], real[PATH_MAX], outreal[PATH_MAX], rel[2 * PATH_MAX];

	snprintf(idx, sizeof(idx), "%s/index.html", dir);
	if (access(idx, R_OK)) {
		p_err("dashboard: --genhtml '%s': no readable index.html there (give genhtml's "
		      "output directory)", dir);
		return -ENOENT;
	}
	/* the page's directory must exist to say where DIR is from it */
	if (out && mkdir(out, 0755) && errno != EEXIST)
		out = NULL;
	if (!out || !realpath(idx, real) || !realpath(out, outreal)) {
		*href = strdup(idx);
		return *href ? 0 : -ENOMEM;
	}
	rel_path(outreal, real, rel, sizeof(rel));
	*href = strdup(rel);
	return *href ? 0 : -ENOMEM;
}

/* One --coverage RUN=FILE: the tracefile's totals (read by the cov model's lcov reader). */
static int cov_arg(struct store *st, const struct store_run *runs, size_t n, const char *arg,
		   struct dash_cov *c)
{
	const char *eq = strchr(arg, '=');
	char spec[256];
	struct cov_model *model;
	int err;

	if (!eq || eq == arg || !eq[1] || (size_t)(eq - arg) >= sizeof(spec)) {
		p_err("dashboard: --coverage wants RUN=FILE.info, not '%s'", arg);
		return -EINVAL;
	}
	snprintf(spec, sizeof(spec), "%.*s", (int)(eq - arg), arg);
	if (find_run(st, runs, n, spec, &c->run_id)) {
		p_err("dashboard: --coverage '%s': no run with label, id, uuid or commit '%s' "
		      "(see '%s history list')", arg, spec, bin_name);
		return -ENOENT;
	}
	c->file = eq + 1;
	model = cov_model__new(NULL);
	if (!model)
		return -ENOMEM;
	err = cov_model__read_lcov(model, c->file);
	if (err)
		p_err("dashboard: --coverage '%s': %s", c->file, bpfgauge_strerror(err));
	else
		cov_model__summary(model, &c->sum);
	cov_model__free(model);
	return err;
}

/* A --genhtml [RUN=]DIR: attach its href to the run's coverage entry. */
static int genhtml_arg(struct store *st, const struct store_run *runs, size_t n, const char *arg,
		       const char *out, struct dash_cov *cov, size_t ncov, char **hrefs)
{
	const char *eq = strchr(arg, '='), *dir = arg;
	char spec[256];
	int64_t id;
	ssize_t at = (ssize_t)ncov - 1;

	if (eq && (size_t)(eq - arg) < sizeof(spec)) {
		snprintf(spec, sizeof(spec), "%.*s", (int)(eq - arg), arg);
		if (!find_run(st, runs, n, spec, &id)) {
			dir = eq + 1;
			for (at = (ssize_t)ncov - 1; at >= 0 && cov[at].run_id != id; at--)
				;
		}
	}
	if (at < 0) {
		p_err("dashboard: --genhtml '%s': no --coverage of that run before it", arg);
		return -EINVAL;
	}
	free(hrefs[at]);
	hrefs[at] = NULL;
	if (genhtml_href(dir, out, &hrefs[at]))
		return -ENOENT;
	cov[at].genhtml = hrefs[at];
	return 0;
}

static int dash_coverage(struct store *st, const struct store_run *runs, size_t n,
			 const struct dash_opts *o, struct dash_cov *cov, size_t *ncov, char **hrefs)
{
	for (size_t i = 0; i < o->nargs; i++) {
		int err = o->args[i].genhtml
				  ? genhtml_arg(st, runs, n, o->args[i].arg, o->out, cov, *ncov, hrefs)
				  : cov_arg(st, runs, n, o->args[i].arg, &cov[(*ncov)++]);

		if (err)
			return err;
	}
	return 0;
}

/* The model's outputs: the page under -o, the JSON under -j. */
static int dash_emit(const struct dash_opts *o, const struct dash_model *m)
{
	int err;

	if (json_output) {
		json_writer_t *jw = jw_new(stdout, pretty_output);

		if (!jw)
			return -ENOMEM;
		dashboard_write_json(jw, m);
		jw_free(jw);
	}
	if (!o->out)
		return 0;
	err = dashboard_write(o->out, m);
	if (err) {
		p_err("dashboard: cannot write '%s/index.html': %s", o->out, bpfgauge_strerror(err));
		return err;
	}
	p_info("dashboard: %s/index.html (%zu runs, %zu programs, %zu flags)", o->out, m->nruns,
	       m->nprogs, m->latest->nflags);
	return 0;
}

/* Every run with its cells (oldest first), for the trends. */
static int load_runs(struct store *st, struct store_run *runs, size_t nruns,
		     struct store_cell **cells, size_t *ncells, struct dash_run *dr)
{
	for (size_t i = 0; i < nruns; i++) {
		if (store_run_cells(st, runs[i].id, &cells[i], &ncells[i])) {
			p_err("dashboard: cannot read run %lld", (long long)runs[i].id);
			return -EIO;
		}
		dr[i] = (struct dash_run){ &runs[i], cells[i], ncells[i] };
	}
	return 0;
}

int do_dashboard(int argc, char **argv)
{
	struct dash_opts o = { .db = STORE_DEFAULT_PATH };
	struct store_run *runs = NULL;
	struct store_cell **cells = NULL;
	struct dash_run *dr = NULL;
	struct dash_cov cov[64] = { 0 };
	char *hrefs[64] = { 0 };
	size_t *ncells = NULL, nruns = 0, ncov = 0;
	struct mx_report rep = { 0 };
	struct dash_model m = { 0 };
	struct store *st = NULL;
	int rc = EXIT_ERROR, err = dash_parse(argc, argv, &o);

	if (err)
		return err > 0 ? 0 : EXIT_ERROR;
	if (store_open_ro(o.db, &st)) {
		p_err("dashboard: cannot open store '%s'", o.db);
		return EXIT_ERROR;
	}
	if (store_runs(st, &runs, &nruns))
		goto out;
	cells = calloc(nruns + 1, sizeof(*cells));
	ncells = calloc(nruns + 1, sizeof(*ncells));
	dr = calloc(nruns + 1, sizeof(*dr));
	if (!cells || !ncells || !dr || load_runs(st, runs, nruns, cells, ncells, dr))
		goto out;
	if (dash_coverage(st, runs, nruns, &o, cov, &ncov, hrefs))
		goto out;
	/* the latest run against its baseline; an empty store still has the policy's levels */
	if (mx_report_build(st, nruns ? &runs[nruns - 1] : NULL, NULL, o.policy, &rep)) {
		p_err("dashboard: %s", rep.error);
		goto out;
	}
	if (dash_model_build(dr, nruns, &rep, cov, ncov, &m) || dash_emit(&o, &m))
		goto out;
	rc = 0;
out:
	dash_model_release(&m);
	for (size_t i = 0; i < 64; i++)
		free(hrefs[i]);
	for (size_t i = 0; cells && i < nruns; i++)
		store_cells_free(cells[i], ncells[i]);
	free(cells);
	free(ncells);
	free(dr);
	mx_report_release(&rep);
	store_runs_free(runs, nruns);
	store_close(st);
	return rc;
}
