#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Reliability regressions (issue 15), each fed through the CLI: the crash
# reproducers exit 2 with one line and no sanitizer report; deep and large
# mappings finish; parallel writers to one -o lose nothing; every output
# path kind (char device, FIFO, symlink, dangling symlink, directory, "-")
# is handled as documented; stale temp files are cleaned; write errors on
# stdout are errors; counts saturate; cov merge round-trips test names.
set -uo pipefail
B=${BPFGAUGE:?}
SRC=${BPFGAUGE_SRC:?}
GEN="python3 $SRC/tests/harness/gen_mapping.py"
T=$(mktemp -d)
trap 'jobs -p | xargs -r kill 2>/dev/null; rm -rf "$T"' EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

# expect_err NAME EXIT REGEX CMD...: exit code, exactly one stderr line
# matching REGEX, and no sanitizer output
expect_err() {
  local name=$1 want=$2 re=$3
  shift 3
  "$@" >"$T/out" 2>"$T/err"
  local rc=$? n
  n=$(wc -l <"$T/err")
  if [ $rc -ne "$want" ]; then
    bad "$name: exit $rc, want $want: $(head -3 "$T/err")"
  elif grep -qE 'Sanitizer|runtime error|^ *#[0-9]+ 0x' "$T/err"; then
    bad "$name: sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' "$T/err")"
  elif [ "$n" -ne 1 ]; then
    bad "$name: $n stderr lines, want 1: $(cat "$T/err")"
  elif ! grep -qE -- "$re" "$T/err"; then
    bad "$name: message '$(cat "$T/err")' does not match /$re/"
  else
    ok "$name"
  fi
}

# --- 1. corrupted mapping records: error, then no crash in the release ---
printf 'bpfgauge-map 2\nhash 0000000000000000\nmode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 1 x\nb 0 0 0:1:0\nend\n' |
  $GEN raw "$T/badfunc.o"
expect_err "corrupted func record (edges not a number)" 2 "malformed mapping.*bad func record" \
  "$B" cov report "$T/badfunc.o" --snapshot /nonexistent
printf 'bpfgauge-map 2\nhash 0000000000000000\nmode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 2000000 1\nend\n' |
  $GEN raw "$T/bigfunc.o"
expect_err "func record with too many blocks" 2 "implausible block, edge or select count" \
  "$B" cov report "$T/bigfunc.o" --snapshot /nonexistent
printf 'bpfgauge-map 2\nhash 0000000000000000\nmode hits\nprobes 1\nfile 0 a%%0Ab.c\nend\n' |
  $GEN raw "$T/ctlpath.o"
expect_err "control character in a mapped path" 2 "control character in path" \
  "$B" cov report "$T/ctlpath.o" --snapshot /nonexistent
printf 'bpfgauge-map 2\nhash 0000000000000000\nmode hits\nprobes 1\nfile 0 a.c\nfunc a,b 0 1 1 0\nb 0 0 0:1:0\nend\n' |
  $GEN raw "$T/comma.o"
expect_err "comma in a mapped function name" 2 "bad character in function name" \
  "$B" cov report "$T/comma.o" --snapshot /nonexistent
# a valid record whose hash no longer matches is called corrupted
$GEN chain 3 "$T/c3.o" "$T/c3.snap"
python3 - "$T/c3.o" <<'EOF'
import sys
p = sys.argv[1]
d = open(p, 'rb').read().replace(b"0:2:0", b"0:9:0")
open(p, 'wb').write(d)
EOF
expect_err "mapping that does not match its hash" 2 "does not match its hash" \
  "$B" cov report "$T/c3.o" --snapshot "$T/c3.snap"
head -c 100 "$SRC/tests/fuzz/seeds/mapping/hits-loop-0.map" >"$T/trunc.o"
expect_err "not an ELF file" 2 "not an ELF file" "$B" cov report "$T/trunc.o" --snapshot /x

# --- 2. deep and cyclic derivations: iterative, no stack overflow ---
$GEN chain 300000 "$T/deep.o" "$T/deep.snap"
if "$B" cov report "$T/deep.o" --snapshot "$T/deep.snap" -o "$T/deep.info" 2>"$T/err" &&
   grep -qx 'LH:300000' "$T/deep.info"; then
  ok "300k-block derivation chain reports every line hit"
else
  bad "300k-block chain: $(head -3 "$T/err")"
