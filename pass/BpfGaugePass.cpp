// SPDX-License-Identifier: BSD-2-Clause
// The bpfgauge coverage pass: instruments a BPF module with hit flags or
// counters in one ".data.bpfgauge" segment and emits the probe-to-source
// mapping record, both as cov_abi.h defines them. By default it runs twice:
// at the start of the pipeline, on the CFG clang's frontend emitted, so that
// every source block, return and helper has its own identity and counts are
// what the source ran (the optimiser clones probes with the code and must
// keep their effect); and at the end, where lower.cpp turns the surviving
// probes into cheap BPF code. This file holds the plugin entry point, the
// options and the module-level driver; placement.cpp, cfg.cpp, mapping.cpp
// and lower.cpp do the per-function work.
#include "bpfgauge_pass.h"

#include "llvm/ADT/Statistic.h"
#include "llvm/BinaryFormat/Dwarf.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DIBuilder.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/DiagnosticPrinter.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Transforms/Scalar/EarlyCSE.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

using namespace llvm;

#define DEBUG_TYPE "bpfgauge"

STATISTIC(NumInstrumentedFunctions, "Functions instrumented by bpfgauge");
STATISTIC(NumProbes, "Probes inserted by bpfgauge");
STATISTIC(NumBlocks, "Basic blocks in functions instrumented by bpfgauge");

