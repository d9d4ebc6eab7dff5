/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The live side of the compatibility check: load one program with libbpf
 * (the others of its object not autoloaded), attach it the way libbpf's
 * auto-attach would, detach at once, and compare the errno and stage with
 * the prediction. Programs that attach to an interface (XDP, tc) attach to
 * lo inside a private network namespace created by a child process, so the
 * host's interfaces are never touched and nothing outlives the check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfgauge_internal.h"
#include "compat_internal.h"

/* libbpf's first warning line for the load or attach running now: the cause;
 * later lines only say that the object failed */
static __thread char lb_last[256];

static int libbpf_last(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = 0;
	if (strstr(line, "-- BEGIN") || strstr(line, "-- END") || !line[0] || lb_last[0])
		return 0;
	snprintf(lb_last, sizeof(lb_last), "%s", line);
	pr_debug("libbpf: %s", line);
	return 0;
}

static void fixup(struct bpf_object *obj, const char *name)
{
	struct bpf_program *prog;
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		bpf_map__set_pin_path(map, NULL);
		switch (bpf_map__type(map)) {
		case BPF_MAP_TYPE_SK_STORAGE:
		case BPF_MAP_TYPE_TASK_STORAGE:
		case BPF_MAP_TYPE_INODE_STORAGE:
		case BPF_MAP_TYPE_CGROUP_STORAGE:
			continue;
		case BPF_MAP_TYPE_RINGBUF:
			if (!bpf_map__max_entries(map))
				bpf_map__set_max_entries(map, sysconf(_SC_PAGESIZE));
			continue;
		default:
			if (!bpf_map__max_entries(map))
				bpf_map__set_max_entries(map, 1);
		}
	}
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), name));
}

/* XDP or tc on lo of a fresh network namespace, in a child; positive errno or 0. */
static int attach_in_netns(struct bpf_program *prog, enum compat_kind kind)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return errno;
	if (pid == 0) {
		int err = 0;

		if (unshare(CLONE_NEWNET))
			_exit(errno & 0xff);
		if (kind == COMPAT_KIND_XDP) {
			struct bpf_link *l = bpf_program__attach_xdp(prog, 1 /* lo */);

			if (!l)
				err = errno;
			bpf_link__destroy(l);
		} else {
			LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = 1, .attach_point = BPF_TC_INGRESS);
			LIBBPF_OPTS(bpf_tc_opts, o, .prog_fd = bpf_program__fd(prog));

			err = -bpf_tc_hook_create(&hook);
			if (!err)
				err = -bpf_tc_attach(&hook, &o);
		}
		_exit(err & 0xff); /* the namespace, hook and link die with us */
	}
	if (waitpid(pid, &st, 0) < 0)
		return errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : EFAULT;
}

static bool auto_attach(enum compat_kind kind)
{
	switch (kind) {
	case COMPAT_KIND_KPROBE:
	case COMPAT_KIND_KSYSCALL:
	case COMPAT_KIND_KPROBE_MULTI:
	case COMPAT_KIND_TRACEPOINT:
	case COMPAT_KIND_RAW_TP:
	case COMPAT_KIND_TP_BTF:
	case COMPAT_KIND_FENTRY:
	case COMPAT_KIND_FMOD_RET:
	case COMPAT_KIND_LSM:
	case COMPAT_KIND_ITER:
		return true;
	default:
		return false;
	}
}

