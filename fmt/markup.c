/* SPDX-License-Identifier: BSD-2-Clause */
/* The escapers: XML/HTML and Markdown, one each for every writer. */
#include <string.h>

#include "markup.h"

void markup_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			fputc(c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '?' : c, f);
		}
	}
}

void markup_md_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (strchr("|`*_<", *s))
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}
