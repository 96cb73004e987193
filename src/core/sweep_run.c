// SPDX-License-Identifier: GPL-2.0
/* Running one sweep point: the workload threads, the slices, the counts. */
#include "core/sweep_run.h"
#include "core/budget_model.h"
#include "bpf/probes.h"
#include "base/output.h"
#include "base/timer.h"
#include "base/util.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>


/* What the main thread asks the workers to do next. */
struct slice_cmd {
	bool quit;
	double rate_per_s;       /* per thread; 0 max */
	uint64_t duration_ns, warm_ns;
	int phase;               /* 0 base, 1 probe, 2 stats (no histograms) */
};

struct worker {
	struct sweep_run *s;
	int idx, cpu, tid;
	pthread_t th;
	bool started;
	int init_err;
	struct wl_ctx c;
	struct pace pace;
	struct hist *h[2][2];    /* [phase][sched, svc] */
	struct hist *h_slice;    /* service times of the current slice */
	struct pace_result res;  /* of the last slice */
};

struct sweep_run {
	struct sweep_cfg cfg;
	struct probe *p;
	pthread_barrier_t bar;
	bool bar_init;
	/* the workers wait for every one of them to exist before they use
	 * the barrier (it counts them all): 1 go, -1 give up */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int go;
	struct slice_cmd cmd;
	int nworkers;
	struct worker w[SWEEP_MAX_THREADS];
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct sweep_run *s = w->s;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals go to the main thread */
	pin_to_cpu(w->cpu);
	/* the default 50 us timer slack would make every sleep late */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	w->tid = (int)gettid();
	/* the thread's malloc arena (mmap + munmap trims) exists before any
	 * probe is attached, should libc allocate on this thread later */
	{
		void *volatile m = malloc(64); /* volatile: the pair must not be optimized out */

		free(m);
	}
	pthread_mutex_lock(&s->mu);
	while (!s->go)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	if (s->go < 0)
		return NULL;
	if (s->cfg.wl->init && s->cfg.wl->init(&w->c))
		w->init_err = 1;
	pthread_barrier_wait(&s->bar); /* ready */
	for (;;) {
		struct slice_cmd cmd;

		pthread_barrier_wait(&s->bar); /* start */
		cmd = s->cmd;
		if (cmd.quit)
			break;
		w->pace.rate_per_s = cmd.rate_per_s;
		pace_run(&w->pace, s->cfg.wl, &w->c, cmd.duration_ns, cmd.warm_ns,
			 cmd.phase < 2 ? w->h[cmd.phase][0] : NULL,
			 cmd.phase < 2 ? w->h_slice : NULL, &w->res);
		pthread_barrier_wait(&s->bar); /* done */
	}
	if (s->cfg.wl->fini)
		s->cfg.wl->fini(&w->c);
	return NULL;
}

static void run_slice(struct sweep_run *s, const struct slice_cmd *cmd)
{
	s->cmd = *cmd;
	pthread_barrier_wait(&s->bar);
	pthread_barrier_wait(&s->bar);
}

void sweep_close(struct sweep_run *s)
{
	if (!s)
		return;
	probe_detach(s->p); /* nothing runs attached past here */
	if (s->bar_init) {
		struct slice_cmd q = { .quit = true };

		s->cmd = q;
		pthread_barrier_wait(&s->bar);
		for (int i = 0; i < s->nworkers; i++)
			if (s->w[i].started)
				pthread_join(s->w[i].th, NULL);
		pthread_barrier_destroy(&s->bar);
	}
	for (int i = 0; i < s->nworkers; i++) {
		for (int a = 0; a < 2; a++)
			for (int b = 0; b < 2; b++)
				free(s->w[i].h[a][b]);
		free(s->w[i].h_slice);
	}
	probe_close(s->p);
	free(s);
}

