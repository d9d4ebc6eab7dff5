/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stat table (names, aliases, headers, direction, noise), the failure
 * classes with their explanations and hints, and the vlog_record container
 * with its text round-trip used by every machine format.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vlog_internal.h"

/*
 * mark_read is "noisy": it is always 0 on 6.18 and nonzero on 6.1, so a
 * gate rule on it only warns unless the policy says error, and compare
 * leaves it out of its default fields.
 */
static const struct vlog_stat_def stat_defs[VLOG_STAT_CNT] = {
	[VLOG_STAT_FILE] = { "file", { "file_name", "filename", "object" }, "File", VLOG_KIND_STR, false, false, "file_name" },
	[VLOG_STAT_PROG] = { "prog", { "prog_name", "progname", "program" }, "Program", VLOG_KIND_STR, false, false, "prog_name" },
	[VLOG_STAT_VERDICT] = { "verdict", { 0 }, "Verdict", VLOG_KIND_ENUM, false, false, "verdict" },
	[VLOG_STAT_CLASS] = { "class", { "failure_class", "reason" }, "Class", VLOG_KIND_ENUM, false, false, NULL },
	[VLOG_STAT_ERRNO] = { "errno", { "err" }, "Errno", VLOG_KIND_INT, true, false, NULL },
	[VLOG_STAT_INSNS] = { "insns", { "total_insns", "processed" }, "Insns", VLOG_KIND_INT, true, false, "total_insns" },
	[VLOG_STAT_VERIFIED_INSNS] = { "verified_insns", { 0 }, "Verified insns", VLOG_KIND_INT, true, false, NULL },
	[VLOG_STAT_INSN_LIMIT] = { "insn_limit", { "limit" }, "Limit", VLOG_KIND_INT, false, false, NULL },
	[VLOG_STAT_TOTAL_STATES] = { "states", { "total_states" }, "States", VLOG_KIND_INT, true, false, "total_states" },
	[VLOG_STAT_PEAK_STATES] = { "peak_states", { 0 }, "Peak states", VLOG_KIND_INT, true, false, "peak_states" },
	[VLOG_STAT_MAX_STATES_PER_INSN] = { "max_states_per_insn", { 0 }, "Max states/insn", VLOG_KIND_INT, true, false, "max_states_per_insn" },
	[VLOG_STAT_MARK_READ] = { "mark_read", { "mark_read_max_len", "max_mark_read_len" }, "Mark read", VLOG_KIND_INT, true, true, "mark_read_max_len" },
	[VLOG_STAT_DURATION] = { "duration", { "dur", "time", "verification_time" }, "Duration (us)", VLOG_KIND_INT, true, true, "duration" },
	[VLOG_STAT_STACK_SUM] = { "stack", { "stack_depth", "stack_sum" }, "Stack", VLOG_KIND_INT, true, false, NULL },
	[VLOG_STAT_STACK_MAX] = { "stack_max", { 0 }, "Stack max", VLOG_KIND_INT, true, false, NULL },
	[VLOG_STAT_STACK_DEPTHS] = { "stack_depths", { 0 }, "Stack per subprog", VLOG_KIND_STR, false, false, NULL },
	[VLOG_STAT_INSNS_PCT] = { "insns_limit_pct", { "insns_limit_used" }, "Insns % limit", VLOG_KIND_PCT, true, false, NULL },
	[VLOG_STAT_STACK_PCT] = { "stack_limit_pct", { "stack_limit_used" }, "Stack % limit", VLOG_KIND_PCT, true, false, NULL },
	[VLOG_STAT_JMP_SEQ] = { "jmp_seq", { 0 }, "Jmp seq", VLOG_KIND_INT, true, false, NULL },
	[VLOG_STAT_FAIL_INSN] = { "fail_insn", { 0 }, "Fail insn", VLOG_KIND_INT, false, false, NULL },
	[VLOG_STAT_FAIL_LINE] = { "fail_line", { "source" }, "Fail line", VLOG_KIND_STR, false, false, NULL },
	[VLOG_STAT_ERROR] = { "error", { "message", "msg" }, "Error", VLOG_KIND_STR, false, false, NULL },
	[VLOG_STAT_HINT] = { "hint", { 0 }, "Hint", VLOG_KIND_STR, false, false, NULL },
	[VLOG_STAT_TRUNCATED] = { "truncated", { 0 }, "Truncated", VLOG_KIND_INT, true, false, NULL },
	[VLOG_STAT_PROG_SIZE] = { "prog_size", { "size", "xlated_size" }, "Prog size", VLOG_KIND_INT, true, false, NULL },
	[VLOG_STAT_JITED_SIZE] = { "jited_size", { "prog_size_jited" }, "Jited size", VLOG_KIND_INT, true, false, NULL },
	[VLOG_STAT_MAP_COUNT] = { "map_count", { "maps" }, "Maps", VLOG_KIND_INT, true, false, NULL },
	[VLOG_STAT_PROG_TYPE] = { "prog_type", { "type" }, "Prog type", VLOG_KIND_STR, false, false, NULL },
	[VLOG_STAT_ATTACH_TYPE] = { "attach_type", { 0 }, "Attach type", VLOG_KIND_STR, false, false, NULL },
};

