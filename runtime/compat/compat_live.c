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

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfgauge_internal.h"
#include "compat_internal.h"

#define LIVE_LOG_SIZE (16u << 20)

/* libbpf's first warning line for the load or attach running now: the cause;
 * later lines only say that the object failed */
static __thread char lb_last[256];

static int libbpf_last(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];

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

/* XDP or tc on lo of the private namespace, detached again here; positive errno or 0. */
static int attach_in_netns(struct bpf_program *prog, enum compat_kind kind)
{
	int err = -netns_prepare();

	if (err)
		return err;
	if (setns(netns_priv, CLONE_NEWNET))
		return errno;
	if (kind == COMPAT_KIND_XDP) {
		struct bpf_link *l = bpf_program__attach_xdp(prog, 1 /* lo */);

		/* detached here, not on a releaser thread: the next XDP program
		 * attaches to the same lo and would get EBUSY */
		if (!l)
			err = errno;
		bpf_link__destroy(l);
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

	if (!logbuf) {
		l->load_err = -err;
		snprintf(l->detail, sizeof(l->detail), "%s", lb_last);
		return;
	}
	end = logbuf + strlen(logbuf);
	while (end > logbuf && end[-1] == '\n')
		*--end = 0;
	line = strrchr(logbuf, '\n');
	line = line ? line + 1 : logbuf;
	if (!strncmp(line, "processed ", 10) && line > logbuf) {
		/* the stats line follows the error: take the line before it */
		line[-1] = 0;
		line = strrchr(logbuf, '\n');
		line = line ? line + 1 : logbuf;
	}
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

/* One check; libbpf's print callback is libbpf_last already. */
static int live_check(struct compat_result *res)
{
	const struct compat_prog *p = res->prog;
	struct compat_live *l = &res->live;
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
	 * No log level: libbpf loads without a log and, only if that fails,
	 * retries at level 1 into our buffer. Asking for a log up front makes
	 * big programs fail with ENOSPC that would load fine.
	 */
	if (!logbuf)
		logbuf = malloc(LIVE_LOG_SIZE);
	if (logbuf) {
		logbuf[0] = 0;
		bpf_program__set_log_buf(prog, logbuf, LIVE_LOG_SIZE);
	}
	err = bpf_object__load(obj);
	l->done = true;
	if (err)
		live_load_failed(l, err);
	else
		link = live_attach(l, p, prog);
	release_async(link, obj);
	compare(res);
	return 0;
}

int compat_live_check(struct compat_result *res)
{
	libbpf_print_fn_t old = libbpf_set_print(libbpf_last);
	int err = live_check(res);

	libbpf_set_print(old);
	return err;
}

struct live_batch {
	struct compat_result *res;
	size_t n, next, failed;
	int err;
	pthread_mutex_t lock;
};

static void *live_worker(void *arg)
{
	struct live_batch *b = arg;

	for (;;) {
		size_t i;
		int err;

		pthread_mutex_lock(&b->lock);
		i = b->next++;
		pthread_mutex_unlock(&b->lock);
		if (i >= b->n)
			break;
		err = live_check(&b->res[i]);
		pthread_mutex_lock(&b->lock);
		if (err && (!b->err || i < b->failed)) {
			b->err = err;
			b->failed = i;
		}
		pthread_mutex_unlock(&b->lock);
	}
	/* this thread's namespace: its attaches are all detached by now */
	netns_drop();
	free(logbuf);
	logbuf = NULL;
	return NULL;
}

int compat_live_check_all(struct compat_result *res, size_t n, int jobs, size_t *failed)
{
	struct live_batch b = { .res = res, .n = n, .lock = PTHREAD_MUTEX_INITIALIZER };
	libbpf_print_fn_t old;
	pthread_t *th;
	int started = 0;

	if (jobs <= 0)
		jobs = 8;
	if ((size_t)jobs > n)
		jobs = n ? (int)n : 1;
	th = calloc(jobs, sizeof(*th));
	old = libbpf_set_print(libbpf_last);
	for (int t = 0; th && t < jobs; t++)
		if (!pthread_create(&th[t], NULL, live_worker, &b))
			started++;
	if (!started)
		live_worker(&b); /* no thread could start: check them here */
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	libbpf_set_print(old);
	free(th);
	if (failed)
		*failed = b.failed;
	return b.err ? bg_err(b.err) : 0;
}
