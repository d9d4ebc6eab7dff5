/* SPDX-License-Identifier: BSD-2-Clause */
/* Inline header helpers for parser.bpf.c: their lines must map to this file. */
#ifndef PARSE_HELPERS_H
#define PARSE_HELPERS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct cursor {
	void *pos;
	void *end;
};

static __always_inline void *cursor_take(struct cursor *c, unsigned long len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return 0;
	c->pos = p + len;
	return p;
}

static __always_inline void count(void *map, __u32 key)
{
	__u64 *v = bpf_map_lookup_elem(map, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
}

#endif
