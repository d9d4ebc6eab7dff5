/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The live side of the compatibility check: load one program with libbpf
 * (the others of its object not autoloaded), attach it the way libbpf's
 * auto-attach would, detach at once, and compare the errno and stage with
 * the prediction. Programs that attach to an interface (XDP, tc) attach to
 * lo inside a private network namespace, so the host's interfaces are never
 * touched; nothing outlives compat_live_finish().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfgauge_internal.h"
#include "compat_internal.h"

#define LIVE_LOG_SIZE (16u << 20)

/* libbpf's first warning line for the load or attach running now: the cause;
 * later lines only say that the object failed */
static __thread char lb_last[256];
/* set on the live checks' threads; libbpf's lines from other threads (the
 * prediction runs meanwhile) go to the callback that was set before */
static __thread bool in_live;
static libbpf_print_fn_t old_print;

static int libbpf_last(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];

	if (!in_live)
		return old_print ? old_print(level, fmt, ap) : 0;
	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = 0;
	if (strstr(line, "-- BEGIN") || strstr(line, "-- END") || !line[0] || lb_last[0])
		return 0;
	snprintf(lb_last, sizeof(lb_last), "%s", line);
	pr_debug("libbpf: %s", line);
	return 0;
}

static void fixup(struct bpf_object *obj, const char *name)
{
	struct bpf_program *prog;
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		bpf_map__set_pin_path(map, NULL);
		switch (bpf_map__type(map)) {
		case BPF_MAP_TYPE_SK_STORAGE:
		case BPF_MAP_TYPE_TASK_STORAGE:
		case BPF_MAP_TYPE_INODE_STORAGE:
		case BPF_MAP_TYPE_CGROUP_STORAGE:
			continue;
		case BPF_MAP_TYPE_RINGBUF:
			if (!bpf_map__max_entries(map))
				bpf_map__set_max_entries(map, sysconf(_SC_PAGESIZE));
			continue;
		default:
			if (!bpf_map__max_entries(map))
				bpf_map__set_max_entries(map, 1);
		}
	}
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), name));
}

/*
 * A private network namespace for XDP and tc attaches: a child unshares one,
 * we keep an fd to it (so it outlives the child) and enter it with setns()
 * only around each attach. setns(CLONE_NEWNET) moves the calling thread
 * alone, and we move back at once. Each thread has its own namespace, so
 * that parallel checks never attach to the same lo; the namespaces, and
 * whatever was attached in them, go away when compat_live_finish() (or
 * the batch's worker, at its end) closes the fds.
 */
static __thread int netns_orig = -1, netns_priv = -1;

static void netns_drop(void)
{
	if (netns_priv >= 0)
		close(netns_priv);
	if (netns_orig >= 0)
		close(netns_orig);
	netns_priv = netns_orig = -1;
}

/*
 * The calling thread unshares a network namespace of its own (CLONE_NEWNET
 * moves only the calling thread; no fork, which would hand other threads'
 * descriptors to a child), keeps an fd to it, and goes back at once.
 */
static int netns_prepare(void)
{
	int err = 0;

	if (netns_priv >= 0)
		return 0;
	netns_orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (netns_orig < 0)
		return -errno;
	if (unshare(CLONE_NEWNET)) {
		err = -errno;
		goto fail;
	}
	netns_priv = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (netns_priv < 0)
		err = -errno;
	if (setns(netns_orig, CLONE_NEWNET) && !err)
		err = -errno;
	if (!err)
		return 0;
fail:
	netns_drop();
	return err;
}

/*
 * The XDP program attached to this thread's lo (a dup of its fd), -1 if none.
 * Every XDP attach and detach rebuilds the kernel's XDP dispatcher (a new
 * image, a text poke and an RCU grace period, under RTNL: ~12 ms each, and
 * no two at once). So one program is not detached before the next attaches:
 * the next one replaces it (XDP_FLAGS_REPLACE, the full attach checks of
 * dev_xdp_attach), one rebuild per program instead of two; the last is
 * detached when the thread's XDP work ends (xdp_lane_end).
 */
static __thread int xdp_cur = -1;

