// SPDX-License-Identifier: BSD-2-Clause
/*
 * Annotation parser and checker for the example programs' coverage ground
 * truth; the grammar and the rules are in annot.h. Shared by the e2e tests
 * (which #include this file, since the test glob links only libbpfgauge)
 * and bpfgauge-run-examples --check.
 */
#include "annot.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/cov.h"

static int annot_err(char *err, size_t errsz, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return ret;
}

/* "3", "-": one taken value. */
static int annot_parse_val(const char **p, int64_t *v)
{
	char *end;

	if (**p == '-') {
		(*p)++;
		*v = ANNOT_NEVER;
		return 0;
	}
	if (!isdigit((unsigned char)**p))
		return -1;
	*v = strtoll(*p, &end, 10);
	*p = end;
	return 0;
}

/* "A,B;C,D" */
static int annot_parse_br(const char *s, struct annot_br *br)
{
	const char *p = s;

	memset(br, 0, sizeof(*br));
	br->nblocks = 1;
	for (;;) {
		int b = br->nblocks - 1;
		int64_t v;

		if (annot_parse_val(&p, &v) < 0 || br->nbranches[b] >= ANNOT_MAX_BRANCHES)
			return -1;
		br->taken[b][br->nbranches[b]++] = v;
		if (*p == ',') {
			p++;
		} else if (*p == ';') {
			if (br->nblocks >= ANNOT_MAX_BLOCKS)
				return -1;
			br->nblocks++;
			p++;
		} else {
			return *p ? -1 : 0;
		}
	}
}

/* The identifier before the first '(' of a declaration line. */
static void annot_fn_name(const char *text, char *name, size_t size)
{
	const char *paren = strchr(text, '('), *end, *start;

	name[0] = '\0';
	if (!paren)
		return;
	end = paren;
	while (end > text && isspace((unsigned char)end[-1]))
		end--;
	start = end;
	while (start > text && (isalnum((unsigned char)start[-1]) || start[-1] == '_'))
		start--;
	if ((size_t)(end - start) >= size)
		return;
	memcpy(name, start, end - start);
	name[end - start] = '\0';
}

/* The code before the first comment of a line is exactly "}". */
static bool annot_is_closing_brace(const char *text)
{
	const char *p = text;

	while (isspace((unsigned char)*p))
		p++;
	if (*p++ != '}')
		return false;
	while (isspace((unsigned char)*p))
		p++;
	return !strncmp(p, "/*", 2);
}

/* Parse the annotation keys of one comment body; 0 if it is not one. */
static int annot_parse_comment(char *body, struct annot_line *al, const char *text)
{
	char *save = NULL, *tok = strtok_r(body, " \t", &save);
	bool any = false;

	while (tok) {
		char *val;

		if (any && tok[0] == '(')
			break; /* a parenthesised remark ends the annotation */
		if (strcmp(tok, "cov:") && strcmp(tok, "fn:") && strcmp(tok, "br:") &&
		    strcmp(tok, "br+:") && strcmp(tok, "oracle:"))
			return any ? -1 : 0; /* ordinary comment text */
		val = strtok_r(NULL, " \t", &save);
		if (!val)
			return -1;
		if (!strcmp(tok, "oracle:")) {
			char *end;

			/* for the host oracle's comparison; must say why */
			if (!strtoull(val, &end, 10) && end == val)
				return -1;
			if (*end || !strchr(text, '('))
				return -1;
		} else if (!strcmp(tok, "cov:")) {
			size_t n = strlen(val);
			char *end;

			al->has_cov = true;
			if (n && val[n - 1] == '?') {
				/* A statement's line always holds code: '?' is only
				 * for a closing brace, and must say why. */
				if (!annot_is_closing_brace(text) || !strchr(text, '('))
					return -1;
				al->cov_optional = true;
				val[n - 1] = '\0';
			}
			al->cov = strtoull(val, &end, 10);
			if (end == val || *end)
				return -1;
		} else if (!strcmp(tok, "fn:")) {
			char *end;

			al->has_fn = true;
			al->fn = strtoull(val, &end, 10);
			if (end == val || *end)
				return -1;
			annot_fn_name(text, al->fn_name, sizeof(al->fn_name));
			if (!al->fn_name[0])
				return -1;
		} else {
			al->has_br = true;
			al->br_sum = !strcmp(tok, "br+:");
			if (annot_parse_br(val, &al->br) < 0)
				return -1;
		}
		any = true;
		tok = strtok_r(NULL, " \t", &save);
	}
	return any ? 1 : 0;
}

