/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Finding the objects of captured counter maps (cov run): the pending
 * values of a session carry the mapping hash of each segment, and the
 * objects whose modules have those hashes are looked for in the files and
 * directories given. The tree may be anyone's (a home directory, /tmp):
 * candidates are read lazily, only regular *.o files that are BPF ELF
 * objects, and only those whose mapping holds a wanted hash are kept. The
 * scan stops once every hash has its object, never follows a symlink out of
 * the tree it scans, never enters /proc, /sys, /dev or another pseudo file
 * system, and a file that cannot be read as a mapping is reported to the
 * caller and skipped, never the end of the scan.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "bpfgauge/elf_sniff.h"
#include "bpfgauge_internal.h"
#include "cov_internal.h"

struct want {
	uint64_t hash;
	bool found;
};

struct find {
	struct cov_session *s;
	const struct cov_find_opts *opts;
	struct cov_find_stats *st;
	struct want *want;
	size_t nwant, nfound;
	const char *root; /* realpath of the directory being scanned */
	int err;
};

/* nftw's callback has no context: the scan of this thread. */
static __thread struct find *cur_find;

static int want_add(struct find *f, uint64_t h)
{
	for (size_t i = 0; i < f->nwant; i++)
		if (f->want[i].hash == h)
			return 0;
	if (!(f->nwant & (f->nwant + 1)) || !f->want) {
		struct want *w = realloc(f->want, (f->nwant + 1) * 2 * sizeof(*w));

		if (!w)
			return -ENOMEM;
		f->want = w;
	}
	f->want[f->nwant++] = (struct want){ h, false };
	return 0;
}

/* Collect the hashes of every segment in every pending value. */
static int want_from(struct find *f, const struct cov_snapshot *snap)
{
	for (size_t i = 0; snap && i < cov_snapshot__cnt(snap); i++) {
		size_t size, n = 0;
		const void *v = cov_snapshot__value(snap, i, &size, NULL);
		uint64_t *h;
		int err = 0;

		if (cov_value_hashes(v, size, NULL, 0, &n) || !n)
			continue; /* malformed: the build reports it */
		h = calloc(n, sizeof(*h));
		if (!h)
			return -ENOMEM;
		cov_value_hashes(v, size, h, n, &n);
		for (size_t k = 0; k < n && !err; k++)
			err = want_add(f, h[k]);
		free(h);
		if (err)
			return err;
	}
	return 0;
}

static bool all_found(const struct find *f)
{
	return f->nwant && f->nfound == f->nwant;
}

/* Mark the wanted hashes m carries; true if it carries any. */
static bool mark_wanted(struct find *f, const struct cov_mapping *m)
{
	bool useful = false;

	for (size_t i = 0; i < cov_mapping__module_cnt(m); i++) {
		uint64_t h = cov_mapping__module_hash(m, i);

		for (size_t k = 0; k < f->nwant; k++)
			if (f->want[k].hash == h) {
				useful = true;
				if (!f->want[k].found) {
					f->want[k].found = true;
					f->nfound++;
				}
			}
	}
	return useful;
}

/* Read one candidate; add its mapping if it holds a wanted hash. */
static void consider(struct find *f, const char *path)
{
	struct cov_mapping *m;
	int err;

	if (bpfgauge_sniff_elf(path, true, NULL) != BPFGAUGE_FILE_BPF_ELF)
		return; /* host objects and everything else: not ours to judge */
	/* the caller hears of a bad candidate through on_skip, not the log */
	bpfgauge_log_mute(true);
	err = cov_mapping__from_file(path, &m);
	bpfgauge_log_mute(false);
	if (err == -BPFGAUGE_ENOMAPPING)
		return; /* a BPF object built without the pass */
	f->st->read++;
	if (err) {
		if (f->opts && f->opts->on_skip)
			f->opts->on_skip(path, err, f->opts->ctx);
		return;
	}
	if (!mark_wanted(f, m)) {
		cov_mapping__free(m);
		return;
	}
	f->st->used++;
	if (cov_session__add_mapping(f->s, m))
		f->err = -ENOMEM;
}

/* Kernel views and device trees: nothing in them is an object file. */
static bool pseudo_dir(const char *path)
{
	static const long magics[] = {
		0x9fa0,     /* proc */
		0x62656572, /* sysfs */
		0x64626720, /* debugfs */
		0x74726163, /* tracefs */
		0xcafe4a11, /* bpf */
		0x27e0eb,   /* cgroup */
		0x63677270, /* cgroup2 */
		0x1cd1,     /* devpts */
		0x73636673, /* securityfs */
		0x6165676c, /* pstore */
	};
	struct statfs sf;
	char real[PATH_MAX];

	if (realpath(path, real) && (!strcmp(real, "/proc") || !strcmp(real, "/sys") ||
				     !strcmp(real, "/dev")))
		return true;
	if (statfs(path, &sf))
		return true;
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if ((long)sf.f_type == magics[i])
			return true;
	return false;
}

/* A link to a regular file inside the scanned tree: its target, else NULL. */
static const char *link_in_tree(const struct find *f, const char *path, char real[PATH_MAX])
{
	size_t rl = strlen(f->root);
	struct stat t;

	if (!realpath(path, real) || strncmp(real, f->root, rl) ||
	    (real[rl] != '/' && strcmp(f->root, "/")) || stat(real, &t) || !S_ISREG(t.st_mode))
		return NULL;
	return real;
}

static int scan_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct find *f = cur_find;
	size_t n = strlen(path);

	if (type == FTW_D)
		return pseudo_dir(path) ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
	if (type == FTW_DP || type == FTW_DNR)
		return FTW_CONTINUE;
	f->st->looked++;
	if (n < 3 || strcmp(path + n - 2, ".o"))
		return FTW_CONTINUE;
	if (type == FTW_SL) {
		char real[PATH_MAX];

		/* a link to a file inside the scanned tree is fine, out of it never */
		if (link_in_tree(f, path, real))
			consider(f, real);
	} else if (type == FTW_F && S_ISREG(st->st_mode)) {
		consider(f, path); /* never open a FIFO or a device named *.o */
	}
	return all_found(f) || f->err ? FTW_STOP : FTW_CONTINUE;
}

/* One --objects entry: a directory is scanned, a regular file read. */
static int find_in(struct find *f, const char *path)
{
	struct stat st;

	if (stat(path, &st)) {
		f->st->bad_path = path;
		return -errno;
	}
	if (S_ISDIR(st.st_mode)) {
		char root[PATH_MAX];

		if (!realpath(path, root))
			snprintf(root, sizeof(root), "%s", path);
		f->root = root;
		cur_find = f;
		nftw(path, scan_cb, 16, FTW_PHYS | FTW_ACTIONRETVAL);
		cur_find = NULL;
		f->root = NULL;
	} else if (S_ISREG(st.st_mode)) {
		f->st->looked++;
		consider(f, path);
	}
	return f->err;
}

int cov_session__find_objects(struct cov_session *s, const char *const *paths, size_t n,
			      const struct cov_find_opts *opts, struct cov_find_stats *st)
{
	static const char *const dot[] = { "." };
	struct find f = { .s = s, .opts = opts, .st = st };
	int err;

	memset(st, 0, sizeof(*st));
	err = want_from(&f, cov_session__pending(s));
	if (err || !f.nwant) /* no valid segment: nothing to look for */
		goto out;
	if (!n) {
		paths = dot;
		n = 1;
	}
	for (size_t i = 0; i < n && !all_found(&f) && !err; i++)
		err = find_in(&f, paths[i]);
out:
	free(f.want);
	return bg_err(err);
}
