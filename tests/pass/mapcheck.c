/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mapcheck: an independent checker of what the pass writes into a BPF object,
 * used by the pass tests (built by them with the host C compiler, so the
 * tests need neither python nor the runtime library). It reads the ELF
 * directly, validates every mapping record (chunk symbols, and the legacy
 * .bpfgauge.map section) against the grammar and hash of cov_abi.h, checks the placement invariants (hits:
 * probe-less blocks are derivable; counts: uninstrumented edges form a
 * spanning tree), matches records with the segments in .data.bpfgauge, and
 * prints a summary the tests grep:
 *
 *   carrier symbols|section|both
 *   chunks <n>               (chunk symbols)
 *   records <n>
 *   segments <n>
 *   record <hash> <mode> <probes> <nfuncs>
 *   func <name> <probes> <nblocks> <nedges> <nbranch-edges>
 *
 * Usage: mapcheck [-n] OBJ.o   (-n: naive placement, block probes in counts
 * mode), or mapcheck -d OBJ.o to print the raw records. Exit 0 when
 * everything holds, 1 with a message otherwise.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgauge/cov_abi.h"

static const char *obj_path;

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mapcheck: %s: ", obj_path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static const unsigned char *find_section(const unsigned char *elf, size_t size, const char *name,
					 size_t *len)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)elf;
	const Elf64_Shdr *sh, *strsh;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		die("not a little-endian ELF64 object");
	if (eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > size || eh->e_shstrndx >= eh->e_shnum)
		die("bad section headers");
	sh = (const Elf64_Shdr *)(elf + eh->e_shoff);
	strsh = &sh[eh->e_shstrndx];
	for (int i = 0; i < eh->e_shnum; i++) {
		const char *n = (const char *)elf + strsh->sh_offset + sh[i].sh_name;
		if (strcmp(n, name))
			continue;
		if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_offset + sh[i].sh_size > size)
			die("section %s has no data", name);
		*len = sh[i].sh_size;
		return elf + sh[i].sh_offset;
	}
	return NULL;
}

/* A mapping chunk symbol: name after the prefix, "<hash>.<i>.<n>.<payload>". */
struct chunk {
	char hash[17];
	unsigned idx, n;
	const char *payload;
};

