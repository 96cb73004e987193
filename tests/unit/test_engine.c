// SPDX-License-Identifier: GPL-2.0
/* The engine's stopping rule (bench_stop_rule): when a row has run
 * enough baseline/probe pairs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/engine.h"

#define S 1000000000ULL /* ns */

/* bench's defaults: +-2 ns or +-3%, 8 s of pairs; 60 to 1000 pairs */
static const struct bench_opts o = { .ci_ns = 2, .ci_pct = 3, .max_s = 8 };
#define MIN 60
#define MAX 1000

/* The verdict after `pairs` pairs for an estimate est +- half (ns),
 * elapsed seconds of pairs in; *why as bench_begin leaves it, "fixed". */
static bool rule(int pairs, int min, int max, double elapsed_s, double est, double half,
		 const char **why)
{
	*why = "fixed";
	return bench_stop_rule(&o, pairs, min, max, (uint64_t)(elapsed_s * S), est,
			       est - half, est + half, why);
}

static void test_below_min_pairs(void **state)
{
	const char *why;
	(void)state;

	/* not looked at before the minimum, however narrow or late */
	for (int n = 1; n < MIN; n++) {
		assert_false(bench_stop_looks(n, MIN, MAX));
		assert_false(rule(n, MIN, MAX, 100, 10, 0.1, &why));
		assert_string_equal(why, "fixed");
	}
	/* from the minimum on, every 5th pair */
	assert_true(bench_stop_looks(MIN, MIN, MAX));
	assert_false(bench_stop_looks(MIN + 1, MIN, MAX));
	assert_false(bench_stop_looks(MIN + 4, MIN, MAX));
	assert_true(bench_stop_looks(MIN + 5, MIN, MAX));
	/* a minimum off the 5s: the first multiple of 5 after it */
	assert_false(bench_stop_looks(21, 21, MAX));
	assert_true(bench_stop_looks(25, 21, MAX));
	/* between looks the estimate is not read (NaN here) */
	assert_false(bench_stop_rule(&o, MIN + 1, MIN, MAX, 0, NAN, NAN, NAN, &why));
}

static void test_met_in_ns(void **state)
{
	const char *why;
	(void)state;

	/* est 10 ns: 3% is 0.3 ns, so the 2 ns target rules */
	assert_true(rule(MIN, MIN, MAX, 1, 10, 1.9, &why));
	assert_string_equal(why, "interval");
	assert_true(rule(MIN, MIN, MAX, 1, 10, 2.0, &why)); /* within: <= */
	assert_string_equal(why, "interval");
	assert_true(rule(MIN + 5, MIN, MAX, 1, -10, 1.5, &why)); /* negative est */
	assert_string_equal(why, "interval");
	assert_true(rule(MIN, MIN, MAX, 1, 0, 2.0, &why)); /* est 0 */
	assert_string_equal(why, "interval");
}

static void test_met_in_pct(void **state)
{
	const char *why;
	(void)state;

	/* est 200 ns: 3% is 6 ns, wider than 2 ns, so 6 ns rules */
	assert_true(rule(MIN, MIN, MAX, 1, 200, 5.9, &why));
	assert_string_equal(why, "interval");
	assert_true(rule(MIN, MIN, MAX, 1, -200, 6.0, &why)); /* |est| */
	assert_string_equal(why, "interval");
	assert_false(rule(MIN, MIN, MAX, 1, 200, 6.1, &why));
	assert_null(why);
}

static void test_not_met(void **state)
{
	const char *why;
	(void)state;

	/* wider than both targets, time left, pairs left: go on, and the row
	 * no longer says "fixed" */
	assert_false(rule(MIN, MIN, MAX, 1, 10, 2.1, &why));
	assert_null(why);
	assert_false(rule(MIN + 5, MIN, MAX, 7.9, 100, 3.5, &why));
	assert_null(why);
	/* an interval not yet known (NaN) is not met */
	assert_false(rule(MIN, MIN, MAX, 1, NAN, NAN, &why));
	assert_null(why);
}

static void test_time_limit(void **state)
{
	const char *why;
	struct bench_opts no_limit = o;
	(void)state;

	assert_true(rule(MIN, MIN, MAX, 8, 10, 5, &why));
	assert_string_equal(why, "time");
	assert_true(rule(MIN + 10, MIN, MAX, 30, 10, 5, &why));
	assert_string_equal(why, "time");
	/* the interval is looked at first */
	assert_true(rule(MIN, MIN, MAX, 30, 10, 1, &why));
	assert_string_equal(why, "interval");
	/* only at a look: between looks the time does not stop a row */
	assert_false(rule(MIN + 1, MIN, MAX, 30, 10, 5, &why));
	assert_string_equal(why, "fixed");
	/* max_s 0: no time limit */
	no_limit.max_s = 0;
	why = "fixed";
	assert_false(bench_stop_rule(&no_limit, MIN, MIN, MAX, 1000 * S, 10, 5, 15, &why));
	assert_null(why);
}

static void test_max_pairs(void **state)
{
	const char *why;
	(void)state;

	assert_true(rule(MAX, MIN, MAX, 1, 10, 5, &why));
	assert_string_equal(why, "max-trials");
	/* a cap off the 5s is reached without a look */
	assert_true(rule(63, MIN, 63, 1, 10, 5, &why));
	assert_string_equal(why, "max-trials");
	/* met at the cap: the interval is the reason */
	assert_true(rule(MAX, MIN, MAX, 1, 10, 1, &why));
	assert_string_equal(why, "interval");
	assert_false(rule(MAX - 1, MIN, MAX, 1, 10, 5, &why));
}

static void test_fixed_length(void **state)
{
	const char *why;
	(void)state;

	/* max <= min: exactly min pairs, never looked at, "fixed" kept */
	for (int n = 1; n < 20; n++) {
		assert_false(bench_stop_looks(n, 20, 20));
		assert_false(rule(n, 20, 20, 100, 10, 0.1, &why));
		assert_string_equal(why, "fixed");
	}
	assert_true(rule(20, 20, 20, 100, 10, 0.1, &why));
	assert_string_equal(why, "fixed");
	assert_true(rule(20, 20, 20, 0, 10, 50, &why));
	assert_string_equal(why, "fixed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_below_min_pairs),
		cmocka_unit_test(test_met_in_ns),
		cmocka_unit_test(test_met_in_pct),
		cmocka_unit_test(test_not_met),
		cmocka_unit_test(test_time_limit),
		cmocka_unit_test(test_max_pairs),
		cmocka_unit_test(test_fixed_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
