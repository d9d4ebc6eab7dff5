#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# `verifier stats -J 4` under ThreadSanitizer (scripts/tsan-check.sh): a
# separate -fsanitize=thread build of the CLI in the build tree's tsan/
# folder, run on xdp-tools' objects, the verifier test programs and a run
# where every load fails; any ThreadSanitizer report fails the test.
set -u
majors=${BPFGAUGE_LLVM_MAJORS:-}
BPFGAUGE_LLVM=${majors##*,} TSAN_BUILD_DIR=${BPFGAUGE_BUILD:?}/tsan \
  exec bash "${BPFGAUGE_SRC:?}/scripts/tsan-check.sh"
