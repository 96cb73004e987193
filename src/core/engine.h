/* SPDX-License-Identifier: GPL-2.0 */
/* The bench method: alternate baseline and probe trials on a pinned CPU,
 * paired differences with a t interval, per-op latency histograms, exact
 * event counts, then a separate BPF-stats phase for the program's own run
 * time. Used by bench (built-in probes) and by anything else that has a
 * probe to measure on a workload. */
#ifndef BPFCOST_ENGINE_H
#define BPFCOST_ENGINE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/probe.h"
#include "base/stats.h"
#include "core/workload.h"

struct bench_opts {
	uint64_t ops;       /* timed ops per trial and phase; 0: sized by time */
	int trials;         /* baseline/probe pairs (the minimum when max_trials > trials) */
	/* Adaptive length: after `trials` pairs, go on until the interval's
	 * half-width is within max(ci_ns, ci_pct % of the estimate), for at
	 * most max_trials pairs and max_s seconds of pairs. */
	int max_trials;
	double max_s, ci_ns, ci_pct;
	int cpu;            /* workload CPU */
	int consumer_cpu;   /* output consumer CPU */
	double trial_ms;    /* target length of one trial when ops == 0 */
	bool no_stats;      /* skip the BPF stats phases */
	/* A stats phase after every stats_every pairs (0: one, at the end),
	 * so that the program's own time is sampled across the run. */
	int stats_every;
	/* After each timed pair, an untimed one (the whole loop timed, not
	 * each op): does timing every op change the probe's delta? */
	bool check_timing;
	/* A fresh instance of the target (its reload) every this many pairs;
	 * 0: one instance for the whole row. */
	int reload_every;
};

/* A map of a user's object (bench --obj): its entries when the row began
 * and when it ended, and its capacity. entries < 0: not counted (a map
 * whose fill means nothing, such as an array or a ring). */
struct map_fill {
	char name[32], type[24];
	uint32_t max_entries;
	long entries_start, entries_end;
};

enum result_status { RES_OK, RES_UNSUPPORTED, RES_FAILED };
extern const char *const result_status_names[];

struct bench_result {
	char workload[32], hook[32], body[64];
	enum result_status status;
	char reason[512];
	uint64_t ops;         /* ops issued while the probe was attached */
	uint64_t events;      /* times the probe passed its filter */
	uint64_t consumed, lost; /* output bodies: read by the consumer, dropped */
	uint64_t samples;     /* individually timed ops per phase */
	int trials;
	const char *stopped_by; /* "fixed", "interval", "time", "max-trials" */
	uint64_t ops_per_trial;
	/* ns per op, timer cost removed: the median of the trials' means */
	double base_ns, probe_ns;
	/* Hodges-Lehmann of the pairs' relative differences (probe/base - 1)
	 * times base_ns, with its 95% interval likewise */
	double overhead_ns, ci_lo, ci_hi, overhead_pct;
	double diff_ns, diff_ci_lo, diff_ci_hi; /* HL of the plain differences */
	double overhead_mean_ns, mean_ci_lo, mean_ci_hi; /* the plain mean, t interval */
	double base_p50_ns, base_p99_ns, base_p999_ns, base_max_ns;
	double probe_p50_ns, probe_p99_ns, probe_p999_ns, probe_max_ns;
	double prog_avg_ns;   /* run_time_ns / run_cnt, stats phase */
	double prog_runs_per_op; /* run_cnt / ops: > 1 when the hook fires for others too */
	double prog_ns_per_op;   /* run_time_ns / ops */
	/* The split, from the stats phases (README, Method 7): prog_avg_ns is
	 * the median over the phases, with prog_lo/hi; floor_ns the run time
	 * of a program that does nothing on the same hook, measured beside
	 * it (what BPF stats put into a run's measured time); body_ns the
	 * median of the phases' prog - floor; dispatch_ns = overhead_ns -
	 * body_ns, its interval from both. split: NULL (no stats phase),
	 * "resolved", or "unresolved" with split_reason (then dispatch_ns
	 * is NaN: never a number that contradicts the overhead). */
	int stats_phases;
	double prog_lo, prog_hi;
	double floor_ns, floor_lo, floor_hi;
	double body_ns, body_lo, body_hi;
	double dispatch_ns, dispatch_lo, dispatch_hi;
	const char *split;
	char split_reason[256];
	double *prog_phases_ns, *floor_phases_ns; /* per stats phase (owned) */
	/* check_timing: untimed pairs and their plain differences' estimate;
	 * timing_effect: timed minus untimed difference, pair by pair */
	int untimed_pairs;
	double untimed_diff_ns, untimed_lo, untimed_hi;
	double timing_effect_ns, timing_effect_lo, timing_effect_hi;
	/* bench --obj: its maps' fill (owned), and which of --repeat's runs */
	struct map_fill *maps;
	int nmaps, run;
	double *base_trials_ns, *probe_trials_ns; /* per-trial means (owned) */
	/* BPF stats counted runs during the trials: someone (bpftop, bpfcost
	 * top, the sysctl) holds them on, and every run paid two clock reads */
	bool stats_on_in_trials;
	int instances; /* probe instances loaded for the trials (bench's reloads) */
	/* kernel memory of the output buffers (ring buffer memlock; perf
	 * array memlock + its per-CPU rings); 0: no output path */
	uint64_t buf_kernel_bytes;
	/* median paired difference of the later half of the pairs minus the
	 * earlier half's, % of overhead_ns; NAN under 10 pairs */
	double drift_pct;
};

