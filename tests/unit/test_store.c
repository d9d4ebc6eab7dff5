/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * History store and matrix flags: cells round-trip through SQLite, rows
 * are immutable, a duplicate cell is refused, resume finds the unfinished
 * run, export/import (JSON and CSV) is lossless, and flags name the axis.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bg_test.h"
#include "bpfgauge/matrix.h"
#include "bpfgauge/store.h"
#include "bpfgauge/vgate.h"

static char dir[] = "/tmp/bg-store-XXXXXX";

static struct vlog_record *rec(const char *prog, int pass, long insns, long states)
{
	struct vlog_record *r = vlog_record__new();

	vlog_record__set_str(r, VLOG_STAT_FILE, "x");
	vlog_record__set_str(r, VLOG_STAT_PROG, prog);
	vlog_record__set_int(r, VLOG_STAT_VERDICT, pass ? VLOG_VERDICT_PASS : VLOG_VERDICT_FAIL);
	vlog_record__set_int(r, VLOG_STAT_CLASS, pass ? VLOG_CLASS_NONE : VLOG_CLASS_COMPLEXITY);
	vlog_record__set_int(r, VLOG_STAT_INSNS, insns);
	vlog_record__set_int(r, VLOG_STAT_TOTAL_STATES, states);
	if (!pass)
		vlog_record__set_str(r, VLOG_STAT_ERROR, "BPF program is too large. Processed 1000001 insn");
	vlog_record__finalize(r);
	return r;
}

/* A cell with one program; kernel release "6.1.0-1" or "6.12.5". */
static void cell(struct store_cell *c, const char *krel, const char *clang, const char *mcpu,
		 struct vlog_record *r, const char *log)
{
	memset(c, 0, sizeof(*c));
	c->kernel = strdup(krel[0] == 'h' ? "host" : krel);
	c->kernel_release = strdup(krel);
	c->config_hash = strdup("abc");
	c->btf = 1;
	c->clang = strdup(clang);
	c->clang_version = strdup("clang version x");
	c->mcpu = strdup(mcpu);
	c->cflags = strdup("-DX=\"a,b\"");
	c->object = strdup("obj");
	c->object_hash = strdup("0123");
	c->status = strdup("ok");
	c->error = strdup("");
	c->console_tail = strdup("");
	c->seconds = 1.5;
	c->recs = calloc(1, sizeof(*c->recs));
	c->logs = calloc(1, sizeof(*c->logs));
	c->recs[0] = r;
	c->logs[0] = log ? strdup(log) : NULL;
	c->nrecs = 1;
}

static int64_t add_run(struct store *st, const char *key, const char *const *krels,
		       const char *const *clangs, const int *pass, const long *insns, size_t n)
{
	struct store_run run = { 0 };
	int64_t id;

	run.label = strdup("t");
	run.matrix_key = strdup(key);
	store_run_provenance(&run);
	free(run.branch);
	run.branch = strdup("main");
	ASSERT_EQ_INT(store_run_begin(st, &run), 0);
	id = run.id;
	for (size_t i = 0; i < n; i++) {
		struct store_cell c;

		cell(&c, krels[i], clangs[i], "v3", rec("p", pass[i], insns[i], insns[i] / 10),
		     pass[i] ? NULL : "line one\nBPF program is too large. Processed 1000001 insn");
		ASSERT_EQ_INT(store_cell_add(st, id, &c), 0);
		store_cell_release(&c);
	}
	store_run_release(&run);
	return id;
}

static const char *const K4[] = { "6.1.0-1", "6.1.0-1", "6.12.5", "6.12.5" };
static const char *const C4[] = { "14", "22", "14", "22" };

