#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs the whole benchmark (issue 7) in one go and prints one table, written
# also as markdown and JSON: verifier cost of the coverage pass on the kernel
# BPF selftests, run-time cost, verifier-log parser throughput, verifier stats
# vs veristat, and coverage collection time. Root needed (it loads programs).
# The corpora (linux-source-6.1, xdp-tools) are fetched and built in a cache,
# never in the tree.
#   scripts/bench.sh [--full] [--out DIR]
#   --full            all 497 selftests (default: veristat.cfg set + every 4th)
#   --out DIR         results dir (default BUILD/bench)
# Environment: BPFGAUGE_BUILD (build dir; default build-bench, configured and
# built here), BPFGAUGE_CACHE (default ~/.cache/bpfgauge/bench), BENCH_CLANG
# (clang major for the corpus), BENCH_JOBS (default 2), BENCH_LOG_MB (parser
# log size, default 256), BENCH_SKIP="1 4" (figures not rerun: their raw
# results already in the results dir are reported again).
# Exit: 0 all targets met, 1 a target missed, 2 runtime error.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=
while [ $# -gt 0 ]; do
	case $1 in
	--full) export BENCH_FULL=1 ;;
	--out) OUT=$2; shift ;;
	-h | --help) sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (loads BPF programs)" >&2
	exit 77
fi

# shellcheck source=../tests/bench/corpus.sh
. "$SRC/tests/bench/corpus.sh"
export BENCH_CACHE=${BPFGAUGE_CACHE:-$HOME/.cache/bpfgauge/bench}
export BENCH_JOBS=${BENCH_JOBS:-2}
mkdir -p "$BENCH_CACHE"

# Bench-only packages (xdp-tools' objects; GNU time for peak RSS).
BPFGAUGE_EXTRA_PACKAGES="${BPFGAUGE_EXTRA_PACKAGES:-} xdp-tools time" BPFGAUGE_NO_MATRIX=1 \
	bash "$SRC/scripts/setup.sh" >&2

BUILD=${BPFGAUGE_BUILD:-$SRC/build-bench}
if [ -z "${BPFGAUGE_BUILD:-}" ] || [ ! -x "$BUILD/bpfgauge" ]; then
	[ -f "$BUILD/CMakeCache.txt" ] || cmake -S "$SRC" -B "$BUILD" -DBPFGAUGE_BENCH=ON >&2
	cmake --build "$BUILD" -j"$BENCH_JOBS" >&2
fi
export BPFGAUGE=$BUILD/bpfgauge BPFGAUGE_PASS_DIR=$BUILD/pass
OUT=${OUT:-$BUILD/bench}
mkdir -p "$OUT"
skip() { [[ " ${BENCH_SKIP:-} " == *" $1 "* ]]; }
skip 1 || rm -f "$OUT"/vstats-* "$OUT"/compile-failures.txt
skip 2 || rm -f "$OUT"/runtime.jsonl
skip 3 || rm -f "$OUT"/parse*
skip 4 || rm -f "$OUT"/veristat.* "$OUT"/ours-cmp.* "$OUT"/cmp-*
skip 5 || rm -f "$OUT"/hold.* "$OUT"/cov.* "$OUT"/corpus.info
rm -f "$OUT"/meta.txt "$OUT"/bench.md "$OUT"/bench.json

