/* SPDX-License-Identifier: BSD-2-Clause */
/* Internals of the per-program loader: libbpf's final layout of a program (calls and BTF line info). */
#ifndef BPFGAUGE_VLOAD_INTERNAL_H
#define BPFGAUGE_VLOAD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfgauge/vload.h"
#include "bpfgauge/vlog.h"

struct bpf_program;
struct btf;

/* One BTF line-info record, moved to the program's final insn index. */
struct vload_line {
	uint32_t insn;
	int line;
	const char *file; /* basename, as the kernel prints it; owned by the layout */
	const char *src;  /* the source line text; owned by the layout */
};

/* What libbpf made of a program after bpf_object__load (also a failed one). */
struct vload_layout {
	struct vlog_call *calls;
	size_t ncalls;
	struct vload_line *lines;
	size_t nlines;
	struct btf *btf; /* holds the strings of lines[] */
};

/*
 * Fill lay from prog's final insns (bpf_program__insns after load; calls
 * and callbacks) and, with want_lines, from the .BTF.ext line info of the
 * ELF at path: the main program's records (its symbol in its section,
 * main_cnt insns) and those of each appended .text subprog, found by its
 * length and opcodes. Missing line info is not an error (lines stays
 * empty, with a pr_debug). -ENOMEM on allocation failure.
 */
int vload_layout_fill(struct vload_layout *lay, const char *path,
		      const struct bpf_program *prog, size_t main_cnt, bool want_lines);
void vload_layout_release(struct vload_layout *lay); /* accepts zeroed */
/* Give p the lines of lay for insns the log did not locate. 0 or -ENOMEM. */
int vload_layout_apply_lines(const struct vload_layout *lay, struct vlog_parser *p);

/*
 * vload_prog without the warning: on a negative error, why (whysz bytes)
 * says what failed in one line (without the "verifier: " prefix), or is ""
 * for -ENOMEM. vload_prog logs it with pr_warn; the batch loader keeps it
 * per job. res is zeroed on error.
 */
int vload_prog_reason(const char *path, const char *prog, const struct vload_opts *opts,
		      struct vload_result *res, char *why, size_t whysz);

#endif /* BPFGAUGE_VLOAD_INTERNAL_H */
