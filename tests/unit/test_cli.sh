#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# CLI dispatch: version, help, and one-line errors with exit 2 for garbage.
set -u
fail=0
bg=${BPFGAUGE:?}
check() { # name, want-exit, got-exit
  if [ "$2" != "$3" ]; then echo "FAIL $1: exit $3, want $2"; fail=1; else echo "ok   $1"; fi
}
expect_line() { # name, pattern, text
  if ! grep -q -- "$2" <<<"$3"; then echo "FAIL $1: no '$2' in: $3"; fail=1; else echo "ok   $1"; fi
}

out=$("$bg" version); check version 0 $?
expect_line version-bpfgauge "^bpfgauge [0-9]\+\.[0-9]\+\.[0-9]\+$" "$out"
expect_line version-libbpf "^libbpf v\?1\.[0-9]" "$out"
expect_line version-llvm "^pass built for LLVM ${BPFGAUGE_LLVM_MAJORS}$" "$out"
out2=$("$bg" --version); check --version 0 $?
[ "$out" = "$out2" ] || { echo "FAIL --version differs from version"; fail=1; }
out=$("$bg" -j version); check json-version 0 $?
expect_line json-version '"pass_built_for_llvm":"'"$BPFGAUGE_LLVM_MAJORS"'"' "$out"

"$bg" help >/dev/null; check help 0 $?
"$bg" >/dev/null 2>&1; check no-args 2 $?

for args in "frobnicate" "cov frobnicate" "verifier frobnicate" "--bogus version" "cc --bogus" "cc --mode loud -- clang"; do
  err=$("$bg" $args 2>&1 >/dev/null); rc=$?
  check "garbage '$args'" 2 $rc
  n=$(printf '%s\n' "$err" | wc -l)
  [ "$n" = 1 ] || { echo "FAIL '$args': $n stderr lines: $err"; fail=1; }
  expect_line "garbage-msg '$args'" "^bpfgauge: error: " "$err"
done
out=$("$bg" -j frobnicate 2>/dev/null); check json-error 2 $?
expect_line json-error '^{"error":"unknown command .frobnicate. (try .bpfgauge help.)"}$' "$out"
# one JSON document per run: errors of a command's items are elements of its array
out=$("$bg" -j kernels fetch bogus bogus2 2>/dev/null); check json-errors 2 $?
n=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum("bogus" in e["error"] for e in d))' 2>/dev/null)
[ "$n" = 2 ] && echo "ok   json-errors: one array holding both errors" ||
  { echo "FAIL json-errors: not one document with two errors: $out"; fail=1; }
# --json/--pretty also after the object and command; after "--" they belong to CMD
out=$("$bg" version --json 2>&1); check json-after 0 $?
expect_line json-after '^{"version":' "$out"
out=$("$bg" kernels list --pretty 2>&1); check pretty-after 0 $?
printf '%s' "$out" | python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null &&
  echo "ok   pretty-after: one JSON document" || { echo "FAIL pretty-after: $out"; fail=1; }
# -j/-p before or after the object (and inside the command) give the same
# document; the pretty one is the same JSON value
logs=$BPFGAUGE_SRC/tests/data/vlogs/6.18
jd=$(mktemp -d /tmp/bpfgauge-jp.XXXXXX)
"$bg" history --db "$jd/h.db" import "$BPFGAUGE_SRC/tests/data/matrix/history-sample.json" >/dev/null 2>&1
printf 'TN:\nSF:/src/a.c\nFN:1,f\nFNDA:1,f\nDA:1,1\nDA:2,0\nend_of_record\n' >"$jd/a.info"
same_docs() { # name, then argument lists separated by '|': every one gives the same stdout
  local name=$1 first="" n=0 out rc; shift
  local IFS='|'
  for args in $*; do
    IFS=' '
    # shellcheck disable=SC2086
    out=$("$bg" $args 2>/dev/null); rc=$?
    IFS='|'
    n=$((n + 1))
    if ! printf '%s' "$out" | python3 -m json.tool >/dev/null 2>&1; then
      echo "FAIL $name: '$args' (exit $rc) printed no JSON document: $out"; fail=1; return
    fi
    if [ $n = 1 ]; then first=$out
    elif [ "$out" != "$first" ]; then
      echo "FAIL $name: '$args' differs: $out"; fail=1; return
    fi
  done
  echo "ok   $name: $n spellings, one document"
}
same_docs "-j version" "-j version|version -j|--json version|version --json"
same_docs "-p version" "-p version|version -p|--pretty version|version --pretty|-jp version|version -pj"
same_docs "-j verifier parse" "-j verifier parse $logs/fail_stack.l1.log|verifier -j parse $logs/fail_stack.l1.log|verifier parse -j $logs/fail_stack.l1.log|verifier parse $logs/fail_stack.l1.log -j"
same_docs "-p verifier parse" "-p verifier parse $logs/fail_stack.l1.log|verifier parse $logs/fail_stack.l1.log -p|verifier parse -p $logs/fail_stack.l1.log"
same_docs "-j cov summary" "-j cov summary $jd/a.info|cov summary $jd/a.info -j|cov -j summary $jd/a.info"
same_docs "-p history list" "-p history --db $jd/h.db list|history --db $jd/h.db list -p|history -p --db $jd/h.db list"
same_docs "-j cov merge" "-j cov merge $jd/a.info -o $jd/m.info|cov merge -j $jd/a.info -o $jd/m.info|cov merge $jd/a.info -o $jd/m.info -j"
c=$("$bg" -j version); p=$("$bg" version -p)
[ "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]) == json.loads(sys.argv[2]))' "$c" "$p")" = True ] &&
  [ "$c" != "$p" ] && echo "ok   -p is -j pretty-printed" || { echo "FAIL -p vs -j: $c / $p"; fail=1; }
