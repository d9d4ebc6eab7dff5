#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Root e2e: loading an instrumented object prints nothing about bpfgauge's
# mapping, whoever loads it, and its coverage stays exact. For every built
# LLVM major, with libbpf's INFO and WARN messages shown as its default
# print callback shows them:
#   - plain libbpf (tests/e2e/loaders/ex_loader) on the counts, hits and
#     --section data examples under `cov run`;
#   - bpftool prog loadall (Debian's bpftool, its own libbpf logging);
#   - one object linked by `bpftool gen object` from two examples;
#   - the examples embedded in `bpftool gen skeleton` skeletons;
# no line says "skipping", and the lcov equals the annotated ground truth
# (annot.h, through loaders/lcov_annot). The control: the same examples
# built with the legacy layout (-bpfgauge-mapping=section) make libbpf say
# "skipping unrecognized data section(N) .bpfgauge.map" (so the capture
# works and the test can fail), and are still read exactly (old objects).
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (loads BPF programs)"; exit 77; }
bg=${BPFGAUGE:?run through ctest}
src=${BPFGAUGE_SRC:?}
build=${BPFGAUGE_BUILD:?}
bpfdir=${BPFGAUGE_BPF_DIR:?}
majors=${BPFGAUGE_LLVM_MAJORS:?}
passdir=${BPFGAUGE_PASS_DIR:?}
ann=$src/bpf/examples
cc=$(command -v cc || command -v gcc) || { echo "SKIP: no C compiler for the loaders"; exit 77; }
[ -f /usr/include/bpf/libbpf.h ] || { echo "SKIP: libbpf headers missing (libbpf-dev)"; exit 77; }
command -v bpftool >/dev/null || { echo "SKIP: bpftool not installed"; exit 77; }
[ -x "$build/tests/lcov_annot" ] || { echo "FAIL: $build/tests/lcov_annot not built"; exit 1; }
tmp=$(mktemp -d)
pin=/sys/fs/bpf/bpfgauge_noise_$$
cleanup() {
  rm -rf "$pin" "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

L=$src/tests/e2e/loaders
"$cc" -O2 -Wall -I"$src/bpf/runner" -o "$tmp/ex_loader" "$L/ex_loader.c" -lbpf -lelf -lz -lpthread ||
  { echo "FAIL: cannot build ex_loader"; exit 1; }
cp "$build/tests/lcov_annot" "$tmp/lcov_annot"

annot_bin=$tmp/lcov_annot
. "$src/tests/harness/cov_e2e.sh"

# quiet NAME LOG: no "skipping" line (about any section) in LOG
quiet() {
  if grep -q 'skipping' "$2"; then
    bad "$1: libbpf reports a section:"; grep 'skipping' "$2" | sort | uniq -c | head -n 5
  else
    ok "$1: no 'skipping' line ($(grep -c 'libbpf' "$2") libbpf lines in all)"
  fi
}


nmaj=0
for m in ${majors//,/ }; do
  D=$bpfdir/llvm-$m/counts H=$bpfdir/llvm-$m/hits S=$bpfdir/llvm-$m/data
  [ -f "$D/xdp_parse.bpf.o" ] || { echo "note: no counts-mode examples for LLVM $m"; continue; }
  nmaj=$((nmaj + 1))
  t=$tmp/$m; mkdir -p "$t/legacy"

  # 1. plain libbpf, INFO shown: counts, hits, --section data
  for dir in "$D:counts" "$H:hits" "$S:counts"; do
    d=${dir%:*} mode=${dir##*:} name=$(basename "${dir%:*}")
    [ -f "$d/xdp_parse.bpf.o" ] || continue
    covrun "$t/$name.info" "$t/$name.log" --objects "$d" -- "$tmp/ex_loader" "$d" info all ||
      { bad "llvm-$m $name: cov run failed"; tail -n 5 "$t/$name.log"; continue; }
    quiet "llvm-$m libbpf $name" "$t/$name.log"
    check "llvm-$m libbpf $name" "$t/$name.info" "$mode" 1
  done

  # the control: the legacy layout is reported by libbpf, and still read
  ok_legacy=1
  for s in "$ann"/*.bpf.c; do
    "clang-$m" -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$src/bpf/include" -I"$ann" \
      -idirafter /usr/include/x86_64-linux-gnu -fplugin="$passdir/libbpfgauge-pass-$m.so" \
      -fpass-plugin="$passdir/libbpfgauge-pass-$m.so" -mllvm -bpfgauge-mode=counts \
      -mllvm -bpfgauge-mapping=section -c "$s" -o "$t/legacy/$(basename "${s%.c}").o" || ok_legacy=0
  done
  if [ $ok_legacy = 1 ]; then
    covrun "$t/legacy.info" "$t/legacy.log" --objects "$t/legacy" -- "$tmp/ex_loader" "$t/legacy" info all ||
      bad "llvm-$m legacy: cov run failed"
    n=$(grep -c 'skipping unrecognized data section([0-9]*) \.bpfgauge\.map' "$t/legacy.log")
    [ "$n" -ge 8 ] && ok "llvm-$m legacy layout: libbpf reports .bpfgauge.map ($n lines): the capture works" ||
      { bad "llvm-$m legacy layout: $n 'skipping ... .bpfgauge.map' lines, want one per example"; tail -n 5 "$t/legacy.log"; }
    check "llvm-$m legacy layout still read" "$t/legacy.info" counts 1
  else
    bad "llvm-$m: cannot build the legacy-layout examples"
  fi

  # 2. bpftool prog loadall (its libbpf prints INFO and WARN on stderr)
  for o in "$D/xdp_parse.bpf.o:quiet" "$t/legacy/xdp_parse.bpf.o:legacy"; do
    rm -rf "$pin"
    bpftool prog loadall "${o%:*}" "$pin" 2>"$t/bpftool.err" >/dev/null ||
      { bad "llvm-$m bpftool loadall ${o##*:}"; cat "$t/bpftool.err"; }
    rm -rf "$pin"
    if [ "${o##*:}" = quiet ]; then
      quiet "llvm-$m bpftool prog loadall" "$t/bpftool.err"
    else
      grep -q 'skipping unrecognized data section([0-9]*) \.bpfgauge\.map' "$t/bpftool.err" &&
        ok "llvm-$m bpftool prog loadall, legacy layout: reported (control)" ||
        bad "llvm-$m bpftool prog loadall, legacy layout: no report, so the quiet check proves nothing"
    fi
  done

  # 3. bpftool gen object of two examples: one object, both exact, no noise
  if bpftool gen object "$t/linked.bpf.o" "$D/xdp_parse.bpf.o" "$D/sock_filter.bpf.o" 2>"$t/link.err"; then
    covrun "$t/linked.info" "$t/linked.log" --objects "$t/linked.bpf.o" -- \
      "$tmp/ex_loader" "$D" info "linked:$t/linked.bpf.o:xdp_parse,sock_filter" ||
      { bad "llvm-$m linked: cov run failed"; tail -n 5 "$t/linked.log"; }
    quiet "llvm-$m linked object" "$t/linked.log"
    check "llvm-$m linked object" "$t/linked.info" counts 1 xdp_parse.bpf.c sock_filter.bpf.c
  else
    bad "llvm-$m bpftool gen object"; cat "$t/link.err"
  fi

  # 4. skeletons: the object embedded in the loader
  mkdir -p "$t/skel"
  for o in "$D"/*.bpf.o; do
    n=$(basename "$o" .bpf.o)
    bpftool gen skeleton "$o" name "ex_$n" >"$t/skel/ex_$n.skel.h" 2>>"$t/skel.gen.log" ||
      bad "llvm-$m: bpftool gen skeleton $n"
  done
  quiet "llvm-$m bpftool gen skeleton" "$t/skel.gen.log"
  if "$cc" -O2 -Wall -I"$src/bpf/runner" -I"$t/skel" -o "$t/skel_loader" "$L/skel_loader.c" -lbpf -lelf -lz; then
    covrun "$t/skel.info" "$t/skel.log" --objects "$D" -- "$t/skel_loader" 1 info ||
      { bad "llvm-$m skeleton loader failed"; tail -n 5 "$t/skel.log"; }
    quiet "llvm-$m skeletons" "$t/skel.log"
    check "llvm-$m skeletons" "$t/skel.info" counts 1
  else
    bad "llvm-$m: cannot build skel_loader"
  fi
done
[ $nmaj -gt 0 ] || { echo "FAIL: no examples built"; exit 1; }
exit $fail
