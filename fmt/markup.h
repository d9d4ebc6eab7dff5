/* SPDX-License-Identifier: BSD-2-Clause */
/* Escaping text for XML and HTML output (Cobertura, JUnit, the dashboard). */
#ifndef BPFGAUGE_MARKUP_H
#define BPFGAUGE_MARKUP_H

#include <stdio.h>

/*
 * Write s (NULL writes nothing) with & < > " ' escaped; control bytes other
 * than tab, newline and carriage return, which XML 1.0 forbids, become '?'.
 */
void markup_escape(FILE *f, const char *s);

#endif /* BPFGAUGE_MARKUP_H */
