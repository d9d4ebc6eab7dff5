#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A synthetic history export for the dashboard at scale: NPROGS programs
(4 per object) x NRUNS runs x 3 kernels x 2 clangs; objects whose number is
a multiple of 50 fail E2BIG on 6.12 and 6.18 in the last third of the runs.
Usage: gen_dash_history.py NPROGS NRUNS > history.json"""
import json
import sys


def record(obj, j, run, kernel, nruns):
    ins = (obj * 4 + j + 1) * 2000 + run * 37
    if obj % 50 == 0 and run > 2 * nruns // 3 and kernel != "6.1":
        return {"file": "obj%d" % obj, "prog": "p%d" % j, "prog_type": "xdp", "verdict": "fail",
                "class": "complexity", "errno": 7, "insns": 1000001, "insn_limit": 1000000}
    return {"file": "obj%d" % obj, "prog": "p%d" % j, "prog_type": "xdp", "verdict": "pass",
            "class": "none", "errno": 0, "insns": ins, "insn_limit": 1000000,
            "states": ins // 10, "stack_max": 64}


def main(nprogs, nruns):
    kernels = [("host", "6.18.44-fc-v669"), ("6.1", "6.1.0-27-cloud-amd64"),
               ("6.12", "6.12.57+deb13-cloud-amd64")]
    runs = []
    for r in range(nruns):
        cells = []
        for k, rel in kernels:
            for c in ("14", "22"):
                for o in range(nprogs // 4):
                    progs = [record(o, j, r, k, nruns) for j in range(4)]
                    cells.append({"kernel": k, "kernel_release": rel, "clang": c, "mcpu": "",
                                  "object": "obj%d" % o, "status": "ok", "programs": progs,
                                  "logs": [None] * 4})
        runs.append({"uuid": "00000000-0000-4000-8000-%012d" % r,
                     "started": "2026-%02d-%02dT10:00:00Z" % (1 + r // 28, 1 + r % 28),
                     "finished": "", "status": "complete", "git_commit": "%040x" % (r + 1),
                     "git_dirty": 0, "branch": "main", "host_arch": "x86_64",
                     "host_kernel": "6.18.44-fc-v669", "label": "", "matrix_key": "scale",
                     "tool_version": "", "cells": cells})
    json.dump({"schema_version": 1, "kind": "bpfgauge-history", "runs": runs}, sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
