// SPDX-License-Identifier: BSD-2-Clause
// Writes the mapping record of cov_abi.h for the final, instrumented IR:
// file table, then per function its blocks (probe and source lines) and its
// coverage-graph edges (probe and branch label). Output depends only on the
// IR, never on pointer values, so the same input gives the same bytes. At
// the end of the pipeline the record moves into chunk symbols, the carrier
// no loader reports.
#include "bpfgauge_pass.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/Instructions.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#include <algorithm>
#include <tuple>

using namespace llvm;

namespace bpfgauge {

/* C as %XX: the one escape of mapping fields and of chunk text. */
static void appendPercent(std::string &Out, unsigned char C)
{
	static const char Hex[] = "0123456789ABCDEF";

	Out += '%';
	Out += Hex[C >> 4];
	Out += Hex[C & 15];
}

std::string escapeField(StringRef S)
{
	std::string Out;

	for (unsigned char C : S) {
		if (C <= 0x20 || C == '%' || C >= 0x7f) {
			appendPercent(Out, C);
		} else {
			Out += (char)C;
		}
	}
	return Out;
}

MappingWriter::MappingWriter(Mode M, unsigned NumProbes, bool Branches)
	: TheMode(M), NumProbes(NumProbes), Branches(Branches)
{
}

unsigned MappingWriter::fileId(const DIFile *File)
{
	SmallString<256> Path;

	if (File) {
		StringRef Name = File->getFilename(), Dir = File->getDirectory();
		if (!Dir.empty() && !sys::path::is_absolute(Name))
			sys::path::append(Path, Dir, Name);
		else
			Path = Name;
		sys::path::remove_dots(Path, /*remove_dot_dot=*/false);
	}
	if (Path.empty())
		Path = "<unknown>";
	auto It = FileIds.try_emplace(Path.str(), Files.size());
	if (It.second)
		Files.push_back(std::string(Path.str()));
	return It.first->second;
}

// Text of a line without comments, blanks, braces, ';' and 'else': what is
// left is code. Block comments are assumed to close on their line (a
// multi-line comment makes the line look like code, which keeps it).
static bool isBraceText(StringRef L)
{
	size_t C = L.find("//");
	if (C != StringRef::npos)
		L = L.substr(0, C);
	std::string T;
	for (size_t i = 0; i < L.size(); i++) {
		if (L.substr(i, 2) == "/*") {
			size_t E = L.find("*/", i + 2);
			if (E == StringRef::npos)
				return false;
			i = E + 1;
			continue;
		}
		T += L[i];
	}
	StringRef R(T);
	bool Brace = false;
	while (!(R = R.ltrim(" \t\r;")).empty()) {
		if (R.front() == '}' || R.front() == '{') {
			Brace |= R.front() == '}';
			R = R.drop_front();
		} else if (R.substr(0, 4) == "else" &&
			   (R.size() == 4 || (!isalnum((unsigned char)R[4]) && R[4] != '_'))) {
			R = R.drop_front(4);
		} else {
			return false;
		}
	}
	return Brace;
}

bool MappingWriter::braceOnly(const DIFile *File, unsigned Line)
{
	if (!File)
		return false;
	SmallString<256> Path;
	StringRef Name = File->getFilename(), Dir = File->getDirectory();
	if (!Dir.empty() && !sys::path::is_absolute(Name))
		sys::path::append(Path, Dir, Name);
	else
		Path = Name;
	auto It = BraceLines.find(Path);
	if (It == BraceLines.end()) {
		std::vector<bool> Flags(1, false);
		if (auto Buf = MemoryBuffer::getFile(Path)) {
			SmallVector<StringRef, 256> Lines;
			(*Buf)->getBuffer().split(Lines, '\n');
			for (StringRef L : Lines)
				Flags.push_back(isBraceText(L));
		}
		It = BraceLines.try_emplace(Path, std::move(Flags)).first;
	}
	return Line < It->second.size() && It->second[Line];
}

namespace {

struct LineTriple {
	unsigned Fid, Line, Inst;
	bool operator<(const LineTriple &O) const
	{
		return std::tie(Fid, Line, Inst) < std::tie(O.Fid, O.Line, O.Inst);
	}
	bool operator==(const LineTriple &O) const
	{
		return Fid == O.Fid && Line == O.Line && Inst == O.Inst;
	}
};

const DILocation *lineOf(const Instruction &I)
{
	const DILocation *Loc = I.getDebugLoc().get();

	return Loc && Loc->getLine() ? Loc : nullptr;
}

// Lifetime markers carry a declaration's or a scope's closing line but are
// not code; before opaque pointers (LLVM 14) a cast feeding them carries it
// too.
bool isLifetimeOnly(const Instruction &I)
{
	if (I.isLifetimeStartOrEnd())
		return true;
	if (!isa<CastInst>(I) || I.use_empty())
		return false;
	for (const User *U : I.users()) {
		const auto *UI = dyn_cast<Instruction>(U);
		if (!UI || !UI->isLifetimeStartOrEnd())
			return false;
	}
	return true;
}

// The outcome number of successor S of a branch: a conditional branch's
// true then false; a switch's case targets in case order, then default
// (unless a case shares its block), as the source reads.
unsigned outcomeOf(const BasicBlock &BB, const BasicBlock *S)
{
	const auto *SI = dyn_cast<SwitchInst>(BB.getTerminator());
	SmallVector<const BasicBlock *, 8> Order;

	if (!SI) {
		const Instruction *TI = BB.getTerminator();
		for (unsigned i = 0; i < TI->getNumSuccessors(); i++)
			if (!is_contained(Order, TI->getSuccessor(i)))
				Order.push_back(TI->getSuccessor(i));
	} else {
		for (auto Case : SI->cases())
			if (!is_contained(Order, Case.getCaseSuccessor()))
				Order.push_back(Case.getCaseSuccessor());
		if (!is_contained(Order, SI->getDefaultDest()))
			Order.push_back(SI->getDefaultDest());
	}
	return std::find(Order.begin(), Order.end(), S) - Order.begin();
}

// Clang leaves a scope with locals through a cleanup block that switches on
// a "cleanup destination" slot: an alloca holding only constants, with no
// variable (no debug declaration) behind it. That switch is the compiler's,
// not a source condition, so it gets no branch record.
bool isCleanupSwitch(const SwitchInst *SI)
{
	const auto *LI = dyn_cast<LoadInst>(SI->getCondition());
	const auto *AI = LI ? dyn_cast<AllocaInst>(LI->getPointerOperand()) : nullptr;

	// A variable's alloca is named by its debug declaration (an intrinsic
	// or, from LLVM 19, a record): both are metadata uses.
	if (!AI || AI->isUsedByMetadata())
		return false;
	for (const User *U : AI->users()) {
		if (isa<LoadInst>(U))
			continue;
		const auto *St = dyn_cast<StoreInst>(U);
		if (St && St->getPointerOperand() == AI && isa<ConstantInt>(St->getValueOperand()))
			continue;
		return false; // an escape or a computed value
	}
	return true;
}

bool isBranch(const Instruction *TI)
{
	const auto *Br = dyn_cast<BranchInst>(TI);
	const auto *SI = dyn_cast<SwitchInst>(TI);

	return (Br && Br->isConditional() && !isCompileTimeCondition(Br->getCondition())) ||
	       (SI && !isCleanupSwitch(SI));
}

// The source line of a branch: the terminator's, else the closest line
// before it in the block.
const DILocation *branchLine(const BasicBlock &BB, const Synthetic &Syn)
{
	for (auto It = BB.rbegin(); It != BB.rend(); ++It) {
		if (It->isDebugOrPseudoInst() || Syn.Insts.count(&*It))
			continue;
		if (const DILocation *Loc = lineOf(*It))
			return Loc;
	}
	return nullptr;
}

} // namespace

unsigned MappingWriter::addFunction(Function &F, const Synthetic &Syn, const PlacedProbes &Probes,
				    const SmallPtrSetImpl<const DISubprogram *> &Skip)
{
	const DISubprogram *SP = F.getSubprogram();
	DenseMap<const BasicBlock *, int> Id;
	DenseMap<const DILocation *, unsigned> Inline;
	SmallVector<BasicBlock *, 8> Succs;
	std::string Blocks, Edges;
	raw_string_ostream BOS(Blocks), EOS(Edges);
	unsigned NumEdges = 0, Site = 0;

	for (BasicBlock &BB : F)
		Id[&BB] = Id.size();
	auto probeOf = [&](const BasicBlock *Src, const BasicBlock *Dst) -> std::string {
		auto It = Probes.Edge.find(EdgeKey(const_cast<BasicBlock *>(Src),
						   const_cast<BasicBlock *>(Dst)));
		return It == Probes.Edge.end() ? "-" : std::to_string(It->second);
	};
	auto edge = [&](const BasicBlock *Src, const BasicBlock *Dst, const std::string &Label) {
		EOS << "e " << (Src ? Id[Src] : -1) << ' ' << (Dst ? Id[Dst] : -1) << ' '
		    << probeOf(Src, Dst) << ' ' << Label << '\n';
		NumEdges++;
	};

	for (BasicBlock &BB : F) {
		std::vector<LineTriple> Lines;
		auto P = Probes.Block.find(&BB);

		if (!Syn.Blocks.count(&BB)) {
			for (Instruction &I : BB) {
				const DILocation *Loc = lineOf(I);
				if (!Loc || I.isDebugOrPseudoInst() || isLifetimeOnly(I) ||
				    Syn.Insts.count(&I))
					continue;
				// A scope's closing brace carries the jump out of the
				// scope (and clang's cleanup stores): not a statement.
				// A function's closing brace keeps its return.
				if (!isa<ReturnInst>(I) && braceOnly(Loc->getFile(), Loc->getLine()))
					continue;
				if (Skip.count(Loc->getScope()->getSubprogram()))
					continue;
				unsigned Inst = 0;
				if (const DILocation *At = Loc->getInlinedAt())
					Inst = Inline.try_emplace(At, Inline.size() + 1).first->second;
				Lines.push_back({fileId(Loc->getFile()), Loc->getLine(), Inst});
			}
		}
		std::sort(Lines.begin(), Lines.end());
		Lines.erase(std::unique(Lines.begin(), Lines.end()), Lines.end());
		BOS << "b " << Id[&BB] << ' ';
		if (P != Probes.Block.end())
			BOS << P->second;
		else if (Probes.FromPreds.count(&BB))
			BOS << '<';
		else
			BOS << '-';
		for (const LineTriple &L : Lines)
			BOS << ' ' << L.Fid << ':' << L.Line << ':' << L.Inst;
		BOS << '\n';
	}

	edge(nullptr, &F.getEntryBlock(), "-");
	for (BasicBlock &BB : F) {
		std::string Label = "-";
		uniqueSuccessors(BB, Succs);
		if (Branches && isBranch(BB.getTerminator())) {
			const DILocation *Loc = branchLine(BB, Syn);
			unsigned Fid = Loc ? fileId(Loc->getFile()) : fileId(SP->getFile());
			unsigned Line = Loc ? Loc->getLine() : SP->getLine();
			Label = std::to_string(Fid) + ':' + std::to_string(Line) + ':' +
				std::to_string(Site++) + ':';
		}
		for (unsigned i = 0; i < Succs.size(); i++)
			edge(&BB, Succs[i],
			     Label == "-" ? Label : Label + std::to_string(outcomeOf(BB, Succs[i])));
		if (hasVirtualExit(BB))
			edge(&BB, nullptr, "-");
	}

	// Selects after the branches: their sites continue the numbering.
	std::string Sels;
	raw_string_ostream SOS(Sels);
	unsigned NumSelects = 0;
	for (const auto &S : Probes.Select) {
		if (S.first->getFunction() != &F)
			continue;
		const DILocation *Loc = S.first->getDebugLoc().get();
		SOS << "s " << Id[S.first->getParent()] << ' ' << S.second << ' '
		    << fileId(Loc->getFile()) << ':' << Loc->getLine() << ':' << Site++ << '\n';
		NumSelects++;
	}

	raw_string_ostream FOS(Funcs);
	FOS << "func " << escapeField(F.getName()) << ' ' << fileId(SP->getFile()) << ' '
	    << SP->getLine() << ' ' << Id.size() << ' ' << NumEdges;
	if (NumSelects)
		FOS << ' ' << NumSelects;
	FOS << '\n' << BOS.str() << EOS.str() << SOS.str();
	FOS.flush();
	return Id.size();
}

std::string MappingWriter::finish(uint64_t &Hash)
{
	std::string Body, Out;
	raw_string_ostream OS(Body);

	OS << "mode " << modeName(TheMode) << '\n'
	   << "probes " << NumProbes << '\n'
	   << "producer llvm-" << LLVM_VERSION_MAJOR << '\n';
	for (size_t i = 0; i < Files.size(); i++)
		OS << "file " << i << ' ' << escapeField(Files[i]) << '\n';
	OS << Funcs << "end\n";
	OS.flush();
	Hash = bpfgauge_fnv1a(BPFGAUGE_FNV_OFFSET, Body.data(), Body.size());
	raw_string_ostream ROS(Out);
	ROS << "bpfgauge-map " << BPFGAUGE_ABI_VERSION << '\n'
	    << "hash " << format_hex_no_prefix(Hash, 16, /*Upper=*/false) << '\n'
	    << Body;
	ROS.flush();
	return Out;
}

} // namespace bpfgauge

