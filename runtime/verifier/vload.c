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

/* libbpf's messages for the load running on this thread (for CO-RE/BTF failures). */
static __thread char *lb_msgs;
static __thread size_t lb_len, lb_cap;

static int libbpf_capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (lb_len + n + 1 > lb_cap && lb_cap < (1u << 20)) {
		size_t cap = (lb_len + n + 1) * 2;
		char *m = realloc(lb_msgs, cap);

		if (!m)
			return 0;
		lb_msgs = m;
		lb_cap = cap;
	}
	if (lb_len + n + 1 <= lb_cap) {
		memcpy(lb_msgs + lb_len, line, n);
		lb_len += n;
		lb_msgs[lb_len] = 0;
	}
	pr_debug("libbpf: %s", line);
	return 0;
}

static pthread_once_t print_once = PTHREAD_ONCE_INIT;

static void set_print(void)
{
	libbpf_set_print(libbpf_capture);
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
	pthread_once(&print_once, set_print);
	err = check_elf(path);
	if (err)
		return bg_err(err);
	obj = bpf_object__open_file(path, NULL);
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

/*
 * One attempt with a log buffer of size; *err_out gets the load error.
 * lay gets libbpf's final layout of the program (also when the kernel
 * refused it: relocation happens before the load).
 */
static int load_once(const char *path, const char *prog_name, int level, char *buf,
		     size_t size, int *err_out, struct bpf_prog_info *info, bool *has_info,
		     const char **ptype, const char **atype, size_t *insn_cnt,
		     struct vload_layout *lay, bool want_lines)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	int err;

	*has_info = false;
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return -errno;
	prog = bpf_object__find_program_by_name(obj, prog_name);
	if (!prog) {
		bpf_object__close(obj);
		return -ENOENT;
	}
	fixup_obj(obj, prog_name);
	buf[0] = 0;
	bpf_program__set_log_buf(prog, buf, size);
	bpf_program__set_log_level(prog, level | 4);
	*insn_cnt = bpf_program__insn_cnt(prog);
	*ptype = libbpf_bpf_prog_type_str(bpf_program__type(prog));
	*atype = libbpf_bpf_attach_type_str(bpf_program__expected_attach_type(prog));
	err = bpf_object__load(obj);
	*err_out = err ? -errno : 0;
	vload_layout_release(lay);
	if (vload_layout_fill(lay, path, prog, *insn_cnt, want_lines))
		pr_debug("verifier: %s/%s: no call graph or line info (out of memory)", path,
			 prog_name);
	if (!err) {
		__u32 len = sizeof(*info);

		memset(info, 0, sizeof(*info));
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(prog), info, &len))
			*has_info = true;
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

int vload_prog(const char *path, const char *prog_name, const struct vload_opts *opts,
	       struct vload_result *res)
{
	/* level 0: stats only (BPF_LOG_STATS), like veristat: level 1 slows the
	 * verifier down several times; a failed load is redone at level 1 for
	 * the error text */
	int level = 0, load_err = 0, err;
	size_t size = LOG_DEFAULT, insn_cnt = 0;
	bool no_retry = false, hotspots = false, has_info = false;
	struct bpf_prog_info info;
	const char *ptype = NULL, *atype = NULL;
	struct vlog_parser_opts popts = { .sz = sizeof(popts) };
	struct vlog_parser *p = NULL;
	struct vlog_record *r = NULL;
	struct vload_layout lay = { 0 };
	char *buf = NULL;

	memset(res, 0, sizeof(*res));
	pthread_once(&print_once, set_print);
	if (!OPTS_VALID(opts, vload_opts))
		return bg_err(-EINVAL);
	if (OPTS_GET(opts, log_level, 0))
		level = opts->log_level;
	if (OPTS_GET(opts, log_size, 0))
		size = opts->log_size;
	no_retry = OPTS_GET(opts, no_retry, false);
	hotspots = OPTS_GET(opts, hotspots, false);
	for (;;) {
		buf = malloc(size);
		if (!buf)
			return bg_err(-ENOMEM);
		lb_len = 0;
		if (lb_msgs)
			lb_msgs[0] = 0;
		err = load_once(path, prog_name, level, buf, size, &load_err, &info, &has_info,
				&ptype, &atype, &insn_cnt, &lay, hotspots);
		if (err) {
			free(buf);
			vload_layout_release(&lay);
			pr_warn("verifier: cannot open '%s' for program '%s': %s", path, prog_name,
				bpfgauge_strerror(err));
			return bg_err(err);
		}
		/* a stats-only failure needs level 1 for its message, except the
		 * 1M-insn limit, which the stats line proves (and which would cost
		 * a second full walk) */
		if (load_err && level == 0 && !(load_err == -E2BIG && over_limit(buf, size))) {
			level = 1;
			free(buf);
			continue;
		}
		if (load_err != -ENOSPC || no_retry || size >= LOG_MAX)
			break;
		pr_info("verifier: %s/%s: log truncated at %zu bytes, retrying", path, prog_name,
			size);
		free(buf);
		size = size * 8 > LOG_MAX ? LOG_MAX : size * 8;
		res->retries++;
	}
	buf[size - 1] = 0;
	res->log_len = strlen(buf);
	res->log = buf;

