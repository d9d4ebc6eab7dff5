// SPDX-License-Identifier: BSD-2-Clause
/*
 * The coverage oracle's host runtime: the map types and helpers the example
 * programs use, doing what the kernel does for them (see host_bpf.h). Not
 * instrumented: only the examples' own lines are compared.
 */
#include "host_bpf.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

#define HOST_MAX_MAPS 32

struct host_map {
	const char *name;
	void *def;
	uint32_t type, max_entries, key_size, value_size;
	unsigned char *keys, *values;
	unsigned char *used; /* hash: slot holds a key */
	int (**progs)(void *ctx);
};

static struct host_map host_maps[HOST_MAX_MAPS];
static int host_nmaps;
uint64_t host_pid_tgid;

int host_map_register(const char *name, void *def, uint32_t type, uint32_t max_entries,
		      uint32_t key_size, uint32_t value_size)
{
	struct host_map *m;

	if (host_nmaps == HOST_MAX_MAPS) {
		fprintf(stderr, "oracle: too many maps\n");
		exit(2);
	}
	m = &host_maps[host_nmaps++];
	m->name = name;
	m->def = def;
	m->type = type;
	m->max_entries = max_entries;
	m->key_size = key_size;
	m->value_size = value_size;
	m->keys = calloc(max_entries, key_size);
	m->values = calloc(max_entries, value_size);
	m->used = calloc(max_entries, 1);
	m->progs = calloc(max_entries, sizeof(*m->progs));
	if (!m->keys || !m->values || !m->used || !m->progs) {
		fprintf(stderr, "oracle: out of memory\n");
		exit(2);
	}
	return 0;
}

static struct host_map *host_map_find(const void *def)
{
	int i;

	for (i = 0; i < host_nmaps; i++)
		if (host_maps[i].def == def)
			return &host_maps[i];
	fprintf(stderr, "oracle: a program used a map that no glue registered\n");
	exit(2);
}

void *host_map_by_name(const char *name)
{
	int i;

	for (i = 0; i < host_nmaps; i++)
		if (!strcmp(host_maps[i].name, name))
			return host_maps[i].def;
	return NULL;
}

void host_map_clear(void *def)
{
	struct host_map *m = host_map_find(def);

	if (m->type == BPF_MAP_TYPE_HASH)
		memset(m->used, 0, m->max_entries);
}

int host_prog_array_set(void *def, uint32_t idx, int (*prog)(void *ctx))
{
	struct host_map *m = host_map_find(def);

	if (m->type != BPF_MAP_TYPE_PROG_ARRAY || idx >= m->max_entries)
		return -EINVAL;
	m->progs[idx] = prog;
	return 0;
}

/* Hash maps: a slot per entry, found by comparing keys (max_entries is small). */
static long host_hash_find(struct host_map *m, const void *key)
{
	uint32_t i;

	for (i = 0; i < m->max_entries; i++)
		if (m->used[i] && !memcmp(m->keys + (size_t)i * m->key_size, key, m->key_size))
			return i;
	return -1;
}

void *bpf_map_lookup_elem(void *map, const void *key)
{
	struct host_map *m = host_map_find(map);
	long i;

	switch (m->type) {
	case BPF_MAP_TYPE_ARRAY:
		i = *(const uint32_t *)key;
		return (uint32_t)i < m->max_entries ? m->values + (size_t)i * m->value_size : NULL;
	case BPF_MAP_TYPE_HASH:
		i = host_hash_find(m, key);
		return i < 0 ? NULL : m->values + (size_t)i * m->value_size;
	default:
		return NULL;
	}
}

long bpf_map_update_elem(void *map, const void *key, const void *value, __u64 flags)
{
	struct host_map *m = host_map_find(map);
	long i;

	switch (m->type) {
	case BPF_MAP_TYPE_ARRAY:
		i = *(const uint32_t *)key;
		if ((uint32_t)i >= m->max_entries)
			return -E2BIG;
		break;
	case BPF_MAP_TYPE_HASH:
		i = host_hash_find(m, key);
		if (i >= 0 && flags == BPF_NOEXIST)
			return -EEXIST;
		if (i < 0 && flags == BPF_EXIST)
			return -ENOENT;
		for (uint32_t s = 0; i < 0 && s < m->max_entries; s++)
			if (!m->used[s])
				i = s;
		if (i < 0)
			return -E2BIG;
		m->used[i] = 1;
		memcpy(m->keys + (size_t)i * m->key_size, key, m->key_size);
		break;
	default:
		return -EINVAL;
	}
	memcpy(m->values + (size_t)i * m->value_size, value, m->value_size);
	return 0;
}

long bpf_map_delete_elem(void *map, const void *key)
{
	struct host_map *m = host_map_find(map);
	long i;

	if (m->type != BPF_MAP_TYPE_HASH)
		return -EINVAL;
	i = host_hash_find(m, key);
	if (i < 0)
		return -ENOENT;
	m->used[i] = 0;
	return 0;
}

/* skb->data points at the first byte the program sees, skb->len bytes. On a
 * bad range the kernel zeroes the destination and returns -EFAULT. */
long bpf_skb_load_bytes(const void *skb, __u32 offset, void *to, __u32 len)
{
	const struct __sk_buff *s = skb;
	const unsigned char *data = (const unsigned char *)(long)s->data;

	if ((uint64_t)offset + len > s->len) {
		memset(to, 0, len);
		return -EFAULT;
	}
	memcpy(to, data + offset, len);
	return 0;
}

long bpf_loop(__u32 nr_loops, void *callback_fn, void *callback_ctx, __u64 flags)
{
	long (*cb)(__u32, void *) = (long (*)(__u32, void *))callback_fn;
	__u32 i;

	if (flags)
		return -EINVAL;
	for (i = 0; i < nr_loops; i++)
		if (cb(i, callback_ctx))
			return i + 1;
	return i;
}

__u64 bpf_get_current_pid_tgid(void)
{
	return host_pid_tgid;
}

static jmp_buf host_tail_env;
static int host_tail_ret, host_in_run;

long bpf_tail_call(void *ctx, void *prog_array_map, __u32 index)
{
	struct host_map *m = host_map_find(prog_array_map);

	if (index >= m->max_entries || !m->progs[index])
		return -ENOENT;
	host_tail_ret = m->progs[index](ctx);
	if (!host_in_run) {
		fprintf(stderr, "oracle: tail call outside host_run()\n");
		exit(2);
	}
	longjmp(host_tail_env, 1);
}

int host_run(int (*prog)(void *ctx), void *ctx)
{
	int ret;

	host_in_run = 1;
	if (setjmp(host_tail_env))
		ret = host_tail_ret;
	else
		ret = prog(ctx);
	host_in_run = 0;
	return ret;
}