static int xdp_attach_lo(int fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = xdp_cur);
	__u32 flags = xdp_cur >= 0 ? XDP_FLAGS_REPLACE : XDP_FLAGS_UPDATE_IF_NOEXIST;
	int err = bpf_xdp_attach(1 /* lo */, fd, flags, xdp_cur >= 0 ? &o : NULL);
	int dup;

	if (err)
		return -err; /* the previous program stays attached */
	dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (xdp_cur >= 0)
		close(xdp_cur);
	xdp_cur = dup;
	if (dup < 0) {
		/* cannot name it for the next replace: detach it now */
		bpf_xdp_detach(1, 0, NULL);
	}
	return 0;
}

/* Detach this thread's last XDP program; in the thread's own namespace. */
static void xdp_lane_end(void)
{
	if (xdp_cur < 0)
		return;
	if (netns_priv >= 0 && !setns(netns_priv, CLONE_NEWNET)) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = xdp_cur);

		bpf_xdp_detach(1, XDP_FLAGS_REPLACE, &o);
		if (setns(netns_orig, CLONE_NEWNET))
			pr_warn("compat: cannot go back to the original network namespace: %s",
				bpfgauge_strerror(-errno));
	}
	close(xdp_cur);
	xdp_cur = -1;
}

/* XDP or tc on lo of the private namespace (tc detached here); positive errno or 0. */
static int attach_in_netns(struct bpf_program *prog, enum compat_kind kind)
{
	int err = -netns_prepare();

	if (err)
		return err;
	if (setns(netns_priv, CLONE_NEWNET))
		return errno;
	if (kind == COMPAT_KIND_XDP) {
		err = xdp_attach_lo(bpf_program__fd(prog));
	} else {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = 1, .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, o, .prog_fd = bpf_program__fd(prog));

		err = -bpf_tc_hook_create(&hook);
		if (!err || err == EEXIST)
			err = -bpf_tc_attach(&hook, &o);
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook); /* removes the clsact qdisc and its filters */
	}
	if (setns(netns_orig, CLONE_NEWNET) && !err)
		err = errno;
	return err;
}

/*
 * Detaching waits for RCU grace periods (tracepoints: tens of ms each), so
 * each program's link and object are released at once but on their own
 * thread, where the waits overlap; compat_live_finish() joins them.
 */
struct release_job {
	struct bpf_link *link;
	struct bpf_object *obj;
};

static pthread_t *releasers;
static size_t nreleasers, capreleasers;
static pthread_mutex_t releasers_lock = PTHREAD_MUTEX_INITIALIZER;

static void *release_worker(void *arg)
{
	struct release_job *j = arg;

	bpf_link__destroy(j->link);
	bpf_object__close(j->obj);
	free(j);
	return NULL;
}

static void release_async(struct bpf_link *link, struct bpf_object *obj)
{
	struct release_job *j = malloc(sizeof(*j));

	pthread_mutex_lock(&releasers_lock);
	if (j && nreleasers == capreleasers) {
		size_t cap = capreleasers ? capreleasers * 2 : 64;
		pthread_t *v = realloc(releasers, cap * sizeof(*v));

		if (v) {
			releasers = v;
			capreleasers = cap;
		}
	}
	if (j && nreleasers < capreleasers) {
		j->link = link;
		j->obj = obj;
		if (!pthread_create(&releasers[nreleasers], NULL, release_worker, j)) {
			nreleasers++;
			pthread_mutex_unlock(&releasers_lock);
			return;
		}
	}
	pthread_mutex_unlock(&releasers_lock);
	free(j);
	bpf_link__destroy(link);
	bpf_object__close(obj);
}

void compat_live_finish(void)
{
	for (size_t i = 0; i < nreleasers; i++)
		pthread_join(releasers[i], NULL);
	free(releasers);
	releasers = NULL;
	nreleasers = capreleasers = 0;
	xdp_lane_end();
	netns_drop();
}

/* Iterators over a map need that map at attach time. */
static bool iter_needs_map(const struct compat_prog *p)
{
	return p->kind == COMPAT_KIND_ITER &&
	       (!strcmp(p->target, "bpf_map_elem") || !strcmp(p->target, "bpf_sk_storage_map") ||
		!strcmp(p->target, "sockmap"));
}

