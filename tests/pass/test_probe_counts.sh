# SPDX-License-Identifier: BSD-2-Clause
# Exact probe and block counts for the hand-made shapes in inputs/shapes.bpf.c,
# derived from their -O2 CFG (see below), for every built LLVM major and both
# modes; naive placement as the baseline; fewer probes than blocks on the
# realistic parser; and the -bpfgauge-stats remarks.
#
# Derivations. hits: critical branch edges are split first, and a split
# block whose target only returns returns itself (while the target keeps
# another predecessor; the remaining edge may then not be critical any
# more, and is not split); blocks are taken
# deepest loop first, then in layout order, and a block keeps no probe iff,
# without closing a cycle of derivations, either (succ) it does not
# return/exit, has no self-loop, has successors and dominates them all, or
# (pred) it is not the entry, has no self-loop and post-dominates all its
# predecessors (none of which exits). counts: probes = edges - nodes + 1 over
# blocks + V (edges include V->entry and block->V), i.e. the non-tree edges; a
# counter on a critical edge adds a split block.
#   straight  1 block (ret). hits 1/1. counts: 2 nodes, 2 edges -> 1, 1 block.
#   diamond   e->t|f, t->j, f->j; no critical edge. hits: e (succ), j (pred:
#             it post-dominates t and f) -> probes t, f -> 2/4.
#             counts: 5 nodes, 6 edges -> 2; the tree keeps no critical edge
#             to cut, 4 blocks.
#   triangle  e->t|j, t->j; e->j critical -> split: e, t, s, j, and s
#             returns itself (j only returns). hits: e (succ), j (pred of t)
#             -> probes t, s -> 2/4, 6 edges. counts: 4
#             nodes, 5 edges -> 2; the critical edge stays on the tree, so no
#             split: 3 blocks.
#   cases     switch e->j(default)|c1|c2|c5, cases->j; e->j critical -> split,
#             s returns itself. hits: e (succ), j (pred of the cases) ->
#             probes c1, c2, c5, s -> 4/6, 10 edges.
#             counts: 6 nodes, 9 edges -> 4, the critical default edge stays
#             on the tree: 5 blocks.
#   spin      e->b|x, b->b|x (rotated while loop); e->b (b has preds e, b),
#             e->x, b->b and b->x are all critical. e->b, b->b and e->x are
#             split; s(e->x) returns itself, so b->x is no longer critical:
#             6 blocks, 9 edges. hits: in the loop, b (succ: it dominates
#             s(b->b) and x) but not s(b->b) (it neither dominates b nor
#             post-dominates b); then e (succ), s(e->b) (succ: it dominates
#             b, which does not depend on it); x post-dominates b but b
#             derives from x; probes on s(b->b), s(e->x), x -> 3/6.
#             counts: 4 nodes,
#             6 edges -> 3; b->b (self-loop) is never a tree edge; V->e
#             (walked once by the verifier, the cheapest) and one critical
#             edge of e->x|e->b get the other counters: 2 splits, 5 blocks.
#   tail      [g1=1; tail call; g2=2; ret] split after the call into A, B.
#             hits: A (exit call), B (ret) -> 2/2. counts: nodes V, A, B; edges
#             V->A, A->B, A->V (forced on the tree), B->V -> 2, 2 blocks.
#
# These derivations are on the optimised CFG, so the shapes are instrumented
# at the late stage (-bpfgauge-stage=late): the placement algorithm is the
# same at both stages, and only the late one sees a CFG that every clang
# major agrees on. The early (default) stage is checked end to end against
# the examples' source-derived annotations (tests/e2e).
#
# hits with -bpfgauge-branches=off: no splits, no branch labels (0 branch
# edges); the same rules on the unsplit CFG.
#   diamond   as above: 2/4.
#   triangle  e (succ of t, j); t neither dominates j nor post-dominates e;
#             j post-dominates e and t but e already derives from j (cycle)
#             -> probes t, j -> 2/3, 5 edges.
#   cases     e (succ); c1, c2, c5 probes; j would close a cycle through e
#             -> 4/5, 9 edges.
#   spin      b (self-loop) probe; e (succ of b, x); x would close a cycle
#             through e -> 2/3, 6 edges.
#   straight 1/1, tail 2/2 as above.
. "$(dirname "$0")/lib.sh"
require_majors
build_mapcheck
src=$INPUTS/shapes.bpf.c
LATE=(-mllvm -bpfgauge-stage=late)

