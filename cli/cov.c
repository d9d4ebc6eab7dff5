/* SPDX-License-Identifier: BSD-2-Clause */
/* bpfgauge cov: placeholder until the coverage runtime lands. */
#include "main.h"

int do_cov(int argc, char **argv)
{
	p_err("cov: not built yet");
	return EXIT_ERROR;
}
