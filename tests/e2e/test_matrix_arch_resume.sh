#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Root e2e: resuming an interrupted matrix with the arch axis. `matrix --arch
# x86_64,arm64 --kernel host,6.1` is killed with SIGKILL once its host cell
# is stored while both 6.1 guests (x86_64, and arm64 under TCG) hang in boot
# (their init made to sleep with BPFGAUGE_VM_APPEND); both guests must die
# with it. The same command with --resume must continue that run (not begin
# a new one), leave the stored host cell alone (same row, same content) and
# add 6.1 (x86_64) and 6.1/arm64 (arm64) once each, the run complete, the
# summary counting one cell already stored; the killed run's
# /tmp/bpfgauge-matrix-* directory must be gone afterwards.
set -euo pipefail
B=${BPFGAUGE:?}; SRC=${BPFGAUGE_SRC:?}; BUILD=${BPFGAUGE_BUILD:?}
. "$SRC/tests/harness/arch_guests.sh"
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 (the CLI) missing"; exit 77; }
clang=
for v in 22 19 16 15 14; do command -v clang-$v >/dev/null && { clang=$v; break; }; done
[ -n "$clang" ] || { echo "SKIP: no clang-N"; exit 77; }
"$B" kernels fetch 6.1 >/dev/null 2>&1 || { echo "SKIP: Debian 6.1 image could not be fetched"; exit 77; }
"$B" kernels fetch --arch arm64 6.1 >/dev/null 2>&1 ||
  { echo "SKIP: Debian arm64 6.1 image could not be fetched"; exit 77; }

tmp=$(mktemp -d); pid=; qpids=
db="$tmp/h.db"
# our work directories name our store in their owner file (see matrix.c)
ours() { grep -lxF "$db" /tmp/bpfgauge-matrix-*/owner 2>/dev/null | xargs -r -n1 dirname || true; }
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  for qp in $qpids; do kill -9 "$qp" 2>/dev/null; done
  for d in $(ours); do rm -rf "$d"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
q() { sqlite3 -readonly "$db" "$1" 2>/dev/null || echo "?"; }
# the same command both times; --vm-jobs 2 so that both guests boot at once
mx=(matrix --db "$db" --clang "$clang" --arch x86_64,arm64 --kernel host,6.1 --vm-jobs 2
    --no-progress "$SRC/bpf/examples/xdp_parse.bpf.c")
t0=$(date +%s)

# TCG for both: x86_64 would try KVM first, and where KVM fails to start
# (nested virtualisation) a short-lived qemu comes before the TCG one
BPFGAUGE_VM_ACCEL=tcg BPFGAUGE_VM_APPEND='rdinit=/bin/busybox -- sleep 600' \
  "$B" "${mx[@]}" --timeout 120 >"$tmp/m1.out" 2>"$tmp/m1.err" &
pid=$!
# wait until the host cell is stored and both guests run (no time is asserted)
guests() { for p in $qpids; do ps -o comm= -p "$p"; done | sort | tr '\n' ' '; }
both="qemu-system-aar qemu-system-x86 " # ps shows 15 characters of the name
nhost=0
for _ in $(seq 3000); do
  kill -0 "$pid" 2>/dev/null || break
  qpids=$(pgrep -P "$pid" -f qemu-system || true)
  nhost=$(q "select count(*) from cells where kernel='host'")
  [ "$nhost" = 1 ] && [ "$(guests)" = "$both" ] && break
  sleep 0.2
done
if [ "$nhost" != 1 ] || [ "$(guests)" != "$both" ]; then
  st=running; kill -0 "$pid" 2>/dev/null || { wait "$pid"; st="exited $?"; } || true
  bad "want the host cell stored and both guests running, have $nhost host cell(s), guests '$(guests)' (matrix $st): $(cat "$tmp/m1.err")"
  exit 1
