/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `verifier hotspots` output: the source lines where the verifier spent
 * its budget, most first, as a table or as one JSON object per log.
 */
#include "verifier_report.h"

static uint64_t hotspots_total(const struct vlog_hotspot *hs, size_t n, uint64_t unattributed)
{
	uint64_t total = unattributed;

	for (size_t i = 0; i < n; i++)
		total += hs[i].insns;
	return total;
}

void verifier_write_hotspots_plain(FILE *f, const char *what, const struct vlog_hotspot *hs,
				   size_t n, uint64_t unattributed, size_t top)
{
	uint64_t total = hotspots_total(hs, n, unattributed);

	fprintf(f, "%s: %llu insns processed, %llu without a source line\n", what,
		(unsigned long long)total, (unsigned long long)unattributed);
	fprintf(f, "%10s  %6s  %8s  %-30s  %s\n", "Insns", "%", "Paths", "Location", "Source");
	for (size_t i = 0; i < n && i < top; i++) {
		char loc[300];

		snprintf(loc, sizeof(loc), "%s:%d", hs[i].file, hs[i].line);
		fprintf(f, "%10llu  %6.2f  %8llu  %-30s  %.60s\n", (unsigned long long)hs[i].insns,
			total ? 100.0 * hs[i].insns / total : 0.0, (unsigned long long)hs[i].paths,
			loc, hs[i].src);
	}
	if (!n)
		fprintf(f, "(no '; ... @ file:line' comments: the log is older than 6.9 or not level 2;"
			" give the object with --obj for its BTF line info)\n");
}

void verifier_write_hotspots_json(json_writer_t *jw, const char *what,
				  const struct vlog_hotspot *hs, size_t n, uint64_t unattributed,
				  size_t top)
{
	jw_start_object(jw);
	jw_string_field(jw, "source", what);
	jw_uint_field(jw, "insns", hotspots_total(hs, n, unattributed));
	jw_uint_field(jw, "unattributed", unattributed);
	jw_name(jw, "lines");
	jw_start_array(jw);
	for (size_t i = 0; i < n && i < top; i++) {
		jw_start_object(jw);
		jw_string_field(jw, "file", hs[i].file);
		jw_int_field(jw, "line", hs[i].line);
		jw_uint_field(jw, "insns", hs[i].insns);
		jw_uint_field(jw, "paths", hs[i].paths);
		jw_string_field(jw, "src", hs[i].src);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_end_object(jw);
}
