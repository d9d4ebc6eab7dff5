#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The flagship demo: builds bpfgauge and runs it on the bundled examples.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/scripts/setup.sh"
bash "$top/scripts/build.sh"
build=${BUILD_DIR:-$top/build}
"$build/bpfgauge" version
