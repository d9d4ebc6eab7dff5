#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Root e2e: a matrix killed with SIGKILL while its guest boots (the cached
# Debian 6.1 kernel, its init made to sleep with BPFGAUGE_VM_APPEND). Its
# run, still "running" in the file, must read as "interrupted" at once for
# readers without write access (history list/show as an unprivileged user
# on a store they cannot write), its guest must not outlive it, and the next
# matrix run must mark the run interrupted in the file and remove the
# $TMPDIR/bpfgauge-matrix-* directory it left.
set -euo pipefail
B=${BPFGAUGE:?}; SRC=${BPFGAUGE_SRC:?}; BUILD=${BPFGAUGE_BUILD:?}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86 not installed"; exit 77; }
[ -x "$BUILD/bpfgauge-static" ] || { echo "SKIP: bpfgauge-static not built"; exit 77; }
[ -x /bin/busybox ] || { echo "SKIP: busybox-static not installed"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) missing"; exit 77; }
clang=
for v in 22 19 16 15 14; do command -v clang-$v >/dev/null && { clang=$v; break; }; done
[ -n "$clang" ] || { echo "SKIP: no clang-N"; exit 77; }
"$B" kernels fetch 6.1 >/dev/null || { echo "SKIP: Debian 6.1 kernel image could not be fetched"; exit 77; }
tmp=$(mktemp -d); pid=
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
# an unprivileged reader: nobody may read the store but not write it or its directory
chmod 755 "$tmp"
db="$tmp/store/h.db"
status_as_nobody() {
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$B" -j history --db "$db" list 2>"$tmp/ro.err" |
    python3 -c 'import json, sys; r = json.load(sys.stdin); print(r[-1]["status"] if r else "none")'
}

# A TMPDIR of our own for the matrices of this test: any other matrix started
# meanwhile (ctest -j runs tests side by side) would reap the killed run's
# bpfgauge-matrix-* directory in /tmp before this test looks at it.
export TMPDIR="$tmp/tmpdir"
mkdir -p "$TMPDIR"
before=$(ls -d "$TMPDIR"/bpfgauge-matrix-* 2>/dev/null | sort || true)
# TCG: where KVM fails to start (nested virtualisation, this host) a qemu
# that lives 0.2 s comes first, and the guest found below could be that one
BPFGAUGE_VM_ACCEL=tcg BPFGAUGE_VM_APPEND='rdinit=/bin/busybox -- sleep 600' \
  "$B" matrix --db "$db" --clang "$clang" \
  --kernel 6.1 --timeout 120 --no-progress "$SRC/bpf/examples/xdp_parse.bpf.c" \
  >"$tmp/m.out" 2>"$tmp/m.err" &
pid=$!
# wait until its guest runs (the run is in the store by then); a guest that
# KVM failed (nested virtualisation) is replaced by a TCG one: wait for one
# that is still there half a second later
qpid=
for _ in $(seq 300); do
  qpid=$(pgrep -P "$pid" -f qemu-system | head -1 || true)
  [ -n "$qpid" ] && sleep 0.5 && kill -0 "$qpid" 2>/dev/null && break
  qpid=
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$qpid" ]; then
  st=running; kill -0 "$pid" 2>/dev/null || { wait "$pid"; st="exited $?"; } || true
  bad "the matrix did not boot its guest (matrix $st): stderr: $(cat "$tmp/m.err"); stdout: $(tail -5 "$tmp/m.out")"
  exit 1
fi
# its work directory, from its guest's command line: other tests running at
# the same time make bpfgauge-matrix-* directories of their own
workdir=$(ps -o args= -p "$qpid" | grep -o "$TMPDIR/bpfgauge-matrix-[^/ ,]*" | head -1 || true)
[ -n "$workdir" ] || workdir=$(comm -13 <(echo "$before") <(ls -d "$TMPDIR"/bpfgauge-matrix-* 2>/dev/null | sort) | head -1)
chmod -R a+rX "$tmp/store"
[ "$(status_as_nobody)" = running ] && ok "a live matrix run reads as running" \
  || bad "live run status: $(status_as_nobody) $(cat "$tmp/ro.err")"

# the same matrix with --resume while it runs: refused, it is not abandoned
rc=0
"$B" matrix --db "$db" --clang "$clang" --kernel 6.1 --resume --no-progress \
  "$SRC/bpf/examples/xdp_parse.bpf.c" >"$tmp/r.out" 2>"$tmp/r.err" || rc=$?
[ $rc -eq 2 ] && grep -q "is still running" "$tmp/r.err" && [ "$(grep -c . "$tmp/r.err")" = 1 ] \
  && ok "--resume of a run another matrix still runs: refused, one line, exit 2" \
  || bad "--resume of a live run: rc $rc: $(cat "$tmp/r.err")"

kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=
# the guest dies with it (PR_SET_PDEATHSIG)
for _ in $(seq 50); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$qpid" 2>/dev/null && { bad "qemu $qpid outlived its matrix"; kill -9 "$qpid"; } || ok "the guest died with its matrix"
raw=$(sqlite3 -readonly "$db" "select status from runs order by id desc limit 1" 2>/dev/null || echo "?")
st=$(status_as_nobody)
[ "$st" = interrupted ] && ok "a reader without write access sees the killed run as interrupted (file: $raw)" \
  || bad "killed run reads '$st' (file: $raw); $(cat "$tmp/ro.err")"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$B" history --db "$db" show latest \
  >"$tmp/show.out" 2>&1 || true
grep -q interrupted "$tmp/show.out" && ok "history show says interrupted" || bad "history show: $(head -3 "$tmp/show.out")"
[ -n "$workdir" ] && [ -d "$workdir" ] && ok "the killed run left $workdir" || bad "no workdir left to clean: '$workdir'"

# the next matrix run (host only, quick) marks it in the file and removes the directory
"$B" matrix --db "$db" --kernel host --no-progress "$SRC/bpf/examples/xdp_parse.bpf.c" \
  >/dev/null 2>"$tmp/m2.err" || true
raw=$(sqlite3 -readonly "$db" "select status from runs order by id limit 1" 2>/dev/null || echo "?")
[ "$raw" = interrupted ] && ok "the next matrix marks it interrupted in the file" || bad "file says '$raw'"
[ -n "$workdir" ] && [ ! -e "$workdir" ] && ok "the next matrix removed $workdir" || bad "$workdir still there"
exit $fail
