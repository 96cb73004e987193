// SPDX-License-Identifier: GPL-2.0
/* The overhead formula, the guide's table, --budget parsing and the
 * GREEN / YELLOW / RED rules (budget_model.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/budget_model.h"
#include "base/util.h"

static void test_formula_guide_examples(void **state)
{
	(void)state;
	/* overhead-guide.md: 50K/s x 500 ns on 8 CPUs = 0.3125 % (printed 0.31 %) */
	assert_float_equal(overhead_pct(50000, 500, 8), 0.3125, 1e-9);
	/* 10K vfs_read/s x 560 ns on 8 CPUs = 0.07 % */
	assert_float_equal(overhead_pct(10000, 560, 8), 0.07, 1e-9);
	/* directive: 10K/s on one CPU leaves 100,000 ns per event, 1 % is 1000 ns */
	assert_float_equal(ns_budget_per_event(1, 10000, 1), 1000, 1e-9);
	assert_float_equal(ns_budget_per_event(100, 10000, 1), 100000, 1e-9);
	/* inverse: 500 ns on 8 CPUs stays under 1 % up to 160K/s */
	assert_float_equal(max_rate_for_pct(1, 500, 8), 160000, 1e-6);
	assert_float_equal(overhead_pct(max_rate_for_pct(3, 210, 2), 210, 2), 3, 1e-9);
}

static void test_formula_bad_inputs(void **state)
{
	(void)state;
	assert_true(isnan(overhead_pct(NAN, 500, 8)));
	assert_true(isnan(overhead_pct(1000, NAN, 8)));
	assert_true(isnan(overhead_pct(1000, 500, 0)));
	assert_true(isnan(ns_budget_per_event(1, 0, 2)));
	assert_true(isinf(max_rate_for_pct(1, 0, 2)));
}

static void test_service_table(void **state)
{
	(void)state;
	assert_int_equal(n_service_types, 4);
	assert_float_equal(service_types[0].max_cpu_pct, 0.5, 0);
	assert_float_equal(service_types[1].max_cpu_pct, 1, 0);
	assert_float_equal(service_types[2].max_cpu_pct, 3, 0);
	assert_float_equal(service_types[3].max_cpu_pct, 10, 0);
	assert_float_equal(service_types[0].max_latency_ns, 50e3, 0);
	assert_float_equal(service_types[1].max_latency_ns, 200e3, 0);
	assert_float_equal(service_types[2].max_latency_ns, 1e6, 0);
	assert_true(isinf(service_types[3].max_latency_ns));
}

static void test_budget_defaults_are_directive(void **state)
{
	struct budget b;

	(void)state;
	budget_defaults(&b);
	assert_float_equal(b.p99_ns, 1000, 0);
	assert_float_equal(b.p99_yellow_ns, 2000, 0);
	assert_float_equal(b.cpu_pct, 1, 0);
	assert_float_equal(b.cpu_yellow_pct, 3, 0);
	assert_float_equal(b.loss_pct, 0.01, 0);
	assert_float_equal(b.rate_per_s, 10000, 0);
}

static void test_budget_parse(void **state)
{
	struct budget b;
	char err[256];

	(void)state;
	budget_defaults(&b);
	assert_int_equal(budget_parse("p99=500,cpu=0.5,loss=0.001,rate=50k,cpus=8", &b, err, sizeof(err)), 0);
	assert_float_equal(b.p99_ns, 500, 0);
	assert_float_equal(b.cpu_pct, 0.5, 0);
	assert_float_equal(b.loss_pct, 0.001, 0);
	assert_float_equal(b.rate_per_s, 50000, 0);
	assert_float_equal(b.cpus, 8, 0);
	assert_float_equal(b.p99_yellow_ns, 2000, 0); /* untouched */

	/* a GREEN bound above the YELLOW one lifts YELLOW along */
	budget_defaults(&b);
	assert_int_equal(budget_parse("p99=3000", &b, err, sizeof(err)), 0);
	assert_float_equal(b.p99_yellow_ns, 3000, 0);

	budget_defaults(&b);
	assert_int_equal(budget_parse("p99y=1500,cpuy=2,lossy=0.5", &b, err, sizeof(err)), 0);
	assert_float_equal(b.p99_yellow_ns, 1500, 0);
	assert_float_equal(b.cpu_yellow_pct, 2, 0);
	assert_float_equal(b.loss_yellow_pct, 0.5, 0);
}

