// SPDX-License-Identifier: BSD-2-Clause
// Placeholder: the coverage pass lands with the coverage issue.
#include "llvm/IR/PassManager.h"
