// SPDX-License-Identifier: GPL-2.0
#include "core/engine.h"
#include "base/output.h"
#include "base/timer.h"
#include "base/util.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const result_status_names[] = { "ok", "unsupported", "failed" };

#define MIN_SAMPLES 10000     /* timed ops per phase, for p99.9 */
#define MAX_OPS_PER_TRIAL 20000000ULL
/* A trial's mean needs enough ops to be steady: a few ms of uprobe hits
 * are too few, and their spread widened the paired differences
 * (docs/bench.md, Method 3). Cheap ops reach this in well under a trial. */
#define MIN_OPS_PER_TRIAL 2500

/* Ops that release many pages are slow, and so is mapping and touching
 * them again (untimed) before each one: their trials need only as many
 * pages as MIN_OPS_PER_TRIAL ops of one page (50 ops at least), and their
 * phases 2000 timed ops (a p99.9 of two), or a 2 MiB row would take
 * minutes. */
static uint64_t per_page(uint64_t min, const struct workload *wl, uint64_t floor)
{
	uint64_t pages = wl->bytes > 4096 ? wl->bytes / 4096 : 1;

	return min / pages > floor ? min / pages : pages > 1 ? floor : min;
}

double run_ops(const struct workload *wl, struct wl_ctx *c, uint64_t n, struct hist *h,
	       uint64_t *done)
{
	long (*op)(struct wl_ctx *) = wl->op;
	void (*prep)(struct wl_ctx *) = wl->prep;
	uint64_t total = 0, i;

	for (i = 0; i < n; i++) {
		uint64_t t0, t1;

		if (prep)
			prep(c);
		t0 = timer_ticks();
		op(c);
		t1 = timer_ticks();
		total += t1 - t0;
		if (h)
			hist_add(h, timer_to_ns(t1 - t0));
		if (!(i & 1023) && stop_requested) {
			i++;
			break;
		}
	}
	if (done)
		*done += i;
	return i ? (double)total * timer_ns_per_tick / (double)i : NAN;
}

double run_ops_untimed(const struct workload *wl, struct wl_ctx *c, uint64_t n,
		       uint64_t *done)
{
	long (*op)(struct wl_ctx *) = wl->op;
	void (*prep)(struct wl_ctx *) = wl->prep;
	uint64_t t0 = timer_ticks(), i;

	for (i = 0; i < n; i++) {
		if (prep)
			prep(c);
		op(c);
		if (!(i & 1023) && stop_requested) {
			i++;
			break;
		}
	}
	t0 = timer_ticks() - t0;
	if (done)
		*done += i;
	return i ? (double)t0 * timer_ns_per_tick / (double)i : NAN;
}

void bench_result_init(struct bench_result *r, const char *workload, const char *hook,
		       const char *body)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->workload, sizeof(r->workload), "%s", workload);
	snprintf(r->hook, sizeof(r->hook), "%s", hook);
	snprintf(r->body, sizeof(r->body), "%s", body);
	r->status = RES_FAILED;
	r->base_ns = r->probe_ns = r->overhead_ns = r->ci_lo = r->ci_hi = r->overhead_pct = NAN;
	r->base_p50_ns = r->base_p99_ns = r->base_p999_ns = r->base_max_ns = NAN;
	r->probe_p50_ns = r->probe_p99_ns = r->probe_p999_ns = r->probe_max_ns = NAN;
	r->overhead_mean_ns = r->mean_ci_lo = r->mean_ci_hi = NAN;
	r->diff_ns = r->diff_ci_lo = r->diff_ci_hi = NAN;
	r->prog_avg_ns = r->prog_runs_per_op = r->prog_ns_per_op = r->dispatch_ns = NAN;
	r->prog_lo = r->prog_hi = r->floor_ns = r->floor_lo = r->floor_hi = NAN;
	r->body_ns = r->body_lo = r->body_hi = r->dispatch_lo = r->dispatch_hi = NAN;
	r->untimed_diff_ns = r->untimed_lo = r->untimed_hi = NAN;
	r->timing_effect_ns = r->timing_effect_lo = r->timing_effect_hi = NAN;
	r->drift_pct = NAN;
}

void bench_result_move(struct bench_result *dst, struct bench_result *src)
{
	bench_result_free(dst);
	*dst = *src;
	src->base_trials_ns = src->probe_trials_ns = NULL;
	src->prog_phases_ns = src->floor_phases_ns = NULL;
	src->maps = NULL;
}

void bench_result_free(struct bench_result *r)
{
	zfree(&r->base_trials_ns);
	zfree(&r->probe_trials_ns);
	zfree(&r->prog_phases_ns);
	zfree(&r->floor_phases_ns);
	zfree(&r->maps);
	r->nmaps = 0;
}

static int t_attach(struct bench_target *t, char *reason, size_t len)
{
	return t->control ? 0 : t->attach(t->ctx, reason, len);
}

static void t_detach(struct bench_target *t)
{
	if (!t->control)
		t->detach(t->ctx);
}

/* What a switch does: the target alone (trials), or the target and its
 * stats floor together (stats phases; floor_first: the floor's program
 * goes on the hook first, so that it runs first where the hook keeps
 * the order of attachment). */
enum switch_op { SW_ATTACH, SW_DETACH, SW_ATTACH_FLOOR, SW_ATTACH_FLOOR_FIRST, SW_DETACH_FLOOR };

static bool has_floor(const struct bench_target *t)
{
	return !t->control && t->floor_attach && t->floor_detach && t->floor_fd;
}

