/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the text inputs bpfgauge reads: the first byte
 * picks the verifier-log parser (fed in chunks whose size comes from the
 * input, with hotspots on), the record-set reader (JSON/CSV), or the gate
 * policy parser. Run longer with:
 *   scripts/fuzz.sh 3600   (or build/tests/fuzz/fuzz_vlog CORPUS_DIR tests/fuzz/seeds/vlog)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/vgate.h"
#include "bpfgauge/vlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vlog_parser_opts o = { .sz = sizeof(o), .hotspots = true };
	struct vlog_record *r = NULL, **recs = NULL;
	size_t n = 0, chunk;

	if (size < 1)
		return 0;
	bpfgauge_set_print(NULL);
	switch (data[0] % 3) {
	case 0: {
		struct vlog_parser *p = vlog_parser__new(&o);
		const struct vlog_hotspot *hs;

		chunk = 1 + (size > 1 ? data[1] : 0);
		for (size_t off = 1; off < size; off += chunk)
			vlog_parser__feed(p, (const char *)data + off,
					  size - off < chunk ? size - off : chunk);
		if (!vlog_parser__finish(p, &r)) {
			char buf[256];

			for (int i = 0; i < VLOG_STAT_CNT; i++)
				vlog_record__format(r, i, buf, sizeof(buf));
			hs = vlog_parser__hotspots(p, &n, NULL);
			for (size_t i = 0; hs && i < n; i++)
				if (!hs[i].file || hs[i].line < 0)
					abort();
		}
		vlog_record__free(r);
		vlog_parser__free(p);
		break;
	}
	case 1:
		if (!vlog_records_parse((const char *)data + 1, size - 1, "fuzz", &recs, &n))
			vlog_records_free(recs, n);
		break;
	case 2: {
		char *s = strndup((const char *)data + 1, size - 1);
		struct vpolicy *pol;

		if (s && !vpolicy_parse(s, "fuzz", &pol))
			vpolicy_free(pol);
		free(s);
		break;
	}
	}
	return 0;
}
