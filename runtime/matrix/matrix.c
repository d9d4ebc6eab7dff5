/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The matrix driver: compile each source with each clang and -mcpu, then
 * capture every object on every kernel (the host in-process, each image in
 * one qemu boot), storing each (kernel, clang, mcpu, object) cell in its
 * own transaction as soon as its kernel is done. Kernels run in parallel,
 * VM boots bounded by CPUs and memory. A re-run of the same matrix with
 * resume skips the cells already stored.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpfgauge/matrix.h"
#include "bpfgauge/store.h"
#include "bpfgauge/vm.h"
#include "bpfgauge_internal.h"

struct build {
	const char *arch;  /* "x86_64" or "arm64" (vm_arch_norm), a static string */
	char *clang;       /* axis label, "" for prebuilt objects */
	char *clang_version;
	char *mcpu;
	char *object;      /* name */
	char *path;        /* object file */
	char hash[17];
	char *error;       /* compile error, or NULL */
};

struct kjob {
	const char *spec;  /* "host", "6.1", or a path */
	const char *arch;  /* the guest's architecture (vm_arch_norm); host: x86_64 */
	char label[4200];  /* the cells' kernel label: spec, "SPEC/ARCH" off x86_64 */
	char image[4096];  /* resolved image, "" for host */
	struct build **todo;
	size_t ntodo;
};

struct mx_ctx {
	const struct mx_opts *o;
	struct store *st;
	int64_t run_id;
	struct build *builds;
	size_t nbuilds;
	const char *archs[4]; /* the arch axis, normalised; x86_64 alone by default */
	size_t narchs;
	size_t njobs;         /* (kernel, arch) pairs: the host only for x86_64 */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int vm_slots;
	size_t done, total, failed;
	double t0;
	char workdir[4096];
	struct mx_result *res;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *object_name(const char *path)
{
	const char *b = strrchr(path, '/');
	char *n;
	size_t l;

