#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Root e2e: `bpfgauge cov run` never dies on someone else's file. The tree it
# searches for objects holds, next to a copy of the instrumented xdp_parse
# object that the loader loads: an instrumented object whose mapping is
# corrupt (once a SIGSEGV), a FIFO named *.o (opening it would block), a host
# object, a plain BPF object, and symlinks to a corrupt object and a
# directory outside the tree. Checks:
#  - the run succeeds with exact coverage (the annotations, through
#    lcov_annot) and one warning line naming the corrupt object;
#  - nothing outside the tree is read (no warning about it);
#  - the scan stops once every captured map has its object (the corrupt
#    object after the good one is never read);
#  - /proc and /sys are not entered (the file count does not change);
#  - the number of files looked at is reported;
#  - without --objects, run from inside the tree, the same holds.
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (loads BPF programs)"; exit 77; }
bg=${BPFGAUGE:?run through ctest}
src=${BPFGAUGE_SRC:?}
build=${BPFGAUGE_BUILD:?}
bpfdir=${BPFGAUGE_BPF_DIR:?}
cc=$(command -v cc || command -v gcc) || { echo "SKIP: no C compiler for the loader"; exit 77; }
[ -f /usr/include/bpf/libbpf.h ] || { echo "SKIP: libbpf headers missing (libbpf-dev)"; exit 77; }
D=
for m in ${BPFGAUGE_LLVM_MAJORS//,/ }; do
  [ -f "$bpfdir/llvm-$m/counts/xdp_parse.bpf.o" ] && D=$bpfdir/llvm-$m
done
[ -n "$D" ] || { echo "SKIP: no counts-mode examples built"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

"$cc" -O2 -Wall -I"$src/bpf/runner" -o "$tmp/ex_loader" "$src/tests/e2e/loaders/ex_loader.c" \
  -lbpf -lelf -lz -lpthread || { echo "FAIL: cannot build ex_loader"; exit 1; }
cp "$build/tests/lcov_annot" "$tmp/lcov_annot" || { echo "FAIL: lcov_annot not built"; exit 1; }

# corrupt COPY: an instrumented object whose mapping declares 4e9 blocks in
# a function (hash recomputed, so only the parser can refuse it)
corrupt() {
  python3 - "$D/counts/xdp_parse.bpf.o" "$1" "$src/tests/harness" <<'PY'
import sys
sys.path.insert(0, sys.argv[3])
import gen_mapping as g
d = bytearray(open(sys.argv[1], 'rb').read())
# the record's one chunk symbol name (cov_abi.h), in the string table
i = d.index(g.SYM_PREFIX.encode())
j = d.index(b'\0', i)
name = d[i:j].decode()
assert '.0.1.' in name[:len(g.SYM_PREFIX) + 22], "xdp_parse's record is one chunk"
payload = name[len(g.SYM_PREFIX) + 21:]
rec, k = bytearray(), 0
while k < len(payload):
    c = payload[k]
    if c == '%':
        rec.append(int(payload[k + 1:k + 3], 16)); k += 3; continue
    rec += b' ' if c == '+' else b'\n' if c == '|' else c.encode()
    k += 1
lines = rec.decode().split('\n')
for k, l in enumerate(lines):
    if l.startswith('func '):
        f = l.split(' ')
        f[4] = '4000000000'
        lines[k] = ' '.join(f)
        break
for k, l in enumerate(lines):  # make room: shorter producer and paths
    if l.startswith('producer '):
        lines[k] = 'producer x'
    if l.startswith('file '):
        lines[k] = 'file %s /f.h' % l.split(' ')[1]
rec = '\n'.join(lines)
m = rec.index('mode '); e = rec.index('end\n') + 4
h = g.fnv1a(rec[m:e].encode())
k = rec.index('hash ') + 5
rec = rec[:k] + '%016x' % h + rec[k + 16:]
b = g.chunk_names(rec.encode())[0].encode()
assert len(b) <= j - i
d[i:j] = b + b'\0' * (j - i - len(b))
open(sys.argv[2], 'wb').write(d)
PY
}

T=$tmp/tree
mkdir -p "$T/good" "$T/bad" "$T/links" "$tmp/outside"
cp "$D/counts/"*.bpf.o "$T/good/"
corrupt "$T/bad/corrupt.o" || { echo "FAIL: cannot make the corrupt object"; exit 1; }
corrupt "$tmp/outside/outside.o"
mkfifo "$T/bad/fifo.o"
echo 'int f(void) { return 1; }' >"$tmp/host.c"
"$cc" -c "$tmp/host.c" -o "$T/bad/host.o"
cp "$D/plain/xdp_parse.bpf.o" "$T/bad/plain.o"
ln -s "$tmp/outside/outside.o" "$T/links/out.o"
ln -s "$tmp/outside" "$T/links/outdir"
loader=("$tmp/ex_loader" "$D/counts" run:xdp_parse)

# covrun NAME [OPTIONS]: cov run into $tmp/NAME.info, stderr in $tmp/NAME.err
covrun() {
  local name=$1; shift
  timeout -k 10 120 "$bg" cov run -o "$tmp/$name.info" "$@" -- "${loader[@]}" 2>"$tmp/$name.err"
}
looked() { sed -n 's/^cov run: looked at \([0-9]*\) file(s) .*/\1/p' "$tmp/$1.err"; }
exact() { # NAME: the lcov equals the annotations of xdp_parse, once
  if "$tmp/lcov_annot" "$src/bpf/examples" "$tmp/$1.info" counts 1 xdp_parse.bpf.c 2>"$tmp/$1.chk"; then
    ok "$1: coverage exact"
  else
    bad "$1: coverage not exact"; head -20 "$tmp/$1.chk"
  fi
}

# 1. corrupt object first: skipped with one warning, the run succeeds
covrun order --objects "$T/bad" --objects "$T/links" --objects "$T/good"
rc=$?
[ $rc = 0 ] && ok "corrupt object in the tree: exit 0" || { bad "exit $rc"; cat "$tmp/order.err"; }
n=$(grep -c "warning" "$tmp/order.err")
w=$(grep "warning" "$tmp/order.err")
[ "$n" = 1 ] && grep -q "^bpfgauge: warning: cov run: skipping '$T/bad/corrupt.o': " <<<"$w" &&
  ok "one warning line naming the corrupt object" || { bad "warnings: $n"; cat "$tmp/order.err"; }
grep -q outside "$tmp/order.err" && bad "read a file outside the tree through a symlink" ||
  ok "symlinks out of the tree not followed"
[ -n "$(looked order)" ] && ok "files looked at reported ($(looked order))" ||
  { bad "no 'looked at' line"; cat "$tmp/order.err"; }
exact order

# 2. the good tree first: the scan stops before the corrupt object
covrun stop --objects "$T/good" --objects "$T/bad"
rc=$?
[ $rc = 0 ] && ! grep -q warning "$tmp/stop.err" && ok "scan stops once every map has its object" ||
  { bad "exit $rc or the corrupt object was read"; cat "$tmp/stop.err"; }
covrun goodonly --objects "$T/good"
[ -n "$(looked goodonly)" ] && [ "$(looked stop)" = "$(looked goodonly)" ] &&
  ok "nothing looked at after the last match ($(looked stop) files)" ||
  bad "looked at $(looked stop) files with the corrupt dir after the good one, $(looked goodonly) without"

# 3. /proc and /sys are never entered
covrun pseudo --objects /proc --objects /sys --objects "$T/good"
rc=$?
[ $rc = 0 ] && [ -n "$(looked pseudo)" ] && [ "$(looked pseudo)" = "$(looked goodonly)" ] &&
  ok "/proc and /sys skipped" ||
  { bad "/proc, /sys: exit $rc, looked at $(looked pseudo) vs $(looked goodonly)"; tail -3 "$tmp/pseudo.err"; }

# 4. no --objects: the current directory tree, whatever is in it
(cd "$T" && covrun cwd)
rc=$?
[ $rc = 0 ] && ok "no --objects, from inside the tree: exit 0" || { bad "cwd: exit $rc"; cat "$tmp/cwd.err"; }
n=$(grep -c warning "$tmp/cwd.err")
[ "$n" -le 1 ] && ! grep warning "$tmp/cwd.err" | grep -qv "skipping '\./bad/corrupt.o'" &&
  ok "at most one warning, naming the corrupt object" || { bad "cwd warnings"; cat "$tmp/cwd.err"; }
exact cwd
exit $fail
