/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpfgauge verifier: stats (load every program veristat-style, in
 * parallel), parse (offline logs), compare, gate and hotspots. This file
 * holds dispatch, help and the shared option helpers; each command's body
 * lives in cli/verifier_*.c.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bpfgauge/file.h"
#include "verifier_cli.h"

/*
 * The library's last warning (cli_take_warning), for vcli_err. Only the
 * main thread logs warnings: `verifier stats` loads on worker threads
 * through vload_batch, which logs none and hands each failed job's reason
 * back instead.
 */
void vcli_err(int err, const char *fmt, ...)
{
	const char *w;
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w = cli_take_warning();
	if (w) {
		if (!strncmp(w, "verifier: ", 10))
			w += 10;
		p_err("verifier: %s", w);
	} else if (err) {
		p_err("verifier: %s: %s", msg, bpfgauge_strerror(err));
	} else {
		p_err("verifier: %s", msg);
	}
}

void vcli_clear_warn(void)
{
	cli_take_warning();
}

int vcli_check_out(const char *cmd, const char *out)
{
	struct stat st;

	if (out && strcmp(out, "-") && !stat(out, &st) && S_ISDIR(st.st_mode)) {
		p_err("verifier %s: -o '%s' is a directory (-o is the output file)", cmd, out);
		return EXIT_ERROR;
	}
	return 0;
}

int vcli_write(const char *cmd, const char *out, int (*write)(void *ctx, void *file), void *ctx)
{
	int err = bpfgauge_write_atomic(out ? out : "-", write, ctx);

	if (err) {
		vcli_err(err, "%s: cannot write %s%s%s", cmd, out ? "'" : "", out ? out : "stdout",
			 out ? "'" : "");
		return EXIT_ERROR;
	}
	return 0;
}

static void filter_free(struct vcli_filter *f)
{
	free(f->any);
	free(f->obj);
	free(f->prog);
}

/*
 * A name glob that starts with a stat's name and goes on with what is
 * neither a name nor a glob character ("insns ~ 5", "insns_pct~5") is an
 * expression with an unknown operator, not a glob.
 */
static bool looks_like_expr(const char *e)
{
	static const char *const sfx[] = { "_a", "_b", "_diff", "_pct" };
	size_t n = strspn(e, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
	char name[64];

	if (!n || n >= sizeof(name) || !e[n] || strchr(".-*?[/", e[n]))
		return false;
	memcpy(name, e, n);
	name[n] = 0;
	if (vlog_stat_find(name) >= 0)
		return true;
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		size_t l = strlen(sfx[i]);

		if (n > l && !strcmp(name + n - l, sfx[i])) {
			name[n - l] = 0;
			if (vlog_stat_find(name) >= 0)
				return true;
			name[n - l] = sfx[i][0];
		}
	}
	return false;
}

/* One filter (no '@'); 0 or EXIT_ERROR (said). */
static int filter_add_one(struct vcli_filters *fs, const char *cmd, const char *arg,
			  bool compare_mode)
{
	struct vcli_filter f = { .deny = arg[0] == '!' };
	const char *e = f.deny ? arg + 1 : arg, *slash;
	void *tmp;

	/* as veristat: an expression has an operator, anything else is a name glob */
	if (!*e) {
		p_err("verifier %s: empty filter '%s'", cmd, arg);
		return EXIT_ERROR;
	}
	if (!strpbrk(e, "=!<>") && looks_like_expr(e)) {
		p_err("verifier %s: bad filter '%s' (want NAME OP VALUE with OP one of == = != < <= > "
		      ">=, or a GLOB, OBJ/PROG)", cmd, arg);
		return EXIT_ERROR;
	}
	if (strpbrk(e, "=!<>")) {
		if (vfilter_parse(e, compare_mode, &f.expr)) {
			vcli_err(0, "bad filter '%s'", arg);
			return EXIT_ERROR;
		}
	} else {
		f.is_name = true;
		slash = strchr(e, '/');
		if (!slash) {
			f.any = strdup(e);
		} else {
			if (slash > e)
				f.obj = strndup(e, slash - e);
			if (slash[1])
				f.prog = strdup(slash + 1);
		}
		if ((!slash && !f.any) || (slash > e && !f.obj) || (slash && slash[1] && !f.prog)) {
			filter_free(&f);
			p_err("verifier %s: out of memory", cmd);
			return EXIT_ERROR;
		}
	}
	tmp = realloc(fs->v, (fs->n + 1) * sizeof(*fs->v));
	if (!tmp) {
		filter_free(&f);
		p_err("verifier %s: out of memory", cmd);
		return EXIT_ERROR;
	}
	fs->v = tmp;
	fs->v[fs->n++] = f;
	fs->has_allow_names |= f.is_name && !f.deny;
	return 0;
}

