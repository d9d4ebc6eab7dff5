#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# ctest -L bench: runs the whole benchmark (scripts/bench.sh) against this
# build and checks that it produced its table, markdown and JSON. Missed
# targets are reported in the table, not failed here, unless BENCH_STRICT=1:
# speed is never asserted by the test suite. Skips (77) when not root.
set -uo pipefail
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
src=${BPFGAUGE_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
out=${BPFGAUGE_BUILD:?}/bench
BPFGAUGE_BUILD=$BPFGAUGE_BUILD bash "$src/scripts/bench.sh" --out "$out"
rc=$?
[ $rc -eq 77 ] && exit 77
if [ $rc -ge 2 ]; then
	echo "bench: runtime error (exit $rc)" >&2
	exit 1
fi
for f in bench.md bench.json; do
	[ -s "$out/$f" ] || { echo "bench: $out/$f missing" >&2; exit 1; }
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema_version"]==1 and len(d["table"])>=8, d' "$out/bench.json" || exit 1
[ "${BENCH_STRICT:-0}" = 1 ] && exit $rc
exit 0
