/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpfgauge: `bpfgauge [OPTIONS] OBJECT COMMAND ...`. Global options come
 * before the object; each object lives in its own file and dispatches its
 * commands with cmd_select().
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "main.h"
#include "json_writer.h"

bool json_output;
bool pretty_output;
bool quiet_output;
const char *bin_name = "bpfgauge";

/*
 * Library warnings are held back one step: when the command then fails,
 * p_err() reports the library's message (which names the object and what
 * failed) as the one error line instead of printing both. Otherwise the
 * held warning is printed as it came, before the next diagnostic or at exit.
 */
static char held[1024];
static bool have_held;

static void flush_held(void)
{
	if (have_held)
		fprintf(stderr, "%s: %s\n", bin_name, held);
	have_held = false;
}

static void cli_print(enum bpfgauge_log_level level, const char *fmt, va_list args)
{
	size_t n;

	if (level > bpfgauge_log_level())
		return;
	flush_held();
	vsnprintf(held, sizeof(held), fmt, args);
	n = strlen(held);
	while (n && held[n - 1] == '\n')
		held[--n] = '\0';
	if (level <= BPFGAUGE_LOG_WARN)
		have_held = true;
	else
		fprintf(stderr, "%s: %s\n", bin_name, held);
}

void p_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (have_held) {
		snprintf(msg, sizeof(msg), "%s", held);
		have_held = false;
	}
	/*
	 * Under -j the error is the document, or an element of the command's
	 * array (one per failed item); inside an object or after the
	 * command's document it is on stderr only: one document per run.
	 */
	if (json_output && (jw_stdout_where() == JW_NOTHING || jw_stdout_where() == JW_IN_ARRAY)) {
		json_writer_t *jw = jw_new(stdout, pretty_output);

		if (jw) {
			jw_start_object(jw);
			jw_string_field(jw, "error", msg);
			jw_end_object(jw);
			jw_free(jw);
		}
	}
	fprintf(stderr, "%s: error: %s\n", bin_name, msg);
}

/*
 * Short options that had another meaning before every short flag got one
 * meaning across commands: the old spelling is a one-line error naming the
 * new one, never silently something else.
 */
static const struct renamed_opt {
	const char *cmd; /* as the command names itself to p_opt_err ("cov report") */
	char letter;
	const char *now; /* the spelling to use instead */
} renamed_opts[] = {
	{ "cov report", 'f', "--format FMT (-f is a filter where a command has filters)" },
	{ "cov report", 's', "--snapshot SNAP (-s is verifier's sort)" },
	{ "cov merge", 'f', "--format FMT (-f is a filter where a command has filters)" },
	{ "cov run", 'f', "--format FMT (-f is a filter where a command has filters)" },
	{ "history export", 'f', "--format FMT (-f is a filter where a command has filters)" },
	{ "kernels fetch", 'f', "--flavour F (-f is a filter where a command has filters)" },
	{ "matrix", 't', "--timeout S (-t is cov's --test-name)" },
	{ "matrix", 'm', "--mcpu LIST (-m is cc's --mode)" },
	{ "matrix", 'F', "--cflags FLAGS (-F is kernels fetch --force)" },
	{ "matrix", 'C', "--vm-cpus N (-C is verifier's compare)" },
	{ "matrix", 'V', "--vm-jobs N (-V is --version)" },
	{ "matrix capture", 't', "--timeout S (-t is cov's --test-name)" },
};

/*
 * Options that keep their letter but changed what they take: -o is the
 * output file everywhere (lcov, genhtml, gcc), so the commands that took a
 * format there (veristat's `-o csv`) take it as --format. A value that
 * names a format is the old spelling: a one-line error, never a file called
 * "csv".
 */
static const char *const format_names[] = {
	"table", "csv", "json", "veristat-csv", "text", "markdown", "md", "junit", "github", "html",
	NULL,
};
static const struct renamed_value {
	const char *cmd;
	char letter;
	const char *const *values; /* NULL-terminated: what -X took before */
	const char *was, *now;	   /* "a format", "--format" */
	const char *means;	   /* what -X takes now */
} renamed_values[] = {
	{ "verifier stats", 'o', format_names, "a format", "--format", "the output file" },
	{ "verifier parse", 'o', format_names, "a format", "--format", "the output file" },
	{ "verifier compare", 'o', format_names, "a format", "--format", "the output file" },
	{ "verifier gate", 'o', format_names, "a format", "--format", "the output file" },
	{ "compat", 'o', format_names, "a format", "--format", "the output file" },
};

