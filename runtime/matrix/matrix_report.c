/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A matrix report: a stored run, the run it is judged against (given, or
 * the previous complete run of its branch), both runs' cells, the flags
 * between them under a policy, and the headroom levels of that policy. It
 * is what `matrix`, `history show|diff` and `dashboard` print; the history
 * trend of one program is here too, so the CLI only calls and writes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/matrix.h"
#include "bpfgauge/vgate.h"
#include "bpfgauge_internal.h"

int mx_report_build(struct store *st, const struct store_run *run, const char *baseline,
		    const char *policy, struct mx_report *rep)
{
	struct vpolicy *pol = NULL;
	int64_t base_id = 0;
	int err;

	memset(rep, 0, sizeof(*rep));
	rep->run = run;
	err = mx_policy_load(policy, &pol);
	if (err) {
		snprintf(rep->error, sizeof(rep->error), "policy '%s' is unusable", policy);
		return err;
	}
	mx_levels_from_policy(pol, &rep->levels);
	if (!run)
		goto out;
	err = store_run_cells(st, run->id, &rep->cells, &rep->ncells);
	if (err) {
		snprintf(rep->error, sizeof(rep->error), "cannot read run %lld", (long long)run->id);
		goto out;
	}
	if (baseline) {
		err = store_run_get(st, baseline, &rep->base);
		if (err) {
			snprintf(rep->error, sizeof(rep->error), "baseline run '%s' not found", baseline);
			goto out;
		}
		base_id = rep->base.id;
	} else if (!store_baseline(st, run, &base_id)) {
		char id[32];

		snprintf(id, sizeof(id), "%lld", (long long)base_id);
		if (store_run_get(st, id, &rep->base))
			base_id = 0;
	}
	if (base_id) {
		err = store_run_cells(st, base_id, &rep->bcells, &rep->nbcells);
		if (err) {
			snprintf(rep->error, sizeof(rep->error), "cannot read baseline run %lld",
				 (long long)base_id);
			goto out;
		}
	}
	err = mx_flags(rep->bcells, rep->nbcells, rep->cells, rep->ncells, pol, &rep->flags,
		       &rep->nflags);
	if (err)
		snprintf(rep->error, sizeof(rep->error), "computing flags failed");
out:
	vpolicy_free(pol);
	if (err) {
		char msg[sizeof(rep->error)];

		memcpy(msg, rep->error, sizeof(msg));
		mx_report_release(rep);
		memcpy(rep->error, msg, sizeof(msg));
	}
	return bg_err(err);
}

void mx_report_release(struct mx_report *rep)
{
	if (!rep)
		return;
	free(rep->flags);
	store_cells_free(rep->cells, rep->ncells);
	store_cells_free(rep->bcells, rep->nbcells);
	store_run_release(&rep->base);
	memset(rep, 0, sizeof(*rep));
}

int mx_trend(struct store *st, const char *prog, struct mx_trend_point **out, size_t *nout)
{
	struct store_run *runs;
	struct mx_trend_point *pts = NULL;
	size_t nruns, n = 0, cap = 0;
	int err;

	*out = NULL;
	*nout = 0;
	err = store_runs(st, &runs, &nruns);
	if (err)
		return err;
	for (size_t i = 0; i < nruns && !err; i++) {
		struct store_cell *cells;
		size_t nc;

		/* a run that cannot be read drops out of the trend */
		if (store_run_cells(st, runs[i].id, &cells, &nc))
			continue;
		for (size_t c = 0; c < nc && !err; c++)
			for (size_t k = 0; k < cells[c].nrecs && !err; k++) {
				const struct vlog_record *r = cells[c].recs[k];
				const char *p = vlog_record__str(r, VLOG_STAT_PROG);
				struct mx_trend_point *t;

				if (!p || strcmp(p, prog))
					continue;
				if (n == cap) {
					cap = cap ? cap * 2 : 16;
					t = realloc(pts, cap * sizeof(*t));
					if (!t) {
						err = -ENOMEM;
						break;
					}
					pts = t;
				}
				t = &pts[n++];
				memset(t, 0, sizeof(*t));
				t->run = runs[i].id;
				snprintf(t->started, sizeof(t->started), "%s", runs[i].started);
				snprintf(t->object, sizeof(t->object), "%s", cells[c].object);
				mx_kernel_short(&cells[c], t->kernel, sizeof(t->kernel));
				snprintf(t->clang, sizeof(t->clang), "%s", cells[c].clang);
				snprintf(t->mcpu, sizeof(t->mcpu), "%s", cells[c].mcpu);
				t->verdict = vlog_record__int(r, VLOG_STAT_VERDICT);
				t->insns = vlog_record__int(r, VLOG_STAT_INSNS);
				t->states = vlog_record__int(r, VLOG_STAT_TOTAL_STATES);
			}
		store_cells_free(cells, nc);
	}
	store_runs_free(runs, nruns);
	if (err) {
		free(pts);
		return bg_err(err);
	}
	*out = pts;
	*nout = n;
	return 0;
}
