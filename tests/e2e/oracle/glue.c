// SPDX-License-Identifier: BSD-2-Clause
/*
 * One example program compiled for the host, for the coverage oracle: built
 * once per example with -DEX_<name> and -DLICENSE=LICENSE_<name> (every
 * example defines LICENSE), it includes the example's source unchanged and
 * registers the example's maps with the host runtime (host_bpf.h). Only the
 * example's own file is compared; this file's lines are not.
 */
#if defined(EX_xdp_parse)
#include "xdp_parse.bpf.c"
#define EX_MAPS() ORACLE_MAP(xdp_stats)
#elif defined(EX_tc_classify)
#include "tc_classify.bpf.c"
#define EX_MAPS() ORACLE_MAP(tc_stats)
#elif defined(EX_sock_filter)
#include "sock_filter.bpf.c"
#define EX_MAPS() ORACLE_MAP(sock_stats)
#elif defined(EX_calls)
#include "calls.bpf.c"
#define EX_MAPS() ORACLE_MAP(calls_stats)
#elif defined(EX_loop)
#include "loop.bpf.c"
#define EX_MAPS() 0
#elif defined(EX_trace_getpgid)
#include "trace_getpgid.bpf.c"
#define EX_MAPS() ORACLE_MAP(trace_stats)
#elif defined(EX_xdp_flow)
#include "xdp_flow.bpf.c"
#define EX_MAPS() ORACLE_MAP(flows)
#elif defined(EX_tailcall)
#include "tailcall.bpf.c"
#define EX_MAPS() ORACLE_MAP(tail_progs)
#else
#error "build with -DEX_<example name>"
#endif

#include <sys/mman.h>
#include <unistd.h>

#include "host_bpf.h"

__attribute__((constructor)) static void glue_register(void)
{
	(void)EX_MAPS();
}

#if defined(EX_trace_getpgid)
/* libbpf sets .rodata before load; here the page is made writable for it. */
void oracle_set_target_tgid(__u32 tgid)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *page = (void *)((unsigned long)&target_tgid & ~(unsigned long)(pg - 1));

	if (mprotect(page, pg, PROT_READ | PROT_WRITE) == 0) {
		*(volatile __u32 *)&target_tgid = tgid;
		mprotect(page, pg, PROT_READ);
	}
}
#endif
