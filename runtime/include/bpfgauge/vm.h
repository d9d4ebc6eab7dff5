/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Booting another kernel under qemu to run a command inside it: an
 * initramfs (newc cpio, gzip) of busybox-static, a static bpfgauge and
 * the objects, one boot per kernel, with the command's output coming back
 * over a second serial port between unique markers. KVM is used when
 * /dev/kvm can be opened, TCG otherwise. A VM that hangs, panics or prints
 * no markers is an error carrying the console tail, never a hang.
 */
#ifndef BPFGAUGE_VM_H
#define BPFGAUGE_VM_H

#include <stdbool.h>
#include <stddef.h>

#include "bpfgauge/bpfgauge.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One file to put into the initramfs. Strings are not copied. */
struct vm_file {
	const char *src;  /* host path */
	const char *dst;  /* absolute path inside the guest, e.g. "/objs/0/x.bpf.o" */
	unsigned int mode; /* 0 = 0644 (0755 for executables: set it) */
};

/*
 * Write a gzip'ed newc initramfs to out: the directories the files need,
 * /bin/busybox (from busybox, default /bin/busybox, must be static), the
 * files, and /init running `guest_cmd` (a shell fragment run by busybox
 * sh; its stdout goes to the data port between the markers of nonce).
 * 0 or -errno; a partial out is removed on failure.
 */
int vm_initramfs_write(const char *out, const char *busybox, const struct vm_file *files,
		       size_t nfiles, const char *guest_cmd, const char *nonce);

/*
 * The same for a guest of architecture arch (NULL or "x86_64": as above;
 * "arm64": the busybox and the files must be aarch64 binaries, and the
 * output goes to the one PL011 port, ttyAMA0, that the virt machine has:
 * the command's stdout is kept in /tmp until it ends, then written between
 * the markers, so console lines cannot split it). -EINVAL for another arch.
 */
int vm_initramfs_write_arch(const char *out, const char *busybox, const struct vm_file *files,
			    size_t nfiles, const char *guest_cmd, const char *nonce,
			    const char *arch);

struct vm_opts {
	size_t sz;            /* sizeof(struct vm_opts) */
	const char *kernel;   /* bzImage / vmlinuz path */
	const char *initrd;   /* from vm_initramfs_write */
	const char *nonce;    /* the markers' nonce given to vm_initramfs_write */
	const char *workdir;  /* where console.log and data.log go */
	int timeout_s;        /* 0 = 300 */
	int mem_mb;           /* 0 = 1024 */
	int cpus;             /* 0 = 1 */
	const char *qemu;     /* 0 = $BPFGAUGE_QEMU or qemu-system-x86_64 (for arm64:
			       * $BPFGAUGE_QEMU_ARM64 or qemu-system-aarch64) */
	const char *accel;    /* 0 = $BPFGAUGE_VM_ACCEL, else kvm if usable, else tcg */
	const char *append;   /* extra kernel command line, after ours (so it wins);
			       * 0 = $BPFGAUGE_VM_APPEND, e.g. "loglevel=7" to debug a
			       * boot, or "rdinit=/bin/busybox -- sleep 600" (a hung
			       * guest) as the tests do */
	const char *arch;     /* guest architecture: NULL or "x86_64", or "arm64"
			       * (qemu-system-aarch64 -M virt, TCG always: this host
			       * cannot run aarch64 guests under KVM; console on
			       * ttyAMA0; initrd from vm_initramfs_write_arch) */
};

struct vm_result {
	char *output;         /* text between the markers (caller frees), NULL if none */
	size_t output_len;
	int guest_rc;         /* exit code of guest_cmd, -1 if unknown */
	bool timed_out;
	char *console_tail;   /* last ~40 lines of the console (caller frees) */
	char accel[8];        /* "kvm" or "tcg" */
	double boot_s;        /* wall time of the whole VM run */
	char error[256];      /* why there is no output, "" on success */
};

