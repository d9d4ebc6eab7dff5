/* SPDX-License-Identifier: BSD-2-Clause */
/* `verifier compare BASE NEW` and `verifier gate BASE NEW --policy FILE`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier_cli.h"

struct sets {
	struct vlog_record **a, **b;
	size_t na, nb;
	struct vcompare_row *rows;
	size_t n;
};

static void sets_release(struct sets *s)
{
	vlog_records_free(s->a, s->na);
	vlog_records_free(s->b, s->nb);
	free(s->rows);
}

static int load_sets(const char *cmd, const char *base, const char *new, struct sets *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	err = vlog_records_load(base, &s->a, &s->na);
	if (err) {
		vcli_err(err, "%s: '%s'", cmd, base);
		return err;
	}
	err = vlog_records_load(new, &s->b, &s->nb);
	if (err) {
		vcli_err(err, "%s: '%s'", cmd, new);
		sets_release(s);
		return err;
	}
	err = vcompare_join(s->a, s->na, s->b, s->nb, &s->rows, &s->n);
	if (err) {
		p_err("verifier %s: out of memory", cmd);
		sets_release(s);
	}
	return err;
}

struct compare_out {
	const char *fmt;
	const struct vcompare_row *rows;
	size_t n, nnew, nremoved;
	const struct vreport_opts *ro;
};

static int compare_cb(void *ctx, void *file)
{
	const struct compare_out *c = ctx;
	int err = verifier_write_compare(c->fmt, file, c->rows, c->n, c->ro);

	if (!err && !json_output && !strcmp(c->fmt, "table") &&
	    fprintf(file, "\n%zu programs: %zu in both, %zu new, %zu removed\n", c->n,
		    c->n - c->nnew - c->nremoved, c->nnew, c->nremoved) < 0)
		err = -EIO;
	return err;
}

int vcli_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "fields", required_argument, NULL, 'e' },
		{ "filter", required_argument, NULL, 'f' },
		{ 0 },
	};
	const char *fmt = json_output ? "json" : "table", *fields = NULL, *out = NULL;
	struct vcli_filters filters = { 0 };
	size_t k = 0, nnew = 0, nremoved = 0;
	int fl[VLOG_STAT_CNT];
	struct vreport_opts ro = { .fields = fl, .pretty = pretty_output };
	struct sets s;
	int opt, err;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:e:f:", opts, NULL)) >= 0) {
		switch (opt) {
		case 'o':
			if (p_opt_old_value("verifier compare", 'o', optarg))
				goto bad;
			out = optarg;
			break;
		case 'F': fmt = optarg; break;
		case 'e': fields = optarg; break;
		case 'f':
			if (vcli_filters_add(&filters, "compare", optarg, true))
				goto bad;
			break;
		default:
			p_opt_err("verifier compare", opt, argv);
			goto bad;
		}
	}
	if (argc - optind != 2) {
		p_err("verifier compare: want BASE and NEW (usage: %s verifier compare BASE NEW)",
		      bin_name);
		goto bad;
	}
	if (strcmp(fmt, "table") && strcmp(fmt, "csv") && strcmp(fmt, "json")) {
		p_err("verifier compare: unknown output format '%s' (table, csv, json)", fmt);
		goto bad;
	}
	if (vcli_fields(fields, VCLI_FIELDS_COMPARE, fl, &ro.nfields) ||
	    vcli_check_out("compare", out) || load_sets("compare", argv[optind], argv[optind + 1], &s))
		goto bad;
	/* new and removed programs are listed unless a name filter drops them */
	for (size_t i = 0; i < s.n; i++)
		if (vcli_filters_row(&filters, &s.rows[i]))
			s.rows[k++] = s.rows[i];
	for (size_t i = 0; i < k; i++) {
		nnew += !s.rows[i].a;
		nremoved += !s.rows[i].b;
	}
	err = vcli_write("compare", out, compare_cb,
			 &(struct compare_out){ fmt, s.rows, k, nnew, nremoved, &ro });
	sets_release(&s);
	vcli_filters_release(&filters);
	return err ? EXIT_ERROR : 0;
bad:
	vcli_filters_release(&filters);
	return EXIT_ERROR;
}

