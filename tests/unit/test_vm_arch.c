/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest-architecture plumbing of the qemu runner, without booting: arch
 * names, one kernel cache per architecture (a version alone must never pick
 * another architecture's image of the same version), the arm64 busybox
 * lookup, the arm64 /init (output to the one PL011 port, after the command)
 * and the refusal of an unknown architecture.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "bg_test.h"
#include "bpfgauge/vm.h"

static char tmp[] = "/tmp/bpfgauge-vm-arch-XXXXXX";

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmp);
}

static void touch(const char *dir, const char *name)
{
	char p[4200];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (f)
		fclose(f);
}

TEST(arch_names)
{
	ASSERT_EQ_STR(vm_arch_norm(NULL), "x86_64");
	ASSERT_EQ_STR(vm_arch_norm("amd64"), "x86_64");
	ASSERT_EQ_STR(vm_arch_norm("aarch64"), "arm64");
	ASSERT_EQ_STR(vm_arch_norm("arm64"), "arm64");
	ASSERT_TRUE(vm_arch_norm("riscv64") == NULL);
	ASSERT_TRUE(vm_arch_norm("mips") == NULL);
}

TEST(cache_per_arch)
{
	char dir[4200], x86[4200], arm[4200], path[4200];

	snprintf(dir, sizeof(dir), "%s/cache", tmp);
	setenv("BPFGAUGE_CACHE", dir, 1);
	snprintf(x86, sizeof(x86), "%s/kernels", dir);
	snprintf(arm, sizeof(arm), "%s/kernels/arm64", dir);
	ASSERT_EQ_STR(vm_kernel_cache_arch(NULL, path, sizeof(path)), x86);
	ASSERT_EQ_STR(vm_kernel_cache_arch("amd64", path, sizeof(path)), x86);
	ASSERT_EQ_STR(vm_kernel_cache_arch("aarch64", path, sizeof(path)), arm);
	errno = 0;
	ASSERT_TRUE(vm_kernel_cache_arch("mips", path, sizeof(path)) == NULL);
	ASSERT_EQ_INT(errno, EINVAL);

	/* nothing cached yet */
	ASSERT_EQ_INT(vm_kernel_resolve_arch("6.1", "arm64", path, sizeof(path)), -ENOENT);
	ASSERT_EQ_INT(mkdir(dir, 0700), 0);
	ASSERT_EQ_INT(mkdir(x86, 0700), 0);
	ASSERT_EQ_INT(mkdir(arm, 0700), 0);
	/* the same version for both: "-arm64" sorts after "-amd64" */
	touch(x86, "vmlinuz-6.1.0-57-cloud-amd64");
	touch(x86, "vmlinuz-6.12.117+deb12-cloud-amd64");
	touch(arm, "vmlinuz-6.1.0-57-cloud-arm64");
	touch(arm, "vmlinuz-6.1.0-9-cloud-arm64");
	ASSERT_EQ_INT(vm_kernel_resolve("6.1", path, sizeof(path)), 0);
	ASSERT_CONTAINS(path, "/kernels/vmlinuz-6.1.0-57-cloud-amd64");
	ASSERT_EQ_INT(vm_kernel_resolve_arch("6.1", "x86_64", path, sizeof(path)), 0);
	ASSERT_CONTAINS(path, "/kernels/vmlinuz-6.1.0-57-cloud-amd64");
	ASSERT_EQ_INT(vm_kernel_resolve_arch("6.1", "arm64", path, sizeof(path)), 0);
	ASSERT_CONTAINS(path, "/kernels/arm64/vmlinuz-6.1.0-57-cloud-arm64");
	/* 6.12 is cached for x86_64 only */
	ASSERT_EQ_INT(vm_kernel_resolve_arch("6.12", "arm64", path, sizeof(path)), -ENOENT);
	ASSERT_EQ_INT(vm_kernel_resolve_arch("6.1", "mips", path, sizeof(path)), -EINVAL);

	/* the arm64 busybox lives in the arm64 cache (or $BPFGAUGE_BUSYBOX_ARM64) */
	unsetenv("BPFGAUGE_BUSYBOX_ARM64");
	errno = 0;
	ASSERT_TRUE(vm_busybox("arm64", path, sizeof(path)) == NULL);
	ASSERT_EQ_INT(errno, ENOENT);
	touch(arm, "busybox");
	ASSERT_TRUE(vm_busybox("arm64", path, sizeof(path)) != NULL);
	ASSERT_CONTAINS(path, "/kernels/arm64/busybox");
	ASSERT_TRUE(vm_busybox("mips", path, sizeof(path)) == NULL);
}

