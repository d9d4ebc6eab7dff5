/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Writing and reading whole files: the one place that knows how bpfgauge
 * replaces an output (atomically, never over a device or FIFO, through
 * symlinks, under a directory lock for read-modify-write) and how it reads
 * one back. Part of fmt/, the format layer: no libbpf.
 */
#ifndef BPFGAUGE_FILE_H
#define BPFGAUGE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Write path with whatever write(ctx, FILE *) writes; write returns 0 or a
 * negative error. How depends on what path is:
 * - "-": stdout, flushed and checked for write errors;
 * - a regular file, or nothing yet: replaced atomically (temp file in the
 *   same directory, fsync, rename) under an flock on that directory; the
 *   file keeps its permissions; temp files of earlier killed writers are
 *   removed; on error the old file is kept;
 * - a symlink: followed (also when dangling); its final target is replaced
 *   in its own directory and the link stays;
 * - a char or block device, FIFO or socket: opened and written directly,
 *   never replaced; /dev/stdout, /dev/fd/N and /proc/... are opened for
 *   append and written through; a directory is refused (EISDIR).
 * Errors are logged once, naming path.
 */
int bpfgauge_write_atomic(const char *path, int (*write)(void *ctx, void *file), void *ctx);

/*
 * Lock the directory path's target lives in (flock, exclusive, blocking)
 * for a read-modify-write of path; *lock_fd is released with
 * bpfgauge_out_unlock(). Inside, write with bpfgauge_write_locked() (the
 * same as bpfgauge_write_atomic() without taking the lock again).
 */
int bpfgauge_out_lock(const char *path, int *lock_fd);
void bpfgauge_out_unlock(int lock_fd);
int bpfgauge_write_locked(const char *path, int (*write)(void *ctx, void *file), void *ctx);

/* write(ctx, stdout), flushed; a write error (EPIPE, ENOSPC) is returned. */
int bpfgauge_write_stdout(int (*write)(void *ctx, void *file), void *ctx);

/*
 * Open path ("-" = stdin) for reading; a directory is refused with EISDIR
 * (fopen() would open it and fail only at the first read). NULL with errno
 * set; fclose() what is not stdin.
 */
FILE *bpfgauge_open_read(const char *path);

/*
 * Read all of path ("-" = stdin) into a NUL-terminated buffer (*len bytes,
 * the NUL not counted); free() it. max_len (0 = no limit) refuses a larger
 * file with -EFBIG. Returns the buffer, or NULL with errno set.
 */
char *bpfgauge_read_file(const char *path, size_t max_len, size_t *len);

/* 16 random hex digits and a NUL (/dev/urandom; time and pid without it):
 * run ids, nonces, names that must not collide. */
void bpfgauge_random_id(char buf[17]);

#ifdef __cplusplus
}
#endif

#endif /* BPFGAUGE_FILE_H */