static int chunk_order(const void *a, const void *b)
{
	const struct chunk *x = a, *y = b;
	int c = strcmp(x->hash, y->hash);

	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/*
 * The records held in chunk symbols (cov_abi.h), decoded and each followed
 * by a NUL, as the legacy section holds them; *len 0 when there are none.
 * *nchunks counts the symbols.
 */
static char *symbol_records(const unsigned char *elf, size_t size, size_t *len, size_t *nchunks)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)elf;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(elf + eh->e_shoff);
	const size_t plen = strlen(BPFGAUGE_MAPPING_SYM_PREFIX);
	struct chunk *ch = NULL;
	size_t n = 0, total = 0;
	char *out;

	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB)
			continue;
		if (sh[i].sh_link >= eh->e_shnum || sh[i].sh_offset + sh[i].sh_size > size)
			die("bad symbol table");
		const Elf64_Sym *sym = (const Elf64_Sym *)(elf + sh[i].sh_offset);
		const char *strs = (const char *)elf + sh[sh[i].sh_link].sh_offset;
		for (size_t k = 1; k < sh[i].sh_size / sizeof(*sym); k++) {
			const char *name = strs + sym[k].st_name;
			struct chunk c;
			int used = 0;

			if (strncmp(name, BPFGAUGE_MAPPING_SYM_PREFIX, plen))
				continue;
			if (sym[k].st_shndx != SHN_ABS ||
			    ELF64_ST_BIND(sym[k].st_info) != STB_LOCAL)
				die("chunk symbol %.40s is not local and absolute", name);
			name += plen;
			if (strlen(name) < 17 || name[16] != '.' ||
			    strspn(name, "0123456789abcdef") != 16)
				die("chunk symbol with a bad hash: %.40s", name);
			memcpy(c.hash, name, 16);
			c.hash[16] = '\0';
			if (sscanf(name + 17, "%u.%u.%n", &c.idx, &c.n, &used) != 2 || !used ||
			    c.idx >= c.n || sym[k].st_value != c.idx + 1)
				die("chunk symbol %.40s: bad index", name);
			c.payload = name + 17 + used;
			if (strlen(c.payload) > BPFGAUGE_MAPPING_CHUNK)
				die("chunk %s.%u longer than %d", c.hash, c.idx, BPFGAUGE_MAPPING_CHUNK);
			ch = realloc(ch, (n + 1) * sizeof(*ch));
			ch[n++] = c;
			total += strlen(c.payload) + 1;
		}
	}
	*nchunks = n;
	*len = 0;
	out = malloc(total + 1);
	qsort(ch, n, sizeof(*ch), chunk_order);
	for (size_t i = 0; i < n; i++) {
		if ((i == 0 || strcmp(ch[i].hash, ch[i - 1].hash)) ? ch[i].idx != 0
								: ch[i].idx != ch[i - 1].idx + 1)
			die("record %s: chunk %u out of order", ch[i].hash, ch[i].idx);
		for (const char *p = ch[i].payload; *p; p++) {
			unsigned v;

			if (*p == '+')
				out[(*len)++] = ' ';
			else if (*p == '|')
				out[(*len)++] = '\n';
			else if (*p == '%' && sscanf(p + 1, "%2X", &v) == 1 && v)
				out[(*len)++] = (char)v, p += 2;
			else if (*p > 0x20 && *p < 0x7f && !strchr("%\"\\", *p))
				out[(*len)++] = *p;
			else
				die("record %s: bad byte in chunk %u", ch[i].hash, ch[i].idx);
		}
		if (i + 1 == n || strcmp(ch[i].hash, ch[i + 1].hash)) {
			if (ch[i].idx + 1 != ch[i].n)
				die("record %s: %u of %u chunks", ch[i].hash, ch[i].idx + 1, ch[i].n);
			out[(*len)++] = '\0';
		}
	}
	free(ch);
	return out;
}

struct record {
	uint64_t hash;
	int mode;
	unsigned probes;
	int matched;
};

static struct record recs[64];
static int nrecs;

/* Parses "a:b:c[:d]" of n unsigned fields; returns 0 on success. */
static int parse_colon(const char *s, unsigned *v, int n)
{
	for (int i = 0; i < n; i++) {
		char *end;
		if (*s < '0' || *s > '9')
			return -1;
		v[i] = strtoul(s, &end, 10);
		s = end;
		if (i < n - 1 && *s++ != ':')
			return -1;
	}
	return *s ? -1 : 0;
}

static int uf_find(int *p, int x)
{
	while (p[x] != x)
		x = p[x] = p[p[x]];
	return x;
}

struct edge {
	int src, dst, probe;
};

/*
 * Checks one thin function (the optimised CFG of late thinning): its probes
 * and copied slots are in range, its blocks carry no lines and its edges no
 * labels, and every probe slot appears once. Prints "thin <name> <probes>
 * <blocks> <copies>".
 */