	n = strdup(b ? b + 1 : path);
	if (!n)
		return NULL;
	l = strlen(n);
	if (l > 6 && !strcmp(n + l - 6, ".bpf.c"))
		n[l - 6] = 0;
	else if (l > 6 && !strcmp(n + l - 6, ".bpf.o"))
		n[l - 6] = 0;
	else if (l > 2 && (!strcmp(n + l - 2, ".c") || !strcmp(n + l - 2, ".o")))
		n[l - 2] = 0;
	return n;
}

static bool is_source(const char *p)
{
	size_t l = strlen(p);

	return l > 2 && !strcmp(p + l - 2, ".c");
}

/* Compile src with clang-<major>; on failure returns the first lines of stderr. */
static char *compile(const char *arch, const char *clang, const char *mcpu, const char *cflags,
		     const char *src, const char *out)
{
	bool arm64 = !strcmp(arch, "arm64");
	/* libc6-dev:arm64 (multiarch), else libc6-dev-arm64-cross */
	const char *sysinc = !arm64 ? "/usr/include/x86_64-linux-gnu" :
			     !access("/usr/include/aarch64-linux-gnu", F_OK) ?
				     "/usr/include/aarch64-linux-gnu" : "/usr/aarch64-linux-gnu/include";
	char errpath[4200], inc[4200], mcpu_arg[64];
	const char *argv[96];
	char *flags = cflags ? strdup(cflags) : NULL, *save = NULL;
	int argc = 0, st = 0;
	pid_t pid;

	snprintf(errpath, sizeof(errpath), "%s.err", out);
	snprintf(inc, sizeof(inc), "-I%.*s", (int)(strrchr(src, '/') ? strrchr(src, '/') - src : 1),
		 strrchr(src, '/') ? src : ".");
	argv[argc++] = clang;
	argv[argc++] = "-g";
	argv[argc++] = "-O2";
	argv[argc++] = "-target";
	argv[argc++] = "bpf";
	/* bpf_tracing.h's PT_REGS_* and the syscall wrappers follow the target */
	argv[argc++] = arm64 ? "-D__TARGET_ARCH_arm64" : "-D__TARGET_ARCH_x86";
	argv[argc++] = inc;
	argv[argc++] = "-idirafter";
	argv[argc++] = sysinc;
	if (mcpu && *mcpu) {
		snprintf(mcpu_arg, sizeof(mcpu_arg), "-mcpu=%s", mcpu);
		argv[argc++] = mcpu_arg;
	}
	for (char *t = flags ? strtok_r(flags, " \t", &save) : NULL; t && argc < 88;
	     t = strtok_r(NULL, " \t", &save))
		argv[argc++] = t;
	argv[argc++] = "-c";
	argv[argc++] = src;
	argv[argc++] = "-o";
	argv[argc++] = out;
	argv[argc] = NULL;
	pid = fork();
	if (pid == 0) {
		FILE *e = fopen(errpath, "w");

		if (e)
			dup2(fileno(e), 2);
		execvp(clang, (char **)argv);
		fprintf(stderr, "cannot run %s: %s\n", clang, strerror(errno));
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	free(flags);
	if (pid > 0 && WIFEXITED(st) && !WEXITSTATUS(st)) {
		unlink(errpath);
		return NULL;
	}
	{
		char buf[1024] = "", *msg;
		FILE *e = fopen(errpath, "r");
		size_t n = e ? fread(buf, 1, sizeof(buf) - 1, e) : 0;

		if (e)
			fclose(e);
		buf[n] = 0;
		if (asprintf(&msg, "%s failed: %s", clang, buf[0] ? buf : "no output") < 0)
			return strdup("compile failed");
		return msg;
	}
}

/*
 * clang's major and version line from a prebuilt object's .comment
 * section ("clang version 19.1.7 ..."), so prebuilt objects of several
 * compilers still form a clang axis.
 */
static void object_clang(const char *path, char *major, size_t msz, char *ver, size_t vsz)
{
	static const char tag[] = "clang version ";
	char buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n = 0;

	major[0] = ver[0] = 0;
	if (!f)
		return;
	/* .comment sits after the code; scan the file in overlapping chunks */
	while ((n = fread(buf, 1, sizeof(buf) - 1, f)) > 0) {
		buf[n] = 0;
		for (size_t i = 0; i + sizeof(tag) < n; i++) {
			if (memcmp(buf + i, tag, sizeof(tag) - 1))
				continue;
			size_t s = i;

			while (s > 0 && buf[s - 1] >= ' ' && buf[s - 1] < 127)
				s--;
			snprintf(ver, vsz, "%.*s", (int)strnlen(buf + s, n - s), buf + s);
			snprintf(major, msz, "%d", atoi(buf + i + sizeof(tag) - 1));
			fclose(f);
			return;
		}
		if (n < sizeof(buf) - 1)
			break;
		fseek(f, -(long)sizeof(tag), SEEK_CUR);
	}
	fclose(f);
}

static int add_build(struct mx_ctx *x, const char *arch, const char *clang, const char *mcpu,
		     const char *input)
{
	struct build *b, *nb = realloc(x->builds, (x->nbuilds + 1) * sizeof(*nb));
	char dir[4200], out[4400], clang_bin[32];

	if (!nb)
		return -ENOMEM;
	x->builds = nb;
	b = &x->builds[x->nbuilds++];
	memset(b, 0, sizeof(*b));
	b->arch = arch;
	b->clang = strdup(clang);
	b->mcpu = strdup(mcpu);
	b->object = object_name(input);
	if (!is_source(input)) {
		char major[16], ver[256];

		object_clang(input, major, sizeof(major), ver, sizeof(ver));
		b->path = strdup(input);
		b->clang_version = strdup(ver);
		free(b->clang);
		b->clang = strdup(major);
	} else {
		snprintf(clang_bin, sizeof(clang_bin), "clang-%s", clang);
		snprintf(dir, sizeof(dir), "%s/obj-%s-clang%s-%s", x->workdir, arch, clang,
			 *mcpu ? mcpu : "default");
		mkdir(dir, 0755);
		snprintf(out, sizeof(out), "%s/%s.bpf.o", dir, b->object);
		b->path = strdup(out);
		char ver[256];

		prov_clang_version(clang_bin, ver, sizeof(ver));
		b->clang_version = strdup(ver);
		b->error = compile(arch, clang_bin, mcpu, x->o->cflags, input, out);
	}
	if (!b->error && prov_file_hash(b->path, b->hash))
		b->error = strdup("object not readable");
	return 0;
}

static void free_builds(struct mx_ctx *x)
{
	for (size_t i = 0; i < x->nbuilds; i++) {
		struct build *b = &x->builds[i];

		free(b->clang);
		free(b->clang_version);
		free(b->mcpu);
		free(b->object);
		free(b->path);
		free(b->error);
	}
	free(x->builds);
}

/* Under x->lock, or before the kernels' threads start. */
static void progress(struct mx_ctx *x)
{
	struct mx_progress p = { .done = x->done, .total = x->total, .failed = x->failed };

	if (!x->o->progress)
		return;
	p.elapsed_s = now_s() - x->t0;
	p.eta_s = x->done ? p.elapsed_s / x->done * (x->total - x->done) : 0;
	x->o->progress(&p, x->o->progress_ctx);
}

/* Write the cell and count it; one the store refuses is not done (the run stays partial). */
static int cell_commit(struct mx_ctx *x, const struct kjob *k, const struct build *b,
		       const struct store_cell *c)
{
	int err;

	pthread_mutex_lock(&x->lock);
	err = store_cell_add(x->st, x->run_id, c);
	if (err) {
		bpfgauge_log(BPFGAUGE_LOG_WARN, "matrix: cannot store the cell %s/%s/%s: %s", k->label,
			     b->clang, b->object, bpfgauge_strerror(err));
		if (!x->res->cells_unstored++)
			x->res->store_err = err;
	} else {
		x->done++;
		if (*c->error)
			x->failed++;
	}
	progress(x);
	pthread_mutex_unlock(&x->lock);
	return err;
}

static int store_one(struct mx_ctx *x, struct kjob *k, struct build *b,
		     const struct mx_capture *cap, const char *error, const char *tail,
		     double seconds)
{
	struct store_cell c = { 0 };
	char cfg[17] = "", path[4300];
	int err;

	c.kernel = k->label;
	c.arch = (char *)k->arch;
	c.kernel_release = (char *)(cap ? cap->kernel_release : "");
	c.btf = cap ? cap->btf : -1;
	if (cap && cap->config_hash[0]) {
		snprintf(cfg, sizeof(cfg), "%s", cap->config_hash);
	} else if (cap && k->image[0]) {
		/* guests have no /proc/config.gz: use the config kept next to the image */
		const char *slash = strrchr(k->image, '/');

		snprintf(path, sizeof(path), "%.*s/config-%s", slash ? (int)(slash - k->image) : 1,
			 slash ? k->image : ".", cap->kernel_release);
		prov_file_hash(path, cfg);
	}
	c.config_hash = cfg;
	c.clang = b->clang;
	c.clang_version = b->clang_version;
	c.mcpu = b->mcpu;
	c.cflags = (char *)(x->o->cflags ? x->o->cflags : "");
	c.object = b->object;
	c.object_hash = b->hash;
	c.error = (char *)(error ? error : "");
	c.console_tail = (char *)(tail ? tail : "");
	c.seconds = seconds;
	if (cap && !error) {
		c.recs = calloc(cap->n + 1, sizeof(*c.recs));
		c.logs = calloc(cap->n + 1, sizeof(*c.logs));
		c.attach = calloc(cap->n + 1, sizeof(*c.attach));
		if (!c.recs || !c.logs || !c.attach) {
			free(c.recs);
			free(c.logs);
			free(c.attach);
			return -ENOMEM;
		}
		for (size_t i = 0; i < cap->n; i++) {
			const char *f = vlog_record__str(cap->recs[i], VLOG_STAT_FILE);

			if (f && !strcmp(f, b->path)) {
				/* the object's name, not the temp path, identifies it */
				vlog_record__set_str(cap->recs[i], VLOG_STAT_FILE, b->object);
				c.recs[c.nrecs] = cap->recs[i];
				/* explained below: the cell's copy is ours */
				c.attach[c.nrecs] = cap->attach && cap->attach[i] ?
							    strdup(cap->attach[i]) : NULL;
				c.logs[c.nrecs++] = cap->logs[i];
			}
		}
		/* the kconfig cause of an attach failure, from that kernel's own config */
		mx_attach_explain(k->image[0] ? k->image : "host", b->path, c.recs, c.attach,
				  c.nrecs);
		if (!c.nrecs) {
			for (size_t i = 0; i < cap->nerrors; i++)
				if (!strncmp(cap->errors[i], b->path, strlen(b->path)))
					c.error = cap->errors[i];
			if (!*c.error)
				c.error = "no programs";
		}
	}
	c.status = (char *)(*c.error ? "error" : "ok");
	err = cell_commit(x, k, b, &c);
	for (size_t i = 0; c.attach && i < c.nrecs; i++)
		free(c.attach[i]);
	free(c.recs);
	free(c.logs);
	free(c.attach);
	return err;
}

static void *kernel_thread(void *arg)
{
	struct kjob *k = arg;
	struct mx_ctx *x = *(struct mx_ctx **)(k + 1);
	const struct mx_opts *o = x->o;
	char **paths = calloc(k->ntodo + 1, sizeof(*paths));
	struct build **ok = calloc(k->ntodo + 1, sizeof(*ok));
	struct mx_capture cap = { 0 };
	struct vm_result vr = { 0 };
	size_t n = 0;
	double t0 = now_s();
	int err = 0;

	if (!paths || !ok)
		goto out;
	for (size_t i = 0; i < k->ntodo; i++) {
		if (k->todo[i]->error)
			store_one(x, k, k->todo[i], NULL, k->todo[i]->error, NULL, 0);
		else {
			ok[n] = k->todo[i];
			paths[n++] = k->todo[i]->path;
		}
	}
	if (!n)
		goto out;
	if (!k->image[0]) {
		err = mx_capture_run(paths, n, o->jobs, false, &cap);
	} else {
		char wd[4400];
		struct mx_vm_opts vo = { .sz = sizeof(vo), .workdir = wd, .timeout_s = o->vm_timeout_s,
					 .mem_mb = o->vm_mem_mb, .cpus = o->vm_cpus,
					 .guest_cmd = o->guest_cmd, .arch = k->arch };

		snprintf(wd, sizeof(wd), "%s/vm-%p", x->workdir, (void *)k);
		mkdir(wd, 0755);
		pthread_mutex_lock(&x->lock);
		while (x->vm_slots <= 0)
			pthread_cond_wait(&x->cond, &x->lock);
		x->vm_slots--;
		pthread_mutex_unlock(&x->lock);
		err = mx_capture_vm(k->image, paths, n, &vo, &cap, &vr);
		pthread_mutex_lock(&x->lock);
		x->vm_slots++;
		if (vr.boot_s > x->res->boot_s_max)
			x->res->boot_s_max = vr.boot_s;
		pthread_cond_broadcast(&x->cond);
		pthread_mutex_unlock(&x->lock);
		if (err)
			bpfgauge_log(BPFGAUGE_LOG_WARN, "matrix: kernel %s: %s", k->label, vr.error);
		else
			bpfgauge_log(BPFGAUGE_LOG_INFO, "matrix: kernel %s (%s) done in %.1f s with %s",
				     k->label, cap.kernel_release, vr.boot_s, vr.accel);
	}
	for (size_t i = 0; i < n; i++) {
		char msg[400];

		if (err)
			snprintf(msg, sizeof(msg), "kernel %s: %s", k->label,
				 vr.error[0] ? vr.error : bpfgauge_strerror(err));
		store_one(x, k, ok[i], err ? NULL : &cap, err ? msg : NULL,
			  err ? vr.console_tail : NULL, (now_s() - t0) / n);
	}
out:
	mx_capture_release(&cap);
	vm_result_release(&vr);
	free(paths);
	free(ok);
	return NULL;
}

/*
 * Cells are keyed by (kernel, clang, mcpu, object name), and the name is
 * the input's basename: two inputs that would give the same key would
 * overwrite each other's cells (or be skipped as "already stored" on
 * resume). Refuse them up front, naming both inputs, before anything is
 * compiled or stored. Prebuilt objects take their clang from .comment, so
 * x.bpf.o built by clang 14 and by clang 22 do not collide.
 */
static int check_names(const struct mx_opts *o, char *const *clangs, size_t nclangs,
		       char *const *mcpus, size_t nmcpus, struct mx_result *res)
{
	struct key { char *name; char clang[16]; const char *mcpu; size_t input; } *keys;
	size_t nkeys = 0, cap = 0;
	int err = 0;

	for (size_t i = 0; i < o->ninputs; i++)
		cap += is_source(o->inputs[i]) ? nclangs * nmcpus : 1;
	keys = calloc(cap + 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < o->ninputs && !err; i++) {
		char *name = object_name(o->inputs[i]);
		bool src = is_source(o->inputs[i]);
		size_t first = nkeys;

		if (!name) {
			err = -ENOMEM;
			break;
		}
		for (size_t c = 0; c < (src ? nclangs : 1); c++)
			for (size_t m = 0; m < (src ? nmcpus : 1); m++) {
				struct key *k = &keys[nkeys++];

				k->name = name;
				k->input = i;
				if (src) {
					snprintf(k->clang, sizeof(k->clang), "%s", clangs[c]);
					k->mcpu = mcpus[m];
				} else {
					char ver[256];

					object_clang(o->inputs[i], k->clang, sizeof(k->clang), ver,
						     sizeof(ver));
					k->mcpu = "";
				}
			}
		if (nkeys == first)
			free(name);
		for (size_t a = first; a < nkeys && !err; a++)
			for (size_t b = 0; b < first && !err; b++) {
				if (strcmp(keys[a].name, keys[b].name) ||
				    strcmp(keys[a].clang, keys[b].clang) ||
				    strcmp(keys[a].mcpu, keys[b].mcpu))
					continue;
				snprintf(res->error, sizeof(res->error),
					 "inputs '%s' and '%s' would both be object '%s'%s%s%s%s"
					 " in the matrix (cells are named by file name): rename one,"
					 " or run them as separate matrices",
					 o->inputs[keys[b].input], o->inputs[i], keys[a].name,
					 keys[a].clang[0] ? " with clang " : "", keys[a].clang,
					 keys[a].mcpu[0] ? " -mcpu=" : "", keys[a].mcpu);
				err = -EINVAL;
			}
	}
	/* each input's keys share one name: free it at its first key */
	for (size_t k = 0; k < nkeys; k++)
		if (!k || keys[k].name != keys[k - 1].name)
			free(keys[k].name);
	free(keys);
	return err;
}

static void matrix_key(const struct mx_opts *o, char out[17])
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m) {
		out[0] = 0;
		return;
	}
#define KEYS(arr, n) do { for (size_t i = 0; i < (n); i++) fprintf(m, "%s\x1f", (arr)[i]); fputc('\x1e', m); } while (0)
	KEYS(o->clangs, o->nclangs);
	KEYS(o->mcpus, o->nmcpus);
	KEYS(o->kernels, o->nkernels);
	KEYS(o->inputs, o->ninputs);
#undef KEYS
	fprintf(m, "%s", o->cflags ? o->cflags : "");
	/* the arch axis, when it is more than the default x86_64 (older keys stay) */
	bool other_arch = false;

