# SPDX-License-Identifier: BSD-2-Clause
# Sourced by scripts/bench.sh: prepares the benchmark corpora in the cache
# (never in the tree): the kernel BPF selftests from Debian's linux-source-6.1,
# compiled plain and in each instrumented variant (BENCH_VARIANTS) with one
# clang, plus veristat built
# from the same package. Everything is keyed so that a rerun reuses it.
#   BENCH_CACHE     cache dir (default ~/.cache/bpfgauge/bench)
#   BENCH_CLANG     clang major for the corpus (default: newest built pass)
#   BENCH_FULL=1    all 497 selftests instead of the default subset
#   BENCH_JOBS      parallel compiles (default 2)

bench_log() { printf 'bench: %s\n' "$*" >&2; }

# Extract the parts of linux-source-6.1 we use into $BENCH_CACHE/linux-source-6.1.
bench_linux_source() {
	local c=$BENCH_CACHE src=$BENCH_CACHE/linux-source-6.1
	[ -f "$src/.extracted" ] && return 0
	mkdir -p "$c"
	local deb
	deb=$(ls "$c"/linux-source-6.1_*_all.deb 2>/dev/null | tail -1)
	if [ -z "$deb" ]; then
		bench_log "downloading linux-source-6.1 (apt-get download, ~140 MB)"
		(cd "$c" && apt-get download linux-source-6.1 2>/dev/null) || return 1
		deb=$(ls "$c"/linux-source-6.1_*_all.deb | tail -1)
	fi
	bench_log "extracting selftests, tools/include and libbpf headers from $(basename "$deb")"
	(cd "$c" && dpkg-deb --fsys-tarfile "$deb" | tar x ./usr/src/linux-source-6.1.tar.xz &&
		tar xJf usr/src/linux-source-6.1.tar.xz linux-source-6.1/tools/testing/selftests/bpf \
			linux-source-6.1/tools/include linux-source-6.1/tools/lib/bpf &&
		rm -rf usr) || return 1
	touch "$src/.extracted"
}

# vmlinux.h of the host kernel (the corpus runs on the host; DESIGN.md: 488 of
# 497 selftests compile against 6.18's BTF).
bench_vmlinux_h() {
	local d=$BENCH_CACHE/vmlinux-$(uname -r)
	if [ ! -s "$d/vmlinux.h" ]; then
		mkdir -p "$d"
		bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$d/vmlinux.h.tmp" &&
			mv "$d/vmlinux.h.tmp" "$d/vmlinux.h" || return 1
	fi
	echo "$d"
}

