#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The bad-input matrix (issue 15) as a table: every row is a command fed a
# hostile or mistaken input. Each must exit with the expected code, print
# exactly one line on stderr matching the pattern (the pattern comes from
# the input's defect, not from what the tool happened to print), leave no
# sanitizer report, and, where a file is named, leave that file unchanged.
# Needs no root and no kernel: every row fails before loading anything.
set -uo pipefail
B=${BPFGAUGE:?}
SRC=${BPFGAUGE_SRC:?}
GEN="python3 $SRC/tests/harness/gen_mapping.py"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 2

# ---- fixtures ---------------------------------------------------------------
: >empty
python3 -c "import sys; sys.stdout.buffer.write(bytes(range(256)) * 8)" >garbage # binary, NUL first
printf 'hello\n' >text
mkdir dir
printf 'TN:\nSF:/src/a.c\nFN:1,f\nFNDA:1,f\nDA:1,1\nend_of_record\n' >good.info
cp good.info keep.info # the "unchanged" target of failed -o writes
printf 'file,prog,verdict,insns\na.o,p,success,5\n' >good.csv
printf '{"schema_version":1,"programs":[{"file":"a.o","prog":"p","verdict":"success","insns":5}]}' >good.json
printf '* insns +10%% error\n' >good.pol
cp "$SRC/tests/data/matrix/history-sample.json" hist.json
"$B" history --db h.db import hist.json >/dev/null 2>&1 || { echo "cannot build h.db"; exit 2; }
cp h.db h.db.orig
# a real object built by the pass, if the build made one (for option rows)
OBJ=$(ls "${BPFGAUGE_BPF_DIR:-/nonexistent}"/llvm-*/hits/loop.bpf.o 2>/dev/null | head -1)
[ -n "$OBJ" ] || { $GEN chain 3 obj.o obj.snap; OBJ=$T/obj.o; }
$GEN flow 3 5 flow.o flow.snap
$GEN chain 2 other.o other.snap # counters of another build
head -c 64 "$OBJ" >trunc.o
printf '\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x01\0\x3e\0' >x86hdr.o
python3 - <<'EOF'
import struct
# an x86-64 ELF relocatable with no sections
e = struct.pack("<16sHHIQQQIHHHHHH", b"\x7fELF\x02\x01\x01" + b"\0" * 9, 1, 62, 1, 0, 0, 0, 0, 64, 0, 0, 64, 0, 0)
open("x86.o", "wb").write(e)
EOF

# lcov files: NAME then content (printf format)
lcov() { printf "$2" >"$1.info"; }
lcov da_nonum 'SF:a.c\nDA:x,1\nend_of_record\n'
lcov da_zero 'SF:a.c\nDA:0,1\nend_of_record\n'
lcov da_nocount 'SF:a.c\nDA:1\nend_of_record\n'
lcov da_negative 'SF:a.c\nDA:1,-1\nend_of_record\n'
lcov da_bigline 'SF:a.c\nDA:4294967296,1\nend_of_record\n'
lcov da_overflow 'SF:a.c\nDA:1,99999999999999999999\nend_of_record\n'
lcov da_trailing 'SF:a.c\nDA:1,1x\nend_of_record\n'
lcov fn_empty 'SF:a.c\nFN:\nend_of_record\n'
lcov fn_noname 'SF:a.c\nFN:1\nend_of_record\n'
lcov fn_emptyname 'SF:a.c\nFN:1,\nend_of_record\n'
lcov fn2_emptyname 'SF:a.c\nFN:1,2,\nend_of_record\n'
lcov fn_digitname 'SF:a.c\nFN:1,9f\nend_of_record\n'
lcov fn_badline 'SF:a.c\nFN:x,f\nend_of_record\n'
lcov fn_hugeline 'SF:a.c\nFN:4294967296,f\nend_of_record\n'
lcov fnda_noname 'SF:a.c\nFNDA:1\nend_of_record\n'
lcov fnda_emptyname 'SF:a.c\nFNDA:1,\nend_of_record\n'
lcov fnda_badcount 'SF:a.c\nFNDA:x,f\nend_of_record\n'
lcov fnda_digitname 'SF:a.c\nFNDA:1,2,f\nend_of_record\n'
lcov brda_short 'SF:a.c\nBRDA:1,0,0\nend_of_record\n'
lcov brda_badtaken 'SF:a.c\nBRDA:1,0,0,x\nend_of_record\n'
lcov brda_badline 'SF:a.c\nBRDA:a,0,0,1\nend_of_record\n'
lcov brda_hugetaken 'SF:a.c\nBRDA:1,0,0,9223372036854775808\nend_of_record\n'
lcov brda_hugeblock 'SF:a.c\nBRDA:1,4294967296,0,1\nend_of_record\n'
lcov sf_empty 'SF:\nDA:1,1\nend_of_record\n'
lcov sf_twice 'SF:a.c\nSF:b.c\nend_of_record\n'
lcov eor_nosf 'end_of_record\n'
lcov tn_insf 'SF:a.c\nTN:x\nend_of_record\n'
lcov no_eor 'SF:a.c\nDA:1,1\n'
lcov unknown_rec 'SF:a.c\nXYZ:1\nend_of_record\n'
lcov outside_sf 'DA:1,1\n'
lcov nul_byte 'SF:a\0.c\nDA:1,1\nend_of_record\n'
lcov nul_name 'SF:a.c\nFN:1,f\0g\nend_of_record\n'

