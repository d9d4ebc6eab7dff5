#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Install and packaging, as a user meets them: `cmake --install` into a
# temporary prefix that is then moved (the tree must be relocatable: the
# binary finds ../lib/bpfgauge/libbpfgauge-pass-N.so from its own path, with
# BPFGAUGE_PASS_DIR unset); a user project (tests/e2e/install_project) built
# three ways against it: the CMake package (bpfgauge_add_bpf_object with
# COVERAGE and SKELETON, shared and static libbpfgauge), the pkg-config file,
# and the Makefile include; each loader defines its own jw_new and links.
# Then its coverage under the installed `bpfgauge cov run`, and in process
# through libbpfgauge, equals the counts marked in prog.bpf.c for the
# loader's packets. Also: man pages render, bash completion completes, the
# exported symbols are exactly the public headers' functions, and the Debian
# package (cpack) has the files, the dependencies and a working binary.
set -u
# Without root everything but the coverage runs is checked, then it skips.
root=1; [ "$(id -u)" = 0 ] || root=0
build=${BPFGAUGE_BUILD:?run through ctest}
src=${BPFGAUGE_SRC:?}
for t in cc bpftool pkg-config make cmake; do
  command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
[ -f /usr/include/bpf/libbpf.h ] || { echo "SKIP: libbpf headers missing (libbpf-dev)"; exit 77; }
unset BPFGAUGE_PASS_DIR
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

cmake --install "$build" --prefix "$tmp/first" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; echo "FAIL: cmake --install"; exit 1; }
mv "$tmp/first" "$tmp/prefix"
P=$tmp/prefix
bg=$P/bin/bpfgauge
for f in bin/bpfgauge lib/libbpfgauge.so.0 lib/libbpfgauge.a include/bpfgauge/cov.h include/bpfgauge/bpf/bpfgauge.h \
         lib/pkgconfig/bpfgauge.pc lib/cmake/bpfgauge/bpfgaugeConfig.cmake lib/cmake/bpfgauge/bpfgaugeBPF.cmake \
         share/bpfgauge/bpfgauge.mk share/man/man8/bpfgauge.8 share/man/man8/bpfgauge-cov.8 \
         share/bash-completion/completions/bpfgauge; do
  [ -e "$P/$f" ] || bad "installed tree lacks $f"