static char *check_thin(char *line, unsigned nprobes)
{
	char name[256];
	unsigned nb, ne, nc, probes = 0;
	char *next = strchr(line, '\n');
	int n;

	*next++ = '\0';
	if (sscanf(line, "thin %255s %u %u %u%n", name, &nb, &ne, &nc, &n) != 4 || line[n] || !nb)
		die("bad thin line '%s'", line);
	unsigned char *seen = calloc(nprobes + 1, 1);
	for (unsigned i = 0; i < nb + ne + nc; i++) {
		char *tok[8];
		int nt = 0;

		line = next;
		next = strchr(line, '\n');
		if (!next)
			die("record ends inside thin %s", name);
		*next++ = '\0';
		for (char *t = strtok(line, " "); t && nt < 8; t = strtok(NULL, " "))
			tok[nt++] = t;
		const char *want = i < nb ? "b" : i < nb + ne ? "e" : "c";
		int np = i < nb ? 3 : i < nb + ne ? 5 : 4;
		if (nt != np || strcmp(tok[0], want))
			die("thin %s: bad %s record", name, want);
		const char *pt = i < nb ? tok[2] : i < nb + ne ? tok[3] : NULL;
		if (i >= nb && i < nb + ne && strcmp(tok[4], "-"))
			die("thin %s: an edge with a branch label", name);
		if (pt && strcmp(pt, "-") && strcmp(pt, "<")) {
			unsigned p = (unsigned)atoi(pt);
			if (p >= nprobes || seen[p]++)
				die("thin %s: probe %u out of range or used twice", name, p);
			probes++;
		}
		if (!pt && ((unsigned)atoi(tok[1]) >= nb || (unsigned)atoi(tok[2]) >= nprobes))
			die("thin %s: copy record out of range", name);
	}
	free(seen);
	printf("thin %s %u %u %u\n", name, probes, nb, nc);
	return next;
}

