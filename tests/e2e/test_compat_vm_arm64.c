/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The architecture axis of compat, checked on real arm64 kernels with the
 * tool itself: Debian's 6.1 and 6.12 cloud-arm64 images boot under
 * qemu-system-aarch64 (TCG: this x86 host cannot run aarch64 guests under
 * KVM) with the cross-built static CLI (bpfgauge-static-arm64, as the
 * matrix's arm64 guests use it) as /bin/bpfgauge, which runs
 * `compat --live` on the compat test objects compiled for arm64
 * (-D__TARGET_ARCH_arm64). For every program, the host's offline prediction
 * `bpfgauge compat --arch arm64 --kernel V` (the cached config and the BTF
 * read out of the Image) must agree with what the guest's live load and
 * attach saw. What some programs must get comes from the kernel itself, not
 * from the tool: the trampolines (fentry, fexit, lsm) attach exactly when
 * the image's own config has DYNAMIC_FTRACE_WITH_DIRECT_CALLS (ENOTSUPP,
 * 524, without it); sleepable fentry needs FUNCTION_ERROR_INJECTION; an
 * x86_64 syscall wrapper is in no arm64 BTF; and the guest reports the
 * image's release.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bg_test.h"
#include "bpfgauge/compat.h"
#include "bpfgauge/json_read.h"
#include "bpfgauge/vm.h"

static const char *const objs[] = { "compat_kprobe", "compat_fentry",     "compat_lsm",
				     "compat_tp",     "compat_xdp",        "compat_kfunc",
				     "compat_kfunc_weak", "compat_trampoline" };
#define NOBJ (sizeof(objs) / sizeof(objs[0]))

static char tmpdir[] = "/tmp/bpfgauge-compat-arm64-XXXXXX";
static char paths[NOBJ][4200], cli[4096], busybox[4096];
static const char *bg;

static void cleanup(void)
{
	char cmd[256];

	vm_kill_all();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

static void on_signal(int sig)
{
	(void)sig;
	vm_kill_all(); /* async-signal-safe; exit() then runs cleanup() */
	exit(1);
}

/* Output of a shell command (trailing newline cut); NULL on failure. */
static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0;
	int st;

	if (!p)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *b = realloc(buf, cap = cap * 2 + 8192);

			if (!b)
				break;
			buf = b;
		}
		size_t r = fread(buf + n, 1, 4096, p);

		if (!r)
			break;
		n += r;
	}
	st = pclose(p);
	if (!buf)
		return NULL;
	buf[n] = 0;
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	if (st == -1) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * Boot image with bpfgauge-static-arm64 and the objects; the guest prints
 * its release (busybox uname) and then `compat --live`'s JSON. Returns the
 * JSON (NULL + message on failure), the release in release.
 */
static struct json_value *guest_live(const char *image, const char *workdir, char *release,
				     size_t rsize)
{
	char initrd[4300], nonce[17], cmd[2048], dsts[NOBJ][64], jerr[128];
	struct vm_file files[NOBJ + 1];
	struct vm_result vr = { 0 };
	struct json_value *j = NULL;
	size_t len;
	int err;

	files[0] = (struct vm_file){ .src = cli, .dst = "/bin/bpfgauge", .mode = 0755 };
	/* no mounts beyond the harness's /init (proc, sys, dev, bpf, tracefs):
	 * compat --live reads securityfs through its own private mount */
	len = (size_t)snprintf(cmd, sizeof(cmd), "echo \"release $(uname -r) $(uname -m)\"; "
						 "/bin/bpfgauge -q -j compat --live");
	for (size_t i = 0; i < NOBJ; i++) {
		snprintf(dsts[i], sizeof(dsts[i]), "/objs/%s.bpf.o", objs[i]);
		files[i + 1] = (struct vm_file){ .src = paths[i], .dst = dsts[i] };
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, " %s", dsts[i]);
	}
	vm_nonce(nonce);
	snprintf(initrd, sizeof(initrd), "%s/initrd.cpio.gz", workdir);
	err = vm_initramfs_write_arch(initrd, busybox, files, NOBJ + 1, cmd, nonce, "arm64");
	if (err) {
		fprintf(stderr, "initramfs: %s\n", bpfgauge_strerror(err));
		return NULL;
	}
	struct vm_opts vo = { .sz = sizeof(vo), .kernel = image, .initrd = initrd, .nonce = nonce,
			      .workdir = workdir, .timeout_s = 600, .cpus = 2, .mem_mb = 1024,
			      .arch = "arm64" };
	err = vm_run(&vo, &vr);
	fprintf(stderr, "%s: %s, boot to result %.1f s, guest exit %d\n", image, vr.accel, vr.boot_s,
		vr.guest_rc);
	release[0] = 0;
	if (err || !vr.output) {
		fprintf(stderr, "vm: %s\n%s\n", vr.error, vr.console_tail ? vr.console_tail : "");
	} else {
		char *nl = strchr(vr.output, '\n');
		char rel[128], mach[32];

		if (!nl || sscanf(vr.output, "release %127s %31s", rel, mach) != 2) {
			fprintf(stderr, "guest printed no release line: %.300s\n", vr.output);
		} else {
			snprintf(release, rsize, "%s %s", rel, mach);
			if (json_parse(nl + 1, strlen(nl + 1), &j, jerr, sizeof(jerr))) {
				fprintf(stderr, "guest output is not JSON (%s): %.2000s\n%s\n", jerr,
					nl + 1, vr.console_tail ? vr.console_tail : "");
				j = NULL;
			}
		}
	}
	vm_result_release(&vr);
	return j;
}