namespace bpfgauge {
namespace {

// The command-line options, constructed at load time only when the host
// LLVM is the one the plugin was built for (see compat::hostMajor()).
struct CommandLine {
	cl::opt<Mode> TheMode{
		"bpfgauge-mode", cl::desc("bpfgauge coverage mode (default: $BPFGAUGE_MODE, else hits)"),
		cl::values(clEnumValN(Mode::Hits, "hits", "one byte per probe: was it reached"),
			   clEnumValN(Mode::Counts, "counts", "one u64 per probe: how often")),
		cl::init(Mode::Hits)};
	cl::opt<Placement> Place{
		"bpfgauge-placement", cl::desc("bpfgauge probe placement (bench only)"),
		cl::values(clEnumValN(Placement::Optimal, "optimal", "fewest probes (default)"),
			   clEnumValN(Placement::Naive, "naive", "a probe in every block")),
		cl::init(Placement::Optimal)};
	cl::opt<Stage> When{
		"bpfgauge-stage",
		cl::desc("bpfgauge instrumentation point: early (source-exact, default) or late "
			 "(the optimised code; bench baseline)"),
		cl::values(clEnumValN(Stage::Early, "early", "source blocks, before optimisation"),
			   clEnumValN(Stage::Late, "late", "optimised blocks, after optimisation")),
		cl::init(Stage::Early)};
	cl::opt<bool> Thin{
		"bpfgauge-thin",
		cl::desc("bpfgauge: replace the optimiser's copies of early probes by the fewest "
			 "probes on the optimised CFG (default on; off for the bench)"),
		cl::init(true)};
	enum class Switch { Off, On };
	cl::opt<Switch> Branches{
		"bpfgauge-branches",
		cl::desc("bpfgauge branch records (BRDA); off is for hits mode only and "
			 "leaves branch edges without probes, less work for the verifier"),
		cl::values(clEnumValN(Switch::On, "on", "branch records (default)"),
			   clEnumValN(Switch::Off, "off", "no branch records")),
		cl::init(Switch::On)};
	enum class Section { Own, Data };
	cl::opt<Section> CounterSection{
		"bpfgauge-section",
		cl::desc("bpfgauge counter section: own (" BPFGAUGE_COUNTER_SEC ", its own map; "
			 "default) or data (" BPFGAUGE_COUNTER_SEC_SHARED ", shared with the "
			 "program's globals, for loaders that accept no other data section)"),
		cl::values(clEnumValN(Section::Own, "own", "counters in their own map (default)"),
			   clEnumValN(Section::Data, "data", "counters in the program's .data map")),
		cl::init(Section::Own)};
	enum class MappingAt { Symbols, Section };
	cl::opt<MappingAt> Mapping{
		"bpfgauge-mapping",
		cl::desc("bpfgauge mapping carrier: symbols (chunk symbols no loader reports; "
			 "default) or section (" BPFGAUGE_MAPPING_SEC ", for bpfgauge readers "
			 "from before the symbols; libbpf reports it on every load)"),
		cl::values(clEnumValN(MappingAt::Symbols, "symbols", "chunk symbols (default)"),
			   clEnumValN(MappingAt::Section, "section",
				      "the legacy " BPFGAUGE_MAPPING_SEC " section")),
		cl::init(MappingAt::Symbols)};
	cl::opt<bool> Stats{
		"bpfgauge-stats",
		cl::desc("report probes per function as remarks (clang: add -Rremark-backend-plugin)"),
		cl::init(false)};
};

CommandLine *makeCommandLine()
{
	int Host = compat::hostMajor();

	if (Host && Host != BPFGAUGE_LLVM_MAJOR) {
		// No LLVMContext exists yet and LLVM itself is off limits here.
		fprintf(stderr,
			"bpfgauge: this pass plugin is built for LLVM %d but loaded into LLVM %d: "
			"use libbpfgauge-pass-%d.so\n",
			BPFGAUGE_LLVM_MAJOR, Host, Host);
		return nullptr;
	}
	return new CommandLine();
}

CommandLine *const Cl = makeCommandLine();

// Folds pipeline text, command line and environment, in that order of
// precedence. Returns false with Err set for a bad BPFGAUGE_MODE or for
// -bpfgauge-branches=off outside hits mode.
bool foldOptions(std::optional<Mode> PipelineMode, Options &Opts, std::string &Err)
{
	const char *Env = std::getenv("BPFGAUGE_MODE");

	Opts.Place = Cl->Place;
	Opts.When = Cl->When;
	Opts.Stats = Cl->Stats;
	Opts.Branches = Cl->Branches == CommandLine::Switch::On;
	Opts.SharedData = Cl->CounterSection == CommandLine::Section::Data;
	Opts.MappingSection = Cl->Mapping == CommandLine::MappingAt::Section;
	if (PipelineMode) {
		Opts.TheMode = *PipelineMode;
	} else if (Cl->TheMode.getNumOccurrences()) {
		Opts.TheMode = Cl->TheMode;
	} else if (!Env || !*Env || !strcmp(Env, "hits")) {
		Opts.TheMode = Mode::Hits;
	} else if (!strcmp(Env, "counts")) {
		Opts.TheMode = Mode::Counts;
	} else {
		Err = std::string("bpfgauge: BPFGAUGE_MODE must be hits or counts, not '") + Env + "'";
		return false;
	}
	// Counts mode derives branch counts from its edge counters for free.
	if (!Opts.Branches && Opts.TheMode != Mode::Hits) {
		Err = "bpfgauge: -bpfgauge-branches=off is for hits mode only";
		return false;
	}
	return true;
}

// The pass's diagnostics: clang reports a plugin kind as a backend-plugin
// error, warning or note; opt prints it. (DiagnosticInfoGeneric is LLVM 19+.)
class BpfGaugeDiagnostic : public DiagnosticInfo {
public:
	BpfGaugeDiagnostic(DiagnosticSeverity Sev, std::string Msg)
		: DiagnosticInfo(kind(), Sev), Msg(std::move(Msg))
	{
	}
	void print(DiagnosticPrinter &DP) const override { DP << Msg; }

private:
	static int kind()
	{
		static const int Kind = getNextAvailablePluginDiagnosticKind();
		return Kind;
	}
	std::string Msg;
};

bool isBPF(const Module &M)
{
	Triple::ArchType A = compat::targetTriple(M).getArch();

	return A == Triple::bpfel || A == Triple::bpfeb;
}

class ModuleInstrumenter {
public:
	ModuleInstrumenter(Module &M, const Options &Opts, bool IRProbes)
		: M(M), Opts(Opts), Ctx(M.getContext())
	{
		Style.IR = IRProbes;
	}
	bool run();

private:
	void tagProgramMemory(ArrayRef<Function *> Funcs);
	void collectOptOuts();
	bool alreadyInstrumented() const;
	GlobalVariable *createSegment(uint64_t Elems);
	void finishSegment(GlobalVariable *Seg, unsigned Probes, uint64_t Hash);
	GlobalVariable *createMapping(const std::string &Text, uint64_t Hash);
	void diag(DiagnosticSeverity Sev, const Twine &Msg);

