/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * User-space side of the coverage tracer: loads the embedded BPF tracer for
 * one process tree, takes a reference to every counter map the tree creates
 * (the creating thread waits, stopped, until we have it) and reads them all
 * once the command is done.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfgauge_internal.h"
#include "cov_btf.h"
#include "cov_internal.h"
#include "cov_tracer.h"
#include "cov_tracer.skel.h"

struct held {
	uint32_t id;
	int fd;
};

struct stopped {
	uint32_t tgid, tid;
};

struct cov_tracer {
	struct cov_tracer_bpf *skel;
	struct ring_buffer *rb;
	struct held *held;
	size_t nheld, nchecked; /* held[nchecked..] not yet checked for counters */
	struct stopped *stopped; /* creators waiting for their map to be taken */
	size_t nstopped, cstopped;
	size_t missed; /* maps gone before we could take them (should not happen) */
	int err;
};

/* Has thread tid of tgid entered its stop? (/proc/PID/task/TID/stat state T) */
static bool thread_stopped(uint32_t tgid, uint32_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/stat", tgid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true; /* gone: nothing to wait for */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may contain spaces */
	return !p || p[1] != ' ' || p[2] == 'T' || p[2] == 't' || p[2] == 'Z' || p[2] == 'X';
}

/* Wait (at most ~200 ms) until thread tid of tgid has really stopped. */
static void wait_stopped(uint32_t tgid, uint32_t tid)
{
	struct timespec ts = { 0, 20000 };

	for (int i = 0; i < 10000 && !thread_stopped(tgid, tid); i++)
		nanosleep(&ts, NULL);
}

static bool is_counter_map(int fd)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	struct cov_slices sl;
	int ret;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return false;
	ret = cov_counter_map_probe(fd, &info, &sl);
	cov_slices_release(&sl);
	return ret > 0;
}

/*
 * One map created by the tree: take our reference at once (the creator is
 * stopping), and note the creator to resume. Nothing slower happens here:
 * SIGSTOP stops the creator's whole process, so one SIGCONT resumes all its
 * threads, also those whose event is still queued; every fd is taken before
 * any of them is resumed (resume_stopped).
 */
static int on_event(void *ctx, void *data, size_t size)
{
	const struct cov_tracer_event *e = data;
	struct cov_tracer *t = ctx;
	int fd;

	if (size < sizeof(*e))
		return 0;
	fd = bpf_map_get_fd_by_id(e->id);
	if (t->nstopped == t->cstopped) {
		size_t cap = t->cstopped ? t->cstopped * 2 : 16;
		void *n = realloc(t->stopped, cap * sizeof(*t->stopped));

		if (!n) {
			kill(e->tgid, SIGCONT); /* never leave it stopped */
			if (fd >= 0)
				close(fd);
			return t->err = -ENOMEM;
		}
		t->stopped = n;
		t->cstopped = cap;
	}
	t->stopped[t->nstopped++] = (struct stopped){ e->tgid, e->tid };
	if (fd < 0) {
		t->missed++;
		return 0;
	}
	void *n = realloc(t->held, (t->nheld + 1) * sizeof(*t->held));
	if (!n) {
		close(fd);
		return t->err = -ENOMEM;
	}
	t->held = n;
	t->held[t->nheld++] = (struct held){ e->id, fd };
	return 0;
}

/*
 * Resume the creators once every queued map is ours: wait until each has
 * really stopped (SIGCONT discards a stop that is not queued yet), take the
 * maps of events that came meanwhile (a thread stops only after its event
 * is submitted), then resume.
 */
static void resume_stopped(struct cov_tracer *t)
{
	size_t done = 0;

	while (done < t->nstopped) {
		size_t n = t->nstopped;

		for (size_t i = done; i < n; i++)
			wait_stopped(t->stopped[i].tgid, t->stopped[i].tid);
		done = n;
		ring_buffer__consume(t->rb); /* may add more */
	}
	for (size_t i = 0; i < t->nstopped; i++)
		kill(t->stopped[i].tgid, SIGCONT);
	t->nstopped = 0;
}