fi
printf 'bpfgauge-map 2\nhash 0000000000000000\nmode hits\nprobes 1\nfile 0 a.c\nfunc f 0 1 2 2\nb 0 - 0:1:0\nb 1 - 0:2:0\ne 0 1 - -\ne 1 0 - -\nend\n' >"$T/cyc.txt"
python3 - "$T/cyc.txt" "$T/cyc.o" "$T/cyc.snap" <<EOF
import sys
sys.path.insert(0, "$SRC/tests/harness")
import gen_mapping as g
text = open(sys.argv[1], 'rb').read()
body = text.split(b"\n", 2)[2]
h = g.fnv1a(body)
open(sys.argv[2], 'wb').write(g.elf(b"bpfgauge-map 2\nhash %016x\n" % h + body))
open(sys.argv[3], 'wb').write(g.snapshot(g.MODE_HITS, 1, h, b"\x01"))
EOF
expect_err "cyclic hits derivation" 2 "mapping|Bad mapping" \
  "$B" cov report "$T/cyc.o" --snapshot "$T/cyc.snap"

# --- 3. parallel writers to one -o lose nothing (read-merge-rename lock) ---
$GEN flow 50 7 "$T/flow.o" "$T/flow.snap"
lost=0
for round in $(seq 1 20); do
  rm -f "$T/par.info"
  for k in 1 2 3 4; do
    "$B" cov report "$T/flow.o" --snapshot "$T/flow.snap" -o "$T/par.info" 2>/dev/null &
  done
  wait
  # 50 lines x 7 per run x 4 runs
  sum=$(awk -F'[:,]' '/^DA:/ { s += $3 } END { print s + 0 }' "$T/par.info")
  [ "$sum" = 1400 ] || { lost=$((lost + 1)); echo "round $round: DA sum $sum, want 1400"; }
done
[ $lost = 0 ] && ok "4 parallel writers x 20 rounds: no run lost" || bad "$lost of 20 rounds lost a run"
ls "$T"/par.info.tmp.* >/dev/null 2>&1 && bad "temp files left after parallel writes" ||
  ok "no temp files left after parallel writes"

# --- 4. output path kinds (the atomic writer replaces only regular files) ---
mknod "$T/null" c 1 3
if "$B" cov report "$T/flow.o" --snapshot "$T/flow.snap" -o "$T/null" 2>"$T/err" && [ -c "$T/null" ]; then
  ok "-o char device: written, still a char device"
else
  bad "-o char device: $(cat "$T/err"); $(ls -l "$T/null")"
fi
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fifo.out" &
reader=$!
if "$B" cov merge "$SRC/tests/fuzz/seeds/lcov/basic.info" -o "$T/fifo" 2>"$T/err" &&
   wait $reader && [ -p "$T/fifo" ] && grep -q '^SF:/src/a.bpf.c' "$T/fifo.out"; then
  ok "-o FIFO: written through, still a FIFO"
else
  bad "-o FIFO: $(cat "$T/err"); $(ls -l "$T/fifo")"
fi
mkdir "$T/real"
echo old >"$T/real/target.info"
chmod 0640 "$T/real/target.info"
ln -s real/target.info "$T/link.info"
if "$B" cov merge "$SRC/tests/fuzz/seeds/lcov/basic.info" -o "$T/link.info" 2>"$T/err" &&
   [ -L "$T/link.info" ] && grep -q '^SF:' "$T/real/target.info" &&
   [ "$(stat -c %a "$T/real/target.info")" = 640 ]; then
  ok "-o symlink: the target is replaced in its directory (mode kept), the link stays"
else
  bad "-o symlink: $(cat "$T/err"); $(ls -l "$T" "$T/real")"
fi
ln -s real/new.info "$T/dangling.info"
if "$B" cov merge "$SRC/tests/fuzz/seeds/lcov/basic.info" -o "$T/dangling.info" 2>"$T/err" &&
   [ -L "$T/dangling.info" ] && [ -f "$T/real/new.info" ]; then
  ok "-o dangling symlink: its target is created"
else
  bad "-o dangling symlink: $(cat "$T/err")"
fi
expect_err "-o directory" 2 "is a directory" \
  "$B" cov merge "$SRC/tests/fuzz/seeds/lcov/basic.info" -o "$T/real"
if "$B" cov merge "$SRC/tests/fuzz/seeds/lcov/basic.info" -o - 2>"$T/err" | grep -q '^SF:' &&
   [ ! -e ./- ]; then
  ok "-o - writes stdout"
