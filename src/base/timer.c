// SPDX-License-Identifier: GPL-2.0
#include "base/timer.h"
#include "base/stats.h"
#include "base/util.h"

#include <string.h>
#include <unistd.h>

double timer_ns_per_tick = 1.0;
double timer_overhead_ns;
const char *timer_name = "clock_gettime";
int timer_use_tsc;

static int tsc_is_invariant(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	int ok = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "flags", 5)) {
			ok = strstr(line, " constant_tsc") && strstr(line, " nonstop_tsc") &&
			     strstr(line, " rdtscp");
			break;
		}
	}
	fclose(f);
	return ok;
}

void timer_init(void)
{
	static int done;
	double empty[64];

	if (done)
		return;
	done = 1;
#if defined(__x86_64__) || defined(__i386__)
	if (tsc_is_invariant()) {
		uint64_t t0, c0, t1, c1;

		timer_use_tsc = 1;
		timer_name = "rdtscp";
		t0 = now_ns();
		c0 = timer_ticks();
		usleep(20000);
		t1 = now_ns();
		c1 = timer_ticks();
		timer_ns_per_tick = (double)(t1 - t0) / (double)(c1 - c0);
	}
#endif
	/* Cost of one empty interval: the median of 64 batches' minimum. */
	for (int b = 0; b < 64; b++) {
		uint64_t best = UINT64_MAX;

		for (int i = 0; i < 200; i++) {
			uint64_t a = timer_ticks();
			uint64_t z = timer_ticks();
			if (z - a < best)
				best = z - a;
		}
		empty[b] = (double)best * timer_ns_per_tick;
	}
	timer_overhead_ns = median_of(empty, 64);
}
