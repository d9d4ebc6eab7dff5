/* SPDX-License-Identifier: BSD-2-Clause */
/* lcov tracefile writer (geninfo format, as lcov 1.x/2.x and genhtml read it). */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include "cov_writers.h"
#include "lcov.h"

/* One file block of the model, its records in geninfo's order. */
static void lcov_write_file(FILE *f, const char *tn, const struct cov_file_view *v)
{
	uint64_t hit = 0;

	lcov_write_tn(f, tn);
	lcov_write_sf(f, v->path);
	for (size_t j = 0; j < v->nfuncs; j++)
		lcov_write_fn(f, v->funcs[j].line, v->funcs[j].name);
	for (size_t j = 0; j < v->nfuncs; j++) {
		lcov_write_fnda(f, v->funcs[j].count, v->funcs[j].name);
		hit += v->funcs[j].count > 0;
	}
	lcov_write_fn_summary(f, v->nfuncs, hit);
	hit = 0;
	for (size_t j = 0; j < v->nbranches; j++) {
		const struct cov_branch_rec *b = &v->branches[j];

		lcov_write_brda(f, b->line, b->block, b->branch, b->taken);
		hit += b->taken > 0;
	}
	lcov_write_br_summary(f, v->nbranches, hit);
	hit = 0;
	for (size_t j = 0; j < v->nlines; j++) {
		lcov_write_da(f, v->lines[j].line, v->lines[j].count);
		hit += v->lines[j].count > 0;
	}
	lcov_write_line_summary(f, v->nlines, hit);
	lcov_write_end(f);
}

static int lcov_write(FILE *f, const struct cov_model *m)
{
	struct cov_file_view v;

	for (size_t i = 0; i < cov_model__file_cnt(m); i++) {
		cov_model__file(m, i, &v);
		lcov_write_file(f, cov_model__test_name(m), &v);
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

/*
 * bpfgauge_cov_write_lcov() (declared in bpfgauge/cov.h) lives with the lcov
 * writer: the runtime below never calls a writer.
 */
struct lcov_ctx {
	struct cov_model **tests;
	size_t n;
};

static int lcov_cb(void *ctx, void *file)
{
	struct lcov_ctx *c = ctx;
	int err = 0;

	for (size_t i = 0; !err && i < c->n; i++)
		err = lcov_write(file, c->tests[i]);
	return err;
}

int bpfgauge_cov_write_lcov(const struct cov_model *model, const char *path)
{
	struct lcov_ctx c = { NULL, 0 };
	struct cov_model *same;
	struct stat st;
	bool direct;
	int err, lock = -1;

	if (!strcmp(path, "-"))
		return bpfgauge_write_stdout(lcov_cb, &(struct lcov_ctx){ (struct cov_model **)&model, 1 });
	/*
	 * read-merge-rename under the directory lock: a second writer reads
	 * only after the first renamed, so neither run's counts are lost
	 */
	/* a device, FIFO or /dev/stdout-like alias is written through: no merge */
	direct = (!stat(path, &st) && !S_ISREG(st.st_mode)) || !strncmp(path, "/dev/", 5) ||
		 !strncmp(path, "/proc/", 6);
	if (!direct) {
		err = bpfgauge_out_lock(path, &lock);
		if (err)
			return err;
	}
	/* the file keeps one block per test name; this model merges into its own */
	err = direct ? -ENOENT : cov_tests__read_lcov(&c.tests, &c.n, path);
	if (err == -ENOENT)
		err = 0;
	if (err)
		goto out;
	same = cov_tests__get(&c.tests, &c.n, cov_model__test_name(model));
	err = same ? cov_model__merge(same, model) : -ENOMEM;
	if (!err)
		err = bpfgauge_write_locked(path, lcov_cb, &c);
out:
	cov_tests__free(c.tests, c.n);
	bpfgauge_out_unlock(lock);
	if (err < 0)
		errno = -err;
	return err;
}