static int switch_do(struct bench_target *t, enum switch_op op, char *reason, size_t len)
{
	int err = 0;

	switch (op) {
	case SW_ATTACH:
		return t_attach(t, reason, len);
	case SW_DETACH:
		t_detach(t);
		return 0;
	case SW_ATTACH_FLOOR:
		if ((err = t_attach(t, reason, len)))
			return err;
		if (has_floor(t) && (err = t->floor_attach(t->ctx, reason, len)))
			t_detach(t);
		return err;
	case SW_ATTACH_FLOOR_FIRST:
		if (has_floor(t) && (err = t->floor_attach(t->ctx, reason, len)))
			return err;
		if ((err = t_attach(t, reason, len)) && has_floor(t))
			t->floor_detach(t->ctx);
		return err;
	case SW_DETACH_FLOOR:
		t_detach(t);
		if (has_floor(t))
			t->floor_detach(t->ctx);
		return 0;
	}
	return 0;
}

/* The trials' attach and detach run on another CPU than the workload's
 * when there is one. What they leave behind is queued on the CPU that
 * called them: RCU callbacks that free the perf event, the program array
 * and the uprobe, which with expedited grace periods (bench) come due
 * within the next trial. On the workload's CPU they slowed the first trial
 * after a switch: the null row's B-B pairs read below 0 (docs/bench.md). */
struct switch_call {
	struct bench_target *t;
	enum switch_op op;
	int cpu, err;
	char *reason;
	size_t len;
	atomic_bool done;
};

static void *switch_thread(void *arg)
{
	struct switch_call *c = arg;

	pin_to_cpu(c->cpu);
	c->err = switch_do(c->t, c->op, c->reason, c->len);
	atomic_store_explicit(&c->done, true, memory_order_release);
	return NULL;
}

static int t_switch(struct bench_target *t, enum switch_op op, int cpu, char *reason, size_t len)
{
	struct switch_call c = { t, op, cpu, 0, reason, len };
	sigset_t all, old;
	pthread_t th;
	int err;

	/* The null row goes through the motions too: the other CPU's thread
	 * is started and joined around its "probe" phase as for a real row,
	 * so that its trials follow the same waits on this CPU (NOTES, the
	 * fourth session). */
	if (t->control && cpu < 0)
		return 0;
	if (cpu < 0) {
		switch_thread(&c);
		return c.err;
	}
	/* Its stack is ours: glibc gives back the unused part of a stack it
	 * allocated with madvise(MADV_DONTNEED) as the thread exits, which
	 * after an attach is one madvise more than the workload made, and
	 * every madvise row failed its count (60 over in 60 pairs). Switches
	 * are one at a time, so one stack serves them all. */
	static char stack[1 << 20] __attribute__((aligned(4096)));
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setstack(&attr, stack, sizeof(stack));
	/* signals stay with the workload thread (stop_requested) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&th, &attr, switch_thread, &c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err) {
		c.cpu = -1; /* could not start a thread: switch from here */
		switch_thread(&c);
		return c.err;
	}
	/* Wait awake: a workload CPU that slept through the switch started
	 * its next trial from a halted vCPU, and a trial after a long sleep
	 * (the previous row's detach) ran faster than one after a short one,
	 * and the null row read above 0 (docs/bench.md). sched_yield rather
	 * than a bare spin gives RCU its quiescent state at once: a bare spin
	 * made detaches wait for the tick. */
	while (!atomic_load_explicit(&c.done, memory_order_acquire))
		sched_yield();
	pthread_join(th, NULL);
	return c.err;
}

/* One phase of one trial: warm up, then n ops, each timed (untimed: the
 * loop timed as a whole, for check_timing). */
static double phase(struct bench_target *t, bool attached, bool timed, int switch_cpu,
		    const struct workload *wl, struct wl_ctx *c, uint64_t warm, uint64_t n,
		    struct hist *h, uint64_t *ops_attached, struct switch_cost *sw, char *reason,
		    size_t len, int *err)
{
	uint64_t done = 0, t0 = now_ns();
	double mean;

	if (attached && (*err = t_switch(t, SW_ATTACH, switch_cpu, reason, len)))
		return NAN;
	if (attached && sw)
		sw->attach_ns += now_ns() - t0;
	run_ops(wl, c, warm, NULL, &done);
	if (timed)
		mean = run_ops(wl, c, n, h, &done);
	else
		mean = run_ops_untimed(wl, c, n, &done);
	if (attached) {
		t0 = now_ns();
		t_switch(t, SW_DETACH, switch_cpu, NULL, 0);
		if (sw)
			sw->detach_ns += now_ns() - t0;
		*ops_attached += done;
	}
	return mean;
}

/* Sum of run_cnt over the target's programs. */
static uint64_t prog_runs(struct bench_target *t)
{
	int fds[16], nfd;
	uint64_t sum = 0, cnt, time_ns;

	if (t->control || !t->prog_fds)
		return 0;
	nfd = t->prog_fds(t->ctx, fds, 16);
	for (int i = 0; i < nfd; i++)
		if (!prog_run_stats(fds[i], &cnt, &time_ns, NULL))
			sum += cnt;
	return sum;
}

/* Runs and run time, summed over the target's programs. */
static void target_stats(struct bench_target *t, const int *fds, int nfd, uint64_t *cnt,
			 uint64_t *time_ns)
{
	uint64_t c, ns;

	*cnt = *time_ns = 0;
	for (int i = 0; i < nfd; i++)
		if (!prog_run_stats(fds[i], &c, &ns, NULL)) {
			*cnt += c;
			*time_ns += ns;
		}
}

