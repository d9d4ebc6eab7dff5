#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Thread-sanitizer check of the parallel loader: builds the bpfgauge CLI
# (runtime + cli C code only, no pass) with -fsanitize=thread in its own
# build dir and runs `verifier stats -J 4` on xdp-tools' compiled BPF
# objects, then on the verifier test programs (their failures take the
# per-job warning and libbpf-message paths), with halt_on_error. Fails on
# any ThreadSanitizer report. Needs root (it loads programs); exit 77 when
# not root or when no xdp-tools objects are installed (scripts/setup.sh
# installs xdp-tools).
#   TSAN_BUILD_DIR=DIR   build dir (default: build-tsan next to the sources)
#   BPFGAUGE_LLVM=N      LLVM major to configure with (default: auto)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${TSAN_BUILD_DIR:-$top/build-tsan}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (CAP_BPF) to load programs"; exit 77; }
objs=()
for o in /usr/lib/x86_64-linux-gnu/bpf/*.o /usr/libexec/xdp-tools/*.o; do
  [ -f "$o" ] && objs+=("$o")
done
[ ${#objs[@]} -gt 0 ] || { echo "SKIP: no xdp-tools BPF objects (apt-get install xdp-tools)"; exit 77; }

tsan=(-DCMAKE_C_FLAGS="-fsanitize=thread -fno-omit-frame-pointer"
      -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread)
[ "${CI:-}" = true ] && tsan+=(-DBPFGAUGE_WERROR=ON)
mkdir -p "$build"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBPFGAUGE_LLVM="${BPFGAUGE_LLVM:-auto}" \
  -DBPFGAUGE_SANITIZE=OFF "${tsan[@]}" >"$build/tsan-configure.log" 2>&1 \
  || { cat "$build/tsan-configure.log"; echo "FAIL: configure"; exit 1; }
cmake --build "$build" --target bpfgauge_cli -j"$(nproc)" >"$build/tsan-build.log" 2>&1 \
  || { tail -n 40 "$build/tsan-build.log"; echo "FAIL: build"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The verifier test programs: failing loads go through the per-job reason
# and libbpf's CO-RE messages. A missing clang only drops this half.
clang=$(command -v clang-19 || command -v clang-22 || command -v clang-16 || command -v clang || true)
vobjs=()
if [ -n "$clang" ]; then
  for f in "$top"/tests/data/verifier/*.bpf.c; do
    n=$(basename "$f" .c)
    "$clang" -g -O2 -target bpf -D__TARGET_ARCH_x86 -idirafter /usr/include/x86_64-linux-gnu \
      -c "$f" -o "$tmp/$n.o" 2>/dev/null && vobjs+=("$tmp/$n.o")
  done
fi

# TSan needs a fixed memory layout on some kernels: run without ASLR when possible.
run=()
setarch "$(uname -m)" -R true 2>/dev/null && run=(setarch "$(uname -m)" -R)
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
fail=0
# check NAME WANT_RC STATS_ARGS...: no ThreadSanitizer report and exit WANT_RC
check() {
  local name=$1 want=$2
  shift 2
  "${run[@]}" "$build/bpfgauge" verifier stats -J 4 --allow-failures --format csv -e file,prog,verdict "$@" \
    >"$tmp/$name.csv" 2>"$tmp/$name.err"
  local rc=$?
  if grep -q "ThreadSanitizer" "$tmp/$name.err" || [ $rc = 66 ]; then
    cat "$tmp/$name.err"
    echo "FAIL $name: ThreadSanitizer report (exit $rc)"
    fail=1
  elif [ $rc != "$want" ]; then
    cat "$tmp/$name.err"
    echo "FAIL $name: exit $rc, want $want"
    fail=1
  else
    echo "ok   $name: $(($(wc -l <"$tmp/$name.csv") - 1)) records, no ThreadSanitizer report"
  fi
}
check xdp-tools 0 "${objs[@]}"
[ ${#vobjs[@]} -gt 0 ] && check verifier-tests 0 "${vobjs[@]}" "${objs[@]}"

# Every load fails (a shim breaks libbpf's program lookup after listing):
# each worker takes the failed-job path; each job's own reason must come
# out, once, in input order (the programs of the first run, in its order).
if cc -shared -fPIC -o "$tmp/fail_lookup.so" "$top/tests/e2e/loaders/fail_prog_lookup.c"; then
  run_ok=("${run[@]}")
  run=(env LD_PRELOAD="$tmp/fail_lookup.so" "${run_ok[@]}")
  check failing-loads 2 "${objs[@]}"
  run=("${run_ok[@]}")
  tail -n +2 "$tmp/xdp-tools.csv" | tr -d '\r' | cut -d, -f1,2 |
    sed -E "s/^([^,]*),(.*)$/bpfgauge: error: verifier: cannot open '\1' for program '\2': No such file or directory/" \
    >"$tmp/want.err"
  if grep -v ThreadSanitizer "$tmp/failing-loads.err" | diff "$tmp/want.err" - >"$tmp/reasons.diff"; then
    echo "ok   failing-loads: $(wc -l <"$tmp/want.err") reasons, each its own job's, in input order"
  else
    cat "$tmp/reasons.diff"
    echo "FAIL failing-loads: the reasons are not one per job in input order"
    fail=1
  fi
else
  echo "FAIL: cannot build the failing-lookup shim"
  fail=1
fi
exit $fail
