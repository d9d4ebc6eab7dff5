/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Collection of coverage counters from the kernel: from a libbpf object the
 * caller loaded (in-process), or from every live .data.bpfgauge map
 * (out-of-process), plus counter snapshots on disk and atomic file writes.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfgauge_internal.h"
#include "cov_btf.h"
#include "cov_internal.h"

static int map_read(int fd, uint32_t value_size, void **out)
{
	uint32_t zero = 0;
	void *buf = calloc(1, value_size ? value_size : 1);

	if (!buf)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &zero, buf)) {
		int err = -errno;

		free(buf);
		return err;
	}
	*out = buf;
	return 0;
}

/* The object's counter map, its own or the shared .data (cov_btf.c); sl says where. */
static struct bpf_map *find_counter_map(struct bpf_object *obj, struct cov_slices *sl)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
		if (cov_counter_map_probe_obj(obj, map, sl) > 0)
			return map;
	return NULL;
}

struct cov_model *bpfgauge_cov_collect(struct bpf_object *obj, const struct bpfgauge_cov_opts *opts)
{
	const char *oname = obj ? bpf_object__name(obj) : "(null)";
	struct cov_mapping *map = NULL;
	struct cov_model *model = NULL;
	struct cov_slices sl = {};
	struct bpf_map *cmap;
	void *value = NULL, *counters = NULL;
	size_t csize = 0;
	int err, fd;

	if (!OPTS_VALID(opts, bpfgauge_cov_opts))
		return bg_err_ptr(-EINVAL);
	if (!obj || !OPTS_GET(opts, object_path, NULL) == !OPTS_GET(opts, obj_buf, NULL)) {
		pr_warn("cov: collect '%s': opts must name object_path or obj_buf (libbpf does not expose the object's file)",
			oname);
		return bg_err_ptr(-EINVAL);
	}
	if (opts->object_path)
		err = cov_mapping__from_file(opts->object_path, &map);
	else
		err = cov_mapping__from_mem(opts->obj_buf, opts->obj_buf_sz, oname, &map);
	if (err)
		return bg_err_ptr(err);
	cmap = find_counter_map(obj, &sl);
	if (!cmap) {
		pr_warn("cov: object '%s' has no %s map and no counters in its .data (was it built with the bpfgauge pass?)",
			oname, BPFGAUGE_COUNTER_SEC);
		err = -BPFGAUGE_ECOUNTERS;
		goto out;
	}
	fd = bpf_map__fd(cmap);
	if (fd < 0) {
		pr_warn("cov: object '%s' is not loaded: its %s map has no fd", oname,
			bpf_map__name(cmap));
		err = -BPFGAUGE_ECOUNTERS;
		goto out;
	}
	err = map_read(fd, bpf_map__value_size(cmap), &value);
	if (!err)
		err = cov_slices_extract(&sl, value, bpf_map__value_size(cmap), &counters, &csize);
	if (err) {
		pr_warn("cov: object '%s': reading %s failed: %s", oname, bpf_map__name(cmap),
			bpfgauge_strerror(err));
		goto out;
	}
	model = cov_model__new(OPTS_GET(opts, test_name, NULL));
	if (!model) {
		err = -ENOMEM;
		goto out;
	}
	err = cov_model__add_counters(model, map, counters, csize, NULL);
out:
	free(counters);
	cov_slices_release(&sl);
	free(value);
	cov_mapping__free(map);
	if (err) {
		cov_model__free(model);
		return bg_err_ptr(err);
	}
	return model;
}

int bpfgauge_cov_reset(struct bpf_object *obj)
{
	struct cov_slices sl = {};
	struct bpf_map *cmap = obj ? find_counter_map(obj, &sl) : NULL;
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	int err, fd;

	if (!cmap || (fd = bpf_map__fd(cmap)) < 0) {
		pr_warn("cov: reset '%s': no loaded %s map", obj ? bpf_object__name(obj) : "(null)",
			BPFGAUGE_COUNTER_SEC);
		cov_slices_release(&sl);
		return bg_err(-BPFGAUGE_ECOUNTERS);
	}
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : cov_counter_map_reset(fd, &info, &sl);
	if (err)
		pr_warn("cov: reset '%s' failed: %s", bpf_object__name(obj), bpfgauge_strerror(err));
	cov_slices_release(&sl);
	return bg_err(err);
}

