#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# e2e: an independent oracle for the examples' coverage. The example programs
# (bpf/examples, unchanged) are compiled for the host with clang's
# source-based coverage, against host stand-ins for the BPF helpers and maps
# (tests/e2e/oracle: shim headers, host_bpf.c), run on the same fixed inputs
# as the BPF runs (bpf/runner/examples.c, through oracle_run.c, which checks
# every result), and exported with `llvm-cov export -format=lcov`.
#   1. The annotations must equal the oracle, with every clang from 19 on
#      that can build it: this checks the ground truth independently of
#      bpfgauge's pass. Not 14-16: llvm-cov 14 and 15 report 0 for the
#      statement after common.h's brace-less checksum loop ('sum = ...'),
#      which runs 10 times (19 and 22 say 10); 16 was not tried (its profile
#      runtime, libclang-rt-16-dev, was not installed when this was written).
#   2. bpfgauge's lcov of one run of every example, for every built major,
#      counts and hits mode, must equal the oracle (root: loads BPF).
# The deliberate differences and their reasons are listed in
# oracle/oracle_cmp.py, the comparison tool.
set -u
src=${BPFGAUGE_SRC:?run through ctest}
build=${BPFGAUGE_BUILD:?}
bpfdir=${BPFGAUGE_BPF_DIR:?}
majors=${BPFGAUGE_LLVM_MAJORS:?}
O=$src/tests/e2e/oracle
ex=$src/bpf/examples
command -v python3 >/dev/null || { echo "SKIP: python3 missing (runs the comparison)"; exit 77; }
[ -f /usr/include/bpf/libbpf.h ] || { echo "SKIP: libbpf headers missing (libbpf-dev)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

# oracle_build V: build and run the oracle with clang-V into $tmp/V/oracle.info
oracle_build() {
  local v=$1 d=$tmp/$1 cc=clang-$1 bin=/usr/lib/llvm-$1/bin e objs=()
  mkdir -p "$d"
  for e in "$ex"/*.bpf.c; do
    e=$(basename "$e" .bpf.c)
    "$cc" -O0 -g -fprofile-instr-generate -fcoverage-mapping -Wall -Wno-unused-function \
      -DEX_"$e" -DLICENSE=LICENSE_"$e" -I"$O/shim" -I"$ex" -I"$O" \
      -c "$O/glue.c" -o "$d/$e.o" 2>"$d/cc.err" || { cat "$d/cc.err"; return 1; }
    objs+=("$d/$e.o")
  done
  "$cc" -O1 -g -Wall -I"$src/bpf/runner" -I"$O" -c "$O/oracle_run.c" -o "$d/run.o" 2>"$d/cc.err" &&
    "$cc" -O1 -g -Wall -c "$O/host_bpf.c" -o "$d/host.o" 2>>"$d/cc.err" &&
    "$cc" -fprofile-instr-generate "${objs[@]}" "$d/run.o" "$d/host.o" -o "$d/oracle" -lbpf \
      2>>"$d/cc.err" || { cat "$d/cc.err"; return 1; }
  LLVM_PROFILE_FILE=$d/oracle.profraw "$d/oracle" || { echo "oracle run failed (a result differs)"; return 1; }
  "$bin/llvm-profdata" merge -o "$d/oracle.profdata" "$d/oracle.profraw" &&
    "$bin/llvm-cov" export -format=lcov -instr-profile "$d/oracle.profdata" "$d/oracle" >"$d/oracle.info"
}

oracle=
for v in 19 22; do
  command -v clang-$v >/dev/null && [ -x /usr/lib/llvm-$v/bin/llvm-cov ] &&
    [ -x /usr/lib/llvm-$v/bin/llvm-profdata ] || continue
  if ! echo 'int main(void){return 0;}' | clang-$v -x c -fprofile-instr-generate - -o "$tmp/probe" 2>/dev/null; then
    echo "note: clang-$v cannot link -fprofile-instr-generate (no profile runtime): no oracle from it"
    continue
  fi
  if ! oracle_build $v >"$tmp/build-$v.log" 2>&1; then
    bad "oracle with clang-$v: build or run failed"; sed 's/^/     /' "$tmp/build-$v.log" | head -n 30
    continue
  fi
  ok "oracle with clang-$v: built, every example returned what it must"
  if python3 -B "$O/oracle_cmp.py" --oracle "$tmp/$v/oracle.info" --src "$ex" --annotations \
      >"$tmp/ann-$v.out" 2>"$tmp/ann-$v.err"; then
    ok "annotations = oracle (llvm-cov $v): $(sed 's/^oracle_cmp: //' "$tmp/ann-$v.err")"
  else
    bad "annotations differ from the oracle (llvm-cov $v):"; sed 's/^/     /' "$tmp/ann-$v.out" "$tmp/ann-$v.err"
  fi
  oracle=$tmp/$v/oracle.info
done
[ -n "$oracle" ] || { echo "SKIP: no clang with llvm-cov and a profile runtime (apt-get install llvm-N libclang-rt-N-dev)"; exit 77; }

# The comparison must be able to fail: one count, one switch outcome order and
# one missing statement annotation, each in a copy of the sources.
mkdir -p "$tmp/mut"
cp "$ex"/*.bpf.c "$ex"/*.h "$tmp/mut/"
sed -i 's|marks++; /\* cov: 21 \*/|marks++; /* cov: 20 */|' "$tmp/mut/xdp_flow.bpf.c"
sed -i 's|br: 1,2,1,1 \*/|br: 1,1,2,1 */|; s|int ret = TC_ACT_OK; /\* cov: 7 \*/|int ret = TC_ACT_OK;|' \
  "$tmp/mut/tc_classify.bpf.c"
python3 -B "$O/oracle_cmp.py" --oracle "$oracle" --src "$tmp/mut" --annotations >"$tmp/mut.out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q '^xdp_flow.bpf.c:[0-9]*: DA 20, oracle 21$' "$tmp/mut.out" &&
   grep -q '^tc_classify.bpf.c:[0-9]*: switch branches 1,1,2,1, oracle 1,2,1,1$' "$tmp/mut.out" &&
   grep -q '^tc_classify.bpf.c:[0-9]*: oracle DA 7 on a statement line, no record' "$tmp/mut.out"; then
  ok "oracle_cmp catches a wrong count, a wrong switch order and a missing line"
else
  bad "oracle_cmp missed a mutation (exit $rc):"; sed 's/^/     /' "$tmp/mut.out"
fi

if [ "$(id -u)" != 0 ]; then
  echo "note: not root: bpfgauge's coverage not compared (loads BPF programs)"
  exit $fail
fi
runner=$build/bpfgauge-run-examples
nmaj=0
for m in ${majors//,/ }; do
  for mode in counts hits; do
    D=$bpfdir/llvm-$m/$mode
    [ -f "$D/xdp_parse.bpf.o" ] || { echo "note: no $mode-mode examples for LLVM $m"; continue; }
    nmaj=$((nmaj + 1))
    for attempt in 1 2 3 4 5; do
      rm -f "$tmp/b.info"
      "$runner" --dir "$D" --lcov "$tmp/b.info" 2>"$tmp/run.err" || { cat "$tmp/run.err"; break; }
      grep -q 'getpgid calls from other processes' "$tmp/run.err" || break
      echo "note: trace_getpgid perturbed by another process, running again"
    done
    if python3 -B "$O/oracle_cmp.py" --oracle "$oracle" --src "$ex" --lcov "$tmp/b.info" --mode $mode \
        >"$tmp/cmp.out" 2>"$tmp/cmp.err"; then
      ok "LLVM $m $mode: bpfgauge = oracle: $(sed 's/^oracle_cmp: [^(]*//' "$tmp/cmp.err")"
    else
      bad "LLVM $m $mode: bpfgauge differs from the oracle:"; sed 's/^/     /' "$tmp/cmp.out" "$tmp/cmp.err"
    fi
  done
done
[ $nmaj -gt 0 ] || echo "note: no instrumented examples built: only the annotations were checked"
exit $fail
