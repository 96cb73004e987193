// SPDX-License-Identifier: GPL-2.0
/* Output (output.c): CSV quoting, table cells, number cells, JSON
 * numbers, atomic results files. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/output.h"
#include "base/util.h"
#include "capture.h"

/* What f(stream) wrote, in a malloc'ed string. */
#define WRITTEN(out, call)                                   \
	do {                                                 \
		size_t len_;                                 \
		FILE *f = open_memstream(&(out), &len_);     \
		assert_non_null(f);                          \
		call;                                        \
		fclose(f);                                   \
	} while (0)

static void test_csv_quoting(void **state)
{
	/* RFC 4180: fields with a comma, a quote or a line break are quoted,
	 * and a quote inside is doubled; others are written as they are */
	const char *cells[] = { "plain", "a,b", "say \"hi\"", "two\nlines", "", NULL, "x y",
				"\"", "crlf\r\nend" };
	char *out = NULL;
	(void)state;

	WRITTEN(out, csv_row(f, cells, 9));
	assert_string_equal(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,,x y,"
				 "\"\"\"\",\"crlf\r\nend\"\n");
	free(out);
}

static void test_csv_header(void **state)
{
	const struct table_col cols[] = { { "HOOK", 8, true }, { "BASE ns", 8 },
					  { "CI95, ns", 10 } };
	char *out = NULL;
	(void)state;

	WRITTEN(out, csv_header(f, cols, 3));
	assert_string_equal(out, "HOOK,BASE ns,\"CI95, ns\"\n");
	free(out);
}

static void test_table_cells_cut(void **state)
{
	const struct table_col cols[] = { { "NAME", 6, true }, { "NS", 5 }, { "NOTE", 4, true } };
	const char *fit[] = { "tp", "42.5", "ok" };
	const char *wide[] = { "kretprobe", "1234567", "a note much wider than 4" };
	const char *nul[] = { NULL, NULL, NULL };
	char *out = NULL;
	(void)state;

	/* left names padded, right numbers padded, the last column as is */
	WRITTEN(out, table_row(f, cols, 3, fit));
	assert_string_equal(out, "tp      42.5 ok\n");
	free(out);
	/* cells wider than their column are cut, never wrapped: one line,
	 * each column at its width (the last one is not padded or cut) */
	WRITTEN(out, table_row(f, cols, 3, wide));
	assert_string_equal(out, "kretpr 12345 a note much wider than 4\n");
	assert_int_equal(count_lines(out), 1);
	free(out);
	WRITTEN(out, table_row(f, cols, 3, nul));
	assert_string_equal(out, "             \n");
	free(out);
	WRITTEN(out, table_header(f, cols, 3));
	assert_string_equal(out, "NAME      NS NOTE\n");
	free(out);
}

/* Words to 79 columns; continuation lines indented; a word longer than a
 * line (a path) is cut where the line ends, never past column 79. */
static void test_print_words(void **state)
{
	char *out = NULL, *line, *save = NULL, word[200];
	int lines = 0;

	(void)state;
	memset(word, 'x', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	char text[400];
	snprintf(text, sizeof(text), "reason: %s and more words after it", word);
	WRITTEN(out, print_words(f, text, 4));
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		assert_true(strlen(line) <= 79);
		if (lines++)
			assert_memory_equal(line, "    ", 4);
	}
	assert_true(lines >= 3);
	free(out);
}

static void test_fmt_num(void **state)
{
	char buf[32];
	(void)state;

	assert_string_equal(fmt_num(buf, sizeof(buf), NAN, 1), "-");
	assert_string_equal(fmt_num(buf, sizeof(buf), INFINITY, 1), "-");
	assert_string_equal(fmt_num(buf, sizeof(buf), -INFINITY, 1), "-");
	assert_string_equal(fmt_num(buf, sizeof(buf), 1.25, 2), "1.25");
	assert_string_equal(fmt_num(buf, sizeof(buf), 1.5, 0), "2");
	assert_string_equal(fmt_num(buf, sizeof(buf), -3.14159, 1), "-3.1");
	assert_string_equal(fmt_u64(buf, sizeof(buf), 18446744073709551615ULL),
			    "18446744073709551615");
}