	popts.hotspots = hotspots;
	p = vlog_parser__new(&popts);
	if (!p) {
		vload_layout_release(&lay);
		return bg_err(-ENOMEM);
	}
	vlog_parser__feed(p, buf, res->log_len);
	/* libbpf's own messages (CO-RE, BTF) go through the same classifier */
	if (load_err && lb_len) {
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
	/* the capture buffer is per thread: do not let worker threads leak it */
	free(lb_msgs);
	lb_msgs = NULL;
	lb_len = lb_cap = 0;
	err = vlog_parser__finish(p, &r);
	if (err == -BPFGAUGE_EBADLOG) /* empty log: the kernel gave no text */
		r = vlog_record__new();
	if (!r) {
		vlog_parser__free(p);
		vload_layout_release(&lay);
		return bg_err(-ENOMEM);
	}
	/* logs older than 6.9 name no "@ file:line": BTF line info fills in */
	if (hotspots && vload_layout_apply_lines(&lay, p))
		pr_debug("verifier: %s/%s: out of memory for line info", path, prog_name);
	if (hotspots)
		res->parser = p;
	else
		vlog_parser__free(p);
	/* the log gives frames only; the calls make stack_max the deepest chain */
	if (vlog_record__has(r, VLOG_STAT_STACK_DEPTHS) &&
	    vlog_record__set_call_chain(r, lay.calls, lay.ncalls))
		pr_debug("verifier: %s/%s: stack_max stays the largest frame", path, prog_name);
	vload_layout_release(&lay);

	vlog_record__set_str(r, VLOG_STAT_FILE, path);
	vlog_record__set_str(r, VLOG_STAT_PROG, prog_name);
	vlog_record__set_int(r, VLOG_STAT_ERRNO, -load_err);
	if (ptype)
		vlog_record__set_str(r, VLOG_STAT_PROG_TYPE, ptype);
	if (atype)
		vlog_record__set_str(r, VLOG_STAT_ATTACH_TYPE, atype);
	vlog_record__set_int(r, VLOG_STAT_PROG_SIZE, insn_cnt);
	if (!load_err) {
		vlog_record__set_int(r, VLOG_STAT_VERDICT, VLOG_VERDICT_PASS);
		vlog_record__set_int(r, VLOG_STAT_CLASS, VLOG_CLASS_NONE);
		vlog_record__unset(r, VLOG_STAT_ERROR);
		vlog_record__unset(r, VLOG_STAT_HINT);
		vlog_record__unset(r, VLOG_STAT_FAIL_INSN);
		vlog_record__unset(r, VLOG_STAT_FAIL_LINE);
		vlog_record__set_int(r, VLOG_STAT_TRUNCATED, 0);
	} else {
		enum vlog_class cls = vlog_record__has(r, VLOG_STAT_CLASS)
					      ? vlog_record__int(r, VLOG_STAT_CLASS)
					      : VLOG_CLASS_OTHER;

		vlog_record__set_int(r, VLOG_STAT_VERDICT, VLOG_VERDICT_FAIL);
		if (load_err == -ENOSPC &&
		    (cls == VLOG_CLASS_NONE || cls == VLOG_CLASS_OTHER || cls == VLOG_CLASS_TRUNCATED))
			cls = VLOG_CLASS_TRUNCATED; /* else the kept tail shows the real error */
		else if (load_err == -EPERM && !res->log_len)
			cls = VLOG_CLASS_PERM;
		else if (load_err == -E2BIG && !res->log_len)
			cls = VLOG_CLASS_TOO_LARGE;
		else if (load_err == -E2BIG && cls == VLOG_CLASS_OTHER && over_limit(res->log, res->log_len + 1))
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
	if (has_info) {
		vlog_record__set_int(r, VLOG_STAT_VERIFIED_INSNS, info.verified_insns);
		vlog_record__set_int(r, VLOG_STAT_JITED_SIZE, info.jited_prog_len);
		vlog_record__set_int(r, VLOG_STAT_PROG_SIZE, info.xlated_prog_len / 8);
		vlog_record__set_int(r, VLOG_STAT_MAP_COUNT, info.nr_map_ids);
	}
	vlog_record__finalize(r);
	res->rec = r;
	return 0;
}

int vload_annotate(const char *path, const char *prog_name, struct vlog_parser *p,
		   struct vlog_record *r)
{
	struct vload_layout lay = { 0 };
	struct bpf_prog_info info;
	const char *ptype, *atype;
	size_t insn_cnt = 0, size = 64 * 1024;
	bool has_info;
	int load_err, err;
	char *buf;

	pthread_once(&print_once, set_print);
	err = check_elf(path);
	if (err)
		return bg_err(err);
	buf = malloc(size);
	if (!buf)
		return bg_err(-ENOMEM);
	err = load_once(path, prog_name, 1, buf, size, &load_err, &info, &has_info, &ptype,
			&atype, &insn_cnt, &lay, p != NULL);
	free(buf);
	free(lb_msgs);
	lb_msgs = NULL;
	lb_len = lb_cap = 0;
	if (err) {
		pr_warn("verifier: cannot open '%s' for program '%s': %s", path, prog_name,
			err == -ENOENT ? "no such program" : bpfgauge_strerror(err));
		return bg_err(err);
	}
	if (!lay.calls && !lay.lines && load_err)
		pr_info("verifier: %s/%s: libbpf stopped before relocation (%s); no layout",
			path, prog_name, bpfgauge_strerror(load_err));
	if (p)
		err = vload_layout_apply_lines(&lay, p);
	if (!err && r && vlog_record__has(r, VLOG_STAT_STACK_DEPTHS))
		vlog_record__set_call_chain(r, lay.calls, lay.ncalls);
	vload_layout_release(&lay);
	return err ? bg_err(err) : 0;
}
