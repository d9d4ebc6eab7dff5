/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Golden tests: every tests/data/vlogs/<dir>/<name>.log with a sibling
 * <name>.expect is parsed (whole and in odd chunk sizes) and checked
 * against the expectations, which come from the log text read by eye or
 * from bpf_prog_info recorded at capture time (<name>.info), never from
 * the parser itself.
 *
 * .expect format: one "key=value" a line, '#' comments. key is any stat
 * name (see `bpfgauge verifier help`); the value is compared with the
 * stat's text form; an empty value means "must be unset". The extra key
 * hotspot_insns=N checks that per-line attribution sums to N. Capture
 * metadata keys (kernel, clang, mcpu, object, capture) are not checked, and
 * neither are prog/file when the log itself does not name them (only a
 * libbpf-pasted log carries "prog 'x':").
 * .info (optional): errno=E and verified_insns=N from the kernel; when
 * errno=0, insns must equal verified_insns.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg_test.h"
#include "bpfgauge/vlog.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc(n + 1);
	if (fread(b, 1, n, f) != (size_t)n)
		n = 0;
	b[n] = 0;
	fclose(f);
	*len = n;
	return b;
}

static struct vlog_record *parse_chunked(const char *buf, size_t len, size_t chunk,
					 uint64_t *hs_total)
{
	struct vlog_parser_opts o = { .sz = sizeof(o), .hotspots = true };
	struct vlog_parser *p = vlog_parser__new(&o);
	struct vlog_record *r = NULL;
	size_t n = 0;
	uint64_t un = 0;
	const struct vlog_hotspot *hs;

	for (size_t off = 0; off < len; off += chunk)
		vlog_parser__feed(p, buf + off, len - off < chunk ? len - off : chunk);
	if (vlog_parser__finish(p, &r)) {
		vlog_parser__free(p);
		return NULL;
	}
	hs = vlog_parser__hotspots(p, &n, &un);
	*hs_total = un;
	for (size_t i = 0; hs && i < n; i++)
		*hs_total += hs[i].insns;
	vlog_parser__free(p);
	return r;
}

static int checked_files, checked_keys;

static void check_one(const char *log)
{
	char path[4096], line[1024], got[1024];
	size_t len, base_len = strlen(log) - 4;
	char *buf = slurp(log, &len);
	uint64_t hs_total = 0, hs2;
	struct vlog_record *r, *r2;
	static const size_t chunks[] = { 1, 13, 4096 };
	FILE *f;

	ASSERT_TRUE(buf != NULL);
	r = parse_chunked(buf, len, len ? len : 1, &hs_total);
	if (!r)
		BG_FAIL("%s: parser refused the log", log);
	/* streaming must not depend on where chunks end */
	for (size_t c = 0; c < 3; c++) {
		r2 = parse_chunked(buf, len, chunks[c], &hs2);
		ASSERT_TRUE(r2 != NULL);
		for (int s = 0; s < VLOG_STAT_CNT; s++) {
			char a[1024], b[1024];

			vlog_record__format(r, s, a, sizeof(a));
			vlog_record__format(r2, s, b, sizeof(b));
			if (strcmp(a, b))
				BG_FAIL("%s: chunk %zu changes %s: '%s' vs '%s'", log, chunks[c],
					vlog_stat_def(s)->name, b, a);
		}
		ASSERT_EQ_U64(hs2, hs_total);
		vlog_record__free(r2);
	}
	snprintf(path, sizeof(path), "%.*s.expect", (int)base_len, log);
	f = fopen(path, "r");
	ASSERT_TRUE(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		char *eq, *val;
		int id;

		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq)
			BG_FAIL("%s: bad line '%s'", path, line);
		*eq = 0;
		val = eq + 1;
		checked_keys++;
		if (!strcmp(line, "hotspot_insns")) {
			if (hs_total != strtoull(val, NULL, 10))
				BG_FAIL("%s: hotspot_insns: got %llu, want %s", log,
					(unsigned long long)hs_total, val);
			continue;
		}
		if (!strcmp(line, "kernel") || !strcmp(line, "clang") || !strcmp(line, "mcpu") ||
		    !strcmp(line, "object") || !strcmp(line, "capture"))
			continue;
		id = vlog_stat_find(line);
		if ((id == VLOG_STAT_PROG || id == VLOG_STAT_FILE) && !vlog_record__has(r, id))
			continue;
		if (id < 0)
			BG_FAIL("%s: unknown key '%s'", path, line);
		vlog_record__format(r, id, got, sizeof(got));
		if (strcmp(got, val))
			BG_FAIL("%s: %s: got '%s', want '%s'", log, line, got, val);
	}
	fclose(f);
	snprintf(path, sizeof(path), "%.*s.info", (int)base_len, log);
	f = fopen(path, "r");
	if (f) {
		long long err = -1, vi = -1;

		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "errno=%lld", &err);
			sscanf(line, "verified_insns=%lld", &vi);
		}
		fclose(f);
		if (err == 0 && vi >= 0) {
			ASSERT_EQ_INT(vlog_record__int(r, VLOG_STAT_INSNS), vi);
			checked_keys++;
		}
		/* the kernel's errno tells pass from fail; ENOSPC logs keep their real error */
		if (err == 0)
			ASSERT_EQ_INT(vlog_record__int(r, VLOG_STAT_VERDICT), VLOG_VERDICT_PASS);
		else if (err > 0)
			ASSERT_EQ_INT(vlog_record__int(r, VLOG_STAT_VERDICT), VLOG_VERDICT_FAIL);
	}
	vlog_record__free(r);
	free(buf);
	checked_files++;
}

TEST(golden_logs)
{
	const char *data = getenv("BPFGAUGE_DATA");
	char pat[4096];
	glob_t g;

	if (!data)
		BG_SKIP("BPFGAUGE_DATA not set (run through ctest)");
	snprintf(pat, sizeof(pat), "%s/vlogs/*/*.log", data);
	ASSERT_EQ_INT(glob(pat, 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char exp[4096];
		FILE *f;

		snprintf(exp, sizeof(exp), "%.*s.expect", (int)(strlen(g.gl_pathv[i]) - 4),
			 g.gl_pathv[i]);
		f = fopen(exp, "r");
		if (!f)
			continue;
		fclose(f);
		fprintf(stderr, "  %s\n", g.gl_pathv[i] + strlen(data) + 1);
		check_one(g.gl_pathv[i]);
	}
	globfree(&g);
	fprintf(stderr, "  %d logs, %d expectations\n", checked_files, checked_keys);
	/* the 6.18 captures and the era fixtures alone are more than this */
	ASSERT_TRUE(checked_files >= 25);
}

int main(void)
{
	RUN_TEST(golden_logs);
	return bg_test_summary();
}
