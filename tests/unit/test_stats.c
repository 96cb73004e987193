// SPDX-License-Identifier: GPL-2.0
/* Statistics (stats.c) and argument parsing and log helpers (util.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/stats.h"
#include "base/util.h"

static void test_hist_buckets_contiguous(void **state)
{
	(void)state;
	/* every bucket starts where the previous one ended */
	for (int b = 1; b < HIST_BUCKETS; b++)
		assert_int_equal(hist_bucket_lo(b), hist_bucket_hi(b - 1));
	/* a value falls in the bucket whose range holds it */
	uint64_t vals[] = { 0, 1, 999, 1023, 1024, 1025, 1500, 4096, 123456, 987654321ULL };
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		int b = hist_bucket(vals[i]);
		assert_true(hist_bucket_lo(b) <= vals[i]);
		assert_true(vals[i] < hist_bucket_hi(b));
	}
	/* 1 ns resolution below 1024 ns, < 1% relative width above */
	assert_int_equal(hist_bucket_hi(hist_bucket(500)) - hist_bucket_lo(hist_bucket(500)), 1);
	for (int b = HIST_LINEAR; b < HIST_BUCKETS - 1; b++)
		assert_true((double)(hist_bucket_hi(b) - hist_bucket_lo(b)) / hist_bucket_lo(b) < 0.01);
}

static void test_hist_quantiles(void **state)
{
	struct hist *h = malloc(sizeof(*h));
	(void)state;

	hist_reset(h);
	assert_true(isnan(hist_quantile(h, 0.5)));
	for (uint64_t v = 1; v <= 1000; v++)
		hist_add(h, v);
	assert_int_equal(h->n, 1000);
	assert_float_equal(hist_quantile(h, 0.50), 500, 0.0);
	assert_float_equal(hist_quantile(h, 0.99), 990, 0.0);
	assert_float_equal(hist_quantile(h, 0.999), 999, 0.0);
	assert_float_equal(hist_quantile(h, 1.0), 1000, 0.0);
	assert_float_equal(hist_mean(h), 500.5, 1e-4);
	/* above the linear range: within the bucket's 0.8% */
	hist_reset(h);
	for (int i = 0; i < 100; i++)
		hist_add(h, 50000);
	assert_float_equal(hist_quantile(h, 0.5), 50000, 50000 * 0.008);
	/* the max is exact */
	hist_add(h, 1234567);
	assert_int_equal(h->max_ns, 1234567);
	free(h);
}

static void test_hist_merge(void **state)
{
	struct hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	(void)state;

	hist_reset(a);
	hist_reset(b);
	hist_add(a, 10);
	hist_add(b, 20);
	hist_add(b, 5000);
	hist_merge(a, b);
	assert_int_equal(a->n, 3);
	assert_int_equal(a->max_ns, 5000);
	assert_float_equal(a->sum_ns, 5030, 1e-4);
	free(a);
	free(b);
}

static void test_summary_t_interval(void **state)
{
	/* a textbook sample: mean 5 */
	double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct summary s;
	(void)state;

	summarize(x, 8, &s);
	assert_float_equal(s.mean, 5, 1e-4);
	assert_float_equal(s.sd, sqrt(32.0 / 7), 1e-4);
	assert_float_equal(s.median, 4.5, 1e-4);
	/* t(0.975, 7) = 2.365 */
	assert_float_equal(s.ci_hi - s.mean, 2.365 * sqrt(32.0 / 7) / sqrt(8), 1e-4);
	assert_float_equal(s.mean - s.ci_lo, s.ci_hi - s.mean, 1e-4);
	summarize(x, 1, &s);
	assert_true(isnan(s.ci_lo) && isnan(s.sd));
	assert_float_equal(t_975(1), 12.706, 1e-4);
	assert_float_equal(t_975(30), 2.042, 1e-4);
	assert_true(fabs(t_975(100000) - 1.96) < 0.001);
}

static void test_hodges_lehmann(void **state)
{
	double sym[] = { -3, -2, -1, 0, 1, 2, 3 };
	double shifted[20], est, lo, hi;
	(void)state;

	hodges_lehmann(sym, 7, &est, &lo, &hi);
	assert_float_equal(est, 0, 1e-4);
	assert_true(lo < 0 && hi > 0);
	/* a shift moves the estimate and the interval by the same amount */
	for (int i = 0; i < 20; i++)
		shifted[i] = 50 + (i % 5) - 2;
	hodges_lehmann(shifted, 20, &est, &lo, &hi);
	assert_float_equal(est, 50, 1e-4);
	assert_true(lo <= 50 && hi >= 50 && hi - lo < 4);
	/* one wild trial barely moves it (the mean would move by 50) */
	shifted[0] = 1050;
	hodges_lehmann(shifted, 20, &est, &lo, &hi);
	assert_true(fabs(est - 50) < 1);
	/* too few pairs for an interval */
	hodges_lehmann(sym, 5, &est, &lo, &hi);
	assert_true(isnan(lo) && isnan(hi));
}

