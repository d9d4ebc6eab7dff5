# SPDX-License-Identifier: BSD-2-Clause
# Static linking: bpftool gen object of two instrumented objects (different
# sources, one per mode) keeps both mapping records in their chunk symbols
# and both segments in .data.bpfgauge, each segment matching its record;
# linked with an object of the legacy layout (.bpfgauge.map), both carriers
# are kept.
. "$(dirname "$0")/lib.sh"
require_majors
command -v bpftool >/dev/null || skip "bpftool not installed"
build_mapcheck

for m in $MAJORS; do
	a=$BG_TMP/$m-a.o b=$BG_TMP/$m-b.o l=$BG_TMP/$m-linked.o
	bg_cc "$m" hits "$a" "$INPUTS/shapes.bpf.c" && bg_cc "$m" counts "$b" "$INPUTS/parser.bpf.c" ||
		{ fail "clang-$m: compile failed"; continue; }
	bpftool gen object "$l" "$a" "$b" || { fail "clang-$m: bpftool gen object failed"; continue; }
	out=$("$MAPCHECK" "$l") || { fail "clang-$m: linked object does not check"; continue; }
	expect_eq "clang-$m linked records" "$(grep '^records' <<<"$out")" "records 2"
	expect_eq "clang-$m linked segments" "$(grep '^segments' <<<"$out")" "segments 2"
	ha=$("$MAPCHECK" "$a" | awk '/^record/{print $2}')
	hb=$("$MAPCHECK" "$b" | awk '/^record/{print $2}')
	grep -q "^record $ha hits" <<<"$out" || fail "clang-$m: first object's record lost"
	grep -q "^record $hb counts" <<<"$out" || fail "clang-$m: second object's record lost"
	expect_eq "clang-$m linked carrier" "$(grep '^carrier' <<<"$out")" "carrier symbols"
	# a legacy-layout object linked with a new one
	o=$BG_TMP/$m-old.o lm=$BG_TMP/$m-mixed.o
	bg_cc "$m" counts "$o" "$INPUTS/parser.bpf.c" -mllvm -bpfgauge-mapping=section &&
		bpftool gen object "$lm" "$a" "$o" || { fail "clang-$m: legacy link failed"; continue; }
	out=$("$MAPCHECK" "$lm") || { fail "clang-$m: mixed linked object does not check"; continue; }
	expect_eq "clang-$m mixed carrier" "$(grep '^carrier' <<<"$out")" "carrier both"
	expect_eq "clang-$m mixed records" "$(grep '^records' <<<"$out")" "records 2"
done
finish
