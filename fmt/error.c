/* SPDX-License-Identifier: BSD-2-Clause */
/* The project error table and bpfgauge_strerror(). */
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
