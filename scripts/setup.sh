#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs what bpfgauge needs on Debian 12 (as root), only what is missing,
# running 'apt-get update' once first. Idempotent.
#   BPFGAUGE_LLVM_VERSIONS="14 22"   LLVM/clang majors to install (default: 14 22)
#   BPFGAUGE_EXTRA_PACKAGES="..."     more packages (e.g. qemu for the matrix)
set -euo pipefail

llvm_versions=${BPFGAUGE_LLVM_VERSIONS:-"14 22"}
# bc, procps (ps) and iproute2 (tc) are used by the test scripts; a minimal
# Debian 12 (debootstrap --variant=minbase) has none of them.
pkgs=(build-essential cmake pkg-config git libbpf-dev libelf-dev zlib1g-dev
      libsqlite3-dev sqlite3 bpftool lcov libxml2-utils python3
      bc procps iproute2 ca-certificates groff-base file debootstrap lz4 zstd)
pkgs+=(golang-go golang-github-cilium-ebpf-dev) # e2e test_cov_go: Debian's cilium/ebpf 0.9.1 loader, GOPATH mode
# groff-base: the install test renders every man page with groff; file:
# CPack's .deb generator reads shared-library dependencies with it;
# debootstrap: the .deb test installs the package into a clean Debian root;
# lz4, zstd: compat reads the BTF out of cached kernel images.
# libclang-rt-N-dev holds clang-N's sanitizer and libFuzzer runtimes (the
# fuzz target links them; without them the target is skipped at configure).
for v in $llvm_versions; do
  pkgs+=("clang-$v" "llvm-$v-dev" "llvm-$v" "libclang-rt-$v-dev")
done
# The kernel x clang matrix boots other kernels under qemu with a static CLI
# in a busybox initramfs (libzstd-dev is not needed: Debian's libelf.a has no zstd).
# Chromium renders the dashboard in its test; xdp-tools ships real compiled BPF
# objects the verifier tests load. qemu-system-arm boots Debian's arm64 kernels
# (TCG) for compat's arch axis, with a guest loader cross-built static by
# gcc-aarch64-linux-gnu (libc6-dev-arm64-cross is only a Recommends of it);
# `bpfgauge kernels fetch --arch arm64` needs the arm64 apt architecture
# (dpkg --add-architecture arm64). The matrix's arch axis runs an aarch64
# static bpfgauge in those guests (cli/static/arm64), linked against the
# arm64 libraries below. BPFGAUGE_NO_MATRIX=1 skips all of these.
matrix_pkgs=(qemu-system-x86 busybox-static chromium xdp-tools
             qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
             libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64 libsqlite3-dev:arm64)
[ "${BPFGAUGE_NO_MATRIX:-0}" = 1 ] || pkgs+=("${matrix_pkgs[@]}")
# shellcheck disable=SC2206
pkgs+=(${BPFGAUGE_EXTRA_PACKAGES:-})

# arm64 kernel images come from the arm64 apt architecture (see above)
add_arch=
if [ "${BPFGAUGE_NO_MATRIX:-0}" != 1 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  add_arch=arm64
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ] && [ -z "$add_arch" ]; then
  echo "setup: all ${#pkgs[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  [ -z "$add_arch" ] || echo "setup: the arm64 apt architecture is missing; run as root (or: sudo dpkg --add-architecture arm64 && sudo apt-get update)" >&2
  [ ${#missing[@]} -eq 0 ] || echo "setup: missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
if [ -n "$add_arch" ]; then
  echo "setup: adding the $add_arch apt architecture"
  dpkg --add-architecture "$add_arch"
fi
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: done"
