// SPDX-License-Identifier: BSD-2-Clause
// Probe placement. Every probe costs verifier budget, so the pass places as
// few as still determine every block (hits) or every edge count (counts):
// hits mode drops probes from blocks whose execution is implied by a
// successor they dominate; counts mode keeps a maximum spanning tree of the
// coverage graph uninstrumented (Knuth; as in PGOInstrumentation) and solves
// it later by flow conservation. insertProbes() then emits the code.
#include "bpfgauge_pass.h"

#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"

#include <algorithm>
#include <numeric>

using namespace llvm;

namespace bpfgauge {
namespace {

// Block B needs no probe iff hit(B) == "some successor is hit" is exact and
// cannot feed back into B: control never stops in B (no return, no exit
// call), B has a successor, and B dominates each one (so no successor runs
// without B). Domination also makes the chain of derivations acyclic, except
// through self-loops, which are excluded.
void planHits(Function &F, FunctionPlan &Plan)
{
	DominatorTree DT(F);
	SmallVector<BasicBlock *, 8> Succs;

	for (BasicBlock &BB : F) {
		uniqueSuccessors(BB, Succs);
		bool Probe = Succs.empty() || hasVirtualExit(BB) ||
			     !DT.isReachableFromEntry(&BB);
		for (BasicBlock *S : Succs)
			if (S == &BB || !DT.dominates(&BB, S))
				Probe = true;
		if (Probe)
			Plan.BlockProbes.push_back(&BB);
	}
}

struct UnionFind {
	std::vector<unsigned> Parent;
	explicit UnionFind(unsigned N) : Parent(N) { std::iota(Parent.begin(), Parent.end(), 0); }
	unsigned find(unsigned X)
	{
		while (Parent[X] != X)
			X = Parent[X] = Parent[Parent[X]];
		return X;
	}
	bool unite(unsigned A, unsigned B)
	{
		A = find(A);
		B = find(B);
		if (A == B)
			return false;
		Parent[std::max(A, B)] = std::min(A, B);
		return true;
	}
};

// Weights of the maximum spanning tree: the heavier an edge, the more it
// should stay uninstrumented. Edges in loops cost most at run time and in
// verifier states; critical edges need a split block and a jump; the entry
// edge would put a counter on the hottest block.
enum : uint64_t {
	W_BASE = 1,
	W_CRITICAL = 4,
	W_BACK = 4,
	W_ENTRY = 8,
	W_PER_LOOP_DEPTH = 16,
	W_FORCED = ~(uint64_t)0,
};

void planCounts(Function &F, FunctionPlan &Plan)
{
	DominatorTree DT(F);
	LoopInfo LI(DT);
	std::vector<CovEdge> Edges = coverageEdges(F);
	DenseMap<const BasicBlock *, unsigned> Node;
	SmallVector<BasicBlock *, 8> Succs;
	std::vector<uint64_t> Weight(Edges.size());

	for (BasicBlock &BB : F)
		Node[&BB] = Node.size() + 1; // 0 is V
	for (size_t i = 0; i < Edges.size(); i++) {
		const CovEdge &E = Edges[i];
		uint64_t W = W_BASE;
		if (!E.Src) {
			W += W_ENTRY;
		} else if (!E.Dst) {
			// A counter before the terminator would miss exits through
			// a tail call; unreachable ends are never counted anyway.
			if (hasExitCall(*E.Src) || isa<UnreachableInst>(E.Src->getTerminator()))
				W = W_FORCED;
			else
				W += W_PER_LOOP_DEPTH * LI.getLoopDepth(E.Src);
		} else {
			uniqueSuccessors(*E.Src, Succs);
			if (Succs.size() > 1 && numUniquePredecessors(*E.Dst) > 1)
				W += W_CRITICAL;
			if (DT.dominates(E.Dst, E.Src))
				W += W_BACK;
			W += W_PER_LOOP_DEPTH *
			     std::max(LI.getLoopDepth(E.Src), LI.getLoopDepth(E.Dst));
		}
		Weight[i] = W;
	}

	std::vector<size_t> Order(Edges.size());
	std::iota(Order.begin(), Order.end(), 0);
	std::stable_sort(Order.begin(), Order.end(),
			 [&](size_t A, size_t B) { return Weight[A] > Weight[B]; });
	UnionFind UF(Node.size() + 1);
	std::vector<bool> InTree(Edges.size(), false);
	for (size_t i : Order) {
		unsigned A = Edges[i].Src ? Node[Edges[i].Src] : 0;
		unsigned B = Edges[i].Dst ? Node[Edges[i].Dst] : 0;
		InTree[i] = UF.unite(A, B);
		assert(InTree[i] || Weight[i] != W_FORCED);
	}
	for (size_t i = 0; i < Edges.size(); i++)
		if (!InTree[i])
			Plan.EdgeProbes.push_back(Edges[i]);
}

// Skips the leading allocas of the entry block so they stay together.
BasicBlock::iterator blockStart(BasicBlock &BB)
{
	BasicBlock::iterator It = BB.getFirstInsertionPt();

	if (&BB == &BB.getParent()->getEntryBlock())
		while (It != BB.end() && isa<AllocaInst>(*It))
			++It;
	return It;
}

void emitProbe(Mode M, GlobalVariable *Seg, unsigned Probe, BasicBlock &BB,
	       BasicBlock::iterator Where, Synthetic &Syn)
{
	LLVMContext &Ctx = BB.getContext();
	Type *ElemTy = M == Mode::Counts ? Type::getInt64Ty(Ctx) : Type::getInt8Ty(Ctx);
	// Probes follow the 24-byte header: 24 bytes or 3 words.
	uint64_t Elem = Probe + (M == Mode::Counts ? 3 : 24);
	Constant *Idx[] = {ConstantInt::get(Type::getInt64Ty(Ctx), 0),
			   ConstantInt::get(Type::getInt64Ty(Ctx), Elem)};
	Constant *Addr = ConstantExpr::getInBoundsGetElementPtr(Seg->getValueType(), Seg, Idx);
	IRBuilder<> IRB(&BB, Where);
	Instruction *I;

	if (M == Mode::Counts)
		I = IRB.CreateAtomicRMW(AtomicRMWInst::Add, Addr, ConstantInt::get(ElemTy, 1),
					MaybeAlign(8), AtomicOrdering::Monotonic);
	else
		I = IRB.CreateStore(ConstantInt::get(ElemTy, 1), Addr);
	Syn.Insts.insert(I);
}

} // namespace

FunctionPlan planFunction(Function &F, const Options &Opts, Synthetic &Syn)
{
	FunctionPlan Plan;

	Plan.F = &F;
	splitAfterExitCalls(F, Syn);
	// Hits mode reads an edge as "its destination was hit", which needs
	// every branch edge to lead to a block of its own.
	if (Opts.TheMode == Mode::Hits)
		splitBranchCriticalEdges(F, Syn);
	if (Opts.Place == Placement::Naive) {
		for (BasicBlock &BB : F)
			Plan.BlockProbes.push_back(&BB);
	} else if (Opts.TheMode == Mode::Hits) {
		planHits(F, Plan);
	} else {
		planCounts(F, Plan);
	}
	return Plan;
}

void insertProbes(const FunctionPlan &Plan, unsigned FirstProbe, Mode M, GlobalVariable *Seg,
		  Synthetic &Syn, PlacedProbes &Out)
{
	unsigned Probe = FirstProbe;

	for (BasicBlock *BB : Plan.BlockProbes) {
		emitProbe(M, Seg, Probe, *BB, blockStart(*BB), Syn);
		Out.Block[BB] = Probe++;
	}
	for (const CovEdge &E : Plan.EdgeProbes) {
		SmallVector<BasicBlock *, 8> Succs;
		EdgeKey Key(E.Src, E.Dst);

		if (!E.Src) {
			emitProbe(M, Seg, Probe, *E.Dst, blockStart(*E.Dst), Syn);
		} else if (!E.Dst || (uniqueSuccessors(*E.Src, Succs), Succs.size() == 1)) {
			// Before the terminator: after any exit call, so only the
			// fall-through (or the return) is counted.
			emitProbe(M, Seg, Probe, *E.Src, E.Src->getTerminator()->getIterator(), Syn);
		} else if (numUniquePredecessors(*E.Dst) == 1) {
			emitProbe(M, Seg, Probe, *E.Dst, blockStart(*E.Dst), Syn);
		} else {
			Instruction *TI = E.Src->getTerminator();
			unsigned Idx = 0;
			while (TI->getSuccessor(Idx) != E.Dst)
				Idx++;
			BasicBlock *New = SplitCriticalEdge(
				TI, Idx, CriticalEdgeSplittingOptions().setMergeIdenticalEdges(),
				E.Dst->getName() + ".bg.cnt");
			if (!New) { // not critical after all: dst has one entry
				emitProbe(M, Seg, Probe, *E.Dst, blockStart(*E.Dst), Syn);
				Out.Edge[Key] = Probe++;
				continue;
			}
			Syn.Blocks.insert(New);
			Syn.Insts.insert(New->getTerminator());
			emitProbe(M, Seg, Probe, *New, blockStart(*New), Syn);
			Key = EdgeKey(New, E.Dst);
		}
		Out.Edge[Key] = Probe++;
	}
}

} // namespace bpfgauge