	for (size_t i = 0; i < OPTS_GET(o, narchs, 0); i++)
		other_arch |= vm_arch_norm(o->archs[i]) && strcmp(vm_arch_norm(o->archs[i]), "x86_64");
	for (size_t k = 0; other_arch && k < o->narchs; k++)
		fprintf(m, "%sarch=%s", k ? "," : "\x1e", o->archs[k]);
	fclose(m);
	prov_buf_hash(buf, len, out);
	free(buf);
}

/*
 * How many guests boot at once: --vm-jobs, else what CPUs and memory
 * allow, each guest taking vm_cpus of the CPUs.
 */
static int vm_slots(const struct mx_opts *o)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), by_cpu;
	int slots;

	if (o->vm_jobs > 0)
		return o->vm_jobs;
	slots = vm_max_parallel(o->vm_mem_mb);
	if (getenv("BPFGAUGE_VM_JOBS") || o->vm_cpus <= 1)
		return slots;
	by_cpu = ncpu / o->vm_cpus;
	if (by_cpu < 1)
		by_cpu = 1;
	return slots < by_cpu ? slots : (int)by_cpu;
}

/*
 * Debris of killed matrix runs. A running matrix holds an flock on
 * WORKDIR/lock for its whole life and, once its run is in the store, names
 * it in WORKDIR/owner ("RUN_ID\nDB_PATH\n"). A /tmp/bpfgauge-matrix-*
 * directory whose lock can be taken belongs to a dead process: its run, if
 * still "running", is marked "interrupted" (--resume picks it up) and the
 * directory is removed. A directory without a lock file (an older
 * bpfgauge) is left alone; one without an owner file only after a minute.
 */