/* One stats phase (README, Method 7): BPF stats on (a BPF_ENABLE_STATS
 * fd, never the sysctl), the target attached with its stats floor beside
 * it (a program that does nothing, on the same hook: its run time is
 * what the stats themselves put into a run's measured time), warm-up
 * ops, then n ops whose runs and run time are read for both. Phases
 * alternate which of the two goes on the hook first. Phases run between
 * pairs, spread over the row, so that one disturbed phase is one value
 * of several (one default run read tp/empty 306 ns where others read
 * 52-58 from a single phase). */
static void stats_phase(struct bench_run *br)
{
	struct bench_target *t = br->t;
	struct bench_result *r = br->r;
	int fds[16], nfd, sfd, err, k = r->stats_phases, ffd = -1;
	uint64_t c0, t0, c1, t1, fc0 = 0, ft0 = 0, fc1 = 0, ft1 = 0, done = 0, warm = 0;
	char reason[256] = "";
	bool floor = has_floor(t);

	if (t->control || !t->prog_fds || br->stats_failed || k >= br->phase_cap)
		return;
	/* run_cnt only moves while stats are on: if it moved in the trials
	 * since the last look, someone else has them on */
	br->stats_moved |= prog_runs(t) != br->runs0;
	sfd = stats_enable();
	if (sfd < 0) {
		static bool warned; /* once a run, not once a row */

		if (!warned)
			warn_msg("BPF_ENABLE_STATS failed (%s%s): no program run time", strerror(-sfd),
				 sfd == -EPERM ? "; it needs CAP_SYS_ADMIN" : "");
		warned = true;
		br->stats_failed = true;
		return;
	}
	err = t_switch(t, floor ? (k % 2 ? SW_ATTACH_FLOOR_FIRST : SW_ATTACH_FLOOR) : SW_ATTACH,
		       br->switch_cpu, reason, sizeof(reason));
	if (err && floor) {
		/* the target alone, then: its time, without the split */
		snprintf(br->floor_why, sizeof(br->floor_why), "the stats floor could not be attached: %s",
			 reason);
		floor = false;
		err = t_switch(t, SW_ATTACH, br->switch_cpu, reason, sizeof(reason));
	}
	if (!err) {
		/* the programs attached now: where a kernel attaches a program
		 * once per load, attaching loaded a fresh copy (probe_attach) */
		nfd = t->prog_fds(t->ctx, fds, 16);
		if (floor)
			ffd = t->floor_fd(t->ctx);
		run_ops(br->wl, &br->c, br->warm, NULL, &warm);
		target_stats(t, fds, nfd, &c0, &t0);
		if (ffd >= 0)
			target_stats(t, &ffd, 1, &fc0, &ft0);
		run_ops(br->wl, &br->c, br->n, NULL, &done);
		target_stats(t, fds, nfd, &c1, &t1);
		if (ffd >= 0)
			target_stats(t, &ffd, 1, &fc1, &ft1);
		t_switch(t, floor ? SW_DETACH_FLOOR : SW_DETACH, br->switch_cpu, NULL, 0);
		br->ops_attached += warm + done;
	}
	close(sfd);
	br->runs0 = prog_runs(t);
	if (err || !done || c1 <= c0)
		return;
	r->prog_phases_ns[k] = (double)(t1 - t0) / (double)(c1 - c0);
	r->floor_phases_ns[k] = ffd >= 0 && fc1 > fc0 ? (double)(ft1 - ft0) / (double)(fc1 - fc0) : NAN;
	br->body_phase[k] = r->prog_phases_ns[k] - r->floor_phases_ns[k];
	br->stats_runs += c1 - c0;
	br->stats_time_ns += t1 - t0;
	br->stats_ops += done;
	r->stats_phases = k + 1;
}

const char *bench_split(double est, double lo, double hi, double body, double body_lo,
			double body_hi, int phases, double *disp, double *disp_lo,
			double *disp_hi, char *why, size_t len)
{
	*disp = *disp_lo = *disp_hi = NAN;
	why[0] = '\0';
	if (isnan(body)) {
		snprintf(why, len, "no program time beside a stats floor");
		return "unresolved";
	}
	*disp = est - body;
	*disp_lo = lo - body_hi;
	*disp_hi = hi - body_lo;
	if (isnan(body_lo) || isnan(body_hi)) {
		snprintf(why, len, "%d stats phase%s: too few for an interval (6 needed)", phases,
			 phases == 1 ? "" : "s");
	} else if (isnan(lo) || isnan(hi)) {
		snprintf(why, len, "the overhead has no interval (fewer than 6 pairs)");
	} else if (body < 0) {
		snprintf(why, len, "program time less the stats floor %.1f ns [%.1f, %.1f]: the "
			 "program ran faster than one that does nothing", body, body_lo, body_hi);
	} else if (*disp_hi < 0) {
		snprintf(why, len, "program time less the stats floor, %.1f ns [%.1f, %.1f], is above "
			 "the whole overhead %.1f [%.1f, %.1f]: the stats phases did not see what the "
			 "trials paid", body, body_lo, body_hi, est, lo, hi);
	} else if (*disp_lo < 0) {
		snprintf(why, len, "the intervals allow a negative dispatch: program time less the "
			 "stats floor %.1f ns [%.1f, %.1f] against an overhead of %.1f [%.1f, %.1f]",
			 body, body_lo, body_hi, est, lo, hi);
	} else {
		return "resolved";
	}
	*disp = *disp_lo = *disp_hi = NAN; /* never a number that contradicts the overhead */
	return "unresolved";
}

/* Relative differences of n pairs (probe/base - 1) into rel; false when a
 * baseline is not positive (then only plain differences make sense). */