int annot_load_file(struct annot_set *set, const char *path, char *err, size_t errsz)
{
	struct annot_file af = {0}, *files;
	char text[1024];
	uint32_t lineno = 0;
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f)
		return annot_err(err, errsz, -errno, "annot: cannot open '%s': %s", path,
				 strerror(errno));
	af.path = strdup(path);
	af.base = strdup(strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	while (fgets(text, sizeof(text), f)) {
		struct annot_line al = {0};
		char *c = text;
		bool found = false;

		lineno++;
		al.line = lineno;
		while ((c = strstr(c, "/*"))) {
			char *close = strstr(c + 2, "*/"), body[512];
			size_t n;
			int r;

			if (!close)
				break;
			n = close - (c + 2);
			if (n >= sizeof(body))
				n = sizeof(body) - 1;
			memcpy(body, c + 2, n);
			body[n] = '\0';
			r = annot_parse_comment(body, &al, text);
			if (r < 0) {
				ret = annot_err(err, errsz, -EINVAL,
						"annot: %s:%u: malformed annotation", path, lineno);
				goto out;
			}
			found |= r > 0;
			c = close + 2;
		}
		if (!found)
			continue;
		struct annot_line *nl = realloc(af.lines, (af.nlines + 1) * sizeof(*nl));

		if (!nl) {
			ret = -ENOMEM;
			goto out;
		}
		af.lines = nl;
		af.lines[af.nlines++] = al;
	}
	files = realloc(set->files, (set->nfiles + 1) * sizeof(*files));
	if (!files) {
		ret = -ENOMEM;
		goto out;
	}
	set->files = files;
	set->files[set->nfiles++] = af;
	fclose(f);
	return 0;
out:
	fclose(f);
	free(af.path);
	free(af.base);
	free(af.lines);
	return ret;
}

