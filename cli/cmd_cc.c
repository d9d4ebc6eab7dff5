/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpfgauge cc: run a clang command with the coverage pass plugin that
 * matches that clang's LLVM major, so users add one word to their build.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json_writer.h"
#include "main.h"

static int cc_help(void)
{
	printf("Usage: %s cc [--mode hits|counts] [--section own|data] [--mapping symbols|section] [--stats]\n"
	       "          -- [LAUNCHER] CLANG [CLANG ARGS...]\n"
	       "\n"
	       "Runs CLANG with the bpfgauge pass plugin for its LLVM major added\n"
	       "(-fplugin/-fpass-plugin); the major comes from 'CLANG --version', so plain\n"
	       "'clang' works, and a LAUNCHER (ccache, sccache, distcc) may come first, e.g.\n"
	       "  %s cc --mode counts -- clang -g -O2 -target bpf -c prog.bpf.c -o prog.bpf.o\n"
	       "  %s cc -- ccache clang-22 -g -O2 -target bpf -c prog.bpf.c -o prog.bpf.o\n"
	       "\n"
	       "  --mode hits     one byte per probe, cheapest (default)\n"
	       "  --mode counts   exact u64 execution counts (atomic add)\n"
	       "  --section own   counters in their own .data.bpfgauge map (default)\n"
	       "  --section data  counters in the program's .data (shared with its globals):\n"
	       "                  for loaders that accept no other data section, such as\n"
	       "                  cilium/ebpf before 0.17; cov finds them through the BTF\n"
	       "  --mapping symbols  the coverage mapping in local symbols that no loader\n"
	       "                  reports (default)\n"
	       "  --mapping section  in a .bpfgauge.map section, the layout older bpfgauge\n"
	       "                  reads; libbpf logs a line about it on every load. Use it\n"
	       "                  with LLVM 22 when going through assembly text (-S,\n"
	       "                  -save-temps), or when stripping with --strip-unneeded\n"
	       "  --stats         print probes vs basic blocks per function to stderr\n"
	       "  -j, -p          (before --) CLANG runs as a child with its output on\n"
	       "                  stderr; stdout holds one JSON document: the command run,\n"
	       "                  llvm_major, plugin, mode, section and exit_code\n"
	       "\n"
	       "Plugins are looked up in $BPFGAUGE_PASS_DIR, then in ../lib/bpfgauge next to\n"
	       "the bpfgauge binary (installed), then in ./pass next to it (build tree).\n"
	       "Exit code: CLANG's, or 2 when no plugin matches.\n",
	       bin_name, bin_name, bin_name);
	return 0;
}

/* The LLVM major of a clang binary, from `CLANG --version`; -1 if unknown. */
static int clang_major(const char *clang)
{
	char cmd[4096], line[512];
	int major = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' --version 2>/dev/null", clang);
	if (strchr(clang, '\''))
		return -1;
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *v = strstr(line, "clang version ");

		if (v) {
			major = atoi(v + strlen("clang version "));
			break;
		}
	}
	pclose(p);
	return major > 0 ? major : -1;
}

/* Compiler launchers that take the real compiler as their first argument. */
static bool is_launcher(const char *cmd)
{
	static const char *const launchers[] = { "ccache", "sccache", "distcc", "icecc" };
	const char *base = strrchr(cmd, '/');

	base = base ? base + 1 : cmd;
	for (size_t i = 0; i < sizeof(launchers) / sizeof(launchers[0]); i++)
		if (!strcmp(base, launchers[i]))
			return true;
	return false;
}

struct cc_opts {
	const char *mode, *section, *mapping;
	bool stats;
};

/* --mode, --section, --stats; 1 when --help was printed, -1 on a bad option. */
static int parse_cc_opts(int argc, char **argv, struct cc_opts *o)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "stats", no_argument, NULL, 's' },
		{ "section", required_argument, NULL, 'S' },
		{ "mapping", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ 0 },
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:m:hjp", opts, NULL)) >= 0) {
		if (cli_json_opt(opt))
			continue;
		switch (opt) {
		case 'm': o->mode = optarg; break;
		case 's': o->stats = true; break;
		case 'S': o->section = optarg; break;
		case 'M': o->mapping = optarg; break;
		case 'h': cc_help(); return 1;
		default:
			p_opt_err("cc", opt, argv);
			return -1;
		}
	}
	if (strcmp(o->mode, "hits") && strcmp(o->mode, "counts")) {
		p_err("cc: --mode must be hits or counts, not '%s'", o->mode);
		return -1;
	}
	if (strcmp(o->section, "own") && strcmp(o->section, "data")) {
		p_err("cc: --section must be own or data, not '%s'", o->section);
		return -1;
	}
	if (strcmp(o->mapping, "symbols") && strcmp(o->mapping, "section")) {
		p_err("cc: --mapping must be symbols or section, not '%s'", o->mapping);
		return -1;
	}
	return 0;
}

