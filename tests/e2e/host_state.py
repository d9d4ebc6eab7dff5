#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Leave the machine as found: snapshot what the test suite could leave
behind on the host, and check it at the end of the run.

  host_state.py save FILE    before the root tests (ctest fixture setup)
  host_state.py check FILE   after them (fixture cleanup): exit 1 if a
                             bpfgauge-made object appeared and stayed

What counts as bpfgauge-made: pins under /sys/fs/bpf named bg*/bpfgauge*;
a qdisc, tc filter or XDP program on lo; BPF links that no process holds,
of programs named like the project's programs (the SEC() functions of bpf/examples, tests/data,
tests/pass/inputs, and the cov run tracer); qemu processes orphaned by a
finished run (their console log's directory is gone). Other engineers'
tests may run on the same host at the same time, so only what is new since
`save` and still there after a few seconds counts. Also: /dev/null must
still be the character device 1:3 (a writer once replaced it with a file).
Environment: BPFGAUGE_SRC (program names), HOST_STATE_DEVNULL (path to
check instead of /dev/null, for the self-test), HOST_STATE_SETTLE (seconds a
leftover must persist, default 5).
"""
import glob
import json
import os
import re
import stat
import subprocess
import sys
import time


def run(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def our_prog_names():
    src = os.environ.get("BPFGAUGE_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
    names = set()
    pat = re.compile(r'SEC\("[^"]+"\)\s*(?:static\s+)?(?:__\w+\s+)*\w+\s+\*?\s*(\w+)\s*\(')
    bpf_prog = re.compile(r'SEC\("[^"]+"\)\s*\w+\s+BPF_PROG\((\w+)')
    for d in ("bpf/examples", "tests/data", "tests/pass/inputs", "runtime/bpf"):
        for f in glob.glob(os.path.join(src, d, "**", "*.c"), recursive=True):
            try:
                text = open(f, errors="replace").read()
            except OSError:
                continue
            names.update(m.group(1)[:15] for m in pat.finditer(text) if m.group(1) != "BPF_PROG")
            names.update(m.group(1)[:15] for m in bpf_prog.finditer(text))
    return names


def snapshot(names):
    items = set()
    for p in glob.glob("/sys/fs/bpf/**", recursive=True):
        base = os.path.basename(p.rstrip("/"))
        if base.startswith(("bg", "bpfgauge")):
            items.add("pin " + p)
    for line in run("tc", "qdisc", "show", "dev", "lo").splitlines():
        if line and "noqueue" not in line:
            items.add("qdisc on lo: " + line.strip())
    for d in ("ingress", "egress"):
        for line in run("tc", "filter", "show", "dev", "lo", d).splitlines():
            if line.startswith("filter"):
                items.add("filter on lo %s: %s" % (d, line.strip()))
    for line in run("ip", "-d", "link", "show", "dev", "lo").splitlines():
        m = re.search(r"\b(prog/xdp\w*) id (\d+)", line)
        if m:
            items.add("xdp on lo: %s id %s" % (m.group(1), m.group(2)))
    try:
        links = json.loads(run("bpftool", "-j", "link", "show") or "[]")
        progs = {p["id"]: p.get("name", "") for p in json.loads(run("bpftool", "-j", "prog", "show") or "[]")}
    except ValueError:
        links, progs = [], {}
    for lk in links:
        name = progs.get(lk.get("prog_id"), "")
        # a link some live process holds is a running test's (maybe another
        # engineer's); a leaked one is pinned and held by nobody
        if lk.get("pids"):
            continue
        if name in names:
            items.add("link id %s (%s) of program %s" % (lk.get("id"), lk.get("type"), name))
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            args = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")
            ppid = int(open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if not args or not os.path.basename(args[0]).startswith(b"qemu-system"):
            continue
        for a in args:
            m = re.match(rb"file,id=con,path=(.*)/console\.log$", a)
            if m and ppid == 1 and not os.path.isdir(m.group(1)):
                items.add("orphaned qemu pid %s (work dir %s is gone)" % (pid, m.group(1).decode(errors="replace")))
    return items


def devnull_ok():
    path = os.environ.get("HOST_STATE_DEVNULL", "/dev/null")
    try:
        st = os.lstat(path)
    except OSError as e:
        return "%s: %s" % (path, e.strerror)
    if not stat.S_ISCHR(st.st_mode) or os.major(st.st_rdev) != 1 or os.minor(st.st_rdev) != 3:
        return "%s is no longer the character device 1:3 (mode %o)" % (path, st.st_mode)
    return None


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("save", "check"):
        print("usage: host_state.py save|check FILE", file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("SKIP: needs root (lists BPF objects)")
        return 77
    names = our_prog_names()
    if sys.argv[1] == "save":
        with open(sys.argv[2], "w") as f:
            json.dump(sorted(snapshot(names)), f, indent=1)
        print("host state saved: %s" % sys.argv[2])
        return 0
    try:
        before = set(json.load(open(sys.argv[2])))
    except (OSError, ValueError):
        print("note: no saved state (%s); comparing with nothing" % sys.argv[2])
        before = set()
    fail = 0
    bad = devnull_ok()
    if bad:
        print("FAIL " + bad)
        fail = 1
    else:
        print("ok   /dev/null is still a character device")
    settle = float(os.environ.get("HOST_STATE_SETTLE", "5"))
    left = snapshot(names) - before
    deadline = time.time() + settle
    while left and time.time() < deadline:
        time.sleep(0.5)
        left &= snapshot(names) - before
    for item in sorted(left):
        print("FAIL left on the host: " + item)
        fail = 1
    if not left:
        print("ok   no bpfgauge-made pin, qdisc, filter, XDP program, link or qemu left")
    return fail


if __name__ == "__main__":
    sys.exit(main())
