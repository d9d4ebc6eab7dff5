#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# `bpfgauge compat` on this kernel: compile tests/data/compat/*.bpf.c, predict
# each program's verdict, then --live loads and attaches each one for real;
# every prediction must agree with the live outcome. Expected verdicts come
# from independent oracles: the kernel's own config (zcat /proc/config.gz),
# whether tracefs is mounted (set up in private mount namespaces both ways),
# and a plain libbpf load of the fentry program by bpftool.
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (CAP_BPF) to load programs"; exit 77; }
bg=${BPFGAUGE:?}
src=${BPFGAUGE_SRC:?}/tests/data/compat
clang=$(command -v clang-22 || command -v clang-19 || command -v clang-16 || command -v clang)
[ -n "$clang" ] || { echo "SKIP: no clang to build the test programs"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing (reads the JSON)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
for f in "$src"/*.bpf.c; do
  n=$(basename "$f" .c)
  "$clang" -g -O2 -target bpf -D__TARGET_ARCH_x86 -idirafter /usr/include/x86_64-linux-gnu \
    -c "$f" -o "$tmp/$n.o" || bad "compile $n"
done
objs=("$tmp"/compat_{kprobe,fentry,lsm,tp,xdp,kfunc,kfunc_weak,iter}.bpf.o)

# field NAME KEY [live]: a program's predicted (or live) value from the JSON in $1
field() {
  python3 - "$1" "$2" "$3" "${4:-}" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["programs"]:
    if p["name"] == sys.argv[2]:
        src = p["live"] if sys.argv[4] else p
        v = src[sys.argv[3]]
        print(v if not isinstance(v, bool) else str(v).lower())
EOF
}

# 1. With tracefs mounted (in a private mount namespace, so the host is untouched)
unshare -m --propagation private sh -c '
  mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing || exit 3
  exec "$0" -j compat --live "$@"' "$bg" "${objs[@]}" >"$tmp/live.json" 2>"$tmp/live.err"
rc=$?
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['kind']=='bpfgauge.compat' and d['schema_version']==1" \
  "$tmp/live.json" && ok "JSON has kind and schema_version" || bad "JSON: $(head -c 300 "$tmp/live.json"; cat "$tmp/live.err")"
dis=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(' '.join(p['name']+':'+p['live']['disagreement'] for p in d['programs'] if not p['live']['agrees']))" "$tmp/live.json")
[ -z "$dis" ] && ok "every prediction agrees with the live load+attach" || bad "disagreements: $dis"
nfail=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['summary']['failing'])" "$tmp/live.json")
if [ "$nfail" -gt 0 ]; then want_rc=1; else want_rc=0; fi
[ $rc = $want_rc ] && ok "exit $rc with $nfail failing programs" || bad "exit $rc, want $want_rc"

# kprobe: the kernel's own config says whether CONFIG_KPROBES is there
config=$(zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$(uname -r)" 2>/dev/null)
if [ -z "$config" ]; then
  echo "note: no kernel config on this host; kprobe oracle skipped"
elif grep -q '^CONFIG_KPROBES=y' <<<"$config"; then
  v=$(field "$tmp/live.json" kp_unlinkat verdict)
  [ "$v" = ok ] && ok "kprobe attaches (CONFIG_KPROBES=y)" || bad "kprobe verdict $v with CONFIG_KPROBES=y"
else
  v=$(field "$tmp/live.json" kp_unlinkat verdict); e=$(field "$tmp/live.json" kp_unlinkat errno_name)
  r=$(field "$tmp/live.json" kp_unlinkat reason); lv=$(field "$tmp/live.json" kp_unlinkat verdict live)
  le=$(field "$tmp/live.json" kp_unlinkat attach_errno live)
  [ "$v/$e/$lv/$le" = "fail_attach/ENOENT/fail_attach/2" ] && grep -q "CONFIG_KPROBES is not set" <<<"$r" \
    && ok "kprobe: predicted and observed ENOENT at attach, because CONFIG_KPROBES is not set" \
    || bad "kprobe: $v $e ($r), live $lv $le"
fi

# fentry/LSM: bpftool's own load is the oracle for whether trampolines load here
if bpftool prog loadall "$tmp/compat_fentry.bpf.o" /sys/fs/bpf/bpfgauge_compat_$$ 2>"$tmp/bpftool.err" >/dev/null; then
  rm -rf /sys/fs/bpf/bpfgauge_compat_$$
  for p in fe_unlinkat fx_unlinkat; do
    v=$(field "$tmp/live.json" $p verdict)
    [ "$v" != fail_load ] && ok "$p loads, as bpftool's load does" || bad "$p predicted $v but bpftool loads it"
  done
else
  rm -rf /sys/fs/bpf/bpfgauge_compat_$$
  grep -q "Operation not permitted" "$tmp/bpftool.err" || echo "note: bpftool: $(grep -m1 -i fail "$tmp/bpftool.err")"
  for p in fe_unlinkat fx_unlinkat lsm_file_open; do
    v=$(field "$tmp/live.json" $p verdict); e=$(field "$tmp/live.json" $p errno_name)
    r=$(field "$tmp/live.json" $p reason); le=$(field "$tmp/live.json" $p load_errno live)
    if grep -q "Operation not permitted" "$tmp/bpftool.err"; then
      [ "$v/$e/$le" = "fail_load/EPERM/1" ] && grep -q "refuses every BPF trampoline program" <<<"$r" \
        && grep -q "kernel lockdown is" <<<"$r" \
        && ok "$p: EPERM at load predicted and observed, explained (trampolines refused; lockdown named)" \
        || bad "$p: $v $e ($r), live load errno $le"
    fi
  done
fi

# iter/bpf_map_elem: bpftool's own load is the oracle; the prediction comes
# from compat's probe of that target on this kernel
rm -rf /sys/fs/bpf/bpfgauge_compat_iter_$$
if bpftool prog loadall "$tmp/compat_iter.bpf.o" /sys/fs/bpf/bpfgauge_compat_iter_$$ 2>"$tmp/bpftool-iter.err" >/dev/null; then
  rm -rf /sys/fs/bpf/bpfgauge_compat_iter_$$
  v=$(field "$tmp/live.json" it_map_elem verdict)
  [ "$v" = loads ] && ok "iter/bpf_map_elem loads here (bpftool too)" || bad "iter/bpf_map_elem: $v, bpftool loads it"
else
  rm -rf /sys/fs/bpf/bpfgauge_compat_iter_$$
  e_bt=$(grep -c "Operation not permitted" "$tmp/bpftool-iter.err" || true)
  v=$(field "$tmp/live.json" it_map_elem verdict); e=$(field "$tmp/live.json" it_map_elem errno_name)
  r=$(field "$tmp/live.json" it_map_elem reason); le=$(field "$tmp/live.json" it_map_elem load_errno live)
  [ "$e_bt" -gt 0 ] && [ "$v/$e/$le" = "fail_load/EPERM/1" ] && grep -q "refuses iter/bpf_map_elem programs" <<<"$r" \
    && ok "iter/bpf_map_elem: EPERM at load, predicted from the kernel's own refusal of a minimal one, as bpftool saw" \
    || bad "iter/bpf_map_elem: $v $e ($r), live load $le; bpftool: $(tail -2 "$tmp/bpftool-iter.err")"
fi

# verifier stats names the same kernel cause instead of "run as root"
if grep -q "Operation not permitted" "$tmp/bpftool.err" 2>/dev/null; then
  out=$("$bg" verifier stats --allow-failures --format csv -e prog,class,errno,hint "$tmp/compat_lsm.bpf.o" | tr -d '\r')
  grep -q '^lsm_file_open,kernel,1,"this kernel refuses every BPF trampoline program' <<<"$out" \
    && ok "verifier stats: EPERM classed 'kernel' with its cause" || bad "verifier stats: $out"
fi

# tracepoint, raw_tp, tp_btf, xdp and the kfunc program attach here
for p in tp_openat raw_sys_enter btf_sched_switch kfunc_rcu kfunc_weak; do
  v=$(field "$tmp/live.json" $p verdict); lv=$(field "$tmp/live.json" $p verdict live)
  [ "$v/$lv" = "ok/ok" ] && ok "$p predicted and observed to attach" || bad "$p: predicted $v, live $lv"
done
v=$(field "$tmp/live.json" xdp_pass_again verdict live)
[ "$v" = ok ] && ok "a second XDP program attaches after the first detached" || bad "second xdp: $v"
v=$(field "$tmp/live.json" xdp_pass verdict); lv=$(field "$tmp/live.json" xdp_pass verdict live)
d=$(field "$tmp/live.json" xdp_pass detail live)
[ "$v/$lv" = "loads/ok" ] && grep -q "private network namespace" <<<"$d" \
  && ok "xdp loads; live attaches to lo of a private netns" || bad "xdp: $v, live $lv ($d)"

# 2. Without tracefs (unmounted in a private namespace): libbpf cannot find the tracepoint id
unshare -m --propagation private sh -c '
  umount /sys/kernel/debug/tracing 2>/dev/null; umount /sys/kernel/tracing 2>/dev/null
  [ -e /sys/kernel/tracing/events ] && exit 3
  exec "$0" -j compat --live --no-probe "$@"' "$bg" "$tmp/compat_tp.bpf.o" >"$tmp/notrace.json" 2>"$tmp/notrace.err"
rc=$?
if [ $rc = 3 ]; then
  echo "note: tracefs could not be unmounted in a private namespace; case skipped"
else
  v=$(field "$tmp/notrace.json" tp_openat verdict); e=$(field "$tmp/notrace.json" tp_openat errno_name)
  lv=$(field "$tmp/notrace.json" tp_openat verdict live); le=$(field "$tmp/notrace.json" tp_openat attach_errno live)
  [ "$rc/$v/$e/$lv/$le" = "1/fail_attach/ENOENT/fail_attach/2" ] \
    && ok "tracepoint without tracefs: ENOENT at attach, predicted and observed" \
    || bad "tracepoint without tracefs: rc $rc, $v $e, live $lv $le; $(cat "$tmp/notrace.err")"
  v=$(field "$tmp/notrace.json" raw_sys_enter verdict live)
  [ "$v" = ok ] && ok "raw_tp needs no tracefs" || bad "raw_tp without tracefs: $v"
fi
# nothing of ours is left on the host
[ ! -e /sys/fs/bpf/bpfgauge_compat_$$ ] && ok "no pins left" || bad "pin left"

# 3. The same objects against Debian's 6.1 config (shipped in tests/data): the kfunc version rule
"$bg" -j compat --kernel 6.1 --config "$src/configs/config-6.1.0-57-cloud-amd64" "$tmp/compat_kfunc.bpf.o" \
  "$tmp/compat_kfunc_weak.bpf.o" >"$tmp/k61.json"
rc=$?
v=$(field "$tmp/k61.json" kfunc_rcu verdict); e=$(field "$tmp/k61.json" kfunc_rcu errno_name)
w=$(field "$tmp/k61.json" kfunc_weak verdict)
[ "$rc/$v/$e/$w" = "1/fail_load/EINVAL/ok" ] && ok "6.1: bpf_rcu_read_lock (6.2+) fails to load, the __weak guard loads" \
  || bad "6.1 kfunc: rc $rc, $v $e, weak $w"
exit $fail
