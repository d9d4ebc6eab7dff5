/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libbpf's final layout of a loaded program, for what the verifier log
 * leaves out: the BPF-to-BPF call graph (for the call-chain stack metric)
 * and the BTF line info moved to the final insn indexes (for hotspots on
 * logs older than 6.9, whose "; source" comments carry no "@ file:line").
 * libbpf 1.1 exposes neither the relocated line info nor the subprog
 * layout, so the line info is read from the ELF's .BTF.ext and each
 * appended .text subprog is recognized by its length and opcodes.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "vload_internal.h"
#include "vlog_internal.h"

#define BTF_EXT_MAGIC 0xeB9F

/* .BTF.ext header, as in the kernel's/libbpf's struct btf_ext_header */
struct ext_hdr {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t func_info_off, func_info_len;
	uint32_t line_info_off, line_info_len;
};

struct sym {
	const char *name;
	size_t shndx;
	uint32_t start, cnt; /* in insns */
};

struct elf_view {
	int fd;
	Elf *elf;
	const uint8_t *ext;     /* .BTF.ext */
	size_t ext_len;
	const struct bpf_insn *text; /* .text */
	size_t text_cnt, text_shndx;
	struct sym *syms;
	size_t nsyms;
	char **secnames; /* by section index, not owned (libelf strings) */
	size_t nsec;
};

static void elf_view_release(struct elf_view *v)
{
	free(v->syms);
	free(v->secnames);
	if (v->elf)
		elf_end(v->elf);
	if (v->fd >= 0)
		close(v->fd);
}

static int elf_view_open(struct elf_view *v, const char *path)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	memset(v, 0, sizeof(*v));
	v->fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	v->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (v->fd < 0)
		return -errno;
	v->elf = elf_begin(v->fd, ELF_C_READ, NULL);
	if (!v->elf || elf_getshdrstrndx(v->elf, &shstrndx) || elf_getshdrnum(v->elf, &v->nsec))
		return -EINVAL;
	v->secnames = calloc(v->nsec ? v->nsec : 1, sizeof(*v->secnames));
	if (!v->secnames)
		return -ENOMEM;
	while ((scn = elf_nextscn(v->elf, scn))) {
		GElf_Shdr sh;
		size_t idx = elf_ndxscn(scn);
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || idx >= v->nsec)
			continue;
		name = elf_strptr(v->elf, shstrndx, sh.sh_name);
		v->secnames[idx] = (char *)name;
		if (!name)
			continue;
		if (!strcmp(name, ".BTF.ext") && (d = elf_getdata(scn, NULL)) && d->d_buf) {
			v->ext = d->d_buf;
			v->ext_len = d->d_size;
		} else if (!strcmp(name, ".text") && sh.sh_type == SHT_PROGBITS &&
			   (d = elf_getdata(scn, NULL)) && d->d_buf) {
			v->text = d->d_buf;
			v->text_cnt = d->d_size / sizeof(struct bpf_insn);
			v->text_shndx = idx;
		} else if (sh.sh_type == SHT_SYMTAB && (d = elf_getdata(scn, NULL)) && sh.sh_entsize) {
			size_t n = sh.sh_size / sh.sh_entsize;

			free(v->syms);
			v->nsyms = 0;
			v->syms = calloc(n ? n : 1, sizeof(*v->syms));
			if (!v->syms)
				return -ENOMEM;
			for (size_t i = 0; i < n; i++) {
				GElf_Sym s;

				if (!gelf_getsym(d, i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC)
					continue;
				v->syms[v->nsyms++] = (struct sym){
					.name = elf_strptr(v->elf, sh.sh_link, s.st_name),
					.shndx = s.st_shndx,
					.start = s.st_value / sizeof(struct bpf_insn),
					.cnt = s.st_size / sizeof(struct bpf_insn),
				};
			}
		}
	}
	return 0;
}

static int add_line(struct vload_layout *lay, size_t *cap, uint32_t insn, int line,
		    const char *file, const char *src)
{
	const char *b = file ? strrchr(file, '/') : NULL;

	if (lay->nlines == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct vload_line *m = realloc(lay->lines, c * sizeof(*m));

		if (!m)
			return -ENOMEM;
		lay->lines = m;
		*cap = c;
	}
	lay->lines[lay->nlines++] = (struct vload_line){
		.insn = insn, .line = line, .file = b ? b + 1 : (file ? file : ""),
		.src = src ? src : "",
	};
	return 0;
}

