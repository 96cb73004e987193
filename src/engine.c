#include "engine.h"
#include "output.h"
#include "timer.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const result_status_names[] = { "ok", "unsupported", "failed" };

#define MIN_SAMPLES 10000     /* timed ops per phase, for p99.9 */
#define MAX_OPS_PER_TRIAL 20000000ULL

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
	r->prog_avg_ns = r->prog_runs_per_op = r->prog_ns_per_op = r->dispatch_ns = NAN;
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

/* One phase of one trial: warm up, then n timed ops. */
static double phase(struct bench_target *t, bool attached, const struct workload *wl,
		    struct wl_ctx *c, uint64_t warm, uint64_t n, struct hist *h,
		    uint64_t *ops_attached, char *reason, size_t len, int *err)
{
	uint64_t done = 0;
	double mean;

	if (attached && (*err = t_attach(t, reason, len)))
		return NAN;
	run_ops(wl, c, warm, NULL, &done);
	mean = run_ops(wl, c, n, h, &done);
	if (attached) {
		t_detach(t);
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

void bench_measure(struct bench_target *t, const struct workload *wl,
		   const struct bench_opts *o, struct bench_result *r)
{
	struct hist *hb = NULL, *hp = NULL;
	struct wl_ctx c = {};
	uint64_t n, warm, ops_attached = 0, runs0;
	double *diff = NULL;
	struct summary sd, sb, sp;
	struct probe_counts pc;
	int err = 0, trials = o->trials > 1 ? o->trials : 2, done_trials = 0;
	char reason[512] = "";

	timer_init();
	if (wl->init && wl->init(&c)) {
		snprintf(r->reason, sizeof(r->reason), "workload %s: setup failed", wl->name);
		return;
	}
	hb = malloc(sizeof(*hb));
	hp = malloc(sizeof(*hp));
	r->base_trials_ns = calloc((size_t)trials, sizeof(double));
	r->probe_trials_ns = calloc((size_t)trials, sizeof(double));
	diff = calloc((size_t)trials, sizeof(double));
	if (!hb || !hp || !r->base_trials_ns || !r->probe_trials_ns || !diff) {
		snprintf(r->reason, sizeof(r->reason), "out of memory");
		goto out;
	}
	hist_reset(hb);
	hist_reset(hp);

	/* Size the trials: a short look at both phases, then enough ops for
	 * trial_ms in the slower one (uprobes are ~1000x a tracepoint). */
	n = o->ops;
	if (!n) {
		double b = phase(t, false, wl, &c, 200, 2000, NULL, &ops_attached, reason,
				 sizeof(reason), &err);
		double p = phase(t, true, wl, &c, 20, 200, NULL, &ops_attached, reason,
				 sizeof(reason), &err);
		double slow = fmax(b, p);

		if (err)
			goto attach_failed;
		if (!(slow > 0))
			slow = 1000;
		n = (uint64_t)(o->trial_ms * 1e6 / slow);
		if (n < 100)
			n = 100;
		if (n > MAX_OPS_PER_TRIAL)
			n = MAX_OPS_PER_TRIAL;
	}
	if (n * (uint64_t)trials < MIN_SAMPLES && !o->ops)
		n = (MIN_SAMPLES + (uint64_t)trials - 1) / (uint64_t)trials;
	/* Attaching and detaching stir the CPU (perf events, RCU work): the
	 * first ops of a phase are run but not timed, in both phases alike. */
	warm = n / 5;
	if (warm < 10)
		warm = 10;
	r->ops_per_trial = n;

	t->reset(t->ctx);
	ops_attached = 0;
	runs0 = prog_runs(t);
	for (int i = 0; i < trials && !stop_requested; i++) {
		/* B P, then P B: a linear drift cancels over each two pairs */
		bool probe_first = i % 2;

		for (int k = 0; k < 2; k++) {
			bool attached = (k == 0) == probe_first;
			double m = phase(t, attached, wl, &c, warm, n, attached ? hp : hb,
					 &ops_attached, reason, sizeof(reason), &err);
			if (err)
				goto attach_failed;
			if (attached)
				r->probe_trials_ns[i] = m - timer_overhead_ns;
			else
				r->base_trials_ns[i] = m - timer_overhead_ns;
		}
		diff[i] = r->probe_trials_ns[i] - r->base_trials_ns[i];
		done_trials = i + 1;
	}
	if (stop_requested && done_trials < trials) {
		snprintf(r->reason, sizeof(r->reason), "interrupted after %d of %d trials",
			 done_trials, trials);
		goto out;
	}
	/* run_cnt only moves while stats are on: if it moved, someone else
	 * has them on and the overheads include their clock reads */
	r->stats_on_in_trials = prog_runs(t) != runs0;
	if (!o->no_stats)
		stats_phase(t, wl, &c, n, &ops_attached, r);

	/* Honest numbers only: the probe must have fired once per op. */
	memset(&pc, 0, sizeof(pc));
	t->counts(t->ctx, &pc);
	r->ops = t->control ? 0 : ops_attached;
	r->events = pc.hits;
	r->consumed = pc.consumed;
	r->lost = pc.drops;
	r->trials = done_trials;
	r->samples = n * (uint64_t)done_trials;
	if (t->exact && !t->control && pc.hits != ops_attached) {
		snprintf(r->reason, sizeof(r->reason),
			 "probe fired %llu times for %llu ops: the number would not be what it claims",
			 (unsigned long long)pc.hits, (unsigned long long)ops_attached);
		goto out;
	}
	if ((pc.consumed || pc.drops) && pc.hits != pc.consumed + pc.drops) {
		snprintf(r->reason, sizeof(r->reason),
			 "output accounting broken: produced %llu != consumed %llu + lost %llu",
			 (unsigned long long)pc.hits, (unsigned long long)pc.consumed,
			 (unsigned long long)pc.drops);
		goto out;
	}

	summarize(diff, done_trials, &sd);
	summarize(r->base_trials_ns, done_trials, &sb);
	summarize(r->probe_trials_ns, done_trials, &sp);
	r->base_ns = sb.median;
	r->probe_ns = sp.median;
	hodges_lehmann(diff, done_trials, &r->overhead_ns, &r->ci_lo, &r->ci_hi);
	r->overhead_mean_ns = sd.mean;
	r->mean_ci_lo = sd.ci_lo;
	r->mean_ci_hi = sd.ci_hi;
	r->overhead_pct = r->base_ns > 0 ? 100.0 * r->overhead_ns / r->base_ns : NAN;
	r->base_p50_ns = hist_quantile(hb, 0.50) - timer_overhead_ns;
	r->base_p99_ns = hist_quantile(hb, 0.99) - timer_overhead_ns;
	r->base_p999_ns = hist_quantile(hb, 0.999) - timer_overhead_ns;
	r->base_max_ns = (double)hb->max_ns - timer_overhead_ns;
	r->probe_p50_ns = hist_quantile(hp, 0.50) - timer_overhead_ns;
	r->probe_p99_ns = hist_quantile(hp, 0.99) - timer_overhead_ns;
	r->probe_p999_ns = hist_quantile(hp, 0.999) - timer_overhead_ns;
	r->probe_max_ns = (double)hp->max_ns - timer_overhead_ns;
	if (!isnan(r->prog_ns_per_op))
		r->dispatch_ns = r->overhead_ns - r->prog_ns_per_op;
	r->status = RES_OK;
	goto out;

attach_failed:
	r->status = RES_FAILED;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
out:
	if (wl->fini)
		wl->fini(&c);
	free(hb);
	free(hp);
	free(diff);
}

/* ---- the built-in probe as a bench target ---- */

static int p_attach(void *ctx, char *reason, size_t len)
{
	return probe_attach(ctx, reason, len);
}

static void p_detach(void *ctx)
{
	probe_detach(ctx);
}

static int p_counts(void *ctx, struct probe_counts *c)
{
	probe_counts(ctx, c);
	return 0;
}

static void p_reset(void *ctx)
{
	probe_reset_counts(ctx);
}

static int p_prog_fds(void *ctx, int *fds, int max)
{
	int fd = probe_prog_fd(ctx);

	if (fd < 0 || max < 1)
		return 0;
	fds[0] = fd;
	return 1;
}

void bench_run_probe(const struct probe_spec *spec, const struct bench_opts *o,
		     struct bench_result *r)
{
	struct probe *p = NULL;
	enum probe_status st;
	struct bench_target t = {
		.attach = p_attach, .detach = p_detach, .counts = p_counts,
		.reset = p_reset, .prog_fds = p_prog_fds, .exact = true,
		.control = spec->hook == HOOK_NULL,
	};

	bench_result_init(r, spec->wl->name, hooks[spec->hook].name,
			  spec->hook == HOOK_NULL ? "-" : bodies[spec->body].name);
	st = probe_open(&p, spec, r->reason, sizeof(r->reason));
	if (st != PROBE_OK) {
		r->status = st == PROBE_UNSUPPORTED ? RES_UNSUPPORTED : RES_FAILED;
		return;
	}
	t.ctx = p;
	bench_measure(&t, spec->wl, o, r);
	/* kprobe attach can fail after a successful load: that is the kernel
	 * saying no, not a failure of ours */
	if (r->status == RES_FAILED && (spec->hook == HOOK_KPROBE || spec->hook == HOOK_KRETPROBE) &&
	    kprobe_unsupported_reason())
		r->status = RES_UNSUPPORTED;
	probe_close(p);
}

json_object *bench_result_json(const struct bench_result *r)
{
	json_object *o = json_object_new_object(), *bt, *pt;

#define ADD(k, v) json_object_object_add(o, k, v)
	ADD("workload", jstr(r->workload));
	ADD("hook", jstr(r->hook));
	ADD("body", jstr(r->body));
	ADD("status", jstr(result_status_names[r->status]));
	ADD("reason", r->reason[0] ? jstr(r->reason) : NULL);
	ADD("ops", jint((long long)r->ops));
	ADD("events", jint((long long)r->events));
	ADD("consumed", jint((long long)r->consumed));
	ADD("lost", jint((long long)r->lost));
	ADD("trials", jint(r->trials));
	ADD("ops_per_trial", jint((long long)r->ops_per_trial));
	ADD("samples", jint((long long)r->samples));
	ADD("base_ns", jnum(r->base_ns));
	ADD("probe_ns", jnum(r->probe_ns));
	ADD("overhead_ns", jnum(r->overhead_ns));
	ADD("overhead_ci95", r->status == RES_OK ? jpair(r->ci_lo, r->ci_hi) : NULL);
	ADD("overhead_pct", jnum(r->overhead_pct));
	ADD("overhead_mean_ns", jnum(r->overhead_mean_ns));
	ADD("overhead_mean_ci95", r->status == RES_OK ? jpair(r->mean_ci_lo, r->mean_ci_hi) : NULL);
	ADD("base_p50_ns", jnum(r->base_p50_ns));
	ADD("base_p99_ns", jnum(r->base_p99_ns));
	ADD("base_p999_ns", jnum(r->base_p999_ns));
	ADD("base_max_ns", jnum(r->base_max_ns));
	ADD("probe_p50_ns", jnum(r->probe_p50_ns));
	ADD("probe_p99_ns", jnum(r->probe_p99_ns));
	ADD("probe_p999_ns", jnum(r->probe_p999_ns));
	ADD("probe_max_ns", jnum(r->probe_max_ns));
	ADD("prog_avg_ns", jnum(r->prog_avg_ns));
	ADD("prog_runs_per_op", jnum(r->prog_runs_per_op));
	ADD("prog_ns_per_op", jnum(r->prog_ns_per_op));
	ADD("dispatch_ns", jnum(r->dispatch_ns));
	ADD("stats_on_in_trials", json_object_new_boolean(r->stats_on_in_trials));
	bt = json_object_new_array();
	pt = json_object_new_array();
	for (int i = 0; r->status == RES_OK && i < r->trials; i++) {
		json_object_array_add(bt, jnum(r->base_trials_ns[i]));
		json_object_array_add(pt, jnum(r->probe_trials_ns[i]));
	}
	ADD("base_trials_ns", bt);
	ADD("probe_trials_ns", pt);
#undef ADD
	return o;
}
