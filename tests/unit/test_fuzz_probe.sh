#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The optional libFuzzer target must never break the build: configure the
# project with a clang that cannot link -fsanitize=fuzzer (as clang-22
# without libclang-rt-22-dev does) and check that configure succeeds, says
# why the target is skipped, registers no fuzz_vlog build rule, and that its
# ctest entry reports a skip naming the missing package.
set -u
src=${BPFGAUGE_SRC:?run through ctest}
majors=${BPFGAUGE_LLVM_MAJORS:?}
command -v cmake >/dev/null || { echo "SKIP: no cmake"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

# a clang-22 whose sanitizer runtimes are missing: every link fails like ld does
mkdir -p "$tmp/bin"
cat >"$tmp/bin/clang-22" <<'EOF'
#!/bin/sh
echo "/usr/bin/ld: cannot find /usr/lib/llvm-22/lib/clang/22/lib/x86_64-pc-linux-gnu/libclang_rt.fuzzer.a: No such file or directory" >&2
exit 1
EOF
chmod +x "$tmp/bin/clang-22"
major=${majors%%[,;]*}

cmake -S "$src" -B "$tmp/b" -DBPFGAUGE_LLVM="$major" -DBPFGAUGE_FUZZ_CC="$tmp/bin/clang-22" \
  >"$tmp/cfg.out" 2>&1
rc=$?
[ $rc = 0 ] && ok "configure succeeds without sanitizer runtimes" ||
  { bad "configure failed (rc $rc)"; tail -20 "$tmp/cfg.out"; }
grep -q "fuzz_vlog: skipped: clang-22 cannot link -fsanitize=fuzzer,address,undefined (sanitizer runtimes missing: apt-get install libclang-rt-22-dev)" "$tmp/cfg.out" &&
  ok "configure names the reason and the package" ||
  { bad "no skip message in configure output"; grep -i fuzz "$tmp/cfg.out"; }
if [ $rc = 0 ]; then
  if grep -q "fuzz_vlog" "$tmp/b/tests/fuzz/Makefile" 2>/dev/null; then
    bad "a fuzz_vlog build rule is still generated"
  else
    ok "no fuzz_vlog build rule"
  fi
  out=$(cd "$tmp/b" && ctest -R '^unit_fuzz_vlog_short$' -V 2>&1)
  grep -q "SKIP: libFuzzer target not built: clang-22 cannot link" <<<"$out" &&
    grep -q "Skipped" <<<"$out" && ok "ctest reports the fuzz test as skipped, with the reason" ||
    { bad "fuzz test not skipped with the reason"; echo "$out" | tail -8; }
fi
exit $fail
