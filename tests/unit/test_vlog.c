/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Parser edge cases and the record formats: the stat table, lossless
 * JSON and CSV round trips through the writers, veristat CSV input,
 * filters, refusing empty/garbage input, and streaming a large generated
 * level-2 log with bounded memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg_test.h"
#include "bpfgauge/vgate.h"
#include "bpfgauge/vlog.h"
#include "verifier_report.h"

TEST(stat_table)
{
	ASSERT_EQ_INT(vlog_stat_find("total_insns"), VLOG_STAT_INSNS); /* veristat's name */
	ASSERT_EQ_INT(vlog_stat_find("PROG_NAME"), VLOG_STAT_PROG);
	ASSERT_EQ_INT(vlog_stat_find("mark_read_max_len"), VLOG_STAT_MARK_READ);
	ASSERT_EQ_INT(vlog_stat_find("nope"), -ENOENT);
	for (int i = 0; i < VLOG_STAT_CNT; i++) {
		ASSERT_TRUE(vlog_stat_def(i)->name && vlog_stat_def(i)->header);
		ASSERT_EQ_INT(vlog_stat_find(vlog_stat_def(i)->name), i);
	}
	ASSERT_TRUE(vlog_stat_def(VLOG_STAT_DURATION)->noisy);
	ASSERT_TRUE(!vlog_stat_def(VLOG_STAT_INSNS)->noisy);
	/* 0 on 6.18, nonzero on 6.1: never a gate error across kernels by default */
	ASSERT_TRUE(vlog_stat_def(VLOG_STAT_MARK_READ)->noisy);
	for (int c = 0; c < VLOG_CLASS_CNT; c++) {
		ASSERT_EQ_INT(vlog_class_parse(vlog_class_str(c)), c);
		ASSERT_TRUE(*vlog_class_explain(c));
	}
}

TEST(refuses_empty_and_garbage)
{
	struct vlog_record *r;
	char junk[4096];

	ASSERT_EQ_INT(vlog_parse_buf("", 0, &r), -BPFGAUGE_EBADLOG);
	ASSERT_TRUE(r == NULL);
	srand(7);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = rand();
	ASSERT_EQ_INT(vlog_parse_buf(junk, sizeof(junk), &r), -BPFGAUGE_EBADLOG);
	ASSERT_EQ_INT(vlog_parse_buf("hello\nworld\n", 12, &r), -BPFGAUGE_EBADLOG);
}

static struct vlog_record *sample(void)
{
	struct vlog_record *r;
	const char *log = "0: R1=ctx() R10=fp0\n; x = *p; @ dir/a \"b\",c.bpf.c:7\n"
			  "0: (61) r0 = *(u32 *)(r1 +0)\nR1 invalid mem access 'scalar'\n"
			  "verification time 12 usec\nstack depth 8+24\n"
			  "processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 "
			  "peak_states 0 mark_read 0\n";

	ASSERT_EQ_INT(vlog_parse_buf(log, strlen(log), &r), 0);
	vlog_record__set_str(r, VLOG_STAT_FILE, "obj,with \"quotes\".o");
	vlog_record__set_str(r, VLOG_STAT_PROG, "multi\nline");
	vlog_record__set_int(r, VLOG_STAT_VERIFIED_INSNS, 123456789012LL);
	vlog_record__set_pct(r, VLOG_STAT_INSNS_PCT, 33.333);
	return r;
}

static void roundtrip(int (*write)(FILE *, struct vlog_record **, size_t,
				   const struct vreport_opts *))
{
	struct vlog_record *r = sample(), **back;
	int fields[VLOG_STAT_CNT];
	struct vreport_opts o = { .fields = fields, .nfields = VLOG_STAT_CNT };
	char *buf = NULL;
	size_t len = 0, n;
	FILE *f = open_memstream(&buf, &len);

	for (int i = 0; i < VLOG_STAT_CNT; i++)
		fields[i] = i;
	ASSERT_EQ_INT(write(f, &r, 1, &o), 0);
	fclose(f);
	ASSERT_EQ_INT(vlog_records_parse(buf, len, "mem", &back, &n), 0);
	ASSERT_EQ_INT(n, 1);
	for (int i = 0; i < VLOG_STAT_CNT; i++) {
		char a[512], b[512];

		vlog_record__format(r, i, a, sizeof(a));
		vlog_record__format(back[0], i, b, sizeof(b));
		if (strcmp(a, b))
			BG_FAIL("%s: '%s' came back as '%s'", vlog_stat_def(i)->name, a, b);
	}
	ASSERT_EQ_STR(vlog_record__str(back[0], VLOG_STAT_FAIL_LINE), "dir/a \"b\",c.bpf.c:7");
	vlog_records_free(back, n);
	vlog_record__free(r);
	free(buf);
}

