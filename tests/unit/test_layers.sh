#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The layers run one way (fmt <- runtime <- reports <- cli): the tree and
# this build pass scripts/check-layers.sh, and the check does catch each
# kind of arrow that runs back up (a copy of the tree with one planted).
set -uo pipefail
src=${BPFGAUGE_SRC:?} build=${BPFGAUGE_BUILD:?}
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

out=$(bash "$src/scripts/check-layers.sh" "$build" 2>&1) && ok "tree and build: $out" ||
	bad "the tree breaks its layers: $out"

tmp=$(mktemp -d /tmp/bpfgauge-layers.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
plant() { # what file line -> the check must fail naming file
	rm -rf "$tmp/t" && mkdir -p "$tmp/t" &&
		cp -r "$src/fmt" "$src/runtime" "$src/reports" "$src/cli" "$src/scripts" "$tmp/t/"
	sed -i "1a $3" "$tmp/t/$2"
	if o=$(bash "$tmp/t/scripts/check-layers.sh" 2>&1); then
		bad "$1: not caught"
	elif grep -q "$2" <<<"$o"; then
		ok "$1: caught ($(head -1 <<<"$o"))"
	else
		bad "$1: failed without naming $2: $o"
	fi
}
plant "runtime includes a writer" runtime/cov/cov_collect.c '#include "cov_writers.h"'
plant "runtime includes the CLI" runtime/store/store.c '#include "main.h"'
plant "fmt includes the runtime" fmt/csv.c '#include "bpfgauge/vlog.h"'
plant "fmt includes libbpf" fmt/json_read.c '#include <bpf/libbpf.h>'
plant "reports include the CLI" reports/cov_lcov.c '#include "verifier_cli.h"'
plant "runtime names a CLI command" runtime/matrix/matrix_vm.c 'static const char *c = "/bin/bpfgauge -q matrix capture";'
[ "$fails" = 0 ] || { echo "$fails failed"; exit 1; }
