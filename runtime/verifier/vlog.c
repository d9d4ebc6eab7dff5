/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The streaming verifier-log parser: it takes logs of every kernel era
 * (4.15 to 7.x, including libbpf's pasted "-- BEGIN PROG LOAD LOG --"
 * wrapper) one chunk at a time, keeps only a bounded tail of lines plus
 * optional per-insn counters, and turns them into a vlog_record.
 */
#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlog_internal.h"

#define MAX_LINE (64 * 1024) /* longer lines are cut; the rest is ignored */
#define TAIL_N 32            /* lines kept since the last insn line */
#define TAIL_LEN 512         /* chars kept per tail line */
#define MAX_INSNS (4u << 20) /* insn indexes beyond this are not tracked */

struct loc {
	char *file; /* interned in files[] */
	int line;
	char *src;
	uint64_t insns, paths;
};

struct vlog_parser {
	bool hotspots;

	/* partial line across feed() calls */
	char *lb;
	size_t lb_len, lb_cap;
	bool lb_cut;

	uint64_t bytes, lines, bad_bytes, recognized;

	/* wrapper and libbpf context */
	char prog[128];
	bool in_wrapper, wrapper_closed;
	int libbpf_errno;
	char libbpf_msg[TAIL_LEN];
	bool btf_fail;

	/* final stats */
	bool seen_processed;
	int64_t insns, limit, max_spi, total_states, peak_states, mark_read;
	bool has_limit, has_max_spi, has_total, has_peak, has_mark_read;
	int64_t duration;
	bool has_duration;
	char depths[256];
	bool has_depths;

	/* failure context */
	int64_t last_insn;
	uint64_t insn_lines;
	char *tail[TAIL_N];
	int tail_n;
	char vf_msg[TAIL_LEN], vf_reason[TAIL_LEN], vf_at[TAIL_LEN], vf_hint[TAIL_LEN];
	bool structured;
	int cur_loc;         /* index into locs of the last "; ... @ f:l" comment, -1 */
	bool loc_pending;    /* a comment preceded the next insn line */
	int last_insn_loc;   /* location in force at the last insn line */

	/* hotspots */
	uint32_t *cnt, *paths;
	int32_t *insn_loc;
	uint32_t ncap;
	struct loc *locs;
	size_t nlocs, locs_cap;
	int32_t *lh; /* open-addressing hash of locs (file ptr, line) */
	size_t lh_cap;
	char **files;
	size_t nfiles, files_cap;
	struct vlog_hotspot *hs;
};

struct vlog_parser *vlog_parser__new(const struct vlog_parser_opts *opts)
{
	struct vlog_parser *p = calloc(1, sizeof(*p));

	if (!p)
		return bg_err_ptr(-ENOMEM);
	if (!OPTS_VALID(opts, vlog_parser_opts)) {
		free(p);
		return bg_err_ptr(-EINVAL);
	}
	p->hotspots = OPTS_GET(opts, hotspots, false);
	p->last_insn = -1;
	p->cur_loc = -1;
	p->last_insn_loc = -1;
	return p;
}

static void tail_clear(struct vlog_parser *p)
{
	for (int i = 0; i < p->tail_n; i++)
		free(p->tail[i]);
	p->tail_n = 0;
}

void vlog_parser__free(struct vlog_parser *p)
{
	if (!p)
		return;
	tail_clear(p);
	free(p->lb);
	free(p->cnt);
	free(p->paths);
	free(p->insn_loc);
	for (size_t i = 0; i < p->nlocs; i++)
		free(p->locs[i].src);
	free(p->locs);
	free(p->lh);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p->hs);
	free(p);
}

uint64_t vlog_parser__lines(const struct vlog_parser *p)
{
	return p->lines;
}

/* Reset what belongs to one log (a new BEGIN block starts over). */
static void reset_log(struct vlog_parser *p)
{
	tail_clear(p);
	p->seen_processed = false;
	p->has_limit = p->has_max_spi = p->has_total = p->has_peak = false;
	p->has_mark_read = p->has_duration = p->has_depths = false;
	p->last_insn = -1;
	p->insn_lines = 0;
	p->structured = false;
	p->vf_msg[0] = p->vf_reason[0] = p->vf_at[0] = p->vf_hint[0] = 0;
	p->loc_pending = false;
	p->last_insn_loc = -1;
	if (p->cnt) {
		memset(p->cnt, 0, p->ncap * sizeof(*p->cnt));
		memset(p->paths, 0, p->ncap * sizeof(*p->paths));
		for (uint32_t i = 0; i < p->ncap; i++)
			p->insn_loc[i] = -1;
	}
}