# func probes blocks edges branch-edges, per mode.
want_hits="func straight 1 1 2 0
func diamond 2 4 6 2
func triangle 2 4 6 2
func cases 4 6 10 4
func spin 3 6 9 4
func tail 2 2 4 0"
want_nobranches="func straight 1 1 2 0
func diamond 2 4 6 0
func triangle 2 3 5 0
func cases 4 5 9 0
func spin 2 3 6 0
func tail 2 2 4 0"
want_counts="func straight 1 1 2 0
func diamond 2 4 6 2
func triangle 2 3 5 2
func cases 4 5 9 4
func spin 3 5 8 4
func tail 2 2 4 0"
# Naive: a probe in every block (hits still splits critical branch edges).
want_naive_hits="straight 1 1
diamond 4 4
triangle 4 4
cases 6 6
spin 6 6
tail 2 2"
want_naive_counts="straight 1 1
diamond 4 4
triangle 3 3
cases 5 5
spin 3 3
tail 2 2"

for m in $MAJORS; do
	for mode in hits counts; do
		o=$BG_TMP/$m-$mode.o
		bg_cc "$m" "$mode" "$o" "$src" "${LATE[@]}" -mllvm -bpfgauge-stats -Rremark-backend-plugin \
			2>"$BG_TMP/stats" || { fail "clang-$m $mode: compile failed"; continue; }
		got=$("$MAPCHECK" "$o" | grep '^func ')
		want=want_$mode
		expect_eq "clang-$m $mode shapes" "$got" "${!want}"
		line=$(grep -o 'bpfgauge: diamond: [0-9]* probes / [0-9]* blocks' "$BG_TMP/stats")
		[ "$mode" = hits ] && expect_eq "clang-$m stats remark" "$line" "bpfgauge: diamond: 2 probes / 4 blocks"
		grep -q "bpfgauge: .*shapes.bpf.c: [0-9]* probes / [0-9]* blocks ($mode, optimal, late)" "$BG_TMP/stats" ||
			fail "clang-$m $mode: no module total remark"

		bg_cc "$m" "$mode" "$o.naive" "$src" "${LATE[@]}" -mllvm -bpfgauge-placement=naive ||
			{ fail "clang-$m $mode naive: compile failed"; continue; }
		got=$("$MAPCHECK" -n "$o.naive" | awk '/^func /{print $2, $3, $4}')
		want=want_naive_$mode
		expect_eq "clang-$m $mode naive shapes" "$got" "${!want}"

		# The realistic parser: fewer probes than blocks, and than naive.
		p=$BG_TMP/$m-$mode-parser.o
		bg_cc "$m" "$mode" "$p" "$INPUTS/parser.bpf.c" &&
			bg_cc "$m" "$mode" "$p.naive" "$INPUTS/parser.bpf.c" -mllvm -bpfgauge-placement=naive ||
			{ fail "clang-$m $mode: parser compile failed"; continue; }
		read -r probes blocks < <("$MAPCHECK" "$p" | awk '/^func /{p+=$3; b+=$4} END{print p, b}')
		read -r nprobes nblocks < <("$MAPCHECK" -n "$p.naive" | awk '/^func /{p+=$3; b+=$4} END{print p, b}')
		echo "clang-$m $mode parser: $probes probes / $blocks blocks (naive $nprobes / $nblocks)"
		[ "$probes" -lt "$blocks" ] || fail "clang-$m $mode parser: $probes probes, $blocks blocks"
		[ "$probes" -lt "$nprobes" ] || fail "clang-$m $mode parser: optimal $probes >= naive $nprobes"
	done

	o=$BG_TMP/$m-nobr.o
	if bg_cc "$m" hits "$o" "$src" "${LATE[@]}" -mllvm -bpfgauge-branches=off; then
		expect_eq "clang-$m hits branches=off shapes" "$("$MAPCHECK" "$o" | grep '^func ')" \
			"$want_nobranches"
	else
		fail "clang-$m hits branches=off: compile failed"
	fi
	bg_cc "$m" counts "$o" "$src" -mllvm -bpfgauge-branches=off 2>"$BG_TMP/err" &&
		fail "clang-$m counts branches=off: compiled"
	grep -q 'branches=off is for hits mode only' "$BG_TMP/err" ||
		fail "clang-$m counts branches=off: no clear error"
done
finish
