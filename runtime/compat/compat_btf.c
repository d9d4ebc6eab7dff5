/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The BTF of a kernel image that is not running: a bzImage's payload is a
 * compressed vmlinux ELF whose .BTF section is what /sys/kernel/btf/vmlinux
 * would show once booted. The payload is found through the boot protocol
 * header (payload_offset, payload_length), decompressed with the matching
 * standard tool (gzip, xz, zstd, lz4, bzip2, lzma). An arm64 Image (plain,
 * as Debian ships it, or gzip'ed) is the kernel's memory image with no ELF
 * sections left: its BTF is found by the raw BTF header that starts
 * __start_BTF. Either way the BTF is kept as raw BTF in a file beside the
 * image, so this is paid once per image.
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

/* arm64 boot protocol: "ARM\x64" at offset 0x38 of the Image */
static bool is_arm64_image(const uint8_t *buf, size_t len)
{
	return len > 0x40 && !memcmp(buf + 0x38, "ARM\x64", 4);
}

/*
 * The vmlinux BTF inside an arm64 Image: the first raw BTF header (magic
 * 0xeb9f, version 1, header length 24) whose blob libbpf accepts with the
 * types a vmlinux has. -BPFGAUGE_EBADFORMAT if there is none.
 */
static int btf_from_arm64_image(const uint8_t *buf, size_t len, struct btf **out)
{
	static const uint8_t hdr[8] = { 0x9f, 0xeb, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00 };

	for (size_t i = 0; i + 24 <= len; i += 4) { /* .BTF is 4-byte aligned */
		const uint8_t *p = buf + i;
		uint32_t type_off, type_len, str_off, str_len;
		size_t size;
		struct btf *btf;

		if (p[0] != 0x9f || memcmp(p, hdr, sizeof(hdr)))
			continue;
		memcpy(&type_off, p + 8, 4);
		memcpy(&type_len, p + 12, 4);
		memcpy(&str_off, p + 16, 4);
		memcpy(&str_len, p + 20, 4);
		size = 24 + (size_t)(type_off + (uint64_t)type_len > str_off + (uint64_t)str_len
					     ? type_off + (uint64_t)type_len
					     : str_off + (uint64_t)str_len);
		if (size > len - i || type_len < 1024)
			continue;
		btf = btf__new(p, size);
		if (!btf)
			continue;
		if (btf__type_cnt(btf) > 1000) {
			*out = btf;
			return 0;
		}
		btf__free(btf);
	}
	return -BPFGAUGE_EBADFORMAT;
}

/* Keep btf as raw BTF at cache_path for next time; a failure is not an error. */
static void cache_btf(const struct btf *btf, const char *cache_path)
{
	char tmp[4200];
	const void *raw;
	uint32_t size;
	FILE *f;

	raw = btf__raw_data(btf, &size);
	snprintf(tmp, sizeof(tmp), "%s.tmp", cache_path);
	f = raw ? fopen(tmp, "wb") : NULL;
	if (f) {
		bool ok = fwrite(raw, 1, size, f) == size;

		if (fclose(f) || !ok || rename(tmp, cache_path))
			unlink(tmp);
	}
}

int compat_btf_from_image(const char *image, const char *cache_path, struct btf **out)
{
	char payload[] = "/tmp/bpfgauge-btf-XXXXXX", elf[64];
	const char *tool = NULL;
	struct btf *btf;
	int fd, err;

	*out = btf__parse_raw(cache_path);
	if (*out)
		return 0;
	{
		uint8_t head[0x40];
		FILE *h = fopen(image, "rb");
		bool gz, arm64;
		size_t hn;

		if (!h)
			return -errno;
		hn = fread(head, 1, sizeof(head), h);
		fclose(h);
		gz = hn >= 2 && head[0] == 0x1f && head[1] == 0x8b;
		arm64 = hn == sizeof(head) && !memcmp(head + 0x38, "ARM\x64", 4);
		if (gz || arm64) {
			size_t len;
			uint8_t *buf = compat_read_gz(image, 1u << 30, &len);

			if (!buf)
				return -errno;
			err = is_arm64_image(buf, len) ? btf_from_arm64_image(buf, len, out)
						       : -BPFGAUGE_EBADFORMAT;
			free(buf);
			if (!err) {
				pr_info("compat: extracted the BTF of %s (arm64 Image, once)", image);
				cache_btf(*out, cache_path);
			}
			return err;
		}
	}
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
	cache_btf(btf, cache_path);
	*out = btf;
	return 0;
}
