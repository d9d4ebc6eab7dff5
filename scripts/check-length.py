#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""No C function of fmt/, runtime/, reports/ or cli/ is longer than LIMIT
lines (80) unless the comment right above it gives the reason, in a
sentence that starts with "Long:" (e.g. "Long: one pass of the flow
solver; its steps share six arrays."). Prints each offender as
FILE:LINE: NAME is N lines; exit 1 if there is any.
Usage: scripts/check-length.py [LIMIT] [ROOT]"""
import glob
import os
import re
import sys


def functions(path):
    """(name, first line, length, comment above) for each top-level function."""
    lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i] == "{" and i > 0:
            j = i - 1
            while j > 0 and "(" not in lines[j]:
                j -= 1
            m = re.search(r"(\w+)\s*\(", lines[j])
            k = i + 1
            while k < len(lines) and lines[k] != "}":
                k += 1
            c, comment = j - 1, []
            if c >= 0 and lines[c].rstrip().endswith("*/"):
                while c >= 0:
                    comment.insert(0, lines[c])
                    if lines[c].lstrip().startswith("/*"):
                        break
                    c -= 1
            yield (m.group(1) if m else "?"), j + 1, k - i + 1, " ".join(comment)
            i = k
        i += 1


def main(argv):
    limit = int(argv[1]) if len(argv) > 1 else 80
    root = argv[2] if len(argv) > 2 else os.path.join(os.path.dirname(__file__), "..")
    bad = 0
    files = []
    for pat in ("fmt/*.c", "runtime/*/*.c", "reports/*.c", "cli/*.c"):
        files += sorted(glob.glob(os.path.join(root, pat)))
    for f in files:
        for name, line, n, comment in functions(f):
            if n > limit and "Long:" not in comment:
                print("%s:%d: %s is %d lines (over %d, and no 'Long:' reason above it)"
                      % (os.path.relpath(f, root), line, name, n, limit))
                bad += 1
    if not bad:
        print("check-length: ok (no function over %d lines without a reason)" % limit)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
