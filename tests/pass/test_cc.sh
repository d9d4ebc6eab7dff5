#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# bpfgauge cc: picks the plugin of the clang's major, passes the mode, fails
# clearly (exit 2, one line naming the major) when no plugin matches; cov
# report refuses an object built without the pass.
. "$(dirname "$0")/lib.sh"
require_majors
build_mapcheck
bg=${BPFGAUGE:?}

for m in $MAJORS; do
	for mode in hits counts; do
		out=$BG_TMP/cc-$m-$mode.o
		if ! "$bg" cc --mode "$mode" -- "clang-$m" $BPF_CFLAGS -c "$INPUTS/parser.bpf.c" -o "$out"; then
			fail "cc clang-$m --mode $mode failed"
			continue
		fi
		got=$("$MAPCHECK" "$out" 2>&1 | awk '$1 == "record" { print $3 }' | sort -u)
		expect_eq "cc clang-$m --mode $mode: mapping mode" "$got" "$mode"
		prod=$("$MAPCHECK" -d "$out" 2>/dev/null | grep -c "^producer llvm-$m$" || true)
		[ "$prod" -ge 1 ] || fail "cc clang-$m: mapping was not produced by llvm-$m's plugin"
		# the mapping is in chunk symbols: no section for libbpf to report
		expect_eq "cc clang-$m --mode $mode: mapping carrier" \
			"$("$MAPCHECK" "$out" 2>&1 | sed -n 's/^carrier //p')" symbols
		llvm-readelf-$m -S "$out" | grep -q '\.bpfgauge\.map' &&
			fail "cc clang-$m --mode $mode: a .bpfgauge.map section is still emitted"
		# llvm-strip -g (what libbpf-bootstrap runs) keeps them
		llvm-strip-$m -g -o "$BG_TMP/stripped.o" "$out" &&
			expect_eq "cc clang-$m --mode $mode: records after llvm-strip -g" \
				"$("$MAPCHECK" "$BG_TMP/stripped.o" 2>&1 | grep '^records')" "records 1"
	done
	# --section data: the counters in the program's .data (old loaders), none in .data.bpfgauge
	out=$BG_TMP/cc-$m-data.o
	if "$bg" cc --mode counts --section data -- "clang-$m" $BPF_CFLAGS -c "$INPUTS/parser.bpf.c" -o "$out"; then
		secs=$(llvm-readelf-$m -S "$out")
		dataidx=$(sed -n 's/^ *\[ *\([0-9]*\)\] \.data .*/\1/p' <<<"$secs")
		symidx=$(llvm-readelf-$m -s "$out" | awk '$8 ~ /^__bpfgauge_cnt_/ { print $7 }')
		grep -q '\.data\.bpfgauge' <<<"$secs" && fail "cc --section data clang-$m: .data.bpfgauge still there"
		[ -n "$dataidx" ] && [ "$symidx" = "$dataidx" ] ||
			fail "cc --section data clang-$m: counter symbol in section '$symidx', .data is '$dataidx'"
		got=$("$MAPCHECK" -d "$out" | sed -n 's/^mode //p' | sort -u)
		expect_eq "cc clang-$m --section data: mapping mode" "$got" counts
	else
		fail "cc clang-$m --section data failed"
	fi
	# a record over BPFGAUGE_MAPPING_CHUNK bytes: several chunk symbols, in
	# order, that mapcheck reassembles into one record checked against its hash
	big=$BG_TMP/big.bpf.c
	if [ ! -f "$big" ]; then
		for i in $(seq 1 80); do
			printf '__attribute__((section("xdp"), used)) int fn_%d(void *ctx) { long x = (long)ctx; if (x > %d) return 1; return 2; }\n' \
				"$i" "$i"
		done >"$big"
	fi
	if bg_cc "$m" counts "$BG_TMP/big-$m.o" "$big" 2>"$BG_TMP/big.err"; then
		out=$("$MAPCHECK" "$BG_TMP/big-$m.o" 2>&1)
		nch=$(sed -n 's/^chunks //p' <<<"$out")
		expect_eq "clang-$m big record: records" "$(grep '^records' <<<"$out")" "records 1"
		[ "${nch:-0}" -ge 2 ] || fail "clang-$m big record: $nch chunk(s), want several: $out"
		expect_eq "clang-$m big record: functions" "$(grep -c '^func fn_' <<<"$out")" 80
	else
		fail "clang-$m: the big source does not compile: $(head -c 600 "$BG_TMP/big.err")"
	fi
	# through assembly text (-save-temps): the chunk symbols assemble
	# (-mllvm options would reach the assembler too: the mode by environment).
	# LLVM 22's BPF backend reprints module assembly through its parser, and
	# an absolute symbol then prints as "name = 1", which BPF's assembler
	# reads as an instruction: there the documented way is the legacy layout.
	mkdir -p "$BG_TMP/st-$m"
	stflags=()
	[ "$m" -ge 22 ] && stflags=(-mllvm -bpfgauge-mapping=section)
	if (cd "$BG_TMP/st-$m" && "clang-$m" $BPF_CFLAGS -fplugin="$(plugin "$m")" \
		-fpass-plugin="$(plugin "$m")" -mllvm -bpfgauge-mode=counts "${stflags[@]}" \
		-S -o st.s "$INPUTS/parser.bpf.c" 2>err && "clang-$m" -target bpf -c st.s -o st.o 2>>err); then
		expect_eq "clang-$m .s then assembled (${stflags[*]:-symbols}): records" \
			"$("$MAPCHECK" "$BG_TMP/st-$m/st.o" 2>&1 | grep '^records')" "records 1"
	else
		fail "clang-$m .s then assembled (${stflags[*]:-symbols}): $(grep -m2 error "$BG_TMP/st-$m/err")"
	fi
	# -bpfgauge-mapping=section (cc --mapping section): the legacy layout, for older readers
	out=$BG_TMP/cc-$m-legacy.o
	if "$bg" cc --mode counts -- "clang-$m" $BPF_CFLAGS -mllvm -bpfgauge-mapping=section \
		-c "$INPUTS/parser.bpf.c" -o "$out"; then
		expect_eq "cc clang-$m -bpfgauge-mapping=section: carrier" \
			"$("$MAPCHECK" "$out" 2>&1 | sed -n 's/^carrier //p')" section
	else
		fail "cc clang-$m -bpfgauge-mapping=section failed"
	fi
	out=$BG_TMP/cc-$m-legacy2.o
	if "$bg" cc --mode counts --mapping section -- "clang-$m" $BPF_CFLAGS \
		-c "$INPUTS/parser.bpf.c" -o "$out"; then
		expect_eq "cc --mapping section clang-$m: carrier" \
			"$("$MAPCHECK" "$out" 2>&1 | sed -n 's/^carrier //p')" section
		llvm-readelf-$m -S "$out" | grep -q '\.bpfgauge\.map' ||
			fail "cc --mapping section clang-$m: no .bpfgauge.map section"
	else
		fail "cc --mapping section clang-$m failed"
	fi
	# --stats shows probes vs blocks (clang needs -Rremark-backend-plugin, cc adds it)
	err=$("$bg" cc --stats -- "clang-$m" $BPF_CFLAGS -c "$INPUTS/parser.bpf.c" -o "$BG_TMP/s.o" 2>&1)
	grep -q "probes" <<<"$err" || fail "cc --stats clang-$m printed no probe statistics: $err"
	# plain build, then cov report refuses it with a one-line error
	"clang-$m" $BPF_CFLAGS -c "$INPUTS/parser.bpf.c" -o "$BG_TMP/plain-$m.o"
	err=$("$bg" cov report "$BG_TMP/plain-$m.o" 2>&1); rc=$?
	expect_eq "cov report on a plain object: exit" "$rc" 2
	expect_eq "cov report on a plain object: lines" "$(printf '%s\n' "$err" | grep -c error:)" 1
	grep -q "built with the bpfgauge pass" <<<"$err" || fail "plain object message: $err"
