#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The dashboard from a real matrix run (tests/data/matrix/history-sample.json:
# clang 14/19 x host 6.18 + Debian 6.1) rendered in headless Chromium: the
# DOM must show the program names, their insns and the kernel-6.1 flag.
set -euo pipefail
B=${BPFGAUGE:?}; DATA=${BPFGAUGE_DATA:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$B" history --db "$tmp/h.db" import "$DATA/matrix/history-sample.json"
"$B" dashboard --db "$tmp/h.db" -o "$tmp/dash"
html="$tmp/dash/index.html"
# self-contained: no external fetches
! grep -Eq '(src|href)="(https?:)?//' "$html"
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
  grep -q 'xdp_parse/xdp_parse' "$html"
  echo "SKIP: chromium not installed (apt-get install chromium; opt-in via BPFGAUGE_EXTRA_PACKAGES); static checks passed"
  exit 77
fi
timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --dump-dom "file://$html" > "$tmp/dom" 2>/dev/null
for want in 'xdp_parse/xdp_parse' 'loop/loop_main' 'kfunc_rcu/kfunc_rcu' 'fails on kernel 6.1 only' \
            '>204<' '>42<' 'FAIL<br><small>helper'; do
  grep -q -- "$want" "$tmp/dom" || { echo "FAIL: rendered DOM lacks '$want'"; exit 1; }
done
grep -q '<svg class="trend"' "$tmp/dom"
echo PASS
