/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Counter snapshots: copies of .data.bpfgauge map values taken from the
 * live kernel, kept in memory or in a file so coverage can be reported
 * later (per-test attribution, loaders that are gone). File format:
 * "BPFGSNP1", then per map: u32 map_id, u32 size, size bytes, zero padding
 * to 8 bytes; little-endian.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge_internal.h"
#include "cov_internal.h"

#define SNAP_MAGIC "BPFGSNP1"

struct snap_ent {
	uint32_t map_id;
	uint32_t size;
	void *value;
};

struct cov_snapshot {
	size_t n;
	struct snap_ent *ents;
};

void cov_snapshot__free(struct cov_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->ents[i].value);
	free(s->ents);
	free(s);
}

int cov_snapshot_add(struct cov_snapshot *s, uint32_t id, const void *value, size_t size)
{
	void *n = realloc(s->ents, (s->n + 1) * sizeof(*s->ents));
	void *copy = malloc(size ? size : 1);

	if (!n || !copy) {
		free(copy);
		if (n)
			s->ents = n;
		return -ENOMEM;
	}
	s->ents = n;
	memcpy(copy, value, size);
	s->ents[s->n++] = (struct snap_ent){ id, (uint32_t)size, copy };
	return 0;
}

static int capture_cb(uint32_t id, const void *value, size_t size, void *ctx)
{
	return cov_snapshot_add(ctx, id, value, size);
}

struct cov_snapshot *cov_snapshot_new(void)
{
	return calloc(1, sizeof(struct cov_snapshot));
}

int cov_snapshot__capture(struct cov_snapshot **out)
{
	struct cov_snapshot *s = calloc(1, sizeof(*s));
	int err;

	*out = NULL;
	if (!s)
		return bg_err(-ENOMEM);
	err = bpfgauge_cov_live_foreach(capture_cb, s);
	if (err) {
		cov_snapshot__free(s);
		return bg_err(err);
	}
	*out = s;
	return 0;
}

void cov_snapshot__drop(struct cov_snapshot *s, size_t i)
{
	if (i >= s->n)
		return;
	free(s->ents[i].value);
	memmove(&s->ents[i], &s->ents[i + 1], (s->n - i - 1) * sizeof(*s->ents));
	s->n--;
}

void cov_snapshot__keep_matching(struct cov_snapshot *s, const struct cov_mapping *m)
{
	for (size_t i = 0; i < s->n;) {
		if (cov_mapping__matches_value(m, s->ents[i].value, s->ents[i].size))
			i++;
		else
			cov_snapshot__drop(s, i);
	}
}

size_t cov_snapshot__cnt(const struct cov_snapshot *s)
{
	return s->n;
}

const void *cov_snapshot__value(const struct cov_snapshot *s, size_t i, size_t *size,
				uint32_t *map_id)
{
	if (i >= s->n)
		return NULL;
	if (size)
		*size = s->ents[i].size;
	if (map_id)
		*map_id = s->ents[i].map_id;
	return s->ents[i].value;
}

static int snap_write_cb(void *ctx, void *file)
{
	const struct cov_snapshot *s = ctx;
	static const char pad[8];
	FILE *f = file;

	fwrite(SNAP_MAGIC, 1, 8, f);
	for (size_t i = 0; i < s->n; i++) {
		uint32_t hdr[2] = { s->ents[i].map_id, s->ents[i].size };

		fwrite(hdr, sizeof(hdr), 1, f);
		fwrite(s->ents[i].value, 1, s->ents[i].size, f);
		fwrite(pad, 1, (8 - s->ents[i].size % 8) % 8, f);
	}
	return ferror(f) ? -EIO : 0;
}

int cov_snapshot__write(const struct cov_snapshot *s, const char *path)
{
	return bpfgauge_write_atomic(path, snap_write_cb, (void *)s);
}

int cov_snapshot__read(const char *path, struct cov_snapshot **out)
{
	struct cov_snapshot *s;
	char magic[8];
	int err = 0;
	FILE *f;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f) {
		err = -errno;
		pr_warn("cov: cannot open snapshot '%s': %s", path, bpfgauge_strerror(err));
		return bg_err(err);
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		fclose(f);
		return bg_err(-ENOMEM);
	}
	if (fread(magic, 1, 8, f) != 8 || memcmp(magic, SNAP_MAGIC, 8)) {
		pr_warn("cov: '%s' is not a bpfgauge counter snapshot", path);
		err = -BPFGAUGE_EBADFORMAT;
	}
	while (!err) {
		uint32_t hdr[2];
		size_t padded;
		void *buf;
		size_t got = fread(hdr, 1, sizeof(hdr), f);

		if (got == 0 && feof(f))
			break;
		if (got != sizeof(hdr) || hdr[1] == 0 || hdr[1] > (64u << 20)) {
			pr_warn("cov: snapshot '%s' is truncated or corrupt", path);
			err = -BPFGAUGE_EBADFORMAT;
			break;
		}
		padded = (hdr[1] + 7) & ~7u;
		buf = malloc(padded);
		if (!buf) {
			err = -ENOMEM;
			break;
		}
		if (fread(buf, 1, padded, f) != padded) {
			pr_warn("cov: snapshot '%s' is truncated", path);
			err = -BPFGAUGE_EBADFORMAT;
		} else {
			err = cov_snapshot_add(s, hdr[0], buf, hdr[1]);
		}
		free(buf);
	}
	fclose(f);
	if (err) {
		cov_snapshot__free(s);
		return bg_err(err);
	}
	*out = s;
	return 0;
}