done

# no plugin for this major: exit 2 and one line naming it (a clang that says it is 13)
printf '#!/bin/sh\necho "Debian clang version 13.0.1"\n' > "$BG_TMP/clang-13"
chmod +x "$BG_TMP/clang-13"
err=$("$bg" cc -- "$BG_TMP/clang-13" -c x.c 2>&1); rc=$?
expect_eq "cc without a plugin: exit" "$rc" 2
expect_eq "cc without a plugin: lines" "$(printf '%s\n' "$err" | wc -l)" 1
grep -q "no pass plugin for LLVM 13" <<<"$err" || fail "cc without a plugin: $err"
grep -q "the plugins found are for LLVM ${MAJORS// /,}: use clang-${MAJORS##* }" <<<"$err" ||
	fail "cc without a plugin names the usable majors: $err"

# plain 'clang' (whatever major it is) and a launcher in front: the major is
# found from the compiler, and the launcher runs it with the plugin added
m=${MAJORS##* }
mkdir -p "$BG_TMP/bin"
ln -sf "$(command -v "clang-$m")" "$BG_TMP/bin/clang"
printf '#!/bin/sh\necho "$@" > "%s/launcher.args"\nexec "$@"\n' "$BG_TMP" > "$BG_TMP/bin/ccache"
chmod +x "$BG_TMP/bin/ccache"
for cmd in clang "ccache clang" "ccache clang-$m" "$BG_TMP/bin/ccache clang-$m"; do
	rm -f "$BG_TMP/l.o" "$BG_TMP/launcher.args"
	if PATH=$BG_TMP/bin:$PATH "$bg" cc --mode counts -- $cmd $BPF_CFLAGS -c "$INPUTS/parser.bpf.c" -o "$BG_TMP/l.o"; then
		got=$("$MAPCHECK" "$BG_TMP/l.o" 2>&1 | awk '$1 == "record" { print $3 }' | sort -u)
		expect_eq "cc -- $cmd: instrumented, counts mode" "$got" counts
	else
		fail "cc -- $cmd failed"
	fi
	case $cmd in
	*ccache*) grep -q "libbpfgauge-pass-$m.so" "$BG_TMP/launcher.args" ||
			fail "cc -- $cmd: the launcher did not get the plugin: $(cat "$BG_TMP/launcher.args")" ;;
	esac
