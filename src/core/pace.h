/* SPDX-License-Identifier: GPL-2.0 */
/* The open-loop load generator of sweep: issues workload ops at a target
 * rate with uniform or Poisson inter-arrival times, whether or not the
 * previous op was late. Each op's latency is taken from its scheduled start
 * (queueing included: no coordinated omission) and from its actual start
 * (service time). Rate 0 is the closed loop: ops back to back, to find the
 * ceiling. */
#ifndef BPFCOST_PACE_H
#define BPFCOST_PACE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/stats.h"
#include "core/workload.h"

enum arrival { ARRIVAL_UNIFORM, ARRIVAL_POISSON };
extern const char *const arrival_names[2];

struct pace {
	double rate_per_s;     /* 0: closed loop (max) */
	enum arrival arrival;
	uint64_t rng;          /* splitmix64 state */
	/* sleeping: wake this much before the deadline and spin the rest;
	 * adapts to the wake-up lateness the pacer sees */
	double slack_ns;
	double late_ewma_ns;
};

struct pace_result {
	uint64_t ops;          /* ops issued */
	uint64_t timed;        /* ops in the histograms (after the warm-up) */
	uint64_t elapsed_ns;   /* wall time of the run */
	uint64_t busy_ns;      /* time inside the timed ops */
	uint64_t cpu_ns;       /* CPU time of the calling thread */
	uint64_t scheduled;    /* open loop: ops whose time fell in the run */
	double svc_sum_ns;     /* sum of service times of the timed ops */
};

void pace_init(struct pace *p, double rate_per_s, enum arrival a, uint64_t seed);
/* The next inter-arrival gap, ns (mean 1e9 / rate). */
double pace_next_gap_ns(struct pace *p);
/* Uniform [0, 1) from the generator. */
double pace_uniform(struct pace *p);

/* Run wl for duration_ns on the calling thread. Ops started in the first
 * warm_ns are issued but not put in the histograms. h_sched: latency from
 * the scheduled start; h_svc: from the actual start (either may be NULL).
 * Timer cost is not subtracted here. Stops early on stop_requested. */
void pace_run(struct pace *p, const struct workload *wl, struct wl_ctx *c,
	      uint64_t duration_ns, uint64_t warm_ns, struct hist *h_sched,
	      struct hist *h_svc, struct pace_result *r);

#endif