else
  bad "-o -: $(cat "$T/err")"
fi
echo keep >"$T/appended.txt"
"$B" cov merge "$SRC/tests/fuzz/seeds/lcov/basic.info" -o /dev/stdout >>"$T/appended.txt" 2>"$T/err"
if [ "$(head -1 "$T/appended.txt")" = keep ] && grep -q '^SF:/src/a.bpf.c' "$T/appended.txt"; then
  ok "-o /dev/stdout appended by the shell (>>): written through, nothing truncated"
else
  bad "-o /dev/stdout >>: $(cat "$T/err"); $(head -2 "$T/appended.txt")"
fi
# a killed writer's temp file is removed by the next write to the target
touch -d '2 minutes ago' "$T/real/target.info.tmp.Ab12Cd" "$T/real/other.info.tmp.Ab12Cd"
touch "$T/real/target.info.tmp.Xy34Zw" # a minute old at most: maybe a live writer's
"$B" cov merge "$SRC/tests/fuzz/seeds/lcov/basic.info" -o "$T/real/target.info" 2>/dev/null
if [ ! -e "$T/real/target.info.tmp.Ab12Cd" ] && [ -e "$T/real/other.info.tmp.Ab12Cd" ] &&
   [ -e "$T/real/target.info.tmp.Xy34Zw" ]; then
  ok "stale temp file of the target removed; other targets' and fresh ones kept"
else
  bad "stale temp files: $(ls "$T/real")"
fi

# --- 5. write errors on stdout ---
expect_err "cov merge > /dev/full" 2 "stdout" \
  sh -c "'$B' cov merge '$SRC/tests/fuzz/seeds/lcov/basic.info' >/dev/full"
expect_err "cov merge --format json > /dev/full" 2 "stdout" \
  sh -c "'$B' cov merge --format json '$SRC/tests/fuzz/seeds/lcov/basic.info' >/dev/full"
expect_err "verifier parse --format json > /dev/full" 2 "stdout" \
  sh -c "'$B' verifier parse --format json '$SRC'/tests/data/vlogs/6.18/*.log >/dev/full"

# --- 6. large counts saturate at 2^63-1 ---
printf 'SF:a.c\nBRDA:1,0,0,9223372036854775807\nDA:1,18446744073709551615\nend_of_record\n' >"$T/big.info"
"$B" cov merge "$T/big.info" "$T/big.info" -o "$T/big2.info" 2>"$T/err"
if grep -qx 'BRDA:1,0,0,9223372036854775807' "$T/big2.info" &&
   grep -qx 'DA:1,9223372036854775807' "$T/big2.info"; then
  ok "BRDA and DA counts saturate at 9223372036854775807"
else
  bad "saturation: $(cat "$T/err") $(cat "$T/big2.info")"
fi

$GEN flow 3 18446744073709551615 "$T/sat.o" "$T/sat.snap"
"$B" cov report "$T/sat.o" --snapshot "$T/sat.snap" --snapshot "$T/sat.snap" -o "$T/sat.info" 2>"$T/err"
if [ "$(grep -c '^DA:[0-9]*,9223372036854775807$' "$T/sat.info")" = 3 ] &&
   grep -qx 'FNDA:9223372036854775807,flow' "$T/sat.info"; then
  ok "counters near 2^64, read twice, saturate at 9223372036854775807"
else
  bad "counter saturation: $(cat "$T/err") $(grep -E '^(DA|FNDA)' "$T/sat.info")"
fi

# --- 7. cov merge writes only what it reads back; test names are kept ---
printf 'TN:\nSF:a.c\nFN:10,20,\nend_of_record\n' >"$T/emptyfn.info"
expect_err "FN with an empty name" 2 "empty function name" "$B" cov merge "$T/emptyfn.info"
printf 'TN:\nSF:a\0b.c\nDA:1,1\nend_of_record\n' >"$T/nul.info"
expect_err "NUL byte in an lcov line" 2 "NUL byte" "$B" cov merge "$T/nul.info"
printf 'TN:alpha\nSF:a.c\nDA:1,1\nend_of_record\nTN:beta\nSF:a.c\nDA:1,2\nend_of_record\n' >"$T/tn1.info"
printf 'TN:beta\nSF:a.c\nDA:1,3\nend_of_record\n' >"$T/tn2.info"
"$B" cov merge "$T/tn1.info" "$T/tn2.info" -o "$T/tn.info" 2>"$T/err"
if [ "$(grep -c '^TN:' "$T/tn.info")" = 2 ] &&
   [ "$(awk '/^TN:alpha/{t="a"} /^TN:beta/{t="b"} /^DA:/{print t $0}' "$T/tn.info" | tr '\n' ' ')" = "aDA:1,1 bDA:1,5 " ]; then
  ok "cov merge keeps test names apart"
