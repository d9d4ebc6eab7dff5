/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one comparison engine: vcompare_pct's rule (a base of 0 included)
 * as compare, the gate and the matrix flags all see it; the matrix policy
 * is a gate policy (default text, a user file over it, program globs, any
 * rule); headroom levels come from the policy. Expected values are worked
 * out by hand from the rule written in vgate.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bg_test.h"
#include "bpfgauge/matrix.h"
#include "bpfgauge/vgate.h"
#include "dashboard.h"
#include "matrix_report.h"

static struct vlog_record *rec(const char *prog, int pass, long insns, long states)
{
	struct vlog_record *r = vlog_record__new();

	vlog_record__set_str(r, VLOG_STAT_FILE, "x.bpf.o");
	vlog_record__set_str(r, VLOG_STAT_PROG, prog);
	vlog_record__set_int(r, VLOG_STAT_VERDICT, pass ? VLOG_VERDICT_PASS : VLOG_VERDICT_FAIL);
	vlog_record__set_int(r, VLOG_STAT_CLASS, pass ? VLOG_CLASS_NONE : VLOG_CLASS_COMPLEXITY);
	vlog_record__set_int(r, VLOG_STAT_INSNS, insns);
	vlog_record__set_int(r, VLOG_STAT_TOTAL_STATES, states);
	vlog_record__finalize(r);
	return r;
}

/* A one-program cell on the host, clang 22; the record is owned by the cell. */
static void cell(struct store_cell *c, struct vlog_record *r)
{
	static char host[] = "host", rel[] = "6.18.0", clang[] = "22", none[] = "",
		    obj[] = "x";

	memset(c, 0, sizeof(*c));
	c->kernel = host;
	c->kernel_release = rel;
	c->clang = clang;
	c->mcpu = none;
	c->object = obj;
	c->recs = calloc(1, sizeof(*c->recs));
	c->recs[0] = r;
	c->nrecs = 1;
}

static void cell_free(struct store_cell *c)
{
	vlog_record__free(c->recs[0]);
	free(c->recs);
}

TEST(test_pct_rule)
{
	ASSERT_TRUE(vcompare_pct(100, 110) == 10);
	ASSERT_TRUE(vcompare_pct(100, 90) == -10);
	ASSERT_TRUE(vcompare_pct(200, 200) == 0);
	ASSERT_TRUE(vcompare_pct(-50, -25) == 50); /* against |base| */
	ASSERT_TRUE(vcompare_pct(4, 0) == -100);
	/* a base of 0 */
	ASSERT_TRUE(vcompare_pct(0, 0) == 0);
	ASSERT_TRUE(isinf(vcompare_pct(0, 5)) && vcompare_pct(0, 5) > 0);
	ASSERT_TRUE(isinf(vcompare_pct(0, -5)) && vcompare_pct(0, -5) < 0);
}

/* compare's NAME_pct and the gate's +N% follow the same rule from a base of 0 */
TEST(test_pct_compare_and_gate)
{
	struct vlog_record *a = rec("p", 1, 0, 0), *b = rec("p", 1, 7, 0);
	struct vcompare_row row = { a, b }, same = { a, a };
	struct vgate_result res;
	struct vpolicy *p;
	double v;

	ASSERT_TRUE(vcompare_value(&row, VLOG_STAT_INSNS, VCMP_PCT, &v));
	ASSERT_TRUE(isinf(v) && v > 0);
	ASSERT_TRUE(vcompare_value(&row, VLOG_STAT_TOTAL_STATES, VCMP_PCT, &v));
	ASSERT_TRUE(v == 0);
	/* growth from 0 breaks even a +1000% rule; 0 -> 0 breaks nothing */
	ASSERT_EQ_INT(vpolicy_parse("* insns +1000%\n* states +10%\n", "t", &p), 0);
	ASSERT_EQ_INT(vgate_eval(p, &row, 1, &res), 0);
	ASSERT_EQ_INT(res.n, 1);
	ASSERT_EQ_INT(res.f[0].stat, VLOG_STAT_INSNS);
	ASSERT_TRUE(res.f[0].error);
	ASSERT_EQ_INT(res.f[0].rule, VGATE_REL_PCT);
	ASSERT_TRUE(res.f[0].base == 0 && res.f[0].value == 7 && res.f[0].limit == 1000);
	ASSERT_EQ_STR(res.f[0].msg, "insns 0 -> 7 (+inf%), allowed +1000%");
	vgate_result_release(&res);
	ASSERT_EQ_INT(vgate_eval(p, &same, 1, &res), 0);
	ASSERT_EQ_INT(res.n, 0);
	vgate_result_release(&res);
	vpolicy_free(p);
	vlog_record__free(a);
	vlog_record__free(b);
}

