#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Root e2e: a real matrix of 2 clang majors x 2 kernels (host + Debian 6.1
# under qemu) on the bundled examples plus tests/data/matrix/kfunc_rcu.bpf.c,
# which passes on 6.12+ and fails on 6.1: the flag must name kernel 6.1.
# The same boot also attaches every program that verified, for real, on each
# kernel (tests/data/compat: a tracepoint, a kprobe, fentry): each cell's
# attach outcome must match that kernel's own config (the host's
# /proc/config.gz, the config kept beside the 6.1 image) and, for fentry,
# bpftool's own load on the host; an attach that fails on the host only is
# flagged by axis with its kconfig cause.
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
compat="$SRC/tests/data/compat"
set +e
# tracepoints attach through tracefs: mounted in a private namespace if the host has not
unshare -m --propagation private sh -c '
  mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing || exit 3
  exec "$0" "$@"' "$B" matrix --db "$tmp/h.db" --clang "$c1,$c2" --kernel host,6.1 --timeout 240 \
  -o "$tmp/out" "$SRC"/bpf/examples/*.bpf.c "$SRC/tests/data/matrix/kfunc_rcu.bpf.c" \
  "$compat/compat_tp.bpf.c" "$compat/compat_kprobe.bpf.c" "$compat/compat_fentry.bpf.c" \
  > "$tmp/table" 2> "$tmp/err"
