/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ex_loader: a plain libbpf loader (it does not link libbpfgauge) of the
 * bundled examples, scripted by its arguments, for the `cov run` tests.
 * It runs the examples' fixed inputs (bpf/runner/examples.c) so the coverage
 * must equal the annotations, and it does what awkward real loaders do:
 * fork children that each load the same objects, exit within a millisecond
 * of the last test run, wait for a signal, or step through tests while the
 * script takes snapshots. Built by test_cov_run.sh.
 *
 *   ex_loader DIR ACTION...
 *
 *   all             load and run every example once, then unload it
 *   run:NAME        run NAME once (loaded on first use, kept loaded)
 *   unload:NAME     close NAME's object
 *   threads:N:NAME  N threads at once each load NAME, run it and close it
 *                   (not trace_getpgid: it filters by process)
 *   fork:N          N children run the remaining actions; the parent waits
 *                   and exits with the worst child status
 *   touch:PATH      create PATH (tells the script we got here)
 *   wait:PATH       wait until PATH exists
 *   onsig:CODE:MARK on SIGINT/SIGTERM write "signal N" to MARK, exit CODE
 *   dflsig          default SIGINT/SIGTERM (a shell's background job ignores
 *                   SIGINT, and ignoring survives exec)
 *   pause           wait for signals forever
 *   dumpxdp:DIR     write xdp_parse's packets to DIR/pkt1..6 (for bpftool)
 *   info            print libbpf's INFO and WARN messages on stderr as its
 *                   default callback does (the log-noise test reads them)
 *   linked:PATH:A,B run examples A, B... once from one object PATH (made by
 *                   `bpftool gen object` of theirs), then close it
 *   fastexit:PATH   run xdp_parse's input, timing from just before its last
 *                   BPF_PROG_TEST_RUN to just before _exit(0); nanoseconds
 *                   go to PATH; nothing is closed or unloaded
 *
 * trace_getpgid runs under an flock of DIR so that forked children do not
 * count each other's getpgid calls. Exit 0, 1 on error, 3 when another
 * process's getpgid calls reached trace_getpgid (counts perturbed: the
 * script runs again; "PERTURBED" on stderr says so too when the exit code
 * is a signal's).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>

#include "examples.c"

static const char *dir;
static struct ex_loaded loaded[16];
static bool perturbed;

static struct ex_loaded *get(const char *name)
{
	const struct example *ex = ex_find(name);
	char err[512];
	size_t i;

	if (!ex) {
		fprintf(stderr, "ex_loader: unknown example '%s'\n", name);
		exit(1);
	}
	i = ex - ex_all;
	if (!loaded[i].obj && ex_load(dir, ex, &loaded[i], err, sizeof(err))) {
		fprintf(stderr, "ex_loader: %s\n", err);
		exit(1);
	}
	return &loaded[i];
}

static void run(const char *name)
{
	struct ex_loaded *l = get(name);
	bool trace = !strcmp(name, "trace_getpgid");
	char err[512];
	int lock = -1;

	if (trace) {
		lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (lock < 0 || flock(lock, LOCK_EX)) {
			perror("ex_loader: flock");
			exit(1);
		}
	}
	if (ex_run(l, 1, err, sizeof(err))) {
		fprintf(stderr, "ex_loader[%d]: %s\n", getpid(), err);
		exit(1);
	}
	if (ex_foreign_events(l) && !perturbed) {
		fprintf(stderr, "ex_loader[%d]: PERTURBED: trace_getpgid saw other processes\n", getpid());
		perturbed = true;
	}
	if (lock >= 0)
		close(lock);
}

static void unload(const char *name)
{
	const struct example *ex = ex_find(name);

	if (ex)
		ex_unload(&loaded[ex - ex_all]);
}

static pthread_barrier_t barrier;

static void *thread_main(void *name)
{
	struct ex_loaded l;
	char err[512];

	pthread_barrier_wait(&barrier);
	if (ex_load(dir, ex_find(name), &l, err, sizeof(err)) || ex_run(&l, 1, err, sizeof(err))) {
		fprintf(stderr, "ex_loader: thread: %s\n", err);
		exit(1);
	}
	ex_unload(&l);
	return NULL;
}

static void threads(const char *arg)
{
	int n = atoi(arg);
	const char *name = strchr(arg, ':');
	pthread_t t[64];

	if (n < 1 || n > 64 || !name || !ex_find(name + 1)) {
		fprintf(stderr, "ex_loader: threads:N:NAME wants 1..64 and an example\n");
		exit(1);
	}
	pthread_barrier_init(&barrier, NULL, n);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, thread_main, (void *)(name + 1))) {
			fprintf(stderr, "ex_loader: pthread_create failed\n");
			exit(1);
		}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);
}

static const char *sig_mark;
static int sig_code;

static void on_signal(int sig)
{
	char buf[32];
	int fd = open(sig_mark, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int n = snprintf(buf, sizeof(buf), "signal %d\n", sig);

	if (fd >= 0 && write(fd, buf, n) != n)
		_exit(1);
	_exit(sig_code);
}

static int info_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, args);
}

