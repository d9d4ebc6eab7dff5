/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The project's tiny unit-test framework: TEST() functions registered by
 * RUN_TEST() from main(), ASSERT_* macros that report file:line and both
 * values, and BG_SKIP() which exits with ctest's skip code (77) after saying
 * why. A failed ASSERT ends the current test (longjmp) and the run continues
 * with the next one; the process exit code is non-zero if any test failed.
 */
#ifndef BG_TEST_H
#define BG_TEST_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BG_SKIP_CODE 77

static int bg_failed_tests;
static int bg_passed_tests;
static jmp_buf bg_jmp;
static const char *bg_cur;

#define TEST(name) static void name(void)

#define BG_FAIL(fmt, ...)                                                        \
	do {                                                                     \
		fprintf(stderr, "%s:%d: %s: " fmt "\n", __FILE__, __LINE__,      \
			bg_cur, __VA_ARGS__);                                    \
		longjmp(bg_jmp, 1);                                              \
	} while (0)

#define ASSERT_TRUE(c)                                                           \
	do {                                                                     \
		if (!(c))                                                        \
			BG_FAIL("assertion failed: %s", #c);                     \
	} while (0)

#define ASSERT_EQ_INT(a, b)                                                      \
	do {                                                                     \
		long long bg_a = (long long)(a), bg_b = (long long)(b);          \
		if (bg_a != bg_b)                                                \
			BG_FAIL("%s == %s: got %lld, want %lld", #a, #b, bg_a,   \
				bg_b);                                           \
	} while (0)

#define ASSERT_EQ_U64(a, b)                                                      \
	do {                                                                     \
		unsigned long long bg_a = (a), bg_b = (b);                       \
		if (bg_a != bg_b)                                                \
			BG_FAIL("%s == %s: got %llu, want %llu", #a, #b, bg_a,   \
				bg_b);                                           \
	} while (0)

#define ASSERT_EQ_STR(a, b)                                                      \
	do {                                                                     \
		const char *bg_a = (a), *bg_b = (b);                             \
		if (!bg_a || !bg_b || strcmp(bg_a, bg_b) != 0)                   \
			BG_FAIL("%s == %s: got \"%s\", want \"%s\"", #a, #b,     \
				bg_a ? bg_a : "(null)", bg_b ? bg_b : "(null)"); \
	} while (0)

#define ASSERT_CONTAINS(hay, needle)                                             \
	do {                                                                     \
		const char *bg_h = (hay), *bg_n = (needle);                      \
		if (!bg_h || !strstr(bg_h, bg_n))                                \
			BG_FAIL("%s does not contain \"%s\"; it is: \"%s\"",     \
				#hay, bg_n, bg_h ? bg_h : "(null)");             \
	} while (0)

#define RUN_TEST(fn)                                                             \
	do {                                                                     \
		bg_cur = #fn;                                                    \
		if (setjmp(bg_jmp) == 0) {                                       \
			fn();                                                    \
			bg_passed_tests++;                                       \
			fprintf(stderr, "ok   %s\n", #fn);                       \
		} else {                                                         \
			bg_failed_tests++;                                       \
			fprintf(stderr, "FAIL %s\n", #fn);                       \
		}                                                                \
	} while (0)

/* Exit with ctest's skip code; ctest shows the test as skipped. */
#define BG_SKIP(why)                                                             \
	do {                                                                     \
		fprintf(stderr, "SKIP: %s\n", why);                              \
		exit(BG_SKIP_CODE);                                              \
	} while (0)

static inline int bg_test_summary(void)
{
	fprintf(stderr, "%d passed, %d failed\n", bg_passed_tests,
		bg_failed_tests);
	return bg_failed_tests ? 1 : 0;
}

#endif /* BG_TEST_H */
