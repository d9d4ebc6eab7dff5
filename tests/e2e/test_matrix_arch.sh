#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Root e2e: the matrix's arch axis on real guests. `matrix --arch
# x86_64,arm64 --kernel host,6.1,6.12` on tests/data/compat/compat_trampoline
# (compiled per arch: -D__TARGET_ARCH_x86 / _arm64): the host cell stays
# x86_64, each of the four images boots once (x86_64 under qemu-system-x86_64,
# arm64 under qemu-system-aarch64, TCG, with the cross-built static
# bpfgauge-static-arm64 as the guest tool). The fentry on bpf_fentry_test1
# must attach where the image's own config has
# CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y and fail with ENOTSUPP, explained,
# where it has not (the issue's demonstration: x86_64 6.1 and arm64 6.12
# attach, arm64 6.1 does not), and the flag must name "6.1/arm64". The arch
# is stored per cell and survives a history export/import.
set -euo pipefail
B=${BPFGAUGE:?}; SRC=${BPFGAUGE_SRC:?}; BUILD=${BPFGAUGE_BUILD:?}
. "$SRC/tests/harness/arch_guests.sh"
clang=
for v in 22 19 16 15 14; do command -v clang-$v >/dev/null && { clang=$v; break; }; done
[ -n "$clang" ] || { echo "SKIP: no clang"; exit 77; }
"$B" kernels fetch 6.1 6.12 >/dev/null 2>&1 || { echo "SKIP: Debian 6.1/6.12 images could not be fetched"; exit 77; }
"$B" kernels fetch --arch arm64 6.1 6.12 >/dev/null 2>&1 ||
  { echo "SKIP: Debian arm64 6.1/6.12 images could not be fetched"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
obj="$SRC/tests/data/compat/compat_trampoline.bpf.c"
t0=$(date +%s)
set +e
"$B" matrix --db "$tmp/h.db" --clang "$clang" --arch x86_64,arm64 --kernel host,6.1,6.12 \
  --timeout 240 -o "$tmp/out" "$obj" > "$tmp/table" 2> "$tmp/err"
rc=$?
set -e
echo "matrix: exit $rc in $(( $(date +%s) - t0 )) s"
cat "$tmp/table"
[ $rc -eq 1 ] || { echo "FAIL: want exit 1 (flags), got $rc"; cat "$tmp/err"; exit 1; }
# the oracle: each image's own config, kept beside it in the cache
"$B" kernels list > "$tmp/kernels"
cfg() { # VERSION ARCH -> the config path of that cached image
  local img
  img=$(awk -v v="$1" -v a="$2" 'index($1, v ".") == 1 && $2 == a {print $3; exit}' "$tmp/kernels")
  [ -n "$img" ] || { echo "FAIL: no $2 $1 image in 'kernels list'" >&2; exit 1; }
  echo "$(dirname "$img")/config-$(basename "$img" | sed 's/^vmlinuz-//')"
}
direct() { grep -q '^CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y' "$1" && echo y || echo n; }
d_x61=$(direct "$(cfg 6.1 x86_64)"); d_x612=$(direct "$(cfg 6.12 x86_64)")
d_a61=$(direct "$(cfg 6.1 arm64)"); d_a612=$(direct "$(cfg 6.12 arm64)")
# the demonstration must not pass vacuously: the configs differ as the issue says
[ "$d_x61" = y ] && [ "$d_a61" = n ] && [ "$d_a612" = y ] ||
  { echo "FAIL: unexpected configs: x86_64 6.1=$d_x61 arm64 6.1=$d_a61 arm64 6.12=$d_a612"; exit 1; }
python3 - "$tmp/out/matrix.json" "$d_x61" "$d_x612" "$d_a61" "$d_a612" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
direct = {("6.1", "x86_64"): sys.argv[2], ("6.12", "x86_64"): sys.argv[3],
          ("6.1", "arm64"): sys.argv[4], ("6.12", "arm64"): sys.argv[5]}
cells = d["cells"]
got = sorted((c["kernel"], c["arch"]) for c in cells)
assert got == [("6.1", "x86_64"), ("6.1/arm64", "arm64"), ("6.12", "x86_64"),
               ("6.12/arm64", "arm64"), ("host", "x86_64")], got
assert all(c["status"] == "ok" for c in cells), [(c["kernel"], c.get("error")) for c in cells]
for c in cells:
    rel = c["kernel_release"]
    assert rel.endswith("-arm64") == (c["arch"] == "arm64"), (c["kernel"], rel)
    assert len(c["attach"]) == len(c["programs"]), c["kernel"]
    if c["kernel"] == "host":
        continue
    ver = c["kernel"].split("/")[0]
    assert rel.startswith(ver + "."), (c["kernel"], rel)
    progs = {p["prog"]: (p, a) for p, a in zip(c["programs"], c["attach"])}
    # the syscall wrapper of the other architecture is not in this kernel's BTF
    other = "fe_x64_getpgid" if c["arch"] == "arm64" else "fe_arm64_getpgid"
    assert progs[other][0]["verdict"] == "fail", (c["kernel"], progs[other])
    for prog in ("fe_test1", "fx_test1"):
        p, a = progs[prog]
        assert p["verdict"] == "pass", (c["kernel"], prog, p)
        if direct[(ver, c["arch"])] == "y":
            assert a == "attached", (c["kernel"], prog, a)
        else:
            assert a.startswith("failed ENOTSUPP: ") and \
                "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS is not set" in a, (c["kernel"], prog, a)
    print("ok: %-11s %-28s fe_test1: %s" % (c["kernel"], rel, progs["fe_test1"][1]))
fl = [f for f in d["flags"] if f["prog"] == "fe_test1" and f["kind"] == "attach-failure"]
assert len(fl) == 1, d["flags"]
assert fl[0]["axis"] == "attach fails on kernel 6.1/arm64 only", fl[0]
assert fl[0]["detail"].startswith("ENOTSUPP (CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS is not set"), fl[0]
print("ok: flag: %s: %s" % (fl[0]["axis"], fl[0]["detail"]))
PY
# the text report and the table name the arch-qualified kernel
grep -q "attach fails on kernel 6.1/arm64 only" "$tmp/table"
grep -q "6.1/arm64" "$tmp/out/matrix.md"
# the arch is stored per cell: an export carries it and imports back
"$B" history --db "$tmp/h.db" export -o "$tmp/exp.json"
"$B" history --db "$tmp/h2.db" import "$tmp/exp.json" >/dev/null
"$B" history --db "$tmp/h2.db" export -o "$tmp/exp2.json"
python3 - "$tmp/exp.json" "$tmp/exp2.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
arch = lambda d: sorted((c["kernel"], c["arch"]) for r in d["runs"] for c in r["cells"])
assert arch(a) == arch(b) and ("6.1/arm64", "arm64") in arch(a), (arch(a), arch(b))
PY
echo PASS