	Module &M;
	const Options &Opts;
	LLVMContext &Ctx;
	SmallPtrSet<const Function *, 8> OptedOut;
	SmallPtrSet<const DISubprogram *, 8> OptedOutSP;
	ProbeStyle Style;
};

// Probes and program memory never alias: the probes are the only accesses
// to the segment, and helpers never see it. Saying so with a scope lets the
// optimiser keep loads, stores and calls of the program where it would put
// them without the probes (GVN, LICM and DSE look through the probes).
void ModuleInstrumenter::tagProgramMemory(ArrayRef<Function *> Funcs)
{
	MDBuilder MDB(Ctx);
	MDNode *Domain = MDB.createAnonymousAliasScopeDomain("bpfgauge");
	MDNode *Scope = MDB.createAnonymousAliasScope(Domain, "bpfgauge.probes");
	MDNode *List = MDNode::get(Ctx, {Scope});

	Style.Scope = List;
	for (Function *F : Funcs)
		for (BasicBlock &BB : *F)
			for (Instruction &I : BB) {
				// An exit call (a tail call) stays a possible reader
				// of the probes: a probe before it must not be
				// dropped as overwritten by a copy after it, which a
				// successful tail call never reaches.
				if (!I.mayReadOrWriteMemory() || isExitCall(I))
					continue;
				I.setMetadata(LLVMContext::MD_noalias,
					      MDNode::concatenate(I.getMetadata(LLVMContext::MD_noalias),
								  List));
			}
}

void ModuleInstrumenter::diag(DiagnosticSeverity Sev, const Twine &Msg)
{
	Ctx.diagnose(BpfGaugeDiagnostic(Sev, Msg.str()));
}

// Functions tagged BPFGAUGE_NOCOV appear in llvm.global.annotations as
// { fn, "bpfgauge_nocov", file, line, args }.
void ModuleInstrumenter::collectOptOuts()
{
	GlobalVariable *GA = M.getNamedGlobal("llvm.global.annotations");

	if (!GA || !GA->hasInitializer())
		return;
	auto *CA = dyn_cast<ConstantArray>(GA->getInitializer());
	if (!CA)
		return;
	for (Value *Op : CA->operands()) {
		auto *CS = dyn_cast<ConstantStruct>(Op);
		if (!CS || CS->getNumOperands() < 2)
			continue;
		auto *Fn = dyn_cast<Function>(CS->getOperand(0)->stripPointerCasts());
		auto *Str = dyn_cast<GlobalVariable>(CS->getOperand(1)->stripPointerCasts());
		if (!Fn || !Str || !Str->hasInitializer())
			continue;
		auto *Data = dyn_cast<ConstantDataSequential>(Str->getInitializer());
		if (!Data || !Data->isCString() ||
		    Data->getAsCString() != BPFGAUGE_NOCOV_ANNOTATION)
			continue;
		OptedOut.insert(Fn);
		if (const DISubprogram *SP = Fn->getSubprogram())
			OptedOutSP.insert(SP);
	}
}

bool ModuleInstrumenter::alreadyInstrumented() const
{
	for (const GlobalVariable &G : M.globals())
		if (G.hasSection() && G.getSection() == BPFGAUGE_MAPPING_SEC)
			return true;
	return hasMappingSymbols(M);
}

// The segment is an array of its probe's element type so that probes are
// plain constant GEPs; the header occupies the first 24 bytes (3 words).
GlobalVariable *ModuleInstrumenter::createSegment(uint64_t Elems)
{
	Type *ElemTy = Opts.TheMode == Mode::Counts ? Type::getInt64Ty(Ctx) : Type::getInt8Ty(Ctx);
	ArrayType *Ty = ArrayType::get(ElemTy, Elems);
	// External linkage and default visibility: libbpf treats internal and
	// hidden globals as "static" BTF vars, and then neither makes the map
	// mmapable nor puts the var in skeletons. The hash in the name keeps it
	// unique when objects are linked.
	auto *Seg = new GlobalVariable(M, Ty, /*isConstant=*/false, GlobalValue::ExternalLinkage,
				       ConstantAggregateZero::get(Ty),
				       BPFGAUGE_COUNTER_SYM_PREFIX "pending");
	Seg->setSection(Opts.SharedData ? BPFGAUGE_COUNTER_SEC_SHARED : BPFGAUGE_COUNTER_SEC);
	Seg->setAlignment(Align(8));
	return Seg;
}

void ModuleInstrumenter::finishSegment(GlobalVariable *Seg, unsigned Probes, uint64_t Hash)
{
	uint8_t Mode = (uint8_t)Opts.TheMode;
	uint64_t Size = bpfgauge_seg_size(Mode, Probes);
	auto *Ty = cast<ArrayType>(Seg->getValueType());
	std::string Name;

	raw_string_ostream(Name) << BPFGAUGE_COUNTER_SYM_PREFIX
				 << format_hex_no_prefix(Hash, 16, /*Upper=*/false);
	Seg->setName(Name);
	// struct bpfgauge_seg_hdr as three little-endian words.
	uint64_t Hdr[3] = {
		BPFGAUGE_SEG_MAGIC | (uint64_t)BPFGAUGE_ABI_VERSION << 32 | (uint64_t)Mode << 48,
		Probes,
		Hash,
	};
	if (Opts.TheMode == Mode::Counts) {
		std::vector<uint64_t> Words(Ty->getNumElements(), 0);
		std::copy(Hdr, Hdr + 3, Words.begin());
		Seg->setInitializer(ConstantDataArray::get(Ctx, Words));
	} else {
		std::vector<uint8_t> Bytes(Ty->getNumElements(), 0);
		for (unsigned i = 0; i < 24; i++)
			Bytes[i] = (uint8_t)(Hdr[i / 8] >> (8 * (i % 8)));
		Seg->setInitializer(ConstantDataArray::get(Ctx, Bytes));
	}

	// A BTF VAR in the DATASEC is what makes libbpf map the segment
	// mmapable and bpftool show it in skeletons.
	DICompileUnit *CU = *M.debug_compile_units_begin();
	DIBuilder DIB(M, /*AllowUnresolved=*/false, CU);
	DIType *Elem = Opts.TheMode == Mode::Counts
			       ? DIB.createBasicType("unsigned long long", 64, dwarf::DW_ATE_unsigned)
			       : DIB.createBasicType("unsigned char", 8, dwarf::DW_ATE_unsigned_char);
	Metadata *Range[] = {DIB.getOrCreateSubrange(0, Ty->getNumElements())};
	DIType *ArrTy = DIB.createArrayType(Size * 8, 64, Elem, DIB.getOrCreateArray(Range));
	auto *GVE = DIB.createGlobalVariableExpression(CU, Name, /*LinkageName=*/"", CU->getFile(),
						       0, ArrTy, /*IsLocalToUnit=*/false);
	Seg->addDebugInfo(GVE);
	SmallVector<Metadata *, 16> GVs;
	for (DIGlobalVariableExpression *E : CU->getGlobalVariables())
		GVs.push_back(E);
	GVs.push_back(GVE);
	CU->replaceGlobalVariables(MDTuple::get(Ctx, GVs));
}

// No debug info on purpose: BTF must not describe the mapping, so libbpf
// never turns its section into a map. The section is only where the record
// waits for the end of the pipeline (mappingToSymbols()), or its place in
// the legacy layout.
GlobalVariable *ModuleInstrumenter::createMapping(const std::string &Text, uint64_t Hash)
{
	Constant *Init = ConstantDataArray::getString(Ctx, Text, /*AddNull=*/true);
	std::string Name;

	raw_string_ostream(Name) << "__bpfgauge_map_" << format_hex_no_prefix(Hash, 16, false);
	auto *G = new GlobalVariable(M, Init->getType(), /*isConstant=*/true,
				     GlobalValue::InternalLinkage, Init, Name);
	G->setSection(BPFGAUGE_MAPPING_SEC);
	G->setAlignment(Align(1));
	return G;
}

bool ModuleInstrumenter::run()
{
	if (!isBPF(M) || alreadyInstrumented())
		return false;
	collectOptOuts();

	std::vector<Function *> Funcs;
	for (Function &F : M)
		if (!F.isDeclaration() && !F.hasFnAttribute(Attribute::Naked) &&
		    !OptedOut.count(&F))
			Funcs.push_back(&F);
	if (Funcs.empty())
		return false;
	bool HasCU = M.debug_compile_units_begin() != M.debug_compile_units_end();
	for (Function *F : Funcs) {
		if (!HasCU || !F->getSubprogram()) {
			diag(DS_Error, "bpfgauge: " + M.getSourceFileName() +
					       ": compile with -g: coverage needs debug line info");
			return false;
		}
	}

	if (Style.IR)
		tagProgramMemory(Funcs);

	// Collect (and split) everything first, then mutate.
	Synthetic Syn;
	std::vector<FunctionPlan> Plans;
	unsigned Total = 0;
	for (Function *F : Funcs) {
		Plans.push_back(planFunction(*F, Opts, Style.IR, Syn));
		Total += Plans.back().numProbes();
	}
	uint64_t Size = bpfgauge_seg_size((uint8_t)Opts.TheMode, Total);
	GlobalVariable *Seg = createSegment(Opts.TheMode == Mode::Counts ? Size / 8 : Size);

	PlacedProbes Placed;
	unsigned Next = 0;
	for (const FunctionPlan &Plan : Plans) {
		insertProbes(Plan, Next, Opts.TheMode, Seg, Style, Syn, Placed);
		Next += Plan.numProbes();
	}

	MappingWriter Writer(Opts.TheMode, Total, Opts.Branches);
	unsigned TotalBlocks = 0;
	for (const FunctionPlan &Plan : Plans) {
		unsigned Blocks = Writer.addFunction(*Plan.F, Syn, Placed, OptedOutSP);
		TotalBlocks += Blocks;
		NumInstrumentedFunctions++;
		if (Opts.Stats)
			diag(DS_Remark, "bpfgauge: " + Plan.F->getName() + ": " +
					      Twine(Plan.numProbes()) + " probes / " +
					      Twine(Blocks) + " blocks");
	}
	NumProbes += Total;
	NumBlocks += TotalBlocks;
	uint64_t Hash;
	std::string Text = Writer.finish(Hash);
	finishSegment(Seg, Total, Hash);
	GlobalVariable *Map = createMapping(Text, Hash);
	appendToCompilerUsed(M, {Seg, Map});
	if (Style.IR) {
		NamedMDNode *Early = M.getOrInsertNamedMetadata(earlyMarker());
		Early->addOperand(
			MDNode::get(Ctx, {ValueAsMetadata::get(Seg), ValueAsMetadata::get(Map)}));
	}
	if (Opts.Stats)
		diag(DS_Remark, "bpfgauge: " + M.getSourceFileName() + ": " + Twine(Total) +
				      " probes / " + Twine(TotalBlocks) + " blocks (" +
				      modeName(Opts.TheMode) + ", " +
				      (Opts.Place == Placement::Naive ? "naive" : "optimal") + ", " +
				      (Style.IR ? "early" : "late") + ")");
	return true;
}

// Where in the pipeline an instance of the pass runs.
enum class Point {
	Start,   // PipelineStartEP: instrument early (the default stage)
	Last,    // OptimizerLastEP: lower early probes, or instrument late
	Explicit // named in an opt pipeline: instrument here, asm probes
};

// Global I of the early marker (0: the segment, 1: the mapping), or null
// when the module was not instrumented early.
GlobalVariable *earlyGlobal(Module &M, unsigned I)
{
	NamedMDNode *N = M.getNamedMetadata(earlyMarker());

	if (!N || !N->getNumOperands() || N->getOperand(0)->getNumOperands() <= I)
		return nullptr;
	auto *VM = dyn_cast_or_null<ValueAsMetadata>(N->getOperand(0)->getOperand(I).get());
	return VM ? dyn_cast<GlobalVariable>(VM->getValue()) : nullptr;
}

class BpfGaugePass : public PassInfoMixin<BpfGaugePass> {
public:
	explicit BpfGaugePass(Point Where, std::optional<Mode> PipelineMode = std::nullopt)
		: Where(Where), PipelineMode(PipelineMode)
	{
	}