const struct vlog_stat_def *vlog_stat_def(enum vlog_stat id)
{
	if ((unsigned)id >= VLOG_STAT_CNT)
		return NULL;
	return &stat_defs[id];
}

int vlog_stat_find(const char *name)
{
	if (!name)
		return -ENOENT;
	for (int i = 0; i < VLOG_STAT_CNT; i++) {
		if (!strcasecmp(stat_defs[i].name, name))
			return i;
		for (int j = 0; j < 4 && stat_defs[i].aliases[j]; j++)
			if (!strcasecmp(stat_defs[i].aliases[j], name))
				return i;
	}
	return -ENOENT;
}

static const struct {
	const char *name, *explain, *hint;
} classes[VLOG_CLASS_CNT] = {
	[VLOG_CLASS_NONE] = { "none", "the program passed verification", "" },
	[VLOG_CLASS_COMPLEXITY] = { "complexity",
		"the verifier walked more than its limit of instructions (E2BIG)",
		"split the program (tail calls, global subprogs), bound loops tighter, or use bpf_loop()" },
	[VLOG_CLASS_JMP_SEQ] = { "jump_seq",
		"too many pending branches (the 8192 jump stack is full)",
		"reduce branches inside loops or move the body to a global subprog or bpf_loop()" },
	[VLOG_CLASS_STACK] = { "stack",
		"the combined stack of a call chain exceeds 512 bytes",
		"move large locals to a per-CPU array map or shorten the call chain" },
	[VLOG_CLASS_LOOP] = { "loop",
		"the verifier could not prove that a loop terminates",
		"give the loop a constant bound the verifier can see, or use bpf_loop()/bpf_for()" },
	[VLOG_CLASS_MEM] = { "mem_access",
		"an invalid memory access or pointer arithmetic",
		"check pointers for NULL and bounds against data_end/value size before each access" },
	[VLOG_CLASS_REF] = { "ref_leak",
		"a reference (socket, ringbuf record, kptr) is not released on every path",
		"release or submit the reference on every exit path, including error paths" },
	[VLOG_CLASS_HELPER] = { "helper",
		"a helper or kfunc is unknown to this kernel or not allowed for this program type",
		"check the helper against the program type and kernel version, or change the section" },
	[VLOG_CLASS_TRUNCATED] = { "truncated",
		"the log buffer was too small (ENOSPC), so the real error is hidden",
		"retry with a larger log buffer (bpfgauge retries automatically)" },
	[VLOG_CLASS_TOO_LARGE] = { "prog_too_large",
		"the program has too many instructions to be loaded at all (E2BIG, no log)",
		"split the program; the kernel refuses more than 1M instructions" },
	[VLOG_CLASS_BTF] = { "btf_core",
		"BTF is missing or a CO-RE relocation failed before verification",
		"build with -g, check the kernel's /sys/kernel/btf/vmlinux and field existence" },
	[VLOG_CLASS_PERM] = { "permission",
		"the kernel refused the load (EPERM)",
		"not root: run as root or grant CAP_BPF (and CAP_PERFMON/CAP_NET_ADMIN for the "
		"type); root: the kernel restricts the type (lockdown; bpfgauge compat --live)" },
	[VLOG_CLASS_OTHER] = { "other", "the verifier rejected the program",
			       "read the error message and the failing instruction" },
	[VLOG_CLASS_KERNEL] = { "kernel",
		"this kernel's build or configuration refuses the program type (EPERM, EINVAL or "
		"ENOTSUPP before verification)",
		"see the cause in the hint; 'bpfgauge compat OBJ' lists what each program needs" },
};

const char *vlog_class_str(enum vlog_class c)
{
	return (unsigned)c < VLOG_CLASS_CNT ? classes[c].name : "unknown";
}