/* the matrix flags growth from 0 too, whatever its limit (it used to say +100%) */
TEST(test_pct_matrix)
{
	struct store_cell base, cur;
	struct vpolicy *p;
	struct mx_flag *f;
	size_t n;
	char path[] = "/tmp/bg-cmp-XXXXXX";
	int fd = mkstemp(path);

	ASSERT_TRUE(fd >= 0);
	ASSERT_TRUE(write(fd, "* states +500%\n", 15) == 15);
	close(fd);
	ASSERT_EQ_INT(mx_policy_load(path, &p), 0);
	unlink(path);
	cell(&base, rec("p", 1, 100, 0));
	cell(&cur, rec("p", 1, 105, 3));
	ASSERT_EQ_INT(mx_flags(&base, 1, &cur, 1, p, &f, &n), 0);
	ASSERT_EQ_INT(n, 1);
	ASSERT_EQ_INT(f[0].kind, MX_FLAG_STATES_GROWTH);
	ASSERT_EQ_STR(f[0].detail, "states 0 -> 3 (+inf%, limit +500%)");
	free(f);
	vpolicy_free(p);
	cell_free(&base);
	cell_free(&cur);
}

/* rules for other globs and metrics apply too; warnings are not flags */
TEST(test_matrix_policy_is_gate_policy)
{
	struct store_cell base[2], cur[2];
	struct vpolicy *p;
	struct mx_flag *f;
	size_t n;

	ASSERT_EQ_INT(mx_policy_load(NULL, &p), 0);
	/* fresh* may grow 100%; every program's insns must stay <= 140; states only warn */
	ASSERT_EQ_INT(vpolicy_append(p, "fresh* insns +100%\n* insns <=140\n* states +1% warn\n",
				     "t"), 0);
	cell(&base[0], rec("fresh_a", 1, 100, 10));
	cell(&base[1], rec("other", 1, 100, 10));
	cell(&cur[0], rec("fresh_a", 1, 150, 20));
	cell(&cur[1], rec("other", 1, 130, 20));
	ASSERT_EQ_INT(mx_flags(base, 2, cur, 2, p, &f, &n), 0);
	/* the last matching insns rule (<=140) replaces +10% and +100% for both */
	ASSERT_EQ_INT(n, 1);
	ASSERT_EQ_INT(f[0].kind, MX_FLAG_POLICY);
	ASSERT_EQ_STR(f[0].prog, "fresh_a");
	ASSERT_EQ_STR(f[0].detail, "insns 150, must be <= 140");
	ASSERT_EQ_STR(f[0].axis, "breaks the insns rule on every cell (1)");
	ASSERT_EQ_STR(mx_flag_kind_str(f[0].kind), "policy");
	free(f);
	vpolicy_free(p);

	/* a glob rule wins over the default for its programs only */
	ASSERT_EQ_INT(mx_policy_load(NULL, &p), 0);
	ASSERT_EQ_INT(vpolicy_append(p, "fresh* insns +100%\n", "t"), 0);
	ASSERT_EQ_INT(mx_flags(base, 2, cur, 2, p, &f, &n), 0);
	/* other: insns +30% > 10%; both: states +100% > 10% */
	ASSERT_EQ_INT(n, 3);
	ASSERT_EQ_STR(f[0].prog, "fresh_a");
	ASSERT_EQ_INT(f[0].kind, MX_FLAG_STATES_GROWTH);
	ASSERT_EQ_STR(f[1].prog, "other");
	ASSERT_EQ_INT(f[1].kind, MX_FLAG_INSNS_GROWTH);
	ASSERT_EQ_STR(f[1].detail, "insns 100 -> 130 (+30.0%, limit +10%)");
	ASSERT_EQ_INT(f[2].kind, MX_FLAG_STATES_GROWTH);
	free(f);
	vpolicy_free(p);
	for (int i = 0; i < 2; i++) {
		cell_free(&base[i]);
		cell_free(&cur[i]);
	}
}

TEST(test_headroom_levels)
{
	struct vlog_record *r45 = rec("p", 1, 450000, 1), *r60 = rec("p", 1, 600000, 1),
			   *r95 = rec("p", 1, 950000, 1), *bad = rec("p", 0, 1000001, 1);
	struct mx_levels lv;
	struct vpolicy *p;

	/* the default policy: insns_limit_pct <=70 */
	ASSERT_EQ_INT(mx_policy_load(NULL, &p), 0);
	mx_levels_from_policy(p, &lv);
	ASSERT_TRUE(lv.warn_pct == 50 && lv.error_pct == 70);
	ASSERT_EQ_INT(mx_level(r45, &lv), MX_LEVEL_OK);
	ASSERT_EQ_INT(mx_level(r60, &lv), MX_LEVEL_WARN);
	ASSERT_EQ_INT(mx_level(r95, &lv), MX_LEVEL_ERROR);
	ASSERT_EQ_INT(mx_level(bad, &lv), MX_LEVEL_ERROR);
	ASSERT_EQ_INT(mx_level(NULL, &lv), MX_LEVEL_ERROR);
	/* a looser headroom rule moves the red line only */
	ASSERT_EQ_INT(vpolicy_append(p, "* insns_limit_pct <=96\n", "t"), 0);
	mx_levels_from_policy(p, &lv);
	ASSERT_TRUE(lv.warn_pct == 50 && lv.error_pct == 96);
	ASSERT_EQ_INT(mx_level(r95, &lv), MX_LEVEL_WARN);
	/* a stricter one below 50 leaves no yellow band */
	ASSERT_EQ_INT(vpolicy_append(p, "* insns_limit_pct <40\n", "t"), 0);
	mx_levels_from_policy(p, &lv);
	ASSERT_TRUE(lv.warn_pct == 40 && lv.error_pct == 40);
	ASSERT_EQ_INT(mx_level(r45, &lv), MX_LEVEL_ERROR);
	/* a rule for other programs does not set the levels */
	ASSERT_EQ_INT(vpolicy_append(p, "big* insns_limit_pct <=99\n", "t"), 0);
	mx_levels_from_policy(p, &lv);
	ASSERT_TRUE(lv.error_pct == 40);
	vpolicy_free(p);
	/* a bad file leaves nothing behind and says so */
	ASSERT_TRUE(mx_policy_load("/nonexistent/policy", &p) < 0);
	ASSERT_TRUE(!p);
	vlog_record__free(r45);
	vlog_record__free(r60);
	vlog_record__free(r95);
	vlog_record__free(bad);
}