static void test_budget_parse_errors(void **state)
{
	static const char *const bad[] = {
		"", "p99", "p99=", "p99=abc", "p99=-1", "bogus=1", "rate=0", "p99=1e999", "cpu=nan",
		"p99=10x", ",",
	};
	struct budget b;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		budget_defaults(&b);
		err[0] = '\0';
		assert_int_equal(budget_parse(bad[i], &b, err, sizeof(err)), -1);
		assert_true(strlen(err) > 0);
		assert_null(strchr(err, '\n'));
	}
}

static void test_verdict_levels(void **state)
{
	struct budget b;
	struct verdict_result v;

	(void)state;
	budget_defaults(&b);
	verdict_judge(&b, 290, 0.061, 0.0, false, &v);
	assert_int_equal(v.level, V_GREEN);
	assert_non_null(strstr(v.why, "p99 added 290 ns < 1000 ns"));
	assert_non_null(strstr(v.why, "CPU at 10K/s 0.061% < 1%"));
	assert_non_null(strstr(v.why, "loss at 10K/s 0.000% < 0.01%"));

	/* p99 between the bounds: YELLOW, and the reason names it */
	verdict_judge(&b, 1390, 0.076, NAN, false, &v);
	assert_int_equal(v.level, V_YELLOW);
	assert_int_equal(v.p99, V_YELLOW);
	assert_int_equal(v.loss, V_UNKNOWN);
	assert_non_null(strstr(v.why, "p99 added 1390 ns <= 2000 ns"));
	assert_non_null(strstr(v.why, "loss at 10K/s not measured"));

	/* the worst metric decides */
	verdict_judge(&b, 500, 3.5, 0, false, &v);
	assert_int_equal(v.level, V_RED);
	assert_int_equal(v.cpu, V_RED);
	assert_non_null(strstr(v.why, "CPU at 10K/s 3.500% > 3%"));
	verdict_judge(&b, 500, 0.1, 0.5, false, &v);
	assert_int_equal(v.level, V_YELLOW);
	verdict_judge(&b, 2000.1, 0.1, 0, false, &v);
	assert_int_equal(v.level, V_RED);

	/* bounds: GREEN below, YELLOW up to and including the YELLOW bound */
	assert_int_equal(verdict_metric(999.9, 1000, 2000), V_GREEN);
	assert_int_equal(verdict_metric(1000, 1000, 2000), V_YELLOW);
	assert_int_equal(verdict_metric(2000, 1000, 2000), V_YELLOW);
	assert_int_equal(verdict_metric(2000.5, 1000, 2000), V_RED);
	assert_int_equal(verdict_metric(NAN, 1000, 2000), V_UNKNOWN);

	/* nothing measured: UNKNOWN */
	verdict_judge(&b, NAN, NAN, NAN, false, &v);
	assert_int_equal(v.level, V_UNKNOWN);

	/* no output path: loss is n/a, not a failure */
	verdict_judge(&b, 100, 0.1, 50, true, &v);
	assert_int_equal(v.level, V_GREEN);
	assert_non_null(strstr(v.why, "loss n/a (no output path)"));
}

static void test_verdict_custom_budget(void **state)
{
	struct budget b;
	struct verdict_result v;
	char err[256];

	(void)state;
	budget_defaults(&b);
	assert_int_equal(budget_parse("p99=200,p99y=400,rate=50k", &b, err, sizeof(err)), 0);
	verdict_judge(&b, 290, 0.1, 0, false, &v);
	assert_int_equal(v.level, V_YELLOW);
	assert_non_null(strstr(v.why, "CPU at 50K/s"));
}

static void test_parse_num_suffix(void **state)
{
	double v;

	(void)state;
	assert_int_equal(parse_num_suffix("10k", &v), 0);
	assert_float_equal(v, 10000, 0);
	assert_int_equal(parse_num_suffix("2.5M", &v), 0);
	assert_float_equal(v, 2.5e6, 0);
	assert_int_equal(parse_num_suffix("500", &v), 0);
	assert_float_equal(v, 500, 0);
	assert_int_equal(parse_num_suffix("-1", &v), -1);
	assert_int_equal(parse_num_suffix("inf", &v), -1);
	assert_int_equal(parse_num_suffix("1kk", &v), -1);
	assert_int_equal(parse_num_suffix("", &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formula_guide_examples),
		cmocka_unit_test(test_formula_bad_inputs),
		cmocka_unit_test(test_service_table),
		cmocka_unit_test(test_budget_defaults_are_directive),
		cmocka_unit_test(test_budget_parse),
		cmocka_unit_test(test_budget_parse_errors),
		cmocka_unit_test(test_verdict_levels),
		cmocka_unit_test(test_verdict_custom_budget),
		cmocka_unit_test(test_parse_num_suffix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