TEST(test_roundtrip_and_immutable)
{
	char path[256];
	struct store *st;
	struct store_cell *cells;
	size_t n;
	static const int pass[] = { 1, 1, 1, 0 };
	static const long insns[] = { 100, 110, 120, 1000001 };
	int64_t id;

	snprintf(path, sizeof(path), "%s/a/b/h.db", dir);
	ASSERT_EQ_INT(store_open(path, &st), 0);
	id = add_run(st, "k1", K4, C4, pass, insns, 4);
	ASSERT_EQ_INT(store_run_cells(st, id, &cells, &n), 0);
	ASSERT_EQ_INT(n, 4);
	ASSERT_EQ_STR(cells[2].kernel_release, "6.12.5");
	ASSERT_EQ_STR(cells[1].clang, "22");
	ASSERT_EQ_STR(cells[0].cflags, "-DX=\"a,b\"");
	ASSERT_EQ_INT(cells[3].nrecs, 1);
	ASSERT_EQ_INT(vlog_record__int(cells[3].recs[0], VLOG_STAT_INSNS), 1000001);
	ASSERT_EQ_INT(vlog_record__int(cells[3].recs[0], VLOG_STAT_VERDICT), VLOG_VERDICT_FAIL);
	ASSERT_CONTAINS(cells[3].logs[0], "line one\n");
	/* same cell again: refused, nothing half-written */
	ASSERT_EQ_INT(store_cell_add(st, id, &cells[0]), -EEXIST);
	ASSERT_TRUE(store_cell_exists(st, id, "6.1.0-1", "14", "v3", "obj"));
	ASSERT_TRUE(!store_cell_exists(st, id, "6.1.0-1", "19", "v3", "obj"));
	store_cells_free(cells, n);
	/* resume finds the run while it is not complete */
	int64_t rid = 0;

	ASSERT_EQ_INT(store_run_find_resumable(st, "k1", &rid), 0);
	ASSERT_EQ_INT(rid, id);
	ASSERT_EQ_INT(store_run_finish(st, id, "complete"), 0);
	ASSERT_EQ_INT(store_run_find_resumable(st, "k1", &rid), -ENOENT);
	store_close(st);

	/* rows are immutable even through raw SQL */
	sqlite3 *db;
	char *msg = NULL;

	ASSERT_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	ASSERT_TRUE(sqlite3_exec(db, "UPDATE records SET insns=1", NULL, NULL, &msg) != SQLITE_OK);
	ASSERT_CONTAINS(msg, "immutable");
	sqlite3_free(msg);
	sqlite3_stmt *s;

	ASSERT_EQ_INT(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL), SQLITE_OK);
	ASSERT_EQ_INT(sqlite3_step(s), SQLITE_ROW);
	ASSERT_EQ_INT(sqlite3_column_int(s, 0), STORE_DB_VERSION);
	sqlite3_finalize(s);
	ASSERT_EQ_INT(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	ASSERT_EQ_INT(sqlite3_step(s), SQLITE_ROW);
	ASSERT_EQ_STR((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static char *export_str(struct store *st, const char *fmt)
{
	char *buf = NULL;
	size_t len;
	FILE *m = open_memstream(&buf, &len);

	ASSERT_EQ_INT(store_export(st, NULL, 0, fmt, m), 0);
	fclose(m);
	return buf;
}

TEST(test_export_import_lossless)
{
	char a[256], b[256], c[256];
	struct store *sa, *sb, *sc;
	static const int pass[] = { 1, 1, 1, 0 };
	static const long insns[] = { 100, 110, 120, 1000001 };
	size_t imp, skip;
	char *j1, *j2, *c1, *c2;

	snprintf(a, sizeof(a), "%s/x.db", dir);
	snprintf(b, sizeof(b), "%s/y.db", dir);
	snprintf(c, sizeof(c), "%s/z.db", dir);
	ASSERT_EQ_INT(store_open(a, &sa), 0);
	add_run(sa, "k", K4, C4, pass, insns, 4);
	j1 = export_str(sa, "json");
	c1 = export_str(sa, "csv");
	ASSERT_CONTAINS(j1, "\"schema_version\": 1");
	ASSERT_CONTAINS(c1, "schema_version,run_uuid");
	ASSERT_CONTAINS(c1, "\"-DX=\"\"a,b\"\"\""); /* RFC 4180 quoting */
	ASSERT_EQ_INT(store_open(b, &sb), 0);
	ASSERT_EQ_INT(store_import(sb, c1, strlen(c1), "c1", &imp, &skip), 0);
	ASSERT_EQ_INT(imp, 1);
	ASSERT_EQ_INT(skip, 0);
	c2 = export_str(sb, "csv");
	ASSERT_EQ_STR(c2, c1);
	ASSERT_EQ_INT(store_open(c, &sc), 0);
	ASSERT_EQ_INT(store_import(sc, j1, strlen(j1), "j1", &imp, &skip), 0);
	j2 = export_str(sc, "json");
	ASSERT_EQ_STR(j2, j1);
	/* importing again skips the run */
	ASSERT_EQ_INT(store_import(sc, j1, strlen(j1), "j1", &imp, &skip), 0);
	ASSERT_EQ_INT(imp, 0);
	ASSERT_EQ_INT(skip, 1);
	/* garbage is refused with nothing stored */
	ASSERT_EQ_INT(store_import(sc, "{\"x\":1}", 7, "bad", &imp, &skip), -BPFGAUGE_EBADFORMAT);
	free(j1);
	free(j2);
	free(c1);
	free(c2);
	store_close(sa);
	store_close(sb);
	store_close(sc);
}

static const struct mx_flag *find_flag(const struct mx_flag *f, size_t n, enum mx_flag_kind k)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].kind == k)
			return &f[i];
	return NULL;
}

