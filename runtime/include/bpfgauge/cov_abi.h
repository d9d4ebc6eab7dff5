/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The coverage ABI shared by the LLVM pass (producer) and libbpfgauge
 * (consumer): where counters live, how a counter segment is laid out, and the
 * text format of the probe-to-source mapping. This header is plain C with no
 * dependencies so the C++ pass can include it; it is the only contract
 * between the two sides, and any change to it bumps BPFGAUGE_ABI_VERSION.
 *
 * COUNTERS
 *   Every instrumented module gets one global variable placed in section
 *   BPFGAUGE_COUNTER_SEC, so libbpf turns it into an array map of that name.
 *   The global is a "segment": a 24-byte header followed by the probes
 *   (one u8 per probe in hits mode, one u64 per probe in counts mode), padded
 *   to a multiple of 8 bytes and aligned to 8. Static linking of several
 *   instrumented objects concatenates segments in the same section, so a
 *   counter map value holds one or more segments, possibly separated by zero
 *   padding. Readers walk it with bpfgauge_seg_size(). With the pass's
 *   -bpfgauge-section=data the global goes to BPFGAUGE_COUNTER_SEC_SHARED
 *   instead (the segment layout is the same; see there).
 *
 * MAPPING
 *   Every instrumented module also carries one text record (grammar below)
 *   in the object's symbol table, as local absolute (SHN_ABS) symbols whose
 *   names hold the record in chunks:
 *
 *     BPFGAUGE_MAPPING_SYM_PREFIX <hash>.<i>.<n>.<payload>
 *
 *   <hash> is the record's 16 lowercase hex digits, chunk <i> of <n>
 *   (decimal, 0 <= i < n), the symbol's value i + 1. The record is the
 *   concatenation of the decoded payloads in chunk order; a payload is the
 *   record's bytes with ' ' written '+', '\n' written '|', and every other
 *   byte outside 0x21..0x7e, and '%', '+', '|', '"', '\\', written %XX
 *   (uppercase hex), so names stay printable. libbpf's loader never looks
 *   at such symbols and says nothing about them (any data section it does
 *   not know costs an INFO line per load: "skipping unrecognized data
 *   section"), its linker (bpftool gen object) keeps every local symbol,
 *   skeletons embed the whole object, cilium/ebpf ignores SHN_ABS symbols,
 *   and the kernel never sees the symbol table: no kernel memory.
 *
 *   The carrier is not versioned (the record inside is): a reader from
 *   before the symbols finds no mapping in such an object.
 *   Objects built before (and with the pass's -bpfgauge-mapping=section)
 *   hold the records instead as NUL-terminated text in the ELF section
 *   BPFGAUGE_MAPPING_SEC. Linked objects hold several records, back to back
 *   in the section (possibly with zero padding between them) or under
 *   distinct hashes in the symbol table. The grammar is line based, fields
 *   separated by single spaces, paths %XX-escaped (bytes <= 0x20, '%' and
 *   >= 0x7f):
 *
 *     bpfgauge-map 3                      format version (readers also
 *                                         take 1 and 2: 1 never uses '<',
 *                                         neither has s records)
 *     hash <16 lowercase hex>             FNV-1a 64 of the text from the
 *                                         "mode" line through "end\n"
 *     mode hits|counts
 *     probes <N>                          number of probes in the segment
 *     producer <word>                     e.g. llvm-19
 *     file <fid> <path>                   fid: 0,1,2... absolute when known
 *     func <name> <fid> <line> <nblocks> <nedges> [<nselects>]
 *     b <bid> <probe|-|<> <fid>:<line>:<inst> ...
 *     e <src> <dst> <probe|-> <branch|->
 *     s <bid> <probe> <fid>:<line>:<site>
 *     ...                                 (b, e, then s records follow
 *                                         their func; nselects is 0 when
 *                                         absent)
 *     thin <name> <nblocks> <nedges> <ncopies>
 *     b <bid> <probe|-|<>
 *     e <src> <dst> <probe|-> -
 *     c <bid> <slot> <mult>
 *     ...                                 (thin records follow all func
 *                                         records; format 3)
 *     end
 *
 *   Blocks are numbered 0..nblocks-1 within the function; block 0 is the
 *   entry. Edge endpoints are block ids or -1 for the virtual node V: the
 *   edge "-1 0" is function entry, "k -1" is a return (or an exit that does
 *   not return, e.g. a successful tail call). Probes are indexes into the
 *   segment's counter array.
 *
 *   A line triple <fid>:<line>:<inst> says the block carries instructions of
 *   that source line; inst is the inline instance (0 = the function's own
 *   code, 1.. = distinct inlined-at chains within this function).
 *
 *   <branch> is "<fid>:<line>:<site>:<idx>" when the edge is outcome <idx>
 *   of conditional branch or switch number <site> (unique within the
 *   function) whose terminator sits at fid:line; otherwise "-". Outcomes are
 *   numbered as the source reads: a conditional branch's true (0) and false
 *   (1); a switch's distinct case targets in case order, then its default
 *   unless a case shares its block.
 *
 *   An s record is a source conditional compiled without a branch (clang
 *   emits a cheap `c ? a : b` as a select) in block <bid>, a branch site
 *   <site> (numbered after the function's branch sites) with outcome 0
 *   (true) and 1 (false). Counts mode: <probe> holds the number of times
 *   the condition was true; false = the block's count minus that. Hits
 *   mode: <probe> and <probe>+1 are the bytes of the false and the true
 *   outcome.
 *
 *   A thin record is late thinning (format 3): the optimised CFG of
 *   function <name> (blocks and edges with the semantics below, without
 *   lines or branch labels) with its own probes, and its copies: block
 *   <bid> held <mult> copies (hits: 1) of source probe <slot>. A slot with
 *   copies is not read from the segment: its value is the sum over its
 *   copies of block count x mult (counts), or whether any copy's block was
 *   hit (hits). Thin probes may reuse such slots, so the segment's values
 *   are read as thin probes first, then replaced by the computed slots.
 *
 *   Where the pass instruments (it records nothing of it): by default on
 *   the CFG clang's frontend emits, before inlining, unrolling and CFG
 *   simplification, so blocks, lines and branches are the source's and the
 *   optimiser's copies of a probe all add to the same counter; with the
 *   pass's -bpfgauge-stage=late on the optimised CFG.
 *
 *   Semantics, hits mode: a block with a probe is hit iff its byte is
 *   non-zero; a block marked "-" is hit iff any successor block is hit, and
 *   a block marked "<" iff any predecessor block is hit (edges from V do not
 *   count). The pass only omits probes where that is exact: "-" when the
 *   block always leaves through a successor and dominates each, "<" when it
 *   is not the entry and post-dominates each predecessor (no return or exit
 *   call between them). The derivations are acyclic. An edge with a probe is
 *   taken iff its byte is non-zero; a branch edge (one with a <branch>
 *   label) without one is taken iff its destination block is hit (the pass
 *   splits critical branch edges so that this holds). "<" is hits-mode only
 *   and new in format version 2. The pass's -bpfgauge-branches=off (hits
 *   mode) writes no branch labels and splits nothing: exact lines and
 *   functions, no branch records, fewer probes on the verifier's paths.
 *
 *   Semantics, counts mode: blocks never carry probes. Edges with a probe
 *   hold exact counts; every other edge count follows from flow
 *   conservation (in = out at every block and at V), and the uninstrumented
 *   edges form a spanning tree, so the solution is unique. A block's count
 *   is the sum of its incoming edge counts. (Exception, for benchmarks only:
 *   the pass's -bpfgauge-placement=naive puts a probe on every block, which
 *   then holds that block's count, and none on edges.)
 */
#ifndef BPFGAUGE_COV_ABI_H
#define BPFGAUGE_COV_ABI_H

#include <stdint.h>

#define BPFGAUGE_ABI_VERSION 3
/* The oldest mapping format and segment version readers still accept. */
#define BPFGAUGE_ABI_VERSION_MIN 1

/* The counter section; libbpf names the map after it (<= 15 chars). */
#define BPFGAUGE_COUNTER_SEC ".data.bpfgauge"
/*
 * The counter section with the pass's -bpfgauge-section=data: the program's
 * own .data, which every loader accepts (cilium/ebpf before 0.17 takes no
 * other .data.* section). The map is then shared with the program's globals
 * and has a loader-chosen name; readers find the segment(s) in it through
 * the map's BTF: the value type is a DATASEC whose VARs named
 * BPFGAUGE_COUNTER_SYM_PREFIX<hash> give each segment's offset and size.
 */
#define BPFGAUGE_COUNTER_SEC_SHARED ".data"
/*
 * The legacy mapping section (non-BTF; libbpf's loader skips it with an INFO
 * line on every load, its linker keeps it). Still read.
 */
#define BPFGAUGE_MAPPING_SEC ".bpfgauge.map"
/* Prefix of the mapping chunk symbols (see MAPPING above). */
#define BPFGAUGE_MAPPING_SYM_PREFIX "__bpfgauge_map."
/* Payload bytes per chunk symbol (after encoding), at most. */
#define BPFGAUGE_MAPPING_CHUNK 4000
/* Prefix of the counter global's symbol; the 16-hex-digit hash follows. */
#define BPFGAUGE_COUNTER_SYM_PREFIX "__bpfgauge_cnt_"
/* Function annotation that opts a function out (see bpf/include/bpfgauge.h). */
#define BPFGAUGE_NOCOV_ANNOTATION "bpfgauge_nocov"

#define BPFGAUGE_SEG_MAGIC 0x47465042u /* "BPFG" in little-endian bytes */

enum bpfgauge_mode {
	BPFGAUGE_MODE_HITS = 1,   /* u8 per probe, store of immediate 1 */
	BPFGAUGE_MODE_COUNTS = 2, /* u64 per probe, atomic add of 1 */
};

/* Little-endian, as BPF on x86 and arm64 is; 24 bytes. */
struct bpfgauge_seg_hdr {
	uint32_t magic;   /* BPFGAUGE_SEG_MAGIC */
	uint16_t version; /* BPFGAUGE_ABI_VERSION */
	uint8_t mode;     /* enum bpfgauge_mode */
	uint8_t flags;    /* 0 */
	uint32_t nprobes;
	uint32_t reserved; /* 0 */
	uint64_t hash;     /* equals the mapping record's hash */
};

static inline uint64_t bpfgauge_seg_size(uint8_t mode, uint32_t nprobes)
{
	uint64_t body = (uint64_t)nprobes * (mode == BPFGAUGE_MODE_COUNTS ? 8 : 1);

	return (sizeof(struct bpfgauge_seg_hdr) + body + 7) & ~(uint64_t)7;
}

/* FNV-1a 64, the mapping hash. */
#define BPFGAUGE_FNV_OFFSET 0xcbf29ce484222325ULL
#define BPFGAUGE_FNV_PRIME 0x100000001b3ULL

static inline uint64_t bpfgauge_fnv1a(uint64_t h, const void *data, uint64_t len)
{
	const unsigned char *p = (const unsigned char *)data;

	while (len--) {
		h ^= *p++;
		h *= BPFGAUGE_FNV_PRIME;
	}
	return h;
}

#endif /* BPFGAUGE_COV_ABI_H */
