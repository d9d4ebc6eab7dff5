/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The example programs' fixed inputs and the code that loads an example
 * object and runs those inputs against it (BPF_PROG_TEST_RUN, or real
 * getpgid(2) calls for the tracepoint). Shared by bpfgauge-run-examples and
 * the root e2e tests, which #include examples.c directly because the test
 * glob links only libbpfgauge. Every result is checked against the value
 * the program must return, so a wrong belief about a program shows up here
 * before it shows up as a wrong coverage annotation.
 */
#ifndef BPFGAUGE_E2E_EXAMPLES_H
#define BPFGAUGE_E2E_EXAMPLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_object;

struct example {
	const char *name; /* <name>.bpf.o, and the name of its main program */
	/* Before load (e.g. .rodata); NULL if none. */
	int (*prepare)(struct bpf_object *obj, char *err, size_t errsz);
	/* Run the fixed input once; 0 or -errno with a message. */
	int (*run)(struct bpf_object *obj, char *err, size_t errsz);
};

extern const struct example ex_all[];
extern const size_t ex_cnt;

const struct example *ex_find(const char *name);

/* An opened and loaded example object. */
struct ex_loaded {
	const struct example *ex;
	struct bpf_object *obj;
	char path[4096];
};

/*
 * Open dir/<name>.bpf.o, prepare and load it. On failure returns -errno,
 * with a one-line message in err, and *l holds nothing to release. The
 * verifier log of a failed load goes through libbpf's print callback.
 */
int ex_load(const char *dir, const struct example *ex, struct ex_loaded *l, char *err,
	    size_t errsz);
void ex_unload(struct ex_loaded *l); /* accepts a zeroed l */

/* Run the fixed input repeat times. */
int ex_run(struct ex_loaded *l, int repeat, char *err, size_t errsz);

/*
 * Tracing examples see every process; this returns how many events from
 * other processes reached the program since load (0 for the others), so a
 * caller can tell that its counts were perturbed and run again.
 */
uint64_t ex_foreign_events(struct ex_loaded *l);

/* Run one XDP packet of the xdp_parse input through the program fd,
 * checking its verdict; used by the concurrency test. idx < EX_XDP_PKTS. */
#define EX_XDP_PKTS 6
int ex_xdp_run_one(int prog_fd, int idx, char *err, size_t errsz);

/* bpf_prog_info.verified_insns of each program, in object order. Returns
 * the number of programs (at most max), or -errno. names point into obj. */
int ex_verified_insns(struct bpf_object *obj, const char **names, uint64_t *insns, int max);

/* Make sure tracefs is mounted (tracepoint attach needs it). */
int ex_mount_tracefs(void);

/* Silence libbpf's and the library's chatter unless verbose. */
void ex_set_verbose(bool verbose);

#endif /* BPFGAUGE_E2E_EXAMPLES_H */
