/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The matrix's arch axis without guests: the kernel label of a cell off
 * x86_64 names its arch ("6.1/arm64", from the cell's arch column, else
 * from a Debian "-arm64" release), flags by axis say the arch ("attach
 * fails on kernel 6.1/arm64 only", "fails on arm64 only"), versions are
 * never ordered across architectures, and the arch column survives the
 * store: a schema-2 store reads as it is read-only (arch unknown) and
 * migrates to 3 on a writable open, and the arch round-trips through JSON
 * and CSV exports; an old export without it still imports. The cells are
 * made by hand; each expected string is read off the inputs of its test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bg_test.h"
#include "mx_cells.h"
#include "bpfgauge/bpfgauge.h"
#include "bpfgauge/matrix.h"
#include "bpfgauge/store.h"
#include "bpfgauge/vgate.h"

static char dir[] = "/tmp/bg-mxarch-XXXXXX";

#define DIRECT_CALLS "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS is not set (fentry needs it)"

/* One program "p" of object "obj": passing, or failing at load with errno err. */
static struct vlog_record *rec(int pass, int err)
{
	struct vlog_record *r = vlog_record__new();

	vlog_record__set_str(r, VLOG_STAT_FILE, "obj");
	vlog_record__set_str(r, VLOG_STAT_PROG, "p");
	vlog_record__set_int(r, VLOG_STAT_VERDICT, pass ? VLOG_VERDICT_PASS : VLOG_VERDICT_FAIL);
	vlog_record__set_int(r, VLOG_STAT_CLASS, pass ? VLOG_CLASS_NONE : VLOG_CLASS_OTHER);
	vlog_record__set_int(r, VLOG_STAT_INSNS, pass ? 50 : 0);
	vlog_record__set_int(r, VLOG_STAT_TOTAL_STATES, 5);
	vlog_record__set_int(r, VLOG_STAT_ERRNO, pass ? 0 : err);
	if (!pass)
		vlog_record__set_str(r, VLOG_STAT_ERROR, "attach target not found");
	vlog_record__finalize(r);
	return r;
}

/* A cell as the matrix stores it: kernel label, release, arch column (NULL: none). */
static void cell(struct store_cell *c, const char *label, const char *krel, const char *arch,
		 struct vlog_record *r, const char *attach)
{
	mx_test_cell(c, label, krel, arch, "22", "", r, attach);
}

/* The label: the arch column first, a Debian arm64 release for older stores, else x86_64. */
TEST(test_kernel_label_names_the_arch)
{
	struct store_cell c[4];
	char buf[64];

	cell(&c[0], "6.1/arm64", "6.1.0-57-cloud-arm64", "arm64", rec(1, 0), NULL);
	cell(&c[1], "6.1", "6.1.0-57-cloud-amd64", "x86_64", rec(1, 0), NULL);
	cell(&c[2], "6.1", "6.1.0-57-cloud-arm64", NULL, rec(1, 0), NULL); /* schema 2 */
	cell(&c[3], "x", "6.12.5", "arm64", rec(1, 0), NULL); /* the column wins */
	mx_kernel_short(&c[0], buf, sizeof(buf));
	ASSERT_EQ_STR(buf, "6.1/arm64");
	ASSERT_EQ_STR(mx_cell_arch(&c[0]), "arm64");
	mx_kernel_short(&c[1], buf, sizeof(buf));
	ASSERT_EQ_STR(buf, "6.1");
	ASSERT_EQ_STR(mx_cell_arch(&c[1]), "x86_64");
	mx_kernel_short(&c[2], buf, sizeof(buf));
	ASSERT_EQ_STR(buf, "6.1/arm64");
	ASSERT_EQ_STR(mx_cell_arch(&c[2]), "arm64");
	mx_kernel_short(&c[3], buf, sizeof(buf));
	ASSERT_EQ_STR(buf, "6.12/arm64");
	free_cells(c, 4);
}

/*
 * The demonstration as cells: fentry verifies everywhere, attaches
 * on x86_64 6.1 and 6.12 and on arm64 6.12, and gets ENOTSUPP on arm64 6.1.
 */
TEST(test_attach_fails_on_arm64_61_only)
{
	struct store_cell c[4];
	struct mx_flag *flags;
	const struct mx_flag *f;
	size_t nf;

	cell(&c[0], "6.1", "6.1.0-57-cloud-amd64", "x86_64", rec(1, 0), "attached");
	cell(&c[1], "6.12", "6.12.117+deb12-cloud-amd64", "x86_64", rec(1, 0), "attached");
	cell(&c[2], "6.1/arm64", "6.1.0-57-cloud-arm64", "arm64", rec(1, 0),
	     "failed ENOTSUPP: " DIRECT_CALLS);
	cell(&c[3], "6.12/arm64", "6.12.117+deb12-cloud-arm64", "arm64", rec(1, 0), "attached");
	nf = flags_of(c, 4, &flags);
	ASSERT_TRUE(!find_flag(flags, nf, MX_FLAG_AXIS_FAIL));
	f = find_flag(flags, nf, MX_FLAG_ATTACH_FAIL);
	ASSERT_TRUE(f);
	ASSERT_EQ_STR(f->axis, "attach fails on kernel 6.1/arm64 only");
	ASSERT_EQ_STR(f->detail, "ENOTSUPP (" DIRECT_CALLS ")");
	ASSERT_CONTAINS(f->cells, "kernel=6.1/arm64");
	free(flags);
	free_cells(c, 4);
}

/* A program that loads on both x86_64 kernels and on neither arm64 one: "on arm64 only". */
TEST(test_fails_on_one_arch)
{
	struct store_cell c[4];
	struct mx_flag *flags;
	const struct mx_flag *f;
	size_t nf;

	cell(&c[0], "6.1", "6.1.0-57-cloud-amd64", "x86_64", rec(1, 0), "attached");
	cell(&c[1], "6.12", "6.12.117+deb12-cloud-amd64", "x86_64", rec(1, 0), "attached");
	cell(&c[2], "6.1/arm64", "6.1.0-57-cloud-arm64", "arm64", rec(0, ESRCH), NULL);
	cell(&c[3], "6.12/arm64", "6.12.117+deb12-cloud-arm64", "arm64", rec(0, ESRCH), NULL);
	nf = flags_of(c, 4, &flags);
	f = find_flag(flags, nf, MX_FLAG_AXIS_FAIL);
	ASSERT_TRUE(f);
	ASSERT_EQ_STR(f->axis, "fails on arm64 only");
	free(flags);
	/* and the other way round */
	for (int i = 0; i < 4; i++) {
		vlog_record__free(c[i].recs[0]);
		c[i].recs[0] = rec(i >= 2, ESRCH);
	}
	nf = flags_of(c, 4, &flags);
	f = find_flag(flags, nf, MX_FLAG_AXIS_FAIL);
	ASSERT_TRUE(f);
	ASSERT_EQ_STR(f->axis, "fails on x86_64 only");
	free(flags);
	free_cells(c, 4);
}

/*
 * Passes on x86_64 6.1 only: sorted as versions the labels would read
 * 6.1 < 6.1/arm64 < 6.12 < 6.12/arm64, a false "fails from 6.1/arm64 on";
 * versions are ordered within one architecture only.
 */
TEST(test_no_version_order_across_archs)
{
	struct store_cell c[4];
	struct mx_flag *flags;
	const struct mx_flag *f;
	size_t nf;

	cell(&c[0], "6.1", "6.1.0-57-cloud-amd64", "x86_64", rec(1, 0), NULL);
	cell(&c[1], "6.1/arm64", "6.1.0-57-cloud-arm64", "arm64", rec(0, ESRCH), NULL);
	cell(&c[2], "6.12", "6.12.117+deb12-cloud-amd64", "x86_64", rec(0, ESRCH), NULL);
	cell(&c[3], "6.12/arm64", "6.12.117+deb12-cloud-arm64", "arm64", rec(0, ESRCH), NULL);
	nf = flags_of(c, 4, &flags);
	f = find_flag(flags, nf, MX_FLAG_AXIS_FAIL);
	ASSERT_TRUE(f);
	ASSERT_EQ_STR(f->axis, "fails on 3 of 4 cells");
	free(flags);
	free_cells(c, 4);
}

/*
 * A store of schema version 2 (the layout before the arch column, written
 * with sqlite directly): read-only, its cells read with no arch (their
 * label still says arm64, from the release); a writable open migrates it
 * to 3, and a new cell's arch round-trips through the file, a JSON and a
 * CSV export and their imports; an old export without "arch" imports.
 */
TEST(test_arch_in_history)
{
	char path[256], p2[256], p3[256], label[64];
	struct store *st, *s2;
	struct store_run run = { 0 };
	struct store_cell c;
	struct mx_read rd;

	snprintf(path, sizeof(path), "%s/v2.db", dir);
	exec_sql(path,
		 "CREATE TABLE runs (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, started TEXT,"
		 " finished TEXT, status TEXT, git_commit TEXT, git_dirty INTEGER, branch TEXT,"
		 " host_arch TEXT, host_kernel TEXT, label TEXT, matrix_key TEXT, tool_version TEXT,"
		 " owner TEXT);"
		 "CREATE TABLE cells (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id),"
		 " kernel TEXT NOT NULL, kernel_release TEXT, config_hash TEXT, btf INTEGER,"
		 " clang TEXT NOT NULL, clang_version TEXT, mcpu TEXT NOT NULL, cflags TEXT,"
		 " object TEXT NOT NULL, object_hash TEXT, status TEXT, error TEXT, console_tail TEXT,"
		 " seconds REAL, UNIQUE(run_id, kernel, clang, mcpu, object));"
		 "CREATE TABLE records (id INTEGER PRIMARY KEY, cell_id INTEGER NOT NULL REFERENCES cells(id),"
		 " prog TEXT NOT NULL, verdict TEXT, insns INTEGER, states INTEGER,"
		 " record TEXT NOT NULL, log TEXT, attach TEXT, UNIQUE(cell_id, prog));"
		 "INSERT INTO runs VALUES(1,'u-old','2026-01-01T00:00:00Z','','complete','',0,'main',"
		 " 'x86_64','6.1.0','old','k','0.1','');"
		 "INSERT INTO cells VALUES(1,1,'6.1','6.1.0-57-cloud-arm64','',1,'22','','','','obj',"
		 " '0','ok','','',1);"
		 "INSERT INTO records VALUES(1,1,'p','pass',5,1,"
		 " '{\"prog\":\"p\",\"verdict\":\"pass\",\"insns\":5}',NULL,'attached');"
		 "PRAGMA user_version=2;");
	ASSERT_EQ_INT(store_open_ro(path, &st), 0);
	mx_read_one(st, "latest", &rd);
	ASSERT_EQ_STR(rd.cells[0].arch, "");
	ASSERT_EQ_STR(rd.cells[0].attach[0], "attached");
	mx_kernel_short(&rd.cells[0], label, sizeof(label));
	ASSERT_EQ_STR(label, "6.1/arm64");
	mx_read_release(&rd);
	store_close(st);

	ASSERT_EQ_INT(store_open(path, &st), 0);
	{
		sqlite3 *db;
		sqlite3_stmt *s;

		ASSERT_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
		ASSERT_EQ_INT(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL), SQLITE_OK);
		ASSERT_EQ_INT(sqlite3_step(s), SQLITE_ROW);
		ASSERT_EQ_INT(sqlite3_column_int(s, 0), 3);
		sqlite3_finalize(s);
		sqlite3_close(db);
	}
	run.label = strdup("new");
	run.matrix_key = strdup("k2");
	store_run_provenance(&run);
	ASSERT_EQ_INT(store_run_begin(st, &run), 0);
	cell(&c, "6.1/arm64", "6.1.0-57-cloud-arm64", "arm64", rec(1, 0),
	     "failed ENOTSUPP: " DIRECT_CALLS);
	ASSERT_EQ_INT(store_cell_add(st, run.id, &c), 0);
	store_cell_release(&c);
	mx_read_one(st, "latest", &rd);
	ASSERT_EQ_STR(rd.cells[0].arch, "arm64");
	ASSERT_EQ_STR(rd.cells[0].kernel, "6.1/arm64");
	mx_read_release(&rd);

	for (int fmt = 0; fmt < 2; fmt++) {
		size_t len;
		char *buf = mx_export_run(st, run.id, fmt ? "csv" : "json", &len);

		ASSERT_CONTAINS(buf, fmt ? ",cell_arch," : "\"arch\": \"arm64\"");
		snprintf(p2, sizeof(p2), "%s/imp%d.db", dir, fmt);
		s2 = mx_import_one(p2, buf, len);
		mx_read_one(s2, "latest", &rd);
		ASSERT_EQ_STR(rd.cells[0].arch, "arm64");
		ASSERT_EQ_STR(rd.cells[0].attach[0], "failed ENOTSUPP: " DIRECT_CALLS);
		mx_read_release(&rd);
		store_close(s2);
		free(buf);
	}
	/* an export written before the arch column still imports, arch unknown */
	snprintf(p3, sizeof(p3), "%s/old-export.db", dir);
	{
		static const char old[] =
			"{\"schema_version\":1,\"kind\":\"bpfgauge-history\",\"runs\":[{\"uuid\":\"u-x\","
			"\"status\":\"complete\",\"git_dirty\":0,\"cells\":[{\"kernel\":\"6.1\","
			"\"kernel_release\":\"6.1.0-57-cloud-amd64\",\"clang\":\"14\",\"mcpu\":\"\","
			"\"object\":\"obj\",\"btf\":1,\"seconds\":1,"
			"\"programs\":[{\"prog\":\"p\",\"verdict\":\"pass\",\"insns\":5}],"
			"\"logs\":[null]}]}]}";

		s2 = mx_import_one(p3, old, strlen(old));
		mx_read_one(s2, "latest", &rd);
		ASSERT_EQ_STR(rd.cells[0].arch, "");
		ASSERT_EQ_STR(mx_cell_arch(&rd.cells[0]), "x86_64");
		mx_read_release(&rd);
		store_close(s2);
	}
	store_run_release(&run);
	store_close(st);
}

int main(void)
{
	int rc;

	if (!mkdtemp(dir))
		return 2;
	bpfgauge_set_log_level(BPFGAUGE_LOG_ERROR);
	RUN_TEST(test_kernel_label_names_the_arch);
	RUN_TEST(test_attach_fails_on_arm64_61_only);
	RUN_TEST(test_fails_on_one_arch);
	RUN_TEST(test_no_version_order_across_archs);
	RUN_TEST(test_arch_in_history);
	rc = bg_test_summary();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			rc = rc ? rc : 1;
	}
	return rc;
}
