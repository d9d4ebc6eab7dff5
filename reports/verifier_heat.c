/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The "verifier heat" lcov file: processed insns per source line as DA
 * hit counts, so genhtml colours where the verifier spends its budget.
 */
#include <stdlib.h>
#include <string.h>

#include "lcov.h"
#include "verifier_report.h"

static int by_file_line(const void *a, const void *b)
{
	const struct vlog_hotspot *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	return c ? c : x->line - y->line;
}

int verifier_write_heat_lcov(FILE *f, const char *test_name, const struct vlog_hotspot *hs,
			     size_t n)
{
	struct vlog_hotspot *s = malloc((n ? n : 1) * sizeof(*s));
	size_t i = 0;

	if (!s)
		return -1;
	memcpy(s, hs, n * sizeof(*s));
	qsort(s, n, sizeof(*s), by_file_line);
	lcov_write_tn(f, test_name);
	while (i < n) {
		const char *file = s[i].file;
		size_t lf = 0, lh = 0;

		lcov_write_sf(f, file);
		for (; i < n && !strcmp(s[i].file, file); i++) {
			/* lines from a log are positive: the parser takes only digits */
			lcov_write_da(f, (uint32_t)s[i].line, s[i].insns);
			lf++;
			lh += s[i].insns > 0;
		}
		lcov_write_line_summary(f, lf, lh);
		lcov_write_end(f);
	}
	free(s);
	return ferror(f) ? -1 : 0;
}
