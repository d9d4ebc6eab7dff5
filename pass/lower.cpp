// SPDX-License-Identifier: BSD-2-Clause
// The late half of early instrumentation: after the optimiser has inlined,
// unrolled and simplified the program, the probes the early pass placed on
// the source CFG are still plain stores and atomic adds on the segment (the
// optimiser cloned, moved or merged them but kept their effect). This file
// turns each one it recognises into the asm probe of late instrumentation,
// one BPF instruction on a base register shared by the function, so the
// verifier pays for the probe and not for a 64-bit address load per probe.
#include "bpfgauge_pass.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"

#include <map>

using namespace llvm;

namespace bpfgauge {
namespace {

// A recognised probe: Count copies of an increment of Inc (counts) or of a
// store of 1 (hits) at byte offset Off, then every Stride bytes.
struct ProbeSite {
	Instruction *I;
	uint64_t Off;
	Value *Inc; // counts mode
	uint64_t Count = 1;
	uint64_t Stride = 1;
};

// The byte offset of Ptr into Seg, or false when Ptr is not Seg plus a
// constant.
bool segOffset(const DataLayout &DL, Value *Ptr, GlobalVariable *Seg, uint64_t &Off)
{
	APInt Acc(DL.getIndexTypeSizeInBits(Ptr->getType()), 0);
	Value *Base = Ptr->stripAndAccumulateConstantOffsets(DL, Acc, /*AllowNonInbounds=*/true);

	if (Base != Seg || Acc.isNegative())
		return false;
	Off = Acc.getZExtValue();
	return true;
}

bool recognise(Instruction &I, GlobalVariable *Seg, Mode M, const DataLayout &DL, ProbeSite &P)
{
	P = ProbeSite{&I, 0, nullptr};
	if (auto *SI = dyn_cast<StoreInst>(&I)) {
		auto *C = dyn_cast<ConstantInt>(SI->getValueOperand());
		return M == Mode::Hits && !SI->isVolatile() && C && C->getBitWidth() == 8 &&
		       C->isOne() && segOffset(DL, SI->getPointerOperand(), Seg, P.Off);
	}
	if (auto *RMW = dyn_cast<AtomicRMWInst>(&I)) {
		P.Inc = RMW->getValOperand();
		return M == Mode::Counts && RMW->getOperation() == AtomicRMWInst::Add &&
		       RMW->use_empty() && P.Inc->getType()->isIntegerTy(64) &&
		       segOffset(DL, RMW->getPointerOperand(), Seg, P.Off);
	}
	if (auto *MS = dyn_cast<MemSetInst>(&I)) {
		// Adjacent hit stores merged by MemCpyOpt.
		auto *Len = dyn_cast<ConstantInt>(MS->getLength());
		auto *Val = dyn_cast<ConstantInt>(MS->getValue());
		if (M != Mode::Hits || MS->isVolatile() || !Len || !Val || !Val->isOne() ||
		    Len->getZExtValue() > 64)
			return false;
		P.Count = Len->getZExtValue();
		return segOffset(DL, MS->getDest(), Seg, P.Off);
	}
	return false;
}

} // namespace

unsigned lowerProbes(Module &Mod, GlobalVariable *Seg, Mode)
{
	const DataLayout &DL = Mod.getDataLayout();
	auto *Ty = dyn_cast<ArrayType>(Seg->getValueType());
	unsigned Lowered = 0;

	if (!Ty)
		return 0;
	// The segment's element type says the mode, whatever the options say now.
	Mode M = Ty->getElementType()->isIntegerTy(64) ? Mode::Counts : Mode::Hits;
	for (Function &F : Mod) {
		std::vector<ProbeSite> Sites;
		ProbeSite P;

		if (F.isDeclaration())
			continue;
		std::vector<Instruction *> Merged;
		for (BasicBlock &BB : F) {
			// Counts: the copies of one probe in a block (unrolled
			// iterations, inlined calls) become one add of their sum, as
			// long as no exit call (a tail call) lies between them.
			std::map<uint64_t, size_t> First;
			for (Instruction &I : BB) {
				if (isExitCall(I))
					First.clear();
				if (!recognise(I, Seg, M, DL, P))
					continue;
				auto *C = dyn_cast_or_null<ConstantInt>(P.Inc);
				auto It = C ? First.find(P.Off) : First.end();
				if (It != First.end()) {
					ProbeSite &Into = Sites[It->second];
					auto *Sum = cast<ConstantInt>(Into.Inc);
					Into.Inc = ConstantInt::get(Sum->getType(),
								    Sum->getValue() + C->getValue());
					Merged.push_back(&I);
					continue;
				}
				if (C)
					First[P.Off] = Sites.size();
				Sites.push_back(P);
			}
		}
		if (Sites.empty())
			continue;
		// Each asm probe shares its block's base (localBase).
		Value *Base = Seg;
		for (const ProbeSite &S : Sites) {
			bool Ok = true;
			for (uint64_t k = 0; k < S.Count && Ok; k++)
				Ok = emitAsmProbe(M, Base, S.Off + k * S.Stride, S.Inc, S.I) != nullptr;
			if (!Ok) { // out of the asm offset range: stays IR, with the sum
				if (auto *RMW = dyn_cast<AtomicRMWInst>(S.I))
					RMW->setOperand(1, S.Inc);
				continue;
			}
			S.I->eraseFromParent();
			Lowered++;
		}
		for (Instruction *I : Merged)
			I->eraseFromParent();
	}
	return Lowered;
}

} // namespace bpfgauge
