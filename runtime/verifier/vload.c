/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-program loading for verifier stats: open a fresh object, autoload
 * one program, capture the verifier log (retrying on ENOSPC with a larger
 * buffer), parse it, and cross-check with bpf_prog_info.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfgauge/elf_sniff.h"
#include "bpfgauge/vload.h"
#include "vload_internal.h"
#include "vlog_internal.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

#define LOG_DEFAULT (16u << 20)
#define LOG_MAX (1u << 30)

/*
 * libbpf's messages (CO-RE and BTF failures) belong to the load that caused
 * them. The hook is installed only while someone asked for it
 * (vload_capture_libbpf_log) and keeps what libbpf prints on a thread that
 * is inside one of our loads (lb_on); any other message goes on to the
 * callback that was installed before.
 */
static __thread char *lb_msgs;
static __thread size_t lb_len, lb_cap;
static __thread bool lb_on;

static pthread_mutex_t hook_lock = PTHREAD_MUTEX_INITIALIZER;
static int hook_users;
static libbpf_print_fn_t hook_prev; /* atomic: read by the hook on any thread */

static void lb_keep(const char *line, size_t n)
{
	if (lb_len + n + 1 > lb_cap && lb_cap < (1u << 20)) {
		size_t cap = (lb_len + n + 1) * 2;
		char *m = realloc(lb_msgs, cap);

		if (!m)
			return;
		lb_msgs = m;
		lb_cap = cap;
	}
	if (lb_len + n + 1 <= lb_cap) {
		memcpy(lb_msgs + lb_len, line, n);
		lb_len += n;
		lb_msgs[lb_len] = 0;
	}
}

static int libbpf_hook(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	libbpf_print_fn_t prev;
	char line[1024];
	int n;

	if (!lb_on) {
		prev = __atomic_load_n(&hook_prev, __ATOMIC_ACQUIRE);
		return prev ? prev(level, fmt, ap) : 0;
	}
	if (level == LIBBPF_DEBUG)
		return 0;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	lb_keep(line, n);
	pr_debug("libbpf: %s", line);
	return 0;
}

void vload_capture_libbpf_log(bool on)
{
	pthread_mutex_lock(&hook_lock);
	if (on && hook_users++ == 0) {
		libbpf_print_fn_t prev = libbpf_set_print(libbpf_hook);

		__atomic_store_n(&hook_prev, prev, __ATOMIC_RELEASE);
	} else if (!on && hook_users > 0 && --hook_users == 0) {
		libbpf_print_fn_t cur = libbpf_set_print(hook_prev);

		/* someone replaced the hook meanwhile: keep theirs (it may chain
		 * to the hook, which then chains to hook_prev, still valid) */
		if (cur != libbpf_hook)
			libbpf_set_print(cur);
	}
	pthread_mutex_unlock(&hook_lock);
}

/* This thread's libbpf messages are ours (and start empty) until lb_end. */
static void lb_begin(void)
{
	lb_on = true;
	lb_len = 0;
	if (lb_msgs)
		lb_msgs[0] = 0;
}

/* the capture buffer is per thread: do not let worker threads leak it */
static void lb_end(void)
{
	lb_on = false;
	free(lb_msgs);
	lb_msgs = NULL;
	lb_len = lb_cap = 0;
}

static int check_elf(const char *path)
{
	uint16_t machine = 0;
	int kind = bpfgauge_sniff_elf(path, false, &machine);

	if (kind < 0) {
		pr_warn("verifier: cannot open '%s': %s", path, bpfgauge_strerror(kind));
		return kind;
	}
	if (kind == BPFGAUGE_FILE_NOT_ELF) {
		pr_warn("verifier: '%s' is not an ELF file", path);
		return -BPFGAUGE_ENOTBPF;
	}
	if (kind != BPFGAUGE_FILE_BPF_ELF) {
		pr_warn("verifier: '%s' is an ELF file but not a BPF object (e_machine %u)", path,
			machine);
		return -BPFGAUGE_ENOTBPF;
	}
	return 0;
}

