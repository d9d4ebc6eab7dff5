// SPDX-License-Identifier: BSD-2-Clause
// Probe placement. Every probe costs verifier budget, so the pass places as
// few as still determine every block (hits) or every edge count (counts):
// hits mode drops probes from blocks whose execution is implied by a
// successor they dominate; counts mode keeps a maximum spanning tree of the
// coverage graph uninstrumented (Knuth; as in PGOInstrumentation) and solves
// it later by flow conservation. insertProbes() then emits the code.
#include "bpfgauge_pass.h"

#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/PostOrderIterator.h"
#include "llvm/Analysis/CFG.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <numeric>

using namespace llvm;

namespace bpfgauge {
namespace {

// How often the verifier may walk each block: it explores paths one by one
// (pruning only where states match), so a block's walks grow with the number
// of entry paths reaching it, and a bounded loop is walked once per
// iteration. Paths are counted over the CFG without back edges (in reverse
// post-order), saturating; each loop level multiplies by 16.
DenseMap<const BasicBlock *, double> verifierWalks(Function &F, const LoopInfo &LI)
{
	DenseMap<const BasicBlock *, double> Paths;
	SmallVector<std::pair<const BasicBlock *, const BasicBlock *>, 8> Back;
	std::set<std::pair<const BasicBlock *, const BasicBlock *>> IsBack;

	FindFunctionBackedges(F, Back);
	IsBack.insert(Back.begin(), Back.end());
	ReversePostOrderTraversal<Function *> RPO(&F);
	for (BasicBlock *BB : RPO) {
		double N = BB == &F.getEntryBlock() ? 1 : 0;
		for (BasicBlock *P : predecessors(BB))
			if (!IsBack.count({P, BB}))
				N += Paths.lookup(P);
		Paths[BB] = std::min(N, 1e12);
	}
	for (auto &KV : Paths)
		KV.second *= std::pow(16.0, LI.getLoopDepth(KV.first));
	return Paths;
}

// The blocks of the coverage graph as dense ids with successor and
// predecessor lists; node 0 is V, so "leaves the function" is an edge to 0.
struct Graph {
	std::vector<BasicBlock *> Blocks; // index i + 1
	DenseMap<const BasicBlock *, unsigned> Id;
	std::vector<SmallVector<unsigned, 4>> Succ, Pred;

	explicit Graph(Function &F)
	{
		for (BasicBlock &BB : F) {
			Blocks.push_back(&BB);
			Id[&BB] = Blocks.size();
		}
		Succ.resize(Blocks.size() + 1);
		Pred.resize(Blocks.size() + 1);
		for (const CovEdge &E : coverageEdges(F)) {
			unsigned A = E.Src ? Id[E.Src] : 0, B = E.Dst ? Id[E.Dst] : 0;
			Succ[A].push_back(B);
			Pred[B].push_back(A);
		}
	}

