/* SPDX-License-Identifier: BSD-2-Clause */
/* `verifier stats` (parallel per-program loads) and `verifier parse` (offline logs). */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfgauge/file.h"
#include "bpfgauge/compat.h"
#include "verifier_cli.h"

struct sort_key {
	int stat;
	bool desc;
};

static struct sort_key sort_keys[8];
static size_t nsort;

static int parse_sort(const char *spec)
{
	char buf[256], *save, *t;

	snprintf(buf, sizeof(buf), "%s", spec);
	nsort = 0;
	for (t = strtok_r(buf, ",", &save); t && nsort < 8; t = strtok_r(NULL, ",", &save)) {
		char *c = strchr(t, ':');
		int id;

		if (c)
			*c++ = 0;
		id = vlog_stat_find(t);
		if (id < 0 || (c && strcmp(c, "asc") && strcmp(c, "desc"))) {
			p_err("verifier: bad sort key '%s' (want NAME[:asc|:desc])", t);
			return -EINVAL;
		}
		sort_keys[nsort].stat = id;
		sort_keys[nsort].desc = c ? !strcmp(c, "desc")
					  : (vlog_stat_def(id)->kind == VLOG_KIND_INT ||
					     vlog_stat_def(id)->kind == VLOG_KIND_PCT);
		nsort++;
	}
	return 0;
}

static int rec_cmp(const void *x, const void *y)
{
	const struct vlog_record *a = *(struct vlog_record *const *)x;
	const struct vlog_record *b = *(struct vlog_record *const *)y;

	for (size_t i = 0; i < nsort; i++) {
		int c = vlog_record__cmp(a, b, sort_keys[i].stat);

		/* unset values sort last either way */
		if (c && vlog_record__has(a, sort_keys[i].stat) && vlog_record__has(b, sort_keys[i].stat))
			return sort_keys[i].desc ? -c : c;
		if (c)
			return c;
	}
	return 0;
}

struct out_opts {
	const char *fmt;  /* --format */
	const char *out;  /* -o FILE, or NULL: stdout */
	const char *fields;
	struct vcli_filters filters;
	bool sort;
};

/* -e names known fields? (vcli_fields prints the error) */
static int check_fields(const struct out_opts *o)
{
	int fields[VLOG_STAT_CNT];
	size_t nf;

	return vcli_fields(o->fields, strcmp(o->fmt, "table") ? VCLI_FIELDS_ALL : VCLI_FIELDS_TABLE,
			   fields, &nf);
}

struct write_ctx {
	const struct verifier_writer *w;
	struct vlog_record **recs;
	size_t n;
	const struct vreport_opts *ro;
};

static int write_cb(void *ctx, void *file)
{
	const struct write_ctx *c = ctx;

	return c->w->write(file, c->recs, c->n, c->ro);
}

/* The records that pass the filters, sorted, to -o FILE (atomically) or stdout. */
static int write_out(const char *cmd, struct out_opts *o, struct vlog_record **recs, size_t n)
{
	const struct verifier_writer *w = verifier_writer_find(o->fmt);
	int fields[VLOG_STAT_CNT];
	struct vreport_opts ro = { .fields = fields, .pretty = pretty_output };
	size_t k = 0;
	int ret;

	if (!w) {
		p_err("verifier: unknown output format '%s' (table, csv, json, veristat-csv)", o->fmt);
		return EXIT_ERROR;
	}
	if (vcli_fields(o->fields, strcmp(o->fmt, "table") ? VCLI_FIELDS_ALL : VCLI_FIELDS_TABLE,
			fields, &ro.nfields))
		return EXIT_ERROR;
	for (size_t i = 0; i < n; i++) {
		if (vcli_filters_record(&o->filters, recs[i]))
			recs[k++] = recs[i];
		else
			vlog_record__free(recs[i]);
	}
	if (o->sort)
		qsort(recs, k, sizeof(*recs), rec_cmp);
	ret = vcli_write(cmd, o->out, write_cb, &(struct write_ctx){ w, recs, k, &ro });
	for (size_t i = 0; i < k; i++)
		vlog_record__free(recs[i]);
	return ret;
}

/* --- stats --- */