static void copy_str(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s);
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Parse an unsigned decimal at *s; advances *s. False if no digit. */
static bool parse_u64(const char **s, int64_t *v)
{
	const char *c = *s;
	uint64_t n = 0;

	if (!isdigit((unsigned char)*c))
		return false;
	while (isdigit((unsigned char)*c)) {
		if (n < (uint64_t)INT64_MAX / 10)
			n = n * 10 + (*c - '0');
		c++;
	}
	*v = (int64_t)n;
	*s = c;
	return true;
}

/* After keyword kw in line, read the number that follows (skipping spaces). */
static bool kw_num(const char *line, const char *kw, int64_t *v)
{
	const char *s = strstr(line, kw);

	if (!s)
		return false;
	s += strlen(kw);
	while (*s == ' ')
		s++;
	return parse_u64(&s, v);
}

/*
 * Room for instruction index idx in the per-insn arrays. The index is the
 * log's own number, 64 bits wide: one past MAX_INSNS (or negative) is
 * refused before anything narrows it (a 64-bit index cut to 32 bits once
 * passed the check and was then used whole).
 */
static int ensure_insn(struct vlog_parser *p, int64_t idx)
{
	uint32_t ncap;

	if (idx < 0 || idx >= MAX_INSNS)
		return -E2BIG;
	if ((uint64_t)idx < p->ncap)
		return 0;
	ncap = p->ncap ? p->ncap : 1024;
	while (ncap <= idx)
		ncap *= 2;
	{
		uint32_t *c = realloc(p->cnt, ncap * sizeof(*c));
		uint32_t *pa;
		int32_t *il;

		if (!c)
			return -ENOMEM;
		p->cnt = c;
		pa = realloc(p->paths, ncap * sizeof(*pa));
		if (!pa)
			return -ENOMEM;
		p->paths = pa;
		il = realloc(p->insn_loc, ncap * sizeof(*il));
		if (!il)
			return -ENOMEM;
		p->insn_loc = il;
	}
	memset(p->cnt + p->ncap, 0, (ncap - p->ncap) * sizeof(*p->cnt));
	memset(p->paths + p->ncap, 0, (ncap - p->ncap) * sizeof(*p->paths));
	for (uint32_t i = p->ncap; i < ncap; i++)
		p->insn_loc[i] = -1;
	p->ncap = ncap;
	return 0;
}

static char *intern_file(struct vlog_parser *p, const char *f, size_t len)
{
	for (size_t i = 0; i < p->nfiles; i++)
		if (strlen(p->files[i]) == len && !memcmp(p->files[i], f, len))
			return p->files[i];
	if (p->nfiles == p->files_cap) {
		size_t cap = p->files_cap ? p->files_cap * 2 : 8;
		char **n = realloc(p->files, cap * sizeof(*n));

		if (!n)
			return NULL;
		p->files = n;
		p->files_cap = cap;
	}
	p->files[p->nfiles] = strndup(f, len);
	return p->files[p->nfiles] ? p->files[p->nfiles++] : NULL;
}

static size_t loc_hash(const char *file, int line, size_t cap)
{
	return (((uintptr_t)file >> 4) * 31u + (unsigned)line * 2654435761u) & (cap - 1);
}

/* Find or add the location (file, line); -1 on allocation failure. */
static int loc_get(struct vlog_parser *p, const char *file, size_t flen, int line,
		   const char *src, size_t slen)
{
	char *f = intern_file(p, file, flen);
	size_t h;

	if (!f)
		return -1;
	if (p->nlocs * 2 >= p->lh_cap) {
		size_t cap = p->lh_cap ? p->lh_cap * 2 : 256;
		int32_t *n = malloc(cap * sizeof(*n));

		if (!n)
			return -1;
		for (size_t i = 0; i < cap; i++)
			n[i] = -1;
		for (size_t i = 0; i < p->nlocs; i++) {
			h = loc_hash(p->locs[i].file, p->locs[i].line, cap);
			while (n[h] >= 0)
				h = (h + 1) & (cap - 1);
			n[h] = i;
		}
		free(p->lh);
		p->lh = n;
		p->lh_cap = cap;
	}
	h = loc_hash(f, line, p->lh_cap);
	while (p->lh[h] >= 0) {
		struct loc *l = &p->locs[p->lh[h]];

		if (l->file == f && l->line == line)
			return p->lh[h];
		h = (h + 1) & (p->lh_cap - 1);
	}
	if (p->nlocs == p->locs_cap) {
		size_t cap = p->locs_cap ? p->locs_cap * 2 : 64;
		struct loc *n = realloc(p->locs, cap * sizeof(*n));

		if (!n)
			return -1;
		p->locs = n;
		p->locs_cap = cap;
	}
	p->locs[p->nlocs] = (struct loc){ .file = f, .line = line,
					  .src = strndup(src, slen > 200 ? 200 : slen) };
	p->lh[h] = p->nlocs;
	return p->nlocs++;
}

