/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BPF-side declarations for programs built with the bpfgauge coverage pass
 * (bpfgauge cc, or clang -fpass-plugin=libbpfgauge-pass-N.so). Include it in
 * BPF C sources only; it has no effect when the pass is not loaded.
 */
#ifndef BPFGAUGE_BPF_H
#define BPFGAUGE_BPF_H

/*
 * Opt a function out of coverage: the pass inserts no probes into it and
 * leaves it out of the mapping (for code whose verifier budget is too tight
 * to spare, or that is not worth measuring). If the function is inlined, the
 * inlined copy's lines are also left out of the caller's mapping, but the
 * caller's probes still cover the blocks it lands in; add __noinline to keep
 * it wholly uninstrumented. The string must equal BPFGAUGE_NOCOV_ANNOTATION
 * in bpfgauge/cov_abi.h.
 */
#define BPFGAUGE_NOCOV __attribute__((annotate("bpfgauge_nocov")))

#endif /* BPFGAUGE_BPF_H */
