#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# bpfgauge verifier parse/compare/gate/hotspots on stored logs and hand-made
# result files: exit codes, one-line errors, veristat CSV input, gate outputs.
set -u
bg=${BPFGAUGE:?}
data=${BPFGAUGE_DATA:?}
logs=$data/vlogs/6.18
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
check() { [ "$2" = "$3" ] && ok "$1" || bad "$1: exit $3, want $2"; }
has() { grep -q -- "$2" <<<"$3" && ok "$1" || bad "$1: no '$2' in: $3"; }
one_line_err() { # name cmd...
  local name=$1; shift
  local err rc
  err=$("$@" 2>&1 >/dev/null); rc=$?
  check "$name exit" 2 $rc
  [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && ok "$name one line" || bad "$name: stderr: $err"
  has "$name prefix" "^bpfgauge: error: " "$err"
}

# help names every command and option it has
h=$("$bg" verifier help); check help 0 $?
for w in stats parse compare gate hotspots --allow-failures --log-level --log-size --no-retry \
         --log-dir --policy --lcov veristat-csv insns_limit_pct; do has "help $w" "$w" "$h"; done

# parse: classes from real logs
out=$("$bg" verifier parse --format csv -e prog,verdict,class,insns "$logs"/fail_stack.l1.log "$logs"/pass_subprog.l1.log)
check parse 0 $?
has parse-stack "^fail_stack.l1,fail,stack,40" "$out"
has parse-pass "^pass_subprog.l1,pass,none,592" "$out"
out=$(cat "$logs"/fail_mem.l1.log | "$bg" -j verifier parse -); check parse-stdin 0 $?
has parse-json-schema '"schema_version":1' "$out"
has parse-json-class '"class":"mem_access"' "$out"

# bad logs: empty, binary garbage, missing
: >"$tmp/empty.log"
head -c 4096 /dev/urandom >"$tmp/garbage.log"
one_line_err parse-empty "$bg" verifier parse "$tmp/empty.log"
one_line_err parse-garbage "$bg" verifier parse "$tmp/garbage.log"
one_line_err parse-missing "$bg" verifier parse "$tmp/nope.log"
# random bytes may contain a keyword by chance: still never a log
nbin=0
for i in $(seq 50); do
  head -c 4096 /dev/urandom >"$tmp/g.log"
  "$bg" verifier parse "$tmp/g.log" >/dev/null 2>&1
  [ $? = 2 ] || { nbin=$((nbin + 1)); cp "$tmp/g.log" "$tmp/accepted-garbage.log"; }
done
[ $nbin = 0 ] && ok "50 random binary files refused" || bad "$nbin of 50 random binary files parsed as logs"
head -c 1500 "$logs"/fail_ref.l2.log >"$tmp/cut.log"
err=$("$bg" verifier parse "$tmp/cut.log" 2>&1 >/dev/null); check parse-truncated 0 $?
has parse-truncated-msg "truncated" "$err"

# stats: bad objects are exit 2 with one line (no kernel needed to refuse them)
one_line_err stats-missing "$bg" verifier stats "$tmp/nope.o"
printf 'hello' >"$tmp/text.o"
one_line_err stats-not-elf "$bg" verifier stats "$tmp/text.o"
one_line_err stats-elf-not-bpf "$bg" verifier stats /bin/true
one_line_err stats-bad-format "$bg" verifier stats --format yaml /bin/true
one_line_err stats-bad-field "$bg" verifier stats -e nosuchfield /bin/true

# compare: our CSV vs veristat's CSV, joined on basename + program
cat >"$tmp/base.csv" <<'CSV'
file_name,prog_name,verdict,duration,total_insns,total_states,peak_states,max_states_per_insn,mark_read_max_len
a.bpf.o,xdp_a,success,100,1000,10,10,1,0
a.bpf.o,xdp_b,success,100,2000,20,20,1,0
a.bpf.o,gone,success,100,5,1,1,1,0
CSV
cat >"$tmp/new.csv" <<'CSV'
file,prog,verdict,class,insns,states,duration,stack_limit_pct,insns_limit_pct
/build/a.bpf.o,xdp_a,pass,none,1040,10,900,10.00,0.10
/build/a.bpf.o,xdp_b,fail,complexity,1000001,99,120,20.00,100.00
/build/a.bpf.o,"fresh, quoted",pass,none,7,1,5,80.00,0.00
CSV
out=$("$bg" verifier compare --format csv -e insns "$tmp/base.csv" "$tmp/new.csv"); check compare 0 $?
has compare-a "^/build/a.bpf.o,xdp_a,both,1000,1040,+40,+4.00" "$out"
has compare-new '^/build/a.bpf.o,"fresh, quoted",new' "$out"
has compare-removed "^a.bpf.o,gone,removed,5," "$out"
out=$("$bg" verifier compare --format csv -e insns -f 'insns_pct>=5' "$tmp/base.csv" "$tmp/new.csv")
has compare-filter-keeps "xdp_b,both" "$out"
grep -q "xdp_a" <<<"$out" && bad "compare filter kept xdp_a (+4%)" || ok "compare filter drops xdp_a"
one_line_err compare-bad-filter "$bg" verifier compare -f 'insns~5' "$tmp/base.csv" "$tmp/new.csv"
printf 'not,a\n"broken' >"$tmp/broken.csv"
one_line_err compare-broken-csv "$bg" verifier compare "$tmp/base.csv" "$tmp/broken.csv"

# veristat's filters: GLOB (object file name or program), OBJ/PROG, OBJ/,
# /PROG, '!' to exclude, @FILE; name globs and NAME OP VALUE together
cat >"$tmp/fb.csv" <<'CSV'
file,prog,verdict,insns
a.bpf.o,xdp_a,pass,100
a.bpf.o,xdp_b,pass,200
a.bpf.o,tc_main,pass,300
b.bpf.o,xdp_a,pass,400
b.bpf.o,gone,pass,5
CSV
cat >"$tmp/fn.csv" <<'CSV'
file,prog,verdict,insns
/build/a.bpf.o,xdp_a,pass,110
/build/a.bpf.o,xdp_b,pass,200
/build/a.bpf.o,tc_main,pass,330
/build/b.bpf.o,xdp_a,pass,400
/build/b.bpf.o,fresh,pass,7
CSV
rows() { # compare's rows as "obj/prog" sorted, for the filters given
  "$bg" verifier compare --format csv -e insns "$@" "$tmp/fb.csv" "$tmp/fn.csv" | tail -n +2 |
    cut -d, -f1,2 | sed 's|^/build/||; s|,|/|' | sort | tr '\n' ' '
}
frows() { # name, want, filters...
  local name=$1 want=$2 got; shift 2
  got=$(rows "$@")
  [ "$got" = "$want" ] && ok "filter $name: $got" || bad "filter $name: got '$got', want '$want'"
}
frows "none" "a.bpf.o/tc_main a.bpf.o/xdp_a a.bpf.o/xdp_b b.bpf.o/fresh b.bpf.o/gone b.bpf.o/xdp_a "
frows "OBJ/PROG glob" "a.bpf.o/xdp_a a.bpf.o/xdp_b " -f 'a.bpf.o/xdp_*'
frows "GLOB is a program" "a.bpf.o/xdp_a b.bpf.o/xdp_a " -f xdp_a
frows "GLOB is an object" "b.bpf.o/fresh b.bpf.o/gone b.bpf.o/xdp_a " -f 'b.bpf.o'
frows "OBJ/" "b.bpf.o/fresh b.bpf.o/gone b.bpf.o/xdp_a " -f 'b.bpf.o/'
frows "/PROG" "a.bpf.o/tc_main " -f '/tc_*'
frows "!GLOB" "a.bpf.o/tc_main b.bpf.o/fresh b.bpf.o/gone " -f '!*/xdp_*'
frows "!OBJ/PROG drops that program only" "a.bpf.o/tc_main a.bpf.o/xdp_a b.bpf.o/fresh b.bpf.o/gone b.bpf.o/xdp_a " -f '!a.bpf.o/xdp_b'
frows "two globs: either" "a.bpf.o/tc_main a.bpf.o/xdp_a a.bpf.o/xdp_b b.bpf.o/fresh " -f 'a.bpf.o/' -f '/fresh'
frows "glob and stat: both" "a.bpf.o/xdp_a " -f 'xdp_*' -f 'insns_diff>0'
frows "!stat" "a.bpf.o/xdp_b b.bpf.o/fresh b.bpf.o/gone b.bpf.o/xdp_a " -f '!insns_diff>0'
printf '# the programs of a, but not xdp_b\n\n  a.bpf.o/\n!a.bpf.o/xdp_b\n' >"$tmp/filters"
frows "@FILE" "a.bpf.o/tc_main a.bpf.o/xdp_a " -f "@$tmp/filters"
one_line_err filter-file-missing "$bg" verifier compare -f "@$tmp/nofilters" "$tmp/fb.csv" "$tmp/fn.csv"
printf 'a.bpf.o/\ninsns ~ 5\n' >"$tmp/badfilters"
one_line_err filter-file-bad-line "$bg" verifier compare -f "@$tmp/badfilters" "$tmp/fb.csv" "$tmp/fn.csv"
one_line_err filter-empty "$bg" verifier compare -f '!' "$tmp/fb.csv" "$tmp/fn.csv"
# veristat's -C: stats -C BASE NEW is compare
a1=$("$bg" verifier compare --format csv -e insns -f 'a.bpf.o/' "$tmp/fb.csv" "$tmp/fn.csv")
a2=$("$bg" verifier stats -C --format csv -e insns -f 'a.bpf.o/' "$tmp/fb.csv" "$tmp/fn.csv"); check stats-C 0 $?
[ -n "$a1" ] && [ "$a1" = "$a2" ] && ok "stats -C is compare" || bad "stats -C: $a2 / compare: $a1"
# parse takes them too (a log's program is named after its file)
out=$("$bg" verifier parse --format csv -e prog -f 'fail_*' "$logs"/fail_stack.l1.log "$logs"/pass_subprog.l1.log | tail -n +2 | tr -d '\r' | tr '\n' ' ')
[ "$out" = "fail_stack.l1 " ] && ok "parse -f GLOB" || bad "parse -f GLOB: '$out'"
out=$("$bg" verifier parse --format csv -e prog -f '!fail_*' "$logs"/fail_stack.l1.log "$logs"/pass_subprog.l1.log | tail -n +2 | tr -d '\r' | tr '\n' ' ')
[ "$out" = "pass_subprog.l1 " ] && ok "parse -f !GLOB" || bad "parse -f !GLOB: '$out'"

# compare aligns long names: every column as wide as its widest cell (a
# 60-character program name, a +999901.00 percentage wider than its header)
long=$(printf 'p%.0s' $(seq 60))
printf 'file,prog,verdict,insns,states\na.bpf.o,%s,pass,100,5\na.bpf.o,x,pass,7,1\n' "$long" >"$tmp/l1.csv"
printf 'file,prog,verdict,insns,states\na.bpf.o,%s,fail,1000001,123456\na.bpf.o,x,pass,9,1\n' "$long" >"$tmp/l2.csv"
"$bg" verifier compare "$tmp/l1.csv" "$tmp/l2.csv" >"$tmp/al.txt"; check compare-long 0 $?
tbl=$(sed '/^$/,$d' "$tmp/al.txt")
[ "$(wc -l <<<"$tbl")" = 3 ] && [ "$(awk '{ print length($0) }' <<<"$tbl" | sort -u | wc -l)" = 1 ] &&
  ok "compare table: header and rows of one width ($(head -1 <<<"$tbl" | awk '{print length($0)}'))" ||
  bad "compare table widths: $(awk '{ print length($0) }' <<<"$tbl" | tr '\n' ' ')"
hdr=$(head -1 <<<"$tbl")
for col in Status "Insns (%)" "States (%)"; do
  pre=${hdr%%"$col"*}
  e=$(( ${#pre} + ${#col} ))
  # right-aligned values end where the header does; Status starts where it does
  if [ "$col" = Status ]; then
    c=$(awk -v s=$((${#pre} + 1)) 'NR > 1 { print substr($0, s, 4) }' <<<"$tbl" | sort -u)
    [ "$c" = both ] && ok "compare: Status column at $((${#pre} + 1)) in every row" || bad "Status column: '$c'"
  else
    c=$(awk -v e=$e 'NR > 1 { x = substr($0, e, 1); y = substr($0, e + 1, 1)
      print (x != " " && x != "" && (y == " " || y == "")) ? "end" : "off" }' <<<"$tbl" | sort -u)
    [ "$c" = end ] && ok "compare: '$col' values end at column $e in every row" || bad "'$col' values do not end at $e: $tbl"
  fi
done
grep -q "$long" "$tmp/al.txt" && ok "compare: the 60-character name whole" || bad "long name cut: $(cat "$tmp/al.txt")"

# gate
cat >"$tmp/policy" <<'POL'
# GLOB METRIC RULE [warn|error]
*      insns            +10%
*      verdict          no-regress
*      insns_limit_pct  <=70
*      stack_limit_pct  <=75
*      duration         +50%
fresh* stack_limit_pct  <=90
POL
out=$("$bg" verifier gate "$tmp/base.csv" "$tmp/new.csv" --policy "$tmp/policy"); check gate-fails 1 $?
has gate-pass-fail "xdp_b: verdict pass -> fail (complexity)" "$out"
has gate-headroom "insns_limit_pct 100.00, must be <= 70.00" "$out"
has gate-dur-warn "warning: /build/a.bpf.o/xdp_a: duration 100 -> 900" "$out"
grep -q "error: .*xdp_a" <<<"$out" && bad "gate flagged xdp_a (+4% insns) as an error" || ok "gate: +4% within +10%"
grep -q "fresh, quoted.*stack" <<<"$out" && bad "gate ignored the later fresh* override" || ok "gate override wins"
has gate-removed "warning: a.bpf.o/gone: program removed" "$out"
out=$("$bg" verifier gate "$tmp/base.csv" "$tmp/new.csv" --policy "$tmp/policy" --format github)
has gate-github "^::error file=/build/a.bpf.o,title=bpfgauge verifier gate::xdp_b: verdict pass -> fail" "$out"
has gate-github-warn "^::warning " "$out"
# annotations point at the program's source line when its object is on disk
# (BTF line info; the expected file and line come from DWARF's DW_AT_decl_*)
src=${BPFGAUGE_SRC:?}
for m in ${BPFGAUGE_LLVM_MAJORS//,/ }; do
  o=${BPFGAUGE_BPF_DIR:?}/llvm-$m/plain/xdp_parse.bpf.o
  [ -f "$o" ] && command -v "llvm-dwarfdump-$m" >/dev/null || continue
  dw=$("llvm-dwarfdump-$m" --name=xdp_parse "$o")
  wfile=$(sed -n 's/.*DW_AT_decl_file[^"]*"\(.*\)").*/\1/p' <<<"$dw" | head -n1)
  wline=$(sed -n 's/.*DW_AT_decl_line[^0-9]*\([0-9]*\)).*/\1/p' <<<"$dw" | head -n1)
  top=$(cd "$src" && git rev-parse --show-toplevel 2>/dev/null || pwd -P)
  wfile=${wfile#"$top"/}
  printf 'file,prog,verdict,insns\n%s,xdp_parse,pass,100\n' "$o" >"$tmp/gb.csv"
  printf 'file,prog,verdict,class,insns\n%s,xdp_parse,fail,complexity,1000001\n' "$o" >"$tmp/gn.csv"
  printf '* verdict no-regress\n' >"$tmp/gpol"
  out=$(cd "$src" && "$bg" verifier gate "$tmp/gb.csv" "$tmp/gn.csv" --policy "$tmp/gpol" --format github); check "gate github src llvm-$m" 1 $?
  has "gate github -> $wfile:$wline (llvm-$m)" "^::error file=$wfile,line=$wline,title=bpfgauge verifier gate::$o/xdp_parse: verdict pass -> fail" "$out"
  [ -f "$top/$wfile" ] && ok "annotation file resolves under the top level" || bad "annotation file $top/$wfile"
  out=$(cd "$src" && "$bg" -j verifier gate "$tmp/gb.csv" "$tmp/gn.csv" --policy "$tmp/gpol")
  has "gate json source_file (llvm-$m)" "\"source_file\":\"$wfile\",\"source_line\":$wline" "$out"
  # a failing program with fail_insn points at that insn's line (from the
  # DWARF line table: the last "; file:line" llvm-objdump prints before it)
  n=$("llvm-objdump-$m" -d "$o" | sed -n '/<xdp_parse>:/,$p' | grep -cE '^ +[0-9]+:')
  k=$((n / 2))
  floc=$("llvm-objdump-$m" -d -l "$o" | sed -n '/<xdp_parse>:/,$p' |
    awk -v k="$k" '/^; \/.*:[0-9]+$/ { l = substr($0, 3) } $1 == k ":" { print l; exit }')
  fline=${floc##*:}; ffile=${floc%:*}; ffile=${ffile#"$top"/}
  printf 'file,prog,verdict,class,insns,fail_insn\n%s,xdp_parse,fail,complexity,1000001,%s\n' "$o" "$k" >"$tmp/gf.csv"
  out=$(cd "$src" && "$bg" verifier gate "$tmp/gb.csv" "$tmp/gf.csv" --policy "$tmp/gpol" --format github)
  [ -n "$floc" ] && [ "$fline" != "$wline" ] &&
    has "gate github: fail_insn $k -> $ffile:$fline (llvm-$m)" "^::error file=$ffile,line=$fline," "$out" ||
    bad "gate fail_insn: insn $k of $n, DWARF '$floc', program line $wline: $out"
  break
done
out=$("$bg" verifier gate "$tmp/base.csv" "$tmp/new.csv" --policy "$tmp/policy" --format markdown)
has gate-md "^| ❌ | /build/a.bpf.o | xdp\\\\_b |" "$out"
"$bg" verifier gate "$tmp/base.csv" "$tmp/new.csv" --policy "$tmp/policy" --format junit >"$tmp/j.xml"
if command -v xmllint >/dev/null; then xmllint --noout "$tmp/j.xml" && ok junit-wellformed || bad junit-wellformed; fi
has junit-failure '<failure message="verdict pass -&gt; fail (complexity)"' "$(cat "$tmp/j.xml")"
has junit-count 'tests="3" failures="' "$(cat "$tmp/j.xml")"
printf '* insns +10%%\n' >"$tmp/loose"
"$bg" verifier gate "$tmp/base.csv" "$tmp/base.csv" --policy "$tmp/loose" >/dev/null; check gate-self-pass 0 $?
printf '* insns about 10\n' >"$tmp/badpol"
one_line_err gate-bad-policy "$bg" verifier gate "$tmp/base.csv" "$tmp/new.csv" --policy "$tmp/badpol"
err=$("$bg" verifier gate "$tmp/base.csv" "$tmp/new.csv" --policy "$tmp/badpol" 2>&1)
has gate-bad-policy-line "badpol:1" "$err"

# mark_read is always 0 on 6.18 and nonzero on 6.1: compare leaves it out by
# default and a gate rule on it only warns unless the policy says error
printf 'file,prog,verdict,insns,states,mark_read\na.bpf.o,p,pass,100,5,0\n' >"$tmp/k618.csv"
printf 'file,prog,verdict,insns,states,mark_read\na.bpf.o,p,pass,100,5,7\n' >"$tmp/k61.csv"
out=$("$bg" verifier compare --format csv "$tmp/k618.csv" "$tmp/k61.csv"); check compare-kernels 0 $?
has compare-default-insns "^file,prog,status,verdict_a,verdict_b,insns_a" "$out"
grep -qi "mark_read" <<<"$out" && bad "compare shows mark_read by default: $out" || ok "compare: no mark_read by default"
out=$("$bg" verifier compare "$tmp/k618.csv" "$tmp/k61.csv")
grep -qi "mark read" <<<"$out" && bad "compare table shows mark_read by default" || ok "compare table: no mark_read by default"
out=$("$bg" verifier compare --format csv -e mark_read "$tmp/k618.csv" "$tmp/k61.csv")
has compare-mark-read-asked "^a.bpf.o,p,both,0,7,+7," "$out"
printf '* insns +10%%\n* states +10%%\n* verdict no-regress\n' >"$tmp/kpol"
out=$("$bg" verifier gate "$tmp/k618.csv" "$tmp/k61.csv" --policy "$tmp/kpol"); check gate-kernels 0 $?
grep -qi "mark_read" <<<"$out" && bad "gate looked at mark_read: $out" || ok "gate: no mark_read unless asked"
printf '* mark_read +0\n' >"$tmp/mrpol"
out=$("$bg" verifier gate "$tmp/k618.csv" "$tmp/k61.csv" --policy "$tmp/mrpol"); check gate-mark-read-warns 0 $?
has gate-mark-read-warning "warning: a.bpf.o/p: mark_read 0 -> 7" "$out"
# an explicit error on a noisy metric is refused, not silently downgraded
printf '* mark_read +0 error\n' >"$tmp/mrpol2"
one_line_err gate-noisy-error "$bg" verifier gate "$tmp/k618.csv" "$tmp/k61.csv" --policy "$tmp/mrpol2"
err=$("$bg" verifier gate "$tmp/k618.csv" "$tmp/k61.csv" --policy "$tmp/mrpol2" 2>&1)
has gate-noisy-error-msg "mark_read is noisy across runs or kernels and can only warn" "$err"
# an explicit error on a deterministic metric fails the gate
printf '* states +0 warn\n* insns +0 error\n' >"$tmp/errpol"
printf 'file,prog,verdict,insns,states\na.bpf.o,p,pass,101,6\n' >"$tmp/k61b.csv"
"$bg" verifier gate "$tmp/k618.csv" "$tmp/k61b.csv" --policy "$tmp/errpol" >/dev/null; check gate-explicit-error 1 $?
printf '* states +0 warn\n' >"$tmp/warnpol"
"$bg" verifier gate "$tmp/k618.csv" "$tmp/k61b.csv" --policy "$tmp/warnpol" >/dev/null; check gate-explicit-warn 0 $?

# stack_max: a log alone has no calls, so it is the largest frame (with the
# object, `stats` makes it the deepest call chain: tests/e2e/test_verifier_load.sh)
out=$("$bg" verifier parse --format csv -e stack_depths,stack,stack_max,stack_limit_pct "$logs"/pass_stack_chain.l2.log)
has parse-stack-fallback "^64+128+256+304,752,304,59.38$" "$(tr -d '\r' <<<"$out")"
has help-stack "deepest BPF-to-BPF call chain" "$h"
has help-stack-fallback "largest single frame" "$h"

# hotspots on a pre-6.9 log (no "@ file:line") without the object: nothing located
out=$("$bg" verifier hotspots "$logs"/pass_stack_chain.l2-pre69.log); check hotspots-pre69 0 $?
has hotspots-pre69-unattributed "110 insns processed, 110 without a source line" "$out"
has hotspots-pre69-hint "give the object with --obj" "$out"
one_line_err hotspots-obj-on-obj "$bg" verifier hotspots --obj /bin/true /bin/true

# hotspots + lcov heat accepted by genhtml
out=$("$bg" verifier hotspots -n 3 --lcov "$tmp/heat.info" "$logs"/pass_subprog.l2.log); check hotspots 0 $?
has hotspots-total "592 insns processed" "$out"
has hotspots-top "241.*pass_subprog.bpf.c:22" "$out"
has heat-da "^DA:22,241$" "$(cat "$tmp/heat.info")"
total=$(grep '^DA:' "$tmp/heat.info" | cut -d, -f2 | paste -sd+ | bc)
[ "$total" = 592 ] && ok "heat sums to processed (592)" || bad "heat sums to $total, want 592"
if command -v genhtml >/dev/null; then
  mkdir -p "$tmp/src" && printf '%s\n' $(seq 1 40) >"$tmp/src/pass_subprog.bpf.c"
  (cd "$tmp/src" && genhtml -q -o "$tmp/html" "$tmp/heat.info" >/dev/null 2>&1) && ok genhtml || bad genhtml
fi
# an object libbpf cannot open (an unresolved extern: it needs linking) is an
# input error, unless --allow-failures, which skips it with a warning
cl=$(command -v clang-22 || command -v clang-19 || command -v clang-14 || true)
if [ -n "$cl" ]; then
  printf 'extern int foo(void);\nint __attribute__((section("xdp"))) p(void *c) { return foo(); }\nchar _l[] __attribute__((section("license"))) = "GPL";\n' >"$tmp/ext.c"
  "$cl" -g -O2 -target bpf -c "$tmp/ext.c" -o "$tmp/ext.o"
  one_line_err stats-needs-linking "$bg" verifier stats "$tmp/ext.o"
  err=$("$bg" verifier stats --allow-failures "$tmp/ext.o" 2>&1 >/dev/null); check stats-skip-unopenable 0 $?
  has stats-skip-warning "skipping '$tmp/ext.o': libbpf cannot open this BPF object" "$err"
fi
# a source line past INT_MAX in a log comment is no line (fuzz finding: it
# wrapped to a negative line, prog.bpf.c:-2110113565); the insn counts
# without a source line
printf 'func#0 @0\n; int x = 1; @ prog.bpf.c:65555555555555555554\n0: (b7) r0 = 0\n; return 0; @ prog.bpf.c:7\n1: (95) exit\nprocessed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n' >"$tmp/bigline.log"
out=$("$bg" verifier hotspots "$tmp/bigline.log" 2>&1); check hotspots-bigline 0 $?
has hotspots-bigline-unplaced "1 without a source line" "$out"
grep -q 'prog.bpf.c:-' <<<"$out" && bad "hotspots-bigline: a negative line: $out" || ok "hotspots-bigline: no negative line"
# an instruction index past 2^32 in a log (fuzz finding: cut to 32 bits it
# passed the bounds check and was then used whole: SIGSEGV in count_insn) is
# not counted; the log's real instructions still are
printf 'func#0 @0\n; int x = 1; @ prog.bpf.c:5\n0: (b7) r0 = 0\n4294967296: (b7) r0 = 1\n555270555555777: (b7) r0 = 2\n; return 0; @ prog.bpf.c:7\n1: (95) exit\nprocessed 4 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n' >"$tmp/bigidx.log"
out=$("$bg" verifier hotspots "$tmp/bigidx.log" 2>&1); check hotspots-bigidx 0 $?
has hotspots-bigidx-line5 "prog.bpf.c:5" "$out"
has hotspots-bigidx-line7 "prog.bpf.c:7" "$out"
# the fuzzer's own reproducer (no processed line: a truncated log), through hotspots and parse
printf '0555270555555777: (b7!\n04860162: (b7!\n0486016217: (bg7)\236 \n' >"$tmp/fuzz-bigidx.log"
out=$("$bg" verifier hotspots "$tmp/fuzz-bigidx.log" 2>&1); check hotspots-fuzz-bigidx 0 $?
grep -q "Sanitizer\|runtime error" <<<"$out" && bad "hotspots-fuzz-bigidx: $out" || ok "hotspots-fuzz-bigidx: no sanitizer report"
"$bg" verifier parse "$tmp/fuzz-bigidx.log" >/dev/null 2>&1; check parse-fuzz-bigidx 0 $?
# stack depths that sum past INT64_MAX (fuzz finding: signed overflow, UBSan
# at set_depths) saturate at INT64_MAX, never wrap negative
printf 'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\nstack depth 8555555555563825897+5555555555555555555\n' >"$tmp/bigstack.log"
out=$("$bg" -j verifier parse "$tmp/bigstack.log" 2>"$tmp/bigstack.err"); check parse-bigstack 0 $?
grep -q "runtime error\|Sanitizer" "$tmp/bigstack.err" && bad "parse-bigstack: $(cat "$tmp/bigstack.err")" || ok "parse-bigstack: no sanitizer report"
python3 -c 'import json,sys; r=json.loads(sys.argv[1])["programs"][0]; assert r["stack"] == 2**63 - 1 and r["stack_max"] == 8555555555563825897, r' "$out" &&
  ok "parse-bigstack: the sum saturates at INT64_MAX" || bad "parse-bigstack: $out"
# -o FILE: the output goes there instead of stdout, byte for byte what
# stdout would get; a regular file is replaced atomically (a failed run keeps
# it), a device is written in place and stays one; --format picks the format
ofmt() { # name, expected file (what stdout gave), args...
  local name=$1 want=$2 rc; shift 2
  rm -f "$tmp/o.out"
  out=$("$bg" "$@" -o "$tmp/o.out"); rc=$?
  [ -z "$out" ] && ok "$name: nothing on stdout" || bad "$name: stdout: $out"
  cmp -s "$want" "$tmp/o.out" && ok "$name: -o FILE holds what stdout did" ||
    bad "$name: -o FILE differs: $(diff "$want" "$tmp/o.out" | head -5)"
  return $rc
}
pl=("$logs"/fail_stack.l1.log "$logs"/pass_subprog.l1.log)
"$bg" verifier parse --format csv -e prog,verdict,class,insns "${pl[@]}" >"$tmp/p.csv"
has parse-format-csv "^fail_stack.l1,fail,stack,40" "$(cat "$tmp/p.csv")"
ofmt "parse -o" "$tmp/p.csv" verifier parse --format csv -e prog,verdict,class,insns "${pl[@]}"; check "parse -o exit" 0 $?
"$bg" -j verifier parse "${pl[@]}" >"$tmp/p.json"
ofmt "parse -j -o" "$tmp/p.json" -j verifier parse "${pl[@]}"
"$bg" verifier parse --format=csv -e prog,verdict,class,insns "${pl[@]}" --output="$tmp/o2.out"
cmp -s "$tmp/p.csv" "$tmp/o2.out" && ok "--output=FILE --format=csv" || bad "--output=FILE differs"
"$bg" verifier compare "$tmp/base.csv" "$tmp/new.csv" >"$tmp/c.txt"
has compare-table-count "programs: " "$(cat "$tmp/c.txt")"
ofmt "compare -o (table and its count line)" "$tmp/c.txt" verifier compare "$tmp/base.csv" "$tmp/new.csv"
"$bg" verifier gate "$tmp/base.csv" "$tmp/new.csv" --policy "$tmp/policy" --format github >"$tmp/g.txt"
ofmt "gate -o" "$tmp/g.txt" verifier gate "$tmp/base.csv" "$tmp/new.csv" --policy "$tmp/policy" --format github
check "gate -o: exit 1 on a violation, file written" 1 $?
"$bg" verifier hotspots -n 3 "$logs"/pass_subprog.l2.log >"$tmp/h.txt"
has hotspots-stdout "592 insns processed" "$(cat "$tmp/h.txt")"
ofmt "hotspots -o" "$tmp/h.txt" verifier hotspots -n 3 "$logs"/pass_subprog.l2.log
"$bg" -j verifier hotspots -n 3 "$logs"/pass_subprog.l2.log >"$tmp/h.json"
ofmt "hotspots -j -o" "$tmp/h.json" -j verifier hotspots -n 3 "$logs"/pass_subprog.l2.log
"$bg" -j verifier hotspots -n 3 "$tmp/empty.log" -o "$tmp/h.none" >"$tmp/h.err" 2>/dev/null; check "hotspots bad log -o" 2 $?
[ ! -e "$tmp/h.none" ] && python3 -c 'import json,sys; assert "error" in json.load(open(sys.argv[1]))' "$tmp/h.err" &&
  ok "hotspots -j -o on a bad log: the error document on stdout, no file" || bad "hotspots bad -o: $(cat "$tmp/h.err")"
chmod 0640 "$tmp/o.out"
ln -s o.out "$tmp/o.link"
"$bg" verifier parse --format csv -e prog,verdict,class,insns "${pl[@]}" -o "$tmp/o.link"; check "parse -o symlink" 0 $?
[ -L "$tmp/o.link" ] && cmp -s "$tmp/p.csv" "$tmp/o.out" && [ "$(stat -c %a "$tmp/o.out")" = 640 ] &&
  ok "-o through a symlink: target replaced, link and mode kept" || bad "-o symlink: $(ls -l "$tmp"/o.*)"
"$bg" verifier parse "$tmp/empty.log" -o "$tmp/o.out" 2>/dev/null; check "parse bad -o" 2 $?
cmp -s "$tmp/p.csv" "$tmp/o.out" && ok "a failed run keeps the old -o file" || bad "failed run changed the -o file"
"$bg" verifier parse "${pl[@]}" -o /dev/null; check "parse -o /dev/null" 0 $?
[ -c /dev/null ] && ok "/dev/null is still a device" || bad "/dev/null is no longer a character device"
ls "$tmp" | grep -q '\.tmp\.' && bad "temp files left: $(ls "$tmp")" || ok "no temp file left beside -o"

[ $fail = 0 ] && echo "verifier cli: all passed"
exit $fail