else
  bad "cov merge test names: $(cat "$T/err") $(cat "$T/tn.info")"
fi
"$B" cov merge "$T/tn.info" -o "$T/tn-again.info" 2>/dev/null
cmp -s "$T/tn.info" "$T/tn-again.info" && ok "cov merge output is a fixed point" ||
  bad "cov merge of its own output changed it"
expect_err "control character in --test-name" 2 "control characters" \
  "$B" cov report "$T/flow.o" --snapshot "$T/flow.snap" --test-name "$(printf 'a\nb')"

# --- 8. float-to-int overflow: huge percentages are refused, not wrapped ---
printf 'file,prog,verdict,insns,insns_limit_pct\na.o,p,success,5,1e300\n' >"$T/huge.csv"
printf '[{"file":"a.o","prog":"p","verdict":"success","insns":5,"insns_limit_pct":1e300}]' >"$T/huge.json"
printf '* insns_limit_pct <=70 error\n' >"$T/pol"
expect_err "gate with insns_limit_pct 1e300 (CSV)" 2 "huge.csv" \
  "$B" verifier gate "$T/huge.csv" "$T/huge.csv" --policy "$T/pol"
expect_err "compare with insns_limit_pct 1e300 (JSON)" 2 "huge.json" \
  "$B" verifier compare "$T/huge.json" "$T/huge.json"
printf '{"schema_version":"x","programs":[]}' >"$T/sv.json"
expect_err "non-integer schema_version" 2 "schema_version must be a positive integer" \
  "$B" verifier compare "$T/sv.json" "$T/sv.json"

# --- 9. history: out-of-range import, read-only reads, no stray databases ---
python3 - "$SRC/tests/data/matrix/history-sample.json" "$T/dirty.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["runs"][0]["git_dirty"] = 4294967296
json.dump(d, open(sys.argv[2], "w"))
EOF
expect_err "history import git_dirty 2^32" 2 "git_dirty must be 1, 0 or -1" \
  "$B" history --db "$T/h.db" import "$T/dirty.json"
expect_err "history --db typo/x.db list" 2 "cannot open 'typo-dir/x.db'" \
  sh -c "cd '$T' && '$B' history --db typo-dir/x.db list"
[ ! -e "$T/typo-dir" ] && ok "a mistyped --db creates nothing" || bad "a mistyped --db created $T/typo-dir"
if "$B" history --db "$T/ro/h.db" import "$SRC/tests/data/matrix/history-sample.json" >/dev/null 2>&1; then
  chmod 0555 "$T/ro"
  chmod 0444 "$T/ro/h.db"
  rm -f "$T/ro/h.db-wal" "$T/ro/h.db-shm" 2>/dev/null
  chmod 0555 "$T/ro"
  if command -v setpriv >/dev/null && chmod o+x "$T" &&
     setpriv --reuid=65534 --regid=65534 --clear-groups "$B" history --db "$T/ro/h.db" list >"$T/out" 2>"$T/err" &&
     [ "$(grep -c complete "$T/out")" -ge 1 ]; then
    ok "another user lists a read-only store in a read-only directory"
  elif ! command -v setpriv >/dev/null || [ "$(id -u)" != 0 ]; then
    echo "skip read-only store as another user (needs root and setpriv)"
  else
    bad "read-only store as another user: $(cat "$T/err")"
  fi
  chmod 0755 "$T/ro"
else
  bad "history import of the sample failed"
fi

# --- 9b. the history store under two writers and a reader (WAL) ---
python3 - "$SRC/tests/data/matrix/history-sample.json" "$T" <<'EOF'
import json, sys, uuid
d = json.load(open(sys.argv[1]))
for w in range(2):
    for k in range(10):
        x = json.loads(json.dumps(d))
        for i, r in enumerate(x["runs"]):
            r["uuid"] = str(uuid.UUID(int=(w << 64) | (k << 8) | i))
        json.dump(x, open("%s/w%d-%d.json" % (sys.argv[2], w, k), "w"))
