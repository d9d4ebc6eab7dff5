/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The architecture axis of compat, checked on real arm64 kernels: Debian's
 * 6.1 and 6.12 cloud-arm64 images boot under qemu-system-aarch64 (TCG: this
 * x86 host cannot run aarch64 guests under KVM) with a libc-only loader
 * cross-built static for aarch64 (tests/e2e/loaders/trampoline_probe.c),
 * which loads and attaches the fentry, fexit, fentry.s and lsm programs of
 * compat_trampoline.bpf.o. `bpfgauge compat --arch arm64 --kernel V`
 * (offline: the cached config and the BTF read out of the Image) must
 * predict what each guest shows. What the fentry on bpf_fentry_test1 must
 * get comes from the kernel itself, not from the tool: its config's
 * DYNAMIC_FTRACE_WITH_DIRECT_CALLS (ENOTSUPP, 524, without it) and the
 * release the guest reports.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bg_test.h"
#include "bpfgauge/json_read.h"
#include "bpfgauge/vm.h"

static char tmpdir[] = "/tmp/bpfgauge-compat-arm64-XXXXXX";
static char obj[4200], probe[4200], busybox[4200];
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

/* One program as the guest saw it. */
struct seen {
	char name[64];
	int load, attach; /* positive errno, 0 ok, -1 not tried */
};