TEST(json_roundtrip) { roundtrip(verifier_write_json); }
TEST(csv_roundtrip) { roundtrip(verifier_write_csv); }

TEST(sample_fields)
{
	struct vlog_record *r = sample();

	ASSERT_EQ_INT(vlog_record__int(r, VLOG_STAT_CLASS), VLOG_CLASS_MEM);
	ASSERT_EQ_INT(vlog_record__int(r, VLOG_STAT_STACK_SUM), 32);
	ASSERT_EQ_INT(vlog_record__int(r, VLOG_STAT_STACK_MAX), 24);
	ASSERT_EQ_STR(vlog_record__str(r, VLOG_STAT_HINT), vlog_class_hint(VLOG_CLASS_MEM));
	vlog_record__free(r);
}

TEST(veristat_csv_input)
{
	const char *csv = "file_name,prog_name,verdict,duration,total_insns,total_states,"
			  "peak_states,max_states_per_insn,mark_read_max_len\n"
			  "x.o,p1,success,10,100,5,5,1,0\nx.o,p2,failure,20,1000001,9,9,4,0\n";
	struct vlog_record **recs;
	size_t n;
	struct vfilter f;

	ASSERT_EQ_INT(vlog_records_parse(csv, strlen(csv), "v", &recs, &n), 0);
	ASSERT_EQ_INT(n, 2);
	ASSERT_EQ_INT(vlog_record__int(recs[1], VLOG_STAT_VERDICT), VLOG_VERDICT_FAIL);
	ASSERT_EQ_INT(vlog_record__int(recs[1], VLOG_STAT_INSNS), 1000001);
	ASSERT_EQ_INT(vfilter_parse("insns>=1000", false, &f), 0);
	ASSERT_TRUE(!vfilter_match(&f, recs[0]) && vfilter_match(&f, recs[1]));
	ASSERT_EQ_INT(vfilter_parse("prog=p*", false, &f), 0);
	ASSERT_TRUE(vfilter_match(&f, recs[0]));
	ASSERT_EQ_INT(vfilter_parse("verdict==fail", false, &f), 0);
	ASSERT_TRUE(!vfilter_match(&f, recs[0]) && vfilter_match(&f, recs[1]));
	ASSERT_EQ_INT(vfilter_parse("insns_pct>=5", true, &f), 0);
	ASSERT_EQ_INT(f.stat, VLOG_STAT_INSNS);
	ASSERT_EQ_INT(f.var, VCMP_PCT);
	ASSERT_EQ_INT(vfilter_parse("insns_limit_pct>=5", true, &f), 0);
	ASSERT_EQ_INT(f.stat, VLOG_STAT_INSNS_PCT);
	ASSERT_EQ_INT(vfilter_parse("bogus>=5", false, &f), -BPFGAUGE_EBADFORMAT);
	vlog_records_free(recs, n);
}

TEST(streams_big_level2_log_bounded)
{
	struct vlog_parser_opts o = { .sz = sizeof(o), .hotspots = true };
	struct vlog_parser *p = vlog_parser__new(&o);
	struct vlog_record *r;
	const struct vlog_hotspot *hs;
	char line[256], *huge;
	size_t n;
	uint64_t un;
	const long N = 2000000;

	/* a 64 MiB line without newline must not grow memory without bound */
	huge = malloc(1 << 20);
	memset(huge, 'x', 1 << 20);
	for (int i = 0; i < 64; i++)
		ASSERT_EQ_INT(vlog_parser__feed(p, huge, 1 << 20), 0);
	free(huge);
	vlog_parser__feed(p, "\n", 1);
	for (long i = 0; i < N; i++) {
		int len;

		if (i % 4 == 0) {
			len = snprintf(line, sizeof(line), "; s%ld @ big.c:%ld\n", (i / 4) % 1000,
				       (i / 4) % 1000 + 1);
			vlog_parser__feed(p, line, len);
		}
		len = snprintf(line, sizeof(line), "%ld: (bf) r1 = r2 ; R1=scalar()\n", i % 4000);
		ASSERT_EQ_INT(vlog_parser__feed(p, line, len), 0);
	}
	snprintf(line, sizeof(line), "processed %ld insns (limit 1000000) max_states_per_insn 1 "
		 "total_states 2 peak_states 2 mark_read 0\n", N);
	vlog_parser__feed(p, line, strlen(line));
	ASSERT_EQ_INT(vlog_parser__finish(p, &r), 0);
	ASSERT_EQ_INT(vlog_record__int(r, VLOG_STAT_VERDICT), VLOG_VERDICT_PASS);
	ASSERT_EQ_INT(vlog_record__int(r, VLOG_STAT_INSNS), N);
	ASSERT_EQ_U64(vlog_parser__lines(p), 1 + N + N / 4 + 1);
	hs = vlog_parser__hotspots(p, &n, &un);
	ASSERT_EQ_INT(n, 1000);
	ASSERT_EQ_U64(un, 0);
	ASSERT_EQ_U64(hs[0].insns + hs[n - 1].insns, 2 * (N / 1000));
	vlog_record__free(r);
	vlog_parser__free(p);
}

