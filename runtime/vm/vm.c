/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The qemu runner: boot a kernel with an initramfs, wait for it to power
 * off under a deadline, and cut the guest's output out of the data port
 * between its markers. Also the kernel-image cache helpers and the choice
 * of accelerator and parallelism.
 */
#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpfgauge/file.h"
#include "bpfgauge/vm.h"
#include "bpfgauge_internal.h"

#define TAIL_LINES 40

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Set once KVM failed to start a guest: later boots go straight to TCG. */
static volatile int kvm_broken;

const char *vm_default_accel(void)
{
	const char *env = getenv("BPFGAUGE_VM_ACCEL");
	int fd;

	/* a KVM that failed once in this run stays failed, whoever asked for it */
	if (kvm_broken)
		return "tcg";
	if (env && *env)
		return env;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return "tcg";
	close(fd);
	return "kvm";
}

void vm_nonce(char buf[17])
{
	bpfgauge_random_id(buf);
}

int vm_max_parallel(int mem_mb)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct sysinfo si;
	long by_mem = 64;
	const char *env = getenv("BPFGAUGE_VM_JOBS");

	if (env && atoi(env) > 0)
		return atoi(env);
	if (mem_mb <= 0)
		mem_mb = 1024;
	if (!sysinfo(&si)) {
		/* leave a quarter of free memory to the host */
		unsigned long long free_mb =
			(unsigned long long)(si.freeram + si.bufferram) * si.mem_unit >> 20;

		by_mem = (long)(free_mb * 3 / 4 / (mem_mb + 128));
	}
	if (cpus < 1)
		cpus = 1;
	if (by_mem < 1)
		by_mem = 1;
	return (int)(cpus < by_mem ? cpus : by_mem);
}

/* a whole file, NUL-terminated; NULL (errno set) when it cannot be read */
static char *read_all(const char *path, size_t *len)
{
	size_t n;
	char *buf = bpfgauge_read_file(path, 0, &n);

	if (len)
		*len = buf ? n : 0;
	return buf;
}

/* Drop the \r a guest tty adds (ONLCR) and NUL bytes. In place. */
static size_t strip_cr(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != 0)
			s[o++] = s[i];
	s[o] = 0;
	return o;
}

static char *tail_lines(const char *s, int lines)
{
	size_t n = strlen(s);
	const char *p = s + n;
	int seen = 0;

	while (p > s && n && s[n - 1] == '\n' && p == s + n)
		p--;
	while (p > s) {
		if (p[-1] == '\n' && ++seen >= lines)
			break;
		p--;
	}
	return strdup(p);
}

static void fill_tail(const char *workdir, struct vm_result *res)
{
	char path[4096];
	char *con, *q;
	size_t n = 0, qn = 0;

	snprintf(path, sizeof(path), "%s/console.log", workdir);
	con = read_all(path, &n);
	snprintf(path, sizeof(path), "%s/qemu.log", workdir);
	q = read_all(path, &qn);
	if (con)
		n = strip_cr(con, n);
	if (q && qn) {
		/* qemu's own complaints (bad kernel, no accel) matter most */
		size_t tot = n + qn + 16;
		char *both = malloc(tot);

		if (both) {
			snprintf(both, tot, "%s%s[qemu] %s", con ? con : "", n ? "\n" : "", q);
			free(con);
			con = both;
		}
	}
	free(q);
	free(res->console_tail);
	res->console_tail = con ? tail_lines(con, TAIL_LINES) : strdup("(no console output)");
	free(con);
}

static int extract(const char *workdir, const char *file, const char *nonce,
		   struct vm_result *res)
{
	char path[4096], begin[64], end[64];
	char *data, *b, *e;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", workdir, file);
	data = read_all(path, &n);
	if (!data)
		return -ENOENT;
	n = strip_cr(data, n);
	snprintf(begin, sizeof(begin), "@@BPFGAUGE-BEGIN %s@@\n", nonce);
	snprintf(end, sizeof(end), "@@BPFGAUGE-END %s rc=", nonce);
	b = strstr(data, begin);
	e = b ? strstr(b, end) : NULL;
	if (!b || !e) {
		free(data);
		return -ENOENT;
	}
	res->guest_rc = atoi(e + strlen(end));
	b += strlen(begin);
	res->output_len = e - b;
	res->output = malloc(res->output_len + 1);
	if (!res->output) {
		free(data);
		return -ENOMEM;
	}
	memcpy(res->output, b, res->output_len);
	res->output[res->output_len] = 0;
	free(data);
	return 0;
}