static void test_fmt_fit(void **state)
{
	char buf[32];
	(void)state;

	/* as many decimals as fit */
	assert_string_equal(fmt_fit(buf, sizeof(buf), 123.456, 7, 2), "123.46");
	assert_string_equal(fmt_fit(buf, sizeof(buf), 123.456, 6, 2), "123.46");
	assert_string_equal(fmt_fit(buf, sizeof(buf), 123.456, 5, 2), "123.5");
	assert_string_equal(fmt_fit(buf, sizeof(buf), 123.456, 4, 2), "123");
	/* never cut digits: wider than the column rather than wrong */
	assert_string_equal(fmt_fit(buf, sizeof(buf), 123.456, 2, 2), "123");
	assert_string_equal(fmt_fit(buf, sizeof(buf), 98765.4, 3, 1), "98765");
	assert_string_equal(fmt_fit(buf, sizeof(buf), -1234.5, 4, 1), "-1234");
	/* NaN is "-" at any width */
	assert_string_equal(fmt_fit(buf, sizeof(buf), NAN, 5, 2), "-");
}

static const char *jtext(json_object *o, char *buf, size_t len)
{
	snprintf(buf, len, "%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return buf;
}

static void test_jnum(void **state)
{
	char buf[64];
	(void)state;

	/* null for NaN and inf: the files stay valid JSON */
	assert_null(jnum(NAN));
	assert_null(jnum(INFINITY));
	assert_null(jnum(-INFINITY));
	/* 3 decimals at most, trailing zeros gone, no "-0" */
	assert_string_equal(jtext(jnum(1.5), buf, sizeof(buf)), "1.5");
	assert_string_equal(jtext(jnum(2), buf, sizeof(buf)), "2");
	assert_string_equal(jtext(jnum(1.23456), buf, sizeof(buf)), "1.235");
	assert_string_equal(jtext(jnum(-0.0001), buf, sizeof(buf)), "0");
	assert_string_equal(jtext(jnum(-12.5), buf, sizeof(buf)), "-12.5");
	/* a pair keeps its nulls */
	assert_string_equal(jtext(jpair(NAN, 2.25), buf, sizeof(buf)), "[null,2.25]");
	assert_null(jstr(NULL));
}

/* jset_ci: NAME_UNIT then NAME_ci95, null without an interval */
static void test_jset_ci(void **state)
{
	json_object *o = json_object_new_object();
	char buf[160];
	(void)state;

	jset_ci(o, "overhead", "ns", 12.5, true, 10, 15);
	jset_ci(o, "loss", "pct", NAN, false, 0, 2);
	assert_string_equal(jtext(o, buf, sizeof(buf)),
			    "{\"overhead_ns\":12.5,\"overhead_ci95\":[10,15],\"loss_pct\":null,"
			    "\"loss_ci95\":null}");
}

/* jset_fields: each member by its kind, in table order */
struct rec {
	int i;
	uint32_t u;
	uint64_t big;
	double d, nan;
	char chars[8];
	const char *cstr, *none;
};

static void test_jset_fields(void **state)
{
	static const struct jfield fields[] = {
		JF("i", JF_INT, struct rec, i),
		JF("u", JF_U32, struct rec, u),
		JF("big", JF_U64, struct rec, big),
		JF("d", JF_DOUBLE, struct rec, d),
		JF("nan", JF_DOUBLE, struct rec, nan),
		JF("chars", JF_CHARS, struct rec, chars),
		JF("cstr", JF_CSTR, struct rec, cstr),
		JF("none", JF_CSTR, struct rec, none),
	};
	struct rec r = { -3, 4000000000u, 1ULL << 40, 1.25, NAN, "ab", "cd", NULL };
	json_object *o = json_object_new_object();
	char buf[200];
	(void)state;

	JSET_FIELDS(o, &r, fields);
	assert_string_equal(jtext(o, buf, sizeof(buf)),
			    "{\"i\":-3,\"u\":4000000000,\"big\":1099511627776,\"d\":1.25,"
			    "\"nan\":null,\"chars\":\"ab\",\"cstr\":\"cd\",\"none\":null}");
}

/* ROW_FITS: each value fitted to its own column from the first given */
static void test_row_fits(void **state)
{
	static const struct table_col cols[] = { { "A", 4 }, { "B", 5 }, { "C", 3 } };
	struct row r = { { "x" } };
	(void)state;

	ROW_FITS(&r, cols, 1, 2, 12.345, 1234.6);
	assert_string_equal(r.cells[0], "x");
	assert_string_equal(r.cells[1], "12.35");
	assert_string_equal(r.cells[2], "1235");
}

/* A scratch directory with a results file holding "old\n". */
struct scratch {
	char dir[64], path[128], tmp[160];
};

static void scratch_make(struct scratch *s)
{
	FILE *f;

	snprintf(s->dir, sizeof(s->dir), "/tmp/bpfcost-test-output.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/out.json", s->dir);
	/* the temporary name write_file_atomic uses */
	snprintf(s->tmp, sizeof(s->tmp), "%s.tmp.%d", s->path, (int)getpid());
	f = fopen(s->path, "w");
	assert_non_null(f);
	fputs("old\n", f);
	fclose(f);
}

static const char *slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void scratch_remove(struct scratch *s)
{
	rmdir(s->tmp);
	unlink(s->tmp);
	unlink(s->path);
	assert_int_equal(rmdir(s->dir), 0); /* nothing else was left behind */
}

static json_object *sample_root(void)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "schema", jstr("bpfcost.test/1"));
	json_object_object_add(o, "x", jnum(1.5));
	return o;
}

