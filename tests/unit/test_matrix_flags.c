/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Matrix flags by axis, kernels and clangs ordered as versions: a failure
 * that starts at one version names it ("kernel: passes on 6.1, fails from
 * 6.12 on (E2BIG)"), attach outcomes are flagged by axis, the table's
 * columns come out in version order whatever order the cells were given,
 * and attach outcomes survive the store (schema migration from version 1,
 * export and import, old exports without them). The cells are made by
 * hand; each expected string is read off the inputs of its test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bg_test.h"
#include "mx_cells.h"
#include "bpfgauge/matrix.h"
#include "bpfgauge/store.h"
#include "bpfgauge/vgate.h"
#include "matrix_report.h"

static char dir[] = "/tmp/bg-mxflags-XXXXXX";

/* One program "p" of object "obj": passing with insns, or failing with errno err. */
static struct vlog_record *rec(int pass, long insns, int err)
{
	struct vlog_record *r = vlog_record__new();

	vlog_record__set_str(r, VLOG_STAT_FILE, "obj");
	vlog_record__set_str(r, VLOG_STAT_PROG, "p");
	vlog_record__set_int(r, VLOG_STAT_VERDICT, pass ? VLOG_VERDICT_PASS : VLOG_VERDICT_FAIL);
	vlog_record__set_int(r, VLOG_STAT_CLASS, pass ? VLOG_CLASS_NONE : VLOG_CLASS_COMPLEXITY);
	vlog_record__set_int(r, VLOG_STAT_INSNS, insns);
	vlog_record__set_int(r, VLOG_STAT_TOTAL_STATES, insns / 10);
	vlog_record__set_int(r, VLOG_STAT_ERRNO, pass ? 0 : err);
	if (!pass)
		vlog_record__set_str(r, VLOG_STAT_ERROR, "BPF program is too large. Processed 1000001 insn");
	vlog_record__finalize(r);
	return r;
}

/* A cell labelled by its release, with clang and -mcpu v3. */
static void cell(struct store_cell *c, const char *krel, const char *clang,
		 struct vlog_record *r, const char *attach)
{
	mx_test_cell(c, krel, krel, NULL, clang, "v3", r, attach);
}

/* Given 6.18, 6.1, 6.12: passes on 6.1 only, E2BIG (7) on the other two. */
TEST(test_fail_from_a_kernel_version_on)
{
	struct store_cell c[3];
	struct mx_flag *flags;
	const struct mx_flag *f;
	size_t nf;

	cell(&c[0], "6.18.0", "22", rec(0, 1000001, E2BIG), NULL);
	cell(&c[1], "6.1.0-27-amd64", "22", rec(1, 1270, 0), "attached");
	cell(&c[2], "6.12.5", "22", rec(0, 1000001, E2BIG), NULL);
	nf = flags_of(c, 3, &flags);
	f = find_flag(flags, nf, MX_FLAG_AXIS_FAIL);
	ASSERT_TRUE(f);
	ASSERT_EQ_STR(f->axis, "kernel: passes on 6.1, fails from 6.12 on (E2BIG)");
	free(flags);
	free_cells(c, 3);
}

/* The other way round, over four kernels: EINVAL (22) on 6.1 and 6.6, then passes. */
TEST(test_pass_from_a_kernel_version_on)
{
	struct store_cell c[4];
	struct mx_flag *flags;
	const struct mx_flag *f;
	size_t nf;

	cell(&c[0], "6.12.5", "19", rec(1, 500, 0), NULL);
	cell(&c[1], "6.6.3", "19", rec(0, 0, EINVAL), NULL);
	cell(&c[2], "6.18.0", "19", rec(1, 400, 0), NULL);
	cell(&c[3], "6.1.0-27-amd64", "19", rec(0, 0, EINVAL), NULL);
	nf = flags_of(c, 4, &flags);
	f = find_flag(flags, nf, MX_FLAG_AXIS_FAIL);
	ASSERT_TRUE(f);
	ASSERT_EQ_STR(f->axis, "kernel: fails on 6.1 to 6.6 (EINVAL), passes from 6.12 on");
	free(flags);
	free_cells(c, 4);
}

/* Clangs 22, 14, 19 on one kernel: 14 passes, 19 and 22 hit E2BIG. */
TEST(test_fail_from_a_clang_version_on)
{
	struct store_cell c[3];
	struct mx_flag *flags;
	const struct mx_flag *f;
	size_t nf;

	cell(&c[0], "6.12.5", "22", rec(0, 1000001, E2BIG), NULL);
	cell(&c[1], "6.12.5", "14", rec(1, 9000, 0), NULL);
	cell(&c[2], "6.12.5", "19", rec(0, 1000001, E2BIG), NULL);
	nf = flags_of(c, 3, &flags);
	f = find_flag(flags, nf, MX_FLAG_AXIS_FAIL);
	ASSERT_TRUE(f);
	ASSERT_EQ_STR(f->axis, "clang: passes on 14, fails from 19 on (E2BIG)");
	free(flags);
	free_cells(c, 3);
}

/* A failure on the middle kernel alone is no threshold: it names that kernel. */
TEST(test_fail_on_one_middle_kernel)
{
	struct store_cell c[3];
	struct mx_flag *flags;
	const struct mx_flag *f;
	size_t nf;

	cell(&c[0], "6.18.0", "22", rec(1, 100, 0), NULL);
	cell(&c[1], "6.12.5", "22", rec(0, 1000001, E2BIG), NULL);
	cell(&c[2], "6.1.0-27-amd64", "22", rec(1, 100, 0), NULL);
	nf = flags_of(c, 3, &flags);
	f = find_flag(flags, nf, MX_FLAG_AXIS_FAIL);
	ASSERT_TRUE(f);
	ASSERT_EQ_STR(f->axis, "fails on kernel 6.12 only");
	free(flags);
	free_cells(c, 3);
}

#define DIRECT_CALLS "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS is not set (fentry needs it)"

/* Verifies on all three; attaching fails with ENOTSUPP on arm64 6.1 only. */
TEST(test_attach_fails_on_one_kernel)
{
	struct store_cell c[3];
	struct mx_flag *flags;
	const struct mx_flag *f;
	size_t nf;

	cell(&c[0], "6.12.5-cloud-arm64", "22", rec(1, 50, 0), "attached");
	cell(&c[1], "6.1.0-27-cloud-arm64", "22", rec(1, 50, 0), "failed ENOTSUPP: " DIRECT_CALLS);
	cell(&c[2], "6.1.0-27-cloud-amd64", "22", rec(1, 50, 0), "attached");
	nf = flags_of(c, 3, &flags);
	ASSERT_TRUE(!find_flag(flags, nf, MX_FLAG_AXIS_FAIL));
	f = find_flag(flags, nf, MX_FLAG_ATTACH_FAIL);
	ASSERT_TRUE(f);
	ASSERT_EQ_STR(f->axis, "attach fails on kernel 6.1/arm64 only");
	ASSERT_EQ_STR(f->detail, "ENOTSUPP (" DIRECT_CALLS ")");
	ASSERT_EQ_STR(mx_flag_kind_str(f->kind), "attach-failure");
	/* the text report names the failure, its cause and its one cell */
	{
		struct mx_report rep = { .cells = c, .ncells = 3, .levels = { 50, 70 } };
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		ASSERT_EQ_INT(matrix_write_text(m, &rep, true, false), 0);
		fclose(m);
		ASSERT_CONTAINS(buf, "\nATTACH obj/p: failed ENOTSUPP: " DIRECT_CALLS
				     " (kernel=6.1/arm64 clang=22 mcpu=v3)\n");
		free(buf);
	}
	free(flags);
	free_cells(c, 3);
}

/*
 * Attach fails from 6.12 on among 6.1, 6.12, 6.18 (EPERM); a cell where the
 * program failed to verify has no attach and does not count.
 */
TEST(test_attach_fails_from_a_version_on)
{
	struct store_cell c[4];
	struct mx_flag *flags;
	const struct mx_flag *f;
	size_t nf;

	cell(&c[0], "6.18.0", "22", rec(1, 50, 0), "failed EPERM: trampolines refused");
	cell(&c[1], "6.12.5", "22", rec(1, 50, 0), "failed EPERM: trampolines refused");
	cell(&c[2], "6.1.0-27-amd64", "22", rec(1, 50, 0), "attached");
	cell(&c[3], "6.6.3", "14", rec(0, 0, EINVAL), NULL);
	nf = flags_of(c, 4, &flags);
	f = find_flag(flags, nf, MX_FLAG_ATTACH_FAIL);
	ASSERT_TRUE(f);
	ASSERT_EQ_STR(f->axis, "kernel: attaches on 6.1, attach fails from 6.12 on (EPERM)");
	ASSERT_EQ_STR(f->detail, "EPERM (trampolines refused)");
	free(flags);
	free_cells(c, 4);
}

/* Failing to attach on every cell is no axis difference; not tried is not a failure. */
TEST(test_attach_fails_everywhere_is_not_an_axis)
{
	struct store_cell c[3];
	struct mx_flag *flags;
	size_t nf;

	cell(&c[0], "6.18.0", "22", rec(1, 50, 0), "failed ENOENT: no kprobes");
	cell(&c[1], "6.12.5", "22", rec(1, 50, 0), "failed ENOENT: no kprobes");
	cell(&c[2], "6.1.0-27-amd64", "22", rec(1, 50, 0), "not-attached: needs a target");
	nf = flags_of(c, 3, &flags);
	ASSERT_TRUE(!find_flag(flags, nf, MX_FLAG_ATTACH_FAIL));
	free(flags);
	free_cells(c, 3);
}

TEST(test_attach_parse)
{
	struct mx_attach a;

	mx_attach_parse("failed ENOTSUPP: CONFIG_X is not set: really", &a);
	ASSERT_EQ_INT(a.outcome, MX_ATTACH_FAILED);
	ASSERT_EQ_STR(a.err, "ENOTSUPP");
	ASSERT_EQ_STR(a.cause, "CONFIG_X is not set: really");
	mx_attach_parse("attached", &a);
	ASSERT_EQ_INT(a.outcome, MX_ATTACH_OK);
	ASSERT_EQ_STR(a.err, "");
	mx_attach_parse("not-attached: needs a target", &a);
	ASSERT_EQ_INT(a.outcome, MX_ATTACH_NOT_TRIED);
	ASSERT_EQ_STR(a.cause, "needs a target");
	mx_attach_parse(NULL, &a);
	ASSERT_EQ_INT(a.outcome, MX_ATTACH_NONE);
	mx_attach_parse("frobnicated", &a);
	ASSERT_EQ_INT(a.outcome, MX_ATTACH_NONE);
}

/* Cells given as 6.18, 6.1, 6.12 (clangs 22, 14): columns 6.1, 6.12, 6.18, clang 14 first. */
TEST(test_table_columns_in_version_order)
{
	struct store_cell c[4];
	struct mx_levels lv = { 50, 70 };
	char *buf = NULL, *hdr;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	const char *want[] = { "6.1 clang14 v3", "6.12 clang22 v3", "6.18 clang14 v3",
			       "6.18 clang22 v3" };
	const char *at;

	cell(&c[0], "6.18.0", "22", rec(1, 100, 0), NULL);
	cell(&c[1], "6.1.0-27-amd64", "14", rec(1, 101, 0), "failed ENOTSUPP: x");
	cell(&c[2], "6.12.5", "22", rec(1, 102, 0), NULL);
	cell(&c[3], "6.18.0", "14", rec(1, 103, 0), NULL);
	ASSERT_EQ_INT(matrix_write_table(m, c, 4, &lv, false), 0);
	fclose(m);
	hdr = strndup(buf, strcspn(buf, "\n"));
	at = hdr;
	for (size_t i = 0; i < 4; i++) {
		const char *p = strstr(at, want[i]);

		ASSERT_TRUE(p);
		at = p + strlen(want[i]);
	}
	/* the 6.1 cell verified (101 insns) and its attach failed with ENOTSUPP */
	ASSERT_CONTAINS(buf, "101 attach:ENOTSUPP");
	free(hdr);
	free(buf);
	free_cells(c, 4);
}

/*
 * A store of schema version 1 (the shipped layout, written with sqlite
 * directly) migrates on open: its record reads back with no attach, and a
 * new cell's attach outcomes round-trip through the file, a JSON and a CSV
 * export and their imports.
 */
TEST(test_attach_in_history)
{
	char path[256], p2[256], p3[256];
	struct store *st, *s2;
	struct store_run run = { 0 };
	struct store_cell c;
	struct mx_read rd;

	snprintf(path, sizeof(path), "%s/v1.db", dir);
	exec_sql(path,
		 "CREATE TABLE runs (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, started TEXT,"
		 " finished TEXT, status TEXT, git_commit TEXT, git_dirty INTEGER, branch TEXT,"
		 " host_arch TEXT, host_kernel TEXT, label TEXT, matrix_key TEXT, tool_version TEXT);"
		 "CREATE TABLE cells (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id),"
		 " kernel TEXT NOT NULL, kernel_release TEXT, config_hash TEXT, btf INTEGER,"
		 " clang TEXT NOT NULL, clang_version TEXT, mcpu TEXT NOT NULL, cflags TEXT,"
		 " object TEXT NOT NULL, object_hash TEXT, status TEXT, error TEXT, console_tail TEXT,"
		 " seconds REAL, UNIQUE(run_id, kernel, clang, mcpu, object));"
		 "CREATE TABLE records (id INTEGER PRIMARY KEY, cell_id INTEGER NOT NULL REFERENCES cells(id),"
		 " prog TEXT NOT NULL, verdict TEXT, insns INTEGER, states INTEGER,"
		 " record TEXT NOT NULL, log TEXT, UNIQUE(cell_id, prog));"
		 "INSERT INTO runs VALUES(1,'u-old','2026-01-01T00:00:00Z','','running','',0,'main',"
		 " 'x86_64','6.1.0','old','k','0.1');"
		 "INSERT INTO cells VALUES(1,1,'6.1','6.1.0','',1,'14','','','','obj','0','ok','','',1);"
		 "INSERT INTO records VALUES(1,1,'p','pass',5,1,"
		 " '{\"prog\":\"p\",\"verdict\":\"pass\",\"insns\":5}',NULL);"
		 "PRAGMA user_version=1;");
	/* read-only, it is read as it is: no owner, no attach outcomes */
	ASSERT_EQ_INT(store_open_ro(path, &st), 0);
	mx_read_one(st, "latest", &rd);
	ASSERT_EQ_STR(rd.run.owner, "");
	ASSERT_TRUE(rd.cells[0].attach && !rd.cells[0].attach[0]);
	mx_read_release(&rd);
	store_close(st);
	ASSERT_EQ_INT(store_open(path, &st), 0);
	/* the old run has no owner: nobody can say it died, it stays "running" */
	mx_read_one(st, "1", &rd);
	ASSERT_EQ_STR(rd.run.status, "running");
	ASSERT_EQ_STR(rd.run.owner, "");
	ASSERT_EQ_INT(rd.cells[0].nrecs, 1);
	ASSERT_TRUE(rd.cells[0].attach && !rd.cells[0].attach[0]);
	mx_read_release(&rd);

	run.label = strdup("new");
	run.matrix_key = strdup("k2");
	store_run_provenance(&run);
	ASSERT_EQ_INT(store_run_begin(st, &run), 0);
	cell(&c, "6.1.0-27-cloud-arm64", "22", rec(1, 50, 0), "failed ENOTSUPP: " DIRECT_CALLS);
	ASSERT_EQ_INT(store_cell_add(st, run.id, &c), 0);
	store_cell_release(&c);
	mx_read_one(st, "latest", &rd);
	ASSERT_EQ_STR(rd.cells[0].attach[0], "failed ENOTSUPP: " DIRECT_CALLS);
	mx_read_release(&rd);

	for (int fmt = 0; fmt < 2; fmt++) {
		size_t len;
		char *buf = mx_export_run(st, run.id, fmt ? "csv" : "json", &len);

		snprintf(p2, sizeof(p2), "%s/imp%d.db", dir, fmt);
		s2 = mx_import_one(p2, buf, len);
		mx_read_one(s2, "latest", &rd);
		ASSERT_EQ_STR(rd.run.owner, run.owner);
		ASSERT_EQ_STR(rd.cells[0].attach[0], "failed ENOTSUPP: " DIRECT_CALLS);
		mx_read_release(&rd);
		store_close(s2);
		free(buf);
	}
	/* an export written before attach outcomes existed still imports */
	snprintf(p3, sizeof(p3), "%s/old-export.db", dir);
	{
		static const char old[] =
			"{\"schema_version\":1,\"kind\":\"bpfgauge-history\",\"runs\":[{\"uuid\":\"u-x\","
			"\"status\":\"complete\",\"git_dirty\":0,\"cells\":[{\"kernel\":\"6.1\","
			"\"clang\":\"14\",\"mcpu\":\"\",\"object\":\"obj\",\"btf\":1,\"seconds\":1,"
			"\"programs\":[{\"prog\":\"p\",\"verdict\":\"pass\",\"insns\":5}],"
			"\"logs\":[null]}]}]}";

		s2 = mx_import_one(p3, old, strlen(old));
		mx_read_one(s2, "latest", &rd);
		ASSERT_EQ_INT(rd.cells[0].nrecs, 1);
		ASSERT_TRUE(!rd.cells[0].attach[0]);
		mx_read_release(&rd);
		store_close(s2);
	}
	store_run_release(&run);
	store_close(st);
}

/*
 * A "running" run whose owner is this host and boot but a process that no
 * longer exists (this pid with another start time) reads back as
 * "interrupted", from a read-only open too; store_runs_reap writes it.
 */
TEST(test_abandoned_run_reads_interrupted)
{
	char path[256], self[256], dead[300], sql[600];
	char host[128], boot[64];
	long pid;
	long long start;
	struct store *st;
	struct store_run run = { 0 }, got;

	store_owner_self(self, sizeof(self));
	ASSERT_TRUE(self[0]);
	ASSERT_EQ_INT(store_owner_alive(self), 1);
	ASSERT_EQ_INT(sscanf(self, "%127[^/]/%63[^/]/%ld/%lld", host, boot, &pid, &start), 4);
	ASSERT_EQ_INT(pid, getpid());
	snprintf(dead, sizeof(dead), "%s/%s/%ld/%lld", host, boot, pid, start + 1);
	ASSERT_EQ_INT(store_owner_alive(dead), 0);
	ASSERT_EQ_INT(store_owner_alive("some-other-host/b/1/1"), -1);
	ASSERT_EQ_INT(store_owner_alive(""), -1);
	/* this host and boot, but another pid namespace (a container sharing both):
	 * its pid cannot be looked up here, alive or not */
	{
		char other_ns[320], legacy[300];
		unsigned long long ns = 0;

		ASSERT_EQ_INT(sscanf(self, "%*[^/]/%*[^/]/%*d/%*d/%llu", &ns), 1);
		ASSERT_TRUE(ns != 0);
		snprintf(other_ns, sizeof(other_ns), "%s/%s/%ld/%lld/%llu", host, boot, pid,
			 start + 1, ns + 1);
		ASSERT_EQ_INT(store_owner_alive(other_ns), -1);
		/* an owner written without the namespace (older bpfgauge) still reads */
		snprintf(legacy, sizeof(legacy), "%s/%s/%ld/%lld", host, boot, pid, start);
		ASSERT_EQ_INT(store_owner_alive(legacy), 1);
	}

	snprintf(path, sizeof(path), "%s/own.db", dir);
	ASSERT_EQ_INT(store_open(path, &st), 0);
	run.label = strdup("x");
	run.matrix_key = strdup("k");
	store_run_provenance(&run);
	ASSERT_EQ_INT(store_run_begin(st, &run), 0);
	ASSERT_EQ_INT(store_run_get(st, "latest", &got), 0);
	ASSERT_EQ_STR(got.status, "running"); /* we are alive */
	store_run_release(&got);
	store_close(st);
	/* the owner dies (its start time no longer matches) */
	snprintf(sql, sizeof(sql), "UPDATE runs SET owner='%s' WHERE id=%lld;", dead,
		 (long long)run.id);
	exec_sql(path, sql);
	ASSERT_EQ_INT(store_open_ro(path, &st), 0);
	ASSERT_EQ_INT(store_run_get(st, "latest", &got), 0);
	ASSERT_EQ_STR(got.status, "interrupted");
	store_run_release(&got);
	store_close(st);
	ASSERT_EQ_INT(store_open(path, &st), 0);
	ASSERT_EQ_INT(store_runs_reap(st), 1);
	ASSERT_EQ_INT(store_runs_reap(st), 0);
	store_close(st);
	store_run_release(&run);
}

int main(void)
{
	int rc;

	if (!mkdtemp(dir))
		return 2;
	bpfgauge_set_log_level(BPFGAUGE_LOG_ERROR);
	RUN_TEST(test_fail_from_a_kernel_version_on);
	RUN_TEST(test_pass_from_a_kernel_version_on);
	RUN_TEST(test_fail_from_a_clang_version_on);
	RUN_TEST(test_fail_on_one_middle_kernel);
	RUN_TEST(test_attach_fails_on_one_kernel);
	RUN_TEST(test_attach_fails_from_a_version_on);
	RUN_TEST(test_attach_fails_everywhere_is_not_an_axis);
	RUN_TEST(test_attach_parse);
	RUN_TEST(test_table_columns_in_version_order);
	RUN_TEST(test_attach_in_history);
	RUN_TEST(test_abandoned_run_reads_interrupted);
	rc = bg_test_summary();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			rc = rc ? rc : 1;
	}
	return rc;
}
