/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `verifier hotspots OBJ|LOG`: where the verifier spends its budget, per
 * source line, from a level-2 log (loading the object at level 2 if given
 * one), as a top-N table and an lcov heat file. Logs older than 6.9 carry
 * no "@ file:line"; the object's BTF line info then locates the insns
 * (automatically for OBJ, with --obj for a LOG).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/elf_sniff.h"
#include "bpfgauge/cov.h"
#include "json_writer.h"
#include "verifier_cli.h"

/*
 * The source path for a log's file name (the kernel prints basenames): the
 * one file of srcs (the object's BTF line info, or the git checkout's files;
 * may be NULL) with that basename, else the name as it is.
 */
static const char *resolve_src(const char *file, char **srcs)
{
	const char *found = NULL;
	size_t lf = strlen(file);

	if (file[0] == '/')
		return file;
	for (char **s = srcs; s && *s; s++) {
		size_t ls = strlen(*s);

		if (ls > lf && (*s)[ls - lf - 1] == '/' && !strcmp(*s + ls - lf, file)) {
			if (found && strcmp(found, *s))
				return file; /* two headers of that name: not ours to guess */
			found = *s;
		}
	}
	return found ? found : file;
}

/*
 * Without an object: the files git tracks under the source root, as
 * absolute paths (a NULL-terminated array for vload_names_free), so a log
 * saved elsewhere still resolves inside this checkout. NULL if not in git.
 */
static char **git_files(void)
{
	const char *root = cli_source_root();
	char cmd[4200], line[4096], **v = NULL;
	size_t n = 0, cap = 0;
	FILE *p;

	if (!root || strchr(root, '\''))
		return NULL;
	snprintf(cmd, sizeof(cmd), "git -C '%s' ls-files -z 2>/dev/null | tr '\\0' '\\n'", root);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		if (n + 2 > cap) {
			size_t c = cap ? cap * 2 : 256;
			char **m = realloc(v, c * sizeof(*m));

			if (!m)
				break;
			v = m;
			cap = c;
		}
		if (asprintf(&v[n], "%s/%s", root, line) < 0)
			break;
		v[++n] = NULL;
	}
	pclose(p);
	if (!n) {
		free(v);
		return NULL;
	}
	return v;
}

/* The heat lcov with source paths that genhtml can open from anywhere. */
static int write_lcov(FILE *lcov, const char *what, const struct vlog_hotspot *hs, size_t n,
		      char **srcs, bool have_obj)
{
	struct vlog_hotspot *r = malloc((n ? n : 1) * sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r[i] = hs[i];
		r[i].file = resolve_src(hs[i].file, srcs);
		if (r[i].file[0] == '/')
			continue;
		bool told = false;

		for (size_t k = 0; k < i && !told; k++)
			told = !strcmp(hs[k].file, hs[i].file);
		if (!told)
			fprintf(stderr, "%s: warning: verifier hotspots: --lcov: '%s' stays relative: %s\n",
				bin_name, hs[i].file, have_obj ? "the object's BTF line info has no unique path for it"
				: "no unique file of that name in a git checkout here; give the object with --obj");
	}
	err = verifier_write_heat_lcov(lcov, what, r, n);
	free(r);
	return err;
}

struct heat_buf {
	char *buf;
	size_t len;
};

static int heat_cb(void *ctx, void *f)
{
	const struct heat_buf *h = ctx;

	return fwrite(h->buf, 1, h->len, f) == h->len ? 0 : -EIO;
}

static int show(struct vlog_parser *p, const char *what, long top, FILE *out, FILE *lcov,
		json_writer_t *jw, const char *srcobj)
{
	size_t n;
	uint64_t un = 0;
	const struct vlog_hotspot *hs = vlog_parser__hotspots(p, &n, &un);

	if (!hs)
		return -ENOMEM;
	if (jw)
		verifier_write_hotspots_json(jw, what, hs, n, un, (size_t)top);
	else
		verifier_write_hotspots_plain(out, what, hs, n, un, (size_t)top);
	if (lcov) {
		char **srcs = NULL;
		size_t nsrcs;
		int err;

		if (srcobj && vload_source_files(srcobj, &srcs, &nsrcs))
			srcs = NULL;
		if (!srcobj)
			srcs = git_files();
		err = write_lcov(lcov, what, hs, n, srcs, srcobj != NULL);
		vload_names_free(srcs);
		if (err)
			return -EIO;
	}
	return 0;
}

