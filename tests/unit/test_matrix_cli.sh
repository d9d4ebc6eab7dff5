#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# matrix CLI without root or qemu: the help tells the truth about --jobs,
# --vm-jobs, --vm-cpus and the storage guarantee; inputs whose cells would
# share a name are refused (exit 2) before anything is stored; the progress
# line shows done/total and ETA on a TTY and nothing otherwise. Objects here
# are not BPF, so each cell is an error that needs no loading.
set -euo pipefail
B=${BPFGAUGE:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

"$B" matrix help > help
for want in '--vm-cpus N     vCPUs per guest' '--vm-jobs N     guests booted at once' \
            '--jobs N        threads loading objects on the host' \
            'own transaction' 'never holds a' 'with --resume fills in only' 'the missing cells' \
            'Cells are named by file name'; do
  grep -qF -- "$want" help || { echo "FAIL: help lacks '$want'"; cat help; exit 1; }
done
! grep -qE -- '--cpus?[ =]' help || { echo "FAIL: help lists a --cpu option"; exit 1; }
set +e; "$B" matrix --cpu 2 x.o 2> err; rc=$?; set -e
[ $rc -eq 2 ] && grep -q "unknown option" err

mkdir a b
echo 'int x;' > a/x.bpf.c; echo 'int x;' > b/x.bpf.c
printf 'not bpf\n' > a/x.bpf.o; printf 'not bpf\n' > b/x.bpf.o
printf 'junk clang version 14.0.6 junk\n' > a/y.o
printf 'junk clang version 22.1.0 junk\n' > b/y.o
expect_clash() {
  local rc
  set +e; "$B" matrix --db h.db --no-progress "$@" > out 2> err; rc=$?; set -e
  [ $rc -eq 2 ] || { echo "FAIL: $*: want exit 2, got $rc"; cat err; exit 1; }
  grep -q "would both be object 'x'" err || { echo "FAIL: $*: unclear error"; cat err; exit 1; }
  [ ! -e h.db ] || { echo "FAIL: $*: a store was written"; exit 1; }
}
# two sources, each with the same clang list
expect_clash --clang 14,22 a/x.bpf.c b/x.bpf.c
grep -qF "inputs 'a/x.bpf.c' and 'b/x.bpf.c' would both be object 'x' with clang 14" err
# two prebuilt objects, no clang in either
expect_clash a/x.bpf.o b/x.bpf.o
# a source and an object of the same name, built by the same clang major
mkdir c; printf 'junk clang version 22.1.0 junk\n' > c/x.bpf.o
expect_clash --clang 22 a/x.bpf.c c/x.bpf.o
# the same file twice
expect_clash a/x.bpf.o a/x.bpf.o

# prebuilt objects of different clangs are two columns, not a clash; not a
# TTY: no progress line
set +e; "$B" matrix --db h.db a/y.o b/y.o > out 2> err; rc=$?; set -e
[ $rc -eq 2 ] || { echo "FAIL: want exit 2 (cells could not be measured), got $rc"; cat err; exit 1; }
! grep -q "would both be" err
! grep -q "cells, .* ETA" err || { echo "FAIL: progress line without a TTY"; cat err; exit 1; }
grep -q "ERROR cell kernel=host clang=14 mcpu= object=y" out
grep -q "ERROR cell kernel=host clang=22 mcpu= object=y" out
grep -q "2 of 2 cells could not be measured (ERROR lines above); run 1 holds every finished cell" err

# on a TTY: done/total and ETA
if command -v script >/dev/null; then
  script -qec "'$B' matrix --db t.db a/y.o b/y.o" /dev/null > tty < /dev/null || true
  grep -qE 'matrix: 0/2 cells, 0 failed, [0-9]+ s elapsed, ETA [0-9]+ s' tty ||
    { echo "FAIL: no initial progress line on a TTY"; cat -v tty; exit 1; }
  grep -qE 'matrix: 2/2 cells, 2 failed, [0-9]+ s elapsed, ETA 0 s' tty ||
    { echo "FAIL: no final progress line on a TTY"; cat -v tty; exit 1; }
  script -qec "'$B' matrix --no-progress --db t2.db a/y.o b/y.o" /dev/null > tty2 < /dev/null || true
  ! grep -q 'cells, .* ETA' tty2 || { echo "FAIL: --no-progress still shows progress"; exit 1; }
else
  echo "note: script(1) not installed; TTY progress not checked"
fi
echo PASS