/* The kernel's own facts, read from the cached config beside the image. */
static bool config_has(const char *image, const char *line)
{
	char cfg[4300];
	const char *base = strrchr(image, '/');
	FILE *f;
	char buf[512];
	bool hit = false;

	snprintf(cfg, sizeof(cfg), "%.*sconfig-%s", (int)(base - image + 1), image, base + 9);
	f = fopen(cfg, "r");
	if (!f)
		return false;
	while (!hit && fgets(buf, sizeof(buf), f))
		hit = !strncmp(buf, line, strlen(line)) && buf[strlen(line)] == '\n';
	fclose(f);
	return hit;
}

static const char *base_name(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path ? path : "";
}

/* The program of object (by file name) and name in a compat JSON report. */
static const struct json_value *find_prog(const struct json_value *j, const char *object,
					  const char *name)
{
	const struct json_value *ps = json_get(j, "programs");

	for (size_t i = 0; ps && i < json_len(ps); i++) {
		const struct json_value *p = json_at(ps, i);

		if (!strcmp(json_str(json_get(p, "name")), name) &&
		    !strcmp(base_name(json_str(json_get(p, "object"))), object))
			return p;
	}
	return NULL;
}

static int64_t num(const struct json_value *v)
{
	int64_t x = -1;

	json_int64(v, &x);
	return x;
}

static bool is(const char *name, const char *want) { return !strcmp(name, want); }

/*
 * The host's offline prediction for arm64 kernel ver against the guest's
 * live outcome, program by program; the kernel-derived facts by value.
 */
