// SPDX-License-Identifier: BSD-2-Clause
/*
 * Root e2e: the examples built with the pass's -bpfgauge-section=data
 * (counters in the program's own .data, for loaders that take no other data
 * section; build dir bpf/llvm-N/data) load with libbpf, and in-process
 * collection (bpfgauge_cov_collect, which finds the counters through the
 * .data map's BTF DATASEC) gives exactly the annotated counts; reset zeroes
 * only the counters, and the objects have no .data.bpfgauge map at all.
 * With a global of the program's own in the same .data (built here with
 * `bpfgauge cc --section data`), the counters sit at a nonzero offset:
 * collection is still exact and reset leaves the global's bytes alone, both
 * in place (libbpf's mmapable .data) and by lookup and update (a .data map
 * without BPF_F_MMAPABLE, as cilium/ebpf 0.9.1 creates it).
 */
#include <bpf/btf.h>
#include <sys/stat.h>

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

/* After a reset: collection still finds every line, none of them run. */
static void check_zeroed(struct ex_loaded *l, const char *name)
{
	struct cov_model *m = e2e_collect(l, name);
	struct cov_summary s;

	ASSERT_TRUE(m != NULL);
	cov_model__summary(m, &s);
	ASSERT_TRUE(s.lines_found > 0);
	ASSERT_EQ_U64(s.lines_hit, 0);
	cov_model__free(m);
}

TEST(test_reset_shared_data)
{
	for (int i = 0; i < e2e.nmajors; i++) {
		const struct example *ex = ex_find("xdp_parse");
		struct ex_loaded l;
		struct cov_model *m;
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
		check_zeroed(&l, ex->name);
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

static const uint64_t own_init[3] = { 0x1111, 0x2222, 0x3333 };

/* The bytes of DATASEC var name (or the first var starting with it, when
 * prefix) in map value (size bytes), or NULL. */
static const void *var_in_value(const struct bpf_object *obj, const struct bpf_map *map,
				const char *name, bool prefix, const void *value, uint32_t size,
				uint32_t *vsize)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
	const struct btf_var_secinfo *vs;

	if (!t || !btf_is_datasec(t))
		return NULL;
	vs = btf_var_secinfos(t);
	for (int i = 0; i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);
		const char *n = btf__name_by_offset(btf, v->name_off);

		if ((prefix ? !strncmp(n, name, strlen(name)) : !strcmp(n, name)) &&
		    vs->offset + vs->size <= size) {
			*vsize = vs->size;
			return (const char *)value + vs->offset;
		}
	}
	return NULL;
}

/* The program's own global is still own_init (reset must not touch it), and
 * the counter segment, elsewhere in the same value, keeps its header. */
static void check_own_global(const struct ex_loaded *l, bool mmapable)
{
	static unsigned char value[1 << 16];
	struct bpf_map *map, *data = NULL;
	const void *own, *cnt;
	uint32_t zero = 0, osize = 0, csize = 0, magic;

	bpf_object__for_each_map(map, l->obj) {
		size_t n = strlen(bpf_map__name(map));

		if (n >= 5 && !strcmp(bpf_map__name(map) + n - 5, ".data"))
			data = map;
	}
	ASSERT_TRUE(data != NULL);
	ASSERT_EQ_INT(!!(bpf_map__map_flags(data) & BPF_F_MMAPABLE), mmapable);
	ASSERT_TRUE(bpf_map__value_size(data) <= sizeof(value));
	ASSERT_EQ_INT(bpf_map_lookup_elem(bpf_map__fd(data), &zero, value), 0);
	own = var_in_value(l->obj, data, "bpfgauge_e2e_own", false, value, bpf_map__value_size(data),
			   &osize);
	ASSERT_TRUE(own != NULL);
	ASSERT_EQ_U64(osize, sizeof(own_init));
	ASSERT_TRUE(!memcmp(own, own_init, sizeof(own_init)));
	cnt = var_in_value(l->obj, data, BPFGAUGE_COUNTER_SYM_PREFIX, true, value,
			   bpf_map__value_size(data), &csize);
	ASSERT_TRUE(cnt != NULL);
	ASSERT_TRUE(cnt != own); /* the layout under test: not at the value's start */
	ASSERT_TRUE(csize >= sizeof(struct bpfgauge_seg_hdr));
	memcpy(&magic, cnt, sizeof(magic));
	ASSERT_EQ_U64(magic, BPFGAUGE_SEG_MAGIC);
}