bool p_opt_old_value(const char *cmd, int letter, const char *value)
{
	for (size_t i = 0; i < sizeof(renamed_values) / sizeof(*renamed_values); i++) {
		const struct renamed_value *r = &renamed_values[i];

		if (strcmp(cmd, r->cmd) || letter != r->letter)
			continue;
		for (const char *const *v = r->values; *v; v++)
			if (!strcmp(value, *v)) {
				p_err("%s: -%c %s is no longer %s here: use %s %s (-%c is %s now; "
				      "-%c ./%s for a file of that name)",
				      cmd, letter, value, r->was, r->now, value, letter, r->means,
				      letter, value);
				return true;
			}
	}
	return false;
}

void p_opt_err(const char *cmd, int opt, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	for (size_t i = 0; opt == '?' && optopt && i < sizeof(renamed_opts) / sizeof(*renamed_opts);
	     i++)
		if (!strcmp(cmd, renamed_opts[i].cmd) && optopt == renamed_opts[i].letter &&
		    strncmp(arg, "--", 2)) {
			p_err("%s: -%c is no longer an option here: use %s", cmd, optopt,
			      renamed_opts[i].now);
			return;
		}
	if (opt == ':')
		p_err("%s: option '%s' needs an argument", cmd, arg);
	else if (optopt && (optind <= 0 || strncmp(arg, "--", 2)))
		p_err("%s: unknown option '-%c'", cmd, optopt);
	else
		p_err("%s: unknown option '%s'", cmd, arg);
}

static char last_warn[1024];
static bpfgauge_print_fn_t warn_prev;

static void warn_print(enum bpfgauge_log_level level, const char *fmt, va_list ap)
{
	if (level <= BPFGAUGE_LOG_WARN) {
		vsnprintf(last_warn, sizeof(last_warn), fmt, ap);
		return;
	}
	if (warn_prev)
		warn_prev(level, fmt, ap);
}

void cli_warn_capture(bool on)
{
	last_warn[0] = 0;
	if (on)
		warn_prev = bpfgauge_set_print(warn_print);
	else
		bpfgauge_set_print(warn_prev);
}

