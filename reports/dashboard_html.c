/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The static HTML dashboard: one self-contained index.html (inline CSS and
 * SVG, no scripts, no network fetches) with a kernel x clang heatmap per
 * program for the latest run, the insns trend of each program over all
 * runs, and the flagged regressions with their log excerpts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "matrix_grid.h"
#include "matrix_report.h"
#include "bpfgauge/cov.h"
#include "markup.h"

/* The policy's headroom levels (mx_level); failures are red, empty cells grey. */
static const char *heat(const struct vlog_record *r, const char *err, const struct mx_levels *lv)
{
	static const char *const col[] = { [MX_LEVEL_OK] = "#1a9850", [MX_LEVEL_WARN] = "#fee08b",
					   [MX_LEVEL_ERROR] = "#fc8d59" };

	if (!r)
		return err ? "#b0b0b0" : "#f4f4f4";
	if (vlog_record__int(r, VLOG_STAT_VERDICT) != VLOG_VERDICT_PASS)
		return "#d73027";
	return col[mx_level(r, lv)];
}

/* One program's heatmap: kernel rows x clang/mcpu columns. */
static void heatmap(FILE *f, const struct grid *g, size_t row, const struct mx_levels *lv)
{
	char kernels[32][32], cc[32][64];
	size_t nk = 0, ncc = 0;

	for (size_t c = 0; c < g->ncols; c++) {
		char lab[64];
		size_t i;

		for (i = 0; i < nk && strcmp(kernels[i], g->cols[c].kernel); i++)
			;
		if (i == nk && nk < 32)
			snprintf(kernels[nk++], 32, "%s", g->cols[c].kernel);
		snprintf(lab, sizeof(lab), "%s%s%s", *g->cols[c].clang ? "clang " : "", g->cols[c].clang,
			 g->cols[c].mcpu);
		if (*g->cols[c].mcpu && *g->cols[c].clang)
			snprintf(lab, sizeof(lab), "clang %s %s", g->cols[c].clang, g->cols[c].mcpu);
		for (i = 0; i < ncc && strcmp(cc[i], lab); i++)
			;
		if (i == ncc && ncc < 32)
			snprintf(cc[ncc++], 64, "%s", lab);
	}
	fprintf(f, "<table class=\"heat\" data-prog=\"");
	markup_escape(f, g->rows[row].prog);
	fprintf(f, "\"><tr><th>kernel \\ compiler</th>");
	for (size_t j = 0; j < ncc; j++) {
		fprintf(f, "<th>");
		markup_escape(f, *cc[j] ? cc[j] : "object");
		fprintf(f, "</th>");
	}
	fprintf(f, "</tr>\n");
	for (size_t i = 0; i < nk; i++) {
		fprintf(f, "<tr><th>");
		markup_escape(f, kernels[i]);
		fprintf(f, "</th>");
		for (size_t j = 0; j < ncc; j++) {
			const struct vlog_record *r = NULL;
			const char *err = NULL;

			for (size_t c = 0; c < g->ncols; c++) {
				char lab[64];

				snprintf(lab, sizeof(lab), "%s%s%s", *g->cols[c].clang ? "clang " : "",
					 g->cols[c].clang, g->cols[c].mcpu);
				if (*g->cols[c].mcpu && *g->cols[c].clang)
					snprintf(lab, sizeof(lab), "clang %s %s", g->cols[c].clang,
						 g->cols[c].mcpu);
				if (!strcmp(g->cols[c].kernel, kernels[i]) && !strcmp(lab, cc[j])) {
					r = g->rec[row * g->ncols + c];
					err = g->err[row * g->ncols + c];
				}
			}
			fprintf(f, "<td style=\"background:%s\" class=\"cell\">", heat(r, err, lv));
			if (r && vlog_record__int(r, VLOG_STAT_VERDICT) == VLOG_VERDICT_PASS)
				fprintf(f, "%lld<br><small>%.2f%%</small>",
					(long long)vlog_record__int(r, VLOG_STAT_INSNS),
					vlog_record__num(r, VLOG_STAT_INSNS_PCT));
			else if (r)
				fprintf(f, "FAIL<br><small>%s</small>",
					vlog_class_str(vlog_record__int(r, VLOG_STAT_CLASS)));
			else
				fprintf(f, "%s", err ? "error" : "–");
			fprintf(f, "</td>");
		}
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</table>\n");
}

/* insns of (object, prog) per run: the maximum over that run's cells. */
static void trend(FILE *f, const struct dash_run *runs, size_t nruns, const char *object,
		  const char *prog)
{
	const int W = 420, H = 120, P = 24;
	double *v = calloc(nruns + 1, sizeof(*v)), max = 1;
	size_t pts = 0;

	if (!v)
		return;
	for (size_t i = 0; i < nruns; i++) {
		v[i] = -1;
		for (size_t c = 0; c < runs[i].ncells; c++) {
			const struct store_cell *cell = &runs[i].cells[c];

			if (strcmp(cell->object, object))
				continue;
			for (size_t k = 0; k < cell->nrecs; k++) {
				const char *p = vlog_record__str(cell->recs[k], VLOG_STAT_PROG);
				double x = vlog_record__num(cell->recs[k], VLOG_STAT_INSNS);

				if (p && !strcmp(p, prog) && x > v[i])
					v[i] = x;
			}
		}
		if (v[i] > max)
			max = v[i];
	}
	fprintf(f, "<svg class=\"trend\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">"
		   "<rect width=\"%d\" height=\"%d\" fill=\"#fafafa\" stroke=\"#ccc\"/>", W, H, W, H,
		W, H);
	fprintf(f, "<polyline fill=\"none\" stroke=\"#3060c0\" stroke-width=\"2\" points=\"");
	for (size_t i = 0; i < nruns; i++) {
		if (v[i] < 0)
			continue;
		double x = nruns > 1 ? P + (double)(W - 2 * P) * i / (nruns - 1) : W / 2.0;
		double y = H - P - (H - 2 * P) * v[i] / max;

		fprintf(f, "%.1f,%.1f ", x, y);
		pts++;
	}
	fprintf(f, "\"/>");
	for (size_t i = 0; i < nruns; i++) {
		if (v[i] < 0)
			continue;
		double x = nruns > 1 ? P + (double)(W - 2 * P) * i / (nruns - 1) : W / 2.0;
		double y = H - P - (H - 2 * P) * v[i] / max;

		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#3060c0\"><title>run %lld: %.0f insns</title></circle>"
			   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%.0f</text>",
			x, y, (long long)runs[i].run->id, v[i], x, y - 6, v[i]);
	}
	fprintf(f, "<text x=\"4\" y=\"%d\" font-size=\"10\">max insns per run (%zu runs)</text></svg>\n",
		H - 6, pts);
	free(v);
}

