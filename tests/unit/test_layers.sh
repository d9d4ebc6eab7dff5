#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The layers run one way (fmt <- runtime <- reports <- cli): the tree and
# this build pass scripts/check-layers.sh, and the check does catch each
# kind of arrow that runs back up (a copy of the tree with one planted).
# Also no function over 80 lines without a reason (scripts/check-length.py).
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

# no function over 80 lines without a "Long:" reason above it
out=$(python3 "$src/scripts/check-length.py" 80 "$src" 2>&1) && ok "$out" || bad "long functions: $out"
rm -rf "$tmp/t" && mkdir -p "$tmp/t/fmt" && {
	printf 'int too_long(void)\n{\n'
	for i in $(seq 90); do printf '\tx(%d);\n' "$i"; done
	printf '}\n\n/* Long: one table, kept whole on purpose. */\nint long_with_reason(void)\n{\n'
	for i in $(seq 90); do printf '\tx(%d);\n' "$i"; done
	printf '}\n'
} >"$tmp/t/fmt/long.c"
if o=$(python3 "$src/scripts/check-length.py" 80 "$tmp/t" 2>&1); then
	bad "a 92-line function: not caught"
elif grep -q 'too_long is 92 lines' <<<"$o" && ! grep -q long_with_reason <<<"$o"; then
	ok "a 92-line function: caught, one with a reason: let through"
else
	bad "check-length said: $o"
fi
[ "$fails" = 0 ] || { echo "$fails failed"; exit 1; }
