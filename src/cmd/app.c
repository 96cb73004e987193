// SPDX-License-Identifier: GPL-2.0
/* bpfcost app: what memory-release probes do to real applications (redis,
 * postgres, CPython's GC, Node.js), with their own load generators.
 * Baseline and probed runs alternate; the throughput change comes from the
 * paired runs, beside the event rate the probes actually saw. */
#include "cmd/app_scenarios.h"
#include "base/cli.h"
#include "cmd/commands.h"
#include "core/env.h"
#include "core/hoststate.h"
#include "core/kernel.h"
#include "base/output.h"
#include "core/engine.h"
#include "core/probe.h"
#include "core/results.h"
#include "base/stats.h"
#include "base/util.h"
#include "report/load.h"

#include <argp.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char app_doc[] =
	"What memory-release probes do to real applications.\n"
	"\n"
	"USAGE: bpfcost app NAME[,NAME...] [--hook LIST] [--body LIST]\n"
	"         [--syscalls LIST] [--duration S] [--repeat N] [--bench FILE]\n"
	"         [--release] [--method windows|runs] [--json|--csv] [-o FILE]\n"
	"\n"
	"NAME: redis, postgres, python-gc, node, all. Each runs in a temporary\n"
	"directory and cgroup, on a unix socket, with its own load generator\n"
	"(redis-benchmark, pgbench, a script in apps/). Per probe set one load runs\n"
	"without a break, and --repeat pairs of adjacent --duration windows, B P,\n"
	"P B, ..., probes attached or detached between them, are read from the\n"
	"application's own op counter (redis' command count, pgbench's\n"
	"transaction log, the scripts' iteration log) and its cgroup's CPU time\n"
	"(--method runs: separate load runs instead). The throughput change is the\n"
	"pairs' log ratio (Hodges-Lehmann) with its 95% interval (a bootstrap of\n"
	"blocks of consecutive pairs, or Wilcoxon's under 30 pairs), beside\n"
	"the change bench predicts from its cost per event and the events per op\n"
	"the probes saw (--bench FILE, or a short bench run first). The probes\n"
	"count only the application's cgroup; their event rate is shown beside the\n"
	"impact, so a probe that never fired does not read as 'no impact'.\n"
	"\n"
	"Default probe sets: null (the control: nothing attached), tp x perfbuf and\n"
	"tp x ringbuf on munmap, madvise, brk (one event per call), and rawtp x hash\n"
	"on every syscall (the high-rate case). --hook/--body/--syscalls measure\n"
	"their cross product instead (with the null set unless --no-null).\n"
	"\n"
	"EXAMPLES:\n"
	"    bpfcost app redis                      # the null and the three default sets\n"
	"    bpfcost app node --hook tp --body perfbuf --release\n"
	"    bpfcost app postgres --syscalls any --hook rawtp --body hash\n"
	"    bpfcost bench --json -o b.json\n"
	"    bpfcost app all --bench b.json --json -o app.json   # predicted from b.json\n"
	"\n"
	"ENVIRONMENT: BPFCOST_APP_PATH (where to look for the programs instead of\n"
	"PATH), BPFCOST_APPS (the apps/ scripts directory).\n";

enum { OPT_NO_STATS = 1000, OPT_SYSCALLS, OPT_CLIENTS, OPT_SCALE, OPT_NO_NULL, OPT_METHOD,
       OPT_BENCH, OPT_RELEASE };

static const struct argp_option app_opts_def[] = {
	{ "hook", 'H', "LIST", 0, "tp, rawtp, tp_btf, fentry, fexit, kprobe, kretprobe, all" },
	{ "body", 'b', "LIST", 0, BODY_NAMES_HELP "all" },
	{ "syscalls", OPT_SYSCALLS, "LIST", 0, "munmap, madvise, brk, any (every syscall: rawtp/tp_btf), all (default munmap,madvise,brk)" },
	{ "duration", 'd', "S", 0, "seconds of one window (default: redis 0.2, postgres 0.05, scripts 0.1) or, --method runs, of one load run (default 2; redis 0.75)" },
	{ "repeat", 'r', "N", 0, "baseline/probed window pairs (default: redis 80, postgres 300, python-gc 160, node 180) or run pairs (--method runs: 10; redis 20) per probe set" },
	{ "method", OPT_METHOD, "M", 0, "windows (default: one continuous load, adjacent windows) or runs (separate load runs)" },
	{ "clients", OPT_CLIENTS, "N", 0, "load generator connections (redis 50, postgres 4)" },
	{ "scale", OPT_SCALE, "N", 0, "postgres: pgbench -i scale (default 10, ~160 MB vs 16 MB shared_buffers)" },
	{ "no-stats", OPT_NO_STATS, NULL, 0, "skip the BPF stats run (no BPF CPU)" },
	{ "no-null", OPT_NO_NULL, NULL, 0, "leave out the null control set (nothing attached)" },
	{ "bench", OPT_BENCH, "FILE", 0, "bench --json results for the predicted change (default: a short bench run first; none: no prediction)" },
	{ "release", OPT_RELEASE, NULL, 0, "the memory-release load shape: the application frees memory to the kernel thousands of times a second" },
	{},
};

static const struct argp_child app_groups[] = {
	CLI_OUTPUT_GROUP(CLI_RESULTS_OPTS("bpfcost.app/1", ", after every row")),
	{},
};

/* The syscalls the probes go on: struct workload with no op (name,
 * syscall, nr only); nr -1 with a sys_enter hook means every syscall. */
enum { SC_MUNMAP, SC_MADVISE, SC_BRK, SC_ANY, NR_APP_SYSCALLS };
static const struct workload app_syscalls[NR_APP_SYSCALLS] = {
	[SC_MUNMAP] = { .name = "munmap", .desc = "munmap(2)", .syscall = "munmap", .nr = __NR_munmap },
	[SC_MADVISE] = { .name = "madvise", .desc = "madvise(2)", .syscall = "madvise", .nr = __NR_madvise },
	[SC_BRK] = { .name = "brk", .desc = "brk(2)", .syscall = "brk", .nr = __NR_brk },
	[SC_ANY] = { .name = "any", .desc = "every syscall", .syscall = "any", .nr = -1 },
};
static const char *const app_syscall_names[NR_APP_SYSCALLS] = { "munmap", "madvise", "brk", "any" };
#define MEM_SYSCALLS ((1ULL << SC_MUNMAP) | (1ULL << SC_MADVISE) | (1ULL << SC_BRK))

struct probe_set {
	enum hook_id hook;
	enum body_id body;
	uint64_t syscalls;
};

#define MAX_SETS 64
#define MAX_REPEAT 400
#define LATENCY_PAIRS 2 /* windowed: separate B P, P B runs for the latency percentiles */
#define STATS_WINDOW_S 0.5
/* windowed, op-log scenarios: the load runs this long after the last
 * window (pgbench writes its log through stdio buffers, lost at the kill) */
#define LOG_SETTLE_S 0.6

struct app_args {
	struct cli_common cli; /* --json, --csv, -o */
	uint64_t apps, hooks, bodies, syscalls;
	double duration_s;
	int repeat, clients, scale;
	bool no_stats, no_null, runs; /* runs: --method runs */
	bool release;
	const char *bench; /* --bench FILE, "none", or NULL: a short bench run */
};

struct app_result {
	const struct app_scenario *sc;
	char probes[40];
	enum hook_id hook;
	enum body_id body;
	uint64_t syscalls;
	const char *status; /* "ok", "unsupported", "failed" */
	char reason[512];
	char version[128];
	int repeat, pairs;
	double duration_s;
	double base[MAX_REPEAT], probe[MAX_REPEAT]; /* throughput per run */
	/* the application's CPU per op (cgroup), us: steadier than throughput
	 * when other programs take CPU time from the machine */
	double base_cpu_op[MAX_REPEAT], probe_cpu_op[MAX_REPEAT];
	double base_cpu_us_op, probe_cpu_us_op, cpu_op_change_pct, cpu_op_lo, cpu_op_hi;
	double base_tput, probe_tput, change_pct, ci_lo, ci_hi;
	const char *ci_method;
	int stalled; /* windows (runs) under half the set's median throughput */
	bool windowed;
	int latency_pairs;    /* windowed: separate runs behind the latency columns */
	double latency_run_s;
	double transition_ms; /* windowed: mean attach/detach time between windows */
	/* windowed: what the rest of the host did during the windows */
	double host_other_cpu; /* CPUs' worth of time outside app, load and bpfcost */
	double host_steal_pct; /* % of the CPUs' time the hypervisor took */
	double base_p50, base_p99, base_p999, probe_p50, probe_p99, probe_p999; /* ms */
	double base_cpu_pct, probe_cpu_pct;
	double probe_wall_s, probe_ops; /* over the probed runs or windows */
	uint64_t hits[NR_APP_SYSCALLS];
	double rate[NR_APP_SYSCALLS], event_rate;
	uint64_t lost, consumed, events;
	double bpf_cpu_pct, bpf_runs_per_s, bpf_avg_ns;
	bool filtered; /* cgroup filter in place */
	bool release;   /* --release: the memory-release load shape */
	double mdc_pct; /* minimum detectable change: 95% interval, 80% power */
	/* The prediction: bench's cost per event x the events per op seen,
	 * over the application's CPU per op (NaN with pred_reason when none) */
	double events_per_op[NR_APP_SYSCALLS];
	double cost_ns[NR_APP_SYSCALLS], cost_lo[NR_APP_SYSCALLS], cost_hi[NR_APP_SYSCALLS];
	const char *cost_row[NR_APP_SYSCALLS];
	double bench_prog_ns; /* bench's program run, stats on: the first syscall's row */
	double added_ns_op, added_lo, added_hi;
	double pred_pct, pred_lo, pred_hi;             /* throughput change, % */
	double pred_cpu_pct, pred_cpu_lo, pred_cpu_hi; /* app CPU per op change, % */
	int agrees, cpu_agrees;                        /* 1, 0, -1: not compared */
	const char *pred_source;                       /* the bench file, or a short run */
	char pred_reason[160];                         /* why there is none */
	const char *pred_note;                         /* what to read it with */
	/* what an event cost the application, from the measured change of its
	 * CPU per op over the events per op: beside bench's cost */
	double app_ns_event, app_ns_lo, app_ns_hi;
};


