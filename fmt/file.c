/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Every file bpfgauge writes goes through here, and whole files are read
 * back here too (bpfgauge_read_file). A regular file (or a path
 * that does not exist yet) is replaced atomically: a temp file in the
 * target's own directory, fsync, rename, all under an flock on that
 * directory so that parallel writers (CI jobs sharing a workspace) take
 * turns at read-merge-rename instead of losing each other's data. A
 * symlink is followed and its target replaced where it lives. Anything
 * that is not a regular file (a char device such as /dev/null, a FIFO, a
 * socket) is written directly, never replaced, and so is /dev/stdout (for
 * append: the shell may have opened it with >>). "-" is stdout.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bpfgauge_internal.h"
#include "bpfgauge/file.h"

#define TMP_SUFFIX ".tmp."

/*
 * Where writing to path really lands: the path itself, or for a symlink
 * (also a dangling one) the end of its chain, relative links resolved
 * against the directory of the link. Returns a malloc'ed path or NULL
 * (errno set: ELOOP for a cycle).
 */
static char *resolve_target(const char *path)
{
	char *cur = strdup(path);

	for (int hops = 0; cur; hops++) {
		struct stat st;
		char buf[PATH_MAX], *next;
		ssize_t n;

		if (lstat(cur, &st) || !S_ISLNK(st.st_mode))
			return cur;
		if (hops >= 40) {
			free(cur);
			errno = ELOOP;
			return NULL;
		}
		n = readlink(cur, buf, sizeof(buf) - 1);
		if (n < 0) {
			free(cur);
			return NULL;
		}
		buf[n] = '\0';
		if (buf[0] == '/' || !strchr(cur, '/')) {
			next = strdup(buf);
		} else {
			size_t dl = strrchr(cur, '/') - cur + 1;

			next = malloc(dl + n + 1);
			if (next) {
				memcpy(next, cur, dl);
				memcpy(next + dl, buf, n + 1);
			}
		}
		free(cur);
		cur = next;
	}
	errno = ENOMEM;
	return NULL;
}

/* The directory part of path ("." when there is none); malloc'ed. */
static char *dir_of(const char *path)
{
	const char *sl = strrchr(path, '/');

	if (!sl)
		return strdup(".");
	if (sl == path)
		return strdup("/");
	return strndup(path, sl - path);
}

int bpfgauge_out_lock(const char *path, int *lock_fd)
{
	char *target = resolve_target(path), *dir;
	int fd, err = 0;

	*lock_fd = -1;
	if (!target)
		return bg_err(-errno);
	dir = dir_of(target);
	free(target);
	if (!dir)
		return bg_err(-ENOMEM);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == EACCES) {
		/* a write-only directory: the write may still work, unlocked */
		pr_debug("cannot lock directory '%s' (no read access): writing '%s' unlocked", dir, path);
	} else if (fd < 0) {
		err = -errno;
		pr_warn("cannot write '%s': directory '%s': %s", path, dir, bpfgauge_strerror(err));
	} else if (flock(fd, LOCK_EX)) {
		err = -errno;
		pr_warn("cannot lock directory '%s' to write '%s': %s", dir, path, bpfgauge_strerror(err));
		close(fd);
	} else {
		*lock_fd = fd;
	}
	free(dir);
	return bg_err(err);
}

void bpfgauge_out_unlock(int lock_fd)
{
	if (lock_fd >= 0)
		close(lock_fd); /* drops the flock */
}

/*
 * Remove temp files of target left by a writer that was killed between
 * mkstemp and rename. Called with the directory lock held, so no live
 * writer of this version owns one; a minute of age guards the others.
 */
static void remove_stale_temps(const char *target)
{
	struct stat st;
	const char *sl = strrchr(target, '/');
	const char *base = sl ? sl + 1 : target;
	char *dir = dir_of(target);
	size_t bl = strlen(base);
	struct dirent *de;
	DIR *d;

	if (!dir)
		return;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		const char *n = de->d_name;
		char *full;

		if (strncmp(n, base, bl) || strncmp(n + bl, TMP_SUFFIX, strlen(TMP_SUFFIX)) ||
		    strlen(n + bl + strlen(TMP_SUFFIX)) != 6)
			continue;
		if (asprintf(&full, "%s/%s", dir, n) < 0)
			continue;
		/* a writer that ignores the lock (an older bpfgauge) may be live */
		if (lstat(full, &st) || !S_ISREG(st.st_mode) || time(NULL) - st.st_mtime < 60) {
			free(full);
			continue;
		}
		if (!unlink(full))
			pr_info("removed '%s', left behind by an interrupted write", full);
		free(full);
	}
	if (d)
		closedir(d);
	free(dir);
}

static bool is_fd_alias(const char *path)
{
	return !strncmp(path, "/dev/std", 8) || !strncmp(path, "/dev/fd/", 8) ||
	       !strncmp(path, "/proc/", 6);
}

/* Write straight into something that must not be replaced (device, FIFO). */
static int write_direct(const char *path, int (*write)(void *ctx, void *file), void *ctx)
{
	/* an fd alias may be a file the shell opened with >>: never truncate it */
	FILE *f = fopen(path, is_fd_alias(path) ? "a" : "w");
	int err;

	if (!f) {
		err = -errno;
		pr_warn("cannot write '%s': %s", path, bpfgauge_strerror(err));
		return err;
	}
	err = write(ctx, f);
	if (!err && (fflush(f) || ferror(f)))
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		pr_warn("cannot write '%s': %s", path, bpfgauge_strerror(err));
	return err;
}

