/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Provenance of a run: hashes of objects and kernel configs (a small
 * SHA-256, so static guests need no crypto library), git state of the
 * working directory, host arch/kernel, and clang's version line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "bpfgauge/store.h"
#include "bpfgauge_internal.h"

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t n;
};

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(struct sha256 *s, const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | p[4 * i + 1] << 16 | p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
	e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));

		h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
	s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

static void sha_init(struct sha256 *s)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->n = 0;
}

static void sha_update(struct sha256 *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	s->len += len;
	while (len) {
		size_t k = 64 - s->n < len ? 64 - s->n : len;

		memcpy(s->buf + s->n, p, k);
		s->n += k;
		p += k;
		len -= k;
		if (s->n == 64) {
			sha_block(s, s->buf);
			s->n = 0;
		}
	}
}

/* Finish and write the first 8 bytes as 16 hex digits. */
static void sha_final_hex16(struct sha256 *s, char out[17])
{
	uint64_t bits = s->len * 8;
	unsigned char pad = 0x80, z = 0, lenb[8];

	sha_update(s, &pad, 1);
	while (s->n != 56)
		sha_update(s, &z, 1);
	for (int i = 0; i < 8; i++)
		lenb[i] = bits >> (56 - 8 * i);
	sha_update(s, lenb, 8);
	snprintf(out, 17, "%08x%08x", s->h[0], s->h[1]);
}

void prov_buf_hash(const void *buf, size_t len, char out[17])
{
	struct sha256 s;

	sha_init(&s);
	sha_update(&s, buf, len);
	sha_final_hex16(&s, out);
}

int prov_file_hash(const char *path, char out[17])
{
	unsigned char buf[65536];
	struct sha256 s;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	out[0] = 0;
	if (fd < 0)
		return bg_err(-errno);
	sha_init(&s);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		sha_update(&s, buf, r);
	close(fd);
	if (r < 0)
		return bg_err(-EIO);
	sha_final_hex16(&s, out);
	return 0;
}

void prov_kernel_config_hash(char out[17])
{
	struct utsname u;
	char path[512], buf[65536];
	struct sha256 s;
	gzFile gz;
	int r;

	out[0] = 0;
	gz = gzopen("/proc/config.gz", "rb");
	if (gz) {
		sha_init(&s);
		while ((r = gzread(gz, buf, sizeof(buf))) > 0)
			sha_update(&s, buf, r);
		gzclose(gz);
		sha_final_hex16(&s, out);
		return;
	}
	if (uname(&u))
		return;
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	prov_file_hash(path, out);
}

