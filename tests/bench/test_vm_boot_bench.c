/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Boot-to-result of one guest per kernel and architecture: the time vm_run()
 * takes from starting qemu to the guest's output (a trivial command, so it
 * is the boot, the initramfs and the power-off). arm64 guests always run
 * under TCG on this x86 host; x86_64 is measured under TCG too (the like for
 * like figure) and with the runner's own choice when /dev/kvm opens (KVM,
 * or TCG again when KVM fails mid-boot, as it can under nested
 * virtualisation: the row says which ran). Best and median of three
 * runs, as a markdown table. Kernels not cached are fetched
 * (bpfgauge kernels fetch [--arch arm64]); a missing one is left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfgauge/vm.h"

#define SKIP(why)                                  \
	do {                                       \
		fprintf(stderr, "SKIP: %s\n", why); \
		return 77;                         \
	} while (0)

#define RUNS 3

static char tmp[] = "/tmp/bpfgauge-vm-boot-XXXXXX";

static void cleanup(void)
{
	char cmd[128];

	vm_kill_all();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmp);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One row: arch, kernel version, accel (NULL: the runner's choice). Prints it. */
static void row(const char *arch, const char *ver, const char *accel)
{
	char image[4096], busybox[4096], initrd[4300], nonce[17], rel[256], used[32];
	double t[RUNS];
	int n = 0;

	snprintf(used, sizeof(used), "%s", accel ? accel : "auto");
	if (vm_kernel_resolve_arch(ver, arch, image, sizeof(image)) ||
	    !vm_busybox(arch, busybox, sizeof(busybox))) {
		printf("| %s | %s | %s | not cached | | |\n", arch, ver, used);
		return;
	}
	vm_kernel_release(image, rel, sizeof(rel));
	for (int i = 0; i < RUNS; i++) {
		struct vm_result r = { 0 };
		struct vm_opts o = { .sz = sizeof(o), .kernel = image, .initrd = initrd,
				     .nonce = nonce, .workdir = tmp, .timeout_s = 300,
				     .arch = arch, .accel = accel };

		vm_nonce(nonce);
		snprintf(initrd, sizeof(initrd), "%s/initrd-%s.cpio.gz", tmp, arch);
		if (vm_initramfs_write_arch(initrd, busybox, NULL, 0, "uname -r", nonce, arch))
			break;
		if (!vm_run(&o, &r) && r.output && strstr(r.output, rel)) {
			t[n++] = r.boot_s;
			if (!accel)
				snprintf(used, sizeof(used), "auto: %s", r.accel);
		} else {
			fprintf(stderr, "%s %s %s: %s\n", arch, ver, used, r.error);
		}
		vm_result_release(&r);
	}
	if (!n) {
		printf("| %s | %s | %s | failed | | |\n", arch, ver, used);
		return;
	}
	qsort(t, n, sizeof(*t), cmp_double);
	printf("| %s | %s | %s | %s | %.1f s | %.1f s |\n", arch, ver, used, rel, t[0], t[n / 2]);
	fflush(stdout);
}

int main(void)
{
	const char *bg = getenv("BPFGAUGE");
	char cmd[4300];

	if (!bg)
		SKIP("BPFGAUGE unset");
	if (system("command -v qemu-system-x86_64 >/dev/null && command -v qemu-system-aarch64 >/dev/null"))
		SKIP("qemu-system-x86 or qemu-system-arm not installed");
	if (!mkdtemp(tmp))
		SKIP("no temp dir");
	atexit(cleanup);
	snprintf(cmd, sizeof(cmd), "%s -q kernels fetch 6.1 6.12 >/dev/null 2>&1", bg);
	if (system(cmd))
		fprintf(stderr, "note: x86_64 kernels could not be fetched\n");
	snprintf(cmd, sizeof(cmd), "%s -q kernels fetch --arch arm64 6.1 6.12 >/dev/null 2>&1", bg);
	if (system(cmd))
		fprintf(stderr, "note: arm64 kernels could not be fetched (arm64 apt architecture?)\n");
	printf("| arch | kernel | accel | release | best | median of %d |\n|---|---|---|---|---|---|\n",
	       RUNS);
	for (int v = 0; v < 2; v++) {
		const char *ver = v ? "6.12" : "6.1";

		row("x86_64", ver, "tcg");
		if (!strcmp(vm_default_accel(), "kvm"))
			row("x86_64", ver, NULL);
		row("arm64", ver, "tcg");
	}
	return 0;
}
