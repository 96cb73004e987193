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

static void test_boot_blocks(void **state)
{
	int block[64];
	(void)state;

	/* too few for BOOT_MIN_BLOCKS blocks: one item a block */
	assert_int_equal(boot_blocks(0, BOOT_BLOCK * BOOT_MIN_BLOCKS - 1, block),
			 BOOT_BLOCK * BOOT_MIN_BLOCKS - 1);
	assert_int_equal(block[3], 3);
	/* enough: BOOT_BLOCK each from first, the last one taking the rest */
	assert_int_equal(boot_blocks(10, BOOT_BLOCK * BOOT_MIN_BLOCKS + BOOT_BLOCK - 1, block),
			 BOOT_MIN_BLOCKS);
	assert_int_equal(block[0], 10);
	assert_int_equal(block[1], 10 + BOOT_BLOCK);
	assert_int_equal(block[BOOT_MIN_BLOCKS - 1], 10 + BOOT_BLOCK * (BOOT_MIN_BLOCKS - 1));
	assert_int_equal(boot_reps(10, 0), BOOT_REPS);
	assert_int_equal(boot_reps(100000, 100000), BOOT_MIN_REPS);
}

static void test_centre_ci_blocks(void **state)
{
	enum { N = 12 * BOOT_BLOCK };
	const double level[12] = { -3, 2, -1, 4, 0, 1, -2, 3, -4, 1, 2, -3 };
	double x[N], est, lo, hi, lo2, hi2, wlo, whi, e;
	(void)state;

	/* below BOOT_BLOCK * BOOT_MIN_BLOCKS values: as centre_ci */
	for (int i = 0; i < N; i++)
		x[i] = level[i / BOOT_BLOCK] + 0.01 * (i % BOOT_BLOCK);
	assert_string_equal(centre_ci_blocks(x, 8, &est, &lo, &hi), "hodges-lehmann");
	assert_null(centre_ci_blocks(x, 0, &est, &lo, &hi));
	/* values in runs of BOOT_BLOCK that move together (a stall across
	 * windows): 12 independent values, not 60. The blocks' interval holds
	 * the centre and is wider than Wilcoxon's, which takes 60. */
	assert_string_equal(centre_ci_blocks(x, N, &est, &lo, &hi), "block bootstrap");
	hodges_lehmann(x, N, &e, &wlo, &whi);
	assert_true(est == e);
	assert_true(lo < est && est < hi);
	assert_true(hi - lo > 1.2 * (whi - wlo));
	/* the same input, the same interval (a fixed seed) */
	centre_ci_blocks(x, N, &est, &lo2, &hi2);
	assert_true(lo == lo2 && hi == hi2);
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

static void test_hl_center_matches_hodges_lehmann(void **state)
{
	double d[40], scratch[40 * 41 / 2], est, lo, hi;
	(void)state;

	srand(7);
	for (int n = 1; n <= 40; n++) {
		for (int i = 0; i < n; i++)
			d[i] = (rand() % 1000) / 10.0 + (i % 3 ? 0 : 50);
		hodges_lehmann(d, n, &est, &lo, &hi);
		assert_float_equal(hl_center(d, n, scratch), est, 1e-9);
	}
	assert_true(isnan(hl_center(d, 0, scratch)));
}

static void test_t_distribution(void **state)
{
	(void)state;
	/* against tables: t(0.975; 4) = 2.776445, t(0.975; 10) = 2.228139 */
	assert_float_equal(t_quantile(0.975, 4), 2.776445, 1e-5);
	assert_float_equal(t_quantile(0.975, 10), 2.228139, 1e-5);
	assert_float_equal(t_quantile(0.95, 1), 6.313752, 1e-5);
	assert_float_equal(t_cdf(2.0, 10), 0.963306, 1e-6);
	assert_float_equal(t_cdf(-2.0, 10), 1 - 0.963306, 1e-6);
	assert_float_equal(t_cdf(0, 3), 0.5, 1e-12);
	/* df not whole (Welch), and near the normal for large df */
	assert_float_equal(t_cdf(t_quantile(0.9, 2.5), 2.5), 0.9, 1e-9);
	assert_float_equal(t_quantile(0.975, 1e6), 1.959966, 1e-5);
	assert_true(isnan(t_cdf(1, 0)) && isnan(t_quantile(1, 3)));
}

static void test_normal_quantile(void **state)
{
	(void)state;
	assert_float_equal(normal_quantile(0.975), 1.959963985, 1e-8);
	assert_float_equal(normal_quantile(0.95), 1.644853627, 1e-8);
	assert_float_equal(normal_quantile(0.5), 0, 1e-12);
	assert_float_equal(normal_quantile(0.001), -3.090232306, 1e-8);
	assert_float_equal(normal_quantile(0.025), -normal_quantile(0.975), 1e-10);
	assert_true(isnan(normal_quantile(0)) && isnan(normal_quantile(1)));
}

static void test_block_sample_stat(void **state)
{
	double v[] = { 1, 2, 3 }, w[] = { 30, 10, 20 };
	struct block_sample s = { .v = v, .w = w, .n = 3 };
	(void)state;

	assert_float_equal(block_sample_stat(&s), 2 * 20, 1e-12);
	s.w = NULL;
	assert_float_equal(block_sample_stat(&s), 2, 1e-12);
	/* w is not reordered */
	assert_float_equal(w[0], 30, 0);
}

static void test_boot_interval(void **state)
{
	double v[80], v2[80], lo, hi, lo2, hi2, p;
	int block[17];
	struct block_sample a = { .v = v, .n = 80 }, b = { .v = v2, .n = 80 };
	(void)state;

	srand(11);
	for (int i = 0; i < 80; i++) {
		v[i] = 50 + (rand() % 100) / 20.0;
		v2[i] = v[i] * 1.3;
	}
	for (int k = 0; k <= 16; k++)
		block[k] = 5 * k;
	/* one sample: the interval holds the statistic; the same every time */
	assert_int_equal(boot_interval(&a, NULL, false, 1000, 0.95, &lo, &hi, NULL), 0);
	double c = block_sample_stat(&a);
	assert_true(lo < c && c < hi);
	assert_int_equal(boot_interval(&a, NULL, false, 1000, 0.95, &lo2, &hi2, NULL), 0);
	assert_float_equal(lo, lo2, 0);
	assert_float_equal(hi, hi2, 0);
	/* a sample against itself: the ratio's interval holds 0, p is large */
	assert_int_equal(boot_interval(&a, &a, true, 1000, 0.95, &lo, &hi, &p), 0);
	assert_true(lo < 0 && hi > 0 && p > 0.2);
	/* 30% dearer: the interval holds +0.3 and not 0; p as small as 1000
	 * resamples tell */
	assert_int_equal(boot_interval(&a, &b, true, 1000, 0.95, &lo, &hi, &p), 0);
	assert_true(lo > 0.2 && lo < 0.3 && hi > 0.3 && hi < 0.4);
	assert_float_equal(p, 0.001, 1e-12);
	/* the difference, not the ratio */
	assert_int_equal(boot_interval(&a, &b, false, 1000, 0.95, &lo, &hi, NULL), 0);
	assert_true(lo > 0 && lo < 0.3 * c && hi > 0.3 * c);
	/* a slow drift: blocks of consecutive items see it, items alone do not */
	for (int i = 0; i < 80; i++)
		v[i] = 50 + (i / 20) * 3 + (rand() % 100) / 100.0;
	boot_interval(&a, NULL, false, 1000, 0.95, &lo, &hi, NULL);
	a.block = block;
	a.nblocks = 16;
	boot_interval(&a, NULL, false, 1000, 0.95, &lo2, &hi2, NULL);
	assert_true(hi2 - lo2 > 1.2 * (hi - lo));
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
		cmocka_unit_test(test_hl_center_matches_hodges_lehmann),
		cmocka_unit_test(test_normal_quantile),
		cmocka_unit_test(test_t_distribution),
		cmocka_unit_test(test_block_sample_stat),
		cmocka_unit_test(test_boot_interval),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_name_list),
		cmocka_unit_test(test_centre_ci),
		cmocka_unit_test(test_boot_blocks),
		cmocka_unit_test(test_centre_ci_blocks),
		cmocka_unit_test(test_log_last_lines),
		cmocka_unit_test(test_usage_first_line_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
