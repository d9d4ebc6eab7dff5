#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The dashboard from a history of 5 runs (tests/data/dashboard/make_history.py:
# kernels 6.18/6.1/6.12 and clangs 22/14 given out of order, a program that
# passes on 6.1 and fails E2BIG from 6.12 on, a partial run) plus coverage:
# - `dashboard -j` parses and its numbers are the ones computed here by hand
#   from the fixture's tables (headroom, change since the baseline, trends
#   without the failed loads' 1000001, heatmap axes in version order, the
#   lcov file's own LF/LH/FNF/FNH/BRF/BRH);
# - the page embeds the same JSON, fetches nothing, and in headless Chromium
#   renders the rows, sorts and filters them from the URL fragment, draws
#   failure markers instead of values, and paints a non-blank screenshot.
# Chromium runs in its own session, killed with its temp profile at exit.
set -euo pipefail
B=${BPFGAUGE:?}; DATA=${BPFGAUGE_DATA:?}; SRC=${BPFGAUGE_SRC:-$DATA/../..}
tmp=$(mktemp -d)
sid=
cleanup() {
  if [ -n "$sid" ]; then
    kill -KILL -- "-$sid" 2>/dev/null || true
    for p in $(ps -o pid= -s "$sid" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# the page's assets are generated from reports/dashboard_page.{css,js}
python3 "$SRC/scripts/embed-dashboard.py" --check "$SRC" || fail "reports/dashboard_assets.c is stale"

# no store: an error, not an empty page
set +e; "$B" dashboard --db "$tmp/none.db" -o "$tmp/x" 2> "$tmp/err"; rc=$?; set -e
[ $rc -eq 2 ] || fail "no store: exit $rc, want 2"
[ ! -e "$tmp/none.db" ] || fail "dashboard created a store"

python3 "$DATA/dashboard/make_history.py" > "$tmp/history.json"
"$B" -q history --db "$tmp/h.db" import "$tmp/history.json"

# coverage of two runs: an lcov file whose summary records say LF/LH etc.
cat > "$tmp/v11.info" <<'EOF'
TN:
SF:/src/xdp_parse.bpf.c
FN:10,parse_eth
FN:30,parse_ip
FNDA:4,parse_eth
FNDA:0,parse_ip
FNF:2
FNH:1
BRDA:12,0,0,3
BRDA:12,0,1,0
BRDA:14,0,0,-
BRDA:14,0,1,1
BRF:4
BRH:2
DA:10,4
DA:11,4
DA:12,4
DA:30,0
DA:31,0
LF:5
LH:3
end_of_record
SF:/src/xdp_lb.bpf.c
FN:5,balancer
FNDA:9,balancer
FNF:1
FNH:1
DA:5,9
DA:6,9
DA:7,0
LF:3
LH:2
end_of_record
EOF
cat > "$tmp/nightly.info" <<'EOF'
TN:
SF:/src/xdp_parse.bpf.c
DA:10,1
DA:11,0
LF:2
LH:1
end_of_record
EOF
mkdir -p "$tmp/genhtml"; echo '<html>genhtml</html>' > "$tmp/genhtml/index.html"

D() { "$B" dashboard --db "$tmp/h.db" "$@"; }
expect2() {
  local rc; set +e; D "$@" > /dev/null 2> "$tmp/err"; rc=$?; set -e
  [ $rc -eq 2 ] || fail "dashboard $*: exit $rc, want 2"
  [ "$(wc -l < "$tmp/err")" -eq 1 ] || { cat "$tmp/err"; fail "dashboard $*: want one error line"; }
}
expect2 -o "$tmp/o" --coverage "$tmp/v11.info"            # no RUN=
expect2 -o "$tmp/o" --coverage "nosuchrun=$tmp/v11.info"
expect2 -o "$tmp/o" --coverage "v1.1=$tmp/missing.info"
expect2 -o "$tmp/o" --coverage "v1.1=$tmp/v11.info" --genhtml "$tmp"   # no index.html there
expect2 --genhtml "$tmp/genhtml" -o "$tmp/o"                # no --coverage before it
expect2                                                      # neither -o nor -j

out="$tmp/site"
D -o "$out" --coverage "v1.1=$tmp/v11.info" --genhtml "$tmp/genhtml" \
  --coverage "nightly=$tmp/nightly.info" > /dev/null
D -j --coverage "v1.1=$tmp/v11.info" --coverage "nightly=$tmp/nightly.info" > "$tmp/d.json"
python3 -m json.tool "$tmp/d.json" > /dev/null || fail "dashboard -j is not JSON"
# -j after the object's options and -p too
D --coverage "v1.1=$tmp/v11.info" -p > "$tmp/p.json"
python3 -m json.tool "$tmp/p.json" > /dev/null
html="$out/index.html"
! grep -Eiq '(src|href)="(https?:)?//' "$html" || fail "the page fetches something"
! grep -Eq '<(link|img|iframe)[^>]* (src|href)=' "$html" || fail "the page loads a resource"

cat > "$tmp/check_json.py" <<'EOF'
import json, re, sys
d = json.load(open(sys.argv[1]))
page = open(sys.argv[2]).read()
lcov = open(sys.argv[3]).read()
out_dir = sys.argv[4]
def eq(what, got, want):
    if got != want:
        sys.exit("FAIL: %s: got %r, want %r" % (what, got, want))
def near(what, got, want):
    if got is None or abs(got - want) > 1e-9 * max(1, abs(want)):
        sys.exit("FAIL: %s: got %r, want %r" % (what, got, want))
eq("kind", (d["kind"], d["schema_version"]), ("bpfgauge-dashboard", 1))
eq("latest run", d["latest_run"], 5)
eq("baseline (the last complete run before 5; 4 is partial)", d["baseline_run"], 3)
eq("run 4", (d["runs"][3]["status"], d["runs"][3]["cell_errors"]), ("partial", 6))
eq("ticks", [r["tick"] for r in d["runs"]], ["v1.0", "b2b2b2b", "nightly", "d4d4d4d", "v1.1"])
eq("kernel rows", [k["label"] for k in d["kernels"]], ["6.1", "6.12", "host 6.18"])
eq("compiler columns", [c["label"] for c in d["compilers"]], ["clang 14", "clang 22"])
P = {p["object"] + "/" + p["prog"]: p for p in d["programs"]}
eq("programs", sorted(P), ["strobemeta/on_event", "tc_guard/tc_ingress", "xdp_lb/balancer",
                           "xdp_parse/xdp_parse"])
# by hand from make_history.py, run 5 (worst passing cell; % of 1000000 and of 512)
lb = P["xdp_lb/balancer"]            # host, clang 14: 640000 + 5000
eq("balancer insns", lb["insns"], 645000); near("balancer insns %", lb["insns_pct"], 64.5)
eq("balancer stack", lb["stack"], 384); near("balancer stack %", lb["stack_pct"], 75.0)
eq("balancer states", lb["states"], 24000)
c = lb["change"]                     # host clang 22: 620000 -> 625000 moved most (+0.806%)
eq("balancer change", (c["cell"], c["baseline_insns"], c["insns"], c["delta"]),
   ("host 6.18 clang 22", 620000, 625000, 5000))
near("balancer change %", c["delta_pct"], 100.0 * 5000 / 620000)
xp = P["xdp_parse/xdp_parse"]        # host clang 14: 204 + 30; every cell +30 since run 3
eq("xdp_parse insns", xp["insns"], 234); near("xdp_parse insns %", xp["insns_pct"], 0.0234)
near("xdp_parse stack %", xp["stack_pct"], 16 * 100 / 512)
c = xp["change"]                     # the smallest baseline moved most: 6.1 clang 22, 190 - 7
eq("xdp_parse change", (c["cell"], c["baseline_insns"], c["insns"]), ("6.1 clang 22", 183, 213))
near("xdp_parse change %", c["delta_pct"], 100.0 * 30 / 183)
eq("xdp_parse flagged", len(xp["flags"]) >= 1, True)
sm = P["strobemeta/on_event"]        # passes on 6.1 only (clang 14: 1270)
eq("strobemeta", (sm["insns"], sm["cells"], sm["failed_cells"]), (1270, 6, 4))
near("strobemeta insns %", sm["insns_pct"], 0.127); near("strobemeta stack %", sm["stack_pct"], 312 * 100 / 512)
eq("strobemeta newly failing cells", sm["change"]["new_failures"], 4)
eq("strobemeta flagged", len(sm["flags"]) >= 1, True)
# the flags are mx_report's, shown as they are: the kernel axis names 6.12
eq("a strobemeta flag names 6.12", any("6.12" in f["axis"] for f in sm["flags"]), True)
eq("strobemeta 6.1 row", [x["verdict"] for x in sm["heatmap"][0]], ["pass", "pass"])
eq("strobemeta 6.1 clang 14", sm["heatmap"][0][0]["insns"], 1270)
for row in (1, 2):
    for x in sm["heatmap"][row]:
        eq("strobemeta heat %d" % row, (x["verdict"], x["errno"], "insns" in x), ("fail", 7, False))
        eq("strobemeta failure", "E2BIG" in x["failure"], True)
t = sm["trend"]                      # host clang 14: 900000 + 5000 * (run - 1); then 6.1 only
eq("strobemeta trend runs", [p["run"] for p in t], [1, 2, 3, 4, 5])
eq("strobemeta trend insns", [p["insns"] for p in t], [900000, 905000, 910000, 1270, 1270])
eq("strobemeta trend failed", [(p["failed"], p["cells"]) for p in t], [(0, 6), (0, 6), (0, 6), (2, 4), (4, 6)])
eq("no failed load plotted", any(p["insns"] == 1000001 for q in P.values() for p in q["trend"]), False)
# per heatmap cell (6.1, 6.12, host 6.18) x (14, 22): 6.1 passes, the rest from run 4 on fail
eq("strobemeta run 3 by cell", t[2]["by_cell"], [1270, 1180, 880000, 840000, 910000, 870000])
eq("strobemeta run 4 by cell", (t[3]["by_cell"], t[3]["failed_on"]), ([1270, 1180, None, None, None, None], [4, 5]))
eq("strobemeta run 5 failed cells", t[4]["failed_on"], [2, 3, 4, 5])
tc = P["tc_guard/tc_ingress"]
eq("tc_guard new", (tc["change"]["in_baseline"], [p["run"] for p in tc["trend"]]), (False, [5]))
near("tc_guard stack %", tc["stack_pct"], 96.875)
# coverage: the tracefile's own summary records, summed over its files
def total(tag):
    return sum(int(v) for v in re.findall(r"^%s:(\d+)$" % tag, lcov, re.M))
cov = {x["run"]: x for x in d["coverage"]}
v = cov[5]
eq("coverage lines", (v["lines"]["found"], v["lines"]["hit"]), (total("LF"), total("LH")))
eq("coverage functions", (v["functions"]["found"], v["functions"]["hit"]), (total("FNF"), total("FNH")))
eq("coverage branches", (v["branches"]["found"], v["branches"]["hit"]), (total("BRF"), total("BRH")))
near("coverage lines %", v["lines"]["percent"], 100.0 * total("LH") / total("LF"))
eq("coverage files", v["files"], 2)
eq("nightly coverage", (cov[3]["lines"]["found"], cov[3]["lines"]["hit"]), (2, 1))
# the page embeds the same document (plus the genhtml link)
m = re.search(r'<script type="application/json" id="bpfgauge-data">(.*?)</script>', page, re.S)
e = json.loads(m.group(1))
href = e["coverage"][0]["genhtml"]
import os
eq("genhtml link resolves", os.path.isfile(os.path.join(out_dir, href)), True)
e["coverage"][0]["genhtml"] = None
eq("page data == -j", e, d)
print("json ok")
EOF
python3 "$tmp/check_json.py" "$tmp/d.json" "$html" "$tmp/v11.info" "$out"
# the global -j before the object gives the same document
"$B" -j dashboard --db "$tmp/h.db" --coverage "v1.1=$tmp/v11.info" --coverage "nightly=$tmp/nightly.info" |
  cmp -s - "$tmp/d.json" || fail "'bpfgauge -j dashboard' differs from 'dashboard -j'"

# a smaller real matrix run (clang 14/19 x host 6.18 + Debian 6.1) renders too
"$B" -q history --db "$tmp/s.db" import "$DATA/matrix/history-sample.json"
"$B" -j dashboard --db "$tmp/s.db" | python3 -c '
import json, sys
d = json.load(sys.stdin)
names = sorted(p["object"] + "/" + p["prog"] for p in d["programs"])
assert "xdp_parse/xdp_parse" in names and "loop/loop_main" in names, names
assert [k["version"] for k in d["kernels"]] == ["6.1", "6.18"], d["kernels"]
assert [c["clang"] for c in d["compilers"]] == ["14", "19"], d["compilers"]'

# an arm64 kernel (its Debian release says so) is its own row, after the x86_64 ones
python3 - "$DATA/matrix/history-sample.json" > "$tmp/arm.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["runs"][-1]["cells"]:
    if c["kernel"] != "host":
        c["kernel_release"] = "6.1.0-27-cloud-arm64"
print(json.dumps(d))
EOF
"$B" -q history --db "$tmp/arm.db" import "$tmp/arm.json"
"$B" -j dashboard --db "$tmp/arm.db" | python3 -c '
import json, sys
k = [(x["arch"], x["label"]) for x in json.load(sys.stdin)["kernels"]]
assert k == [("arm64", "6.1"), ("x86_64", "host 6.18")], k'
# a cell's own arch (matrix --arch, history schema 3) wins over its release
python3 - "$DATA/matrix/history-sample.json" > "$tmp/arch2.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["runs"][-1]["cells"]:
    if c["kernel"] != "host":
        c["arch"] = "arm64"
print(json.dumps(d))
EOF
"$B" -q history --db "$tmp/arch2.db" import "$tmp/arch2.json"
"$B" -j dashboard --db "$tmp/arch2.db" | python3 -c '
import json, sys
k = [(x["arch"], x["label"]) for x in json.load(sys.stdin)["kernels"]]
assert k == [("arm64", "6.1"), ("x86_64", "host 6.18")], k' || fail "a cell's arch column"
# attach outcomes (the matrix attaches every verified program): the latest
# run's balancer fails to attach on the host's two cells (EBUSY, given here)
# and attaches elsewhere; the table counts the 2 cells, the heatmap marks
# them with the cause; other programs have no attach failure, and a failed
# load has no attach outcome
python3 - "$tmp/history.json" > "$tmp/att.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["runs"][-1]["cells"]:
    c["attach"] = []
    for p in c.get("programs", []):
        bad = p["prog"] == "balancer" and c["kernel"] == "host" and p["verdict"] == "pass"
        c["attach"].append("failed EBUSY: another XDP program is attached to lo" if bad
                           else "attached" if p["verdict"] == "pass" else None)
print(json.dumps(d))
EOF
"$B" -q history --db "$tmp/att.db" import "$tmp/att.json"
"$B" -j dashboard --db "$tmp/att.db" -o "$tmp/att" > "$tmp/att.out"
python3 - "$tmp/att.out" <<'EOF' || fail "attach outcomes in dashboard -j"
import json, sys
d = json.load(open(sys.argv[1]))
P = {p["object"] + "/" + p["prog"]: p for p in d["programs"]}
b = P["xdp_lb/balancer"]
assert b["attach_failed_cells"] == 2, b["attach_failed_cells"]
assert b["attach_failure"].count("EBUSY: another XDP program") == 2, b["attach_failure"]
host = [k["label"] for k in d["kernels"]].index("host 6.18")
for c in b["heatmap"][host]:
    assert c["attach"] == "failed" and c["attach_error"].startswith("EBUSY"), c
for row in b["heatmap"][:host]:
    for c in row:
        assert c["attach"] == "attached" and "attach_error" not in c, c
for k, p in P.items():
    if k != "xdp_lb/balancer":
        assert p["attach_failed_cells"] == 0 and p["attach_failure"] is None, (k, p)
s = P["strobemeta/on_event"]
assert all("attach" not in c for row in s["heatmap"] for c in row if c and c.get("verdict") == "fail"), s
EOF
grep -q "another XDP program is attached to lo" "$tmp/att/index.html" || fail "the page does not carry the attach cause"
# a store without runs is a page that says so, and empty JSON lists
echo '{"schema_version":1,"kind":"bpfgauge-history","runs":[]}' > "$tmp/empty.json"
"$B" -q history --db "$tmp/e.db" import "$tmp/empty.json"
"$B" -q dashboard --db "$tmp/e.db" -o "$tmp/empty" -j | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["programs"] == [] and d["runs"] == [] and d["latest_run"] is None, d'

chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
  echo "SKIP: chromium is not installed (scripts/setup.sh installs it); JSON and static checks passed"
  exit 77
fi
# Chromium in a session of its own (killed at exit), its profile under $tmp
chrome_run() {
  setsid timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$tmp/profile" "$@" 2>> "$tmp/chrome.log" &
  sid=$!
  wait "$sid" || fail "chromium failed: $(tail -3 "$tmp/chrome.log")"
  # a SIGKILLed process takes a moment to die and may stay a zombie until
  # init reaps it: wait up to 5 s for no live process in the session
  local live i
  for i in $(seq 50); do
    kill -KILL -- "-$sid" 2>/dev/null || true
    for p in $(ps -o pid= -s "$sid" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    live=$(ps -o stat=,pid= -s "$sid" 2>/dev/null | awk '$1 !~ /^Z/')
    [ -n "$live" ] || break
    sleep 0.1
  done
  [ -z "$live" ] || fail "chromium left processes in session $sid: $live"
  sid=
}
dom() { chrome_run --dump-dom "file://$html#$1" > "$tmp/dom"; }

cat > "$tmp/dom.py" <<'EOF'
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.rows = []; s.svg = None; s.pts = {}; s.fails = {}
        s.heat = None; s.kth = {}; s.cur_th = False; s.covrows = []; s.cards = []
    def handle_starttag(s, tag, a):
        a = dict(a); cls = (a.get("class") or "").split()
        if tag == "tr" and "prog-row" in cls: s.rows.append(a["data-key"])
        if tag == "svg" and "trend" in cls: s.svg = a["data-prog"]; s.pts[s.svg] = []; s.fails[s.svg] = []
        if tag == "circle" and "pt" in cls: s.pts[s.svg].append(int(a["data-v"]))
        if tag == "g" and "fail-marker" in cls: s.fails[s.svg].append(int(a["data-run"]))
        if tag == "table" and "heat" in cls and "data-prog" in a: s.heat = a["data-prog"]; s.kth[s.heat] = []
        if tag == "th" and "kernel" in cls and s.heat: s.cur_th = True
        if tag == "tr" and "cov-row" in cls: s.covrows.append((int(a["data-run"]), int(a["data-lines-found"]), int(a["data-lines-hit"])))
        if tag == "div" and "card" in cls: s.cards.append(a["data-key"])
    def handle_endtag(s, tag):
        if tag == "svg": s.svg = None
        if tag == "table": s.heat = None
        if tag == "th": s.cur_th = False
    def handle_data(s, d):
        if s.cur_th: s.kth[s.heat].append(d)
p = P(); p.feed(open(sys.argv[1]).read())
what = sys.argv[2]
if what == "rows": print(" ".join(p.rows))
elif what == "cards": print(" ".join(p.cards))
elif what == "kernels": print(" ".join(p.kth[sys.argv[3]]))
elif what == "points": print(" ".join(map(str, p.pts[sys.argv[3]])))
elif what == "fails": print(" ".join(map(str, p.fails[sys.argv[3]])))
elif what == "cov": print(" ".join("%d:%d/%d" % c for c in p.covrows))
EOF
q() { python3 "$tmp/dom.py" "$tmp/dom" "$@"; }
want() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

# default view: by insns % of the limit, largest first (64.5, 0.5, 0.127, 0.0234)
dom ""
want "default order" "$(q rows)" "xdp_lb/balancer tc_guard/tc_ingress strobemeta/on_event xdp_parse/xdp_parse"
want "heatmap rows" "$(q kernels strobemeta/on_event)" "6.1 6.12 host 6.18"
grep -q '<th>clang 14</th><th>clang 22</th>' "$tmp/dom" || fail "compiler columns not in version order"
# failed loads are markers in runs 4 and 5, never points: the points are the passing values
want "strobemeta points" "$(q points strobemeta/on_event)" "900000 905000 910000 1270 1270"
want "strobemeta failure markers" "$(q fails strobemeta/on_event)" "4 5"
want "xdp_parse markers" "$(q fails xdp_parse/xdp_parse)" ""
want "coverage rows" "$(q cov)" "5:8/5 3:2/1"
grep -q 'class="genhtml" href="' "$tmp/dom" || fail "no genhtml link"
grep -q 'class="limit"' "$tmp/dom" || fail "no limit line"
grep -q 'E2BIG' "$tmp/dom" || fail "the E2BIG failure is not shown"
# one line per cell: 6.1's values in every run, the others until run 3, no 1000001
dom "prog=strobemeta/on_event&cells=1"
want "per-cell points" "$(q points strobemeta/on_event | tr ' ' '\n' | sort -n | paste -sd' ')" \
  "1180 1180 1180 1180 1180 1270 1270 1270 1270 1270 830000 835000 840000 860000 865000 870000 870000 875000 880000 900000 905000 910000"
want "per-cell failure markers" "$(q fails strobemeta/on_event)" "4 5"
# sort and filter from the URL fragment
dom "sort=insns&filter=xdp"
want "sort=insns filter=xdp" "$(q rows)" "xdp_lb/balancer xdp_parse/xdp_parse"
dom "sort=insns&dir=asc"
want "sort=insns dir=asc" "$(q rows)" "xdp_parse/xdp_parse strobemeta/on_event tc_guard/tc_ingress xdp_lb/balancer"
dom "sort=stack_pct"
want "sort=stack_pct" "$(q rows)" "tc_guard/tc_ingress xdp_lb/balancer strobemeta/on_event xdp_parse/xdp_parse"
dom "sort=name&filter=STROBE&prog=strobemeta/on_event"
want "filter is case-insensitive" "$(q rows)" "strobemeta/on_event"
want "one program's card" "$(q cards)" "strobemeta/on_event"

chrome_run --dump-dom "file://$tmp/empty/index.html" > "$tmp/dom"
grep -q 'The store holds no runs.' "$tmp/dom" || fail "the empty store's page does not say so"

# the picture: decode the PNG (zlib + PNG filters) and look for ink and colours
chrome_run --screenshot="$tmp/shot.png" --window-size=1280,2000 "file://$html" > /dev/null
python3 - "$tmp/shot.png" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    n, typ = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    pos += 12 + n
    if typ == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif typ == b"IDAT":
        idat += body
assert depth == 8 and ctype in (2, 6), (depth, ctype)
bpp = 3 if ctype == 2 else 4
stride, raw = w * bpp, zlib.decompress(idat)
prev, ink, colours, red = bytearray(stride), 0, set(), 0
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    if f == 1:
        for i in range(bpp, stride): line[i] = (line[i] + line[i - bpp]) & 255
    elif f == 2:
        line = bytearray((a + b) & 255 for a, b in zip(line, prev))
    elif f == 3:
        for i in range(stride): line[i] = (line[i] + (((line[i - bpp] if i >= bpp else 0) + prev[i]) >> 1)) & 255
    elif f == 4:
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    for x in range(0, stride, bpp * 2):
        r, g, b = line[x], line[x + 1], line[x + 2]
        if min(r, g, b) < 200: ink += 1
        if r > 180 and g < 90 and b < 90: red += 1
        colours.add((r >> 5, g >> 5, b >> 5))
print("screenshot %dx%d: %d dark samples, %d red, %d colours" % (w, h, ink, red, len(colours)))
assert ink > 2000, "the screenshot is (nearly) blank"
assert red > 50, "no red failure cells or markers in the screenshot"
assert len(colours) > 5, "the screenshot has a single colour"
EOF
echo PASS