struct stats_opts {
	struct out_opts out;
	struct vload_opts load;
	const char *log_dir;  /* --log-dir, or NULL */
	long nworkers;
	bool allow_failures;
};

static void save_log(const struct stats_opts *so, const struct vload_job *j,
		     const struct vload_result *res)
{
	char path[4096];
	const char *base = strrchr(j->path, '/');
	FILE *f;

	base = base ? base + 1 : j->path;
	snprintf(path, sizeof(path), "%s/%s.%s.log", so->log_dir, base, j->prog);
	f = fopen(path, "w");
	if (f) {
		fwrite(res->log, 1, res->log_len, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/%s.%s.info", so->log_dir, base, j->prog);
	f = fopen(path, "w");
	if (f) {
		/* what only the kernel knows, recorded at capture time */
		fprintf(f, "errno=%lld\n", (long long)vlog_record__int(res->rec, VLOG_STAT_ERRNO));
		if (vlog_record__has(res->rec, VLOG_STAT_VERIFIED_INSNS))
			fprintf(f, "verified_insns=%lld\n",
				(long long)vlog_record__int(res->rec, VLOG_STAT_VERIFIED_INSNS));
		fprintf(f, "log_level=%d\nlog_size=%zu\nretries=%d\n", so->load.log_level | 4,
			so->load.log_size, res->retries);
		fclose(f);
	}
}

/* On the worker thread, while the whole log is still there. */
static void stats_on_result(struct vload_job *j, size_t i, struct vload_result *res, void *ctx)
{
	const struct stats_opts *so = ctx;

	if (so->log_dir)
		save_log(so, j, res);
}

/*
 * Load-time EPERM, EINVAL and ENOTSUPP that a compat rule explains from this
 * kernel's facts (a kconfig symbol, refused trampolines...) become class
 * "kernel" with the cause as the hint, instead of "run as root" for an EPERM
 * that root gets too. The host's facts are read once, only when needed.
 */
static void explain_kernel_causes(struct vlog_record **recs, size_t n)
{
	struct compat_kernel *k = NULL;
	bpfgauge_print_fn_t old;
	size_t i;

	for (i = 0; i < n && !compat_record_needs_kernel(recs[i]); i++)
		;
	if (i == n)
		return;
	/* the host's facts are read once, only when needed */
	old = bpfgauge_set_print(NULL);
	k = compat_kernel__load("host", NULL);
	bpfgauge_set_print(old);
	compat_explain_records(k, recs, n);
	compat_kernel__free(k);
}

static int stats_check_args(const struct stats_opts *so);
static int stats_old_jobs(int argc, char **argv);

/* Options of `verifier stats` into so; EXIT_ERROR (after a p_err) on a usage error. */
static int stats_parse_args(int argc, char **argv, struct stats_opts *so)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "fields", required_argument, NULL, 'e' },
		{ "filter", required_argument, NULL, 'f' },
		{ "sort", required_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "allow-failures", no_argument, NULL, 'A' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "log-size", required_argument, NULL, 'S' },
		{ "no-retry", no_argument, NULL, 'R' },
		{ "log-dir", required_argument, NULL, 'D' },
		{ 0 },
	};
	struct out_opts *o = &so->out;
	int opt;
	char *end;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:e:f:s:J:", opts, NULL)) >= 0) {
		switch (opt) {
		case 'o':
			if (p_opt_old_value("verifier stats", 'o', optarg))
				return EXIT_ERROR;
			o->out = optarg;
			break;
		case 'F': o->fmt = optarg; break;
		case 'e': o->fields = optarg; break;
		case 'f':
			if (vcli_filters_add(&o->filters, "stats", optarg, false))
				return EXIT_ERROR;
			break;
		case 's':
			if (parse_sort(optarg))
				return EXIT_ERROR;
			o->sort = true;
			break;
		case 'J':
			so->nworkers = strtol(optarg, &end, 10);
			if (*end || so->nworkers < 1 || so->nworkers > 1024) {
				p_err("verifier stats: -J wants a number of workers, got '%s'", optarg);
				return EXIT_ERROR;
			}
			break;
		case 'A': so->allow_failures = true; break;
		case 'L':
			so->load.log_level = strtol(optarg, &end, 10);
			if (*end || so->load.log_level < 1 || so->load.log_level > 2) {
				p_err("verifier stats: --log-level wants 1 or 2, got '%s'", optarg);
				return EXIT_ERROR;
			}
			break;
		case 'S':
			errno = 0;
			so->load.log_size = strtoul(optarg, &end, 0);
			/* the kernel refuses log buffers of UINT_MAX >> 2 bytes and more */
			if (*end || errno || optarg[0] == '-' || so->load.log_size < 64 ||
			    so->load.log_size >= (UINT32_MAX >> 2)) {
				p_err("verifier stats: --log-size wants a byte count from 64 to %u, got '%s'",
				      (UINT32_MAX >> 2) - 1, optarg);
				return EXIT_ERROR;
			}
			break;
		case 'R': so->load.no_retry = true; break;
		case 'D': so->log_dir = optarg; break;
		default:
			p_opt_err("verifier stats", opt, argv);
			return EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		p_err("verifier stats: no object given (usage: %s verifier stats OBJ...)", bin_name);
		return EXIT_ERROR;
	}
	if (stats_old_jobs(argc, argv))
		return EXIT_ERROR;
	return stats_check_args(so);
}

