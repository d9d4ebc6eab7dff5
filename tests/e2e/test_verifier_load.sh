#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Real loads on this kernel: compile tests/data/verifier/*.bpf.c, run
# `bpfgauge verifier stats`, and check each program's verdict and failure
# class (named by the file: fail_<class>...), that processed insns equal
# bpf_prog_info.verified_insns for passing programs, parallel == serial,
# ENOSPC retry, EPERM without privileges, and no-BTF refusal.
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (CAP_BPF) to load programs"; exit 77; }
bg=${BPFGAUGE:?}
src=${BPFGAUGE_SRC:?}/tests/data/verifier
clang=$(command -v clang-19 || command -v clang-22 || command -v clang-16 || command -v clang)
[ -n "$clang" ] || { echo "SKIP: no clang to build the test programs"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
for f in "$src"/*.bpf.c; do
  n=$(basename "$f" .c)
  "$clang" -g -O2 -target bpf -D__TARGET_ARCH_x86 -idirafter /usr/include/x86_64-linux-gnu \
    -c "$f" -o "$tmp/$n.o" || { bad "compile $n"; }
done
declare -A want=([pass_subprog]=none [fail_complexity]=complexity [fail_jmp_seq]=jump_seq
  [fail_stack]=stack [fail_loop]=loop [fail_mem]=mem_access [fail_ref]=ref_leak
  [fail_helper]=helper [fail_core]=btf_core [pass_stack_chain]=none)
"$bg" verifier stats -J 2 --format csv -e prog,verdict,class,insns,verified_insns,errno "$tmp"/*.o >"$tmp/par.csv"
rc=$?; [ $rc = 1 ] && ok "stats exits 1 when programs fail" || bad "stats exit $rc, want 1"
"$bg" verifier stats -J 1 --allow-failures --format csv -e prog,verdict,class,insns,verified_insns,errno "$tmp"/*.o >"$tmp/ser.csv"
rc=$?; [ $rc = 0 ] && ok "--allow-failures exits 0" || bad "--allow-failures exit $rc"
# -o FILE: the same rows in the file, nothing on stdout, the exit code unchanged;
# veristat's -o csv is a one-line error naming --format, before anything loads
out=$("$bg" verifier stats -J 2 --format csv -e prog,verdict,class,insns,verified_insns,errno "$tmp"/*.o -o "$tmp/o.csv")
rc=$?; [ $rc = 1 ] && [ -z "$out" ] && ok "stats -o: exit 1, stdout empty" || bad "stats -o: exit $rc, stdout '$out'"
cmp -s <(sort "$tmp/par.csv") <(sort "$tmp/o.csv") && ok "stats -o FILE has the rows stdout had" ||
  bad "stats -o FILE: $(diff "$tmp/par.csv" "$tmp/o.csv" | head -4)"
err=$(cd "$tmp" && "$bg" verifier stats -o csv "$tmp"/*.o 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] && [ "$(wc -l <<<"$err")" = 1 ] && grep -q "use --format csv" <<<"$err" && [ ! -e "$tmp/csv" ] &&
  ok "stats -o csv: one line naming --format, no file" || bad "stats -o csv: exit $rc: $err"
# attach type 0 means cgroup_inet_ingress only for cgroup_skb programs: a
# tracepoint has none (it was reported as cgroup_inet_ingress)
"$bg" verifier stats --format csv -e prog,prog_type,attach_type "$BPFGAUGE_BPF_DIR"/llvm-*/plain/trace_getpgid.bpf.o \
  "$BPFGAUGE_BPF_DIR"/llvm-*/plain/xdp_parse.bpf.o 2>/dev/null | tr -d "\r" | sort -u >"$tmp/at.csv"
grep -q '^trace_getpgid,tracepoint,$' "$tmp/at.csv" && ok "tracepoint: no attach type" ||
  bad "tracepoint attach type: $(grep trace_getpgid "$tmp/at.csv" | head -1)"
grep -q '^xdp_parse,xdp,xdp$' "$tmp/at.csv" && ok "xdp: attach type xdp" ||
  bad "xdp attach type: $(grep xdp_parse "$tmp/at.csv" | head -1)"
# veristat's -f on real loads: name globs pick programs before anything is
# loaded (tailcall.bpf.o holds tailcall, tail_ipv4, tail_arp; calls.bpf.o
# holds calls_main); the ones left out leave no log in --log-dir
pd=$(ls -d "$BPFGAUGE_BPF_DIR"/llvm-*/plain 2>/dev/null | head -1)
if [ -n "$pd" ] && [ -f "$pd/tailcall.bpf.o" ] && [ -f "$pd/calls.bpf.o" ]; then
  sel() { # name, want, filters...
    local name=$1 want=$2 got; shift 2
    rm -rf "$tmp/flogs"; mkdir -p "$tmp/flogs"
    got=$("$bg" verifier stats --allow-failures --log-dir "$tmp/flogs" --format csv -e file,prog "$@" \
      "$pd/tailcall.bpf.o" "$pd/calls.bpf.o" | tail -n +2 | tr -d '\r' | sed 's|^.*/||; s|,|/|' | sort | tr '\n' ' ')
    logs=$(cd "$tmp/flogs" && ls *.log 2>/dev/null | sed 's/\.log$//; s/\.bpf\.o\./.bpf.o\//' | sort | tr '\n' ' ')
    [ "$got" = "$want" ] && [ "$logs" = "$want" ] && ok "stats -f $name: loaded exactly $got" ||
      bad "stats -f $name: rows '$got', logs '$logs', want '$want'"
  }
  sel "OBJ/PROG" "tailcall.bpf.o/tail_arp tailcall.bpf.o/tail_ipv4 " -f 'tailcall.bpf.o/tail_*'
  sel "GLOB" "tailcall.bpf.o/tail_arp tailcall.bpf.o/tail_ipv4 tailcall.bpf.o/tailcall " -f 'tail*'
  sel "!OBJ/PROG" "calls.bpf.o/calls_main tailcall.bpf.o/tail_arp tailcall.bpf.o/tail_ipv4 " -f '!tailcall.bpf.o/tailcall'
  sel "/PROG" "calls.bpf.o/calls_main " -f '/calls_main'
  printf '# tailcall.bpf.o without tail_arp\ntailcall.bpf.o/\n!*/tail_arp\n' >"$tmp/sel.filters"
  sel "@FILE" "tailcall.bpf.o/tail_ipv4 tailcall.bpf.o/tailcall " -f "@$tmp/sel.filters"
  sel "glob and stat" "tailcall.bpf.o/tail_arp tailcall.bpf.o/tail_ipv4 tailcall.bpf.o/tailcall " -f 'tailcall.bpf.o/' -f 'insns>0'
else
  bad "no plain tailcall.bpf.o and calls.bpf.o under $BPFGAUGE_BPF_DIR"
fi
for p in "${!want[@]}"; do
  row=$(grep "^$p," "$tmp/par.csv" | tr -d '\r')
  IFS=, read -r prog verdict class insns vinsns errno <<<"$row"
  [ "$class" = "${want[$p]}" ] && ok "$p class $class" || bad "$p class '$class', want ${want[$p]} ($row)"
  if [ "${want[$p]}" = none ]; then
    [ "$verdict" = pass ] && [ -n "$insns" ] && [ "$insns" = "$vinsns" ] \
      && ok "$p processed $insns == verified_insns" || bad "$p: $row"
  else
    [ "$verdict" = fail ] && [ "$errno" != 0 ] && ok "$p fails with errno $errno" || bad "$p: $row"
  fi
done
# deterministic columns are the same serial and parallel (duration is not in them)
cmp -s "$tmp/par.csv" "$tmp/ser.csv" && ok "parallel == serial" || bad "parallel differs from serial"
# complexity: E2BIG with the 1M insns of the final line
tr -d "\r" <"$tmp/par.csv" | grep -q "^fail_complexity,fail,complexity,1000001,,7$" && ok "complexity 1000001 E2BIG" \
  || bad "complexity row: $(grep complexity "$tmp/par.csv")"
# ENOSPC: a 256-byte buffer is retried until the real error shows
out=$("$bg" -v verifier stats --log-size 256 --allow-failures --format csv -e prog,class,truncated "$tmp/fail_ref.bpf.o" 2>&1)
grep -q "retrying" <<<"$out" && grep -q "^fail_ref,ref_leak,0" <<<"$(tr -d '\r' <<<"$out")" \
  && ok "ENOSPC retried to the real error" || bad "ENOSPC retry: $out"
out=$("$bg" verifier stats --log-level 1 --log-size 256 --no-retry --allow-failures --format csv -e prog,class,truncated,errno "$tmp/pass_subprog.bpf.o" | tr -d '\r')
grep -q "^pass_subprog,truncated,1,28$" <<<"$out" && ok "--no-retry keeps ENOSPC" || bad "no-retry: $out"
# JSON round trip through compare: every diff is zero
"$bg" verifier stats --allow-failures --format json "$tmp"/*.o >"$tmp/a.json"
"$bg" verifier stats --allow-failures --format veristat-csv "$tmp"/*.o >"$tmp/v.csv"
head -1 "$tmp/v.csv" | grep -q "^file_name,prog_name,verdict,duration,total_insns,total_states,peak_states,max_states_per_insn,mark_read_max_len$" \
  && ok "veristat header" || bad "veristat header: $(head -1 "$tmp/v.csv")"
out=$("$bg" verifier compare --format csv -e insns,states -f 'insns_diff!=0' "$tmp/a.json" "$tmp/v.csv" | tail -n +2)
[ -z "$out" ] && ok "json vs veristat-csv: same insns" || bad "compare found diffs: $out"
# EPERM without CAP_BPF
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
  cp "$tmp/pass_subprog.bpf.o" "$tmp/p.o"; chmod 755 "$tmp"; chmod 644 "$tmp/p.o"
  out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$bg" verifier stats --allow-failures --format csv -e prog,class,errno "$tmp/p.o" | tr -d '\r')
  grep -q "^pass_subprog,permission,1$" <<<"$out" && ok "EPERM -> permission" || bad "EPERM: $out"
fi
# an object without BTF is refused with exit 2
"$clang" -O2 -target bpf -idirafter /usr/include/x86_64-linux-gnu -c "$src/fail_mem.bpf.c" -o "$tmp/nobtf.o"
err=$("$bg" verifier stats "$tmp/nobtf.o" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] && grep -q "no BTF" <<<"$err" && ok "no BTF: exit 2" || bad "no BTF: exit $rc: $err"
# hotspots from a live level-2 load sum to verified_insns
vi=$(grep "^pass_subprog," "$tmp/par.csv" | cut -d, -f5)
out=$("$bg" verifier hotspots --lcov "$tmp/heat.info" "$tmp/pass_subprog.bpf.o")
sum=$(grep '^DA:' "$tmp/heat.info" | cut -d, -f2 | paste -sd+ | bc)
[ "$sum" = "$vi" ] && ok "live heat sums to verified_insns ($vi)" || bad "heat $sum vs verified_insns $vi"
# stack: frames from the log, the deepest call chain from the object's calls.
# pass_stack_chain: main 64 -> f 128 -> g 256 = 448; main -> h 304 = 368;
# sum 752; largest frame 304. fail_stack: main 320 -> inner 320 = 640.
row=$("$bg" verifier stats --format csv -e prog,stack_depths,stack,stack_max,stack_limit_pct \
  "$tmp/pass_stack_chain.bpf.o" | tail -1 | tr -d '\r')
if [ "$(basename "$clang")" = clang-19 ]; then
  [ "$row" = "pass_stack_chain,64+128+256+304,752,448,87.50" ] && ok "stack_max = call chain 448 (87.50%)" \
    || bad "stack chain: $row"
else # other compilers may lay the frames out differently: the chain is still main+f+g
  IFS=, read -r _ d _ m _ <<<"$row"; IFS=+ read -r a b c e <<<"$d"
  [ "$m" = $((a + b + c > a + e ? a + b + c : a + e)) ] && ok "stack_max = call chain ($m)" || bad "stack chain: $row"
fi
row=$("$bg" verifier stats --allow-failures --format csv -e prog,stack_depths,stack,stack_max,stack_limit_pct \
  "$tmp/fail_stack.bpf.o" | tail -1 | tr -d '\r')
[ "$row" = "fail_stack,320+320,640,640,125.00" ] && ok "fail_stack chain 640 (125.00%)" || bad "fail_stack chain: $row"
# hotspots on a pre-6.9 log (no "@ file:line") plus the object: BTF line info
# gives the same per-line totals as the 6.9+ suffixes
mkdir -p "$tmp/logs"
"$bg" verifier stats --log-level 2 --log-dir "$tmp/logs" --format csv -e prog "$tmp/pass_stack_chain.bpf.o" >/dev/null
l2=$tmp/logs/pass_stack_chain.bpf.o.pass_stack_chain.log
sed -E 's/^(;.*) @ [^ ]+:[0-9]+$/\1/' "$l2" >"$tmp/pre69.log"
grep -q ' @ .*:[0-9]' "$tmp/pre69.log" && bad "strip left '@ file:line'" || ok "pre-6.9 log has no '@ file:line'"
"$bg" verifier hotspots -n 100 --lcov "$tmp/l2.info" "$l2" >/dev/null 2>&1
"$bg" verifier hotspots -n 100 --lcov "$tmp/pre69.info" --obj "$tmp/pass_stack_chain.bpf.o" "$tmp/pre69.log" >"$tmp/pre69.txt"
n=$(grep -c '^DA:' "$tmp/l2.info")
[ "$n" -ge 8 ] && cmp -s <(grep '^DA:' "$tmp/l2.info") <(grep '^DA:' "$tmp/pre69.info") \
  && ok "pre-6.9 log + BTF line info == 6.9+ log ($n lines)" \
  || bad "pre-6.9 hotspots differ: $(diff <(grep '^DA:' "$tmp/l2.info") <(grep '^DA:' "$tmp/pre69.info") | head -5)"
grep -q " 0 without a source line" "$tmp/pre69.txt" && ok "pre-6.9 + --obj: every insn located" \
  || bad "pre-6.9: $(head -1 "$tmp/pre69.txt")"
# --lcov source paths resolve (the kernel logs basenames; the object's BTF
# line info has the paths clang recorded): absolute, existing files
for f in "$tmp/heat.info" "$tmp/pre69.info"; do
  sfs=$(grep '^SF:' "$f" | sed 's/^SF://')
  bad_sf=$(while read -r sf; do case $sf in /*) [ -f "$sf" ] || echo "$sf" ;; *) echo "$sf" ;; esac; done <<<"$sfs")
  [ -n "$sfs" ] && [ -z "$bad_sf" ] && ok "$(basename "$f"): SF paths resolve ($(echo $sfs))" || bad "$(basename "$f"): unresolvable SF: $bad_sf"
done
if command -v genhtml >/dev/null; then
  (cd / && genhtml -q -o "$tmp/heat-html" "$tmp/pre69.info" >"$tmp/genhtml.log" 2>&1) && [ -f "$tmp/heat-html/index.html" ] &&
    ok "genhtml renders the heat file from another directory" || bad "genhtml: $(head -3 "$tmp/genhtml.log")"
fi
# a LOG without --obj: resolved in the git checkout it is run from, else
# left relative with a warning
err=$(cd / && "$bg" verifier hotspots -n 1 --lcov "$tmp/rel.info" "$l2" 2>&1 >/dev/null)
grep -q "stays relative: no unique file of that name in a git checkout here" <<<"$err" &&
  grep -qx "SF:pass_stack_chain.bpf.c" "$tmp/rel.info" && ok "a LOG without --obj outside git: relative SF, and says so" ||
  bad "LOG without --obj outside git: $err"
top=$(git -C "$BPFGAUGE_SRC" rev-parse --show-toplevel 2>/dev/null)
if [ -n "$top" ] && [ "$(git -C "$top" ls-files | grep -c '/pass_stack_chain\.bpf\.c$')" = 1 ]; then
  want=$top/$(git -C "$top" ls-files | grep '/pass_stack_chain\.bpf\.c$')
  err=$(cd "$BPFGAUGE_SRC/tests" && "$bg" verifier hotspots -n 1 --lcov "$tmp/git.info" "$l2" 2>&1 >/dev/null)
  grep -qx "SF:$want" "$tmp/git.info" && [ -z "$err" ] && ok "a LOG without --obj inside the checkout: SF:$want" ||
    bad "LOG in the checkout: $(grep SF "$tmp/git.info") $err"
else
  echo "note: the source tree is not a git checkout; LOG resolution in git not checked"
fi
# the stored 6.18 log (clang-19), stripped: exact per-line totals read from its suffixes
if [ "$(basename "$clang")" = clang-19 ]; then
  "$bg" verifier hotspots -n 100 --lcov "$tmp/st.info" --obj "$tmp/pass_stack_chain.bpf.o" \
    "$BPFGAUGE_SRC/tests/data/vlogs/6.18/pass_stack_chain.l2-pre69.log" >/dev/null
  got=$(grep '^DA:' "$tmp/st.info" | sort -t: -k2 -n | paste -sd' ')
  want="DA:15,22 DA:16,6 DA:24,10 DA:25,10 DA:33,13 DA:34,6 DA:41,1 DA:44,4 DA:45,3 DA:46,10 DA:47,15 DA:48,10"
  [ "$got" = "$want" ] && ok "stored pre-6.9 log: exact per-line insns" || bad "stored pre-6.9 log: $got"
fi

# xdp-tools objects, when installed: every program loads or fails with a class
for o in /usr/lib/x86_64-linux-gnu/bpf/*.o /usr/libexec/xdp-tools/*.o; do
  [ -f "$o" ] || continue
  row=$("$bg" verifier stats --allow-failures --format csv -e prog,verdict,insns,verified_insns "$o" | tail -n +2 | tr -d '\r')
  while IFS=, read -r p v i vi; do
    [ "$v" = fail ] || [ "$i" = "$vi" ] && ok "$(basename "$o")/$p" || bad "$(basename "$o")/$p: $i vs $vi"
  done <<<"$row"
done
[ $fail = 0 ] && echo "verifier e2e: all passed"
exit $fail
