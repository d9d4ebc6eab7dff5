/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What each program of a BPF object needs from a kernel: its kind and
 * attach target (from the section name, as libbpf reads it), its type and
 * flags (from libbpf), and the helpers and kfuncs it calls (from the ELF:
 * call instructions and their relocations). Helper calls made from .text
 * subprograms are counted for every program of the object, since which
 * program reaches them is known only after linking; kfuncs always count for
 * every program, since libbpf resolves all of an object's externs at load.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfgauge/elf_sniff.h"
#include "bpfgauge_internal.h"
#include "compat_internal.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/* libbpf's section prefixes, longest first where one prefixes another. */
static const struct {
	const char *prefix;
	enum compat_kind kind;
	bool ret;
} sec_kinds[] = {
	{ "kprobe.multi/", COMPAT_KIND_KPROBE_MULTI, false },
	{ "kretprobe.multi/", COMPAT_KIND_KPROBE_MULTI, true },
	{ "kprobe/", COMPAT_KIND_KPROBE, false },
	{ "kretprobe/", COMPAT_KIND_KPROBE, true },
	{ "ksyscall/", COMPAT_KIND_KSYSCALL, false },
	{ "kretsyscall/", COMPAT_KIND_KSYSCALL, true },
	{ "uprobe", COMPAT_KIND_UPROBE, false },
	{ "uretprobe", COMPAT_KIND_UPROBE, true },
	{ "tracepoint/", COMPAT_KIND_TRACEPOINT, false },
	{ "tp/", COMPAT_KIND_TRACEPOINT, false },
	{ "raw_tracepoint/", COMPAT_KIND_RAW_TP, false },
	{ "raw_tp/", COMPAT_KIND_RAW_TP, false },
	{ "raw_tracepoint.w/", COMPAT_KIND_RAW_TP, false },
	{ "raw_tp.w/", COMPAT_KIND_RAW_TP, false },
	{ "tp_btf/", COMPAT_KIND_TP_BTF, false },
	{ "fentry/", COMPAT_KIND_FENTRY, false },
	{ "fentry.s/", COMPAT_KIND_FENTRY, false },
	{ "fexit/", COMPAT_KIND_FENTRY, true },
	{ "fexit.s/", COMPAT_KIND_FENTRY, true },
	{ "fmod_ret/", COMPAT_KIND_FMOD_RET, false },
	{ "fmod_ret.s/", COMPAT_KIND_FMOD_RET, false },
	{ "freplace/", COMPAT_KIND_FREPLACE, false },
	{ "lsm/", COMPAT_KIND_LSM, false },
	{ "lsm.s/", COMPAT_KIND_LSM, false },
	{ "lsm_cgroup/", COMPAT_KIND_LSM, false },
	{ "iter/", COMPAT_KIND_ITER, false },
	{ "iter.s/", COMPAT_KIND_ITER, false },
	{ "xdp", COMPAT_KIND_XDP, false },
	{ "tcx/", COMPAT_KIND_TC, false },
	{ "tc", COMPAT_KIND_TC, false },
	{ "classifier", COMPAT_KIND_TC, false },
	{ "action", COMPAT_KIND_TC, false },
	{ "cgroup_skb/", COMPAT_KIND_CGROUP, false },
	{ "cgroup_sock", COMPAT_KIND_CGROUP, false },
	{ "cgroup", COMPAT_KIND_CGROUP, false },
	{ "usdt", COMPAT_KIND_UPROBE, false },
	{ "kprobe", COMPAT_KIND_KPROBE, false }, /* no target in the section: set at runtime */
	{ "sockops", COMPAT_KIND_CGROUP, false },
	{ "struct_ops", COMPAT_KIND_STRUCT_OPS, false },
	{ "perf_event", COMPAT_KIND_PERF_EVENT, false },
	{ "socket", COMPAT_KIND_SOCKET, false },
	{ "sk_skb", COMPAT_KIND_SOCKET, false },
	{ "sk_msg", COMPAT_KIND_SOCKET, false },
};

static const char *const kind_names[COMPAT_KIND_CNT] = {
	[COMPAT_KIND_OTHER] = "other",        [COMPAT_KIND_KPROBE] = "kprobe",
	[COMPAT_KIND_KSYSCALL] = "ksyscall",  [COMPAT_KIND_KPROBE_MULTI] = "kprobe.multi",
	[COMPAT_KIND_UPROBE] = "uprobe",      [COMPAT_KIND_TRACEPOINT] = "tracepoint",
	[COMPAT_KIND_RAW_TP] = "raw_tp",      [COMPAT_KIND_TP_BTF] = "tp_btf",
	[COMPAT_KIND_FENTRY] = "fentry",      [COMPAT_KIND_FMOD_RET] = "fmod_ret",
	[COMPAT_KIND_FREPLACE] = "freplace",  [COMPAT_KIND_LSM] = "lsm",
	[COMPAT_KIND_ITER] = "iter",          [COMPAT_KIND_XDP] = "xdp",
	[COMPAT_KIND_TC] = "tc",              [COMPAT_KIND_CGROUP] = "cgroup",
	[COMPAT_KIND_STRUCT_OPS] = "struct_ops", [COMPAT_KIND_PERF_EVENT] = "perf_event",
	[COMPAT_KIND_SOCKET] = "socket",
};