/* xdp_parse with its .data map created without BPF_F_MMAPABLE. */
static int no_mmap(struct bpf_object *obj, char *err, size_t errsz)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		size_t n = strlen(bpf_map__name(map));

		if (n >= 5 && !strcmp(bpf_map__name(map) + n - 5, ".data"))
			return bpf_map__set_map_flags(map, bpf_map__map_flags(map) & ~BPF_F_MMAPABLE);
	}
	snprintf(err, errsz, "no .data map");
	return -ENOENT;
}

static const struct example ex_nommap = { "xdp_parse", no_mmap, xdp_run };

/* A failed assertion leaves the test by longjmp: the temp dir goes at exit. */
static char shared_tmp[] = "/tmp/bgshared.XXXXXX";

static void shared_tmp_remove(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", shared_tmp);
	if (system(cmd))
		fprintf(stderr, "note: could not remove %s\n", shared_tmp);
}

TEST(test_program_global_shares_data)
{
	const char *bg = getenv("BPFGAUGE");
	char *dir = shared_tmp, cmd[16384], hdr[64], err[512];
	const struct example *ex = ex_find("xdp_parse");
	struct ex_loaded l;
	struct cov_model *m;
	int major = 0;
	FILE *f;

	for (int i = 0; i < e2e.nmajors && !major; i++)
		if (e2e_have(e2e.majors[i], "data"))
			major = e2e.majors[i];
	ASSERT_TRUE(major > 0);
	ASSERT_TRUE(bg != NULL);
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	atexit(shared_tmp_remove);
	snprintf(hdr, sizeof(hdr), "%s/own.h", dir);
	f = fopen(hdr, "w");
	ASSERT_TRUE(f != NULL);
	fprintf(f, "unsigned long long bpfgauge_e2e_own[3] = { 0x%llx, 0x%llx, 0x%llx };\n",
		(unsigned long long)own_init[0], (unsigned long long)own_init[1],
		(unsigned long long)own_init[2]);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "'%s' cc --mode counts --section data -- clang-%d -g -O2 -target bpf "
		 "-D__TARGET_ARCH_x86 -I'%s/bpf/include' -I'%s/bpf/examples' "
		 "-idirafter /usr/include/x86_64-linux-gnu -include '%s' -c "
		 "'%s/bpf/examples/xdp_parse.bpf.c' -o '%s/xdp_parse.bpf.o'",
		 bg, major, e2e.src, e2e.src, hdr, e2e.src, dir);
	if (system(cmd))
		BG_FAIL("%s failed", "bpfgauge cc --section data with a program global");
	/* libbpf's mmapable .data (reset in place), then one without the flag,
	 * as cilium/ebpf 0.9.1 creates it (reset by lookup and update) */
	for (int mm = 1; mm >= 0; mm--) {
		const struct example *use = mm ? ex : &ex_nommap;

		m = e2e_run_one(dir, use, 1, &l);
		e2e_check(m, ANNOT_COUNTS, 1, "xdp_parse.bpf.c", "program global + counters in .data");
		cov_model__free(m);
		check_own_global(&l, mm);
		ASSERT_EQ_INT(bpfgauge_cov_reset(l.obj), 0);
		check_own_global(&l, mm);
		check_zeroed(&l, ex->name);
		if (ex_run(&l, 2, err, sizeof(err))) {
			ex_unload(&l);
			BG_FAIL("%s", err);
		}
		m = e2e_collect(&l, ex->name);
		ASSERT_TRUE(m != NULL);
		e2e_check(m, ANNOT_COUNTS, 2, "xdp_parse.bpf.c",
			  mm ? "program global, reset in place, run twice"
			     : "program global, not mmapable, reset, run twice");
		cov_model__free(m);
		ex_unload(&l);
	}
}

int main(void)
{
	e2e_init("data");
	RUN_TEST(test_annotations_shared_data);
	RUN_TEST(test_reset_shared_data);
	RUN_TEST(test_program_global_shares_data);
	return bg_test_summary();
}