/*
 * Move the line info of section sec, insns [start, start+cnt), to final
 * insn index base + (off - start).
 */
static int map_lines(struct vload_layout *lay, size_t *cap, const struct elf_view *v,
		     const char *sec, uint32_t start, uint32_t cnt, uint32_t base)
{
	const struct ext_hdr *h = (const void *)v->ext;
	const uint8_t *p, *end;
	uint32_t rec_size;

	if (v->ext_len < sizeof(*h) || h->magic != BTF_EXT_MAGIC || h->hdr_len > v->ext_len ||
	    (uint64_t)h->hdr_len + h->line_info_off + h->line_info_len > v->ext_len ||
	    h->line_info_len < 4)
		return 0;
	p = v->ext + h->hdr_len + h->line_info_off;
	end = p + h->line_info_len;
	memcpy(&rec_size, p, 4);
	p += 4;
	if (rec_size < sizeof(struct bpf_line_info))
		return 0;
	while (end - p >= 8) {
		uint32_t name_off, num;
		const char *name;

		memcpy(&name_off, p, 4);
		memcpy(&num, p + 4, 4);
		p += 8;
		if ((uint64_t)num * rec_size > (uint64_t)(end - p))
			return 0;
		name = btf__name_by_offset(lay->btf, name_off);
		for (uint32_t i = 0; name && !strcmp(name, sec) && i < num; i++) {
			struct bpf_line_info li;
			uint32_t idx;
			int err;

			memcpy(&li, p + (size_t)i * rec_size, sizeof(li));
			idx = li.insn_off / sizeof(struct bpf_insn);
			if (idx < start || idx - start >= cnt)
				continue;
			err = add_line(lay, cap, base + (idx - start), BPF_LINE_INFO_LINE_NUM(li.line_col),
				       btf__name_by_offset(lay->btf, li.file_name_off),
				       btf__name_by_offset(lay->btf, li.line_off));
			if (err)
				return err;
		}
		p += (size_t)num * rec_size;
	}
	return 0;
}

/* The .text function whose code is final[0..cnt), or NULL. */
static const struct sym *find_subprog(const struct elf_view *v, const struct bpf_insn *final,
				      uint32_t cnt)
{
	for (size_t i = 0; i < v->nsyms; i++) {
		const struct sym *s = &v->syms[i];
		uint32_t k;

		if (s->shndx != v->text_shndx || s->cnt != cnt || s->start + cnt > v->text_cnt)
			continue;
		for (k = 0; k < cnt; k++)
			if (v->text[s->start + k].code != final[k].code)
				break;
		if (k == cnt)
			return s;
	}
	return NULL;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int fill_lines(struct vload_layout *lay, const char *path, const struct bpf_program *prog,
		      size_t main_cnt, const struct bpf_insn *insns, size_t n)
{
	const char *sec = bpf_program__section_name(prog), *name = bpf_program__name(prog);
	const struct sym *main_sym = NULL;
	struct elf_view v;
	uint32_t *starts = NULL;
	size_t cap = 0, nstarts = 0;
	int err;

	lay->btf = btf__parse_elf(path, NULL);
	if (!lay->btf) {
		lay->btf = NULL;
		pr_debug("verifier: '%s': no BTF for line info", path);
		return 0;
	}
	err = elf_view_open(&v, path);
	if (err || !v.ext) {
		pr_debug("verifier: '%s': no .BTF.ext line info", path);
		elf_view_release(&v);
		return err == -ENOMEM ? err : 0;
	}
	for (size_t i = 0; i < v.nsyms && !main_sym; i++)
		if (v.syms[i].name && !strcmp(v.syms[i].name, name) && v.syms[i].shndx < v.nsec &&
		    v.secnames[v.syms[i].shndx] && !strcmp(v.secnames[v.syms[i].shndx], sec))
			main_sym = &v.syms[i];
	if (!main_sym || main_cnt > n) {
		pr_debug("verifier: '%s': no symbol for program '%s'", path, name);
		goto out;
	}
	err = map_lines(lay, &cap, &v, sec, main_sym->start, main_cnt, 0);
	if (err)
		goto out;
	/* appended subprogs: one per distinct call target, back to back */
	starts = malloc((lay->ncalls + 1) * sizeof(*starts));
	if (!starts) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < lay->ncalls; i++)
		if (lay->calls[i].target >= main_cnt && lay->calls[i].target < n)
			starts[nstarts++] = lay->calls[i].target;
	qsort(starts, nstarts, sizeof(*starts), u32_cmp);
	for (size_t i = 0; i < nstarts && !err; i++) {
		uint32_t end = n;
		const struct sym *s;

		if (i && starts[i] == starts[i - 1])
			continue;
		for (size_t k = i + 1; k < nstarts; k++)
			if (starts[k] != starts[i]) {
				end = starts[k];
				break;
			}
		s = find_subprog(&v, insns + starts[i], end - starts[i]);
		if (!s) {
			pr_debug("verifier: '%s': no .text function matches the subprog at insn %u",
				 path, starts[i]);
			continue;
		}
		err = map_lines(lay, &cap, &v, ".text", s->start, s->cnt, starts[i]);
	}
out:
	free(starts);
	elf_view_release(&v);
	return err;
}

