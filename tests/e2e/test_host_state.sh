#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Root e2e: the end-of-run host check (host_state.py) catches what it must.
# A regular file where /dev/null should be, a leftover pin named like ours,
# and a clean state: exit 1 naming the culprit, then exit 0 once it is gone.
# (Real /dev/null and the shared lo are never touched: the device path is
# given by HOST_STATE_DEVNULL and the pin is our own, removed by the trap.)
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
command -v bpftool >/dev/null || { echo "SKIP: no bpftool"; exit 77; }
mountpoint -q /sys/fs/bpf || { echo "SKIP: no bpffs at /sys/fs/bpf"; exit 77; }
hs=${BPFGAUGE_SRC:?}/tests/e2e/host_state.py
tmp=$(mktemp -d)
pin=/sys/fs/bpf/bgtest_hoststate_$$
trap 'rm -f "$pin"; rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
export HOST_STATE_SETTLE=1

mknod "$tmp/null" c 1 3
: >"$tmp/file"
python3 "$hs" save "$tmp/base.json" >/dev/null || { echo "FAIL: save"; exit 1; }

out=$(HOST_STATE_DEVNULL="$tmp/file" python3 "$hs" check "$tmp/base.json"); rc=$?
[ $rc = 1 ] && grep -q "FAIL $tmp/file is no longer the character device 1:3" <<<"$out" &&
  ok "a regular file in place of /dev/null fails the check" || bad "devnull: exit $rc: $out"

bpftool map create "$pin" type array key 4 value 4 entries 1 name bgtest_hs ||
  { echo "FAIL: cannot create a pinned map"; exit 1; }
out=$(HOST_STATE_DEVNULL="$tmp/null" python3 "$hs" check "$tmp/base.json"); rc=$?
[ $rc = 1 ] && grep -q "FAIL left on the host: pin $pin" <<<"$out" &&
  ok "a leftover pin fails the check, named" || bad "pin: exit $rc: $out"

rm -f "$pin"
out=$(HOST_STATE_DEVNULL="$tmp/null" python3 "$hs" check "$tmp/base.json"); rc=$?
# another engineer's run may leave something of its own meanwhile: only ours matters
if [ $rc = 0 ]; then
  ok "clean host passes"
elif grep -q "$pin\|/dev/null\|$tmp" <<<"$out"; then
  bad "clean: exit $rc: $out"
else
  echo "note: something else appeared on the host meanwhile: $out"
fi
exit $fail
