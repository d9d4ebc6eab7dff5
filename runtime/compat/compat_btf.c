/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The BTF of a kernel image that is not running: a bzImage's payload is a
 * compressed vmlinux ELF whose .BTF section is what /sys/kernel/btf/vmlinux
 * would show once booted. The payload is found through the boot protocol
 * header (payload_offset, payload_length), decompressed with the matching
 * standard tool (gzip, xz, zstd, lz4, bzip2, lzma), and its BTF is kept as
 * raw BTF in a file beside the image, so this is paid once per image.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "bpfgauge_internal.h"
#include "compat_internal.h"

static const struct {
	const char *tool;
	const uint8_t magic[6];
	size_t len;
} codecs[] = {
	{ "gzip", { 0x1f, 0x8b }, 2 },
	{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6 },
	{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
	{ "lz4", { 0x02, 0x21, 0x4c, 0x18 }, 4 },
	{ "bzip2", { 'B', 'Z', 'h' }, 3 },
	{ "lzma", { 0x5d, 0x00, 0x00 }, 3 },
};

/* Run "tool -dc" with stdin from in and stdout to out; 0 or -errno/-EIO. */
static int decompress(const char *tool, const char *in, const char *out)
{
	int ifd = open(in, O_RDONLY | O_CLOEXEC), ofd, st;
	pid_t pid;

	if (ifd < 0)
		return -errno;
	ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (ofd < 0) {
		close(ifd);
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(ifd, 0);
		dup2(ofd, 1);
		if (devnull >= 0)
			dup2(devnull, 2); /* lz4 and others complain about trailing data */
		execlp(tool, tool, "-dc", (char *)NULL);
		_exit(127);
	}
	close(ifd);
	close(ofd);
	if (pid < 0)
		return -errno;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return -ENOENT;
	/* trailing bytes after the stream make some tools exit 1 with good output */
	return 0;
}

/* The compressed payload of a bzImage into payload_path; its codec's tool in *tool. */
static int write_payload(const char *image, const char *payload_path, const char **tool)
{
	FILE *f = fopen(image, "rb"), *o = NULL;
	uint8_t hdr[0x250], *buf = NULL;
	uint32_t poff, plen;
	long start;
	int err = 0;

	if (!f)
		return -errno;
	if (fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr) || memcmp(hdr + 0x202, "HdrS", 4)) {
		err = -BPFGAUGE_EBADFORMAT; /* not a bzImage (arm64 Image.gz and others) */
		goto out;
	}
	memcpy(&poff, hdr + 0x248, 4);
	memcpy(&plen, hdr + 0x24c, 4);
	start = ((hdr[0x1f1] ? hdr[0x1f1] : 4) + 1) * 512L + poff;
	buf = malloc(plen);
	if (!buf || !plen || fseek(f, start, SEEK_SET) || fread(buf, 1, plen, f) != plen) {
		err = buf ? -BPFGAUGE_EBADFORMAT : -ENOMEM;
		goto out;
	}
	*tool = NULL;
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (plen >= codecs[i].len && !memcmp(buf, codecs[i].magic, codecs[i].len))
			*tool = codecs[i].tool;
	if (!*tool) {
		err = -BPFGAUGE_EBADFORMAT;
		goto out;
	}
	o = fopen(payload_path, "wb");
	if (!o || fwrite(buf, 1, plen, o) != plen)
		err = -EIO;
out:
	if (o && fclose(o) && !err)
		err = -EIO;
	free(buf);
	fclose(f);
	return err;
}

int compat_btf_from_image(const char *image, const char *cache_path, struct btf **out)
{
	char payload[] = "/tmp/bpfgauge-btf-XXXXXX", elf[64], tmp[4200];
	const char *tool = NULL;
	const void *raw;
	uint32_t size;
	struct btf *btf;
	FILE *f;
	int fd, err;

	*out = btf__parse_raw(cache_path);
	if (*out)
		return 0;
	fd = mkstemp(payload);
	if (fd < 0)
		return -errno;
	close(fd);
	snprintf(elf, sizeof(elf), "%s.elf", payload);
	err = write_payload(image, payload, &tool);
	if (!err) {
		pr_info("compat: extracting the BTF of %s (%s, once)", image, tool);
		err = decompress(tool, payload, elf);
		if (err == -ENOENT)
			pr_warn("compat: '%s' is needed to read %s's BTF (apt-get install %s)", tool,
				image, !strcmp(tool, "zstd") ? "zstd" : !strcmp(tool, "lz4") ? "lz4" : tool);
	}
	unlink(payload);
	if (err) {
		unlink(elf);
		return err;
	}
	btf = btf__parse_elf(elf, NULL);
	err = btf ? 0 : -errno;
	unlink(elf);
	if (err)
		return err;
	/* keep it for next time; a failure to cache is not an error */
	raw = btf__raw_data(btf, &size);
	snprintf(tmp, sizeof(tmp), "%s.tmp", cache_path);
	f = raw ? fopen(tmp, "wb") : NULL;
	if (f) {
		bool ok = fwrite(raw, 1, size, f) == size;

		if (fclose(f) || !ok || rename(tmp, cache_path))
			unlink(tmp);
	}
	*out = btf;
	return 0;
}
