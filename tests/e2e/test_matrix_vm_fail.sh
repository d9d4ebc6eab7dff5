#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Root e2e: a guest that hangs and a guest that panics, on the cached Debian
# 6.1 kernel (BPFGAUGE_VM_APPEND makes init sleep, or points it at nothing).
# Each must end within --timeout as exit 2 with a per-cell ERROR line that
# carries the console tail, while the host's cells of the same run are stored.
set -euo pipefail
B=${BPFGAUGE:?}; SRC=${BPFGAUGE_SRC:?}; BUILD=${BPFGAUGE_BUILD:?}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86 not installed"; exit 77; }
[ -x "$BUILD/bpfgauge-static" ] || { echo "SKIP: bpfgauge-static not built"; exit 77; }
[ -x /bin/busybox ] || { echo "SKIP: busybox-static not installed"; exit 77; }
clang=
for v in 22 19 16 15 14; do command -v clang-$v >/dev/null && { clang=$v; break; }; done
[ -n "$clang" ] || { echo "SKIP: no clang-N"; exit 77; }
"$B" kernels fetch 6.1 >/dev/null || { echo "SKIP: Debian 6.1 kernel image could not be fetched"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# $1 = name, $2 = guest kernel command line, $3 = console text to expect,
# $4 = --vm-cpus, $5 = --timeout (long enough for a TCG boot to reach init on
# a loaded machine); runs a host + 6.1 matrix
run_case() {
  local rc t0 t1 pid
  t0=$(date +%s)
  set +e
  BPFGAUGE_VM_APPEND="$2" timeout 60 "$B" matrix --db "$tmp/$1.db" --clang "$clang" \
    --kernel host,6.1 --timeout "$5" --vm-cpus "$4" --no-progress -o "$tmp/$1" -w "$tmp/wd-$1" \
    "$SRC/bpf/examples/xdp_parse.bpf.c" > "$tmp/$1.out" 2> "$tmp/$1.err" &
  pid=$!
  # --vm-cpus reaches qemu: find our guest (its console log is under wd-NAME)
  : > "$tmp/$1.qemu"
  for _ in $(seq 100); do
    ps -eo args | grep "^qemu-system.*$tmp/wd-$1/" > "$tmp/$1.qemu" && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
  done
  wait $pid
  rc=$?
  set -e
  t1=$(date +%s)
  grep -q -- "-smp $4 " "$tmp/$1.qemu" || { echo "FAIL: $1: qemu not run with -smp $4"; cat "$tmp/$1.qemu"; exit 1; }
  cat "$tmp/$1.out" "$tmp/$1.err"
  [ $rc -ne 124 ] || { echo "FAIL: $1: bpfgauge matrix hung (killed by timeout 60)"; exit 1; }
  [ $rc -eq 2 ] || { echo "FAIL: $1: want exit 2, got $rc"; exit 1; }
  echo "$1: matrix took $((t1 - t0)) s in all (host cell, build and guest)"
  grep -q "ERROR cell kernel=6.1 clang=$clang mcpu= object=xdp_parse: kernel 6.1: " "$tmp/$1.out" ||
    { echo "FAIL: $1: no per-cell ERROR line"; exit 1; }
  grep -q -- "--- console tail of kernel 6.1 ---" "$tmp/$1.out" ||
    { echo "FAIL: $1: console tail not shown"; exit 1; }
  grep -q "1 of 2 cells could not be measured (ERROR lines above); run 1 holds every finished cell" "$tmp/$1.err" ||
    { echo "FAIL: $1: no summary of failed cells on stderr"; exit 1; }
  python3 - "$tmp/$1/matrix.json" "$3" "$5" <<'PY'
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
by = {c["kernel"]: c for c in cells}
assert set(by) == {"host", "6.1"}, by.keys()
h, v = by["host"], by["6.1"]
# the host cell of the same run is stored and real
assert h["status"] == "ok" and h["programs"], h
assert all(p["verdict"] == "pass" and p["insns"] > 0 for p in h["programs"]), h["programs"]
assert v["status"] == "error" and not v.get("programs"), v
assert sys.argv[2] in v["console_tail"], v["console_tail"]
# the guest's own time: a hung guest is killed at --timeout, not left to run on
# (the whole run's wall time also holds the host cell and the build, which a
# loaded machine stretches; the guest's kill does not depend on that)
assert v["seconds"] < float(sys.argv[3]) + 15, v["seconds"]
print("ok:", v["error"])
PY
}

# hung guest: init is `busybox sleep 600`; killed after --timeout 20
run_case hang 'loglevel=7 rdinit=/bin/busybox -- sleep 600' 'Run /bin/busybox as init process' 2 20
grep -q "VM did not finish within 20 s (hung guest?); killed" "$tmp/hang.out"
# crashed guest: no init, no root: the kernel panics and qemu stops at once
run_case panic 'rdinit=/nonexistent' 'Kernel panic' 1 20
grep -q "VM stopped after .* without output: guest kernel panic: VFS: Unable to mount root fs" "$tmp/panic.out"
! grep -q "did not finish within" "$tmp/panic.out"
echo PASS