	PreservedAnalyses run(Module &M, ModuleAnalysisManager &MAM)
	{
		Options Opts;
		std::string Err;
		bool Changed = false;

		if (!isBPF(M))
			return PreservedAnalyses::all();
		if (!foldOptions(PipelineMode, Opts, Err)) {
			if (Where != Point::Last) // said once, at the first point
				M.getContext().diagnose(BpfGaugeDiagnostic(DS_Error, Err));
			return PreservedAnalyses::all();
		}
		switch (Where) {
		case Point::Start:
			if (Opts.When == Stage::Early) {
				Changed = ModuleInstrumenter(M, Opts, /*IRProbes=*/true).run();
				if (Changed)
					reuseLoads(M, MAM);
			}
			break;
		case Point::Last:
			if (GlobalVariable *Seg = earlyGlobal(M, 0)) {
				// Naive placement is the bench's probe-per-block baseline.
				if (Cl->Thin && Opts.Place != Placement::Naive)
					thinProbes(M, Seg, earlyGlobal(M, 1));
				Changed = true;
				lowerProbes(M, Seg);
				M.eraseNamedMetadata(M.getNamedMetadata(earlyMarker()));
			} else if (Opts.When == Stage::Late) {
				Changed = ModuleInstrumenter(M, Opts, /*IRProbes=*/false).run();
			}
			break;
		case Point::Explicit:
			Changed = ModuleInstrumenter(M, Opts, /*IRProbes=*/false).run();
			break;
		}
		// The record stays a global while the pass may rewrite it
		// (thinning); once the probes are final it becomes symbols.
		if (Changed && Where != Point::Start && !Opts.MappingSection)
			mappingToSymbols(M);
		return Changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
	}