/* Something that can be attached and detached around the probe phases and
 * counted: the built-in probe, or a user's object (bench --obj). */
struct bench_target {
	void *ctx;
	int (*attach)(void *ctx, char *reason, size_t len);
	void (*detach)(void *ctx);
	/* events since reset; produced/consumed/lost for outputs. Return 0. */
	int (*counts)(void *ctx, struct probe_counts *c);
	void (*reset)(void *ctx);
	/* program fds whose run time the stats phase reads */
	int (*prog_fds)(void *ctx, int *fds, int max);
	/* The stats floor (may be NULL): a program that does nothing on the
	 * same hook, attached beside the target's in the stats phases. */
	int (*floor_attach)(void *ctx, char *reason, size_t len);
	void (*floor_detach)(void *ctx);
	int (*floor_fd)(void *ctx);
	/* Between pairs (may be NULL): replace the target's programs by a
	 * freshly loaded instance of them, its counts carried over. Where the
	 * kernel places a program, its maps and its ring buffer moves the cost
	 * by a few ns for as long as that instance lives; fresh instances
	 * through the row average that out (bench_opts.reload_every). 0, or
	 * -1 with reason. */
	int (*reload)(void *ctx, char *reason, size_t len);
	bool exact;  /* events must equal ops (built-in probes) */
	bool control; /* the null row: nothing to attach or count */
};

/* One row in progress: bench_begin sizes it, bench_pair runs one
 * baseline/probe pair (false when the row wants no more: its rule is met,
 * it failed or was interrupted), bench_end finishes it (stats phase, exact
 * count check, statistics) and frees what begin took. Rows can be run one
 * after another or a pair at a time in turn (bench's rounds). */
enum run_state { RUN_DONE, RUN_PAIRS, RUN_END };
/* Time spent attaching and detaching, to order the trials of a pair. */
struct switch_cost {
	uint64_t attach_ns, detach_ns;
};
struct bench_run {
	struct bench_target *t;
	const struct workload *wl;
	const struct bench_opts *o;
	struct bench_result *r;
	struct wl_ctx c;
	bool wl_ready;
	enum run_state state;
	struct hist *hb, *hp;
	double *diff, *rel; /* per pair: probe - base; scratch */
	uint64_t n, warm, ops_attached, runs0, elapsed_ns;
	struct switch_cost sw;
	int switch_cpu; /* where attach and detach run: -1 the workload's */
	int trials, max_trials; /* the minimum pairs, the cap */
	bool stats_moved; /* run_cnt moved during the trials of an earlier instance */
	int phase_cap;      /* room in r->prog_phases_ns / floor_phases_ns */
	double *body_phase; /* per phase: prog - floor */
	uint64_t stats_runs, stats_time_ns, stats_ops; /* summed over the phases */
	bool stats_failed;  /* BPF_ENABLE_STATS refused: said once */
	char floor_why[160]; /* why a phase ran without the stats floor */
	double *u_diff, *u_effect; /* check_timing, per pair */
};
/* 0: pairs can run; -1: r says why not (bench_end is still to be called) */
int bench_begin(struct bench_run *br, struct bench_target *t, const struct workload *wl,
		const struct bench_opts *o, struct bench_result *r);