int vload_list_progs(const char *path, char ***names, size_t *n)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	char **v = NULL;
	size_t cnt = 0;
	int err;

	*names = NULL;
	*n = 0;
	err = check_elf(path);
	if (err)
		return bg_err(err);
	lb_begin();
	obj = bpf_object__open_file(path, NULL);
	lb_end();
	if (!obj) {
		err = -errno;
		pr_warn("verifier: libbpf cannot open '%s': %s", path, bpfgauge_strerror(err));
		return bg_err(-BPFGAUGE_ELIBBPF);
	}
	if (!bpf_object__btf(obj)) {
		pr_warn("verifier: '%s' has no BTF (.BTF section); rebuild it with clang -g", path);
		bpf_object__close(obj);
		return bg_err(-BPFGAUGE_ENOBTF);
	}
	bpf_object__for_each_program(prog, obj) cnt++;
	v = calloc(cnt + 1, sizeof(*v));
	if (!v) {
		bpf_object__close(obj);
		return bg_err(-ENOMEM);
	}
	cnt = 0;
	bpf_object__for_each_program(prog, obj) {
		v[cnt] = strdup(bpf_program__name(prog));
		if (!v[cnt]) {
			vload_names_free(v);
			bpf_object__close(obj);
			return bg_err(-ENOMEM);
		}
		cnt++;
	}
	bpf_object__close(obj);
	*names = v;
	*n = cnt;
	return 0;
}

void vload_names_free(char **names)
{
	if (!names)
		return;
	for (char **p = names; *p; p++)
		free(*p);
	free(names);
}

void vload_result_release(struct vload_result *res)
{
	if (!res)
		return;
	vlog_record__free(res->rec);
	free(res->log);
	vlog_parser__free(res->parser);
	memset(res, 0, sizeof(*res));
}

/* veristat's fixups so that a lone program can load. */
static void fixup_obj(struct bpf_object *obj, const char *prog_name)
{
	struct bpf_program *prog;
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		bpf_map__set_pin_path(map, NULL);
		switch (bpf_map__type(map)) {
		case BPF_MAP_TYPE_SK_STORAGE: /* local storage maps must keep 0 */
		case BPF_MAP_TYPE_TASK_STORAGE:
		case BPF_MAP_TYPE_INODE_STORAGE:
		case BPF_MAP_TYPE_CGROUP_STORAGE:
			continue;
		default:
			break;
		}
		if (bpf_map__type(map) == BPF_MAP_TYPE_PERF_EVENT_ARRAY ||
		    bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF) {
			if (bpf_map__max_entries(map) == 0)
				bpf_map__set_max_entries(map, bpf_map__type(map) ==
								      BPF_MAP_TYPE_RINGBUF
								      ? (unsigned)sysconf(_SC_PAGESIZE)
								      : 1);
		} else if (bpf_map__max_entries(map) == 0) {
			bpf_map__set_max_entries(map, 1);
		}
	}
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), prog_name));
}

/* One program's load: what was asked, and what libbpf and the kernel said. */
struct load {
	const char *path;
	const char *prog;
	int level;        /* log level, without BPF_LOG_STATS (always added) */
	size_t size;      /* log buffer size */
	bool no_retry;
	bool hotspots;    /* per-line hotspots: the layout gets BTF line info */
	char *buf;        /* the log buffer, size bytes */
	int load_err;     /* bpf_object__load's -errno, 0 when it loaded */
	struct bpf_prog_info info;
	bool has_info;
	const char *ptype, *atype;
	size_t insn_cnt;
	struct vload_layout lay;
	int retries;      /* ENOSPC retries */
};

/*
 * One attempt with l->buf: fills load_err, the types, the insn count and,
 * when it loaded, bpf_prog_info. lay gets libbpf's final layout of the
 * program (also when the kernel refused it: relocation happens before the
 * load). A negative error when the object or program cannot be opened.
 */
