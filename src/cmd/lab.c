// SPDX-License-Identifier: GPL-2.0
/* bpfcost lab: do the reference documents' optimisation rules hold on this
 * kernel? Each technique is a pair (or family) of programs that differ
 * only in that technique (src/bpf/lab.bpf.c, tables in lab_techniques.c),
 * measured with bench's method on one workload; the comparisons between
 * them are checked against the documents' numbers. */
#include "base/cli.h"
#include "core/consumer.h"
#include "cmd/commands.h"
#include "core/engine.h"
#include "core/env.h"
#include "core/hoststate.h"
#include "core/kernel.h"
#include "cmd/lab_techniques.h"
#include "base/output.h"
#include "core/probe.h"
#include "core/results.h"
#include "base/util.h"
#include "bpf/lab.h"
#include "lab.skel.h"

#include <argp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char lab_doc[] =
	"Check the documents' optimisation advice on this kernel.\n"
	"\n"
	"USAGE: bpfcost lab [--only LIST] [--short] [--trials N] [--json] [-o FILE]\n"
	"\n"
	"Every technique is measured as programs that differ only in it, on the\n"
	"same hook (tracepoint raw_syscalls:sys_enter unless the technique is the\n"
	"hook) and workload (getpid with a size argument), with bench's method:\n"
	"alternating trials, paired differences, exact event counts. A comparison\n"
	"(cost, ratio or saving) gets a bootstrap 95% interval from the variants'\n"
	"per-trial overheads and is judged against the documents' claim: agrees\n"
	"(interval inside the claim), disagrees (wholly outside), inconclusive.\n"
	"\n"
	"Techniques: hook, exit (early exits), map, core (BPF_CORE_READ vs BTF),\n"
	"output (per-event output vs aggregation), helper, loop.\n"
	"The helper technique runs bpf_trace_printk (debug only): its lines go to a\n"
	"trace instance of lab's own (tracefs instances/bpfcost-PID, removed\n"
	"afterwards), never to the global trace buffer; where that cannot be, the\n"
	"variant is left out and says why.\n"
	"\n"
	"EXAMPLES:\n"
	"    bpfcost lab                       # every technique, ~2 minutes\n"
	"    bpfcost lab --only map,output     # two techniques\n"
	"    bpfcost lab --short --json -o lab.json\n";

enum { OPT_SHORT = 1000, OPT_TRIAL_MS };

static const struct argp_option lab_opts_def[] = {
	{ "only", 'O', "LIST", 0, "techniques: hook, exit, map, core, output, helper, loop, all (default all)" },
	{ "short", OPT_SHORT, NULL, 0, "quick look: 6 trials of ~5 ms (for tests; wide intervals)" },
	{ "trials", 't', "N", 0, "baseline/probe trial pairs per variant (default 20)" },
	{ "trial-ms", OPT_TRIAL_MS, "MS", 0, "target trial length (default 25)" },
	{},
};

static const struct argp_child lab_groups[] = {
	CLI_OUTPUT_GROUP(CLI_OPT_JSON("JSON output (schema bpfcost.lab/1)"),
		CLI_OPT_OUTPUT("write the JSON to FILE, atomically, after every variant"),
		CLI_OPT_VERBOSE("libbpf's messages and progress")),
	CLI_CPU_GROUP(CLI_CPU_OPTS),
	{},
};

struct lab_args {
	struct cli_common cli; /* --json, -o, --cpu, --consumer-cpu */
	uint64_t only;
	struct bench_opts o;
	bool trials_set, ms_set, shortrun;
};

