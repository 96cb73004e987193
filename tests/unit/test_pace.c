// SPDX-License-Identifier: GPL-2.0
/* The open-loop generator (pace.c): inter-arrival statistics, the paced
 * rate on a workload that costs nothing, and the knee (sweep_run.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/pace.h"
#include "base/stats.h"
#include "core/sweep_run.h"
#include "base/timer.h"

#define NGAPS 200000

static void gaps(enum arrival a, double rate, double *mean, double *cv)
{
	double *x = malloc(NGAPS * sizeof(double)), s = 0;
	struct pace p;

	assert_non_null(x);
	pace_init(&p, rate, a, 42);
	for (int i = 0; i < NGAPS; i++) {
		x[i] = pace_next_gap_ns(&p);
		s += x[i];
	}
	*mean = s / NGAPS;
	*cv = coeff_of_variation(x, NGAPS);
	free(x);
}

static void test_poisson_cv(void **state)
{
	double mean, cv;

	(void)state;
	gaps(ARRIVAL_POISSON, 10000, &mean, &cv);
	/* exponential gaps: CV 1; 200k samples put it within ~0.5% */
	assert_true(fabs(cv - 1.0) < 0.03);
	assert_true(fabs(mean - 100000.0) / 100000.0 < 0.01);
}

static void test_uniform_gaps(void **state)
{
	double mean, cv;

	(void)state;
	gaps(ARRIVAL_UNIFORM, 1000, &mean, &cv);
	assert_float_equal(mean, 1e6, 1e-6);
	assert_true(cv < 1e-9);
}

static void test_seed_repeats(void **state)
{
	struct pace a, b;

	(void)state;
	pace_init(&a, 1000, ARRIVAL_POISSON, 7);
	pace_init(&b, 1000, ARRIVAL_POISSON, 7);
	for (int i = 0; i < 1000; i++)
		assert_true(pace_next_gap_ns(&a) == pace_next_gap_ns(&b));
	for (int i = 0; i < 1000; i++) {
		double u = pace_uniform(&a);
		assert_true(u >= 0 && u < 1);
	}
}

static long nop_op(struct wl_ctx *c)
{
	c->seq++;
	return 0;
}

static const struct workload nop_wl = { "nop", "nothing", "none", -1, NULL, NULL, NULL, NULL, nop_op };

/* 1k/s and 10k/s are reached within 10% (an op that costs nothing: only
 * the pacing is measured). The machine is shared: a run the host starved
 * is tried again, up to five times. */
static double paced_once(double rate, enum arrival a, uint64_t seed)
{
	struct pace p;
	struct pace_result r;
	struct wl_ctx c = { 0 };
	struct hist *h = malloc(sizeof(*h));
	double achieved;

	assert_non_null(h);
	hist_reset(h);
	timer_init();
	pace_init(&p, rate, a, seed);
	pace_run(&p, &nop_wl, &c, 300000000ULL, 0, h, NULL, &r);
	achieved = (double)r.ops * 1e9 / (double)r.elapsed_ns;
	assert_true(r.ops == c.seq);
	assert_true(h->n == r.ops);
	assert_true(r.scheduled >= r.ops);
	free(h);
	return fabs(achieved - rate) / rate;
}

static void paced(double rate, enum arrival a)
{
	/* Poisson counts vary: sqrt(3000) ~ 2% at 10k/s */
	double tol = a == ARRIVAL_UNIFORM ? 0.10 : 0.15, err = INFINITY;

	for (int i = 0; i < 5 && err >= tol; i++)
		err = fmin(err, paced_once(rate, a, 3 + (uint64_t)i));
	if (err >= tol)
		print_message("# %.0f/s %s: off by %.1f%%\n", rate, arrival_names[a], err * 100);
	assert_true(err < tol);
}

static void test_paced_rates(void **state)
{
	(void)state;
	paced(1000, ARRIVAL_UNIFORM);
	paced(10000, ARRIVAL_UNIFORM);
	paced(10000, ARRIVAL_POISSON);
}

static void test_closed_loop(void **state)
{
	struct pace p;
	struct pace_result r;
	struct wl_ctx c = { 0 };

	(void)state;
	timer_init();
	pace_init(&p, 0, ARRIVAL_UNIFORM, 1);
	pace_run(&p, &nop_wl, &c, 50000000ULL, 10000000ULL, NULL, NULL, &r);
	assert_true(r.ops > 1000);
	assert_true(r.timed < r.ops); /* the warm-up is issued, not timed */
	assert_true(r.elapsed_ns >= 50000000ULL);
}

static void test_knee(void **state)
{
	double rate[] = { 1000, 10000, 100000, 1000000 };
	double est[] = { 0.1, 0.5, 2, 10 };
	double lo[] = { 0.05, 0.4, 1.5, 9 };
	double hi[] = { 0.2, 1.2, 2.5, 11 };
	double low[] = { 0.01, 0.02, 0.03, 0.04 };
	double over[] = { 5, 6, 7, 8 };
	struct knee k;

	(void)state;
	knee_find(4, rate, est, lo, hi, 1.0, &k);
	assert_true(k.found);
	assert_false(k.below_range);
	/* 0.5 -> 2 between 10k and 100k: a third of the way in log rate */
	assert_float_equal(k.rate, pow(10, 4 + 1.0 / 3), 1e-6);
	/* the upper bounds cross earlier (1.2 at 10k), the lower later */
	assert_true(k.lo < k.rate && k.lo > 1000 && k.lo <= 10000);
	assert_true(k.hi > k.rate && k.hi <= 100000);

	knee_find(4, rate, low, low, low, 1.0, &k);
	assert_false(k.found);
	assert_true(isnan(k.rate));

	knee_find(4, rate, over, over, over, 1.0, &k);
	assert_true(k.found);
	assert_true(k.below_range);
	assert_float_equal(k.rate, 1000, 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poisson_cv),
		cmocka_unit_test(test_uniform_gaps),
		cmocka_unit_test(test_seed_repeats),
		cmocka_unit_test(test_paced_rates),
		cmocka_unit_test(test_closed_loop),
		cmocka_unit_test(test_knee),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
