/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for `verifier gate` and `compare`: the input is a
 * policy, a NUL, the baseline records, a NUL, the new records (JSON or
 * CSV). The policy is parsed, the record sets joined and the gate
 * evaluated and rendered in every format, as the CLI does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/vgate.h"
#include "bpfgauge/vlog.h"
#include "fuzz_common.h"
#include "verifier_report.h"

static const char *const gate_fmts[] = { "text", "markdown", "junit", "github", "json" };
static const char *const cmp_fmts[] = { "table", "csv", "json" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 3), *pol_text, *a_text, *b_text;
	struct vlog_record **a = NULL, **b = NULL;
	struct vcompare_row *rows = NULL;
	struct vgate_result res = { 0 };
	struct vpolicy *pol = NULL;
	size_t na = 0, nb = 0, nrows = 0;
	int fields[VLOG_STAT_CNT];
	struct vreport_opts o = { fields, VLOG_STAT_CNT, false };
	FILE *null;

	fuzz_init();
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = buf[size + 2] = '\0';
	pol_text = buf;
	a_text = pol_text + strlen(pol_text) + 1;
	b_text = a_text + strlen(a_text) + 1;
	for (int i = 0; i < VLOG_STAT_CNT; i++)
		fields[i] = i;
	null = fopen("/dev/null", "w");
	if (!null || vpolicy_parse(pol_text, "fuzz", &pol))
		goto out;
	if (vlog_records_parse(a_text, strlen(a_text), "a", &a, &na) ||
	    vlog_records_parse(b_text, strlen(b_text), "b", &b, &nb))
		goto out;
	if (vcompare_join(a, na, b, nb, &rows, &nrows))
		goto out;
	for (size_t i = 0; i < nrows; i++)
		for (int s = 0; s < VLOG_STAT_CNT; s++)
			for (int v = VCMP_A; v <= VCMP_PCT; v++) {
				double d;

				vcompare_value(&rows[i], s, v, &d);
			}
	for (size_t i = 0; i < sizeof(cmp_fmts) / sizeof(cmp_fmts[0]); i++)
		verifier_write_compare(cmp_fmts[i], null, rows, nrows, &o);
	if (vgate_eval(pol, rows, nrows, &res))
		goto out;
	for (size_t i = 0; i < sizeof(gate_fmts) / sizeof(gate_fmts[0]); i++)
		verifier_write_gate(gate_fmts[i], null, &res, rows, nrows, false, NULL);
out:
	vgate_result_release(&res);
	free(rows);
	vlog_records_free(a, na);
	vlog_records_free(b, nb);
	vpolicy_free(pol);
	if (null)
		fclose(null);
	free(buf);
	return 0;
}
