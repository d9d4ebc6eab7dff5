# SPDX-License-Identifier: BSD-2-Clause
# Instrumented code still passes the verifier on this kernel: every program
# of inputs/parser.bpf.c (packet parser with a tail call, bounded loop), built
# by every major in both modes and with naive placement, loads with bpftool
# (libbpf). Root only.
. "$(dirname "$0")/lib.sh"
require_majors
need_root "test_verifier_load"

pin=/sys/fs/bpf/bgtest_pass_$$
trap 'rm -rf "$pin" "$BG_TMP"' EXIT
for m in $MAJORS; do
	for mode in hits counts; do
		for place in optimal naive; do
			o=$BG_TMP/$m-$mode-$place.o
			bg_cc "$m" "$mode" "$o" "$INPUTS/parser.bpf.c" -mllvm -bpfgauge-placement=$place ||
				{ fail "clang-$m $mode $place: compile failed"; continue; }
			if ! bpftool prog loadall "$o" "$pin" >"$BG_TMP/log" 2>&1; then
				fail "clang-$m $mode $place: load failed: $(grep -v 'skipping unrecognized' "$BG_TMP/log" | tail -5)"
			else
				n=$(ls "$pin" | wc -l)
				expect_eq "clang-$m $mode $place programs loaded" "$n" 2
			fi
			rm -rf "$pin"
		done
	done
done
finish
