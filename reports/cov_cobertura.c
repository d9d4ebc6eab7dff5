/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Cobertura XML writer (coverage-04.dtd shape, as GitLab and Jenkins read
 * it): one package per directory, one class per source file, line hits and
 * branch condition-coverage per line. File names are relative to the
 * <source> root when they lie under it, so GitLab can match them to the
 * repository.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "cov_writers.h"
#include "markup.h"

static double rate(uint64_t hit, uint64_t found)
{
	return found ? (double)hit / (double)found : 1.0;
}

/* Branches of one line: how many outcomes, how many taken. */
static void line_branches(const struct cov_file_view *v, uint32_t line, uint64_t *found,
			  uint64_t *hit)
{
	*found = *hit = 0;
	for (size_t k = 0; k < v->nbranches; k++)
		if (v->branches[k].line == line) {
			(*found)++;
			*hit += v->branches[k].taken > 0;
		}
}

static void file_rates(const struct cov_file_view *v, double *lr, double *br)
{
	uint64_t lh = 0, bh = 0;

	for (size_t j = 0; j < v->nlines; j++)
		lh += v->lines[j].count > 0;
	for (size_t j = 0; j < v->nbranches; j++)
		bh += v->branches[j].taken > 0;
	*lr = rate(lh, v->nlines);
	*br = rate(bh, v->nbranches);
}

/* Length of the directory part of path (0 if none). */
static size_t dir_len(const char *path)
{
	const char *p = strrchr(path, '/');

	return p ? (size_t)(p - path) : 0;
}

static bool same_dir(const char *a, const char *b)
{
	size_t la = dir_len(a);

	return la == dir_len(b) && !strncmp(a, b, la);
}

/*
 * path as written: relative to root when under it ("/r/a/b.c" under "/r" is
 * "a/b.c"); with the root "/" (no root given) without its leading '/', as
 * before; else unchanged (absolute).
 */
static const char *rel_path(const char *path, const char *root)
{
	size_t n;

	if (!root || !strcmp(root, "/"))
		return path[0] == '/' ? path + 1 : path;
	n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	if (!strncmp(path, root, n) && path[n] == '/')
		return path + n + 1;
	return path;
}

static void write_class(FILE *f, const struct cov_file_view *v, const char *root)
{
	const char *path = rel_path(v->path, root);
	double lr, br;

	file_rates(v, &lr, &br);
	fprintf(f, "        <class name=\"");
	markup_escape(f, path + dir_len(path) + (dir_len(path) ? 1 : 0));
	fprintf(f, "\" filename=\"");
	markup_escape(f, path);
	fprintf(f, "\" line-rate=\"%.4f\" branch-rate=\"%.4f\" complexity=\"0\">\n", lr, br);
	fprintf(f, "          <methods>\n");
	for (size_t k = 0; k < v->nfuncs; k++) {
		fprintf(f, "            <method name=\"");
		markup_escape(f, v->funcs[k].name);
		fprintf(f, "\" signature=\"\" line-rate=\"%.4f\" branch-rate=\"0\" complexity=\"0\">\n"
			   "              <lines>\n                <line number=\"%u\" hits=\"%" PRIu64 "\"/>\n"
			   "              </lines>\n            </method>\n",
			v->funcs[k].count ? 1.0 : 0.0, v->funcs[k].line, v->funcs[k].count);
	}
	fprintf(f, "          </methods>\n          <lines>\n");
	for (size_t k = 0; k < v->nlines; k++) {
		uint64_t bf, bh;

		line_branches(v, v->lines[k].line, &bf, &bh);
		fprintf(f, "            <line number=\"%u\" hits=\"%" PRIu64 "\"", v->lines[k].line,
			v->lines[k].count);
		if (bf)
			fprintf(f, " branch=\"true\" condition-coverage=\"%" PRIu64 "%% (%" PRIu64 "/%" PRIu64 ")\"",
				bh * 100 / bf, bh, bf);
		else
			fprintf(f, " branch=\"false\"");
		fprintf(f, "/>\n");
	}
	fprintf(f, "          </lines>\n        </class>\n");
}

static int cobertura_write_opts(FILE *f, const struct cov_model *m, const struct cov_write_opts *o)
{
	const char *root = o && o->root ? o->root : "/";
	struct cov_summary s;
	struct cov_file_view v, w;
	size_t n = cov_model__file_cnt(m);

	cov_model__summary(m, &s);
	fprintf(f, "<?xml version=\"1.0\" ?>\n"
		   "<!DOCTYPE coverage SYSTEM \"http://cobertura.sourceforge.net/xml/coverage-04.dtd\">\n");
	fprintf(f, "<coverage line-rate=\"%.4f\" branch-rate=\"%.4f\" lines-covered=\"%" PRIu64
		   "\" lines-valid=\"%" PRIu64 "\" branches-covered=\"%" PRIu64
		   "\" branches-valid=\"%" PRIu64 "\" complexity=\"0\" version=\"bpfgauge\" timestamp=\"%lld\">\n",
		rate(s.lines_hit, s.lines_found), rate(s.branches_hit, s.branches_found), s.lines_hit,
		s.lines_found, s.branches_hit, s.branches_found, (long long)time(NULL));
	fprintf(f, "  <sources>\n    <source>");
	markup_escape(f, root);
	fprintf(f, "</source>\n  </sources>\n  <packages>\n");
	/* one package per directory; files are sorted by path, so a directory is a run */
	for (size_t i = 0, j; i < n; i = j) {
		uint64_t lf = 0, lh = 0, bf = 0, bh = 0;

		cov_model__file(m, i, &v);
		for (j = i; j < n && !cov_model__file(m, j, &w) && same_dir(v.path, w.path); j++) {
			lf += w.nlines;
			bf += w.nbranches;
			for (size_t k = 0; k < w.nlines; k++)
				lh += w.lines[k].count > 0;
			for (size_t k = 0; k < w.nbranches; k++)
				bh += w.branches[k].taken > 0;
		}
		const char *pkg = rel_path(v.path, root);

		fprintf(f, "    <package name=\"");
		if (dir_len(pkg)) {
			for (size_t k = 0; k < dir_len(pkg); k++) {
				char c[2] = { pkg[k], 0 };

				markup_escape(f, c);
			}
		} else {
			fputs(".", f);
		}
		fprintf(f, "\" line-rate=\"%.4f\" branch-rate=\"%.4f\" complexity=\"0\">\n      <classes>\n",
			rate(lh, lf), rate(bh, bf));
		for (size_t k = i; k < j; k++) {
			cov_model__file(m, k, &w);
			write_class(f, &w, root);
		}
		fprintf(f, "      </classes>\n    </package>\n");
	}
	fprintf(f, "  </packages>\n</coverage>\n");
	return ferror(f) ? -EIO : 0;
}

static int cobertura_write(FILE *f, const struct cov_model *m)
{
	return cobertura_write_opts(f, m, NULL);
}

const struct cov_writer cov_writer_cobertura = { "cobertura", "Cobertura XML (GitLab, Jenkins)",
						 cobertura_write, cobertura_write_opts };
