/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The attach outcome of every program a matrix cell verified: on the
 * running kernel (the host, or a guest's static CLI) each program that
 * passed is loaded and attached for real by the compatibility check's live
 * side (compat_live_check_all) and detached at once; the host then names
 * the kconfig cause of a failure from that kernel's own facts (the host's,
 * or the config kept beside a guest's image) with the compat rules. An
 * outcome is one line, "attached", "not-attached: why", "failed ERRNO:
 * cause" or "load-failed ERRNO: detail", which mx_attach_parse splits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/compat.h"
#include "bpfgauge/matrix.h"
#include "bpfgauge_internal.h"

static const char *const outcome_names[] = {
	[MX_ATTACH_NONE] = "",
	[MX_ATTACH_OK] = "attached",
	[MX_ATTACH_NOT_TRIED] = "not-attached",
	[MX_ATTACH_FAILED] = "failed",
	[MX_ATTACH_LOAD_FAILED] = "load-failed",
};

const char *mx_attach_outcome_str(enum mx_attach_outcome o)
{
	return o < sizeof(outcome_names) / sizeof(outcome_names[0]) ? outcome_names[o] : "?";
}

void mx_attach_parse(const char *s, struct mx_attach *a)
{
	size_t w;

	memset(a, 0, sizeof(*a));
	if (!s || !*s)
		return;
	w = strcspn(s, " :");
	for (int o = MX_ATTACH_OK; o <= MX_ATTACH_LOAD_FAILED; o++)
		if (strlen(outcome_names[o]) == w && !strncmp(s, outcome_names[o], w))
			a->outcome = o;
	if (!a->outcome) {
		/* a newer bpfgauge's word: keep the text, call it unknown */
		snprintf(a->cause, sizeof(a->cause), "%s", s);
		return;
	}
	s += w;
	if (*s == ' ') {
		s++;
		w = strcspn(s, ":");
		snprintf(a->err, sizeof(a->err), "%.*s", (int)w, s);
		s += w;
	}
	if (*s == ':')
		s++;
	while (*s == ' ')
		s++;
	snprintf(a->cause, sizeof(a->cause), "%s", s);
}

/* "failed ENOTSUPP: why" from the live result (NULL: nothing to say). */
static char *outcome_of(const struct compat_live *l)
{
	/* libbpf may have said nothing: then no ": " */
	const char *sep = l->detail[0] ? ": " : "";
	char *s = NULL;
	int r;

	if (!l->done)
		return NULL;
	if (l->load_err)
		r = asprintf(&s, "%s %s%s%s", outcome_names[MX_ATTACH_LOAD_FAILED],
			     compat_errno_name(l->load_err), sep, l->detail);
	else if (l->attach_err)
		r = asprintf(&s, "%s %s%s%s", outcome_names[MX_ATTACH_FAILED],
			     compat_errno_name(l->attach_err), sep, l->detail);
	else if (!l->attach_tried)
		r = asprintf(&s, "%s%s%s", outcome_names[MX_ATTACH_NOT_TRIED], sep, l->detail);
	else
		r = asprintf(&s, "%s", outcome_names[MX_ATTACH_OK]);
	return r < 0 ? NULL : s;
}

int mx_attach_run(char *const *paths, size_t n, int jobs, struct mx_capture *cap)
{
	struct compat_result *res = NULL;
	size_t *rec_of = NULL, nres = 0;
	struct compat_prog **progs;
	size_t *nprogs;
	int err = 0;

	free(cap->attach);
	cap->attach = calloc(cap->n + 1, sizeof(*cap->attach));
	progs = calloc(n + 1, sizeof(*progs));
	nprogs = calloc(n + 1, sizeof(*nprogs));
	if (!cap->attach || !progs || !nprogs) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		bpfgauge_print_fn_t old = bpfgauge_set_print(NULL);

		/* an object that does not open has no record to attach: nothing new to say */
		if (compat_object_read(paths[i], &progs[i], &nprogs[i])) {
			progs[i] = NULL;
			nprogs[i] = 0;
		}
		bpfgauge_set_print(old);
	}
	res = calloc(cap->n + 1, sizeof(*res));
	rec_of = calloc(cap->n + 1, sizeof(*rec_of));
	if (!res || !rec_of) {
		err = -ENOMEM;
		goto out;
	}
	/* the programs that verified: the others have no attach to try */
	for (size_t k = 0; k < cap->n; k++) {
		const struct vlog_record *r = cap->recs[k];
		const char *file = vlog_record__str(r, VLOG_STAT_FILE);
		const char *prog = vlog_record__str(r, VLOG_STAT_PROG);

		if (vlog_record__int(r, VLOG_STAT_VERDICT) != VLOG_VERDICT_PASS || !file || !prog)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(paths[i], file))
				continue;
			for (size_t j = 0; j < nprogs[i]; j++)
				if (!strcmp(progs[i][j].name, prog)) {
					/* nothing predicted: the live check compares with "unknown" */
					res[nres].prog = &progs[i][j];
					res[nres].verdict = COMPAT_UNKNOWN;
					rec_of[nres++] = k;
					break;
				}
			break;
		}
	}
	if (nres) {
		size_t failed = 0;

		err = compat_live_check_all(res, nres, jobs, &failed);
		compat_live_finish();
		if (err)
			pr_warn("matrix: attach check of '%s' failed: %s", res[failed].prog->object,
				bpfgauge_strerror(err));
		err = 0; /* the others were checked; the failed one has no outcome */
	}
	for (size_t i = 0; i < nres; i++)
		cap->attach[rec_of[i]] = outcome_of(&res[i].live);
