// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* An object with maps but no programs: compat refuses it (exit 2). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, long);
} counts SEC(".maps");

char LICENSE[] SEC("license") = "Dual BSD/GPL";
