#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# bpfgauge cov merge/summary on hand-written tracefiles, checked against
# numbers worked out by hand and against the real lcov, genhtml and xmllint.
set -u
bg=${BPFGAUGE:?}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
want_rc() { [ "$2" = "$3" ] && ok "$1" || bad "$1: exit $3, want $2"; }

mkdir -p "$t/src"
printf 'int a;\nint b;\nint c;\nint d;\nint e;\n' > "$t/src/x.c"
cat > "$t/a.info" <<EOF2
TN:a
SF:$t/src/x.c
FN:1,f
FN:4,g
FNDA:2,f
FNDA:0,g
FNF:2
FNH:1
BRDA:2,0,0,2
BRDA:2,0,1,0
BRDA:4,0,0,-
BRDA:4,0,1,-
BRF:4
BRH:1
DA:1,2
DA:2,2
DA:3,0
DA:4,0
LF:4
LH:2
end_of_record
EOF2
cat > "$t/b.info" <<EOF2
TN:b
SF:$t/src/x.c
FN:1,f
FN:4,g
FNDA:1,f
FNDA:3,g
BRDA:2,0,0,0
BRDA:2,0,1,1
BRDA:4,0,0,3
BRDA:4,0,1,-
DA:1,1
DA:2,1
DA:3,0
DA:4,3
DA:5,3
end_of_record
EOF2

"$bg" cov merge "$t/a.info" "$t/b.info" -o "$t/m.info"; want_rc merge 0 $?
# like lcov -a, the output keeps one block per test name (TN:a, TN:b); the
# sums over tests, by hand: DA 1:3 2:3 3:0 4:3 5:3; FNDA f=3 g=3;
# BRDA 2,0,0=2 2,0,1=1 4,0,0=3 4,0,1=-
sums() { # the per-record sums over every TN block of a tracefile
  awk -F'[:,]' '
    /^DA:/ { da[$2] += $3 }
    /^FNDA:/ { fn[$3] += $2 }
    /^BRDA:/ { k = $2 "," $3 "," $4; if ($5 != "-") { br[k] += $5; seen[k] = 1 } else if (!(k in seen)) br[k] = "-" }
    END {
      for (l in da) print "DA:" l "," da[l]
      for (f in fn) print "FNDA:" fn[f] "," f
      for (k in br) print "BRDA:" k "," br[k]
    }' "$1" | sort
}
sums "$t/m.info" > "$t/m.sums"
for l in "DA:1,3" "DA:2,3" "DA:3,0" "DA:4,3" "DA:5,3" "FNDA:3,f" "FNDA:3,g" \
         "BRDA:2,0,0,2" "BRDA:2,0,1,1" "BRDA:4,0,0,3" "BRDA:4,0,1,-"; do
  grep -qx "$l" "$t/m.sums" && ok "merged sums to $l" || bad "merged does not sum to $l"
done
[ "$(grep -c '^TN:a$' "$t/m.info") $(grep -c '^TN:b$' "$t/m.info")" = "1 1" ] &&
  ok "merged keeps TN:a and TN:b apart" || bad "merged test names: $(grep '^TN:' "$t/m.info" | tr '\n' ' ')"
# -o replaces (does not merge into) the previous merge output
"$bg" cov merge "$t/a.info" "$t/b.info" -o "$t/m.info"
sums "$t/m.info" | grep -qx "DA:1,3" && ok "merge -o replaces" || bad "merge -o re-merged"