int vcli_filters_add(struct vcli_filters *fs, const char *cmd, const char *arg, bool compare_mode)
{
	char line[1024];
	FILE *f;
	int ret = 0, lineno = 0;

	if (arg[0] != '@')
		return filter_add_one(fs, cmd, arg, compare_mode);
	f = fopen(arg + 1, "r");
	if (!f) {
		p_err("verifier %s: cannot read filters from '%s': %s", cmd, arg + 1, strerror(errno));
		return EXIT_ERROR;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		char *s = line, *end;

		lineno++;
		s += strspn(s, " \t");
		end = s + strcspn(s, "\r\n");
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = 0;
		if (!*s || *s == '#')
			continue;
		if (*s == '@') {
			p_err("verifier %s: %s:%d: a filter file cannot name another ('%s')", cmd,
			      arg + 1, lineno, s);
			ret = EXIT_ERROR;
			break;
		}
		ret = filter_add_one(fs, cmd, s, compare_mode);
	}
	if (!ret && ferror(f)) {
		p_err("verifier %s: cannot read filters from '%s'", cmd, arg + 1);
		ret = EXIT_ERROR;
	}
	fclose(f);
	return ret;
}

void vcli_filters_release(struct vcli_filters *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		filter_free(&fs->v[i]);
	free(fs->v);
	*fs = (struct vcli_filters){ 0 };
}

static bool glob_ok(const char *glob, const char *s)
{
	return !glob || (s && !fnmatch(glob, s, 0));
}

static bool name_match(const struct vcli_filter *f, const char *base, const char *prog)
{
	if (f->any)
		return glob_ok(f->any, base) || glob_ok(f->any, prog);
	/* both parts must match ("!obj.o/prog" drops that program, not all of obj.o) */
	return glob_ok(f->obj, base) && glob_ok(f->prog, prog);
}

bool vcli_filters_names(const struct vcli_filters *fs, const char *obj, const char *prog)
{
	const char *base = obj ? strrchr(obj, '/') : NULL;
	bool allowed = !fs->has_allow_names;

	base = base ? base + 1 : obj;
	for (size_t i = 0; i < fs->n; i++) {
		const struct vcli_filter *f = &fs->v[i];

		if (!f->is_name || !name_match(f, base, prog))
			continue;
		if (f->deny)
			return false;
		allowed = true;
	}
	return allowed;
}

static bool record_names(const struct vcli_filters *fs, const struct vlog_record *r)
{
	return vcli_filters_names(fs, vlog_record__str(r, VLOG_STAT_FILE),
				  vlog_record__str(r, VLOG_STAT_PROG));
}

bool vcli_filters_record(const struct vcli_filters *fs, const struct vlog_record *r)
{
	if (!record_names(fs, r))
		return false;
	for (size_t i = 0; i < fs->n; i++)
		if (!fs->v[i].is_name && vfilter_match(&fs->v[i].expr, r) == fs->v[i].deny)
			return false;
	return true;
}

bool vcli_filters_row(const struct vcli_filters *fs, const struct vcompare_row *row)
{
	if ((row->a && !record_names(fs, row->a)) || (row->b && !record_names(fs, row->b)))
		return false;
	if (!row->a || !row->b) /* new and removed programs are always listed */
		return true;
	for (size_t i = 0; i < fs->n; i++)
		if (!fs->v[i].is_name && vfilter_match_row(&fs->v[i].expr, row) == fs->v[i].deny)
			return false;
	return true;
}

