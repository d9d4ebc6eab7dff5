/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the record-set readers (`verifier compare`, `gate`,
 * `stats --input`): built twice, as fuzz_csv (FUZZ_FORMAT_CSV: the input
 * is read as CSV) and fuzz_json (JSON). What the reader accepts is written
 * back in the same format and must read back into as many records: the
 * output format doubles as storage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/vlog.h"
#include "fuzz_common.h"
#include "verifier_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vlog_record **recs = NULL, **again = NULL;
	size_t n = 0, n2 = 0, len = 0;
	char *in, *out = NULL;
	int fields[VLOG_STAT_CNT];
	struct vreport_opts o = { fields, VLOG_STAT_CNT, false };
	FILE *f;

	fuzz_init();
	/* JSON starts with { or [; anything else is taken as CSV */
	in = malloc(size + 2);
	if (!in)
		return 0;
#ifdef FUZZ_FORMAT_CSV
	in[0] = size && (data[0] == '{' || data[0] == '[') ? ' ' : (char)(size ? data[0] : ' ');
#else
	in[0] = size && data[0] == '[' ? '[' : '{';
#endif
	if (size)
		memcpy(in + 1, data + 1, size - 1);
	in[size ? size : 1] = '\0';
	for (int i = 0; i < VLOG_STAT_CNT; i++)
		fields[i] = i;
	if (!vlog_records_parse(in, size ? size : 1, "fuzz", &recs, &n)) {
		char buf[256];

		for (size_t i = 0; i < n; i++)
			for (int s = 0; s < VLOG_STAT_CNT; s++)
				vlog_record__format(recs[i], s, buf, sizeof(buf));
		f = open_memstream(&out, &len);
#ifdef FUZZ_FORMAT_CSV
		if (f && verifier_write_csv(f, recs, n, &o))
			abort();
#else
		if (f && verifier_write_json(f, recs, n, &o))
			abort();
#endif
		if (f)
			fclose(f);
		if (out && n && vlog_records_parse(out, len, "again", &again, &n2))
			abort(); /* wrote what it cannot read back */
		if (again && n2 != n)
			abort();
		vlog_records_free(again, n2);
		vlog_records_free(recs, n);
		free(out);
	}
	free(in);
	return 0;
}
