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
one_line_err bad-format "$bg" compat "${off[@]}" --format yaml "$tmp/compat_xdp.o"
one_line_err no-objects "$bg" compat "${off[@]}"
out=$("$bg" -j compat "${off[@]}" --format json "$tmp/nope.o" 2>/dev/null)
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
# arm64: Debian's real cloud-arm64 configs. What fentry must get comes from
# each config and version (direct calls: DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y,
# and arm64 has them from 6.4), not from the tool.
"$clang" -g -O2 -target bpf -D__TARGET_ARCH_arm64 -idirafter /usr/include/x86_64-linux-gnu \
  -c "$data/compat_trampoline.bpf.c" -o "$tmp/tramp_arm64.o" || bad "compile compat_trampoline"
arow() { python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
p=[p for p in d['programs'] if p['name']==sys.argv[2]][0]
print(d['kernel']['release'], d['kernel']['arch'], p['verdict'], p['errno_name'] or '-', p['errno'])" "$1" "$2"; }
for c in "$data"/configs/config-*-cloud-arm64; do
  rel=${c##*/config-}
  ver=$(sed -n 's/^# Linux\/arm64 \([0-9]*\.[0-9]*\).* Kernel Configuration$/\1/p' "$c")
  [ -n "$ver" ] || bad "no version in $c"
  maj=${ver%%.*} min=${ver#*.}
  if grep -qx 'CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y' "$c" && [ $((maj * 1000 + min)) -ge 6004 ]; then
    want="ok - 0"
  else
    want="fail_attach ENOTSUPP 524"
  fi
  "$bg" -j compat --kernel "$c" --arch arm64 "$tmp/tramp_arm64.o" >"$tmp/a.json"; rc=$?
  check "arm64 $ver exit 1 (the __x64_sys_ program fails everywhere)" 1 $rc
  check "arm64 $ver fentry" "$rel arm64 $want" "$(arow "$tmp/a.json" fe_test1)"
  check "arm64 $ver fexit" "$rel arm64 $want" "$(arow "$tmp/a.json" fx_test1)"
  check "arm64 $ver __arm64_sys_ wrapper" "$rel arm64 $want" "$(arow "$tmp/a.json" fe_arm64_getpgid)"
  check "arm64 $ver lsm (a trampoline too)" "$rel arm64 $want" "$(arow "$tmp/a.json" lsm_file_open)"
  if ! grep -qx 'CONFIG_FUNCTION_ERROR_INJECTION=y' "$c"; then
    check "arm64 $ver sleepable fentry" "$rel arm64 fail_load EINVAL 22" "$(arow "$tmp/a.json" fes_arm64_getpgid)"
  fi
  check "arm64 $ver __x64_sys_ wrapper" "$rel arm64 fail_load ESRCH 3" "$(arow "$tmp/a.json" fe_x64_getpgid)"
  # the config says arm64 (CONFIG_ARM64=y): so does the report without --arch
  "$bg" -j compat --kernel "$c" "$tmp/tramp_arm64.o" >"$tmp/b.json"
  check "arm64 $ver arch from the config" "$rel arm64 $want" "$(arow "$tmp/b.json" fe_test1)"
  one_line_err "arm64 $ver config as x86_64" "$bg" compat --kernel "$c" --arch x86_64 "$tmp/tramp_arm64.o"
  has "arm64 $ver arch mismatch said" "is a kernel config for arm64" \
    "$("$bg" compat --kernel "$c" --arch x86_64 "$tmp/tramp_arm64.o" 2>&1)"
done
out=$("$bg" compat --kernel "$data/configs/config-6.1.0-57-cloud-arm64" --arch arm64 "$tmp/tramp_arm64.o")
has "arm64 6.1 ENOTSUPP explained" "fails to attach: ENOTSUPP (524), because CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS is not set (fentry needs it; x86_64 has it from 5.5, arm64 from 6.4" "$out"
has "arm64 6.1 version rule" "kernel >= 6.4 on arm64: the kernel is 6.1" "$out"
one_line_err "x86_64 config as arm64" "$bg" compat "${off[@]}" --arch arm64 "$tmp/compat_fentry.o"
# --kernel VERSION --arch arm64 takes the arm64 image of the cache, never the amd64 one
# of the same version (the images here are stand-ins: only their configs are read)
k=$tmp/cache2/kernels
mkdir -p "$k/arm64"
cp "$cfg61" "$k/config-6.1.0-57-cloud-amd64"; : >"$k/vmlinuz-6.1.0-57-cloud-amd64"
cp "$data/configs/config-6.1.0-57-cloud-arm64" "$k/arm64/"; : >"$k/arm64/vmlinuz-6.1.0-57-cloud-arm64"
BPFGAUGE_CACHE=$tmp/cache2 "$bg" -q -j compat --kernel 6.1 --arch aarch64 "$tmp/tramp_arm64.o" >"$tmp/c.json"
check "cached 6.1 --arch aarch64" "6.1.0-57-cloud-arm64 arm64 fail_attach ENOTSUPP 524" "$(arow "$tmp/c.json" fe_test1)"
BPFGAUGE_CACHE=$tmp/cache2 "$bg" -q -j compat --kernel 6.1 "$tmp/tramp_arm64.o" >"$tmp/c.json"
check "cached 6.1 without --arch is x86_64" "6.1.0-57-cloud-amd64 x86_64" "$(arow "$tmp/c.json" fe_test1 | cut -d' ' -f1-2)"
one_line_err "arm64 not cached" "$bg" compat --kernel 6.12 --arch arm64 "$tmp/tramp_arm64.o"
has "arm64 not cached said" "kernel 6.12 is not cached for arm64 (try 'bpfgauge kernels fetch --arch arm64 6.12'" \
  "$("$bg" compat --kernel 6.12 --arch arm64 "$tmp/tramp_arm64.o" 2>&1)"
# a program set that passes: exit 0
"$bg" compat "${off[@]}" "$tmp/compat_xdp.o" >/dev/null; check "all pass: exit 0" 0 $?
md=$("$bg" compat "${off[@]}" --format markdown "$tmp/compat_kfunc.o")
has "markdown table" "| \`kfunc_rcu\` | tp_btf | sys_enter | \*\*fail_load EINVAL\*\* |" "$md"
tbl=$("$bg" compat "${off[@]}" "$tmp/compat_kfunc.o")
has "table hint" "hint: declare the kfunc __weak" "$tbl"
# -o FILE: the report goes there (the exit code stays the verdict's); the
# format is --format, and veristat's -o FMT is a one-line error naming it
out=$("$bg" compat "${off[@]}" --format markdown "$tmp/compat_kfunc.o" -o "$tmp/c.md"); check "-o FILE exit 1 (a program fails)" 1 $?
[ -z "$out" ] && [ "$(cat "$tmp/c.md")" = "$md" ] && ok "-o FILE holds the markdown stdout had" ||
  bad "-o FILE: stdout '$out', file: $(head -3 "$tmp/c.md")"
one_line_err old-o-format "$bg" compat "${off[@]}" -o markdown "$tmp/compat_kfunc.o"
has "old -o names --format" "use --format markdown" "$(cd "$tmp" && "$bg" compat "${off[@]}" -o markdown "$tmp/compat_kfunc.o" 2>&1)"
[ ! -e "$tmp/markdown" ] && ok "no file named markdown" || bad "compat -o markdown wrote a file"
exit $fail