static bool relative_diffs(const double *base, const double *probe, int n, double *rel)
{
	for (int i = 0; i < n; i++) {
		if (!(base[i] > 0))
			return false;
		rel[i] = probe[i] / base[i] - 1;
	}
	return true;
}

/* HL estimate and interval of the overhead in ns: relative differences
 * scaled by the median baseline (see bench_end), or plain differences. */
static void overhead_estimate(const double *base, const double *probe, const double *diff,
			      int n, double *rel, double *est, double *lo, double *hi)
{
	double b = median_of(base, n);

	if (!relative_diffs(base, probe, n, rel)) {
		hodges_lehmann(diff, n, est, lo, hi);
		return;
	}
	hodges_lehmann(rel, n, est, lo, hi);
	*est *= b;
	*lo *= b;
	*hi *= b;
}

bool bench_stop_looks(int pairs, int min_pairs, int max_pairs)
{
	return max_pairs > min_pairs && pairs >= min_pairs && pairs % 5 == 0;
}

bool bench_stop_rule(const struct bench_opts *o, int pairs, int min_pairs, int max_pairs,
		     uint64_t elapsed_ns, double est, double lo, double hi,
		     const char **stopped_by)
{
	if (bench_stop_looks(pairs, min_pairs, max_pairs)) {
		if ((hi - lo) / 2 <= fmax(o->ci_ns, o->ci_pct / 100 * fabs(est)))
			*stopped_by = "interval";
		else if (o->max_s > 0 && (double)elapsed_ns / 1e9 >= o->max_s)
			*stopped_by = "time";
		else
			*stopped_by = NULL;
		if (*stopped_by)
			return true;
	}
	if (pairs >= max_pairs) {
		if (max_pairs > min_pairs)
			*stopped_by = "max-trials";
		return true;
	}
	return false;
}

static void fail(struct bench_run *br, const char *reason)
{
	br->r->status = RES_FAILED;
	snprintf(br->r->reason, sizeof(br->r->reason), "%s", reason);
	br->state = RUN_DONE;
}

int bench_begin(struct bench_run *br, struct bench_target *t, const struct workload *wl,
		const struct bench_opts *o, struct bench_result *r)
{
	struct bench_result *res = r;
	uint64_t n;
	int err = 0;
	char reason[512] = "";

	memset(br, 0, sizeof(*br));
	br->t = t;
	br->wl = wl;
	br->o = o;
	br->r = r;
	br->state = RUN_DONE;
	br->trials = o->trials > 1 ? o->trials : 2;
	br->max_trials = o->max_trials > br->trials ? o->max_trials : br->trials;
	br->switch_cpu = o->consumer_cpu >= 0 && o->consumer_cpu != o->cpu ? o->consumer_cpu : -1;
	timer_init();
	if (wl->init && wl->init(&br->c)) {
		snprintf(res->reason, sizeof(res->reason), "workload %s: setup failed", wl->name);
		return -1;
	}
	br->wl_ready = true;
	br->hb = malloc(sizeof(*br->hb));
	br->hp = malloc(sizeof(*br->hp));
	r->base_trials_ns = calloc((size_t)br->max_trials, sizeof(double));
	r->probe_trials_ns = calloc((size_t)br->max_trials, sizeof(double));
	br->diff = calloc((size_t)br->max_trials, sizeof(double));
	br->rel = calloc((size_t)br->max_trials, sizeof(double));
	/* a phase every stats_every pairs, and one at the end if none ran */
	br->phase_cap = (o->stats_every > 0 ? br->max_trials / o->stats_every : 0) + 1;
	r->prog_phases_ns = calloc((size_t)br->phase_cap, sizeof(double));
	r->floor_phases_ns = calloc((size_t)br->phase_cap, sizeof(double));
	br->body_phase = calloc((size_t)br->phase_cap, sizeof(double));
	if (o->check_timing) {
		br->u_diff = calloc((size_t)br->max_trials, sizeof(double));
		br->u_effect = calloc((size_t)br->max_trials, sizeof(double));
	}
	if (!br->hb || !br->hp || !r->base_trials_ns || !r->probe_trials_ns || !br->diff ||
	    !br->rel || !r->prog_phases_ns || !r->floor_phases_ns || !br->body_phase ||
	    (o->check_timing && (!br->u_diff || !br->u_effect))) {
		fail(br, "out of memory");
		return -1;
	}
	hist_reset(br->hb);
	hist_reset(br->hp);

	/* Size the trials: a short look at both phases, then enough ops for
	 * trial_ms in the slower one (a uprobe hit costs far more than a
	 * tracepoint's). */
	n = o->ops;
	if (!n) {
		uint64_t ignored = 0;
		double b = phase(t, false, true, br->switch_cpu, wl, &br->c, 200, 2000, NULL,
				 &ignored, &br->sw, reason, sizeof(reason), &err);
		double p = phase(t, true, true, br->switch_cpu, wl, &br->c, 20, 200, NULL, &ignored,
				 &br->sw, reason, sizeof(reason), &err);
		double slow = fmax(b, p);

		if (err) {
			fail(br, reason);
			return -1;
		}
		if (!(slow > 0))
			slow = 1000;
		n = (uint64_t)(o->trial_ms * 1e6 / slow);
		if (n < per_page(MIN_OPS_PER_TRIAL, wl, 50))
			n = per_page(MIN_OPS_PER_TRIAL, wl, 50);
		if (n > MAX_OPS_PER_TRIAL)
			n = MAX_OPS_PER_TRIAL;
	}
	if (n * (uint64_t)br->trials < per_page(MIN_SAMPLES, wl, 2000) && !o->ops)
		n = (per_page(MIN_SAMPLES, wl, 2000) + (uint64_t)br->trials - 1) /
		    (uint64_t)br->trials;
	br->n = n;
	/* Attaching and detaching stir the CPU (perf events, RCU work): the
	 * first ops of a phase are run but not timed, in both phases alike. */
	br->warm = n / 5 < 10 ? 10 : n / 5;
	r->ops_per_trial = n;

	t->reset(t->ctx);
	br->runs0 = prog_runs(t);
	r->stopped_by = "fixed";
	br->state = RUN_PAIRS;
	return 0;
}