static void test_cv_poisson_like(void **state)
{
	double c[] = { 10, 10, 10, 10 };
	(void)state;
	assert_float_equal(coeff_of_variation(c, 4), 0, 1e-4);
}

static void test_parse_u64(void **state)
{
	uint64_t v;
	(void)state;

	assert_int_equal(parse_u64("10k", &v), 0);
	assert_int_equal(v, 10000);
	assert_int_equal(parse_u64("1m", &v), 0);
	assert_int_equal(v, 1000000);
	assert_int_equal(parse_u64("2.5k", &v), 0);
	assert_int_equal(v, 2500);
	assert_int_equal(parse_u64("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_u64("-1", &v), -1);
	assert_int_equal(parse_u64("abc", &v), -1);
	assert_int_equal(parse_u64("10x", &v), -1);
	assert_int_equal(parse_u64("1.5", &v), -1);
	assert_int_equal(parse_u64("", &v), -1);
}

static void test_parse_name_list(void **state)
{
	const char *const names[] = { "tp", "rawtp", "tp_btf" };
	uint64_t mask;
	(void)state;

	assert_int_equal(parse_name_list("--hook", "tp,tp_btf", names, 3, &mask), 0);
	assert_int_equal(mask, 0x5);
	assert_int_equal(parse_name_list("--hook", "all", names, 3, &mask), 0);
	assert_int_equal(mask, 0x7);
	/* unknown names and empty lists are usage errors (one line on stderr) */
	assert_int_equal(parse_name_list("--hook", "tp,nope", names, 3, &mask), -1);
	assert_int_equal(parse_name_list("--hook", "", names, 3, &mask), -1);
	assert_int_equal(parse_name_list("--hook", ",", names, 3, &mask), -1);
}

static void test_centre_ci(void **state)
{
	const double few[] = { 1, 2, 6 }, many[] = { 1, 2, 3, 4, 5, 6, 7, 100 };
	double est, lo, hi, hl, hl_lo, hl_hi;
	(void)state;

	assert_null(centre_ci(few, 0, &est, &lo, &hi));
	assert_true(isnan(est) && isnan(lo) && isnan(hi));
	/* fewer than 6: the mean and its t interval */
	assert_string_equal(centre_ci(few, 3, &est, &lo, &hi), "t");
	assert_true(fabs(est - 3) < 1e-9 && lo < est && est < hi);
	/* 6 or more: Hodges-Lehmann, which the outlier hardly moves */
	assert_string_equal(centre_ci(many, 8, &est, &lo, &hi), "hodges-lehmann");
	hodges_lehmann(many, 8, &hl, &hl_lo, &hl_hi);
	assert_true(est == hl && lo == hl_lo && hi == hl_hi);
	assert_true(est < 10);
}

static void test_log_last_lines(void **state)
{
	const char *log =
		"libbpf: prog 'bad': BPF program load failed: Permission denied\n"
		"libbpf: prog 'bad': -- BEGIN PROG LOAD LOG --\n"
		"0: R1=ctx() R10=fp0\n"
		"1: (61) r0 = *(u32 *)(r2 +0)\n"
		"R2 invalid mem access 'scalar'\n"
		"processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0\n"
		"-- END PROG LOAD LOG --\n"
		"libbpf: prog 'bad': failed to load: -13\n"
		"libbpf: failed to load object 'bad_verify.bpf.o'\n";
	char buf[256];
	(void)state;

	/* the verifier's complaint, past the statistics and libbpf's wrap-ups */
	assert_string_equal(log_last_lines(log, 1, buf, sizeof(buf)), "R2 invalid mem access 'scalar'");
	assert_string_equal(log_last_lines(log, 2, buf, sizeof(buf)),
			    "1: (61) r0 = *(u32 *)(r2 +0) | R2 invalid mem access 'scalar'");
	assert_string_equal(log_last_lines("\n  \n", 1, buf, sizeof(buf)), "");
}

static void test_usage_first_line_only(void **state)
{
	(void)state;
	/* while a command line is parsed, every bad value counts, the first is said */
	usage_errors_begin();
	assert_int_equal(usage_error("first"), EXIT_USAGE);
	assert_int_equal(usage_error("second"), EXIT_USAGE);
	assert_int_equal(usage_errors_end(), 2);
	usage_errors_begin();
	assert_int_equal(usage_errors_end(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_buckets_contiguous),
		cmocka_unit_test(test_hist_quantiles),
		cmocka_unit_test(test_hist_merge),
		cmocka_unit_test(test_summary_t_interval),
		cmocka_unit_test(test_hodges_lehmann),
		cmocka_unit_test(test_cv_poisson_like),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_name_list),
		cmocka_unit_test(test_centre_ci),
		cmocka_unit_test(test_log_last_lines),
		cmocka_unit_test(test_usage_first_line_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
