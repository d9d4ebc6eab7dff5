// SPDX-License-Identifier: BSD-2-Clause
// Late thinning of early probes. After optimisation a source block's probe
// may exist as several copies (unrolled iterations, inline sites), and
// every copy costs the verifier an instruction. Here the copies are taken
// out and replaced by the fewest probes that determine the optimised CFG's
// block counts (the same placement as late instrumentation, on the CFG the
// optimiser produced with the copies in it); the mapping gains, per
// function, that CFG and where the copies were ("thin" records, cov_abi.h),
// and a source probe's value becomes the sum (counts) or the OR (hits) over
// its copies' blocks. The late probes reuse the slots of the probes whose
// every copy was thinned, so the segment keeps its size. Whatever is not
// understood (a probe whose address is not constant, a select probe) stays a
// real probe, and when the slots do not suffice nothing is thinned.
#include "bpfgauge_pass.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <set>

using namespace llvm;

namespace bpfgauge {
namespace {

struct CopyRec {
	BasicBlock *BB;
	unsigned Slot;
	uint64_t Mult; // counts: the sum of the increments in the block
};

struct FuncWork {
	Function *F;
	FunctionPlan Plan;
	Synthetic Syn;
	std::vector<Instruction *> Erase;
	std::map<std::pair<BasicBlock *, unsigned>, uint64_t> Copies;
};

// The slots an address may point to, through phis and selects of constant
// offsets into Seg; false when it may point elsewhere or anywhere.
bool possibleSlots(Value *Ptr, GlobalVariable *Seg, Mode M, const DataLayout &DL,
		   std::set<uint64_t> &Out, unsigned Depth = 0)
{
	uint64_t Hdr = 24, Elem = M == Mode::Counts ? 8 : 1;

	if (Depth > 8)
		return false;
	if (auto *Phi = dyn_cast<PHINode>(Ptr)) {
		for (Value *V : Phi->incoming_values())
			if (!possibleSlots(V, Seg, M, DL, Out, Depth + 1))
				return false;
		return true;
	}
	if (auto *Sel = dyn_cast<SelectInst>(Ptr))
		return possibleSlots(Sel->getTrueValue(), Seg, M, DL, Out, Depth + 1) &&
		       possibleSlots(Sel->getFalseValue(), Seg, M, DL, Out, Depth + 1);
	APInt Off(DL.getIndexTypeSizeInBits(Ptr->getType()), 0);
	if (Ptr->stripAndAccumulateConstantOffsets(DL, Off, true) != Seg || Off.isNegative() ||
	    Off.getZExtValue() < Hdr || (Off.getZExtValue() - Hdr) % Elem)
		return false;
	Out.insert((Off.getZExtValue() - Hdr) / Elem);
	return true;
}

// The optimiser sinks the probes of two predecessors into their join as
// one store through a phi of addresses. Put each back on its edge (at the
// end of a predecessor that only leads there, else on a new block on the
// edge), where it is an ordinary copy again.
void unsinkPhiProbes(Function &F, GlobalVariable *Seg, Mode M, const DataLayout &DL,
		     Synthetic &Syn)
{
	std::vector<Instruction *> Work;

	for (BasicBlock &BB : F)
		for (Instruction &I : BB) {
			auto *SI = dyn_cast<StoreInst>(&I);
			auto *RMW = dyn_cast<AtomicRMWInst>(&I);
			Value *Ptr = SI ? SI->getPointerOperand()
					: RMW ? RMW->getPointerOperand() : nullptr;
			auto *Phi = dyn_cast_or_null<PHINode>(Ptr);
			std::set<uint64_t> Slots;
			if (!Phi || Phi->getParent() != &BB || !possibleSlots(Phi, Seg, M, DL, Slots))
				continue;
			if (SI && (SI->isVolatile() || !isa<ConstantInt>(SI->getValueOperand())))
				continue;
			if (RMW && (!RMW->use_empty() || !isa<ConstantInt>(RMW->getValOperand())))
				continue;
			Work.push_back(&I);
		}
	for (Instruction *I : Work) {
		auto *Phi = cast<PHINode>(getLoadStorePointerOperand(I) ? getLoadStorePointerOperand(I)
				       : cast<AtomicRMWInst>(I)->getPointerOperand());
		BasicBlock *BB = I->getParent();
		SmallVector<std::pair<BasicBlock *, Value *>, 4> In;
		SmallPtrSet<BasicBlock *, 4> Seen;
		bool Ok = true;
		for (unsigned i = 0; i < Phi->getNumIncomingValues(); i++) {
			In.push_back({Phi->getIncomingBlock(i), Phi->getIncomingValue(i)});
			// one edge per predecessor, and one we can put code on
			Ok &= Seen.insert(Phi->getIncomingBlock(i)).second &&
			      (isa<BranchInst>(Phi->getIncomingBlock(i)->getTerminator()) ||
			       isa<SwitchInst>(Phi->getIncomingBlock(i)->getTerminator()));
		}
		if (!Ok)
			continue; // stays where it is: its slots are kept real probes
		for (auto &E : In) {
			BasicBlock *Pred = E.first;
			if (Pred->getSingleSuccessor() != BB) {
				Instruction *TI = Pred->getTerminator();
				unsigned Idx = 0;
				while (TI->getSuccessor(Idx) != BB)
					Idx++;
				// Pred branches elsewhere too and BB joins: critical
				BasicBlock *New = SplitCriticalEdge(
					TI, Idx, CriticalEdgeSplittingOptions().setMergeIdenticalEdges());
				assert(New && "a join's edge from a branching block is critical");
				Syn.Blocks.insert(New);
				Pred = New;
			}
			Instruction *C = I->clone();
			C->setOperand(isa<StoreInst>(I) ? 1 : 0, E.second);
			compat::insertBefore(C, Pred->getTerminator());
		}
		I->eraseFromParent();
		if (Phi->use_empty())
			Phi->eraseFromParent();
	}
}

// A copy thinning can move: a probe in a form lowering knows whose
// increment is a constant (a select probe's is its condition).
bool thinnable(const ProbeAccess &A, Mode M)
{
	return A.Recognised && (M == Mode::Hits || isa<ConstantInt>(A.Inc));
}

// Does I touch the segment at all (with an address we may not know)?
bool touchesSeg(Instruction &I, GlobalVariable *Seg)
{
	for (Value *Op : I.operands())
		if (Op->getType()->isPointerTy() && getUnderlyingObject(Op) == Seg)
			return true;
	return false;
}

void writeThin(raw_ostream &OS, FuncWork &W, const PlacedProbes &Placed)
{
	Function &F = *W.F;
	DenseMap<const BasicBlock *, int> Id;
	std::vector<CovEdge> Edges = coverageEdges(F);

	for (BasicBlock &BB : F)
		Id[&BB] = Id.size();
	OS << "thin " << escapeField(F.getName()) << ' ' << Id.size() << ' ' << Edges.size() << ' '
	   << W.Copies.size() << '\n';
	for (BasicBlock &BB : F) {
		auto P = Placed.Block.find(&BB);
		OS << "b " << Id[&BB] << ' ';
		if (P != Placed.Block.end())
			OS << P->second;
		else if (Placed.FromPreds.count(&BB))
			OS << '<';
		else
			OS << '-';
		OS << '\n';
	}
	for (const CovEdge &E : Edges) {
		auto It = Placed.Edge.find(EdgeKey(E.Src, E.Dst));
		OS << "e " << (E.Src ? Id[E.Src] : -1) << ' ' << (E.Dst ? Id[E.Dst] : -1) << ' ';
		if (It != Placed.Edge.end())
			OS << It->second;
		else
			OS << '-';
		OS << " -\n";
	}
	// In block then slot order, never pointer order: the same IR gives the
	// same bytes.
	std::vector<std::tuple<int, unsigned, uint64_t>> Recs;
	for (auto &KV : W.Copies)
		Recs.emplace_back(Id[KV.first.first], KV.first.second, KV.second);
	std::sort(Recs.begin(), Recs.end());
	for (auto &R : Recs)
		OS << "c " << std::get<0>(R) << ' ' << std::get<1>(R) << ' ' << std::get<2>(R) << '\n';
}

// Puts the thin records before "end", rehashes, and installs the new text
// and hash in the mapping and the segment header.
void rewriteMapping(Module &Mod, GlobalVariable *Seg, GlobalVariable *Map, Mode M,
		    const std::string &Thin)
{
	auto *Data = cast<ConstantDataSequential>(Map->getInitializer());
	std::string Text = Data->getAsCString().str();
	size_t Body = Text.find('\n', Text.find('\n') + 1) + 1;
	std::string NewBody = Text.substr(Body, Text.size() - Body - 4) + Thin + "end\n";
	uint64_t Hash = bpfgauge_fnv1a(BPFGAUGE_FNV_OFFSET, NewBody.data(), NewBody.size());
	std::string Out;
	raw_string_ostream OS(Out);

	OS << Text.substr(0, Text.find('\n') + 1) << "hash "
	   << format_hex_no_prefix(Hash, 16, /*Upper=*/false) << '\n'
	   << NewBody;
	OS.flush();

	LLVMContext &Ctx = Mod.getContext();
	Constant *Init = ConstantDataArray::getString(Ctx, Out, /*AddNull=*/true);
	auto *NewMap = new GlobalVariable(Mod, Init->getType(), /*isConstant=*/true,
					  Map->getLinkage(), Init, "", Map);
	NewMap->setSection(Map->getSection());
	NewMap->setAlignment(Map->getAlign());
	NewMap->takeName(Map);
	Map->replaceAllUsesWith(ConstantExpr::getBitCast(NewMap, Map->getType()));
	Map->eraseFromParent();

	// The header's third word is the hash (cov_abi.h).
	auto *SegData = cast<ConstantDataSequential>(Seg->getInitializer());
	if (M == Mode::Counts) {
		std::vector<uint64_t> Words;
		for (unsigned i = 0; i < SegData->getNumElements(); i++)
			Words.push_back(SegData->getElementAsInteger(i));
		Words[2] = Hash;
		Seg->setInitializer(ConstantDataArray::get(Ctx, Words));
	} else {
		std::vector<uint8_t> Bytes;
		for (unsigned i = 0; i < SegData->getNumElements(); i++)
			Bytes.push_back(SegData->getElementAsInteger(i));
		for (unsigned i = 0; i < 8; i++)
			Bytes[16 + i] = (uint8_t)(Hash >> (8 * i));
		Seg->setInitializer(ConstantDataArray::get(Ctx, Bytes));
	}
}

} // namespace

unsigned thinProbes(Module &Mod, GlobalVariable *Seg, GlobalVariable *Map)
{
	const DataLayout &DL = Mod.getDataLayout();
	auto *Ty = dyn_cast<ArrayType>(Seg->getValueType());

	if (!Ty || !Map || !Map->hasInitializer() ||
	    !isa<ConstantDataSequential>(Map->getInitializer()) ||
	    !isa<ConstantDataSequential>(Seg->getInitializer()))
		return 0;
	Mode M = segmentMode(Seg);
	uint64_t NSlots = M == Mode::Counts ? Ty->getNumElements() - 3 : Ty->getNumElements() - 24;

	// Each function's splits and new blocks, kept for its plan.
	std::map<Function *, Synthetic> Syns;
	for (Function &F : Mod)
		if (!F.isDeclaration())
			unsinkPhiProbes(F, Seg, M, DL, Syns[&F]);

	// Slots that keep real probes: any access we do not understand.
	std::vector<bool> Kept(NSlots, false);
	for (Function &F : Mod) {
		for (BasicBlock &BB : F) {
			for (Instruction &I : BB) {
				if (!touchesSeg(I, Seg))
					continue;
				ProbeAccess A = probeAccess(I, Seg, M, DL);
				if (thinnable(A, M) && A.Slot + A.Count <= NSlots)
					continue;
				if (!A.ConstOff) {
					// A select probe says which slots it touches; a
					// phi or select of addresses may say it too.
					MDNode *MD = I.getMetadata(selectSlotsMD());
					std::set<uint64_t> Slots;
					Value *Ptr = getLoadStorePointerOperand(&I);
					if (auto *RMW = dyn_cast<AtomicRMWInst>(&I))
						Ptr = RMW->getPointerOperand();
					if (MD && MD->getNumOperands() == 2) {
						auto *S = mdconst::dyn_extract<ConstantInt>(MD->getOperand(0));
						auto *N = mdconst::dyn_extract<ConstantInt>(MD->getOperand(1));
						for (uint64_t k = 0; S && N && k < N->getZExtValue(); k++)
							Slots.insert(S->getZExtValue() + k);
					} else if (!Ptr || !possibleSlots(Ptr, Seg, M, DL, Slots)) {
						return 0; // an address we cannot place: thin nothing
					}
					if (Slots.empty())
						return 0;
					for (uint64_t S : Slots)
						if (S < NSlots)
							Kept[S] = true;
					continue;
				}
				for (uint64_t k = 0; k < A.Count && A.Slot + k < NSlots; k++)
					Kept[A.Slot + k] = true;
			}
		}
	}

	std::vector<FuncWork> Work;
	std::set<unsigned> Thinned;
	Options Opts;
	Opts.TheMode = M;
	Opts.Branches = false; // block counts only: no critical-edge splits
	for (Function &F : Mod) {
		if (F.isDeclaration())
			continue;
		FuncWork W;
		W.F = &F;
		W.Syn = std::move(Syns[&F]);
		splitAfterExitCalls(F, W.Syn);
		for (BasicBlock &BB : F) {
			for (Instruction &I : BB) {
				if (!touchesSeg(I, Seg))
					continue;
				ProbeAccess A = probeAccess(I, Seg, M, DL);
				if (!thinnable(A, M) || Kept[A.Slot])
					continue;
				for (uint64_t k = 0; k < A.Count; k++) {
					uint64_t &Mult = W.Copies[{&BB, (unsigned)(A.Slot + k)}];
					Mult = M == Mode::Counts
						       ? Mult + cast<ConstantInt>(A.Inc)->getZExtValue()
						       : 1;
					Thinned.insert(A.Slot + k);
				}
				W.Erase.push_back(&I);
			}
		}
		if (W.Erase.empty())
			continue;
		W.Plan = planFunction(F, Opts, /*Early=*/false, W.Syn);
		Work.push_back(std::move(W));
	}
	size_t Need = 0;
	for (const FuncWork &W : Work)
		Need += W.Plan.numProbes();
	if (Work.empty() || Need > Thinned.size())
		return 0;

	std::vector<unsigned> Pool(Thinned.begin(), Thinned.end());
	std::string Thin;
	raw_string_ostream OS(Thin);
	size_t Next = 0;
	unsigned Removed = 0;
	for (FuncWork &W : Work) {
		for (Instruction *I : W.Erase)
			I->eraseFromParent();
		Removed += W.Erase.size();
		std::vector<unsigned> Slots(Pool.begin() + Next,
					    Pool.begin() + Next + W.Plan.numProbes());
		Next += W.Plan.numProbes();
		PlacedProbes Placed;
		insertProbes(W.Plan, 0, M, Seg, ProbeStyle(), W.Syn, Placed, &Slots);
		writeThin(OS, W, Placed);
	}
	OS.flush();
	rewriteMapping(Mod, Seg, Map, M, Thin);
	return Removed;
}

} // namespace bpfgauge
