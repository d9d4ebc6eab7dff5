/* SPDX-License-Identifier: BSD-2-Clause */
/* lcov tracefile writer (geninfo format, as lcov 1.x/2.x and genhtml read it). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cov_writers.h"

static int lcov_write(FILE *f, const struct cov_model *m)
{
	const char *tn = cov_model__test_name(m);
	struct cov_file_view v;

	for (size_t i = 0; i < cov_model__file_cnt(m); i++) {
		uint64_t hit = 0;

		cov_model__file(m, i, &v);
		fprintf(f, "TN:%s\nSF:%s\n", tn ? tn : "", v.path);
		for (size_t j = 0; j < v.nfuncs; j++)
			fprintf(f, "FN:%u,%s\n", v.funcs[j].line, v.funcs[j].name);
		for (size_t j = 0; j < v.nfuncs; j++) {
			fprintf(f, "FNDA:%" PRIu64 ",%s\n", v.funcs[j].count, v.funcs[j].name);
			hit += v.funcs[j].count > 0;
		}
		fprintf(f, "FNF:%zu\nFNH:%" PRIu64 "\n", v.nfuncs, hit);
		hit = 0;
		for (size_t j = 0; j < v.nbranches; j++) {
			const struct cov_branch_rec *b = &v.branches[j];

			if (b->taken < 0)
				fprintf(f, "BRDA:%u,%u,%u,-\n", b->line, b->block, b->branch);
			else
				fprintf(f, "BRDA:%u,%u,%u,%" PRId64 "\n", b->line, b->block, b->branch,
					b->taken);
			hit += b->taken > 0;
		}
		fprintf(f, "BRF:%zu\nBRH:%" PRIu64 "\n", v.nbranches, hit);
		hit = 0;
		for (size_t j = 0; j < v.nlines; j++) {
			fprintf(f, "DA:%u,%" PRIu64 "\n", v.lines[j].line, v.lines[j].count);
			hit += v.lines[j].count > 0;
		}
		fprintf(f, "LF:%zu\nLH:%" PRIu64 "\nend_of_record\n", v.nlines, hit);
	}
	return ferror(f) ? -EIO : 0;
}

const struct cov_writer cov_writer_lcov = { "lcov", "lcov tracefile (genhtml, Codecov)", lcov_write, NULL };

const struct cov_writer *cov_writer_find(const char *name)
{
	static const struct cov_writer *const all[] = { &cov_writer_lcov, &cov_writer_cobertura,
							&cov_writer_json };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}