TEST(test_flags_name_the_axis)
{
	char path[256];
	struct store *st;
	struct store_cell *base, *cur;
	size_t nb, nc, nf;
	struct mx_flag *flags;
	struct vpolicy *pol, *pol60;
	struct mx_levels lv;
	static const int pass0[] = { 1, 1, 1, 1 };
	static const long insns0[] = { 100, 100, 100, 100 };
	/* run 2: clang 22 fails on 6.12 only; 6.1 clang 14 grows 30% */
	static const int pass1[] = { 1, 1, 1, 0 };
	static const long insns1[] = { 130, 100, 100, 1000001 };
	/* run 3: everything on clang 22 grows 50% */
	static const int pass2[] = { 1, 1, 1, 1 };
	static const long insns2[] = { 100, 150, 100, 150 };
	int64_t r0, r1, r2;
	const struct mx_flag *f;

	snprintf(path, sizeof(path), "%s/f.db", dir);
	ASSERT_EQ_INT(store_open(path, &st), 0);
	r0 = add_run(st, "f", K4, C4, pass0, insns0, 4);
	r1 = add_run(st, "f", K4, C4, pass1, insns1, 4);
	r2 = add_run(st, "f", K4, C4, pass2, insns2, 4);
	ASSERT_EQ_INT(mx_policy_load(NULL, &pol), 0); /* the default policy */
	ASSERT_EQ_INT(store_run_cells(st, r0, &base, &nb), 0);
	ASSERT_EQ_INT(store_run_cells(st, r1, &cur, &nc), 0);
	ASSERT_EQ_INT(mx_flags(base, nb, cur, nc, pol, &flags, &nf), 0);
	f = find_flag(flags, nf, MX_FLAG_PASS_TO_FAIL);
	ASSERT_TRUE(f);
	ASSERT_EQ_STR(f->axis, "regressed on kernel 6.12 with clang 22 only");
	ASSERT_CONTAINS(f->log, "too large");
	f = find_flag(flags, nf, MX_FLAG_INSNS_GROWTH);
	ASSERT_TRUE(f);
	ASSERT_EQ_STR(f->axis, "insns grew on kernel 6.1 with clang 14 only");
	ASSERT_EQ_STR(f->detail, "insns 100 -> 130 (+30.0%, limit +10%)");
	f = find_flag(flags, nf, MX_FLAG_AXIS_FAIL);
	ASSERT_TRUE(f);
	ASSERT_EQ_STR(f->axis, "fails on kernel 6.12 with clang 22 only");
	free(flags);
	store_cells_free(cur, nc);

	ASSERT_EQ_INT(store_run_cells(st, r2, &cur, &nc), 0);
	ASSERT_EQ_INT(mx_flags(base, nb, cur, nc, pol, &flags, &nf), 0);
	ASSERT_EQ_INT(nf, 2); /* insns and states (insns / 10) both grew */
	ASSERT_EQ_STR(flags[0].axis, "insns grew with clang 22 only");
	ASSERT_EQ_STR(flags[1].axis, "states grew with clang 22 only");
	free(flags);
	/* a 60% threshold from a gate policy silences it */
	char pol_path[256];
	FILE *pf;

	snprintf(pol_path, sizeof(pol_path), "%s/policy", dir);
	pf = fopen(pol_path, "w");
	fputs("# matrix policy\n*  insns  +60%\n*  states  +60%\n*  insns_limit_pct  <=70\n", pf);
	fclose(pf);
	ASSERT_EQ_INT(mx_policy_load(pol_path, &pol60), 0);
	mx_levels_from_policy(pol60, &lv);
	ASSERT_TRUE(lv.error_pct == 70); /* 30% headroom */
	ASSERT_EQ_INT(mx_flags(base, nb, cur, nc, pol60, &flags, &nf), 0);
	ASSERT_EQ_INT(nf, 0);
	free(flags);
	vpolicy_free(pol60);
	vpolicy_free(pol);
	store_cells_free(cur, nc);
	store_cells_free(base, nb);

	/* the baseline of run 3 is run 2 (complete runs only) */
	struct store_run run;
	int64_t bid;

	store_run_finish(st, r0, "complete");
	store_run_finish(st, r1, "complete");
	ASSERT_EQ_INT(store_run_get(st, "latest", &run), 0);
	ASSERT_EQ_INT(run.id, r2);
	ASSERT_EQ_INT(store_baseline(st, &run, &bid), 0);
	ASSERT_EQ_INT(bid, r1);
	store_run_release(&run);
	ASSERT_EQ_INT(store_run_get(st, "latest~2", &run), 0);
	ASSERT_EQ_INT(run.id, r0);
	store_run_release(&run);
	store_close(st);
}

