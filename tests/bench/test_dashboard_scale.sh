#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Bench (label bench): the dashboard of a project with hundreds of programs.
# A synthetic history (tests/harness/gen_dash_history.py: BENCH_PROGS
# programs, default 400, x BENCH_RUNS runs, default 30, x 6 cells) is
# imported; `dashboard -o` and `-j` must list every program, and headless
# Chromium (when installed) must render every table row. Prints the wall
# seconds of each step and the page's size; the target is a few seconds for
# the page and for its rendering, so the page stays usable every day.
set -euo pipefail
B=${BPFGAUGE:?}; SRC=${BPFGAUGE_SRC:?}
N=${BENCH_PROGS:-400}; R=${BENCH_RUNS:-30}
T=$(mktemp -d)
sid=
cleanup() {
  [ -z "$sid" ] || kill -KILL -- "-$sid" 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
python3 "$SRC/tests/harness/gen_dash_history.py" "$N" "$R" > "$T/h.json"
/usr/bin/time -f '%e' -o "$T/t.import" "$B" -q history --db "$T/h.db" import "$T/h.json"
/usr/bin/time -f '%e' -o "$T/t.page" "$B" -q dashboard --db "$T/h.db" -o "$T/site"
/usr/bin/time -f '%e' -o "$T/t.json" "$B" -j dashboard --db "$T/h.db" > "$T/d.json"
got=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["programs"]))' "$T/d.json")
[ "$got" = "$N" ] || { echo "FAIL: $got programs in the JSON, want $N"; exit 1; }
echo "dashboard_scale: $N programs x $R runs x 6 cells: import $(cat "$T/t.import")s," \
  "page $(cat "$T/t.page")s ($(stat -c %s "$T/site/index.html") bytes), -j $(cat "$T/t.json")s"
chrome=$(command -v chromium || true)
[ -n "$chrome" ] || { echo "note: chromium not installed; rendering not measured"; exit 0; }
start=$(date +%s.%N)
setsid timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --user-data-dir="$T/profile" \
  --dump-dom "file://$T/site/index.html#sort=insns" > "$T/dom" 2>/dev/null &
sid=$!
wait "$sid"
kill -KILL -- "-$sid" 2>/dev/null || true
sid=
end=$(date +%s.%N)
# rendered rows only (the script's own text holds the markup too)
rows=$(grep -Eo '<tr class="prog-row( sel)?" data-key="' "$T/dom" | wc -l)
[ "$rows" = "$N" ] || { echo "FAIL: $rows table rows rendered, want $N"; exit 1; }
echo "dashboard_scale: Chromium rendered $rows rows in $(echo "$end - $start" | bc) s (load, script, DOM dump)"