/* Checks one function's records; line points at the "func" line. */
static char *check_func(char *line, int mode, int naive, unsigned nfiles, unsigned nprobes,
			unsigned char *used)
{
	char name[256];
	unsigned fid, fline, nb, ne, ns = 0, nbranch = 0, fprobes = 0;
	char *next;
	int n, n2;

	next = strchr(line, '\n');
	*next++ = '\0';
	if (sscanf(line, "func %255s %u %u %u %u%n", name, &fid, &fline, &nb, &ne, &n) != 5 ||
	    fid >= nfiles || nb == 0)
		die("bad func line '%s'", line);
	if (line[n] && (sscanf(line + n, " %u%n", &ns, &n2) != 1 || line[n + n2] || !ns))
		die("bad func line '%s'", line);
	int *bprobe = calloc(nb, sizeof(int));
	struct edge *edges = calloc(ne ? ne : 1, sizeof(*edges));
	for (unsigned i = 0; i < nb + ne + ns; i++) {
		line = next;
		next = strchr(line, '\n');
		if (!next)
			die("record ends inside func %s", name);
		*next++ = '\0';
		char *tok[64];
		int nt = 0;
		for (char *t = strtok(line, " "); t && nt < 64; t = strtok(NULL, " "))
			tok[nt++] = t;
		int probe = -1;
		if (i < nb) {
			if (nt < 3 || strcmp(tok[0], "b") || (unsigned)atoi(tok[1]) != i)
				die("func %s: bad or out-of-order block record %u", name, i);
			if (!strcmp(tok[2], "<"))
				probe = -2; /* derived from predecessors */
			else if (strcmp(tok[2], "-"))
				probe = atoi(tok[2]);
			for (int t = 3; t < nt; t++) {
				unsigned v[3];
				if (parse_colon(tok[t], v, 3) || v[0] >= nfiles || v[1] == 0)
					die("func %s: bad line triple '%s'", name, tok[t]);
			}
			bprobe[i] = probe;
		} else if (i >= nb + ne) {
			/* s <bid> <probe> <fid>:<line>:<site>: one probe, two in hits */
			unsigned v[3];
			if (nt != 4 || strcmp(tok[0], "s") || (unsigned)atoi(tok[1]) >= nb ||
			    parse_colon(tok[3], v, 3) || v[0] >= nfiles)
				die("func %s: bad select record", name);
			probe = atoi(tok[2]);
			nbranch += 2;
			if (mode == BPFGAUGE_MODE_HITS) {
				if ((unsigned)probe + 1 >= nprobes || used[probe + 1]++)
					die("func %s: select probe %d out of range or used twice", name,
					    probe + 1);
				fprobes++;
			}
		} else {
			struct edge *e = &edges[i - nb];
			if (nt != 5 || strcmp(tok[0], "e"))
				die("func %s: bad edge record", name);
			e->src = atoi(tok[1]);
			e->dst = atoi(tok[2]);
			if (e->src < -1 || e->src >= (int)nb || e->dst < -1 || e->dst >= (int)nb ||
			    (e->src == -1 && e->dst == -1))
				die("func %s: edge %d %d out of range", name, e->src, e->dst);
			if (strcmp(tok[3], "-"))
				probe = atoi(tok[3]);
			e->probe = probe;
			if (strcmp(tok[4], "-")) {
				unsigned v[4];
				if (parse_colon(tok[4], v, 4) || v[0] >= nfiles)
					die("func %s: bad branch label '%s'", name, tok[4]);
				nbranch++;
			}
		}
		if (probe >= 0) {
			if ((unsigned)probe >= nprobes || used[probe]++)
				die("func %s: probe %d out of range or used twice", name, probe);
			fprobes++;
		}
	}

	int has_entry = 0;
	for (unsigned i = 0; i < ne; i++)
		has_entry |= edges[i].src == -1 && edges[i].dst == 0;
	if (!has_entry)
		die("func %s: no entry edge -1 0", name);

	if (mode == BPFGAUGE_MODE_HITS) {
		/*
		 * A "-" block is known once all its successors are, a "<" block
		 * once all its predecessors are; neither may exit (resp. be
		 * entered from V) or loop to itself.
		 */
		for (unsigned i = 0; i < ne; i++)
			if (edges[i].probe >= 0)
				die("func %s: edge probe in hits mode", name);
		char *known = calloc(nb, 1);
		for (unsigned b = 0; b < nb; b++) {
			int up = bprobe[b] == -2, near = 0;
			known[b] = bprobe[b] >= 0;
			for (unsigned i = 0; i < ne; i++) {
				int from = up ? edges[i].dst : edges[i].src;
				int other = up ? edges[i].src : edges[i].dst;
				if (from != (int)b)
					continue;
				if (!known[b] && (other == -1 || other == (int)b))
					die("func %s: block %u has no probe but exits, is entered or loops",
					    name, b);
				near++;
			}
			if (!known[b] && !near)
				die("func %s: block %u has no probe and no neighbour to derive from",
				    name, b);
		}
		for (int changed = 1; changed;) {
			changed = 0;
			for (unsigned b = 0; b < nb; b++) {
				int all = 1, up = bprobe[b] == -2;
				if (known[b])
					continue;
				for (unsigned i = 0; i < ne; i++) {
					int from = up ? edges[i].dst : edges[i].src;
					int other = up ? edges[i].src : edges[i].dst;
					if (from == (int)b && !known[other])
						all = 0;
				}
				if (all)
					known[b] = changed = 1;
			}
		}
		for (unsigned b = 0; b < nb; b++)
			if (!known[b])
				die("func %s: block %u cannot be derived (cycle)", name, b);
		free(known);
	} else if (!naive) {
		/* The uninstrumented edges form a spanning tree of blocks + V. */
		int *p = malloc((nb + 1) * sizeof(int)), tree = 0;
		for (unsigned b = 0; b < nb; b++)
			if (bprobe[b] >= 0)
				die("func %s: block probe in counts mode", name);
		for (unsigned i = 0; i <= nb; i++)
			p[i] = i;
		for (unsigned i = 0; i < ne; i++) {
			if (edges[i].probe >= 0)
				continue;
			int a = uf_find(p, edges[i].src < 0 ? (int)nb : edges[i].src);
			int b = uf_find(p, edges[i].dst < 0 ? (int)nb : edges[i].dst);
			if (a == b)
				die("func %s: uninstrumented edges form a cycle", name);
			p[a] = b;
			tree++;
		}
		if (tree != (int)nb)
			die("func %s: %d uninstrumented edges for %u blocks: not spanning", name,
			    tree, nb);
		free(p);
	}
	printf("func %s %u %u %u %u\n", name, fprobes, nb, ne, nbranch);
	free(bprobe);
	free(edges);
	return next;
}

