#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# bpfgauge compat speed: an offline check of an object with 100 programs
# (target < 50 ms), the same against the host's facts, and --live against
# the cost of only loading the programs (verifier stats -J 1), for the
# 100-program object and for 20 programs of each kind. Beside them, the
# kernel's own floor for the XDP part: its 20 XDP programs attached to lo
# one after another the cheapest way (bench_xdp_floor.c, no bpfgauge), so
# that a reader sees which part of --live is the kernel's attach cost that
# no tool avoids. Figures are printed; a missed target fails only with
# BENCH_STRICT=1.
set -uo pipefail
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root (live loads)"; exit 77; }
bg=${BPFGAUGE:?}
cfg=${BPFGAUGE_DATA:?}/compat/configs/config-6.1.0-57-cloud-amd64
clang=$(command -v clang-22 || command -v clang-19 || command -v clang)
[ -n "$clang" ] || { echo "skip: no clang"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# gen NAME COUNT SECTION... : COUNT programs cycling through the sections
gen() {
  local name=$1 count=$2; shift 2
  local secs=("$@")
  {
    echo '#include <linux/bpf.h>'
    echo '#include <bpf/bpf_helpers.h>'
    for i in $(seq 0 $((count - 1))); do
      echo "SEC(\"${secs[$((i % ${#secs[@]}))]}\") int p$i(void *ctx) { return bpf_get_smp_processor_id() > $i; }"
    done
    echo 'char LICENSE[] SEC("license") = "GPL";'
  } >"$tmp/$name.bpf.c"
  "$clang" -g -O2 -target bpf -idirafter /usr/include/x86_64-linux-gnu -c "$tmp/$name.bpf.c" -o "$tmp/$name.o"
}
kinds=(tracepoint raw_tp kprobe xdp fentry)
secs=('tracepoint/syscalls/sys_enter_openat' 'raw_tp/sys_enter' 'kprobe/do_unlinkat' 'xdp' 'fentry/do_unlinkat')
gen p100 100 "${secs[@]}" || exit 1
for i in "${!kinds[@]}"; do gen "${kinds[$i]}" 20 "${secs[$i]}" || exit 1; done
cc=$(command -v cc || command -v gcc)
floor=
if [ -n "$cc" ] && "$cc" -O2 "${BPFGAUGE_SRC:?}/tests/bench/bench_xdp_floor.c" -o "$tmp/xdp_floor" -lbpf; then
  floor=$("$tmp/xdp_floor" "$tmp/p100.o" | awk '{print $4}')
fi
# best of N wall times in ms
best() {
  local n=$1 b=999999 t0 t1 ms; shift
  for _ in $(seq "$n"); do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 )); [ $ms -lt $b ] && b=$ms
  done
  echo $b
}
off=$(best 5 "$bg" compat --kernel 6.1 --config "$cfg" "$tmp/p100.o")
host=$(best 3 "$bg" compat "$tmp/p100.o")
live=$(best 3 "$bg" compat --live "$tmp/p100.o")
load=$(best 3 "$bg" verifier stats -J 1 --allow-failures "$tmp/p100.o")
printf '| figure | value | target | status |\n|---|---|---|---|\n'
st=pass; [ "$off" -lt 50 ] || st=fail
printf '| compat offline, 100 programs | %d ms | < 50 ms | %s |\n' "$off" "$st"
printf '| compat on the host facts, 100 programs | %d ms | - | - |\n' "$host"
lst=pass; [ "$live" -le "$load" ] || lst=fail
printf '| compat --live vs load only (verifier stats -J 1), 100 programs | %d ms vs %d ms | <= load | %s |\n' \
  "$live" "$load" "$lst"
[ -n "$floor" ] && printf '| the kernel alone: its 20 XDP programs attached to lo one after another (replace chain) | %d ms | - | %s |\n' \
  "$floor" "$([ "$floor" -gt "$load" ] && echo "above the whole load: live <= load cannot hold here" || echo "-")"
for k in "${kinds[@]}"; do
  l=$(best 3 "$bg" compat --live "$tmp/$k.o")
  o=$(best 3 "$bg" verifier stats -J 1 --allow-failures "$tmp/$k.o")
  printf '| compat --live vs load only, 20 %s programs | %d ms vs %d ms | - | - |\n' "$k" "$l" "$o"
done
# Real programs: the kernel selftests scripts/bench.sh compiles into its cache
# (the first 60 objects compat can read), where verification, not the
# kernel's attach costs, is most of the time.
plain=$(ls -d "${BPFGAUGE_CACHE:-$HOME/.cache/bpfgauge/bench}"/obj/clang-*/plain 2>/dev/null | head -1)
if [ -n "$plain" ]; then
  sel=()
  for o in "$plain"/*.o; do
    [ ${#sel[@]} -ge 60 ] && break
    "$bg" compat --kernel 6.1 --config "$cfg" "$o" >/dev/null 2>&1; [ $? -ne 2 ] && sel+=("$o")
  done
  l=$(best 1 "$bg" compat --live "${sel[@]}")
  o=$(best 1 "$bg" verifier stats -J 1 --allow-failures "${sel[@]}")
  oj=$(best 1 "$bg" verifier stats --allow-failures "${sel[@]}")
  printf '| compat --live vs load only (-J 1; on every CPU), %d kernel selftest objects | %d ms vs %d ms; %d ms | <= load | %s |\n' \
    "${#sel[@]}" "$l" "$o" "$oj" "$([ "$l" -le "$oj" ] && echo pass || echo fail)"
else
  echo "(no selftests corpus cached: scripts/bench.sh builds it; the real-program figure is not measured)"
fi
[ "${BENCH_STRICT:-0}" = 1 ] && [ "$st/$lst" != pass/pass ] && exit 1
exit 0