static int load_once(struct load *l)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	int err;

	l->has_info = false;
	obj = bpf_object__open_file(l->path, NULL);
	if (!obj)
		return -errno;
	prog = bpf_object__find_program_by_name(obj, l->prog);
	if (!prog) {
		bpf_object__close(obj);
		return -ENOENT;
	}
	fixup_obj(obj, l->prog);
	l->buf[0] = 0;
	bpf_program__set_log_buf(prog, l->buf, l->size);
	bpf_program__set_log_level(prog, l->level | 4);
	l->insn_cnt = bpf_program__insn_cnt(prog);
	l->ptype = libbpf_bpf_prog_type_str(bpf_program__type(prog));
	/* attach type 0 is BPF_CGROUP_INET_INGRESS, but only cgroup_skb programs
	 * mean it: for the others (tracepoint, kprobe, xdp...) it is unset */
	if (bpf_program__expected_attach_type(prog) ||
	    bpf_program__type(prog) == BPF_PROG_TYPE_CGROUP_SKB)
		l->atype = libbpf_bpf_attach_type_str(bpf_program__expected_attach_type(prog));
	else
		l->atype = NULL;
	err = bpf_object__load(obj);
	l->load_err = err ? -errno : 0;
	vload_layout_release(&l->lay);
	if (vload_layout_fill(&l->lay, l->path, prog, l->insn_cnt, l->hotspots))
		pr_debug("verifier: %s/%s: no call graph or line info (out of memory)", l->path,
			 l->prog);
	if (!err) {
		__u32 len = sizeof(l->info);

		memset(&l->info, 0, sizeof(l->info));
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(prog), &l->info, &len))
			l->has_info = true;
	}
	bpf_object__close(obj);
	return 0;
}

/* Does the log's "processed N insns (limit L)" line show N > L? */
static bool over_limit(const char *log, size_t size)
{
	size_t len = strnlen(log, size);
	unsigned long long n, l;

	/* the stats line is the last one: search backwards from the end */
	for (size_t i = len; i-- > 0;)
		if ((i == 0 || log[i - 1] == '\n') && !strncmp(log + i, "processed ", 10))
			return sscanf(log + i, "processed %llu insns (limit %llu)", &n, &l) == 2 &&
			       n > l;
	return false;
}

static void load_init(struct load *l, const char *path, const char *prog,
		      const struct vload_opts *opts)
{
	/* level 0: stats only (BPF_LOG_STATS), like veristat: level 1 slows the
	 * verifier down several times; a failed load is redone at level 1 for
	 * the error text */
	memset(l, 0, sizeof(*l));
	l->path = path;
	l->prog = prog;
	l->size = LOG_DEFAULT;
	if (OPTS_GET(opts, log_level, 0))
		l->level = opts->log_level;
	if (OPTS_GET(opts, log_size, 0))
		l->size = opts->log_size;
	l->no_retry = OPTS_GET(opts, no_retry, false);
	l->hotspots = OPTS_GET(opts, hotspots, false);
}

/*
 * Load until the log is worth keeping: a stats-only failure again at level
 * 1, a truncated log (ENOSPC) again with a larger buffer. l->buf holds the
 * last log. A negative error (why says what failed) when the object or
 * program cannot be opened, or -ENOMEM (why left empty).
 */
static int load_retrying(struct load *l, char *why, size_t whysz)
{
	int err;

	for (;;) {
		l->buf = malloc(l->size);
		if (!l->buf)
			return -ENOMEM;
		lb_begin();
		err = load_once(l);
		if (err) {
			snprintf(why, whysz, "cannot open '%s' for program '%s': %s", l->path, l->prog,
				 bpfgauge_strerror(err));
			return err;
		}
		/* a stats-only failure needs level 1 for its message, except the
		 * 1M-insn limit, which the stats line proves (and which would cost
		 * a second full walk) */
		if (l->load_err && l->level == 0 &&
		    !(l->load_err == -E2BIG && over_limit(l->buf, l->size))) {
			l->level = 1;
		} else {
			if (l->load_err != -ENOSPC || l->no_retry || l->size >= LOG_MAX)
				return 0;
			pr_info("verifier: %s/%s: log truncated at %zu bytes, retrying", l->path,
				l->prog, l->size);
			l->size = l->size * 8 > LOG_MAX ? LOG_MAX : l->size * 8;
			l->retries++;
		}
		free(l->buf);
		l->buf = NULL;
	}
}

/* libbpf's own messages (CO-RE, BTF) go through the same classifier. */
static void feed_libbpf_msgs(struct vlog_parser *p)
{
	char *save, *line;

	for (line = strtok_r(lb_msgs, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "BEGIN PROG LOAD LOG") || strstr(line, "END PROG LOAD LOG"))
			continue;
		if (strstr(line, "CO-RE") || strstr(line, "relo #") || strstr(line, "BTF")) {
			vlog_parser__feed(p, "libbpf: ", 8);
			vlog_parser__feed(p, line, strlen(line));
			vlog_parser__feed(p, "\n", 1);
		}
	}
}

