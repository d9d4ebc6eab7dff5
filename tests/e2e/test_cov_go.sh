#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Root end-to-end proof that instrumented objects load with the Go library
# most projects use, in the old version Debian 12 ships (cilium/ebpf 0.9.1,
# which accepts .data, .bss and .rodata* but no other .data.* section), when
# built with `bpfgauge cc --section data`, and that `bpfgauge cov run` finds
# their counters in the shared .data map through its BTF: a ~40-line Go
# loader (loaders/go/xdpload, GOPATH mode) runs xdp_parse on the example's
# six fixed packets (bpf/runner/examples.c) and the lcov equals the
# annotations of xdp_parse.bpf.c exactly (loaders/lcov_annot), in counts and
# in hits mode, also with a global of the program's own in the same .data
# ahead of the counters, and for two objects linked into one (two counter
# variables in one .data). Controls: the plain object loads with the same
# loader; the default-section object is refused by 0.9.1 (the reason for the
# option); libbpf 1.1 (ex_loader) loads the --section data objects too and
# gives the same exact counts. Skips only when not root; a missing Go
# toolchain or cilium/ebpf source fails (scripts/setup.sh installs them).
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (loads BPF programs)"; exit 77; }
bg=${BPFGAUGE:?run through ctest}
src=${BPFGAUGE_SRC:?}
build=${BPFGAUGE_BUILD:?}
bpfdir=${BPFGAUGE_BPF_DIR:?}
majors=${BPFGAUGE_LLVM_MAJORS:?}
ann=$src/bpf/examples
L=$src/tests/e2e/loaders
gopath=/usr/share/gocode
command -v go >/dev/null || { echo "FAIL: no Go toolchain (scripts/setup.sh installs golang-go)"; exit 1; }
[ -f $gopath/src/github.com/cilium/ebpf/elf_reader.go ] ||
  { echo "FAIL: no cilium/ebpf under $gopath (scripts/setup.sh installs golang-github-cilium-ebpf-dev)"; exit 1; }
