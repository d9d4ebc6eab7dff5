// SPDX-License-Identifier: BSD-2-Clause
// Every LLVM version difference the pass depends on, in one place: the rest of
// pass/ is written against the newest API and includes this header instead of
// the few LLVM headers that moved or changed shape between LLVM 14 and 22.
#ifndef BPFGAUGE_LLVM_COMPAT_H
#define BPFGAUGE_LLVM_COMPAT_H

#include "llvm/Config/llvm-config.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"

#ifndef BPFGAUGE_LLVM_MAJOR
#define BPFGAUGE_LLVM_MAJOR LLVM_VERSION_MAJOR
#endif
#if BPFGAUGE_LLVM_MAJOR != LLVM_VERSION_MAJOR
#error "BPFGAUGE_LLVM_MAJOR does not match the LLVM headers in use"
#endif
#if LLVM_VERSION_MAJOR < 14 || LLVM_VERSION_MAJOR > 22
#error "bpfgauge's pass supports LLVM 14..22"
#endif

// LLVM 22 moved the plugin interface out of Passes/.
#if LLVM_VERSION_MAJOR >= 22
#include "llvm/Plugins/PassPlugin.h"
#else
#include "llvm/Passes/PassPlugin.h"
#endif

// Triple moved to TargetParser/ in LLVM 17.
#if LLVM_VERSION_MAJOR >= 17
#include "llvm/TargetParser/Triple.h"
#else
#include "llvm/ADT/Triple.h"
#endif

namespace bpfgauge {
namespace compat {

// From LLVM 21 the module stores a Triple rather than a string.
inline llvm::Triple targetTriple(const llvm::Module &M)
{
#if LLVM_VERSION_MAJOR >= 21
	return M.getTargetTriple();
#else
	return llvm::Triple(M.getTargetTriple());
#endif
}

// LLVM 20 added the LTO phase to the extension-point callbacks. The pass
// instruments whatever the optimizer hands it, so the phase is ignored.
template <typename Fn>
inline void registerOptimizerLast(llvm::PassBuilder &PB, Fn AddPasses)
{
#if LLVM_VERSION_MAJOR >= 20
	PB.registerOptimizerLastEPCallback(
		[AddPasses](llvm::ModulePassManager &MPM, llvm::OptimizationLevel,
			    llvm::ThinOrFullLTOPhase) { AddPasses(MPM); });
#else
	PB.registerOptimizerLastEPCallback(
		[AddPasses](llvm::ModulePassManager &MPM, llvm::OptimizationLevel) {
			AddPasses(MPM);
		});
#endif
}

} // namespace compat
} // namespace bpfgauge

#endif // BPFGAUGE_LLVM_COMPAT_H