int vload_layout_fill(struct vload_layout *lay, const char *path,
		      const struct bpf_program *prog, size_t main_cnt, bool want_lines)
{
	const struct bpf_insn *insns = bpf_program__insns(prog);
	size_t n = bpf_program__insn_cnt(prog), cap = 0;
	int err = 0;

	memset(lay, 0, sizeof(*lay));
	if (!insns)
		return 0;
	for (size_t i = 0; i < n; i++) {
		bool call = insns[i].code == (BPF_JMP | BPF_CALL) &&
			    insns[i].src_reg == BPF_PSEUDO_CALL;
		bool func = insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
			    insns[i].src_reg == BPF_PSEUDO_FUNC;
		int64_t t = (int64_t)i + insns[i].imm + 1;

		if ((!call && !func) || t < 0 || (uint64_t)t >= n)
			continue;
		if (lay->ncalls == cap) {
			size_t c = cap ? cap * 2 : 16;
			struct vlog_call *m = realloc(lay->calls, c * sizeof(*m));

			if (!m) {
				err = -ENOMEM;
				goto out;
			}
			lay->calls = m;
			cap = c;
		}
		lay->calls[lay->ncalls++] = (struct vlog_call){ .insn = i, .target = t };
	}
	if (want_lines)
		err = fill_lines(lay, path, prog, main_cnt, insns, n);
out:
	if (err)
		vload_layout_release(lay);
	return err ? bg_err(err) : 0;
}

void vload_layout_release(struct vload_layout *lay)
{
	if (!lay)
		return;
	free(lay->calls);
	free(lay->lines);
	btf__free(lay->btf);
	memset(lay, 0, sizeof(*lay));
}

int vload_layout_apply_lines(const struct vload_layout *lay, struct vlog_parser *p)
{
	for (size_t i = 0; i < lay->nlines; i++) {
		int err = vlog_parser__set_insn_loc(p, lay->lines[i].insn, lay->lines[i].file,
						    lay->lines[i].line, lay->lines[i].src);

		if (err)
			return err;
	}
	return 0;
}

/*
 * Walk .BTF.ext's line info for s's section: the last record at or before insn
 * want, inside s. Sets *file (malloc'd) and *line; -ENOENT if no record fits.
 */
static int scan_line_info(const struct elf_view *v, struct btf *btf, const struct sym *s,
			  uint32_t want, char **file, int *line)
{
	const struct ext_hdr *h = (const void *)v->ext;
	const uint8_t *p = v->ext + h->hdr_len + h->line_info_off;
	const uint8_t *end = p + h->line_info_len;
	uint32_t rec_size, best = 0;
	bool have = false;
	int err = -ENOENT;

	memcpy(&rec_size, p, 4);
	p += 4;
	while (rec_size >= sizeof(struct bpf_line_info) && end - p >= 8) {
		uint32_t name_off, num;
		const char *sec;

		memcpy(&name_off, p, 4);
		memcpy(&num, p + 4, 4);
		p += 8;
		if ((uint64_t)num * rec_size > (uint64_t)(end - p))
			break;
		sec = btf__name_by_offset(btf, name_off);
		for (uint32_t i = 0; sec && !strcmp(sec, v->secnames[s->shndx]) && i < num; i++) {
			struct bpf_line_info li;
			uint32_t idx;
			const char *fn;

			memcpy(&li, p + (size_t)i * rec_size, sizeof(li));
			idx = li.insn_off / sizeof(struct bpf_insn);
			fn = btf__name_by_offset(btf, li.file_name_off);
			if (idx < s->start || idx > want || (have && idx < best) || !fn || !*fn ||
			    !BPF_LINE_INFO_LINE_NUM(li.line_col))
				continue;
			free(*file);
			*file = strdup(fn);
			if (!*file)
				return -ENOMEM;
			*line = BPF_LINE_INFO_LINE_NUM(li.line_col);
			best = idx;
			have = true;
			err = 0;
		}
		p += (size_t)num * rec_size;
	}
	return err;
}