# the real lcov tools accept it without warnings
if command -v lcov >/dev/null; then
  out=$(lcov --summary "$t/m.info" --rc lcov_branch_coverage=1 2>&1); rc=$?
  want_rc "lcov --summary" 0 $rc
  grep -q "lines......: 80.0% (4 of 5 lines)" <<<"$out" && ok "lcov line summary" || bad "lcov line summary: $out"
  grep -q "branches...: 75.0% (3 of 4 branches)" <<<"$out" && ok "lcov branch summary" || bad "lcov branch summary: $out"
  grep -qi "warning" <<<"$out" && bad "lcov warned: $out"
  out=$(lcov -a "$t/a.info" -a "$t/b.info" -o "$t/lm.info" --rc lcov_branch_coverage=1 2>&1); want_rc "lcov -a" 0 $?
  grep -qi "warning" <<<"$out" && bad "lcov -a warned: $out"
  grep -qx "DA:4,3" "$t/lm.info" && ok "lcov -a agrees on DA:4" || bad "lcov -a DA:4"
  # lcov -a is the oracle for how test names merge: same records per TN
  per_tn() { awk '/^TN:/ { tn = $0 } /^(DA|FNDA):/ { print tn "|" $0 }' "$1" | sort; }
  [ "$(per_tn "$t/lm.info")" = "$(per_tn "$t/m.info")" ] && ok "lcov -a agrees per test name" ||
    bad "lcov -a per test name: $(diff <(per_tn "$t/lm.info") <(per_tn "$t/m.info") | head -5)"
  out=$(genhtml -q --branch-coverage -o "$t/html" "$t/m.info" 2>&1); want_rc genhtml 0 $?
  [ -z "$out" ] && ok "genhtml silent" || bad "genhtml said: $out"
  [ -f "$t/html/index.html" ] && ok "genhtml index" || bad "no index.html"
else
  echo "SKIP-PART: lcov not installed"
fi

# summary gate
out=$("$bg" cov summary "$t/m.info"); want_rc summary 0 $?
grep -q "lines......: 80.0% (4 of 5)" <<<"$out" && ok "summary lines" || bad "summary lines: $out"
"$bg" cov summary "$t/m.info" --fail-under-lines 80 >/dev/null; want_rc "gate at 80" 0 $?
"$bg" cov summary "$t/m.info" --fail-under-lines 80.1 >/dev/null 2>&1; want_rc "gate at 80.1" 1 $?
"$bg" cov summary "$t/m.info" --fail-under-branches 76 >/dev/null 2>&1; want_rc "branch gate" 1 $?
out=$("$bg" -j cov summary "$t/m.info" --fail-under-functions 100); want_rc "json summary" 0 $?
grep -q '"lines":{"found":5,"hit":4,"percent":80' <<<"$out" && ok "json lines" || bad "json: $out"
"$bg" cov summary "$t/m.info" --fail-under-lines abc >/dev/null 2>&1; want_rc "bad pct" 2 $?

# a threshold over nothing fails (lcov --summary rejects these files too)
: > "$t/empty.info"
printf 'TN:t\nSF:%s\nend_of_record\n' "$t/src/x.c" > "$t/nolines.info"
for f in empty nolines; do
  err=$("$bg" cov summary "$t/$f.info" --fail-under-lines 70 2>&1 >/dev/null); want_rc "$f: --fail-under-lines over 0 lines" 1 $?
  grep -q "no instrumented lines (0 of 0), so --fail-under-lines 70.0% fails" <<<"$err" && ok "$f: says why" || bad "$f: $err"
  out=$("$bg" cov summary "$t/$f.info"); want_rc "$f: summary without a gate" 0 $?
  grep -q "lines......: n/a (0 of 0)" <<<"$out" && ok "$f: 0 of 0 is n/a, not 100%" || bad "$f: $out"
  out=$("$bg" -j cov summary "$t/$f.info" --fail-under-lines 0 2>/dev/null); want_rc "$f: even --fail-under-lines 0" 1 $?
  grep -q '"lines":{"found":0,"hit":0,"percent":null,"fail_under":0,"ok":false}' <<<"$out" &&
    grep -q '"ok":false}$' <<<"$out" && ok "$f: json percent null, ok false" || bad "$f json: $out"
