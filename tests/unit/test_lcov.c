/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The lcov tracefile format at the record level (fmt/lcov.c): what the
 * reader tokenises from geninfo and lcov 2 lines, which lines it refuses
 * and with which file:line message, and what the writer writes. Expected
 * records come from the input text written here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg_test.h"
#include "bpfgauge/bpfgauge.h"
#include "lcov.h"

static char last_msg[512];

static void keep_msg(enum bpfgauge_log_level level, const char *fmt, va_list ap)
{
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
}

/* Read text; the records into recs (names copied into names), the last return value. */
static int read_all(const char *text, struct lcov_rec *recs, char names[][64], size_t max,
		    size_t *n)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct lcov_reader r;
	int got;

	*n = 0;
	last_msg[0] = 0;
	lcov_reader_init(&r, f, "t.info");
	while ((got = lcov_reader_next(&r, &recs[*n])) > 0) {
		snprintf(names[*n], 64, "%s", recs[*n].name ? recs[*n].name : "");
		recs[*n].name = names[*n];
		if (++*n == max)
			break;
	}
	lcov_reader_release(&r);
	fclose(f);
	return got;
}

TEST(records_of_geninfo_and_lcov2)
{
	static const char text[] =
		"TN:t1\n"
		"SF:/src/a,b.c\r\n"
		"VER:x\n"
		"FN:3,f\n"
		"FN:7,9,g,h\n"           /* lcov 2: start, end, a name with a comma */
		"FNDA:5,f\n"
		"FNF:2\nFNH:1\n"
		"BRDA:4,0,1,-\n"
		"BRDA:4,0,0,12\n"
		"\n"
		"DA:4,17,abcdef\n"       /* a checksum field */
		"LF:1\nLH:1\n"
		"end_of_record\n"
		"TN:\n";
	struct lcov_rec r[16];
	char names[16][64];
	size_t n;

	ASSERT_EQ_INT(read_all(text, r, names, 16, &n), 0);
	ASSERT_EQ_INT(n, 10);
	ASSERT_TRUE(r[0].kind == LCOV_TN);
	ASSERT_EQ_STR(r[0].name, "t1");
	ASSERT_TRUE(r[1].kind == LCOV_SF);
	ASSERT_EQ_STR(r[1].name, "/src/a,b.c"); /* the CR of a CRLF line is not part of it */
	ASSERT_TRUE(r[2].kind == LCOV_FN && r[2].line == 3);
	ASSERT_EQ_STR(r[2].name, "f");
	ASSERT_TRUE(r[3].kind == LCOV_FN && r[3].line == 7);
	ASSERT_EQ_STR(r[3].name, "g,h");
	ASSERT_TRUE(r[4].kind == LCOV_FNDA && r[4].count == 5);
	ASSERT_EQ_STR(r[4].name, "f");
	ASSERT_TRUE(r[5].kind == LCOV_BRDA && r[5].line == 4 && r[5].block == 0 &&
		    r[5].branch == 1 && r[5].taken == -1);
	ASSERT_TRUE(r[6].kind == LCOV_BRDA && r[6].branch == 0 && r[6].taken == 12);
	ASSERT_TRUE(r[7].kind == LCOV_DA && r[7].line == 4 && r[7].count == 17);
	ASSERT_TRUE(r[8].kind == LCOV_END);
	/* the trailing "TN:" is a test named "" */
	ASSERT_TRUE(r[9].kind == LCOV_TN);
	ASSERT_EQ_STR(r[9].name, "");
}

struct bad_case {
	const char *text, *msg;
};