int bpfgauge_write_stdout(int (*write)(void *ctx, void *file), void *ctx)
{
	int err;

	errno = 0;
	err = write(ctx, stdout);
	if (!err && (fflush(stdout) || ferror(stdout)))
		err = errno ? -errno : -EIO;
	if (err)
		pr_warn("cannot write to stdout: %s", bpfgauge_strerror(err));
	return bg_err(err);
}

/* A replaced file keeps its permissions (and owner, for root); a new one gets 0666 & ~umask. */
static void keep_mode(int fd, const char *target, const char *path)
{
	struct stat st;
	mode_t mode;

	if (!stat(target, &st)) {
		mode = st.st_mode & 07777;
		if (!geteuid() && fchown(fd, st.st_uid, st.st_gid))
			pr_debug("cannot keep the owner of '%s': %s", path, strerror(errno));
	} else {
		mode_t um = umask(0);

		umask(um);
		mode = 0666 & ~um;
	}
	fchmod(fd, mode);
}

int bpfgauge_write_locked(const char *path, int (*write)(void *ctx, void *file), void *ctx)
{
	char *target, *tmp = NULL;
	struct stat st;
	FILE *f = NULL;
	int fd, err;

	if (!strcmp(path, "-"))
		return bpfgauge_write_stdout(write, ctx);
	/*
	 * /dev/stdout, /dev/fd/N, /proc/self/fd/N name an open file of this
	 * process (maybe opened for append): write through it, never replace
	 */
	if (is_fd_alias(path))
		return bg_err(write_direct(path, write, ctx));
	/* anything but a regular file is written in place, never replaced */
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			pr_warn("cannot write '%s': it is a directory", path);
			return bg_err(-EISDIR);
		}
		return bg_err(write_direct(path, write, ctx));
	}
	target = resolve_target(path);
	if (!target) {
		err = -errno;
		pr_warn("cannot write '%s': %s", path, bpfgauge_strerror(err));
		return bg_err(err);
	}
	remove_stale_temps(target);
	if (asprintf(&tmp, "%s" TMP_SUFFIX "XXXXXX", target) < 0) {
		free(target);
		return bg_err(-ENOMEM);
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		pr_warn("cannot write '%s': %s", path, bpfgauge_strerror(err));
		free(tmp);
		free(target);
		return bg_err(err);
	}
	keep_mode(fd, target, path);
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto fail;
	}
	errno = 0;
	err = write(ctx, f);
	if (!err && (fflush(f) || ferror(f) || fsync(fileno(f))))
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		goto fail;
	if (rename(tmp, target)) {
		err = -errno;
		goto fail;
	}
	free(tmp);
	free(target);
	return 0;
fail:
	pr_warn("cannot write '%s': %s (the previous file is kept)", path, bpfgauge_strerror(err));
	unlink(tmp);
	free(tmp);
	free(target);
	return bg_err(err);
}

int bpfgauge_write_atomic(const char *path, int (*write)(void *ctx, void *file), void *ctx)
{
	struct stat st;
	int lock, err;

	if (!strcmp(path, "-"))
		return bpfgauge_write_stdout(write, ctx);
	if (is_fd_alias(path) || (!stat(path, &st) && !S_ISREG(st.st_mode)))
		return bpfgauge_write_locked(path, write, ctx); /* no rename: no lock */
	err = bpfgauge_out_lock(path, &lock);
	if (err)
		return err;
	err = bpfgauge_write_locked(path, write, ctx);
	bpfgauge_out_unlock(lock);
	return err;
}

FILE *bpfgauge_open_read(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	struct stat st;

	if (f && !fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		if (f != stdin)
			fclose(f);
		errno = EISDIR;
		return NULL;
	}
	return f;
}

char *bpfgauge_read_file(const char *path, size_t max_len, size_t *len)
{
	FILE *f = bpfgauge_open_read(path);
	size_t cap = 1 << 16, n = 0;
	char *b = NULL;
	int err = 0;

	*len = 0;
	if (!f)
		return bg_err_ptr(-errno);
	b = malloc(cap);
	if (!b) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		size_t r;

		if (n + 1 >= cap) {
			char *m = realloc(b, cap * 2);

			if (!m) {
				err = -ENOMEM;
				goto out;
			}
			b = m;
			cap *= 2;
		}
		r = fread(b + n, 1, cap - n - 1, f);
		n += r;
		if (max_len && n > max_len) {
			err = -EFBIG;
			break;
		}
		if (r == 0) {
			if (ferror(f))
				err = -EIO;
			break;
		}
	}
out:
	if (f != stdin)
		fclose(f);
	if (err) {
		free(b);
		return bg_err_ptr(err);
	}
	b[n] = 0;
	*len = n;
	return b;
}

void bpfgauge_random_id(char buf[17])
{
	unsigned long long v = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, &v, sizeof(v)) != sizeof(v))
		v = (unsigned long long)time(NULL) * 2654435761u ^ (unsigned long long)getpid();
	if (fd >= 0)
		close(fd);
	snprintf(buf, 17, "%016llx", v);
}
