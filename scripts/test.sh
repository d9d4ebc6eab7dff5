#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The full default test suite: installs dependencies, builds from scratch
# (or incrementally if build/ exists), runs every ctest label but bench.
# Root-only e2e tests report SKIP with a reason when not root.
#   bash scripts/test.sh            all default labels
#   bash scripts/test.sh -L unit    pass extra ctest arguments
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/scripts/setup.sh"
bash "$top/scripts/build.sh"
cd "${BUILD_DIR:-$top/build}"
ctest -LE bench --output-on-failure -j2 "$@"
