#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Bench (label bench): the coverage model at the validator's limit. A
# synthetic mapping with one function of 1M blocks, as a derivation chain
# (hits mode, every block inferred from its successor; once more with 4M
# edges, the validator's edge limit) and as a flow chain
# (counts mode, one probe, every other edge solved by conservation), goes
# through `cov report` from a snapshot. Prints the wall and CPU seconds of
# each; the target is about one second for the whole report (parse 40 MB
# of mapping, model, write 12 MB of lcov) so that the validator's limits
# (COV_MAX_BLOCKS, COV_MAX_EDGES in runtime/cov/cov_internal.h) stay honest.
set -euo pipefail
B=${BPFGAUGE:?}
SRC=${BPFGAUGE_SRC:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
N=${BENCH_BLOCKS:-1000000}
python3 "$SRC/tests/harness/gen_mapping.py" chain "$N" "$T/chain.o" "$T/chain.snap"
# the edge limit too: 4 parallel edges per block, 4M edges in all
python3 "$SRC/tests/harness/gen_mapping.py" chain "$N" "$T/chain4.o" "$T/chain4.snap" 4
python3 "$SRC/tests/harness/gen_mapping.py" flow "$N" 3 "$T/flow.o" "$T/flow.snap"
rc=0
for k in chain chain4 flow; do
  /usr/bin/time -f '%e %U' -o "$T/time" "$B" cov report "$T/$k.o" --snapshot "$T/$k.snap" \
    -o "$T/$k.info" 2>/dev/null
  read -r wall cpu <"$T/time"
  lh=$(sed -n 's/^LH://p' "$T/$k.info")
  echo "model_1m $k: $N blocks, wall ${wall}s, cpu ${cpu}s, lines hit $lh"
  [ "$lh" = "$N" ] || { echo "FAIL $k: $lh of $N lines hit"; rc=1; }
done
exit $rc
