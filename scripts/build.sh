#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Configures and builds bpfgauge into ${BUILD_DIR:-build} with the pass for
# every installed LLVM major. Under CI=true warnings are errors and the C code
# is built with ASan+UBSan.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
extra=()
if [ "${CI:-}" = "true" ]; then
  extra+=(-DBPFGAUGE_WERROR=ON -DBPFGAUGE_SANITIZE=ON)
fi
cmake -S "$top" -B "$build" -DBPFGAUGE_LLVM="${BPFGAUGE_LLVM:-all}" "${extra[@]}" "$@" >/dev/null
cmake --build "$build" -j"$(nproc)" 2>&1 | grep -Ev '^\[ *[0-9]+%\]|^Consolidate|^Scanning|^Built target' || true
# the grep above swallows make's status; check it built
cmake --build "$build" -j"$(nproc)" >/dev/null