/* "; <source> @ file.c:LINE" (6.9+); older logs have no location. */
static void on_comment(struct vlog_parser *p, const char *line)
{
	const char *at = NULL, *s, *colon;
	int64_t ln;
	int idx;

	for (s = strstr(line, " @ "); s; s = strstr(s + 1, " @ "))
		at = s;
	if (!at)
		return;
	s = at + 3;
	colon = strrchr(s, ':');
	if (!colon || colon == s)
		return;
	{
		const char *d = colon + 1;

		/* a line number past INT_MAX is not a source line (and would wrap) */
		if (!parse_u64(&d, &ln) || (*d && !isspace((unsigned char)*d)) || ln > INT_MAX)
			return;
	}
	{
		const char *src = line + 1;

		while (*src == ' ')
			src++;
		idx = loc_get(p, s, colon - s, (int)ln, src, at > src ? (size_t)(at - src) : 0);
	}
	if (idx < 0)
		return;
	p->cur_loc = idx;
	p->loc_pending = true;
}

static void count_insn(struct vlog_parser *p, int64_t idx, bool path)
{
	if (!p->hotspots || ensure_insn(p, idx))
		return;
	if (path)
		p->paths[idx]++;
	else
		p->cnt[idx]++;
}

static void on_insn(struct vlog_parser *p, int64_t idx)
{
	p->last_insn = idx;
	p->insn_lines++;
	tail_clear(p);
	if (p->loc_pending && p->hotspots && !ensure_insn(p, idx))
		p->insn_loc[idx] = p->cur_loc;
	p->loc_pending = false;
	p->last_insn_loc = p->cur_loc;
	count_insn(p, idx, false);
}

/* "processed N insns (limit L) max_states_per_insn M total_states T peak_states P mark_read R" */
static void on_processed(struct vlog_parser *p, const char *line)
{
	const char *s = line + strlen("processed ");
	int64_t v;

	if (!parse_u64(&s, &p->insns))
		return;
	p->seen_processed = true;
	p->has_limit = kw_num(line, "(limit", &p->limit);
	p->has_max_spi = kw_num(line, "max_states_per_insn", &p->max_spi);
	p->has_total = kw_num(line, "total_states", &p->total_states);
	p->has_peak = kw_num(line, "peak_states", &p->peak_states);
	p->has_mark_read = kw_num(line, "mark_read", &p->mark_read);
	/* 4.15-5.1 put the stack depth on the same line */
	s = strstr(line, "stack depth ");
	if (s) {
		copy_str(p->depths, sizeof(p->depths), s + strlen("stack depth "));
		p->has_depths = true;
	}
	(void)v;
}

/* Lines that carry no error: register state dumps, precision tracking, etc. */
static bool is_noise(const char *l)
{
	static const char *const pfx[] = {
		"mark_precise", "last_idx", "regs=", "parent ", "frame", "Func#", "func#",
		"Validating", "Live regs", "propagating", "caller:", "callee:",
		"returning from callee", "to caller at", "processed ", "verification time",
		"stack depth", "Global function", "arg#", "changes_pkt_data", "Verifying",
		"BTF ", "insn ", "state ", "live ", "safe", "checkpoint", "0x",
		"SCC ", "cur state:", "old state:", "(", "Live regs",
	};
	const char *s;

	if (!*l)
		return true;
	/* liveness table: "4: .......... (05) goto pc-1", optionally "1   4: ..." */
	s = l;
	while (isdigit((unsigned char)*s) || *s == ' ')
		s++;
	if (s > l && *s == ':' && s[1] == ' ' && (s[2] == '.' || isdigit((unsigned char)s[2])))
		return true;
	for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++)
		if (starts(l, pfx[i]))
			return true;
	/* "R1=ctx() R10=fp0" and " R0_w=..." */
	if (l[0] == 'R' && isdigit((unsigned char)l[1])) {
		const char *s = l + 1;

		while (isdigit((unsigned char)*s))
			s++;
		if (*s == '=' || *s == '_')
			return true;
	}
	return false;
}