const char *vlog_class_explain(enum vlog_class c)
{
	return (unsigned)c < VLOG_CLASS_CNT ? classes[c].explain : "";
}

const char *vlog_class_hint(enum vlog_class c)
{
	return (unsigned)c < VLOG_CLASS_CNT ? classes[c].hint : "";
}

int vlog_class_parse(const char *s)
{
	for (int i = 0; i < VLOG_CLASS_CNT; i++)
		if (!strcasecmp(s, classes[i].name))
			return i;
	return -ENOENT;
}

const char *vlog_verdict_str(enum vlog_verdict v)
{
	switch (v) {
	case VLOG_VERDICT_PASS: return "pass";
	case VLOG_VERDICT_FAIL: return "fail";
	default: return "unknown";
	}
}

/* Substring patterns, checked in order: the first match wins. */
static const struct {
	const char *pat;
	enum vlog_class cls;
} class_pats[] = {
	{ "invalid CO-RE relocation", VLOG_CLASS_BTF },
	{ "unknown#195896080", VLOG_CLASS_BTF }, /* libbpf's poisoned CO-RE insn */
	{ "BPF program is too large", VLOG_CLASS_COMPLEXITY },
	{ "jumps is too complex", VLOG_CLASS_JMP_SEQ },
	{ "combined stack size", VLOG_CLASS_STACK },
	{ "stack size of", VLOG_CLASS_STACK },
	{ "infinite loop detected", VLOG_CLASS_LOOP },
	{ "back-edge from insn", VLOG_CLASS_LOOP },
	{ "loop is not bounded", VLOG_CLASS_LOOP },
	{ "Unreleased reference", VLOG_CLASS_REF },
	{ "reference has not been acquired", VLOG_CLASS_REF },
	{ "unknown func", VLOG_CLASS_HELPER },
	{ "cannot use helper", VLOG_CLASS_HELPER },
	{ "helper call is not allowed", VLOG_CLASS_HELPER },
	{ "is not allowed in", VLOG_CLASS_HELPER },
	{ "calling kernel function", VLOG_CLASS_HELPER },
	{ "kernel function", VLOG_CLASS_HELPER },
	{ "invalid func", VLOG_CLASS_HELPER },
	{ "kfunc", VLOG_CLASS_HELPER },
	{ "gpl_only", VLOG_CLASS_HELPER },
	{ "CO-RE", VLOG_CLASS_BTF },
	{ "BTF", VLOG_CLASS_BTF },
	{ "invalid mem access", VLOG_CLASS_MEM },
	{ "variable-offset", VLOG_CLASS_MEM }, /* "invalid variable-offset read from stack" */
	{ "invalid access to", VLOG_CLASS_MEM },
	{ "invalid read from stack", VLOG_CLASS_MEM },
	{ "invalid write to stack", VLOG_CLASS_MEM },
	{ "invalid stack", VLOG_CLASS_MEM },
	{ "invalid indirect", VLOG_CLASS_MEM },
	{ "invalid bpf_context access", VLOG_CLASS_MEM },
	{ "invalid zero-sized read", VLOG_CLASS_MEM },
	{ "outside of the allowed memory range", VLOG_CLASS_MEM },
	{ "unbounded memory access", VLOG_CLASS_MEM },
	{ "min value is negative", VLOG_CLASS_MEM },
	{ "min value is outside", VLOG_CLASS_MEM },
	{ "max value is outside", VLOG_CLASS_MEM },
	{ "offset is outside", VLOG_CLASS_MEM },
	{ "pointer arithmetic", VLOG_CLASS_MEM },
	{ "pointer comparison", VLOG_CLASS_MEM },
	{ "math between", VLOG_CLASS_MEM },
	{ "dereference of modified", VLOG_CLASS_MEM },
	{ "!read_ok", VLOG_CLASS_MEM },
	{ "possibly NULL", VLOG_CLASS_MEM },
	{ "_or_null", VLOG_CLASS_MEM },
	{ "out of bounds", VLOG_CLASS_MEM },
	{ "misaligned", VLOG_CLASS_MEM },
	{ "leaks addr", VLOG_CLASS_MEM },
	{ "Permission denied", VLOG_CLASS_OTHER },
};

enum vlog_class vlog_classify_msg(const char *msg)
{
	if (!msg || !*msg)
		return VLOG_CLASS_OTHER;
	for (size_t i = 0; i < sizeof(class_pats) / sizeof(class_pats[0]); i++)
		if (strstr(msg, class_pats[i].pat))
			return class_pats[i].cls;
	return VLOG_CLASS_OTHER;
}

