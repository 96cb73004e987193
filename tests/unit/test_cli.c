// SPDX-License-Identifier: GPL-2.0
/* Option values (cli.c): every kind of bad value is refused with exit
 * code 2 and exactly one line on stderr naming what is accepted; the
 * shared option groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/cli.h"
#include "base/util.h"
#include "capture.h"

/* expr (with stderr captured) returns rc and prints exactly line. */
#define EXPECT(rc, line, expr)                                  \
	do {                                                    \
		struct capture cap_;                            \
		char out_[1024];                                \
		int rc_;                                        \
		capture_begin(&cap_);                           \
		rc_ = (expr);                                   \
		capture_end(&cap_, out_, sizeof(out_));         \
		assert_int_equal(rc_, rc);                      \
		assert_string_equal(out_, line);                \
	} while (0)

#define INT_BAD(arg)                                                                     \
	EXPECT(EXIT_USAGE, "bpfcost test: --trials takes a whole number from 2 to 10000, not '" \
	       arg "'\n", cli_int("--trials", arg, 2, 10000, &v))

static void test_cli_int(void **state)
{
	long v;
	(void)state;

	EXPECT(0, "", cli_int("--trials", "60", 2, 10000, &v));
	assert_int_equal(v, 60);
	EXPECT(0, "", cli_int("--trials", "2", 2, 10000, &v));
	assert_int_equal(v, 2);
	EXPECT(0, "", cli_int("--trials", "10000", 2, 10000, &v));
	assert_int_equal(v, 10000);
	EXPECT(0, "", cli_int("--trials", "1k", 2, 10000, &v)); /* k = 1000 */
	assert_int_equal(v, 1000);

	INT_BAD("10001"); /* above the range */
	assert_int_equal(v, 2); /* *out is lo on error */
	INT_BAD("1");     /* below */
	INT_BAD("0");
	INT_BAD("-1");    /* negative */
	INT_BAD("-100");
	INT_BAD("5x");    /* trailing junk */
	INT_BAD("5 ");
	INT_BAD(" 5");
	INT_BAD("abc");
	INT_BAD("");      /* empty */
	INT_BAD("2.5");   /* not whole */
	INT_BAD("1e100");
	INT_BAD("nan");
	INT_BAD("inf");
	INT_BAD("20g");   /* a suffix past the range */

	/* cli_int_to: the same into an int */
	{
		int n = -7;

		EXPECT(0, "", cli_int_to("--trials", "60", 2, 10000, &n));
		assert_int_equal(n, 60);
		EXPECT(EXIT_USAGE, "bpfcost test: --trials takes a whole number from 2 to 10000, "
		       "not '1'\n", cli_int_to("--trials", "1", 2, 10000, &n));
		assert_int_equal(n, 2);
	}
}

#define NUM_BAD(arg)                                                                     \
	EXPECT(EXIT_USAGE, "bpfcost test: --max-time takes a number from 0 to 3600, not '" \
	       arg "'\n", cli_num("--max-time", arg, 0, 3600, &v))

static void test_cli_num(void **state)
{
	double v;
	(void)state;

	EXPECT(0, "", cli_num("--max-time", "2.5", 0, 3600, &v));
	assert_float_equal(v, 2.5, 0);
	EXPECT(0, "", cli_num("--max-time", "0", 0, 3600, &v));
	assert_float_equal(v, 0, 0);
	EXPECT(0, "", cli_num("--max-time", "1.5k", 0, 3600, &v));
	assert_float_equal(v, 1500, 0);

	NUM_BAD("3600.5"); /* above */
	assert_float_equal(v, 0, 0); /* *out is lo on error */
	NUM_BAD("-1");     /* negative */
	NUM_BAD("-0.5");
	NUM_BAD("8s");     /* trailing junk */
	NUM_BAD("1..2");
	NUM_BAD("");       /* empty */
	NUM_BAD("abc");
	NUM_BAD("nan");
	NUM_BAD("inf");
	NUM_BAD("4g");     /* a suffix past the range */
}

#define BYTES_BAD(arg)                                                                   \
	EXPECT(EXIT_USAGE, "bpfcost test: --buf-size takes bytes from 1 to 1g (4k, 256k, 1m), not '" \
	       arg "'\n", cli_bytes("--buf-size", arg, &v))

static void test_cli_bytes(void **state)
{
	uint32_t v;
	(void)state;

	EXPECT(0, "", cli_bytes("--buf-size", "4k", &v));
	assert_int_equal(v, 4096);
	EXPECT(0, "", cli_bytes("--buf-size", "256K", &v));
	assert_int_equal(v, 256 * 1024);
	EXPECT(0, "", cli_bytes("--buf-size", "1m", &v));
	assert_int_equal(v, 1024 * 1024);
	EXPECT(0, "", cli_bytes("--buf-size", "64kb", &v));
	assert_int_equal(v, 64 * 1024);
	EXPECT(0, "", cli_bytes("--buf-size", "100", &v));
	assert_int_equal(v, 100);
	EXPECT(0, "", cli_bytes("--buf-size", "1", &v));
	assert_int_equal(v, 1);
	EXPECT(0, "", cli_bytes("--buf-size", "1024m", &v)); /* 1 GiB exactly */
	assert_int_equal(v, 1024u * 1024 * 1024);

	v = 7;
	BYTES_BAD("0");
	assert_int_equal(v, 7); /* *out untouched on error */
	BYTES_BAD("0k");
	BYTES_BAD("1025m"); /* > 1 GiB */
	BYTES_BAD("2g");    /* no g */
	BYTES_BAD("4x");    /* junk */
	BYTES_BAD("4kk");
	BYTES_BAD("k");
	BYTES_BAD("junk");
	BYTES_BAD("");
	BYTES_BAD("-4k");
}