static bool auto_attach(const struct compat_prog *p)
{
	if (iter_needs_map(p))
		return false;
	switch (p->kind) {
	case COMPAT_KIND_KPROBE:
	case COMPAT_KIND_KSYSCALL:
	case COMPAT_KIND_KPROBE_MULTI:
	case COMPAT_KIND_TRACEPOINT:
	case COMPAT_KIND_RAW_TP:
	case COMPAT_KIND_TP_BTF:
	case COMPAT_KIND_FENTRY:
	case COMPAT_KIND_FMOD_RET:
	case COMPAT_KIND_LSM:
	case COMPAT_KIND_ITER:
		return true;
	default:
		return false;
	}
}

static void compare(struct compat_result *res)
{
	struct compat_live *l = &res->live;
	enum compat_verdict want = res->verdict;
	char got[64];

	if (l->load_err)
		l->verdict = COMPAT_FAIL_LOAD;
	else if (l->attach_err)
		l->verdict = COMPAT_FAIL_ATTACH;
	else if (!l->attach_tried)
		l->verdict = COMPAT_LOADS;
	else
		l->verdict = COMPAT_OK;
	snprintf(got, sizeof(got), "%s%s%s", compat_verdict_name(l->verdict),
		 l->load_err || l->attach_err ? " " : "",
		 l->load_err ? compat_errno_name(l->load_err)
			     : l->attach_err ? compat_errno_name(l->attach_err) : "");
	switch (want) {
	case COMPAT_FAIL_LOAD:
		l->agrees = l->load_err == res->err;
		break;
	case COMPAT_FAIL_ATTACH:
		l->agrees = !l->load_err && l->attach_err == res->err;
		break;
	case COMPAT_NO_RUN:
		/* attaching succeeds; that it never runs is not observable here */
		l->agrees = !l->load_err && !l->attach_err;
		break;
	case COMPAT_OK:
	case COMPAT_LOADS:
		l->agrees = !l->load_err && !l->attach_err;
		break;
	case COMPAT_UNKNOWN:
		l->agrees = true; /* nothing was predicted */
		break;
	}
	if (!l->agrees)
		snprintf(l->disagreement, sizeof(l->disagreement), "predicted %s%s%s, observed %s",
			 compat_verdict_name(want), res->err ? " " : "",
			 res->err ? compat_errno_name(res->err) : "", got);
}

/* kept for the thread: one per run, not per program */
static __thread char *logbuf;

/* The load failed: the verifier's last line says most; else libbpf's. */
static void live_load_failed(struct compat_live *l, int err)
{
	char *end, *line;
	bool stats;

	if (!logbuf) {
		l->load_err = -err;
		snprintf(l->detail, sizeof(l->detail), "%s", lb_last);
		return;
	}
	end = logbuf + strlen(logbuf);
	for (;;) {
		while (end > logbuf && end[-1] == '\n')
			*--end = 0;
		line = strrchr(logbuf, '\n');
		line = line ? line + 1 : logbuf;
		/* the stats (verification time, stack depth, processed) follow the error */
		stats = !strncmp(line, "processed ", 10) || !strncmp(line, "stack depth ", 12) ||
			!strncmp(line, "verification time ", 18);
		if (!stats || line == logbuf)
			break;
		end = line;
	}
	if (stats)
		line = end = logbuf + strlen(logbuf); /* stats only: libbpf's line says more */
	l->load_err = -err;
	snprintf(l->detail, sizeof(l->detail), "%s", *line ? line : lb_last);
}

/* It loaded: attach where no target is needed; the link (or NULL) is the caller's. */
static struct bpf_link *live_attach(struct compat_live *l, const struct compat_prog *p,
				    struct bpf_program *prog)
{
	struct bpf_link *link = NULL;