/* Run a command (no shell) and return the first line of its stdout. */
static void first_line(char *const argv[], char *buf, size_t size)
{
	int fds[2];
	pid_t pid;
	ssize_t n = 0, r;

	buf[0] = 0;
	if (pipe(fds))
		return;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		dup2(fds[1], 1);
		if (nul >= 0) {
			dup2(nul, 2);
			dup2(nul, 0);
		}
		close(fds[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while ((size_t)n < size - 1 && (r = read(fds[0], buf + n, size - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	/* drain so the child never blocks on a full pipe */
	while (read(fds[0], (char[256]){ 0 }, 256) > 0)
		;
	close(fds[0]);
	int st = 0;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	buf[strcspn(buf, "\n")] = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		buf[0] = 0;
}

void prov_clang_version(const char *clang, char *buf, size_t size)
{
	char *argv[] = { (char *)clang, "--version", NULL };

	first_line(argv, buf, size);
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

void store_run_provenance(struct store_run *run)
{
	char buf[256];
	struct utsname u;
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	free(run->started);
	run->started = strdup(buf);

	char *git_commit[] = { "git", "rev-parse", "HEAD", NULL };
	char *git_branch[] = { "git", "rev-parse", "--abbrev-ref", "HEAD", NULL };
	char *git_dirty[] = { "git", "status", "--porcelain", "--untracked-files=no", NULL };

	first_line(git_commit, buf, sizeof(buf));
	free(run->git_commit);
	run->git_commit = strdup(buf);
	if (buf[0]) {
		first_line(git_dirty, buf, sizeof(buf));
		run->git_dirty = buf[0] != 0;
		first_line(git_branch, buf, sizeof(buf));
	} else {
		run->git_dirty = -1;
	}
	free(run->branch);
	run->branch = strdup(getenv("BPFGAUGE_BRANCH") ? getenv("BPFGAUGE_BRANCH") : buf);
	free(run->host_arch);
	free(run->host_kernel);
	if (!uname(&u)) {
		run->host_arch = strdup(u.machine);
		run->host_kernel = strdup(u.release);
	} else {
		run->host_arch = dup_or_empty(NULL);
		run->host_kernel = dup_or_empty(NULL);
	}
	free(run->tool_version);
	run->tool_version = strdup(bpfgauge_version());
	if (!run->finished)
		run->finished = dup_or_empty(NULL);
	if (!run->status)
		run->status = strdup("running");
	if (!run->label)
		run->label = dup_or_empty(NULL);
	if (!run->matrix_key)
		run->matrix_key = dup_or_empty(NULL);
	if (!run->uuid)
		run->uuid = dup_or_empty(NULL);
	store_owner_self(buf, sizeof(buf));
	free(run->owner);
	run->owner = strdup(buf);
}

/* Field 22 of /proc/PID/stat (start time in clock ticks), -1 if none. */
static long long proc_start(long pid)
{
	char path[64], buf[1024], *p;
	long long start = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')'))) {
		/* after "pid (comm)": state is field 3, starttime field 22 */
		p++;
		for (int field = 3; field < 22 && p; field++)
			p = strchr(p + 1, ' ');
		if (p)
			start = strtoll(p + 1, NULL, 10);
	}
	fclose(f);
	return start;
}

static void boot_id(char *buf, size_t size)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	buf[0] = 0;
	if (f) {
		if (!fgets(buf, size, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
}

/*
 * This process's pid namespace (the inode of /proc/self/ns/pid), 0 if
 * unknown: a pid means nothing in another namespace, and two containers
 * can share a hostname and a boot id.
 */
static unsigned long long pid_ns(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) ? 0 : (unsigned long long)st.st_ino;
}

void store_owner_self(char *buf, size_t size)
{
	char host[128] = "", boot[64];
	long long start = proc_start((long)getpid());
	unsigned long long ns = pid_ns();

	boot_id(boot, sizeof(boot));
	gethostname(host, sizeof(host) - 1);
	if (start < 0 || !boot[0] || strchr(host, '/')) {
		buf[0] = 0;
		return;
	}
	if (ns)
		snprintf(buf, size, "%s/%s/%ld/%lld/%llu", host, boot, (long)getpid(), start, ns);
	else
		snprintf(buf, size, "%s/%s/%ld/%lld", host, boot, (long)getpid(), start);
}

int store_owner_alive(const char *owner)
{
	char host[128] = "", boot[64], ohost[128], oboot[64];
	unsigned long long ons = 0;
	long pid;
	long long start;
	int n;

	/* host/boot/pid/start[/pidns] (no pidns: written before bpfgauge knew it) */
	if (!owner)
		return -1;
	n = sscanf(owner, "%127[^/]/%63[^/]/%ld/%lld/%llu", ohost, oboot, &pid, &start, &ons);
	if (n < 4)
		return -1;
	gethostname(host, sizeof(host) - 1);
	if (strcmp(host, ohost))
		return -1; /* another machine's run: cannot tell */
	boot_id(boot, sizeof(boot));
	if (!boot[0])
		return -1;
	if (strcmp(boot, oboot))
		return 0; /* rebooted since */
	if (n == 5 && ons != pid_ns())
		return -1; /* another pid namespace (a container): its pid is not ours to look up */
	return proc_start(pid) == start;
}
