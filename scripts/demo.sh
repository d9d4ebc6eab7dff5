#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The flagship demo: builds bpfgauge, then on the bundled examples
#  1. collects exact coverage (counts mode) with `bpfgauge cov run` around the
#     example runner, checks it against the annotated ground truth, writes
#     lcov, Cobertura and an HTML report;
#  2. shows what the instrumentation costs the verifier (plain/hits/counts);
#  3. runs `bpfgauge verifier stats` on the plain objects;
#  4. records a clang x kernel matrix of the examples in a history store and
#     renders the dashboard.
# Output goes to out/demo/. Needs root (it loads BPF programs).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/scripts/setup.sh"
bash "$top/scripts/build.sh"
build=${BUILD_DIR:-$top/build}
bg="$build/bpfgauge"
out="$top/out/demo"
rm -rf "$out"
mkdir -p "$out"
if [ "$(id -u)" -ne 0 ]; then
  echo "demo: loading BPF programs needs root; run: sudo bash scripts/demo.sh" >&2
  exit 2
fi
# the newest LLVM major that has instrumented examples
major=$(ls -d "$build"/bpf/llvm-*/counts 2>/dev/null | sed 's|.*/llvm-\([0-9]*\)/counts|\1|' | sort -n | tail -1)
[ -n "$major" ] || { echo "demo: no instrumented examples were built" >&2; exit 2; }
objs="$build/bpf/llvm-$major"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "1. Coverage (LLVM $major, counts mode) of the bundled examples via 'bpfgauge cov run'"
"$bg" cov run -o "$out/coverage.info" --objects "$objs/counts" --test-name demo -- \
  "$build/bpfgauge-run-examples" --dir "$objs/counts" --check "$top/bpf/examples"
"$bg" cov merge "$out/coverage.info" --format cobertura -o "$out/coverage.xml"
"$bg" cov merge "$out/coverage.info" --format json -o "$out/coverage.json"
genhtml -q --branch-coverage -o "$out/html" "$out/coverage.info"
echo "lcov: $out/coverage.info  cobertura: $out/coverage.xml  html: $out/html/index.html"

say "2. Verifier cost of the instrumentation (processed insns on $(uname -r))"
"$build/bpfgauge-run-examples" --verifier-cost "$objs"

say "3. bpfgauge verifier stats on the plain objects"
"$bg" verifier stats -e file,prog,verdict,insns,states,stack,insns_limit_pct,duration "$objs"/plain/*.bpf.o

say "4. clang x kernel matrix on this kernel, stored in history, and the dashboard"
clangs=$(ls -d "$build"/bpf/llvm-* | sed 's|.*/llvm-||' | sort -n | sed -n '1p;$p' | uniq | paste -sd, -)
"$bg" matrix --clang "$clangs" --kernel host --db "$out/history.db" -o "$out/matrix" \
  --cflags "-I$top/bpf/include -I$top/bpf/examples -idirafter /usr/include/x86_64-linux-gnu" \
  "$top"/bpf/examples/*.bpf.c || true
"$bg" dashboard --db "$out/history.db" -o "$out/dashboard" \
  --coverage "latest=$out/coverage.info" --genhtml "$out/html"
