/* SPDX-License-Identifier: BSD-2-Clause */
/* bpfgauge dashboard: placeholder. */
#include "main.h"
int do_dashboard(int argc, char **argv) { p_err("dashboard: not built yet"); return EXIT_ERROR; }