fi
ok "the host cell is stored and both guests boot: $(guests)"
for p in $qpids; do ps -o args= -p "$p"; done >"$tmp/qargs" || true
workdir=$(grep -o '/tmp/bpfgauge-matrix-[^/ ,]*' "$tmp/qargs" | sort -u || true)
[ "$(echo "$workdir" | grep -c .)" = 1 ] && [ -d "$workdir" ] && ok "one work directory: $workdir" ||
  bad "work directories from the guests' command lines: '$workdir' in: $(cat "$tmp/qargs")"
# the store as it is before the kill: one run, running, with the host cell only
run=$(q "select group_concat(id) from runs")
[ "$(q "select status from runs")" = running ] && [ "$(q "select count(*) from cells")" = 1 ] &&
  ok "run $run is running with the host cell alone stored" ||
  bad "before the kill: runs '$run' $(q "select status from runs"), $(q "select count(*) from cells") cells"
host_row=$(q "select * from cells where kernel='host'")
host_recs=$(q "select r.* from records r join cells c on r.cell_id=c.id where c.kernel='host' order by r.id")
"$B" history --db "$db" export -o "$tmp/before.json"

kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=
for qp in $qpids; do
  for _ in $(seq 100); do kill -0 "$qp" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$qp" 2>/dev/null && bad "qemu $qp outlived its matrix" || ok "guest $qp died with its matrix"
done
qpids=

# resume: the same command (-v: it logs what it resumes), the guests boot for real
"$B" -v "${mx[@]}" --timeout 240 --resume >"$tmp/m2.out" 2>"$tmp/m2.err" &
pid=$!
rc=0; wait "$pid" || rc=$?
pid=
echo "resumed matrix: exit $rc; test took $(( $(date +%s) - t0 )) s"
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] && ok "the resumed matrix exits $rc" ||
  bad "the resumed matrix exits $rc: $(cat "$tmp/m2.err")"
[ "$(q "select group_concat(id) from runs")" = "$run" ] && ok "still one run, $run" ||
  bad "runs now: '$(q "select group_concat(id) from runs")' (want '$run')"
grep -q "resuming run $run\b" "$tmp/m2.err" && ok "it says it resumes run $run" ||
  bad "no 'resuming run $run' in: $(cat "$tmp/m2.err")"
[ "$(q "select status from runs where id=$run")" = complete ] && ok "run $run is complete" ||
  bad "run $run is '$(q "select status from runs where id=$run")'"
got=$(q "select kernel || ' ' || arch || ' ' || status from cells where run_id=$run order by kernel")
want=$'6.1 x86_64 ok\n6.1/arm64 arm64 ok\nhost x86_64 ok'
[ "$got" = "$want" ] && ok "cells: host, 6.1 and 6.1/arm64, once each, ok" || bad "cells: $got"
[ "$(q "select * from cells where kernel='host'")" = "$host_row" ] &&
  [ "$(q "select r.* from records r join cells c on r.cell_id=c.id where c.kernel='host' order by r.id")" = "$host_recs" ] &&
  ok "the host cell and its records are the rows stored before the kill" || bad "the host cell changed"
grep -q "matrix: run $run: 3 cells (2 done, 0 failed, 1 already stored)" "$tmp/m2.err" &&
  ok "the summary counts 3 cells, 2 done, 1 already stored" ||
  bad "summary: $(grep 'matrix: run' "$tmp/m2.err" || cat "$tmp/m2.err")"
"$B" history --db "$db" export -o "$tmp/after.json"
python3 - "$tmp/before.json" "$tmp/after.json" <<'PY' && ok "history export: the host cell unchanged" || bad "history export"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
host = lambda d: [c for r in d["runs"] for c in r["cells"] if c["kernel"] == "host"]
assert len(host(a)) == 1 and host(a) == host(b), (host(a), host(b))
assert len(a["runs"]) == 1 and [r["uuid"] for r in a["runs"]] == [r["uuid"] for r in b["runs"]]
PY
# the killed run's work directory is reaped, the resumed one's removed
[ ! -e "$workdir" ] && ok "$workdir is gone" || bad "$workdir left behind"
left=$(ours)
[ -z "$left" ] && ok "no work directory of ours is left" || bad "left: $left"
exit $fail
