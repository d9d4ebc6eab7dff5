# SPDX-License-Identifier: BSD-2-Clause
# Skeletons and loading: bpftool gen skeleton of an instrumented object shows
# the counter variable; as root, a skeleton-based loader (libbpf) loads it,
# the counter map is BPF_F_MMAPABLE, and one test run moves probes that read
# back through the skeleton's mmapped view.
. "$(dirname "$0")/lib.sh"
require_majors
command -v bpftool >/dev/null || skip "bpftool not installed"

for m in $MAJORS; do
	for mode in hits counts; do
		o=$BG_TMP/$m-$mode/parser.bpf.o
		mkdir -p "$(dirname "$o")"
		bg_cc "$m" "$mode" "$o" "$INPUTS/parser.bpf.c" || { fail "clang-$m $mode: compile failed"; continue; }
		h=$(dirname "$o")/parser.skel.h
		bpftool gen skeleton "$o" name parser >"$h" || { fail "clang-$m $mode: gen skeleton failed"; continue; }
		grep -q 'struct bpf_map \*data_bpfgauge;' "$h" || fail "clang-$m $mode: no data_bpfgauge map in skeleton"
		grep -q 'unsigned char __bpfgauge_cnt_[0-9a-f]\{16\}\[\|unsigned long long __bpfgauge_cnt_[0-9a-f]\{16\}\[' "$h" ||
			fail "clang-$m $mode: counter variable not in skeleton"
	done
done

[ "$(id -u)" -eq 0 ] || skip "loading the skeleton needs root (skeleton generation passed)"
[ -f /usr/include/bpf/libbpf.h ] || skip "libbpf headers missing (skeleton generation passed)"
for m in $MAJORS; do
	for mode in hits counts; do
		d=$BG_TMP/$m-$mode
		[ -f "$d/parser.skel.h" ] || continue
		${CC:-cc} -O1 -I"$d" -I"$BPFGAUGE_SRC/runtime/include" -o "$d/loader" \
			"$BPFGAUGE_SRC/tests/pass/skel_loader.c" -lbpf -lelf -lz ||
			{ fail "building the skeleton loader"; continue; }
		out=$("$d/loader" 2>&1)
		rc=$?
		[ $rc -eq 77 ] && skip "kernel refused to load: $out"
		[ $rc -eq 0 ] || fail "clang-$m $mode skeleton load/run: $out"
	done
done
finish