# The selftests list: every progs/*.c in full mode, else the veristat.cfg set
# plus every 4th other file (sorted), a deterministic sample.
bench_selftests_list() {
	local sdir=$1 cfg=$1/veristat.cfg
	local f b i=0
	for f in "$sdir"/progs/*.c; do
		b=$(basename "$f" .c)
		if [ "${BENCH_FULL:-0}" = 1 ]; then
			echo "$f"
			continue
		fi
		if bench_in_cfg "$b.o" "$cfg"; then
			echo "$f"
		elif [ $((i++ % 4)) = 0 ]; then
			echo "$f"
		fi
	done
}

# Does object name $1 match a glob of veristat.cfg $2?
bench_in_cfg() {
	local g
	while read -r g; do
		case "$g" in '#'* | '') continue ;; esac
		# shellcheck disable=SC2053
		[[ $1 == $g || $1 == $g.o ]] && return 0
	done <"$2"
	return 1
}

# The instrumented variants: the default placement (source-exact, early),
# naive early (a probe in every block) and the old late placement (on the
# optimised CFG), each in both modes.
BENCH_VARIANTS="hits counts naive-hits naive-counts late-hits late-counts"

# The compiler command line (without flags) of variant $1, one word a line.
bench_variant_cc() {
	local v=$1
	case $v in
	plain) echo "clang-$BENCH_CLANG" ;;
	hits | counts) printf '%s\n' "$BPFGAUGE" cc --mode "$v" -- "clang-$BENCH_CLANG" ;;
	naive-*) printf '%s\n' "$BPFGAUGE" cc --mode "${v#naive-}" -- "clang-$BENCH_CLANG" \
		-mllvm -bpfgauge-placement=naive ;;
	late-*) printf '%s\n' "$BPFGAUGE" cc --mode "${v#late-}" -- "clang-$BENCH_CLANG" \
		-mllvm -bpfgauge-stage=late ;;
	*) return 1 ;;
	esac
}

# Compile one selftest in one variant; called through xargs.
#   $1 variant (plain or one of BENCH_VARIANTS)  $2 source  $3 out dir
bench_compile_one() {
	local v=$1 src=$2 out=$3/$(basename "$2" .c).o
	[ -s "$out" ] && return 0
	local sdir
	sdir=$(dirname "$(dirname "$src")")
	local flags=(-g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$BENCH_VMLINUX_DIR" -I"$sdir/progs"
		-I"$sdir" -I"$BENCH_CACHE/linux-source-6.1/tools/include/uapi"
		-idirafter "$BENCH_RESOURCE_DIR/include" -idirafter /usr/include/x86_64-linux-gnu
		-idirafter /usr/include -Wno-everything -c "$src" -o "$out.tmp")
	local cc
	mapfile -t cc < <(bench_variant_cc "$v")
	if "${cc[@]}" "${flags[@]}" 2>"$out.err"; then
		mv "$out.tmp" "$out" && rm -f "$out.err"
	else
		rm -f "$out.tmp"
		: >"$out.failed"
	fi
	return 0
}

# Compile the selftests list in every variant into
# $BENCH_CACHE/obj/clang-N-<passhash>/<variant>/. Prints that dir.
bench_compile_selftests() {
	local sdir=$BENCH_CACHE/linux-source-6.1/tools/testing/selftests/bpf
	local pass=$BPFGAUGE_PASS_DIR/libbpfgauge-pass-$BENCH_CLANG.so
	local key
	key=$( (cat "$pass" "$BENCH_VMLINUX_DIR/vmlinux.h"; clang-"$BENCH_CLANG" --version) | md5sum | cut -c1-10)
	local root=$BENCH_CACHE/obj/clang-$BENCH_CLANG-$key
	local v
	for v in plain $BENCH_VARIANTS; do mkdir -p "$root/$v"; done
	bench_selftests_list "$sdir" >"$root/list"
	BENCH_RESOURCE_DIR=$(clang-"$BENCH_CLANG" -print-resource-dir)
	export BENCH_RESOURCE_DIR BENCH_VMLINUX_DIR BENCH_CACHE BENCH_CLANG BPFGAUGE BPFGAUGE_PASS_DIR
	export -f bench_compile_one bench_variant_cc
	for v in plain $BENCH_VARIANTS; do
		bench_log "compiling $(wc -l <"$root/list") selftests ($v, clang-$BENCH_CLANG, -j${BENCH_JOBS:-2})"
		xargs -P "${BENCH_JOBS:-2}" -I{} bash -c 'bench_compile_one "$0" "$1" "$2"' "$v" {} "$root/$v" <"$root/list"
	done
	echo "$root"
}

# veristat from the same package; prints its path.
bench_veristat() {
	local out=$BENCH_CACHE/veristat src=$BENCH_CACHE/linux-source-6.1
	if [ ! -x "$out" ]; then
		bench_log "building veristat from linux-source-6.1"
		gcc -O2 -I "$src/tools/include" "$src/tools/testing/selftests/bpf/veristat.c" \
			-o "$out" -lbpf -lelf -lz 2>"$out.err" || {
			bench_log "veristat build failed: $(head -3 "$out.err")"
			return 1
		}
	fi
	echo "$out"
}
