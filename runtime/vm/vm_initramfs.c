/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest initramfs: a newc cpio archive written through zlib's gzip
 * stream, holding busybox-static, the caller's files and an /init script
 * that mounts the pseudo filesystems, runs one command with its stdout on
 * the second serial port between markers, and powers off. Writing the
 * archive here (not with cpio(1)) keeps the runner free of host tools.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "bpfgauge/vm.h"
#include "bpfgauge_internal.h"

struct cpio {
	gzFile gz;
	unsigned int ino;
	int err;
	char **dirs; /* directories already written */
	size_t ndirs;
};

static void cpio_pad(struct cpio *c, size_t len)
{
	static const char zero[4];
	size_t pad = (4 - (len & 3)) & 3;

	if (pad && gzwrite(c->gz, zero, pad) != (int)pad)
		c->err = -EIO;
}

static void cpio_node(struct cpio *c, const char *name, unsigned int mode, const void *data,
		      size_t len, unsigned int rmaj, unsigned int rmin)
{
	char hdr[160];
	size_t nlen = strlen(name) + 1;

	if (c->err)
		return;
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		 c->ino++, mode, 0, 0, 1, 0, len, 0, 0, rmaj, rmin, nlen, 0);
	if (gzwrite(c->gz, hdr, 110) != 110 || gzwrite(c->gz, name, nlen) != (int)nlen) {
		c->err = -EIO;
		return;
	}
	cpio_pad(c, 110 + nlen);
	if (len && gzwrite(c->gz, data, len) != (int)len) {
		c->err = -EIO;
		return;
	}
	cpio_pad(c, len);
}

static void cpio_entry(struct cpio *c, const char *name, unsigned int mode, const void *data,
		       size_t len)
{
	cpio_node(c, name, mode, data, len, 0, 0);
}

/* Write name's parent directories (without the leading '/') once each. */
static void cpio_dirs(struct cpio *c, const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path[0] == '/' ? path + 1 : path);
	for (char *s = strchr(buf, '/'); s && !c->err; s = strchr(s + 1, '/')) {
		bool seen = false;
		char **d;

		*s = 0;
		for (size_t i = 0; i < c->ndirs && !seen; i++)
			seen = !strcmp(c->dirs[i], buf);
		if (!seen) {
			d = realloc(c->dirs, (c->ndirs + 1) * sizeof(*d));
			if (!d || !(d[c->ndirs] = strdup(buf))) {
				if (d)
					c->dirs = d;
				c->err = -ENOMEM;
				return;
			}
			c->dirs = d;
			c->ndirs++;
			cpio_entry(c, buf, 040755, NULL, 0);
		}
		*s = '/';
	}
}