static void test_json_write_atomic(void **state)
{
	struct scratch s;
	json_object *root = sample_root();
	char buf[256];
	(void)state;

	scratch_make(&s);
	/* success: replaced whole, no temporary left */
	assert_int_equal(json_write(root, s.path), 0);
	assert_string_equal(slurp(s.path, buf, sizeof(buf)),
			    "{\n  \"schema\": \"bpfcost.test/1\",\n  \"x\": 1.5\n}\n");
	assert_int_equal(access(s.tmp, F_OK), -1);
	/* failure (the temporary cannot be created): an error, and the
	 * target is untouched */
	assert_int_equal(mkdir(s.tmp, 0700), 0);
	assert_int_equal(json_write(root, s.path), -EISDIR);
	assert_string_equal(slurp(s.path, buf, sizeof(buf)),
			    "{\n  \"schema\": \"bpfcost.test/1\",\n  \"x\": 1.5\n}\n");
	json_object_put(root);
	scratch_remove(&s);
}

static void write_rows(FILE *f, const void *rows, int n)
{
	const char *const *cells = rows;

	csv_row(f, cells, n);
}

static void test_save_results(void **state)
{
	const char *row[] = { "getpid", "tp, empty" };
	struct scratch s;
	struct capture cap;
	char buf[256], err[256];
	int rc;
	(void)state;

	scratch_make(&s);
	/* CSV through write_csv, atomically; root is released either way */
	assert_int_equal(save_results(s.path, OUT_CSV, sample_root(), write_rows, row, 2), 0);
	assert_string_equal(slurp(s.path, buf, sizeof(buf)), "getpid,\"tp, empty\"\n");
	assert_int_equal(save_results(s.path, OUT_JSON, sample_root(), NULL, NULL, 0), 0);
	assert_string_equal(slurp(s.path, buf, sizeof(buf)),
			    "{\n  \"schema\": \"bpfcost.test/1\",\n  \"x\": 1.5\n}\n");

	/* failure: EXIT_RUNTIME after one line, the file as it was */
	assert_int_equal(mkdir(s.tmp, 0700), 0);
	for (int fmt = OUT_JSON; fmt <= OUT_CSV; fmt++) {
		capture_begin(&cap);
		rc = save_results(s.path, fmt, sample_root(), write_rows, row, 2);
		capture_end(&cap, err, sizeof(err));
		assert_int_equal(rc, EXIT_RUNTIME);
		assert_int_equal(count_lines(err), 1);
		assert_non_null(strstr(err, s.path));
		assert_non_null(strstr(err, "Is a directory"));
		assert_string_equal(slurp(s.path, buf, sizeof(buf)),
				    "{\n  \"schema\": \"bpfcost.test/1\",\n  \"x\": 1.5\n}\n");
	}
	scratch_remove(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_csv_header),
		cmocka_unit_test(test_table_cells_cut),
		cmocka_unit_test(test_print_words),
		cmocka_unit_test(test_fmt_num),
		cmocka_unit_test(test_fmt_fit),
		cmocka_unit_test(test_jnum),
		cmocka_unit_test(test_jset_ci),
		cmocka_unit_test(test_jset_fields),
		cmocka_unit_test(test_row_fits),
		cmocka_unit_test(test_json_write_atomic),
		cmocka_unit_test(test_save_results),
	};

	cmd_name = "test";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