/* The plugin for clang's LLVM major into plugin; false (said why) if there is none. */
static bool find_plugin(const char *clang, char *plugin, size_t size)
{
	int major = clang_major(clang);
	const char *dir;

	if (major < 0) {
		p_err("cc: cannot run '%s --version' to find its LLVM major (is it a clang on PATH?)",
		      clang);
		return false;
	}
	dir = cli_pass_dir(major, plugin, size);
	if (!dir) {
		char have[256];
		int newest = cli_pass_majors(have, sizeof(have));

		if (newest > 0)
			p_err("cc: no pass plugin for LLVM %d ('%s' is clang %d); the plugins found are "
			      "for LLVM %s: use clang-%d, or build bpfgauge with -DBPFGAUGE_LLVM=%d",
			      major, clang, major, have, newest, major);
		else
			p_err("cc: no pass plugin for LLVM %d ('%s'): none next to the bpfgauge binary "
			      "and BPFGAUGE_PASS_DIR is %s", major, clang,
			      getenv("BPFGAUGE_PASS_DIR") ? "set but has none" : "unset");
		return false;
	}
	snprintf(plugin, size, "%s/libbpfgauge-pass-%d.so", dir, major);
	return true;
}

/*
 * Under -j: the compiler runs as a child (its own output goes to stderr, so
 * that stdout holds one JSON document) and the document says what ran: the
 * command with the plugin's options, the LLVM major, the plugin, mode,
 * section and the compiler's exit code, which is also ours.
 */
static int run_and_report(char **nargv, const char *plugin, const struct cc_opts *o)
{
	json_writer_t *jw;
	int status, code;
	pid_t pid = fork();

	if (pid < 0) {
		p_err("cc: cannot fork: %s", strerror(errno));
		return EXIT_ERROR;
	}
	if (!pid) {
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(nargv[0], nargv);
		fprintf(stderr, "%s: error: cc: cannot run '%s': %s\n", bin_name, nargv[0],
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			p_err("cc: waitpid: %s", strerror(errno));
			return EXIT_ERROR;
		}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	jw = jw_new(stdout, pretty_output);
	jw_start_object(jw);
	jw_string_field(jw, "kind", "bpfgauge-cc");
	jw_int_field(jw, "schema_version", 1);
	jw_name(jw, "command");
	jw_start_array(jw);
	for (char **a = nargv; *a; a++)
		jw_string(jw, *a);
	jw_end_array(jw);
	/* the plugin's name carries the major found for the compiler */
	jw_int_field(jw, "llvm_major", atoi(strrchr(plugin, '-') + 1));
	jw_string_field(jw, "plugin", plugin);
	jw_string_field(jw, "mode", o->mode);
	jw_string_field(jw, "section", o->section);
	jw_string_field(jw, "mapping", o->mapping);
	jw_int_field(jw, "exit_code", code);
	jw_end_object(jw);
	jw_free(jw);
	return code;
}

/* The compiler command with the plugin and its options appended; exec'ed. */
static int exec_with_plugin(int argc, char **argv, const char *plugin, const struct cc_opts *o)
{
	char modeopt[64], secopt[64], mapopt[64], fplugin[4200], fpass[4200];
	char **nargv = calloc(argc + 14, sizeof(*nargv));
	int n = 0;

	if (!nargv) {
		p_err("cc: out of memory");
		return EXIT_ERROR;
	}
	snprintf(modeopt, sizeof(modeopt), "-bpfgauge-mode=%s", o->mode);
	snprintf(secopt, sizeof(secopt), "-bpfgauge-section=%s", o->section);
	snprintf(mapopt, sizeof(mapopt), "-bpfgauge-mapping=%s", o->mapping);
	snprintf(fplugin, sizeof(fplugin), "-fplugin=%s", plugin);
	snprintf(fpass, sizeof(fpass), "-fpass-plugin=%s", plugin);
	for (int i = 0; i < argc; i++)
		nargv[n++] = argv[i];
	nargv[n++] = fplugin; /* loads early so -mllvm knows our options */
	nargv[n++] = fpass;
	nargv[n++] = "-mllvm";
	nargv[n++] = modeopt;
	if (strcmp(o->section, "own")) {
		nargv[n++] = "-mllvm";
		nargv[n++] = secopt;
	}
	if (strcmp(o->mapping, "symbols")) {
		nargv[n++] = "-mllvm";
		nargv[n++] = mapopt;
	}
	if (o->stats) {
		nargv[n++] = "-mllvm";
		nargv[n++] = "-bpfgauge-stats";
		nargv[n++] = "-Rremark-backend-plugin"; /* clang hides plugin remarks otherwise */
	}
	nargv[n] = NULL;
	fflush(NULL);
	if (json_output) {
		int rc = run_and_report(nargv, plugin, o);

		free(nargv);
		return rc;
	}
	execvp(nargv[0], nargv);
	p_err("cc: cannot run '%s': %s", nargv[0], strerror(errno));
	free(nargv);
	return EXIT_ERROR;
}

int do_cc(int argc, char **argv)
{
	struct cc_opts o = { .mode = "hits", .section = "own", .mapping = "symbols" };
	char plugin[4096];
	int compiler, err = parse_cc_opts(argc, argv, &o);

	if (err)
		return err > 0 ? 0 : EXIT_ERROR;
	if (optind >= argc) {
		p_err("cc: missing compiler command (usage: %s cc [--mode M] -- clang-N ARGS)",
		      bin_name);
		return EXIT_ERROR;
	}
	compiler = optind;
	if (is_launcher(argv[compiler])) {
		if (compiler + 1 >= argc) {
			p_err("cc: '%s' needs a compiler after it (e.g. %s clang-22 ...)", argv[compiler],
			      argv[compiler]);
			return EXIT_ERROR;
		}
		compiler++;
	}
	if (!find_plugin(argv[compiler], plugin, sizeof(plugin)))
		return EXIT_ERROR;
	return exec_with_plugin(argc - optind, argv + optind, plugin, &o);
}
