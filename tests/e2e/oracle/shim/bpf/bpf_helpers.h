/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host stand-in for libbpf's <bpf/bpf_helpers.h>, used only by the coverage
 * oracle (tests/e2e/oracle): the example programs compile for the host, and
 * each BPF helper they call becomes a host function (host_bpf.c) that does
 * what the kernel helper does for the examples' inputs. The map-definition
 * macros are libbpf's, so a map's type, size and key/value types stay
 * readable from its definition.
 */
#ifndef BPFGAUGE_ORACLE_BPF_HELPERS_H
#define BPFGAUGE_ORACLE_BPF_HELPERS_H

#include <linux/types.h>

#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]
/* Sections mean nothing on the host; maps are registered by the glue. */
#define SEC(name)

#undef __always_inline
#define __always_inline inline __attribute__((always_inline))
#ifndef __noinline
#define __noinline __attribute__((noinline))
#endif

void *bpf_map_lookup_elem(void *map, const void *key);
long bpf_map_update_elem(void *map, const void *key, const void *value, __u64 flags);
long bpf_map_delete_elem(void *map, const void *key);
long bpf_skb_load_bytes(const void *skb, __u32 offset, void *to, __u32 len);
long bpf_loop(__u32 nr_loops, void *callback_fn, void *callback_ctx, __u64 flags);
long bpf_tail_call(void *ctx, void *prog_array_map, __u32 index);
__u64 bpf_get_current_pid_tgid(void);

#endif
