// SPDX-License-Identifier: BSD-2-Clause
// Internal interface of the bpfgauge pass plugin, shared by its translation
// units: the folded options, the coverage-graph view of a function (blocks,
// CFG edges and edges to the virtual node V), probe placement and the mapping
// record writer. Nothing here is exported from the plugin.
#ifndef BPFGAUGE_PASS_H
#define BPFGAUGE_PASS_H

#include "llvm_compat.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/IR/BasicBlock.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/Function.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bpfgauge/cov_abi.h"

namespace bpfgauge {

enum class Mode : uint8_t {
	Hits = BPFGAUGE_MODE_HITS,
	Counts = BPFGAUGE_MODE_COUNTS,
};

enum class Placement {
	Optimal, // minimal probes whose values determine every block and edge
	Naive,   // a probe at the start of every block (bench baseline)
};

// When the pass instruments. Early (the default) is source-exact: probes go
// on the CFG clang's frontend emitted, before inlining, unrolling and CFG
// simplification, as plain memory operations the optimiser must preserve;
// the late pass (lower.cpp) only rewrites them into cheap BPF code. Late
// instruments the optimised IR (the coverage then describes what the
// optimiser kept; kept for the bench as the cheapest baseline).
enum class Stage {
	Early,
	Late,
};

// The command line, the environment and the pipeline text folded once.
struct Options {
	Mode TheMode = Mode::Hits;
	Placement Place = Placement::Optimal;
	Stage When = Stage::Early;
	bool Stats = false;
	// Branch records (BRDA). Off only in hits mode, where exact branch
	// coverage needs a probe on every critical branch edge.
	bool Branches = true;
	// Counters in the program's own ".data" (shared with its globals)
	// instead of BPFGAUGE_COUNTER_SEC, for loaders that take no other
	// data sections (cilium/ebpf before 0.17).
	bool SharedData = false;
	// The record in BPFGAUGE_MAPPING_SEC, as before the chunk symbols (for
	// readers of that time; libbpf reports the section on every load).
	bool MappingSection = false;
};

inline const char *modeName(Mode M)
{
	return M == Mode::Counts ? "counts" : "hits";
}

// An edge of the coverage graph; a null endpoint is the virtual node V.
struct CovEdge {
	llvm::BasicBlock *Src;
	llvm::BasicBlock *Dst;
};

using EdgeKey = std::pair<llvm::BasicBlock *, llvm::BasicBlock *>;

// Instructions and blocks the pass created: they carry no source lines.
struct Synthetic {
	llvm::SmallPtrSet<const llvm::Instruction *, 32> Insts;
	llvm::SmallPtrSet<const llvm::BasicBlock *, 16> Blocks;
};

// --- cfg.cpp: the coverage graph ---------------------------------------

// A call that may leave the program without returning: bpf_tail_call
// (helper 12) or a noreturn callee.
bool isExitCall(const llvm::Instruction &I);
// A condition the compiler decides: __builtin_constant_p
// (llvm.is.constant), e.g. in bpf_ntohs(). Not a source branch.
bool isCompileTimeCondition(const llvm::Value *Cond);
// The block contains an exit call.
bool hasExitCall(const llvm::BasicBlock &BB);
// The block has an edge to V: it returns, is unreachable, or may exit early.
bool hasVirtualExit(const llvm::BasicBlock &BB);
// Distinct successors in terminator order.
void uniqueSuccessors(const llvm::BasicBlock &BB,
		      llvm::SmallVectorImpl<llvm::BasicBlock *> &Out);
unsigned numUniquePredecessors(const llvm::BasicBlock &BB);
// All edges in a fixed order: V->entry, then per block in layout order its
// unique successors followed by its edge to V, if any.
std::vector<CovEdge> coverageEdges(llvm::Function &F);
// Splits blocks after exit calls so that code after one is its own block.
void splitAfterExitCalls(llvm::Function &F, Synthetic &Syn);
// Splits critical edges out of conditional branches and switches.
void splitBranchCriticalEdges(llvm::Function &F, Synthetic &Syn);

// --- placement.cpp: where probes go -------------------------------------

struct FunctionPlan {
	llvm::Function *F = nullptr;
	std::vector<llvm::BasicBlock *> BlockProbes; // probe at block start
	std::vector<CovEdge> EdgeProbes;             // counter on the edge
	// Hits mode: blocks without a probe derived from their predecessors
	// (the others without one are derived from their successors).
	std::vector<llvm::BasicBlock *> FromPreds;
	// Source conditionals clang emitted as a select (a cheap `c ? a : b`):
	// counted without a branch, one probe (counts: += cond) or two (hits:
	// a byte indexed by cond). Early stage only.
	std::vector<llvm::SelectInst *> Selects;
	unsigned SelectProbes = 0; // 1 per select (counts) or 2 (hits)
	unsigned numProbes() const
	{
		return BlockProbes.size() + EdgeProbes.size() + Selects.size() * SelectProbes;
	}
};

// Prepares F (block splits) and decides its probes; F must not change
// between this and insertion except through insertProbes().
FunctionPlan planFunction(llvm::Function &F, const Options &Opts, bool Early, Synthetic &Syn);

// Where the probes ended up after insertion, for the mapping.
struct PlacedProbes {
	llvm::DenseMap<const llvm::BasicBlock *, unsigned> Block;
	std::map<EdgeKey, unsigned> Edge;
	llvm::SmallPtrSet<const llvm::BasicBlock *, 16> FromPreds;
	// In function order; the first probe of each (hits: false, true).
	std::vector<std::pair<llvm::SelectInst *, unsigned>> Select;
};

// How probes are emitted. IR probes are plain stores (hits) or atomic adds
// (counts) tagged with the probe alias scope (Scope), which the optimiser
// clones, moves and merges while keeping their effect; asm probes are final
// BPF code that shares one base register per function.
struct ProbeStyle {
	bool IR = false;
	llvm::MDNode *Scope = nullptr; // !alias.scope of IR probes
};

// Emits the probe code of Plan, numbering probes from FirstProbe. Seg is the
// counter global, an array of i8 (hits) or i64 (counts) whose first elements
// hold the segment header.
// Slots, when given, are the segment indexes of the plan's probes in order
// (instead of FirstProbe, FirstProbe + 1, ...).
void insertProbes(const FunctionPlan &Plan, unsigned FirstProbe, Mode M,
		  llvm::GlobalVariable *Seg, const ProbeStyle &Style, Synthetic &Syn,
		  PlacedProbes &Out, const std::vector<unsigned> *Slots = nullptr);

// --- lower.cpp: IR probes -> BPF code ---------------------------------

// Named metadata that marks a module instrumented early: one node holding
// the segment and the mapping globals. The late pass thins and lowers its
// probes.
inline const char *earlyMarker() { return "bpfgauge.early"; }
// Instruction metadata on a select probe: !{i64 first slot, i64 slots}.
inline const char *selectSlotsMD() { return "bpfgauge.sel"; }

// --- thin.cpp: copies of early probes -> fewest late probes --------------

// Replaces the copies of early probes by probes placed on the optimised
// CFG and adds thin records to Map (rehashing it and Seg's header).
// Returns the number of copies removed; 0 leaves the module unchanged but
// for block splits after exit calls.
unsigned thinProbes(llvm::Module &M, llvm::GlobalVariable *Seg, llvm::GlobalVariable *Map);

// An early probe as the optimiser left it. Recognised: a form lowering and
// thinning rewrite (a store of 1, an atomic add, a memset of hit bytes) at
// a constant address; then Count slots from Slot, each incremented by Inc
// (counts mode). ConstOff: the address is the segment plus a constant.
struct ProbeAccess {
	bool Recognised = false;
	bool ConstOff = false;
	uint64_t Slot = 0, Count = 1;
	llvm::Value *Inc = nullptr;
};
ProbeAccess probeAccess(llvm::Instruction &I, llvm::GlobalVariable *Seg, Mode M,
			const llvm::DataLayout &DL);
// The mode of a segment, from its element type (i8 hits, i64 counts).
Mode segmentMode(const llvm::GlobalVariable *Seg);

// Rewrites the IR probes that survived optimisation on Seg into asm probes
// (what insertProbes emits in late mode). Probes in a form it does not
// recognise stay IR: still exact, a few instructions dearer. Returns the
// number of probes rewritten.
unsigned lowerProbes(llvm::Module &M, llvm::GlobalVariable *Seg);

// The segment's address as a probe before Where should use it.
llvm::Value *localBase(llvm::GlobalVariable *Seg, llvm::Instruction *Where);

// The asm probe at Off bytes into the segment (hits: store 1; counts: add
// Inc), before Where, on the segment address Base.
llvm::Instruction *emitAsmProbe(Mode M, llvm::Value *Base, uint64_t Off, llvm::Value *Inc,
				llvm::Instruction *Where);

// --- mapping.cpp: the text record --------------------------------------

class MappingWriter {
public:
	MappingWriter(Mode M, unsigned NumProbes, bool Branches);
	// Appends F's func/b/e records; returns the number of blocks. Lines
	// whose subprogram is in Skip (opted-out code inlined into F) are left
	// out.
	unsigned addFunction(llvm::Function &F, const Synthetic &Syn,
			     const PlacedProbes &Probes,
			     const llvm::SmallPtrSetImpl<const llvm::DISubprogram *> &Skip);
	// The complete record (without its NUL) and its hash.
	std::string finish(uint64_t &Hash);

private:
	unsigned fileId(const llvm::DIFile *File);
	// The line holds only braces, 'else' and comments (its text read from
	// the source file once; false when the file cannot be read).
	bool braceOnly(const llvm::DIFile *File, unsigned Line);

	Mode TheMode;
	unsigned NumProbes;
	bool Branches;
	std::vector<std::string> Files;
	llvm::StringMap<unsigned> FileIds;
	llvm::StringMap<std::vector<bool>> BraceLines; // by file id's path
	std::string Funcs;
};

std::string escapeField(llvm::StringRef S);

// --- mapping.cpp: where the record goes ----------------------------------

// Moves each mapping record of M (the globals in BPFGAUGE_MAPPING_SEC, where
// the pass builds it) into the chunk symbols of cov_abi.h: local absolute
// symbols (".set" in module assembly), which no loader reports. Returns the
// number of records moved.
unsigned mappingToSymbols(llvm::Module &M);
// The chunk symbol payload of Text (cov_abi.h's encoding).
std::string encodeChunk(llvm::StringRef Text);
// The module holds chunk symbols already.
bool hasMappingSymbols(const llvm::Module &M);

} // namespace bpfgauge

#endif // BPFGAUGE_PASS_H