/* A fresh instance of the target before this pair: every reload_every
 * pairs, never for the null row nor before the first pair. */
static bool reload_due(const struct bench_run *br)
{
	int every = br->o->reload_every, done = br->r->trials;

	return every > 0 && br->t->reload && !br->t->control && done > 0 && done % every == 0;
}

/* The target's reload, between pairs; the run_cnt of the instance it
 * replaces is looked at first (runs0 is per instance). 0, or -1 with the
 * row failed. */
static int reload(struct bench_run *br)
{
	struct bench_target *t = br->t;
	char reason[512] = "";

	br->stats_moved |= prog_runs(t) != br->runs0;
	if (t->reload(t->ctx, reason, sizeof(reason))) {
		fail(br, reason[0] ? reason : "the probe could not be loaded again");
		return -1;
	}
	br->runs0 = prog_runs(t);
	br->r->instances = br->r->instances ? br->r->instances + 1 : 2;
	return 0;
}

bool bench_pair(struct bench_run *br)
{
	struct bench_result *r = br->r;
	int i = r->trials, err = 0;
	char reason[512] = "";
	uint64_t t0;
	double est = NAN, lo = NAN, hi = NAN;
	/* The two trials of a pair run back to back, with the slower of
	 * attach and detach between pairs: closing a classic tracepoint or a
	 * uprobe waits for RCU, and the machine's speed changes within that
	 * wait (B then P for those; P then B when attaching is the
	 * slow one, as for raw tracepoints). */
	bool probe_first = br->sw.attach_ns > br->sw.detach_ns;

	if (br->state != RUN_PAIRS)
		return false;
	if (stop_requested || i >= br->max_trials) {
		br->state = RUN_END;
		return false;
	}
	if (reload_due(br) && reload(br))
		return false;
	t0 = now_ns(); /* a pair's time, the reload's load not in it (--max-time) */
	for (int k = 0; k < 2; k++) {
		bool attached = (k == 0) == probe_first;
		double m = phase(br->t, attached, true, br->switch_cpu, br->wl, &br->c, br->warm,
				 br->n, attached ? br->hp : br->hb, &br->ops_attached, &br->sw, reason,
				 sizeof(reason), &err);

		if (err) {
			fail(br, reason);
			return false;
		}
		if (attached)
			r->probe_trials_ns[i] = m - timer_overhead_ns;
		else
			r->base_trials_ns[i] = m - timer_overhead_ns;
	}
	br->diff[i] = r->probe_trials_ns[i] - r->base_trials_ns[i];
	r->trials = i + 1;
	br->elapsed_ns += now_ns() - t0;
	/* check_timing: the same pair again, each op untimed (the loop timed
	 * as a whole); the timed pairs are as they are without it */
	if (br->o->check_timing) {
		double m[2];

		for (int k = 0; k < 2; k++) {
			bool attached = (k == 0) == probe_first;

			m[attached] = phase(br->t, attached, false, br->switch_cpu, br->wl, &br->c,
					    br->warm, br->n, NULL, &br->ops_attached, NULL, reason,
					    sizeof(reason), &err);
			if (err) {
				fail(br, reason);
				return false;
			}
		}
		br->u_diff[i] = m[1] - m[0];
		br->u_effect[i] = br->diff[i] - br->u_diff[i];
		r->untimed_pairs = i + 1;
	}
	if (br->o->stats_every > 0 && !br->o->no_stats && r->trials % br->o->stats_every == 0)
		stats_phase(br);
	/* the interval only when the rule looks at it (every 5th pair) */
	if (bench_stop_looks(r->trials, br->trials, br->max_trials))
		overhead_estimate(r->base_trials_ns, r->probe_trials_ns, br->diff, r->trials,
				  br->rel, &est, &lo, &hi);
	if (bench_stop_rule(br->o, r->trials, br->trials, br->max_trials, br->elapsed_ns, est,
			    lo, hi, &r->stopped_by)) {
		br->state = RUN_END;
		return false;
	}
	return true;
}

/* The row's program time, its stats floor and body (medians of the
 * phases, with their intervals) and the split of its overhead. */
static void split_of(struct bench_run *br)
{
	struct bench_result *r = br->r;
	int n = r->stats_phases, nf = 0;

	if (!n)
		return; /* no stats phase: no split (split stays NULL) */
	median_ci(r->prog_phases_ns, n, &r->prog_avg_ns, &r->prog_lo, &r->prog_hi);
	r->prog_runs_per_op = br->stats_ops ? (double)br->stats_runs / (double)br->stats_ops : NAN;
	r->prog_ns_per_op = br->stats_ops ? (double)br->stats_time_ns / (double)br->stats_ops : NAN;
	for (int k = 0; k < n; k++)
		nf += !isnan(r->floor_phases_ns[k]);
	if (nf == n) {
		median_ci(r->floor_phases_ns, n, &r->floor_ns, &r->floor_lo, &r->floor_hi);
		median_ci(br->body_phase, n, &r->body_ns, &r->body_lo, &r->body_hi);
		r->split = bench_split(r->overhead_ns, r->ci_lo, r->ci_hi, r->body_ns, r->body_lo,
				       r->body_hi, n, &r->dispatch_ns, &r->dispatch_lo,
				       &r->dispatch_hi, r->split_reason, sizeof(r->split_reason));
		/* an unresolved split shows no part of itself (the reason
		 * quotes the numbers; the phases are in the JSON) */
		if (strcmp(r->split, "resolved"))
			r->body_ns = r->body_lo = r->body_hi = NAN;
	} else {
		r->split = "unresolved";
		snprintf(r->split_reason, sizeof(r->split_reason), "%s",
			 br->floor_why[0] ? br->floor_why :
			 has_floor(br->t) ? "a stats phase ran without its stats floor" :
			 "no stats floor for these hooks: the program time includes what BPF "
			 "stats add to each run");
	}
}