if [ -z "${BENCH_CLANG:-}" ]; then
	for so in $(ls "$BPFGAUGE_PASS_DIR"/libbpfgauge-pass-*.so | sort -t- -k3 -n); do
		v=${so##*-pass-}; v=${v%.so}
		command -v clang-"$v" >/dev/null && [ -d "$BUILD/bpf/llvm-$v/plain" ] && BENCH_CLANG=$v
	done
fi
[ -n "${BENCH_CLANG:-}" ] || { bench_log "no pass plugin with a matching clang in $BUILD"; exit 2; }
export BENCH_CLANG
EX=$BUILD/bpf/llvm-$BENCH_CLANG
t_start=$(date +%s)

# ---- corpora ----------------------------------------------------------------
bench_linux_source
BENCH_VMLINUX_DIR=$(bench_vmlinux_h)
export BENCH_VMLINUX_DIR
ROOT=$(bench_compile_selftests)
VERISTAT=$(bench_veristat || true)
# The examples in the variants the build does not have (it has plain, hits
# and counts in the default placement).
exdir() { case $1 in plain | hits | counts) echo "$EX/$1" ;; *) echo "$ROOT/ex-$1" ;; esac; }
for v in $BENCH_VARIANTS; do
	d=$(exdir "$v")
	[ "$d" = "$EX/$v" ] && continue
	mkdir -p "$d"
	mapfile -t cc < <(bench_variant_cc "$v")
	for f in "$SRC"/bpf/examples/*.bpf.c; do
		o=$d/$(basename "${f%.c}").o
		[ -s "$o" ] || "${cc[@]}" -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$SRC/bpf/include" \
			-I"$SRC/bpf/examples" -idirafter /usr/include/x86_64-linux-gnu -c "$f" -o "$o"
	done
done
{
	echo "clang=$BENCH_CLANG"
	echo "kernel=$(uname -r)"
	echo "selftests_listed=$(wc -l <"$ROOT/list")"
	echo "variants=$BENCH_VARIANTS"
	for v in plain $BENCH_VARIANTS; do
		echo "compiled_$v=$(ls "$ROOT/$v"/*.o 2>/dev/null | wc -l)"
	done
	echo "full=${BENCH_FULL:-0}"
	echo "cpus=$(nproc)"
} >"$OUT/meta.txt"
now() { date +%s.%N; }
# Objects that compile plain but not instrumented, with clang's first error.
for v in $BENCH_VARIANTS; do
	for o in "$ROOT/plain"/*.o; do
		b=$(basename "$o")
		[ -s "$ROOT/$v/$b" ] && continue
		echo "$v $b: $(grep -m1 -E 'error' "$ROOT/$v/$b.err" 2>/dev/null | sed 's/.*error: //' | cut -c1-100)"
	done
done >"$OUT/compile-failures.txt"

# 'verifier stats' stops at the first object libbpf cannot open (the selftests
# meant for static linking), so keep only the openable ones.
gcc -O2 "$SRC/tests/bench/bench_hold.c" -o "$BENCH_CACHE/bench_hold" -lbpf
for v in plain $BENCH_VARIANTS; do
	"$BENCH_CACHE/bench_hold" --openable "$ROOT/$v"/*.o >"$OUT/objs-$v.txt"
done

# ---- 1. verifier cost of instrumentation --------------------------------------
skip 1 || for v in plain $BENCH_VARIANTS; do
	mapfile -t objs <"$OUT/objs-$v.txt"
	bench_log "figure 1: verifier stats, $v (${#objs[@]} selftests + examples)"
	t0=$(now)
	"$BPFGAUGE" -q verifier stats --format json -J "$BENCH_JOBS" --allow-failures \
		"${objs[@]}" "$(exdir "$v")"/*.bpf.o >"$OUT/vstats-$v.json" 2>"$OUT/vstats-$v.err" || true
	echo "$v $(echo "$(now) - $t0" | bc)" >>"$OUT/vstats-times.txt"
done

# ---- 2. run-time cost -------------------------------------------------------------
if ! skip 2; then
	bench_log "figure 2: run-time cost (BPF_PROG_TEST_RUN / bpf stats)"
	gcc -O2 -I"$SRC/bpf/runner" "$SRC/tests/bench/bench_runtime.c" -o "$BENCH_CACHE/bench_runtime" -lbpf
	"$BENCH_CACHE/bench_runtime" "$EX" 9 1000 100 >"$OUT/runtime.jsonl"
fi

# ---- 3. log parser throughput -------------------------------------------------------
if ! skip 3; then
LOGMB=${BENCH_LOG_MB:-256}
LOGDIR=$BENCH_CACHE/vlogs-l2-$(uname -r)
BIG=$BENCH_CACHE/big-l2.log
if [ ! -s "$LOGDIR/.done" ]; then
	bench_log "figure 3: capturing level-2 logs of the plain selftests"
	rm -rf "$LOGDIR"
	mkdir -p "$LOGDIR"
	"$BPFGAUGE" -q verifier stats --format json -J "$BENCH_JOBS" --allow-failures --log-level 2 \
		--log-size 16777216 --no-retry --log-dir "$LOGDIR" $(cat "$OUT/objs-plain.txt") >/dev/null 2>&1 || true
	find "$LOGDIR" -name '*.log' | wc -l >"$LOGDIR/.done"
fi
if [ ! -s "$BIG" ] || [ $(($(stat -c %s "$BIG") >> 20)) -lt "$LOGMB" ]; then
	bench_log "figure 3: concatenating real logs into a ${LOGMB} MB level-2 log"
	find "$LOGDIR" "$SRC/tests/data/vlogs" -name '*.log' | sort >"$BENCH_CACHE/big-l2.list"
	: >"$BIG.tmp"
	while [ $(($(stat -c %s "$BIG.tmp") >> 20)) -lt "$LOGMB" ]; do
		xargs cat <"$BENCH_CACHE/big-l2.list" >>"$BIG.tmp"
	done
	mv "$BIG.tmp" "$BIG"
fi
cat "$BIG" >/dev/null # warm the page cache for both readers
bench_log "figure 3: parse vs wc -l on $(($(stat -c %s "$BIG") >> 20)) MB"
for i in 1 2 3; do
	t0=$(now); wc -l "$BIG" >/dev/null; t1=$(now)
	/usr/bin/time -f '%M' -o "$OUT/parse-rss-$i.txt" "$BPFGAUGE" -q verifier parse "$BIG" --format json \
		>"$OUT/parse-out.json" 2>/dev/null || true
	t2=$(now)
	echo "$(stat -c %s "$BIG") $(echo "$t1 - $t0" | bc) $(echo "$t2 - $t1" | bc) $(cat "$OUT/parse-rss-$i.txt")" >>"$OUT/parse.txt"
done
rm -f "$OUT"/parse-rss-*.txt

fi

# ---- 4. verifier stats vs veristat ----------------------------------------------------
if ! skip 4; then
CFG=$BENCH_CACHE/linux-source-6.1/tools/testing/selftests/bpf/veristat.cfg
: >"$OUT/cmp-objs.txt"
for o in $(cat "$OUT/objs-plain.txt"); do
	bench_in_cfg "$(basename "$o")" "$CFG" && echo "$o" >>"$OUT/cmp-objs.txt"
done
ls /usr/lib/x86_64-linux-gnu/bpf/*.o /usr/libexec/xdp-tools/*.o 2>/dev/null >>"$OUT/cmp-objs.txt" || true
if [ -n "$VERISTAT" ]; then
	bench_log "figure 4: veristat vs bpfgauge verifier stats on $(wc -l <"$OUT/cmp-objs.txt") objects"
	mapfile -t objs <"$OUT/cmp-objs.txt"
	t0=$(now)
	"$VERISTAT" -o csv -e file,prog,verdict,duration,total_insns,total_states "${objs[@]}" \
		>"$OUT/veristat.csv" 2>"$OUT/veristat.err" || true
	t1=$(now)
	"$BPFGAUGE" -q verifier stats --format json -J "$BENCH_JOBS" --allow-failures "${objs[@]}" \
		>"$OUT/ours-cmp.json" 2>"$OUT/ours-cmp.err" || true
	t2=$(now)
	echo "$(echo "$t1 - $t0" | bc) $(echo "$t2 - $t1" | bc)" >"$OUT/cmp-times.txt"
fi

fi

# ---- 5. coverage collection + lcov ------------------------------------------------------
if ! skip 5; then
bench_log "figure 5: hold every hits-mode selftest loaded, then cov report"
mapfile -t objs <"$OUT/objs-hits.txt"
"$BENCH_CACHE/bench_hold" "${objs[@]}" >"$OUT/hold.txt" 2>"$OUT/hold.err" &
hold_pid=$!
rm -f "$OUT/corpus.info" # cov report -o merges into an existing file
while [ ! -s "$OUT/hold.txt" ] && kill -0 "$hold_pid" 2>/dev/null; do sleep 1; done
t0=$(now)
"$BPFGAUGE" -q cov report "${objs[@]}" -o "$OUT/corpus.info" 2>"$OUT/cov.err" || true
t1=$(now)
kill "$hold_pid" 2>/dev/null || true
wait "$hold_pid" 2>/dev/null || true
echo "$(echo "$t1 - $t0" | bc) $(cat "$OUT/corpus.info" 2>/dev/null | grep -c '^SF:') $(cat "$OUT/corpus.info" 2>/dev/null | grep -c '^DA:')" >"$OUT/cov.txt"

fi

echo "bench_seconds=$(($(date +%s) - t_start))" >>"$OUT/meta.txt"
python3 "$SRC/tests/bench/bench_report.py" "$OUT"
