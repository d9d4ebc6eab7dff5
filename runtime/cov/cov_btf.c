/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Counter maps found through BTF: with the pass's -bpfgauge-section=data the
 * counter segments share the program's .data map, whose name the loader
 * picks (libbpf "<obj>.data", cilium/ebpf ".data"), so the map is recognised
 * by its value type, a DATASEC holding __bpfgauge_cnt_<hash> variables, and
 * only their bytes are read. A map named BPFGAUGE_COUNTER_SEC is all
 * counters, as before.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfgauge_internal.h"
#include "cov_btf.h"
#include "cov_internal.h"

void cov_slices_release(struct cov_slices *sl)
{
	if (!sl)
		return;
	free(sl->s);
	sl->s = NULL;
	sl->n = 0;
}

static int slices_add(struct cov_slices *sl, uint32_t off, uint32_t size)
{
	struct cov_slice *n = realloc(sl->s, (sl->n + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	sl->s = n;
	sl->s[sl->n++] = (struct cov_slice){ off, size };
	return 0;
}

static int slice_cmp(const void *a, const void *b)
{
	const struct cov_slice *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * The counter variables of DATASEC type_id in btf, for a value of
 * value_size bytes: 1 if any, 0 if none (or not a DATASEC), -errno.
 * Variables that do not fit the value are ignored: a value that is not
 * what its BTF says holds no counters we could trust.
 */
static int slices_from_btf(const struct btf *btf, uint32_t type_id, uint32_t value_size,
			   struct cov_slices *sl)
{
	const struct btf_type *t = btf__type_by_id(btf, type_id);
	const struct btf_var_secinfo *vs;
	size_t plen = strlen(BPFGAUGE_COUNTER_SYM_PREFIX);
	int err;

	if (!t || !btf_is_datasec(t))
		return 0;
	vs = btf_var_secinfos(t);
	for (int i = 0; i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);
		const char *name = v && btf_is_var(v) ? btf__name_by_offset(btf, v->name_off) : NULL;

		if (!name || strncmp(name, BPFGAUGE_COUNTER_SYM_PREFIX, plen) ||
		    vs->size < sizeof(struct bpfgauge_seg_hdr) || vs->offset > value_size ||
		    vs->size > value_size - vs->offset)
			continue;
		err = slices_add(sl, vs->offset, vs->size);
		if (err) {
			cov_slices_release(sl);
			return err;
		}
	}
	if (sl->n > 1)
		qsort(sl->s, sl->n, sizeof(*sl->s), slice_cmp);
	return sl->n > 0;
}

int cov_counter_map_probe(int fd, const struct bpf_map_info *info, struct cov_slices *sl)
{
	struct btf *btf;
	int err;

	(void)fd;
	sl->n = 0;
	sl->s = NULL;
	if (info->type != BPF_MAP_TYPE_ARRAY || info->max_entries != 1 || !info->value_size)
		return 0;
	if (!strcmp(info->name, BPFGAUGE_COUNTER_SEC)) {
		err = slices_add(sl, 0, info->value_size);
		return err ? err : 1;
	}
	if (!info->btf_id || !info->btf_value_type_id)
		return 0;
	btf = btf__load_from_kernel_by_id(info->btf_id);
	if (!btf) {
		/* gone meanwhile, or unreadable: one map must not stop a scan */
		pr_debug("cov: map %u '%s': cannot read its BTF %u: %s", info->id, info->name,
			 info->btf_id, bpfgauge_strerror(-errno));
		return 0;
	}
	err = slices_from_btf(btf, info->btf_value_type_id, info->value_size, sl);
	btf__free(btf);
	return err;
}

int cov_counter_map_probe_obj(const struct bpf_object *obj, const struct bpf_map *map,
			      struct cov_slices *sl)
{
	const struct btf *btf = bpf_object__btf(obj);
	uint32_t size = bpf_map__value_size(map);
	int err;

	sl->n = 0;
	sl->s = NULL;
	if (bpf_map__type(map) != BPF_MAP_TYPE_ARRAY || bpf_map__max_entries(map) != 1 || !size)
		return 0;
	if (!strcmp(bpf_map__name(map), BPFGAUGE_COUNTER_SEC)) {
		err = slices_add(sl, 0, size);
		return err ? err : 1;
	}
	if (!btf || !bpf_map__btf_value_type_id(map))
		return 0;
	return slices_from_btf(btf, bpf_map__btf_value_type_id(map), size, sl);
}

int cov_slices_extract(const struct cov_slices *sl, const void *value, size_t size, void **out,
		       size_t *out_size)
{
	size_t total = 0;
	unsigned char *buf;

	*out = NULL;
	*out_size = 0;
	for (size_t i = 0; i < sl->n; i++) {
		if (sl->s[i].off > size || sl->s[i].size > size - sl->s[i].off)
			return -EINVAL;
		total += sl->s[i].size;
	}
	buf = malloc(total ? total : 1);
	if (!buf)
		return -ENOMEM;
	total = 0;
	for (size_t i = 0; i < sl->n; i++) {
		memcpy(buf + total, (const unsigned char *)value + sl->s[i].off, sl->s[i].size);
		total += sl->s[i].size;
	}
	*out = buf;
	*out_size = total;
	return 0;
}

int cov_counter_map_read(int fd, const struct bpf_map_info *info, void **out, size_t *out_size)
{
	struct cov_slices sl;
	uint32_t zero = 0;
	void *value;
	int err;

	*out = NULL;
	*out_size = 0;
	err = cov_counter_map_probe(fd, info, &sl);
	if (err <= 0)
		return err;
	value = calloc(1, info->value_size);
	if (!value) {
		err = -ENOMEM;
	} else if (bpf_map_lookup_elem(fd, &zero, value)) {
		err = -errno;
	} else if (sl.n == 1 && sl.s[0].off == 0 && sl.s[0].size == info->value_size) {
		/* the common case, a map of its own: no copy */
		*out = value;
		*out_size = info->value_size;
		value = NULL;
	} else {
		err = cov_slices_extract(&sl, value, info->value_size, out, out_size);
	}
	free(value);
	cov_slices_release(&sl);
	return err ? err : 1;
}

static int reset_slices(const struct cov_slices *sl, unsigned char *value)
{
	int err = 0;

	for (size_t i = 0; !err && i < sl->n; i++)
		err = cov_value_reset(value + sl->s[i].off, sl->s[i].size);
	return err;
}

int cov_counter_map_reset(int fd, const struct bpf_map_info *info, const struct cov_slices *sl)
{
	long page = sysconf(_SC_PAGESIZE);
	uint32_t zero = 0;
	void *value;
	int err;

	for (size_t i = 0; i < sl->n; i++)
		if (sl->s[i].off > info->value_size || sl->s[i].size > info->value_size - sl->s[i].off)
			return -EINVAL;
	if (info->map_flags & BPF_F_MMAPABLE) {
		size_t len = ((size_t)info->value_size + page - 1) / page * page;

		value = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (value != MAP_FAILED) {
			/* in place: the program's globals beside are never rewritten */
			err = reset_slices(sl, value);
			munmap(value, len);
			return err;
		}
	}
	value = calloc(1, info->value_size);
	if (!value)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &zero, value))
		err = -errno;
	else
		err = reset_slices(sl, value);
	if (!err && bpf_map_update_elem(fd, &zero, value, BPF_ANY))
		err = -errno;
	free(value);
	return err;
}