done
majors=$(cd "$P/lib/bpfgauge" && ls libbpfgauge-pass-*.so 2>/dev/null | sed 's/libbpfgauge-pass-\(.*\)\.so/\1/' | sort -n | paste -sd,)
[ -n "$majors" ] || { echo "FAIL: no pass plugin installed in lib/bpfgauge"; exit 1; }
m=${majors##*,}
out=$("$bg" version)
grep -qx "pass plugins found for LLVM $majors" <<<"$out" && ok "moved prefix: the binary finds its plugins ($majors)" ||
  bad "moved prefix: version says: $out"
command -v "clang-$m" >/dev/null || { echo "SKIP: clang-$m (the newest installed plugin's) not installed"; exit 77; }

# the exported symbols: exactly the functions of the public headers
nm -D --defined-only "$P/lib/libbpfgauge.so.0" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort >"$tmp/exported"
cat "$src"/runtime/include/bpfgauge/*.h "$src"/fmt/include/bpfgauge/*.h | grep -E '^[A-Za-z_][^(#]*[ *][a-z_][a-z0-9_]*\(' | grep -vE '^(static|typedef)' |
  sed -E 's/^[^(]*[ *]([a-z_][a-z0-9_]*)\(.*/\1/' | sort -u >"$tmp/declared"
if cmp -s "$tmp/exported" "$tmp/declared"; then
  ok "libbpfgauge.so exports exactly the $(wc -l <"$tmp/declared") public functions"
else
  bad "exports differ from the public headers:"; diff "$tmp/declared" "$tmp/exported" | head
fi
nm -g --defined-only "$P/lib/libbpfgauge.a" | grep -qw 'jw_new\|markup_escape' && bad "libbpfgauge.a has global jw_new/markup_escape" ||
  ok "libbpfgauge.a: jw_new and markup_escape are local"

proj=$src/tests/e2e/install_project
want() { # want LCOV WHAT: DA of every "cov: N" line of prog.bpf.c, FNDA of xdp_len
  local info=$1 what=$2 l n errs=0
  while IFS=: read -r l rest; do
    n=$(sed -E 's/.*cov: ([0-9]+).*/\1/' <<<"$rest")
    grep -qx "DA:$l,$n" "$info" || { bad "$what: line $l: want DA:$l,$n, got $(grep "^DA:$l," "$info")"; errs=1; }
  done < <(grep -n 'cov: [0-9]' "$proj/prog.bpf.c")
  grep -qx "FNDA:5,xdp_len" "$info" || { bad "$what: want FNDA:5,xdp_len"; errs=1; }
  grep -q ",not_measured$" "$info" && { bad "$what: BPFGAUGE_NOCOV function has coverage records"; errs=1; }
  [ $errs = 0 ] && ok "$what: exact line counts (5/2/3) and FNDA 5, NOCOV function left out"
}
# covrun NAME DIR LOADER: the loader under the installed cov run; both reports exact
covrun() {
  local name=$1 dir=$2 loader=$3
  [ $root = 1 ] || { echo "note: $name: coverage run skipped (needs root)"; return; }
  (cd "$dir" && "$bg" cov run -o "$dir/cov.info" --objects "$dir" -- "$loader" "$dir/inproc.info") >"$dir/run.log" 2>&1
  local rc=$?
  [ $rc = 0 ] && ok "$name: cov run exit 0" || { bad "$name: cov run exit $rc"; cat "$dir/run.log"; return; }
  grep -q "own jw_new 42" "$dir/run.log" && ok "$name: the loader's own jw_new is the one called" || bad "$name: loader output: $(cat "$dir/run.log")"
  want "$dir/cov.info" "$name cov run"
  want "$dir/inproc.info" "$name in-process libbpfgauge"
}

# 1. the CMake package
c=$tmp/cmake
if cmake -S "$proj" -B "$c" -DCMAKE_PREFIX_PATH="$P" >"$tmp/cmake.log" 2>&1 && cmake --build "$c" >>"$tmp/cmake.log" 2>&1; then
  ok "CMake package: find_package + bpfgauge_add_bpf_object(COVERAGE SKELETON) built"
  # the two-source object: both programs, both mapping records (hits mode)
  # (the records are in chunk symbols, cov_abi.h: count chunk 0 of each)
  syms=$(readelf -sW "$c/multi.bpf.o" | grep -o '__bpfgauge_map\.[^ ]*')
  nrec=$(grep -c '^__bpfgauge_map\.[0-9a-f]\{16\}\.0\.' <<<"$syms")
  modes=$(grep -o '|mode+[a-z]*|' <<<"$syms" | sed 's/|mode+\([a-z]*\)|/mode \1/' | sort -u | paste -sd' ')
  progs=$(bpftool gen skeleton "$c/multi.bpf.o" name multi 2>/dev/null | grep -c 'struct bpf_program \*xdp_[ab];')
  [ "$nrec" = 2 ] && [ "$modes" = "mode hits" ] && [ "$progs" = 2 ] &&
    ok "bpfgauge_add_bpf_object(SOURCES a b MODE hits): linked, 2 programs, 2 mapping records" ||
    bad "multi-source object: $nrec records, '$modes', $progs programs"
  # SECTION data: one .data holding both sources' counter variables, no .data.bpfgauge
  nvar=$(bpftool btf dump file "$c/multi_data.bpf.o" 2>/dev/null | grep -A3 "DATASEC '.data'" | grep -c "VAR '__bpfgauge_cnt_")
  nown=$(readelf -SW "$c/multi_data.bpf.o" | grep -c '\.data\.bpfgauge')
  [ "$nvar" = 2 ] && [ "$nown" = 0 ] && ok "bpfgauge_add_bpf_object(SECTION data): counters of both sources in .data" ||
    bad "SECTION data object: $nvar counter variables in .data, $nown .data.bpfgauge sections"
  covrun "cmake (shared)" "$c" "$c/loader"
  mkdir -p "$c/s" && cp "$c/prog.bpf.o" "$c/s/" && covrun "cmake (static)" "$c/s" "$c/loader_static"
  ldd "$c/loader" | grep -q "$P/lib/libbpfgauge.so.0 " && ok "cmake loader runs the installed libbpfgauge.so" ||
    bad "cmake loader libs: $(ldd "$c/loader" | grep bpfgauge)"
else
  bad "CMake package build"; tail -n 30 "$tmp/cmake.log"
fi

# 2. the pkg-config file
k=$tmp/pkgconfig; mkdir -p "$k"
export PKG_CONFIG_PATH=$P/lib/pkgconfig
bpfinc=$(pkg-config --variable=bpfincludedir bpfgauge)
pbg=$(pkg-config --variable=bpfgauge bpfgauge)
if "$pbg" cc --mode counts -- "clang-$m" -g -O2 -target bpf -D__TARGET_ARCH_x86 -idirafter /usr/include/x86_64-linux-gnu \
     -I"$bpfinc" -c "$proj/prog.bpf.c" -o "$k/prog.bpf.o" 2>"$tmp/pc.log" &&
   bpftool gen skeleton "$k/prog.bpf.o" name prog >"$k/prog.skel.h" 2>>"$tmp/pc.log" &&
   cc -O2 -I"$k" "$proj/loader.c" $(pkg-config --cflags --libs bpfgauge libbpf) \
     -Wl,-rpath,"$(pkg-config --variable=libdir bpfgauge)" -o "$k/loader" 2>>"$tmp/pc.log" &&
   cc -O2 -I"$k" "$proj/loader.c" -o "$k/loader_static" -Wl,-Bstatic $(pkg-config --cflags --libs --static bpfgauge | sed 's/-lbpfgauge/-lbpfgauge -Wl,-Bdynamic/') 2>>"$tmp/pc.log"; then
  ok "pkg-config: bpfgauge cc (from --variable=bpfgauge), cflags, libs and --static libs"
  covrun "pkg-config (shared)" "$k" "$k/loader"
  mkdir -p "$k/s" && cp "$k/prog.bpf.o" "$k/s/" && covrun "pkg-config (static)" "$k/s" "$k/loader_static"
else
  bad "pkg-config build"; cat "$tmp/pc.log"
fi
unset PKG_CONFIG_PATH

# 3. the Makefile include (libbpf-bootstrap style)
k=$tmp/make; mkdir -p "$k"
if make -C "$proj" -s BPFGAUGE_MK="$P/share/bpfgauge/bpfgauge.mk" COVERAGE=1 SRC="$proj" OUT="$k" "$k/loader" >"$tmp/make.log" 2>&1; then
  ok "Makefile include: make COVERAGE=1"
  covrun "make" "$k" "$k/loader"
else
  bad "Makefile build"; cat "$tmp/make.log"
fi
k=$tmp/make-plain; mkdir -p "$k"
make -C "$proj" -s BPFGAUGE_MK="$P/share/bpfgauge/bpfgauge.mk" SRC="$proj" OUT="$k" "$k/prog.bpf.o" >"$tmp/make2.log" 2>&1 &&
  ! "$bg" cov report "$k/prog.bpf.o" >/dev/null 2>&1 && ok "Makefile include without COVERAGE=1: a plain object" ||
  bad "plain make: $(cat "$tmp/make2.log")"

# man pages render without warnings; the completion completes
for p in "$P"/share/man/man8/*.8; do
  w=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$p" 2>&1)
  [ -z "$w" ] || bad "$(basename "$p"): groff: $w"
done
n=$(ls "$P"/share/man/man8/*.8 | wc -l)
[ "$n" -ge 8 ] && ok "$n man pages (bpfgauge(8) + one per object) render cleanly" || bad "only $n man pages"
for o in cov verifier cc matrix history kernels dashboard; do
  [ -e "$P/share/man/man8/bpfgauge-$o.8" ] || bad "no bpfgauge-$o(8)"
done
# each object's commands are in both its help and its page (bpftool keeps the
# two in sync the same way)
for oc in "cov:run report snapshot reset merge summary" "verifier:stats parse compare gate hotspots" \
          "history:list show diff trend export import" "kernels:fetch list" "matrix:capture"; do
  o=${oc%%:*}
  for c in ${oc#*:}; do
    grep -q "$c" <(sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p' "$P/share/man/man8/bpfgauge-$o.8") ||
      bad "bpfgauge-$o(8) synopsis lacks '$c'"
    "$bg" $o help 2>&1 | grep -qw "$c" || bad "'bpfgauge $o help' lacks '$c'"
  done
done
for o in $("$bg" help | sed -n 's/^OBJECT := { \(.*\)/\1/p; s/^ *\([a-z| ]*\) }$/\1/p' | tr '|' ' '); do
  case $o in version|help) continue ;; esac
  [ -e "$P/share/man/man8/bpfgauge-$o.8" ] || bad "'bpfgauge help' lists $o, but there is no bpfgauge-$o(8)"
  grep -qF "bpfgauge\\-$o(8)" <(sed 's/\\f[BIR]//g' "$P/share/man/man8/bpfgauge.8") || bad "bpfgauge(8) does not point at bpfgauge-$o(8)"
done
got=$(bash -c '. "$1"; COMP_WORDS=(bpfgauge cov r); COMP_CWORD=2; _bpfgauge; echo "${COMPREPLY[*]}"' _ "$P/share/bash-completion/completions/bpfgauge")
[ "$got" = "run report reset" ] && ok "bash completion: 'bpfgauge cov r' -> $got" || bad "completion: '$got'"
got=$(bash -c '. "$1"; COMP_WORDS=(bpfgauge -j cov merge --format c); COMP_CWORD=5; _bpfgauge; echo "${COMPREPLY[*]}"' _ "$P/share/bash-completion/completions/bpfgauge")
[ "$got" = "cobertura" ] && ok "bash completion: --format c -> $got" || bad "completion --format: '$got'"

# the Debian package
if command -v cpack >/dev/null && command -v dpkg-deb >/dev/null; then
  if (cd "$tmp" && cpack -G DEB -B "$tmp/deb" --config "$build/CPackConfig.cmake") >"$tmp/cpack.log" 2>&1; then
    deb=$(ls "$tmp"/deb/bpfgauge_*.deb 2>/dev/null | head -n1)
    if [ -n "$deb" ]; then
      dep=$(dpkg-deb -f "$deb" Depends)
      grep -q "libbpf1" <<<"$dep" && grep -q "libsqlite3-0" <<<"$dep" && ok "deb $(basename "$deb"): Depends: $dep" || bad "deb Depends: $dep"
      dpkg-deb -c "$deb" | awk '{ print $6 }' >"$tmp/deb.files"
      for f in ./usr/bin/bpfgauge "./usr/lib/bpfgauge/libbpfgauge-pass-$m.so" ./usr/lib/pkgconfig/bpfgauge.pc \
               ./usr/lib/cmake/bpfgauge/bpfgaugeConfig.cmake ./usr/share/man/man8/bpfgauge.8 ./usr/share/bpfgauge/bpfgauge.mk \
               ./usr/share/bash-completion/completions/bpfgauge ./usr/include/bpfgauge/bpf/bpfgauge.h ./usr/lib/libbpfgauge.so.0; do
        grep -qx "$f" "$tmp/deb.files" || bad "deb lacks $f"
      done
      dpkg-deb -x "$deb" "$tmp/root" && out=$("$tmp/root/usr/bin/bpfgauge" version) &&
        grep -q "pass plugins found for LLVM .*$m" <<<"$out" && ok "deb unpacked: its bpfgauge finds its plugins" ||
        bad "deb binary: $out"
    else
      bad "cpack wrote no .deb"; cat "$tmp/cpack.log"
    fi
  else
    bad "cpack -G DEB"; tail -n 20 "$tmp/cpack.log"
  fi
else
  echo "note: cpack or dpkg-deb missing: Debian package not checked"
fi
[ $fail = 0 ] && [ $root = 0 ] && { echo "SKIP: the rest passed; the coverage runs need root (they load BPF programs)"; exit 77; }
exit $fail