/*
 * Locate the log's insns with obj's BTF line info. The program is -p, else
 * the one the log names (libbpf's "prog 'x':"), else the object's only one.
 */
static int annotate(const char *obj, const char *prog, const struct vlog_record *r,
		    struct vlog_parser *p)
{
	char **names = NULL;
	size_t n = 0;
	int err;

	err = vload_list_progs(obj, &names, &n);
	if (err) {
		vcli_err(err, "hotspots: %s", obj);
		return err;
	}
	if (!prog)
		prog = vlog_record__str(r, VLOG_STAT_PROG);
	if (!prog && n == 1)
		prog = names[0];
	if (!prog) {
		p_err("verifier hotspots: '%s' has %zu programs; name the log's with -p", obj, n);
		vload_names_free(names);
		return -EINVAL;
	}
	err = vload_annotate(obj, prog, p, NULL);
	if (err)
		vcli_err(err, "hotspots: %s/%s", obj, prog);
	vload_names_free(names);
	return err;
}

struct hot_opts {
	const char *prog, *obj; /* -p, --obj */
	long top;               /* -n */
	FILE *out;              /* stdout, or the -o FILE being collected */
	FILE *lcov;             /* the heat file being collected, or NULL */
	json_writer_t *jw;      /* -j, or NULL */
};

/* An object: load each program (or -p's) at log level 2 and show its hotspots. */
static int hotspots_obj(const char *path, const struct hot_opts *o)
{
	struct vload_opts lo = { .sz = sizeof(lo), .log_level = 2, .hotspots = true };
	bool found = false;
	char **names;
	size_t n;
	int ret = 0, err = vload_list_progs(path, &names, &n);

	if (err) {
		vcli_err(err, "hotspots: %s", path);
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		struct vload_result res;
		char what[512];

		if (o->prog && strcmp(o->prog, names[i]))
			continue;
		found = true;
		err = vload_prog(path, names[i], &lo, &res);
		if (err) {
			vcli_err(err, "hotspots: %s/%s", path, names[i]);
			ret = EXIT_ERROR;
			break;
		}
		snprintf(what, sizeof(what), "%s/%s (%s)", path, names[i],
			 vlog_verdict_str(vlog_record__int(res.rec, VLOG_STAT_VERDICT)));
		if (show(res.parser, what, o->top, o->out, o->lcov, o->jw, path))
			ret = EXIT_ERROR;
		vload_result_release(&res);
	}
	vload_names_free(names);
	if (o->prog && !found) {
		p_err("verifier hotspots: no program '%s' in '%s'", o->prog, path);
		ret = EXIT_ERROR;
	}
	return ret;
}

/* A saved log ("-": stdin), located with --obj's BTF line info if given. */
static int hotspots_log(const char *path, const struct hot_opts *o)
{
	struct vlog_parser_opts po = { .sz = sizeof(po), .hotspots = true };
	struct vlog_parser *p = vlog_parser__new(&po);
	struct vlog_record *r = NULL;
	int ret = 0, err;
	char *buf;
	size_t len;

	err = vlog_read_file(path, &buf, &len);
	if (err) {
		p_err("verifier hotspots: cannot read '%s': %s", path, bpfgauge_strerror(err));
		vlog_parser__free(p);
		return EXIT_ERROR;
	}
	vlog_parser__feed(p, buf, len);
	free(buf);
	err = vlog_parser__finish(p, &r);
	if (err) {
		p_err("verifier hotspots: '%s' holds no verifier log", path);
		ret = EXIT_ERROR;
	} else if (o->obj && annotate(o->obj, o->prog, r, p)) {
		ret = EXIT_ERROR;
	} else if (show(p, path, o->top, o->out, o->lcov, o->jw, o->obj)) {
		ret = EXIT_ERROR;
	}
	vlog_record__free(r);
	vlog_parser__free(p);
	return ret;
}