struct vlog_record *vlog_record__new(void)
{
	struct vlog_record *r = calloc(1, sizeof(*r));

	if (!r)
		errno = ENOMEM;
	return r;
}

void vlog_record__free(struct vlog_record *r)
{
	if (!r)
		return;
	for (int i = 0; i < VLOG_STAT_CNT; i++)
		free(r->v[i].s);
	free(r);
}

struct vlog_record *vlog_record__dup(const struct vlog_record *r)
{
	struct vlog_record *d = vlog_record__new();

	if (!d)
		return NULL;
	*d = *r;
	for (int i = 0; i < VLOG_STAT_CNT; i++) {
		if (!r->v[i].s)
			continue;
		d->v[i].s = strdup(r->v[i].s);
		if (!d->v[i].s) {
			for (int j = i; j < VLOG_STAT_CNT; j++)
				d->v[j].s = NULL;
			vlog_record__free(d);
			return bg_err_ptr(-ENOMEM);
		}
	}
	return d;
}

bool vlog_record__has(const struct vlog_record *r, enum vlog_stat id)
{
	return r && (unsigned)id < VLOG_STAT_CNT && r->v[id].set;
}

int64_t vlog_record__int(const struct vlog_record *r, enum vlog_stat id)
{
	return vlog_record__has(r, id) ? r->v[id].i : 0;
}

double vlog_record__num(const struct vlog_record *r, enum vlog_stat id)
{
	if (!vlog_record__has(r, id))
		return 0;
	return stat_defs[id].kind == VLOG_KIND_PCT ? r->v[id].d : (double)r->v[id].i;
}

const char *vlog_record__str(const struct vlog_record *r, enum vlog_stat id)
{
	return vlog_record__has(r, id) ? r->v[id].s : NULL;
}

void vlog_record__set_int(struct vlog_record *r, enum vlog_stat id, int64_t v)
{
	r->v[id].set = true;
	r->v[id].i = v;
	r->v[id].d = (double)v;
}

void vlog_record__set_pct(struct vlog_record *r, enum vlog_stat id, double v)
{
	/*
	 * Round to the two decimals we print so text round-trips are exact.
	 * Clamp first: a crafted 1e300 must not overflow the integer cast.
	 */
	if (!(v >= -VLOG_PCT_MAX))
		v = -VLOG_PCT_MAX; /* also NaN */
	if (v > VLOG_PCT_MAX)
		v = VLOG_PCT_MAX;
	r->v[id].set = true;
	r->v[id].d = (double)(long long)(v * 100.0 + (v >= 0 ? 0.5 : -0.5)) / 100.0; /* no libm */
	r->v[id].i = (int64_t)r->v[id].d;
}

int vlog_record__set_str(struct vlog_record *r, enum vlog_stat id, const char *s)
{
	char *c = strdup(s ? s : "");

	if (!c)
		return bg_err(-ENOMEM);
	free(r->v[id].s);
	r->v[id].s = c;
	r->v[id].set = true;
	return 0;
}

void vlog_record__unset(struct vlog_record *r, enum vlog_stat id)
{
	free(r->v[id].s);
	memset(&r->v[id], 0, sizeof(r->v[id]));
}

int vlog_record__format(const struct vlog_record *r, enum vlog_stat id, char *buf,
			size_t size)
{
	const struct vlog_value *v;

	if (!vlog_record__has(r, id))
		return snprintf(buf, size, "%s", "");
	v = &r->v[id];
	switch (stat_defs[id].kind) {
	case VLOG_KIND_INT:
		return snprintf(buf, size, "%lld", (long long)v->i);
	case VLOG_KIND_PCT:
		return snprintf(buf, size, "%.2f", v->d);
	case VLOG_KIND_STR:
		return snprintf(buf, size, "%s", v->s ? v->s : "");
	case VLOG_KIND_ENUM:
		if (id == VLOG_STAT_VERDICT)
			return snprintf(buf, size, "%s", vlog_verdict_str(v->i));
		return snprintf(buf, size, "%s", vlog_class_str(v->i));
	}
	return snprintf(buf, size, "%s", "");
}

