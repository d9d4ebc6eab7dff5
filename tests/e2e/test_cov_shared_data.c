// SPDX-License-Identifier: BSD-2-Clause
/*
 * Root e2e: the examples built with the pass's -bpfgauge-section=data
 * (counters in the program's own .data, for loaders that take no other data
 * section; build dir bpf/llvm-N/data) load with libbpf, and in-process
 * collection (bpfgauge_cov_collect, which finds the counters through the
 * .data map's BTF DATASEC) gives exactly the annotated counts; reset zeroes
 * only the counters, and the objects have no .data.bpfgauge map at all.
 */
#include "test_cov_common.h"

TEST(test_annotations_shared_data)
{
	char failed[256] = "";
	int i, checked = 0;

	for (i = 0; i < e2e.nmajors; i++) {
		struct cov_model *m;
		char what[64];

		if (!e2e_have(e2e.majors[i], "data"))
			continue;
		snprintf(what, sizeof(what), "LLVM %d counts in .data", e2e.majors[i]);
		m = e2e_run_all(e2e.majors[i], "data", 1);
		if (e2e_check_quiet(m, ANNOT_COUNTS, 1, NULL, what))
			snprintf(failed + strlen(failed), sizeof(failed) - strlen(failed), "%s%s",
				 failed[0] ? ", " : "", what);
		cov_model__free(m);
		checked++;
	}
	ASSERT_TRUE(checked > 0);
	if (failed[0])
		BG_FAIL("mismatches against the annotations in: %s", failed);
}

/* The counters share the .data map (libbpf names it "<obj>.data"). */
static void check_maps(const struct ex_loaded *l)
{
	struct bpf_map *map;
	int data = 0;

	bpf_object__for_each_map(map, l->obj) {
		const char *name = bpf_map__name(map);
		size_t n = strlen(name);

		ASSERT_TRUE(strcmp(name, BPFGAUGE_COUNTER_SEC) != 0);
		if (n >= 5 && !strcmp(name + n - 5, ".data"))
			data++;
	}
	ASSERT_EQ_INT(data, 1);
}

TEST(test_reset_shared_data)
{
	for (int i = 0; i < e2e.nmajors; i++) {
		const struct example *ex = ex_find("xdp_parse");
		struct ex_loaded l;
		struct cov_model *m;
		struct cov_summary s;
		char dir[4096], err[512];

		if (!e2e_have(e2e.majors[i], "data"))
			continue;
		e2e_dir(dir, sizeof(dir), e2e.majors[i], "data");
		/* Twice without reset: doubled. */
		m = e2e_run_one(dir, ex, 1, &l);
		cov_model__free(m);
		check_maps(&l);
		if (ex_run(&l, 1, err, sizeof(err))) {
			ex_unload(&l);
			BG_FAIL("%s", err);
		}
		m = e2e_collect(&l, ex->name);
		ASSERT_TRUE(m != NULL);
		e2e_check(m, ANNOT_COUNTS, 2, "xdp_parse.bpf.c", "shared .data, run twice");
		cov_model__free(m);
		/* Reset keeps the segment headers (collect still finds them). */
		ASSERT_EQ_INT(bpfgauge_cov_reset(l.obj), 0);
		m = e2e_collect(&l, ex->name);
		ASSERT_TRUE(m != NULL);
		cov_model__summary(m, &s);
		ASSERT_TRUE(s.lines_found > 0);
		ASSERT_EQ_U64(s.lines_hit, 0);
		cov_model__free(m);
		if (ex_run(&l, 1, err, sizeof(err))) {
			ex_unload(&l);
			BG_FAIL("%s", err);
		}
		m = e2e_collect(&l, ex->name);
		ASSERT_TRUE(m != NULL);
		e2e_check(m, ANNOT_COUNTS, 1, "xdp_parse.bpf.c", "shared .data, reset, run once");
		cov_model__free(m);
		ex_unload(&l);
	}
}

int main(void)
{
	e2e_init("data");
	RUN_TEST(test_annotations_shared_data);
	RUN_TEST(test_reset_shared_data);
	return bg_test_summary();
}
