/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Recognising counter maps and reading their segments, wherever the pass put
 * them: a map of its own (BPFGAUGE_COUNTER_SEC, the whole value is counters)
 * or the program's shared .data (BPFGAUGE_COUNTER_SEC_SHARED), where the
 * map's BTF DATASEC names the __bpfgauge_cnt_<hash> variables and their
 * offsets. Readers get the counters as one packed value (the segments back
 * to back), which is what the model and the snapshots take either way.
 */
#ifndef BPFGAUGE_COV_BTF_H
#define BPFGAUGE_COV_BTF_H

#include <stddef.h>
#include <stdint.h>

struct bpf_map_info;
struct bpf_object;
struct bpf_map;

/* Byte ranges of a map value that hold counter segments, in value order. */
struct cov_slices {
	size_t n;
	struct cov_slice {
		uint32_t off, size;
	} *s;
};

void cov_slices_release(struct cov_slices *sl);

/*
 * Is the live map behind fd (info from bpf_obj_get_info_by_fd) a counter
 * map? 1 with sl filled (release it), 0 if not (sl empty, also when its
 * BTF cannot be read: logged at debug level), -ENOMEM. Only array maps of one entry qualify; a map named
 * BPFGAUGE_COUNTER_SEC is all counters, any other needs a DATASEC value
 * type with counter variables.
 */
int cov_counter_map_probe(int fd, const struct bpf_map_info *info, struct cov_slices *sl);

/*
 * The same for a map of a libbpf object, through the object's own BTF (the
 * map need not be loaded).
 */
int cov_counter_map_probe_obj(const struct bpf_object *obj, const struct bpf_map *map,
			      struct cov_slices *sl);

/*
 * The packed counters of a map value: *out (malloc'ed, caller frees) holds
 * the slices of value back to back, *out_size bytes. -ENOMEM, or -EINVAL if
 * a slice lies outside value; *out is NULL on failure.
 */
int cov_slices_extract(const struct cov_slices *sl, const void *value, size_t size, void **out,
		       size_t *out_size);

/*
 * Read a live counter map (one lookup of key 0) and pack its counters.
 * 1 with *out and *out_size set, 0 if the map holds no counters, -errno on
 * failure (-ENOENT: no element).
 */
int cov_counter_map_read(int fd, const struct bpf_map_info *info, void **out, size_t *out_size);

/*
 * Zero the probes of every segment in the map's counter slices, keeping
 * their headers and the rest of the value (the program's own globals). An
 * mmapable map is written in place; any other one with a lookup and an
 * update, which races with the program's own writes to the shared value.
 * 0 or -errno.
 */
int cov_counter_map_reset(int fd, const struct bpf_map_info *info, const struct cov_slices *sl);

#endif /* BPFGAUGE_COV_BTF_H */