/* Parse the log (and libbpf's messages of a failed load) into *rp. 0 or -ENOMEM. */
static int log_parse(const struct load *l, const char *log, size_t log_len,
		     struct vlog_parser **pp, struct vlog_record **rp)
{
	struct vlog_parser_opts popts = { .sz = sizeof(popts), .hotspots = l->hotspots };
	struct vlog_parser *p = vlog_parser__new(&popts);
	struct vlog_record *r = NULL;
	int err;

	if (!p)
		return -ENOMEM;
	vlog_parser__feed(p, log, log_len);
	if (l->load_err && lb_len)
		feed_libbpf_msgs(p);
	err = vlog_parser__finish(p, &r);
	if (err == -BPFGAUGE_EBADLOG) /* empty log: the kernel gave no text */
		r = vlog_record__new();
	if (!r) {
		vlog_parser__free(p);
		return -ENOMEM;
	}
	*pp = p;
	*rp = r;
	return 0;
}

/* The failure class and error line of a refused load, where the log alone cannot tell. */
static void record_failure(struct vlog_record *r, int load_err, const char *log, size_t log_len)
{
	enum vlog_class cls = vlog_record__has(r, VLOG_STAT_CLASS)
				      ? vlog_record__int(r, VLOG_STAT_CLASS)
				      : VLOG_CLASS_OTHER;

	vlog_record__set_int(r, VLOG_STAT_VERDICT, VLOG_VERDICT_FAIL);
	if (load_err == -ENOSPC &&
	    (cls == VLOG_CLASS_NONE || cls == VLOG_CLASS_OTHER || cls == VLOG_CLASS_TRUNCATED))
		cls = VLOG_CLASS_TRUNCATED; /* else the kept tail shows the real error */
	else if (load_err == -EPERM && !log_len)
		cls = VLOG_CLASS_PERM;
	else if (load_err == -E2BIG && !log_len)
		cls = VLOG_CLASS_TOO_LARGE;
	else if (load_err == -E2BIG && cls == VLOG_CLASS_OTHER && over_limit(log, log_len + 1))
		cls = VLOG_CLASS_COMPLEXITY; /* stats-only log: no message line */
	else if (cls == VLOG_CLASS_NONE || cls == VLOG_CLASS_TRUNCATED)
		cls = VLOG_CLASS_OTHER;
	vlog_record__set_int(r, VLOG_STAT_CLASS, cls);
	vlog_record__set_int(r, VLOG_STAT_TRUNCATED, load_err == -ENOSPC);
	if (!vlog_record__has(r, VLOG_STAT_ERROR)) {
		char msg[256];

		if (cls == VLOG_CLASS_COMPLEXITY)
			snprintf(msg, sizeof(msg), "BPF program is too large (processed %lld insns)",
				 (long long)(vlog_record__has(r, VLOG_STAT_INSNS)
						     ? vlog_record__int(r, VLOG_STAT_INSNS) : 0));
		else
			snprintf(msg, sizeof(msg), "load failed: %s", bpfgauge_strerror(load_err));
		vlog_record__set_str(r, VLOG_STAT_ERROR, msg);
	}
	vlog_record__unset(r, VLOG_STAT_HINT);
}

/* What the load itself knows (names, types, verdict, bpf_prog_info) on top of the log's stats. */
static void record_fill(struct vlog_record *r, const struct load *l, const char *log,
			size_t log_len)
{
	vlog_record__set_str(r, VLOG_STAT_FILE, l->path);
	vlog_record__set_str(r, VLOG_STAT_PROG, l->prog);
	vlog_record__set_int(r, VLOG_STAT_ERRNO, -l->load_err);
	if (l->ptype)
		vlog_record__set_str(r, VLOG_STAT_PROG_TYPE, l->ptype);
	if (l->atype)
		vlog_record__set_str(r, VLOG_STAT_ATTACH_TYPE, l->atype);
	vlog_record__set_int(r, VLOG_STAT_PROG_SIZE, l->insn_cnt);
	if (!l->load_err) {
		vlog_record__set_int(r, VLOG_STAT_VERDICT, VLOG_VERDICT_PASS);
		vlog_record__set_int(r, VLOG_STAT_CLASS, VLOG_CLASS_NONE);
		vlog_record__unset(r, VLOG_STAT_ERROR);
		vlog_record__unset(r, VLOG_STAT_HINT);
		vlog_record__unset(r, VLOG_STAT_FAIL_INSN);
		vlog_record__unset(r, VLOG_STAT_FAIL_LINE);
		vlog_record__set_int(r, VLOG_STAT_TRUNCATED, 0);
	} else {
		record_failure(r, l->load_err, log, log_len);
	}
	if (l->has_info) {
		vlog_record__set_int(r, VLOG_STAT_VERIFIED_INSNS, l->info.verified_insns);
		vlog_record__set_int(r, VLOG_STAT_JITED_SIZE, l->info.jited_prog_len);
		vlog_record__set_int(r, VLOG_STAT_PROG_SIZE, l->info.xlated_prog_len / 8);
		vlog_record__set_int(r, VLOG_STAT_MAP_COUNT, l->info.nr_map_ids);
	}
	vlog_record__finalize(r);
}