/* "-j 4" once meant 4 workers: now -j is JSON and 4 would be an object. */
static int stats_old_jobs(int argc, char **argv)
{
	for (int i = optind; cli_after_j && i < argc; i++)
		if (argv[i] == cli_after_j && argv[i][strspn(argv[i], "0123456789")] == 0 &&
		    access(argv[i], F_OK)) {
			p_err("verifier stats: -j is --json now, and '%s' is no object: the number of "
			      "workers is -J %s (--jobs %s)", argv[i], argv[i], argv[i]);
			return EXIT_ERROR;
		}
	return 0;
}

/* What getopt cannot check: the format, the fields, --log-dir. */
static int stats_check_args(const struct stats_opts *so)
{
	const struct out_opts *o = &so->out;

	if (!verifier_writer_find(o->fmt)) {
		p_err("verifier stats: unknown output format '%s' (table, csv, json, veristat-csv)", o->fmt);
		return EXIT_ERROR;
	}
	/* a bad -e or -o is a usage error before any program is loaded */
	if (check_fields(o) || vcli_check_out("stats", o->out))
		return EXIT_ERROR;
	if (so->log_dir) {
		struct stat st;

		if (stat(so->log_dir, &st) || !S_ISDIR(st.st_mode)) {
			p_err("verifier stats: --log-dir '%s' is not a directory", so->log_dir);
			return EXIT_ERROR;
		}
	}
	return 0;
}

/* Drop the jobs that the name globs of -f filter out: they are never loaded. */
static void stats_filter_jobs(const struct vcli_filters *fs, struct vload_job *jobs, size_t *njobs)
{
	size_t k = 0;

	for (size_t i = 0; i < *njobs; i++) {
		if (vcli_filters_names(fs, jobs[i].path, jobs[i].prog))
			jobs[k++] = jobs[i];
		else {
			vload_job_release(&jobs[i]);
			free((char *)jobs[i].prog); /* as vload_jobs_free */
		}
	}
	*njobs = k;
}

/*
 * One job per program of every object, each object checked before anything
 * is loaded: bad input is exit 2. With allow_failures an object libbpf
 * cannot open (it needs linking) is skipped with a warning. 0, or
 * EXIT_ERROR after a p_err (nothing is left to free).
 */
static int stats_collect_jobs(char **objs, int nobjs, bool allow_failures,
			      struct vload_job **jobsp, size_t *njobsp)
{
	struct vload_job *jobs = NULL;
	size_t njobs = 0;

	for (int i = 0; i < nobjs; i++) {
		int err = vload_jobs_add_object(&jobs, &njobs, objs[i]);

		if (err == -BPFGAUGE_ELIBBPF && allow_failures) {
			/* a corpus run goes on past objects that need linking */
			fprintf(stderr, "%s: warning: verifier stats: skipping '%s': %s\n", bin_name,
				objs[i], bpfgauge_strerror(err));
			vcli_clear_warn();
			continue;
		}
		if (err == -ENOMEM) {
			p_err("verifier stats: out of memory");
			goto bad;
		}
		if (err) {
			vcli_err(err, "%s", objs[i]);
			goto bad;
		}
	}
	*jobsp = jobs;
	*njobsp = njobs;
	return 0;
bad:
	vload_jobs_free(jobs, njobs);
	return EXIT_ERROR;
}