static error_t lab_parse(int key, char *arg, struct argp_state *state)
{
	struct lab_args *a = state->input;
	long v = 0;

	switch (key) {
	case 'O':
		parse_name_list("--only", arg, lab_technique_names, lab_nr_techniques, &a->only);
		break;
	case OPT_SHORT: a->shortrun = true; break;
	case 't':
		cli_int_to("--trials", arg, 2, 10000, &a->o.trials);
		a->trials_set = true;
		break;
	case OPT_TRIAL_MS:
		cli_int("--trial-ms", arg, 1, 60000, &v);
		a->o.trial_ms = (double)v;
		a->ms_set = true;
		break;
	case ARGP_KEY_ARG:
		usage_error("unexpected argument '%s' (see bpfcost lab --help)", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- the workload: getpid with a size argument the filters can read ---- */

#define LAB_ARG 512 /* below LAB_ARG_MIN: the argument filter exits early */

__attribute__((noinline, used)) long bpfcost_lab_op(struct wl_ctx *c)
{
	/* getpid ignores its arguments; sys_enter records them anyway */
	return syscall(SYS_getpid, (long)LAB_ARG, 0L, 0L);
}

static const struct workload lab_wl = {
	"getpid", "getpid(2) with a 512 size argument", "getpid", SYS_getpid, "bpfcost_lab_op",
	NULL, NULL, NULL, bpfcost_lab_op,
};

/* ---- one loaded variant as a bench target ---- */

struct lab_run {
	const struct lab_variant *v;
	struct lab_bpf *skel;
	struct bpf_program *prog;
	struct bpf_link *link;
	char kfunc[128];
	struct consumer *cons; /* the reader an output variant implies, on another CPU */
	char trace_dir[256];   /* trace_printk's lines go to this trace instance */
};

static void lab_close(struct lab_run *r)
{
	if (r->link)
		bpf_link__destroy(r->link);
	r->link = NULL;
	consumer_free(r->cons);
	r->cons = NULL;
	lab_bpf__destroy(r->skel);
	r->skel = NULL;
	if (r->trace_dir[0])
		trace_instance_remove(r->trace_dir);
	r->trace_dir[0] = '\0';
}

/* 0, 1 when the variant cannot run here (reason says why), or -errno.
 * trace_printk writes a line per event into the trace buffer the
 * bpf_trace_printk event is on in, and the kernel turns that event on in
 * the global buffer when it loads the program: that buffer is other
 * people's (an ftrace session's data, a tool reading trace_pipe), and the
 * flood would overwrite it. So the event is put back right after the load
 * and turned on in a trace instance of the lab's own; if it was on in the
 * global buffer already, someone reads it there and the variant is not
 * run. */
static int printk_load(struct lab_run *r, char *reason, size_t len)
{
	struct printk_guard g;
	int err;

	printk_guard_begin(&g);
	if (!g.have) {
		snprintf(reason, len, "tracefs is not available, so trace_printk's lines cannot be kept "
			 "out of the global trace buffer");
		return 1;
	}
	if (strcmp(g.prev, "0")) {
		printk_guard_end(&g, NULL);
		snprintf(reason, len, "the bpf_trace_printk event is on in the global trace buffer "
			 "(%s/%s): lab's lines would flood it; turn it off to measure trace_printk "
			 "in a trace instance of lab's own", TRACEFS, PRINTK_EVENT_ENABLE);
		return 1;
	}
	err = lab_bpf__load(r->skel);
	printk_guard_end(&g, r->skel->obj);
	if (err)
		return err;
	if ((err = trace_instance_printk(r->trace_dir, sizeof(r->trace_dir)))) {
		r->trace_dir[0] = '\0';
		snprintf(reason, len, "no trace instance for trace_printk's lines (%s): they would "
			 "flood the global trace buffer", strerror(-err));
		return 1;
	}
	return 0;
}

static enum result_status lab_open(struct lab_run *r, const struct lab_variant *v,
				   int consumer_cpu, char *reason, size_t len)
{
	struct bpf_program *p;
	int err;

	memset(r, 0, sizeof(*r));
	r->v = v;
	if (v->hook == LH_KPROBE) {
		const char *why = kprobe_unsupported_reason();

		if (why) {
			snprintf(reason, len, "%s", why);
			return RES_UNSUPPORTED;
		}
		if (!syscall_kfunc_kallsyms("getpid", r->kfunc, sizeof(r->kfunc))) {
			snprintf(reason, len, "no kernel function for getpid in /proc/kallsyms");
			return RES_UNSUPPORTED;
		}
	}
	if (v->hook == LH_FENTRY && !syscall_kfunc_btf("getpid", r->kfunc, sizeof(r->kfunc))) {
		snprintf(reason, len, "no BTF function for getpid (kernel BTF missing?)");
		return RES_UNSUPPORTED;
	}
	if ((v->hook == LH_TP || v->hook == LH_TP_ALL) &&
	    tracefs_event_unusable(v->hook == LH_TP ? "syscalls/sys_enter_getpid" :
				   "raw_syscalls/sys_enter", reason, len))
		return RES_UNSUPPORTED;
	r->skel = lab_bpf__open();
	if (!r->skel) {
		snprintf(reason, len, "cannot open the lab BPF object: %s", strerror(errno));
		return RES_FAILED;
	}
	r->skel->rodata->target_tgid = bpf_self_tgid();
	r->skel->rodata->target_nr = SYS_getpid;
	bpf_object__for_each_program(p, r->skel->obj)
		bpf_program__set_autoload(p, false);
	r->prog = bpf_object__find_program_by_name(r->skel->obj, v->prog);
	if (!r->prog) {
		snprintf(reason, len, "no program %s in the lab object", v->prog);
		goto failed;
	}
	bpf_program__set_autoload(r->prog, true);
	if (v->hook == LH_FENTRY && bpf_program__set_attach_target(r->prog, 0, r->kfunc)) {
		snprintf(reason, len, "attach target %s not in kernel BTF", r->kfunc);
		lab_close(r);
		return RES_UNSUPPORTED;
	}
	libbpf_clear_last_lines();
	err = v->printk ? printk_load(r, reason, len) : lab_bpf__load(r->skel);
	hoststate_track_object(r->skel->obj);
	if (err > 0) { /* printk_load: not here, and why */
		lab_close(r);
		return RES_UNSUPPORTED;
	}
	if (err) {
		if ((v->hook == LH_FENTRY || v->hook == LH_TP_BTF) && (err == -EPERM || err == -EACCES)) {
			snprintf(reason, len, "loading a tracing program (%s) returns %s here",
				 lab_hook_names[v->hook], strerror(-err));
			lab_close(r);
			return RES_UNSUPPORTED;
		}
		snprintf(reason, len, "load %s failed: %s", v->prog, strerror(-err));
		goto failed;
	}
	if (v->pid_map) {
		__u32 tgid = bpf_self_tgid();
		__u8 one = 1;

		if (bpf_map__update_elem(r->skel->maps.pid_map, &tgid, sizeof(tgid), &one, sizeof(one),
					 BPF_ANY)) {
			snprintf(reason, len, "cannot fill pid_map: %s", strerror(errno));
			goto failed;
		}
	}
	if (v->output != LO_NONE) {
		struct consumer_opts co = { .cpu = consumer_cpu, .mode = CONSUMER_EVENT };

		r->cons = consumer_new(&co);
		err = !r->cons ? -ENOMEM :
		      v->output == LO_RINGBUF ? consumer_add_ringbuf(r->cons, bpf_map__fd(r->skel->maps.rb)) :
		      consumer_add_perfbuf(r->cons, bpf_map__fd(r->skel->maps.pb), 64);
		if (err) {
			snprintf(reason, len, "output buffer: %s", strerror(-err));
			goto failed;
		}
		if ((err = consumer_start(r->cons))) {
			snprintf(reason, len, "consumer thread: %s", strerror(-err));
			goto failed;
		}
	}
	return RES_OK;
failed:
	lab_close(r);
	return RES_FAILED;
}

static int lr_attach(void *ctx, char *reason, size_t len)
{
	struct lab_run *r = ctx;

	if (r->link)
		return 0;
	switch (r->v->hook) {
	case LH_TP:
	case LH_TP_ALL: {
		const char *cat = r->v->hook == LH_TP ? "syscalls" : "raw_syscalls";
		const char *ev = r->v->hook == LH_TP ? "sys_enter_getpid" : "sys_enter";

		r->link = bpf_program__attach_tracepoint(r->prog, cat, ev);
		/* another process may have unmounted a tracefs it mounted */
		if (!r->link && errno == ENOENT && !tracefs_ensure())
			r->link = bpf_program__attach_tracepoint(r->prog, cat, ev);
		break;
	}
	case LH_RAWTP:
		r->link = bpf_program__attach_raw_tracepoint(r->prog, "sys_enter");
		break;
	case LH_KPROBE:
		r->link = bpf_program__attach_kprobe(r->prog, false, r->kfunc);
		break;
	default:
		r->link = bpf_program__attach(r->prog);
		break;
	}
	if (!r->link) {
		int err = errno ? errno : EINVAL;

		snprintf(reason, len, "attach %s failed: %s", lab_hook_names[r->v->hook], strerror(err));
		return -err;
	}
	return 0;
}

static void lr_detach(void *ctx)
{
	struct lab_run *r = ctx;

	if (r->link)
		bpf_link__destroy(r->link);
	r->link = NULL;
}

static void slot_sums(struct lab_run *r, uint64_t *hits, uint64_t *drops, uint64_t *work)
{
	*hits = *drops = *work = 0;
	for (int c = 0; c < LAB_MAX_CPUS; c++) {
		*hits += __atomic_load_n(&r->skel->bss->slots[c].hits, __ATOMIC_RELAXED);
		*drops += __atomic_load_n(&r->skel->bss->slots[c].drops, __ATOMIC_RELAXED);
		*work += __atomic_load_n(&r->skel->bss->slots[c].work, __ATOMIC_RELAXED);
	}
}

static int lr_counts(void *ctx, struct probe_counts *c)
{
	struct lab_run *r = ctx;
	uint64_t work;

	memset(c, 0, sizeof(*c));
	slot_sums(r, &c->hits, &c->drops, &work);
	if (consumer_running(r->cons)) {
		/* let the reader catch up: every event is read or was counted
		 * lost by the program (perf's lost records cross-check those) */
		consumer_catch_up(r->cons, c->hits > c->drops ? c->hits - c->drops : 0, 500);
		c->consumed = consumer_consumed(r->cons);
		c->lost_records = consumer_lost(r->cons);
	}
	return 0;
}

static void lr_reset(void *ctx)
{
	struct lab_run *r = ctx;

	if (consumer_running(r->cons)) { /* the reader empties the buffer: wait for it */
		uint64_t hits, drops, work;

		slot_sums(r, &hits, &drops, &work);
		consumer_catch_up(r->cons, hits > drops ? hits - drops : 0, 100);
	}
	memset(r->skel->bss->slots, 0, sizeof(r->skel->bss->slots));
	consumer_reset_counts(r->cons);
}

static int lr_prog_fds(void *ctx, int *fds, int max)
{
	struct lab_run *r = ctx;

	if (max < 1)
		return 0;
	fds[0] = bpf_program__fd(r->prog);
	return fds[0] >= 0;
}

/* ---- measuring the variants ---- */

/* A variant across the rounds: its loaded program, and the trials of
 * every round appended. */
struct variant_result {
	bool wanted, open, done; /* done: measured (at least one round) or refused */
	struct lab_run run;
	struct bench_result r;  /* status, reason; after the rounds: the combined numbers */
	uint64_t work, ops, events, consumed, lost;
	int rounds;
	double *base, *probe, *d; /* per-trial means and overheads (probe - base), ns */
	int n, cap;
	double *p;  /* per-trial program run time per op (ns), BPF stats */
	int np, pcap;
};

static bool push(double **a, int *n, int *cap, double v)
{
	if (*n == *cap) {
		int nc = *cap ? *cap * 2 : 32;
		double *na = realloc(*a, (size_t)nc * sizeof(double));

		if (!na)
			return false;
		*a = na;
		*cap = nc;
	}
	(*a)[(*n)++] = v;
	return true;
}

/* The early-exit variants must run their work exactly as they say. */
static bool work_ok(const struct lab_variant *v, uint64_t w, uint64_t hits)
{
	switch (v->work) {
	case LW_ALL: return w == hits;
	case LW_NONE: return w == 0;
	/* 1% of at least 10^3 events: ~10 (binomial sd ~3) */
	case LW_SAMPLE: return w <= hits / 20 && (hits < 1000 || w > 0);
	default: return true;
	}
}

static void fail_variant(struct variant_result *vr, enum result_status st, const char *reason)
{
	vr->r.status = st;
	snprintf(vr->r.reason, sizeof(vr->r.reason), "%s", reason);
	vr->done = true;
	if (vr->open) {
		lab_close(&vr->run);
		vr->open = false;
	}
}

static void open_variant(const struct lab_variant *v, int consumer_cpu, struct variant_result *vr)
{
	char reason[512] = "";
	enum result_status st;

	bench_result_init(&vr->r, lab_wl.name, lab_hook_names[v->hook], v->name);
	st = lab_open(&vr->run, v, consumer_cpu, reason, sizeof(reason));
	if (st != RES_OK) {
		fail_variant(vr, st, reason);
		return;
	}
	vr->open = true;
}

/* The programs' own run time, per trial: with BPF stats on, attach, run
 * the ops, detach, and take run_time_ns per op issued. Per op, not per
 * run: on hooks that fire for every syscall, other processes' runs (the
 * same cheap filter path in every variant) then cancel in differences. */
static void program_trials(struct variant_result *vr, struct bench_target *t, int trials,
			   uint64_t ops)
{
	struct wl_ctx c = {};
	int fd = bpf_program__fd(vr->run.prog), sfd = stats_enable();
	char reason[256];

	if (sfd < 0)
		return; /* the program basis stays empty: its rows say "-" */
	for (int i = 0; i < trials && !stop_requested; i++) {
		uint64_t cnt0, t0, cnt1, t1, done = 0;

		if (prog_run_stats(fd, &cnt0, &t0, NULL) || t->attach(t->ctx, reason, sizeof(reason)))
			break;
		run_ops(&lab_wl, &c, ops, NULL, &done);
		t->detach(t->ctx);
		if (prog_run_stats(fd, &cnt1, &t1, NULL) || !done)
			break;
		push(&vr->p, &vr->np, &vr->pcap, (double)(t1 - t0) / (double)done);
	}
	close(sfd);
}

/* One round of one variant: bench's method for a few trials, then as many
 * program-time trials; the trials join the variant's. */
static void measure_round(const struct lab_variant *v, const struct bench_opts *o,
			  struct variant_result *vr)
{
	struct bench_target t = {
		.ctx = &vr->run, .attach = lr_attach, .detach = lr_detach, .counts = lr_counts,
		.reset = lr_reset, .prog_fds = lr_prog_fds, .exact = true,
	};
	struct bench_result r;
	uint64_t hits, drops, work;

	bench_result_init(&r, lab_wl.name, lab_hook_names[v->hook], v->name);
	bench_measure(&t, &lab_wl, o, &r);
	slot_sums(&vr->run, &hits, &drops, &work);
	if (r.status == RES_OK && !work_ok(v, work, r.events)) {
		r.status = RES_FAILED;
		snprintf(r.reason, sizeof(r.reason),
			 "the work ran %llu times for %llu events: the variant is not what it claims",
			 (unsigned long long)work, (unsigned long long)r.events);
	}
	if (r.status == RES_OK) {
		uint64_t ops = r.ops_per_trial / 2;

		program_trials(vr, &t, r.trials, ops < 1000 ? 1000 : ops);
		for (int i = 0; i < r.trials; i++) {
			int n = vr->n, cap = vr->cap;

			/* three arrays of one length: grow them together */
			if (!push(&vr->base, &n, &cap, r.base_trials_ns[i]))
				break;
			n = vr->n;
			cap = vr->cap;
			if (!push(&vr->probe, &n, &cap, r.probe_trials_ns[i]))
				break;
			n = vr->n;
			cap = vr->cap;
			if (!push(&vr->d, &n, &cap, r.probe_trials_ns[i] - r.base_trials_ns[i]))
				break;
			vr->n = n;
			vr->cap = cap;
		}
		vr->work += work;
		vr->ops += r.ops;
		vr->events += r.events;
		vr->consumed += r.consumed;
		vr->lost += r.lost;
		if (!vr->rounds++) {
			/* the first round's latency percentiles and sizes stand for all */
			bench_result_move(&vr->r, &r);
		}
		vr->done = true;
	} else if (!(stop_requested && r.status == RES_FAILED)) {
		fail_variant(vr, r.status, r.reason);
	}
	bench_result_free(&r);
}

/* After the rounds: the variant's numbers from all its trials. */
static void combine(struct variant_result *vr)
{
	struct bench_result *r = &vr->r;
	struct summary sd, sb, sp;

	if (r->status != RES_OK || vr->n < 2)
		return;
	free(r->base_trials_ns);
	free(r->probe_trials_ns);
	r->base_trials_ns = malloc((size_t)vr->n * sizeof(double));
	r->probe_trials_ns = malloc((size_t)vr->n * sizeof(double));
	if (r->base_trials_ns && r->probe_trials_ns) {
		memcpy(r->base_trials_ns, vr->base, (size_t)vr->n * sizeof(double));
		memcpy(r->probe_trials_ns, vr->probe, (size_t)vr->n * sizeof(double));
	}
	r->trials = vr->n;
	r->samples = r->ops_per_trial * (uint64_t)vr->n;
	r->ops = vr->ops;
	r->events = vr->events;
	r->consumed = vr->consumed;
	r->lost = vr->lost;
	summarize(vr->d, vr->n, &sd);
	summarize(vr->base, vr->n, &sb);
	summarize(vr->probe, vr->n, &sp);
	r->base_ns = sb.median;
	r->probe_ns = sp.median;
	hodges_lehmann(vr->d, vr->n, &r->overhead_ns, &r->ci_lo, &r->ci_hi);
	r->overhead_mean_ns = sd.mean;
	r->mean_ci_lo = sd.ci_lo;
	r->mean_ci_hi = sd.ci_hi;
	r->overhead_pct = r->base_ns > 0 ? 100.0 * r->overhead_ns / r->base_ns : NAN;
	r->prog_avg_ns = r->prog_runs_per_op = r->dispatch_ns = NAN;
	r->prog_ns_per_op = NAN;
	if (vr->np >= 1) {
		double est, lo, hi;

		hodges_lehmann(vr->p, vr->np, &est, &lo, &hi);
		r->prog_ns_per_op = est;
		r->dispatch_ns = r->overhead_ns - est;
	}
}

/* ---- comparisons: estimate and bootstrap interval ---- */

struct estimate {
	double value, lo, hi;
};

struct row_result {
	bool wanted;
	enum result_status status;
	char reason[600];
	struct estimate est[2]; /* by enum lab_basis: overhead, program time */
	const char *verdict;    /* on the row's basis */
};

/* The centre of one variant's per-trial overheads: Hodges-Lehmann, as
 * bench reports it. */
static double centre(const double *d, int n)
{
	double est, lo, hi;

	hodges_lehmann(d, n, &est, &lo, &hi);
	return est;
}

/* A ratio or saving whose denominator (an added cost) is not above 0 is
 * unbounded: +-inf by the numerator's sign, so that an interval can still
 * say "at least this much". */
static double row_value(const struct lab_row *row, double a, double b, double c)
{
	double num, den;

	switch (row->kind) {
	case LK_DIFF: return a - b;
	case LK_RATIO: num = a - c; den = b - c; break;
	case LK_SAVING: num = 100.0 * (a - b); den = a - c; break;
	default: return NAN;
	}
	if (den > 0)
		return num / den;
	return num > 0 ? INFINITY : num < 0 ? -INFINITY : NAN;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

#define BOOT 1000

/* Percentile bootstrap: resample each variant's trials (the variants were
 * measured separately, each trial already paired with its own baseline),
 * recompute the comparison, take the 2.5% and 97.5% points. */
static void bootstrap(const struct lab_row *row, const double *x[3], const int n[3], double *lo,
		      double *hi)
{
	double *vals = malloc(BOOT * sizeof(double)), *buf;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int m = 0, maxn = 0;

	for (int k = 0; k < 3; k++)
		if (x[k] && n[k] > maxn)
			maxn = n[k];
	buf = malloc((size_t)(maxn ? maxn : 1) * sizeof(double));
	*lo = *hi = NAN;
	if (!vals || !buf)
		goto out;
	for (int b = 0; b < BOOT; b++) {
		double c[3] = { 0, 0, 0 }, v;

		for (int k = 0; k < 3; k++) {
			if (!x[k])
				continue;
			for (int i = 0; i < n[k]; i++)
				buf[i] = x[k][rng_next(&seed) % (uint64_t)n[k]];
			c[k] = centre(buf, n[k]);
		}
		v = row_value(row, c[0], c[1], c[2]);
		if (!isnan(v))
			vals[m++] = v;
	}
	/* bounds may be infinite: a ratio to a cost that may be 0 */
	if (m >= BOOT * 975 / 1000) {
		qsort(vals, (size_t)m, sizeof(double), cmp_double);
		*lo = vals[(int)(0.025 * (m - 1))];
		*hi = vals[(int)ceil(0.975 * (m - 1))];
	}
out:
	free(vals);
	free(buf);
}

static const char *judge(const struct lab_row *row, double lo, double hi)
{
	if (row->judge == LJ_NONE)
		return "no claim";
	if (isnan(lo) || isnan(hi))
		return "inconclusive";
	if (row->judge == LJ_POSITIVE)
		return lo > 0 ? "agrees" : hi <= 0 ? "disagrees" : "inconclusive";
	if (lo >= row->lo && hi <= row->hi)
		return "agrees";
	if (hi < row->lo || lo > row->hi)
		return "disagrees";
	return "inconclusive";
}

static void compute_row(const struct lab_row *row, struct variant_result *vres,
			struct row_result *rr)
{
	const char *names[3] = { row->a, row->b, row->c };
	struct variant_result *vs[3] = { NULL, NULL, NULL };

	rr->status = RES_OK;
	rr->verdict = NULL;
	for (int b = 0; b < 2; b++)
		rr->est[b].value = rr->est[b].lo = rr->est[b].hi = NAN;
	for (int k = 0; k < 3; k++) {
		const struct lab_variant *v = lab_variant_find(names[k]);
		struct variant_result *vr;

		if (!v)
			continue;
		vr = &vres[v - lab_variants];
		if (!vr->done || vr->r.status != RES_OK || !vr->d) {
			rr->status = vr->done ? vr->r.status : RES_FAILED;
			snprintf(rr->reason, sizeof(rr->reason), "%s: %s", v->name,
				 vr->done ? vr->r.reason : "not measured (interrupted)");
			return;
		}
		vs[k] = vr;
	}
	for (int b = 0; b < 2; b++) {
		const double *x[3] = { NULL, NULL, NULL };
		int n[3] = { 0, 0, 0 };
		double c[3] = { 0, 0, 0 };
		bool have = true;

		for (int k = 0; k < 3; k++) {
			if (!vs[k])
				continue;
			x[k] = b == LB_OVERHEAD ? vs[k]->d : vs[k]->p;
			n[k] = b == LB_OVERHEAD ? vs[k]->n : vs[k]->np;
			if (!x[k] || n[k] < 2) {
				have = false;
				break;
			}
			c[k] = centre(x[k], n[k]);
		}
		if (!have)
			continue;
		rr->est[b].value = row_value(row, c[0], c[1], c[2]);
		bootstrap(row, x, n, &rr->est[b].lo, &rr->est[b].hi);
	}
	rr->verdict = judge(row, rr->est[row->basis].lo, rr->est[row->basis].hi);
}

/* ---- output ---- */

/* Fewer decimals for bigger numbers: the table stays narrow. */
static int decimals(double v)
{
	return fabs(v) >= 100 ? 0 : fabs(v) >= 10 ? 1 : 2;
}

static const char *claim_range(const struct lab_row *row, char *buf, size_t len)
{
	const char *u = lab_kind_unit(row->kind);

	if (row->judge == LJ_NONE)
		snprintf(buf, len, "-");
	else if (row->judge == LJ_POSITIVE)
		snprintf(buf, len, "> 0 %s", u);
	else if (row->kind == LK_RATIO)
		snprintf(buf, len, "%.3g-%.3g%s", row->lo, row->hi, u);
	else
		snprintf(buf, len, "%.4g-%.4g%s", row->lo, row->hi, u);
	return buf;
}

static const struct table_col var_cols[] = {
	{ "VARIANT", 15, true }, { "HOOK", 6, true }, { "+ns", 7 }, { "95%CI ns", 15 },
	{ "PROG ns", 7 }, { "EVENTS", 9 }, { "WORK", 9 },
};
static const struct table_col row_cols[] = {
	{ "TECHN.", 6, true }, { "COMPARISON", 18, true }, { "ON", 4, true }, { "VALUE", 7 },
	{ "95% CI", 14 }, { "CLAIM", 10 }, { "VERDICT", 12, true },
};

/* What lab's output reads: its arguments and both kinds of results. */
struct lab_out {
	const struct lab_args *a;
	const struct variant_result *vres;
	const struct row_result *rres;
};

static void print_table(FILE *f, const struct results *res)
{
	const struct lab_out *out = res->ctx;
	const struct lab_args *a = out->a;
	const struct variant_result *vres = out->vres;
	const struct row_result *rres = out->rres;
	char b[8][48];
	const char *cells[8];
	int counts[4] = { 0, 0, 0, 0 };

	fprintf(f, "\n");
	env_print(f, res->env);
	fprintf(f, "getpid(arg %d) on CPU %d, output reader on CPU %d; %d trial pairs of "
		   "~%.0f ms\n\n", LAB_ARG, a->o.cpu, a->o.consumer_cpu, a->o.trials, a->o.trial_ms);
	fprintf(f, "Variants: overhead per op over the baseline; PROG ns: the program's own\n"
		   "run time per op (BPF stats)\n");
	table_header(f, var_cols, 7);
	for (int i = 0; i < lab_nr_variants; i++) {
		const struct variant_result *vr = &vres[i];

		if (!vr->wanted || !vr->done)
			continue;
		if (vr->r.status != RES_OK) {
			char line[700];
			snprintf(line, sizeof(line), "%-15.15s %-6.6s %s: %s", lab_variants[i].name,
				 vr->r.hook, result_status_names[vr->r.status], vr->r.reason);
			fprintf(f, "%.79s\n", line);
			continue;
		}
		cells[0] = lab_variants[i].name;
		cells[1] = vr->r.hook;
		cells[2] = fmt_num(b[2], sizeof(b[2]), vr->r.overhead_ns, 1);
		snprintf(b[3], sizeof(b[3]), "[%.1f, %.1f]", vr->r.ci_lo, vr->r.ci_hi);
		cells[3] = b[3];
		cells[4] = fmt_num(b[4], sizeof(b[4]), vr->np >= 2 ? centre(vr->p, vr->np) : NAN, 1);
		cells[5] = fmt_u64(b[5], sizeof(b[5]), vr->r.events);
		if (lab_variants[i].work == LW_NA)
			cells[6] = "-";
		else
			cells[6] = fmt_u64(b[6], sizeof(b[6]), vr->work);
		table_row(f, var_cols, 7, cells);
	}
	fprintf(f, "\nTechniques: the documents' claims on this kernel\n");
	table_header(f, row_cols, 7);
	for (int i = 0; i < lab_nr_rows; i++) {
		const struct lab_row *row = &lab_rows[i];
		const struct row_result *rr = &rres[i];
		const char *u = lab_kind_unit(row->kind);

		if (!rr->wanted)
			continue;
		cells[0] = row->technique;
		cells[1] = row->label;
		if (rr->status != RES_OK) {
			char line[800];
			snprintf(line, sizeof(line), "%-6.6s %-18.18s %s: %s", row->technique, row->label,
				 result_status_names[rr->status], rr->reason);
			fprintf(f, "%.79s\n", line);
			counts[3]++;
			continue;
		}
		{
			const struct estimate *e = &rr->est[row->basis];

			cells[2] = row->basis == LB_PROGRAM ? "prog" : "ovh";
			snprintf(b[3], sizeof(b[3]), "%.*f%s", decimals(e->value), e->value,
				 row->kind == LK_DIFF ? "" : u);
			cells[3] = isnan(e->value) ? "-" : b[3];
			if (isnan(e->lo))
				snprintf(b[4], sizeof(b[4]), "-");
			else
				snprintf(b[4], sizeof(b[4]), "[%.*f, %.*f]", decimals(e->lo), e->lo,
					 decimals(e->hi), e->hi);
			cells[4] = b[4];
		}
		cells[5] = claim_range(row, b[5], sizeof(b[5]));
		cells[6] = rr->verdict;
		table_row(f, row_cols, 7, cells);
		counts[!strcmp(rr->verdict, "agrees") ? 0 : !strcmp(rr->verdict, "disagrees") ? 1 : 2]++;
	}
	fprintf(f, "\n%d agree, %d disagree, %d inconclusive or without a number, %d not measured\n",
		counts[0], counts[1], counts[2], counts[3]);
	fprintf(f, "ON: ovh = the overhead the workload sees (paired trials), prog = the\n"
		   "programs' own run time per op (BPF stats, per trial). VALUE: ns (differences),\n"
		   "x (ratio of added costs) or %% (saving); 95%% CI: bootstrap over the trials.\n"
		   "\nClaims:\n");
	for (int i = 0; i < lab_nr_rows; i++) {
		const char *c = lab_rows[i].claim;
		int n, first = 1;

		if (!rres[i].wanted)
			continue;
		/* wrap at a space to stay within 80 columns */
		while (*c) {
			n = (int)strlen(c);
			if (n > 52) {
				n = 52;
				while (n > 0 && c[n] != ' ')
					n--;
				if (!n)
					n = 52;
			}
			fprintf(f, "  %-20s %.*s%s\n", first ? lab_rows[i].name : "", n, c,
				c[n] ? "" : (lab_rows[i].source[0] == 'G' ? " [G]" : " [C]"));
			c += n;
			while (*c == ' ')
				c++;
			first = 0;
		}
	}
	fprintf(f, "[G] overhead-guide.md, [C] performance-chapter.md\n");
}

static void lab_json(json_object *root, const struct results *res)
{
	const struct lab_out *out = res->ctx;
	const struct lab_args *a = out->a;
	const struct variant_result *vres = out->vres;
	const struct row_result *rres = out->rres;
	json_object *cfg = json_object_new_object();
	json_object *vars = json_object_new_array(), *rows = json_object_new_array();
	char buf[64];

	jset(cfg, "workload", jstr("getpid"));
	jset(cfg, "workload_arg", jint(LAB_ARG));
	jset(cfg, "trials", jint(a->o.trials));
	jset(cfg, "trial_ms", jnum(a->o.trial_ms));
	jset(cfg, "cpu", jint(a->o.cpu));
	jset(cfg, "consumer_cpu", jint(a->o.consumer_cpu));
	jset(cfg, "short", json_object_new_boolean(a->shortrun));
	jset(cfg, "interval", jstr("percentile bootstrap, 1000 resamples of "
				   "per-trial overheads, Hodges-Lehmann centres"));
	jset(root, "config", cfg);
	for (int i = 0; i < lab_nr_variants; i++) {
		const struct lab_variant *v = &lab_variants[i];
		json_object *o;

		if (!vres[i].wanted || !vres[i].done)
			continue;
		o = json_object_new_object();
		jset(o, "name", jstr(v->name));
		jset(o, "program", jstr(v->prog));
		jset(o, "hook", jstr(lab_hook_names[v->hook]));
		jset(o, "desc", jstr(v->desc));
		jset(o, "status", jstr(result_status_names[vres[i].r.status]));
		jset(o, "reason", vres[i].r.reason[0] ? jstr(vres[i].r.reason) : NULL);
		jset(o, "work_runs", v->work == LW_NA ? NULL : jint((long long)vres[i].work));
		{
			json_object *pt = json_object_new_array();

			for (int k = 0; k < vres[i].np; k++)
				json_object_array_add(pt, jnum(vres[i].p[k]));
			jset(o, "program_trials_ns", pt);
			jset(o, "program_ns",
			     jnum(vres[i].np >= 2 ? centre(vres[i].p, vres[i].np) : NAN));
		}
		jset(o, "bench", bench_result_json(&vres[i].r));
		json_object_array_add(vars, o);
	}
	for (int i = 0; i < lab_nr_rows; i++) {
		const struct lab_row *row = &lab_rows[i];
		const struct row_result *rr = &rres[i];
		json_object *o, *claim, *vl;

		if (!rr->wanted)
			continue;
		o = json_object_new_object();
		claim = json_object_new_object();
		vl = json_object_new_array();
		jset(o, "technique", jstr(row->technique));
		jset(o, "name", jstr(row->name));
		jset(o, "label", jstr(row->label));
		jset(o, "kind", jstr(row->kind == LK_DIFF ? "diff" :
				     row->kind == LK_RATIO ? "ratio" : "saving"));
		json_object_array_add(vl, jstr(row->a));
		if (row->b)
			json_object_array_add(vl, jstr(row->b));
		if (row->c)
			json_object_array_add(vl, jstr(row->c));
		jset(o, "variants", vl);
		jset(o, "unit", jstr(lab_kind_unit(row->kind)));
		jset(o, "status", jstr(result_status_names[rr->status]));
		jset(o, "reason", rr->status != RES_OK ? jstr(rr->reason) : NULL);
		jset(o, "basis", jstr(row->basis == LB_PROGRAM ? "program" : "overhead"));
		jset(o, "value", jnum(rr->est[row->basis].value));
		jset(o, "ci95", rr->status == RES_OK ?
		     jpair(rr->est[row->basis].lo, rr->est[row->basis].hi) : NULL);
		for (int b = 0; b < 2; b++) {
			json_object *e = json_object_new_object();

			jset(e, "value", jnum(rr->est[b].value));
			jset(e, "ci95", rr->status == RES_OK ?
			     jpair(rr->est[b].lo, rr->est[b].hi) : NULL);
			jset(o, b == LB_PROGRAM ? "program" : "overhead", e);
		}
		jset(claim, "text", jstr(row->claim));
		jset(claim, "range", row->judge == LJ_RANGE ? jpair(row->lo, row->hi) : NULL);
		jset(claim, "judge", jstr(row->judge == LJ_RANGE ? "range" :
					  row->judge == LJ_POSITIVE ? "positive" : "none"));
		jset(claim, "display", jstr(claim_range(row, buf, sizeof(buf))));
		jset(claim, "source", jstr(row->source[0] == 'G' ? "overhead-guide.md" :
					   "performance-chapter.md"));
		jset(o, "claim_detail", claim);
		jset(o, "verdict", rr->status == RES_OK ? jstr(rr->verdict) : NULL);
		/* the flat fields bpfcost report reads */
		{
			char text[400];
			const struct estimate *e = &rr->est[row->basis];

			snprintf(text, sizeof(text), "%s (%s, %s)", row->claim, buf,
				 row->source[0] == 'G' ? "overhead-guide" : "performance-chapter");
			jset(o, "claim", jstr(text));
			jset(o, "variant", jstr(row->label));
			jset(o, "agrees", rr->status == RES_OK ? jstr(rr->verdict) : NULL);
			jset(o, "cost_ns", row->kind == LK_DIFF ? jnum(e->value) : NULL);
			jset(o, "saving_pct", row->kind == LK_SAVING ? jnum(e->value) : NULL);
		}
		json_object_array_add(rows, o);
	}
	jset(root, "variants", vars);
	jset(root, "results", rows);
}

static void compute_rows(struct variant_result *vres, struct row_result *rres)
{
	for (int i = 0; i < lab_nr_rows; i++)
		if (rres[i].wanted)
			compute_row(&lab_rows[i], vres, &rres[i]);
}

int cmd_lab(int argc, char **argv)
{
	struct lab_args a = {
		.only = (1ULL << lab_nr_techniques) - 1,
		.o = { .trials = 20, .trial_ms = 25 },
		.cli.consumer_cpu = -1,
	};
	struct argp argp = { lab_opts_def, lab_parse, NULL, lab_doc, lab_groups };
	struct lab_out out = { &a };
	struct results res = { .schema = "bpfcost.lab/1", .cli = &a.cli, .kept = "variants",
			       .ctx = &out, .json = lab_json, .table = print_table };
	struct variant_result *vres = NULL;
	struct row_result *rres = NULL;
	int ret = 0, total = 0, done = 0, rounds, per_round, extra;
	bool tty = isatty(STDERR_FILENO), failed = false;

	if (cli_parse(&argp, argc, argv, &a, &a.cli))
		return EXIT_USAGE;
	if (a.shortrun) {
		if (!a.trials_set)
			a.o.trials = 6; /* the fewest with an interval */
		if (!a.ms_set)
			a.o.trial_ms = 5;
	}
	a.o.cpu = a.cli.cpu;
	a.o.consumer_cpu = a.cli.consumer_cpu >= 0 ? a.cli.consumer_cpu : cpu_after(a.o.cpu, 1);
	/* rounds of at least 2 trials (bench's minimum), up to 5 */
	rounds = a.o.trials / 4 > 5 ? 5 : a.o.trials / 4 < 1 ? 1 : a.o.trials / 4;
	if (a.o.trials >= 4 && rounds < 2)
		rounds = 2;
	per_round = a.o.trials / rounds;
	extra = a.o.trials % rounds;
	if ((ret = require_privileges(NEED_TRACING, "to load programs")))
		return ret;

	vres = calloc((size_t)lab_nr_variants, sizeof(*vres));
	rres = calloc((size_t)lab_nr_rows, sizeof(*rres));
	if (!vres || !rres) {
		ret = runtime_error("out of memory");
		goto cleanup;
	}
	out.vres = vres;
	out.rres = rres;
	for (int i = 0; i < lab_nr_rows; i++) {
		const char *names[3] = { lab_rows[i].a, lab_rows[i].b, lab_rows[i].c };
		int t = 0;

		while (t < lab_nr_techniques && strcmp(lab_technique_names[t], lab_rows[i].technique))
			t++;
		if (!(a.only & (1ULL << t)))
			continue;
		rres[i].wanted = true;
		for (int k = 0; k < 3; k++) {
			const struct lab_variant *v = lab_variant_find(names[k]);
			if (v && !vres[v - lab_variants].wanted) {
				vres[v - lab_variants].wanted = true;
				total++;
			}
		}
	}
	res.env = env_begin(a.o.cpu);
	rcu_expedite_begin(); /* shorter detach waits, as in bench; put back below */

	/* Load every variant first, then measure in rounds, forward and
	 * backward in turn: each variant sees the machine's good and bad
	 * moments alike, so the comparisons between them are fair. */
	for (int i = 0; i < lab_nr_variants && !stop_requested; i++)
		if (vres[i].wanted)
			open_variant(&lab_variants[i], a.o.consumer_cpu, &vres[i]);
	for (int round = 0; round < rounds && !stop_requested; round++) {
		struct bench_opts ro = a.o;

		ro.trials = per_round + (round < extra ? 1 : 0);
		ro.no_stats = true; /* program_trials measures the run time */
		done = 0;
		for (int k = 0; k < lab_nr_variants && !stop_requested; k++) {
			int i = round % 2 ? lab_nr_variants - 1 - k : k;

			if (!vres[i].wanted || !vres[i].open)
				continue;
			done++;
			if (tty || verbose)
				fprintf(stderr, "\r[round %d/%d %d/%d] %-20s", round + 1, rounds, done, total,
					lab_variants[i].name);
			measure_round(&lab_variants[i], &ro, &vres[i]);
		}
		for (int i = 0; i < lab_nr_variants; i++)
			if (vres[i].wanted && vres[i].open)
				combine(&vres[i]);
		compute_rows(vres, rres);
		if ((ret = results_save(&res, -1)))
			goto cleanup;
	}
	if (tty || verbose)
		fprintf(stderr, "\r%-40s\r", "");
	compute_rows(vres, rres);
	for (int i = 0; i < lab_nr_variants; i++)
		failed |= vres[i].done && vres[i].r.status == RES_FAILED;
	ret = results_finish(&res, -1, failed);
cleanup:
	for (int i = 0; vres && i < lab_nr_variants; i++) {
		if (vres[i].open)
			lab_close(&vres[i].run);
		bench_result_free(&vres[i].r);
		free(vres[i].base);
		free(vres[i].probe);
		free(vres[i].d);
		free(vres[i].p);
	}
	free(vres);
	free(rres);
	json_object_put(res.env);
	rcu_expedite_end();
	tracefs_restore();
	return ret;
}
