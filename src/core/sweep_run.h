/* SPDX-License-Identifier: GPL-2.0 */
/* sweep: a probe's cost against the event rate. One configuration
 * (workload x hook x body, consumer, threads) is opened once and measured
 * at each rate point: baseline and probe slices alternate (B P, P B, ...)
 * under the open-loop generator of pace.h, then a short slice with BPF
 * stats on gives the program's own run time. */
#ifndef BPFCOST_SWEEP_H
#define BPFCOST_SWEEP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/pace.h"
#include "core/probe.h"

#define SWEEP_MAX_THREADS 64

struct sweep_cfg {
	const struct workload *wl;
	enum hook_id hook;
	enum body_id body;
	enum arrival arrival;
	enum consumer_mode consumer;
	uint32_t buf_size;        /* 0: the probe's default */
	uint32_t batch;
	int threads;
	bool flow_multi;
	int cpu;                  /* first workload CPU; thread i on cpu + i */
	int consumer_cpu;
	uint64_t duration_ns;     /* per phase (baseline, probe) and point */
	uint64_t slice_ns;        /* target length of one slice */
	bool no_stats;
	uint64_t seed;
};

struct sweep_thread {
	int cpu;
	int tid;
	double base_ns, probe_ns;      /* mean service time per op */
	double ops_per_s;              /* probe phase */
	double events_per_s;           /* hits on its CPU / probe time */
	uint64_t ops_attached, hits;   /* the exact-count check */
};

struct sweep_point {
	char workload[32], hook[32], body[32];
	enum arrival arrival;
	enum consumer_mode consumer;
	int threads;
	bool flow_multi;
	double target_rate;            /* 0: max (closed loop) */
	enum result_status status;
	char reason[256];
	char note[512];                /* e.g. the target was beyond reach (sweep_judge) */
	/* Behind schedule: a phase issued < 95% of the ops whose time came.
	 * Its latency from the scheduled start is then the backlog of a rate
	 * not sustained (a queue that grew all slice), not a per-op latency. */
	bool base_backlog, probe_backlog;
	/* sweep_judge, for a probe phase behind schedule: */
	bool saturated;                /* with its CPU to itself it would still miss */
	bool starved;                  /* fell behind while its CPU went elsewhere */
	bool ceiling;                  /* saturated, and no point of the run did better */
	/* why it missed, where the data shows it: "reader_wakeups",
	 * "workload_cpu", "consumer_cpu", "other_work"; comma-separated */
	char causes[80];
	uint64_t base_ops, probe_ops;  /* ops issued in the measured slices */
	uint64_t base_scheduled, probe_scheduled; /* ops whose time came in them */
	uint64_t reader_wakeups;       /* consumer woken with records, probe slices */
	double wakeups_per_event, consumer_ns_per_wakeup;
	int pairs;                     /* B/P slice pairs measured */
	double slice_s;
	double achieved_rate, base_achieved_rate;
	uint64_t missed;               /* open-loop ops with no time left to run */
	uint64_t base_samples, probe_samples;
	/* latency from the scheduled start (queueing included) */
	double base_p50_ns, base_p99_ns, base_p999_ns, base_max_ns;
	double probe_p50_ns, probe_p99_ns, probe_p999_ns, probe_max_ns;
	/* latency from the actual start (service time) */
	double base_svc_p50_ns, base_svc_p99_ns, base_svc_p999_ns, base_svc_max_ns;
	double probe_svc_p50_ns, probe_svc_p99_ns, probe_svc_p999_ns, probe_svc_max_ns;
	double base_ns, probe_ns;      /* mean service time per op */
	double overhead_ns, overhead_lo, overhead_hi; /* paired slices */
	double cpu_workload_pct, cpu_workload_base_pct; /* thread CPU / wall, summed */
	double busy_pct;               /* time inside ops / wall (probe) */
	double cpu_consumer_pct;
	double consumer_ns_per_event;  /* consumer CPU / events read */
	double prog_avg_ns, prog_runs_per_op, prog_overhead_pct;
	double system_overhead_pct, sys_lo, sys_hi;
	uint64_t ops_attached, produced, consumed, lost, lost_records;
	double loss_pct, loss_lo, loss_hi;
	int cpus;                      /* online CPUs in the formula */
	int nthreads;
	struct sweep_thread th[SWEEP_MAX_THREADS];
};

struct sweep_run;

/* Open the probe of cfg, start the consumer and the workload threads. */
enum probe_status sweep_open(struct sweep_run **out, const struct sweep_cfg *cfg,
			     char *reason, size_t len);
/* Measure one rate point (rate 0: max). progress(arg, slice, slices) is
 * called between slices (may be NULL). */
void sweep_point_run(struct sweep_run *s, double target_rate, struct sweep_point *pt,
		     void (*progress)(void *arg, int slice, int slices), void *arg);
void sweep_close(struct sweep_run *s);
/* TIDs of the workload threads collide in the multi-flow key (tid % 64)? */
bool sweep_keys_collide(const struct sweep_run *s);

void sweep_point_init(struct sweep_point *pt, const struct sweep_cfg *cfg, double target_rate);
/* The points of one configuration (one probe, its rates): for each point
 * behind schedule, whether its target was beyond reach (saturated), its
 * CPU taken (starved), whether it is the ceiling (only if no point of the
 * run did better), its causes, and its note. Called again as points come
 * in: a later point can beat an earlier one. */
void sweep_judge(struct sweep_point *pts, int n);
json_object *sweep_point_json(const struct sweep_point *pt);

/* The knee: the lowest rate where a metric passes its bound, from points
 * with a per-point 95% interval [lo, hi]; rates ascending. The estimate
 * interpolates (in log rate) between the last point under the bound and
 * the first over it; its interval does the same with the points' upper
 * (earliest crossing) and lower (latest crossing) bounds. */
struct knee {
	bool found;
	bool below_range;   /* already over the bound at the lowest rate */
	double rate, lo, hi; /* NaN where open */
};
void knee_find(int n, const double *rate, const double *est, const double *lo,
	       const double *hi, double bound, struct knee *k);

#endif