EOF
nruns=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"]))' "$SRC/tests/data/matrix/history-sample.json")
"$B" history --db "$T/wal.db" import "$T/w0-0.json" >/dev/null 2>&1 # create it first
( for k in $(seq 1 9); do "$B" history --db "$T/wal.db" import "$T/w0-$k.json" >/dev/null 2>>"$T/w0.err" || echo fail >>"$T/w0.err"; done ) &
w0=$!
( for k in $(seq 0 9); do "$B" history --db "$T/wal.db" import "$T/w1-$k.json" >/dev/null 2>>"$T/w1.err" || echo fail >>"$T/w1.err"; done ) &
w1=$!
rfail=0
while kill -0 $w0 2>/dev/null || kill -0 $w1 2>/dev/null; do
  "$B" -j history --db "$T/wal.db" list >"$T/list.json" 2>>"$T/r.err" &&
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/list.json" || rfail=$((rfail + 1))
done
wait $w0 $w1
total=$("$B" -j history --db "$T/wal.db" list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
if [ "$rfail" = 0 ] && ! grep -q fail "$T/w0.err" "$T/w1.err" && [ "$total" = $((20 * nruns)) ] &&
   [ "$(sqlite3 "$T/wal.db" 'PRAGMA integrity_check' 2>/dev/null || echo ok)" = ok ]; then
  ok "two writers and a reader on one store: $total runs, every read consistent"
else
  bad "WAL: $rfail failed reads, $total of $((20 * nruns)) runs; $(cat "$T/w0.err" "$T/w1.err" "$T/r.err" | head -3)"
fi

# --- 10. arguments are checked before any work ---
expect_err "--log-size -1" 2 "--log-size wants a byte count" \
  "$B" verifier stats --log-size -1 "$T/flow.o"
expect_err "-e nosuchfield before loading" 2 "unknown field 'nosuchfield'" \
  "$B" verifier stats -e nosuchfield "$T/flow.o"
expect_err "-o without its argument" 2 "option '-o' needs an argument" \
  "$B" cov merge "$T/tn1.info" -o
expect_err "--output without its argument" 2 "option '--output' needs an argument" \
  "$B" history export --output

# --- 10b. a killed matrix: its run is marked interrupted, its temp dir removed ---
python3 - "$SRC/tests/data/matrix/history-sample.json" "$T/running.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["runs"] = d["runs"][:1]
d["runs"][0]["status"] = "running"
json.dump(d, open(sys.argv[2], "w"))
EOF
"$B" history --db "$T/killed.db" import "$T/running.json" >/dev/null 2>&1
dead=$(mktemp -d /tmp/bpfgauge-matrix-XXXXXX)
alive=$(mktemp -d /tmp/bpfgauge-matrix-XXXXXX)
for d in "$dead" "$alive"; do
  touch "$d/lock"
  printf '1\n%s\n' "$T/killed.db" >"$d/owner"
done
flock "$alive/lock" sleep 30 &
holder=$!
sleep 0.3
# the matrix fails at once (the object is garbage), after reaping
head -c 100 /dev/urandom >"$T/junk.o"
ASAN_OPTIONS=detect_leaks=0 "$B" matrix --db "$T/m.db" -k host "$T/junk.o" >/dev/null 2>&1
status=$("$B" -j history --db "$T/killed.db" list 2>/dev/null |
         python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["status"])')
if [ ! -e "$dead" ] && [ "$status" = interrupted ] && [ -d "$alive" ]; then
  ok "abandoned matrix run marked interrupted, its temp dir removed; a live one kept"
else
  bad "abandoned matrix: status '$status'; dead dir: $(ls -d "$dead" 2>&1); live dir: $(ls -d "$alive" 2>&1)"
fi
pkill -P $holder sleep 2>/dev/null
kill $holder 2>/dev/null
wait $holder 2>/dev/null
rm -rf "$dead" "$alive"

# --- 11. messages: a load refused for lack of privileges is not a verification failure ---
REAL=$(ls "${BPFGAUGE_BPF_DIR:-/nonexistent}"/llvm-*/plain/loop.bpf.o 2>/dev/null | head -1)
if [ -n "$REAL" ] && [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  cp "$REAL" "$T/loop.o" && chmod 0644 "$T/loop.o" && chmod o+x "$T"
  expect_err "verifier stats as an unprivileged user" 2 "refused to load 1 of 1 programs \\(EPERM\\).*CAP_BPF" \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$B" verifier stats "$T/loop.o"
else
  echo "skip unprivileged verifier stats (needs root, setpriv and a built example object)"
fi

exit $fail