/*
 * Failed jobs' reasons (in input order), then the records written out and
 * the exit code: 2 if a job failed or the kernel refused programs before
 * verifying them, 1 if programs failed verification (unless allowed). The
 * records move out of jobs.
 */
static int stats_report(struct stats_opts *so, struct vload_job *jobs, size_t njobs)
{
	struct vlog_record **recs = calloc(njobs + 1, sizeof(*recs));
	size_t nrec = 0, nfail = 0, nperm = 0;
	int ret = 0;

	if (!recs)
		return EXIT_ERROR;
	for (size_t i = 0; i < njobs; i++) {
		struct vlog_record *r = jobs[i].rec;

		if (!r) {
			if (jobs[i].reason)
				p_err("verifier: %s", jobs[i].reason);
			else
				p_err("verifier: %s: program '%s': %s", jobs[i].path, jobs[i].prog,
				      bpfgauge_strerror(jobs[i].err));
			ret = EXIT_ERROR;
			continue;
		}
		if (vlog_record__int(r, VLOG_STAT_VERDICT) != VLOG_VERDICT_PASS)
			nfail++;
		/* refused before the verifier ran (no insns processed): a setup error */
		if (vlog_record__int(r, VLOG_STAT_CLASS) == VLOG_CLASS_PERM &&
		    !vlog_record__has(r, VLOG_STAT_INSNS))
			nperm++;
		recs[nrec++] = r;
		jobs[i].rec = NULL; /* moved */
	}
	explain_kernel_causes(recs, nrec);
	if (write_out("stats", &so->out, recs, nrec))
		ret = EXIT_ERROR;
	free(recs);
	if (ret)
		return ret;
	if (nperm && geteuid()) {
		p_err("verifier stats: the kernel refused to load %zu of %zu programs (EPERM) before verifying them: run as root or grant CAP_BPF (and CAP_PERFMON or CAP_NET_ADMIN for the program type)",
		      nperm, nrec);
		return EXIT_ERROR;
	}
	if (nperm) { /* root, and still EPERM: not a matter of privileges */
		p_err("verifier stats: the kernel refused to load %zu of %zu programs (EPERM) before verifying them, as root: it restricts their program type (lockdown, or a kernel build that refuses it; 'bpfgauge compat --live' says which)",
		      nperm, nrec);
		return EXIT_ERROR;
	}
	if (nfail && !so->allow_failures) {
		p_info("verifier: %zu of %zu programs failed verification", nfail, nrec);
		return EXIT_GATE;
	}
	return 0;
}

int vcli_stats(int argc, char **argv)
{
	struct stats_opts so = {
		.out = { .fmt = json_output ? "json" : "table" },
		/* log level 0: stats only; failures are redone at level 1 */
		.load = { .sz = sizeof(so.load) },
	};
	struct vload_batch_opts bo = { .sz = sizeof(bo), .load = &so.load,
				       .on_result = stats_on_result, .ctx = &so };
	struct vload_job *jobs;
	size_t njobs;
	int ret;

	/* veristat's -C: compare two results instead */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-C") || !strcmp(argv[i], "--compare")) {
			memmove(&argv[i], &argv[i + 1], (argc - i) * sizeof(*argv));
			return vcli_compare(argc - 1, argv);
		}
	if (stats_parse_args(argc, argv, &so) ||
	    stats_collect_jobs(argv + optind, argc - optind, so.allow_failures, &jobs, &njobs)) {
		vcli_filters_release(&so.out.filters);
		return EXIT_ERROR;
	}
	stats_filter_jobs(&so.out.filters, jobs, &njobs);
	bo.jobs = so.nworkers; /* 0: one per CPU */
	if (vload_batch(jobs, njobs, &bo)) {
		p_err("verifier stats: %s", bpfgauge_strerror(-errno));
		vload_jobs_free(jobs, njobs);
		return EXIT_ERROR;
	}
	ret = stats_report(&so, jobs, njobs);
	vload_jobs_free(jobs, njobs);
	vcli_filters_release(&so.out.filters);
	return ret;
}

