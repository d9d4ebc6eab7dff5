// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loads many instrumented BPF objects and keeps them loaded so that
 * 'bpfgauge cov report' can be timed collecting from all of them at once.
 * An object that fails to load whole (selftests often need a particular
 * attach target) is loaded again with no program, which still creates its
 * .data.bpfgauge counter map; both are counted. Once everything is loaded it
 * writes "ready" to FIFO and holds until the reader closes it.
 *   bench_hold FIFO OBJ...   (prints "objects N full A maps_only B failed C")
 *   bench_hold --openable OBJ...   prints the OBJs libbpf can open, one a line
 *   ('bpfgauge verifier stats' stops at the first object it cannot open, e.g.
 *   the selftests' objects meant for static linking).
 */
#include <bpf/libbpf.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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
		/* libbpf 1.1 crashes on struct_ops maps whose programs are not loaded */
		bpf_object__for_each_map(m, obj)
			if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS)
				bpf_map__set_autocreate(m, false);
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
	int i, full = 0, maps = 0, failed = 0, fd;
	struct pollfd pfd;

	if (argc < 3) {
		fprintf(stderr, "Usage: bench_hold FIFO OBJ...\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
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
	for (i = 2; i < argc; i++) {
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
	printf("objects %d full %d maps_only %d failed %d\n", argc - 2, full, maps, failed);
	fflush(stdout);
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "bench_hold: cannot open '%s': %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (write(fd, "ready\n", 6) != 6)
		return 2;
	pfd.fd = fd;
	pfd.events = 0;
	while (poll(&pfd, 1, -1) >= 0 && !(pfd.revents & (POLLERR | POLLHUP)))
		;
	for (i = 2; i < argc; i++)
		bpf_object__close(objs[i]);
	free(objs);
	return 0;
}