done
# lines above the gate, but a branch gate over a report without branches fails alone
"$bg" cov summary "$t/a.info" --fail-under-lines 10 >/dev/null 2>&1; want_rc "lines gate with lines" 0 $?
sed '/^BR/d' "$t/a.info" > "$t/nobr.info"
err=$("$bg" cov summary "$t/nobr.info" --fail-under-lines 10 --fail-under-branches 1 2>&1 >/dev/null); want_rc "branch gate over 0 branches" 1 $?
grep -q "no instrumented branches" <<<"$err" && ! grep -q "lines" <<<"$err" && ok "only the branch gate failed" || bad "gates: $err"

# other formats
"$bg" cov merge "$t/m.info" --format cobertura -o "$t/c.xml"; want_rc cobertura 0 $?
if command -v xmllint >/dev/null; then
  xmllint --noout "$t/c.xml" && ok "cobertura well-formed" || bad "xmllint failed"
  v=$(xmllint --xpath 'string(/coverage/@lines-covered)' "$t/c.xml"); [ "$v" = 4 ] && ok "cobertura lines-covered" || bad "lines-covered=$v"
  v=$(xmllint --xpath 'string(//class/lines/line[@number="2"]/@condition-coverage)' "$t/c.xml")
  [ "$v" = "100% (2/2)" ] && ok "cobertura condition-coverage" || bad "condition-coverage=$v"
fi
# Cobertura's sources root (as gcovr --root): relative file names under it
if command -v xmllint >/dev/null; then
  rt=$(cd "$t" && pwd -P)
  "$bg" cov merge "$t/m.info" --format cobertura --root "$t" -o "$t/r.xml"; want_rc "cobertura --root" 0 $?
  v=$(xmllint --xpath 'string(/coverage/sources/source)' "$t/r.xml"); [ "$v" = "$rt" ] && ok "--root: <source> is $v" || bad "--root source: $v"
  v=$(xmllint --xpath 'string(//class/@filename)' "$t/r.xml"); [ "$v" = "src/x.c" ] && ok "--root: filename relative: $v" || bad "--root filename: $v"
  v=$(xmllint --xpath 'string(//package/@name)' "$t/r.xml"); [ "$v" = "src" ] && ok "--root: package src" || bad "--root package: $v"
  [ -f "$rt/$(xmllint --xpath 'string(//class/@filename)' "$t/r.xml")" ] && ok "--root: source + filename is the file" || bad "--root: not resolvable"
  # default outside a git tree: the working directory
  (cd "$t/src" && "$bg" cov merge "$t/m.info" --format cobertura -o "$t/d.xml"); want_rc "cobertura default root" 0 $?
  v=$(xmllint --xpath 'string(//class/@filename)' "$t/d.xml")
  s=$(xmllint --xpath 'string(/coverage/sources/source)' "$t/d.xml")
  if git -C "$t/src" rev-parse --show-toplevel >/dev/null 2>&1; then
    echo "note: $t is inside a git tree; cwd default not checked"
  else
    [ "$s" = "$rt/src" ] && [ "$v" = "x.c" ] && ok "default root outside git: cwd ($s), filename $v" || bad "default root: source $s filename $v"
  fi
  # default inside a git tree: its top level, from a subdirectory
  if command -v git >/dev/null; then
    mkdir -p "$t/g/sub/deeper" && git init -q "$t/g" && cp "$t/src/x.c" "$t/g/sub/y.c"
    sed "s|^SF:.*|SF:$rt/g/sub/y.c|" "$t/a.info" > "$t/g.info"
    (cd "$t/g/sub/deeper" && "$bg" cov merge "$t/g.info" "$t/b.info" --format cobertura -o "$t/g.xml"); want_rc "cobertura in git" 0 $?
    s=$(xmllint --xpath 'string(/coverage/sources/source)' "$t/g.xml")
    [ "$s" = "$rt/g" ] && ok "default root in git: the top level ($s)" || bad "git root: $s"
    v=$(xmllint --xpath 'string(//class[@name="y.c"]/@filename)' "$t/g.xml")
    [ "$v" = "sub/y.c" ] && ok "in git: filename $v" || bad "in git filename: $v"
    v=$(xmllint --xpath 'string(//class[@name="x.c"]/@filename)' "$t/g.xml")
    [ "$v" = "$rt/src/x.c" ] && ok "a file outside the root keeps its absolute name" || bad "outside root: $v"
  fi
  "$bg" cov merge "$t/m.info" --format cobertura --root "$t/nonexistent" -o "$t/n.xml" 2>/dev/null; want_rc "--root missing dir" 2 $?
