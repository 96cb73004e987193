/* SPDX-License-Identifier: GPL-2.0 */
/* Per-op timing. On x86 with an invariant TSC: rdtscp (cheaper than
 * clock_gettime; docs/bench.md); elsewhere CLOCK_MONOTONIC. Baseline and probe
 * pay the same; the calibrated cost of one empty timed interval is
 * subtracted from reported times and recorded in the environment. */
#ifndef BPFCOST_TIMER_H
#define BPFCOST_TIMER_H

#include <stdint.h>
#include <time.h>

extern double timer_ns_per_tick;
extern double timer_overhead_ns; /* median empty interval, ns */
extern const char *timer_name;   /* "rdtscp" or "clock_gettime" */
extern int timer_use_tsc;

/* Calibrate once per process (a 20 ms sleep against CLOCK_MONOTONIC). */
void timer_init(void);

static inline uint64_t timer_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	if (timer_use_tsc) {
		unsigned int aux;
		return __builtin_ia32_rdtscp(&aux);
	}
#endif
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t timer_to_ns(uint64_t ticks)
{
	return (uint64_t)((double)ticks * timer_ns_per_tick + 0.5);
}

#endif