/* the capture a guest prints reads back whole, and only as a capture of this schema */
TEST(test_capture_roundtrip_and_kind)
{
	struct vlog_record *recs[2] = { rec("a", 1, 10, 1), rec("b", 0, 1000001, 9) };
	char *logs[2] = { NULL, "line one\nBPF program is too large" };
	struct mx_capture c = { .kernel_release = "6.1.0-27-cloud-amd64", .config_hash = "abc",
				.btf = 1, .recs = recs, .logs = logs, .n = 2 };
	struct mx_capture back;
	char *buf = NULL, *bad;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_EQ_INT(mx_capture_write(f, &c), 0);
	fclose(f);
	ASSERT_CONTAINS(buf, "\"kind\":\"bpfgauge-capture\"");
	ASSERT_EQ_INT(mx_capture_parse(buf, len, &back), 0);
	ASSERT_EQ_STR(back.kernel_release, "6.1.0-27-cloud-amd64");
	ASSERT_EQ_INT(back.btf, 1);
	ASSERT_EQ_INT(back.n, 2);
	ASSERT_EQ_STR(vlog_record__str(back.recs[1], VLOG_STAT_PROG), "b");
	ASSERT_EQ_INT(vlog_record__int(back.recs[1], VLOG_STAT_INSNS), 1000001);
	ASSERT_TRUE(!back.logs[0]);
	ASSERT_EQ_STR(back.logs[1], "line one\nBPF program is too large");
	mx_capture_release(&back);
	/* another kind, or no schema_version, is refused */
	bad = strdup(buf);
	memcpy(strstr(bad, "bpfgauge-capture"), "bpfgauge-history", 16);
	ASSERT_EQ_INT(mx_capture_parse(bad, len, &back), -BPFGAUGE_EBADFORMAT);
	static const char noschema[] = "{\"kind\":\"bpfgauge-capture\",\"programs\":[]}";

	ASSERT_EQ_INT(mx_capture_parse(noschema, strlen(noschema), &back), -BPFGAUGE_EBADFORMAT);
	free(bad);
	free(buf);
	vlog_record__free(recs[0]);
	vlog_record__free(recs[1]);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir))
		return 2;
	bpfgauge_set_log_level(BPFGAUGE_LOG_ERROR);
	RUN_TEST(test_roundtrip_and_immutable);
	RUN_TEST(test_export_import_lossless);
	RUN_TEST(test_flags_name_the_axis);
	RUN_TEST(test_capture_roundtrip_and_kind);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
	return bg_test_summary();
}
