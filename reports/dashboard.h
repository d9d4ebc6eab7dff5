/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The dashboard's model and writers: what `bpfgauge dashboard` shows, built
 * once from the history store's runs, the latest run's matrix report and
 * the coverage summaries given, then written as JSON (`dashboard -j`) and
 * as one self-contained index.html that embeds the same JSON and renders it
 * with inline CSS and JS (sortable, filterable program table with headroom,
 * change since the baseline and flags; per-program trends with axes, run
 * ticks, the 1M limit line and failure markers; kernel x clang (x arch)
 * heatmaps ordered as versions; coverage per run).
 */
#ifndef BPFGAUGE_DASHBOARD_H
#define BPFGAUGE_DASHBOARD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bpfgauge/cov.h"
#include "bpfgauge/matrix.h"
#include "bpfgauge/store.h"
#include "json_writer.h"
#include "matrix_report.h"

#define DASH_JSON_SCHEMA_VERSION 1
#define DASH_INSN_LIMIT 1000000 /* when a record names no limit */
#define DASH_STACK_LIMIT 512

/* A coverage tracefile given for a run (`--coverage RUN=FILE`). Strings are the caller's. */
struct dash_cov {
	int64_t run_id;
	const char *file;         /* the tracefile as given */
	const char *genhtml;      /* href of the genhtml report (relative to the page), or NULL */
	struct cov_summary sum;
};

/* One heatmap axis value: a kernel row (with its arch) or a compiler column. */
struct dash_axis {
	char label[96];  /* "6.1", "host 6.18", "6.1 arm64"; "clang 14", "clang 22 v3", "object" */
	char key[64];    /* what sorts it: the kernel's major.minor, the clang major */
	char arch[32];   /* kernels: "x86_64", "arm64" or "" */
};

/* One program on one cell (the records of a cell, summarised). */
struct dash_res {
	bool present;      /* the program has a record on this cell */
	bool cell_error;   /* the cell could not be measured (VM failure, compile error) */
	int verdict;       /* enum vlog_verdict */
	int cls;           /* enum vlog_class */
	int err;           /* positive errno of the load */
	long long insns, states, stack;
	double insns_pct, stack_pct;
	char fail[48];     /* "complexity (E2BIG)" when it failed */
	int attach;        /* enum mx_attach_outcome of the program on this cell */
	char attach_why[160]; /* when the attach failed: "ENOENT: CONFIG_KPROBES is not set ..." */
};

/* One run of one program: the worst passing cell, and the failures. */
struct dash_point {
	int ncells, nfail;        /* cells that have the program; of them failed */
	long long insns, states;  /* max over passing cells; -1 when no cell passed */
	char fail[160];           /* "6.12 clang 22: complexity (E2BIG); ..." or "" */
};

/* The change against the baseline run, on the cell that moved most. */
struct dash_change {
	bool in_base;             /* the program is in the baseline run */
	int new_failures, fixed;  /* cells that pass->fail, fail->pass */
	bool has_delta;           /* some cell passes in both runs */
	long long base_insns, insns;
	double delta_pct;
	char cell[96];            /* "6.18 clang 22" */
};

struct dash_prog {
	char object[128], prog[128], prog_type[32];
	/* latest run: worst passing cell; nfail of ncells failed */
	int ncells, nfail, nerr;
	long long insns, states, stack;  /* -1 when no cell passed */
	double insns_pct, stack_pct;
	char fail[160];
	int nattach_fail;                /* latest run: cells where it verified but did not attach */
	char attach_fail[200];           /* "host 6.18 clang 22: ENOENT (...)"; ... */
	struct dash_change change;
	size_t *flags, nflags;           /* indices into the model's flags */
	struct dash_res *res;            /* [k * ncomp + c] over the model's axes */
	struct dash_point *trend;        /* [run] over all runs */
	/* [run * ncells + k * ncomp + c]: insns of each heatmap cell in each run,
	 * DASH_ABSENT or DASH_FAILED (a failed load is never a value) */
	long long *by_cell;
};

#define DASH_ABSENT (-1LL)
#define DASH_FAILED (-2LL)

struct dash_model {
	const struct dash_run *runs;     /* oldest first; not owned */
	size_t nruns;
	const struct mx_report *latest;  /* flags, levels, baseline; not owned */
	const struct dash_cov *cov;      /* not owned */
	size_t ncov;
	struct dash_axis *kernels, *comps; /* ordered as versions */
	size_t nkernels, ncomps;
	struct dash_prog *progs;
	size_t nprogs;
};

/*
 * Build the model: programs of the latest run (runs[nruns - 1]), their
 * headroom, change against latest->bcells, flags, heatmap cells and trend
 * over all runs. Everything referenced must outlive the model. 0 or
 * -ENOMEM (m then holds nothing to release).
 */
int dash_model_build(const struct dash_run *runs, size_t nruns, const struct mx_report *latest,
		     const struct dash_cov *cov, size_t ncov, struct dash_model *m);
void dash_model_release(struct dash_model *m);

/* The model as one JSON object (kind "bpfgauge-dashboard", schema_version 1). */
void dashboard_write_json(json_writer_t *jw, const struct dash_model *m);

/*
 * Write DIR/index.html (DIR is created if missing), atomically: the page
 * with the model's JSON embedded. 0 or -errno.
 */
int dashboard_write(const char *dir, const struct dash_model *m);

/* The page's inline assets (reports/dashboard_assets.c, generated from
 * reports/dashboard_page.css and reports/dashboard_page.js). */
extern const char dash_page_css[];
extern const char dash_page_js[];

#endif /* BPFGAUGE_DASHBOARD_H */
