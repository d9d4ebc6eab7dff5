// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpfgauge-run-examples: load the example BPF objects (bpf/examples) from a
 * build directory, run their fixed inputs, collect coverage with
 * libbpfgauge and write lcov; or measure what instrumentation costs the
 * verifier (processed insns of plain vs hits vs counts objects). Used by the
 * demo script and handy when editing the examples' annotations (--check).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "annot.h"
#include "bpfgauge/cov.h"
#include "examples.h"

#define EXIT_GATE 1
#define EXIT_USAGE 2

static const char usage[] =
	"Usage: bpfgauge-run-examples --dir DIR [--lcov FILE] [--repeat N] [--only NAME[,NAME...]]\n"
	"                             [--test-name TN] [--check SRCDIR] [-v]\n"
	"       bpfgauge-run-examples --verifier-cost DIR [--only NAME[,NAME...]] [-v]\n"
	"\n"
	"Runs the bundled example BPF programs on their fixed inputs (root needed).\n"
	"\n"
	"  --dir DIR            objects built with the pass, e.g. build/bpf/llvm-19/counts\n"
	"  --lcov FILE          merge the collected coverage into FILE (lcov tracefile)\n"
	"  --repeat N           run every input N times (default 1)\n"
	"  --only LIST          run only these examples (comma separated)\n"
	"  --test-name TN       lcov test name (TN:)\n"
	"  --check SRCDIR       compare the coverage with the annotations in SRCDIR\n"
	"                       (bpf/examples); exit 1 on any mismatch\n"
	"  --verifier-cost DIR  load DIR/{plain,hits,counts}/*.bpf.o (e.g. build/bpf/llvm-19)\n"
	"                       and print processed insns per program, the ratios and\n"
	"                       their medians\n"
	"  -v, --verbose        show libbpf's debug output\n"
	"  -h, --help           this text\n"
	"\n"
	"Examples: xdp_parse tc_classify sock_filter calls loop trace_getpgid xdp_flow tailcall\n"
	"Exit: 0 ok, 1 --check found a mismatch, 2 usage or runtime error.\n";

