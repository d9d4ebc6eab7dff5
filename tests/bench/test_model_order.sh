#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Bench (label bench): the coverage model costs the same whatever order its
# records come in. Synthetic mappings of N one-block functions, each in a
# file of its own and then all in one file, listed in the best order
# (ascending paths and lines) and the worst (descending: each new record
# sorts first), go through `cov report`. Prints CPU seconds; the target is
# worst/best <= 2 for both layouts, measured in this run (it was ~17 for
# 100k files and ~8.5 for 100k functions while the model kept its arrays
# sorted on insert). Also checks both orders give the same bytes.
set -euo pipefail
B=${BPFGAUGE:?}
SRC=${BPFGAUGE_SRC:?}
T=$(mktemp -d /tmp/bpfgauge-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
N=${BENCH_MODEL_N:-100000}
rc=0
cpu() { # obj snap out -> best CPU seconds of 3 runs
	local best=
	for _ in 1 2 3; do
		rm -f "$3"
		/usr/bin/time -f '%U %S' -o "$T/time" "$B" -q cov report "$1" --snapshot "$2" -o "$3" 2>/dev/null
		t=$(awk '{print $1 + $2}' "$T/time")
		best=$(echo "${best:-$t} $t" | awk '{print ($2 < $1) ? $2 : $1}')
	done
	echo "$best"
}
for layout in files funcs; do
	for order in asc desc; do
		python3 "$SRC/tests/harness/gen_mapping.py" spread "$layout" "$order" "$N" \
			"$T/$order.o" "$T/$order.snap"
		eval "t_$order=$(cpu "$T/$order.o" "$T/$order.snap" "$T/$layout-$order.info")"
	done
	ratio=$(awk -v a="$t_asc" -v d="$t_desc" 'BEGIN { printf "%.2f", d / (a > 0.01 ? a : 0.01) }')
	echo "model_order $layout: $N records, cpu asc ${t_asc}s, desc ${t_desc}s, desc/asc $ratio (target <= 2)"
	awk -v r="$ratio" 'BEGIN { exit !(r <= 2) }' || { echo "FAIL $layout: desc/asc $ratio > 2"; rc=1; }
	cmp -s "$T/$layout-asc.info" "$T/$layout-desc.info" ||
		{ echo "FAIL $layout: the two orders give different lcov"; rc=1; }
done
exit $rc