static size_t check_record(char *rec, size_t avail, int naive)
{
	size_t len = strnlen(rec, avail);
	char *body, *line, *next;
	uint64_t hash;
	int mode, n;
	unsigned nprobes, nfiles = 0, nfuncs = 0;
	char producer[64];

	if (len == avail)
		die("record not NUL-terminated");
	if (strncmp(rec, "bpfgauge-map 3\nhash ", 20))
		die("bad record header");
	if (sscanf(rec + 20, "%16" SCNx64 "%n", &hash, &n) != 1 || n != 16 || rec[36] != '\n')
		die("bad hash line");
	body = rec + 37;
	if (len < 4 || strcmp(rec + len - 4, "end\n"))
		die("record does not end with 'end'");
	if (bpfgauge_fnv1a(BPFGAUGE_FNV_OFFSET, body, rec + len - body) != hash)
		die("hash %016" PRIx64 " does not match the text", hash);
	for (const char *c = body; *c; c++)
		if (*c != '\n' && (unsigned char)*c <= 0x20 && *c != ' ')
			die("control character in record");

	line = body;
	next = strchr(line, '\n');
	*next++ = '\0';
	if (!strcmp(line, "mode hits"))
		mode = BPFGAUGE_MODE_HITS;
	else if (!strcmp(line, "mode counts"))
		mode = BPFGAUGE_MODE_COUNTS;
	else
		die("bad mode line '%s'", line);
	line = next;
	next = strchr(line, '\n');
	*next++ = '\0';
	if (sscanf(line, "probes %u%n", &nprobes, &n) != 1 || line[n])
		die("bad probes line");
	line = next;
	next = strchr(line, '\n');
	*next++ = '\0';
	if (sscanf(line, "producer %63s%n", producer, &n) != 1 || line[n])
		die("bad producer line");
	unsigned char *used = calloc(nprobes + 1, 1);
	line = next;
	while (!strncmp(line, "file ", 5)) {
		unsigned fid;
		next = strchr(line, '\n');
		*next++ = '\0';
		if (sscanf(line, "file %u %n", &fid, &n) != 1 || fid != nfiles || !line[n] ||
		    strchr(line + n, ' '))
			die("bad file line '%s'", line);
		nfiles++;
		line = next;
	}
	printf("record %016" PRIx64 " %s %u", hash, mode == BPFGAUGE_MODE_HITS ? "hits" : "counts",
	       nprobes);
	fflush(stdout);
	char *funcs = line;
	while (!strncmp(line, "func ", 5)) {
		nfuncs++;
		line = strchr(line, '\n') + 1;
		while (!strncmp(line, "b ", 2) || !strncmp(line, "e ", 2) || !strncmp(line, "s ", 2))
			line = strchr(line, '\n') + 1;
	}
	char *thins = line;
	unsigned nthins = 0;
	while (!strncmp(line, "thin ", 5)) {
		nthins++;
		line = strchr(line, '\n') + 1;
		while (!strncmp(line, "b ", 2) || !strncmp(line, "e ", 2) || !strncmp(line, "c ", 2))
			line = strchr(line, '\n') + 1;
	}
	if (strcmp(line, "end\n"))
		die("unexpected line after the functions");
	printf(" %u\n", nfuncs);
	line = funcs;
	for (unsigned i = 0; i < nfuncs; i++)
		line = check_func(line, mode, naive, nfiles, nprobes, used);
	for (unsigned i = 0; i < nthins; i++)
		thins = check_thin(thins, nprobes);
	for (unsigned i = 0; i < nprobes; i++)
		if (!used[i])
			die("probe %u is never referenced", i);
	free(used);
	if (nrecs == 64)
		die("too many records");
	recs[nrecs++] = (struct record){ hash, mode, nprobes, 0 };
	return len + 1;
}

