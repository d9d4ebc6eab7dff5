#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Synthetic coverage inputs for the reliability tests and the model bench.

Writes a minimal ELF64 BPF relocatable object whose only content is a
.bpfgauge.map section (the format of runtime/include/bpfgauge/cov_abi.h),
and optionally a counter snapshot file (the format of runtime/cov/cov_snapshot.c)
holding one counter segment that matches it.

  gen_mapping.py chain N OBJ SNAP [K]
                                     hits mode: N blocks, each derived from
                                     its successor (over K parallel edges,
                                     default 1), the last one probed (hit);
                                     every line 1..N is hit
  gen_mapping.py flow N C OBJ SNAP   counts mode: a chain of N blocks whose
                                     only probe is on the exit edge (count C);
                                     every line 1..N runs C times
  gen_mapping.py spread files|funcs asc|desc N OBJ SNAP
                                     hits mode: N one-block functions, each
                                     in a file of its own (files) or all in
                                     one file (funcs), every block probed
                                     and hit; desc lists files by descending
                                     path and functions by descending line
                                     (the model's worst insertion order)
  gen_mapping.py raw OBJ             the record is read from stdin as is
                                     (no hash fix-up: crafted corruption)
  gen_mapping.py symnames OBJ        the chunk symbols' names are read from
                                     stdin, one per line, as is (crafted
                                     corruption of the symbol carrier)

The record goes into the legacy .bpfgauge.map section unless
BPFGAUGE_GEN_SYMBOLS=1 is set: then it is carried by chunk symbols, as the
pass writes it (cov_abi.h, MAPPING).
"""
import os
import struct
import sys

FNV_OFFSET = 0xcbf29ce484222325
FNV_PRIME = 0x100000001b3
SEG_MAGIC = 0x47465042  # "BPFG" in little-endian bytes (cov_abi.h)
MODE_HITS, MODE_COUNTS = 1, 2
EM_BPF = 247


def fnv1a(data):
    h = FNV_OFFSET
    for b in data:
        h ^= b
        h = (h * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def record(mode, nprobes, funcs_text, files_text="file 0 /synthetic/gen.c\n"):
    """Header, hash over the body (everything after the hash line, 'end' included)."""
    body = ("mode %s\nprobes %d\nproducer gen_mapping\n%s%send\n"
            % ("hits" if mode == MODE_HITS else "counts", nprobes, files_text,
               funcs_text)).encode()
    h = fnv1a(body)
    return b"bpfgauge-map 2\nhash %016x\n" % h + body, h


def elf(section):
    """ELF64 LE relocatable, EM_BPF, sections: null, .bpfgauge.map, .shstrtab."""
    shstr = b"\0.bpfgauge.map\0.shstrtab\0"
    data = section + b"\0"
    off_data = 64
    off_str = off_data + len(data)
    off_sh = (off_str + len(shstr) + 7) & ~7
    ehdr = struct.pack("<16sHHIQQQIHHHHHH", b"\x7fELF\x02\x01\x01" + b"\0" * 9, 1, EM_BPF, 1,
                       0, 0, off_sh, 0, 64, 0, 0, 64, 3, 2)
    null = b"\0" * 64
    sec = struct.pack("<IIQQQQIIQQ", 1, 1, 0, 0, off_data, len(data), 0, 0, 1, 0)
    strs = struct.pack("<IIQQQQIIQQ", 15, 3, 0, 0, off_str, len(shstr), 0, 0, 1, 0)
    out = ehdr + data + shstr
    out += b"\0" * (off_sh - len(out))
    return out + null + sec + strs


SYM_PREFIX = "__bpfgauge_map."
CHUNK = 4000  # BPFGAUGE_MAPPING_CHUNK


def encode(text):
    """cov_abi.h's payload encoding: ' ' as '+', newline as '|', %XX else."""
    out = []
    for b in text:
        c = chr(b)
        if c == " ":
            out.append("+")
        elif c == "\n":
            out.append("|")
        elif b < 0x21 or b > 0x7e or c in '%+|"\\':
            out.append("%%%02X" % b)
        else:
            out.append(c)
    return out


def chunk_names(rec):
    """The chunk symbol names of one record (its hash read from its text)."""
    h = rec.split(b"\n")[1].split(b" ")[1].decode()
    pieces, cur = [], ""
    for e in encode(rec):
        if len(cur) + len(e) > CHUNK:
            pieces.append(cur)
            cur = ""
        cur += e
    pieces.append(cur)
    return ["%s%s.%d.%d.%s" % (SYM_PREFIX, h, i, len(pieces), p)
            for i, p in enumerate(pieces)]


def elf_symbols(names):
    """ELF64 LE relocatable, EM_BPF: null, .strtab, .symtab (local SHN_ABS
    symbols named NAMES, the value of NAME i+1 where the name says chunk i,
    else 1), .shstrtab."""
    strtab = b"\0"
    syms = b"\0" * 24
    for n in names:
        try:
            value = int(n[len(SYM_PREFIX):].split(".")[1]) + 1
        except (IndexError, ValueError):
            value = 1
        syms += struct.pack("<IBBHQQ", len(strtab), 0, 0, 0xFFF1, value, 1)
        strtab += n.encode() + b"\0"
    shstr = b"\0.strtab\0.symtab\0.shstrtab\0"
    off_str = 64
    off_sym = (off_str + len(strtab) + 7) & ~7
    off_shs = off_sym + len(syms)
    off_sh = (off_shs + len(shstr) + 7) & ~7
    ehdr = struct.pack("<16sHHIQQQIHHHHHH", b"\x7fELF\x02\x01\x01" + b"\0" * 9, 1, EM_BPF, 1,
                       0, 0, off_sh, 0, 64, 0, 0, 64, 4, 3)
    null = b"\0" * 64
    s_str = struct.pack("<IIQQQQIIQQ", 1, 3, 0, 0, off_str, len(strtab), 0, 0, 1, 0)
    s_sym = struct.pack("<IIQQQQIIQQ", 9, 2, 0, 0, off_sym, len(syms), 1,
                        len(syms) // 24, 8, 24)
    s_shs = struct.pack("<IIQQQQIIQQ", 17, 3, 0, 0, off_shs, len(shstr), 0, 0, 1, 0)
    out = ehdr + strtab
    out += b"\0" * (off_sym - len(out))
    out += syms + shstr
    out += b"\0" * (off_sh - len(out))
    return out + null + s_str + s_sym + s_shs


def carrier(rec):
    """The object of a record: chunk symbols or the legacy section."""
    if os.environ.get("BPFGAUGE_GEN_SYMBOLS") == "1":
        return elf_symbols(chunk_names(rec))
    return elf(rec)


def snapshot(mode, nprobes, h, probes):
    hdr = struct.pack("<IHBBIIQ", SEG_MAGIC, 2, mode, 0, nprobes, 0, h)
    value = hdr + probes
    value += b"\0" * ((8 - len(value) % 8) % 8)
    out = b"BPFGSNP1" + struct.pack("<II", 1, len(value)) + value
    return out + b"\0" * ((8 - len(value) % 8) % 8)


def chain(n, k=1):
    lines = ["func chain 0 1 %d %d" % (n, (n - 1) * k + 2)]
    for b in range(n):
        lines.append("b %d %s 0:%d:0" % (b, "0" if b == n - 1 else "-", b + 1))
    lines.append("e -1 0 - -")
    for b in range(n - 1):
        lines.extend(["e %d %d - -" % (b, b + 1)] * k)
    lines.append("e %d -1 - -" % (n - 1))
    rec, h = record(MODE_HITS, 1, "\n".join(lines) + "\n")
    return rec, snapshot(MODE_HITS, 1, h, b"\x01")


def flow(n, count):
    lines = ["func flow 0 1 %d %d" % (n, n + 1)]
    for b in range(n):
        lines.append("b %d - 0:%d:0" % (b, b + 1))
    lines.append("e -1 0 - -")
    for b in range(n - 1):
        lines.append("e %d %d - -" % (b, b + 1))
    lines.append("e %d -1 0 -" % (n - 1))
    rec, h = record(MODE_COUNTS, 1, "\n".join(lines) + "\n")
    return rec, snapshot(MODE_COUNTS, 1, h, struct.pack("<Q", count))


def spread(layout, order, n):
    files, lines = [], []
    for i in range(n):
        k = n - 1 - i if order == "desc" else i
        fidx = i if layout == "files" else 0
        if layout == "files":
            files.append("file %d /synthetic/f%07d.c" % (i, k))
        line = 1 if layout == "files" else k + 1
        lines.append("func fn%07d %d %d 1 2" % (k, fidx, line))
        lines.append("b 0 %d %d:%d:0" % (i, fidx, line))
        lines.append("e -1 0 - -")
        lines.append("e 0 -1 - -")
    if layout == "funcs":
        files.append("file 0 /synthetic/gen.c")
    rec, h = record(MODE_HITS, n, "\n".join(lines) + "\n", "\n".join(files) + "\n")
    return rec, snapshot(MODE_HITS, n, h, b"\x01" * n)


def main(argv):
    if len(argv) >= 3 and argv[1] == "raw":
        open(argv[2], "wb").write(carrier(sys.stdin.buffer.read()))
        return 0
    if len(argv) >= 3 and argv[1] == "symnames":
        names = sys.stdin.read().split("\n")
        open(argv[2], "wb").write(elf_symbols([n for n in names if n]))
        return 0
    if len(argv) in (5, 6) and argv[1] == "chain":
        rec, snap = chain(int(argv[2]), int(argv[5]) if len(argv) == 6 else 1)
        obj, sp = argv[3], argv[4]
    elif len(argv) == 7 and argv[1] == "spread":
        rec, snap = spread(argv[2], argv[3], int(argv[4]))
        obj, sp = argv[5], argv[6]
    elif len(argv) == 6 and argv[1] == "flow":
        rec, snap = flow(int(argv[2]), int(argv[3]))
        obj, sp = argv[4], argv[5]
    else:
        sys.stderr.write(__doc__)
        return 2
    open(obj, "wb").write(carrier(rec))
    open(sp, "wb").write(snap)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