/*
 * tests/data/verifier/pass_stack_chain.bpf.c as loaded by libbpf (clang-19):
 * main @0 calls f @34 (insn 16) and h @82 (insn 26); f calls g @54 (insn
 * 52). The log's "stack depth 64+128+256+304" is in subprog order (main, f,
 * g, h), so the chains are main->f->g = 64+128+256 = 448 and main->h =
 * 64+304 = 368.
 */
TEST(stack_call_chain)
{
	static const struct vlog_call calls[] = { { 16, 34 }, { 26, 82 }, { 52, 54 } };
	static const struct vlog_call too_few[] = { { 16, 34 }, { 52, 54 } };
	const char *log = "stack depth 64+128+256+304\nprocessed 110 insns (limit 1000000) "
			  "max_states_per_insn 0 total_states 5 peak_states 5 mark_read 0\n";
	struct vlog_record *r, *none;

	ASSERT_EQ_INT(vlog_parse_buf(log, strlen(log), &r), 0);
	/* the log alone: sum and largest frame */
	ASSERT_EQ_INT(vlog_record__int(r, VLOG_STAT_STACK_SUM), 752);
	ASSERT_EQ_INT(vlog_record__int(r, VLOG_STAT_STACK_MAX), 304);
	ASSERT_TRUE(vlog_record__num(r, VLOG_STAT_STACK_PCT) == 59.38);
	/* a call list naming 3 subprogs for 4 frames changes nothing */
	ASSERT_EQ_INT(vlog_record__set_call_chain(r, too_few, 2), -EINVAL);
	ASSERT_EQ_INT(vlog_record__int(r, VLOG_STAT_STACK_MAX), 304);
	ASSERT_EQ_INT(vlog_record__set_call_chain(r, calls, 3), 0);
	ASSERT_EQ_INT(vlog_record__int(r, VLOG_STAT_STACK_SUM), 752);
	ASSERT_EQ_INT(vlog_record__int(r, VLOG_STAT_STACK_MAX), 448);
	ASSERT_TRUE(vlog_record__num(r, VLOG_STAT_STACK_PCT) == 87.5);
	/* order of the calls does not matter; calls in a chain only */
	{
		static const struct vlog_call rev[] = { { 52, 54 }, { 26, 82 }, { 16, 34 } };

		ASSERT_EQ_INT(vlog_record__set_call_chain(r, rev, 3), 0);
		ASSERT_EQ_INT(vlog_record__int(r, VLOG_STAT_STACK_MAX), 448);
	}
	/* no subprogs: the one frame */
	none = vlog_record__new();
	ASSERT_EQ_INT(vlog_record__set_call_chain(none, NULL, 0), -ENOENT);
	vlog_record__set_str(none, VLOG_STAT_STACK_DEPTHS, "96");
	ASSERT_EQ_INT(vlog_record__set_call_chain(none, NULL, 0), 0);
	ASSERT_EQ_INT(vlog_record__int(none, VLOG_STAT_STACK_MAX), 96);
	vlog_record__free(none);
	vlog_record__free(r);
}

/* Messages as the kernel prints them (verifier.c), and the class each belongs to. */
TEST(classes_of_kernel_messages)
{
	ASSERT_EQ_INT(vlog_classify_msg("invalid variable-offset read from stack R2 "
					"var_off=(0x0; 0x7) off=-8 size=1"), VLOG_CLASS_MEM);
	ASSERT_EQ_INT(vlog_classify_msg("invalid unbounded variable-offset write to stack R2"),
		      VLOG_CLASS_MEM);
	ASSERT_EQ_INT(vlog_classify_msg("R0 invalid mem access 'scalar'"), VLOG_CLASS_MEM);
	ASSERT_EQ_INT(vlog_classify_msg("infinite loop detected at insn 1"), VLOG_CLASS_LOOP);
}

int main(void)
{
	bpfgauge_set_print(NULL);
	RUN_TEST(stat_table);
	RUN_TEST(refuses_empty_and_garbage);
	RUN_TEST(sample_fields);
	RUN_TEST(json_roundtrip);
	RUN_TEST(csv_roundtrip);
	RUN_TEST(veristat_csv_input);
	RUN_TEST(streams_big_level2_log_bounded);
	RUN_TEST(stack_call_chain);
	RUN_TEST(classes_of_kernel_messages);
	return bg_test_summary();
}