	static bool isRequired() { return true; }

private:
	// The pipeline's first EarlyCSE does not look at aliasing: any store
	// ends the reuse of earlier loads, a probe too. Loads the plain build
	// would have merged (a field read twice around a probe) then stay two,
	// and InstCombine can put a range check and the value it checks in
	// different registers, which the verifier refuses. EarlyCSE over
	// MemorySSA, run here once, sees that probes touch no program memory
	// and merges them as the plain build does. It changes no CFG.
	static void reuseLoads(Module &M, ModuleAnalysisManager &MAM)
	{
		FunctionAnalysisManager &FAM =
			MAM.getResult<FunctionAnalysisManagerModuleProxy>(M).getManager();
		FunctionPassManager FPM;

		FPM.addPass(EarlyCSEPass(/*UseMemorySSA=*/true));
		for (Function &F : M) {
			if (F.isDeclaration())
				continue;
			FAM.invalidate(F, PreservedAnalyses::none());
			FPM.run(F, FAM);
		}
	}

	Point Where;
	std::optional<Mode> PipelineMode;
};

bool parsePipeline(StringRef Name, ModulePassManager &MPM)
{
	if (Name == "bpfgauge")
		MPM.addPass(BpfGaugePass(Point::Explicit));
	else if (Name == "bpfgauge<hits>")
		MPM.addPass(BpfGaugePass(Point::Explicit, Mode::Hits));
	else if (Name == "bpfgauge<counts>")
		MPM.addPass(BpfGaugePass(Point::Explicit, Mode::Counts));
	else
		return false;
	return true;
}

void registerCallbacks(PassBuilder &PB)
{
	PB.registerPipelineStartEPCallback([](ModulePassManager &MPM, OptimizationLevel) {
		MPM.addPass(BpfGaugePass(Point::Start));
	});
	compat::registerOptimizerLast(
		PB, [](ModulePassManager &MPM) { MPM.addPass(BpfGaugePass(Point::Last)); });
	PB.registerPipelineParsingCallback(
		[](StringRef Name, ModulePassManager &MPM, ArrayRef<PassBuilder::PipelineElement>) {
			return parsePipeline(Name, MPM);
		});
}

} // namespace
} // namespace bpfgauge

// A plugin loaded into the wrong LLVM reports API version 0, which every
// LLVM refuses ("Wrong API version") before calling into it.
extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo()
{
	return {bpfgauge::Cl ? LLVM_PLUGIN_API_VERSION : 0u, "bpfgauge", "0.1.0",
		bpfgauge::Cl ? bpfgauge::registerCallbacks : nullptr};
}
