/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the coverage mapping reader and the model: the
 * input is one mapping record, optionally followed by a NUL and the bytes
 * to fill the probes with; or, when it starts with the ELF magic, a whole
 * object for the ELF reader (chunk symbols and the legacy section). A record that parses is turned into
 * counts (hits inference or flow conservation), written as lcov and read
 * back: what the writer produces must always be readable. Built with
 * FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, so the record hash is not
 * checked (mutations would never match it). Seeds: the records of the
 * example objects (scripts/fuzz.sh extracts them).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cov_internal.h"
#include "cov_writers.h"
#include "fuzz_common.h"

static void check_lcov_roundtrip(const struct cov_model *m)
{
	struct cov_model **tests = NULL;
	char *buf = NULL;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	if (cov_writer_lcov.write(f, m))
		abort();
	fclose(f);
	if (!len) { /* a model without files writes nothing */
		free(buf);
		return;
	}
	f = fmemopen(buf, len, "r");
	if (f && cov_lcov_read_tests_file(f, "roundtrip", &tests, &n))
		abort(); /* the lcov writer wrote what the reader refuses */
	if (f)
		fclose(f);
	cov_tests_free(tests, n);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	const uint8_t *fill = nul ? nul + 1 : NULL;
	size_t nfill = nul ? size - tlen - 1 : 0;
	struct cov_module mod;
	struct cov_mapping map = { .name = "fuzz", .nmods = 1, .mods = &mod };

	fuzz_init();
	/* a whole object: the ELF reader, its symbol table and chunk symbols */
	if (size >= 4 && !memcmp(data, "\x7f" "ELF", 4)) {
		struct cov_mapping *m = NULL;

		if (!cov_mapping__from_mem(data, size, "fuzz.o", &m))
			cov_mapping__free(m);
		return 0;
	}
	if (cov_module_parse((const char *)data, tlen, "fuzz", &mod))
		return 0;
	{
		uint64_t seg = bpfgauge_seg_size(mod.mode, mod.nprobes);
		unsigned char *v = seg <= (1u << 20) ? calloc(1, seg) : NULL;
		struct bpfgauge_seg_hdr hdr = {
			.magic = BPFGAUGE_SEG_MAGIC, .version = BPFGAUGE_ABI_VERSION,
			.mode = (uint8_t)mod.mode, .nprobes = mod.nprobes, .hash = mod.hash,
		};

		if (v) {
			struct cov_model *m = cov_model__new("t");

			memcpy(v, &hdr, sizeof(hdr));
			for (size_t i = sizeof(hdr); i < seg; i++)
				v[i] = nfill ? fill[(i - sizeof(hdr)) % nfill] : 1;
			if (m && !cov_model__add_counters(m, &map, v, seg, NULL))
				check_lcov_roundtrip(m);
			cov_model__free(m);
			free(v);
		}
	}
	cov_module_release(&mod);
	return 0;
}