static const int default_table[] = {
	VLOG_STAT_FILE, VLOG_STAT_PROG, VLOG_STAT_VERDICT, VLOG_STAT_CLASS, VLOG_STAT_INSNS,
	VLOG_STAT_TOTAL_STATES, VLOG_STAT_PEAK_STATES, VLOG_STAT_STACK_SUM,
	VLOG_STAT_INSNS_PCT, VLOG_STAT_DURATION, VLOG_STAT_FAIL_LINE,
};
static const int default_compare[] = {
	VLOG_STAT_VERDICT, VLOG_STAT_INSNS, VLOG_STAT_TOTAL_STATES, VLOG_STAT_PEAK_STATES,
	VLOG_STAT_STACK_SUM, VLOG_STAT_DURATION,
};

int vcli_fields(const char *spec, enum vcli_fields_kind kind, int *out, size_t *n)
{
	char buf[1024], *save, *t;

	*n = 0;
	if (!spec || !strcmp(spec, "default")) {
		const int *d = kind == VCLI_FIELDS_COMPARE ? default_compare : default_table;
		size_t nd = kind == VCLI_FIELDS_COMPARE
				    ? sizeof(default_compare) / sizeof(int)
				    : sizeof(default_table) / sizeof(int);

		if (kind == VCLI_FIELDS_ALL) {
			for (int i = 0; i < VLOG_STAT_CNT; i++)
				out[(*n)++] = i;
			return 0;
		}
		memcpy(out, d, nd * sizeof(int));
		*n = nd;
		return 0;
	}
	if (!strcmp(spec, "all")) {
		for (int i = 0; i < VLOG_STAT_CNT; i++)
			out[(*n)++] = i;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	for (t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int id = vlog_stat_find(t);

		if (id < 0) {
			p_err("verifier: unknown field '%s' (see '%s verifier help' for names)", t,
			      bin_name);
			return -EINVAL;
		}
		if (*n >= VLOG_STAT_CNT)
			break;
		out[(*n)++] = id;
	}
	return 0;
}

static void print_help(FILE *f)
{
	fprintf(f,
		"Usage: %1$s verifier { stats | parse | compare | gate | hotspots | help }\n"
		"\n"
		"  %1$s verifier stats OBJ... [--format FMT] [-o FILE] [-e FIELDS] [-f FILTER]...\n"
		"                 [-s SORT] [-J N] [--allow-failures] [--log-level 1|2]\n"
		"                 [--log-size BYTES] [--no-retry] [--log-dir DIR]\n"
		"  %1$s verifier stats -C BASE NEW [...]   (veristat's -C: the same as compare)\n"
		"      Load each program of each BPF object on its own (fresh object, only it\n"
		"      autoloaded, pinning off, max_entries 0 set to 1 except local-storage\n"
		"      maps) in -J N (--jobs N) parallel workers (default: number of CPUs); the\n"
		"      programs that -f's name globs leave out are never loaded. By default a\n"
		"      program loads with BPF_LOG_STATS only (fastest, like veristat) and a\n"
		"      failed one is loaded again at log level 1 for its error; --log-level\n"
		"      forces a level for every load. A truncated log (ENOSPC) is retried\n"
		"      with an 8x larger buffer unless --no-retry.\n"
		"      --log-dir saves each log as DIR/OBJ.PROG.log plus OBJ.PROG.info.\n"
		"      Exit 1 if any program fails verification, unless --allow-failures.\n"
		"  %1$s verifier parse LOG... [--format FMT] [-o FILE] [-e FIELDS] [-f FILTER]...\n"
		"      Parse saved verifier logs (files or - for stdin), including logs pasted\n"
		"      with libbpf's -- BEGIN PROG LOAD LOG -- wrapper and prefixes.\n"
		"  %1$s verifier compare BASE NEW [--format table|csv|json] [-o FILE] [-e FIELDS]\n"
		"                 [-f FILTER]...\n"
		"      Join two results (our JSON or CSV, or veristat's CSV) on object basename\n"
		"      and program; show A, B, diff and %% per field; new/removed are listed.\n"
		"      Filters may use NAME_a, NAME_b, NAME_diff, NAME_pct (e.g. insns_pct>=5).\n"
		"  %1$s verifier gate BASE NEW --policy FILE [--format text|markdown|junit|github|json]\n"
		"                 [-o FILE]\n"
		"      Check NEW against BASE with per-metric, per-program-glob rules; exit 1\n"
		"      on an error-level violation. Policy lines: GLOB METRIC RULE [warn|error]\n"
		"      with RULE one of +N%%, +N, <=N, <N, >=N, >N, no-regress (verdict).\n"
		"  %1$s verifier hotspots OBJ|LOG [--prog PROG] [-n N] [-o FILE] [--lcov FILE]\n"
		"                 [--obj OBJ]\n"
		"      Attribute processed insns to source lines from a level-2 log (an object\n"
		"      is loaded at log level 2) and print the top N (default 20); --lcov\n"
		"      writes DA:<line>,<insns> records for genhtml. Logs before 6.9 have no\n"
		"      '@ file:line': an OBJ's BTF line info locates the insns instead (for a\n"
		"      LOG, give its object with --obj; needs the privileges of a load).\n"
		"\n"
		"FMT := { table | csv | json | veristat-csv } (default table; json under -j)\n"
		"-o FILE writes the output to FILE (replaced atomically; a device is written in\n"
		"      place; - is stdout) instead of stdout, as -o does in every command.\n"
		"FIELDS := comma-separated names, or 'all' or 'default'. Names:\n"
		"      ",
		bin_name);
	for (int i = 0; i < VLOG_STAT_CNT; i++)
		fprintf(f, "%s%s", vlog_stat_def(i)->name,
			i + 1 < VLOG_STAT_CNT ? ((i + 1) % 8 ? " " : "\n      ") : "\n");
	fprintf(f,
		"FILTER := [!]{ GLOB | OBJ_GLOB/PROG_GLOB | NAME OP VALUE } | @FILE (veristat's)\n"
		"      GLOB matches the object's file name or the program; OBJ/PROG both ('obj.o/'\n"
		"      any program of obj.o, '/xdp_*' any object); one allowing glob must match\n"
		"      when any is given. NAME OP VALUE, OP := { == | = | != | < | <= | > | >= }:\n"
		"      every one must hold (a range: -f 'insns>=1000' -f 'insns<5000'); string\n"
		"      values match as globs (-f 'class=mem*'). '!' excludes what follows;\n"
		"      @FILE reads one filter a line ('#' comments). compare always lists new and\n"
		"      removed programs unless a name filter leaves them out.\n"
		"SORT := NAME[:asc|:desc][,NAME...] (numbers default to descending).\n"
		"Stack: stack = sum of the frames in stack_depths (veristat); stack_max =\n"
		"      deepest BPF-to-BPF call chain of frames (Cilium), from the object's\n"
		"      calls (stats and hotspots on an OBJ); parsing a log alone cannot see\n"
		"      the calls, so there stack_max falls back to the largest single frame.\n"
		"      stack_limit_pct = stack_max %% of 512 bytes. mark_read differs by kernel\n"
		"      (0 on 6.18): compare leaves it out by default and gate rules on it warn.\n"
		"Failure classes: ");
	for (int c = 1; c < VLOG_CLASS_CNT; c++)
		fprintf(f, "%s%s", vlog_class_str(c), c + 1 < VLOG_CLASS_CNT ? ", " : ".\n");
}

static int do_help(int argc, char **argv)
{
	print_help(stdout);
	return 0;
}

static const struct cmd cmds[] = {
	{ "stats", vcli_stats },
	{ "parse", vcli_parse },
	{ "compare", vcli_compare },
	{ "gate", vcli_gate },
	{ "hotspots", vcli_hotspots },
	{ "help", do_help },
	{ 0 },
};

int do_verifier(int argc, char **argv)
{
	int ret;

	argc--;
	argv++;
	cli_warn_capture(true);
	/* libbpf's CO-RE and BTF messages classify failed loads */
	vload_capture_libbpf_log(true);
	ret = cmd_select(cmds, "verifier", argc, argv, do_help);
	vload_capture_libbpf_log(false);
	cli_warn_capture(false);
	return ret;
}