# mapping records (raw text into a BPF ELF): NAME then the record
H='bpfgauge-map 2\nhash 0000000000000000\n'
map() { printf "$2" | $GEN raw "$1.o"; }
map m_noheader 'hello\n'
map m_version "bpfgauge-map 99\nhash 0000000000000000\nmode hits\nend\n"
map m_badversion "bpfgauge-map x\nhash 0000000000000000\nmode hits\nend\n"
map m_badhash "bpfgauge-map 2\nhash xyz\nmode hits\nend\n"
map m_mode "${H}mode fast\nend\n"
map m_nomode "${H}probes 1\nend\n"
map m_probes "${H}mode hits\nprobes -1\nend\n"
map m_fileorder "${H}mode hits\nfile 1 a.c\nend\n"
map m_escape "${H}mode hits\nfile 0 a%%zz.c\nend\n"
map m_funcbeforemode "${H}file 0 a.c\nfunc f 0 1 1 0\nb 0 - 0:1:0\nend\n"
map m_unknown "${H}mode hits\nbogus 1\nend\n"
map m_noend "${H}mode hits\nprobes 1\n"
map m_funcfile "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 5 1 1 0\nb 0 0 0:1:0\nend\n"
map m_zeroblocks "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 0 0\nend\n"
map m_manyedges "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 1 9999999\nend\n"
map m_blockorder "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 2 0\nb 1 0 0:1:0\nb 0 0 0:1:0\nend\n"
map m_blockprobe "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 1 0\nb 0 7 0:1:0\nend\n"
map m_badtriple "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 1 0\nb 0 0 0:1\nend\n"
map m_triplefile "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 1 0\nb 0 0 3:1:0\nend\n"
map m_edgeends "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 1 1\nb 0 0 0:1:0\ne x 0 - -\nend\n"
map m_edgerange "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 1 1\nb 0 0 0:1:0\ne 0 5 - -\nend\n"
map m_edgevirt "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 1 1\nb 0 0 0:1:0\ne -1 -1 - -\nend\n"
map m_edgeprobe "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 1 1\nb 0 0 0:1:0\ne 0 -1 9 -\nend\n"
map m_brlabel "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 1 1\nb 0 0 0:1:0\ne 0 -1 - 0:1\nend\n"
map m_brfile "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 1 1\nb 0 0 0:1:0\ne 0 -1 - 4:1:0:0\nend\n"
map m_fromprednhits "${H}mode counts\nprobes 1\nfile 0 a.c\nfunc f 0 1 1 0\nb 0 < 0:1:0\nend\n"
map m_moreblocks "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 1 1\nb 0 0 0:1:0\nb 1 0 0:1:0\ne 0 -1 - -\nend\n"
map m_inside "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 2 0\nb 0 0 0:1:0\n"
map m_expected "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 1 0\nx 0 0 0:1:0\nend\n"
map m_digitname "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc 1f 0 1 1 0\nb 0 0 0:1:0\nend\n"
map m_ctlname "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f\tg 0 1 1 0\nb 0 0 0:1:0\nend\n"
map m_funcnum "${H}mode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 1 1 extra\nend\n"
python3 -c 'import sys; sys.stdout.buffer.write(b"bpfgauge-map 2\nhash 0000000000000000\nmode hits\nfile 0 " + b"a" * 9000 + b"\nend\n")' |
  $GEN raw m_longline.o