/* --- parse --- */

static int parse_one(const char *path, struct vlog_record **rec)
{
	struct vlog_parser *p = vlog_parser__new(NULL);
	FILE *f = bpfgauge_open_read(path);
	char buf[1 << 16];
	size_t n;
	int err = 0;

	*rec = NULL;
	if (!p) {
		if (f && f != stdin)
			fclose(f);
		return -ENOMEM;
	}
	if (!f) {
		err = -errno;
		vlog_parser__free(p);
		p_err("verifier parse: cannot open '%s': %s", path, bpfgauge_strerror(err));
		return err;
	}
	while (!err && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		err = vlog_parser__feed(p, buf, n);
	if (!err && ferror(f))
		err = -EIO;
	if (f != stdin)
		fclose(f);
	if (!err)
		err = vlog_parser__finish(p, rec);
	vlog_parser__free(p);
	if (err == -BPFGAUGE_EBADLOG)
		p_err("verifier parse: '%s' holds no verifier log (empty, binary or unrelated text)",
		      path);
	else if (err)
		p_err("verifier parse: '%s': %s", path, bpfgauge_strerror(err));
	return err;
}

static int parse_logs(int argc, char **argv, struct out_opts *o)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "fields", required_argument, NULL, 'e' },
		{ "filter", required_argument, NULL, 'f' },
		{ 0 },
	};
	struct vlog_record **recs;
	size_t n = 0;
	int opt, ret = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:e:f:", opts, NULL)) >= 0) {
		switch (opt) {
		case 'o':
			if (p_opt_old_value("verifier parse", 'o', optarg))
				return EXIT_ERROR;
			o->out = optarg;
			break;
		case 'F': o->fmt = optarg; break;
		case 'e': o->fields = optarg; break;
		case 'f':
			if (vcli_filters_add(&o->filters, "parse", optarg, false))
				return EXIT_ERROR;
			break;
		default:
			p_opt_err("verifier parse", opt, argv);
			return EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		p_err("verifier parse: no log given (usage: %s verifier parse LOG...)", bin_name);
		return EXIT_ERROR;
	}
	if (!verifier_writer_find(o->fmt)) {
		p_err("verifier parse: unknown output format '%s' (table, csv, json, veristat-csv)", o->fmt);
		return EXIT_ERROR;
	}
	if (check_fields(o) || vcli_check_out("parse", o->out))
		return EXIT_ERROR;
	recs = calloc(argc - optind + 1, sizeof(*recs));
	if (!recs)
		return EXIT_ERROR;
	for (int i = optind; i < argc; i++) {
		struct vlog_record *r;

		if (parse_one(argv[i], &r)) {
			ret = EXIT_ERROR;
			continue;
		}
		if (!vlog_record__has(r, VLOG_STAT_FILE))
			vlog_record__set_str(r, VLOG_STAT_FILE, argv[i]);
		if (!vlog_record__has(r, VLOG_STAT_PROG)) {
			/* no "prog 'x':" prefix: name it after the file */
			const char *b = strrchr(argv[i], '/');
			char name[256];
			char *dot;

			snprintf(name, sizeof(name), "%s", b ? b + 1 : argv[i]);
			dot = strstr(name, ".log");
			if (dot && dot != name)
				*dot = 0;
			vlog_record__set_str(r, VLOG_STAT_PROG, name);
		}
		if (vlog_record__int(r, VLOG_STAT_TRUNCATED))
			p_info("verifier parse: warning: '%s' is truncated (no final 'processed N insns' line)",
			       argv[i]);
		recs[n++] = r;
	}
	if (ret) {
		for (size_t i = 0; i < n; i++)
			vlog_record__free(recs[i]);
		free(recs);
		return ret;
	}
	ret = write_out("parse", o, recs, n);
	free(recs);
	return ret;
}

int vcli_parse(int argc, char **argv)
{
	struct out_opts o = { .fmt = json_output ? "json" : "table" };
	int ret = parse_logs(argc, argv, &o);

	vcli_filters_release(&o.filters);
	return ret;
}