static void test_cli_pick(void **state)
{
	static const char *const names[] = { "tp", "rawtp", "tp_btf" };
	(void)state;

	EXPECT(0, "", cli_pick("--hook", "tp", names, 3));
	EXPECT(2, "", cli_pick("--hook", "tp_btf", names, 3));
	/* an index, not an exit code: -1 on a bad name */
	EXPECT(-1, "bpfcost test: --hook takes one of tp, rawtp, tp_btf, not 'nope'\n",
	       cli_pick("--hook", "nope", names, 3));
	EXPECT(-1, "bpfcost test: --hook takes one of tp, rawtp, tp_btf, not 'TP'\n",
	       cli_pick("--hook", "TP", names, 3));
	EXPECT(-1, "bpfcost test: --hook takes one of tp, rawtp, tp_btf, not ''\n",
	       cli_pick("--hook", "", names, 3));
	/* only the first n names count */
	EXPECT(-1, "bpfcost test: --hook takes one of tp, rawtp, not 'tp_btf'\n",
	       cli_pick("--hook", "tp_btf", names, 2));
}

/* positional files: kept in order up to max, then one line each */
static void test_cli_file(void **state)
{
	const char *files[2] = { NULL, NULL };
	int n = 0;
	(void)state;

	EXPECT(0, "", cli_file("a.json", files, &n, 2));
	EXPECT(0, "", cli_file("b.json", files, &n, 2));
	EXPECT(EXIT_USAGE, "bpfcost test: at most 2 files\n", cli_file("c.json", files, &n, 2));
	assert_int_equal(n, 2);
	assert_string_equal(files[0], "a.json");
	assert_string_equal(files[1], "b.json");
}

/* cli_parse: an unknown option, a missing value or a bad one is one line;
 * the shared groups fill in struct cli_common. */
static error_t tparse(int key, char *arg, struct argp_state *st)
{
	long *n = st->input;

	switch (key) {
	case 'n':
		cli_int("--num", arg, 1, 9, n);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static struct cli_common parsed; /* what the last parse() filled in */
static const struct argp_child groups[] = {
	CLI_OUTPUT_GROUP(CLI_OPT_JSON("JSON output"), CLI_OPT_OUTPUT("write to FILE")),
	CLI_CPU_GROUP(CLI_CPU_OPTS),
	{},
};

static int parse(int argc, char **argv)
{
	static const struct argp_option opts[] = { { "num", 'n', "N", 0, "1 to 9" }, { 0 } };
	struct argp argp = { opts, tparse, NULL, "USAGE: bpfcost test [OPTIONS]", groups };
	long n = 0;

	parsed = (struct cli_common){ .consumer_cpu = -1 };
	return cli_parse(&argp, argc, argv, &n, &parsed);
}

static void test_cli_parse(void **state)
{
	char *ok[] = { "test", "--num", "3", NULL };
	char *unknown[] = { "test", "--nope", NULL };
	char *missing[] = { "test", "--num", NULL };
	char *bad[] = { "test", "--num", "12", NULL };
	(void)state;

	EXPECT(0, "", parse(3, ok));
	EXPECT(EXIT_USAGE, "bpfcost test: bad option or missing value '--nope' (see 'bpfcost test --help')\n",
	       parse(2, unknown));
	EXPECT(EXIT_USAGE, "bpfcost test: bad option or missing value '--num' (see 'bpfcost test --help')\n",
	       parse(2, missing));
	EXPECT(EXIT_USAGE, "bpfcost test: --num takes a whole number from 1 to 9, not '12'\n",
	       parse(3, bad));
}

static void test_cli_groups(void **state)
{
	char *all[] = { "test", "--json", "-o", "f.json", "--cpu", "0", "--num", "2", NULL };
	char *none[] = { "test", NULL };
	char *two_bad[] = { "test", "--num", "12", "--cpu", "x", NULL };
	char *bad_cpu[] = { "test", "--cpu", "x", NULL };
	char line[128];
	(void)state;

	EXPECT(0, "", parse(8, all));
	assert_int_equal(parsed.fmt, OUT_JSON);
	assert_string_equal(parsed.out, "f.json");
	assert_int_equal(parsed.cpu, 0);
	assert_int_equal(parsed.consumer_cpu, -1); /* not given: the command's default */
	EXPECT(0, "", parse(1, none));
	assert_int_equal(parsed.fmt, OUT_TABLE);
	assert_null(parsed.out);
	/* a group's bad value is one line like any other */
	snprintf(line, sizeof(line), "bpfcost test: --cpu takes a whole number from 0 to %d, not 'x'\n",
		 online_cpus() - 1);
	EXPECT(EXIT_USAGE, line, parse(3, bad_cpu));
	/* several bad values: the first one's line only */
	EXPECT(EXIT_USAGE, "bpfcost test: --num takes a whole number from 1 to 9, not '12'\n",
	       parse(5, two_bad));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_int),
		cmocka_unit_test(test_cli_num),
		cmocka_unit_test(test_cli_bytes),
		cmocka_unit_test(test_cli_pick),
		cmocka_unit_test(test_cli_file),
		cmocka_unit_test(test_cli_parse),
		cmocka_unit_test(test_cli_groups),
	};

	cmd_name = "test";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
