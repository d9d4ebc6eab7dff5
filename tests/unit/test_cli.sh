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
