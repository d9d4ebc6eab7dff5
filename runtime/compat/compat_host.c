/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Facts of the running kernel: uname, its kconfig, BTF, kallsyms, tracefs
 * (events, available_filter_functions), the active LSMs and lockdown, and
 * whether a minimal BPF trampoline program loads. When tracefs or
 * securityfs are not mounted, a thread mounts them in a private mount
 * namespace and the others read them through /proc/<pid>/task/<tid>/root:
 * the host's mounts are never touched, and the namespace dies with the
 * thread.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfgauge_internal.h"
#include "compat_internal.h"

/*
 * A thread holding a private mount namespace with tracefs and securityfs.
 * A thread, not a child process: a child would hold copies of every fd the
 * process has (the live checks' links and namespaces, opened meanwhile on
 * other threads) until it exits, and their release would wait for it.
 * unshare(CLONE_NEWNS) moves the calling thread alone.
 */
struct private_mounts {
	pthread_t th;
	bool running;
	int hold[2];  /* the thread exits when hold[1] is closed */
	int ready[2]; /* it writes one byte: 1 mounted, 0 failed */
	char root[64];
};

static void *private_mounts_thread(void *arg)
{
	struct private_mounts *pm = arg;
	char ok = 0;

	if (!unshare(CLONE_NEWNS) && !mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		ok = 1;
		if (access("/sys/kernel/tracing/events", F_OK))
			mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
		if (access("/sys/kernel/security/lsm", F_OK))
			mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
	}
	snprintf(pm->root, sizeof(pm->root), "/proc/%d/task/%ld/root", (int)getpid(),
		 (long)syscall(SYS_gettid));
	if (write(pm->ready[1], &ok, 1) != 1)
		return NULL;
	while (read(pm->hold[0], &ok, 1) < 0 && errno == EINTR)
		;
	return NULL; /* the namespace goes with the thread */
}

static int private_mounts_start(struct private_mounts *pm)
{
	char ok = 0;
	int err;

	memset(pm, 0, sizeof(*pm));
	if (pipe2(pm->hold, O_CLOEXEC))
		return -errno;
	if (pipe2(pm->ready, O_CLOEXEC)) {
		err = -errno;
		goto close_hold;
	}
	err = -pthread_create(&pm->th, NULL, private_mounts_thread, pm);
	if (err)
		goto close_all;
	if (read(pm->ready[0], &ok, 1) != 1 || !ok) {
		close(pm->hold[1]);
		pthread_join(pm->th, NULL);
		close(pm->hold[0]);
		close(pm->ready[0]);
		close(pm->ready[1]);
		return -EPERM;
	}
	pm->running = true;
	return 0;
close_all:
	close(pm->ready[0]);
	close(pm->ready[1]);
close_hold:
	close(pm->hold[0]);
	close(pm->hold[1]);
	return err;
}

static void private_mounts_stop(struct private_mounts *pm)
{
	if (!pm->running)
		return;
	close(pm->hold[1]);
	pthread_join(pm->th, NULL);
	close(pm->hold[0]);
	close(pm->ready[0]);
	close(pm->ready[1]);
	pm->running = false;
}

/* First line of a file, without the newline; -errno. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	if (!fgets(buf, size, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* Symbol names from lines "NAME [module]" or "ADDR T NAME [module]". */
static int read_names(const char *path, struct compat_strset *s, bool kallsyms)
{
	FILE *f = fopen(path, "re");
	char line[512];
	int err = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *name = line, type;

		line[strcspn(line, "\n")] = 0;
		if (kallsyms) {
			char *sp = strchr(line, ' ');

			if (!sp || !sp[1] || sp[2] != ' ')
				continue;
			type = sp[1];
			if (type != 't' && type != 'T')
				continue;
			name = sp + 3;
		}
		name[strcspn(name, " \t")] = 0;
		if (!*name || (s->n && !strcmp(s->v[s->n - 1], name)))
			continue;
		err = compat_strset_add(s, name);
		if (err)
			break;
	}
	fclose(f);
	compat_strset_sort(s);
	return err;
}