namespace bpfgauge {

std::string encodeChunk(StringRef Text)
{
	std::string Out;

	for (unsigned char C : Text) {
		if (C == ' ') {
			Out += '+';
		} else if (C == '\n') {
			Out += '|';
		} else if (C < 0x21 || C > 0x7e || C == '%' || C == '+' || C == '|' || C == '"' ||
			   C == '\\') {
			appendPercent(Out, C);
		} else {
			Out += (char)C;
		}
	}
	return Out;
}

bool hasMappingSymbols(const Module &M)
{
	return M.getModuleInlineAsm().find(BPFGAUGE_MAPPING_SYM_PREFIX) != std::string::npos;
}

// Rebuilds llvm.compiler.used without G.
static void dropFromCompilerUsed(Module &M, GlobalValue *G)
{
	GlobalVariable *Used = M.getNamedGlobal("llvm.compiler.used");
	SmallVector<GlobalValue *, 8> Keep;
	bool Found = false;

	if (!Used || !Used->hasInitializer())
		return;
	if (auto *CA = dyn_cast<ConstantArray>(Used->getInitializer())) {
		for (Value *Op : CA->operands()) {
			auto *GV = dyn_cast<GlobalValue>(Op->stripPointerCasts());
			if (GV == G)
				Found = true;
			else if (GV)
				Keep.push_back(GV);
		}
	}
	if (!Found)
		return;
	Used->eraseFromParent();
	if (!Keep.empty())
		appendToCompilerUsed(M, Keep);
}

unsigned mappingToSymbols(Module &M)
{
	SmallVector<GlobalVariable *, 2> Maps;
	unsigned Moved = 0;

	for (GlobalVariable &G : M.globals())
		if (G.hasSection() && G.getSection() == BPFGAUGE_MAPPING_SEC && G.hasInitializer() &&
		    isa<ConstantDataSequential>(G.getInitializer()))
			Maps.push_back(&G);
	for (GlobalVariable *G : Maps) {
		StringRef Text = cast<ConstantDataSequential>(G->getInitializer())->getAsCString();
		// "bpfgauge-map N\nhash <16 hex>\n..." (MappingWriter::finish)
		size_t H = Text.find("\nhash ");
		if (H == StringRef::npos || Text.size() < H + 6 + 16)
			continue;
		StringRef Hash = Text.substr(H + 6, 16);
		// Nothing but llvm.compiler.used refers to the record.
		dropFromCompilerUsed(M, G);
		G->removeDeadConstantUsers();
		if (!G->use_empty())
			continue;
		std::vector<std::string> Chunks(1);
		for (size_t i = 0; i < Text.size(); i++) {
			if (Chunks.back().size() >= BPFGAUGE_MAPPING_CHUNK - 3)
				Chunks.emplace_back();
			Chunks.back() += encodeChunk(Text.substr(i, 1));
		}
		// Module assembly, not aliases of constant addresses: an alias
		// prints as "name = 1", which BPF's assembler takes for an
		// instruction, so -save-temps (and any .s) would not assemble.
		// ".set" is a generic directive every assembler parses; the
		// payload holds no '"' or '\\', so the quoted name is verbatim.
		std::string Asm;
		for (size_t i = 0; i < Chunks.size(); i++)
			Asm += (Twine("\t.set \"") + BPFGAUGE_MAPPING_SYM_PREFIX + Hash + "." +
				Twine(i) + "." + Twine(Chunks.size()) + "." + Chunks[i] + "\", " +
				Twine(i + 1) + "\n")
				       .str();
		M.appendModuleInlineAsm(Asm);
		G->eraseFromParent();
		Moved++;
	}
	return Moved;
}

} // namespace bpfgauge