static void tail_push(struct vlog_parser *p, const char *l)
{
	if (p->tail_n == TAIL_N) {
		free(p->tail[0]);
		memmove(p->tail, p->tail + 1, (TAIL_N - 1) * sizeof(p->tail[0]));
		p->tail_n--;
	}
	p->tail[p->tail_n] = strndup(l, TAIL_LEN - 1);
	if (p->tail[p->tail_n])
		p->tail_n++;
}

static int errno_from_text(const char *s)
{
	static const struct { const char *t; int e; } m[] = {
		{ "Permission denied", EACCES }, { "EACCES", EACCES },
		{ "Operation not permitted", EPERM }, { "EPERM", EPERM },
		{ "Argument list too long", E2BIG }, { "E2BIG", E2BIG },
		{ "No space left on device", ENOSPC }, { "ENOSPC", ENOSPC },
		{ "Invalid argument", EINVAL }, { "EINVAL", EINVAL },
		{ "Bad address", EFAULT }, { "EFAULT", EFAULT },
		{ "Cannot allocate memory", ENOMEM }, { "ENOMEM", ENOMEM },
		{ "No such file or directory", ENOENT }, { "ENOENT", ENOENT },
		{ "Operation not supported", EOPNOTSUPP }, { "EOPNOTSUPP", EOPNOTSUPP },
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strstr(s, m[i].t))
			return m[i].e;
	return 0;
}

/* A line that libbpf printed itself (not part of the kernel's log). */
static void on_libbpf(struct vlog_parser *p, const char *l)
{
	const char *s;

	p->recognized++;
	if ((s = strstr(l, "BPF program load failed:"))) {
		int e = errno_from_text(s);

		if (e)
			p->libbpf_errno = e;
		return;
	}
	if (strstr(l, "CO-RE") || strstr(l, "relo #") || strstr(l, "BTF is required") ||
	    strstr(l, "failed to find valid kernel BTF") || strstr(l, "failed to find BTF")) {
		if (strstr(l, "fail") || strstr(l, "missing") || strstr(l, "required")) {
			p->btf_fail = true;
			copy_str(p->libbpf_msg, sizeof(p->libbpf_msg), l);
		}
		return;
	}
	if (strstr(l, "failed") && !p->libbpf_msg[0])
		copy_str(p->libbpf_msg, sizeof(p->libbpf_msg), l);
}

/*
 * The wrapper and prefixes of pasted or libbpf-printed logs: strips
 * "libbpf: " and "prog 'x': ", follows the BEGIN/END PROG LOAD LOG markers.
 * Returns the log text left on the line, or NULL when nothing of it is
 * verifier output (a libbpf line outside the wrapper goes to on_libbpf).
 */
static char *unwrap_line(struct vlog_parser *p, char *l)
{
	bool from_libbpf = false;
	const char *s;

	if (starts(l, "libbpf: ")) {
		l += 8;
		from_libbpf = true;
	}
	if (starts(l, "prog '")) {
		char *q = strstr(l + 6, "': ");

		if (q) {
			size_t len = q - (l + 6);

			if (len >= sizeof(p->prog))
				len = sizeof(p->prog) - 1;
			memcpy(p->prog, l + 6, len);
			p->prog[len] = 0;
			l = q + 3;
			from_libbpf = true;
		}
	}
	if (strstr(l, "-- BEGIN PROG LOAD LOG --")) {
		reset_log(p);
		p->in_wrapper = true;
		p->wrapper_closed = false;
		p->recognized++;
		/* libbpf prints the first log line on the same line */
		l = strstr(l, "-- BEGIN PROG LOAD LOG --") + strlen("-- BEGIN PROG LOAD LOG --");
		while (*l == ' ')
			l++;
		if (!*l)
			return NULL;
		from_libbpf = false;
	}
	if ((s = strstr(l, "-- END PROG LOAD LOG --"))) {
		p->in_wrapper = false;
		p->wrapper_closed = true;
		p->recognized++;
		if (s == l)
			return NULL;
		*(char *)s = 0; /* log text before the marker on the same line */
	}
	if ((from_libbpf && !p->in_wrapper) || p->wrapper_closed) {
		if (from_libbpf)
			on_libbpf(p, l);
		return NULL;
	}
	while (*l == ' ' || *l == '\t')
		l++;
	return l;
}