/* the writers colour by the levels they are given, not by numbers of their own */
TEST(test_writers_take_levels)
{
	struct mx_levels lv = { 50, 70 };
	struct store_cell c;
	char *buf = NULL;
	size_t len;
	FILE *f;

	cell(&c, rec("p", 1, 600000, 1)); /* 60% of the limit */
	f = open_memstream(&buf, &len);
	ASSERT_EQ_INT(matrix_write_table(f, &c, 1, &lv, true), 0);
	fclose(f);
	ASSERT_CONTAINS(buf, "\033[33m"); /* yellow */
	free(buf);
	lv.error_pct = 55;
	f = open_memstream(&buf, &len);
	ASSERT_EQ_INT(matrix_write_table(f, &c, 1, &lv, true), 0);
	fclose(f);
	ASSERT_CONTAINS(buf, "\033[31m"); /* red */
	free(buf);
	lv.warn_pct = lv.error_pct = 65;
	f = open_memstream(&buf, &len);
	ASSERT_EQ_INT(matrix_write_table(f, &c, 1, &lv, true), 0);
	fclose(f);
	ASSERT_CONTAINS(buf, "\033[32m"); /* green */
	free(buf);

	/* markdown and the dashboard take the report's levels */
	static char empty[] = "", when[] = "2026-12-01T00:00:00Z";
	struct store_run run = { .id = 1, .uuid = empty, .started = when, .git_commit = empty };
	struct mx_report rep = { .run = &run, .cells = &c, .ncells = 1, .levels = { 50, 70 } };
	struct dash_run dr = { &run, &c, 1 };
	struct dash_model dm;
	char dir[] = "/tmp/bg-cmp-dash-XXXXXX", path[64], *html;

	f = open_memstream(&buf, &len);
	ASSERT_EQ_INT(matrix_write_markdown(f, &rep), 0);
	fclose(f);
	ASSERT_CONTAINS(buf, "🟢 headroom ≥ 50%, 🟡 ≥ 30%");
	ASSERT_CONTAINS(buf, "🟡 600000");
	free(buf);
	rep.levels.error_pct = 55;
	f = open_memstream(&buf, &len);
	ASSERT_EQ_INT(matrix_write_markdown(f, &rep), 0);
	fclose(f);
	ASSERT_CONTAINS(buf, "🟡 ≥ 45%");
	ASSERT_CONTAINS(buf, "🔴 600000");
	free(buf);
	ASSERT_TRUE(mkdtemp(dir));
	ASSERT_EQ_INT(dash_model_build(&dr, 1, &rep, NULL, 0, &dm), 0);
	ASSERT_EQ_INT(dashboard_write(dir, &dm), 0);
	snprintf(path, sizeof(path), "%s/index.html", dir);
	f = fopen(path, "r");
	ASSERT_TRUE(f);
	html = calloc(1, 1 << 20);
	ASSERT_TRUE(fread(html, 1, (1 << 20) - 1, f) > 0);
	fclose(f);
	unlink(path);
	rmdir(dir);
	/* the page colours at the report's levels: they travel in its data block */
	ASSERT_CONTAINS(html, "\"levels\":{\"warn_pct\":50,\"error_pct\":55}");
	ASSERT_CONTAINS(html, "\"insns\":600000,\"insns_pct\":60");
	free(html);
	dash_model_release(&dm);
	cell_free(&c);
}

int main(void)
{
	bpfgauge_set_log_level(BPFGAUGE_LOG_ERROR);
	RUN_TEST(test_pct_rule);
	RUN_TEST(test_pct_compare_and_gate);
	RUN_TEST(test_pct_matrix);
	RUN_TEST(test_matrix_policy_is_gate_policy);
	RUN_TEST(test_headroom_levels);
	RUN_TEST(test_writers_take_levels);
	return bg_test_summary();
}