#define MX_TMP_PREFIX "bpfgauge-matrix-"

/* Where work directories go: $TMPDIR if it is an absolute path the shell
 * quoting below can carry, else /tmp. */
static const char *mx_tmp_root(void)
{
	const char *t = getenv("TMPDIR");

	if (t && t[0] == '/' && !strchr(t, '\'') && strlen(t) < 256)
		return t;
	return "/tmp";
}

static void reap_one(const char *dir)
{
	char path[PATH_MAX + 32], db[PATH_MAX] = "", cmd[PATH_MAX + 32];
	long long run_id = -1;
	struct stat st;
	FILE *f;
	int fd;

	/* no lock file: not ours to judge (an older bpfgauge); held: alive */
	snprintf(path, sizeof(path), "%s/lock", dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "%s/owner", dir);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lld\n", &run_id) != 1 || !fgets(db, sizeof(db), f))
			run_id = -1;
		db[strcspn(db, "\n")] = '\0';
		fclose(f);
	} else if (stat(dir, &st) || time(NULL) - st.st_mtime < 60) {
		close(fd); /* maybe between creating the lock and taking it */
		return;
	}
	if (run_id >= 0 && *db) {
		struct store *s;
		struct store_run r;
		char spec[32];

		snprintf(spec, sizeof(spec), "%lld", run_id);
		if (!store_open(db, &s)) {
			/* readers already see it interrupted when its owner is known dead */
			if (!store_run_get(s, spec, &r)) {
				if (r.status && (!strcmp(r.status, "running") ||
						 !strcmp(r.status, "interrupted")) &&
				    store_owner_alive(r.owner) != 1 &&
				    !store_run_mark_interrupted(s, run_id))
					pr_info("matrix: run %lld in '%s' was abandoned (its process died): marked interrupted",
						run_id, db);
				store_run_release(&r);
			}
			store_close(s);
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		pr_warn("matrix: could not remove '%s' left by a killed run", dir);
	close(fd);
}

static void mx_reap_abandoned(void)
{
	const char *root = mx_tmp_root();
	DIR *d = opendir(root);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char dir[PATH_MAX];

		if (strncmp(de->d_name, MX_TMP_PREFIX, strlen(MX_TMP_PREFIX)) ||
		    strchr(de->d_name, '\''))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", root, de->d_name);
		reap_one(dir);
	}
	if (d)
		closedir(d);
}

