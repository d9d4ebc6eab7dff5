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

# other formats
"$bg" cov merge "$t/m.info" --format cobertura -o "$t/c.xml"; want_rc cobertura 0 $?
if command -v xmllint >/dev/null; then
  xmllint --noout "$t/c.xml" && ok "cobertura well-formed" || bad "xmllint failed"
  v=$(xmllint --xpath 'string(/coverage/@lines-covered)' "$t/c.xml"); [ "$v" = 4 ] && ok "cobertura lines-covered" || bad "lines-covered=$v"
  v=$(xmllint --xpath 'string(//class/lines/line[@number="2"]/@condition-coverage)' "$t/c.xml")
  [ "$v" = "100% (2/2)" ] && ok "cobertura condition-coverage" || bad "condition-coverage=$v"
fi
"$bg" cov merge "$t/m.info" --format json -o "$t/c.json"; want_rc json 0 $?
grep -q '"schema_version": 1' "$t/c.json" && ok "json schema" || bad "json schema"

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
