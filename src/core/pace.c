// SPDX-License-Identifier: GPL-2.0
#include "core/pace.h"
#include "base/timer.h"
#include "base/util.h"

#include <math.h>
#include <string.h>
#include <time.h>

const char *const arrival_names[2] = { "uniform", "poisson" };

#define MIN_SLEEP_NS 5000.0   /* shorter waits spin: a sleep costs more */
#define SLACK_MIN_NS 5000.0
#define SLACK_MAX_NS 100000.0

void pace_init(struct pace *p, double rate_per_s, enum arrival a, uint64_t seed)
{
	memset(p, 0, sizeof(*p));
	p->rate_per_s = rate_per_s;
	p->arrival = a;
	p->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
	p->late_ewma_ns = 20000;
	p->slack_ns = 22000;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double pace_uniform(struct pace *p)
{
	return (double)(splitmix64(&p->rng) >> 11) * (1.0 / 9007199254740992.0);
}

double pace_next_gap_ns(struct pace *p)
{
	double mean = p->rate_per_s > 0 ? 1e9 / p->rate_per_s : 0;

	if (p->arrival == ARRIVAL_POISSON)
		return -log1p(-pace_uniform(p)) * mean; /* exponential gaps */
	return mean;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Sleep (absolute CLOCK_MONOTONIC deadline) until slack_ns before the op's
 * time, then spin on the timer: sleeping alone would start ops as late as
 * the wake-up latency (docs/sweep.md). */
static void wait_until(struct pace *p, uint64_t deadline)
{
	for (;;) {
		uint64_t now = timer_ticks();
		double rem_ns;

		if (now >= deadline || stop_requested)
			return;
		rem_ns = (double)(deadline - now) * timer_ns_per_tick;
		if (rem_ns > p->slack_ns + MIN_SLEEP_NS) {
			struct timespec ts;
			/* at most 50 ms at a time: a stop request is seen soon
			 * (signals go to the main thread, not here) */
			double sleep_ns = fmin(rem_ns - p->slack_ns, 50e6);
			uint64_t want = now + (uint64_t)(sleep_ns / timer_ns_per_tick), after;
			double late;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_nsec += (long)sleep_ns;
			while (ts.tv_nsec >= 1000000000L) {
				ts.tv_nsec -= 1000000000L;
				ts.tv_sec++;
			}
			if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
				continue; /* EINTR: look again */
			after = timer_ticks();
			late = after > want ? (double)(after - want) * timer_ns_per_tick : 0;
			/* a wake-up the host delayed by milliseconds says nothing
			 * about the next: clamp it, or the slack (spun CPU) balloons */
			p->late_ewma_ns = 0.9 * p->late_ewma_ns + 0.1 * fmin(late, 100000);
			/* about the usual lateness: a wider slack starts more ops
			 * on time but spins more, and a spinning thread loses
			 * the CPU to others on a busy machine (a sleeper wins it) */
			p->slack_ns = fmin(SLACK_MAX_NS, fmax(SLACK_MIN_NS, p->late_ewma_ns + 2000));
		} else {
			cpu_relax();
		}
	}
}

void pace_run(struct pace *p, const struct workload *wl, struct wl_ctx *c,
	      uint64_t duration_ns, uint64_t warm_ns, struct hist *h_sched,
	      struct hist *h_svc, struct pace_result *r)
{
	long (*op)(struct wl_ctx *) = wl->op;
	void (*prep)(struct wl_ctx *) = wl->prep;
	const bool open = p->rate_per_s > 0;
	const double ticks_per_ns = 1.0 / timer_ns_per_tick;
	uint64_t t0, end, warm_end, busy = 0, cpu0, now;
	double next_ns = 0;

	memset(r, 0, sizeof(*r));
	cpu0 = thread_cpu_ns();
	t0 = timer_ticks();
	end = t0 + (uint64_t)((double)duration_ns * ticks_per_ns);
	warm_end = t0 + (uint64_t)((double)warm_ns * ticks_per_ns);
	for (;;) {
		uint64_t sched, ts, te;

		if (stop_requested)
			break;
		if (open) {
			sched = t0 + (uint64_t)(next_ns * ticks_per_ns);
			/* Ops scheduled after the end are not issued, nor are
			 * those still queued when it comes: an overloaded
			 * point ends on time and reports what it achieved. */
			if (sched >= end || timer_ticks() >= end)
				break;
			if (prep)
				prep(c); /* untimed, before the op's time comes */
			wait_until(p, sched);
			ts = timer_ticks();
		} else {
			if (timer_ticks() >= end)
				break;
			if (prep)
				prep(c);
			ts = sched = timer_ticks();
		}
		op(c);
		te = timer_ticks();
		r->ops++;
		busy += te - ts;
		/* warm-up by actual start: an overloaded open loop issues
		 * only early-scheduled ops, which must still be timed */
		if (ts >= warm_end) {
			uint64_t svc = timer_to_ns(te - ts);

			if (h_sched)
				hist_add(h_sched, timer_to_ns(te - sched));
			if (h_svc)
				hist_add(h_svc, svc);
			r->timed++;
			r->svc_sum_ns += (double)svc;
		}
		if (open)
			next_ns += pace_next_gap_ns(p);
	}
	now = timer_ticks();
	r->scheduled = r->ops;
	/* the ops an overloaded open loop had no time for */
	while (open && !stop_requested && t0 + (uint64_t)(next_ns * ticks_per_ns) < end) {
		r->scheduled++;
		next_ns += pace_next_gap_ns(p);
	}
	/* An open loop that kept up ends at its schedule's end even when the
	 * last op came earlier: the rate is ops / scheduled time. */
	if (open && now < end && !stop_requested)
		now = end;
	r->elapsed_ns = timer_to_ns(now - t0);
	r->busy_ns = timer_to_ns(busy);
	r->cpu_ns = thread_cpu_ns() - cpu0;
}