static int read_events(const char *dir, struct compat_strset *s)
{
	DIR *d = opendir(dir), *sub;
	struct dirent *e, *e2;
	char path[4096], name[512];

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		sub = opendir(path);
		while (sub && (e2 = readdir(sub))) {
			if (e2->d_name[0] == '.' || e2->d_type != DT_DIR)
				continue;
			snprintf(name, sizeof(name), "%s/%s", e->d_name, e2->d_name);
			if (compat_strset_add(s, name)) {
				closedir(sub);
				closedir(d);
				return -ENOMEM;
			}
		}
		if (sub)
			closedir(sub);
	}
	closedir(d);
	compat_strset_sort(s);
	return 0;
}

int compat_kallsyms_load(struct compat_kernel *k)
{
	int err;

	if (!k->kallsyms_lazy)
		return 0;
	k->kallsyms_lazy = false;
	err = read_names("/proc/kallsyms", &k->kallsyms, true);
	if (!err && k->kallsyms.n)
		k->have_kallsyms = true;
	return err;
}

/* The word of a "none [integrity] confidentiality" line in brackets. */
static void bracketed(const char *line, char *out, size_t size)
{
	const char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;

	if (a && b)
		snprintf(out, size, "%.*s", (int)(b - a - 1), a + 1);
}

/* value of "key=" on the kernel command line, "" if absent */
static void cmdline_param(const char *key, char *out, size_t size)
{
	char line[4096], *p;
	size_t kl = strlen(key);

	out[0] = 0;
	if (read_line("/proc/cmdline", line, sizeof(line)))
		return;
	for (p = strtok(line, " "); p; p = strtok(NULL, " ")) {
		if (!strcmp(p, "--"))
			break;
		if (!strncmp(p, key, kl) && p[kl] == '=')
			snprintf(out, size, "%s", p + kl + 1);
	}
}

/*
 * Load "r0 = 0; exit" as fentry on bpf_fentry_test1 (in every kernel with
 * BPF_SYSCALL and NET since 5.5). It is never attached. Tells whether this
 * kernel lets BPF trampolines be set up at all.
 */
static void probe_trampoline(struct compat_kernel *k)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY,
		    .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	int id, fd;

	if (!k->btf || geteuid() != 0)
		return;
	id = btf__find_by_name_kind(k->btf, "bpf_fentry_test1", BTF_KIND_FUNC);
	if (id <= 0)
		return;
	o.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "bg_probe", "GPL", insns, 2, &o);
	if (fd >= 0) {
		close(fd);
		k->trampoline = FACT_YES;
		return;
	}
	k->trampoline_err = errno;
	k->trampoline = FACT_NO;
	k->trampoline_log_empty = !log[0];
	pr_debug("compat: fentry probe load: %s (log: %s)", bpfgauge_strerror(errno),
		 log[0] ? log : "empty");
}

/*
 * Load "r0 = 0; exit" as an iterator over target: whether this kernel lets
 * such programs load at all (this host, 6.18 under lockdown=integrity:
 * iter/bpf_map_elem is EPERM, with nothing in the verifier's log, while
 * iter/task and iter/bpf_map load; Debian's 6.1 loads all three). 0, a
 * positive errno, or -1 when it cannot tell (no such target in BTF).
 */
static int probe_iter(const struct compat_kernel *k, const char *target)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_ITER);
	char fn[96];
	int id, fd;

	snprintf(fn, sizeof(fn), "bpf_iter_%s", target);
	id = btf__find_by_name_kind(k->btf, fn, BTF_KIND_FUNC);
	if (id <= 0)
		return -1;
	o.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "bg_iter_probe", "GPL", insns, 2, &o);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	pr_debug("compat: iter/%s probe load: %s", target, bpfgauge_strerror(-errno));
	return errno;
}