/* Take the workdir's lock (kept until the run ends) and, later, name the run. */
static int workdir_lock(const char *workdir)
{
	char path[PATH_MAX + 8];
	int fd;

	snprintf(path, sizeof(path), "%s/lock", workdir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void workdir_owner(const char *workdir, int64_t run_id, const char *db)
{
	char path[PATH_MAX + 8], abs[PATH_MAX];
	FILE *f;

	if (!realpath(db, abs))
		return;
	snprintf(path, sizeof(path), "%s/owner", workdir);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%lld\n%s\n", (long long)run_id, abs);
		fclose(f);
	}
}

/* Make the workdir: a fresh locked one under /tmp (*lock_fd), or the caller's. */
static int workdir_make(struct mx_ctx *x, bool tmp, int *lock_fd)
{
	if (tmp) {
		mx_reap_abandoned();
		snprintf(x->workdir, sizeof(x->workdir), "%s/" MX_TMP_PREFIX "XXXXXX", mx_tmp_root());
		if (!mkdtemp(x->workdir))
			return -errno;
		*lock_fd = workdir_lock(x->workdir);
	} else {
		snprintf(x->workdir, sizeof(x->workdir), "%s", x->o->workdir);
		mkdir(x->workdir, 0755);
	}
	return 0;
}

/*
 * The unfinished run found for --resume may still be running: another
 * matrix process owns it. -EBUSY (res->error says so) if its owner is alive.
 */
static int resume_check_owner(struct mx_ctx *x)
{
	struct store_run r;
	char id[32];
	int busy;

	snprintf(id, sizeof(id), "%lld", (long long)x->run_id);
	if (store_run_get(x->st, id, &r))
		return 0; /* it was found a moment ago: the resume itself will say */
	busy = r.status && !strcmp(r.status, "running") && store_owner_alive(r.owner) == 1;
	if (busy)
		snprintf(x->res->error, sizeof(x->res->error),
			 "run %lld of this matrix is still running (owner %s): wait for it, or run without --resume",
			 (long long)x->run_id, r.owner ? r.owner : "?");
	store_run_release(&r);
	return busy ? -EBUSY : 0;
}

/* Open the store and begin the run in run, or resume the unfinished one of this matrix. */
static int run_begin(struct mx_ctx *x, struct store_run *run)
{
	const struct mx_opts *o = x->o;
	char key[17];
	int err;

	err = store_open(o->db, &x->st);
	if (err)
		return err;
	/* runs of this store whose process died: say so in the file too */
	if (store_runs_reap(x->st) > 0)
		bpfgauge_log(BPFGAUGE_LOG_INFO, "matrix: marked abandoned runs interrupted");
	matrix_key(o, key);
	if (o->resume) {
		err = store_run_find_resumable(x->st, key, &x->run_id);
		if (!err)
			err = resume_check_owner(x);
		if (!err) {
			bpfgauge_log(BPFGAUGE_LOG_INFO, "matrix: resuming run %lld",
				     (long long)x->run_id);
			return store_run_resume(x->st, x->run_id);
		}
		if (err != -ENOENT)
			return err;
		bpfgauge_log(BPFGAUGE_LOG_WARN,
			     "matrix: --resume: no unfinished run of this matrix in '%s' (the same inputs and --clang, --mcpu, --kernel and --arch lists, in the same order): starting a new one",
			     o->db ? o->db : STORE_DEFAULT_PATH);
	}
	run->label = strdup(o->label ? o->label : "");
	run->matrix_key = strdup(key);
	store_run_provenance(run);
	err = store_run_begin(x->st, run);
	if (!err)
		x->run_id = run->id;
	return err;
}

/*
 * Build every (arch, clang, mcpu, input), sources compiled for each
 * target architecture; prebuilt objects once per arch (as they are).
 */
static int build_all(struct mx_ctx *x, char *const *clangs, size_t nclangs,
		     char *const *mcpus, size_t nmcpus)
{
	const struct mx_opts *o = x->o;
	int err = 0;

	for (size_t a = 0; a < x->narchs && !err; a++)
		for (size_t i = 0; i < o->ninputs && !err; i++) {
			if (!is_source(o->inputs[i])) {
				err = add_build(x, x->archs[a], "", "", o->inputs[i]);
				continue;
			}
			for (size_t c = 0; c < nclangs && !err; c++)
				for (size_t m = 0; m < nmcpus && !err; m++)
					err = add_build(x, x->archs[a], clangs[c], mcpus[m],
							o->inputs[i]);
		}
	return err;
}

/* The arch axis (o->archs, normalised, duplicates dropped); x86_64 alone by default. */
static int plan_archs(struct mx_ctx *x)
{
	const struct mx_opts *o = x->o;
	size_t na = OPTS_GET(o, narchs, 0);

	for (size_t a = 0; a < na; a++) {
		const char *n = vm_arch_norm(o->archs[a]);
		bool dup = false;

		if (!n) {
			snprintf(x->res->error, sizeof(x->res->error),
				 "unknown architecture '%s' (x86_64 or arm64)", o->archs[a]);
			return -EINVAL;
		}
		for (size_t b = 0; b < x->narchs; b++)
			dup |= !strcmp(x->archs[b], n);
		if (!dup && x->narchs < sizeof(x->archs) / sizeof(x->archs[0]))
			x->archs[x->narchs++] = n;
	}
	if (!x->narchs)
		x->archs[x->narchs++] = "x86_64";
	return 0;
}

/* One job's kernel: its label, and its image (resolved in the arch's cache). */
static int plan_job(struct mx_ctx *x, struct kjob *j, const char *spec, const char *arch)
{
	bool x86 = !strcmp(arch, "x86_64");

	j->spec = spec;
	j->arch = arch;
	snprintf(j->label, sizeof(j->label), "%s%s%s", spec, x86 ? "" : "/", x86 ? "" : arch);
	if (!strcmp(spec, "host"))
		return 0;
	if (vm_kernel_resolve_arch(spec, arch, j->image, sizeof(j->image))) {
		snprintf(x->res->error, sizeof(x->res->error),
			 "kernel '%s'%s%s not found (an image path, or a version"
			 " fetched with 'bpfgauge kernels fetch%s%s %s')", spec, x86 ? "" : " for ",
			 x86 ? "" : arch, x86 ? "" : " --arch ", x86 ? "" : arch, spec);
		return -ENOENT;
	}
	return 0;
}

/*
 * One job a (kernel, arch) pair holding its cells not yet stored (jobs has
 * nkernels * narchs slots). The host runs x86_64 only: it is this machine.
 */
static int plan_kernels(struct mx_ctx *x, struct kjob **jobs)
{
	const struct mx_opts *o = x->o;
	struct mx_result *res = x->res;

	for (size_t a = 0; a < x->narchs; a++)
		for (size_t k = 0; k < o->nkernels; k++) {
			struct kjob *j;
			int err;

			if (!strcmp(o->kernels[k], "host") && strcmp(x->archs[a], "x86_64"))
				continue;
			/* the context pointer rides after the job (see kernel_thread) */
			j = calloc(1, sizeof(struct kjob) + sizeof(struct mx_ctx *));
			if (!j)
				return -ENOMEM;
			jobs[x->njobs++] = j;
			if (!(j->todo = calloc(x->nbuilds + 1, sizeof(struct build *))))
				return -ENOMEM;
			*(struct mx_ctx **)(j + 1) = x;
			err = plan_job(x, j, o->kernels[k], x->archs[a]);
			if (err)
				return err;
			for (size_t b = 0; b < x->nbuilds; b++) {
				if (strcmp(x->builds[b].arch, j->arch))
					continue;
				res->cells++;
				if (store_cell_exists(x->st, x->run_id, j->label, x->builds[b].clang,
						      x->builds[b].mcpu, x->builds[b].object)) {
					res->cells_skipped++;
					continue;
				}
				j->todo[j->ntodo++] = &x->builds[b];
			}
			x->total += j->ntodo;
		}
	return 0;
}

/* Run each kernel's job on its own thread (or here, if none starts) and wait for all. */
static void run_kernels(struct mx_ctx *x, struct kjob **jobs, pthread_t *th, bool *started)
{
	size_t nk = x->njobs;

	for (size_t k = 0; k < nk; k++) {
		started[k] = !pthread_create(&th[k], NULL, kernel_thread, jobs[k]);
		if (!started[k]) /* no thread: this kernel's cells run here, in turn */
			kernel_thread(jobs[k]);
	}
	for (size_t k = 0; k < nk; k++)
		if (started[k])
			pthread_join(th[k], NULL);
}

/* Free the n jobs plan_kernels made; NULL slots and a NULL array are fine. */
static void free_jobs(struct kjob **jobs, size_t n)
{
	for (size_t k = 0; jobs && k < n; k++) {
		if (jobs[k])
			free(jobs[k]->todo);
		free(jobs[k]);
	}
	free(jobs);
}

static int run_matrix(const struct mx_opts *o, struct mx_result *res)
{
	struct mx_ctx x = { .o = o, .res = res };
	struct store_run run = { 0 };
	char cmd[4200];
	struct kjob **jobs = NULL;
	pthread_t *th = NULL;
	bool *started = NULL;
	bool tmp = !o->workdir;
	int lock_fd = -1;
	char *empty[] = { "" };
	char *const *clangs = o->nclangs ? o->clangs : empty;
	char *const *mcpus = o->nmcpus ? o->mcpus : empty;
	size_t nclangs = o->nclangs ? o->nclangs : 1, nmcpus = o->nmcpus ? o->nmcpus : 1;
	int err;

	memset(res, 0, sizeof(*res));
	err = check_names(o, clangs, nclangs, mcpus, nmcpus, res);
	if (!err)
		err = plan_archs(&x);
	if (err)
		return bg_err(err);
	x.t0 = now_s();
	pthread_mutex_init(&x.lock, NULL);
	pthread_cond_init(&x.cond, NULL);
	x.vm_slots = vm_slots(o);
	err = workdir_make(&x, tmp, &lock_fd);
	if (err)
		return bg_err(err);
	err = run_begin(&x, &run);
	if (err)
		goto out;
	if (lock_fd >= 0)
		workdir_owner(x.workdir, x.run_id, o->db ? o->db : STORE_DEFAULT_PATH);
	res->run_id = x.run_id;
	err = build_all(&x, clangs, nclangs, mcpus, nmcpus);
	if (err)
		goto out;
	jobs = calloc(o->nkernels * x.narchs + 1, sizeof(*jobs));
	th = calloc(o->nkernels * x.narchs + 1, sizeof(*th));
	started = calloc(o->nkernels * x.narchs + 1, sizeof(*started));
	if (!jobs || !th || !started) {
		err = -ENOMEM;
		goto out;
	}
	err = plan_kernels(&x, jobs);
	if (err)
		goto out;
	progress(&x);
	run_kernels(&x, jobs, th, started);
	res->cells_done = x.done;
	res->cells_failed = x.failed;
	err = store_run_finish(x.st, x.run_id, x.done == x.total ? "complete" : "partial");
out:
	res->seconds = now_s() - x.t0;
	free_jobs(jobs, x.njobs);
	free(th);
	free(started);
	free_builds(&x);
	store_run_release(&run);
	store_close(x.st);
	if (tmp) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", x.workdir);
		if (system(cmd))
			bpfgauge_log(BPFGAUGE_LOG_WARN, "matrix: could not remove %s", x.workdir);
	}
	if (lock_fd >= 0)
		close(lock_fd);
	pthread_mutex_destroy(&x.lock);
	pthread_cond_destroy(&x.cond);
	return bg_err(err);
}

