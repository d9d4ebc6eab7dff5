#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The fresh-machine check: builds a clean Debian 12 root with debootstrap,
# copies a clean clone of this repository (its committed HEAD) into it, and
# runs the README's two commands there exactly as written, printing the wall
# time of each. Not part of CI (it takes 15+ minutes); run it before
# resolving anything that touches setup, build or dependencies.
#   sudo bash scripts/fresh-check.sh            both commands
#   FRESH_COMMANDS="demo" sudo bash ...         only the demo ("demo", "test")
#   FRESH_KEEP=1                                keep the root afterwards
#   FRESH_MIRROR=http://deb.debian.org/debian   the Debian mirror
# Logs go to out/fresh-check/ (demo.log, test.log, debootstrap.log).
# Everything runs in a private mount namespace, so the chroot's /proc, /sys
# and /dev binds vanish with it even if this script is killed; the root is
# removed at the end (never across a mount point).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1:-}" = --inner ]; then
  # ---- inside the private mount namespace ---------------------------------
  root=$2 logs=$3
  mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
  t0=$(date +%s)
  if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$logs/debootstrap.log" 2>&1; then
    echo "fresh-check: debootstrap failed (see $logs/debootstrap.log):" >&2
    tail -5 "$logs/debootstrap.log" >&2
    exit 2
  fi
  cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  echo "fresh-check: clean Debian 12 root in $(( $(date +%s) - t0 )) s"
  # a machine's / is a mount point, a chroot's directory is not: without
  # this, 'unshare -m' in the tests cannot make / private (EINVAL)
  mount --bind "$root" "$root"
  mount -t proc proc "$root/proc"
  # rbind brings /sys/fs/bpf, tracefs and cgroups along; rslave keeps our
  # unmounts from propagating back to the host (the namespace is private too)
  mount --rbind /sys "$root/sys"
  mount --make-rslave "$root/sys"
  mount --rbind /dev "$root/dev"
  mount --make-rslave "$root/dev"
  mountpoint -q "$root/sys/fs/bpf" || mount -t bpf bpf "$root/sys/fs/bpf"
  if ! mountpoint -q "$root/sys/kernel/tracing" && [ -d "$root/sys/kernel/tracing" ]; then
    mount -t tracefs tracefs "$root/sys/kernel/tracing" || true
  fi
  mkdir -p "$root/root"
  git clone -q --no-hardlinks "$top" "$root/root/bpfgauge"
  git -C "$root/root/bpfgauge" checkout -q "$(git -C "$top" rev-parse HEAD)"
  echo "fresh-check: clone of $(git -C "$top" rev-parse --short HEAD) in /root/bpfgauge"
  rc=0
  for cmd in ${FRESH_COMMANDS:-demo test}; do
    s=$(date +%s.%N)
    set +e
    chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      /bin/bash -c "cd /root/bpfgauge && bash scripts/$cmd.sh" >"$logs/$cmd.log" 2>&1
    r=$?
    set -e
    e=$(date +%s.%N)
    wall=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.0f", e - s }')
    if [ $r = 0 ]; then
      echo "fresh-check: bash scripts/$cmd.sh: PASS in ${wall} s"
    else
      echo "fresh-check: bash scripts/$cmd.sh: FAIL (exit $r) after ${wall} s; last lines of $logs/$cmd.log:"
      tail -25 "$logs/$cmd.log" | sed 's/^/  | /'
      rc=1
    fi
  done
  # processes left in the chroot (a daemon started by a package) hold the root
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  umount -R "$root/dev" "$root/sys" "$root/proc" 2>/dev/null || umount -R -l "$root/dev" "$root/sys" "$root/proc" 2>/dev/null || true
  umount "$root" 2>/dev/null || umount -l "$root" 2>/dev/null || true
  exit $rc
fi

# ---- outside: prepare, run the inner part in its own namespace, clean up ----
if [ "$(id -u)" -ne 0 ]; then
  echo "fresh-check: needs root (debootstrap, chroot, mounts); run: sudo bash scripts/fresh-check.sh" >&2
  exit 2
fi
if ! command -v debootstrap >/dev/null; then
  echo "fresh-check: installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
if [ -n "$(git -C "$top" status --porcelain --untracked-files=no)" ]; then
  echo "fresh-check: note: uncommitted changes are not checked (the clone is of HEAD)" >&2
fi
logs=${FRESH_LOGS:-$top/out/fresh-check}
mkdir -p "$logs"
logs=$(cd "$logs" && pwd)
root=$(mktemp -d /var/tmp/bpfgauge-fresh.XXXXXX)
# mktemp makes it 0700: as the chroot's '/', it would lock out every user but root
chmod 755 "$root"
cleanup() {
  local rc=$?
  # the namespace is gone, so nothing is mounted under $root any more; check
  # anyway, and never delete across a mount point
  if grep -q " $root[/ ]" /proc/self/mountinfo; then
    echo "fresh-check: mounts remain under $root; not removing it" >&2
    exit 2
  fi
  if [ "${FRESH_KEEP:-0}" = 1 ]; then
    echo "fresh-check: root kept in $root"
  else
    rm -rf --one-file-system "$root"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
t0=$(date +%s)
set +e
unshare --mount --propagation private bash "$0" --inner "$root" "$logs"
rc=$?
set -e
echo "fresh-check: total $(( $(date +%s) - t0 )) s, logs in $logs"
exit $rc