rc=$?
set -e
cat "$tmp/table"
[ $rc -eq 1 ] || { echo "FAIL: want exit 1 (a flag), got $rc"; cat "$tmp/err"; exit 1; }
# oracles: the kernels' own configs, and whether bpftool can load fentry on the host
hostcfg=$(zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$(uname -r)" 2>/dev/null || true)
[ -n "$hostcfg" ] || { echo "SKIP: no kernel config on this host (the attach oracle)"; exit 77; }
grep -q '^CONFIG_KPROBES=y' <<<"$hostcfg" && host_kprobes=y || host_kprobes=n
img61=$("$B" kernels list | awk '$1 ~ /^6\.1\./ && $2 == "x86_64" {print $3; exit}')
cfg61=$(dirname "$img61")/config-$(basename "$img61" | sed 's/^vmlinuz-//')
grep -q '^CONFIG_KPROBES=y' "$cfg61" && k61_kprobes=y || k61_kprobes=n
grep -q '^CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y' "$cfg61" && k61_direct=y || k61_direct=n
clangbin=$(command -v clang-$c2)
"$clangbin" -g -O2 -target bpf -D__TARGET_ARCH_x86 -idirafter /usr/include/x86_64-linux-gnu \
  -c "$compat/compat_fentry.bpf.c" -o "$tmp/fentry.o"
if bpftool prog loadall "$tmp/fentry.o" /sys/fs/bpf/bpfgauge_mx_$$ >/dev/null 2>"$tmp/bpftool.err"; then
  host_fentry=loads
else
  grep -q "Operation not permitted" "$tmp/bpftool.err" && host_fentry=eperm || host_fentry=other
fi
rm -rf /sys/fs/bpf/bpfgauge_mx_$$
hostk=$(uname -r | cut -d. -f1,2)
python3 - "$tmp/out/matrix.json" "$c1" "$c2" "$host_kprobes" "$k61_kprobes" "$k61_direct" \
  "$host_fentry" "$hostk" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
host_kprobes, k61_kprobes, k61_direct, host_fentry, hostk = sys.argv[4:9]
cells = d["cells"]
kernels = {c["kernel"] for c in cells}
clangs = {c["clang"] for c in cells}
assert kernels == {"host", "6.1"}, kernels
assert clangs == {sys.argv[2], sys.argv[3]}, clangs
assert all(c["status"] == "ok" for c in cells), [c.get("error") for c in cells]
six1 = [c for c in cells if c["kernel"] == "6.1"]
assert all(c["kernel_release"].startswith("6.1.") for c in six1)
def attach(c, prog):
    for p, a in zip(c["programs"], c["attach"]):
        if p["prog"] == prog:
            return p, a
    raise AssertionError((c["kernel"], c["object"], prog, "missing"))
for c in cells:
    assert len(c["attach"]) == len(c["programs"]), c
    for p in c["programs"]:
        if c["object"] == "kfunc_rcu":
            assert p["verdict"] == ("fail" if c["kernel"] == "6.1" else "pass"), (c["kernel"], p)
        elif not c["object"].startswith("compat_"):
            assert p["verdict"] == "pass" and p["insns"] > 0, (c["kernel"], c["clang"], p)
    if c["object"] == "compat_tp":
        for prog in ("tp_openat", "raw_sys_enter", "btf_sched_switch"):
            p, a = attach(c, prog)
            assert p["verdict"] == "pass" and a == "attached", (c["kernel"], prog, a)
    if c["object"] == "compat_kprobe":
        want = k61_kprobes if c["kernel"] == "6.1" else host_kprobes
        p, a = attach(c, "kp_unlinkat")
        if want == "y":
            assert a == "attached", (c["kernel"], a)
        else:
            assert a.startswith("failed ENOENT: ") and "CONFIG_KPROBES is not set" in a, (c["kernel"], a)
    if c["object"] == "compat_fentry":
        p, a = attach(c, "fe_unlinkat")
        if c["kernel"] == "6.1":
            assert p["verdict"] == "pass", p
            if k61_direct == "y":
                assert a == "attached", a
        elif host_fentry == "eperm":
            # refused at load: no attach; the record names the kernel cause
            assert p["verdict"] == "fail" and p["class"] == "kernel" and a is None, (p, a)
            assert "refuses every BPF trampoline program" in p["hint"], p
        elif host_fentry == "loads":
            assert p["verdict"] == "pass" and a == "attached", (p, a)
flags = [f for f in d["flags"] if f["prog"] == "kfunc_rcu"]
assert any(f["axis"] == "fails on kernel 6.1 only" for f in flags), d["flags"]
ours = ("kfunc_rcu", "compat_tp", "compat_kprobe", "compat_fentry")
assert not [f for f in d["flags"] if f["object"] not in ours], d["flags"]
# the kprobe attaches on 6.1 but not on a host without CONFIG_KPROBES: one flag names it
kf = [f for f in d["flags"] if f["object"] == "compat_kprobe"]
if host_kprobes == "n" and k61_kprobes == "y":
    assert len(kf) == 1 and kf[0]["kind"] == "attach-failure", d["flags"]
    assert kf[0]["axis"] == "attach fails on kernel %s only" % hostk, kf[0]
    assert kf[0]["detail"].startswith("ENOENT (CONFIG_KPROBES is not set"), kf[0]
    print("ok: attach flag: %s: %s" % (kf[0]["axis"], kf[0]["detail"]))
else:
    assert not [f for f in kf if f["kind"] == "attach-failure"], kf
print("ok: %d cells, flag: %s" % (len(cells), flags[0]["axis"]))
PY
grep -q "fails on kernel 6.1 only" "$tmp/out/matrix.md"
# the history keeps the attach outcomes: an export carries them, and imports back
"$B" history --db "$tmp/h.db" export -o "$tmp/exp.json"
"$B" history --db "$tmp/h2.db" import "$tmp/exp.json" >/dev/null
"$B" history --db "$tmp/h2.db" export -o "$tmp/exp2.json"
python3 - "$tmp/exp.json" "$tmp/exp2.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
att = lambda d: sorted((c["kernel"], c["clang"], c["object"], str(x)) for r in d["runs"]
                       for c in r["cells"] for x in c.get("attach", []))
assert att(a) == att(b) and any(x[3] == "attached" for x in att(a)), (att(a)[:5], att(b)[:5])
PY
# a re-run with --resume of the finished matrix starts a new run; history sees both
"$B" history --db "$tmp/h.db" list | grep -q complete
echo PASS