# cov run takes -j/-p itself, before its CMD; under -j stdout is the result
# document, so the coverage cannot go to stdout (checked before CMD runs)
out=$("$bg" cov run -j -o - -- sh -c 'echo ran >&2' 2>"$jd/err"); check cov-run-j-stdout 2 $?
expect_line cov-run-j-error '^{"error":"cov run: under -j stdout holds the result document' "$out"
[ "$(grep -c ran "$jd/err")" = 0 ] && echo "ok   cov run -j -o -: CMD never ran" || { echo "FAIL cov run ran CMD"; fail=1; }
same_docs "cov run -j before CMD" "-j cov run -o - -- true|cov -j run -o - -- true|cov run -j -o - -- true|cov run --json -o - -- true|cov run -o - -j -- true"
same_docs "cc -p before CMD" "-p cc --mode x -- clang|cc -p --mode x -- clang|cc --mode x --pretty -- clang"
out=$("$bg" cov run -o - -p -- sh -c 'echo ran >&2' 2>"$jd/err"); check cov-run-p-stdout 2 $?
printf '%s' "$out" | python3 -c 'import json,sys; assert "error" in json.load(sys.stdin)' 2>/dev/null &&
  echo "ok   cov run -p: one pretty error document" || { echo "FAIL cov run -p: $out"; fail=1; }
rm -rf "$jd"