int vload_prog_reason(const char *path, const char *prog_name, const struct vload_opts *opts,
		      struct vload_result *res, char *why, size_t whysz)
{
	struct vlog_parser *p = NULL;
	struct vlog_record *r = NULL;
	struct load l;
	int err;

	memset(res, 0, sizeof(*res));
	if (whysz)
		why[0] = 0;
	if (!OPTS_VALID(opts, vload_opts))
		return bg_err(-EINVAL);
	load_init(&l, path, prog_name, opts);
	err = load_retrying(&l, why, whysz);
	if (!err) {
		l.buf[l.size - 1] = 0;
		res->log_len = strlen(l.buf);
		res->log = l.buf;
		l.buf = NULL;
		err = log_parse(&l, res->log, res->log_len, &p, &r);
	}
	lb_end();
	if (err)
		goto out;
	/* logs older than 6.9 name no "@ file:line": BTF line info fills in */
	if (l.hotspots && vload_layout_apply_lines(&l.lay, p))
		pr_debug("verifier: %s/%s: out of memory for line info", path, prog_name);
	/* the log gives frames only; the calls make stack_max the deepest chain */
	if (vlog_record__has(r, VLOG_STAT_STACK_DEPTHS) &&
	    vlog_record__set_call_chain(r, l.lay.calls, l.lay.ncalls))
		pr_debug("verifier: %s/%s: stack_max stays the largest frame", path, prog_name);
	record_fill(r, &l, res->log, res->log_len);
	res->rec = r;
	res->retries = l.retries;
	if (l.hotspots)
		res->parser = p;
	else
		vlog_parser__free(p);
out:
	if (err)
		vload_result_release(res); /* zeroed, as documented */
	free(l.buf);
	vload_layout_release(&l.lay);
	return bg_err(err);
}

int vload_prog(const char *path, const char *prog_name, const struct vload_opts *opts,
	       struct vload_result *res)
{
	char why[1024];
	int err = vload_prog_reason(path, prog_name, opts, res, why, sizeof(why));

	if (err && why[0])
		pr_warn("verifier: %s", why);
	return bg_err(err);
}

int vload_annotate(const char *path, const char *prog_name, struct vlog_parser *p,
		   struct vlog_record *r)
{
	struct load l;
	int err;

	err = check_elf(path);
	if (err)
		return bg_err(err);
	load_init(&l, path, prog_name, NULL);
	l.level = 1;
	l.size = 64 * 1024;
	l.hotspots = p != NULL;
	l.buf = malloc(l.size);
	if (!l.buf)
		return bg_err(-ENOMEM);
	lb_begin();
	err = load_once(&l);
	lb_end();
	free(l.buf);
	if (err) {
		pr_warn("verifier: cannot open '%s' for program '%s': %s", path, prog_name,
			err == -ENOENT ? "no such program" : bpfgauge_strerror(err));
		return bg_err(err);
	}
	if (!l.lay.calls && !l.lay.lines && l.load_err)
		pr_info("verifier: %s/%s: libbpf stopped before relocation (%s); no layout",
			path, prog_name, bpfgauge_strerror(l.load_err));
	if (p)
		err = vload_layout_apply_lines(&l.lay, p);
	if (!err && r && vlog_record__has(r, VLOG_STAT_STACK_DEPTHS))
		vlog_record__set_call_chain(r, l.lay.calls, l.lay.ncalls);
	vload_layout_release(&l.lay);
	return err ? bg_err(err) : 0;
}