static void cpio_file(struct cpio *c, const char *src, const char *dst, unsigned int mode)
{
	struct stat st;
	char *data = NULL;
	int fd;

	if (c->err)
		return;
	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		c->err = -errno;
		pr_warn("vm: cannot read '%s' for the initramfs: %s", src, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	data = malloc(st.st_size ? st.st_size : 1);
	if (!data) {
		c->err = -ENOMEM;
		close(fd);
		return;
	}
	for (off_t off = 0; off < st.st_size;) {
		ssize_t r = read(fd, data + off, st.st_size - off);

		if (r <= 0) {
			c->err = r < 0 ? -errno : -EIO;
			break;
		}
		off += r;
	}
	close(fd);
	cpio_dirs(c, dst);
	cpio_entry(c, dst[0] == '/' ? dst + 1 : dst, 0100000 | (mode ? mode : 0644), data,
		   st.st_size);
	free(data);
}

int vm_initramfs_write(const char *out, const char *busybox, const struct vm_file *files,
		       size_t nfiles, const char *guest_cmd, const char *nonce)
{
	return vm_initramfs_write_arch(out, busybox, files, nfiles, guest_cmd, nonce, NULL);
}

/*
 * The /init script for arch a (normalised): run guest_cmd, its output between
 * the nonce's markers. *init is malloc'ed (the caller frees); 0 or -ENOMEM.
 */
static int init_script(const char *a, const char *guest_cmd, const char *nonce, char **init,
		       size_t *init_len)
{
	FILE *m;

	m = open_memstream(init, init_len);
	if (!m)
		return -ENOMEM;
	/*
	 * x86_64: ttyS0 is the console (kernel messages, stderr); ttyS1
	 * carries only our output, so printk lines can never interleave with
	 * the JSON. arm64's virt machine has one port, ttyAMA0: the output
	 * waits in /tmp and goes out whole after the command (vm_run keeps
	 * printk quiet there).
	 */
	bool arm64 = !strcmp(a, "arm64");
	const char *con = arm64 ? "/dev/ttyAMA0" : "/dev/ttyS0";

	fprintf(m,
		"#!/bin/busybox sh\n"
		"/bin/busybox --install -s /bin\n"
		"export PATH=/bin\n"
		"mkdir -p /proc /sys /dev /tmp\n"
		"mount -t proc proc /proc\n"
		"mount -t sysfs sys /sys\n"
		"mount -t devtmpfs dev /dev\n"
		"mount -t bpf bpf /sys/fs/bpf 2>/dev/null\n"
		/* tracepoint attaches read event ids from tracefs */
		"mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null\n"
		"mount -t tmpfs tmp /tmp\n"
		"echo 'bpfgauge-guest: running' > %s\n", con);
	if (arm64)
		fprintf(m,
			"( %s ) > /tmp/.bpfgauge-out 2>%s\n"
			"rc=$?\n"
			"{ echo '@@BPFGAUGE-BEGIN %s@@'\n"
			"  cat /tmp/.bpfgauge-out\n"
			"  echo\n"
			"  echo \"@@BPFGAUGE-END %s rc=$rc@@\"\n"
			"} > %s\n",
			guest_cmd, con, nonce, nonce, con);
	else
		fprintf(m,
			"{ echo '@@BPFGAUGE-BEGIN %s@@'\n"
			"  ( %s ) 2>%s\n"
			"  rc=$?\n"
			"  echo\n"
			"  echo \"@@BPFGAUGE-END %s rc=$rc@@\"\n"
			"} > /dev/ttyS1\n",
			nonce, guest_cmd, con, nonce);
	fputs("sync\npoweroff -f\n", m);
	if (fclose(m)) {
		free(*init);
		*init = NULL;
		return -ENOMEM;
	}
	return 0;
}

int vm_initramfs_write_arch(const char *out, const char *busybox, const struct vm_file *files,
			    size_t nfiles, const char *guest_cmd, const char *nonce,
			    const char *arch)
{
	struct cpio c = { 0 };
	const char *a = vm_arch_norm(arch);
	char *init = NULL;
	size_t init_len;

	if (!a)
		return bg_err(-EINVAL);
	if (init_script(a, guest_cmd, nonce, &init, &init_len))
		return bg_err(-ENOMEM);

	c.gz = gzopen(out, "wb6");
	if (!c.gz) {
		free(init);
		pr_warn("vm: cannot create '%s': %s", out, strerror(errno));
		return bg_err(errno ? -errno : -EIO);
	}
	cpio_entry(&c, "bin", 040755, NULL, 0);
	cpio_entry(&c, "dev", 040755, NULL, 0);
	cpio_node(&c, "dev/console", 020600, NULL, 0, 5, 1); /* init's stdio before devtmpfs */
	cpio_file(&c, busybox ? busybox : "/bin/busybox", "/bin/busybox", 0755);
	for (size_t i = 0; i < nfiles; i++)
		cpio_file(&c, files[i].src, files[i].dst, files[i].mode);
	cpio_entry(&c, "init", 0100755, init, init_len);
	cpio_entry(&c, "TRAILER!!!", 0, NULL, 0);
	free(init);
	for (size_t i = 0; i < c.ndirs; i++)
		free(c.dirs[i]);
	free(c.dirs);
	if (gzclose(c.gz) != Z_OK && !c.err)
		c.err = -EIO;
	if (c.err) {
		unlink(out);
		return bg_err(c.err);
	}
	return 0;
}