/* linked:PATH:A,B,...: one object holding several examples' programs */
static void run_linked(char *arg)
{
	char *names = strchr(arg, ':'), *name, *save = NULL;
	struct bpf_object *obj;
	char err[512];

	if (!names) {
		fprintf(stderr, "ex_loader: linked:PATH:A,B wants a path and examples\n");
		exit(1);
	}
	*names++ = '\0';
	obj = bpf_object__open_file(arg, NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "ex_loader: cannot open or load '%s'\n", arg);
		exit(1);
	}
	for (name = strtok_r(names, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		struct ex_loaded l = {.ex = ex_find(name), .obj = obj};

		if (!l.ex || l.ex->prepare || ex_run(&l, 1, err, sizeof(err))) {
			fprintf(stderr, "ex_loader: linked %s: %s\n", name,
				!l.ex || l.ex->prepare ? "unknown or needs preparing" : err);
			exit(1);
		}
	}
	bpf_object__close(obj);
}

static void fast_exit(const char *path)
{
	struct ex_loaded *l = get("xdp_parse");
	int fd = bpf_program__fd(bpf_object__find_program_by_name(l->obj, "xdp_parse"));
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	struct timespec t0, t1;
	char err[512], buf[32];
	int i, n;

	if (fd < 0 || out < 0) {
		fprintf(stderr, "ex_loader: fastexit: no program or cannot open '%s'\n", path);
		exit(1);
	}
	for (i = 0; i < EX_XDP_PKTS - 1; i++)
		if (ex_xdp_run_one(fd, i, err, sizeof(err)))
			goto fail;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ex_xdp_run_one(fd, EX_XDP_PKTS - 1, err, sizeof(err)))
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	n = snprintf(buf, sizeof(buf), "%lld\n",
		     (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	_exit(write(out, buf, n) != n ? 1 : perturbed ? 3 : 0);
fail:
	fprintf(stderr, "ex_loader: %s\n", err);
	exit(1);
}

int main(int argc, char **argv)
{
	int i, worst = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: ex_loader DIR ACTION... (see the source)\n");
		return 1;
	}
	dir = argv[1];
	ex_set_verbose(false);
	for (i = 2; i < argc; i++) {
		char *a = argv[i], *v = strchr(a, ':');

		v = v ? v + 1 : "";
		if (!strcmp(a, "all")) {
			for (size_t k = 0; k < ex_cnt; k++) {
				run(ex_all[k].name);
				unload(ex_all[k].name);
			}
		} else if (!strcmp(a, "info")) {
			libbpf_set_print(info_print);
		} else if (!strncmp(a, "linked:", 7)) {
			run_linked(v);
		} else if (!strncmp(a, "run:", 4)) {
			run(v);
		} else if (!strncmp(a, "threads:", 8)) {
			threads(v);
		} else if (!strncmp(a, "unload:", 7)) {
			unload(v);
		} else if (!strncmp(a, "fork:", 5)) {
			int n = atoi(v), st;

			for (int k = 0; k < n; k++) {
				pid_t p = fork();

				if (p < 0) {
					perror("ex_loader: fork");
					return 1;
				}
				if (p == 0)
					goto child;
			}
			while (wait(&st) > 0) {
				int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 1;

				if (rc == 1 || (rc && !worst))
					worst = rc;
			}
			return worst;
child:
			continue;
		} else if (!strncmp(a, "touch:", 6)) {
			close(open(v, O_WRONLY | O_CREAT, 0644));
		} else if (!strncmp(a, "wait:", 5)) {
			while (access(v, F_OK))
				usleep(2000);
		} else if (!strncmp(a, "onsig:", 6)) {
			struct sigaction sa = {.sa_handler = on_signal};

			sig_code = atoi(v);
			sig_mark = strchr(v, ':') ? strchr(v, ':') + 1 : "/dev/null";
			sigaction(SIGINT, &sa, NULL);
			sigaction(SIGTERM, &sa, NULL);
		} else if (!strcmp(a, "dflsig")) {
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
		} else if (!strcmp(a, "pause")) {
			for (;;)
				pause();
		} else if (!strncmp(a, "dumpxdp:", 8)) {
			struct ex_pkt pk[EX_XDP_PKTS];

			xdp_packets(pk);
			for (int k = 0; k < EX_XDP_PKTS; k++) {
				char path[4096];
				FILE *f;

				snprintf(path, sizeof(path), "%s/pkt%d", v, k + 1);
				f = fopen(path, "wb");
				if (!f || fwrite(pk[k].data, 1, pk[k].len, f) != pk[k].len || fclose(f)) {
					perror(path);
					return 1;
				}
			}
		} else if (!strncmp(a, "fastexit:", 9)) {
			fast_exit(v);
		} else {
			fprintf(stderr, "ex_loader: unknown action '%s'\n", a);
			return 1;
		}
	}
	for (size_t k = 0; k < ex_cnt; k++)
		ex_unload(&loaded[k]);
	return perturbed ? 3 : 0;
}
