/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for `history import` (JSON or CSV written by `history
 * export`) into an in-memory store; what it imports is exported again.
 * The store is emptied after every input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/store.h"
#include "fuzz_common.h"
#include "store_internal.h"

static struct store *st;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t imported = 0, skipped = 0;
	char *buf;

	fuzz_init();
	if (!st && store_open(":memory:", &st))
		abort();
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (!store_import(st, buf, size, "fuzz", &imported, &skipped) && imported) {
		FILE *null = fopen("/dev/null", "w");

		if (null) {
			store_export(st, NULL, 0, "json", null);
			store_export(st, NULL, 0, "csv", null);
			fclose(null);
		}
	}
	store_exec(st, "DELETE FROM records; DELETE FROM cells; DELETE FROM runs;");
	free(buf);
	return 0;
}
