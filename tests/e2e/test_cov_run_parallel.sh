#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Root end-to-end: four `cov run -o SAME.info` started together (CI jobs
# sharing a workspace) lose nothing, 20 rounds in a row. Each runs the
# examples runner on xdp_parse (not trace_getpgid: the runs would perturb
# each other's getpgid counts); the lcov must equal the annotated ground
# truth times 4 (loaders/lcov_annot), which holds only if every run's
# read-merge-rename saw the previous one's result (the directory lock).
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (loads BPF programs)"; exit 77; }
bg=${BPFGAUGE:?run through ctest}
src=${BPFGAUGE_SRC:?}
build=${BPFGAUGE_BUILD:?}
bpfdir=${BPFGAUGE_BPF_DIR:?}
majors=${BPFGAUGE_LLVM_MAJORS:?}
runner=$build/bpfgauge-run-examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$build/tests/lcov_annot" ] || { echo "FAIL: $build/tests/lcov_annot not built"; exit 1; }
D=
for m in ${majors//,/ }; do
  [ -f "$bpfdir/llvm-$m/counts/xdp_parse.bpf.o" ] && D=$bpfdir/llvm-$m/counts
done
[ -n "$D" ] || { echo "SKIP: no counts-mode xdp_parse example built"; exit 77; }
fail=0
for round in $(seq 1 20); do
  rm -f "$tmp/same.info"
  pids=()
  for k in 1 2 3 4; do
    "$bg" cov run -o "$tmp/same.info" --objects "$D/xdp_parse.bpf.o" -- \
      "$runner" --dir "$D" --only xdp_parse >/dev/null 2>"$tmp/run$k.log" &
    pids+=($!)
  done
  for k in 1 2 3 4; do
    wait "${pids[$((k - 1))]}" || { echo "FAIL round $round: run $k exit $?"; cat "$tmp/run$k.log"; fail=1; }
  done
  if ! "$build/tests/lcov_annot" "$src/bpf/examples" "$tmp/same.info" counts 4 xdp_parse.bpf.c \
       2>"$tmp/check.err"; then
    echo "FAIL round $round: the lcov is not the ground truth x4"
    head -n 10 "$tmp/check.err"
    fail=1
  fi
  ls "$tmp"/same.info.tmp.* >/dev/null 2>&1 && { echo "FAIL round $round: temp files left"; fail=1; }
done
[ $fail = 0 ] && echo "ok   4 parallel cov run -o same.info x 20 rounds: every run counted"
exit $fail