struct dash_ctx {
	const struct dash_run *runs;
	size_t nruns;
	const struct mx_flag *flags;
	size_t nflags;
	const struct mx_levels *levels;
};

static int dash_html(void *ctx, void *file)
{
	const struct dash_ctx *c = ctx;
	const struct dash_run *runs = c->runs;
	size_t nruns = c->nruns, nflags = c->nflags;
	const struct mx_flag *flags = c->flags;
	const struct dash_run *last = nruns ? &runs[nruns - 1] : NULL;
	struct grid g = { 0 };
	FILE *f = file;

	if (last && grid_build(last->cells, last->ncells, &g))
		return -ENOMEM;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		   "<title>bpfgauge verifier dashboard</title>\n<style>\n"
		   "body{font-family:sans-serif;margin:1.5em;color:#222}"
		   "table.heat{border-collapse:collapse;margin:.4em 0}"
		   ".heat td,.heat th{border:1px solid #ccc;padding:4px 8px;text-align:center;font-size:13px}"
		   ".prog{display:inline-block;vertical-align:top;margin:0 2em 2em 0}"
		   ".flag{border-left:4px solid #d73027;padding:.3em .8em;margin:.6em 0;background:#fff5f5}"
		   "pre{background:#f6f6f6;padding:.5em;font-size:12px;max-height:16em;overflow:auto}"
		   "</style></head><body>\n<h1>bpfgauge verifier dashboard</h1>\n");
	if (last)
		fprintf(f, "<p id=\"run\">Latest run %lld, %s, commit %s%s, %zu runs in history.</p>\n",
			(long long)last->run->id, last->run->started,
			*last->run->git_commit ? last->run->git_commit : "-",
			last->run->git_dirty == 1 ? " (dirty)" : "", nruns);
	else
		fprintf(f, "<p id=\"run\">The store holds no runs.</p>\n");
	fprintf(f, "<h2>Flagged regressions (%zu)</h2>\n<div id=\"flags\">\n", nflags);
	if (!nflags)
		fprintf(f, "<p>None.</p>\n");
	for (size_t i = 0; i < nflags; i++) {
		fprintf(f, "<div class=\"flag\"><b class=\"flag-prog\">");
		markup_escape(f, flags[i].object);
		fputc('/', f);
		markup_escape(f, flags[i].prog);
		fprintf(f, "</b>: <span class=\"flag-axis\">");
		markup_escape(f, flags[i].axis);
		fprintf(f, "</span> <code>%s</code><br>", mx_flag_kind_str(flags[i].kind));
		markup_escape(f, flags[i].detail);
		fprintf(f, "<br><small>");
		markup_escape(f, flags[i].cells);
		fprintf(f, "</small>");
		if (flags[i].log) {
			fprintf(f, "<pre>");
			markup_escape(f, flags[i].log);
			fprintf(f, "</pre>");
		}
		fprintf(f, "</div>\n");
	}
	fprintf(f, "</div>\n<h2>Programs</h2>\n<p>Heatmap: processed insns and %% of the 1M limit on "
		   "the latest run; green = at most %g%% of the limit, yellow = at most %g%% (the "
		   "policy's headroom), orange = above, red = failed.</p>\n",
		c->levels->warn_pct, c->levels->error_pct);
	for (size_t r = 0; r < g.nrows; r++) {
		fprintf(f, "<div class=\"prog\" id=\"prog-");
		markup_escape(f, g.rows[r].object);
		fputc('-', f);
		markup_escape(f, g.rows[r].prog);
		fprintf(f, "\"><h3>");
		markup_escape(f, g.rows[r].object);
		fputc('/', f);
		markup_escape(f, g.rows[r].prog);
		fprintf(f, "</h3>\n");
		heatmap(f, &g, r, c->levels);
		trend(f, runs, nruns, g.rows[r].object, g.rows[r].prog);
		fprintf(f, "</div>\n");
	}
	fprintf(f, "<p><small>Generated by bpfgauge %s.</small></p></body></html>\n",
		bpfgauge_version());
	grid_release(&g);
	return ferror(f) ? -EIO : 0;
}

int dashboard_write(const char *dir, const struct dash_run *runs, size_t nruns,
		    const struct mx_report *latest)
{
	struct dash_ctx c = { runs, nruns, latest->flags, latest->nflags, &latest->levels };
	char path[4200];

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/index.html", dir);
	return bpfgauge_write_atomic(path, dash_html, &c);
}