static int annot_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int annot_load_dir(struct annot_set *set, const char *dir, char *err, size_t errsz)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	int ret = 0;

	if (!d)
		return annot_err(err, errsz, -errno, "annot: cannot open directory '%s': %s",
				 dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **nn;

		if (!((len > 6 && !strcmp(de->d_name + len - 6, ".bpf.c")) ||
		      (len > 2 && !strcmp(de->d_name + len - 2, ".h"))))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn) {
			ret = -ENOMEM;
			break;
		}
		names = nn;
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), annot_name_cmp);
	for (i = 0; i < n && !ret; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		ret = annot_load_file(set, path, err, errsz);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

void annot_set_release(struct annot_set *set)
{
	size_t i;

	for (i = 0; i < set->nfiles; i++) {
		free(set->files[i].path);
		free(set->files[i].base);
		free(set->files[i].lines);
	}
	free(set->files);
	set->files = NULL;
	set->nfiles = 0;
}

/* ---- checking ------------------------------------------------------------ */

struct annot_out {
	char *buf;
	size_t size, len, failures;
};

__attribute__((format(printf, 2, 3))) static void annot_fail(struct annot_out *o,
							      const char *fmt, ...)
{
	va_list ap;
	int n;

	o->failures++;
	if (!o->buf || o->len + 1 >= o->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->len += (size_t)n;
	if (o->len >= o->size - 1) {
		o->len = o->size - 1;
		return;
	}
	o->buf[o->len++] = '\n';
	o->buf[o->len] = '\0';
}

/* A value as compared: counts scaled, hits reduced to -1/0/1. */
static int64_t annot_norm(int64_t v, const struct annot_check_opts *opts, bool expected)
{
	if (v < 0)
		return ANNOT_NEVER;
	if (opts->mode == ANNOT_HITS)
		return v > 0;
	return expected ? v * (int64_t)(opts->scale ? opts->scale : 1) : v;
}

static bool annot_count_ok(uint64_t got, uint64_t want, const struct annot_check_opts *opts)
{
	return (uint64_t)annot_norm((int64_t)got, opts, false) ==
	       (uint64_t)annot_norm((int64_t)want, opts, true);
}

static const char *annot_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static const struct annot_line *annot_find(const struct annot_file *af, uint32_t line)
{
	size_t i;

	for (i = 0; af && i < af->nlines; i++)
		if (af->lines[i].line == line)
			return &af->lines[i];
	return NULL;
}

/* Render a site list "a,b;c,d" in order: sites and outcomes are exact. */
static void annot_br_render(const struct annot_br *br, char *s, size_t size)
{
	char tmp[ANNOT_MAX_BLOCKS][128];
	size_t len = 0;
	int b, i;

	for (b = 0; b < br->nblocks; b++) {
		size_t l = 0;

		tmp[b][0] = '\0';
		for (i = 0; i < br->nbranches[b]; i++) {
			if (br->taken[b][i] < 0)
				l += snprintf(tmp[b] + l, sizeof(tmp[b]) - l, "%s-", i ? "," : "");
			else
				l += snprintf(tmp[b] + l, sizeof(tmp[b]) - l, "%s%" PRId64,
					      i ? "," : "", br->taken[b][i]);
			if (l >= sizeof(tmp[b]))
				l = sizeof(tmp[b]) - 1;
		}
	}
	s[0] = '\0';
	for (b = 0; b < br->nblocks && len < size; b++)
		len += snprintf(s + len, size - len, "%s%s", b ? ";" : "", tmp[b]);
}

static void annot_br_sum(struct annot_br *br)
{
	struct annot_br sum = {.nblocks = 1};
	int b, i;

	for (b = 0; b < br->nblocks; b++) {
		for (i = 0; i < br->nbranches[b]; i++) {
			int64_t v = br->taken[b][i];

			if (i >= sum.nbranches[0]) {
				sum.nbranches[0] = i + 1;
				sum.taken[0][i] = ANNOT_NEVER;
			}
			if (v >= 0)
				sum.taken[0][i] = (sum.taken[0][i] < 0 ? 0 : sum.taken[0][i]) + v;
		}
	}
	*br = sum;
}

static void annot_check_branches(const struct annot_file *af, const struct annot_line *al,
				 const struct cov_file_view *v,
				 const struct annot_check_opts *opts, struct annot_out *o)
{
	struct annot_br got = {0}, want = al->br;
	uint32_t blocks[ANNOT_MAX_BLOCKS];
	char gs[512], ws[512];
	size_t i;
	int b;

	for (i = 0; i < v->nbranches; i++) {
		const struct cov_branch_rec *r = &v->branches[i];

		if (r->line != al->line)
			continue;
		for (b = 0; b < got.nblocks && blocks[b] != r->block; b++)
			;
		if (b == got.nblocks) {
			if (got.nblocks == ANNOT_MAX_BLOCKS) {
				annot_fail(o, "%s:%u: too many branch blocks", af->base, al->line);
				return;
			}
			blocks[got.nblocks++] = r->block;
		}
		if (got.nbranches[b] < ANNOT_MAX_BRANCHES)
			got.taken[b][got.nbranches[b]++] = r->taken;
	}
	/* Sum raw values first: in hits mode a merged model may hold counts > 1. */
	if (al->br_sum) {
		annot_br_sum(&got);
		annot_br_sum(&want);
	}
	for (b = 0; b < got.nblocks; b++)
		for (i = 0; i < (size_t)got.nbranches[b]; i++)
			got.taken[b][i] = annot_norm(got.taken[b][i], opts, false);
	for (b = 0; b < want.nblocks; b++)
		for (i = 0; i < (size_t)want.nbranches[b]; i++)
			want.taken[b][i] = annot_norm(want.taken[b][i], opts, true);
	if (!got.nblocks) {
		annot_fail(o, "%s:%u: no BRDA records, want %s", af->base, al->line,
			   al->br_sum ? "br+" : "br");
		return;
	}
	annot_br_render(&got, gs, sizeof(gs));
	annot_br_render(&want, ws, sizeof(ws));
	if (strcmp(gs, ws))
		annot_fail(o, "%s:%u: branches %s, want %s%s", af->base, al->line, gs, ws,
			   al->br_sum ? " (summed over blocks)" : "");
}

size_t annot_check(const struct annot_set *set, const struct cov_model *model,
		   const struct annot_check_opts *opts, struct annot_stats *stats,
		   char *out, size_t outsz)
{
	struct annot_out o = {.buf = out, .size = outsz};
	struct annot_stats st = {0};
	bool *seen = calloc(set->nfiles + 1, sizeof(bool));
	size_t nf = cov_model__file_cnt(model), i, j, k;

	if (out && outsz)
		out[0] = '\0';
	for (i = 0; i < nf; i++) {
		struct cov_file_view v;
		const struct annot_file *af = NULL;
		const char *base;

		if (cov_model__file(model, i, &v))
			continue;
		base = annot_base(v.path);
		if (opts->only_file && (strcmp(base, opts->only_file) == 0) == opts->skip_file)
			continue;
		for (j = 0; j < set->nfiles; j++)
			if (!strcmp(set->files[j].base, base)) {
				af = &set->files[j];
				seen[j] = true;
			}
		if (!af) {
			annot_fail(&o, "%s: file in the report has no annotated source", v.path);
			continue;
		}
		for (k = 0; k < v.nlines; k++) {
			const struct cov_line_rec *r = &v.lines[k];
			const struct annot_line *al = annot_find(af, r->line);

			st.lines++;
			if (!al || !al->has_cov)
				annot_fail(&o, "%s:%u: DA count %" PRIu64 " but no cov: annotation",
					   base, r->line, r->count);
			else if (!annot_count_ok(r->count, al->cov, opts))
				annot_fail(&o, "%s:%u: DA %" PRIu64 ", want %" PRIu64 " (%s)", base,
					   r->line, r->count,
					   (uint64_t)annot_norm((int64_t)al->cov, opts, true),
					   opts->mode == ANNOT_HITS ? "hits" : "counts");
		}
		for (k = 0; k < v.nfuncs; k++) {
			const struct cov_func_rec *r = &v.funcs[k];
			const struct annot_line *al = annot_find(af, r->line);

			st.funcs++;
			if (!al || !al->has_fn || strcmp(al->fn_name, r->name))
				annot_fail(&o, "%s:%u: FN %s (FNDA %" PRIu64 ") has no fn: annotation",
					   base, r->line, r->name, r->count);
			else if (!annot_count_ok(r->count, al->fn, opts))
				annot_fail(&o, "%s:%u: FNDA %s %" PRIu64 ", want %" PRIu64, base,
					   r->line, r->name, r->count,
					   (uint64_t)annot_norm((int64_t)al->fn, opts, true));
		}
		for (k = 0; k < af->nlines; k++) {
			const struct annot_line *al = &af->lines[k];
			size_t m;
			bool found = false;

			if (al->has_cov && !al->cov_optional) {
				for (m = 0; m < v.nlines && !found; m++)
					found = v.lines[m].line == al->line;
				if (!found)
					annot_fail(&o, "%s:%u: no DA record, want %" PRIu64, base,
						   al->line,
						   (uint64_t)annot_norm((int64_t)al->cov, opts, true));
			}
			if (al->has_fn) {
				found = false;
				for (m = 0; m < v.nfuncs && !found; m++)
					found = v.funcs[m].line == al->line &&
						!strcmp(v.funcs[m].name, al->fn_name);
				if (!found)
					annot_fail(&o, "%s:%u: no FN record for %s", base, al->line,
						   al->fn_name);
			}
			if (al->has_br)
				annot_check_branches(af, al, &v, opts, &o);
		}
		/* Every branch site is a source condition, so a BRDA line without
		 * a br: annotation is a site the source does not have. */
		for (k = 0; k < v.nbranches; k++) {
			const struct annot_line *al;

			if (k && v.branches[k - 1].line == v.branches[k].line)
				continue;
			st.branch_lines++;
			al = annot_find(af, v.branches[k].line);
			if (!al || !al->has_br) {
				st.branch_lines_unchecked++;
				annot_fail(&o, "%s:%u: BRDA but no br: annotation (no source condition here)",
					   base, v.branches[k].line);
			}
		}
	}
	/* Annotated files with no record at all: their required lines are missing. */
	for (j = 0; j < set->nfiles; j++) {
		const struct annot_file *af = &set->files[j];

		if (seen[j])
			continue;
		if (opts->only_file && (strcmp(af->base, opts->only_file) == 0) == opts->skip_file)
			continue;
		for (k = 0; k < af->nlines; k++)
			if ((af->lines[k].has_cov && !af->lines[k].cov_optional) ||
			    af->lines[k].has_fn) {
				annot_fail(&o, "%s: annotated file has no coverage records", af->base);
				break;
			}
	}
	free(seen);
	st.failures = o.failures;
	if (stats)
		*stats = st;
	return o.failures;
}