const char *mx_cell_arch(const struct store_cell *c)
{
	size_t r = c->kernel_release ? strlen(c->kernel_release) : 0;

	if (c->arch && *c->arch)
		return c->arch;
	/* stores before the arch column: Debian's arm64 releases end in "-arm64" */
	if (r > 6 && !strcmp(c->kernel_release + r - 6, "-arm64"))
		return "arm64";
	return "x86_64";
}

void mx_kernel_short(const struct store_cell *c, char *buf, size_t size)
{
	const char *r = c->kernel_release && *c->kernel_release ? c->kernel_release : c->kernel;
	const char *arch = mx_cell_arch(c);
	int maj = 0, min = 0;

	if (r && sscanf(r, "%d.%d", &maj, &min) == 2) {
		if (!strcmp(arch, "x86_64"))
			snprintf(buf, size, "%d.%d", maj, min);
		else
			snprintf(buf, size, "%d.%d/%s", maj, min, arch);
	} else {
		snprintf(buf, size, "%s", c->kernel ? c->kernel : "?");
	}
}

int mx_run(const struct mx_opts *opts, struct mx_result *res)
{
	struct mx_opts o;

	if (!opts || !OPTS_VALID(opts, mx_opts)) {
		memset(res, 0, sizeof(*res));
		snprintf(res->error, sizeof(res->error), "invalid struct mx_opts (set .sz)");
		return bg_err(-EINVAL);
	}
	OPTS_COPY(&o, opts);
	return run_matrix(&o, res);
}
