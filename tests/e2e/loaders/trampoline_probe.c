/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A minimal loader for guests of another architecture: it loads every
 * fentry/fexit/lsm program of one BPF object and attaches it the way libbpf
 * does (BTF id of the target from /sys/kernel/btf/vmlinux, BPF_PROG_LOAD
 * as BPF_PROG_TYPE_TRACING or _LSM, then BPF_RAW_TRACEPOINT_OPEN), detaches
 * at once, and prints one line per program:
 *
 *   prog NAME SECTION load ERRNO attach ERRNO
 *
 * with positive errnos (0 = success, "-" = not tried). It needs nothing
 * but libc, so it cross-builds static for aarch64 with Debian's
 * gcc-aarch64-linux-gnu, where bpfgauge itself would need arm64 libbpf,
 * libelf and zlib. Programs with relocations are reported as
 * "skip ... relocations" (they need a real loader). Exit 0 when every
 * program was tried, 2 on bad input.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);
	size_t off = 0;

	if (fd < 0 || fstat(fd, &st))
		return NULL;
	/* sysfs files report 4096 or the real size: read until EOF */
	size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 1 << 20;
	buf = malloc(cap);
	while (buf) {
		ssize_t r;

		if (off == cap) {
			char *b = realloc(buf, cap * 2);

			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
		r = read(fd, buf + off, cap - off);
		if (r < 0) {
			free(buf);
			buf = NULL;
			break;
		}
		if (r == 0)
			break;
		off += r;
	}
	close(fd);
	*len = off;
	return buf;
}

struct btf_hdr {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
};