/* "processed N insns ...", "verification time N usec", "stack depth ..." */
static bool on_summary_line(struct vlog_parser *p, const char *l)
{
	const char *s;

	if (starts(l, "processed ") && strstr(l, " insns")) {
		on_processed(p, l);
	} else if (starts(l, "verification time ")) {
		s = l + strlen("verification time ");
		if (parse_u64(&s, &p->duration))
			p->has_duration = true;
	} else if (starts(l, "stack depth ")) {
		copy_str(p->depths, sizeof(p->depths), l + strlen("stack depth "));
		p->has_depths = true;
	} else {
		return false;
	}
	p->recognized++;
	return true;
}

/* "N: (bf) ...", "N: safe", "N: R1=..." and "from N to M[: safe]" lines */
static bool on_insn_line(struct vlog_parser *p, const char *l)
{
	const char *s = l;
	int64_t a, b;

	if (isdigit((unsigned char)*l) && parse_u64(&s, &a) && *s == ':') {
		if ((s[1] == ' ' && s[2] == '(') || /* "N: (bf) r6 = r1" */
		    /* libbpf rewrote the poisoned insn's line */
		    starts(s + 1, " <invalid CO-RE relocation>")) {
			p->recognized++;
			on_insn(p, a);
		} else if (!strcmp(s + 1, " safe")) { /* pruned: counts as processed */
			p->recognized++;
			p->last_insn = a;
			tail_clear(p);
			count_insn(p, a, false);
		}
		/* else "N: R1=ctx() ..." state dump */
		return true;
	}
	if (!starts(l, "from "))
		return false;
	s = l + 5;
	if (!parse_u64(&s, &a) || !starts(s, " to "))
		return false;
	s += 4;
	if (!parse_u64(&s, &b))
		return false;
	p->recognized++;
	tail_clear(p);
	count_insn(p, b, true);
	if (strstr(s, ": safe")) {
		p->last_insn = b;
		count_insn(p, b, false);
	}
	return true;
}

/* The structured failure block: "Verification failed:", "Reason:", "At:", "Suggestion:" */
static bool on_structured_line(struct vlog_parser *p, const char *l)
{
	static const struct {
		const char *tag;
		size_t off;
	} parts[] = {
		{ "Reason:", offsetof(struct vlog_parser, vf_reason) },
		{ "At:", offsetof(struct vlog_parser, vf_at) },
		{ "Suggestion:", offsetof(struct vlog_parser, vf_hint) },
	};
	size_t n;

	if (starts(l, "Verification failed:")) {
		p->structured = true;
		p->recognized++;
		copy_str(p->vf_msg, sizeof(p->vf_msg), l + 20 + (l[20] == ' '));
		return true;
	}
	for (size_t i = 0; p->structured && i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (!starts(l, parts[i].tag))
			continue;
		n = strlen(parts[i].tag);
		copy_str((char *)p + parts[i].off, sizeof(p->vf_reason), l + n + (l[n] == ' '));
		return true;
	}
	return false;
}

static void on_line(struct vlog_parser *p, char *l)
{
	int64_t a;
	size_t n = strlen(l);

	p->lines++;
	while (n && (l[n - 1] == '\r' || l[n - 1] == ' ' || l[n - 1] == '\t'))
		l[--n] = 0;
	l = unwrap_line(p, l);
	if (!l || on_summary_line(p, l) || on_insn_line(p, l))
		return;
	if (l[0] == ';') {
		p->recognized++;
		on_comment(p, l);
		return;
	}
	if (on_structured_line(p, l) || is_noise(l))
		return;
	if (vlog_classify_msg(l) != VLOG_CLASS_OTHER)
		p->recognized++;
	/* these errors fire after insn_processed++ but before the insn is printed */
	if (starts(l, "infinite loop detected at insn ") && kw_num(l, "at insn", &a))
		count_insn(p, a, false);
	else if (starts(l, "BPF program is too large"))
		count_insn(p, p->last_insn, false);
	tail_push(p, l);
}

