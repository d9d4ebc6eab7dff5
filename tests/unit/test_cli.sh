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
expect_line json-error '^{"error":"bpfgauge: unknown command' "$out"

BPFGAUGE_LOG=shouty "$bg" version >/dev/null 2>&1; check bad-env 2 $?

# cc without a matching plugin
err=$(BPFGAUGE_PASS_DIR=/nonexistent "$bg" cc -- /bin/false 2>&1); check cc-noclang 2 $?
[ $fail = 0 ] && echo "cli: all passed"
exit $fail