static int vm_run_accel(const struct vm_opts *opts, const char *accel, struct vm_result *res);

/*
 * Guests running now, so that a signal handler can kill them
 * (vm_kill_all()): 0 is a free slot. More guests than slots still run, they
 * are only not reachable from a handler.
 */
#define MAX_GUESTS 256
static pid_t guests[MAX_GUESTS];

static void guest_add(pid_t pid)
{
	for (int i = 0; i < MAX_GUESTS; i++) {
		pid_t z = 0;

		if (__atomic_compare_exchange_n(&guests[i], &z, pid, false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return;
	}
}

static void guest_del(pid_t pid)
{
	for (int i = 0; i < MAX_GUESTS; i++) {
		pid_t p = pid;

		if (__atomic_compare_exchange_n(&guests[i], &p, 0, false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return;
	}
}

void vm_kill_all(void)
{
	for (int i = 0; i < MAX_GUESTS; i++) {
		pid_t p = __atomic_load_n(&guests[i], __ATOMIC_SEQ_CST);

		if (p > 0) {
			kill(-p, SIGKILL);
			kill(p, SIGKILL);
		}
	}
}

/* Error of a guest that KVM stopped (see kvm_failed()); never returned to callers. */
#define VM_EKVM 0x4b564d

const char *vm_arch_norm(const char *arch)
{
	if (!arch || !strcmp(arch, "x86_64") || !strcmp(arch, "amd64") || !strcmp(arch, "x86"))
		return "x86_64";
	if (!strcmp(arch, "arm64") || !strcmp(arch, "aarch64"))
		return "arm64";
	return NULL;
}

int vm_run(const struct vm_opts *user, struct vm_result *res)
{
	struct vm_opts oc, *opts = &oc;
	const char *accel, *arch;
	int err;

	if (!user || !OPTS_VALID(user, vm_opts))
		return bg_err(-EINVAL);
	OPTS_COPY(&oc, user); /* an older caller's struct has no arch: x86_64 */
	arch = vm_arch_norm(opts->arch);
	if (!arch) {
		memset(res, 0, sizeof(*res));
		res->guest_rc = -1;
		snprintf(res->error, sizeof(res->error),
			 "unknown guest architecture '%s' (x86_64, arm64)", opts->arch);
		res->console_tail = strdup("");
		return bg_err(-EINVAL);
	}
	/* KVM runs only guests of the host's own architecture: others get TCG */
	if (opts->accel)
		accel = opts->accel;
	else
		accel = strcmp(arch, "x86_64") ? "tcg" : vm_default_accel();
	err = vm_run_accel(opts, accel, res);
	/*
	 * /dev/kvm can exist and still be unusable (nested virtualisation
	 * refusing MSRs): qemu then aborts at once, or stops the guest later
	 * with a KVM internal error and waits (VM_EKVM). Either way, retry
	 * this guest under TCG at once and use TCG for the rest of the run.
	 */
	if (strcmp(accel, "kvm"))
		return err;
	if (err == -VM_EKVM || (err == -EIO && !opts->accel && res->boot_s < 5)) {
		bpfgauge_log(BPFGAUGE_LOG_INFO, "vm: KVM %s after %.1f s; using TCG for this run",
			     err == -VM_EKVM ? "stopped the guest (internal error)"
					     : "failed to start the guest", res->boot_s);
		kvm_broken = 1;
		vm_result_release(res);
		err = vm_run_accel(opts, "tcg", res);
	}
	return err;
}

/*
 * True if qemu's log says KVM stopped the guest. qemu does not exit then:
 * it prints "KVM internal error. Suberror: N" (with "emulation failure"
 * for suberror 1) and pauses the guest until it is killed.
 */
static bool kvm_failed(const char *qlog, off_t *seen)
{
	struct stat st;
	size_t n;
	char *log;
	bool hit;

	if (stat(qlog, &st) || st.st_size == *seen)
		return false;
	*seen = st.st_size;
	log = read_all(qlog, &n);
	if (!log)
		return false;
	hit = strstr(log, "KVM internal error") || strstr(log, "emulation failure");
	free(log);
	return hit;
}

/*
 * Kill qemu and anything it started (its own process group), and reap it.
 * pid is not reaped yet, so the group id cannot have been reused.
 */
static void kill_guest(pid_t pid, int *status)
{
	guest_del(pid);
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* qemu's command line for one guest: argv points into the buffers. */
struct qemu_cmd {
	char con[4200], dat[4200], qlog[4200], mem[16], smp[16], append[1024];
	const char *argv[40];
};

/* The machine, accelerator, memory, CPUs, kernel, initrd, command line and ports. */
static void qemu_cmd_init(struct qemu_cmd *c, const struct vm_opts *opts, const char *qemu,
			  const char *accel, bool arm64)
{
	const char **argv = c->argv;
	const char *extra;
	int argc = 0;

	snprintf(c->mem, sizeof(c->mem), "%d", opts->mem_mb > 0 ? opts->mem_mb : 1024);
	snprintf(c->smp, sizeof(c->smp), "%d", opts->cpus > 0 ? opts->cpus : 1);
	snprintf(c->con, sizeof(c->con), "file,id=con,path=%s/console.log", opts->workdir);
	snprintf(c->dat, sizeof(c->dat), "file,id=dat,path=%s/data.log", opts->workdir);
	snprintf(c->qlog, sizeof(c->qlog), "%s/qemu.log", opts->workdir);
	/*
	 * panic=-1 + -no-reboot: a panicking guest ends qemu at once. The
	 * extra command line comes last so that it overrides ours; the
	 * environment variable lets tests make a guest hang or crash.
	 */
	extra = opts->append ? opts->append : getenv("BPFGAUGE_VM_APPEND");
	/*
	 * arm64's virt machine has one PL011 port for console and data
	 * (vm_initramfs_write_arch): loglevel=1 keeps all but emergencies (a
	 * panic) off it.
	 */
	/*
	 * x86 no_timer_check: under TCG on a loaded host the IO-APIC timer
	 * check can miss its ticks and panic ("IO-APIC + timer doesn't work!",
	 * seen booting 6.12 while the suite ran); the check is for broken
	 * hardware, not for qemu's emulated timer.
	 */
	snprintf(c->append, sizeof(c->append),
		 "console=%s panic=-1 oops=panic quiet loglevel=%d%s %s",
		 arm64 ? "ttyAMA0" : "ttyS0", arm64 ? 1 : 4, arm64 ? "" : " no_timer_check",
		 extra ? extra : "");

	argv[argc++] = qemu;
	if (arm64) {
		argv[argc++] = "-M";
		argv[argc++] = "virt";
	}
	argv[argc++] = "-accel";
	argv[argc++] = accel;
	argv[argc++] = "-cpu";
	/* pointer authentication with QARMA under TCG costs boots dearly; the
	 * implementation-defined algorithm is the cheap one */
	argv[argc++] = arm64 ? "max,pauth-impdef=on" : strcmp(accel, "kvm") ? "max" : "host";
	argv[argc++] = "-m";
	argv[argc++] = c->mem;
	argv[argc++] = "-smp";
	argv[argc++] = c->smp;
	argv[argc++] = "-kernel";
	argv[argc++] = opts->kernel;
	argv[argc++] = "-initrd";
	argv[argc++] = opts->initrd;
	argv[argc++] = "-append";
	argv[argc++] = c->append;
	argv[argc++] = "-nodefaults";
	argv[argc++] = "-display";
	argv[argc++] = "none";
	argv[argc++] = "-no-reboot";
	argv[argc++] = "-chardev";
	argv[argc++] = c->con;
	argv[argc++] = "-serial";
	argv[argc++] = "chardev:con";
	if (!arm64) {
		argv[argc++] = "-chardev";
		argv[argc++] = c->dat;
		argv[argc++] = "-serial";
		argv[argc++] = "chardev:dat";
	}
	argv[argc] = NULL;
}

/*
 * Start qemu in its own process group, its output into c->qlog; the pid
 * (registered for vm_kill_all()), or -errno if fork failed.
 */
static pid_t guest_spawn(const char *qemu, const struct qemu_cmd *c)
{
	sigset_t stop, old_mask;
	pid_t pid, parent = getpid();
	int err;

	/*
	 * Signals that end the program stay blocked from fork until the guest
	 * is registered, so that vm_kill_all() in a handler never misses it.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &stop, &old_mask);
	pid = fork();
	if (pid < 0) {
		err = -errno;
		pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
		return err;
	}
	if (pid == 0) {
		int fd = open(c->qlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int nul = open("/dev/null", O_RDONLY);

		if (nul >= 0)
			dup2(nul, 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setpgid(0, 0);
		/*
		 * Never outlive bpfgauge, even when it is SIGKILLed (where the
		 * kernel honours it; vm_kill_all() covers catchable signals).
		 */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
		execvp(qemu, (char **)c->argv);
		fprintf(stderr, "cannot run %s: %s\n", qemu, strerror(errno));
		_exit(127);
	}
	/* in the parent too: whichever of setpgid() runs first wins */
	setpgid(pid, pid);
	guest_add(pid);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	return pid;
}

/*
 * Wait for qemu to exit, KVM to stop the guest (*kvm_stopped) or the
 * deadline (res->timed_out); qemu is killed and reaped in every case.
 */
static void guest_wait(pid_t pid, const char *accel, const char *qlog, double t0,
		       double deadline, int *status, bool *kvm_stopped, struct vm_result *res)
{
	double next_check = t0;
	off_t qlog_seen = -1;

	for (;;) {
		siginfo_t si = { 0 };
		double t = now_s();

		/* WNOWAIT: the zombie keeps its pid and group while we kill the group */
		if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) && errno != EINTR) {
			guest_del(pid);
			*status = 0;
			break;
		}
		if (si.si_pid == pid) {
			kill_guest(pid, status);
			break;
		}
		if (!strcmp(accel, "kvm") && t >= next_check) {
			next_check = t + 0.25;
			if (kvm_failed(qlog, &qlog_seen)) {
				kill_guest(pid, status);
				*kvm_stopped = true;
				break;
			}
		}
		if (t > deadline) {
			kill_guest(pid, status);
			res->timed_out = true;
			break;
		}
		usleep(50 * 1000);
	}
}

/* Why a guest gave no output (a hang, no qemu, a panic, qemu's exit), into res->error. */
static int guest_failure(struct vm_result *res, int status, int timeout, const char *qemu,
			 bool arm64)
{
	const char *panic;

	if (res->timed_out) {
		snprintf(res->error, sizeof(res->error),
			 "VM did not finish within %d s (hung guest?); killed", timeout);
		return bg_err(-ETIMEDOUT);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(res->error, sizeof(res->error), "cannot run '%s' (apt-get install %s)",
			 qemu, arm64 ? "qemu-system-arm" : "qemu-system-x86");
		return bg_err(-ENOENT);
	}
	panic = res->console_tail ? strstr(res->console_tail, "Kernel panic - not syncing: ") : NULL;
	if (panic) {
		panic += strlen("Kernel panic - not syncing: ");
		snprintf(res->error, sizeof(res->error),
			 "VM stopped after %.1f s without output: guest kernel panic: %.*s",
			 res->boot_s, (int)strcspn(panic, "\n"), panic);
	} else {
		snprintf(res->error, sizeof(res->error),
			 "VM stopped after %.1f s without output (qemu %s %d; kernel panic or bad"
			 " image?)", res->boot_s, WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
	return bg_err(-EIO);
}

static int vm_run_accel(const struct vm_opts *opts, const char *accel, struct vm_result *res)
{
	const char *qemu, *arch = vm_arch_norm(opts->arch);
	bool arm64 = arch && !strcmp(arch, "arm64");
	struct qemu_cmd cmd;
	int timeout, status = 0, err;
	bool kvm_stopped = false;
	double t0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->guest_rc = -1;
	if (!opts || !opts->kernel || !opts->initrd || !opts->nonce || !opts->workdir || !arch)
		return bg_err(-EINVAL);
	if (access(opts->kernel, R_OK)) {
		snprintf(res->error, sizeof(res->error), "kernel image '%s': %s", opts->kernel,
			 strerror(errno));
		res->console_tail = strdup("");
		return bg_err(-ENOENT);
	}
	qemu = opts->qemu ? opts->qemu : getenv(arm64 ? "BPFGAUGE_QEMU_ARM64" : "BPFGAUGE_QEMU");
	if (!qemu || !*qemu)
		qemu = arm64 ? "qemu-system-aarch64" : "qemu-system-x86_64";
	snprintf(res->accel, sizeof(res->accel), "%s", accel);
	timeout = opts->timeout_s > 0 ? opts->timeout_s : 300;
	qemu_cmd_init(&cmd, opts, qemu, accel, arm64);

	t0 = now_s();
	pid = guest_spawn(qemu, &cmd);
	if (pid < 0)
		return bg_err(pid);
	guest_wait(pid, accel, cmd.qlog, t0, t0 + timeout, &status, &kvm_stopped, res);
	res->boot_s = now_s() - t0;
	if (kvm_stopped) {
		fill_tail(opts->workdir, res);
		snprintf(res->error, sizeof(res->error),
			 "KVM stopped the guest after %.1f s (KVM internal error)", res->boot_s);
		return -VM_EKVM;
	}
	err = extract(opts->workdir, arm64 ? "console.log" : "data.log", opts->nonce, res);
	if (!err && !res->timed_out)
		return 0;
	fill_tail(opts->workdir, res);
	return guest_failure(res, status, timeout, qemu, arm64);
}

void vm_result_release(struct vm_result *res)
{
	if (!res)
		return;
	free(res->output);
	free(res->console_tail);
	memset(res, 0, sizeof(*res));
}

static bool is_static_elf(const char *path)
{
	/* A static executable has no PT_INTERP: look for the interpreter path. */
	size_t n;
	char *buf = read_all(path, &n);
	bool dyn = false;

	if (!buf)
		return false;
	for (size_t i = 0; i + 16 < n && i < (1u << 16); i++)
		if (!memcmp(buf + i, "/lib64/ld-linux", 15) || !memcmp(buf + i, "/lib/ld-linux", 13)) {
			dyn = true;
			break;
		}
	free(buf);
	return !dyn;
}

const char *vm_static_cli(char *buf, size_t size)
{
	const char *env = getenv("BPFGAUGE_STATIC");
	char self[4096];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		if (!access(buf, X_OK))
			return buf;
		pr_warn("vm: BPFGAUGE_STATIC='%s' is not executable", env);
		errno = ENOENT;
		return NULL;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		errno = ENOENT;
		return NULL;
	}
	self[n] = 0;
	slash = strrchr(self, '/');
	if (slash) {
		snprintf(buf, size, "%.*s/bpfgauge-static", (int)(slash - self), self);
		if (!access(buf, X_OK))
			return buf;
	}
	if (is_static_elf(self)) {
		snprintf(buf, size, "%s", self);
		return buf;
	}
	errno = ENOENT;
	return NULL;
}

const char *vm_static_cli_arch(const char *arch, char *buf, size_t size)
{
	const char *a = vm_arch_norm(arch ? arch : "x86_64");
	const char *env = getenv("BPFGAUGE_STATIC_ARM64");
	char self[4096];
	ssize_t n;
	char *slash;

	if (!a) {
		errno = EINVAL;
		return NULL;
	}
	if (!strcmp(a, "x86_64"))
		return vm_static_cli(buf, size);
	if (env && *env) {
		snprintf(buf, size, "%s", env);
		if (!access(buf, X_OK))
			return buf;
		pr_warn("vm: BPFGAUGE_STATIC_ARM64='%s' is not executable", env);
		errno = ENOENT;
		return NULL;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash) {
			snprintf(buf, size, "%.*s/bpfgauge-static-arm64", (int)(slash - self), self);
			if (!access(buf, X_OK))
				return buf;
		}
	}
	errno = ENOENT;
	return NULL;
}

const char *vm_kernel_cache_arch(const char *arch, char *buf, size_t size)
{
	const char *a = vm_arch_norm(arch);
	size_t n;

	if (!a) {
		errno = EINVAL;
		return NULL;
	}
	vm_kernel_cache(buf, size);
	n = strlen(buf);
	if (strcmp(a, "x86_64"))
		snprintf(buf + n, size - n, "/%s", a);
	return buf;
}

const char *vm_busybox(const char *arch, char *buf, size_t size)
{
	const char *a = vm_arch_norm(arch), *env;
	size_t n;

	if (!a) {
		errno = EINVAL;
		return NULL;
	}
	if (!strcmp(a, "x86_64")) {
		snprintf(buf, size, "/bin/busybox");
	} else if ((env = getenv("BPFGAUGE_BUSYBOX_ARM64")) && *env) {
		snprintf(buf, size, "%s", env);
	} else {
		vm_kernel_cache_arch(a, buf, size);
		n = strlen(buf);
		snprintf(buf + n, size - n, "/busybox");
	}
	if (access(buf, R_OK)) {
		errno = ENOENT;
		return NULL;
	}
	return buf;
}

const char *vm_kernel_cache(char *buf, size_t size)
{
	const char *c = getenv("BPFGAUGE_CACHE");
	const char *home = getenv("HOME");

	if (c && *c)
		snprintf(buf, size, "%s/kernels", c);
	else
		snprintf(buf, size, "%s/.cache/bpfgauge/kernels", home && *home ? home : "/tmp");
	return buf;
}

/* Compare dotted/dashed version strings numerically ("6.1.0-56" < "6.1.0-100"). */
static int vercmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			unsigned long x = strtoul(a, (char **)&a, 10);
			unsigned long y = strtoul(b, (char **)&b, 10);

			if (x != y)
				return x < y ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int vm_kernel_resolve(const char *spec, char *path, size_t size)
{
	return vm_kernel_resolve_arch(spec, NULL, path, size);
}

int vm_kernel_resolve_arch(const char *spec, const char *arch, char *path, size_t size)
{
	char dir[4096], best[512] = "";
	size_t sl;
	DIR *d;
	struct dirent *e;

	if (strchr(spec, '/') || !access(spec, R_OK)) {
		if (access(spec, R_OK))
			return bg_err(-ENOENT);
		snprintf(path, size, "%s", spec);
		return 0;
	}
	if (!vm_kernel_cache_arch(arch, dir, sizeof(dir)))
		return bg_err(-EINVAL);
	sl = strlen(spec);
	d = opendir(dir);
	if (!d)
		return bg_err(-ENOENT);
	while ((e = readdir(d))) {
		const char *v;

		if (strncmp(e->d_name, "vmlinuz-", 8))
			continue;
		v = e->d_name + 8;
		/* "6.1" matches 6.1.0-56 and 6.1.5 but not 6.12.x */
		if (strncmp(v, spec, sl) || (v[sl] != '.' && v[sl] != '-' && v[sl] != '+' && v[sl]))
			continue;
		if (!best[0] || vercmp(v, best + 8) > 0)
			snprintf(best, sizeof(best), "%s", e->d_name);
	}
	closedir(d);
	if (!best[0])
		return bg_err(-ENOENT);
	snprintf(path, size, "%s/%s", dir, best);
	return 0;
}

void vm_kernel_release(const char *path, char *buf, size_t size)
{
	const char *base = strrchr(path, '/');
	unsigned char hdr[0x210];
	char ver[256];
	FILE *f;

	buf[0] = 0;
	base = base ? base + 1 : path;
	if (!strncmp(base, "vmlinuz-", 8)) {
		snprintf(buf, size, "%s", base + 8);
		return;
	}
	/* bzImage boot protocol: "HdrS" at 0x202, version string pointer at 0x20e */
	f = fopen(path, "rb");
	if (!f)
		return;
	if (fread(hdr, 1, sizeof(hdr), f) == sizeof(hdr) && !memcmp(hdr + 0x202, "HdrS", 4)) {
		unsigned off = (hdr[0x20e] | hdr[0x20f] << 8) + 0x200;

		if (!fseek(f, off, SEEK_SET) && fgets(ver, sizeof(ver), f)) {
			ver[strcspn(ver, " ")] = 0;
			snprintf(buf, size, "%s", ver);
		}
	}
	fclose(f);
}
