/* SPDX-License-Identifier: BSD-2-Clause */
/* The JSON reader: values, escapes and surrogates, exact int64, errors with positions, depth limit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bg_test.h"
#include "bpfgauge/bpfgauge.h"
#include "bpfgauge/json_read.h"

static struct json_value *parse(const char *s)
{
	struct json_value *v = NULL;

	json_parse(s, strlen(s), &v, NULL, 0);
	return v;
}

TEST(values)
{
	struct json_value *v = parse(" {\"a\": [1, -2.5e3, true, false, null, \"x\"], \"big\": 9007199254740993} ");
	const struct json_value *a;
	int64_t big;

	ASSERT_TRUE(v != NULL);
	a = json_get(v, "a");
	ASSERT_EQ_INT(json_len(a), 6);
	ASSERT_EQ_STR(json_num_text(json_at(a, 1)), "-2.5e3");
	ASSERT_TRUE(json_num(json_at(a, 1)) == -2500.0);
	ASSERT_TRUE(json_bool(json_at(a, 2)));
	ASSERT_EQ_INT(json_type(json_at(a, 4)), JSON_NULL);
	ASSERT_EQ_STR(json_str(json_at(a, 5)), "x");
	ASSERT_EQ_INT(json_int64(json_get(v, "big"), &big), 0);
	ASSERT_EQ_U64(big, 9007199254740993ULL); /* beyond double precision */
	ASSERT_EQ_INT(json_int64(json_at(a, 1), &big), -EINVAL);
	ASSERT_TRUE(json_get(v, "missing") == NULL);
	json_free(v);
}

TEST(escapes)
{
	struct json_value *v = parse("\"q\\\" b\\\\ n\\n u\\u00e9 s\\ud83d\\ude00\"");

	ASSERT_TRUE(v != NULL);
	ASSERT_EQ_STR(json_str(v), "q\" b\\ n\n u\xc3\xa9 s\xf0\x9f\x98\x80");
	json_free(v);
}

TEST(errors)
{
	const char *bad[] = { "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"x", "tru", "[1] 2",
			      "\"\\x\"", "{1:2}", "\"a\x01\"" };
	char err[128];
	struct json_value *v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ_INT(json_parse(bad[i], strlen(bad[i]), &v, err, sizeof(err)),
			      -BPFGAUGE_EBADFORMAT);
		ASSERT_TRUE(v == NULL);
		ASSERT_CONTAINS(err, "line 1 col");
	}
	ASSERT_EQ_INT(json_parse("{\n  \"a\": ?}", 11, &v, err, sizeof(err)), -BPFGAUGE_EBADFORMAT);
	ASSERT_CONTAINS(err, "line 2 col 8");
}

TEST(depth_limit)
{
	char deep[1001];
	struct json_value *v;

	memset(deep, '[', 1000);
	deep[1000] = 0;
	ASSERT_EQ_INT(json_parse(deep, 1000, &v, NULL, 0), -BPFGAUGE_EBADFORMAT);
}

int main(void)
{
	RUN_TEST(values);
	RUN_TEST(escapes);
	RUN_TEST(errors);
	RUN_TEST(depth_limit);
	return bg_test_summary();
}
