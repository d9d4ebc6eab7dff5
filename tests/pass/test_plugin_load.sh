# SPDX-License-Identifier: BSD-2-Clause
# The plugin loads into clang-N (-fplugin/-fpass-plugin) and opt-N
# (-load-pass-plugin, pass names bpfgauge, bpfgauge<hits|counts>), emits both
# sections with a valid, hash-verified mapping, honours the mode from -mllvm,
# the pipeline text and BPFGAUGE_MODE, is deterministic, and leaves non-BPF
# modules alone.
. "$(dirname "$0")/lib.sh"
require_majors
build_mapcheck
src=$INPUTS/shapes.bpf.c

for m in $MAJORS; do
	for mode in hits counts; do
		o=$BG_TMP/$m-$mode.o
		bg_cc "$m" "$mode" "$o" "$src" || { fail "clang-$m $mode: compile failed"; continue; }
		out=$("$MAPCHECK" "$o") || { fail "clang-$m $mode: mapcheck failed"; continue; }
		expect_eq "clang-$m $mode records" "$(grep -c '^record ' <<<"$out")" 1
		expect_eq "clang-$m $mode segments" "$(grep '^segments' <<<"$out")" "segments 1"
		expect_eq "clang-$m $mode mode" "$(awk '/^record/{print $3}' <<<"$out")" "$mode"
		"$MAPCHECK" -d "$o" | grep -qx "producer llvm-$m" || fail "clang-$m: producer is not llvm-$m"
		"$MAPCHECK" -d "$o" | grep -qx "file 0 $INPUTS/shapes.bpf.c" ||
			fail "clang-$m: file 0 is not the absolute source path"
		# Same input, same bytes.
		bg_cc "$m" "$mode" "$o.2" "$src" && cmp -s "$o" "$o.2" ||
			fail "clang-$m $mode: two compiles differ"
	done

	# opt: the pass by pipeline name on clang's optimized IR.
	command -v "opt-$m" >/dev/null || { echo "note: opt-$m missing, opt checks skipped"; continue; }
	ll=$BG_TMP/$m.ll
	"clang-$m" $BPF_CFLAGS -S -emit-llvm "$src" -o "$ll" || { fail "clang-$m -emit-llvm"; continue; }
	for spec in "bpfgauge<counts>:counts:" "bpfgauge<hits>:hits:" "bpfgauge:hits:" \
		    "bpfgauge:counts:BPFGAUGE_MODE=counts" "bpfgauge<hits>:hits:BPFGAUGE_MODE=counts"; do
		IFS=: read -r pipe want envset <<<"$spec"
		bc=$BG_TMP/$m-opt.bc
		rm -f "$bc" "$bc.o"
		env $envset "opt-$m" -load-pass-plugin="$(plugin "$m")" -passes="$pipe" "$ll" -o "$bc" ||
			{ fail "opt-$m -passes=$pipe failed"; continue; }
		"clang-$m" -target bpf -c "$bc" -o "$bc.o" || { fail "clang-$m: compiling opt output"; continue; }
		got=$("$MAPCHECK" "$bc.o" | awk '/^record/{print $3}')
		expect_eq "opt-$m -passes=$pipe $envset mode" "$got" "$want"
	done
	# -mllvm beats the environment.
	BPFGAUGE_MODE=counts bg_cc "$m" hits "$BG_TMP/env.o" "$src" &&
		expect_eq "clang-$m -mllvm over env" "$("$MAPCHECK" "$BG_TMP/env.o" | awk '/^record/{print $3}')" hits
	# Without -mllvm the environment decides.
	p=$(plugin "$m")
	BPFGAUGE_MODE=counts "clang-$m" $BPF_CFLAGS -fpass-plugin="$p" -c "$src" -o "$BG_TMP/env2.o" &&
		expect_eq "clang-$m BPFGAUGE_MODE" "$("$MAPCHECK" "$BG_TMP/env2.o" | awk '/^record/{print $3}')" counts
	BPFGAUGE_MODE=bogus "clang-$m" $BPF_CFLAGS -fpass-plugin="$p" -c "$src" -o "$BG_TMP/env3.o" 2>/dev/null &&
		fail "clang-$m accepted BPFGAUGE_MODE=bogus"

	# A host (non-BPF) module is left untouched.
	echo 'int f(int x) { return x ? 1 : 2; }' >"$BG_TMP/host.c"
	if "clang-$m" -O2 -g -fpass-plugin="$p" -c "$BG_TMP/host.c" -o "$BG_TMP/host.o"; then
		if command -v "llvm-objdump-$m" >/dev/null &&
			"llvm-objdump-$m" -h "$BG_TMP/host.o" | grep -q bpfgauge; then
			fail "clang-$m instrumented a host module"
		fi
	else
		fail "clang-$m with the plugin failed on a host module"
	fi
done
finish
