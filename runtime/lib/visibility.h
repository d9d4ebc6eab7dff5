/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Force-included (-include) into every object of the installable
 * libbpfgauge, which is compiled with -fvisibility=hidden: a function keeps
 * the visibility of its first declaration, so declaring the public headers
 * here, under default visibility, exports exactly their functions, and
 * everything else (jw_*, markup_escape, the writers' tables) stays hidden,
 * as libbpf does with LIBBPF_API. No header needs an export macro.
 */
/* the headers below pull in libc's; some sources want its GNU extensions */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#pragma GCC visibility push(default)
#include "bpfgauge/bpfgauge.h"
#include "bpfgauge/compat.h"
#include "bpfgauge/cov.h"
#include "bpfgauge/csv.h"
#include "bpfgauge/elf_sniff.h"
#include "bpfgauge/file.h"
#include "bpfgauge/json_read.h"
#include "bpfgauge/matrix.h"
#include "bpfgauge/store.h"
#include "bpfgauge/vgate.h"
#include "bpfgauge/vload.h"
#include "bpfgauge/vlog.h"
#include "bpfgauge/vm.h"
#pragma GCC visibility pop
