/* SPDX-License-Identifier: BSD-2-Clause */
/* RFC 4180 CSV: quoting on write, quoted fields, doubled quotes, embedded newlines, CRLF, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg_test.h"
#include "bpfgauge/bpfgauge.h"
#include "bpfgauge/csv.h"

static char got[64][8][128];
static size_t rows, ncols[64], lines[64];

static int collect(char **f, size_t n, size_t line, void *ctx)
{
	for (size_t i = 0; i < n && i < 8; i++)
		snprintf(got[rows][i], sizeof(got[rows][i]), "%s", f[i]);
	ncols[rows] = n;
	lines[rows++] = line;
	return 0;
}

static int parse(const char *s)
{
	rows = 0;
	return csv_parse(s, strlen(s), collect, NULL);
}

TEST(quoted_fields)
{
	ASSERT_EQ_INT(parse("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n,,\n"), 0);
	ASSERT_EQ_INT(rows, 3);
	ASSERT_EQ_STR(got[1][0], "x, y");
	ASSERT_EQ_STR(got[1][1], "say \"hi\"");
	ASSERT_EQ_STR(got[1][2], "two\nlines");
	ASSERT_EQ_INT(ncols[2], 3);
	ASSERT_EQ_STR(got[2][2], "");
	ASSERT_EQ_INT(lines[2], 4); /* the embedded newline counts */
}

TEST(last_line_without_newline_and_blank_lines)
{
	ASSERT_EQ_INT(parse("a,b\n\n1,2"), 0);
	ASSERT_EQ_INT(rows, 2);
	ASSERT_EQ_STR(got[1][1], "2");
}

TEST(errors)
{
	ASSERT_EQ_INT(parse("a,\"open\n"), -BPFGAUGE_EBADFORMAT);
	ASSERT_EQ_INT(parse("a,\"x\"y\n"), -BPFGAUGE_EBADFORMAT);
}

TEST(write_roundtrip)
{
	const char *vals[] = { "plain", "with,comma", "with \"quote\"", "multi\nline", "", " lead" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	for (size_t i = 0; i < 6; i++) {
		if (i)
			fputc(',', f);
		csv_write_field(f, vals[i]);
	}
	fputs("\r\n", f);
	fclose(f);
	ASSERT_EQ_INT(parse(buf), 0);
	ASSERT_EQ_INT(rows, 1);
	for (size_t i = 0; i < 6; i++)
		ASSERT_EQ_STR(got[0][i], vals[i]);
	ASSERT_TRUE(strstr(buf, "plain,\"with,comma\",\"with \"\"quote\"\"\"") == buf);
	free(buf);
}

int main(void)
{
	bpfgauge_set_print(NULL);
	RUN_TEST(quoted_fields);
	RUN_TEST(last_line_without_newline_and_blank_lines);
	RUN_TEST(errors);
	RUN_TEST(write_roundtrip);
	return bg_test_summary();
}
