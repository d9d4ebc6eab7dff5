/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the runtime core: error strings and the logging callback. */
#include <errno.h>
#include <stdarg.h>

#include "bg_test.h"
#include "bpfgauge/bpfgauge.h"
#include "bpfgauge/vlog.h"
#include "version.h"

static char last_msg[256];
static int last_level = -1;
static int calls;

static void capture(enum bpfgauge_log_level level, const char *fmt, va_list ap)
{
	calls++;
	last_level = level;
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
}

TEST(strerror_covers_errno_and_project_codes)
{
	ASSERT_EQ_STR(bpfgauge_strerror(-ENOENT), "No such file or directory");
	ASSERT_EQ_STR(bpfgauge_strerror(ENOENT), "No such file or directory");
	ASSERT_CONTAINS(bpfgauge_strerror(-BPFGAUGE_ENOMAPPING), "built with the bpfgauge pass");
	ASSERT_CONTAINS(bpfgauge_strerror(-BPFGAUGE_ESTALE), "stale");
	ASSERT_EQ_STR(bpfgauge_strerror(-BPFGAUGE_ENOTBPF), "not a BPF ELF object");
	ASSERT_EQ_STR(bpfgauge_strerror(-99999), "unknown error 99999");
	/* every project code has a message */
	for (int e = BPFGAUGE_ERR_START; e < BPFGAUGE_ERR_END; e++)
		ASSERT_TRUE(strncmp(bpfgauge_strerror(-e), "unknown", 7) != 0);
}

TEST(print_callback_receives_messages_and_errno_is_kept)
{
	bpfgauge_print_fn_t old = bpfgauge_set_print(capture);

	calls = 0;
	errno = EBADF;
	bpfgauge_log(BPFGAUGE_LOG_WARN, "cov: %s failed with %d", "x.o", 7);
	ASSERT_EQ_INT(errno, EBADF);
	ASSERT_EQ_INT(calls, 1);
	ASSERT_EQ_INT(last_level, BPFGAUGE_LOG_WARN);
	ASSERT_EQ_STR(last_msg, "cov: x.o failed with 7");
	/* NULL silences: the callback is not called */
	bpfgauge_set_print(NULL);
	bpfgauge_log(BPFGAUGE_LOG_ERROR, "dropped");
	ASSERT_EQ_INT(calls, 1);
	ASSERT_TRUE(bpfgauge_set_print(old) == NULL);
}

TEST(log_level_parse_and_env)
{
	enum bpfgauge_log_level l = BPFGAUGE_LOG_ERROR;

	ASSERT_EQ_INT(bpfgauge_log_level_parse("debug", &l), 0);
	ASSERT_EQ_INT(l, BPFGAUGE_LOG_DEBUG);
	ASSERT_EQ_INT(bpfgauge_log_level_parse("1", &l), 0);
	ASSERT_EQ_INT(l, BPFGAUGE_LOG_WARN);
	ASSERT_EQ_INT(bpfgauge_log_level_parse("INFO", &l), 0);
	ASSERT_EQ_INT(l, BPFGAUGE_LOG_INFO);
	ASSERT_EQ_INT(bpfgauge_log_level_parse("loud", &l), -EINVAL);
	ASSERT_EQ_INT(l, BPFGAUGE_LOG_INFO);

	setenv("BPFGAUGE_LOG", "error", 1);
	ASSERT_EQ_INT(bpfgauge_log_level_from_env(), 0);
	ASSERT_EQ_INT(bpfgauge_log_level(), BPFGAUGE_LOG_ERROR);
	setenv("BPFGAUGE_LOG", "bogus", 1);
	ASSERT_EQ_INT(bpfgauge_log_level_from_env(), -EINVAL);
	ASSERT_EQ_INT(bpfgauge_log_level(), BPFGAUGE_LOG_ERROR);
	unsetenv("BPFGAUGE_LOG");
}

/*
 * Options structs, libbpf's rules (through vlog_parser__new, a public
 * function that takes one): sz must be set; a caller built against older
 * headers (shorter struct) is accepted; one built against newer headers
 * (longer struct) only if the bytes we do not know are zero.
 */
TEST(opts_structs_follow_libbpf_rules)
{
	struct newer {
		struct vlog_parser_opts o;
		long future_field;
	} n;
	struct vlog_parser_opts o = { 0 };
	struct vlog_parser *p;
	bpfgauge_print_fn_t old = bpfgauge_set_print(capture);

	p = vlog_parser__new(NULL); /* NULL: all defaults */
	ASSERT_TRUE(p != NULL);
	vlog_parser__free(p);
	errno = 0;
	p = vlog_parser__new(&o); /* sz left 0 */
	ASSERT_TRUE(p == NULL);
	ASSERT_EQ_INT(errno, EINVAL);
	ASSERT_CONTAINS(last_msg, "set it to sizeof(struct vlog_parser_opts)");
	o.sz = sizeof(size_t); /* older headers: only sz known */
	o.hotspots = true;
	p = vlog_parser__new(&o);
	ASSERT_TRUE(p != NULL);
	vlog_parser__free(p);
	memset(&n, 0, sizeof(n));
	n.o.sz = sizeof(n);
	p = vlog_parser__new(&n.o); /* newer headers, unknown field zero */
	ASSERT_TRUE(p != NULL);
	vlog_parser__free(p);
	n.future_field = 1;
	errno = 0;
	p = vlog_parser__new(&n.o); /* newer headers asking for what we lack */
	ASSERT_TRUE(p == NULL);
	ASSERT_EQ_INT(errno, EINVAL);
	ASSERT_CONTAINS(last_msg, "unknown to this libbpfgauge");
	bpfgauge_set_print(old);
}

TEST(version_labels_order_as_versions)
{
	/* the kernels: 6.18, 6.1, 6.12 must come out 6.1, 6.12, 6.18 */
	ASSERT_TRUE(bpfgauge_version_cmp("6.1", "6.12") < 0);
	ASSERT_TRUE(bpfgauge_version_cmp("6.12", "6.18") < 0);
	ASSERT_TRUE(bpfgauge_version_cmp("6.18", "6.1") > 0);
	ASSERT_TRUE(bpfgauge_version_cmp("5.15", "6.1") < 0);
	ASSERT_TRUE(bpfgauge_version_cmp("14", "22") < 0);
	ASSERT_TRUE(bpfgauge_version_cmp("9", "14") < 0);
	ASSERT_TRUE(bpfgauge_version_cmp("6.01", "6.1") == 0);
	ASSERT_TRUE(bpfgauge_version_cmp("6.1", "6.1.0-57-cloud-arm64") < 0);
	ASSERT_TRUE(bpfgauge_version_cmp("6.1.0-9", "6.1.0-57") < 0);
	ASSERT_TRUE(bpfgauge_version_cmp("6.1", "host") < 0);
	ASSERT_TRUE(bpfgauge_version_cmp("host", "host") == 0);
	ASSERT_TRUE(bpfgauge_version_cmp(NULL, "6.1") < 0);
	ASSERT_TRUE(bpfgauge_version_cmp("v1", "v2") < 0);
	ASSERT_TRUE(bpfgauge_version_cmp("99999999999999999999999", "100000000000000000000000") < 0);
}

int main(void)
{
	RUN_TEST(strerror_covers_errno_and_project_codes);
	RUN_TEST(print_callback_receives_messages_and_errno_is_kept);
	RUN_TEST(log_level_parse_and_env);
	RUN_TEST(opts_structs_follow_libbpf_rules);
	RUN_TEST(version_labels_order_as_versions);
	return bg_test_summary();
}