enum probe_status sweep_open(struct sweep_run **out, const struct sweep_cfg *cfg,
			     char *reason, size_t len)
{
	struct sweep_run *s = calloc(1, sizeof(*s));
	struct probe_spec spec;
	enum probe_status st;
	int ncpu = online_cpus(), err;

	*out = NULL;
	if (!s) {
		snprintf(reason, len, "out of memory");
		return PROBE_FAILED;
	}
	s->cfg = *cfg;
	s->nworkers = cfg->threads;
	memset(&spec, 0, sizeof(spec));
	spec.hook = cfg->hook;
	spec.body = cfg->body;
	spec.wl = cfg->wl;
	spec.flow_multi = cfg->flow_multi;
	spec.buf_size = cfg->buf_size;
	spec.consumer = cfg->consumer;
	spec.consumer_cpu = cfg->consumer_cpu;
	spec.batch = cfg->batch;
	st = probe_open(&s->p, &spec, reason, len);
	if (st != PROBE_OK) {
		free(s);
		return st;
	}
	for (int i = 0; i < s->nworkers; i++) {
		bool ok = (s->w[i].h_slice = malloc(sizeof(struct hist)));

		for (int a = 0; a < 2; a++)
			for (int b = 0; b < 2; b++)
				ok = (s->w[i].h[a][b] = malloc(sizeof(struct hist))) && ok;
		if (!ok) {
			snprintf(reason, len, "out of memory");
			sweep_close(s);
			return PROBE_FAILED;
		}
	}
	timer_init();
	if ((err = pthread_barrier_init(&s->bar, NULL, (unsigned)s->nworkers + 1))) {
		snprintf(reason, len, "pthread_barrier_init: %s", strerror(err));
		sweep_close(s);
		return PROBE_FAILED;
	}
	s->bar_init = true;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	for (int i = 0; i < s->nworkers; i++) {
		struct worker *w = &s->w[i];

		w->s = s;
		w->idx = i;
		w->cpu = (cfg->cpu + i) % ncpu;
		if ((err = pthread_create(&w->th, NULL, worker_main, w))) {
			snprintf(reason, len, "workload thread: %s", strerror(err));
			break;
		}
		w->started = true;
	}
	pthread_mutex_lock(&s->mu);
	s->go = err ? -1 : 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (err) {
		/* without every worker the barrier cannot be crossed: the
		 * started ones return at once */
		for (int i = 0; i < s->nworkers; i++)
			if (s->w[i].started)
				pthread_join(s->w[i].th, NULL);
		pthread_barrier_destroy(&s->bar);
		s->bar_init = false;
		sweep_close(s);
		return PROBE_FAILED;
	}
	pthread_barrier_wait(&s->bar); /* ready */
	for (int i = 0; i < s->nworkers; i++)
		if (s->w[i].init_err) {
			snprintf(reason, len, "workload %s: setup failed", cfg->wl->name);
			sweep_close(s);
			return PROBE_FAILED;
		}
	*out = s;
	return PROBE_OK;
}

bool sweep_keys_collide(const struct sweep_run *s)
{
	for (int i = 0; i < s->nworkers; i++)
		for (int j = i + 1; j < s->nworkers; j++)
			if (s->w[i].tid % PROBE_MAX_THREADS == s->w[j].tid % PROBE_MAX_THREADS)
				return true;
	return false;
}

void sweep_point_init(struct sweep_point *pt, const struct sweep_cfg *cfg, double target_rate)
{
	memset(pt, 0, sizeof(*pt));
	snprintf(pt->workload, sizeof(pt->workload), "%s", cfg->wl->name);
	snprintf(pt->hook, sizeof(pt->hook), "%s", hooks[cfg->hook].name);
	snprintf(pt->body, sizeof(pt->body), "%s", cfg->hook == HOOK_NULL ? "-" : bodies[cfg->body].name);
	pt->arrival = cfg->arrival;
	pt->consumer = cfg->consumer;
	pt->threads = cfg->threads;
	pt->flow_multi = cfg->flow_multi;
	pt->target_rate = target_rate;
	pt->status = RES_FAILED;
	pt->cpus = online_cpus();
	pt->achieved_rate = pt->base_achieved_rate = NAN;
	pt->base_p50_ns = pt->base_p99_ns = pt->base_p999_ns = pt->base_max_ns = NAN;
	pt->probe_p50_ns = pt->probe_p99_ns = pt->probe_p999_ns = pt->probe_max_ns = NAN;
	pt->base_svc_p50_ns = pt->base_svc_p99_ns = pt->base_svc_p999_ns = pt->base_svc_max_ns = NAN;
	pt->probe_svc_p50_ns = pt->probe_svc_p99_ns = pt->probe_svc_p999_ns = NAN;
	pt->probe_svc_max_ns = NAN;
	pt->base_ns = pt->probe_ns = pt->overhead_ns = pt->overhead_lo = pt->overhead_hi = NAN;
	pt->cpu_workload_pct = pt->cpu_workload_base_pct = pt->busy_pct = NAN;
	pt->cpu_consumer_pct = pt->consumer_ns_per_event = NAN;
	pt->prog_avg_ns = pt->prog_runs_per_op = pt->prog_overhead_pct = NAN;
	pt->system_overhead_pct = pt->sys_lo = pt->sys_hi = NAN;
	pt->loss_pct = pt->loss_lo = pt->loss_hi = NAN;
	pt->wakeups_per_event = pt->consumer_ns_per_wakeup = NAN;
}

/* Mean of the fastest q of the samples: the odd op another process
 * preempted for milliseconds would otherwise swamp a slice's mean (this
 * machine is shared); a probe's cost is paid by every op, so it stays. */
#define TRIM_Q 0.99
/* attach/detach stir the CPU (perf events, RCU): the first ops of a slice
 * run but are not timed, in both phases alike */
#define WARM_MAX_NS 20e6

static double hist_trimmed_mean(const struct hist *h, double q)
{
	uint64_t keep = (uint64_t)ceil(q * (double)h->n), seen = 0;
	double sum = 0;

	for (int b = 0; b < HIST_BUCKETS && seen < keep; b++) {
		uint64_t c = h->counts[b];

		if (!c)
			continue;
		if (seen + c > keep)
			c = keep - seen;
		sum += (double)c * ((double)hist_bucket_lo(b) +
				    (double)(hist_bucket_hi(b) - hist_bucket_lo(b) - 1) / 2.0);
		seen += c;
	}
	return seen ? sum / (double)seen : NAN;
}