static void run_free(struct bench_run *br)
{
	if (br->wl_ready && br->wl->fini)
		br->wl->fini(&br->c);
	br->wl_ready = false;
	zfree(&br->hb);
	zfree(&br->hp);
	zfree(&br->diff);
	zfree(&br->rel);
	zfree(&br->body_phase);
	zfree(&br->u_diff);
	zfree(&br->u_effect);
}

void bench_end(struct bench_run *br)
{
	struct bench_result *r = br->r;
	struct bench_target *t = br->t;
	struct summary sd, sb, sp;
	struct probe_counts pc;
	int done = r->trials;

	if (br->state != RUN_PAIRS && br->state != RUN_END)
		goto out;
	br->state = RUN_DONE;
	if (stop_requested)
		r->stopped_by = "interrupted";
	if (stop_requested && done < br->trials) {
		snprintf(r->reason, sizeof(r->reason), "interrupted after %d of %d trials", done,
			 br->trials);
		goto out;
	}
	/* run_cnt only moves while stats are on: if it moved, someone else
	 * has them on and the overheads include their clock reads */
	r->stats_on_in_trials = br->stats_moved || prog_runs(t) != br->runs0;
	if (!br->o->no_stats && !r->stats_phases)
		stats_phase(br);
	r->stats_on_in_trials |= br->stats_moved;

	/* Honest numbers only: the probe must have fired once per op. */
	memset(&pc, 0, sizeof(pc));
	t->counts(t->ctx, &pc);
	r->ops = t->control ? 0 : br->ops_attached;
	r->events = pc.hits;
	r->consumed = pc.consumed;
	r->lost = pc.drops;
	r->samples = br->n * (uint64_t)done;
	if (t->exact && !t->control && pc.hits != br->ops_attached) {
		snprintf(r->reason, sizeof(r->reason),
			 "probe fired %llu times for %llu ops: the number would not be what it claims",
			 (unsigned long long)pc.hits, (unsigned long long)br->ops_attached);
		goto out;
	}
	if ((pc.consumed || pc.drops) && pc.hits != pc.consumed + pc.drops) {
		snprintf(r->reason, sizeof(r->reason),
			 "output accounting broken: produced %llu != consumed %llu + lost %llu",
			 (unsigned long long)pc.hits, (unsigned long long)pc.consumed,
			 (unsigned long long)pc.drops);
		goto out;
	}

	summarize(br->diff, done, &sd);
	summarize(r->base_trials_ns, done, &sb);
	summarize(r->probe_trials_ns, done, &sp);
	r->base_ns = sb.median;
	r->probe_ns = sp.median;
	hodges_lehmann(br->diff, done, &r->diff_ns, &r->diff_ci_lo, &r->diff_ci_hi);
	/* The overhead: the paired trials' relative difference at the row's
	 * median baseline speed. A machine's speed regimes scale the probe's
	 * cost with the syscall's, so probe/base of a pair moves less than
	 * probe - base: the interval is narrower, and runs minutes apart agree
	 * in % where their ns follow the machine (docs/bench.md, Method 6).
	 * The plain difference is kept beside it. */
	overhead_estimate(r->base_trials_ns, r->probe_trials_ns, br->diff, done, br->rel,
			  &r->overhead_ns, &r->ci_lo, &r->ci_hi);
	r->overhead_mean_ns = sd.mean;
	r->mean_ci_lo = sd.ci_lo;
	r->mean_ci_hi = sd.ci_hi;
	r->overhead_pct = r->base_ns > 0 ? 100.0 * r->overhead_ns / r->base_ns : NAN;
	/* Did the row's cost move while it ran? The median paired difference
	 * of its later pairs against its earlier ones, relative to the
	 * estimate: the machine can change state for seconds (NOTES). */
	r->drift_pct = NAN;
	if (done >= 10 && !t->control && fabs(r->overhead_ns) > 0) {
		int h = done / 2;
		r->drift_pct = 100.0 * (median_of(br->diff + h, done - h) - median_of(br->diff, h)) /
			       fabs(r->overhead_ns);
	}
	r->base_p50_ns = hist_quantile(br->hb, 0.50) - timer_overhead_ns;
	r->base_p99_ns = hist_quantile(br->hb, 0.99) - timer_overhead_ns;
	r->base_p999_ns = hist_quantile(br->hb, 0.999) - timer_overhead_ns;
	r->base_max_ns = (double)br->hb->max_ns - timer_overhead_ns;
	r->probe_p50_ns = hist_quantile(br->hp, 0.50) - timer_overhead_ns;
	r->probe_p99_ns = hist_quantile(br->hp, 0.99) - timer_overhead_ns;
	r->probe_p999_ns = hist_quantile(br->hp, 0.999) - timer_overhead_ns;
	r->probe_max_ns = (double)br->hp->max_ns - timer_overhead_ns;
	split_of(br);
	if (r->untimed_pairs) {
		hodges_lehmann(br->u_diff, r->untimed_pairs, &r->untimed_diff_ns, &r->untimed_lo,
			       &r->untimed_hi);
		hodges_lehmann(br->u_effect, r->untimed_pairs, &r->timing_effect_ns,
			       &r->timing_effect_lo, &r->timing_effect_hi);
	}
	r->status = RES_OK;
out:
	br->state = RUN_DONE;
	run_free(br);
}