fi

"$bg" cov merge "$t/m.info" --format json -o "$t/c.json"; want_rc json 0 $?
grep -q '"schema_version": 1' "$t/c.json" && ok "json schema" || bad "json schema"

# -j: what cov merge and cov report wrote, and the totals per file and in all.
# By hand from a.info + b.info (sums above): lines 1..5 with 4 hit; f and g
# both run; branches 2,0,0=2 2,0,1=1 4,0,0=3 hit, 4,0,1='-' not.
jval() { # FILE PYTHON-EXPR-ON-d: prints the value, or FAIL when no single document
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null || echo FAIL
}
jwant() { # name FILE EXPR WANT
  local v; v=$(jval "$2" "$3")
  [ "$v" = "$4" ] && ok "$1: $3 = $4" || bad "$1: $3 = $v, want $4 ($(head -c 400 "$2"))"
}
"$bg" -j cov merge "$t/a.info" "$t/b.info" -o "$t/mj.info" >"$t/mj.json"; want_rc "merge -j" 0 $?
python3 -m json.tool "$t/mj.json" >/dev/null && ok "merge -j: one JSON document" || bad "merge -j: $(cat "$t/mj.json")"
jwant "merge -j" "$t/mj.json" 'd["kind"], d["schema_version"], d["command"]' "('bpfgauge-cov-result', 1, 'merge')"
jwant "merge -j" "$t/mj.json" 'd["output"], d["format"], d["inputs"]' "('$t/mj.info', 'lcov', ['$t/a.info', '$t/b.info'])"
jwant "merge -j" "$t/mj.json" '[(f["path"], f["lines"]["found"], f["lines"]["hit"]) for f in d["files"]]' "[('$t/src/x.c', 5, 4)]"
jwant "merge -j" "$t/mj.json" 'd["files"][0]["functions"]["found"], d["files"][0]["functions"]["hit"]' "(2, 2)"
jwant "merge -j" "$t/mj.json" 'd["files"][0]["branches"]["found"], d["files"][0]["branches"]["hit"]' "(4, 3)"
jwant "merge -j" "$t/mj.json" '[(k, d["total"][k]["found"], d["total"][k]["hit"]) for k in ("lines", "functions", "branches")]' \
  "[('lines', 5, 4), ('functions', 2, 2), ('branches', 4, 3)]"
jwant "merge -j" "$t/mj.json" 'd["total"]["files"], d["total"]["lines"]["percent"] == 80, d["test_names"]' "(1, True, ['a', 'b'])"
cmp -s "$t/mj.info" "$t/m.info" && ok "merge -j writes the same tracefile" || bad "merge -j tracefile differs"
# -p before or after, and with another format: the same numbers
"$bg" cov merge "$t/a.info" "$t/b.info" -o "$t/mj.info" -p >"$t/mp.json"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(a != b)' "$t/mj.json" "$t/mp.json" &&
  ok "merge -p after the command: the same document" || bad "merge -p differs: $(cat "$t/mp.json")"
"$bg" -j cov merge "$t/a.info" "$t/b.info" --format cobertura -o "$t/mj.xml" >"$t/mc.json"
jwant "merge -j cobertura" "$t/mc.json" 'd["format"], d["total"]["lines"]["hit"], d["total"]["branches"]["hit"]' "('cobertura', 4, 3)"
# under -j the coverage cannot go to stdout: one error document, exit 2
"$bg" -j cov merge "$t/a.info" >"$t/mo.json" 2>"$t/mo.err"; want_rc "merge -j without -o" 2 $?
jwant "merge -j without -o" "$t/mo.json" '"-o FILE" in d["error"]' True
[ "$(wc -l <"$t/mo.err")" = 1 ] && ok "merge -j without -o: one stderr line" || bad "stderr: $(cat "$t/mo.err")"
# an error after -j: still one document (the error), never two
"$bg" -j cov merge "$t/a.info" "$t/bad.info.none" -o "$t/mx.info" >"$t/me.json" 2>/dev/null; want_rc "merge -j missing input" 2 $?
jwant "merge -j missing input" "$t/me.json" 'list(d)' "['error']"

