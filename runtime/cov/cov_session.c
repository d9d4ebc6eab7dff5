/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A coverage session: the one snapshot-to-model loop. It gathers the
 * mappings of the objects, the counter map values (live, from snapshot
 * files, from the tracer) and lcov tracefiles, builds one model from them,
 * keeps the values that belong to no object, and checks thresholds on the
 * summary. `cov report`, `cov run` and `cov summary` are thin around it.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge_internal.h"
#include "cov_internal.h"

struct cov_session {
	struct cov_mapping *map;       /* NULL before the first object */
	struct cov_snapshot *pending;  /* values not built yet; NULL when none */
	struct cov_snapshot *unmatched; /* built values with a segment of no module */
	struct cov_model *model;
	struct cov_session_stats st;
};

struct cov_session *cov_session__new(const char *test_name)
{
	struct cov_session *s = calloc(1, sizeof(*s));

	if (!s)
		return bg_err_ptr(-ENOMEM);
	s->model = cov_model__new(test_name);
	s->unmatched = cov_snapshot_new();
	if (!s->model || !s->unmatched) {
		int err = s->model ? -ENOMEM : -errno;

		cov_session__free(s);
		return bg_err_ptr(err);
	}
	return s;
}

void cov_session__free(struct cov_session *s)
{
	if (!s)
		return;
	cov_mapping__free(s->map);
	cov_snapshot__free(s->pending);
	cov_snapshot__free(s->unmatched);
	cov_model__free(s->model);
	free(s);
}

int cov_session__add_mapping(struct cov_session *s, struct cov_mapping *m)
{
	int err;

	if (!s->map) {
		s->map = m;
		return 0;
	}
	err = cov_mapping__merge(s->map, m);
	cov_mapping__free(m);
	return bg_err(err);
}

int cov_session__add_object(struct cov_session *s, const char *path)
{
	struct cov_mapping *m;
	int err = cov_mapping__from_file(path, &m);

	if (err)
		return bg_err(err);
	return cov_session__add_mapping(s, m);
}

const struct cov_mapping *cov_session__mapping(const struct cov_session *s)
{
	return s->map;
}

/* Move value i of src to the end of dst. */
static int snapshot_move(struct cov_snapshot *dst, const struct cov_snapshot *src, size_t i)
{
	size_t size;
	uint32_t id;
	const void *v = cov_snapshot__value(src, i, &size, &id);

	return cov_snapshot_add(dst, id, v, size);
}

int cov_session__add_snapshot(struct cov_session *s, struct cov_snapshot *snap)
{
	int err = 0;

	if (!s->pending) {
		s->pending = snap;
		return 0;
	}
	for (size_t i = 0; !err && i < cov_snapshot__cnt(snap); i++)
		err = snapshot_move(s->pending, snap, i);
	cov_snapshot__free(snap);
	return bg_err(err);
}

int cov_session__add_snapshot_file(struct cov_session *s, const char *path)
{
	struct cov_snapshot *snap;
	int err = cov_snapshot__read(path, &snap);

	return err ? bg_err(err) : cov_session__add_snapshot(s, snap);
}

int cov_session__add_live(struct cov_session *s)
{
	struct cov_snapshot *snap;
	int err = cov_snapshot__capture(&snap);

	return err ? bg_err(err) : cov_session__add_snapshot(s, snap);
}

size_t cov_session__pending_cnt(const struct cov_session *s)
{
	return s->pending ? cov_snapshot__cnt(s->pending) : 0;
}

const struct cov_snapshot *cov_session__pending(const struct cov_session *s)
{
	return s->pending;
}

int cov_session__add_lcov(struct cov_session *s, const char *path)
{
	return cov_model__read_lcov(s->model, path);
}

/*
 * Add value i of the pending values; one whose segments are not all of a
 * module goes to the unmatched values. Without any mapping every value is
 * unmatched as it is (it is not even validated: the stats then count no
 * segment).
 */
