#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Root end-to-end proof of `bpfgauge cov run -- CMD`: whatever loads the
# instrumented examples (the examples runner, a bpftool skeleton loader,
# Debian's bpftool loadall + prog run, a loader forking children that each
# load the same objects, a loader that exits within 1 ms of its last test
# run, a loader stopped by SIGINT/SIGTERM), the lcov that cov run writes
# equals the annotated ground truth (annot.h, through loaders/lcov_annot)
# times the number of runs. Also: per-test snapshots and `cov report
# --snapshot --test-name`, unknown counter maps reported and saved, a stale
# --objects (exit 2), CMD's exit code winning, the no-root error,
# and the overhead of cov run on a loader. Loaders are compiled here against
# the system libbpf; they never link libbpfgauge. Sixteen threads loading at
# once are covered too.
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (loads BPF programs)"; exit 77; }
bg=${BPFGAUGE:?run through ctest}
src=${BPFGAUGE_SRC:?}
build=${BPFGAUGE_BUILD:?}
bpfdir=${BPFGAUGE_BPF_DIR:?}
majors=${BPFGAUGE_LLVM_MAJORS:?}
ann=$src/bpf/examples
runner=$build/bpfgauge-run-examples
cc=$(command -v cc || command -v gcc) || { echo "SKIP: no C compiler for the loaders"; exit 77; }
[ -f /usr/include/bpf/libbpf.h ] || { echo "SKIP: libbpf headers missing (libbpf-dev)"; exit 77; }
tmp=$(mktemp -d)
pins=()
cleanup() {
  for p in "${pins[@]}"; do rm -rf "$p"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

L=$src/tests/e2e/loaders
"$cc" -O2 -Wall -I"$src/bpf/runner" -o "$tmp/ex_loader" "$L/ex_loader.c" -lbpf -lelf -lz -lpthread ||
  { echo "FAIL: cannot build ex_loader"; exit 1; }
# built by CMake with the same flags as libbpfgauge (sanitizers in CI)
[ -x "$build/tests/lcov_annot" ] || { echo "FAIL: $build/tests/lcov_annot not built"; exit 1; }
cp "$build/tests/lcov_annot" "$tmp/lcov_annot"
exl=$tmp/ex_loader

annot_bin=$tmp/lcov_annot
. "$src/tests/harness/cov_e2e.sh"


ns() { date +%s%N; }

nmaj=0
for m in ${majors//,/ }; do
  D=$bpfdir/llvm-$m/counts
  H=$bpfdir/llvm-$m/hits
  [ -f "$D/xdp_parse.bpf.o" ] || { echo "note: no counts-mode examples for LLVM $m"; continue; }
  nmaj=$((nmaj + 1))
  t=$tmp/$m; mkdir -p "$t"

  # 1a. The examples runner (libbpf, in-process) under cov run.
  covrun "$t/runner.info" "$t/runner.log" --objects "$D" -- "$runner" --dir "$D" --repeat 3
  rc=$?; [ $rc = 0 ] && ok "llvm-$m runner: cov run exits with CMD's 0" || { bad "llvm-$m runner: exit $rc"; cat "$t/runner.log"; }
  check "llvm-$m runner x3 counts" "$t/runner.info" counts 3
  if [ -f "$H/xdp_parse.bpf.o" ]; then
    covrun "$t/hits.info" "$t/hits.log" --objects "$H" -- "$runner" --dir "$H"
    check "llvm-$m runner hits" "$t/hits.info" hits 1
  fi

  # A second run into the same -o adds up; --test-name names the run.
  "$bg" cov run -o "$t/runner.info" --test-name again --objects "$D" -- "$runner" --dir "$D" \
    --only xdp_parse 2>"$t/again.log" || { bad "llvm-$m second run into -o"; cat "$t/again.log"; }
  check "llvm-$m second run merged into -o: xdp x4" "$t/runner.info" counts 4 xdp_parse.bpf.c
  check "llvm-$m second run merged into -o: tc x3" "$t/runner.info" counts 3 tc_classify.bpf.c
  grep -q '^TN:again$' "$t/runner.info" && ok "llvm-$m --test-name: TN:again" || bad "llvm-$m --test-name: no TN:again"

  # 1b. A bpftool skeleton loader (open, prepare .rodata, load, run, destroy).
  mkdir -p "$t/skel"
  for o in "$D"/*.bpf.o; do
    n=$(basename "$o" .bpf.o)
    bpftool gen skeleton "$o" name "ex_$n" >"$t/skel/ex_$n.skel.h" 2>>"$t/skel.gen.log" || bad "llvm-$m: bpftool gen skeleton $n"
  done
  if "$cc" -O2 -Wall -I"$src/bpf/runner" -I"$t/skel" -o "$t/skel_loader" "$L/skel_loader.c" -lbpf -lelf -lz; then
    covrun "$t/skel.info" "$t/skel.log" --objects "$D" -- "$t/skel_loader" 2
    rc=$?; [ $rc = 0 ] && ok "llvm-$m skeleton loader: exit 0" || { bad "llvm-$m skeleton loader: exit $rc"; cat "$t/skel.log"; }
    check "llvm-$m skeleton loader x2 counts" "$t/skel.info" counts 2
  else
    bad "llvm-$m: cannot build skel_loader"
  fi

  # 2. Debian's bpftool: loadall + pinned prog run with the runner's packets.
  mkdir -p "$t/pkts"
  "$exl" "$D" "dumpxdp:$t/pkts" || bad "llvm-$m: cannot write the xdp packets"
  pin=/sys/fs/bpf/bgcovrun_$$_$m; pins+=("$pin")
  cat >"$t/bpftool.sh" <<EOF
set -e
bpftool prog loadall "$D/xdp_parse.bpf.o" "$pin"
prog=\$(ls "$pin")
for i in 1 2 3 4 5 6; do
  bpftool prog run pinned "$pin/\$prog" data_in "$t/pkts/pkt\$i" repeat 4 | sed -n 's/^Return value: \([0-9]*\).*/ret \1/p'
done
rm -rf "$pin"
EOF
  "$bg" cov run -o "$t/bpftool.info" --objects "$D/xdp_parse.bpf.o" -- sh "$t/bpftool.sh" >"$t/bpftool.out" 2>"$t/bpftool.log"
  rc=$?
  rets=$(tr '\n' ' ' <"$t/bpftool.out")
  [ $rc = 0 ] && [ "$rets" = "ret 2 ret 2 ret 2 ret 2 ret 1 ret 1 " ] &&
    ok "llvm-$m bpftool loadall + prog run: exit 0, verdicts $rets" ||
    { bad "llvm-$m bpftool: exit $rc, verdicts '$rets'"; cat "$t/bpftool.log"; }
  [ ! -e "$pin" ] && ok "llvm-$m bpftool: pins removed" || bad "llvm-$m bpftool: $pin left behind"
  check "llvm-$m bpftool repeat 4" "$t/bpftool.info" counts 4 xdp_parse.bpf.c

  # 3. Four children, each loading and running every example.
  covrun "$t/fork.info" "$t/fork.log" --objects "$D" -- "$exl" "$D" fork:4 all
  rc=$?; [ $rc = 0 ] && ok "llvm-$m fork:4: exit 0" || { bad "llvm-$m fork: exit $rc"; cat "$t/fork.log"; }
  grep -q '32 counter map(s)' "$t/fork.log" && ok "llvm-$m fork:4: 32 counter maps held (4 x 8 objects)" ||
    bad "llvm-$m fork:4: $(grep 'counter map' "$t/fork.log")"
  check "llvm-$m fork:4 x4 counts" "$t/fork.info" counts 4

  # 3b. Sixteen threads of one process loading the same object at once
  # (the tracer stops the whole process for each map; none may be lost).
  covrun "$t/thr.info" "$t/thr.log" --objects "$D" -- "$exl" "$D" threads:16:xdp_parse
  rc=$?; [ $rc = 0 ] && ! grep -q vanished "$t/thr.log" && ok "llvm-$m threads:16: exit 0, no map missed" ||
    { bad "llvm-$m threads:16: exit $rc"; cat "$t/thr.log"; }
  check "llvm-$m threads:16 x16 counts" "$t/thr.info" counts 16 xdp_parse.bpf.c

  # 4. Exit within 1 ms of the last BPF_PROG_TEST_RUN, nothing unloaded.
  covrun "$t/fast.info" "$t/fast.log" --objects "$D" -- "$exl" "$D" run:tc_classify run:sock_filter \
    run:calls run:loop run:trace_getpgid run:xdp_flow run:tailcall "fastexit:$t/fast.ns"
  rc=$?; [ $rc = 0 ] || { bad "llvm-$m fastexit: exit $rc"; cat "$t/fast.log"; }
  fns=$(cat "$t/fast.ns" 2>/dev/null || echo 999999999)
  [ "$fns" -lt 1000000 ] && ok "llvm-$m fastexit: last test run to _exit in $fns ns (< 1 ms)" ||
    bad "llvm-$m fastexit: $fns ns, want < 1 ms"
  check "llvm-$m fastexit counts" "$t/fast.info" counts 1

  # 5. SIGTERM / SIGINT to cov run reach CMD; coverage so far still written.
  for s in TERM INT; do
    for attempt in 1 2 3 4 5; do
      rm -f "$t/sig.info" "$t/ready" "$t/mark"
      if [ $s = TERM ]; then
        "$bg" cov run -o "$t/sig.info" --objects "$D" -- "$exl" "$D" all "onsig:7:$t/mark" "touch:$t/ready" pause 2>"$t/sig.log" &
        want=7
      else
        "$bg" cov run -o "$t/sig.info" --objects "$D" -- "$exl" "$D" all dflsig "touch:$t/ready" pause 2>"$t/sig.log" &
        want=130
      fi
      pid=$!
      for i in $(seq 1000); do [ -e "$t/ready" ] && break; sleep 0.01; done
      kill -$s $pid
      wait $pid; rc=$?
      grep -q PERTURBED "$t/sig.log" || break
      echo "note: trace_getpgid perturbed by another process, running again"
    done
    [ $rc = $want ] && ok "llvm-$m SIG$s: cov run exits $rc (CMD's)" || { bad "llvm-$m SIG$s: exit $rc, want $want"; cat "$t/sig.log"; }
    if [ $s = TERM ]; then
      [ "$(cat "$t/mark" 2>/dev/null)" = "signal 15" ] && ok "llvm-$m SIGTERM forwarded: CMD saw signal 15" ||
        bad "llvm-$m SIGTERM: CMD saw '$(cat "$t/mark" 2>/dev/null)'"
    fi
    check "llvm-$m SIG$s coverage written" "$t/sig.info" counts 1
  done

  # 7a. An instrumented object not in --objects is reported, the rest kept.
  "$bg" cov run -o "$t/unk.info" --objects "$D/xdp_parse.bpf.o" -- "$exl" "$D" run:xdp_parse run:tc_classify 2>"$t/unk.log"
  rc=$?
  [ $rc = 0 ] && grep -q "1 counter segment(s) belong to no object.*saved to '$t/unk.info.unmatched.snap'" "$t/unk.log" &&
    ok "llvm-$m unknown map reported: $(grep 'belong to no' "$t/unk.log")" ||
    { bad "llvm-$m unknown map: exit $rc"; cat "$t/unk.log"; }
  check "llvm-$m known object still exact" "$t/unk.info" counts 1 xdp_parse.bpf.c
  # ... and not dropped: the saved maps report the other object exactly
  "$bg" cov report "$D/tc_classify.bpf.o" --snapshot "$t/unk.info.unmatched.snap" -o "$t/unk2.info" 2>"$t/unk2.log" ||
    { bad "llvm-$m cov report of the saved maps"; cat "$t/unk2.log"; }
  check "llvm-$m unknown map's saved counters exact" "$t/unk2.info" counts 1 tc_classify.bpf.c
  # 7b. -j: one result document: what was written where, the totals of the
  # lcov written (counted here from its DA/FNDA/BRDA records), the unmatched
  # maps and where they went, CMD's exit code
  "$bg" -j cov run -o "$t/unkj.info" --objects "$D/xdp_parse.bpf.o" -- "$exl" "$D" run:xdp_parse run:tc_classify \
    >"$t/unkj.json" 2>"$t/unkj.log"
  rc=$?
  if [ $rc = 0 ] && python3 - "$t/unkj.json" "$t/unkj.info" "$t/unkj.info.unmatched.snap" "$D/xdp_parse.bpf.o" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
tot = {"lines": [0, 0], "functions": [0, 0], "branches": [0, 0]}
for l in open(sys.argv[2]):
    k, _, v = l.strip().partition(":")
    f = v.split(",")
    if k == "DA":
        tot["lines"][0] += 1; tot["lines"][1] += int(f[1]) > 0
    elif k == "FNDA":
        tot["functions"][0] += 1; tot["functions"][1] += int(f[0]) > 0
    elif k == "BRDA":
        tot["branches"][0] += 1; tot["branches"][1] += f[3] != "-" and int(f[3]) > 0
got = {k: [d["total"][k]["found"], d["total"][k]["hit"]] for k in tot}
want = dict(command="run", output=sys.argv[2], format="lcov", cmd_exit_code=0, counter_maps=2,
            objects_used=1, inputs=[sys.argv[4]])
bad = {k: d.get(k) for k in want if d.get(k) != want[k]}
if d["unmatched"] != {"counter_maps": 1, "segments": 1, "snapshot": sys.argv[3]}:
    bad["unmatched"] = d["unmatched"]
if got != tot or tot["lines"][0] == 0:
    bad["total"] = (got, tot)
if sum(f["lines"]["found"] for f in d["files"]) != tot["lines"][0]:
    bad["files"] = d["files"]
print(bad or "ok", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
  then ok "llvm-$m cov run -j: the document matches the lcov written and the unmatched map"
  else bad "llvm-$m cov run -j: exit $rc: $(cat "$t/unkj.json")"; cat "$t/unkj.log"
  fi
  "$bg" cov run -o "$t/rc4j.info" -p --objects "$D" -- sh -c "'$exl' '$D' run:xdp_parse; exit 4" >"$t/rc4j.json" 2>"$t/rc4j.log"
  rc=$?
  [ $rc = 4 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["cmd_exit_code"] != 4 or d["cmd"][:2] != ["sh", "-c"])' "$t/rc4j.json" &&
    ok "llvm-$m cov run -p: exit 4, cmd_exit_code 4" || { bad "llvm-$m cov run -p exit 4: exit $rc: $(cat "$t/rc4j.json")"; cat "$t/rc4j.log"; }
  # after its CMD's name a -j is CMD's, not ours
  out=$("$bg" cov run -o "$t/cj.info" --objects "$D" sh -c 'echo "arg:$0"' -j 2>/dev/null)
  [ "$out" = "arg:-j" ] && ok "llvm-$m cov run CMD -j: CMD got -j, stdout holds no JSON" || bad "llvm-$m CMD -j: stdout '$out'"
  # 7c. A stale build: --objects holds other builds of the objects (hits mode),
  # so no counter matches: exit 2 and say so, write no empty report, keep them.
  if [ -f "$H/xdp_parse.bpf.o" ]; then
    "$bg" cov run -o "$t/stale.info" --objects "$H" -- "$exl" "$D" run:xdp_parse run:tc_classify 2>"$t/stale.log"
    rc=$?
    [ $rc = 2 ] && [ ! -e "$t/stale.info" ] &&
      grep -q "2 counter map(s) matched no object under --objects $H: stale build?" "$t/stale.log" &&
      ok "llvm-$m stale objects: exit 2: $(grep -m1 error "$t/stale.log")" ||
      { bad "llvm-$m stale objects: exit $rc"; cat "$t/stale.log"; }
    "$bg" cov report "$D/xdp_parse.bpf.o" "$D/tc_classify.bpf.o" --snapshot "$t/stale.info.unmatched.snap" \
      -o "$t/stale2.info" 2>/dev/null || bad "llvm-$m cov report of the stale run's maps"
    check "llvm-$m stale run's saved counters exact" "$t/stale2.info" counts 1 xdp_parse.bpf.c tc_classify.bpf.c
  fi
  # 7d. CMD's exit code wins, whatever was collected.
  "$bg" cov run -o "$t/rc3.info" --objects "$D" -- sh -c 'exit 3' 2>"$t/rc3.log"
  rc=$?; [ $rc = 3 ] && [ ! -e "$t/rc3.info" ] && ok "llvm-$m CMD exits 3, loads nothing: cov run exits 3" ||
    { bad "llvm-$m sh -c 'exit 3': exit $rc, want 3"; cat "$t/rc3.log"; }
  "$bg" cov run -o "$t/rc4.info" --objects "$D" -- sh -c "'$exl' '$D' run:xdp_parse; exit 4" 2>"$t/rc4.log"
  rc=$?; [ $rc = 4 ] && ok "llvm-$m CMD exits 4 after a load: cov run exits 4" ||
    { bad "llvm-$m CMD exit 4: cov run exit $rc"; cat "$t/rc4.log"; }
  check "llvm-$m CMD exit 4: its coverage still written" "$t/rc4.info" counts 1 xdp_parse.bpf.c
  "$bg" cov run -o "$t/rc0.info" --objects "$D" -- true 2>"$t/rc0.log"
  rc=$?; [ $rc = 2 ] && [ ! -e "$t/rc0.info" ] && grep -q "'true' loaded no instrumented BPF object: no coverage collected" "$t/rc0.log" &&
    ok "llvm-$m CMD succeeds, no coverage: exit 2" || { bad "llvm-$m no coverage: exit $rc"; cat "$t/rc0.log"; }
  mkdir -p "$t/none"
  "$bg" cov run -o "$t/none.info" --objects "$t/none" -- "$exl" "$D" run:xdp_parse 2>"$t/none.log"
  rc=$?
  [ $rc = 2 ] && [ ! -e "$t/none.info" ] && grep -q "no instrumented object found under --objects $t/none; counters saved to '$t/none.info.unmatched.snap'" "$t/none.log" &&
    ok "llvm-$m no matching object: exit 2: $(grep -m1 error "$t/none.log")" ||
    { bad "llvm-$m no matching object: exit $rc"; cat "$t/none.log"; }
done
[ $nmaj -gt 0 ] || { echo "SKIP: no counts-mode examples for any of LLVM $majors (build bpf_examples)"; exit 77; }

# 6. Per-test attribution with snapshots (outside cov run: cov run would
# hold the first xdp map, so the second snapshot would see it too). Test a
# runs xdp_parse once; test b reloads it and runs it twice plus tc_classify.
# A snapshot holds every live map of these objects in the kernel, so one of
# another process (or the first xdp map not yet freed) is waited out.
m=${majors%%,*}; for x in ${majors//,/ }; do [ -f "$bpfdir/llvm-$x/counts/xdp_parse.bpf.o" ] && m=$x; done
D=$bpfdir/llvm-$m/counts; t=$tmp/snap; mkdir -p "$t"
objs=("$D/xdp_parse.bpf.o" "$D/tc_classify.bpf.o")
snap() { # snap FILE NMAPS
  for i in $(seq 100); do
    "$bg" cov snapshot -o "$1" "${objs[@]}" 2>"$t/snap.log" && grep -q "saved $2 counter map" "$t/snap.log" && return 0
    sleep 0.02
  done
  cat "$t/snap.log"; return 1
}
"$exl" "$D" run:xdp_parse "touch:$t/r1" "wait:$t/g1" unload:xdp_parse run:tc_classify run:xdp_parse \
  run:xdp_parse "touch:$t/r2" "wait:$t/g2" 2>"$t/loader.log" &
pid=$!
for i in $(seq 1000); do [ -e "$t/r1" ] && break; sleep 0.01; done
snap "$t/a.snap" 1 && ok "snapshot a: 1 counter map" || bad "snapshot a"
touch "$t/g1"
for i in $(seq 1000); do [ -e "$t/r2" ] && break; sleep 0.01; done
snap "$t/b.snap" 2 && ok "snapshot b: 2 counter maps" || bad "snapshot b"
touch "$t/g2"
wait $pid || bad "snapshot loader failed: $(cat "$t/loader.log")"
"$bg" cov report "${objs[@]}" --snapshot "$t/a.snap" --test-name test_a -o "$t/a.info" 2>/dev/null || bad "cov report a"
"$bg" cov report "${objs[@]}" --snapshot "$t/b.snap" --test-name test_b -o "$t/b.info" 2>/dev/null || bad "cov report b"
[ "$(grep -c '^TN:' "$t/a.info")" -ge 1 ] && [ "$(grep '^TN:' "$t/a.info" | sort -u)" = "TN:test_a" ] &&
  ok "report a: every TN is test_a" || bad "report a TN: $(grep '^TN:' "$t/a.info" | sort -u | tr '\n' ' ')"
[ "$(grep '^TN:' "$t/b.info" | sort -u)" = "TN:test_b" ] && ok "report b: every TN is test_b" ||
  bad "report b TN: $(grep '^TN:' "$t/b.info" | sort -u | tr '\n' ' ')"
grep -q '^SF:.*tc_classify' "$t/a.info" && bad "report a has tc_classify (not run in test a)" ||
  ok "report a: no tc_classify"
check "snapshot a: xdp_parse x1" "$t/a.info" counts 1 xdp_parse.bpf.c
check "snapshot b: xdp_parse x2" "$t/b.info" counts 2 xdp_parse.bpf.c
check "snapshot b: tc_classify x1" "$t/b.info" counts 1 tc_classify.bpf.c

# 7b. Without root privileges: one clear line, exit 2.
if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
  setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$bg" cov run -o /tmp/bgcovrun_noroot.info -- true \
    >"$tmp/noroot.out" 2>"$tmp/noroot.err"
  rc=$?
  lines=$(wc -l <"$tmp/noroot.err")
  [ $rc = 2 ] && [ "$lines" = 1 ] && ok "no root: exit 2, one line: $(cat "$tmp/noroot.err")" ||
    { bad "no root: exit $rc, $lines lines:"; cat "$tmp/noroot.err"; }
  rm -f /tmp/bgcovrun_noroot.info
else
  echo "note: setpriv cannot drop to uid 65534 here; no-root check skipped"
fi

# Overhead: wall time of loaders with and without cov run (median of 5).
med() { sort -n | sed -n 3p; }
D=$bpfdir/llvm-$m/counts
for i in 1 2 3 4 5; do
  a=$(ns); "$exl" "$D" fork:4 all >/dev/null 2>&1; b=$(ns); echo $(((b - a) / 1000))
done | med >"$tmp/plain.us"
for i in 1 2 3 4 5; do
  a=$(ns); "$bg" cov run -o "$tmp/ovh.info" --objects "$D" -- "$exl" "$D" fork:4 all >/dev/null 2>&1; b=$(ns)
  rm -f "$tmp/ovh.info"; echo $(((b - a) / 1000))
done | med >"$tmp/cov.us"
for i in 1 2 3 4 5; do
  a=$(ns); "$runner" --dir "$D" >/dev/null 2>&1; b=$(ns); echo $(((b - a) / 1000))
done | med >"$tmp/rplain.us"
for i in 1 2 3 4 5; do
  a=$(ns); "$bg" cov run -o "$tmp/ovh.info" --objects "$D" -- "$runner" --dir "$D" >/dev/null 2>&1; b=$(ns)
  rm -f "$tmp/ovh.info"; echo $(((b - a) / 1000))
done | med >"$tmp/rcov.us"
echo "overhead: bpfgauge-run-examples (8 objects): $(cat "$tmp/rplain.us") us plain, $(cat "$tmp/rcov.us") us under cov run"
echo "overhead: ex_loader fork:4 all (32 objects loaded): $(cat "$tmp/plain.us") us plain," \
  "$(cat "$tmp/cov.us") us under cov run (median of 5, incl. report writing)"

exit $fail