# one meaning per short flag: an old spelling is a one-line error (exit 2)
# that names the new one, never silently something else
od=$(mktemp -d /tmp/bpfgauge-old.XXXXXX)
old_flag() { # name, pattern of the new spelling, args...
  local name=$1 want=$2 err rc; shift 2
  err=$(cd "$od" && "$bg" "$@" 2>&1 >/dev/null); rc=$?
  check "old $name" 2 $rc
  [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || { echo "FAIL old $name: stderr: $err"; fail=1; }
  expect_line "old $name names $want" "^bpfgauge: error: .*$want" "$err"
}
old_flag "verifier stats -j N" "-J 4 (--jobs 4)" verifier stats -j 4 x.bpf.o
old_flag "hotspots -p PROG" "--prog xdp_a" verifier hotspots -p xdp_a "$logs/pass_subprog.l2.log"
old_flag "cov report -f" "use --format" cov report -f json x.bpf.o
old_flag "cov report -s" "use --snapshot" cov report -s x.snap x.bpf.o
old_flag "cov merge -f" "use --format" cov merge -f json x.info
old_flag "cov run -f" "use --format" cov run -f json -- true
old_flag "history export -f" "use --format" history --db "$od/h.db" export -f csv
old_flag "kernels fetch -f" "use --flavour" kernels fetch -f cloud-amd64 6.1
old_flag "matrix -t" "use --timeout" matrix -t 5 x.bpf.c
old_flag "matrix -m" "use --mcpu" matrix -m v3 x.bpf.c
old_flag "matrix -F" "use --cflags" matrix -F -DX x.bpf.c
old_flag "matrix -C" "use --vm-cpus" matrix -C 2 x.bpf.c
old_flag "matrix -V" "use --vm-jobs" matrix -V 2 x.bpf.c
old_flag "matrix capture -t" "use --timeout" matrix capture -t 5 x.bpf.o
# -o is the output file everywhere; veristat's -o FMT is --format (no file named csv appears)
old_flag "verifier stats -o csv" "use --format csv" verifier stats -o csv "$logs/pass_subprog.l1.log"
old_flag "verifier parse -o json" "use --format json" verifier parse -o json "$logs/pass_subprog.l1.log"
old_flag "verifier parse --output table" "use --format table" verifier parse --output table "$logs/pass_subprog.l1.log"
old_flag "verifier compare -o csv" "use --format csv" verifier compare -o csv a.csv b.csv
old_flag "verifier gate -o github" "use --format github" verifier gate a.csv b.csv --policy p -o github
old_flag "verifier gate -o markdown" "use --format markdown" verifier gate a.csv b.csv --policy p -o markdown
old_flag "compat -o json" "use --format json" compat -o json x.bpf.o
old_flag "compat -o md" "use --format md" compat x.bpf.o -o md
[ -z "$(ls -A "$od")" ] && echo "ok   old spellings left nothing behind" || { echo "FAIL old spellings left $(ls -A "$od")"; fail=1; }
rm -rf "$od"

# bash completion offers the spellings of today: no -f/-s in cov, -J and -C
# in verifier stats, --prog in hotspots, formats after --format, files after -o
comp() { # the words offered for the command line "$*" (the last word being completed)
  bash -c '. "$1/packaging/bpfgauge.bash-completion"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _bpfgauge; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$BPFGAUGE_SRC" "$@" | sort | tr '\n' ' '
}
has_words() { # name, offered, words that must be there, then -- and words that must not
  local name=$1 got=$2 w miss=""; shift 2
  local want=1
  for w in "$@"; do
    [ "$w" = -- ] && { want=0; continue; }
    if [ $want = 1 ]; then grep -qw -- "$w" <<<" $got " || miss="$miss +$w"
    else grep -q -- " $w " <<<" $got " && miss="$miss -$w"; fi
  done
  [ -z "$miss" ] && echo "ok   completion $name" || { echo "FAIL completion $name:$miss in: $got"; fail=1; }
}
has_words "cov report" "$(comp bpfgauge cov report -)" --format --snapshot -t -j -p -- -f -s
has_words "verifier stats" "$(comp bpfgauge verifier stats -)" -J --jobs -C -f --filter -e -s -j -p
has_words "verifier hotspots" "$(comp bpfgauge verifier hotspots -)" --prog -n -j -p
has_words "kernels fetch" "$(comp bpfgauge kernels fetch -)" --flavour -F -a -- -f
has_words "cov merge --format" "$(comp bpfgauge cov merge --format '')" lcov cobertura json
has_words "verifier stats --format" "$(comp bpfgauge verifier stats --format '')" table csv json veristat-csv
has_words "verifier gate --format" "$(comp bpfgauge verifier gate --format '')" text markdown junit github json -- veristat-csv
has_words "compat --format" "$(comp bpfgauge compat --format '')" table json markdown -- csv
has_words "verifier stats -" "$(comp bpfgauge verifier stats -)" --format -o --output
ct=$(mktemp -d /tmp/bpfgauge-comp.XXXXXX); : >"$ct/stats.csv"
has_words "verifier stats -o FILE" "$(cd "$ct" && comp bpfgauge verifier stats -o st)" stats.csv
has_words "compat -o FILE" "$(cd "$ct" && comp bpfgauge compat -o st)" stats.csv
rm -rf "$ct"
ct=$(mktemp -d /tmp/bpfgauge-comp.XXXXXX); : >"$ct/filters.txt"
has_words "-f @FILE" "$(cd "$ct" && comp bpfgauge verifier stats -f @fil)" @filters.txt
rm -rf "$ct"

# prefixes as in bpftool: the first command in table order that starts so
out=$("$bg" ver stats --help 2>&1); check prefix-verifier 0 $?
expect_line prefix-verifier "verifier stats" "$out"
out=$("$bg" -j vers 2>&1); check prefix-version 0 $?
expect_line prefix-version '"version"' "$out"

# --help works everywhere, exits 0 and touches nothing (history trend used to
# take it for a program name and create .bpfgauge/history.db)
hd=$(mktemp -d /tmp/bpfgauge-help.XXXXXX)
for c in "cov run" "cov report" "cov snapshot" "cov reset" "cov merge" "cov summary" \
	"verifier stats" "verifier parse" "verifier compare" "verifier gate" "verifier hotspots" \
	"matrix" "matrix capture" "history list" "history show" "history diff" "history trend" \
	"history export" "history import" "kernels fetch" "kernels list" "dashboard" "compat" "cc"; do
	# shellcheck disable=SC2086
	(cd "$hd" && "$bg" $c --help >/dev/null 2>&1); check "help '$c --help'" 0 $?
	[ -z "$(ls -A "$hd")" ] || { echo "FAIL '$c --help' left $(ls -A "$hd")"; fail=1; rm -rf "${hd:?}"/* "$hd"/.[!.]*; }
done
rmdir "$hd"

# -q: errors only; the same command says what it did without it
qd=$(mktemp -d /tmp/bpfgauge-quiet.XXXXXX)
err=$("$bg" history --db "$qd/a.db" import "$BPFGAUGE_SRC/tests/data/matrix/history-sample.json" 2>&1 >/dev/null)
check quiet-off 0 $?
[ -n "$err" ] && echo "ok   without -q: '$err'" || { echo "FAIL without -q nothing is said"; fail=1; }
err=$("$bg" -q history --db "$qd/b.db" import "$BPFGAUGE_SRC/tests/data/matrix/history-sample.json" 2>&1 >/dev/null)
check quiet-on 0 $?
[ -z "$err" ] && echo "ok   -q: nothing on stderr" || { echo "FAIL -q still says: $err"; fail=1; }
rm -rf "$qd"

BPFGAUGE_LOG=shouty "$bg" version >/dev/null 2>&1; check bad-env 2 $?

# cc without a matching plugin
err=$(BPFGAUGE_PASS_DIR=/nonexistent "$bg" cc -- /bin/false 2>&1); check cc-noclang 2 $?
[ $fail = 0 ] && echo "cli: all passed"
exit $fail