static int build_one(struct cov_session *s, size_t i)
{
	size_t size, um = s->st.segments_unmatched;
	const void *v = cov_snapshot__value(s->pending, i, &size, NULL);
	int err = 0;

	if (s->map)
		err = cov_model__add_counters(s->model, s->map, v, size, &s->st.segments_unmatched);
	if (err)
		return err;
	s->st.values++;
	if (s->map && um == s->st.segments_unmatched) {
		s->st.values_matched++;
		return 0;
	}
	return snapshot_move(s->unmatched, s->pending, i);
}

int cov_session__build(struct cov_session *s, uint32_t *bad_map_id)
{
	size_t n = cov_session__pending_cnt(s), i;
	int err = 0;

	for (i = 0; !err && i < n; i++)
		err = build_one(s, i);
	if (err) {
		if (bad_map_id)
			cov_snapshot__value(s->pending, i - 1, NULL, bad_map_id);
		return bg_err(err);
	}
	cov_snapshot__free(s->pending);
	s->pending = NULL;
	return 0;
}

void cov_session__stats(const struct cov_session *s, struct cov_session_stats *st)
{
	*st = s->st;
}

const struct cov_snapshot *cov_session__unmatched(const struct cov_session *s)
{
	return s->unmatched;
}

struct describe_ctx {
	const struct cov_mapping *map;
	char *desc;
	size_t size, len, nseg;
};

static int describe_seg(const struct bpfgauge_seg_hdr *h, const void *probes, void *ctx)
{
	struct describe_ctx *c = ctx;

	for (size_t k = 0; c->map && k < cov_mapping__module_cnt(c->map); k++)
		if (cov_mapping__module_hash(c->map, k) == h->hash)
			return 0;
	if (c->nseg < 3 && c->len < c->size)
		c->len += snprintf(c->desc + c->len, c->size - c->len,
				   "%s%s-mode segment %016" PRIx64 " of %u probes", c->nseg ? ", " : "",
				   h->mode == BPFGAUGE_MODE_COUNTS ? "counts" : "hits", h->hash,
				   h->nprobes);
	else if (c->nseg == 3 && c->len < c->size)
		c->len += snprintf(c->desc + c->len, c->size - c->len, ", ...");
	c->nseg++;
	return 0;
}

size_t cov_session__describe_unmatched(const struct cov_session *s, char *desc, size_t size)
{
	struct describe_ctx c = { s->map, desc, size, 0, 0 };

	if (size)
		desc[0] = 0;
	/* a malformed value (kept when no object was found) describes what precedes the damage */
	for (size_t i = 0; i < cov_snapshot__cnt(s->unmatched); i++) {
		size_t vsize;
		const void *v = cov_snapshot__value(s->unmatched, i, &vsize, NULL);

		cov_segments_walk(v, vsize, describe_seg, &c);
	}
	return c.nseg;
}

const struct cov_model *cov_session__model(const struct cov_session *s)
{
	return s->model;
}

void cov_session__summary(const struct cov_session *s, struct cov_summary *sum)
{
	cov_model__summary(s->model, sum);
}

const char *cov_kind_name(enum cov_kind k)
{
	static const char *const names[COV_NKINDS] = { "lines", "functions", "branches" };

	assert(k < COV_NKINDS);
	return names[k];
}

bool cov_summary__check(const struct cov_summary *sum, const double min[COV_NKINDS],
			struct cov_check res[COV_NKINDS])
{
	const uint64_t found[COV_NKINDS] = { sum->lines_found, sum->funcs_found,
					     sum->branches_found };
	const uint64_t hit[COV_NKINDS] = { sum->lines_hit, sum->funcs_hit, sum->branches_hit };
	bool all = true;

	for (int k = 0; k < COV_NKINDS; k++) {
		struct cov_check *r = &res[k];

		r->found = found[k];
		r->hit = hit[k];
		r->percent = found[k] ? 100.0 * hit[k] / found[k] : 0.0;
		r->min = min[k];
		/* a threshold over nothing fails: an empty report must not pass a gate */
		r->ok = min[k] < 0 || (found[k] && r->percent >= min[k]);
		all &= r->ok;
	}
	return all;
}
