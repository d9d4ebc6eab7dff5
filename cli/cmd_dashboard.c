/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpfgauge dashboard: write a self-contained static HTML page from the
 * history store (heatmaps, insns trends, flags with log excerpts).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/matrix.h"
#include "bpfgauge/store.h"
#include "main.h"
#include "matrix_report.h"

int do_dashboard(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "policy", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *db = STORE_DEFAULT_PATH, *out = NULL, *policy = NULL;
	struct store_run *runs = NULL;
	struct store_cell **cells = NULL;
	struct dash_run *dr = NULL;
	size_t *ncells = NULL, nruns = 0;
	struct mx_report rep = { 0 };
	struct store *st;
	int opt, rc = EXIT_ERROR, err;

	while ((opt = getopt_long(argc, argv, ":d:o:P:h", opts, NULL)) >= 0) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'o': out = optarg; break;
		case 'P': policy = optarg; break;
		case 'h':
			printf("Usage: %s dashboard [--db PATH] [--policy FILE] -o DIR\n"
			       "Writes DIR/index.html: per-program kernel x clang heatmap (latest run),\n"
			       "insns trend over all runs (inline SVG), flags of the latest run against the\n"
			       "previous complete run with log excerpts. No network fetches.\n", bin_name);
			return 0;
		default:
			p_opt_err("dashboard", opt, argv);
			return EXIT_ERROR;
		}
	}
	if (!out) {
		p_err("dashboard: -o DIR is required");
		return EXIT_ERROR;
	}
	if (store_open_ro(db, &st)) {
		p_err("dashboard: cannot open store '%s'", db);
		return EXIT_ERROR;
	}
	if (store_runs(st, &runs, &nruns))
		goto out;
	cells = calloc(nruns + 1, sizeof(*cells));
	ncells = calloc(nruns + 1, sizeof(*ncells));
	dr = calloc(nruns + 1, sizeof(*dr));
	if (!cells || !ncells || !dr)
		goto out;
	for (size_t i = 0; i < nruns; i++) {
		if (store_run_cells(st, runs[i].id, &cells[i], &ncells[i]))
			goto out;
		dr[i] = (struct dash_run){ &runs[i], cells[i], ncells[i] };
	}
	/* the latest run against its baseline; an empty store still has the policy's levels */
	if (mx_report_build(st, nruns ? &runs[nruns - 1] : NULL, NULL, policy, &rep)) {
		p_err("dashboard: %s", rep.error);
		goto out;
	}
	err = dashboard_write(out, dr, nruns, &rep);
	if (err) {
		p_err("dashboard: cannot write '%s/index.html': %s", out, bpfgauge_strerror(err));
		goto out;
	}
	p_info("dashboard: %s/index.html (%zu runs, %zu flags)", out, nruns, rep.nflags);
	rc = 0;
out:
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