/* The /init member of a gzip'ed newc archive (NUL-terminated, caller frees). */
static char *init_of(const char *initrd)
{
	gzFile gz = gzopen(initrd, "rb");
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap), *p, *init = NULL;
	int r;

	if (!gz || !buf)
		return NULL;
	while ((r = gzread(gz, buf + n, cap - n - 1)) > 0)
		n += r;
	gzclose(gz);
	buf[n] = 0;
	/* newc: 110-byte header, the name "init\0", padding, the data */
	for (p = buf; p + 110 < buf + n; p++) {
		if (memcmp(p, "070701", 6) || strncmp(p + 110, "init", 5))
			continue;
		{
			char f[9] = { 0 };
			size_t size, off;

			memcpy(f, p + 54, 8);
			size = strtoul(f, NULL, 16);
			off = (110 + 5 + 3) & ~3u;
			init = strndup(p + off, size);
		}
		break;
	}
	free(buf);
	return init;
}

TEST(arm64_init)
{
	char out[4200], *init;

	snprintf(out, sizeof(out), "%s/arm64.cpio.gz", tmp);
	/* a busybox stand-in: the archive is not booted here */
	ASSERT_EQ_INT(vm_initramfs_write_arch(out, "/dev/null", NULL, 0, "echo hi", "0123456789abcdef",
					      "aarch64"), 0);
	init = init_of(out);
	ASSERT_TRUE(init != NULL);
	/* the command's output waits for the command, then goes out between the markers */
	ASSERT_CONTAINS(init, "( echo hi ) > /tmp/.bpfgauge-out 2>/dev/ttyAMA0");
	ASSERT_CONTAINS(init, "{ echo '@@BPFGAUGE-BEGIN 0123456789abcdef@@'\n  cat /tmp/.bpfgauge-out");
	ASSERT_CONTAINS(init, "} > /dev/ttyAMA0");
	ASSERT_TRUE(strstr(init, "ttyS") == NULL);
	free(init);

	snprintf(out, sizeof(out), "%s/x86.cpio.gz", tmp);
	ASSERT_EQ_INT(vm_initramfs_write(out, "/dev/null", NULL, 0, "echo hi", "0123456789abcdef"), 0);
	init = init_of(out);
	ASSERT_TRUE(init != NULL);
	ASSERT_CONTAINS(init, "} > /dev/ttyS1");
	ASSERT_TRUE(strstr(init, "ttyAMA0") == NULL);
	free(init);

	snprintf(out, sizeof(out), "%s/mips.cpio.gz", tmp);
	ASSERT_EQ_INT(vm_initramfs_write_arch(out, "/dev/null", NULL, 0, "echo hi", "0123456789abcdef",
					      "mips"), -EINVAL);
	ASSERT_TRUE(access(out, F_OK) != 0);
}

TEST(unknown_arch_run)
{
	struct vm_opts o = { .sz = sizeof(o), .kernel = "/dev/null", .initrd = "/dev/null",
			     .nonce = "x", .workdir = tmp, .arch = "mips" };
	struct vm_result r;

	ASSERT_EQ_INT(vm_run(&o, &r), -EINVAL);
	ASSERT_CONTAINS(r.error, "unknown guest architecture 'mips'");
	vm_result_release(&r);
}

int main(void)
{
	if (!mkdtemp(tmp))
		BG_SKIP("no temp dir");
	atexit(cleanup);
	RUN_TEST(arch_names);
	RUN_TEST(cache_per_arch);
	RUN_TEST(arm64_init);
	RUN_TEST(unknown_arch_run);
	return bg_test_summary();
}