void bench_measure(struct bench_target *t, const struct workload *wl,
		   const struct bench_opts *o, struct bench_result *r)
{
	struct bench_run br;

	if (!bench_begin(&br, t, wl, o, r))
		while (bench_pair(&br))
			;
	bench_end(&br); /* frees what bench_begin took, on every path */
}

/* ---- the built-in probe as a bench target ---- */

/* ctx is the probe_row: its probe is replaced by p_reload, and the
 * counts of the instances before it are carried. */
static int p_attach(void *ctx, char *reason, size_t len)
{
	return probe_attach(((struct probe_row *)ctx)->p, reason, len);
}

static void p_detach(void *ctx)
{
	probe_detach(((struct probe_row *)ctx)->p);
}

static int p_counts(void *ctx, struct probe_counts *c)
{
	struct probe_row *pr = ctx;

	probe_counts(pr->p, c);
	c->hits += pr->carry.hits;
	c->drops += pr->carry.drops;
	c->consumed += pr->carry.consumed;
	c->lost_records += pr->carry.lost_records;
	return 0;
}

static void p_reset(void *ctx)
{
	struct probe_row *pr = ctx;

	probe_reset_counts(pr->p);
	memset(&pr->carry, 0, sizeof(pr->carry));
}

/* The probe's reload: the same spec loaded afresh, the counts of the
 * instance it replaces carried. */
static int p_reload(void *ctx, char *reason, size_t len)
{
	struct probe_row *pr = ctx;
	struct probe_counts c;

	probe_counts(pr->p, &c); /* settles the reader: every record is in */
	pr->carry.hits += c.hits;
	pr->carry.drops += c.drops;
	pr->carry.consumed += c.consumed;
	pr->carry.lost_records += c.lost_records;
	probe_close(pr->p);
	pr->p = NULL;
	return probe_open(&pr->p, &pr->spec, reason, len) == PROBE_OK ? 0 : -1;
}

static int p_prog_fds(void *ctx, int *fds, int max)
{
	int fd = probe_prog_fd(((struct probe_row *)ctx)->p);

	if (fd < 0 || max < 1)
		return 0;
	fds[0] = fd;
	return 1;
}

static int p_floor_attach(void *ctx, char *reason, size_t len)
{
	return probe_floor_attach(((struct probe_row *)ctx)->p, reason, len);
}

static void p_floor_detach(void *ctx)
{
	probe_floor_detach(((struct probe_row *)ctx)->p);
}

static int p_floor_fd(void *ctx)
{
	return probe_floor_fd(((struct probe_row *)ctx)->p);
}

int probe_row_open(struct probe_row *pr, const struct probe_spec *spec,
		   const struct bench_opts *o, struct bench_result *r)
{
	enum probe_status st;

	memset(pr, 0, sizeof(*pr));
	pr->spec = *spec;
	pr->spec.floor = !o->no_stats; /* the stats phases' floor */
	pr->r = r;
	pr->t = (struct bench_target){
		.attach = p_attach, .detach = p_detach, .counts = p_counts,
		.reset = p_reset, .prog_fds = p_prog_fds, .reload = p_reload, .exact = true,
		.control = spec->hook == HOOK_NULL,
		.floor_attach = p_floor_attach, .floor_detach = p_floor_detach,
		.floor_fd = p_floor_fd,
	};
	bench_result_init(r, spec->wl->name, hooks[spec->hook].name,
			  spec->hook == HOOK_NULL ? "-" : bodies[spec->body].name);
	st = probe_open(&pr->p, &pr->spec, r->reason, sizeof(r->reason));
	if (st != PROBE_OK) {
		r->status = st == PROBE_UNSUPPORTED ? RES_UNSUPPORTED : RES_FAILED;
		return -1;
	}
	pr->t.ctx = pr;
	r->instances = 1;
	r->buf_kernel_bytes = probe_buf_kernel_bytes(pr->p);
	if (bench_begin(&pr->br, &pr->t, spec->wl, o, r)) {
		probe_row_close(pr);
		return -1;
	}
	return 0;
}

void probe_row_close(struct probe_row *pr)
{
	struct bench_result *r = pr->r;

	/* a row whose probe failed to load again ends here too (its run
	 * needs freeing); after a failed open br is empty and this is a no-op */
	bench_end(&pr->br);
	if (!pr->p)
		return;
	/* kprobe attach can fail after a successful load: that is the kernel
	 * saying no, not a failure of ours */
	if (r->status == RES_FAILED &&
	    (pr->spec.hook == HOOK_KPROBE || pr->spec.hook == HOOK_KRETPROBE) &&
	    kprobe_unsupported_reason())
		r->status = RES_UNSUPPORTED;
	probe_close(pr->p);
	pr->p = NULL;
}

void bench_run_probe(const struct probe_spec *spec, const struct bench_opts *o,
		     struct bench_result *r)
{
	struct probe_row pr;

	if (probe_row_open(&pr, spec, o, r))
		return;
	while (bench_pair(&pr.br))
		;
	probe_row_close(&pr);
}