/*
 * Boot opts->kernel with opts->initrd and wait (at most timeout_s) for the
 * guest to power off. Returns 0 when the output markers were found (the
 * guest command may still have failed: see guest_rc), else a negative
 * error with res->error and res->console_tail saying what happened
 * (-ETIMEDOUT, -EIO for a VM that stopped without output, -ENOENT if qemu
 * or the kernel is missing). Release res with vm_result_release.
 */
int vm_run(const struct vm_opts *opts, struct vm_result *res);
void vm_result_release(struct vm_result *res); /* accepts zeroed */

/*
 * SIGKILL every guest that vm_run() is running now, with anything it
 * started. Async-signal-safe: call it from the program's SIGTERM/SIGINT
 * handler so that no qemu outlives the program. vm_run() then returns an
 * error for each killed guest.
 */
void vm_kill_all(void);

/* "kvm" if /dev/kvm can be opened read-write, else "tcg". */
const char *vm_default_accel(void);

/* A fresh nonce for markers (hex, 16 chars + NUL). */
void vm_nonce(char buf[17]);

/* How many VMs to boot at once: bounded by CPUs and free memory. */
int vm_max_parallel(int mem_mb);

/*
 * Path of a statically linked bpfgauge for guests: $BPFGAUGE_STATIC, else
 * bpfgauge-static next to the running binary, else the running binary if
 * it is itself static. NULL with errno=ENOENT if none; buf receives it.
 */
const char *vm_static_cli(char *buf, size_t size);
/*
 * The static CLI for arch's guests: vm_static_cli() for NULL and x86_64; for
 * arm64 $BPFGAUGE_STATIC_ARM64, else bpfgauge-static-arm64 beside this
 * executable (the build's cross-built aarch64 CLI). NULL with errno ENOENT
 * (none) or EINVAL (unknown arch).
 */
const char *vm_static_cli_arch(const char *arch, char *buf, size_t size);

/* --- Kernel images in the cache ($BPFGAUGE_CACHE or ~/.cache/bpfgauge) --- */

/* The cache directory, e.g. "/root/.cache/bpfgauge/kernels". */
const char *vm_kernel_cache(char *buf, size_t size);

/*
 * The cache directory of arch's images: vm_kernel_cache() for NULL and
 * x86_64 (any alias, see vm_arch_norm), its subdirectory "arm64" for arm64,
 * so that a version alone never picks another architecture's image. NULL
 * with errno=EINVAL for an unknown arch.
 */
const char *vm_kernel_cache_arch(const char *arch, char *buf, size_t size);

/* "x86_64" or "arm64" for the names qemu guests run (amd64, aarch64...); NULL if none. */
const char *vm_arch_norm(const char *arch);

/*
 * The static busybox for arch's guests: /bin/busybox (busybox-static) for
 * x86_64; for arm64 $BPFGAUGE_BUSYBOX_ARM64, else "busybox" in the arm64
 * kernel cache (`bpfgauge kernels fetch --arch arm64` puts Debian's
 * busybox-static:arm64 there). NULL with errno=ENOENT if it is not there.
 */
const char *vm_busybox(const char *arch, char *buf, size_t size);

/*
 * Resolve a kernel spec: an existing file path is returned as is; a
 * version like "6.1" or "6.12" finds the newest cached vmlinuz-6.1.* (or
 * vmlinuz-6.12.*). -ENOENT if nothing matches.
 */
int vm_kernel_resolve(const char *spec, char *path, size_t size);
/* The same in arch's cache (vm_kernel_cache_arch); -EINVAL for an unknown arch. */
int vm_kernel_resolve_arch(const char *spec, const char *arch, char *path, size_t size);

/*
 * Release string of a vmlinuz from its file name ("vmlinuz-6.1.0-56-..."
 * gives "6.1.0-56-..."), or the header's version string for a bzImage.
 * buf gets "" if unknown.
 */
void vm_kernel_release(const char *path, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* BPFGAUGE_VM_H */