	// Nodes that can reach V without passing through Avoid (0: none).
	BitVector reachesExit(unsigned Avoid) const
	{
		BitVector Seen(Blocks.size() + 1);
		SmallVector<unsigned, 32> Work;

		for (unsigned P : Pred[0])
			if (P != Avoid && P && !Seen.test(P)) {
				Seen.set(P);
				Work.push_back(P);
			}
		while (!Work.empty()) {
			unsigned N = Work.pop_back_val();
			for (unsigned P : Pred[N])
				if (P && P != Avoid && !Seen.test(P)) {
					Seen.set(P);
					Work.push_back(P);
				}
		}
		return Seen;
	}
};

// Hits mode: a block without a probe is derived (cov_abi.h) either from its
// successors, hit iff any of them is, which is exact when it never stops
// (no return, no exit call) and dominates each of them; or from its
// predecessors, hit iff any of them is, which is exact when it is not the
// entry and post-dominates each of them in the coverage graph (so no exit
// call can leave between a predecessor and it; BPF programs always
// terminate). The derivations must not form a cycle. Blocks the verifier
// walks most often, those in the deepest loops, are derived first, so the
// probes that remain sit where they are cheapest. Self-loops never derive.
void planHits(Function &F, FunctionPlan &Plan)
{
	DominatorTree DT(F);
	LoopInfo LI(DT);
	Graph G(F);
	unsigned N = G.Blocks.size();
	BitVector All = G.reachesExit(0);
	// Derivation graph: Deps[b] are the nodes b is computed from.
	std::vector<SmallVector<unsigned, 4>> Deps(N + 1);
	std::vector<unsigned> Order(N);

	std::iota(Order.begin(), Order.end(), 1);
	std::stable_sort(Order.begin(), Order.end(), [&](unsigned A, unsigned B) {
		return LI.getLoopDepth(G.Blocks[A - 1]) > LI.getLoopDepth(G.Blocks[B - 1]);
	});
	auto reaches = [&](ArrayRef<unsigned> From, unsigned To) {
		BitVector Seen(N + 1);
		SmallVector<unsigned, 32> Work(From.begin(), From.end());
		while (!Work.empty()) {
			unsigned X = Work.pop_back_val();
			if (X == To)
				return true;
			if (Seen.test(X))
				continue;
			Seen.set(X);
			Work.append(Deps[X].begin(), Deps[X].end());
		}
		return false;
	};

	for (unsigned B : Order) {
		BasicBlock *BB = G.Blocks[B - 1];
		bool Reachable = DT.isReachableFromEntry(BB);
		SmallVector<unsigned, 4> Succs, Preds;
		bool BySuccs = Reachable && !G.Succ[B].empty();
		for (unsigned S : G.Succ[B]) {
			if (!S || S == B || !DT.dominates(BB, G.Blocks[S - 1]))
				BySuccs = false;
			else if (!is_contained(Succs, S))
				Succs.push_back(S);
		}
		if (BySuccs && !reaches(Succs, B)) {
			Deps[B] = Succs;
			continue;
		}
		bool ByPreds = Reachable && BB != &F.getEntryBlock() && !G.Pred[B].empty();
		if (ByPreds) {
			BitVector Avoid = G.reachesExit(B);
			for (unsigned P : G.Pred[B]) {
				if (!P || P == B || Avoid.test(P) || !All.test(P))
					ByPreds = false;
				else if (!is_contained(Preds, P))
					Preds.push_back(P);
			}
		}
		if (ByPreds && !reaches(Preds, B)) {
			Deps[B] = Preds;
			Plan.FromPreds.push_back(BB);
			continue;
		}
	}
	for (unsigned B = 1; B <= N; B++)
		if (Deps[B].empty())
			Plan.BlockProbes.push_back(G.Blocks[B - 1]);
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

// Counts mode: the weight of an edge is what a counter on it would cost the
// verifier (its walks times the probe, plus a jump when the edge must be
// split); the maximum spanning tree keeps the costliest edges
// uninstrumented. An exit through a tail call is forced onto the tree: a
// counter before the terminator would miss the exits.
void planCounts(Function &F, FunctionPlan &Plan)
{
	DominatorTree DT(F);
	LoopInfo LI(DT);
	std::vector<CovEdge> Edges = coverageEdges(F);
	DenseMap<const BasicBlock *, unsigned> Node;
	DenseMap<const BasicBlock *, double> Walks = verifierWalks(F, LI);
	SmallVector<BasicBlock *, 8> Succs;
	std::vector<double> Weight(Edges.size());
	const double Forced = std::numeric_limits<double>::infinity();

	for (BasicBlock &BB : F)
		Node[&BB] = Node.size() + 1; // 0 is V
	for (size_t i = 0; i < Edges.size(); i++) {
		const CovEdge &E = Edges[i];
		double W;
		if (!E.Src) {
			W = 2 * Walks.lookup(E.Dst);
		} else if (!E.Dst) {
			if (hasExitCall(*E.Src) || isa<UnreachableInst>(E.Src->getTerminator()))
				W = Forced;
			else
				W = 2 * Walks.lookup(E.Src);
		} else {
			uniqueSuccessors(*E.Src, Succs);
			bool Critical = Succs.size() > 1 && numUniquePredecessors(*E.Dst) > 1;
			// Rated by the busier of its ends: every path reaching the
			// source walks the edge, and a counter on an edge into a busy
			// merge also changes the code every path there walks (the
			// examples' processed insns agree: 1.18-1.21x vs 1.24-1.25x
			// rating by the source alone).
			W = std::max(Walks.lookup(E.Src), Walks.lookup(E.Dst)) * (Critical ? 3 : 2);
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
		assert(InTree[i] || Weight[i] != Forced);
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

void emitProbe(Mode M, GlobalVariable *Seg, Value *Base, unsigned Probe, BasicBlock &BB,
	       BasicBlock::iterator Where, const ProbeStyle &Style, Synthetic &Syn)
{
	LLVMContext &Ctx = BB.getContext();
	Type *I64 = Type::getInt64Ty(Ctx);
	Type *ElemTy = M == Mode::Counts ? I64 : Type::getInt8Ty(Ctx);
	// Probes follow the 24-byte header: 24 bytes or 3 words.
	uint64_t Elem = Probe + (M == Mode::Counts ? 3 : 24);
	uint64_t Off = Elem * (M == Mode::Counts ? 8 : 1);
	Instruction *I = nullptr;

	if (!Style.IR)
		I = emitAsmProbe(M, Base, Off, ConstantInt::get(I64, 1), &*Where);
	if (!I) {
		IRBuilder<> IRB(&BB, Where);
		Constant *Idx[] = {ConstantInt::get(I64, 0), ConstantInt::get(I64, Elem)};
		Constant *Addr =
			ConstantExpr::getInBoundsGetElementPtr(Seg->getValueType(), Seg, Idx);
		if (M == Mode::Counts)
			I = IRB.CreateAtomicRMW(AtomicRMWInst::Add, Addr,
						ConstantInt::get(ElemTy, 1), MaybeAlign(8),
						AtomicOrdering::Monotonic);
		else
			I = IRB.CreateStore(ConstantInt::get(ElemTy, 1), Addr);
		if (Style.Scope)
			I->setMetadata(LLVMContext::MD_alias_scope, Style.Scope);
	}
	Syn.Insts.insert(I);
}

// After SI: counts adds its condition to the probe, hits stores 1 into the
// byte of the probe pair that the condition selects (false, true). Neither
// branches, so a select stays a select.
void emitSelectProbe(Mode M, GlobalVariable *Seg, unsigned Probe, SelectInst *SI,
		     const ProbeStyle &Style, Synthetic &Syn)
{
	LLVMContext &Ctx = SI->getContext();
	Type *I64 = Type::getInt64Ty(Ctx);
	IRBuilder<> IRB(SI->getNextNode());
	Value *Cond = IRB.CreateZExt(SI->getCondition(), I64, "bg.cond");
	Instruction *I;

	if (M == Mode::Counts) {
		Constant *Idx[] = {ConstantInt::get(I64, 0), ConstantInt::get(I64, Probe + 3)};
		Constant *Addr =
			ConstantExpr::getInBoundsGetElementPtr(Seg->getValueType(), Seg, Idx);
		I = IRB.CreateAtomicRMW(AtomicRMWInst::Add, Addr, Cond, MaybeAlign(8),
					AtomicOrdering::Monotonic);
	} else {
		Value *Idx = IRB.CreateAdd(Cond, ConstantInt::get(I64, Probe + 24), "bg.idx");
		if (auto *II = dyn_cast<Instruction>(Idx))
			Syn.Insts.insert(II);
		Value *Addr = IRB.CreateInBoundsGEP(Seg->getValueType(), Seg,
						    {ConstantInt::get(I64, 0), Idx}, "bg.sel");
		if (auto *AI = dyn_cast<Instruction>(Addr))
			Syn.Insts.insert(AI);
		I = IRB.CreateStore(ConstantInt::get(Type::getInt8Ty(Ctx), 1), Addr);
	}
	if (Style.Scope)
		I->setMetadata(LLVMContext::MD_alias_scope, Style.Scope);
	Metadata *Slots[] = {
		ConstantAsMetadata::get(ConstantInt::get(I64, Probe)),
		ConstantAsMetadata::get(ConstantInt::get(I64, M == Mode::Hits ? 2 : 1))};
	I->setMetadata(selectSlotsMD(), MDNode::get(Ctx, Slots));
	if (auto *CI = dyn_cast<Instruction>(Cond))
		Syn.Insts.insert(CI);
	Syn.Insts.insert(I);
}

} // namespace

// The segment's address for a probe before Where. Where a base live across
// calls could cost the program a range check (below): the one an earlier
// probe of the block computed, if no call lies between them, else a new one
// here. The address is then never live across a call, so it never takes a
// callee-saved register from the program (a value the program keeps there
// would move to the stack, and the verifier can lose its bounds there, as a
// bpf_loop callback's return value did); the backend loads it with one
// ld_imm64 per call-free stretch of a block.
// F is passed to a call as an argument or stored (bpf_loop, timers,
// for_each callbacks), through casts; llvm.used lists do not count.
static bool isCallback(const Function &F)
{
	SmallVector<const Value *, 8> Work{&F};

	while (!Work.empty()) {
		const Value *V = Work.pop_back_val();
		for (const User *U : V->users()) {
			if (const auto *CB = dyn_cast<CallBase>(U)) {
				for (const Use &A : CB->args())
					if (A.get() == V)
						return true;
			} else if (isa<StoreInst>(U) || isa<SelectInst>(U) || isa<PHINode>(U)) {
				return true;
			} else if (isa<ConstantExpr>(U) || isa<CastInst>(U)) {
				Work.push_back(U);
			}
		}
	}
	return false;
}

Value *localBase(GlobalVariable *Seg, Instruction *Where)
{
	Function &F = *Where->getFunction();
	auto isCall = [](const Instruction &I) {
		const auto *CB = dyn_cast<CallBase>(&I);
		return CB && !CB->isInlineAsm() && !isa<IntrinsicInst>(CB);
	};

	// One base in the entry block serves every probe of the function,
	// cheapest, unless the function calls out and its return value is
	// range-checked by the verifier: a callback (its address is taken:
	// bpf_loop, timers, for_each) or a program of a type whose return
	// value must be 0 or 1. There a value the program keeps across a call
	// must not lose its callee-saved register to the base.
	StringRef Sec = F.hasSection() ? F.getSection() : "";
	auto pre = [&](StringRef P) { return Sec.substr(0, P.size()) == P; };
	bool RangeChecked = isCallback(F) || pre("cgroup") || pre("sockops") || pre("lsm") ||
			    pre("struct_ops") || pre("sk_");
	if (!RangeChecked || none_of(instructions(F), isCall)) {
		BasicBlock &Entry = F.getEntryBlock();
		for (Instruction &I : Entry)
			if (auto *Fr = dyn_cast<FreezeInst>(&I))
				if (Fr->getOperand(0) == Seg)
					return Fr;
		IRBuilder<> IRB(&Entry, blockStart(Entry));
		Value *Fr = IRB.CreateFreeze(Seg, "bg.base");
		if (auto *I = dyn_cast<Instruction>(Fr))
			I->setDebugLoc(DebugLoc());
		return Fr;
	}
	for (Instruction *I = Where->getPrevNode(); I; I = I->getPrevNode()) {
		if (auto *Fr = dyn_cast<FreezeInst>(I))
			if (Fr->getOperand(0) == Seg)
				return Fr;
		if (auto *CB = dyn_cast<CallBase>(I))
			if (!CB->isInlineAsm() && !isa<IntrinsicInst>(CB))
				break;
	}
	IRBuilder<> IRB(Where);
	Value *Fr = IRB.CreateFreeze(Seg, "bg.base");
	if (auto *I = dyn_cast<Instruction>(Fr))
		I->setDebugLoc(DebugLoc()); // no source line of its own
	return Fr;
}

Instruction *emitAsmProbe(Mode M, Value *Base, uint64_t Off, Value *Inc, Instruction *Where)
{
	LLVMContext &Ctx = Where->getContext();
	bool LE = compat::targetTriple(*Where->getModule()).isLittleEndian();

	// As assembly with the offset in the instruction, every probe of the
	// function uses the segment's own address, which the backend can keep
	// in one register (or rematerialize) instead of one 64-bit load per
	// probe; hits mode also stores its immediate without a register.
	std::string Asm = M == Mode::Counts
				  ? (Off <= 32767 ? "lock *(u64 *)($0 + " + std::to_string(Off) +
							    ") += $1"
						  : std::string())
				  : compat::storeOneAsm(Off, LE);
	if (Asm.empty())
		return nullptr;
	if (isa<GlobalVariable>(Base))
		Base = localBase(cast<GlobalVariable>(Base), Where);
	SmallVector<Type *, 2> Params{Base->getType()};
	SmallVector<Value *, 2> Args{Base};
	if (M == Mode::Counts) {
		Params.push_back(Inc->getType());
		Args.push_back(Inc);
	}
	auto *FTy = FunctionType::get(Type::getVoidTy(Ctx), Params, false);
	InlineAsm *IA = InlineAsm::get(FTy, Asm, M == Mode::Counts ? "r,r" : "r",
				       /*hasSideEffects=*/true);
	IRBuilder<> IRB(Where);
	return IRB.CreateCall(FTy, IA, Args);
}

// A select that stands for a source conditional: one clang's frontend
// emitted for a `?:` whose operands are cheap, with a source line.
static bool isSourceSelect(const Instruction &I)
{
	const auto *SI = dyn_cast<SelectInst>(&I);
	const DILocation *Loc = SI ? SI->getDebugLoc().get() : nullptr;

	return Loc && Loc->getLine() && SI->getCondition()->getType()->isIntegerTy(1);
}

FunctionPlan planFunction(Function &F, const Options &Opts, bool Early, Synthetic &Syn)
{
	FunctionPlan Plan;

	Plan.F = &F;
	if (Early && Opts.Branches) {
		for (BasicBlock &BB : F)
			for (Instruction &I : BB)
				if (isSourceSelect(I))
					Plan.Selects.push_back(cast<SelectInst>(&I));
		Plan.SelectProbes = Opts.TheMode == Mode::Hits ? 2 : 1;
	}
	splitAfterExitCalls(F, Syn);
	// Hits mode reads an edge as "its destination was hit", which needs
	// every branch edge to lead to a block of its own. Without branch
	// records only blocks matter, and the splits (and their probes and
	// jumps) are left out.
	if (Opts.TheMode == Mode::Hits && Opts.Branches)
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
		  const ProbeStyle &Style, Synthetic &Syn, PlacedProbes &Out,
		  const std::vector<unsigned> *Slots)
{
	unsigned Idx = 0;
	// The segment index of the next probe.
	auto slot = [&] { return Slots ? (*Slots)[Idx] : FirstProbe + Idx; };
	// Asm probes find or make their base next to them (localBase).
	Value *Base = Seg;
	auto start = [&](BasicBlock &BB) { return blockStart(BB); };
	Out.FromPreds.insert(Plan.FromPreds.begin(), Plan.FromPreds.end());
	for (BasicBlock *BB : Plan.BlockProbes) {
		emitProbe(M, Seg, Base, slot(), *BB, start(*BB), Style, Syn);
		Out.Block[BB] = slot();
		Idx++;
	}
	for (const CovEdge &E : Plan.EdgeProbes) {
		SmallVector<BasicBlock *, 8> Succs;
		EdgeKey Key(E.Src, E.Dst);

		if (!E.Src) {
			emitProbe(M, Seg, Base, slot(), *E.Dst, start(*E.Dst), Style, Syn);
		} else if (!E.Dst || (uniqueSuccessors(*E.Src, Succs), Succs.size() == 1)) {
			// Before the terminator: after any exit call, so only the
			// fall-through (or the return) is counted.
			emitProbe(M, Seg, Base, slot(), *E.Src, E.Src->getTerminator()->getIterator(), Style,
				  Syn);
		} else if (numUniquePredecessors(*E.Dst) == 1) {
			emitProbe(M, Seg, Base, slot(), *E.Dst, start(*E.Dst), Style, Syn);
		} else {
			Instruction *TI = E.Src->getTerminator();
			unsigned Idx = 0;
			while (TI->getSuccessor(Idx) != E.Dst)
				Idx++;
			BasicBlock *New = SplitCriticalEdge(
				TI, Idx, CriticalEdgeSplittingOptions().setMergeIdenticalEdges(),
				E.Dst->getName() + ".bg.cnt");
			if (!New) { // not critical after all: dst has one entry
				emitProbe(M, Seg, Base, slot(), *E.Dst, start(*E.Dst), Style, Syn);
				Out.Edge[Key] = slot();
				Idx++;
				continue;
			}
			Syn.Blocks.insert(New);
			Syn.Insts.insert(New->getTerminator());
			emitProbe(M, Seg, Base, slot(), *New, start(*New), Style, Syn);
			Key = EdgeKey(New, E.Dst);
		}
		Out.Edge[Key] = slot();
		Idx++;
	}
	for (SelectInst *SI : Plan.Selects) {
		assert(!Slots && "selects take consecutive slots");
		emitSelectProbe(M, Seg, slot(), SI, Style, Syn);
		Out.Select.push_back({SI, slot()});
		Idx += Plan.SelectProbes;
	}
}

} // namespace bpfgauge