# mapping chunk symbols (cov_abi.h): a record of several chunks, read
# exactly, then broken one way per object
BPFGAUGE_GEN_SYMBOLS=1 $GEN spread files asc 300 y_good.o y_good.snap
"$B" cov report y_good.o --snapshot y_good.snap -o y_good.info 2>err &&
  [ "$(grep -c '^DA:1,1$' y_good.info)" = 300 ] ||
  { echo "FAIL: a record in 300 files carried by chunk symbols does not read back"; cat err; exit 1; }
python3 - "$SRC/tests/harness" <<'EOF2'
import sys
sys.path.insert(0, sys.argv[1])
import gen_mapping as g
rec, _ = g.spread("files", "asc", 300)
names = g.chunk_names(rec)
assert len(names) > 1, "the record fits one chunk: no multi-chunk case"
h = names[0][len(g.SYM_PREFIX):].split(".")[0]
def w(name, ns):
    open(name, "wb").write(g.elf_symbols(ns))
w("y_missing.o", names[:-1])
w("y_escape.o", [names[0].replace("|", "%zz", 1)] + names[1:])
w("y_nul.o", [names[0].replace("|", "%00", 1)] + names[1:])
w("y_hash.o", [n.replace(g.SYM_PREFIX + h, g.SYM_PREFIX + "0123456789abcdef", 1) for n in names])
w("y_name.o", [g.SYM_PREFIX + "nothex.0.1.x"])
w("y_double.o", names + [names[1] + "x"])
w("y_index.o", [n.replace(".0.%d." % len(names), ".%d.%d." % (len(names), len(names)))
                for n in names])
EOF2
# snapshots
printf 'NOTASNAP' >s_magic.snap
printf 'BPFGSNP1\1\0\0\0\xff\0\0\0' >s_trunc.snap
head -c 20 flow.snap >s_short.snap
# record sets
printf 'prog,insns\np\n' >r_fields.csv
printf 'file,insns\na.o,5\n' >r_noprog.csv
printf 'file,prog,insns\na.o,p,x\n' >r_badint.csv
printf 'file,prog,insns\na.o,p,99999999999999999999\n' >r_bigint.csv
printf 'file,prog,verdict\na.o,p,maybe\n' >r_verdict.csv
printf 'file,prog,insns_limit_pct\na.o,p,1e300\n' >r_pct.csv
printf 'file,prog,insns_limit_pct\na.o,p,nan\n' >r_nan.csv
printf 'file,prog,class\na.o,p,nonsense\n' >r_class.csv
printf '{"schema_version":1,"programs":[' >r_trunc.json
printf '{"schema_version":99,"programs":[]}' >r_newer.json
printf '{"schema_version":1.5,"programs":[]}' >r_float.json
printf '{"schema_version":1}' >r_noprogs.json
printf '{"schema_version":1,"programs":[5]}' >r_notobj.json
printf '{"schema_version":1,"programs":[{"prog":"p","insns":"many"}]}' >r_badval.json
printf '{"schema_version":1,"programs":[{"prog":"p","insns_limit_pct":1e400}]}' >r_inf.json
printf '[{"prog":"p","insns":1}' >r_arr.json
printf '{"a":' >r_eof.json
printf '\xef\xbb\xbf\0\0' >r_binary.csv
python3 -c 'print("[" * 100000)' >r_deep.json
# policies
printf '* bogus +10%%\n' >p_metric.pol
printf '* insns maybe\n' >p_rule.pol
printf '* file +10%%\n' >p_nonnum.pol
printf '* insns no-regress\n' >p_noregress.pol
printf '# only a comment\n' >p_empty.pol
python3 -c 'print("* insns +" + "1" * 5000 + "%")' >p_long.pol
printf '* insns +10%% fatal\n' >p_level.pol
# history imports
python3 - <<'EOF'
import json
d = json.load(open("hist.json"))
def w(name, f):
    x = json.loads(json.dumps(d)); f(x); json.dump(x, open(name, "w"))
