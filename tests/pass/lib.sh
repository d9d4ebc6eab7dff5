# SPDX-License-Identifier: BSD-2-Clause
# Shared helpers of the pass tests (sourced, not a test): the LLVM majors whose
# plugin is built, compiling BPF C with the plugin, and the mapcheck tool.
set -u

BPFGAUGE_SRC=${BPFGAUGE_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BPFGAUGE_PASS_DIR=${BPFGAUGE_PASS_DIR:-${BPFGAUGE_BUILD:-$BPFGAUGE_SRC/build}/pass}
BPFGAUGE_LLVM_MAJORS=${BPFGAUGE_LLVM_MAJORS:-14,15,16,17,18,19,20,21,22}
INPUTS=$BPFGAUGE_SRC/tests/pass/inputs
BG_FAILS=0

BG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/bgpass.XXXXXX")
trap 'rm -rf "$BG_TMP"' EXIT

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; BG_FAILS=$((BG_FAILS + 1)); }
finish() {
	if [ "$BG_FAILS" -ne 0 ]; then
		echo "$BG_FAILS check(s) failed" >&2
		exit 1
	fi
	echo "ok"
	exit 0
}

plugin() { echo "$BPFGAUGE_PASS_DIR/libbpfgauge-pass-$1.so"; }

# Majors with both a built plugin and clang-N on PATH, space separated.
majors() {
	local m out=""
	for m in ${BPFGAUGE_LLVM_MAJORS//,/ }; do
		[ -f "$(plugin "$m")" ] && command -v "clang-$m" >/dev/null && out="$out $m"
	done
	echo $out
}

require_majors() {
	MAJORS=$(majors)
	[ -n "$MAJORS" ] || skip "no pass plugin built in $BPFGAUGE_PASS_DIR for LLVM $BPFGAUGE_LLVM_MAJORS"
}

BPF_CFLAGS="-O2 -g -target bpf -D__TARGET_ARCH_x86 -idirafter /usr/include/x86_64-linux-gnu -I$BPFGAUGE_SRC/bpf/include -I$INPUTS"

# bg_cc MAJOR MODE OUT SRC [clang args...]: compile SRC with the plugin.
bg_cc() {
	local m=$1 mode=$2 out=$3 src=$4 p
	shift 4
	p=$(plugin "$m")
	"clang-$m" $BPF_CFLAGS -fplugin="$p" -fpass-plugin="$p" -mllvm -bpfgauge-mode="$mode" \
		"$@" -c "$src" -o "$out"
}

# Builds the independent checker once per test run.
MAPCHECK=$BG_TMP/mapcheck
build_mapcheck() {
	${CC:-cc} -O1 -std=gnu11 -I"$BPFGAUGE_SRC/runtime/include" -o "$MAPCHECK" \
		"$BPFGAUGE_SRC/tests/pass/mapcheck.c" || skip "no host C compiler to build mapcheck"
}

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" != "$3" ]; then
		fail "$1: got '$2', want '$3'"
	fi
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "$1 needs root (CAP_BPF) to load programs"
	command -v bpftool >/dev/null || skip "$1 needs bpftool"
	[ -d /sys/fs/bpf ] && mount | grep -q ' /sys/fs/bpf ' || skip "$1 needs bpffs at /sys/fs/bpf"
}
