#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Fuzz campaign: runs every libFuzzer target (tests/fuzz) for SECONDS each
# and prints the executions per target. Corpora grow outside the tree, in
# ${FUZZ_DIR:-~/.cache/bpfgauge-fuzz}/corpus/NAME (seeded from
# tests/fuzz/seeds and the test data); crashes land in FUZZ_DIR/artifacts
# and make the script exit 1. FUZZ_JOBS targets run at once (default 1:
# the machine may be shared). FUZZ_TARGETS="mapping lcov" picks some.
# Usage: scripts/fuzz.sh SECONDS
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:?usage: scripts/fuzz.sh SECONDS}
case $secs in *[!0-9]*|'') echo "fuzz.sh: SECONDS must be a number, not '$secs'" >&2; exit 2 ;; esac
build=${BUILD_DIR:-$top/build}
fdir=${FUZZ_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bpfgauge-fuzz}
jobs=${FUZZ_JOBS:-1}
targets=${FUZZ_TARGETS:-vlog mapping lcov csv json history gate}
bin=$build/tests/fuzz
if [ ! -x "$bin/fuzz_mapping" ]; then
  echo "fuzz.sh: no fuzz targets in $bin: build first (scripts/build.sh; needs a clang with compiler-rt)" >&2
  exit 2
fi
cmake --build "$build" --target fuzz_targets >/dev/null
mkdir -p "$fdir/artifacts" "$fdir/logs"

run_one() { # name
  local n=$1 seeds=("$top/tests/fuzz/seeds/$n")
  [ "$n" = vlog ] && seeds=("$top/tests/data/vlogs/fixtures" "$top/tests/data/vlogs/6.18"
                            "$top/tests/data/vlogs/6.12" "$top/tests/data/vlogs/6.1")
  mkdir -p "$fdir/corpus/$n"
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=abort_on_error=1 \
    "$bin/fuzz_$n" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$fdir/artifacts/$n-" \
      "$fdir/corpus/$n" "${seeds[@]}" >"$fdir/logs/$n.log" 2>&1
}

pids=() names=() rc=0
for n in $targets; do
  run_one "$n" &
  pids+=($!) names+=("$n")
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || true
done
printf '%-10s %14s %8s %8s %s\n' target execs secs corpus result
for n in $targets; do
  log=$fdir/logs/$n.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  t=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  res=ok
  if grep -q '^SUMMARY\|ERROR: libFuzzer\|runtime error' "$log"; then
    res="CRASH (see $log)"
    rc=1
  fi
  printf '%-10s %14s %8s %8s %s\n' "$n" "${execs:-?}" "${t:-?}" \
    "$(ls "$fdir/corpus/$n" | wc -l)" "$res"
done
exit $rc