static void quantiles(const struct hist *h, double *p50, double *p99, double *p999, double *max)
{
	if (!h->n) {
		*p50 = *p99 = *p999 = *max = NAN;
		return;
	}
	*p50 = hist_quantile(h, 0.50) - timer_overhead_ns;
	*p99 = hist_quantile(h, 0.99) - timer_overhead_ns;
	*p999 = hist_quantile(h, 0.999) - timer_overhead_ns;
	*max = (double)h->max_ns - timer_overhead_ns;
}

/* The BPF-stats slice: the program's own run time, at the point's rate,
 * with stats on only here (they add two clock reads to every run, which
 * would inflate the measured slices). */
static void stats_slice(struct sweep_run *s, const struct slice_cmd *base_cmd,
			uint64_t *ops_attached, uint64_t *ops_cpu, struct sweep_point *pt)
{
	struct slice_cmd cmd = *base_cmd;
	uint64_t cnt0, t0, cnt1, t1, ops = 0;
	int fd, sfd;
	char reason[256];

	if (probe_prog_fd(s->p) < 0)
		return;
	sfd = stats_enable();
	if (sfd < 0) {
		warn_msg("BPF_ENABLE_STATS failed (%s): no program run time", strerror(-sfd));
		return;
	}
	cmd.phase = 2;
	cmd.duration_ns = s->cfg.duration_ns / 10;
	if (cmd.duration_ns < 200000000ULL)
		cmd.duration_ns = 200000000ULL;
	if (cmd.duration_ns > 1000000000ULL)
		cmd.duration_ns = 1000000000ULL;
	cmd.warm_ns = 0;
	/* the program's fd once attached: a kernel that attaches a program
	 * once per load gets a fresh copy at each attach (probe_attach) */
	if (probe_attach(s->p, reason, sizeof(reason)) == 0 &&
	    prog_run_stats((fd = probe_prog_fd(s->p)), &cnt0, &t0, NULL) == 0) {
		run_slice(s, &cmd);
		for (int i = 0; i < s->nworkers; i++) {
			ops += s->w[i].res.ops;
			ops_cpu[i] += s->w[i].res.ops;
		}
		*ops_attached += ops;
		if (prog_run_stats(fd, &cnt1, &t1, NULL) == 0 && cnt1 > cnt0) {
			pt->prog_avg_ns = (double)(t1 - t0) / (double)(cnt1 - cnt0);
			if (ops)
				pt->prog_runs_per_op = (double)(cnt1 - cnt0) / (double)ops;
		}
	}
	probe_detach(s->p);
	close(sfd);
}

