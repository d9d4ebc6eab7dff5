# SPDX-License-Identifier: BSD-2-Clause
# Sourced by the e2e tests that boot x86_64 and arm64 guests from a matrix:
# exits 77 (skip) naming the first precondition that is truly absent.
# Needs $BUILD (the build directory).
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86 not installed"; exit 77; }
command -v qemu-system-aarch64 >/dev/null || { echo "SKIP: qemu-system-arm not installed"; exit 77; }
[ -x "$BUILD/bpfgauge-static" ] || { echo "SKIP: bpfgauge-static not built"; exit 77; }
[ -x "$BUILD/bpfgauge-static-arm64" ] || {
  echo "SKIP: bpfgauge-static-arm64 not built (needs the arm64 cross libraries, see scripts/setup.sh)"; exit 77; }
[ -x /bin/busybox ] || { echo "SKIP: busybox-static not installed"; exit 77; }
[ -d /usr/include/aarch64-linux-gnu/asm ] || [ -d /usr/aarch64-linux-gnu/include/asm ] ||
  { echo "SKIP: no arm64 kernel headers (libc6-dev-arm64-cross)"; exit 77; }
