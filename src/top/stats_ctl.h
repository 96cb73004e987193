/* SPDX-License-Identifier: GPL-2.0 */
/* BPF run-time statistics for `bpfcost top`: turning them on (and back
 * off on every exit path) and measuring what they cost per program run. */
#ifndef BPFCOST_TOP_STATS_H
#define BPFCOST_TOP_STATS_H

#include <stdbool.h>
#include <stdint.h>

enum top_stats_method { STATS_AUTO, STATS_FD, STATS_SYSCTL };

struct top_stats {
	bool were_on;        /* stats counted runs before we started (any holder) */
	bool on;             /* on now (by us or someone else) */
	enum top_stats_method method; /* how we hold them on */
	int fd;              /* BPF_ENABLE_STATS fd, -1 */
	int sysctl_prev;     /* value to write back, -1 when we did not touch it */
	/* What stats add to each program run, all of it (two clock reads and
	 * a counter update), measured on a real hook: NaN when not measured. */
	double cost_ns, cost_lo_ns, cost_hi_ns; /* estimate, 95% interval */
	/* An empty program's AVG under stats on that hook: the part of the
	 * cost that falls inside a program's timed run (AVG) is at most this. */
	double cost_in_avg_max_ns;
	int cost_pairs;
	char cost_note[160]; /* why not measured, or how it was */
	void *calib;         /* struct top_calib_bpf *, until calibrated */
};

/* Turn stats on. Returns 0 or an exit code after printing one line. */
int top_stats_enable(struct top_stats *s, enum top_stats_method want);
/* Close the fd / write back the sysctl. Safe to call twice. */
void top_stats_restore(struct top_stats *s);
/* Re-read kernel.bpf_stats_enabled into s->on. */
void top_stats_refresh(struct top_stats *s);
/* Measure the stats' cost per run on a raw tracepoint (bench's paired
 * method, trials with stats off and on). Leaves stats on. Fills cost_ns
 * or cost_note; never fails the command. */
void top_stats_calibrate(struct top_stats *s);
/* Unload the calibration program without measuring (--no-calibrate). */
void top_stats_release(struct top_stats *s);
const char *top_stats_method_str(const struct top_stats *s);

#endif
