// SPDX-License-Identifier: GPL-2.0
/* The engine's stopping rule (bench_stop_rule): when a row has run
 * enough baseline/probe pairs; and the split of an overhead into body and
 * dispatch (bench_split, median_ci): when it is resolved, and why not. */
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

/* median_ci: the median and the order statistics around it */
static void test_median_ci(void **state)
{
	const double six[] = { 55, 52, 306, 58, 53, 57 };
	const double twelve[] = { 9, 1, 12, 4, 7, 3, 11, 2, 8, 6, 10, 5 };
	double m, lo, hi;
	(void)state;

	/* 6 values: x(1) and x(6); the outlier moves the median little */
	median_ci(six, 6, &m, &lo, &hi);
	assert_float_equal(m, 56, 1e-9);
	assert_float_equal(lo, 52, 1e-9);
	assert_float_equal(hi, 306, 1e-9);
	/* 12 values: x(3) and x(10), robust to two outliers each side */
	median_ci(twelve, 12, &m, &lo, &hi);
	assert_float_equal(m, 6.5, 1e-9);
	assert_float_equal(lo, 3, 1e-9);
	assert_float_equal(hi, 10, 1e-9);
	/* under 6: the median, no interval */
	median_ci(six, 5, &m, &lo, &hi);
	assert_float_equal(m, 55, 1e-9);
	assert_true(isnan(lo) && isnan(hi));
	median_ci(six, 0, &m, &lo, &hi);
	assert_true(isnan(m));
}

/* bench_split: resolved only when no part can be impossible */
static void test_split(void **state)
{
	double d, lo, hi;
	char why[256];
	(void)state;

	/* tp/empty: overhead 50 [49, 51], body 4 [3, 5] */
	assert_string_equal(bench_split(50, 49, 51, 4, 3, 5, 6, &d, &lo, &hi, why, sizeof(why)),
			    "resolved");
	assert_float_equal(d, 46, 1e-9);
	assert_float_equal(lo, 44, 1e-9); /* 49 - 5 */
	assert_float_equal(hi, 48, 1e-9); /* 51 - 3 */
	assert_string_equal(why, "");
	/* a body near 0 whose interval reaches below it is still a split */
	assert_string_equal(bench_split(30, 29, 31, 1, -1, 3, 6, &d, &lo, &hi, why, sizeof(why)),
			    "resolved");

	/* the rawtp/empty: a body of 60 in an overhead of 47 */
	assert_string_equal(bench_split(47, 46, 48, 60, 58, 62, 6, &d, &lo, &hi, why, sizeof(why)),
			    "unresolved");
	assert_true(isnan(d) && isnan(lo) && isnan(hi));
	assert_non_null(strstr(why, "above the whole overhead"));
	/* the intervals overlap: a negative dispatch is possible */
	assert_string_equal(bench_split(47, 45, 49, 44, 40, 48, 6, &d, &lo, &hi, why, sizeof(why)),
			    "unresolved");
	assert_true(isnan(d));
	assert_non_null(strstr(why, "negative dispatch"));
	/* a body below zero: faster than a program that does nothing */
	assert_string_equal(bench_split(47, 46, 48, -3, -5, -1, 6, &d, &lo, &hi, why, sizeof(why)),
			    "unresolved");
	assert_non_null(strstr(why, "faster than one that does nothing"));
	/* too few phases for an interval */
	assert_string_equal(bench_split(47, 46, 48, 5, NAN, NAN, 2, &d, &lo, &hi, why, sizeof(why)),
			    "unresolved");
	assert_non_null(strstr(why, "2 stats phases: too few"));
	assert_string_equal(bench_split(47, 46, 48, 5, NAN, NAN, 1, &d, &lo, &hi, why, sizeof(why)),
			    "unresolved");
	assert_non_null(strstr(why, "1 stats phase: too few"));
	/* an overhead without an interval */
	assert_string_equal(bench_split(47, NAN, NAN, 5, 4, 6, 6, &d, &lo, &hi, why, sizeof(why)),
			    "unresolved");
	assert_non_null(strstr(why, "no interval"));
	/* no body at all */
	assert_string_equal(bench_split(47, 46, 48, NAN, NAN, NAN, 0, &d, &lo, &hi, why, sizeof(why)),
			    "unresolved");
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
		cmocka_unit_test(test_median_ci),
		cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