out:
	for (size_t i = 0; i < nres; i++)
		compat_result_release(&res[i]);
	free(res);
	free(rec_of);
	for (size_t i = 0; progs && i < n; i++)
		compat_progs_free(progs[i], nprogs[i]);
	free(progs);
	free(nprogs);
	return bg_err(err);
}

void mx_attach_explain(const char *kernel, const char *object, struct vlog_record *const *recs,
		       char **attach, size_t n)
{
	struct compat_kernel *k = NULL;
	struct compat_prog *progs = NULL;
	size_t nprogs = 0;
	bpfgauge_print_fn_t old;
	bool need = false;

	for (size_t i = 0; i < n && !need; i++)
		need = (attach && attach[i] && !strncmp(attach[i], "failed ", 7)) ||
		       compat_record_needs_kernel(recs[i]);
	if (!need)
		return;
	/* facts we cannot read only mean no cause: the live detail stays */
	old = bpfgauge_set_print(NULL);
	k = compat_kernel__load(kernel, NULL);
	if (k && compat_object_read(object, &progs, &nprogs))
		nprogs = 0;
	bpfgauge_set_print(old);
	/* load-time EPERM/EINVAL/ENOTSUPP: class "kernel", the cause as hint */
	compat_explain_records(k, recs, n);
	for (size_t i = 0; k && attach && i < n; i++) {
		const char *name = vlog_record__str(recs[i], VLOG_STAT_PROG);
		struct compat_result res = { 0 };
		struct mx_attach a;
		char *s;

		mx_attach_parse(attach[i], &a);
		if (a.outcome != MX_ATTACH_FAILED || !name)
			continue;
		for (size_t j = 0; j < nprogs; j++) {
			const char *ingress = compat_kernel__kconfig(k, "NET_SCH_INGRESS");

			if (strcmp(progs[j].name, name))
				continue;
			/*
			 * A guest boots without modules: with clsact built as one, tc
			 * cannot attach there, though it would on that kernel once the
			 * module loads. Not tried, rather than failed.
			 */
			if (progs[j].kind == COMPAT_KIND_TC && !compat_kernel__is_host(k) &&
			    ingress && !strcmp(ingress, "m") &&
			    asprintf(&s, "%s: tc needs clsact, a module on this kernel"
				     " (CONFIG_NET_SCH_INGRESS=m), and the guest loads no modules (%s)",
				     outcome_names[MX_ATTACH_NOT_TRIED], a.err) >= 0) {
				free(attach[i]);
				attach[i] = s;
				break;
			}
			/* the rule that predicts this very errno at attach names the cause */
			if (!compat_check(k, &progs[j], &res) &&
			    (res.verdict == COMPAT_FAIL_ATTACH || res.verdict == COMPAT_FAIL_LOAD) &&
			    !strcmp(compat_errno_name(res.err), a.err) && res.reason[0] &&
			    asprintf(&s, "%s %s: %s", outcome_names[MX_ATTACH_FAILED], a.err,
				     res.reason) >= 0) {
				free(attach[i]);
				attach[i] = s;
			}
			compat_result_release(&res);
			break;
		}
	}
	compat_progs_free(progs, nprogs);
	compat_kernel__free(k);
}