/* The type id of FUNC name in raw BTF, 0 if absent, -1 if the BTF is bad. */
static long btf_func_id(const char *btf, size_t len, const char *name)
{
	const struct btf_hdr *h = (const void *)btf;
	const char *types, *strs, *p, *end;
	long id = 1;

	if (len < sizeof(*h) || h->magic != 0xeb9f ||
	    (size_t)h->hdr_len + h->str_off + h->str_len > len ||
	    (size_t)h->hdr_len + h->type_off + h->type_len > len)
		return -1;
	types = btf + h->hdr_len + h->type_off;
	strs = btf + h->hdr_len + h->str_off;
	end = types + h->type_len;
	for (p = types; p + 12 <= end; id++) {
		uint32_t name_off, info, kind, vlen;
		size_t extra = 0;

		memcpy(&name_off, p, 4);
		memcpy(&info, p + 4, 4);
		kind = (info >> 24) & 0x1f;
		vlen = info & 0xffff;
		switch (kind) {
		case 1: case 14: case 17: extra = 4; break;      /* INT, VAR, DECL_TAG */
		case 3: extra = 12; break;                        /* ARRAY */
		case 4: case 5: case 15: case 19: extra = 12 * (size_t)vlen; break;
		case 6: case 13: extra = 8 * (size_t)vlen; break; /* ENUM, FUNC_PROTO */
		default: break;
		}
		if (kind == 12 && name_off < h->str_len && !strcmp(strs + name_off, name))
			return id;
		p += 12 + extra;
	}
	return 0;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* libbpf's sections for trampoline programs; an LSM hook's BTF name is bpf_lsm_<hook> */
static const struct {
	const char *prefix;
	enum bpf_prog_type prog_type;
	enum bpf_attach_type type;
	unsigned int flags;
	const char *btf_prefix;
} kinds[] = {
	{ "fentry/", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, 0, "" },
	{ "fexit/", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, 0, "" },
	{ "fentry.s/", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, BPF_F_SLEEPABLE, "" },
	{ "fexit.s/", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, BPF_F_SLEEPABLE, "" },
	{ "lsm/", BPF_PROG_TYPE_LSM, BPF_LSM_MAC, 0, "bpf_lsm_" },
};

int main(int argc, char **argv)
{
	char *obj, *btf, log[4096];
	size_t olen, blen;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const char *shstr, *license = "GPL";
	const Elf64_Sym *syms = NULL;
	const char *symstr = NULL;
	size_t nsyms = 0;
	struct utsname u;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJ.bpf.o\n", argv[0]);
		return 2;
	}
	obj = slurp(argv[1], &olen);
	eh = (const void *)obj;
	if (!obj || olen < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_BPF ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) > olen || eh->e_shstrndx >= eh->e_shnum) {
		fprintf(stderr, "%s: not a 64-bit BPF ELF object\n", argv[1]);
		return 2;
	}
	btf = slurp("/sys/kernel/btf/vmlinux", &blen);
	if (!btf) {
		fprintf(stderr, "/sys/kernel/btf/vmlinux: %s\n", strerror(errno));
		return 2;
	}
	uname(&u);
	printf("release %s %s\n", u.release, u.machine);
	sh = (const void *)(obj + eh->e_shoff);
	shstr = obj + sh[eh->e_shstrndx].sh_offset;
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_SYMTAB && sh[i].sh_link < eh->e_shnum) {
			syms = (const void *)(obj + sh[i].sh_offset);
			nsyms = sh[i].sh_size / sizeof(*syms);
			symstr = obj + sh[sh[i].sh_link].sh_offset;
		}
		if (!strcmp(shstr + sh[i].sh_name, "license"))
			license = obj + sh[i].sh_offset;
	}
	for (int i = 0; i < eh->e_shnum; i++) {
		const char *sec = shstr + sh[i].sh_name, *name = sec, *target = NULL, *btf_prefix = "";
		char btf_name[256];
		union bpf_attr a;
		unsigned int flags = 0;
		enum bpf_prog_type prog_type = 0;
		enum bpf_attach_type type = 0;
		bool relocated = false;
		long id, fd, link;

		if (sh[i].sh_type != SHT_PROGBITS || !(sh[i].sh_flags & SHF_EXECINSTR))
			continue;
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && !target; k++)
			if (!strncmp(sec, kinds[k].prefix, strlen(kinds[k].prefix))) {
				target = sec + strlen(kinds[k].prefix);
				prog_type = kinds[k].prog_type;
				type = kinds[k].type;
				flags = kinds[k].flags;
				btf_prefix = kinds[k].btf_prefix;
			}
		if (!target)
			continue;
		for (size_t s = 0; s < nsyms; s++)
			if (syms[s].st_shndx == i && ELF64_ST_TYPE(syms[s].st_info) == STT_FUNC)
				name = symstr + syms[s].st_name;
		for (int r = 0; r < eh->e_shnum; r++)
			if (sh[r].sh_type == SHT_REL && sh[r].sh_info == (unsigned int)i)
				relocated = true;
		if (relocated) {
			printf("skip %s %s relocations\n", name, sec);
			continue;
		}
		snprintf(btf_name, sizeof(btf_name), "%s%s", btf_prefix, target);
		id = btf_func_id(btf, blen, btf_name);
		if (id < 0) {
			fprintf(stderr, "/sys/kernel/btf/vmlinux: bad BTF\n");
			return 2;
		}
		if (id == 0) { /* libbpf: "failed to find kernel BTF type ID" */
			printf("prog %s %s load %d attach -\n", name, sec, ESRCH);
			continue;
		}
		memset(&a, 0, sizeof(a));
		a.prog_type = prog_type;
		a.expected_attach_type = type;
		a.prog_flags = flags;
		a.attach_btf_id = id;
		a.insns = (uintptr_t)(obj + sh[i].sh_offset);
		a.insn_cnt = sh[i].sh_size / sizeof(struct bpf_insn);
		a.license = (uintptr_t)license;
		a.log_buf = (uintptr_t)log;
		a.log_size = sizeof(log);
		a.log_level = 1;
		snprintf(a.prog_name, sizeof(a.prog_name), "%s", name);
		log[0] = 0;
		fd = sys_bpf(BPF_PROG_LOAD, &a);
		if (fd < 0) {
			int err = errno;

			fprintf(stderr, "%s: load: %s\n%s\n", name, strerror(err), log);
			printf("prog %s %s load %d attach -\n", name, sec, err);
			continue;
		}
		memset(&a, 0, sizeof(a));
		a.raw_tracepoint.prog_fd = fd;
		link = sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &a);
		printf("prog %s %s load 0 attach %d\n", name, sec, link < 0 ? errno : 0);
		if (link >= 0)
			close(link);
		close(fd);
	}
	return 0;
}
