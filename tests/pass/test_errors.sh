# SPDX-License-Identifier: BSD-2-Clause
# Refusals and opt-outs: without -g the compile fails with the pass's message
# (never a silently uninstrumented object); a plugin built for another LLVM
# major is refused cleanly (message, no crash); a BPFGAUGE_NOCOV function gets
# no probes and no mapping entry.
. "$(dirname "$0")/lib.sh"
require_majors
build_mapcheck
src=$INPUTS/shapes.bpf.c

for m in $MAJORS; do
	p=$(plugin "$m")
	if "clang-$m" ${BPF_CFLAGS/-g /} -fplugin="$p" -fpass-plugin="$p" -mllvm -bpfgauge-mode=hits \
		-c "$src" -o "$BG_TMP/nog.o" 2>"$BG_TMP/err"; then
		fail "clang-$m compiled without -g"
	fi
	grep -q "bpfgauge: .*shapes.bpf.c: compile with -g: coverage needs debug line info" "$BG_TMP/err" ||
		fail "clang-$m: no -g message (got: $(head -c 300 "$BG_TMP/err"))"

	for mode in hits counts; do
		o=$BG_TMP/$m-$mode.o
		bg_cc "$m" "$mode" "$o" "$src" || { fail "clang-$m $mode: compile failed"; continue; }
		"$MAPCHECK" -d "$o" | grep -q '^func skipped ' && fail "clang-$m $mode: skipped is in the mapping"
		"$MAPCHECK" -d "$o" | grep -q '^func straight ' || fail "clang-$m $mode: straight is missing"
		# The opted-out program (section tc) never touches the counters.
		if command -v "llvm-objdump-$m" >/dev/null; then
			n=$("llvm-objdump-$m" -d -r --section=tc "$o" | grep -c __bpfgauge_cnt_)
			expect_eq "clang-$m $mode counter relocations in skipped" "$n" 0
			n=$("llvm-objdump-$m" -d -r --section=xdp "$o" | grep -c __bpfgauge_cnt_)
			[ "$n" -gt 0 ] || fail "clang-$m $mode: no counter relocations in xdp programs"
		fi
	done
done

# Wrong major: every other built major's plugin must be refused, without a
# crash (exit code 1, not a signal) and with a message naming the right one.
set -- $MAJORS
if [ $# -lt 2 ]; then
	echo "note: only LLVM $MAJORS built: wrong-major check needs two majors"
else
	for host in $MAJORS; do
		for other in $MAJORS; do
			[ "$host" = "$other" ] && continue
			p=$(plugin "$other")
			"clang-$host" $BPF_CFLAGS -fplugin="$p" -fpass-plugin="$p" -mllvm -bpfgauge-mode=hits \
				-c "$src" -o "$BG_TMP/wrong.o" 2>"$BG_TMP/err"
			rc=$?
			expect_eq "plugin $other in clang-$host exit code" "$rc" 1
			grep -q "built for LLVM $other but loaded into LLVM $host" "$BG_TMP/err" ||
				fail "plugin $other in clang-$host: no version message"
		done
	done
fi
finish
