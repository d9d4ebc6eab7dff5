/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Verifier records through the compat rules: a load-time EPERM, EINVAL or
 * ENOTSUPP that a rule explains from a kernel's facts (a kconfig symbol,
 * refused trampolines...) is classed "kernel" with the cause as its hint,
 * instead of "run as root" for an EPERM that root gets too. Shared by
 * `verifier stats` (the host's facts) and the matrix (each cell's kernel).
 */
#include <errno.h>
#include <stdio.h>

#include "bpfgauge/compat.h"
#include "bpfgauge/vlog.h"

bool compat_record_needs_kernel(const struct vlog_record *r)
{
	int err = vlog_record__int(r, VLOG_STAT_ERRNO);
	enum vlog_class cls = vlog_record__int(r, VLOG_STAT_CLASS);

	return vlog_record__int(r, VLOG_STAT_VERDICT) == VLOG_VERDICT_FAIL &&
	       (err == EPERM || err == EINVAL || err == COMPAT_ENOTSUPP) &&
	       (cls == VLOG_CLASS_PERM || cls == VLOG_CLASS_OTHER || cls == VLOG_CLASS_HELPER);
}

size_t compat_explain_records(const struct compat_kernel *k, struct vlog_record *const *recs,
			      size_t n)
{
	size_t explained = 0;

	for (size_t i = 0; k && i < n; i++) {
		int err = vlog_record__int(recs[i], VLOG_STAT_ERRNO);
		char cause[512];

		if (!compat_record_needs_kernel(recs[i]))
			continue;
		if (compat_explain_load_error(k, vlog_record__str(recs[i], VLOG_STAT_PROG_TYPE),
					      vlog_record__str(recs[i], VLOG_STAT_ATTACH_TYPE), err,
					      cause, sizeof(cause))) {
			vlog_record__set_int(recs[i], VLOG_STAT_CLASS, VLOG_CLASS_KERNEL);
			vlog_record__set_str(recs[i], VLOG_STAT_HINT, cause);
			explained++;
		}
	}
	return explained;
}
