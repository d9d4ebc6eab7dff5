#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Root e2e (host kernel only, a few seconds): the matrix and its store.
# - `--resume` with no unfinished run of the same matrix says so and starts a new run;
# - a cell the store refuses (an INSERT trigger added to the file by hand) is
#   not counted done: one error line, exit 2, the run stays `partial`;
# - `--resume` after the store accepts again fills that cell in: same run,
#   `complete`, the cell stored once.
# - without --clang, a source is compiled with the newest clang-N in PATH.
set -uo pipefail
B=${BPFGAUGE:?}; SRC=${BPFGAUGE_SRC:?}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (loads programs)"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 CLI not installed"; exit 77; }
newest=
for v in $(seq 40 -1 10); do command -v clang-$v >/dev/null && { newest=$v; break; }; done
[ -n "$newest" ] || { echo "SKIP: no clang-N"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
db="$tmp/h.db"
src="$SRC/bpf/examples/xdp_parse.bpf.c"
run() { "$B" matrix --db "$db" --no-progress "$@" "$src" >"$tmp/out" 2>"$tmp/err"; }

# 1. --resume on an empty store: a new run, said on stderr; no --clang: the newest clang-N
run --resume; rc=$?
[ $rc -eq 0 ] && grep -q "no unfinished run of this matrix" "$tmp/err" \
  && ok "--resume with nothing to resume: says so, starts run 1" || bad "rc $rc: $(cat "$tmp/err")"
clang=$(sqlite3 -readonly "$db" "select clang from cells")
[ "$clang" = "$newest" ] && ok "no --clang: compiled with clang-$newest, the newest in PATH" \
  || bad "cell clang '$clang', newest clang-N is $newest"

# 2. the store refuses the cell
sqlite3 "$db" "CREATE TRIGGER bg_test_refuse BEFORE INSERT ON cells BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
run; rc=$?
errs=$(grep -c "error:" "$tmp/err")
st=$(sqlite3 -readonly "$db" "select status from runs where id=2")
n=$(sqlite3 -readonly "$db" "select count(*) from cells where run_id=2")
[ $rc -eq 2 ] && [ "$errs" = 1 ] && grep -q "1 cells could not be written" "$tmp/err" && [ "$st/$n" = partial/0 ] \
  && ok "a cell the store refuses: exit 2, one error line, run 2 partial with no cell" \
  || bad "refused cell: rc $rc, $errs error lines, run 2 '$st' with $n cells: $(cat "$tmp/err")"

# 3. the store accepts again: --resume fills the cell in
sqlite3 "$db" "DROP TRIGGER bg_test_refuse"
run --resume; rc=$?
st=$(sqlite3 -readonly "$db" "select status from runs where id=2")
n=$(sqlite3 -readonly "$db" "select count(*) from cells where run_id=2")
runs=$(sqlite3 -readonly "$db" "select count(*) from runs")
[ $rc -eq 0 ] && [ "$st/$n/$runs" = complete/1/2 ] \
  && ok "--resume stores the missing cell: run 2 complete with 1 cell, no third run" \
  || bad "resume: rc $rc, run 2 '$st' with $n cells, $runs runs: $(cat "$tmp/err")"
exit $fail