static void check_kernel(const char *ver)
{
	char image[4096], workdir[4300], cmd[8192], release[256], want_rel[256], jerr[128];
	struct json_value *pred = NULL, *live;
	const struct json_value *ps;
	size_t len, agree = 0, total;
	int64_t disagree;
	bool direct, inject;
	char *out;

	if (vm_kernel_resolve_arch(ver, "arm64", image, sizeof(image)))
		BG_FAIL("arm64 kernel %s not cached", ver);
	snprintf(want_rel, sizeof(want_rel), "%s aarch64", strrchr(image, '/') + 9);
	direct = config_has(image, "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y");
	inject = config_has(image, "CONFIG_FUNCTION_ERROR_INJECTION=y");
	fprintf(stderr, "%s: CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS %s, "
			"CONFIG_FUNCTION_ERROR_INJECTION %s\n",
		image, direct ? "=y" : "not set", inject ? "=y" : "not set");
	/* the offline prediction, through the CLI as users run it */
	len = (size_t)snprintf(cmd, sizeof(cmd), "%s -q -j compat --arch arm64 --kernel %s", bg,
			       ver);
	for (size_t i = 0; i < NOBJ; i++)
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, " %s", paths[i]);
	out = run(cmd);
	if (!out || json_parse(out, strlen(out), &pred, jerr, sizeof(jerr)))
		BG_FAIL("compat --arch arm64 --kernel %s: no JSON: %s", ver, out ? out : "");
	free(out);
	ASSERT_EQ_STR(json_str(json_get(json_get(pred, "kernel"), "arch")), "arm64");
	snprintf(workdir, sizeof(workdir), "%s/vm-%s", tmpdir, ver);
	mkdir(workdir, 0700);
	live = guest_live(image, workdir, release, sizeof(release));
	if (!live) {
		/* a TCG guest can die on its own once: one more boot */
		fprintf(stderr, "%s: no live result from the guest; booting it once more\n", ver);
		live = guest_live(image, workdir, release, sizeof(release));
	}
	if (!live)
		BG_FAIL("no live result from the arm64 %s guest (two boots)", ver);
	/* the guest is the image asked for, and the tool ran live on it */
	ASSERT_EQ_STR(release, want_rel);
	ASSERT_TRUE(json_bool(json_get(live, "live")));
	ASSERT_EQ_STR(json_str(json_get(json_get(live, "kernel"), "arch")), "arm64");
	ps = json_get(pred, "programs");
	total = json_len(ps);
	ASSERT_TRUE(total >= NOBJ);
	ASSERT_EQ_INT(json_len(json_get(live, "programs")), total);
	for (size_t i = 0; i < total; i++) {
		const struct json_value *p = json_at(ps, i), *g, *lv;
		const char *name = json_str(json_get(p, "name"));
		const char *object = base_name(json_str(json_get(p, "object")));
		const char *verdict = json_str(json_get(p, "verdict"));
		int64_t err = num(json_get(p, "errno")), lerr, aerr;
		bool ok;

		g = find_prog(live, object, name);
		if (!g || !(lv = json_get(g, "live")))
			BG_FAIL("%s: %s of %s missing from the guest's result", ver, name, object);
		lerr = num(json_get(lv, "load_errno"));
		aerr = num(json_get(lv, "attach_errno"));
		if (is(verdict, "fail_load"))
			ok = lerr == err;
		else if (is(verdict, "fail_attach"))
			ok = !lerr && aerr == err;
		else /* ok, loads (attaching needs a target), no_run: nothing fails live */
			ok = (is(verdict, "ok") || is(verdict, "loads") || is(verdict, "no_run")) &&
			     !lerr && !aerr;
		fprintf(stderr, "arm64 %-5s %-23s %-20s predicted %-11s %-8s live load %2lld attach "
				"%3lld  %-9s (in the guest: %s)\n",
			ver, object, name, verdict, err > 0 ? compat_errno_name((int)err) : "",
			(long long)lerr, (long long)aerr, ok ? "agrees" : "DISAGREES",
			json_str(json_get(g, "verdict")));
		if (!ok)
			fprintf(stderr, "    predicted: %s\n    live: %s\n",
				json_str(json_get(p, "reason")), json_str(json_get(lv, "detail")));
		if (!json_bool(json_get(lv, "agrees")))
			fprintf(stderr, "    the guest's own prediction (%s %s): %s\n",
				json_str(json_get(g, "verdict")), json_str(json_get(g, "reason")),
				json_str(json_get(lv, "disagreement")));
		agree += ok;
		/* from the kernel: the trampolines (an LSM hook too) need direct calls;
		 * without them, ENOTSUPP at attach */
		if (is(object, "compat_trampoline.bpf.o") &&
		    (is(name, "fe_test1") || is(name, "fx_test1") || is(name, "fe_arm64_getpgid") ||
		     is(name, "lsm_file_open"))) {
			ASSERT_EQ_INT(lerr, 0);
			ASSERT_EQ_INT(aerr, direct ? 0 : COMPAT_ENOTSUPP);
		}
		if (is(name, "fe_unlinkat") || is(name, "fx_unlinkat")) {
			ASSERT_EQ_INT(lerr, 0);
			ASSERT_EQ_INT(aerr, direct ? 0 : COMPAT_ENOTSUPP);
		}
		/* sleepable needs the error-injection allowlist: EINVAL at load without it */
		if (is(name, "fes_arm64_getpgid") && !inject)
			ASSERT_EQ_INT(lerr, EINVAL);
		/* an x86_64 wrapper name is in no arm64 kernel's BTF */
		if (is(name, "fe_x64_getpgid") || is(name, "fe_sleepable_getpgid"))
			ASSERT_EQ_INT(lerr, ESRCH);
		/* bpf_rcu_read_lock is a kfunc from 6.2; the weak one is guarded */
		if (is(name, "kfunc_rcu"))
			ASSERT_EQ_INT(lerr, is(ver, "6.1") ? EINVAL : 0);
		if (is(name, "kfunc_weak") || is(name, "kp_unlinkat") || is(name, "xdp_pass") ||
		    is(name, "xdp_pass_again"))
			ASSERT_EQ_INT(lerr + aerr, 0);
	}
	disagree = num(json_get(json_get(live, "summary"), "disagreements"));
	fprintf(stderr, "arm64 %s: %zu of %zu predictions agree with the guest's compat --live;"
			" its own prediction (no kconfig in the guest): %lld disagreements\n",
		ver, agree, total, (long long)disagree);
	json_free(live);
	json_free(pred);
	ASSERT_EQ_INT(agree, total);
	/* compat --live inside the guest does not contradict itself either */
	ASSERT_EQ_INT(disagree, 0);
}