	if ((p->kind == COMPAT_KIND_XDP && !p->target[0]) || p->kind == COMPAT_KIND_TC) {
		/* (xdp/cpumap and xdp/devmap programs attach to map entries instead) */
		l->attach_tried = true;
		l->attach_err = attach_in_netns(prog, p->kind);
		snprintf(l->detail, sizeof(l->detail), "%s lo in a private network namespace%s%s",
			 l->attach_err ? "attaching to" : "attached to", l->attach_err ? ": " : "",
			 l->attach_err ? compat_errno_name(l->attach_err) : "");
	} else if (auto_attach(p)) {
		lb_last[0] = 0;
		l->attach_tried = true;
		link = bpf_program__attach(prog);
		if (!link) {
			l->attach_err = errno;
			snprintf(l->detail, sizeof(l->detail), "%s", lb_last);
		} else {
			snprintf(l->detail, sizeof(l->detail), "attached and detached");
		}
	} else {
		snprintf(l->detail, sizeof(l->detail), "loaded; not attached (needs a target)");
	}
	return link;
}

/* One check, into l; libbpf's print callback is libbpf_last already. */
static int live_check(const struct compat_prog *p, struct compat_live *l)
{
	struct bpf_link *link = NULL;
	struct bpf_object *obj;
	struct bpf_program *prog;
	int err;

	memset(l, 0, sizeof(*l));
	lb_last[0] = 0;
	obj = bpf_object__open_file(p->object, NULL);
	if (!obj) {
		err = -errno;
		pr_warn("compat: libbpf cannot open '%s': %s", p->object, bpfgauge_strerror(err));
		return bg_err(err);
	}
	if (p->kind == COMPAT_KIND_FREPLACE) {
		/* libbpf loads it only with a target program (set_attach_target) */
		bpf_object__close(obj);
		l->done = true;
		l->verdict = COMPAT_UNKNOWN;
		l->agrees = true;
		snprintf(l->detail, sizeof(l->detail),
			 "not loaded: freplace needs a target program (bpf_program__set_attach_target)");
		return 0;
	}
	fixup(obj, p->name);
	prog = bpf_object__find_program_by_name(obj, p->name);
	if (!prog) {
		bpf_object__close(obj);
		return bg_err(-ENOENT);
	}
	/*
	 * Stats only (BPF_LOG_STATS, as veristat and verifier stats load): the
	 * verifier's error lines and its summary, one verification. Level 0
	 * would make libbpf verify a failing program a second time at level 1,
	 * whose instruction trace slows the verifier down several times (a
	 * program that hits the 1M-instruction limit: 19 s instead of 4.5 s)
	 * and can overflow the buffer (ENOSPC) where the program would load.
	 */
	if (!logbuf)
		logbuf = malloc(LIVE_LOG_SIZE);
	if (logbuf) {
		logbuf[0] = 0;
		bpf_program__set_log_buf(prog, logbuf, LIVE_LOG_SIZE);
		bpf_program__set_log_level(prog, 4);
	}
	err = bpf_object__load(obj);
	l->done = true;
	if (err) {
		live_load_failed(l, err);
	} else {
		link = live_attach(l, p, prog);
	}
	release_async(link, obj);
	return 0;
}

/* XDP programs that attach to a device: they go to one thread (see xdp_cur). */
static bool xdp_lane(const struct compat_prog *p)
{
	return p->kind == COMPAT_KIND_XDP && (!p->target || !p->target[0]);
}

struct compat_live_run {
	const struct compat_prog **progs;
	struct compat_live *live;
	size_t n;
	size_t *xdp, nxdp, next_xdp; /* indices of the XDP lane's programs */
	size_t *rest, nrest, next_rest;
	size_t failed;
	int err;
	pthread_mutex_t lock;
	pthread_t *th;
	int started;
	libbpf_print_fn_t old_print;
};

/* The next index from queue q (its next counter *next), or SIZE_MAX. */
static size_t run_take(struct compat_live_run *r, const size_t *q, size_t nq, size_t *next)
{
	size_t i = SIZE_MAX;

	pthread_mutex_lock(&r->lock);
	if (*next < nq)
		i = q[(*next)++];
	pthread_mutex_unlock(&r->lock);
	return i;
}

static void run_check(struct compat_live_run *r, size_t i)
{
	int err = live_check(r->progs[i], &r->live[i]);

	pthread_mutex_lock(&r->lock);
	if (err && (!r->err || i < r->failed)) {
		r->err = err;
		r->failed = i;
	}
	pthread_mutex_unlock(&r->lock);
}

