/* SPDX-License-Identifier: BSD-2-Clause */
/* The project error table, bpfgauge_strerror() and the options-struct checks. */
#include <stdio.h>
#include <string.h>

#include "bpfgauge_internal.h"

static const char *const errstr[BPFGAUGE_ERR_END - BPFGAUGE_ERR_START] = {
	[BPFGAUGE_ENOTBPF - BPFGAUGE_ERR_START] = "not a BPF ELF object",
	[BPFGAUGE_ENOMAPPING - BPFGAUGE_ERR_START] =
		"no coverage mapping (was it built with the bpfgauge pass?)",
	[BPFGAUGE_EBADMAPPING - BPFGAUGE_ERR_START] = "malformed coverage mapping",
	[BPFGAUGE_ESTALE - BPFGAUGE_ERR_START] =
		"counters do not match the mapping (stale object?)",
	[BPFGAUGE_ECOUNTERS - BPFGAUGE_ERR_START] =
		"counter map missing or of the wrong size",
	[BPFGAUGE_EBADLOG - BPFGAUGE_ERR_START] = "unusable verifier log",
	[BPFGAUGE_EBADFORMAT - BPFGAUGE_ERR_START] = "malformed input file",
	[BPFGAUGE_ENOBTF - BPFGAUGE_ERR_START] = "BTF missing",
	[BPFGAUGE_ELIBBPF - BPFGAUGE_ERR_START] =
		"libbpf cannot open this BPF object (unresolved externs? link it first)",
	[BPFGAUGE_EPLUGIN - BPFGAUGE_ERR_START] =
		"pass plugin missing or built for another LLVM major",
};

const char *bpfgauge_strerror(int err)
{
	static __thread char buf[64];

	if (err < 0)
		err = -err;
	if (err >= BPFGAUGE_ERR_START && err < BPFGAUGE_ERR_END)
		return errstr[err - BPFGAUGE_ERR_START];
	if (err > 0 && err < BPFGAUGE_ERR_START)
		return strerror_r(err, buf, sizeof(buf)) ? "unknown error" : buf;
	snprintf(buf, sizeof(buf), "unknown error %d", err);
	return buf;
}

bool bg_opts_valid(const void *opts, size_t ours, const char *type)
{
	size_t sz = *(const size_t *)opts;
	const unsigned char *p = opts;

	if (sz < sizeof(size_t)) {
		pr_warn("struct %s: .sz is %zu: set it to sizeof(struct %s)", type, sz, type);
		return false;
	}
	for (size_t i = ours; i < sz; i++)
		if (p[i]) {
			pr_warn("struct %s: field at byte %zu is unknown to this libbpfgauge"
				" (built against newer headers?)", type, i);
			return false;
		}
	return true;
}

void bg_opts_copy(void *dst, size_t ours, const void *opts)
{
	size_t sz = opts ? *(const size_t *)opts : 0;

	memset(dst, 0, ours);
	if (opts)
		memcpy(dst, opts, sz < ours ? sz : ours);
	*(size_t *)dst = ours;
}