TEST(malformed_lines_name_file_and_line)
{
	static const struct bad_case cases[] = {
		{ "DA:1,1\n", "t.info:1: malformed lcov: record outside SF...end_of_record" },
		{ "SF:a\nTN:x\n", "t.info:2: malformed lcov: TN inside an SF record" },
		{ "SF:a\nSF:b\n", "t.info:2: malformed lcov: SF without end_of_record" },
		{ "SF:\n", "t.info:1: malformed lcov: empty SF" },
		{ "end_of_record\n", "t.info:1: malformed lcov: end_of_record without SF" },
		{ "SF:a\nDA:0,1\n", "t.info:2: malformed lcov: bad DA" },
		{ "SF:a\nDA:4294967296,1\n", "t.info:2: malformed lcov: bad DA" },
		{ "SF:a\nDA:1,x\n", "t.info:2: malformed lcov: bad DA" },
		{ "SF:a\nFN:1,9x\n", "t.info:2: malformed lcov: FN name starts with a digit" },
		{ "SF:a\nFN:1,\n", "t.info:2: malformed lcov: FN with an empty function name" },
		{ "SF:a\nFNDA:1,\n", "t.info:2: malformed lcov: bad FNDA" },
		{ "SF:a\nBRDA:1,0,0\n", "t.info:2: malformed lcov: bad BRDA" },
		{ "SF:a\nBRDA:1,0,0,9223372036854775808\n",
		  "t.info:2: malformed lcov: bad BRDA taken count" },
		{ "SF:a\nXY:1\n", "t.info:2: malformed lcov: unknown record" },
		{ "SF:a\nDA:1,1\n", "t.info:2: malformed lcov: missing end_of_record at end of file" },
	};
	bpfgauge_print_fn_t old = bpfgauge_set_print(keep_msg);
	struct lcov_rec r[4];
	char names[4][64];
	size_t n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ_INT(read_all(cases[i].text, r, names, 4, &n), -BPFGAUGE_EBADFORMAT);
		ASSERT_CONTAINS(last_msg, cases[i].msg);
	}
	bpfgauge_set_print(old);
}

TEST(nul_byte_is_refused)
{
	static const char text[] = "SF:a\0b\nend_of_record\n";
	bpfgauge_print_fn_t old = bpfgauge_set_print(keep_msg);
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct lcov_reader r;
	struct lcov_rec rec;

	lcov_reader_init(&r, f, "t.info");
	ASSERT_EQ_INT(lcov_reader_next(&r, &rec), -BPFGAUGE_EBADFORMAT);
	ASSERT_CONTAINS(last_msg, "t.info:1: malformed lcov: NUL byte in line");
	lcov_reader_release(&r);
	fclose(f);
	bpfgauge_set_print(old);
}

TEST(writer_writes_what_the_reader_reads)
{
	char *buf = NULL;
	size_t len = 0, n;
	FILE *f = open_memstream(&buf, &len);
	struct lcov_rec r[16];
	char names[16][64];

	lcov_write_tn(f, NULL);
	lcov_write_sf(f, "/src/a.c");
	lcov_write_fn(f, 3, "f");
	lcov_write_fnda(f, 18446744073709551615ull, "f");
	lcov_write_fn_summary(f, 1, 1);
	lcov_write_brda(f, 4, 0, 1, -1);
	lcov_write_brda(f, 4, 0, 0, 9223372036854775807ll);
	lcov_write_br_summary(f, 2, 1);
	lcov_write_da(f, 4, 0);
	lcov_write_line_summary(f, 1, 0);
	lcov_write_end(f);
	fclose(f);
	ASSERT_EQ_STR(buf, "TN:\nSF:/src/a.c\nFN:3,f\nFNDA:18446744073709551615,f\nFNF:1\nFNH:1\n"
			   "BRDA:4,0,1,-\nBRDA:4,0,0,9223372036854775807\nBRF:2\nBRH:1\n"
			   "DA:4,0\nLF:1\nLH:0\nend_of_record\n");
	ASSERT_EQ_INT(read_all(buf, r, names, 16, &n), 0);
	ASSERT_EQ_INT(n, 8);
	ASSERT_TRUE(r[3].kind == LCOV_FNDA && r[3].count == 18446744073709551615ull);
	ASSERT_TRUE(r[5].kind == LCOV_BRDA && r[5].taken == 9223372036854775807ll);
	free(buf);
}

int main(void)
{
	RUN_TEST(records_of_geninfo_and_lcov2);
	RUN_TEST(malformed_lines_name_file_and_line);
	RUN_TEST(nul_byte_is_refused);
	RUN_TEST(writer_writes_what_the_reader_reads);
	return bg_test_summary();
}