static void run_worker(struct compat_live_run *r, bool lane)
{
	size_t i;

	in_live = true;
	if (lane) {
		while ((i = run_take(r, r->xdp, r->nxdp, &r->next_xdp)) != SIZE_MAX)
			run_check(r, i);
		xdp_lane_end();
	}
	while ((i = run_take(r, r->rest, r->nrest, &r->next_rest)) != SIZE_MAX)
		run_check(r, i);
	/* this thread's namespace: its attaches are all detached by now */
	netns_drop();
	free(logbuf);
	logbuf = NULL;
	in_live = false;
}

static void *lane_worker(void *arg)
{
	run_worker(arg, true);
	return NULL;
}

static void *rest_worker(void *arg)
{
	run_worker(arg, false);
	return NULL;
}

/*
 * Two threads per CPU: the attach and detach waits (RCU grace periods, the
 * XDP dispatcher under RTNL) overlap, while the loads, CPU and page-fault
 * bound, do not crowd each other out (measured, 100 programs on 2 CPUs: 8
 * threads 385 ms, 4 threads 295 ms, 2 threads 319 ms).
 */
static int live_default_jobs(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus < 1)
		cpus = 1;
	return cpus >= 4 ? 8 : (int)(2 * cpus);
}

static void run_free(struct compat_live_run *r)
{
	pthread_mutex_destroy(&r->lock);
	free(r->progs);
	free(r->live);
	free(r->xdp);
	free(r->rest);
	free(r->th);
	free(r);
}

struct compat_live_run *compat_live_start(const struct compat_prog *const *progs, size_t n,
					  int jobs)
{
	struct compat_live_run *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (jobs <= 0)
		jobs = live_default_jobs();
	if ((size_t)jobs > n)
		jobs = n ? (int)n : 1;
	r->n = n;
	r->progs = calloc(n ? n : 1, sizeof(*r->progs));
	r->live = calloc(n ? n : 1, sizeof(*r->live));
	r->xdp = calloc(n ? n : 1, sizeof(*r->xdp));
	r->rest = calloc(n ? n : 1, sizeof(*r->rest));
	r->th = calloc(jobs, sizeof(*r->th));
	pthread_mutex_init(&r->lock, NULL);
	if (!r->progs || !r->live || !r->xdp || !r->rest || !r->th) {
		run_free(r);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		r->progs[i] = progs[i];
		if (xdp_lane(progs[i]))
			r->xdp[r->nxdp++] = i;
		else
			r->rest[r->nrest++] = i;
	}
	r->old_print = libbpf_set_print(libbpf_last);
	old_print = r->old_print;
	for (int t = 0; t < jobs; t++) {
		if (pthread_create(&r->th[r->started], NULL, t ? rest_worker : lane_worker, r))
			break; /* the lane, at least, or none: then compat_live_wait checks them */
		r->started++;
	}
	return r;
}

int compat_live_wait(struct compat_live_run *r, struct compat_result *res, size_t *failed)
{
	int err;

	if (!r->started)
		run_worker(r, true); /* no thread could start: check them here */
	for (int t = 0; t < r->started; t++)
		pthread_join(r->th[t], NULL);
	libbpf_set_print(r->old_print);
	old_print = NULL;
	for (size_t i = 0; res && i < r->n; i++) {
		res[i].live = r->live[i];
		/* (an freplace program was not loaded: its live verdict is set) */
		if (res[i].live.done && r->progs[i]->kind != COMPAT_KIND_FREPLACE)
			compare(&res[i]);
	}
	if (failed)
		*failed = r->failed;
	err = r->err;
	run_free(r);
	return err ? bg_err(err) : 0;
}

int compat_live_check_all(struct compat_result *res, size_t n, int jobs, size_t *failed)
{
	const struct compat_prog **progs = calloc(n ? n : 1, sizeof(*progs));
	struct compat_live_run *r;

	if (!progs)
		return bg_err(-ENOMEM);
	for (size_t i = 0; i < n; i++)
		progs[i] = res[i].prog;
	r = compat_live_start(progs, n, jobs);
	free(progs);
	if (!r)
		return bg_err(-ENOMEM);
	return compat_live_wait(r, res, failed);
}