/*
 * The one walk over the kernel's maps: call cb(id, fd, info, sl, ctx) for
 * every live counter map (its own .data.bpfgauge map, or a shared .data
 * whose BTF names counter variables: cov_btf.c), sl being the byte ranges
 * of its value that hold counters, with an fd that is closed after the
 * call. Maps freed meanwhile are skipped. Stops at the first non-zero cb
 * return and returns it; a failure to list maps (-EPERM without root) is
 * logged.
 */
static int live_counter_maps(int (*cb)(uint32_t id, int fd, const struct bpf_map_info *info,
				       const struct cov_slices *sl, void *ctx),
			     void *ctx)
{
	uint32_t id = 0;
	int err = 0;

	while (!err) {
		struct bpf_map_info info = {};
		uint32_t len = sizeof(info);
		struct cov_slices sl = {};
		int fd;

		if (bpf_map_get_next_id(id, &id)) {
			if (errno == ENOENT)
				break;
			err = -errno;
			pr_warn("cov: cannot list kernel maps: %s%s", bpfgauge_strerror(err),
				err == -EPERM ? " (needs root or CAP_SYS_ADMIN)" : "");
			break;
		}
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue; /* freed meanwhile */
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			err = cov_counter_map_probe(fd, &info, &sl);
			err = err > 0 ? cb(id, fd, &info, &sl, ctx) : err;
		}
		cov_slices_release(&sl);
		close(fd);
	}
	return err;
}

/* The packed counters of a live map (*value, *size); -ENOENT: no element. */
static int live_counters(int fd, const struct bpf_map_info *info, const struct cov_slices *sl,
			 void **value, size_t *size)
{
	void *raw = NULL;
	int err = map_read(fd, info->value_size, &raw);

	if (!err)
		err = cov_slices_extract(sl, raw, info->value_size, value, size);
	free(raw);
	return err;
}

struct foreach_ctx {
	int (*cb)(uint32_t id, const void *value, size_t size, void *ctx);
	void *ctx;
};

static int foreach_value(uint32_t id, int fd, const struct bpf_map_info *info,
			 const struct cov_slices *sl, void *ctx)
{
	struct foreach_ctx *c = ctx;
	void *value = NULL;
	size_t size = 0;
	int err = live_counters(fd, info, sl, &value, &size);

	if (err == -ENOENT)
		return 0;
	if (!err)
		err = c->cb(id, value, size, c->ctx);
	free(value);
	return err;
}

int bpfgauge_cov_live_foreach(int (*cb)(uint32_t id, const void *value, size_t size, void *ctx),
			      void *ctx)
{
	struct foreach_ctx c = { cb, ctx };

	return bg_err(live_counter_maps(foreach_value, &c));
}

struct reset_ctx {
	const struct cov_mapping *filter;
	int n;
};

/* Zero one map's probes if it matches the filter; a map that cannot be read is left alone. */
static int reset_value(uint32_t id, int fd, const struct bpf_map_info *info,
		       const struct cov_slices *sl, void *ctx)
{
	struct reset_ctx *c = ctx;
	void *value = NULL;
	size_t size = 0;
	int err = 0;

	if (!live_counters(fd, info, sl, &value, &size) &&
	    (!c->filter || cov_mapping__matches_value(c->filter, value, size))) {
		err = cov_counter_map_reset(fd, info, sl);
		if (!err)
			c->n++;
	}
	free(value);
	return err;
}

int bpfgauge_cov_reset_live(const struct cov_mapping *filter, int *nreset)
{
	struct reset_ctx c = { filter, 0 };
	int err = live_counter_maps(reset_value, &c);

	*nreset = c.n;
	return bg_err(err);
}