const char *cli_take_warning(void)
{
	static char taken[sizeof(last_warn)];

	if (!last_warn[0])
		return NULL;
	memcpy(taken, last_warn, sizeof(taken));
	last_warn[0] = 0;
	return taken;
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	flush_held();
	if (quiet_output)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool is_help(const char *arg)
{
	return arg && (!strcmp(arg, "help") || !strcmp(arg, "-h") || !strcmp(arg, "--help"));
}

int cmd_select(const struct cmd *cmds, const char *object, int argc, char **argv,
	       int (*help)(int, char **))
{
	if (argc < 1) {
		if (help)
			return help(argc, argv);
		p_err("%s: missing command", object);
		return EXIT_ERROR;
	}
	if (is_help(argv[0]) && help)
		return help(argc, argv);
	/* -h/--help anywhere before "--" is help, never a file or program name */
	for (int i = 1; help && i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return help(argc, argv);
	size_t len = strlen(argv[0]);

	for (const struct cmd *c = cmds; c->name; c++)
		if (!strcmp(argv[0], c->name))
			return c->fn(argc, argv);
	/* as bpftool: a prefix names the first command it starts, in table
	 * order ("ver stats" is verifier stats, "c" is cov) */
	for (const struct cmd *c = cmds; len && c->name; c++)
		if (!strncmp(argv[0], c->name, len))
			return c->fn(argc, argv);
	if (!strcmp(object, "bpfgauge"))
		p_err("unknown command '%s' (try '%s help')", argv[0], bin_name);
	else
		p_err("%s: unknown command '%s' (try '%s %s help')", object, argv[0], bin_name,
		      object);
	return EXIT_ERROR;
}

/*
 * The directory of this binary, from /proc/self/exe, so that an installed
 * tree can be moved anywhere: plugins are found relative to the binary.
 */
static const char *exe_dir(void)
{
	static char dir[4096];
	ssize_t n;
	char *slash;

	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n <= 0) {
		dir[0] = 0;
		return NULL;
	}
	dir[n] = 0;
	slash = strrchr(dir, '/');
	if (!slash) {
		dir[0] = 0;
		return NULL;
	}
	*slash = 0;
	return dir;
}

const char *cli_pass_dir(int major, char *buf, size_t size)
{
	/* $BPFGAUGE_PASS_DIR, the installed layout (PREFIX/bin/bpfgauge and
	 * PREFIX/lib/bpfgauge/), then the build tree's (BUILD/bpfgauge, BUILD/pass/) */
	static char rel[2][4200];
	const char *env = getenv("BPFGAUGE_PASS_DIR"), *exe = exe_dir();
	const char *dirs[3] = { env, NULL, NULL };

	if (exe) {
		snprintf(rel[0], sizeof(rel[0]), "%s/../lib/bpfgauge", exe);
		snprintf(rel[1], sizeof(rel[1]), "%s/pass", exe);
		dirs[1] = rel[0];
		dirs[2] = rel[1];
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		snprintf(buf, size, "%s/libbpfgauge-pass-%d.so", dirs[i], major);
		if (access(buf, R_OK) == 0)
			return dirs[i];
	}
	return NULL;
}

const char *cli_source_root(void)
{
	static char root[PATH_MAX];
	static bool done;
	FILE *p;

	if (done)
		return root[0] ? root : NULL;
	done = true;
	/* like gcovr's default: the git top level, else the working directory */
	p = popen("git rev-parse --show-toplevel 2>/dev/null", "r");
	if (p) {
		if (!fgets(root, sizeof(root), p) || root[0] != '/')
			root[0] = 0;
		root[strcspn(root, "\n")] = 0;
		pclose(p);
	}
	if (!root[0] && !getcwd(root, sizeof(root)))
		root[0] = 0;
	return root[0] ? root : NULL;
}

const char *cli_rel_to_root(const char *path)
{
	const char *root = cli_source_root();
	size_t n = root ? strlen(root) : 0;

	if (n > 1 && !strncmp(path, root, n) && path[n] == '/')
		return path + n + 1;
	return path;
}

int cli_pass_majors(char *buf, size_t size)
{
	char path[4300];
	size_t n = 0;
	int newest = -1;

	buf[0] = 0;
	for (int v = 14; v <= 22; v++)
		if (cli_pass_dir(v, path, sizeof(path))) {
			n += snprintf(buf + n, n < size ? size - n : 0, "%s%d", n ? "," : "", v);
			newest = v;
		}
	return newest;
}

static int do_version(int argc, char **argv)
{
	char found[256];

	cli_pass_majors(found, sizeof(found));
	if (json_output) {
		json_writer_t *jw = jw_new(stdout, pretty_output);

		jw_start_object(jw);
		jw_string_field(jw, "version", BPFGAUGE_VERSION);
		jw_string_field(jw, "libbpf", libbpf_version_string());
		jw_string_field(jw, "pass_built_for_llvm", BPFGAUGE_LLVM_MAJORS_STR);
		jw_string_field(jw, "pass_plugins_found", found);
		jw_end_object(jw);
		jw_free(jw);
		return 0;
	}
	printf("bpfgauge %s\n", BPFGAUGE_VERSION);
	printf("libbpf %s\n", libbpf_version_string());
	printf("pass built for LLVM %s\n", BPFGAUGE_LLVM_MAJORS_STR);
	printf("pass plugins found for LLVM %s\n", *found ? found : "(none)");
	return 0;
}

static int close_stdout(void)
{
	int err = 0;

	errno = 0;
	if (fflush(stdout) || ferror(stdout))
		err = errno ? errno : EIO;
	if (fclose(stdout) && !err)
		err = errno ? errno : EIO;
	errno = err;
	return err;
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS] OBJECT { COMMAND | help }\n"
		"       %s version\n"
		"\n"
		"OBJECT := { cov | verifier | cc | matrix | history | kernels | dashboard |\n"
		"           compat | version | help }\n"
		"  cov       coverage: run, report, snapshot, reset, merge, summary\n"
		"  verifier  verifier complexity: stats, parse, compare, gate, hotspots\n"
		"  cc        compile BPF C with the coverage pass: %s cc [--mode M] -- clang-N ARGS\n"
		"  matrix    verifier stats over kernel x clang x -mcpu, stored with regression flags\n"
		"  history   the stats store: list, show, diff, trend, import, export\n"
		"  kernels   fetch and list kernel images for the matrix (qemu)\n"
		"  dashboard static HTML dashboard of the stats store\n"
		"  compat    will each program load and attach on a kernel, and why not (--live: try it)\n"
		"\n"
		"OPTIONS := { -j|--json | -p|--pretty | -v|--verbose | -q|--quiet |\n"
		"             -V|--version | -h|--help }\n"
		"  -j, --json     machine output as JSON on stdout (errors become {\"error\":...});\n"
		"                 also after the object or command, before --\n"
		"  -p, --pretty   pretty-printed JSON (implies -j)\n"
		"  -v, --verbose  more diagnostics on stderr (repeat for debug)\n"
		"  -q, --quiet    only errors on stderr\n"
		"\n"
		"Environment: BPFGAUGE_LOG=error|warn|info|debug, BPFGAUGE_PASS_DIR=DIR\n"
		"Exit codes: 0 ok, 1 a gate or threshold failed, 2 usage or runtime error.\n"
		"Every short flag means one thing in every command (see README's table).\n",
		bin_name, bin_name, bin_name);
}

static int do_help(int argc, char **argv)
{
	print_usage(stdout);
	return 0;
}