/* 0, or EXIT_ERROR (said). */
static int parse_hot_opts(int argc, char **argv, struct hot_opts *o, const char **lcov_path,
			  const char **out_path)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "prog", required_argument, NULL, 'p' },
		{ "top", required_argument, NULL, 'n' },
		{ "lcov", required_argument, NULL, 'l' },
		{ "obj", required_argument, NULL, 'O' },
		{ 0 },
	};
	char *end;
	int opt;

	*o = (struct hot_opts){ .top = 20 };
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":n:o:", opts, NULL)) >= 0) {
		switch (opt) {
		case 'o': *out_path = optarg; break;
		case 'p': o->prog = optarg; break;
		case 'n':
			o->top = strtol(optarg, &end, 10);
			if (*end || o->top < 1) {
				p_err("verifier hotspots: -n wants a positive number, got '%s'", optarg);
				return EXIT_ERROR;
			}
			break;
		case 'l': *lcov_path = optarg; break;
		case 'O': o->obj = optarg; break;
		default:
			p_opt_err("verifier hotspots", opt, argv);
			return EXIT_ERROR;
		}
	}
	/* "-p PROG" once named the program: now -p is --pretty and PROG an extra argument */
	if (argc - optind == 2 && cli_after_p == argv[optind]) {
		p_err("verifier hotspots: -p is --pretty now, and '%s' is a second OBJ|LOG: the "
		      "program is --prog %s", argv[optind], argv[optind]);
		return EXIT_ERROR;
	}
	if (argc - optind != 1) {
		p_err("verifier hotspots: want one OBJ or LOG");
		return EXIT_ERROR;
	}
	return 0;
}

/* Write what was collected in h to path atomically (on success only); frees h. */
static int flush_collected(FILE *f, struct heat_buf *h, const char *path, int ret)
{
	fclose(f);
	if (!ret && vcli_write("hotspots", path, heat_cb, h))
		ret = EXIT_ERROR;
	free(h->buf);
	return ret;
}

int vcli_hotspots(int argc, char **argv)
{
	const char *lcov_path = NULL, *out_path = NULL, *path;
	struct heat_buf heat = { NULL, 0 }, outbuf = { NULL, 0 };
	struct hot_opts o;
	bool is_obj;
	int ret;

	if (parse_hot_opts(argc, argv, &o, &lcov_path, &out_path) ||
	    vcli_check_out("hotspots", out_path))
		return EXIT_ERROR;
	path = argv[optind];
	is_obj = strcmp(path, "-") && bpfgauge_sniff_elf(path, false, NULL) > BPFGAUGE_FILE_NOT_ELF;
	if (o.obj && is_obj) {
		p_err("verifier hotspots: --obj goes with a LOG; '%s' is already an object", path);
		return EXIT_ERROR;
	}
	/* -o FILE and the heat file are collected in memory, then written atomically */
	o.out = out_path ? open_memstream(&outbuf.buf, &outbuf.len) : stdout;
	if (lcov_path)
		o.lcov = open_memstream(&heat.buf, &heat.len);
	if (!o.out || (lcov_path && !o.lcov)) {
		p_err("verifier hotspots: out of memory");
		if (o.out && o.out != stdout)
			fclose(o.out);
		if (o.lcov)
			fclose(o.lcov);
		free(outbuf.buf);
		free(heat.buf);
		return EXIT_ERROR;
	}
	if (json_output) {
		o.jw = jw_new(o.out, pretty_output);
		jw_start_array(o.jw);
	}
	ret = is_obj ? hotspots_obj(path, &o) : hotspots_log(path, &o);
	if (o.jw) {
		jw_end_array(o.jw);
		jw_free(o.jw);
	}
	if (o.out != stdout)
		ret = flush_collected(o.out, &outbuf, out_path, ret);
	if (o.lcov)
		ret = flush_collected(o.lcov, &heat, lcov_path, ret);
	return ret;
}