void compat_kernel__probe_iters(struct compat_kernel *k, const struct compat_prog *progs,
				size_t n)
{
	if (!k || !k->host || !k->btf || geteuid() != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct compat_prog *p = &progs[i];
		bool seen = false;
		int err;

		if (p->kind != COMPAT_KIND_ITER || !p->target || !*p->target ||
		    strlen(p->target) >= sizeof(k->iters[0].target))
			continue;
		for (size_t j = 0; j < k->niters; j++)
			seen |= !strcmp(k->iters[j].target, p->target);
		if (seen || k->niters == sizeof(k->iters) / sizeof(k->iters[0]))
			continue;
		err = probe_iter(k, p->target);
		if (err < 0)
			continue;
		snprintf(k->iters[k->niters].target, sizeof(k->iters[0].target), "%s", p->target);
		k->iters[k->niters++].err = err;
	}
}

/*
 * Whether the kernel has the bpf() syscall, without its config: an unknown
 * command is EINVAL from a kernel with CONFIG_BPF_SYSCALL and ENOSYS from one
 * without. Anything else (EPERM from a seccomp filter) says nothing.
 */
static void probe_bpf_syscall(struct compat_kernel *k)
{
	long r = syscall(__NR_bpf, -1, NULL, 0);

	if (r < 0 && errno == ENOSYS)
		k->bpf_syscall = FACT_NO;
	else if (r < 0 && errno == EINVAL)
		k->bpf_syscall = FACT_YES;
	else if (r >= 0)
		close((int)r); /* never: no command -1 */
}

/* kconfig: /proc/config.gz or /boot/config-<release>, where libbpf looks. */
static void host_kconfig(struct compat_kernel *k, const char *release)
{
	const char *cands[2] = { "/proc/config.gz", NULL };
	char path[4096];

	snprintf(path, sizeof(path), "/boot/config-%s", release);
	cands[1] = path;
	/* where libbpf looks for CONFIG_* __kconfig externs, in its order */
	k->kconfig_file = access(path, R_OK) && access("/proc/config.gz", R_OK) ? FACT_NO
										: FACT_YES;
	for (int i = 0; i < 2 && !k->have_config; i++) {
		if (access(cands[i], R_OK))
			continue;
		if (!compat_load_config_file(k, cands[i]))
			snprintf(k->source, sizeof(k->source), "host (%s)", cands[i]);
	}
	if (!k->have_config)
		pr_info("compat: no /proc/config.gz or /boot/config-%s: kconfig rules are unknown",
			release);
}

/*
 * Where tracefs and securityfs are (NULL when absent): the host's mounts, else
 * a private mount namespace started in pm (root only).
 */
static void host_fs_roots(struct compat_kernel *k, struct private_mounts *pm,
			  const char **tracingp, const char **securityp)
{
	const char *tracing = NULL, *security = NULL;

	/* where libbpf looks for tracefs */
	if (!access("/sys/kernel/tracing/events", F_OK)) {
		tracing = "/sys/kernel/tracing";
		k->tracefs_mounted = FACT_YES;
	} else if (!access("/sys/kernel/debug/tracing/events", F_OK)) {
		tracing = "/sys/kernel/debug/tracing";
		k->tracefs_mounted = FACT_YES;
	} else {
		k->tracefs_mounted = FACT_NO;
	}
	if (!access("/sys/kernel/security/lsm", F_OK))
		security = "/sys/kernel/security";
	if ((!tracing || !security) && geteuid() == 0 && !private_mounts_start(pm)) {
		static char tbuf[128], sbuf[128];

		if (!tracing) {
			snprintf(tbuf, sizeof(tbuf), "%s/sys/kernel/tracing", pm->root);
			tracing = tbuf;
		}
		if (!security) {
			snprintf(sbuf, sizeof(sbuf), "%s/sys/kernel/security", pm->root);
			security = sbuf;
		}
	}
	*tracingp = tracing;
	*securityp = security;
}

