#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# bpfgauge compat offline (no root, no loads): bad input gets one line and
# exit 2; a Debian config given by hand gives verdicts, exit codes and the
# three output formats (JSON with kind and schema_version, markdown).
set -u
bg=${BPFGAUGE:?}
data=${BPFGAUGE_DATA:?}/compat
cfg61=$data/configs/config-6.1.0-57-cloud-amd64
clang=$(command -v clang-22 || command -v clang-19 || command -v clang-16 || command -v clang)
[ -n "$clang" ] || { echo "SKIP: no clang to build the test programs"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
check() { [ "$2" = "$3" ] && ok "$1" || bad "$1: exit $3, want $2"; }
has() { grep -q -- "$2" <<<"$3" && ok "$1" || bad "$1: no '$2' in: $3"; }
one_line_err() { # name cmd...
  local name=$1; shift
  local err rc
  err=$("$@" 2>&1 >/dev/null); rc=$?
  check "$name exit" 2 $rc
  [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && ok "$name one line" || bad "$name: stderr: $err"
  has "$name prefix" "^bpfgauge: error: " "$err"
}
for n in compat_xdp compat_empty compat_fentry compat_kfunc compat_kfunc_weak compat_kprobe; do
  "$clang" -g -O2 -target bpf -D__TARGET_ARCH_x86 -idirafter /usr/include/x86_64-linux-gnu \
    -c "$data/$n.bpf.c" -o "$tmp/$n.o" || bad "compile $n"
done
export BPFGAUGE_CACHE=$tmp/cache   # an empty kernel cache
off=(--kernel 6.1 --config "$cfg61")

h=$("$bg" compat help); check help 0 $?
for w in --kernel --config --arch --btf --live markdown; do has "help $w" "$w" "$h"; done

# bad input: one line, exit 2
printf 'hello\nthis is not a kernel config\n' >"$tmp/notkconfig"
one_line_err not-a-kconfig "$bg" compat --kernel 6.1 --config "$tmp/notkconfig" "$tmp/compat_xdp.o"
has "not-a-kconfig says so" "is not a kernel config" "$("$bg" compat --kernel 6.1 --config "$tmp/notkconfig" "$tmp/compat_xdp.o" 2>&1)"
one_line_err binary-config "$bg" compat --kernel 6.1 --config "$tmp/compat_xdp.o" "$tmp/compat_xdp.o"
one_line_err unknown-arch "$bg" compat "${off[@]}" --arch mips "$tmp/compat_xdp.o"
has "unknown arch named" "unknown architecture 'mips'" "$("$bg" compat "${off[@]}" --arch mips "$tmp/compat_xdp.o" 2>&1)"
one_line_err no-programs "$bg" compat "${off[@]}" "$tmp/compat_empty.o"
has "no programs said" "has no BPF programs" "$("$bg" compat "${off[@]}" "$tmp/compat_empty.o" 2>&1)"
one_line_err not-cached "$bg" compat --kernel 6.1 "$tmp/compat_xdp.o"
has "not cached said" "kernel 6.1 is not cached" "$("$bg" compat --kernel 6.1 "$tmp/compat_xdp.o" 2>&1)"
one_line_err not-bpf "$bg" compat "${off[@]}" "$cfg61"
one_line_err missing-obj "$bg" compat "${off[@]}" "$tmp/nope.o"
one_line_err live-other-kernel "$bg" compat --live "${off[@]}" "$tmp/compat_xdp.o"
one_line_err bad-format "$bg" compat "${off[@]}" -o yaml "$tmp/compat_xdp.o"
one_line_err no-objects "$bg" compat "${off[@]}"
out=$("$bg" -j compat "${off[@]}" -o json "$tmp/nope.o" 2>/dev/null)
has "error as JSON under -j" '"error"' "$out"

# offline verdicts on Debian's 6.1 (values from the config file and the kernel's history)
"$bg" -j compat "${off[@]}" "$tmp/compat_kfunc.o" "$tmp/compat_kfunc_weak.o" "$tmp/compat_fentry.o" "$tmp/compat_kprobe.o" \
  "$tmp/compat_xdp.o" >"$tmp/61.json"
check "6.1 exit 1 (a program fails)" 1 $?
row() { python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
assert d['kind']=='bpfgauge.compat' and d['schema_version']==1, 'kind/schema'
p=[p for p in d['programs'] if p['name']==sys.argv[2]][0]
print(p['verdict'], p['errno_name'] or '-', p['errno'])" "$tmp/61.json" "$1"; }
check "kfunc_rcu on 6.1" "fail_load EINVAL 22" "$(row kfunc_rcu)"
check "kfunc_weak on 6.1" "ok - 0" "$(row kfunc_weak)"
check "fentry on 6.1 (direct calls set)" "ok - 0" "$(row fe_unlinkat)"
check "sleepable fentry on 6.1 (no FUNCTION_ERROR_INJECTION)" "fail_load EINVAL 22" "$(row fe_sleepable_getpgid)"
check "kprobe on 6.1 (KPROBES=y)" "ok - 0" "$(row kp_unlinkat)"
check "xdp on 6.1" "loads - 0" "$(row xdp_pass)"
# the same kernel as arm64 (6.1 has no direct calls there): ENOTSUPP, explained
sed 's/^CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y/# CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS is not set/' "$cfg61" >"$tmp/arm64-6.1"
out=$("$bg" compat --kernel 6.1.0-27-cloud-arm64 --config "$tmp/arm64-6.1" --arch arm64 "$tmp/compat_fentry.o"); rc=$?
check "arm64 6.1 exit 1" 1 $rc
has "arm64 6.1 ENOTSUPP explained" "fails to attach: ENOTSUPP (524), because CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS is not set (fentry needs it; x86_64 has it from 5.5, arm64 from 6.4" "$out"
# a program set that passes: exit 0
"$bg" compat "${off[@]}" "$tmp/compat_xdp.o" >/dev/null; check "all pass: exit 0" 0 $?
md=$("$bg" compat "${off[@]}" -o markdown "$tmp/compat_kfunc.o")
has "markdown table" "| \`kfunc_rcu\` | tp_btf | sys_enter | \*\*fail_load EINVAL\*\* |" "$md"
tbl=$("$bg" compat "${off[@]}" "$tmp/compat_kfunc.o")
has "table hint" "hint: declare the kfunc __weak" "$tbl"
exit $fail
