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
ProbeAccess probeAccess(Instruction &I, GlobalVariable *Seg, Mode M, const DataLayout &DL)
{
	ProbeAccess A;
	Value *Ptr = nullptr;
	uint64_t Hdr = 24, Elem = M == Mode::Counts ? 8 : 1;

	if (auto *SI = dyn_cast<StoreInst>(&I)) {
		auto *C = dyn_cast<ConstantInt>(SI->getValueOperand());
		Ptr = SI->getPointerOperand();
		A.Recognised = M == Mode::Hits && !SI->isVolatile() && C && C->getBitWidth() == 8 &&
			       C->isOne();
	} else if (auto *RMW = dyn_cast<AtomicRMWInst>(&I)) {
		Ptr = RMW->getPointerOperand();
		A.Inc = RMW->getValOperand();
		A.Recognised = M == Mode::Counts && RMW->getOperation() == AtomicRMWInst::Add &&
			       RMW->use_empty() && A.Inc->getType()->isIntegerTy(64);
	} else if (auto *MS = dyn_cast<MemSetInst>(&I)) {
		// Adjacent hit stores merged by MemCpyOpt.
		auto *Len = dyn_cast<ConstantInt>(MS->getLength());
		auto *Val = dyn_cast<ConstantInt>(MS->getValue());
		Ptr = MS->getDest();
		A.Recognised = M == Mode::Hits && !MS->isVolatile() && Len && Val && Val->isOne() &&
			       Len->getZExtValue() <= 64;
		if (Len)
			A.Count = Len->getZExtValue();
	} else {
		return A;
	}
	APInt Off(DL.getIndexTypeSizeInBits(Ptr->getType()), 0);
	if (Ptr->stripAndAccumulateConstantOffsets(DL, Off, /*AllowNonInbounds=*/true) != Seg) {
		A.Recognised = false; // the program's own memory
		return A;
	}
	A.ConstOff = !Off.isNegative() && Off.getZExtValue() >= Hdr &&
		     (Off.getZExtValue() - Hdr) % Elem == 0;
	if (A.ConstOff)
		A.Slot = (Off.getZExtValue() - Hdr) / Elem;
	A.Recognised = A.Recognised && A.ConstOff;
	return A;
}

Mode segmentMode(const GlobalVariable *Seg)
{
	auto *Ty = cast<ArrayType>(Seg->getValueType());

	return Ty->getElementType()->isIntegerTy(64) ? Mode::Counts : Mode::Hits;
}

namespace {

// A probe to lower: Count slots from Slot (a memset of hit bytes), each
// incremented by Inc (counts).
struct ProbeSite {
	Instruction *I;
	uint64_t Slot, Count;
	Value *Inc;
};

uint64_t slotOffset(Mode M, uint64_t Slot)
{
	return M == Mode::Counts ? 24 + 8 * Slot : 24 + Slot;
}

} // namespace

unsigned lowerProbes(Module &Mod, GlobalVariable *Seg)
{
	const DataLayout &DL = Mod.getDataLayout();
	Mode M = segmentMode(Seg);
	unsigned Lowered = 0;

	for (Function &F : Mod) {
		std::vector<ProbeSite> Sites;

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
				ProbeAccess A = probeAccess(I, Seg, M, DL);
				if (!A.Recognised)
					continue;
				ProbeSite P{&I, A.Slot, A.Count, A.Inc};
				auto *C = dyn_cast_or_null<ConstantInt>(P.Inc);
				auto It = C ? First.find(P.Slot) : First.end();
				if (It != First.end()) {
					ProbeSite &Into = Sites[It->second];
					auto *Sum = cast<ConstantInt>(Into.Inc);
					Into.Inc = ConstantInt::get(Sum->getType(),
								    Sum->getValue() + C->getValue());
					Merged.push_back(&I);
					continue;
				}
				if (C)
					First[P.Slot] = Sites.size();
				Sites.push_back(P);
			}
		}
		if (Sites.empty())
			continue;
		// Each asm probe finds its base itself (localBase).
		for (const ProbeSite &S : Sites) {
			bool Ok = true;
			for (uint64_t k = 0; k < S.Count && Ok; k++)
				Ok = emitAsmProbe(M, Seg, slotOffset(M, S.Slot + k), S.Inc, S.I) != nullptr;
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