/*
 * Where each finding's program is in the source, from its object's BTF line
 * info (when the object is still at the path the stats recorded): the
 * failing insn's line for a program that fails in NEW, else the program's
 * first line; relative
 * to the git top level: GitHub annotations then land on the source line. The
 * strings are malloc'd; free with free_locs().
 */
static struct gate_srcloc *find_locs(const struct vgate_result *res)
{
	struct gate_srcloc *locs = calloc(res->n ? res->n : 1, sizeof(*locs));

	for (size_t i = 0; locs && i < res->n; i++) {
		const struct vcompare_row *row = res->f[i].row;
		const struct vlog_record *r = row->b ? row->b : row->a;
		const char *obj = vlog_record__str(r, VLOG_STAT_FILE);
		const char *prog = vlog_record__str(r, VLOG_STAT_PROG);
		char *file;
		int line, insn = -1;

		/* a failure points at the failing insn's line, anything else at the program */
		if (r == row->b && vlog_record__has(r, VLOG_STAT_FAIL_INSN) &&
		    vlog_record__int(r, VLOG_STAT_VERDICT) == VLOG_VERDICT_FAIL)
			insn = (int)vlog_record__int(r, VLOG_STAT_FAIL_INSN);
		if (!obj || !prog || vload_prog_source(obj, prog, insn, &file, &line))
			continue;
		locs[i].file = strdup(cli_rel_to_root(file));
		locs[i].line = line;
		free(file);
	}
	return locs;
}

static void free_locs(struct gate_srcloc *locs, size_t n)
{
	for (size_t i = 0; locs && i < n; i++)
		free((char *)locs[i].file);
	free(locs);
}

struct gate_out {
	const char *fmt;
	const struct vgate_result *res;
	const struct vcompare_row *rows;
	size_t n;
	const struct gate_srcloc *locs;
};

static int gate_cb(void *ctx, void *file)
{
	const struct gate_out *g = ctx;

	return verifier_write_gate(g->fmt, file, g->res, g->rows, g->n, pretty_output, g->locs);
}

int vcli_gate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'P' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ 0 },
	};
	const char *fmt = json_output ? "json" : "text", *policy = NULL, *out = NULL;
	struct vpolicy *pol;
	struct vgate_result res;
	struct sets s;
	int opt, err;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:P:", opts, NULL)) >= 0) {
		switch (opt) {
		case 'o':
			if (p_opt_old_value("verifier gate", 'o', optarg))
				return EXIT_ERROR;
			out = optarg;
			break;
		case 'F': fmt = optarg; break;
		case 'P': policy = optarg; break;
		default:
			p_opt_err("verifier gate", opt, argv);
			return EXIT_ERROR;
		}
	}
	if (argc - optind != 2 || !policy) {
		p_err("verifier gate: want BASE NEW --policy FILE");
		return EXIT_ERROR;
	}
	if (strcmp(fmt, "text") && strcmp(fmt, "markdown") && strcmp(fmt, "junit") &&
	    strcmp(fmt, "github") && strcmp(fmt, "json")) {
		p_err("verifier gate: unknown output format '%s' (text, markdown, junit, github, json)",
		      fmt);
		return EXIT_ERROR;
	}
	if (vcli_check_out("gate", out))
		return EXIT_ERROR;
	err = vpolicy_load(policy, &pol);
	if (err) {
		vcli_err(err, "gate: policy '%s'", policy);
		return EXIT_ERROR;
	}
	if (load_sets("gate", argv[optind], argv[optind + 1], &s)) {
		vpolicy_free(pol);
		return EXIT_ERROR;
	}
	err = vgate_eval(pol, s.rows, s.n, &res);
	if (err) {
		p_err("verifier gate: %s", bpfgauge_strerror(err));
	} else {
		struct gate_srcloc *locs = NULL;

		if (!strcmp(fmt, "github") || !strcmp(fmt, "json"))
			locs = find_locs(&res);
		err = vcli_write("gate", out, gate_cb,
				 &(struct gate_out){ fmt, &res, s.rows, s.n, locs });
		free_locs(locs, res.n);
		if (!err)
			err = res.errors ? EXIT_GATE : 0;
		vgate_result_release(&res);
	}
	sets_release(&s);
	vpolicy_free(pol);
	return err < 0 ? EXIT_ERROR : err;
}