static void compare(struct compat_result *res)
{
	struct compat_live *l = &res->live;
	enum compat_verdict want = res->verdict;
	char got[64];

	if (l->load_err)
		l->verdict = COMPAT_FAIL_LOAD;
	else if (l->attach_err)
		l->verdict = COMPAT_FAIL_ATTACH;
	else if (!l->attach_tried)
		l->verdict = COMPAT_LOADS;
	else
		l->verdict = COMPAT_OK;
	snprintf(got, sizeof(got), "%s%s%s", compat_verdict_name(l->verdict),
		 l->load_err || l->attach_err ? " " : "",
		 l->load_err ? compat_errno_name(l->load_err)
			     : l->attach_err ? compat_errno_name(l->attach_err) : "");
	switch (want) {
	case COMPAT_FAIL_LOAD:
		l->agrees = l->load_err == res->err;
		break;
	case COMPAT_FAIL_ATTACH:
		l->agrees = !l->load_err && l->attach_err == res->err;
		break;
	case COMPAT_NO_RUN:
		/* attaching succeeds; that it never runs is not observable here */
		l->agrees = !l->load_err && !l->attach_err;
		break;
	case COMPAT_OK:
	case COMPAT_LOADS:
		l->agrees = !l->load_err && !l->attach_err;
		break;
	case COMPAT_UNKNOWN:
		l->agrees = true; /* nothing was predicted */
		break;
	}
	if (!l->agrees)
		snprintf(l->disagreement, sizeof(l->disagreement), "predicted %s%s%s, observed %s",
			 compat_verdict_name(want), res->err ? " " : "",
			 res->err ? compat_errno_name(res->err) : "", got);
}

int compat_live_check(struct compat_result *res)
{
	const struct compat_prog *p = res->prog;
	struct compat_live *l = &res->live;
	static char logbuf[64 << 10];
	struct bpf_object *obj;
	struct bpf_program *prog;
	libbpf_print_fn_t old;
	int err;

	memset(l, 0, sizeof(*l));
	old = libbpf_set_print(libbpf_last);
	lb_last[0] = 0;
	obj = bpf_object__open_file(p->object, NULL);
	if (!obj) {
		err = -errno;
		libbpf_set_print(old);
		pr_warn("compat: libbpf cannot open '%s': %s", p->object, bpfgauge_strerror(err));
		return bg_err(err);
	}
	fixup(obj, p->name);
	prog = bpf_object__find_program_by_name(obj, p->name);
	if (!prog) {
		bpf_object__close(obj);
		libbpf_set_print(old);
		return bg_err(-ENOENT);
	}
	logbuf[0] = 0;
	bpf_program__set_log_buf(prog, logbuf, sizeof(logbuf));
	bpf_program__set_log_level(prog, 1);
	err = bpf_object__load(obj);
	l->done = true;
	if (err) {
		/* the verifier's last line says most; else libbpf's */
		char *end = logbuf + strlen(logbuf), *line;

		while (end > logbuf && end[-1] == '\n')
			*--end = 0;
		line = strrchr(logbuf, '\n');
		line = line ? line + 1 : logbuf;
		if (!strncmp(line, "processed ", 10) && line > logbuf) {
			/* the stats line follows the error: take the line before it */
			line[-1] = 0;
			line = strrchr(logbuf, '\n');
			line = line ? line + 1 : logbuf;
		}
		l->load_err = -err;
		snprintf(l->detail, sizeof(l->detail), "%s", *line ? line : lb_last);
	} else if (p->kind == COMPAT_KIND_XDP || p->kind == COMPAT_KIND_TC) {
		l->attach_tried = true;
		l->attach_err = attach_in_netns(prog, p->kind);
		snprintf(l->detail, sizeof(l->detail), "%s lo in a private network namespace%s%s",
			 l->attach_err ? "attaching to" : "attached to", l->attach_err ? ": " : "",
			 l->attach_err ? compat_errno_name(l->attach_err) : "");
	} else if (auto_attach(p->kind)) {
		struct bpf_link *link;

		lb_last[0] = 0;
		l->attach_tried = true;
		link = bpf_program__attach(prog);
		if (!link) {
			l->attach_err = errno;
			snprintf(l->detail, sizeof(l->detail), "%s", lb_last);
		} else {
			snprintf(l->detail, sizeof(l->detail), "attached and detached");
		}
		bpf_link__destroy(link);
	} else {
		snprintf(l->detail, sizeof(l->detail), "loaded; not attached (needs a target)");
	}
	bpf_object__close(obj);
	libbpf_set_print(old);
	compare(res);
	return 0;
}
