/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hand-made matrix cells for the matrix unit tests (flags, arch): one
 * record per cell, as the matrix stores it, and the flags of such cells
 * under the default policy. Include after bg_test.h.
 */
#ifndef BG_MX_CELLS_H
#define BG_MX_CELLS_H

#include <stdlib.h>
#include <string.h>

#include "bpfgauge/matrix.h"
#include "bpfgauge/store.h"
#include "bpfgauge/vgate.h"

/* kernel label, release, arch column (NULL: none), clang, -mcpu; r and attach owned by c */
static void mx_test_cell(struct store_cell *c, const char *kernel, const char *krel,
			 const char *arch, const char *clang, const char *mcpu,
			 struct vlog_record *r, const char *attach)
{
	memset(c, 0, sizeof(*c));
	c->kernel = strdup(kernel);
	c->kernel_release = strdup(krel);
	c->arch = arch ? strdup(arch) : NULL;
	c->config_hash = strdup("");
	c->btf = 1;
	c->clang = strdup(clang);
	c->clang_version = strdup("");
	c->mcpu = strdup(mcpu);
	c->cflags = strdup("");
	c->object = strdup("obj");
	c->object_hash = strdup("0123");
	c->status = strdup("ok");
	c->error = strdup("");
	c->console_tail = strdup("");
	c->recs = calloc(1, sizeof(*c->recs));
	c->logs = calloc(1, sizeof(*c->logs));
	c->attach = calloc(1, sizeof(*c->attach));
	c->recs[0] = r;
	c->attach[0] = attach ? strdup(attach) : NULL;
	c->nrecs = 1;
}

/* The flags of cells (no baseline) under the default policy. */
static size_t flags_of(struct store_cell *cells, size_t n, struct mx_flag **flags)
{
	struct vpolicy *pol;
	size_t nf = 0;

	ASSERT_EQ_INT(mx_policy_load(NULL, &pol), 0);
	ASSERT_EQ_INT(mx_flags(NULL, 0, cells, n, pol, flags, &nf), 0);
	vpolicy_free(pol);
	return nf;
}

static const struct mx_flag *find_flag(const struct mx_flag *f, size_t n, enum mx_flag_kind k)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].kind == k)
			return &f[i];
	return NULL;
}

static void free_cells(struct store_cell *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_cell_release(&c[i]);
}

#endif /* BG_MX_CELLS_H */
