#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# README's table of short flags by command against the binary: for every
# command and every letter, `bpfgauge CMD -X` must be refused as an unknown
# (or renamed) option exactly when the table does not list -X for CMD. Each
# run fails before doing anything (a flag that takes an argument is given
# none; one that takes none leaves a required argument missing), in an empty
# directory that must stay empty. A refusal is exit 2 with one stderr line.
set -u
bg=${BPFGAUGE:?}
readme=${BPFGAUGE_SRC:?}/README.md
work=$(mktemp -d /tmp/bpfgauge-flags.XXXXXX)
trap 'rm -rf "$work"' EXIT
export BPFGAUGE_CACHE=$work/cache
python3 - "$bg" "$readme" "$work" <<'PY'
import re, subprocess, sys, string, os

bg, readme, work = sys.argv[1:4]
text = open(readme).read()
start = text.index("The same by command")
table = text[start:text.index("Renamed short flags", start)]
rows = {}
for line in table.splitlines():
    m = re.match(r"^\| (.+?) \| (.+?) \|$", line)
    if not m or m.group(1) in ("command", "---"):
        continue
    cmds = re.findall(r"`([^`]+)`", m.group(1)) or [m.group(1)]
    if m.group(1).startswith("global"):
        cmds = ["global"]
    flags = m.group(2)
    if cmds == ["history"]:
        # "-d; show: -b -P -o; diff: -P; export: -o": per command
        parts = flags.split(";")
        common = set(re.findall(r"-([a-zA-Z])", parts[0]))
        rows["history list"] = common
        for p in parts[1:]:
            c, _, f = p.partition(":")
            rows["history " + c.strip(" `")] = common | set(re.findall(r"-([a-zA-Z])", f))
        continue
    for c in cmds:
        rows[c.replace("[run]", "").strip()] = set(re.findall(r"-([a-zA-Z])", flags))

fail = 0
checked = 0
for cmd, listed in sorted(rows.items()):
    listed = listed | {"h", "j", "p"}
    for x in string.ascii_letters:
        if cmd == "global":
            argv = [bg, "-" + x, "frobnicate"]
        elif cmd.startswith("history"):
            # -d needs the store after it; every command gets one
            argv = [bg, "history", "-d", work + "/none.db"] + cmd.split()[1:] + ["-" + x]
        else:
            argv = [bg] + cmd.split() + ["-" + x]
        if x in "hjp" and cmd != "global":
            continue  # help and JSON: checked in test_cli.sh
        r = subprocess.run(argv, cwd=work, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=60)
        err = r.stderr + r.stdout
        refused = bool(re.search(r"unknown option '-%s'|-%s is no longer an option" % (x, x), err))
        if cmd == "global":
            # the global getopt knows -j -p -v -q -V -h; the rest is "unknown option '-X'"
            refused = "unknown option '-%s'" % x in err
        checked += 1
        if refused and (r.returncode != 2 or len(r.stderr.strip().splitlines()) != 1):
            print("FAIL %s -%s: refused with exit %d and stderr %r (want exit 2, one line)" % (
                cmd, x, r.returncode, r.stderr))
            fail = 1
        if refused == (x in listed):
            print("FAIL %s -%s: %s by the binary, %s in README (exit %d: %s)" % (
                cmd, x, "refused" if refused else "accepted",
                "listed" if x in listed else "not listed", r.returncode, err.strip()[:200]))
            fail = 1
        if os.listdir(work) not in ([], ["cache"]):
            print("FAIL %s -%s left %s" % (cmd, x, os.listdir(work)))
            fail = 1
            for f in os.listdir(work):
                subprocess.run(["rm", "-rf", os.path.join(work, f)])
print("%s   %d commands x letters checked against README's table (%d runs)" % (
    "ok" if not fail else "FAIL", len(rows), checked))
sys.exit(fail)
PY
rc=$?
[ $rc = 0 ] && echo "cli flags: all passed"
exit $rc