done
err=$("$bg" cc -- ccache 2>&1); rc=$?
expect_eq "cc -- ccache alone: exit" "$rc" 2
grep -q "'ccache' needs a compiler after it" <<<"$err" || fail "cc -- ccache alone: $err"

# a bad --mapping: exit 2, one line
err=$("$bg" cc --mapping bss -- clang 2>&1); rc=$?
expect_eq "cc --mapping bss: exit" "$rc" 2
expect_eq "cc --mapping bss: lines" "$(printf '%s\n' "$err" | wc -l)" 1
grep -q "mapping must be symbols or section" <<<"$err" || fail "cc --mapping bss: $err"

# a bad --section: exit 2, one line
err=$("$bg" cc --section bss -- clang 2>&1); rc=$?
expect_eq "cc --section bss: exit" "$rc" 2
expect_eq "cc --section bss: lines" "$(printf '%s\n' "$err" | wc -l)" 1
grep -q "section must be own or data" <<<"$err" || fail "cc --section bss: $err"

# a compiler that is not clang
err=$("$bg" cc -- /bin/true 2>&1); rc=$?
expect_eq "cc with a non-clang compiler: exit" "$rc" 2
# -j: one JSON document on stdout (the compiler's own output on stderr) that
# names what ran; the compiler's exit code is the document's and ours
m=${MAJORS%% *}
doc=$("$bg" -j cc --mode counts -- "clang-$m" $BPF_CFLAGS -c "$INPUTS/parser.bpf.c" -o "$BG_TMP/j.o"); rc=$?
expect_eq "cc -j: exit" "$rc" 0
printf '%s\n' "$doc" > "$BG_TMP/cc.json"
python3 - "$m" "$BG_TMP/j.o" "$BG_TMP/cc.json" <<'PY' || fail "cc -j: document: $doc"
import json, sys
d = json.load(open(sys.argv[3]))
m = int(sys.argv[1])
assert d["kind"] == "bpfgauge-cc" and d["exit_code"] == 0, d
assert d["llvm_major"] == m and d["plugin"].endswith("libbpfgauge-pass-%d.so" % m), d
assert d["mode"] == "counts" and d["section"] == "own" and d["mapping"] == "symbols", d
assert d["command"][0] == "clang-%d" % m and sys.argv[2] in d["command"], d
assert "-bpfgauge-mode=counts" in d["command"], d
PY
"$MAPCHECK" "$BG_TMP/j.o" >/dev/null 2>&1 || fail "cc -j: the object was not built with the pass"
doc=$("$bg" cc -j -- "clang-$m" $BPF_CFLAGS -c "$BG_TMP/no-such.c" -o "$BG_TMP/j2.o" 2>/dev/null); rc=$?
expect_eq "cc -j, a failing compile: exit" "$rc" 1
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["exit_code"] == 1, d' <<<"$doc" ||
	fail "cc -j, a failing compile: $doc"
finish
