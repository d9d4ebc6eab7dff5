// SPDX-License-Identifier: BSD-2-Clause
// The coverage graph of a function: its basic blocks plus a virtual node V
// that stands for "outside the function". Entry is an edge V->entry; a block
// that returns, is unreachable or may leave through a tail call has an edge
// to V. This file also holds the two CFG rewrites the pass needs before it
// places probes: splitting after exit calls and splitting critical branch
// edges (a split that leads to a bare return returns itself).
#include "bpfgauge_pass.h"

#include "llvm/IR/CFG.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"

using namespace llvm;

namespace bpfgauge {

// BPF helpers are called through a constant address: inttoptr (i64 ID).
static const uint64_t BPF_FUNC_TAIL_CALL = 12;

bool isExitCall(const Instruction &I)
{
	const auto *CB = dyn_cast<CallBase>(&I);

	if (!CB || isa<IntrinsicInst>(CB))
		return false;
	if (CB->doesNotReturn())
		return true;
	const Value *Callee = CB->getCalledOperand()->stripPointerCasts();
	// Before optimisation clang calls a helper through the static pointer
	// bpf_helpers.h defines (= (void *)12), loaded at each call.
	if (const auto *LI = dyn_cast<LoadInst>(Callee)) {
		const auto *GV = dyn_cast<GlobalVariable>(LI->getPointerOperand()->stripPointerCasts());
		if (!GV || !GV->hasInitializer() || !GV->hasLocalLinkage())
			return false;
		Callee = GV->getInitializer();
	}
	const auto *CE = dyn_cast<ConstantExpr>(Callee);
	if (!CE || CE->getOpcode() != Instruction::IntToPtr)
		return false;
	const auto *Id = dyn_cast<ConstantInt>(CE->getOperand(0));
	return Id && Id->getZExtValue() == BPF_FUNC_TAIL_CALL;
}

bool isCompileTimeCondition(const Value *Cond)
{
	const auto *II = dyn_cast<IntrinsicInst>(Cond);

	return II && II->getIntrinsicID() == Intrinsic::is_constant;
}

bool hasExitCall(const BasicBlock &BB)
{
	for (const Instruction &I : BB)
		if (isExitCall(I))
			return true;
	return false;
}

bool hasVirtualExit(const BasicBlock &BB)
{
	const Instruction *TI = BB.getTerminator();

	return isa<ReturnInst>(TI) || isa<UnreachableInst>(TI) || hasExitCall(BB);
}

void uniqueSuccessors(const BasicBlock &BB, SmallVectorImpl<BasicBlock *> &Out)
{
	Out.clear();
	for (const BasicBlock *S : successors(&BB))
		if (std::find(Out.begin(), Out.end(), S) == Out.end())
			Out.push_back(const_cast<BasicBlock *>(S));
}

unsigned numUniquePredecessors(const BasicBlock &BB)
{
	SmallPtrSet<const BasicBlock *, 8> Seen;

	for (const BasicBlock *P : predecessors(&BB))
		Seen.insert(P);
	return Seen.size();
}

std::vector<CovEdge> coverageEdges(Function &F)
{
	std::vector<CovEdge> Edges;
	SmallVector<BasicBlock *, 8> Succs;

	Edges.push_back({nullptr, &F.getEntryBlock()});
	for (BasicBlock &BB : F) {
		uniqueSuccessors(BB, Succs);
		for (BasicBlock *S : Succs)
			Edges.push_back({&BB, S});
		if (hasVirtualExit(BB))
			Edges.push_back({&BB, nullptr});
	}
	return Edges;
}

// The first instruction after I that is not debug info, or null.
static Instruction *nextRealInst(Instruction *I)
{
	for (I = I->getNextNode(); I && I->isDebugOrPseudoInst(); I = I->getNextNode())
		;
	return I;
}

void splitAfterExitCalls(Function &F, Synthetic &Syn)
{
	SmallVector<Instruction *, 8> Calls;

	for (BasicBlock &BB : F)
		for (Instruction &I : BB)
			if (isExitCall(I))
				Calls.push_back(&I);
	for (Instruction *Call : Calls) {
		Instruction *Next = nextRealInst(Call);
		if (!Next || isa<ReturnInst>(Next) || isa<UnreachableInst>(Next))
			continue;
		// A lone unconditional branch after the call needs no block of its
		// own: the fall-through edge can be counted before it, exactly. Its
		// line is not claimed so a taken exit does not mark it executed.
		if (auto *Br = dyn_cast<BranchInst>(Next)) {
			if (Br->isUnconditional()) {
				Syn.Insts.insert(Br);
				continue;
			}
		}
		BasicBlock *BB = Call->getParent();
		BB->splitBasicBlock(Next->getIterator(), BB->getName() + ".bg.cont");
		Syn.Insts.insert(BB->getTerminator());
	}
}

// A split block that only jumps to a block that only returns (phis and a
// ret) returns itself: this saves the verifier a jump on every path through
// it, typically one per early return. The block then carries the return's
// line, so in hits mode (where a line is hit iff any block carrying it is)
// the line's coverage is unchanged. The return block keeps at least one
// predecessor.
static void returnDirectly(BasicBlock *Split, Synthetic &Syn)
{
	BasicBlock *R = Split->getSingleSuccessor();
	auto *Ret = R ? dyn_cast<ReturnInst>(R->getTerminator()) : nullptr;

	if (!Ret || &*R->getFirstNonPHIOrDbg() != Ret || numUniquePredecessors(*R) < 2)
		return;
	Value *V = Ret->getReturnValue();
	if (auto *Phi = dyn_cast_or_null<PHINode>(V))
		if (Phi->getParent() == R)
			V = Phi->getIncomingValueForBlock(Split);
	for (PHINode &Phi : R->phis())
		Phi.removeIncomingValue(Split, /*DeletePHIIfEmpty=*/false);
	Syn.Insts.erase(Split->getTerminator());
	Split->getTerminator()->eraseFromParent();
	ReturnInst::Create(Split->getContext(), V, Split)->setDebugLoc(Ret->getDebugLoc());
	Syn.Blocks.erase(Split);
}

void splitBranchCriticalEdges(Function &F, Synthetic &Syn)
{
	std::vector<std::pair<Instruction *, BasicBlock *>> Work;
	SmallVector<BasicBlock *, 8> Succs;

	for (BasicBlock &BB : F) {
		Instruction *TI = BB.getTerminator();
		auto *Br = dyn_cast<BranchInst>(TI);
		if (!(Br && Br->isConditional()) && !isa<SwitchInst>(TI))
			continue;
		uniqueSuccessors(BB, Succs);
		if (Succs.size() < 2)
			continue;
		for (BasicBlock *S : Succs)
			if (numUniquePredecessors(*S) > 1)
				Work.push_back({TI, S});
	}
	for (auto &W : Work) {
		Instruction *TI = W.first;
		unsigned Idx = 0;
		while (TI->getSuccessor(Idx) != W.second)
			Idx++;
		BasicBlock *New = SplitCriticalEdge(
			TI, Idx, CriticalEdgeSplittingOptions().setMergeIdenticalEdges(),
			W.second->getName() + ".bg.edge");
		if (!New)
			continue;
		Syn.Blocks.insert(New);
		Syn.Insts.insert(New->getTerminator());
		returnDirectly(New, Syn);
	}
}

} // namespace bpfgauge