static error_t app_parse(int key, char *arg, struct argp_state *state)
{
	struct app_args *a = state->input;
	char names[128];

	switch (key) {
	case 'H': parse_name_list("--hook", arg, hook_names, NR_HOOKS - 1, &a->hooks); break;
	case 'b': parse_name_list("--body", arg, body_names, NR_BODIES, &a->bodies); break;
	case OPT_SYSCALLS:
		parse_name_list("--syscalls", arg, app_syscall_names, NR_APP_SYSCALLS, &a->syscalls);
		break;
	case 'd': cli_num("--duration", arg, 0.02, 3600, &a->duration_s); break;
	case 'r': cli_int_to("--repeat", arg, 1, MAX_REPEAT, &a->repeat); break;
	case OPT_CLIENTS: cli_int_to("--clients", arg, 1, 30, &a->clients); break;
	case OPT_SCALE: cli_int_to("--scale", arg, 1, 1000, &a->scale); break;
	case OPT_NO_STATS: a->no_stats = true; break;
	case OPT_NO_NULL: a->no_null = true; break;
	case OPT_METHOD:
		if (!strcmp(arg, "runs"))
			a->runs = true;
		else if (strcmp(arg, "windows"))
			usage_error("--method '%s': accepted: windows, runs", arg);
		break;
	case OPT_BENCH: a->bench = arg; break;
	case OPT_RELEASE: a->release = true; break;
	case ARGP_KEY_ARG:
		if (a->apps)
			usage_error("one NAME list, not also '%s' (redis,postgres,... in one argument)", arg);
		else
			parse_name_list("NAME", arg, app_names, nr_app_scenarios, &a->apps);
		break;
	case ARGP_KEY_END:
		if (!a->apps)
			usage_error("which application? (accepted: %s, all)",
				    join_names(names, sizeof(names), app_names, nr_app_scenarios));
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* The probe sets to measure: the directive's defaults, or the cross
 * product of --hook x --body on --syscalls. */
static int build_sets(const struct app_args *a, struct probe_set *sets, int *n)
{
	*n = 0;
	/* the control: the whole procedure with nothing attached; its change
	 * is the method's bias and its interval the noise floor */
	if (!a->no_null)
		sets[(*n)++] = (struct probe_set){ HOOK_NULL, BODY_EMPTY, 0 };
	if (!a->hooks && !a->bodies && !a->syscalls) {
		sets[(*n)++] = (struct probe_set){ HOOK_TP, BODY_PERFBUF, MEM_SYSCALLS };
		sets[(*n)++] = (struct probe_set){ HOOK_TP, BODY_RINGBUF, MEM_SYSCALLS };
		sets[(*n)++] = (struct probe_set){ HOOK_RAWTP, BODY_HASH, 1ULL << SC_ANY };
		return 0;
	}
	uint64_t hk = a->hooks ? a->hooks : 1ULL << (HOOK_TP - 1);
	uint64_t bd = a->bodies ? a->bodies : (1ULL << BODY_PERFBUF) | (1ULL << BODY_RINGBUF);
	uint64_t sc = a->syscalls ? a->syscalls : MEM_SYSCALLS;

	for (int h = 1; h < NR_HOOKS; h++) {
		if (!(hk & (1ULL << (h - 1))))
			continue;
		if (hooks[h].user)
			return usage_error("--hook %s: uprobes attach to a function of bpfcost's own, not an "
					   "application's syscalls (accepted: tp, rawtp, tp_btf, fentry, fexit, "
					   "kprobe, kretprobe)", hooks[h].name);
		if ((sc & (1ULL << SC_ANY)) && h != HOOK_RAWTP && h != HOOK_TP_BTF)
			return usage_error("--syscalls any needs a sys_enter hook (rawtp, tp_btf), not %s",
					   hooks[h].name);
		for (int b = 0; b < NR_BODIES; b++)
			if (bd & (1ULL << b)) {
				if (*n >= MAX_SETS)
					return usage_error("too many probe sets (at most %d)", MAX_SETS);
				sets[(*n)++] = (struct probe_set){ h, b, sc };
			}
	}
	return 0;
}

static void set_label(const struct probe_set *s, char *buf, size_t len)
{
	if (s->hook == HOOK_NULL) {
		snprintf(buf, len, "null");
		return;
	}
	snprintf(buf, len, "%s/%s%s", hooks[s->hook].name, bodies[s->body].name,
		 s->syscalls == (1ULL << SC_ANY) ? "*" : "");
}

/* ---- the prediction's input: what bench says one event costs ---- */

#define MAX_COSTS 64
#define SHORT_BENCH_S 3 /* a short bench row's time for pairs */

/* One bench row: a hook x body on a workload (an app syscall's own, or
 * getpid for any syscall), its mean cost per event in ns (the CPU time it
 * adds) and that mean's 95% interval. */
struct event_cost {
	enum hook_id hook;
	enum body_id body;
	int sc; /* index in app_syscalls, or -1: getpid, for any syscall */
	double ns, lo, hi;
	double prog_ns; /* the program's own run, BPF stats on (NaN: none) */
	char row[112];
};

struct event_costs {
	struct event_cost c[MAX_COSTS];
	int n;
	char source[96]; /* "FILE" or "a short bench run" */
	char consumer[16]; /* how bench's reader read the output bodies' events */
};

static const struct event_cost *cost_find(const struct event_costs *k, enum hook_id h,
					  enum body_id b, int sc)
{
	const struct event_cost *any = NULL;

	for (int i = 0; k && i < k->n; i++) {
		if (k->c[i].hook != h || k->c[i].body != b)
			continue;
		if (k->c[i].sc == sc)
			return &k->c[i];
		if (k->c[i].sc < 0)
			any = &k->c[i];
	}
	return any;
}

static int name_index(const char *name, const char *const *names, int n)
{
	for (int i = 0; name && i < n; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

/* --bench FILE: its rows with a status ok, on getpid or on an app
 * syscall's own workload. 0, or -1 with one line in err. */
static int costs_from_file(struct event_costs *k, const char *path, char *err, size_t len)
{
	struct rp_data d;
	int rc;

	memset(&d, 0, sizeof(d));
	memset(k, 0, sizeof(*k));
	if ((rc = rp_load_file(&d, path, err, len))) {
		char why[400];
		snprintf(why, sizeof(why), "%.399s", err);
		snprintf(err, len, "--bench: %s", why);
		goto out;
	}
	if (d.n_files != 1 || d.files[0].kind != RK_BENCH) {
		snprintf(err, len, "--bench %s: not a bench file (bpfcost bench --json -o FILE)", path);
		rc = -1;
		goto out;
	}
	snprintf(k->source, sizeof(k->source), "%.95s", path);
	{
		json_object *cfg, *v;
		snprintf(k->consumer, sizeof(k->consumer), "%s",
			 json_object_object_get_ex(d.files[0].root, "config", &cfg) &&
			 json_object_object_get_ex(cfg, "consumer", &v) &&
			 json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "?");
	}
	for (int i = 0; i < d.n_bench && k->n < MAX_COSTS; i++) {
		const struct rp_bench_row *r = &d.bench[i];
		int h = name_index(r->hook, hook_names, NR_HOOKS - 1) + 1;
		int b = name_index(r->body, body_names, NR_BODIES);
		int sc = name_index(r->workload, app_syscall_names, NR_APP_SYSCALLS);
		struct event_cost *c = &k->c[k->n];

		if (h <= 0 || b < 0 || (r->status && strcmp(r->status, "ok")) ||
		    (sc < 0 && (!r->workload || strcmp(r->workload, "getpid"))))
			continue;
		c->hook = h;
		c->body = b;
		c->sc = sc;
		/* the mean is the CPU time an event adds; older files have only
		 * the Hodges-Lehmann estimate */
		if (isfinite(r->overhead_mean_ns) && isfinite(r->mean_lo)) {
			c->ns = r->overhead_mean_ns;
			c->lo = r->mean_lo;
			c->hi = r->mean_hi;
		} else {
			c->ns = r->overhead_ns;
			c->lo = r->ci_lo;
			c->hi = r->ci_hi;
		}
		if (!isfinite(c->ns) || !isfinite(c->lo) || !isfinite(c->hi))
			continue;
		c->prog_ns = r->prog_avg_ns;
		snprintf(c->row, sizeof(c->row), "%s %s/%s", r->workload, r->hook, r->body);
		k->n++;
	}
	if (!k->n) {
		snprintf(err, len, "--bench %s: no measured row to predict from", path);
		rc = -1;
	}
out:
	rp_free(&d);
	return rc;
}

/* No --bench FILE: bench's method on getpid for each hook x body of the
 * sets, a few seconds each, pinned to CPU 0 like bench, with the reader
 * the applications' probes have (woken per event), and one stats phase
 * (the program's own run, to set beside the applications' stats window). */
static int costs_from_bench(struct event_costs *k, const struct probe_set *sets, int nsets)
{
	const struct workload *wl = workload_find("getpid");
	struct bench_opts o = { .trials = 30, .max_trials = 1000, .max_s = SHORT_BENCH_S,
				.ci_ns = 2, .ci_pct = 3, .cpu = 0, .trial_ms = 5 };
	cpu_set_t old;
	bool pinned;

	memset(k, 0, sizeof(*k));
	snprintf(k->source, sizeof(k->source), "a short bench run");
	snprintf(k->consumer, sizeof(k->consumer), "%s", consumer_names[CONSUMER_EVENT]);
	o.consumer_cpu = online_cpus() > 1 ? 1 : 0;
	pinned = !sched_getaffinity(0, sizeof(old), &old) && !pin_to_cpu(o.cpu);
	for (int i = 0; i < nsets && !stop_requested && wl; i++) {
		struct probe_spec spec = { .hook = sets[i].hook, .body = sets[i].body, .wl = wl,
					   .consumer = CONSUMER_EVENT, .consumer_cpu = o.consumer_cpu };
		struct bench_result r;

		if (sets[i].hook == HOOK_NULL || cost_find(k, sets[i].hook, sets[i].body, -1) ||
		    k->n >= MAX_COSTS)
			continue;
		if (verbose || isatty(STDERR_FILENO))
			fprintf(stderr, "prediction: bench %s/%s on getpid (%d s)\n", hooks[spec.hook].name,
				bodies[spec.body].name, SHORT_BENCH_S);
		bench_run_probe(&spec, &o, &r);
		if (r.status == RES_OK && isfinite(r.overhead_mean_ns)) {
			struct event_cost *c = &k->c[k->n++];
			*c = (struct event_cost){ sets[i].hook, sets[i].body, -1, r.overhead_mean_ns,
						  r.mean_ci_lo, r.mean_ci_hi, r.prog_avg_ns, "" };
			snprintf(c->row, sizeof(c->row), "getpid %s/%s", r.hook, r.body);
		} else if (r.status != RES_OK) {
			warn_msg("prediction: bench %s/%s: %s", r.hook, r.body, r.reason);
		}
		bench_result_free(&r);
	}
	if (pinned)
		sched_setaffinity(0, sizeof(old), &old);
	return stop_requested ? -EINTR : 0;
}

/* The slowdown bench predicts: the events per op the probes saw times
 * bench's cost per event is the CPU an op gains; over the application's
 * CPU per op (base windows) that is the change of its CPU per op, and,
 * for an application whose throughput its own CPU time bounds, a
 * throughput change of -added / (base + added). */
static void predict(struct app_result *r, const struct event_costs *k)
{
	double base_ns = r->base_cpu_us_op * 1000, add = 0, lo = 0, hi = 0;

	r->added_ns_op = r->added_lo = r->added_hi = NAN;
	r->pred_pct = r->pred_lo = r->pred_hi = NAN;
	r->pred_cpu_pct = r->pred_cpu_lo = r->pred_cpu_hi = NAN;
	r->agrees = r->cpu_agrees = -1;
	r->app_ns_event = r->app_ns_lo = r->app_ns_hi = NAN;
	r->bench_prog_ns = NAN;
	r->pred_source = k ? k->source : NULL;
	for (int s = 0; s < NR_APP_SYSCALLS; s++)
		r->events_per_op[s] = r->cost_ns[s] = r->cost_lo[s] = r->cost_hi[s] = NAN;
	if (r->hook == HOOK_NULL || strcmp(r->status, "ok"))
		return;
	if (!k) {
		snprintf(r->pred_reason, sizeof(r->pred_reason), "no bench results (--bench none)");
		return;
	}
	if (!(r->probe_ops > 0) || !(base_ns > 0)) {
		snprintf(r->pred_reason, sizeof(r->pred_reason), "no application CPU per op (no cgroup)");
		return;
	}
	for (int s = 0; s < NR_APP_SYSCALLS; s++) {
		const struct event_cost *c;

		if (!(r->syscalls & (1ULL << s)))
			continue;
		if (!(c = cost_find(k, r->hook, r->body, s))) {
			snprintf(r->pred_reason, sizeof(r->pred_reason), "no bench row for %s/%s in %s",
				 hooks[r->hook].name, bodies[r->body].name, k->source);
			return;
		}
		r->events_per_op[s] = (double)r->hits[s] / r->probe_ops;
		r->cost_ns[s] = c->ns;
		r->cost_lo[s] = c->lo;
		r->cost_hi[s] = c->hi;
		r->cost_row[s] = c->row;
		if (isnan(r->bench_prog_ns))
			r->bench_prog_ns = c->prog_ns;
		add += r->events_per_op[s] * c->ns;
		lo += r->events_per_op[s] * c->lo;
		hi += r->events_per_op[s] * c->hi;
	}
	r->added_ns_op = add;
	r->added_lo = lo;
	r->added_hi = hi;
	r->pred_cpu_pct = 100 * add / base_ns;
	r->pred_cpu_lo = 100 * lo / base_ns;
	r->pred_cpu_hi = 100 * hi / base_ns;
	r->pred_pct = -100 * add / (base_ns + add);
	r->pred_lo = -100 * hi / (base_ns + hi);
	r->pred_hi = -100 * lo / (base_ns + lo);
	double epo = 0;
	for (int s = 0; s < NR_APP_SYSCALLS; s++)
		if (r->syscalls & (1ULL << s))
			epo += r->events_per_op[s];
	if (epo > 0) {
		r->app_ns_event = r->cpu_op_change_pct / 100 * base_ns / epo;
		r->app_ns_lo = r->cpu_op_lo / 100 * base_ns / epo;
		r->app_ns_hi = r->cpu_op_hi / 100 * base_ns / epo;
	}
	/* at an application's rates a woken reader is woken for nearly every
	 * event; a bench that batched its reads did not pay that */
	if (bodies[r->body].output && strcmp(k->consumer, consumer_names[CONSUMER_EVENT]))
		r->pred_note = "bench's reader here was not woken per event as the applications' are: "
			       "their output events cost more";
	if (!isnan(r->ci_lo))
		r->agrees = r->ci_lo <= r->pred_hi && r->pred_lo <= r->ci_hi;
	if (!isnan(r->cpu_op_lo))
		r->cpu_agrees = r->cpu_op_lo <= r->pred_cpu_hi && r->pred_cpu_lo <= r->cpu_op_hi;
}

/* ---- one run ---- */

static int measured_run(struct app_env *e, struct app_run *r, char *err, size_t len)
{
	int64_t cpu0 = app_cgroup_cpu_us(e), cpu1;
	uint64_t t0 = now_ns();
	int rc;

	memset(r, 0, sizeof(*r));
	rc = e->sc->run(e, r, err, len);
	r->wall_s = (double)(now_ns() - t0) / 1e9;
	cpu1 = app_cgroup_cpu_us(e);
	r->app_cpu_us = cpu0 >= 0 && cpu1 >= 0 ? (double)(cpu1 - cpu0) : NAN;
	r->app_cpu_pct = r->wall_s > 0 ? r->app_cpu_us / 1e6 / r->wall_s * 100 : NAN;
	return rc;
}

struct set_probes {
	struct probe *p[NR_APP_SYSCALLS];
	int sc[NR_APP_SYSCALLS];
	int n;
};

static void probes_close(struct set_probes *sp)
{
	for (int i = 0; i < sp->n; i++)
		probe_close(sp->p[i]);
	sp->n = 0;
}

static void *detach_main(void *p)
{
	probe_detach(p);
	return NULL;
}

/* A classic tracepoint's detach waits for an RCU grace period (tens of
 * ms; docs/app.md): detaching the set's probes from threads of their own
 * lets those waits overlap (time between windows, never inside one). */
static void probes_detach(struct set_probes *sp)
{
	pthread_t t[NR_APP_SYSCALLS];
	bool started[NR_APP_SYSCALLS] = { false };

	for (int i = 1; i < sp->n; i++)
		started[i] = !pthread_create(&t[i], NULL, detach_main, sp->p[i]);
	for (int i = 0; i < sp->n; i++)
		if (!started[i])
			probe_detach(sp->p[i]);
	for (int i = 1; i < sp->n; i++)
		if (started[i])
			pthread_join(t[i], NULL);
}

static int probes_attach(struct set_probes *sp, const struct probe_set *set, char *reason,
			 size_t len)
{
	for (int i = 0; i < sp->n; i++) {
		int err = probe_attach(sp->p[i], reason, len);
		/* another program may have unmounted tracefs since we opened */
		if (err == -ENOENT && set->hook == HOOK_TP && !tracefs_ensure())
			err = probe_attach(sp->p[i], reason, len);
		if (err) {
			probes_detach(sp);
			return err;
		}
	}
	return 0;
}

static double mean_of(const double *x, int n)
{
	double s = 0;
	int k = 0;

	for (int i = 0; i < n; i++)
		if (!isnan(x[i])) {
			s += x[i];
			k++;
		}
	return k ? s / k : NAN;
}

/* The paired change in %, its centre and interval. On the log of each
 * pair's ratio, back to % at the end: probed / base - 1 is skewed (a stalled
 * base window gives +200%, a stalled probed one at most -100%), which moved
 * the Hodges-Lehmann centre of a null set by several % on a stalling host;
 * the log ratio of two windows that differ by nothing is symmetric. The
 * pairs in the order measured: a bootstrap of blocks of consecutive pairs
 * from BOOT_BLOCK * BOOT_MIN_BLOCKS pairs (a stall spans several windows,
 * and adjacent pairs share the machine's state), else Hodges-Lehmann (from
 * 6 pairs) or the mean and t. The method's name, or NULL. */
static const char *paired_change(const double *base, const double *probe, int n, double *est,
				 double *lo, double *hi)
{
	double d[MAX_REPEAT];
	const char *method;
	int k = 0;

	for (int i = 0; i < n; i++)
		if (base[i] > 0 && probe[i] > 0)
			d[k++] = log(probe[i] / base[i]);
	method = centre_ci_blocks(d, k, est, lo, hi);
	*est = expm1(*est) * 100;
	*lo = expm1(*lo) * 100;
	*hi = expm1(*hi) * 100;
	return method;
}

/* Windows (runs) whose throughput was under half the median of the set's:
 * the application stalled (the whole server, on a shared host). Kept in
 * the change, counted for the output. */
static int stalled_count(const double *base, const double *probe, int n)
{
	double all[2 * MAX_REPEAT], med;
	int k = 0, stalled = 0;

	for (int i = 0; i < n; i++) {
		if (!isnan(base[i]))
			all[k++] = base[i];
		if (!isnan(probe[i]))
			all[k++] = probe[i];
	}
	med = median_of(all, k);
	for (int i = 0; i < k; i++)
		stalled += all[i] < med / 2;
	return stalled;
}

static void change_stats(struct app_result *res)
{
	int n = res->pairs;

	res->base_tput = mean_of(res->base, n);
	res->probe_tput = mean_of(res->probe, n);
	res->ci_method = paired_change(res->base, res->probe, n, &res->change_pct, &res->ci_lo,
				       &res->ci_hi);
	res->stalled = stalled_count(res->base, res->probe, n);
	res->base_cpu_us_op = mean_of(res->base_cpu_op, n);
	res->probe_cpu_us_op = mean_of(res->probe_cpu_op, n);
	paired_change(res->base_cpu_op, res->probe_cpu_op, n, &res->cpu_op_change_pct,
		      &res->cpu_op_lo, &res->cpu_op_hi);
	/* the interval's half-width is 1.96 standard errors; a change of
	 * (1.96 + 0.84) of them is found 80% of the time */
	res->mdc_pct = (res->ci_hi - res->ci_lo) / 2 * (1.959964 + 0.841621) / 1.959964;
}

struct window {
	uint64_t t0_ns, t1_ns;
	double seconds, ops, app_cpu_us;
	uint64_t hits[NR_APP_SYSCALLS];
	bool probed;
};

/* One window of the continuous load: the application's op counter (live,
 * or later from its log) and its cgroup CPU at both ends, and the probes'
 * hits (read without settling the consumers: that would put their wait
 * into the window). */
static int window(struct app_env *e, struct set_probes *sp, bool probed, double len_s,
		  struct window *w, char *err, size_t len)
{
	uint64_t ops0 = 0, ops1 = 0, h0[NR_APP_SYSCALLS], h1, d;
	int64_t cpu0, cpu1;
	bool live = e->sc->ops_read;
	int rc;

	memset(w, 0, sizeof(*w));
	w->probed = probed;
	if (live && (rc = e->sc->ops_read(e, &ops0, err, len)))
		return rc;
	w->t0_ns = now_ns();
	cpu0 = app_cgroup_cpu_us(e);
	for (int j = 0; probed && j < sp->n; j++)
		probe_slot_totals(sp->p[j], &h0[j], &d);
	if ((rc = sleep_until_ns(w->t0_ns + (uint64_t)(len_s * 1e9)))) {
		snprintf(err, len, "interrupted");
		return rc;
	}
	for (int j = 0; probed && j < sp->n; j++) {
		probe_slot_totals(sp->p[j], &h1, &d);
		w->hits[sp->sc[j]] = h1 - h0[j];
	}
	cpu1 = app_cgroup_cpu_us(e);
	if (live && (rc = e->sc->ops_read(e, &ops1, err, len)))
		return rc;
	w->t1_ns = now_ns();
	w->seconds = (double)(w->t1_ns - w->t0_ns) / 1e9;
	w->ops = (double)(ops1 - ops0);
	w->app_cpu_us = cpu0 >= 0 && cpu1 >= 0 ? (double)(cpu1 - cpu0) : NAN;
	if (!live)
		return app_load_alive(e, err, len);
	if (!(w->ops > 0)) {
		snprintf(err, len, "%s processed no request in a %.2f s window: the load generator stopped",
			 e->sc->bins[0], w->seconds);
		return -1;
	}
	return 0;
}

/* The first op of log ending after t (binary search). */
static size_t first_end_after(const struct app_oplog *log, uint64_t t)
{
	size_t lo = 0, hi = log->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (log->end_ns[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Each window's ops from the load's own log: the ops that ended in it,
 * or, for a load that runs one op at a time (the scripts: iterations of a
 * few ms against windows of a few hundred), the part of each op that lies
 * in the window, so that an op cut by a window's edge counts in both
 * sides by its share and no window gains or loses a whole op. An op's
 * duration goes into the latency histogram of the window it ended in. */
static int windows_from_log(struct app_env *e, struct window *w, int n, struct hist *hb,
			    struct hist *hp, char *err, size_t len)
{
	struct app_oplog log = { 0 };
	uint64_t last = 0;
	int rc;

	if ((rc = e->sc->ops_log(e, &log, err, len)))
		goto out;
	for (int i = 0; i < n; i++)
		if (w[i].t1_ns > last)
			last = w[i].t1_ns;
	if (log.complete_ns < last) {
		snprintf(err, len, "the load's log ends %.2f s before the last window",
			 (double)(last - log.complete_ns) / 1e9);
		rc = -1;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		size_t k = first_end_after(&log, w[i].t0_ns);

		w[i].ops = 0;
		for (; k < log.n; k++) {
			uint64_t end = log.end_ns[k], dur = log.dur_ns[k];
			uint64_t start = end > dur ? end - dur : 0;

			if (e->sc->ops_sequential) {
				if (start >= w[i].t1_ns)
					break;
				uint64_t a = start > w[i].t0_ns ? start : w[i].t0_ns;
				uint64_t b = end < w[i].t1_ns ? end : w[i].t1_ns;
				w[i].ops += dur ? (double)(b - a) / (double)dur : 1;
			} else {
				if (end > w[i].t1_ns)
					break;
				w[i].ops += 1;
			}
			if (end <= w[i].t1_ns)
				hist_add(w[i].probed ? hp : hb, dur);
		}
		if (!(w[i].ops > 0)) {
			snprintf(err, len, "%s completed no op in a %.2f s window: the load stalled",
				 e->sc->name, w[i].seconds);
			rc = -1;
			goto out;
		}
	}
out:
	app_oplog_free(&log);
	return rc;
}

/* The BPF programs' CPU: BPF stats cost two clock reads per program run,
 * so they get a phase of their own (a separate run, or one window of the
 * continuous load), not one of the compared ones. */
static int stats_phase(struct app_env *e, struct set_probes *sp, const struct probe_set *set,
		       struct app_result *res)
{
	uint64_t c0[NR_APP_SYSCALLS], t0[NR_APP_SYSCALLS], cnt = 0, ns = 0;
	char err[512];
	double wall_s = 0;
	int sfd = stats_enable(), rc;

	if (sfd < 0) {
		warn_msg("BPF_ENABLE_STATS: %s: no BPF CPU", strerror(-sfd));
		return 0;
	}
	if (probes_attach(sp, set, err, sizeof(err))) {
		close(sfd);
		return 0;
	}
	/* read once attached: where a kernel attaches an fentry program once
	 * per load, each attach loads a fresh copy (probe_attach) */
	for (int j = 0; j < sp->n; j++)
		prog_run_stats(probe_prog_fd(sp->p[j]), &c0[j], &t0[j], NULL);
	if (res->windowed) {
		struct window w;
		rc = window(e, sp, true, STATS_WINDOW_S, &w, err, sizeof(err));
		wall_s = w.seconds;
	} else {
		struct app_run r;
		rc = measured_run(e, &r, err, sizeof(err));
		wall_s = r.wall_s;
	}
	for (int j = 0; j < sp->n; j++) {
		uint64_t c1, t1;
		if (!prog_run_stats(probe_prog_fd(sp->p[j]), &c1, &t1, NULL)) {
			cnt += c1 - c0[j];
			ns += t1 - t0[j];
		}
	}
	probes_detach(sp);
	close(sfd);
	if (rc == -EINTR)
		return rc;
	if (!rc && wall_s > 0) {
		res->bpf_cpu_pct = (double)ns / 1e9 / wall_s * 100;
		res->bpf_runs_per_s = (double)cnt / wall_s;
		res->bpf_avg_ns = cnt ? (double)ns / (double)cnt : NAN;
	}
	return 0;
}

/* Separate load runs, B P, P B, ... (pairs of them): the runs method's
 * measurement, and the windowed method's latency percentiles (the load
 * generator prints them per run only). Fills lat, cpu, and with
 * tput the throughput per run. Returns 0, -EINTR, or -1 with res failed. */
static int run_pairs(struct app_env *e, struct set_probes *sp, const struct probe_set *set,
		     struct app_result *res, int pairs, double lat[6][MAX_REPEAT],
		     double *bcpu, double *pcpu, bool tput)
{
	char err[512];
	int rc;

	for (int i = 0; i < pairs && !stop_requested; i++) {
		/* B P, P B, ...: a linear drift cancels over two pairs */
		for (int k = 0; k < 2; k++) {
			bool probed = (k == 0) == (i % 2 == 1);
			struct app_run r;

			/* counts are cumulative: the run's are after - before, so
			 * the set's totals survive every run */
			struct probe_counts before[NR_APP_SYSCALLS];
			if (probed && tput)
				for (int j = 0; j < sp->n; j++)
					probe_counts(sp->p[j], &before[j]);
			if (probed && (rc = probes_attach(sp, set, res->reason, sizeof(res->reason)))) {
				res->status = "failed";
				return -1;
			}
			rc = measured_run(e, &r, err, sizeof(err));
			if (probed) {
				probes_detach(sp);
				for (int j = 0; tput && j < sp->n; j++) {
					struct probe_counts c;
					probe_counts(sp->p[j], &c);
					res->hits[sp->sc[j]] += c.hits - before[j].hits;
					res->lost += c.drops - before[j].drops;
					res->consumed += c.consumed - before[j].consumed;
				}
			}
			if (rc) {
				if (rc == -EINTR)
					return rc;
				res->status = "failed";
				snprintf(res->reason, sizeof(res->reason), "%s", err);
				return -1;
			}
			double *lt = &lat[probed ? 3 : 0][0];
			lt[0 * MAX_REPEAT + i] = r.p50_ms;
			lt[1 * MAX_REPEAT + i] = r.p99_ms;
			lt[2 * MAX_REPEAT + i] = r.p999_ms;
			if (!tput)
				continue;
			(probed ? res->probe : res->base)[i] = r.throughput;
			(probed ? pcpu : bcpu)[i] = r.app_cpu_pct;
			(probed ? res->probe_cpu_op : res->base_cpu_op)[i] =
				r.ops > 0 ? r.app_cpu_us / r.ops : NAN;
			if (probed) {
				res->probe_wall_s += r.wall_s;
				res->probe_ops += r.ops;
			}
			if (verbose)
				fprintf(stderr, "  %s %s run %d: %.1f %s (%.2f s of %.2f s wall)\n",
					res->probes, probed ? "probe" : "base ", i + 1, r.throughput,
					e->sc->unit, r.seconds, r.wall_s);
		}
		if (!tput)
			continue;
		res->pairs = i + 1;
		/* redis runs a fixed request count: re-size it from the rates seen
		 * so far, so runs stay near --duration when the machine's load
		 * changes after the calibration (never within a pair) */
		if (e->requests) {
			/* harmonic mean: a run's time is requests / rate */
			double inv = 0;
			for (int j = 0; j <= i; j++)
				inv += 1 / res->base[j] + 1 / res->probe[j];
			double rate = 2 * (i + 1) / inv;
			if (rate > 0)
				e->requests = (uint64_t)fmax(10000, e->duration_s * rate / (e->windowed ? 1 : 2));
		}
	}
	return stop_requested ? -EINTR : 0;
}

/* The host's CPU time at one moment, seconds: every CPU's busy and stolen
 * time (/proc/stat), and the shares that belong to this measurement: the
 * application's cgroup, bpfcost itself (consumers included) and a load
 * generator outside the cgroup. */
struct host_cpu {
	double busy_s, steal_s, total_s, mine_s;
	bool ok;
};

/* A process' CPU time (all its threads), through its CPU clock. */
static double pid_cpu_s(pid_t pid)
{
	struct timespec ts;
	clockid_t clk;

	if (clock_getcpuclockid(pid, &clk) || clock_gettime(clk, &ts))
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void host_cpu_read(const struct app_env *e, struct host_cpu *h)
{
	unsigned long long v[8] = { 0 };
	char buf[512];
	int64_t app_us = app_cgroup_cpu_us(e);
	struct timespec self;
	double hz = (double)sysconf(_SC_CLK_TCK);

	h->ok = read_small_file("/proc/stat", buf, sizeof(buf)) > 0 && app_us >= 0 &&
		sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		       &v[3], &v[4], &v[5], &v[6], &v[7]) == 8 &&
		!clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &self);
	if (!h->ok)
		return;
	/* user nice system idle iowait irq softirq steal */
	h->busy_s = (double)(v[0] + v[1] + v[2] + v[5] + v[6]) / hz;
	h->steal_s = (double)v[7] / hz;
	h->total_s = (double)(v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7]) / hz;
	h->mine_s = (double)app_us / 1e6 + (double)self.tv_sec + (double)self.tv_nsec / 1e9;
	if (e->load > 0 && !e->sc->script) /* the scripts run in the cgroup */
		h->mine_s += pid_cpu_s(e->load);
}

/* Other programs' CPU (in CPUs) and the steal (%) between two readings:
 * the busy time that is not the measurement's. Kernel threads working for
 * the application (writeback, RCU after a detach) count as other. */
static void host_cpu_diff(const struct host_cpu *a, const struct host_cpu *b, double wall_s,
			  struct app_result *res)
{
	double other;

	if (!a->ok || !b->ok || wall_s <= 0 || b->total_s <= a->total_s)
		return;
	other = (b->busy_s - a->busy_s) - (b->mine_s - a->mine_s);
	res->host_other_cpu = other > 0 ? other / wall_s : 0;
	res->host_steal_pct = (b->steal_s - a->steal_s) / (b->total_s - a->total_s) * 100;
}

/* The windowed method: one continuous load per probe set; --repeat pairs
 * of adjacent windows, B P, P B, B P, ... so the probes change state once
 * per pair (B P | P B | ...: attach, then detach), always between windows:
 * a window starts after the attach has completed and ends before the
 * detach starts (a classic tracepoint's close waits for RCU).
 * Window 2i + k is pair i's k-th. */
static int windows_pairs(struct app_env *e, struct set_probes *sp, const struct probe_set *set,
			 struct app_result *res, struct window *wins)
{
	char err[512];
	bool on = false;
	uint64_t trans_ns = 0, t0;
	int trans = 0, rc;
	struct host_cpu h0, h1;

	if ((rc = e->sc->load_start(e, err, sizeof(err))))
		goto fail;
	if ((rc = sleep_until_ns(now_ns() + (uint64_t)(e->sc->warmup_s * 1e9))))
		return rc;
	host_cpu_read(e, &h0);
	t0 = now_ns();
	for (int i = 0; i < res->repeat && !stop_requested; i++) {
		for (int k = 0; k < 2; k++) {
			bool probed = (k == 0) == (i % 2 == 1);
			struct window *w = &wins[2 * i + k];

			if (probed != on) {
				uint64_t t0 = now_ns();
				if (probed && probes_attach(sp, set, res->reason, sizeof(res->reason))) {
					res->status = "failed";
					return -1;
				}
				if (!probed)
					probes_detach(sp);
				on = probed;
				trans_ns += now_ns() - t0;
				trans++;
			}
			rc = window(e, sp, probed, e->window_s, w, err, sizeof(err));
			if (rc) {
				if (on)
					probes_detach(sp);
				if (rc == -EINTR)
					return rc;
				goto fail;
			}
		}
		res->pairs = i + 1;
	}
	host_cpu_read(e, &h1);
	host_cpu_diff(&h0, &h1, (double)(now_ns() - t0) / 1e9, res);
	if (on)
		probes_detach(sp);
	res->transition_ms = trans ? (double)trans_ns / 1e6 / trans : NAN;
	return stop_requested ? -EINTR : 0;
fail:
	res->status = "failed";
	snprintf(res->reason, sizeof(res->reason), "%s", err);
	return -1;
}

/* Per pair: each window's throughput and app CPU, and the probed
 * windows' hits and ops (the event rates and the prediction's events per
 * op). */
static void windows_tally(struct app_env *e, const struct window *wins, struct app_result *res,
			  double *bcpu, double *pcpu)
{
	for (int i = 0; i < res->pairs; i++)
		for (int k = 0; k < 2; k++) {
			const struct window *w = &wins[2 * i + k];
			bool probed = w->probed;

			(probed ? res->probe : res->base)[i] = w->ops / w->seconds;
			(probed ? pcpu : bcpu)[i] = w->app_cpu_us / 1e6 / w->seconds * 100;
			(probed ? res->probe_cpu_op : res->base_cpu_op)[i] = w->app_cpu_us / w->ops;
			if (probed) {
				res->probe_wall_s += w->seconds;
				res->probe_ops += w->ops;
				for (int s = 0; s < NR_APP_SYSCALLS; s++)
					res->hits[s] += w->hits[s];
			}
			if (verbose > 1)
				fprintf(stderr, "  %s %s window %d: %.1f %s\n", res->probes,
					probed ? "probe" : "base ", i + 1, w->ops / w->seconds, e->sc->unit);
		}
}

/* Measure one probe set on a running scenario. Returns 0 (res filled,
 * status may be unsupported/failed), -EINTR when interrupted. */
static int measure_set(struct app_env *e, const struct app_args *a, const struct probe_set *set,
		       struct app_result *res)
{
	struct set_probes sp = { .n = 0 };
	static double lat[6][MAX_REPEAT], bcpu[MAX_REPEAT], pcpu[MAX_REPEAT];
	struct probe_counts c0[NR_APP_SYSCALLS];
	int rc = 0, lat_pairs;

	res->status = "ok";
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < MAX_REPEAT; j++)
			lat[i][j] = NAN;
	for (int s = 0; s < NR_APP_SYSCALLS; s++) {
		struct probe_spec spec = {
			.hook = set->hook, .body = set->body, .wl = &app_syscalls[s],
			.target_tgid = PROBE_TGID_ANY, .target_cgroup_id = e->cgroup_id,
			.consumer = CONSUMER_EVENT, .consumer_cpu = -1,
		};
		enum probe_status st;

		if (!(set->syscalls & (1ULL << s)))
			continue;
		st = probe_open(&sp.p[sp.n], &spec, res->reason, sizeof(res->reason));
		if (st != PROBE_OK) {
			res->status = st == PROBE_UNSUPPORTED ? "unsupported" : "failed";
			goto out;
		}
		sp.sc[sp.n++] = s;
	}
	res->bpf_cpu_pct = res->bpf_runs_per_s = res->bpf_avg_ns = NAN;
	res->transition_ms = res->host_other_cpu = res->host_steal_pct = NAN;

	if (!res->windowed) {
		rc = run_pairs(e, &sp, set, res, res->repeat, lat, bcpu, pcpu, true);
		if (rc)
			goto out;
		lat_pairs = res->pairs;
		if (!a->no_stats && sp.n && (rc = stats_phase(e, &sp, set, res)))
			goto out;
	} else {
		/* events, consumed and lost over the whole set (windows, stats
		 * window, latency runs); the event rate from the probed windows */
		static struct window wins[2 * MAX_REPEAT];
		uint64_t t0 = now_ns(), t1, t2, t3;
		char err[512];

		for (int j = 0; j < sp.n; j++)
			probe_counts(sp.p[j], &c0[j]);
		rc = windows_pairs(e, &sp, set, res, wins);
		t1 = now_ns();
		if (!rc && !a->no_stats && sp.n)
			rc = stats_phase(e, &sp, set, res);
		/* pgbench's log lags by what its stdio buffers hold */
		if (!rc && e->sc->ops_log)
			rc = sleep_until_ns(t1 + (uint64_t)(LOG_SETTLE_S * 1e9));
		t2 = now_ns();
		e->sc->load_stop(e);
		t3 = now_ns();
		if (verbose)
			fprintf(stderr, "  windows %.1f s, stats %.1f s, stop %.2f s\n", (t1 - t0) / 1e9,
				(t2 - t1) / 1e9, (t3 - t2) / 1e9);
		if (rc)
			goto out;
		if (e->sc->ops_log) {
			struct hist *hb = calloc(1, sizeof(*hb)), *hp = calloc(1, sizeof(*hp));

			rc = hb && hp ? windows_from_log(e, wins, 2 * res->pairs, hb, hp, err, sizeof(err))
				      : -1;
			if (!rc) {
				/* the latency of the ops in the base and probed windows */
				double q[3] = { 0.50, 0.99, 0.999 };
				for (int k = 0; k < 3; k++) {
					lat[k][0] = hist_quantile(hb, q[k]) / 1e6;
					lat[3 + k][0] = hist_quantile(hp, q[k]) / 1e6;
				}
				lat_pairs = 1;
			} else if (!hb || !hp) {
				snprintf(err, sizeof(err), "out of memory");
			}
			free(hb);
			free(hp);
			if (rc) {
				res->status = "failed";
				snprintf(res->reason, sizeof(res->reason), "%s", err);
				goto out;
			}
			windows_tally(e, wins, res, bcpu, pcpu);
		} else {
			windows_tally(e, wins, res, bcpu, pcpu);
			res->latency_pairs = lat_pairs = LATENCY_PAIRS;
			res->latency_run_s = e->duration_s;
			if ((rc = run_pairs(e, &sp, set, res, lat_pairs, lat, NULL, NULL, false)))
				goto out;
			if (verbose)
				fprintf(stderr, "  latency runs %.1f s\n", (now_ns() - t3) / 1e9);
		}
		for (int j = 0; j < sp.n; j++) {
			struct probe_counts c;
			probe_counts(sp.p[j], &c);
			res->lost += c.drops - c0[j].drops;
			res->consumed += c.consumed - c0[j].consumed;
			res->events += c.hits - c0[j].hits;
		}
	}

	change_stats(res);
	res->base_p50 = mean_of(lat[0], lat_pairs);
	res->base_p99 = mean_of(lat[1], lat_pairs);
	res->base_p999 = mean_of(lat[2], lat_pairs);
	res->probe_p50 = mean_of(lat[3], lat_pairs);
	res->probe_p99 = mean_of(lat[4], lat_pairs);
	res->probe_p999 = mean_of(lat[5], lat_pairs);
	res->base_cpu_pct = mean_of(bcpu, res->pairs);
	res->probe_cpu_pct = mean_of(pcpu, res->pairs);
	res->event_rate = set->hook == HOOK_NULL ? NAN : 0;
	for (int s = 0; s < NR_APP_SYSCALLS; s++) {
		res->rate[s] = set->syscalls & (1ULL << s) && res->probe_wall_s > 0 ?
			       (double)res->hits[s] / res->probe_wall_s : NAN;
		if (!isnan(res->rate[s]))
			res->event_rate += res->rate[s];
	}
	if (!res->windowed)
		for (int s = 0; s < NR_APP_SYSCALLS; s++)
			res->events += res->hits[s];
out:
	if (rc == -1)
		rc = 0; /* res says failed */
	if (res->windowed)
		e->sc->load_stop(e);
	probes_close(&sp);
	return rc;
}

/* ---- output ---- */

static const struct table_col tput_cols[] = {
	{ "PROBES", 14, true }, { "BASE /s", 10 }, { "PROBE /s", 10 }, { "CHANGE %", 8 },
	{ "95% CI %", 15 }, { "EVENTS/s", 10 }, { "LOST", 6 },
};
static const struct table_col lat_cols[] = {
	{ "PROBES", 14, true }, { "BASE p50", 8 }, { "p99", 8 }, { "p99.9", 8 },
	{ "PROBE p50", 9 }, { "p99", 8 }, { "p99.9", 8 },
};
static const struct table_col cost_cols[] = {
	{ "PROBES", 14, true }, { "munmap/s", 8 }, { "madv/s", 8 }, { "brk/s", 8 },
	{ "any/s", 9 }, { "BPF CPU%", 8 }, { "APP% B", 7 }, { "APP% P", 7 },
};
static const struct table_col cpuop_cols[] = {
	{ "PROBES", 14, true }, { "BASE us/op", 10 }, { "PROBE us/op", 11 }, { "CHANGE %", 8 },
	{ "95% CI %", 15 },
};
static const struct table_col pred_cols[] = {
	{ "PROBES", 14, true }, { "CHANGE %", 8 }, { "95% CI %", 15 }, { "PREDICTED", 9 },
	{ "95% CI %", 15 }, { "ns/EVENT", 8 }, { "AGREE", 4, true },
};
static const struct table_col csv_cols[] = {
	{ "app" }, { "hook" }, { "body" }, { "syscalls" }, { "status" }, { "reason" }, { "unit" },
	{ "pairs" }, { "base_throughput" }, { "probe_throughput" }, { "change_pct" },
	{ "change_ci95_lo" }, { "change_ci95_hi" }, { "base_p50_ms" }, { "base_p99_ms" },
	{ "base_p999_ms" }, { "probe_p50_ms" }, { "probe_p99_ms" }, { "probe_p999_ms" },
	{ "event_rate_per_s" }, { "munmap_per_s" }, { "madvise_per_s" }, { "brk_per_s" },
	{ "any_per_s" }, { "bpf_cpu_pct" }, { "base_app_cpu_pct" }, { "app_cpu_pct" }, { "lost" },
	{ "windows" }, { "min_detectable_change_pct" }, { "predicted_change_pct" },
	{ "predicted_change_ci95_lo" }, { "predicted_change_ci95_hi" }, { "prediction_agrees" },
};
#define NCSV ((int)ARRAY_SIZE(csv_cols))

/* What the defaults aim at on a 2-CPU VM: the null set's interval within
 * +-3% of throughput, every probe set's half-width within 5% */
#define NULL_AIM_PCT 3.0
#define SET_AIM_PCT 5.0
/* a host busier than this during the windows is named in the notes */
#define HOST_OTHER_NOTE_CPU 0.10
#define HOST_STEAL_NOTE_PCT 2.0

static int tput_decimals(double v)
{
	return v >= 1000 ? 0 : v >= 10 ? 1 : 2;
}

static void syscall_list(uint64_t mask, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int s = 0; s < NR_APP_SYSCALLS; s++)
		if (mask & (1ULL << s))
			off += snprintf(buf + off, len - off, "%s%s", off ? "," : "", app_syscall_names[s]);
}

/* Cells i and i + 1: a change in % and its 95% interval. */
static void change_cells(struct row *row, int i, double est, double lo, double hi)
{
	snprintf(row->buf[i], sizeof(row->buf[i]), "%+.2f", est);
	row->cells[i] = isnan(est) ? "-" : row->buf[i];
	if (isnan(lo))
		snprintf(row->buf[i + 1], sizeof(row->buf[i + 1]), "-");
	else
		snprintf(row->buf[i + 1], sizeof(row->buf[i + 1]),
			 fabs(lo) < 10 && fabs(hi) < 10 ? "[%+.2f,%+.2f]" : "[%+.1f,%+.1f]", lo, hi);
	row->cells[i + 1] = row->buf[i + 1];
}

/* A measured set's row in the latency, CPU per op and cost tables. */
static void lat_row(struct row *row, const struct app_result *r)
{
	ROW_NUMS(row, 1, 3, r->base_p50, r->base_p99, r->base_p999, r->probe_p50, r->probe_p99,
		 r->probe_p999);
}

static void cpuop_row(struct row *row, const struct app_result *r)
{
	row_num(row, 1, r->base_cpu_us_op, r->base_cpu_us_op >= 100 ? 0 : 3);
	row_num(row, 2, r->probe_cpu_us_op, r->probe_cpu_us_op >= 100 ? 0 : 3);
	change_cells(row, 3, r->cpu_op_change_pct, r->cpu_op_lo, r->cpu_op_hi);
}

static void cost_row(struct row *row, const struct app_result *r)
{
	for (int s = 0; s < NR_APP_SYSCALLS; s++)
		row_num(row, 1 + s, r->rate[s], r->rate[s] >= 100 ? 0 : 1);
	row_num(row, 5, r->bpf_cpu_pct, r->bpf_cpu_pct >= 1 ? 2 : 4);
	row_num(row, 6, r->base_cpu_pct, 1);
	row_num(row, 7, r->probe_cpu_pct, 1);
}

/* A table of the sets that were measured: PROBES, then what fill puts in
 * the row. */
static void ok_table(FILE *f, const struct table_col *cols, int ncols, const struct app_result *rs,
		     int n, void (*fill)(struct row *row, const struct app_result *r))
{
	struct row row;

	table_header(f, cols, ncols);
	for (int i = 0; i < n; i++) {
		if (strcmp(rs[i].status, "ok"))
			continue;
		row.cells[0] = rs[i].probes;
		fill(&row, &rs[i]);
		table_row(f, cols, ncols, row.cells);
	}
}

/* Why a set's measured change is not the predicted one, in numbers: what
 * an event cost the application (the change of its CPU per op over the
 * events per op) against bench's cost. */
static void print_disagreement(FILE *f, const struct app_result *r)
{
	double bench_ns = NAN;

	for (int s = 0; s < NR_APP_SYSCALLS && isnan(bench_ns); s++)
		if (r->syscalls & (1ULL << s))
			bench_ns = r->cost_ns[s];
	fprintf(f, "%s: measured and predicted disagree: ", r->probes);
	if (isnan(r->app_ns_event))
		fprintf(f, "the probes saw\n  no event: the cost is not "
			   "their events'\n");
	else
		fprintf(f, "an event cost the app\n  %.0f ns of its CPU [%.0f, %.0f] where bench "
			   "measured %.0f ns\n", r->app_ns_event, r->app_ns_lo, r->app_ns_hi, bench_ns);
	/* Both with BPF stats on (their clock reads in each): the programs'
	 * mean run in the app's stats window, which includes the filtered-out
	 * runs for other processes (they return early, so a passing run cost
	 * at least that), and in bench's stats phase. */
	if (!isfinite(r->bpf_avg_ns) || !isfinite(r->bench_prog_ns))
		return;
	fprintf(f, "  the programs ran %.0f ns a run here, %.0f ns in bench (BPF stats on)", r->bpf_avg_ns,
		r->bench_prog_ns);
	if (r->bpf_avg_ns > 1.2 * r->bench_prog_ns)
		fprintf(f, ":\n  the same code ran slower in the app (most likely its caches and TLB,\n"
			   "  which bench's loop keeps warm)\n");
	else
		fprintf(f, ":\n  the difference is outside them (the traced syscall path, other\n"
			   "  processes' runs, what the app shares with them)\n");
}

/* Measured and predicted change side by side, for the sets with a
 * prediction; the basis and the model under the table. */
static void print_prediction(FILE *f, const struct app_result *rs, int n)
{
	struct row row;
	const char *source = NULL, *why = NULL;
	bool any = false;

	for (int i = 0; i < n; i++) {
		const struct app_result *r = &rs[i];

		if (strcmp(r->status, "ok") || r->hook == HOOK_NULL)
			continue;
		if (isnan(r->pred_pct)) {
			why = r->pred_reason;
			continue;
		}
		if (!any) {
			fprintf(f, "\nThroughput change, measured and predicted from bench, %% (AGREE: the\n"
				   "intervals overlap)\n");
			table_header(f, pred_cols, 7);
		}
		any = true;
		source = r->pred_source;
		row.cells[0] = r->probes;
		change_cells(&row, 1, r->change_pct, r->ci_lo, r->ci_hi);
		change_cells(&row, 3, r->pred_pct, r->pred_lo, r->pred_hi);
		/* the cost of one event: the set's first syscall's row */
		row.cells[5] = "-";
		for (int s = 0; s < NR_APP_SYSCALLS; s++)
			if (r->syscalls & (1ULL << s)) {
				row_num(&row, 5, r->cost_ns[s], 1);
				break;
			}
		row.cells[6] = r->agrees < 0 ? "-" : r->agrees ? "yes" : "NO";
		table_row(f, pred_cols, 7, row.cells);
	}
	if (any) {
		char line[256];
		snprintf(line, sizeof(line), "predicted: bench's ns per event (%s, getpid rows)", source);
		fprintf(f, "%.79s\n", line);
		fprintf(f, "x the events per op seen, over the app's CPU per op (base windows): the\n"
			   "slowdown of an app bound by its own CPU time. Not in it: the programs'\n"
			   "runs for other processes, and caches the app shares with them.\n");
		for (int i = 0; i < n; i++)
			if (rs[i].agrees == 0)
				print_disagreement(f, &rs[i]);
		for (int i = 0; i < n; i++)
			if (rs[i].pred_note && !isnan(rs[i].pred_pct)) {
				fprintf(f, "note: bench's reader did not wake per event, as the apps' readers "
					   "do:\n  their output bodies' events cost more here\n");
				break;
			}
	} else if (why) {
		fprintf(f, "\nno predicted change: %s\n", why);
	}
}

/* The lines under the tables: the noise floor, probes that hardly fired,
 * and a host too noisy for the method's aim with the change it could
 * still have detected. */
static void print_notes(FILE *f, const struct app_result *rs, int n)
{
	double mdc = 0;
	bool noisy = false;

	for (int i = 0; i < n; i++) {
		const struct app_result *r = &rs[i];
		if (strcmp(r->status, "ok"))
			continue;
		if (r->hook == HOOK_NULL && !isnan(r->ci_lo))
			fprintf(f, "\nnoise floor (null set): %+.2f%%, 95%% CI [%+.2f, %+.2f]%s\n",
				r->change_pct, r->ci_lo, r->ci_hi, r->ci_lo <= 0 && r->ci_hi >= 0 ? "" :
				"\n  (does not contain 0: no change of this size can be believed)");
		else if (r->hook != HOOK_NULL && r->event_rate < 1)
			fprintf(f, "%s: the probes saw under 1 event/s: a change here is not the "
				   "cost of their events\n", r->probes);
		if (r->windowed && r->stalled >= 2 && r->stalled * 100 >= 2 * r->pairs)
			fprintf(f, "%s: %d of %d windows ran under half the median throughput (the\n"
				   "  application stalled); kept in the change%s\n",
				r->probes, r->stalled, 2 * r->pairs,
				r->pairs >= BOOT_BLOCK * BOOT_MIN_BLOCKS
					? ": its interval resamples blocks of\n"
					  "  consecutive pairs, so stalls across windows widen it"
					: "");
		if (r->windowed && (r->host_other_cpu >= HOST_OTHER_NOTE_CPU ||
				    r->host_steal_pct >= HOST_STEAL_NOTE_PCT))
			fprintf(f, "%s: during the windows other programs used %.2f CPUs and the\n"
				   "  hypervisor took %.1f%% of the CPUs' time: the host was not quiet (a\n"
				   "  server that waits on its client loses throughput to any other work,\n"
				   "  niced or not)\n",
				r->probes, r->host_other_cpu, r->host_steal_pct);
		if (isnan(r->ci_lo))
			continue;
		if (r->hook == HOOK_NULL ? r->ci_lo < -NULL_AIM_PCT || r->ci_hi > NULL_AIM_PCT
					 : (r->ci_hi - r->ci_lo) / 2 > SET_AIM_PCT)
			noisy = true;
		if (r->mdc_pct > mdc)
			mdc = r->mdc_pct;
	}
	if (noisy)
		fprintf(f, "this host was noisier than the method's aim (null within +-%g%%, sets\n"
			   "+-%g%%): the smallest change this run could detect is %.1f%% (minimum\n"
			   "detectable change, 80%% power, of its widest interval)\n",
			NULL_AIM_PCT, SET_AIM_PCT, mdc);
}

static void print_app_table(FILE *f, struct app_result *rs, int n)
{
	struct row row;
	const struct app_scenario *sc = rs[0].sc;
	int ok = 0;

	if (!strcmp(rs[0].status, "unsupported") && !rs[0].version[0] && !rs[0].pairs &&
	    strstr(rs[0].reason, "not found")) {
		fprintf(f, "\n%s: %s\n", sc->name, rs[0].reason);
		return;
	}

	{
		char line[256];
		snprintf(line, sizeof(line), "%s %s: %s", sc->name, rs[0].version[0] ? rs[0].version : "?",
			 sc->desc);
		fprintf(f, "\n%.79s\n", line);
		snprintf(line, sizeof(line), "probes count the %s%s", sc->filter_note,
			 rs[0].filtered ? "" : " (NO cgroup: every process)");
		fprintf(f, "%.79s\n", line);
		if (rs[0].release)
			fprintf(f, "load shape --release: the application hands memory back to the kernel\n");
		if (rs[0].windowed) {
			fprintf(f, "one continuous load per probe set: %d B/P pairs of adjacent %g s\n",
				rs[0].repeat, rs[0].duration_s);
			snprintf(line, sizeof(line), "windows, ops from %s; '*': every syscall",
				 sc->op_counter);
			fprintf(f, "%.79s\n", line);
		} else
			fprintf(f, "%d B/P run pairs of %g s per probe set; '*': every syscall\n",
				rs[0].repeat, rs[0].duration_s);
	}
	fprintf(f, "\nThroughput, %s (mean of %s; change: paired %s)\n", sc->unit,
		rs[0].windowed ? "windows" : "runs", rs[0].windowed ? "windows" : "runs");
	table_header(f, tput_cols, 7);
	for (int i = 0; i < n; i++) {
		const struct app_result *r = &rs[i];

		row.cells[0] = r->probes;
		if (strcmp(r->status, "ok")) {
			char line[640];
			snprintf(line, sizeof(line), "%-14.14s %s: %s", r->probes, r->status, r->reason);
			fprintf(f, "%.79s\n", line);
			continue;
		}
		ok++;
		row_num(&row, 1, r->base_tput, tput_decimals(r->base_tput));
		row_num(&row, 2, r->probe_tput, tput_decimals(r->probe_tput));
		change_cells(&row, 3, r->change_pct, r->ci_lo, r->ci_hi);
		row_num(&row, 5, r->event_rate, r->event_rate >= 100 ? 0 : 1);
		row_u64(&row, 6, (unsigned long long)r->lost);
		table_row(f, tput_cols, 7, row.cells);
	}
	if (!ok)
		return;
	if (rs[0].windowed && !rs[0].latency_pairs)
		fprintf(f, "\nLatency, ms (each op's, from the same log: base and probed windows)\n");
	else if (rs[0].windowed)
		fprintf(f, "\nLatency, ms (the load generator's own, from %d separate %g s runs each way)\n",
			rs[0].latency_pairs, rs[0].latency_run_s);
	else
		fprintf(f, "\nLatency, ms (the load generator's own; mean of runs)\n");
	ok_table(f, lat_cols, 7, rs, n, lat_row);
	if (rs[0].filtered) {
		fprintf(f, "\nApplication CPU per op, us (cgroup CPU time / ops: steadier than throughput\n"
			   "when other programs take CPU time from the machine)\n");
		ok_table(f, cpuop_cols, 5, rs, n, cpuop_row);
	}
	fprintf(f, "\nEvents/s the probes saw, BPF CPU (stats run), app CPU (base/probed), %%\n");
	ok_table(f, cost_cols, 8, rs, n, cost_row);
	print_prediction(f, rs, n);
	print_notes(f, rs, n);
}

static void print_csv_row(FILE *f, const struct results *res, int i)
{
	const struct app_result *r = (const struct app_result *)res->rows + i;
	char sys[64];
	struct row row = { { r->sc->name, hooks[r->hook].name,
			     r->hook == HOOK_NULL ? "" : bodies[r->body].name, sys, r->status, r->reason,
			     r->sc->unit } };

	syscall_list(r->syscalls, sys, sizeof(sys));
	row_u64(&row, 7, (unsigned long long)r->pairs);
	row_num(&row, 8, r->base_tput, 2);
	row_num(&row, 9, r->probe_tput, 2);
	ROW_NUMS(&row, 10, 3, r->change_pct, r->ci_lo, r->ci_hi);
	ROW_NUMS(&row, 13, 4, r->base_p50, r->base_p99, r->base_p999, r->probe_p50, r->probe_p99,
		 r->probe_p999);
	row_num(&row, 19, r->event_rate, 2);
	for (int s = 0; s < NR_APP_SYSCALLS; s++)
		row_num(&row, 20 + s, r->rate[s], 2);
	row_num(&row, 24, r->bpf_cpu_pct, 5);
	row_num(&row, 25, r->base_cpu_pct, 2);
	row_num(&row, 26, r->probe_cpu_pct, 2);
	row_u64(&row, 27, (unsigned long long)r->lost);
	if (r->windowed)
		row_u64(&row, 28, (unsigned long long)(2 * r->pairs));
	else
		row.cells[28] = "";
	row_num(&row, 29, r->mdc_pct, 3);
	ROW_NUMS(&row, 30, 3, r->pred_pct, r->pred_lo, r->pred_hi);
	row.cells[33] = r->agrees < 0 ? "" : r->agrees ? "yes" : "no";
	csv_row(f, row.cells, NCSV);
}

static json_object *jarr(const double *x, int n)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(a, jnum(x[i]));
	return a;
}

static json_object *jbool_or_null(int v)
{
	return v < 0 ? NULL : json_object_new_boolean(v);
}

/* The prediction beside the measurement; null for the null set. */
static json_object *prediction_json(const struct app_result *r)
{
	json_object *o, *epo, *cost, *ci, *rows;

	if (r->hook == HOOK_NULL)
		return NULL;
	o = json_object_new_object();
	epo = json_object_new_object();
	cost = json_object_new_object();
	ci = json_object_new_object();
	rows = json_object_new_object();
	for (int s = 0; s < NR_APP_SYSCALLS; s++) {
		if (!(r->syscalls & (1ULL << s)))
			continue;
		jset(epo, app_syscall_names[s], jnum(r->events_per_op[s]));
		jset(cost, app_syscall_names[s], jnum(r->cost_ns[s]));
		jset(ci, app_syscall_names[s], jpair(r->cost_lo[s], r->cost_hi[s]));
		jset(rows, app_syscall_names[s], r->cost_row[s] ? jstr(r->cost_row[s]) : NULL);
	}
	jset(o, "source", r->pred_source ? jstr(r->pred_source) : NULL);
	jset(o, "model", jstr("the app's throughput bound by its own CPU time"));
	jset(o, "events_per_op", epo);
	jset(o, "bench_ns_per_event", cost);
	jset(o, "bench_ns_per_event_ci95", ci);
	jset(o, "bench_prog_ns", jnum(r->bench_prog_ns));
	jset(o, "bench_rows", rows);
	jset(o, "added_ns_per_op", jnum(r->added_ns_op));
	jset(o, "added_ns_per_op_ci95", jpair(r->added_lo, r->added_hi));
	jset_ci(o, "change", "pct", r->pred_pct, true, r->pred_lo, r->pred_hi);
	jset_ci(o, "app_cpu_per_op_change", "pct", r->pred_cpu_pct,
		true, r->pred_cpu_lo, r->pred_cpu_hi);
	jset(o, "agrees", jbool_or_null(r->agrees));
	jset(o, "app_cpu_per_op_agrees", jbool_or_null(r->cpu_agrees));
	jset(o, "app_ns_per_event", jnum(r->app_ns_event));
	jset(o, "app_ns_per_event_ci95", jpair(r->app_ns_lo, r->app_ns_hi));
	jset(o, "note", jstr(r->pred_note));
	jset(o, "reason", r->pred_reason[0] ? jstr(r->pred_reason) : NULL);
	return o;
}

static json_object *result_json(const struct app_result *r)
{
	json_object *o = json_object_new_object(), *by = json_object_new_object();
	json_object *sys = json_object_new_array();

	jset(o, "app", jstr(r->sc->name));
	jset(o, "hook", jstr(hooks[r->hook].name));
	jset(o, "body", r->hook == HOOK_NULL ? NULL : jstr(bodies[r->body].name));
	for (int s = 0; s < NR_APP_SYSCALLS; s++)
		if (r->syscalls & (1ULL << s)) {
			json_object_array_add(sys, jstr(app_syscall_names[s]));
			jset(by, app_syscall_names[s], jnum(r->rate[s]));
		}
	jset(o, "syscalls", sys);
	jset(o, "status", jstr(r->status));
	jset(o, "reason", r->reason[0] ? jstr(r->reason) : NULL);
	jset(o, "throughput_unit", jstr(r->sc->unit));
	jset(o, "pairs", jint(r->pairs));
	jset(o, "duration_s", jnum(r->duration_s));
	jset(o, "method", jstr(r->windowed ? "windows" : "runs"));
	if (strcmp(r->status, "ok")) {
		json_object_put(by);
		return o;
	}
	jset(o, "base_throughput", jnum(r->base_tput));
	jset(o, "probe_throughput", jnum(r->probe_tput));
	jset_ci(o, "change", "pct", r->change_pct, true, r->ci_lo, r->ci_hi);
	jset(o, "ci_method", jstr(r->ci_method));
	jset(o, "base_runs", jarr(r->base, r->pairs));
	jset(o, "probe_runs", jarr(r->probe, r->pairs));
	jset(o, "min_detectable_change_pct", jnum(r->mdc_pct));
	if (r->windowed) {
		jset(o, "window_s", jnum(r->duration_s));
		jset(o, "windows", jint(2 * r->pairs));
		jset(o, "op_counter", jstr(r->sc->op_counter));
		jset(o, "transition_ms", jnum(r->transition_ms));
		jset(o, "stalled_windows", jint(r->stalled));
		jset(o, "host_other_cpu", jnum(r->host_other_cpu));
		jset(o, "host_steal_pct", jnum(r->host_steal_pct));
		jset(o, "latency_pairs", r->latency_pairs ? jint(r->latency_pairs) : NULL);
		jset(o, "latency_run_s", r->latency_pairs ? jnum(r->latency_run_s) : NULL);
	}
	jset(o, "latency_from", jstr(r->windowed && !r->latency_pairs ? "windows" : "runs"));
	jset_pcts(o, "base", "ms", 3, (const double[]){ r->base_p50, r->base_p99, r->base_p999 });
	jset_pcts(o, "probe", "ms", 3, (const double[]){ r->probe_p50, r->probe_p99, r->probe_p999 });
	jset(o, "event_rate_per_s", jnum(r->event_rate));
	jset(o, "event_rate_by_syscall", by);
	jset(o, "events", jint((long long)r->events));
	jset(o, "consumed", r->hook != HOOK_NULL && bodies[r->body].output ?
	     jint((long long)r->consumed) : NULL);
	jset(o, "lost", jint((long long)r->lost));
	jset(o, "bpf_cpu_pct", jnum(r->bpf_cpu_pct));
	jset(o, "bpf_runs_per_s", jnum(r->bpf_runs_per_s));
	jset(o, "bpf_avg_ns", jnum(r->bpf_avg_ns));
	jset(o, "base_app_cpu_pct", jnum(r->base_cpu_pct));
	jset(o, "app_cpu_pct", jnum(r->probe_cpu_pct));
	jset(o, "base_app_cpu_us_per_op", jnum(r->base_cpu_us_op));
	jset(o, "probe_app_cpu_us_per_op", jnum(r->probe_cpu_us_op));
	jset_ci(o, "app_cpu_per_op_change", "pct", r->cpu_op_change_pct,
		true, r->cpu_op_lo, r->cpu_op_hi);
	jset(o, "filter", jstr(r->filtered ? "cgroup" : "none"));
	jset(o, "prediction", prediction_json(r));
	return o;
}

static void app_json(json_object *root, const struct results *res)
{
	const struct app_result *rs = res->rows;
	const struct app_args *a = res->ctx;
	json_object *cfg = json_object_new_object();
	json_object *arr = json_object_new_array(), *apps = json_object_new_object();
	const char *only = NULL;
	int n = res->n;

	for (int i = 0; i < n; i++)
		only = !only || !strcmp(only, rs[i].sc->name) ? rs[i].sc->name : "";
	if (only && *only) {
		jset(root, "app", jstr(only));
		jset(root, "throughput_unit", jstr(rs[0].sc->unit));
	}
	jset(cfg, "duration_s", a->duration_s ? jnum(a->duration_s) : NULL);
	jset(cfg, "repeat", a->repeat ? jint(a->repeat) : NULL);
	jset(cfg, "order", jstr("B P, P B alternating"));
	jset(cfg, "method", jstr(a->runs ? "runs" : "windows"));
	jset(cfg, "stats_run", json_object_new_boolean(!a->no_stats));
	jset(cfg, "clients", a->clients ? jint(a->clients) : NULL);
	jset(cfg, "pg_scale", jint(a->scale));
	jset(cfg, "bench", jstr(a->bench ? a->bench : "a short bench run"));
	jset(cfg, "release", json_object_new_boolean(a->release));
	jset(root, "config", cfg);
	for (int i = 0; i < n; i++) {
		json_object *ao;
		if (json_object_object_get_ex(apps, rs[i].sc->name, &ao))
			continue;
		ao = json_object_new_object();
		jset(ao, "desc", jstr(rs[i].sc->desc));
		jset(ao, "version", jstr(rs[i].version));
		jset(ao, "filter", jstr(rs[i].sc->filter_note));
		jset(apps, rs[i].sc->name, ao);
	}
	jset(root, "apps", apps);
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, result_json(&rs[i]));
	jset(root, "results", arr);
}

/* One table per application. */
static void app_table(FILE *f, const struct results *res)
{
	struct app_result *rs = (struct app_result *)res->rows;

	for (int i = 0, j; i < res->n; i = j) {
		for (j = i; j < res->n && rs[j].sc == rs[i].sc; j++)
			;
		print_app_table(f, rs + i, j - i);
	}
}

static void mark_rows(struct app_result *rs, int *n, const struct app_scenario *sc,
		      const struct probe_set *sets, int nsets, const char *status, const char *why)
{
	for (int s = 0; s < nsets; s++) {
		struct app_result *r = &rs[(*n)++];
		memset(r, 0, sizeof(*r));
		r->sc = sc;
		r->hook = sets[s].hook;
		r->body = sets[s].body;
		r->syscalls = sets[s].syscalls;
		set_label(&sets[s], r->probes, sizeof(r->probes));
		r->status = status;
		snprintf(r->reason, sizeof(r->reason), "%s", why);
	}
}

int cmd_app(int argc, char **argv)
{
	struct app_args a = { .scale = 10 };
	struct event_costs costs, *k = NULL;
	/* no args_doc: cli_parse's wrapper would print it twice; USAGE shows NAME */
	struct argp argp = { app_opts_def, app_parse, NULL, app_doc, app_groups };
	struct results res = { .schema = "bpfcost.app/1", .cli = &a.cli, .kept = "rows", .ctx = &a,
			       .json = app_json, .csv_cols = csv_cols, .csv_ncols = NCSV,
			       .csv_row = print_csv_row, .table = app_table };
	struct probe_set sets[MAX_SETS];
	struct app_result *rs = NULL;
	struct app_env e;
	int nsets = 0, n = 0, ret = 0;
	bool env_live = false, tp_used = false, failed = false;

	memset(&e, 0, sizeof(e));
	if (cli_parse(&argp, argc, argv, &a, &a.cli))
		return EXIT_USAGE;
	if (build_sets(&a, sets, &nsets))
		return EXIT_USAGE;
	if (a.bench && strcmp(a.bench, "none")) {
		char err[512];
		if (costs_from_file(&costs, a.bench, err, sizeof(err)))
			return usage_error("%s", err);
		k = &costs;
	}
	if ((ret = require_privileges(NEED_ROOT | NEED_TRACING,
				      "(to load probes, make a cgroup, start postgres as its user)")))
		return ret;
	rs = calloc((size_t)(nr_app_scenarios * nsets), sizeof(*rs));
	if (!rs)
		return runtime_error("out of memory");
	res.rows = rs;
	for (int s = 0; s < nsets; s++)
		tp_used |= sets[s].hook == HOOK_TP;
	if (tp_used && tracefs_ensure())
		warn_msg("tracefs is not mounted and cannot be: tp probes will fail");
	res.env = env_collect();
	/* a classic tracepoint's detach waits for an RCU grace period, time
	 * between windows in which the load runs unmeasured: expedited grace
	 * periods shorten it (put back at the end, as bench does) */
	if (tp_used)
		rcu_expedite_begin();
	if (!a.bench && nsets > !a.no_null) {
		costs_from_bench(&costs, sets, nsets);
		k = &costs;
	}

	for (int ai = 0; ai < nr_app_scenarios && !stop_requested; ai++) {
		const struct app_scenario *sc = &app_scenarios[ai];
		char err[512];
		int rc;

		if (!(a.apps & (1ULL << ai)))
			continue;
		memset(&e, 0, sizeof(e));
		e.sc = sc;
		e.windowed = sc->load_start && !a.runs;
		if (e.windowed) {
			e.window_s = a.duration_s ? a.duration_s : sc->window_s;
			e.duration_s = sc->latency_run_s;
		} else {
			e.duration_s = a.duration_s ? a.duration_s : sc->default_duration_s;
		}
		e.clients = a.clients;
		e.pg_scale = a.scale;
		e.release = a.release;
		if (app_find_bins(sc, &e, err, sizeof(err)) || app_find_scripts(sc, &e, err, sizeof(err))) {
			fprintf(stderr, "bpfcost app: %s\n", err);
			mark_rows(rs, &n, sc, sets, nsets, "unsupported", err);
			failed = true; /* an application it was asked for is missing */
			continue;
		}
		if (app_env_create(&e, err, sizeof(err))) {
			fprintf(stderr, "bpfcost app: %s: %s\n", sc->name, err);
			mark_rows(rs, &n, sc, sets, nsets, "failed", err);
			continue;
		}
		env_live = true;
		if (verbose || isatty(STDERR_FILENO))
			fprintf(stderr, "%s: starting in %s\n", sc->name, e.dir);
		if ((rc = sc->setup(&e, err, sizeof(err)))) {
			if (rc == -EINTR || stop_requested)
				break;
			fprintf(stderr, "bpfcost app: %s: %s\n", sc->name, err);
			mark_rows(rs, &n, sc, sets, nsets, "failed", err);
			app_env_destroy(&e);
			env_live = false;
			continue;
		}
		for (int s = 0; s < nsets && !stop_requested; s++) {
			struct app_result *r = &rs[n];

			memset(r, 0, sizeof(*r));
			r->sc = sc;
			r->hook = sets[s].hook;
			r->body = sets[s].body;
			r->syscalls = sets[s].syscalls;
			r->filtered = e.cgroup_id != 0;
			r->windowed = e.windowed;
			r->release = a.release;
			r->repeat = a.repeat ? a.repeat : e.windowed ? sc->window_pairs : sc->default_repeat;
			r->duration_s = e.windowed ? e.window_s : e.duration_s;
			snprintf(r->version, sizeof(r->version), "%s", e.version);
			set_label(&sets[s], r->probes, sizeof(r->probes));
			if (verbose || isatty(STDERR_FILENO))
				fprintf(stderr, "%s: %s (%d %s pairs of %g s)\n", sc->name, r->probes, r->repeat,
					r->windowed ? "window" : "run", r->duration_s);
			if (measure_set(&e, &a, &sets[s], r) == -EINTR || stop_requested)
				break; /* the interrupted row is not a row */
			predict(r, k);
			if (!strcmp(r->status, "failed"))
				fprintf(stderr, "bpfcost app: %s %s: failed: %s\n", sc->name, r->probes,
					r->reason);
			if ((ret = results_save(&res, ++n)))
				goto cleanup;
		}
		app_env_destroy(&e);
		env_live = false;
	}
	if (env_live) {
		app_env_destroy(&e); /* interrupted: stop the servers before printing */
		env_live = false;
	}
	for (int i = 0; i < n; i++)
		failed |= !strcmp(rs[i].status, "failed");
	ret = results_finish(&res, n, failed);
cleanup:
	if (env_live)
		app_env_destroy(&e);
	free(rs);
	json_object_put(res.env);
	rcu_expedite_end();
	tracefs_restore();
	return ret;
}