TEST(debian_arm64_6_1)
{
	char image[4096];

	/* the demonstration needs a kernel without direct calls: 6.1 on arm64 */
	ASSERT_EQ_INT(vm_kernel_resolve_arch("6.1", "arm64", image, sizeof(image)), 0);
	ASSERT_TRUE(!config_has(image, "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y"));
	check_kernel("6.1");
}

TEST(debian_arm64_6_12)
{
	char image[4096];

	/* ... and one with them: 6.12 */
	ASSERT_EQ_INT(vm_kernel_resolve_arch("6.12", "arm64", image, sizeof(image)), 0);
	ASSERT_TRUE(config_has(image, "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y"));
	check_kernel("6.12");
}

int main(void)
{
	char cmd[8192];
	const char *src = getenv("BPFGAUGE_SRC");
	const char *clang = NULL;
	static const char *const clangs[] = { "clang-22", "clang-19", "clang-16", "clang" };
	struct sigaction sa = { .sa_handler = on_signal };

	bg = getenv("BPFGAUGE");
	if (geteuid() != 0)
		BG_SKIP("needs root (the guest loads programs as root; qemu guests are the host's)");
	if (system("command -v qemu-system-aarch64 >/dev/null 2>&1"))
		BG_SKIP("qemu-system-arm not installed");
	if (!getenv("BPFGAUGE_STATIC_ARM64") && getenv("BPFGAUGE_BUILD")) {
		snprintf(cmd, sizeof(cmd), "%s/bpfgauge-static-arm64", getenv("BPFGAUGE_BUILD"));
		setenv("BPFGAUGE_STATIC_ARM64", cmd, 0);
	}
	if (!vm_static_cli_arch("arm64", cli, sizeof(cli)) || access(cli, X_OK))
		BG_SKIP("bpfgauge-static-arm64 not built (needs the arm64 cross libraries, see"
			" scripts/setup.sh)");
	for (size_t i = 0; i < sizeof(clangs) / sizeof(clangs[0]) && !clang; i++) {
		snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", clangs[i]);
		if (!system(cmd))
			clang = clangs[i];
	}
	if (!clang || !src || !bg)
		BG_SKIP("no clang, or BPFGAUGE_SRC/BPFGAUGE unset");
	snprintf(cmd, sizeof(cmd), "%s -q kernels fetch --arch arm64 6.1 6.12 >/dev/null", bg);
	if (system(cmd))
		BG_SKIP("Debian's arm64 6.1/6.12 images could not be fetched (dpkg --add-architecture"
			" arm64 && apt-get update)");
	if (!vm_busybox("arm64", busybox, sizeof(busybox)))
		BG_SKIP("no arm64 busybox in the kernel cache");
	if (!mkdtemp(tmpdir))
		BG_SKIP("no temp dir");
	atexit(cleanup);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	for (size_t i = 0; i < NOBJ; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s.bpf.o", tmpdir, objs[i]);
		snprintf(cmd, sizeof(cmd),
			 "%s -g -O2 -target bpf -D__TARGET_ARCH_arm64"
			 " -idirafter /usr/include/x86_64-linux-gnu"
			 " -c %s/tests/data/compat/%s.bpf.c -o %s",
			 clang, src, objs[i], paths[i]);
		if (system(cmd)) {
			fprintf(stderr, "cannot compile %s\n", objs[i]);
			return 1;
		}
	}
	bpfgauge_set_log_level(BPFGAUGE_LOG_WARN);
	RUN_TEST(debian_arm64_6_1);
	RUN_TEST(debian_arm64_6_12);
	return bg_test_summary();
}