w("h_dirty.json", lambda x: x["runs"][0].__setitem__("git_dirty", 4294967296))
w("h_btf.json", lambda x: x["runs"][0]["cells"][0].__setitem__("btf", -7))
w("h_schema.json", lambda x: x.__setitem__("schema_version", 2))
w("h_noruns.json", lambda x: x.pop("runs"))
w("h_badprog.json", lambda x: x["runs"][0]["cells"][0]["programs"].__setitem__(0, {"insns": "lots"}))
w("h_dirtystr.json", lambda x: x["runs"][0].__setitem__("git_dirty", "yes"))
w("h_kind.json", lambda x: x.__setitem__("kind", "bpfgauge-matrix"))
w("h_nokind.json", lambda x: x.pop("kind"))
EOF
printf 'schema_version,run_uuid\n2,abc\n' >h_schema.csv
printf 'a,b\n1,2\n' >h_nocols.csv
"$B" history --db h.db export --format csv >h_good.csv 2>/dev/null
sed '2s/^1,/7,/' h_good.csv >h_ver.csv
python3 - <<'EOF'
import csv
rows = list(csv.reader(open("h_good.csv")))
i = rows[0].index("run_git_dirty")
rows[1][i] = "2147483648"
csv.writer(open("h_dirty.csv", "w")).writerows(rows)
j = rows[0].index("cell_btf")
rows[1][i] = "0"; rows[1][j] = "x"
csv.writer(open("h_btf.csv", "w")).writerows(rows)
EOF

