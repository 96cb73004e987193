// SPDX-License-Identifier: GPL-2.0
/* sweep_judge on synthetic points: a rate is the ceiling only if no point
 * of the run did better; a missed target names the causes its data
 * shows; latency at a rate not sustained is flagged as backlog. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/sweep_run.h"

/* A measured point: target (0: max), achieved rate, the workload
 * thread's CPU and time inside ops (%), and whether its probe slices
 * fell behind schedule. */
static void point(struct sweep_point *p, double target, double achieved, double cpu_pct,
		  double busy_pct, bool behind)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->workload, sizeof(p->workload), "munmap");
	snprintf(p->hook, sizeof(p->hook), "tp");
	snprintf(p->body, sizeof(p->body), "ringbuf");
	p->consumer = CONSUMER_EVENT;
	p->threads = 1;
	p->status = RES_OK;
	p->target_rate = target;
	p->achieved_rate = achieved;
	p->cpu_workload_pct = cpu_pct;
	p->busy_pct = busy_pct;
	p->probe_backlog = behind;
	p->probe_ns = 1e9 / achieved * busy_pct / 100;
	p->wakeups_per_event = p->consumer_ns_per_wakeup = p->cpu_consumer_pct = NAN;
}

/* The sweep: 100k/s missed at 84,803/s while the 1m point then
 * reached 97,229/s. Neither 100k nor a later, better point is a ceiling
 * but the best one. */
static void test_beaten_is_no_ceiling(void **state)
{
	struct sweep_point p[2];
	(void)state;

	point(&p[0], 100000, 84803, 99, 97, true);
	p[0].reader_wakeups = 420000;
	p[0].wakeups_per_event = 0.99;
	p[0].consumer_ns_per_wakeup = 17100;
	p[0].cpu_consumer_pct = 40;
	point(&p[1], 1000000, 97229, 100, 96, true);
	p[1].reader_wakeups = 24000;
	p[1].wakeups_per_event = 0.05;
	p[1].consumer_ns_per_wakeup = 20000;
	p[1].cpu_consumer_pct = 10;
	sweep_judge(p, 2);
	assert_true(p[0].saturated);
	assert_false(p[0].ceiling);
	assert_null(strstr(p[0].note, "the ceiling here"));
	assert_non_null(strstr(p[0].note, "not a ceiling: the 1000000/s point reached 97229/s"));
	/* its causes: wake-ups per event (fewer at the better point) and
	 * the workload thread inside its ops nearly all the time */
	assert_string_equal(p[0].causes, "reader_wakeups,workload_cpu");
	assert_non_null(strstr(p[0].note, "reader wake-ups: 420000 (0.99 per event, 17.1 us"));
	assert_non_null(strstr(p[0].note, "at 1000000/s the reader woke 0.05 times per event"));
	assert_non_null(strstr(p[0].note, "latency from the scheduled start is backlog"));
	/* the best point is the ceiling */
	assert_true(p[1].ceiling);
	assert_non_null(strstr(p[1].note, "(the ceiling here)"));
	assert_string_equal(p[1].causes, "workload_cpu");
}

/* Points in any order; a max point (closed loop) that did better takes
 * the ceiling from a saturated open-loop point, and is never behind. */
static void test_max_point(void **state)
{
	struct sweep_point p[3];
	(void)state;

	point(&p[0], 1000, 1000, 5, 4, false);
	point(&p[1], 1000000, 90000, 100, 95, true);
	point(&p[2], 0, 91000, 100, 96, false);
	sweep_judge(p, 3);
	assert_false(p[0].ceiling);
	assert_string_equal(p[0].note, "");
	assert_false(p[1].ceiling);
	assert_non_null(strstr(p[1].note, "not a ceiling: the max point reached 91000/s"));
	assert_false(p[2].ceiling); /* closed loop: never behind a schedule */
	assert_false(p[2].probe_backlog);
	/* a target another point reached is not "beyond reach" */
	point(&p[0], 50000, 40000, 100, 95, true);
	sweep_judge(p, 3);
	assert_null(strstr(p[0].note, "beyond reach"));
	assert_non_null(strstr(p[0].note, "fell behind (40000/s of 50000/s)"));
	assert_non_null(strstr(p[0].note, "not a ceiling: the max point reached 91000/s"));
	assert_false(p[0].ceiling);
	point(&p[0], 1000, 1000, 5, 4, false);
	/* judged again with the max point lower: 1m is the ceiling now */
	p[2].achieved_rate = 89000;
	sweep_judge(p, 3);
	assert_true(p[1].ceiling);
	assert_non_null(strstr(p[1].note, "the ceiling here"));
}

/* Behind with the CPU elsewhere: starved, never a ceiling; the reader's
 * CPU is a cause when it was nearly all used. */
static void test_starved_and_consumer(void **state)
{
	struct sweep_point p[2];
	(void)state;

	point(&p[0], 100000, 55744, 58, 50, true);
	sweep_judge(p, 1);
	assert_true(p[0].starved);
	assert_false(p[0].saturated);
	assert_false(p[0].ceiling);
	assert_string_equal(p[0].causes, "other_work");
	assert_non_null(strstr(p[0].note, "other work took the CPU"));

	point(&p[1], 100000, 60000, 100, 60, true);
	p[1].cpu_consumer_pct = 97;
	sweep_judge(&p[1], 1);
	assert_true(p[1].ceiling);
	assert_string_equal(p[1].causes, "workload_cpu,consumer_cpu");
	assert_non_null(strstr(p[1].note, "the thread ran 100% of the time, 60% inside"));
	assert_non_null(strstr(p[1].note, "the reader used 97% of its CPU"));
}

/* A baseline behind schedule is backlog too; a point on schedule has no
 * note; a failed point is left alone. */
static void test_backlog(void **state)
{
	struct sweep_point p[3];
	(void)state;

	point(&p[0], 100000, 99000, 90, 80, false);
	p[0].base_backlog = true;
	point(&p[1], 10000, 10000, 20, 15, false);
	point(&p[2], 1000, NAN, 0, 0, false);
	p[2].status = RES_FAILED;
	snprintf(p[2].note, sizeof(p[2].note), "kept");
	sweep_judge(p, 3);
	assert_non_null(strstr(p[0].note, "backlog (baseline behind schedule)"));
	assert_false(p[0].ceiling);
	assert_string_equal(p[0].causes, "");
	assert_string_equal(p[1].note, "");
	assert_string_equal(p[2].note, "kept");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_beaten_is_no_ceiling),
		cmocka_unit_test(test_max_point),
		cmocka_unit_test(test_starved_and_consumer),
		cmocka_unit_test(test_backlog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
