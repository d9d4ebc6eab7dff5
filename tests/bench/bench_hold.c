// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loads many instrumented BPF objects and keeps them loaded so that
 * 'bpfgauge cov report' can be timed collecting from all of them at once.
 * An object that fails to load whole (selftests often need a particular
 * attach target) is loaded again with no program, which still creates its
 * .data.bpfgauge counter map; both are counted. Once everything is loaded it
 * prints "objects N full A maps_only B failed C" and holds them until killed.
 *   bench_hold OBJ...
 *   bench_hold --openable OBJ...   prints the OBJs libbpf can open, one a line
 *   ('bpfgauge verifier stats' stops at the first object it cannot open, e.g.
 *   the selftests' objects meant for static linking).
 */
#include <bpf/libbpf.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int quiet(enum libbpf_print_level l, const char *f, va_list a)
{
	(void)l, (void)f, (void)a;
	return 0;
}

static struct bpf_object *load(const char *path, int progs)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	struct bpf_map *m;

	if (!obj)
		return NULL;
	if (!progs) {
		bpf_object__for_each_program(p, obj)
			bpf_program__set_autoload(p, false);
		/* libbpf 1.1 crashes loading struct_ops maps without their programs */
		bpf_object__for_each_map(m, obj)
			if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS) {
				bpf_object__close(obj);
				return NULL;
			}
	}
	if (bpf_object__load(obj)) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

int main(int argc, char **argv)
{
	struct bpf_object **objs;
	int i, full = 0, maps = 0, failed = 0;

	if (argc < 2) {
		fprintf(stderr, "Usage: bench_hold OBJ... | --openable OBJ...\n");
		return 2;
	}
	libbpf_set_print(quiet);
	if (!strcmp(argv[1], "--openable")) {
		for (i = 2; i < argc; i++) {
			struct bpf_object *obj = bpf_object__open_file(argv[i], NULL);

			if (obj)
				printf("%s\n", argv[i]);
			bpf_object__close(obj);
		}
		return 0;
	}
	objs = calloc(argc, sizeof(*objs));
	for (i = 1; i < argc; i++) {
		objs[i] = load(argv[i], 1);
		if (objs[i]) {
			full++;
			continue;
		}
		objs[i] = load(argv[i], 0);
		if (objs[i])
			maps++;
		else
			failed++;
	}
	printf("objects %d full %d maps_only %d failed %d\n", argc - 1, full, maps, failed);
	fflush(stdout);
	for (;;)
		pause(); /* the kernel frees everything when we are killed */
	return 0;
}
