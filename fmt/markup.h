/* SPDX-License-Identifier: BSD-2-Clause */
/* Escaping text for XML and HTML output (Cobertura, JUnit, the dashboard)
 * and for Markdown tables (PR comments of the gate and the matrix). */
#ifndef BPFGAUGE_MARKUP_H
#define BPFGAUGE_MARKUP_H

#include <stdio.h>

/*
 * Write s (NULL writes nothing) with & < > " ' escaped; control bytes other
 * than tab, newline and carriage return, which XML 1.0 forbids, become '?'.
 */
void markup_escape(FILE *f, const char *s);

/*
 * Write s (NULL writes nothing) for a Markdown table cell: | ` * _ < get a
 * backslash (no cell split, no emphasis, no HTML), a newline becomes a space.
 */
void markup_md_escape(FILE *f, const char *s);

#endif /* BPFGAUGE_MARKUP_H */
