/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared pieces of the bpfgauge command: bpftool-style dispatch tables, the
 * global output flags, error reporting that respects -j, and exit codes.
 */
#ifndef BPFGAUGE_CLI_MAIN_H
#define BPFGAUGE_CLI_MAIN_H

#include <stdbool.h>
#include <stdio.h>

#include "bpfgauge/bpfgauge.h"

enum {
	EXIT_OK_ = 0,   /* success */
	EXIT_GATE = 1,  /* a gate or threshold failed */
	EXIT_ERROR = 2, /* usage or runtime error */
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

extern bool json_output;   /* -j/--json */
extern bool pretty_output; /* -p/--pretty (implies -j) */
extern bool quiet_output;  /* -q/--quiet: errors only (no info lines, summaries, progress) */
extern const char *bin_name;
/*
 * The argument that followed a short -j (or -p) which main() took out of a
 * command's arguments, or NULL: lets a command that once gave the letter
 * another meaning (verifier stats -j N, hotspots -p PROG) name the new
 * spelling instead of reading the argument as something else.
 */
extern const char *cli_after_j, *cli_after_p;

/* For the getopt of commands that stop at a CMD of their own (cc, cov
 * run): true (and -j/-p applied) if opt is 'j' or 'p'. */
bool cli_json_opt(int opt);

/*
 * Run the command named by argv[0] from cmds, passing it argc/argv with
 * argv[0] being the command name. With no argument runs help (if not NULL).
 * Unknown commands print a one-line error and return EXIT_ERROR.
 */
int cmd_select(const struct cmd *cmds, const char *object, int argc, char **argv,
	       int (*help)(int, char **));

/* One-line error on stderr, or {"error": "..."} on stdout under -j. */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * The error for getopt_long()'s return opt ('?' or ':', the optstring
 * starts with ':'): "cmd: unknown option 'X'" or "cmd: option 'X' needs
 * an argument".
 */
void p_opt_err(const char *cmd, int opt, char **argv);
/*
 * -X VALUE where VALUE is what -X used to take in cmd (`verifier stats -o
 * csv`: -o is the output file now, the format --format): true after the
 * one-line error naming the new spelling; false if VALUE is not one.
 */
bool p_opt_old_value(const char *cmd, int letter, const char *value);
/*
 * Library warnings become the command's one-line error instead of extra
 * lines: between cli_warn_capture(true) and (false) (they nest with the
 * previous print callback: other levels go on to it), the last warning is
 * kept; cli_take_warning() returns it (or NULL) and forgets it.
 */
void cli_warn_capture(bool on);
const char *cli_take_warning(void);

/* Informational line on stderr (never stdout: stdout is for data). */
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True if argv[0] is -h/--help/help. */
bool is_help(const char *arg);

/*
 * Directory holding libbpfgauge-pass-<N>.so (buf gets the plugin's path):
 * $BPFGAUGE_PASS_DIR, ../lib/bpfgauge beside this binary (installed), or
 * ./pass beside it (build tree); NULL if none has it.
 */
const char *cli_pass_dir(int major, char *buf, size_t size);
/*
 * The root that source paths are shown relative to (Cobertura's <source>,
 * GitHub annotations): the git top level of the working directory, else the
 * working directory; NULL if neither is known. Computed once.
 */
const char *cli_source_root(void);
/* path relative to cli_source_root() when it lies under it, else path itself. */
const char *cli_rel_to_root(const char *path);
/* The LLVM majors with a plugin, "14,22" in buf; returns the newest, or -1. */
int cli_pass_majors(char *buf, size_t size);

/* Subcommand entry points (one file each). */
int do_cov(int argc, char **argv);
int do_verifier(int argc, char **argv);
int do_cc(int argc, char **argv);
int do_matrix(int argc, char **argv);
int do_history(int argc, char **argv);
int do_kernels(int argc, char **argv);
int do_dashboard(int argc, char **argv);
int do_compat(int argc, char **argv);

struct store;
struct store_run;
/* matrix.c: print a stored run's report (mx_report_build); EXIT_GATE on flags. */
int matrix_show(struct store *st, const struct store_run *run, const char *baseline,
		const char *policy, const char *outdir);

#endif /* BPFGAUGE_CLI_MAIN_H */