/* Tracepoint events and available_filter_functions from tracefs. */
static void host_read_tracefs(struct compat_kernel *k, const char *tracing)
{
	char path[4096];
	int err;

	snprintf(path, sizeof(path), "%s/events", tracing);
	if (!read_events(path, &k->events))
		k->have_events = k->events.n > 0;
	snprintf(path, sizeof(path), "%s/available_filter_functions", tracing);
	err = read_names(path, &k->ftrace, false);
	if (!err && k->ftrace.n) {
		k->have_ftrace = FACT_YES;
	} else if (err) {
		k->have_ftrace = FACT_NO;
		k->ftrace_err = -err;
		compat_strset_release(&k->ftrace);
	}
}

/* The active LSMs and the lockdown mode from securityfs. */
static void host_read_securityfs(struct compat_kernel *k, const char *security)
{
	char path[4096], line[512];

	snprintf(path, sizeof(path), "%s/lsm", security);
	if (!read_line(path, line, sizeof(line))) {
		snprintf(k->lsm, sizeof(k->lsm), "%s", line);
		snprintf(k->lsm_source, sizeof(k->lsm_source), "securityfs");
	}
	snprintf(path, sizeof(path), "%s/lockdown", security);
	if (!read_line(path, line, sizeof(line))) {
		bracketed(line, k->lockdown, sizeof(k->lockdown));
		snprintf(k->lockdown_source, sizeof(k->lockdown_source), "securityfs");
	}
}

/* lsm= and lockdown= on the kernel command line, when securityfs told nothing. */
static void host_cmdline_fallback(struct compat_kernel *k)
{
	char val[256];

	if (!k->lsm[0]) {
		cmdline_param("lsm", val, sizeof(val));
		if (val[0]) {
			snprintf(k->lsm, sizeof(k->lsm), "%s", val);
			snprintf(k->lsm_source, sizeof(k->lsm_source), "lsm= on the command line");
		}
	}
	if (!k->lockdown[0]) {
		cmdline_param("lockdown", val, sizeof(val));
		if (val[0]) {
			snprintf(k->lockdown, sizeof(k->lockdown), "%s", val);
			snprintf(k->lockdown_source, sizeof(k->lockdown_source),
				 "lockdown= on the command line");
		}
	}
}

int compat_host_facts(struct compat_kernel *k, bool probe)
{
	struct private_mounts pm = { 0 };
	const char *tracing, *security;
	struct utsname u;

	k->host = true;
	snprintf(k->source, sizeof(k->source), "host");
	uname(&u);
	snprintf(k->release, sizeof(k->release), "%s", u.release);
	k->version = compat_parse_version(u.release);
	snprintf(k->arch, sizeof(k->arch), "%s",
		 compat_arch_norm(u.machine) ? compat_arch_norm(u.machine) : u.machine);

	host_kconfig(k, u.release);
	probe_bpf_syscall(k);

	/* BTF */
	k->btf = btf__load_vmlinux_btf();
	if (!k->btf)
		k->btf = NULL;
	else
		snprintf(k->btf_source, sizeof(k->btf_source), "/sys/kernel/btf/vmlinux");

	k->kallsyms_lazy = true; /* 0.15 s to read: only when a rule needs it */

	k->kprobe_pmu = access("/sys/bus/event_source/devices/kprobe/type", F_OK) ? FACT_NO
										      : FACT_YES;

	host_fs_roots(k, &pm, &tracing, &security);
	if (tracing)
		host_read_tracefs(k, tracing);
	if (security)
		host_read_securityfs(k, security);
	private_mounts_stop(&pm);

	host_cmdline_fallback(k);
	if (probe)
		probe_trampoline(k);
	return 0;
}
