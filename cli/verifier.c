/* SPDX-License-Identifier: BSD-2-Clause */
/* bpfgauge verifier: placeholder until the verifier-stats work lands. */
#include "main.h"

int do_verifier(int argc, char **argv)
{
	p_err("verifier: not built yet");
	return EXIT_ERROR;
}
