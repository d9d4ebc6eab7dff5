/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpfgauge cov run -- CMD: run a command and collect the coverage of every
 * instrumented object that it, or any of its children, loads, whatever the
 * loader (libbpf, bpftool, Go, Rust...), however short-lived.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpfgauge/cov.h"
#include "cov_writers.h"
#include "main.h"

int cov_emit(const struct cov_writer *w, const struct cov_model *m, const char *out);
void cov_print_summary(const struct cov_model *m, FILE *f);

static volatile pid_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/*
 * Finding the objects of the captured counter maps. The tree may be anyone's
 * (a home directory, /tmp): candidates are read lazily, only regular *.o
 * files that are BPF ELF objects, and only those whose mapping holds a hash
 * that a captured map carries are kept. The scan stops once every captured
 * hash has its object, never follows a symlink out of the tree it scans,
 * never enters /proc, /sys, /dev or another pseudo file system, and a file
 * that cannot be read as a mapping costs one warning line, never the run.
 */
struct want {
	uint64_t hash;
	bool found;
};

static struct {
	struct want *want;
	size_t nwant, nfound;
	struct cov_mapping *map; /* the modules of every object used */
	size_t looked;           /* names other than directories looked at */
	size_t read;             /* BPF objects whose mapping was read */
	size_t used;             /* objects that hold a captured hash */
	const char *root;        /* realpath of the directory being scanned */
	int err;
} scan;

static int want_add(uint64_t h)
{
	for (size_t i = 0; i < scan.nwant; i++)
		if (scan.want[i].hash == h)
			return 0;
	if (!(scan.nwant & (scan.nwant + 1)) || !scan.want) {
		struct want *w = realloc(scan.want, (scan.nwant + 1) * 2 * sizeof(*w));

		if (!w)
			return -ENOMEM;
		scan.want = w;
	}
	scan.want[scan.nwant++] = (struct want){ h, false };
	return 0;
}

/* Collect the hashes of every segment in every captured map value. */
static int want_from(const struct cov_snapshot *snap)
{
	for (size_t i = 0; i < cov_snapshot__cnt(snap); i++) {
		size_t size, n = 0;
		const void *v = cov_snapshot__value(snap, i, &size, NULL);
		uint64_t *h;

		if (cov_value_hashes(v, size, NULL, 0, &n) || !n)
			continue; /* malformed: the model reports it later */
		h = calloc(n, sizeof(*h));
		if (!h)
			return -ENOMEM;
		cov_value_hashes(v, size, h, n, &n);
		for (size_t k = 0; k < n; k++)
			if (want_add(h[k])) {
				free(h);
				return -ENOMEM;
			}
		free(h);
	}
	return 0;
}

/* True if the first bytes of path are a 64-bit little-endian ELF for BPF. */
static bool is_bpf_elf(const char *path)
{
	unsigned char e[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	bool ok;

	if (fd < 0)
		return false;
	ok = read(fd, e, sizeof(e)) == sizeof(e) && !memcmp(e, "\177ELF", 4) &&
	     e[4] == 2 /* ELFCLASS64 */ && e[5] == 1 /* ELFDATA2LSB */ &&
	     (e[18] | e[19] << 8) == 247 /* EM_BPF */;
	close(fd);
	return ok;
}

/* Read one candidate; keep it if it holds a captured hash. */
static void consider(const char *path)
{
	struct cov_mapping *m;
	bool useful = false;
	int err;

	if (!is_bpf_elf(path))
		return; /* host objects and everything else: not ours to judge */
	err = cov_mapping__from_file(path, &m);
	if (err == -BPFGAUGE_ENOMAPPING)
		return; /* a BPF object built without the pass */
	scan.read++;
	if (err) {
		fprintf(stderr, "%s: warning: cov run: skipping '%s': %s\n", bin_name, path,
			bpfgauge_strerror(err));
		return;
	}
	for (size_t i = 0; i < cov_mapping__module_cnt(m); i++) {
		uint64_t h = cov_mapping__module_hash(m, i);

		for (size_t k = 0; k < scan.nwant; k++)
			if (scan.want[k].hash == h) {
				useful = true;
				if (!scan.want[k].found) {
					scan.want[k].found = true;
					scan.nfound++;
				}
			}
	}
	if (!useful) {
		cov_mapping__free(m);
		return;
	}
	scan.used++;
	if (!scan.map) {
		scan.map = m;
		return;
	}
	if (cov_mapping__merge(scan.map, m))
		scan.err = -ENOMEM;
	cov_mapping__free(m);
}

static bool all_found(void)
{
	return scan.nwant && scan.nfound == scan.nwant;
}

/* Kernel views and device trees: nothing in them is an object file. */
static bool pseudo_dir(const char *path)
{
	static const long magics[] = {
		0x9fa0,     /* proc */
		0x62656572, /* sysfs */
		0x64626720, /* debugfs */
		0x74726163, /* tracefs */
		0xcafe4a11, /* bpf */
		0x27e0eb,   /* cgroup */
		0x63677270, /* cgroup2 */
		0x1cd1,     /* devpts */
		0x73636673, /* securityfs */
		0x6165676c, /* pstore */
	};
	struct statfs sf;
	char real[PATH_MAX];

	if (realpath(path, real) && (!strcmp(real, "/proc") || !strcmp(real, "/sys") ||
				     !strcmp(real, "/dev")))
		return true;
	if (statfs(path, &sf))
		return true;
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if ((long)sf.f_type == magics[i])
			return true;
	return false;
}

static int scan_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t n = strlen(path);

	if (type == FTW_D)
		return pseudo_dir(path) ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
	if (type == FTW_DP || type == FTW_DNR)
		return FTW_CONTINUE;
	scan.looked++;
	if (n < 3 || strcmp(path + n - 2, ".o"))
		return FTW_CONTINUE;
	if (type == FTW_SL) {
		/* a link to a file inside the scanned tree is fine, out of it never */
		char real[PATH_MAX];
		struct stat t;
		size_t rl = strlen(scan.root);

		if (!realpath(path, real) || strncmp(real, scan.root, rl) ||
		    (real[rl] != '/' && strcmp(scan.root, "/")) || stat(real, &t) ||
		    !S_ISREG(t.st_mode))
			return FTW_CONTINUE;
		consider(real);
	} else if (type == FTW_F && S_ISREG(st->st_mode)) {
		consider(path); /* never open a FIFO or a device named *.o */
	}
	return all_found() ? FTW_STOP : FTW_CONTINUE;
}