void sweep_point_run(struct sweep_run *s, double target_rate, struct sweep_point *pt,
		     void (*progress)(void *arg, int slice, int slices), void *arg)
{
	const struct sweep_cfg *cfg = &s->cfg;
	int n = s->nworkers, pairs, done_pairs = 0;
	double slice_ns, *d = NULL, *sys = NULL, *loss = NULL;
	double base_el = 0, probe_el = 0, cons_ns = 0, probe_cpu = 0, base_cpu = 0, busy = 0;
	uint64_t base_ops = 0, probe_ops = 0, base_timed = 0, probe_timed = 0, ops_attached = 0;
	uint64_t ops_cpu[SWEEP_MAX_THREADS] = { 0 }, hits_meas[SWEEP_MAX_THREADS] = { 0 };
	uint64_t th_probe_ops[SWEEP_MAX_THREADS] = { 0 }, probe_sched = 0, base_sched = 0;
	struct hist *hm = NULL;
	struct probe_counts pc;
	char reason[256] = "";

	sweep_point_init(pt, cfg, target_rate);
	pt->nthreads = n;
	pairs = (int)llround((double)cfg->duration_ns / (double)cfg->slice_ns);
	if (pairs < 2)
		pairs = 2;
	slice_ns = (double)cfg->duration_ns / pairs;
	pt->slice_s = slice_ns / 1e9;
	d = calloc((size_t)pairs, sizeof(double));
	sys = calloc((size_t)pairs, sizeof(double));
	loss = calloc((size_t)pairs, sizeof(double));
	hm = malloc(sizeof(*hm));
	if (!d || !sys || !loss || !hm) {
		snprintf(pt->reason, sizeof(pt->reason), "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct worker *w = &s->w[i];

		for (int a = 0; a < 2; a++)
			for (int b = 0; b < 2; b++)
				hist_reset(w->h[a][b]);
		hist_reset(w->h_slice);
		/* the same streams for every point of a run: comparable */
		pace_init(&w->pace, 0, cfg->arrival, cfg->seed + 0x1000193ULL * (uint64_t)(i + 1));
	}
	probe_reset_counts(s->p);

	for (int pr = 0; pr < pairs && !stop_requested; pr++) {
		bool probe_first = pr % 2; /* B P, P B: a linear drift cancels */
		double mean_ns[2] = { NAN, NAN }, rate_p = 0, el_p = 0, cons_p = 0;
		uint64_t hits0 = 0, drops0 = 0, hits1, drops1;

		for (int k = 0; k < 2 && !stop_requested; k++) {
			int phase = (k == 0) == probe_first ? 1 : 0;
			struct slice_cmd cmd = {
				.rate_per_s = target_rate / n, .duration_ns = (uint64_t)slice_ns,
				.warm_ns = (uint64_t)fmin(slice_ns / 20, WARM_MAX_NS), .phase = phase,
			};
			uint64_t cons0 = 0, wake0 = 0, hc0[SWEEP_MAX_THREADS], sum_ops = 0, sum_timed = 0;
			double el = 0, cpu = 0, bz = 0;

			if (progress)
				progress(arg, pr * 2 + k + 1, pairs * 2);
			if (phase == 1) {
				for (int i = 0; i < n; i++)
					hc0[i] = probe_hits_cpu(s->p, s->w[i].cpu);
				probe_slot_totals(s->p, &hits0, &drops0);
				cons0 = probe_consumer_cpu_ns(s->p);
				wake0 = probe_consumer_wakeups(s->p);
				if (probe_attach(s->p, reason, sizeof(reason))) {
					snprintf(pt->reason, sizeof(pt->reason), "%s", reason);
					goto out;
				}
			}
			run_slice(s, &cmd);
			if (phase == 1) {
				probe_detach(s->p);
				cons_p = (double)(probe_consumer_cpu_ns(s->p) - cons0);
				/* the reader catches up after the detach: its last
				 * wake-ups of the slice come in within the catch-up */
				pt->reader_wakeups += probe_consumer_wakeups(s->p) - wake0;
				probe_slot_totals(s->p, &hits1, &drops1);
				for (int i = 0; i < n; i++)
					hits_meas[i] += probe_hits_cpu(s->p, s->w[i].cpu) - hc0[i];
				loss[pr] = hits1 > hits0 ?
					   100.0 * (double)(drops1 - drops0) / (double)(hits1 - hits0) : 0;
			}
			for (int i = 0; i < n; i++) {
				struct pace_result *r = &s->w[i].res;

				sum_ops += r->ops;
				sum_timed += r->timed;
				cpu += (double)r->cpu_ns;
				bz += (double)r->busy_ns;
				if ((double)r->elapsed_ns > el)
					el = (double)r->elapsed_ns;
				if (phase == 1) {
					ops_cpu[i] += r->ops;
					th_probe_ops[i] += r->ops;
				}
				if (target_rate > 0)
					pt->missed += r->scheduled - r->ops;
				if (phase == 1)
					probe_sched += r->scheduled;
				else
					base_sched += r->scheduled;
			}
			/* the slice's service times: its trimmed mean, then
			 * into the phase's histograms */
			hist_reset(hm);
			for (int i = 0; i < n; i++) {
				hist_merge(hm, s->w[i].h_slice);
				hist_merge(s->w[i].h[phase][1], s->w[i].h_slice);
				hist_reset(s->w[i].h_slice);
			}
			mean_ns[phase] = hist_trimmed_mean(hm, TRIM_Q);
			if (phase == 1) {
				ops_attached += sum_ops;
				probe_ops += sum_ops;
				probe_timed += sum_timed;
				probe_el += el;
				probe_cpu += cpu;
				busy += bz;
				cons_ns += cons_p;
				rate_p = el > 0 ? (double)sum_ops * 1e9 / el : NAN;
				el_p = el;
			} else {
				base_ops += sum_ops;
				base_timed += sum_timed;
				base_el += el;
				base_cpu += cpu;
			}
		}
		if (stop_requested)
			break;
		d[pr] = mean_ns[1] - mean_ns[0];
		/* the guide's formula per slice: events/s x added ns per event,
		 * plus the consumer's CPU, over every online CPU */
		sys[pr] = overhead_pct(rate_p, d[pr] + (rate_p > 0 && el_p > 0 ?
							cons_p / (rate_p * el_p / 1e9) : 0), pt->cpus);
		done_pairs = pr + 1;
	}
	if (stop_requested) {
		snprintf(pt->reason, sizeof(pt->reason), "interrupted after %d of %d slice pairs",
			 done_pairs, pairs);
		goto out;
	}
	if (!cfg->no_stats) {
		struct slice_cmd cmd = { .rate_per_s = target_rate / n };

		if (progress)
			progress(arg, pairs * 2, pairs * 2);
		stats_slice(s, &cmd, &ops_attached, ops_cpu, pt);
	}

	/* Exact counts: every op issued while attached fired the probe once,
	 * on the CPU its thread is pinned to; every event produced was read
	 * or counted lost. */
	probe_counts(s->p, &pc);
	pt->ops_attached = ops_attached;
	pt->produced = pc.hits;
	pt->consumed = pc.consumed;
	pt->lost = pc.drops;
	pt->lost_records = pc.lost_records;
	pt->pairs = done_pairs;
	if (cfg->hook == HOOK_NULL) {
		pt->ops_attached = 0; /* nothing was attached to count */
	} else if (pc.hits != ops_attached) {
		snprintf(pt->reason, sizeof(pt->reason),
			 "probe fired %llu times for %llu ops: the number would not be what it claims",
			 (unsigned long long)pc.hits, (unsigned long long)ops_attached);
		goto out;
	}
	for (int i = 0; i < n && cfg->hook != HOOK_NULL; i++) {
		uint64_t h = probe_hits_cpu(s->p, s->w[i].cpu);

		if (n <= pt->cpus && h != ops_cpu[i]) {
			snprintf(pt->reason, sizeof(pt->reason),
				 "thread %d: probe fired %llu times on CPU %d for %llu ops", i,
				 (unsigned long long)h, s->w[i].cpu, (unsigned long long)ops_cpu[i]);
			goto out;
		}
	}
	if (bodies[cfg->body].output && pc.hits != pc.consumed + pc.drops) {
		snprintf(pt->reason, sizeof(pt->reason),
			 "output accounting broken: produced %llu != consumed %llu + lost %llu",
			 (unsigned long long)pc.hits, (unsigned long long)pc.consumed,
			 (unsigned long long)pc.drops);
		goto out;
	}

	pt->achieved_rate = probe_el > 0 ? (double)probe_ops * 1e9 / probe_el : NAN;
	pt->base_achieved_rate = base_el > 0 ? (double)base_ops * 1e9 / base_el : NAN;
	pt->base_samples = base_timed;
	pt->probe_samples = probe_timed;
	for (int phase = 0; phase < 2; phase++) {
		for (int k = 0; k < 2; k++) {
			hist_reset(hm);
			for (int i = 0; i < n; i++)
				hist_merge(hm, s->w[i].h[phase][k]);
			if (k == 1 && phase == 0)
				pt->base_ns = hist_trimmed_mean(hm, TRIM_Q) - timer_overhead_ns;
			else if (k == 1)
				pt->probe_ns = hist_trimmed_mean(hm, TRIM_Q) - timer_overhead_ns;
			if (phase == 0 && k == 0)
				quantiles(hm, &pt->base_p50_ns, &pt->base_p99_ns, &pt->base_p999_ns,
					  &pt->base_max_ns);
			else if (phase == 0)
				quantiles(hm, &pt->base_svc_p50_ns, &pt->base_svc_p99_ns,
					  &pt->base_svc_p999_ns, &pt->base_svc_max_ns);
			else if (k == 0)
				quantiles(hm, &pt->probe_p50_ns, &pt->probe_p99_ns, &pt->probe_p999_ns,
					  &pt->probe_max_ns);
			else
				quantiles(hm, &pt->probe_svc_p50_ns, &pt->probe_svc_p99_ns,
					  &pt->probe_svc_p999_ns, &pt->probe_svc_max_ns);
		}
	}
	centre_ci(d, done_pairs, &pt->overhead_ns, &pt->overhead_lo, &pt->overhead_hi);
	pt->cpu_workload_pct = probe_el > 0 ? 100.0 * probe_cpu / probe_el : NAN;
	pt->cpu_workload_base_pct = base_el > 0 ? 100.0 * base_cpu / base_el : NAN;
	pt->busy_pct = probe_el > 0 ? 100.0 * busy / probe_el : NAN;
	pt->cpu_consumer_pct = probe_el > 0 ? 100.0 * cons_ns / probe_el : NAN;
	/* the point's estimate from its totals; the interval from the slices */
	pt->consumer_ns_per_event = probe_ops ? cons_ns / (double)probe_ops : NAN;
	pt->system_overhead_pct = overhead_pct(pt->achieved_rate,
					       pt->overhead_ns + (probe_ops ? pt->consumer_ns_per_event : 0),
					       pt->cpus);
	{
		double e;

		centre_ci(sys, done_pairs, &e, &pt->sys_lo, &pt->sys_hi);
		/* keep the interval around the estimate it belongs to */
		if (!isnan(e) && !isnan(pt->sys_lo)) {
			pt->sys_lo += pt->system_overhead_pct - e;
			pt->sys_hi += pt->system_overhead_pct - e;
		}
	}
	if (!bodies[cfg->body].output || cfg->consumer == CONSUMER_NONE || cfg->hook == HOOK_NULL)
		pt->cpu_consumer_pct = pt->consumer_ns_per_event = NAN; /* no reader thread */
	if (!isnan(pt->prog_avg_ns))
		pt->prog_overhead_pct = overhead_pct(pt->achieved_rate, pt->prog_avg_ns, pt->cpus);
	pt->loss_pct = pc.hits ? 100.0 * (double)pc.drops / (double)pc.hits : 0;
	{
		double e;

		centre_ci(loss, done_pairs, &e, &pt->loss_lo, &pt->loss_hi);
		if (!isnan(pt->loss_lo) && pt->loss_lo < 0)
			pt->loss_lo = 0;
		if (pc.drops == 0)
			pt->loss_lo = pt->loss_hi = 0; /* none at all: exact */
	}
	for (int i = 0; i < n; i++) {
		struct sweep_thread *t = &pt->th[i];

		t->cpu = s->w[i].cpu;
		t->tid = s->w[i].tid;
		t->base_ns = hist_trimmed_mean(s->w[i].h[0][1], TRIM_Q) - timer_overhead_ns;
		t->probe_ns = hist_trimmed_mean(s->w[i].h[1][1], TRIM_Q) - timer_overhead_ns;
		t->ops_per_s = probe_el > 0 ? (double)th_probe_ops[i] * 1e9 / probe_el : NAN;
		t->events_per_s = probe_el > 0 ? (double)hits_meas[i] * 1e9 / probe_el : NAN;
		t->ops_attached = ops_cpu[i];
		t->hits = probe_hits_cpu(s->p, s->w[i].cpu);
	}
	/* Behind: more than 5% of the ops whose time came were not issued
	 * (not "achieved < target": Poisson counts vary by chance). Why, and
	 * whether it is a ceiling, is sweep_judge's, against the other points. */
	pt->base_ops = base_ops;
	pt->probe_ops = probe_ops;
	pt->base_scheduled = base_sched;
	pt->probe_scheduled = probe_sched;
	pt->base_backlog = target_rate > 0 && (double)base_ops < 0.95 * (double)base_sched;
	pt->probe_backlog = target_rate > 0 && (double)probe_ops < 0.95 * (double)probe_sched;
	if (bodies[cfg->body].output && cfg->consumer != CONSUMER_NONE && cfg->hook != HOOK_NULL) {
		pt->wakeups_per_event = probe_ops ? (double)pt->reader_wakeups / (double)probe_ops : NAN;
		pt->consumer_ns_per_wakeup = pt->reader_wakeups ? cons_ns / (double)pt->reader_wakeups : NAN;
	}
	pt->status = RES_OK;
out:
	free(d);
	free(sys);
	free(loss);
	free(hm);
}

/* "1000/s" style rate for notes ("max" for the closed loop) */
static const char *rate_s(char *buf, size_t len, double r)
{
	if (r > 0)
		snprintf(buf, len, "%.0f/s", r);
	else
		snprintf(buf, len, "max");
	return buf;
}

static void add_cause(struct sweep_point *p, const char *cause)
{
	size_t l = strlen(p->causes);

	snprintf(p->causes + l, sizeof(p->causes) - l, "%s%s", l ? "," : "", cause);
}

/* A note's next clause, after "; " when there is one before it. */
#define NOTE(p, ...)                                                                  \
	do {                                                                          \
		size_t l_ = strlen((p)->note);                                        \
		snprintf((p)->note + l_, sizeof((p)->note) - l_, "%s", l_ ? "; " : ""); \
		l_ = strlen((p)->note);                                               \
		snprintf((p)->note + l_, sizeof((p)->note) - l_, __VA_ARGS__);        \
	} while (0)

/* When a point is behind, a reader on its CPU at or above this share,
 * and a reader woken for at least this many of the events, are named as
 * causes. */
#define CONSUMER_CAUSE_PCT 90.0
#define WAKEUPS_CAUSE_PER_EVENT 0.1

void sweep_judge(struct sweep_point *pts, int n)
{
	for (int i = 0; i < n; i++) {
		struct sweep_point *p = &pts[i], *best = NULL;
		char r1[32], r2[32];
		double share, full;

		if (p->status != RES_OK)
			continue;
		p->note[0] = p->causes[0] = '\0';
		p->saturated = p->starved = p->ceiling = false;
		/* the point of the run that did best, other than this one */
		for (int j = 0; j < n; j++)
			if (j != i && pts[j].status == RES_OK && pts[j].achieved_rate > p->achieved_rate &&
			    (!best || pts[j].achieved_rate > best->achieved_rate))
				best = &pts[j];
		if (p->probe_backlog) {
			/* With the CPU to itself the thread would have reached about
			 * achieved / (its CPU share): below the target, the target is
			 * beyond the workload (saturated); above it, other work took
			 * the CPU (starved). */
			share = fmax(p->cpu_workload_pct / (p->threads > 0 ? p->threads : 1) / 100.0, 0.01);
			full = p->achieved_rate / fmin(share, 1.0);
			if (full < 0.95 * p->target_rate) {
				p->saturated = true;
				p->ceiling = !best;
				/* another point reached this target: it is within reach,
				 * this point alone fell short of it */
				if (best && best->achieved_rate >= 0.95 * p->target_rate)
					NOTE(p, "fell behind (%.0f/s of %.0f/s) with the workload thread "
						"on CPU %.0f%% of the time", p->achieved_rate,
					     p->target_rate, share * 100);
				else if (share < 0.9)
					NOTE(p, "target %.0f/s is beyond reach: %.0f/s achieved on %.0f%% of a "
						"CPU (~%.0f/s with all of it)", p->target_rate, p->achieved_rate,
					     share * 100, full);
				else
					NOTE(p, "target %.0f/s is beyond reach: %.0f/s achieved%s",
					     p->target_rate, p->achieved_rate,
					     p->ceiling ? " (the ceiling here)" : "");
			} else {
				p->starved = true;
				add_cause(p, "other_work");
				NOTE(p, "fell behind (%.0f/s of %.0f/s) with the workload thread on CPU only "
					"%.0f%% of the time: other work took the CPU", p->achieved_rate,
				     p->target_rate, share * 100);
			}
			if (best)
				NOTE(p, "not a ceiling: the %s point reached %.0f/s",
				     rate_s(r1, sizeof(r1), best->target_rate), best->achieved_rate);
			/* the causes the data shows */
			if (p->wakeups_per_event >= WAKEUPS_CAUSE_PER_EVENT) {
				add_cause(p, "reader_wakeups");
				NOTE(p, "reader wake-ups: %llu (%.2f per event, %.1f us of reader CPU each)",
				     (unsigned long long)p->reader_wakeups, p->wakeups_per_event,
				     p->consumer_ns_per_wakeup / 1000);
				if (best && best->wakeups_per_event < p->wakeups_per_event / 2)
					NOTE(p, "at %s the reader woke %.2f times per event",
					     rate_s(r2, sizeof(r2), best->target_rate), best->wakeups_per_event);
			}
			/* saturated: the workload thread's own ops could not go faster */
			if (p->saturated) {
				add_cause(p, "workload_cpu");
				NOTE(p, "workload CPU: the thread ran %.0f%% of the time, %.0f%% inside "
					"its timed ops (%.1f us an op with the probe)", share * 100,
				     p->busy_pct / (p->threads > 0 ? p->threads : 1), p->probe_ns / 1000);
			}
			if (p->cpu_consumer_pct >= CONSUMER_CAUSE_PCT) {
				add_cause(p, "consumer_cpu");
				NOTE(p, "consumer CPU: the reader used %.0f%% of its CPU",
				     p->cpu_consumer_pct);
			}
		}
		if (p->probe_backlog || p->base_backlog)
			NOTE(p, "latency from the scheduled start is backlog (%s behind schedule)",
			     p->probe_backlog && p->base_backlog ? "baseline and probe" :
			     p->probe_backlog ? "probe" : "baseline");
		/* perf's own count of lost samples (PERF_RECORD_LOST, read by
		 * the consumer) should agree with the program's failed outputs */
		if (!strcmp(p->body, "perfbuf") && p->consumer != CONSUMER_NONE &&
		    p->lost_records != p->lost)
			NOTE(p, "perf lost records %llu != drops %llu",
			     (unsigned long long)p->lost_records, (unsigned long long)p->lost);
	}
}

json_object *sweep_point_json(const struct sweep_point *pt)
{
	json_object *o = json_object_new_object(), *th;

	jset(o, "workload", jstr(pt->workload));
	jset(o, "hook", jstr(pt->hook));
	jset(o, "body", jstr(pt->body));
	jset(o, "arrival", jstr(arrival_names[pt->arrival]));
	jset(o, "consumer", jstr(consumer_names[pt->consumer]));
	jset(o, "threads", jint(pt->threads));
	jset(o, "flow", jstr(pt->flow_multi ? "multi" : "single"));
	jset(o, "status", jstr(result_status_names[pt->status]));
	jset(o, "reason", pt->reason[0] ? jstr(pt->reason) : NULL);
	jset(o, "note", pt->note[0] ? jstr(pt->note) : NULL);
	jset(o, "target_rate", pt->target_rate > 0 ? jnum(pt->target_rate) : NULL);
	jset(o, "max", json_object_new_boolean(pt->target_rate <= 0));
	jset(o, "achieved_rate", jnum(pt->achieved_rate));
	jset(o, "base_achieved_rate", jnum(pt->base_achieved_rate));
	jset(o, "saturated", json_object_new_boolean(pt->saturated));
	jset(o, "starved", json_object_new_boolean(pt->starved));
	jset(o, "ceiling", json_object_new_boolean(pt->ceiling));
	jset(o, "causes", pt->causes[0] ? jstr(pt->causes) : NULL);
	jset(o, "base_backlog", json_object_new_boolean(pt->base_backlog));
	jset(o, "probe_backlog", json_object_new_boolean(pt->probe_backlog));
	jset(o, "scheduled", jint((long long)(pt->base_scheduled + pt->probe_scheduled)));
	jset(o, "reader_wakeups", jint((long long)pt->reader_wakeups));
	jset(o, "wakeups_per_event", jnum(pt->wakeups_per_event));
	jset(o, "consumer_ns_per_wakeup", jnum(pt->consumer_ns_per_wakeup));
	jset(o, "missed", jint((long long)pt->missed));
	jset(o, "slice_pairs", jint(pt->pairs));
	jset(o, "slice_s", jnum(pt->slice_s));
	jset(o, "base_samples", jint((long long)pt->base_samples));
	jset(o, "probe_samples", jint((long long)pt->probe_samples));
	jset_pcts_ns(o, "base", pt->base_p50_ns, pt->base_p99_ns, pt->base_p999_ns, pt->base_max_ns);
	jset_pcts_ns(o, "probe", pt->probe_p50_ns, pt->probe_p99_ns, pt->probe_p999_ns, pt->probe_max_ns);
	jset_pcts_ns(o, "base_svc", pt->base_svc_p50_ns, pt->base_svc_p99_ns, pt->base_svc_p999_ns,
		     pt->base_svc_max_ns);
	jset_pcts_ns(o, "probe_svc", pt->probe_svc_p50_ns, pt->probe_svc_p99_ns,
		     pt->probe_svc_p999_ns, pt->probe_svc_max_ns);
	jset(o, "base_ns", jnum(pt->base_ns));
	jset(o, "probe_ns", jnum(pt->probe_ns));
	jset_ci(o, "overhead", "ns", pt->overhead_ns,
		pt->status == RES_OK, pt->overhead_lo, pt->overhead_hi);
	jset(o, "cpu_workload_pct", jnum(pt->cpu_workload_pct));
	jset(o, "cpu_workload_base_pct", jnum(pt->cpu_workload_base_pct));
	jset(o, "busy_pct", jnum(pt->busy_pct));
	jset(o, "cpu_consumer_pct", jnum(pt->cpu_consumer_pct));
	jset(o, "consumer_ns_per_event", jnum(pt->consumer_ns_per_event));
	jset(o, "prog_avg_ns", jnum(pt->prog_avg_ns));
	jset(o, "prog_runs_per_op", jnum(pt->prog_runs_per_op));
	jset(o, "prog_overhead_pct", jnum(pt->prog_overhead_pct));
	jset_ci(o, "system_overhead", "pct", pt->system_overhead_pct,
		pt->status == RES_OK, pt->sys_lo, pt->sys_hi);
	jset(o, "cpus", jint(pt->cpus));
	jset(o, "ops", jint((long long)pt->ops_attached));
	jset(o, "produced", jint((long long)pt->produced));
	jset(o, "consumed", jint((long long)pt->consumed));
	jset(o, "lost", jint((long long)pt->lost));
	jset(o, "perf_lost_records", jint((long long)pt->lost_records));
	jset_ci(o, "loss", "pct", pt->loss_pct, pt->status == RES_OK, pt->loss_lo, pt->loss_hi);
	th = json_object_new_array();
	for (int i = 0; pt->status == RES_OK && i < pt->nthreads; i++) {
		json_object *t = json_object_new_object();

		json_object_object_add(t, "cpu", jint(pt->th[i].cpu));
		json_object_object_add(t, "base_ns", jnum(pt->th[i].base_ns));
		json_object_object_add(t, "probe_ns", jnum(pt->th[i].probe_ns));
		json_object_object_add(t, "ops_per_s", jnum(pt->th[i].ops_per_s));
		json_object_object_add(t, "events_per_s", jnum(pt->th[i].events_per_s));
		json_object_object_add(t, "ops", jint((long long)pt->th[i].ops_attached));
		json_object_object_add(t, "events", jint((long long)pt->th[i].hits));
		json_object_array_add(th, t);
	}
	jset(o, "per_thread", th);
	return o;
}

/* ---- the knee ---- */

/* log-rate where the line through (r0, m0), (r1, m1) reaches bound */
static double cross(double r0, double m0, double r1, double m1, double bound)
{
	double f;

	if (!(m1 > m0) || !(r0 > 0) || !(r1 > 0))
		return r1;
	f = (bound - m0) / (m1 - m0);
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	return exp(log(r0) + f * (log(r1) - log(r0)));
}

/* The first rate where curve m passes bound: interpolated; NaN if never;
 * *first gets the index (n if none). */
static double first_crossing(int n, const double *rate, const double *m, double bound, int *first)
{
	for (int i = 0; i < n; i++) {
		if (m[i] > bound) {
			*first = i;
			if (i == 0)
				return rate[0];
			return cross(rate[i - 1], m[i - 1], rate[i], m[i], bound);
		}
	}
	*first = n;
	return NAN;
}

void knee_find(int n, const double *rate, const double *est, const double *lo,
	       const double *hi, double bound, struct knee *k)
{
	int i, j, l;

	memset(k, 0, sizeof(*k));
	k->rate = k->lo = k->hi = NAN;
	if (n < 1)
		return;
	k->rate = first_crossing(n, rate, est, bound, &i);
	if (i == n) {
		k->rate = NAN;
		/* not passed; it may still be within the interval */
		k->lo = first_crossing(n, rate, hi, bound, &j);
		return;
	}
	k->found = true;
	k->below_range = i == 0;
	/* earliest plausible crossing: the upper bounds pass first */
	k->lo = first_crossing(n, rate, hi, bound, &j);
	if (j == 0)
		k->lo = NAN; /* at or below the lowest rate measured */
	/* latest plausible crossing: the lower bounds pass last */
	k->hi = first_crossing(n, rate, lo, bound, &l);
	if (!isnan(k->lo) && k->lo > k->rate)
		k->lo = k->rate;
	if (!isnan(k->hi) && k->hi < k->rate)
		k->hi = k->rate;
}
