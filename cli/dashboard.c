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
	size_t *ncells = NULL, nruns = 0, nflags = 0;
	struct mx_flag *flags = NULL;
	struct mx_policy pol;
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
	mx_policy_default(&pol);
	if (policy && mx_policy_load(policy, &pol)) {
		p_err("dashboard: policy '%s' is unusable", policy);
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
	if (nruns) {
		int64_t base_id;
		size_t b = nruns;

		if (!store_baseline(st, &runs[nruns - 1], &base_id))
			for (b = 0; b < nruns && runs[b].id != base_id; b++)
				;
		if (mx_flags(b < nruns ? cells[b] : NULL, b < nruns ? ncells[b] : 0, cells[nruns - 1],
			     ncells[nruns - 1], &pol, &flags, &nflags))
			goto out;
	}
	err = dashboard_write(out, dr, nruns, flags, nflags);
	if (err) {
		p_err("dashboard: cannot write '%s/index.html': %s", out, bpfgauge_strerror(err));
		goto out;
	}
	p_info("dashboard: %s/index.html (%zu runs, %zu flags)", out, nruns, nflags);
	rc = 0;
out:
	for (size_t i = 0; cells && i < nruns; i++)
		store_cells_free(cells[i], ncells[i]);
	free(cells);
	free(ncells);
	free(dr);
	free(flags);
	store_runs_free(runs, nruns);
	store_close(st);
	return rc;
}