# cov report -j, from synthetic objects and snapshots (tests/harness/gen_mapping.py):
# flow 3 5 = lines 1..3 run 5 times in one function; chain 2 = another object's counters
gen="python3 ${BPFGAUGE_SRC:?}/tests/harness/gen_mapping.py"
$gen flow 3 5 "$t/flow.o" "$t/flow.snap" && $gen chain 2 "$t/other.o" "$t/other.snap" || bad "gen_mapping"
"$bg" cov report "$t/flow.o" --snapshot "$t/flow.snap" --snapshot "$t/other.snap" -j -o "$t/r.info" >"$t/r.json"
want_rc "report -j" 0 $?
jwant "report -j" "$t/r.json" 'd["command"], d["output"], d["inputs"], d["snapshots"]' \
  "('report', '$t/r.info', ['$t/flow.o'], ['$t/flow.snap', '$t/other.snap'])"
jwant "report -j" "$t/r.json" 'd["counter_maps"], d["unmatched"]["counter_maps"], d["unmatched"]["segments"]' "(2, 1, 1)"
"$bg" cov report "$t/flow.o" --snapshot "$t/flow.snap" --test-name t1 -o "$t/r3.info" -j >"$t/r3.json"
jwant "report -j --test-name" "$t/r3.json" 'd["test_names"], d["unmatched"]["counter_maps"]' "(['t1'], 0)"
jwant "report -j" "$t/r.json" '[(k, d["total"][k]["found"], d["total"][k]["hit"]) for k in ("lines", "functions", "branches")]' \
  "[('lines', 3, 3), ('functions', 1, 1), ('branches', 0, 0)]"
jwant "report -j" "$t/r.json" 'd["total"]["branches"]["percent"]' "None"
[ "$(grep -c '^DA:[123],5$' "$t/r.info")" = 3 ] && ok "report -j: the tracefile holds DA:1..3,5" || bad "report -j tracefile: $(cat "$t/r.info")"
"$bg" -j cov report "$t/flow.o" --snapshot "$t/other.snap" -o "$t/r2.info" >"$t/r2.json" 2>/dev/null; want_rc "report -j stale" 2 $?
jwant "report -j stale: one error document" "$t/r2.json" '"stale or foreign" in d["error"]' True

# bad input: one line, exit 2, the old output kept
printf 'SF:x\nDA:zz\nend_of_record\n' > "$t/bad.info"
cp "$t/m.info" "$t/keep.info"
err=$("$bg" cov merge "$t/bad.info" -o "$t/m.info" 2>&1); want_rc "garbage tracefile" 2 $?
cmp -s "$t/m.info" "$t/keep.info" && ok "old output kept" || bad "output clobbered"
grep -q "bad.info:2: malformed lcov: bad DA" <<<"$err" && ok "error names file:line" || bad "error: $err"
"$bg" cov merge "$t/a.info" -o /nonexistent/dir/x.info 2>/dev/null; want_rc "unwritable" 2 $?
"$bg" cov report /bin/sh 2>/dev/null; want_rc "report non-BPF ELF" 2 $?
err=$("$bg" cov report "$t/a.info" 2>&1); want_rc "report non-ELF" 2 $?
[ "$(printf '%s\n' "$err" | grep -c 'error:')" = 1 ] && ok "one error line" || bad "errors: $err"
"$bg" cov report 2>/dev/null; want_rc "report no objects" 2 $?
"$bg" cov report x.o --format pdf 2>/dev/null; want_rc "bad format" 2 $?

[ $fail = 0 ] && echo "cov cli: all passed"
exit $fail