static void flush_line(struct vlog_parser *p)
{
	p->lb[p->lb_len] = 0;
	on_line(p, p->lb);
	p->lb_len = 0;
	p->lb_cut = false;
}

/*
 * Append n bytes of one line to the line buffer: control bytes are counted
 * (a binary input has many) and dropped; past MAX_LINE - 1 bytes the line
 * is cut. The buffer grows once per piece, and the copy loop works on
 * locals, so the cost does not hang on how the compiler lays feed out.
 */
static int append_text(struct vlog_parser *p, const unsigned char *s, size_t n)
{
	size_t l = p->lb_len, cap = p->lb_cap, want = l + n + 1, bad = 0;
	bool cut = p->lb_cut;
	char *lb = p->lb;

	if (want > MAX_LINE)
		want = MAX_LINE;
	if (!cut && want > cap) {
		while (cap < want)
			cap *= 2;
		lb = realloc(lb, cap);
		if (!lb)
			return bg_err(-ENOMEM);
		p->lb = lb;
		p->lb_cap = cap;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == 0 || (c < 0x20 && c != '\t' && c != '\r'))
			bad++;
		else if (cut)
			continue;
		else if (l + 1 >= cap)
			cut = true;
		else
			lb[l++] = c;
	}
	p->lb_len = l;
	p->lb_cut = cut;
	p->bad_bytes += bad;
	return 0;
}

int vlog_parser__feed(struct vlog_parser *p, const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf, *end = s + len;

	if (!p->lb) {
		p->lb_cap = 256;
		p->lb = malloc(p->lb_cap);
		if (!p->lb)
			return bg_err(-ENOMEM);
	}
	p->bytes += len;
	while (s < end) {
		const unsigned char *nl = memchr(s, '\n', end - s);
		int err = append_text(p, s, (nl ? nl : end) - s);

		if (err)
			return err;
		if (!nl)
			break;
		flush_line(p);
		s = nl + 1;
	}
	return 0;
}

/* "At: insn 12, prog.bpf.c:42" or "At: prog.bpf.c:42 (insn 12)": take what is there. */
static void parse_at(struct vlog_record *r, const char *at)
{
	const char *s = strstr(at, "insn");
	int64_t v;

	if (s) {
		s += 4;
		while (*s == ' ' || *s == '#')
			s++;
		if (parse_u64(&s, &v))
			vlog_record__set_int(r, VLOG_STAT_FAIL_INSN, v);
	}
	for (const char *t = at; (t = strchr(t, ':')); t++) {
		const char *d = t + 1, *b = t;

		if (!parse_u64(&d, &v))
			continue;
		while (b > at && !isspace((unsigned char)b[-1]) && b[-1] != ',' && b[-1] != '(')
			b--;
		if (b < t) {
			char buf[TAIL_LEN];

			snprintf(buf, sizeof(buf), "%.*s:%lld", (int)(t - b), b, (long long)v);
			vlog_record__set_str(r, VLOG_STAT_FAIL_LINE, buf);
		}
		break;
	}
}

static void set_depths(struct vlog_record *r, const char *depths)
{
	const char *s = depths;
	int64_t v, sum = 0, max = 0;
	int n = 0;

	while (parse_u64(&s, &v)) {
		/* saturates: depths summing past INT64_MAX are no stack a kernel reports */
		sum = v > INT64_MAX - sum ? INT64_MAX : sum + v;
		if (v > max)
			max = v;
		n++;
		if (*s != '+')
			break;
		s++;
	}
	if (!n)
		return;
	vlog_record__set_str(r, VLOG_STAT_STACK_DEPTHS, depths);
	vlog_record__set_int(r, VLOG_STAT_STACK_SUM, sum);
	vlog_record__set_int(r, VLOG_STAT_STACK_MAX, max);
}