/* A global-data map (any DATASEC value) may hold no counters: keep only those that do. */
static void drop_non_counters(struct cov_tracer *t)
{
	size_t k = t->nchecked;

	for (size_t i = t->nchecked; i < t->nheld; i++) {
		if (is_counter_map(t->held[i].fd))
			t->held[k++] = t->held[i];
		else
			close(t->held[i].fd);
	}
	t->nheld = t->nchecked = k;
}

static int print_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int cov_tracer__start(int root_pid, struct cov_tracer **out)
{
	libbpf_print_fn_t old;
	struct cov_tracer *t;
	int err;

	*out = NULL;
	/* failures are the caller's to report: it says what they mean for it */
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		pr_debug("cov run: this kernel has no BTF (/sys/kernel/btf/vmlinux): the tracer needs it");
		return bg_err(-BPFGAUGE_ENOBTF);
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return bg_err(-ENOMEM);
	old = libbpf_set_print(print_quiet);
	t->skel = cov_tracer_bpf__open();
	if (t->skel) {
		t->skel->rodata->root_tgid = root_pid;
		err = cov_tracer_bpf__load(t->skel);
		if (!err)
			err = cov_tracer_bpf__attach(t->skel);
	} else {
		err = -errno;
	}
	libbpf_set_print(old);
	if (err) {
		pr_debug("cov run: cannot load the coverage tracer: %s", bpfgauge_strerror(err));
		goto fail;
	}
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_event, t, NULL);
	if (!t->rb) {
		err = -errno;
		goto fail;
	}
	*out = t;
	return 0;
fail:
	cov_tracer__free(t);
	return bg_err(err);
}

int cov_tracer__poll(struct cov_tracer *t, int timeout_ms)
{
	int n = ring_buffer__poll(t->rb, timeout_ms);

	resume_stopped(t);
	drop_non_counters(t);
	if (n < 0 && n != -EINTR)
		return bg_err(n);
	return bg_err(t->err);
}

int cov_tracer__finish(struct cov_tracer *t, struct cov_snapshot **out, size_t *nmaps,
		       size_t *nmissed)
{
	struct cov_snapshot *snap;
	int err = 0;

	*out = NULL;
	*nmaps = 0;
	cov_tracer_bpf__detach(t->skel);
	ring_buffer__consume(t->rb);
	resume_stopped(t);
	drop_non_counters(t);
	*nmissed = t->missed;
	if (t->err)
		return bg_err(t->err);
	snap = cov_snapshot_new();
	if (!snap)
		return bg_err(-ENOMEM);
	for (size_t i = 0; !err && i < t->nheld; i++) {
		struct bpf_map_info info = {};
		uint32_t len = sizeof(info);
		void *v = NULL;
		size_t size;
		int ret;

		if (bpf_obj_get_info_by_fd(t->held[i].fd, &info, &len) || info.max_entries != 1)
			continue;
		/* its own map or the shared .data (cov_btf.c): only the counters */
		ret = cov_counter_map_read(t->held[i].fd, &info, &v, &size);
		if (ret == -ENOMEM)
			err = ret;
		if (ret > 0) {
			err = cov_snapshot_add(snap, info.id, v, size);
			(*nmaps)++;
		}
		free(v);
	}
	if (err) {
		cov_snapshot__free(snap);
		return bg_err(err);
	}
	*out = snap;
	return 0;
}

void cov_tracer__free(struct cov_tracer *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nstopped; i++) /* never leave a creator stopped */
		kill(t->stopped[i].tgid, SIGCONT);
	free(t->stopped);
	ring_buffer__free(t->rb);
	cov_tracer_bpf__destroy(t->skel);
	for (size_t i = 0; i < t->nheld; i++)
		close(t->held[i].fd);
	free(t->held);
	free(t);
}