/* Mappings of the captured maps' objects in the given files and directories. */
static int find_objects(char **paths, int n, const struct cov_snapshot *snap)
{
	bpfgauge_print_fn_t old;
	static char *dot[] = { "." };
	int err;

	err = want_from(snap);
	if (err)
		return err;
	if (!scan.nwant)
		return 0; /* no valid segment: nothing to look for */
	if (!n) {
		paths = dot;
		n = 1;
	}
	old = bpfgauge_set_print(NULL);
	for (int i = 0; i < n && !all_found() && !scan.err; i++) {
		struct stat st;

		if (stat(paths[i], &st)) {
			bpfgauge_set_print(old);
			p_err("cov run: --objects '%s': %s", paths[i], strerror(errno));
			return -ENOENT;
		}
		if (S_ISDIR(st.st_mode)) {
			char root[PATH_MAX];

			if (!realpath(paths[i], root))
				snprintf(root, sizeof(root), "%s", paths[i]);
			scan.root = root;
			nftw(paths[i], scan_cb, 16, FTW_PHYS | FTW_ACTIONRETVAL);
			scan.root = NULL;
		} else if (S_ISREG(st.st_mode)) {
			scan.looked++;
			consider(paths[i]);
		}
	}
	bpfgauge_set_print(old);
	return scan.err;
}

static int run_help(void)
{
	printf("Usage: %s cov run [-o FILE] [--format F] [--objects PATH]... [--test-name TN]\n"
	       "                     -- CMD [ARGS...]\n"
	       "\n"
	       "Runs CMD and collects the coverage of every instrumented BPF object that CMD or\n"
	       "any of its children loads, with any loader. A tracer takes a reference to each\n"
	       "counter map as it is created (the creating thread waits a moment, stopped), so\n"
	       "maps outlive loaders that exit right after their tests, and all are read once\n"
	       "CMD is done.\n"
	       "Loading the same object several times adds the counts up. Needs root.\n"
	       "\n"
	       "  -o, --output FILE   where to write (default coverage.info); lcov output is\n"
	       "                      merged into FILE if it exists; written atomically\n"
	       "  -f, --format F      lcov (default), cobertura or json\n"
	       "  --objects PATH      instrumented objects, or directories searched for *.o\n"
	       "                      (repeatable, searched in order; default: the current\n"
	       "                      directory tree). The search reads only BPF objects,\n"
	       "                      stops once every captured map has its object, stays\n"
	       "                      in the tree (no symlinks out, no /proc, /sys, /dev)\n"
	       "                      and skips an unreadable object with a warning\n"
	       "  -t, --test-name TN  lcov TN for this run\n"
	       "\n"
	       "SIGINT and SIGTERM are forwarded to CMD and the coverage gathered so far is\n"
	       "still written. Exit code: CMD's (128+N if killed by signal N), or 2 if\n"
	       "bpfgauge itself fails.\n",
	       bin_name);
	return 0;
}

