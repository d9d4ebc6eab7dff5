#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Root e2e: a real matrix of 2 clang majors x 2 kernels (host + Debian 6.1
# under qemu) on the bundled examples plus tests/data/matrix/kfunc_rcu.bpf.c,
# which passes on 6.12+ and fails on 6.1: the flag must name kernel 6.1.
set -euo pipefail
B=${BPFGAUGE:?}; SRC=${BPFGAUGE_SRC:?}; BUILD=${BPFGAUGE_BUILD:?}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86 not installed"; exit 77; }
[ -x "$BUILD/bpfgauge-static" ] || { echo "SKIP: bpfgauge-static not built"; exit 77; }
[ -x /bin/busybox ] || { echo "SKIP: busybox-static not installed"; exit 77; }
clangs=()
for v in 14 15 16 19 22; do command -v clang-$v >/dev/null && clangs+=($v); done
[ ${#clangs[@]} -ge 2 ] || { echo "SKIP: needs two clang majors"; exit 77; }
c1=${clangs[0]}; c2=${clangs[-1]}
"$B" kernels fetch 6.1 >/dev/null || { echo "SKIP: Debian 6.1 kernel image could not be fetched"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
set +e
"$B" matrix --db "$tmp/h.db" --clang "$c1,$c2" --kernel host,6.1 --timeout 240 -o "$tmp/out" \
  "$SRC"/bpf/examples/*.bpf.c "$SRC/tests/data/matrix/kfunc_rcu.bpf.c" > "$tmp/table" 2> "$tmp/err"
rc=$?
set -e
cat "$tmp/table"
[ $rc -eq 1 ] || { echo "FAIL: want exit 1 (a flag), got $rc"; cat "$tmp/err"; exit 1; }
python3 - "$tmp/out/matrix.json" "$c1" "$c2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
cells = d["cells"]
kernels = {c["kernel"] for c in cells}
clangs = {c["clang"] for c in cells}
assert kernels == {"host", "6.1"}, kernels
assert clangs == {sys.argv[2], sys.argv[3]}, clangs
assert all(c["status"] == "ok" for c in cells), [c.get("error") for c in cells]
six1 = [c for c in cells if c["kernel"] == "6.1"]
assert all(c["kernel_release"].startswith("6.1.") for c in six1)
for c in cells:
    for p in c["programs"]:
        if c["object"] != "kfunc_rcu":
            assert p["verdict"] == "pass" and p["insns"] > 0, (c["kernel"], c["clang"], p)
        else:
            assert p["verdict"] == ("fail" if c["kernel"] == "6.1" else "pass"), (c["kernel"], p)
flags = [f for f in d["flags"] if f["prog"] == "kfunc_rcu"]
assert any(f["axis"] == "fails on kernel 6.1 only" for f in flags), d["flags"]
assert not [f for f in d["flags"] if f["prog"] != "kfunc_rcu"], d["flags"]
print("ok: %d cells, flag: %s" % (len(cells), flags[0]["axis"]))
PY
grep -q "fails on kernel 6.1 only" "$tmp/out/matrix.md"
# a re-run with --resume of the finished matrix starts a new run; history sees both
"$B" history --db "$tmp/h.db" list | grep -q complete
echo PASS