static const struct cmd objects[] = {
	{ "cov", do_cov },
	{ "verifier", do_verifier },
	{ "cc", do_cc },
	{ "matrix", do_matrix },
	{ "history", do_history },
	{ "kernels", do_kernels },
	{ "dashboard", do_dashboard },
	{ "compat", do_compat },
	{ "version", do_version },
	{ "help", do_help },
	{ 0 },
};

const char *cli_after_j, *cli_after_p;

/* -j, -p, -jp... (one or more of j and p) or --json, --pretty; 0 if not one */
static int json_flag(const char *a)
{
	if (!strcmp(a, "--json"))
		return 'j';
	if (!strcmp(a, "--pretty"))
		return 'p';
	if (a[0] != '-' || !a[1] || strspn(a + 1, "jp") != strlen(a + 1))
		return 0;
	return strchr(a, 'p') ? 'p' : 'j';
}

/*
 * -j/--json and -p/--pretty also after the object and command (before
 * "--"), as bpftool takes them anywhere: no command gives these letters
 * another meaning, so they are the global options wherever they are. They
 * are taken out of argv. The exceptions run a command line of their own
 * (cc, cov run): there they are taken only up to the command word, and the
 * command's getopt takes them before its CMD (cli_json_opt).
 */
static void take_json_flags(int *argc, char **argv)
{
	bool cc = *argc > 0 && !strcmp(argv[0], "cc");
	/* the object's name by prefix, as cmd_select: "c" and "co" are cov */
	bool cov = *argc > 0 && argv[0][0] && !strncmp(argv[0], "cov", strlen(argv[0]));

	for (int i = 1; i < *argc && strcmp(argv[i], "--") && !cc; i++) {
		int f = json_flag(argv[i]);

		if (!f) {
			/* cov's command word: "ru", "run" (a lone "r" is report) */
			if (cov && strlen(argv[i]) >= 2 && !strncmp(argv[i], "run", strlen(argv[i])))
				break;
			if (cov && argv[i][0] != '-')
				cov = false; /* another cov command: take them all */
			continue;
		}
		json_output = true;
		pretty_output |= f == 'p';
		if (strchr(argv[i] + 1, 'j') && argv[i][1] != '-')
			cli_after_j = argv[i + 1];
		if (strchr(argv[i] + 1, 'p') && argv[i][1] != '-')
			cli_after_p = argv[i + 1];
		memmove(&argv[i], &argv[i + 1], (*argc - i) * sizeof(*argv)); /* keeps the NULL */
		(*argc)--;
		i--;
	}
}

bool cli_json_opt(int opt)
{
	if (opt != 'j' && opt != 'p')
		return false;
	json_output = true;
	pretty_output |= opt == 'p';
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int verbose = 0, quiet = 0, opt, rc;

	bpfgauge_set_print(cli_print);
	if (bpfgauge_log_level_from_env()) {
		p_err("BPFGAUGE_LOG='%s' is not one of error, warn, info, debug",
		      getenv("BPFGAUGE_LOG"));
		return EXIT_ERROR;
	}
	opterr = 0;
	/* '+': stop at the first non-option, the object name */
	while ((opt = getopt_long(argc, argv, "+jpvqVh", opts, NULL)) >= 0) {
		switch (opt) {
		case 'j': json_output = true; break;
		case 'p': json_output = pretty_output = true; break;
		case 'v': verbose++; break;
		case 'q': quiet = 1; break;
		case 'V': return do_version(0, NULL);
		case 'h': return do_help(0, NULL);
		default:
			p_err("unknown option '%s' (try '%s help')", argv[optind - 1], bin_name);
			return EXIT_ERROR;
		}
	}
	quiet_output = quiet;
	if (quiet)
		bpfgauge_set_log_level(BPFGAUGE_LOG_ERROR);
	else if (verbose)
		bpfgauge_set_log_level(verbose > 1 ? BPFGAUGE_LOG_DEBUG : BPFGAUGE_LOG_INFO);
	argc -= optind;
	argv += optind;
	optind = 0; /* subcommands re-run getopt_long on their own argv */
	take_json_flags(&argc, argv);
	if (argc < 1) {
		print_usage(stderr);
		return EXIT_ERROR;
	}
	rc = cmd_select(objects, "bpfgauge", argc, argv, NULL);
	flush_held();
	jw_stdout_end(); /* the one JSON writer of stdout: closed here, once */
	/* as coreutils' close_stdout: data that never reached stdout is an error */
	if (close_stdout() && rc != EXIT_ERROR) { /* an error was reported already */
		fprintf(stderr, "%s: error: write error on stdout: %s\n", bin_name, strerror(errno));
		return EXIT_ERROR;
	}
	return rc;
}