/* Boot image with the probe; fill seen[] and the guest's release. Returns how many programs. */
static int guest_run(const char *image, const char *workdir, struct seen *seen, int max,
		     char *release, size_t rsize)
{
	char initrd[4300], nonce[17];
	struct vm_file files[] = {
		{ .src = probe, .dst = "/bin/trampoline_probe", .mode = 0755 },
		{ .src = obj, .dst = "/objs/compat_trampoline.bpf.o" },
	};
	struct vm_result vr = { 0 };
	int n = 0, err;

	vm_nonce(nonce);
	snprintf(initrd, sizeof(initrd), "%s/initrd.cpio.gz", workdir);
	err = vm_initramfs_write_arch(initrd, busybox, files, 2,
				      "/bin/trampoline_probe /objs/compat_trampoline.bpf.o", nonce,
				      "arm64");
	if (err) {
		fprintf(stderr, "initramfs: %s\n", bpfgauge_strerror(err));
		return -1;
	}
	struct vm_opts vo = { .sz = sizeof(vo), .kernel = image, .initrd = initrd, .nonce = nonce,
			      .workdir = workdir, .timeout_s = 400, .cpus = 1, .mem_mb = 1024,
			      .arch = "arm64" };
	err = vm_run(&vo, &vr);
	fprintf(stderr, "%s: %s, boot to result %.1f s, guest exit %d\n", image, vr.accel, vr.boot_s,
		vr.guest_rc);
	if (err || !vr.output || vr.guest_rc != 0) {
		fprintf(stderr, "vm: %s\n%s\n%s\n", vr.error, vr.output ? vr.output : "",
			vr.console_tail ? vr.console_tail : "");
		vm_result_release(&vr);
		return -1;
	}
	release[0] = 0;
	for (char *line = strtok(vr.output, "\n"); line; line = strtok(NULL, "\n")) {
		char name[64], sec[128], load[16], attach[16], rel[128], mach[32];

		if (sscanf(line, "release %127s %31s", rel, mach) == 2) {
			snprintf(release, rsize, "%s %s", rel, mach);
		} else if (n < max && sscanf(line, "prog %63s %127s load %15s attach %15s", name, sec,
					      load, attach) == 4) {
			snprintf(seen[n].name, sizeof(seen[n].name), "%s", name);
			seen[n].load = atoi(load);
			seen[n].attach = attach[0] == '-' ? -1 : atoi(attach);
			n++;
		}
	}
	vm_result_release(&vr);
	return n;
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

static void check_kernel(const char *ver)
{
	char image[4096], workdir[4300], cmd[8192], release[256], want_rel[256];
	struct seen seen[16];
	struct json_value *j = NULL;
	const struct json_value *ps;
	char jerr[128], *out;
	bool direct, inject;
	int n, agree = 0;

	if (vm_kernel_resolve_arch(ver, "arm64", image, sizeof(image)))
		BG_FAIL("arm64 kernel %s not cached", ver);
	snprintf(want_rel, sizeof(want_rel), "%s aarch64", strrchr(image, '/') + 9);
	direct = config_has(image, "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y");
	inject = config_has(image, "CONFIG_FUNCTION_ERROR_INJECTION=y");
	fprintf(stderr, "%s: CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS %s\n", image,
		direct ? "=y" : "not set");
	/* the offline prediction, through the CLI as users run it */
	snprintf(cmd, sizeof(cmd), "%s -q -j compat --arch arm64 --kernel %s %s", bg, ver, obj);
	out = run(cmd);
	if (!out || json_parse(out, strlen(out), &j, jerr, sizeof(jerr)))
		BG_FAIL("compat --arch arm64 --kernel %s: no JSON: %s", ver, out ? out : "");
	free(out);
	ASSERT_EQ_STR(json_str(json_get(json_get(j, "kernel"), "arch")), "arm64");
	snprintf(workdir, sizeof(workdir), "%s/vm-%s", tmpdir, ver);
	mkdir(workdir, 0700);
	n = guest_run(image, workdir, seen, 16, release, sizeof(release));
	if (n < 0) {
		/* a TCG guest can die on its own once: one more boot */
		fprintf(stderr, "%s: no result from the guest; booting it once more\n", ver);
		n = guest_run(image, workdir, seen, 16, release, sizeof(release));
	}
	if (n < 0)
		BG_FAIL("no result from the arm64 %s guest (two boots)", ver);
	ASSERT_EQ_STR(release, want_rel);
	ASSERT_EQ_INT(n, 6);
	ps = json_get(j, "programs");
	ASSERT_EQ_INT(json_len(ps), 6);
	for (int i = 0; i < n; i++) {
		const struct json_value *p = NULL;
		const char *verdict;
		int64_t err = -1;
		bool ok;

		for (size_t k = 0; k < json_len(ps); k++)
			if (!strcmp(json_str(json_get(json_at(ps, k), "name")), seen[i].name))
				p = json_at(ps, k);
		if (!p)
			BG_FAIL("%s: %s is not in the prediction", ver, seen[i].name);
		verdict = json_str(json_get(p, "verdict"));
		json_int64(json_get(p, "errno"), &err);
		if (!strcmp(verdict, "fail_load"))
			ok = seen[i].load == err;
		else if (!strcmp(verdict, "fail_attach"))
			ok = seen[i].load == 0 && seen[i].attach == err;
		else
			ok = !strcmp(verdict, "ok") && seen[i].load == 0 && seen[i].attach == 0;
		fprintf(stderr, "arm64 %-5s %-18s predicted %-11s %3lld  guest load %d attach %d  %s\n",
			ver, seen[i].name, verdict, (long long)err, seen[i].load, seen[i].attach,
			ok ? "agrees" : "DISAGREES");
		agree += ok;
		/* from the kernel: direct calls or ENOTSUPP at attach (an LSM hook too) */
		if (!strcmp(seen[i].name, "fe_test1") || !strcmp(seen[i].name, "fx_test1") ||
		    !strcmp(seen[i].name, "fe_arm64_getpgid") || !strcmp(seen[i].name, "lsm_file_open")) {
			ASSERT_EQ_INT(seen[i].load, 0);
			ASSERT_EQ_INT(seen[i].attach, direct ? 0 : 524);
		}
		/* sleepable needs the error-injection allowlist: EINVAL at load without it */
		if (!strcmp(seen[i].name, "fes_arm64_getpgid") && !inject)
			ASSERT_EQ_INT(seen[i].load, EINVAL);
		/* an x86_64 wrapper name is in no arm64 kernel's BTF */
		if (!strcmp(seen[i].name, "fe_x64_getpgid"))
			ASSERT_EQ_INT(seen[i].load, ESRCH);
	}
	json_free(j);
	fprintf(stderr, "arm64 %s: %d of %d predictions agree with the guest\n", ver, agree, n);
	ASSERT_EQ_INT(agree, n);
}

TEST(debian_arm64_6_1)
{
	char image[4096];

	/* the demonstration needs a kernel without direct calls: 6.1 on arm64 */
	ASSERT_EQ_INT(vm_kernel_resolve_arch("6.1", "arm64", image, sizeof(image)), 0);
	ASSERT_TRUE(!config_has(image, "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y"));
	check_kernel("6.1");
}

TEST(debian_arm64_6_12) { check_kernel("6.12"); }

int main(void)
{
	char cmd[8192];
	const char *src = getenv("BPFGAUGE_SRC");
	const char *clang = NULL;
	static const char *const clangs[] = { "clang-22", "clang-19", "clang-16", "clang" };
	struct sigaction sa = { .sa_handler = on_signal };

	bg = getenv("BPFGAUGE");
	if (system("command -v qemu-system-aarch64 >/dev/null 2>&1"))
		BG_SKIP("qemu-system-arm not installed");
	if (system("command -v aarch64-linux-gnu-gcc >/dev/null 2>&1"))
		BG_SKIP("gcc-aarch64-linux-gnu not installed");
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
	snprintf(obj, sizeof(obj), "%s/compat_trampoline.bpf.o", tmpdir);
	snprintf(cmd, sizeof(cmd),
		 "%s -g -O2 -target bpf -D__TARGET_ARCH_arm64 -idirafter /usr/include/x86_64-linux-gnu"
		 " -c %s/tests/data/compat/compat_trampoline.bpf.c -o %s",
		 clang, src, obj);
	if (system(cmd)) {
		fprintf(stderr, "cannot compile compat_trampoline.bpf.c\n");
		return 1;
	}
	snprintf(probe, sizeof(probe), "%s/trampoline_probe", tmpdir);
	snprintf(cmd, sizeof(cmd),
		 "aarch64-linux-gnu-gcc -static -O2 -o %s %s/tests/e2e/loaders/trampoline_probe.c", probe,
		 src);
	if (system(cmd)) {
		fprintf(stderr, "cannot cross-build the guest loader\n");
		return 1;
	}
	bpfgauge_set_log_level(BPFGAUGE_LOG_WARN);
	RUN_TEST(debian_arm64_6_1);
	RUN_TEST(debian_arm64_6_12);
	return bg_test_summary();
}