# ---- the table: EXIT | PATTERN | UNCHANGED FILE or - | COMMAND ----------------
table=$(cat <<'EOF'
2|'missing'.*No such file|-|cov merge missing
2|garbage.*NUL byte|-|cov merge garbage
2|'dir'.*Is a directory|-|cov merge dir
2|malformed lcov: record outside SF|-|cov merge text
2|bad DA|keep.info|cov merge da_nonum.info -o keep.info
2|bad DA|-|cov merge da_zero.info
2|bad DA|-|cov merge da_nocount.info
2|bad DA|-|cov merge da_negative.info
2|bad DA|-|cov merge da_bigline.info
2|bad DA|-|cov merge da_overflow.info
2|bad DA|-|cov merge da_trailing.info
2|bad FN|-|cov merge fn_empty.info
2|bad FN|-|cov merge fn_noname.info
2|empty function name|-|cov merge fn_emptyname.info
2|empty function name|keep.info|cov merge fn2_emptyname.info -o keep.info
2|starts with a digit|-|cov merge fn_digitname.info
2|bad FN|-|cov merge fn_badline.info
2|bad FN|-|cov merge fn_hugeline.info
2|bad FNDA|-|cov merge fnda_noname.info
2|bad FNDA|-|cov merge fnda_emptyname.info
2|bad FNDA|-|cov merge fnda_badcount.info
2|bad FNDA|-|cov merge fnda_digitname.info
2|bad BRDA|-|cov merge brda_short.info
2|bad BRDA taken count|-|cov merge brda_badtaken.info
2|bad BRDA|-|cov merge brda_badline.info
2|bad BRDA taken count|-|cov merge brda_hugetaken.info
2|bad BRDA|-|cov merge brda_hugeblock.info
2|empty SF|-|cov merge sf_empty.info
2|SF without end_of_record|-|cov merge sf_twice.info
2|end_of_record without SF|-|cov merge eor_nosf.info
2|TN inside an SF record|-|cov merge tn_insf.info
2|missing end_of_record|keep.info|cov merge no_eor.info -o keep.info
2|unknown record|-|cov merge unknown_rec.info
2|record outside SF|-|cov merge outside_sf.info
2|NUL byte|-|cov merge nul_byte.info
2|NUL byte|-|cov merge nul_name.info
2|bad DA|-|cov summary da_nonum.info
2|bad FN|-|cov summary fn_noname.info
2|empty function name|-|cov summary fn_emptyname.info
2|bad FNDA|-|cov summary fnda_badcount.info
2|bad BRDA|-|cov summary brda_short.info
2|empty SF|-|cov summary sf_empty.info
2|missing end_of_record|-|cov summary no_eor.info
2|NUL byte|-|cov summary nul_byte.info
2|'missing'.*No such file|-|cov summary missing
2|'dir'.*Is a directory|-|cov summary dir
2|bad DA|keep.info|cov merge good.info da_zero.info -o keep.info
2|bad DA|keep.info|cov merge --format json da_zero.info -o keep.info
2|bad DA|keep.info|cov merge --format cobertura da_zero.info -o keep.info
2|unknown --format 'xml'|keep.info|cov merge --format xml good.info -o keep.info
2|name at least one tracefile|-|cov merge
2|name at least one tracefile|-|cov summary
2|fail-under-lines takes a percentage|-|cov summary --fail-under-lines 101 good.info
2|fail-under-functions takes a percentage|-|cov summary --fail-under-functions -1 good.info
2|fail-under-branches takes a percentage|-|cov summary --fail-under-branches x good.info
2|option '--fail-under-lines' needs an argument|-|cov summary good.info --fail-under-lines
2|unknown option '--nope'|-|cov summary --nope good.info
2|unknown option '-z'|-|cov merge -z good.info
2|option '-o' needs an argument|-|cov merge good.info -o
2|-f is no longer an option here: use --format|-|cov merge good.info -f
2|option '--format' needs an argument|-|cov merge good.info --format
2|missing 'bpfgauge-map' header|-|cov report m_noheader.o --snapshot flow.snap
2|format version 99|-|cov report m_version.o --snapshot flow.snap
2|bad format version|-|cov report m_badversion.o --snapshot flow.snap
2|bad hash line|-|cov report m_badhash.o --snapshot flow.snap
2|unknown mode|-|cov report m_mode.o --snapshot flow.snap
2|missing mode|-|cov report m_nomode.o --snapshot flow.snap
2|bad probes line|-|cov report m_probes.o --snapshot flow.snap
2|file ids must be 0.. in order|-|cov report m_fileorder.o --snapshot flow.snap
2|bad %XX escape|-|cov report m_escape.o --snapshot flow.snap
2|func before mode|-|cov report m_funcbeforemode.o --snapshot flow.snap
2|unknown record|-|cov report m_unknown.o --snapshot flow.snap
2|missing 'end'|-|cov report m_noend.o --snapshot flow.snap
2|func names an unknown file id|-|cov report m_funcfile.o --snapshot flow.snap
2|implausible block, edge or select count|-|cov report m_zeroblocks.o --snapshot flow.snap
2|implausible block, edge or select count|-|cov report m_manyedges.o --snapshot flow.snap
2|block ids must be 0..nblocks-1 in order|-|cov report m_blockorder.o --snapshot flow.snap
2|block probe index out of range|-|cov report m_blockprobe.o --snapshot flow.snap
2|bad line triple|-|cov report m_badtriple.o --snapshot flow.snap
2|line triple names an unknown file id|-|cov report m_triplefile.o --snapshot flow.snap
2|bad edge endpoints|-|cov report m_edgeends.o --snapshot flow.snap
2|edge endpoint out of range|-|cov report m_edgerange.o --snapshot flow.snap
2|edge endpoint out of range|-|cov report m_edgevirt.o --snapshot flow.snap
2|edge probe index out of range|-|cov report m_edgeprobe.o --snapshot flow.snap
2|bad branch label|-|cov report m_brlabel.o --snapshot flow.snap
2|branch label out of range|-|cov report m_brfile.o --snapshot flow.snap
2|outside hits mode|-|cov report m_fromprednhits.o --snapshot flow.snap
2|more blocks than declared|-|cov report m_moreblocks.o --snapshot flow.snap
2|record ends inside a function|-|cov report m_inside.o --snapshot flow.snap
2|expected a b, e or s record|-|cov report m_expected.o --snapshot flow.snap
2|function name starts with a digit|-|cov report m_digitname.o --snapshot flow.snap
2|bad character in function name|-|cov report m_ctlname.o --snapshot flow.snap
2|bad func record|-|cov report m_funcnum.o --snapshot flow.snap
2|line too long|-|cov report m_longline.o --snapshot flow.snap
2|has [0-9]+ of its [0-9]+ chunks|-|cov report y_missing.o --snapshot y_good.snap
2|bad escape|-|cov report y_escape.o --snapshot y_good.snap
2|bad escape|-|cov report y_nul.o --snapshot y_good.snap
2|held by symbols of 0123456789abcdef|-|cov report y_hash.o --snapshot y_good.snap
2|bad chunk symbol|-|cov report y_name.o --snapshot y_good.snap
2|missing, doubled or foreign chunk|-|cov report y_double.o --snapshot y_good.snap
2|bad chunk symbol|-|cov report y_index.o --snapshot y_good.snap
2|bad DA|-|cov report flow.o --snapshot flow.snap -o da_zero.info
2|not an ELF file|-|cov report garbage --snapshot flow.snap
2|not an ELF file|-|cov report empty --snapshot flow.snap
2|not an ELF file|-|cov report text --snapshot flow.snap
2|'trunc.o' is truncated|-|cov report trunc.o --snapshot flow.snap
2|not a BPF object|-|cov report x86.o --snapshot flow.snap
2|cannot open 'missing'|-|cov report missing --snapshot flow.snap
2|'dir'|-|cov report dir --snapshot flow.snap
2|not a bpfgauge counter snapshot|-|cov report flow.o --snapshot s_magic.snap
2|snapshot 's_trunc.snap' is truncated|-|cov report flow.o --snapshot s_trunc.snap
2|snapshot 's_short.snap' is truncated|-|cov report flow.o --snapshot s_short.snap
2|cannot open snapshot 'missing'|-|cov report flow.o --snapshot missing
2|not a bpfgauge counter snapshot|-|cov report flow.o --snapshot empty
2|flow.o is stale or foreign|keep.info|cov report flow.o --snapshot other.snap -o keep.info
2|unknown --format 'pdf'|-|cov report flow.o --snapshot flow.snap --format pdf
2|name the instrumented objects|-|cov report --snapshot flow.snap
2|option '--snapshot' needs an argument|-|cov report flow.o --snapshot
2|option '--test-name' needs an argument|-|cov report flow.o --test-name
2|unknown option '--nope'|-|cov report --nope flow.o
2|control characters|-|cov report flow.o --snapshot flow.snap --test-name 'aTABb'
2|-o FILE is required|-|cov snapshot
2|option '-o' needs an argument|-|cov snapshot -o
2|unknown option '--all'|-|cov snapshot --all -o x.snap
2|unknown option '--force'|-|cov reset --force
2|not an ELF file|-|cov reset garbage
2|unknown command 'frobnicate'|-|cov frobnicate
2|unknown command 'nope'|-|nope
2|unknown option '--nope'|-|--nope cov merge good.info
2|fields, the header has|-|verifier compare r_fields.csv good.csv
2|no prog/prog_name column|-|verifier compare r_noprog.csv good.csv
2|bad insns value 'x'|-|verifier compare r_badint.csv good.csv
2|bad insns value|-|verifier compare r_bigint.csv good.csv
2|bad verdict value 'maybe'|-|verifier compare good.csv r_verdict.csv
2|bad insns_limit_pct value '1e300'|-|verifier compare good.csv r_pct.csv
2|bad insns_limit_pct value 'nan'|-|verifier compare good.csv r_nan.csv
2|bad class value 'nonsense'|-|verifier compare good.csv r_class.csv
2|bad JSON|-|verifier compare r_trunc.json good.json
2|schema_version 99 is newer|-|verifier compare r_newer.json good.json
2|schema_version must be a positive integer|-|verifier compare r_float.json good.json
2|no "programs" array|-|verifier compare r_noprogs.json good.json
2|programs\[0\] is not an object|-|verifier compare r_notobj.json good.json
2|programs\[0\].insns has a bad value|-|verifier compare r_badval.json good.json
2|programs\[0\].insns_limit_pct has a bad value|-|verifier compare r_inf.json good.json
2|bad JSON|-|verifier compare r_arr.json good.json
2|bad JSON|-|verifier compare r_eof.json good.json
2|binary data|-|verifier compare r_binary.csv good.csv
2|bad JSON|-|verifier compare r_deep.json good.json
2|empty input|-|verifier compare empty good.csv
2|binary data|-|verifier compare garbage good.csv
2|cannot read 'missing'|-|verifier compare missing good.csv
2|cannot read 'dir'|-|verifier compare dir good.csv
2|text: .*CSV|-|verifier compare text good.csv
2|want BASE and NEW|-|verifier compare good.csv
2|unknown output format 'xml'|-|verifier compare good.csv good.csv --format xml
2|-o table is no longer a format here: use --format table|-|verifier compare good.csv good.csv -o table
2|-o md is no longer a format here: use --format md|-|verifier compare good.csv good.csv -o md
2|-o csv is no longer a format here: use --format csv|-|verifier compare good.csv good.csv --output csv
2|option '--format' needs an argument|-|verifier compare good.csv good.csv --format
2|-o 'dir' is a directory|-|verifier compare good.csv good.csv -o dir
2|binary data|keep.info|verifier compare garbage good.csv -o keep.info
2|unknown field 'bogus'|-|verifier compare good.csv good.csv -e bogus
2|bad filter|-|verifier compare good.csv good.csv -f 'insns ~ 3'
2|option '-o' needs an argument|-|verifier compare good.csv good.csv -o
2|unknown metric 'bogus'|-|verifier gate good.csv good.csv --policy p_metric.pol
2|bad rule|-|verifier gate good.csv good.csv --policy p_rule.pol
2|'file' is not numeric|-|verifier gate good.csv good.csv --policy p_nonnum.pol
2|no-regress applies to verdict only|-|verifier gate good.csv good.csv --policy p_noregress.pol
2|policy has no rules|-|verifier gate good.csv good.csv --policy p_empty.pol
2|p_long.pol:1: line too long|-|verifier gate good.csv good.csv --policy p_long.pol
2|bad rule|-|verifier gate good.csv good.csv --policy p_level.pol
2|policy 'garbage' is binary|-|verifier gate good.csv good.csv --policy garbage
2|cannot read policy 'missing'|-|verifier gate good.csv good.csv --policy missing
2|want BASE NEW --policy FILE|-|verifier gate good.csv good.csv
2|bad insns_limit_pct value '1e300'|-|verifier gate good.csv r_pct.csv --policy good.pol
2|unknown output format 'pdf'|-|verifier gate good.csv good.csv --policy good.pol --format pdf
2|-o github is no longer a format here: use --format github|-|verifier gate good.csv good.csv --policy good.pol -o github
2|-o junit is no longer a format here: use --format junit|-|verifier gate good.csv good.csv --policy good.pol -o junit
2|-o 'dir' is a directory|-|verifier gate good.csv good.csv --policy good.pol -o dir
2|option '--policy' needs an argument|-|verifier gate good.csv good.csv --policy
2|holds no verifier log|-|verifier parse garbage
2|holds no verifier log|-|verifier parse empty
2|cannot open 'missing'.*No such file|-|verifier parse missing
2|'dir'.*Is a directory|-|verifier parse dir
2|unknown output format 'xml'|-|verifier parse --format xml text
2|-o json is no longer a format here: use --format json|-|verifier parse -o json text
2|-o 'dir' is a directory|-|verifier parse -o dir text
2|holds no verifier log|keep.info|verifier parse -o keep.info text
2|unknown field 'nosuchfield'|-|verifier parse -e nosuchfield text
2|option '-e' needs an argument|-|verifier parse text -e
2|--log-size wants a byte count|-|verifier stats --log-size -1 flow.o
2|--log-size wants a byte count|-|verifier stats --log-size 10 flow.o
2|--log-size wants a byte count|-|verifier stats --log-size 99999999999 flow.o
2|--log-level wants 1 or 2|-|verifier stats --log-level 3 flow.o
2|-J wants a number of workers|-|verifier stats -J 0 flow.o
2|-J wants a number of workers|-|verifier stats -J x flow.o
2|unknown field 'nosuchfield'|-|verifier stats -e nosuchfield flow.o
2|unknown output format 'xml'|-|verifier stats --format xml flow.o
2|-o csv is no longer a format here: use --format csv \(-o is the output file now|-|verifier stats -o csv flow.o
2|-o veristat-csv is no longer a format here: use --format veristat-csv|-|verifier stats flow.o -o veristat-csv
2|-o 'dir' is a directory|-|verifier stats -o dir flow.o
2|--log-dir 'missing' is not a directory|-|verifier stats --log-dir missing flow.o
2|no object given|-|verifier stats
2|not an ELF file|-|verifier stats garbage
2|not a BPF object|-|verifier stats x86.o
2|bad filter|-|verifier stats -f 'insns ~ 1' flow.o
2|option '-J' needs an argument|-|verifier stats flow.o -J
2|-n wants a positive number|-|verifier hotspots -n 0 text
2|want one OBJ or LOG|-|verifier hotspots
2|holds no verifier log|-|verifier hotspots garbage
2|unknown command 'frob'|-|verifier frob
2|git_dirty must be 1, 0 or -1|h.db|history --db h.db import h_dirty.json
2|btf must be 1, 0 or -1|h.db|history --db h.db import h_btf.json
2|not a bpfgauge history export with schema_version 1|h.db|history --db h.db import h_schema.json
2|not a bpfgauge history export|h.db|history --db h.db import h_noruns.json
2|not a bpfgauge history export|h.db|history --db h.db import h_kind.json
2|not a bpfgauge history export|h.db|history --db h.db import h_nokind.json
2|bad program record|h.db|history --db h.db import h_badprog.json
2|git_dirty must be 1, 0 or -1|h.db|history --db h.db import h_dirtystr.json
2|missing run_uuid or prog column|h.db|history --db h.db import h_schema.csv
2|no schema_version column|h.db|history --db h.db import h_nocols.csv
2|schema_version 7 is not 1|h.db|history --db h.db import h_ver.csv
2|run_git_dirty must be 1, 0 or -1|h.db|history --db h.db import h_dirty.csv
2|cell_btf must be 1, 0 or -1|h.db|history --db h.db import h_btf.csv
2|empty file|h.db|history --db h.db import empty
2|garbage.*not a bpfgauge history|h.db|history --db h.db import garbage
2|cannot read 'missing'|h.db|history --db h.db import missing
2|usage: .* history \[--db DB\] import FILE|h.db|history --db h.db import
2|cannot open 'nodir/x.db'|-|history --db nodir/x.db list
2|cannot open 'nodir/x.db'|-|history --db nodir/x.db show
2|cannot open 'nodir/x.db'|-|history --db nodir/x.db export
2|no run 'latest~99'|h.db|history --db h.db show latest~99
2|no run 'zzz'|h.db|history --db h.db export zzz
2|format 'xml' is not json or csv|h.db|history --db h.db export --format xml
2|usage: .* history diff RUN_A RUN_B|h.db|history --db h.db diff latest
2|usage: .* history trend PROG|h.db|history --db h.db trend
2|cannot read 'garbage'|h.db|history --db garbage list
2|cannot write 'dir'|h.db|history --db h.db export -o dir
2|option '--output' needs an argument|h.db|history --db h.db export --output
2|cannot open 'nodir/x.db'|-|dashboard --db nodir/x.db -o out
2|option '-o' needs an argument|-|dashboard -o
2|bad flavour|-|kernels fetch --flavour 'a b' 6.1
2|is not a version like 6.1|-|kernels fetch 6.x
2|which versions|-|kernels fetch
2|unknown architecture 'mips'|-|kernels fetch --arch mips 6.1
2|unknown architecture 'mips'|-|matrix --db m.db --arch mips $OBJ
2|kernel '9.9' for arm64 not found.*kernels fetch --arch arm64 9.9|-|matrix --db m.db --arch arm64 --kernel 9.9 $OBJ
2|'/etc/passwd'.*not a BPF ELF|-|compat $OBJ /etc/passwd
2|-o markdown is no longer a format here: use --format markdown|-|compat $OBJ -o markdown
2|-o json is no longer a format here: use --format json|-|compat -o json $OBJ
2|unknown output format 'yaml'|-|compat --format yaml $OBJ
2|-o 'dir' is a directory|-|compat $OBJ -o dir
EOF
)

# ---- run ---------------------------------------------------------------------
n=0 fail=0
while IFS='|' read -r want re keep cmd; do
  [ -z "$want" ] && continue
  n=$((n + 1))
  sum=
  [ "$keep" != - ] && sum=$(sha256sum "$keep" | cut -d' ' -f1)
  # TAB in the table stands for a tab character inside an argument
  cmd=${cmd//TAB/$'\t'}
  eval "set -- $cmd"
  "$B" "$@" >out 2>err </dev/null
  rc=$?
  lines=$(wc -l <err)
  why=
  if [ $rc -ne "$want" ]; then
    why="exit $rc, want $want"
  elif grep -qE 'Sanitizer|runtime error' err; then
    why="sanitizer report"
  elif [ "$lines" -ne 1 ]; then
    why="$lines stderr lines, want 1"
  elif ! grep -qE -- "$re" err; then
    why="message does not match /$re/"
  elif [ -n "$sum" ] && [ "$(sha256sum "$keep" | cut -d' ' -f1)" != "$sum" ]; then
    why="$keep changed"
  fi
  if [ -n "$why" ]; then
    fail=$((fail + 1))
    echo "FAIL [$n] bpfgauge $cmd: $why"
    sed 's/^/       /' err | head -4
  fi
done <<<"$table"
echo "$n bad inputs, $fail failed"
[ $fail -eq 0 ]
