#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Root e2e: KVM that fails late, and no qemu outliving bpfgauge. A stand-in
# qemu (BPFGAUGE_QEMU) behaves like qemu on a nested host whose /dev/kvm
# opens but cannot run the guest: with -accel kvm it prints "KVM internal
# error. Suberror: 1" / "emulation failure" and pauses (never exits); with
# -accel tcg it runs the real qemu-system-x86_64.
#  1. A matrix over two boots of the Debian 6.1 kernel must kill the stopped
#     guest, retry that kernel under TCG at once (well before --timeout),
#     boot the second kernel under TCG straight away, and measure every cell.
#  2. A guest must not outlive bpfgauge, whether bpfgauge ends normally, by
#     SIGTERM, SIGINT or SIGKILL (a stand-in that hangs for every accel).
set -uo pipefail
B=${BPFGAUGE:?}; SRC=${BPFGAUGE_SRC:?}; BUILD=${BPFGAUGE_BUILD:?}; BPFDIR=${BPFGAUGE_BPF_DIR:?}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -x "$BUILD/bpfgauge-static" ] || { echo "SKIP: bpfgauge-static not built"; exit 77; }
[ -x /bin/busybox ] || { echo "SKIP: busybox-static not installed"; exit 77; }
tmp=$(mktemp -d)
# every stand-in writes its pid here; whatever happens, none survives the test
cleanup() {
  for p in $(cat "$tmp"/*.pids 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
# a pid that still runs (a zombie waiting for init to reap it does not)
running() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
none_running() { # file of pids: 0 if none runs, after up to 2 s
  for _ in $(seq 20); do
    local any=0
    for p in $(cat "$1" 2>/dev/null); do running "$p" && any=1; done
    [ $any = 0 ] && return 0
    sleep 0.1
  done
  return 1
}

cat >"$tmp/qemu-kvm-late" <<EOF
#!/bin/sh
case " \$* " in
*" -accel kvm "*)
  echo \$\$ >> "$tmp/kvm.pids"
  echo "KVM internal error. Suberror: 1" >&2
  echo "extra data[0]: 0x0000000000000000" >&2
  echo "emulation failure" >&2
  exec sleep 600 ;;
esac
echo \$\$ >> "$tmp/tcg.pids"
exec qemu-system-x86_64 "\$@"
EOF
cat >"$tmp/qemu-hang" <<EOF
#!/bin/sh
echo \$\$ >> "$tmp/hang.pids"
echo \$\$ >> "$tmp/every-hang.pids"
exec sleep 600
EOF
chmod +x "$tmp/qemu-kvm-late" "$tmp/qemu-hang"

# ---- 1. KVM stops the guest late: TCG at once, for the rest of the run ----
if ! command -v qemu-system-x86_64 >/dev/null; then
  echo "note: qemu-system-x86 not installed, KVM fallback case not run"
elif ! "$B" kernels fetch 6.1 >/dev/null; then
  echo "note: Debian 6.1 kernel image could not be fetched, KVM fallback case not run"
else
  img=$(ls "${BPFGAUGE_CACHE:-$HOME/.cache/bpfgauge}"/kernels/vmlinuz-6.1.[0-9]*-* 2>/dev/null | tail -1)
  obj=$(ls "$BPFDIR"/llvm-*/plain/xdp_parse.bpf.o 2>/dev/null | tail -1)
  if [ -z "$img" ] || [ -z "$obj" ]; then
    bad "no cached 6.1 image ('$img') or plain xdp_parse object ('$obj')"
  else
    # BPFGAUGE_VM_ACCEL=kvm: try KVM whether or not this host has /dev/kvm
    BPFGAUGE_QEMU="$tmp/qemu-kvm-late" BPFGAUGE_VM_ACCEL=kvm timeout 170 "$B" -v matrix \
      --db "$tmp/k.db" --kernel "6.1,$img" --vm-jobs 1 --timeout 120 --no-progress \
      -o "$tmp/k" -w "$tmp/wd-k" "$obj" >"$tmp/k.out" 2>"$tmp/k.err"
    rc=$?
    [ $rc = 0 ] && ok "matrix with a late KVM failure succeeds" ||
      { bad "matrix exit $rc, want 0"; cat "$tmp/k.out" "$tmp/k.err" | tail -20; }
    nk=$(wc -l <"$tmp/kvm.pids" 2>/dev/null || echo 0)
    nt=$(wc -l <"$tmp/tcg.pids" 2>/dev/null || echo 0)
    [ "$nk" = 1 ] && ok "KVM tried once" || bad "KVM tried $nk times, want 1"
    [ "$nt" = 2 ] && ok "TCG for the retried kernel and the next one" ||
      bad "TCG booted $nt times, want 2"
    grep -q "vm: KVM stopped the guest (internal error) after .* s; using TCG for this run" "$tmp/k.err" &&
      ok "the fallback is reported" || { bad "no fallback message on stderr"; cat "$tmp/k.err"; }
    python3 - "$tmp/k/matrix.json" <<'PY' && ok "both kernels' cells measured under TCG" || bad "cells not measured"
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
assert len(cells) == 2, cells
for c in cells:
    assert c["status"] == "ok", c
    assert c["kernel_release"].startswith("6.1."), c
    assert c["programs"] and all(p["verdict"] == "pass" and p["insns"] > 0 for p in c["programs"]), c
PY
    cat "$tmp/kvm.pids" "$tmp/tcg.pids" >"$tmp/all.pids" 2>/dev/null
    none_running "$tmp/all.pids" && ok "no qemu left after the run" ||
      bad "a qemu process outlived bpfgauge"
  fi
fi

# ---- 2. no guest outlives bpfgauge, however it ends ---------------------
obj=$(ls "$BPFDIR"/llvm-*/plain/xdp_parse.bpf.o 2>/dev/null | tail -1)
[ -n "$obj" ] || { echo "FAIL no plain xdp_parse object under $BPFDIR"; exit 1; }
echo fake >"$tmp/vmlinuz-fake" # the stand-in never boots it
for sig in TERM INT KILL; do
  : >"$tmp/hang.pids"
  # a background job of a script starts with SIGINT ignored: restore it
  BPFGAUGE_QEMU="$tmp/qemu-hang" env --default-signal=INT "$B" matrix --db "$tmp/h-$sig.db" \
    --kernel "$tmp/vmlinuz-fake" --timeout 120 --no-progress -o "$tmp/h-$sig" \
    -w "$tmp/wd-$sig" "$obj" >"$tmp/h-$sig.out" 2>&1 &
  bp=$!
  for _ in $(seq 300); do [ -s "$tmp/hang.pids" ] && break; sleep 0.1; done
  if [ ! -s "$tmp/hang.pids" ]; then
    bad "SIG$sig: the stand-in qemu never started"; cat "$tmp/h-$sig.out"
    kill -9 $bp 2>/dev/null; wait $bp 2>/dev/null
    continue
  fi
  kill -$sig $bp
  for _ in $(seq 50); do kill -0 $bp 2>/dev/null || break; sleep 0.1; done
  if kill -0 $bp 2>/dev/null; then
    bad "SIG$sig: bpfgauge did not end on the signal"
    kill -9 $bp
  fi
  wait $bp 2>/dev/null
  rc=$?
  want=$((128 + $(kill -l $sig)))
  [ $rc = $want ] || bad "SIG$sig: bpfgauge exit $rc, want $want (killed by the signal)"
  none_running "$tmp/hang.pids" && ok "SIG$sig to bpfgauge ends its guest" ||
    bad "SIG$sig: the guest (pid $(cat "$tmp/hang.pids")) outlived bpfgauge"
done
exit $fail
