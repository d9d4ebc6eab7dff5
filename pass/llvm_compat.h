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

#include <cstdlib>
#include <cstring>
#include <link.h>
#include <string>

namespace bpfgauge {
namespace compat {

// The LLVM major of the process that loaded the plugin, read from the name of
// its shared libLLVM (Debian: libLLVM-14.so.1, libLLVM.so.19.1), or 0 when
// there is none (a static build). A plugin built for another major must not
// touch LLVM at all: even constructing a cl::opt crashes there.
inline int hostMajor()
{
	int Major = 0;

	dl_iterate_phdr(
		[](struct dl_phdr_info *Info, size_t, void *Out) -> int {
			const char *Name = Info->dlpi_name ? std::strrchr(Info->dlpi_name, '/') : nullptr;
			Name = Name ? Name + 1 : Info->dlpi_name;
			if (!Name || std::strncmp(Name, "libLLVM", 7))
				return 0;
			Name += 7;
			if (*Name == '-')
				*(int *)Out = std::atoi(Name + 1);
			else if (!std::strncmp(Name, ".so.", 4))
				*(int *)Out = std::atoi(Name + 4);
			return *(int *)Out > 0;
		},
		&Major);
	return Major;
}

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

// Inserting an instruction before another takes an iterator from LLVM 19
// (the pointer form is deprecated in 22).
inline void insertBefore(llvm::Instruction *I, llvm::Instruction *Pos)
{
#if LLVM_VERSION_MAJOR >= 19
	I->insertBefore(Pos->getIterator());
#else
	I->insertBefore(Pos);
#endif
}

// The probe of hits mode as BPF assembly: "*(u8 *)(<base> + Off) = 1", one
// BPF_ST instruction whose base register ($0) the compiler picks and may
// share between probes. The BPF backend only emits BPF_ST for -mcpu=v4, but
// every verifier accepts it. The assembler parses the mnemonic from LLVM 19;
// before, the instruction is spelled as bytes (bpfel only), selected by the
// name of the register the compiler chose. Returns "" when neither works
// (the caller then emits a plain IR store).
inline std::string storeOneAsm(unsigned Off, bool LittleEndian)
{
	std::string S;

	if (Off > 32767)
		return S;
#if LLVM_VERSION_MAJOR >= 19
	S = "*(u8 *)($0 + " + std::to_string(Off) + ") = 1";
#else
	if (!LittleEndian)
		return S;
	for (unsigned R = 0; R <= 10; R++)
		S += ".ifc $0,r" + std::to_string(R) + "\n.byte 0x72," + std::to_string(R) + "," +
		     std::to_string(Off & 0xff) + "," + std::to_string(Off >> 8) +
		     ",1,0,0,0\n.endif\n";
#endif
	return S;
}

} // namespace compat
} // namespace bpfgauge

#endif // BPFGAUGE_LLVM_COMPAT_H