/* The figures of the stats lines, as far as the log had them. */
static void set_stats(const struct vlog_parser *p, struct vlog_record *r)
{
	if (p->prog[0])
		vlog_record__set_str(r, VLOG_STAT_PROG, p->prog);
	if (p->seen_processed) {
		vlog_record__set_int(r, VLOG_STAT_INSNS, p->insns);
		if (p->has_limit)
			vlog_record__set_int(r, VLOG_STAT_INSN_LIMIT, p->limit);
		if (p->has_max_spi)
			vlog_record__set_int(r, VLOG_STAT_MAX_STATES_PER_INSN, p->max_spi);
		if (p->has_total)
			vlog_record__set_int(r, VLOG_STAT_TOTAL_STATES, p->total_states);
		if (p->has_peak)
			vlog_record__set_int(r, VLOG_STAT_PEAK_STATES, p->peak_states);
		if (p->has_mark_read)
			vlog_record__set_int(r, VLOG_STAT_MARK_READ, p->mark_read);
	}
	if (p->has_duration)
		vlog_record__set_int(r, VLOG_STAT_DURATION, p->duration);
	if (p->has_depths)
		set_depths(r, p->depths);
	vlog_record__set_int(r, VLOG_STAT_TRUNCATED, !p->seen_processed);
}

/* The error: the 7.3 block, a line naming a known class, else the last line. */
static const char *find_error(const struct vlog_parser *p, enum vlog_class *cls)
{
	const char *msg = NULL;

	*cls = VLOG_CLASS_OTHER;
	if (p->structured) {
		msg = p->vf_reason[0] ? p->vf_reason : p->vf_msg;
		*cls = vlog_classify_msg(msg);
		if (*cls == VLOG_CLASS_OTHER)
			*cls = vlog_classify_msg(p->vf_msg);
		return msg;
	}
	for (int i = 0; i < p->tail_n && !msg; i++)
		if (vlog_classify_msg(p->tail[i]) != VLOG_CLASS_OTHER)
			msg = p->tail[i];
	if (msg)
		*cls = vlog_classify_msg(msg);
	else if (p->tail_n)
		msg = p->tail[p->tail_n - 1];
	return msg;
}

/*
 * A failure's class when the log itself does not name one: libbpf's BTF
 * failure, a permission or size refusal before any log, or a log cut short.
 */
static enum vlog_class failure_class(const struct vlog_parser *p, enum vlog_class cls,
				     const char **msg)
{
	bool have_log = p->seen_processed || p->insn_lines || p->tail_n || p->structured;
	bool log_msg = *msg != NULL;

	if (!*msg && p->libbpf_msg[0])
		*msg = p->libbpf_msg;
	if (p->btf_fail) {
		*msg = p->libbpf_msg;
		return VLOG_CLASS_BTF;
	}
	if (!have_log && p->libbpf_errno == EPERM)
		return VLOG_CLASS_PERM;
	if (!have_log && p->libbpf_errno == E2BIG)
		return VLOG_CLASS_TOO_LARGE;
	if (!p->seen_processed && (cls == VLOG_CLASS_OTHER || !log_msg))
		return VLOG_CLASS_TRUNCATED; /* the stats line never came: the buffer ran out */
	return cls;
}

/* Where it failed: message, hint, jump sequence, insn and source line. */
static void set_failure(const struct vlog_parser *p, struct vlog_record *r,
			enum vlog_class cls, const char *msg)
{
	int64_t v;

	vlog_record__set_int(r, VLOG_STAT_CLASS, cls);
	if (msg && *msg)
		vlog_record__set_str(r, VLOG_STAT_ERROR, msg);
	if (p->vf_hint[0])
		vlog_record__set_str(r, VLOG_STAT_HINT, p->vf_hint);
	if (msg && kw_num(msg, "The sequence of", &v))
		vlog_record__set_int(r, VLOG_STAT_JMP_SEQ, v);
	if (msg && cls == VLOG_CLASS_LOOP && kw_num(msg, "at insn", &v))
		vlog_record__set_int(r, VLOG_STAT_FAIL_INSN, v);
	else if (p->last_insn >= 0)
		vlog_record__set_int(r, VLOG_STAT_FAIL_INSN, p->last_insn);
	if (p->last_insn_loc >= 0) {
		char buf[TAIL_LEN];

		snprintf(buf, sizeof(buf), "%s:%d", p->locs[p->last_insn_loc].file,
			 p->locs[p->last_insn_loc].line);
		vlog_record__set_str(r, VLOG_STAT_FAIL_LINE, buf);
	}
	if (p->vf_at[0])
		parse_at(r, p->vf_at);
}

