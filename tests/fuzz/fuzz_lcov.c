/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the lcov tracefile reader (what `cov merge`,
 * `cov summary` and every `-o FILE.info` merge read). Whatever it accepts
 * is written back with the lcov writer; that output must read back and
 * write out byte for byte the same (merge is a fixed point), and the
 * Cobertura and JSON writers must not fail on it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cov_internal.h"
#include "cov_writers.h"
#include "fuzz_common.h"

static char *write_tests(struct cov_model **tests, size_t n, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (cov_writer_lcov.write(f, tests[i]))
			abort();
	fclose(f);
	return buf;
}

static void write_null(const struct cov_writer *w, const struct cov_model *m)
{
	FILE *f = fopen("/dev/null", "w");

	if (f) {
		if (w->write(f, m))
			abort();
		fclose(f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cov_model **t1 = NULL, **t2 = NULL;
	size_t n1 = 0, n2 = 0, l1 = 0, l2 = 0;
	char *o1, *o2;
	FILE *f;

	fuzz_init();
	f = fmemopen((void *)data, size ? size : 1, "r");
	if (!f)
		return 0;
	if (size && !cov_lcov_read_tests_file(f, "fuzz", &t1, &n1)) {
		o1 = write_tests(t1, n1, &l1);
		write_null(&cov_writer_cobertura, t1[0]);
		write_null(&cov_writer_json, t1[0]);
		if (o1) {
			FILE *g = fmemopen(o1, l1 ? l1 : 1, "r");

			if (l1 && cov_lcov_read_tests_file(g, "again", &t2, &n2))
				abort(); /* wrote what it cannot read */
			if (l1) {
				o2 = write_tests(t2, n2, &l2);
				if (!o2 || l1 != l2 || memcmp(o1, o2, l1))
					abort(); /* read(write(x)) lost or changed data */
				free(o2);
			}
			fclose(g);
		}
		free(o1);
		cov_tests_free(t2, n2);
		cov_tests_free(t1, n1);
	}
	fclose(f);
	return 0;
}