bool bench_pair(struct bench_run *br);
void bench_end(struct bench_run *br);

/* The stopping rule, after `pairs` pairs of a row that runs at least
 * min_pairs and at most max_pairs. A fixed-length row (max_pairs <=
 * min_pairs) stops at max_pairs and leaves *stopped_by ("fixed") as it is.
 * An adaptive one is looked at every 5th pair from min_pairs on
 * (bench_stop_looks; only then are est, lo, hi, the overhead estimate and
 * its interval, read): it stops when the interval's half-width is within
 * max(ci_ns, ci_pct % of |est|) ("interval"), else when elapsed_ns of
 * pairs reached max_s ("time"), else *stopped_by becomes NULL; and it
 * stops at max_pairs ("max-trials"). true: stop. */
bool bench_stop_looks(int pairs, int min_pairs, int max_pairs);
bool bench_stop_rule(const struct bench_opts *o, int pairs, int min_pairs, int max_pairs,
		     uint64_t elapsed_ns, double est, double lo, double hi,
		     const char **stopped_by);

void bench_result_init(struct bench_result *r, const char *workload, const char *hook,
		       const char *body);
/* dst := src (dst's arrays freed first); src keeps no array of its own. */
void bench_result_move(struct bench_result *dst, struct bench_result *src);
void bench_result_free(struct bench_result *r);
/* The split of an overhead (est, lo, hi) into body and dispatch, for a
 * body measured with its interval from `phases` stats phases: *disp =
 * est - body, its interval [lo - body_hi, hi - body_lo]. Returns "resolved",
 * or "unresolved" with one line in why: too few phases for an interval,
 * a body below zero (the program ran faster than one that does
 * nothing), or intervals that allow a negative dispatch (a body above
 * the overhead it is part of); *disp and its interval are then NaN. */
const char *bench_split(double est, double lo, double hi, double body, double body_lo,
			double body_hi, int phases, double *disp, double *disp_lo,
			double *disp_hi, char *why, size_t len);

/* Run the method for target on workload; fills r (status, reason, numbers). */
void bench_measure(struct bench_target *t, const struct workload *wl,
		   const struct bench_opts *o, struct bench_result *r);
/* The built-in probe of spec as a row: open loads it and begins the row
 * (0: pairs can run, bench_pair(&pr->br)); close ends the row (r final)
 * and unloads the probe. After a failed open r says why; nothing is held. */
struct probe_row {
	struct probe_spec spec;
	struct probe *p;
	struct bench_target t;
	struct bench_run br;
	struct bench_result *r;
	struct probe_counts carry; /* counts of the instances replaced so far */
};
int probe_row_open(struct probe_row *pr, const struct probe_spec *spec,
		   const struct bench_opts *o, struct bench_result *r);
void probe_row_close(struct probe_row *pr);
/* Open the built-in probe of spec and measure it. */
void bench_run_probe(const struct probe_spec *spec, const struct bench_opts *o,
		     struct bench_result *r);
json_object *bench_result_json(const struct bench_result *r);

/* Run n ops of wl (prep untimed). h may be NULL. Returns the mean ns/op of
 * the timed part, timer cost included; stops early on stop_requested. */
double run_ops(const struct workload *wl, struct wl_ctx *c, uint64_t n, struct hist *h,
	       uint64_t *done);
/* The same n ops timed only as a whole (prep included, no per-op timer):
 * the mean ns/op of the loop. */
double run_ops_untimed(const struct workload *wl, struct wl_ctx *c, uint64_t n,
		       uint64_t *done);

#endif
