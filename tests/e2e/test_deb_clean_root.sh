#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The Debian package on a clean Debian 12: cpack builds bpfgauge_*.deb, a
# fresh `debootstrap --variant=minbase bookworm` root installs it with
# `apt install ./bpfgauge_*.deb` (pulling libbpf1, libelf1, zlib1g,
# libsqlite3-0 from the Debian registry), and the installed bpfgauge works
# there: it finds its pass plugins, gates a tracefile, and `cov run` starts
# its BPF tracer on this kernel. The chroot's mounts live in a private mount
# namespace, so they vanish with it; the root is deleted only once nothing
# is mounted under it. Needs root, debootstrap and the Debian registry. The
# fresh root is cached in $BPFGAUGE_CACHE/roots (default ~/.cache/bpfgauge).
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (debootstrap, chroot)"; exit 77; }
build=${BPFGAUGE_BUILD:?run through ctest}
PATH=$PATH:/usr/sbin:/sbin
for t in debootstrap cpack dpkg-deb unshare chroot findmnt; do
  command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
mirror=http://deb.debian.org/debian
getent hosts deb.debian.org >/dev/null || { echo "SKIP: deb.debian.org does not resolve (no registry access)"; exit 77; }
tmp=$(mktemp -d)
cleanup() {
  if [ -n "$(findmnt -rn -o TARGET | grep -F "$tmp/")" ]; then
    echo "FAIL: mounts left under $tmp; not deleting it"; return
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

(cd "$tmp" && cpack -G DEB -B "$tmp/deb" --config "$build/CPackConfig.cmake") >"$tmp/cpack.log" 2>&1 ||
  { tail -n 20 "$tmp/cpack.log"; echo "FAIL: cpack"; exit 1; }
deb=$(ls "$tmp"/deb/bpfgauge_*.deb | head -n1)
majors=$(dpkg-deb -c "$deb" | sed -n 's|.*/usr/lib/bpfgauge/libbpfgauge-pass-\([0-9]*\)\.so$|\1|p' | sort -n | paste -sd,)
# The pristine minbase root is cached (like kernel images) as a tarball:
# debootstrap takes about 2 minutes here, unpacking it a few seconds.
cache=${BPFGAUGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bpfgauge}/roots
tarball=$cache/bookworm-minbase.tar.gz
t0=$(date +%s)
mkdir -p "$tmp/root"
if [ -s "$tarball" ] && tar -xzf "$tarball" -C "$tmp/root" 2>"$tmp/tar.log"; then
  echo "note: clean root unpacked from $tarball in $(( $(date +%s) - t0 )) s"
else
  rm -rf "$tmp/root"
  if ! debootstrap --variant=minbase bookworm "$tmp/root" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
    if grep -qi "Failed getting release file\|Temporary failure\|Could not resolve\|Connection" "$tmp/debootstrap.log"; then
      echo "SKIP: the Debian registry is unreachable: $(grep -m1 -i 'fail\|connection' "$tmp/debootstrap.log")"; exit 77
    fi
    tail -n 20 "$tmp/debootstrap.log"; echo "FAIL: debootstrap"; exit 1
  fi
  echo "note: debootstrap took $(( $(date +%s) - t0 )) s"
  mkdir -p "$cache" && tar -czf "$tarball.tmp" --exclude="./var/cache/apt/archives/*.deb" -C "$tmp/root" . && mv "$tarball.tmp" "$tarball" ||
    { rm -f "$tarball.tmp"; echo "note: could not cache the root in $tarball"; }
fi
cat >"$tmp/root/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SRC
cp "$deb" "$tmp/root/tmp/"
printf 'SF:/x.c\nDA:1,1\nDA:2,0\nend_of_record\n' >"$tmp/root/tmp/x.info"
cat >"$tmp/root/tmp/check.sh" <<'CHK'
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get -q update >/tmp/apt.log 2>&1
apt-get -q install -y --no-install-recommends /tmp/bpfgauge_*.deb >>/tmp/apt.log 2>&1
echo "installed: $(dpkg-query -W -f '${Package} ${Version}' bpfgauge)"
bpfgauge version
set +e
bpfgauge cov summary /tmp/x.info --fail-under-lines 40 >/dev/null; echo "summary-rc $?"
bpfgauge cov summary /tmp/x.info --fail-under-lines 60 >/dev/null 2>&1; echo "summary-gate-rc $?"
bpfgauge cov run -o /tmp/c.info -- true 2>/tmp/run.err; echo "run-rc $?"; cat /tmp/run.err
CHK
unshare --mount --propagation private sh -c '
  r=$1
  mount -t proc proc "$r/proc" && mount --rbind /sys "$r/sys" && mount --rbind /dev "$r/dev" &&
  cp /etc/resolv.conf "$r/etc/resolv.conf" && chroot "$r" /bin/bash /tmp/check.sh' _ "$tmp/root" >"$tmp/out" 2>&1
rc=$?
[ $rc = 0 ] && ok "apt install ./$(basename "$deb") on a clean Debian 12: $(grep '^installed' "$tmp/out")" ||
  { bad "install in the clean root: exit $rc"; cat "$tmp/out"; tail -n 20 "$tmp/root/tmp/apt.log"; }
grep -qx "pass plugins found for LLVM $majors" "$tmp/out" && ok "installed bpfgauge finds its plugins ($majors)" ||
  bad "plugins: $(grep plugins "$tmp/out")"
grep -qx "summary-rc 0" "$tmp/out" && grep -qx "summary-gate-rc 1" "$tmp/out" && ok "cov summary gates (50%: 40 passes, 60 fails)" ||
  bad "summary: $(grep summary "$tmp/out")"
grep -qx "run-rc 2" "$tmp/out" && grep -q "'true' loaded no instrumented BPF object" "$tmp/out" &&
  ok "cov run starts its tracer in the clean root: $(grep "loaded no" "$tmp/out")" || bad "cov run: $(grep -A2 run-rc "$tmp/out")"
exit $fail