int vlog_record__parse_value(struct vlog_record *r, enum vlog_stat id, const char *text)
{
	char *end;

	if ((unsigned)id >= VLOG_STAT_CNT)
		return bg_err(-EINVAL);
	if (!text || !*text) {
		vlog_record__unset(r, id);
		return 0;
	}
	switch (stat_defs[id].kind) {
	case VLOG_KIND_INT: {
		long long v;

		errno = 0;
		v = strtoll(text, &end, 10);
		if (errno || *end)
			return bg_err(-BPFGAUGE_EBADFORMAT);
		vlog_record__set_int(r, id, v);
		return 0;
	}
	case VLOG_KIND_PCT: {
		double d;

		errno = 0;
		d = strtod(text, &end);
		if (errno || *end || !isfinite(d) || d > VLOG_PCT_MAX || d < -VLOG_PCT_MAX)
			return bg_err(-BPFGAUGE_EBADFORMAT);
		vlog_record__set_pct(r, id, d);
		return 0;
	}
	case VLOG_KIND_STR:
		return vlog_record__set_str(r, id, text);
	case VLOG_KIND_ENUM:
		if (id == VLOG_STAT_VERDICT) {
			int v;

			if (!strcasecmp(text, "pass") || !strcasecmp(text, "success"))
				v = VLOG_VERDICT_PASS;
			else if (!strcasecmp(text, "fail") || !strcasecmp(text, "failure"))
				v = VLOG_VERDICT_FAIL;
			else if (!strcasecmp(text, "unknown"))
				v = VLOG_VERDICT_UNKNOWN;
			else
				return bg_err(-BPFGAUGE_EBADFORMAT);
			vlog_record__set_int(r, id, v);
		} else {
			int c = vlog_class_parse(text);

			if (c < 0)
				return bg_err(-BPFGAUGE_EBADFORMAT);
			vlog_record__set_int(r, id, c);
		}
		return 0;
	}
	return bg_err(-EINVAL);
}

void vlog_record__finalize(struct vlog_record *r)
{
	int64_t limit = vlog_record__has(r, VLOG_STAT_INSN_LIMIT)
				? vlog_record__int(r, VLOG_STAT_INSN_LIMIT)
				: VLOG_DEFAULT_LIMIT;
	enum vlog_class cls;

	if (limit <= 0)
		limit = VLOG_DEFAULT_LIMIT;
	if (vlog_record__has(r, VLOG_STAT_INSNS))
		vlog_record__set_pct(r, VLOG_STAT_INSNS_PCT,
				     100.0 * vlog_record__int(r, VLOG_STAT_INSNS) / limit);
	if (vlog_record__has(r, VLOG_STAT_STACK_MAX))
		vlog_record__set_pct(r, VLOG_STAT_STACK_PCT,
				     100.0 * vlog_record__int(r, VLOG_STAT_STACK_MAX) /
					     VLOG_STACK_LIMIT);
	if (!vlog_record__has(r, VLOG_STAT_CLASS)) {
		if (vlog_record__int(r, VLOG_STAT_VERDICT) == VLOG_VERDICT_PASS)
			vlog_record__set_int(r, VLOG_STAT_CLASS, VLOG_CLASS_NONE);
		else if (vlog_record__int(r, VLOG_STAT_VERDICT) == VLOG_VERDICT_FAIL)
			vlog_record__set_int(r, VLOG_STAT_CLASS,
					     vlog_classify_msg(vlog_record__str(r, VLOG_STAT_ERROR)));
	}
	cls = vlog_record__int(r, VLOG_STAT_CLASS);
	if (!vlog_record__has(r, VLOG_STAT_HINT) && cls != VLOG_CLASS_NONE &&
	    vlog_record__has(r, VLOG_STAT_CLASS))
		vlog_record__set_str(r, VLOG_STAT_HINT, vlog_class_hint(cls));
}

int vlog_record__cmp(const struct vlog_record *a, const struct vlog_record *b,
		     enum vlog_stat id)
{
	bool ha = vlog_record__has(a, id), hb = vlog_record__has(b, id);

	if (!ha || !hb)
		return ha == hb ? 0 : (ha ? -1 : 1);
	if (stat_defs[id].kind == VLOG_KIND_STR) {
		return strcmp(a->v[id].s ? a->v[id].s : "", b->v[id].s ? b->v[id].s : "");
	}
	if (stat_defs[id].kind == VLOG_KIND_PCT)
		return a->v[id].d < b->v[id].d ? -1 : a->v[id].d > b->v[id].d;
	return a->v[id].i < b->v[id].i ? -1 : a->v[id].i > b->v[id].i;
}