static bool only_has(const char *only, const char *name)
{
	size_t n = strlen(name);
	const char *p = only;

	if (!only)
		return true;
	while ((p = strstr(p, name))) {
		if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

static int die(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "bpfgauge-run-examples: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Processed insns of one program of one variant, or 0 if not loadable. */
static uint64_t cost_of(const char *root, const char *variant, const struct example *ex,
			const char *prog, bool *failed)
{
	struct ex_loaded l;
	const char *names[16];
	uint64_t insns[16], r = 0;
	char dir[4096], err[512];
	int n, i;

	snprintf(dir, sizeof(dir), "%s/%s", root, variant);
	if (ex_load(dir, ex, &l, err, sizeof(err))) {
		fprintf(stderr, "bpfgauge-run-examples: %s\n", err);
		*failed = true;
		return 0;
	}
	n = ex_verified_insns(l.obj, names, insns, 16);
	for (i = 0; i < n; i++)
		if (!strcmp(names[i], prog))
			r = insns[i];
	ex_unload(&l);
	return r;
}

static int verifier_cost(const char *root, const char *only)
{
	double rh[64], rc[64];
	int nh = 0, nc = 0;
	bool failed = false;
	size_t i;

	printf("%-14s %-14s %8s %8s %8s %8s %8s\n", "example", "program", "plain", "hits",
	       "counts", "hits/p", "counts/p");
	for (i = 0; i < ex_cnt; i++) {
		const struct example *ex = &ex_all[i];
		struct ex_loaded l;
		const char *names[16];
		uint64_t plain[16];
		char dir[4096], err[512];
		int n, j;

		if (!only_has(only, ex->name))
			continue;
		snprintf(dir, sizeof(dir), "%s/plain", root);
		if (ex_load(dir, ex, &l, err, sizeof(err))) {
			fprintf(stderr, "bpfgauge-run-examples: %s\n", err);
			failed = true;
			continue;
		}
		n = ex_verified_insns(l.obj, names, plain, 16);
		for (j = 0; j < n; j++) {
			uint64_t h = cost_of(root, "hits", ex, names[j], &failed);
			uint64_t c = cost_of(root, "counts", ex, names[j], &failed);
			char hs[16] = "-", cs[16] = "-";

			if (h && plain[j]) {
				rh[nh] = (double)h / plain[j];
				snprintf(hs, sizeof(hs), "%.3f", rh[nh++]);
			}
			if (c && plain[j]) {
				rc[nc] = (double)c / plain[j];
				snprintf(cs, sizeof(cs), "%.3f", rc[nc++]);
			}
			printf("%-14s %-14s %8llu %8llu %8llu %8s %8s\n", ex->name, names[j],
			       (unsigned long long)plain[j], (unsigned long long)h,
			       (unsigned long long)c, hs, cs);
		}
		ex_unload(&l);
	}
	printf("%-14s %-14s %8s %8s %8s %8.3f %8.3f\n", "median", "", "", "", "", median(rh, nh),
	       median(rc, nc));
	return failed ? EXIT_USAGE : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"dir", required_argument, NULL, 'd'},
		{"lcov", required_argument, NULL, 'l'},
		{"repeat", required_argument, NULL, 'r'},
		{"only", required_argument, NULL, 'o'},
		{"test-name", required_argument, NULL, 't'},
		{"check", required_argument, NULL, 'c'},
		{"verifier-cost", required_argument, NULL, 'V'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *dir = NULL, *lcov = NULL, *only = NULL, *tn = NULL, *check = NULL,
		   *cost = NULL;
	struct cov_model *total = NULL;
	long repeat = 1;
	bool verbose = false;
	int c, ran = 0, rc = 0;
	enum bpfgauge_mode mode = 0;
	size_t i;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'd': dir = optarg; break;
		case 'l': lcov = optarg; break;
		case 'o': only = optarg; break;
		case 't': tn = optarg; break;
		case 'c': check = optarg; break;
		case 'V': cost = optarg; break;
		case 'v': verbose = true; break;
		case 'r':
			repeat = strtol(optarg, &end, 10);
			if (*end || repeat < 1 || repeat > 1000000)
				return die("--repeat wants a number from 1 to 1000000, not '%s'%s",
					   optarg, "");
			break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return die("unexpected argument '%s'%s (see --help)", argv[optind], "");
	if (!!dir == !!cost)
		return die("give exactly one of --dir and --verifier-cost%s%s (see --help)", "", "");
	if (only)
		for (const char *p = only; *p;) {
			char name[64];
			size_t n = strcspn(p, ",");

			snprintf(name, sizeof(name), "%.*s", (int)n, p);
			if (!ex_find(name))
				return die("unknown example '%s'%s (see --help)", name, "");
			p += n + (p[n] == ',');
		}
	if (geteuid() != 0)
		return die("must run as root (CAP_BPF and CAP_PERFMON)%s%s", "", "");
	ex_set_verbose(verbose);
	bpfgauge_log_level_from_env();
	if (cost)
		return verifier_cost(cost, only);

	total = cov_model__new(tn);
	if (!total)
		return die("out of memory%s%s", "", "");
	for (i = 0; i < ex_cnt; i++) {
		const struct example *ex = &ex_all[i];
		LIBBPF_OPTS(bpfgauge_cov_opts, co);
		struct ex_loaded l;
		struct cov_model *m;
		char err[512];

		if (!only_has(only, ex->name))
			continue;
		if (ex_load(dir, ex, &l, err, sizeof(err)) ||
		    ex_run(&l, (int)repeat, err, sizeof(err))) {
			ex_unload(&l);
			cov_model__free(total);
			return die("%s%s", err, "");
		}
		if (ex_foreign_events(&l))
			fprintf(stderr,
				"bpfgauge-run-examples: warning: %s saw %llu getpgid calls from other processes; its entry counts include them\n",
				ex->name, (unsigned long long)ex_foreign_events(&l));
		co.object_path = l.path;
		co.test_name = tn;
		m = bpfgauge_cov_collect(l.obj, &co);
		if (!m) {
			int e = errno;

			fprintf(stderr, "bpfgauge-run-examples: cannot collect coverage from '%s': %s\n",
				l.path, bpfgauge_strerror(e));
			ex_unload(&l);
			cov_model__free(total);
			return EXIT_USAGE;
		}
		if (!mode) {
			struct cov_mapping *map = NULL;

			if (!cov_mapping__from_file(l.path, &map) && cov_mapping__module_cnt(map))
				mode = cov_mapping__module_mode(map, 0);
			cov_mapping__free(map);
		}
		cov_model__merge(total, m);
		cov_model__free(m);
		ex_unload(&l);
		fprintf(stderr, "bpfgauge-run-examples: %s: ran %ld time%s\n", ex->name, repeat,
			repeat == 1 ? "" : "s");
		ran++;
	}
	if (lcov) {
		int ret = bpfgauge_cov_write_lcov(total, lcov);

		if (ret) {
			cov_model__free(total);
			return die("cannot write '%s': %s", lcov, bpfgauge_strerror(ret));
		}
	}
	if (check) {
		struct annot_set set = {0};
		struct annot_check_opts ao = {
			.mode = mode == BPFGAUGE_MODE_HITS ? ANNOT_HITS : ANNOT_COUNTS,
			.scale = (uint64_t)repeat,
		};
		struct annot_stats st;
		char err[512], *out = malloc(1 << 16);

		if (!out || annot_load_dir(&set, check, err, sizeof(err))) {
			free(out);
			cov_model__free(total);
			return die("%s%s", out ? err : "out of memory", "");
		}
		if (only)
			fprintf(stderr, "bpfgauge-run-examples: note: --check with --only: shared headers count every example\n");
		if (annot_check(&set, total, &ao, &st, out, 1 << 16)) {
			fputs(out, stderr);
			rc = EXIT_GATE;
		}
		fprintf(stderr,
			"bpfgauge-run-examples: check (%s): %zu lines, %zu functions, %zu branch lines (%zu without br:): %zu mismatches\n",
			ao.mode == ANNOT_HITS ? "hits" : "counts", st.lines, st.funcs,
			st.branch_lines, st.branch_lines_unchecked, st.failures);
		annot_set_release(&set);
		free(out);
	}
	cov_model__free(total);
	return ran ? rc : die("no example selected%s%s", "", "");
}
