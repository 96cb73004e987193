// SPDX-License-Identifier: GPL-2.0
#include "core/engine.h"
#include "base/output.h"
#include "base/timer.h"
#include "base/util.h"

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
/* A trial's mean needs enough ops to be steady: a uprobe hit costs ~7 us
 * here, so ~5 ms would be only ~700 hits, and their spread made the
 * paired differences ~1.5x wider than trials of 2500 hits (~20 ms).
 * Cheap ops are unaffected (a 5 ms getpid trial is ~30,000 ops). */
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
	r->drift_pct = NAN;
}

void bench_result_free(struct bench_result *r)
{
	free(r->base_trials_ns);
	free(r->probe_trials_ns);
	r->base_trials_ns = r->probe_trials_ns = NULL;
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

/* The trials' attach and detach run on another CPU than the workload's
 * when there is one. What they leave behind is queued on the CPU that
 * called them: RCU callbacks that free the perf event, the program array
 * and the uprobe, which with expedited grace periods (bench) come due
 * within the next trial. On the workload's CPU they slowed the first trial
 * after a switch: the null row's B-B pairs showed -1 to -4 ns. */
struct switch_call {
	struct bench_target *t;
	bool attach;
	int cpu, err;
	char *reason;
	size_t len;
	atomic_bool done;
};

static void *switch_thread(void *arg)
{
	struct switch_call *c = arg;

	pin_to_cpu(c->cpu);
	if (c->attach)
		c->err = t_attach(c->t, c->reason, c->len);
	else
		t_detach(c->t);
	atomic_store_explicit(&c->done, true, memory_order_release);
	return NULL;
}

static int t_switch(struct bench_target *t, bool attach, int cpu, char *reason, size_t len)
{
	struct switch_call c = { t, attach, cpu, 0, reason, len };
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
	 * (the previous row's detach) ran faster than one after a short one:
	 * the null row read +0.4 to +0.9 ns, with 2 of 4 intervals excluding
	 * 0; waiting awake, -0.1 to +0.4 and none. sched_yield rather than a
	 * bare spin gives RCU its quiescent state at once: a bare spin made
	 * detaches wait for the tick (runs 37-40 s instead of 36). */
	while (!atomic_load_explicit(&c.done, memory_order_acquire))
		sched_yield();
	pthread_join(th, NULL);
	return c.err;
}

/* One phase of one trial: warm up, then n timed ops. */
static double phase(struct bench_target *t, bool attached, int switch_cpu,
		    const struct workload *wl, struct wl_ctx *c, uint64_t warm, uint64_t n,
		    struct hist *h, uint64_t *ops_attached, struct switch_cost *sw, char *reason,
		    size_t len, int *err)
{
	uint64_t done = 0, t0 = now_ns();
	double mean;

	if (attached && (*err = t_switch(t, true, switch_cpu, reason, len)))
		return NAN;
	if (attached && sw)
		sw->attach_ns += now_ns() - t0;
	run_ops(wl, c, warm, NULL, &done);
	mean = run_ops(wl, c, n, h, &done);
	if (attached) {
		t0 = now_ns();
		t_switch(t, false, switch_cpu, NULL, 0);
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

static void stats_phase(struct bench_target *t, const struct workload *wl, struct wl_ctx *c,
			uint64_t n, uint64_t *ops_attached, struct bench_result *r)
{
	int fds[16], nfd, sfd;
	uint64_t cnt0[16], time0[16], cnt, time_ns, dcnt = 0, dtime = 0, done = 0;
	char reason[256];

	if (t->control || !t->prog_fds)
		return;
	nfd = t->prog_fds(t->ctx, fds, 16);
	sfd = stats_enable();
	if (sfd < 0) {
		warn_msg("BPF_ENABLE_STATS failed (%s): no program run time", strerror(-sfd));
		return;
	}
	for (int i = 0; i < nfd; i++)
		if (prog_run_stats(fds[i], &cnt0[i], &time0[i], NULL))
			cnt0[i] = time0[i] = 0;
	if (t_attach(t, reason, sizeof(reason)) == 0) {
		run_ops(wl, c, n, NULL, &done);
		t_detach(t);
		*ops_attached += done;
	}
	for (int i = 0; i < nfd; i++) {
		if (prog_run_stats(fds[i], &cnt, &time_ns, NULL))
			continue;
		dcnt += cnt - cnt0[i];
		dtime += time_ns - time0[i];
	}
	close(sfd);
	if (dcnt && done) {
		r->prog_avg_ns = (double)dtime / (double)dcnt;
		r->prog_runs_per_op = (double)dcnt / (double)done;
		r->prog_ns_per_op = (double)dtime / (double)done;
	}
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
	if (!br->hb || !br->hp || !r->base_trials_ns || !r->probe_trials_ns || !br->diff ||
	    !br->rel) {
		fail(br, "out of memory");
		return -1;
	}
	hist_reset(br->hb);
	hist_reset(br->hp);

	/* Size the trials: a short look at both phases, then enough ops for
	 * trial_ms in the slower one (uprobes are ~1000x a tracepoint). */
	n = o->ops;
	if (!n) {
		uint64_t ignored = 0;
		double b = phase(t, false, br->switch_cpu, wl, &br->c, 200, 2000, NULL, &ignored,
				 &br->sw, reason, sizeof(reason), &err);
		double p = phase(t, true, br->switch_cpu, wl, &br->c, 20, 200, NULL, &ignored,
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

bool bench_pair(struct bench_run *br)
{
	struct bench_result *r = br->r;
	int i = r->trials, err = 0;
	char reason[512] = "";
	uint64_t t0 = now_ns();
	double est = NAN, lo = NAN, hi = NAN;
	/* The two trials of a pair run back to back, with the slower of
	 * attach and detach between pairs: closing a classic tracepoint waits
	 * ~50 ms for RCU, a uprobe ~100 ms, and the machine's speed changes
	 * within that (B then P for those; P then B when attaching is the
	 * slow one, as for raw tracepoints). */
	bool probe_first = br->sw.attach_ns > br->sw.detach_ns;

	if (br->state != RUN_PAIRS)
		return false;
	if (stop_requested || i >= br->max_trials) {
		br->state = RUN_END;
		return false;
	}
	for (int k = 0; k < 2; k++) {
		bool attached = (k == 0) == probe_first;
		double m = phase(br->t, attached, br->switch_cpu, br->wl, &br->c, br->warm, br->n,
				 attached ? br->hp : br->hb, &br->ops_attached, &br->sw, reason,
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

static void run_free(struct bench_run *br)
{
	if (br->wl_ready && br->wl->fini)
		br->wl->fini(&br->c);
	br->wl_ready = false;
	free(br->hb);
	free(br->hp);
	free(br->diff);
	free(br->rel);
	br->hb = br->hp = NULL;
	br->diff = br->rel = NULL;
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
	if (!br->o->no_stats)
		stats_phase(t, br->wl, &br->c, br->n, &br->ops_attached, r);

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
	 * median baseline speed. This VM runs in speed regimes that scale the
	 * probe's cost with the syscall's (getpid 140 to 200 ns minutes
	 * apart), so probe/base of a pair moves less than probe - base: the
	 * interval is ~30% narrower, and runs minutes apart agree in % where
	 * their ns follow the machine. The plain difference is kept beside it. */
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
	if (!isnan(r->prog_ns_per_op))
		r->dispatch_ns = r->overhead_ns - r->prog_ns_per_op;
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

/* ctx is the probe_row: its probe is replaced by probe_row_reload, and
 * the counts of the instances before it are carried. */
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

static int p_prog_fds(void *ctx, int *fds, int max)
{
	int fd = probe_prog_fd(((struct probe_row *)ctx)->p);

	if (fd < 0 || max < 1)
		return 0;
	fds[0] = fd;
	return 1;
}

int probe_row_open(struct probe_row *pr, const struct probe_spec *spec,
		   const struct bench_opts *o, struct bench_result *r)
{
	enum probe_status st;

	memset(pr, 0, sizeof(*pr));
	pr->spec = *spec;
	pr->r = r;
	pr->t = (struct bench_target){
		.attach = p_attach, .detach = p_detach, .counts = p_counts,
		.reset = p_reset, .prog_fds = p_prog_fds, .exact = true,
		.control = spec->hook == HOOK_NULL,
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

	if (!pr->p)
		return;
	bench_end(&pr->br);
	/* kprobe attach can fail after a successful load: that is the kernel
	 * saying no, not a failure of ours */
	if (r->status == RES_FAILED &&
	    (pr->spec.hook == HOOK_KPROBE || pr->spec.hook == HOOK_KRETPROBE) &&
	    kprobe_unsupported_reason())
		r->status = RES_UNSUPPORTED;
	probe_close(pr->p);
	pr->p = NULL;
}

int probe_row_reload(struct probe_row *pr)
{
	struct bench_run *br = &pr->br;
	struct probe_counts c;
	char reason[512] = "";

	if (!pr->p || pr->t.control || br->state != RUN_PAIRS)
		return 0;
	probe_counts(pr->p, &c); /* settles the reader: every record is in */
	pr->carry.hits += c.hits;
	pr->carry.drops += c.drops;
	pr->carry.consumed += c.consumed;
	pr->carry.lost_records += c.lost_records;
	br->stats_moved |= prog_runs(&pr->t) != br->runs0;
	probe_close(pr->p);
	pr->p = NULL;
	if (probe_open(&pr->p, &pr->spec, reason, sizeof(reason)) != PROBE_OK) {
		fail(br, reason[0] ? reason : "the probe could not be loaded again");
		bench_end(br); /* probe_row_close has no probe to end the row with */
		return -1;
	}
	br->runs0 = prog_runs(&pr->t);
	pr->reloads++;
	pr->r->instances = pr->reloads + 1;
	return 0;
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
	jset(o, "overhead_ns", jnum(r->overhead_ns));
	jset(o, "overhead_ci95", r->status == RES_OK ? jpair(r->ci_lo, r->ci_hi) : NULL);
	jset(o, "overhead_pct", jnum(r->overhead_pct));
	jset(o, "overhead_diff_ns", jnum(r->diff_ns));
	jset(o, "overhead_diff_ci95", r->status == RES_OK ? jpair(r->diff_ci_lo, r->diff_ci_hi) : NULL);
	jset(o, "overhead_mean_ns", jnum(r->overhead_mean_ns));
	jset(o, "overhead_mean_ci95", r->status == RES_OK ? jpair(r->mean_ci_lo, r->mean_ci_hi) : NULL);
	jset(o, "base_p50_ns", jnum(r->base_p50_ns));
	jset(o, "base_p99_ns", jnum(r->base_p99_ns));
	jset(o, "base_p999_ns", jnum(r->base_p999_ns));
	jset(o, "base_max_ns", jnum(r->base_max_ns));
	jset(o, "probe_p50_ns", jnum(r->probe_p50_ns));
	jset(o, "probe_p99_ns", jnum(r->probe_p99_ns));
	jset(o, "probe_p999_ns", jnum(r->probe_p999_ns));
	jset(o, "probe_max_ns", jnum(r->probe_max_ns));
	jset(o, "prog_avg_ns", jnum(r->prog_avg_ns));
	jset(o, "prog_runs_per_op", jnum(r->prog_runs_per_op));
	jset(o, "prog_ns_per_op", jnum(r->prog_ns_per_op));
	jset(o, "dispatch_ns", jnum(r->dispatch_ns));
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