int main(int argc, char **argv)
{
	int naive = 0, dump = 0;
	size_t size, mlen, dlen;
	unsigned nsegs = 0;

	if (argc == 3 && (!strcmp(argv[1], "-n") || !strcmp(argv[1], "-d"))) {
		naive = argv[1][1] == 'n';
		dump = argv[1][1] == 'd';
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: mapcheck [-n|-d] OBJ.o\n");
		return 2;
	}
	obj_path = argv[1];
	FILE *f = fopen(obj_path, "rb");
	if (!f)
		die("cannot open");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	unsigned char *elf = malloc(size);
	if (fread(elf, 1, size, f) != size)
		die("cannot read");
	fclose(f);

	const unsigned char *map = find_section(elf, size, BPFGAUGE_MAPPING_SEC, &mlen);
	const unsigned char *data = find_section(elf, size, BPFGAUGE_COUNTER_SEC, &dlen);
	size_t slen, nchunks;
	char *syms = symbol_records(elf, size, &slen, &nchunks);
	int has_sec = map != NULL;
	if (!map)
		mlen = 0;
	if (!mlen && !slen)
		die("no mapping: neither chunk symbols nor %s", BPFGAUGE_MAPPING_SEC);
	if (!data && !dump)
		die("missing %s", BPFGAUGE_COUNTER_SEC);
	char *text = malloc(mlen + slen + 1);
	if (mlen) /* memcpy from NULL would let the compiler assume map != NULL */
		memcpy(text, map, mlen);
	memcpy(text + mlen, syms, slen);
	mlen += slen;
	text[mlen] = '\0';
	if (!dump)
		printf("carrier %s\nchunks %zu\n",
		       slen && has_sec ? "both" : slen ? "symbols" : "section", nchunks);
	if (dump) {
		for (size_t off = 0; off < mlen; off++)
			if (text[off])
				putchar(text[off]);
		return 0;
	}
	for (size_t off = 0; off < mlen;) {
		if (!text[off]) { /* padding between records */
			off++;
			continue;
		}
		off += check_record(text + off, mlen - off, naive);
	}
	for (size_t off = 0; off + sizeof(struct bpfgauge_seg_hdr) <= dlen;) {
		struct bpfgauge_seg_hdr h;
		memcpy(&h, data + off, sizeof(h));
		if (h.magic == 0) {
			off += 8;
			continue;
		}
		if (off % 8 || h.magic != BPFGAUGE_SEG_MAGIC || h.version != BPFGAUGE_ABI_VERSION ||
		    h.flags || h.reserved)
			die("bad segment header at offset %zu", off);
		uint64_t sz = bpfgauge_seg_size(h.mode, h.nprobes);
		if (off + sz > dlen)
			die("segment at offset %zu overruns the section", off);
		for (uint64_t i = sizeof(h); i < sz; i++)
			if (data[off + i])
				die("segment at offset %zu: probes not zero-initialised", off);
		int found = 0;
		for (int r = 0; r < nrecs; r++) {
			if (recs[r].hash == h.hash && !recs[r].matched) {
				if (recs[r].mode != h.mode || recs[r].probes != h.nprobes)
					die("segment %016" PRIx64 " disagrees with its record", h.hash);
				recs[r].matched = found = 1;
				break;
			}
		}
		if (!found)
			die("segment %016" PRIx64 " has no mapping record", h.hash);
		nsegs++;
		off += sz;
	}
	for (int r = 0; r < nrecs; r++)
		if (!recs[r].matched)
			die("record %016" PRIx64 " has no segment", recs[r].hash);
	printf("records %d\nsegments %u\n", nrecs, nsegs);
	return 0;
}
