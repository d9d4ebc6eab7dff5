/* SPDX-License-Identifier: BSD-2-Clause */
/* bpfgauge history: placeholder. */
#include "main.h"
int do_history(int argc, char **argv) { p_err("history: not built yet"); return EXIT_ERROR; }