int vlog_parser__finish(struct vlog_parser *p, struct vlog_record **out)
{
	struct vlog_record *r;
	enum vlog_class cls;
	const char *msg;
	bool fail;

	*out = NULL;
	if (p->lb && p->lb_len)
		flush_line(p);
	/* binary input: a chance keyword among random bytes is not a log (real
	 * logs have no control bytes; random data has ~11%) */
	if (!p->recognized || p->bad_bytes * 20 > p->bytes)
		return bg_err(-BPFGAUGE_EBADLOG);
	r = vlog_record__new();
	if (!r)
		return bg_err(-ENOMEM);
	set_stats(p, r);
	msg = find_error(p, &cls);
	fail = msg || p->libbpf_errno || p->btf_fail || !p->seen_processed;
	vlog_record__set_int(r, VLOG_STAT_VERDICT, fail ? VLOG_VERDICT_FAIL : VLOG_VERDICT_PASS);
	if (p->libbpf_errno)
		vlog_record__set_int(r, VLOG_STAT_ERRNO, p->libbpf_errno);
	if (fail) {
		cls = failure_class(p, cls, &msg);
		set_failure(p, r, cls, msg);
	} else {
		vlog_record__set_int(r, VLOG_STAT_CLASS, VLOG_CLASS_NONE);
	}
	vlog_record__finalize(r);
	*out = r;
	return 0;
}

int vlog_parse_buf(const char *buf, size_t len, struct vlog_record **rec)
{
	struct vlog_parser *p = vlog_parser__new(NULL);
	int err;

	*rec = NULL;
	if (!p)
		return -errno;
	err = vlog_parser__feed(p, buf, len);
	if (!err)
		err = vlog_parser__finish(p, rec);
	vlog_parser__free(p);
	return err;
}

int vlog_parser__set_insn_loc(struct vlog_parser *p, uint32_t insn, const char *file,
			      int line, const char *src)
{
	int idx;

	if (ensure_insn(p, insn))
		return bg_err(-ENOMEM);
	if (p->insn_loc[insn] >= 0)
		return 0;
	if (!src)
		src = "";
	while (*src == ' ' || *src == '\t')
		src++;
	idx = loc_get(p, file, strlen(file), line, src, strlen(src));
	if (idx < 0)
		return bg_err(-ENOMEM);
	if (!p->locs[idx].src || !p->locs[idx].src[0]) {
		char *c = strndup(src, 200);

		if (c) {
			free(p->locs[idx].src);
			p->locs[idx].src = c;
		}
	}
	p->insn_loc[insn] = idx;
	return 0;
}

int vlog_parser__set_insn_line(struct vlog_parser *p, uint32_t insn, const char *file,
			       int line)
{
	return vlog_parser__set_insn_loc(p, insn, file, line, NULL);
}

static int hs_cmp(const void *a, const void *b)
{
	const struct vlog_hotspot *x = a, *y = b;

	if (x->insns != y->insns)
		return x->insns < y->insns ? 1 : -1;
	if (x->paths != y->paths)
		return x->paths < y->paths ? 1 : -1;
	{
		int c = strcmp(x->file, y->file);

		return c ? c : x->line - y->line;
	}
}

const struct vlog_hotspot *vlog_parser__hotspots(struct vlog_parser *p, size_t *n,
						 uint64_t *unattributed)
{
	int32_t cur = -1;
	uint64_t un = 0;
	size_t k = 0;

	*n = 0;
	for (size_t i = 0; i < p->nlocs; i++)
		p->locs[i].insns = p->locs[i].paths = 0;
	/* line info covers insns up to the next entry: fill forward by index */
	for (uint32_t i = 0; i < p->ncap; i++) {
		if (p->insn_loc[i] >= 0)
			cur = p->insn_loc[i];
		if (cur < 0) {
			un += p->cnt[i];
			continue;
		}
		p->locs[cur].insns += p->cnt[i];
		p->locs[cur].paths += p->paths[i];
	}
	if (unattributed)
		*unattributed = un;
	free(p->hs);
	p->hs = calloc(p->nlocs ? p->nlocs : 1, sizeof(*p->hs));
	if (!p->hs)
		return bg_err_ptr(-ENOMEM);
	for (size_t i = 0; i < p->nlocs; i++) {
		if (!p->locs[i].insns && !p->locs[i].paths)
			continue;
		p->hs[k++] = (struct vlog_hotspot){ p->locs[i].file, p->locs[i].line,
						    p->locs[i].src ? p->locs[i].src : "",
						    p->locs[i].insns, p->locs[i].paths };
	}
	qsort(p->hs, k, sizeof(*p->hs), hs_cmp);
	*n = k;
	return p->hs;
}