int vload_prog_source(const char *path, const char *prog, int insn, char **file, int *line)
{
	const struct sym *s = NULL;
	struct btf *btf = NULL;
	const struct ext_hdr *h;
	struct elf_view v;
	uint32_t want;
	int err;

	*file = NULL;
	*line = 0;
	err = elf_view_open(&v, path);
	if (err)
		goto out;
	for (size_t i = 0; i < v.nsyms && !s; i++)
		if (v.syms[i].name && !strcmp(v.syms[i].name, prog) && v.syms[i].shndx < v.nsec &&
		    v.secnames[v.syms[i].shndx])
			s = &v.syms[i];
	h = (const void *)v.ext;
	if (!s || !v.ext || v.ext_len < sizeof(*h) || h->magic != BTF_EXT_MAGIC ||
	    h->hdr_len > v.ext_len ||
	    (uint64_t)h->hdr_len + h->line_info_off + h->line_info_len > v.ext_len ||
	    h->line_info_len < 4) {
		err = -ENOENT;
		goto out;
	}
	btf = btf__parse_elf(path, NULL);
	if (!btf) {
		err = -ENOENT;
		goto out;
	}
	/* insns past the function's own (appended subprogs) fall back to its start */
	want = s->start + (insn >= 0 && (uint32_t)insn < s->cnt ? (uint32_t)insn : 0);
	err = scan_line_info(&v, btf, s, want, file, line);
out:
	if (err) {
		free(*file);
		*file = NULL;
		*line = 0;
	}
	btf__free(btf);
	elf_view_release(&v);
	return bg_err(err);
}

int vload_source_files(const char *path, char ***files, size_t *n)
{
	struct btf *btf = NULL;
	const struct ext_hdr *h;
	const uint8_t *p, *end;
	struct elf_view v;
	uint32_t rec_size;
	char **out = NULL;
	size_t cnt = 0, cap = 0;
	int err;

	*files = NULL;
	*n = 0;
	err = elf_view_open(&v, path);
	if (err)
		goto out;
	h = (const void *)v.ext;
	if (!v.ext || v.ext_len < sizeof(*h) || h->magic != BTF_EXT_MAGIC || h->hdr_len > v.ext_len ||
	    (uint64_t)h->hdr_len + h->line_info_off + h->line_info_len > v.ext_len ||
	    h->line_info_len < 4 || !(btf = btf__parse_elf(path, NULL))) {
		err = -ENOENT;
		goto out;
	}
	p = v.ext + h->hdr_len + h->line_info_off;
	end = p + h->line_info_len;
	memcpy(&rec_size, p, 4);
	p += 4;
	while (rec_size >= sizeof(struct bpf_line_info) && end - p >= 8) {
		uint32_t num;

		memcpy(&num, p + 4, 4);
		p += 8;
		if ((uint64_t)num * rec_size > (uint64_t)(end - p))
			break;
		for (uint32_t i = 0; i < num; i++) {
			struct bpf_line_info li;
			const char *fn;
			bool seen = false;

			memcpy(&li, p + (size_t)i * rec_size, sizeof(li));
			fn = btf__name_by_offset(btf, li.file_name_off);
			for (size_t k = 0; fn && k < cnt && !seen; k++)
				seen = !strcmp(out[k], fn);
			if (!fn || !*fn || seen)
				continue;
			if (cnt + 2 > cap) {
				size_t c = cap ? cap * 2 : 8;
				char **m = realloc(out, c * sizeof(*m));

				if (!m) {
					err = -ENOMEM;
					goto out;
				}
				out = m;
				cap = c;
			}
			out[cnt] = strdup(fn);
			if (!out[cnt]) {
				err = -ENOMEM;
				goto out;
			}
			out[++cnt] = NULL;
		}
		p += (size_t)num * rec_size;
	}
	if (!cnt)
		err = -ENOENT;
out:
	if (err) {
		for (size_t k = 0; k < cnt; k++)
			free(out[k]);
		free(out);
	} else {
		*files = out;
		*n = cnt;
	}
	btf__free(btf);
	elf_view_release(&v);
	return bg_err(err);
}