const char *compat_kind_name(enum compat_kind kind)
{
	return kind >= 0 && kind < COMPAT_KIND_CNT && kind_names[kind] ? kind_names[kind] : "other";
}

static void classify(struct compat_prog *p)
{
	const char *sec = p->section;

	if (*sec == '?') /* libbpf: not autoloaded unless asked; same kind */
		sec++;

	for (size_t i = 0; i < sizeof(sec_kinds) / sizeof(sec_kinds[0]); i++) {
		size_t l = strlen(sec_kinds[i].prefix);

		if (strncmp(sec, sec_kinds[i].prefix, l))
			continue;
		/* "xdp" must not take "xdp.frags/..."-less names like "xdpfoo" */
		if (sec_kinds[i].prefix[l - 1] != '/' && sec[l] && sec[l] != '/' && sec[l] != '.')
			continue;
		p->kind = sec_kinds[i].kind;
		/* libbpf sets BPF_F_SLEEPABLE from ".s" sections only at load time */
		if (sec_kinds[i].prefix[l - 1] == '/' ? !strncmp(sec_kinds[i].prefix + l - 3, ".s/", 3)
						       : !strncmp(sec + l, ".s", 2))
			p->sleepable = true;
		p->retprobe = sec_kinds[i].ret;
		{
			const char *t = strchr(sec, '/');

			free(p->target);
			p->target = strdup(t ? t + 1 : "");
		}
		break;
	}
	/* kprobe/func+0x10: the function is the target */
	if (p->target && (p->kind == COMPAT_KIND_KPROBE))
		p->target[strcspn(p->target, "+")] = 0;
}

