#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the libFuzzer targets with CC (a clang with compiler-rt): the
# runtime and report sources go into one archive compiled with
# -fsanitize=fuzzer-no-link,address,undefined, -fno-sanitize-recover=all
# (a UBSan finding aborts, so the fuzzer reports it) and
# FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION (the mapping hash is not
# checked); each tests/fuzz/fuzz_*.c is linked against it.
# Usage: build_fuzz.sh CC SRC_DIR OUT_DIR
set -euo pipefail
cc=$1 src=$2 out=$3
mkdir -p "$out/obj"
flags=(-g -O1 -std=gnu11 -fno-omit-frame-pointer -fsanitize=address,undefined
       -fno-sanitize-recover=all -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
       -DBPFGAUGE_VERSION=\"fuzz\" -DBPFGAUGE_LLVM_MAJORS_STR=\"\"
       -I"$src/runtime/include" -I"$src/fmt/include" -I"$src/fmt" -I"$src/reports" -I"$src/tests/fuzz")
for d in "$src"/runtime/*/; do flags+=(-I"$d"); done
objs=()
pids=()
for f in "$src"/fmt/*.c "$src"/runtime/*/*.c "$src"/reports/*.c; do
  case $(basename "$f") in cov_trace.c) continue ;; esac
  o="$out/obj/$(basename "$(dirname "$f")")_$(basename "${f%.c}").o"
  objs+=("$o")
  if [ ! -e "$o" ] || [ "$f" -nt "$o" ] || [ -n "$(find "$src/fmt" "$src/runtime" "$src/reports" -name '*.h' -newer "$o" -print -quit)" ]; then
    "$cc" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$f" -o "$o" &
    pids+=($!)
    # two at a time: the machine is shared
    if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  fi
done
for p in "${pids[@]}"; do wait "$p"; done
rm -f "$out/libfuzzrt.a"
ar rcs "$out/libfuzzrt.a" "${objs[@]}"
libs=(-lbpf -lelf -lz -lsqlite3 -lpthread -lm)
build() { # name source [extra flags]
  "$cc" "${flags[@]}" -fsanitize=fuzzer "${@:3}" "$2" "$out/libfuzzrt.a" "${libs[@]}" -o "$out/$1"
}
build fuzz_vlog "$src/tests/fuzz/fuzz_vlog.c"
build fuzz_mapping "$src/tests/fuzz/fuzz_mapping.c"
build fuzz_lcov "$src/tests/fuzz/fuzz_lcov.c"
build fuzz_csv "$src/tests/fuzz/fuzz_records.c" -DFUZZ_FORMAT_CSV
build fuzz_json "$src/tests/fuzz/fuzz_records.c"
build fuzz_history "$src/tests/fuzz/fuzz_history.c"
build fuzz_gate "$src/tests/fuzz/fuzz_gate.c"