cc=$(command -v cc || command -v gcc) || { echo "FAIL: no C compiler for ex_loader"; exit 1; }
[ -x "$build/tests/lcov_annot" ] || { echo "FAIL: $build/tests/lcov_annot not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

. "$src/tests/harness/cov_e2e.sh" # check (here: xdp_parse.bpf.c alone)

# The loader, as a Go project of 2023 on Debian 12 builds it (GOPATH mode,
# Debian's packaged cilium/ebpf); the build cache stays in $tmp.
if (cd "$L/go/xdpload" && GO111MODULE=off GOPATH=$gopath GOFLAGS= GOCACHE=$tmp/gocache \
    go build -o "$tmp/xdpload" .) 2>"$tmp/gobuild.log"; then
  ok "xdpload built with $(go version | cut -d' ' -f3) against cilium/ebpf $(dpkg-query -W \
     -f='${Version}' golang-github-cilium-ebpf-dev 2>/dev/null)"
else
  echo "FAIL: cannot build the Go loader:"; cat "$tmp/gobuild.log"; exit 1
fi
"$cc" -O2 -Wall -I"$src/bpf/runner" -o "$tmp/ex_loader" "$L/ex_loader.c" -lbpf -lelf -lz -lpthread ||
  { echo "FAIL: cannot build ex_loader"; exit 1; }
mkdir -p "$tmp/pkts"
"$tmp/ex_loader" "$bpfdir" "dumpxdp:$tmp/pkts" || { echo "FAIL: cannot write the xdp packets"; exit 1; }
# xdp_parse.bpf.c's header: P1-P4 pass (XDP_PASS 2), P5 and P6 drop (XDP_DROP 1)
verdicts=2,2,2,2,1,1
go_run() { "$tmp/xdpload" "$1" xdp_parse "$tmp/pkts" "$verdicts"; }

# A global of the program's own, initialised, so it shares .data with the counters.
printf 'unsigned long long bpfgauge_e2e_own[3] = { 0x1111, 0x2222, 0x3333 };\n' >"$tmp/own.h"

nmaj=0
for m in ${majors//,/ }; do
  P=$bpfdir/llvm-$m/plain
  D=$bpfdir/llvm-$m/data
  [ -f "$D/xdp_parse.bpf.o" ] || { echo "note: no .data-section examples for LLVM $m"; continue; }
  command -v "clang-$m" >/dev/null || { echo "note: clang-$m not on PATH"; continue; }
  nmaj=$((nmaj + 1))
  t=$tmp/$m; mkdir -p "$t"

  # Controls: plain loads; the default layout (.data.bpfgauge) is refused by 0.9.1.
  go_run "$P/xdp_parse.bpf.o" 2>"$t/plain.err" && ok "llvm-$m plain object: loads and runs with cilium/ebpf" ||
    { bad "llvm-$m plain object"; cat "$t/plain.err"; }
  if go_run "$bpfdir/llvm-$m/counts/xdp_parse.bpf.o" 2>"$t/own.err"; then
    echo "note: llvm-$m: this cilium/ebpf loads .data.bpfgauge (>= 0.17?): --section data not needed"
  elif grep -q 'SHN_UNDEF.*not supported' "$t/own.err"; then
    ok "llvm-$m default .data.bpfgauge refused as reported: $(sed 's/.*load relocations: //' "$t/own.err")"
  else
    bad "llvm-$m default object failed otherwise:"; cat "$t/own.err"
  fi

  # The objects: counts (built by CMake), hits and counts with a global of their own (bpfgauge cc).
  for mode in hits counts; do
    mkdir -p "$t/own-$mode"
    "$bg" cc --mode $mode --section data -- "clang-$m" -g -O2 -target bpf -D__TARGET_ARCH_x86 \
      -I"$src/bpf/include" -I"$ann" -idirafter /usr/include/x86_64-linux-gnu -include "$tmp/own.h" \
      -c "$ann/xdp_parse.bpf.c" -o "$t/own-$mode/xdp_parse.bpf.o" 2>"$t/cc.err" ||
      { bad "llvm-$m bpfgauge cc --mode $mode --section data"; cat "$t/cc.err"; continue; }
    secs=$(llvm-readelf-"$m" -S "$t/own-$mode/xdp_parse.bpf.o" 2>/dev/null | grep -c '\.data\.bpfgauge')
    btf=$(bpftool btf dump file "$t/own-$mode/xdp_parse.bpf.o" | grep -A3 "DATASEC '.data'")
    if [ "$secs" = 0 ] && echo "$btf" | grep -q "VAR 'bpfgauge_e2e_own'" &&
       echo "$btf" | grep -q "VAR '__bpfgauge_cnt_"; then
      ok "llvm-$m cc --section data ($mode): no .data.bpfgauge; DATASEC .data holds the program's global and the counters"
    else
      bad "llvm-$m cc --section data ($mode): sections/BTF unexpected:"; echo "$btf"
    fi
  done

  # Under cov run: Go loader, CMake-built counts object, twice in one command (two maps).
  "$bg" cov run -o "$t/go.info" --objects "$D" -- sh -c \
    "'$tmp/xdpload' '$D/xdp_parse.bpf.o' xdp_parse '$tmp/pkts' $verdicts &&
     '$tmp/xdpload' '$D/xdp_parse.bpf.o' xdp_parse '$tmp/pkts' $verdicts" 2>"$t/go.log"
  rc=$?
  [ $rc = 0 ] && ok "llvm-$m cov run -- Go loader x2: exit 0" || { bad "llvm-$m cov run Go: exit $rc"; cat "$t/go.log"; }
  grep -q '2 counter map(s)' "$t/go.log" && ok "llvm-$m: 2 counter maps (the shared .data of each load)" ||
    bad "llvm-$m: $(grep 'counter map' "$t/go.log")"
  check "llvm-$m Go loader x2 counts" "$t/go.info" counts 2 xdp_parse.bpf.c

  # Counts and hits with the program's own global ahead of the counters.
  for mode in counts hits; do
    O=$t/own-$mode
    [ -f "$O/xdp_parse.bpf.o" ] || continue
    "$bg" cov run -o "$t/own-$mode.info" --objects "$O" -- "$tmp/xdpload" "$O/xdp_parse.bpf.o" \
      xdp_parse "$tmp/pkts" "$verdicts" 2>"$t/own-$mode.log" || { bad "llvm-$m cov run Go ($mode, own global)"; cat "$t/own-$mode.log"; }
    check "llvm-$m Go loader, own global in .data, $mode" "$t/own-$mode.info" $mode 1 xdp_parse.bpf.c
    # libbpf 1.1 loads the same object ("<obj>.data" map) and gives the same counts.
    "$bg" cov run -o "$t/libbpf-$mode.info" --objects "$O" -- "$tmp/ex_loader" "$O" run:xdp_parse \
      2>"$t/libbpf-$mode.log" || { bad "llvm-$m cov run libbpf ($mode)"; cat "$t/libbpf-$mode.log"; }
    check "llvm-$m libbpf loader, own global in .data, $mode" "$t/libbpf-$mode.info" $mode 1 xdp_parse.bpf.c
  done

  # Two --section data objects linked into one (bpftool gen object): one .data,
  # two counter variables. xdp_b runs on the six packets (no ctx: rx queue 0,
  # so XDP_PASS); xdp_a never runs. Lines from the sources' return statements.
  I=$src/tests/e2e/install_project; K=$t/linked; mkdir -p "$K"
  for s in a b; do
    "$bg" cc --mode counts --section data -- "clang-$m" -g -O2 -target bpf -idirafter /usr/include/x86_64-linux-gnu \
      -c "$I/multi_$s.bpf.c" -o "$t/multi_$s.o" 2>>"$t/cc.err" || bad "llvm-$m cc multi_$s.bpf.c"
  done
  if bpftool gen object "$K/multi.bpf.o" "$t/multi_a.o" "$t/multi_b.o" 2>"$t/link.err"; then
    nvar=$(bpftool btf dump file "$K/multi.bpf.o" | grep -A3 "DATASEC '.data'" | grep -c "VAR '__bpfgauge_cnt_")
    [ "$nvar" = 2 ] && ok "llvm-$m linked object: one .data DATASEC with 2 counter variables" ||
      bad "llvm-$m linked object: $nvar counter variables in .data"
    "$bg" cov run -o "$t/linked.info" --objects "$K" -- "$tmp/xdpload" "$K/multi.bpf.o" xdp_b "$tmp/pkts" \
      2,2,2,2,2,2 2>"$t/linked.log" || { bad "llvm-$m cov run Go (linked)"; cat "$t/linked.log"; }
    la=$(grep -n 'return' "$I/multi_a.bpf.c" | cut -d: -f1); lb=$(grep -n 'return' "$I/multi_b.bpf.c" | cut -d: -f1)
    got=$(awk -v la="$la" -v lb="$lb" '/^SF:/ { f = $0 } /^DA:/ || /^FNDA:/ { print (f ~ /multi_a/ ? "a" : "b") " " $0 }' \
      "$t/linked.info" | grep -E "^a DA:$la,|^b DA:$lb,|FNDA" | sort | paste -sd' ')
    [ "$got" = "a DA:$la,0 a FNDA:0,xdp_a b DA:$lb,6 b FNDA:6,xdp_b" ] &&
      ok "llvm-$m linked object: xdp_b's return 6, xdp_a's 0 (both segments of the shared .data)" ||
      bad "llvm-$m linked object: got '$got'"
  else
    bad "llvm-$m bpftool gen object"; cat "$t/link.err"
  fi
done
[ $nmaj -gt 0 ] || { echo "FAIL: no .data-section example objects for any of LLVM $majors under $bpfdir"; exit 1; }
exit $fail
