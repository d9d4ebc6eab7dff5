/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * compat predictions for other kernels, checked on those kernels: for
 * Debian's 6.1 and 6.12 amd64 images, the offline prediction (their cached
 * config and the BTF extracted from the image) must match what
 * `bpfgauge compat --live` sees when it loads and attaches the same objects
 * inside that kernel under qemu. The kfunc version rule (bpf_rcu_read_lock
 * from 6.2) and the sleepable-fentry rule (no FUNCTION_ERROR_INJECTION in
 * Debian's builds) are asserted by name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bg_test.h"
#include "bpfgauge/compat.h"
#include "bpfgauge/json_read.h"
#include "bpfgauge/vm.h"

static const char *const objs[] = { "compat_kprobe", "compat_fentry", "compat_lsm", "compat_tp",
				     "compat_xdp", "compat_kfunc", "compat_kfunc_weak" };
#define NOBJ (sizeof(objs) / sizeof(objs[0]))

static char tmpdir[] = "/tmp/bpfgauge-compat-vm-XXXXXX";
static char paths[NOBJ][4200];

static void cleanup(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

/* The guest's live JSON for kernel ver. NULL + message on failure. */
static struct json_value *guest_live(const char *kernel, const char *workdir)
{
	char cli[4096], initrd[4300], nonce[17], cmd[2048] = "", jerr[128];
	struct vm_file files[NOBJ + 1];
	char dsts[NOBJ][64];
	struct vm_result vr = { 0 };
	struct json_value *j = NULL;
	int err;

	if (!vm_static_cli(cli, sizeof(cli)))
		return NULL;
	files[0] = (struct vm_file){ .src = cli, .dst = "/bin/bpfgauge", .mode = 0755 };
	strcat(cmd, "mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null; "
		    "mount -t securityfs securityfs /sys/kernel/security 2>/dev/null; "
		    "/bin/bpfgauge -q -j compat --live");
	for (size_t i = 0; i < NOBJ; i++) {
		snprintf(dsts[i], sizeof(dsts[i]), "/objs/%s.bpf.o", objs[i]);
		files[i + 1] = (struct vm_file){ .src = paths[i], .dst = dsts[i] };
		strcat(cmd, " ");
		strcat(cmd, dsts[i]);
	}
	vm_nonce(nonce);
	snprintf(initrd, sizeof(initrd), "%s/initrd.cpio.gz", workdir);
	err = vm_initramfs_write(initrd, NULL, files, NOBJ + 1, cmd, nonce);
	if (err) {
		fprintf(stderr, "initramfs: %s\n", bpfgauge_strerror(err));
		return NULL;
	}
	struct vm_opts vo = { .sz = sizeof(vo), .kernel = kernel, .initrd = initrd, .nonce = nonce,
			      .workdir = workdir, .timeout_s = 600, .cpus = 2 };
	err = vm_run(&vo, &vr);
	fprintf(stderr, "%s: %s, %.1f s, guest exit %d\n", kernel, vr.accel, vr.boot_s, vr.guest_rc);
	if (err || !vr.output) {
		fprintf(stderr, "vm: %s\n%s\n", vr.error, vr.console_tail ? vr.console_tail : "");
	} else if (json_parse(vr.output, vr.output_len, &j, jerr, sizeof(jerr))) {
		fprintf(stderr, "guest output is not JSON (%s): %.500s\n", jerr, vr.output);
		j = NULL;
	}
	vm_result_release(&vr);
	return j;
}

static const struct json_value *guest_prog(const struct json_value *j, const char *name)
{
	const struct json_value *ps = json_get(j, "programs");

	for (size_t i = 0; ps && i < json_len(ps); i++)
		if (!strcmp(json_str(json_get(json_at(ps, i), "name")), name))
			return json_at(ps, i);
	return NULL;
}

static int64_t num(const struct json_value *v)
{
	int64_t x = -1;

	json_int64(v, &x);
	return x;
}

/*
 * The offline prediction for kernel ver against the guest's live outcome,
 * program by program; the two named rules are checked by value.
 */
static void check_kernel(const char *ver)
{
	char image[4096], workdir[4300];
	struct compat_kernel *k;
	struct json_value *j;
	size_t agree = 0, total = 0;

	if (vm_kernel_resolve(ver, image, sizeof(image)))
		BG_FAIL("kernel %s not cached", ver);
	k = compat_kernel__load(ver, NULL);
	if (!k)
		BG_FAIL("compat_kernel__load(%s): %s", ver, strerror(errno));
	snprintf(workdir, sizeof(workdir), "%s/vm-%s", tmpdir, ver);
	mkdir(workdir, 0700);
	j = guest_live(image, workdir);
	if (!j) {
		/* A guest kernel under TCG can panic on its own (seen once in
		 * about a dozen boots of 6.12, "Fatal exception in interrupt",
		 * in a page fault): one more boot, and a second failure fails. */
		fprintf(stderr, "%s: no live result from the guest; booting it once more\n", ver);
		j = guest_live(image, workdir);
	}
	if (!j)
		BG_FAIL("no live result from the %s guest (two boots)", ver);
	for (size_t o = 0; o < NOBJ; o++) {
		struct compat_prog *progs;
		size_t n;

		ASSERT_EQ_INT(compat_object_read(paths[o], &progs, &n), 0);
		for (size_t i = 0; i < n; i++) {
			struct compat_result res;
			const struct json_value *g = guest_prog(j, progs[i].name), *live;
			int64_t lerr, aerr;
			bool ok;

			ASSERT_EQ_INT(compat_check(k, &progs[i], &res), 0);
			if (!g || !(live = json_get(g, "live")))
				BG_FAIL("%s: %s missing from the guest's result", ver, progs[i].name);
			lerr = num(json_get(live, "load_errno"));
			aerr = num(json_get(live, "attach_errno"));
			switch (res.verdict) {
			case COMPAT_FAIL_LOAD: ok = lerr == res.err; break;
			case COMPAT_FAIL_ATTACH: ok = !lerr && aerr == res.err; break;
			default: ok = !lerr && !aerr; break;
			}
			fprintf(stderr, "%s %-22s predicted %-11s %-8s live load %lld attach %lld  %s\n",
				ver, progs[i].name, compat_verdict_name(res.verdict),
				res.err ? compat_errno_name(res.err) : "", (long long)lerr,
				(long long)aerr, ok ? "agrees" : "DISAGREES");
			if (!ok)
				fprintf(stderr, "    predicted: %s\n    live: %s\n", res.reason,
					json_str(json_get(live, "detail")));
			agree += ok;
			total++;
			/* the rules by name, from the kernel's history and config */
			if (!strcmp(progs[i].name, "kfunc_rcu"))
				ASSERT_EQ_INT(lerr, !strcmp(ver, "6.1") ? EINVAL : 0);
			if (!strcmp(progs[i].name, "kfunc_weak"))
				ASSERT_EQ_INT(lerr + aerr, 0);
			if (!strcmp(progs[i].name, "fe_sleepable_getpgid"))
				ASSERT_EQ_INT(lerr, EINVAL);
			if (!strcmp(progs[i].name, "fe_unlinkat") || !strcmp(progs[i].name, "kp_unlinkat"))
				ASSERT_EQ_INT(lerr + aerr, 0);
			compat_result_release(&res);
		}
		compat_progs_free(progs, n);
	}
	json_free(j);
	compat_kernel__free(k);
	fprintf(stderr, "%s: %zu of %zu predictions agree with the guest\n", ver, agree, total);
	ASSERT_EQ_INT(agree, total);
}

TEST(debian_6_1) { check_kernel("6.1"); }
TEST(debian_6_12) { check_kernel("6.12"); }

int main(void)
{
	char cmd[8192], cli[4096];
	const char *src = getenv("BPFGAUGE_SRC"), *bg = getenv("BPFGAUGE");
	const char *clang = NULL;
	static const char *const clangs[] = { "clang-22", "clang-19", "clang-16", "clang" };

	if (geteuid() != 0)
		BG_SKIP("needs root (matrix guests run as root)");
	if (system("command -v qemu-system-x86_64 >/dev/null 2>&1"))
		BG_SKIP("qemu-system-x86 not installed");
	if (access("/bin/busybox", X_OK))
		BG_SKIP("busybox-static not installed");
	if (!getenv("BPFGAUGE_STATIC") && getenv("BPFGAUGE_BUILD")) {
		snprintf(cmd, sizeof(cmd), "%s/bpfgauge-static", getenv("BPFGAUGE_BUILD"));
		setenv("BPFGAUGE_STATIC", cmd, 0);
	}
	if (!vm_static_cli(cli, sizeof(cli)))
		BG_SKIP("bpfgauge-static not built");
	for (size_t i = 0; i < sizeof(clangs) / sizeof(clangs[0]) && !clang; i++) {
		snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", clangs[i]);
		if (!system(cmd))
			clang = clangs[i];
	}
	if (!clang || !src || !bg)
		BG_SKIP("no clang, or BPFGAUGE_SRC/BPFGAUGE unset");
	snprintf(cmd, sizeof(cmd), "%s kernels fetch 6.1 6.12 >/dev/null", bg);
	if (system(cmd))
		BG_SKIP("Debian 6.1/6.12 kernel images could not be fetched");
	if (!mkdtemp(tmpdir))
		BG_SKIP("no temp dir");
	atexit(cleanup);
	for (size_t i = 0; i < NOBJ; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s.bpf.o", tmpdir, objs[i]);
		snprintf(cmd, sizeof(cmd),
			 "%s -g -O2 -target bpf -D__TARGET_ARCH_x86 -idirafter /usr/include/x86_64-linux-gnu"
			 " -c %s/tests/data/compat/%s.bpf.c -o %s",
			 clang, src, objs[i], paths[i]);
		if (system(cmd)) {
			fprintf(stderr, "cannot compile %s\n", objs[i]);
			return 1;
		}
	}
	bpfgauge_set_log_level(BPFGAUGE_LOG_WARN);
	RUN_TEST(debian_6_1);
	RUN_TEST(debian_6_12);
	return bg_test_summary();
}