int do_cov_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "objects", required_argument, NULL, 'O' },
		{ "test-name", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = "coverage.info", *fmt = "lcov", *tn = NULL;
	char **objs = calloc(argc + 1, sizeof(char *));
	int nobjs = 0, opt, gate[2], status = 0, cmd_rc, err;
	const struct cov_writer *w;
	struct cov_tracer *tr = NULL;
	struct cov_snapshot *snap = NULL;
	struct cov_model *model = NULL;
	size_t nmaps = 0, nmissed = 0, unmatched = 0;
	struct sigaction sa = { .sa_handler = forward_signal };
	pid_t pid;

	while ((opt = getopt_long(argc, argv, "+o:f:t:h", opts, NULL)) >= 0) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 'f': fmt = optarg; break;
		case 'O': objs[nobjs++] = optarg; break;
		case 't': tn = optarg; break;
		case 'h': free(objs); return run_help();
		default:
			p_err("cov run: unknown option '%s' (try '%s cov run --help')", argv[optind - 1], bin_name);
			free(objs);
			return EXIT_ERROR;
		}
	}
	if (!(w = cov_writer_find(fmt))) {
		p_err("cov run: unknown --format '%s' (lcov, cobertura, json)", fmt);
		free(objs);
		return EXIT_ERROR;
	}
	if (optind >= argc) {
		p_err("cov run: missing command (usage: %s cov run [OPTIONS] -- CMD [ARGS...])", bin_name);
		free(objs);
		return EXIT_ERROR;
	}
	if (pipe(gate)) {
		p_err("cov run: pipe: %s", strerror(errno));
		free(objs);
		return EXIT_ERROR;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		p_err("cov run: fork: %s", strerror(errno));
		free(objs);
		return EXIT_ERROR;
	}
	if (pid == 0) {
		char c;

		close(gate[1]);
		/* wait until the tracer watches us; EOF means it failed */
		if (read(gate[0], &c, 1) != 1)
			_exit(127);
		close(gate[0]);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "%s: error: cov run: cannot run '%s': %s\n", bin_name, argv[optind],
			strerror(errno));
		_exit(127);
	}
	close(gate[0]);
	child_pid = pid;
	err = cov_tracer__start(pid, &tr);
	if (err) {
		close(gate[1]);
		waitpid(pid, NULL, 0);
		p_err("cov run: cannot start the coverage tracer: %s%s", bpfgauge_strerror(err),
		      err == -EPERM || err == -EACCES ? " (run as root: it needs CAP_BPF and CAP_PERFMON)"
		      : err == -BPFGAUGE_ENOBTF ? " (the kernel has no /sys/kernel/btf/vmlinux)" : "");
		free(objs);
		return EXIT_ERROR;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (write(gate[1], "g", 1) != 1) {
		p_err("cov run: cannot start '%s'", argv[optind]);
		goto fail;
	}
	close(gate[1]);

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			p_err("cov run: waitpid: %s", strerror(errno));
			goto fail;
		}
		if (cov_tracer__poll(tr, 50) == -ENOMEM) {
			p_err("cov run: out of memory");
			goto fail;
		}
	}
	child_pid = 0;
	cmd_rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	err = cov_tracer__finish(tr, &snap, &nmaps, &nmissed);
	if (err) {
		p_err("cov run: collecting counters: %s", bpfgauge_strerror(err));
		goto fail;
	}
	if (nmissed)
		fprintf(stderr, "%s: warning: cov run: %zu counter map(s) vanished before they could be held\n",
			bin_name, nmissed);
	if (!cov_snapshot__cnt(snap)) {
		p_err("cov run: '%s' loaded no instrumented BPF object (exit code %d)", argv[optind], cmd_rc);
		goto fail_rc;
	}
	err = find_objects(objs, nobjs, snap);
	if (err) {
		if (err != -ENOENT)
			p_err("cov run: looking for objects: %s", bpfgauge_strerror(err));
		goto fail_rc;
	}
	p_info("cov run: looked at %zu file(s) under %s: %zu instrumented BPF object(s) read, %zu used",
	       scan.looked, nobjs ? "--objects" : "the current directory", scan.read, scan.used);
	if (!scan.map) {
		p_err("cov run: %zu counter map(s) captured, but no instrumented object found under %s",
		      cov_snapshot__cnt(snap), nobjs ? "--objects" : "the current directory (use --objects)");
		goto fail_rc;
	}
	model = cov_model__new(tn);
	for (size_t i = 0; model && i < cov_snapshot__cnt(snap); i++) {
		size_t size;
		const void *v = cov_snapshot__value(snap, i, &size, NULL);

		err = cov_model__add_counters(model, scan.map, v, size, &unmatched);
		if (err) {
			p_err("cov run: %s", bpfgauge_strerror(err));
			goto fail_rc;
		}
	}
	if (unmatched)
		fprintf(stderr, "%s: warning: cov run: %zu counter segment(s) belong to no object found under %s\n",
			bin_name, unmatched, nobjs ? "--objects" : "the current directory");
	if (cov_emit(w, model, out))
		goto fail_rc;
	p_info("cov run: %zu counter map(s) from %zu object(s) -> %s", cov_snapshot__cnt(snap), scan.used, out);
	cov_print_summary(model, stderr);
	cov_model__free(model);
	cov_snapshot__free(snap);
	cov_tracer__free(tr);
	cov_mapping__free(scan.map);
	free(scan.want);
	free(objs);
	return cmd_rc;
fail:
	if (child_pid > 0) {
		kill(child_pid, SIGTERM);
		waitpid(child_pid, NULL, 0);
	}
fail_rc:
	cov_model__free(model);
	cov_snapshot__free(snap);
	cov_tracer__free(tr);
	cov_mapping__free(scan.map);
	free(scan.want);
	free(objs);
	return EXIT_ERROR;
}
