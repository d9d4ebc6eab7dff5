/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The batch loader: every (object, program) job loaded with vload_prog on a
 * pool of worker threads, results kept in input order with a per-job error
 * and reason, progress reported through the caller's callback. Workers never
 * log warnings, so nothing they do races on a caller's print callback.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfgauge/vload.h"
#include "bpfgauge_internal.h"
#include "vload_internal.h"

#define BATCH_MAX_THREADS 1024

struct batch {
	struct vload_job *jobs;
	size_t n;
	size_t next;  /* the next job to take, under lock */
	size_t done;  /* finished jobs, under lock */
	const struct vload_batch_opts *o;
	pthread_mutex_t lock;
};

static struct vload_job *batch_take(struct batch *b, size_t *idx)
{
	struct vload_job *j = NULL;

	pthread_mutex_lock(&b->lock);
	if (b->next < b->n) {
		*idx = b->next++;
		j = &b->jobs[*idx];
	}
	pthread_mutex_unlock(&b->lock);
	return j;
}

static void batch_done(struct batch *b)
{
	pthread_mutex_lock(&b->lock);
	b->done++;
	if (b->o->progress)
		b->o->progress(b->done, b->n, b->o->ctx);
	pthread_mutex_unlock(&b->lock);
}

static void batch_run_one(struct batch *b, struct vload_job *j, size_t i)
{
	struct vload_result res;
	char why[1024];

	j->rec = NULL;
	j->reason = NULL;
	j->err = vload_prog_reason(j->path, j->prog, b->o->load, &res, why, sizeof(why));
	if (j->err) {
		if (!why[0]) /* out of memory: no reason was written */
			snprintf(why, sizeof(why), "%s: program '%s': %s", j->path, j->prog,
				 bpfgauge_strerror(j->err));
		j->reason = strdup(why);
		return;
	}
	if (b->o->on_result)
		b->o->on_result(j, i, &res, b->o->ctx);
	j->rec = res.rec;
	res.rec = NULL;
	vload_result_release(&res);
}

static void *batch_worker(void *arg)
{
	struct batch *b = arg;
	struct vload_job *j;
	size_t i;

	while ((j = batch_take(b, &i))) {
		batch_run_one(b, j, i);
		batch_done(b);
	}
	return NULL;
}

static size_t batch_threads(const struct vload_batch_opts *o, size_t n)
{
	long t = o->jobs > 0 ? o->jobs : sysconf(_SC_NPROCESSORS_ONLN);

	if (t < 1)
		t = 1;
	if (t > BATCH_MAX_THREADS)
		t = BATCH_MAX_THREADS;
	return (size_t)t > n ? (n ? n : 1) : (size_t)t;
}

int vload_batch(struct vload_job *jobs, size_t n, const struct vload_batch_opts *opts)
{
	struct vload_batch_opts o;
	struct batch b = { .jobs = jobs, .n = n, .o = &o };
	pthread_t *th = NULL;
	size_t nth, started = 0;

	if ((n && !jobs) || !OPTS_VALID(opts, vload_batch_opts))
		return bg_err(-EINVAL);
	OPTS_COPY(&o, opts); /* an older caller's struct is shorter: the rest stays 0 */
	for (size_t i = 0; i < n; i++)
		if (!jobs[i].path || !jobs[i].prog)
			return bg_err(-EINVAL);
	pthread_mutex_init(&b.lock, NULL);
	/* the calling thread is one of the workers: the batch finishes even if
	 * no thread can be created, and one that fails only shrinks the pool */
	nth = batch_threads(&o, n);
	if (nth > 1)
		th = calloc(nth - 1, sizeof(*th));
	for (size_t t = 0; th && t < nth - 1; t++) {
		if (pthread_create(&th[t], NULL, batch_worker, &b)) {
			pr_debug("verifier: batch runs on %zu threads, not %zu (pthread_create failed)",
				 started + 1, nth);
			break;
		}
		started++;
	}
	batch_worker(&b);
	for (size_t t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	free(th);
	pthread_mutex_destroy(&b.lock);
	assert(b.done == n);
	return 0;
}

void vload_job_release(struct vload_job *job)
{
	if (!job)
		return;
	vlog_record__free(job->rec);
	free(job->reason);
	job->rec = NULL;
	job->reason = NULL;
}

int vload_jobs_add_object(struct vload_job **jobs, size_t *n, const char *path)
{
	struct vload_job *m;
	char **names;
	size_t k;
	int err = vload_list_progs(path, &names, &k);

	if (err)
		return err;
	m = realloc(*jobs, (*n + k + 1) * sizeof(*m));
	if (!m) {
		vload_names_free(names);
		return bg_err(-ENOMEM);
	}
	*jobs = m;
	for (size_t i = 0; i < k; i++) {
		m[(*n)++] = (struct vload_job){ .path = path, .prog = names[i] };
		names[i] = NULL; /* moved */
	}
	free(names);
	return 0;
}

void vload_jobs_free(struct vload_job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		vload_job_release(&jobs[i]);
		free((char *)jobs[i].prog);
	}
	free(jobs);
}