static int add_helper(struct compat_prog *p, int id)
{
	int *v;

	for (size_t i = 0; i < p->nhelpers; i++)
		if (p->helpers[i] == id)
			return 0;
	v = realloc(p->helpers, (p->nhelpers + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->helpers = v;
	p->helpers[p->nhelpers++] = id;
	return 0;
}

static int add_kfunc(struct compat_prog *p, const char *name, bool weak)
{
	char **v;
	bool *w;

	for (size_t i = 0; i < p->nkfuncs; i++)
		if (!strcmp(p->kfuncs[i], name))
			return 0;
	v = realloc(p->kfuncs, (p->nkfuncs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->kfuncs = v;
	w = realloc(p->kfunc_weak, (p->nkfuncs + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	p->kfunc_weak = w;
	p->kfuncs[p->nkfuncs] = strdup(name);
	if (!p->kfuncs[p->nkfuncs])
		return -ENOMEM;
	p->kfunc_weak[p->nkfuncs++] = weak;
	return 0;
}

/* Programs a call at byte offset off of section shndx belongs to. */
struct elf_ctx {
	Elf *elf;
	Elf_Data *syms;
	size_t nsyms, strtab;
	struct compat_prog *progs;
	size_t nprogs;
};

static struct compat_prog *prog_at(struct elf_ctx *c, size_t shndx, uint64_t off)
{
	for (size_t i = 0; i < c->nsyms; i++) {
		GElf_Sym s;
		const char *name;

		if (!gelf_getsym(c->syms, i, &s) || s.st_shndx != shndx ||
		    GELF_ST_TYPE(s.st_info) != STT_FUNC || off < s.st_value ||
		    off >= s.st_value + s.st_size)
			continue;
		name = elf_strptr(c->elf, c->strtab, s.st_name);
		for (size_t j = 0; name && j < c->nprogs; j++)
			if (!strcmp(c->progs[j].name, name))
				return &c->progs[j];
	}
	return NULL;
}

static bool is_text(Elf *elf, size_t shstrndx, GElf_Shdr *sh)
{
	const char *n = elf_strptr(elf, shstrndx, sh->sh_name);

	return n && !strcmp(n, ".text");
}

/* First pass: the symbol table, the license and whether .BTF.ext has CO-RE relocations. */
static void scan_sections(struct elf_ctx *c, size_t shstrndx, bool *gpl, bool *core)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(c->elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			continue;
		n = elf_strptr(c->elf, shstrndx, sh.sh_name);
		if (sh.sh_type == SHT_SYMTAB) {
			c->syms = elf_getdata(scn, NULL);
			c->nsyms = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
			c->strtab = sh.sh_link;
		} else if (n && !strcmp(n, "license")) {
			Elf_Data *d = elf_getdata(scn, NULL);

			if (d && d->d_buf && d->d_size) {
				const char *l = d->d_buf;

				*gpl = !strncmp(l, "GPL", 3) || !strncmp(l, "Dual", 4);
			}
		} else if (n && !strcmp(n, ".BTF.ext")) {
			Elf_Data *d = elf_getdata(scn, NULL);
			uint32_t h[8];

			/* btf_ext_header: magic, version, flags, hdr_len, func/line info off+len,
			 * then core_relo_off and core_relo_len when hdr_len >= 32 */
			if (d && d->d_size >= 32) {
				memcpy(h, d->d_buf, sizeof(h));
				if (h[1] >= 32 && h[7] > 0)
					*core = true;
			}
		}
	}
}

/* Helper calls: every call insn with src_reg 0, to its program (.text: to all). */
static int scan_helpers(struct elf_ctx *c, size_t shstrndx)
{
	Elf_Scn *scn = NULL;
	int err;

	while ((scn = elf_nextscn(c->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t idx = elf_ndxscn(scn);

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			continue;
		for (size_t off = 0; off + 8 <= d->d_size; off += 8) {
			const uint8_t *insn = (const uint8_t *)d->d_buf + off;
			int32_t imm;

			if (insn[0] != (BPF_JMP | BPF_CALL) || (insn[1] >> 4) != 0)
				continue;
			memcpy(&imm, insn + 4, 4);
			if (imm <= 0)
				continue;
			if (is_text(c->elf, shstrndx, &sh)) {
				for (size_t j = 0; j < c->nprogs; j++)
					if ((err = add_helper(&c->progs[j], imm)))
						return err;
			} else {
				struct compat_prog *p = prog_at(c, idx, off);

				if (p && (err = add_helper(p, imm)))
					return err;
			}
		}
	}
	return 0;
}

/* Kfunc calls: relocations of call insns against undefined symbols. */
static int scan_kfuncs(struct elf_ctx *c)
{
	Elf_Scn *scn = NULL;
	int err;

	while ((scn = elf_nextscn(c->elf, scn))) {
		GElf_Shdr sh, tsh;
		Elf_Scn *target;
		Elf_Data *d, *td;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_REL)
			continue;
		target = elf_getscn(c->elf, sh.sh_info);
		if (!target || !gelf_getshdr(target, &tsh) || !(tsh.sh_flags & SHF_EXECINSTR))
			continue;
		d = elf_getdata(scn, NULL);
		td = elf_getdata(target, NULL);
		if (!d || !td || !td->d_buf)
			continue;
		for (size_t i = 0; sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Rel r;
			GElf_Sym s;
			const char *name;
			const uint8_t *insn;

			if (!gelf_getrel(d, i, &r) ||
			    !gelf_getsym(c->syms, GELF_R_SYM(r.r_info), &s))
				continue;
			if (s.st_shndx != SHN_UNDEF || r.r_offset + 8 > td->d_size)
				continue;
			insn = (const uint8_t *)td->d_buf + r.r_offset;
			if (insn[0] != (BPF_JMP | BPF_CALL))
				continue;
			name = elf_strptr(c->elf, c->strtab, s.st_name);
			if (!name || !*name)
				continue;
			/*
			 * libbpf (1.1) resolves every extern of the object when it
			 * loads any of its programs: a missing kfunc of one program
			 * fails them all (a 6.1 guest showed it), so each program
			 * needs all of them.
			 */
			for (size_t j = 0; j < c->nprogs; j++)
				if ((err = add_kfunc(&c->progs[j], name,
						     GELF_ST_BIND(s.st_info) == STB_WEAK)))
					return err;
		}
	}
	return 0;
}

static int scan_elf(const char *path, struct compat_prog *progs, size_t nprogs, bool *gpl,
		    bool *core)
{
	struct elf_ctx c = { .progs = progs, .nprogs = nprogs };
	size_t shstrndx;
	int fd, err = 0;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	c.elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!c.elf || elf_getshdrstrndx(c.elf, &shstrndx)) {
		err = -BPFGAUGE_ENOTBPF;
		goto out;
	}
	scan_sections(&c, shstrndx, gpl, core);
	if (!c.syms)
		goto out;
	err = scan_helpers(&c, shstrndx);
	if (!err)
		err = scan_kfuncs(&c);
out:
	if (c.elf)
		elf_end(c.elf);
	close(fd);
	return err;
}

static int check_bpf_elf(const char *path)
{
	int kind = bpfgauge_sniff_elf(path, false, NULL);

	if (kind < 0) {
		pr_warn("compat: cannot open '%s': %s", path, bpfgauge_strerror(kind));
		return kind;
	}
	if (kind != BPFGAUGE_FILE_BPF_ELF) {
		pr_warn("compat: '%s' is not a BPF ELF object", path);
		return -BPFGAUGE_ENOTBPF;
	}
	return 0;
}

void compat_progs_free(struct compat_prog *progs, size_t n)
{
	if (!progs)
		return;
	for (size_t i = 0; i < n; i++) {
		struct compat_prog *p = &progs[i];

		free(p->object);
		free(p->name);
		free(p->section);
		free(p->prog_type);
		free(p->attach_type);
		free(p->target);
		free(p->helpers);
		for (size_t j = 0; j < p->nkfuncs; j++)
			free(p->kfuncs[j]);
		free(p->kfuncs);
		free(p->kfunc_weak);
	}
	free(progs);
}

/* CONFIG_* externs in the object's .kconfig section (LINUX_KERNEL_VERSION needs no file). */
static bool has_kconfig_externs(const struct btf *btf)
{
	int id = btf ? btf__find_by_name_kind(btf, ".kconfig", BTF_KIND_DATASEC) : -1;
	const struct btf_type *t;
	const struct btf_var_secinfo *v;

	if (id <= 0)
		return false;
	t = btf__type_by_id(btf, id);
	v = btf_var_secinfos(t);
	for (int i = 0; i < btf_vlen(t); i++) {
		const struct btf_type *var = btf__type_by_id(btf, v[i].type);
		const char *n = var ? btf__name_by_offset(btf, var->name_off) : NULL;

		if (n && !strncmp(n, "CONFIG_", 7))
			return true;
	}
	return false;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int compat_object_read(const char *path, struct compat_prog **out, size_t *nout)
{
	struct compat_prog *progs = NULL;
	struct bpf_object *obj;
	struct bpf_program *prog;
	libbpf_print_fn_t old;
	bool gpl = false, core = false, kconfig;
	size_t n = 0, i = 0;
	int err;

	*out = NULL;
	*nout = 0;
	err = check_bpf_elf(path);
	if (err)
		return bg_err(err);
	/* libbpf's own warnings would duplicate ours; restore its printer after */
	old = libbpf_set_print(libbpf_quiet);
	obj = bpf_object__open_file(path, NULL);
	libbpf_set_print(old);
	if (!obj) {
		err = -errno;
		pr_warn("compat: libbpf cannot open '%s': %s", path, bpfgauge_strerror(err));
		return bg_err(-BPFGAUGE_ELIBBPF);
	}
	bpf_object__for_each_program(prog, obj) n++;
	if (!n) {
		pr_warn("compat: '%s' has no BPF programs", path);
		bpf_object__close(obj);
		return bg_err(-ENOENT);
	}
	progs = calloc(n, sizeof(*progs));
	if (!progs) {
		bpf_object__close(obj);
		return bg_err(-ENOMEM);
	}
	bpf_object__for_each_program(prog, obj) {
		struct compat_prog *p = &progs[i++];
		const char *pt = libbpf_bpf_prog_type_str(bpf_program__type(prog));
		const char *at = libbpf_bpf_attach_type_str(bpf_program__expected_attach_type(prog));

		p->object = strdup(path);
		p->name = strdup(bpf_program__name(prog));
		p->section = strdup(bpf_program__section_name(prog));
		p->prog_type = strdup(pt ? pt : "unknown");
		p->attach_type = strdup(at ? at : "");
		p->target = strdup("");
		p->sleepable = bpf_program__flags(prog) & BPF_F_SLEEPABLE;
		if (!p->object || !p->name || !p->section || !p->prog_type || !p->attach_type ||
		    !p->target) {
			err = -ENOMEM;
			goto fail;
		}
		classify(p);
		if (!p->target) {
			err = -ENOMEM;
			goto fail;
		}
	}
	kconfig = has_kconfig_externs(bpf_object__btf(obj));
	bpf_object__close(obj);
	obj = NULL;
	err = scan_elf(path, progs, n, &gpl, &core);
	if (err)
		goto fail;
	for (i = 0; i < n; i++) {
		progs[i].gpl = gpl;
		progs[i].core = core;
		progs[i].kconfig = kconfig; /* libbpf resolves them for any program it loads */
	}
	*out = progs;
	*nout = n;
	return 0;
fail:
	bpf_object__close(obj);
	compat_progs_free(progs, n);
	pr_warn("compat: reading '%s' failed: %s", path, bpfgauge_strerror(err));
	return bg_err(err);
}