json_object *bench_result_json(const struct bench_result *r)
{
	json_object *o = json_object_new_object(), *bt, *pt;

	jset(o, "workload", jstr(r->workload));
	jset(o, "hook", jstr(r->hook));
	jset(o, "body", jstr(r->body));
	jset(o, "status", jstr(result_status_names[r->status]));
	jset(o, "reason", r->reason[0] ? jstr(r->reason) : NULL);
	jset(o, "ops", jint((long long)r->ops));
	jset(o, "events", jint((long long)r->events));
	jset(o, "consumed", jint((long long)r->consumed));
	jset(o, "lost", jint((long long)r->lost));
	jset(o, "trials", jint(r->trials));
	jset(o, "stopped_by", r->stopped_by ? jstr(r->stopped_by) : NULL);
	jset(o, "instances", r->instances ? jint(r->instances) : NULL);
	jset(o, "drift_pct", jnum(r->drift_pct));
	jset(o, "ops_per_trial", jint((long long)r->ops_per_trial));
	jset(o, "samples", jint((long long)r->samples));
	jset(o, "base_ns", jnum(r->base_ns));
	jset(o, "probe_ns", jnum(r->probe_ns));
	jset_ci(o, "overhead", "ns", r->overhead_ns, r->status == RES_OK, r->ci_lo, r->ci_hi);
	jset(o, "overhead_pct", jnum(r->overhead_pct));
	jset_ci(o, "overhead_diff", "ns", r->diff_ns,
		r->status == RES_OK, r->diff_ci_lo, r->diff_ci_hi);
	jset_ci(o, "overhead_mean", "ns", r->overhead_mean_ns,
		r->status == RES_OK, r->mean_ci_lo, r->mean_ci_hi);
	jset_pcts_ns(o, "base", r->base_p50_ns, r->base_p99_ns, r->base_p999_ns, r->base_max_ns);
	jset_pcts_ns(o, "probe", r->probe_p50_ns, r->probe_p99_ns, r->probe_p999_ns, r->probe_max_ns);
	jset(o, "prog_avg_ns", jnum(r->prog_avg_ns));
	jset(o, "prog_runs_per_op", jnum(r->prog_runs_per_op));
	jset(o, "prog_ns_per_op", jnum(r->prog_ns_per_op));
	jset_ci(o, "dispatch", "ns", r->dispatch_ns,
		!isnan(r->dispatch_ns), r->dispatch_lo, r->dispatch_hi);
	jset(o, "stats_phases", jint(r->stats_phases));
	jset(o, "prog_avg_ci95", r->stats_phases ? jpair(r->prog_lo, r->prog_hi) : NULL);
	jset_ci(o, "stats_floor", "ns", r->floor_ns, !isnan(r->floor_ns), r->floor_lo, r->floor_hi);
	jset_ci(o, "body", "ns", r->body_ns, !isnan(r->body_ns), r->body_lo, r->body_hi);
	jset(o, "split", r->split ? jstr(r->split) : NULL);
	jset(o, "split_reason", r->split_reason[0] ? jstr(r->split_reason) : NULL);
	bt = json_object_new_array();
	pt = json_object_new_array();
	for (int i = 0; i < r->stats_phases; i++) {
		/* measure counts its phases without keeping them */
		if (r->prog_phases_ns)
			json_object_array_add(bt, jnum(r->prog_phases_ns[i]));
		if (r->floor_phases_ns)
			json_object_array_add(pt, jnum(r->floor_phases_ns[i]));
	}
	jset(o, "prog_phases_ns", bt);
	jset(o, "stats_floor_phases_ns", pt);
	if (r->untimed_pairs) {
		json_object *u = json_object_new_object();

		jset(u, "pairs", jint(r->untimed_pairs));
		jset_ci(u, "overhead_diff", "ns", r->untimed_diff_ns,
			true, r->untimed_lo, r->untimed_hi);
		jset_ci(u, "timing_effect", "ns", r->timing_effect_ns,
			true, r->timing_effect_lo, r->timing_effect_hi);
		jset(o, "untimed", u);
	} else {
		jset(o, "untimed", NULL);
	}
	if (r->maps) {
		json_object *ms = json_object_new_array();

		for (int i = 0; i < r->nmaps; i++) {
			const struct map_fill *m = &r->maps[i];
			json_object *mo = json_object_new_object();

			jset(mo, "name", jstr(m->name));
			jset(mo, "type", jstr(m->type));
			jset(mo, "max_entries", jint(m->max_entries));
			jset(mo, "entries_start", m->entries_start >= 0 ? jint(m->entries_start) : NULL);
			jset(mo, "entries_end", m->entries_end >= 0 ? jint(m->entries_end) : NULL);
			json_object_array_add(ms, mo);
		}
		jset(o, "maps", ms);
	} else {
		jset(o, "maps", NULL);
	}
	jset(o, "run", r->run ? jint(r->run) : NULL);
	jset(o, "stats_on_in_trials", json_object_new_boolean(r->stats_on_in_trials));
	jset(o, "buf_kernel_bytes", r->buf_kernel_bytes ? jint((long long)r->buf_kernel_bytes) : NULL);
	bt = json_object_new_array();
	pt = json_object_new_array();
	for (int i = 0; r->status == RES_OK && i < r->trials; i++) {
		json_object_array_add(bt, jnum(r->base_trials_ns[i]));
		json_object_array_add(pt, jnum(r->probe_trials_ns[i]));
	}
	jset(o, "base_trials_ns", bt);
	jset(o, "probe_trials_ns", pt);
	return o;
}
