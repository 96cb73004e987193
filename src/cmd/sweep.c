// SPDX-License-Identifier: GPL-2.0
/* bpfcost sweep: a probe's cost against the event rate, open loop: added
 * latency, CPU, events lost, the knee, and contention across CPUs. */
#include "base/cli.h"
#include "cmd/commands.h"
#include "core/env.h"
#include "base/output.h"
#include "core/hoststate.h"
#include "core/kernel.h"
#include "core/probe.h"
#include "core/results.h"
#include "core/sweep_run.h"
#include "base/timer.h"
#include "base/util.h"

#include <argp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char sweep_doc[] =
	"Measure a probe's cost against the event rate, open loop.\n"
	"\n"
	"USAGE: bpfcost sweep [--workload W] [--hook H] [--body LIST] [--rates LIST]\n"
	"         [--arrival uniform|poisson] [--duration S] [--buf-size BYTES]\n"
	"         [--consumer wake|batch|force|none] [--threads N --flow single|multi]\n"
	"         [--max-cpu PCT] [--max-loss PCT] [--json|--csv] [-o FILE]\n"
	"\n"
	"At each rate an open-loop generator issues ops on schedule (uniform or\n"
	"Poisson arrivals), sleeping at low rates and spinning near each op's time\n"
	"at high ones; 'max' runs closed loop to find the ceiling. Baseline and\n"
	"probe slices alternate; latency is taken from each op's scheduled start\n"
	"(queueing shows) and from its actual start. Per point: achieved rate,\n"
	"latency, workload and consumer thread CPU, the program's own run time\n"
	"(BPF stats, in a separate slice), the system overhead % (events/s x ns per\n"
	"event / (1e9 x online CPUs)), events produced, consumed and lost, checked\n"
	"exactly. The knee is the lowest rate where the overhead passes --max-cpu\n"
	"or the loss passes --max-loss.\n"
	"\n"
	"EXAMPLES:\n"
	"    bpfcost sweep                          # munmap x tp x ringbuf, 1k..max\n"
	"    bpfcost sweep --body ringbuf,perfbuf --rates 1k,10k,100k,1m\n"
	"    bpfcost sweep --consumer none --buf-size 4k --rates 10k   # overflow\n"
	"    bpfcost sweep --workload getpid --hook rawtp --body hash,percpu_hash \\\n"
	"                  --threads 2 --flow single --rates max\n"
	"    bpfcost sweep --json -o sweep.json\n";

enum {
	OPT_NO_STATS = 1000, OPT_ARRIVAL, OPT_BUF, OPT_CONSUMER, OPT_BATCH, OPT_FLOW, OPT_MAX_CPU,
	OPT_MAX_LOSS, OPT_SLICE_MS, OPT_SEED,
};

static const struct argp_option sweep_opts_def[] = {
	{ "workload", 'w', "W", 0, "getpid, munmap, madvise, storm, madvise_free, munmap_64k, munmap_2m, madvise_64k, madvise_2m, madvise_free_64k, madvise_free_2m (default munmap)" },
	{ "hook", 'H', "H", 0, HOOK_NAMES_HELP "or null: the control, nothing attached (default tp)" },
	{ "body", 'b', "LIST", 0, BODY_NAMES_HELP "all (default ringbuf)" },
	{ "rates", 'r', "LIST", 0, "events/s per point: 1k, 10k, 100k, 1m, ..., max (default 1k,10k,100k,max)" },
	{ "arrival", OPT_ARRIVAL, "KIND", 0, "uniform or poisson inter-arrival times (default uniform)" },
	{ "duration", 'd', "S", 0, "seconds of baseline and of probe per point (default 5)" },
	{ "slice-ms", OPT_SLICE_MS, "MS", 0, "length of one baseline or probe slice (default 500)" },
	{ "buf-size", OPT_BUF, "BYTES", 0, "ring buffer bytes / perf buffer bytes per CPU, k/m = KiB/MiB (default 256k)" },
	{ "consumer", OPT_CONSUMER, "MODE", 0, "wake (per event), batch (no wake-ups / perf wakeup_events), force (BPF_RB_FORCE_WAKEUP), none (default wake)" },
	{ "batch", OPT_BATCH, "N", 0, "perf wakeup_events in batch mode (default 64)" },
	{ "threads", 't', "N", 0, "workload threads, one per CPU (default 1)" },
	{ "flow", OPT_FLOW, "KIND", 0, "single (one shared map key) or multi (a key per thread) (default single)" },
	{ "max-cpu", OPT_MAX_CPU, "PCT", 0, "knee: system overhead bound, % (default 1)" },
	{ "max-loss", OPT_MAX_LOSS, "PCT", 0, "knee: event loss bound, % (default 0.01)" },
	{ "no-stats", OPT_NO_STATS, NULL, 0, "skip the BPF stats slice (no PROG ns)" },
	{ "seed", OPT_SEED, "N", 0, "seed of the Poisson arrivals (default 1)" },
	{},
};


static const struct argp_child sweep_groups[] = {
	CLI_OUTPUT_GROUP(CLI_RESULTS_OPTS("bpfcost.sweep/1", ", after every point")),
	CLI_CPU_GROUP(CLI_OPT_CPU("CPU of the first workload thread (default 0)"),
		CLI_OPT_CONSUMER_CPU("CPU of the output consumer (default: after the workload's)")),
	{},
};

#define MAX_RATES 32

struct sweep_args {
	struct cli_common cli; /* --json, --csv, -o, --cpu, --consumer-cpu */
	const struct workload *wl;
	enum hook_id hook;
	uint64_t bodies;
	double rates[MAX_RATES]; /* 0: max */
	int nrates;
	struct sweep_cfg cfg;
	double duration_s;
	double max_cpu_pct, max_loss_pct;
};

static int cmp_rate(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	if (x == 0) /* max goes last */
		x = INFINITY;
	if (y == 0)
		y = INFINITY;
	return x < y ? -1 : x > y;
}

static int parse_rates(const char *arg, struct sweep_args *a)
{
	char *dup = strdup(arg), *save = NULL, *tok;
	int err = 0;

	a->nrates = 0;
	if (!dup)
		return -1;
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (a->nrates == MAX_RATES) {
			err = usage_error("--rates takes at most %d rates", MAX_RATES);
			break;
		}
		if (!strcmp(tok, "max")) {
			a->rates[a->nrates++] = 0;
		} else if (!parse_u64(tok, &v) && v >= 1 && v <= 100000000) {
			a->rates[a->nrates++] = (double)v;
		} else {
			err = usage_error("--rates takes events/s from 1 to 100m (1k, 10k, 100k, 1m) or max, "
					  "comma-separated, not '%s'", tok);
			break;
		}
	}
	free(dup);
	if (!err && !a->nrates)
		err = usage_error("--rates needs at least one rate (1k, 10k, 100k, 1m, max)");
	if (!err)
		qsort(a->rates, (size_t)a->nrates, sizeof(double), cmp_rate);
	return err;
}

static error_t sweep_parse(int key, char *arg, struct argp_state *state)
{
	static const char *const flows[] = { "single", "multi" };
	struct sweep_args *a = state->input;
	long v;
	int i;

	switch (key) {
	case 'w':
		if ((i = cli_pick("--workload", arg, workload_names, nr_workloads)) >= 0)
			a->wl = &workloads[i];
		break;
	case 'H':
		if (!strcmp(arg, "null")) /* the control: the whole procedure, nothing attached */
			a->hook = HOOK_NULL;
		else if ((i = cli_pick("--hook", arg, hook_names, NR_HOOKS - 1)) >= 0)
			a->hook = (enum hook_id)(i + 1);
		break;
	case 'b': parse_name_list("--body", arg, body_names, NR_BODIES, &a->bodies); break;
	case 'r': parse_rates(arg, a); break;
	case OPT_ARRIVAL:
		if ((i = cli_pick("--arrival", arg, arrival_names, 2)) >= 0)
			a->cfg.arrival = (enum arrival)i;
		break;
	case 'd': cli_num("--duration", arg, 0.1, 3600, &a->duration_s); break;
	case OPT_SLICE_MS:
		cli_int("--slice-ms", arg, 20, 60000, &v);
		a->cfg.slice_ns = (uint64_t)v * 1000000ULL;
		break;
	case OPT_BUF: cli_bytes("--buf-size", arg, &a->cfg.buf_size); break;
	case OPT_CONSUMER:
		if ((i = cli_pick("--consumer", arg, consumer_names, 4)) >= 0)
			a->cfg.consumer = (enum consumer_mode)i;
		break;
	case OPT_BATCH:
		cli_int("--batch", arg, 1, 1000000, &v);
		a->cfg.batch = (uint32_t)v;
		break;
	case 't':
		if (!cli_int("--threads", arg, 1, SWEEP_MAX_THREADS, &v) && v > online_cpus())
			usage_error("--threads %ld needs %ld CPUs (one per thread); this machine has %d online",
				    v, v, online_cpus());
		a->cfg.threads = (int)v;
		break;
	case OPT_FLOW:
		if ((i = cli_pick("--flow", arg, flows, 2)) >= 0)
			a->cfg.flow_multi = i == 1;
		break;
	case OPT_MAX_CPU: cli_num("--max-cpu", arg, 0, 100, &a->max_cpu_pct); break;
	case OPT_MAX_LOSS: cli_num("--max-loss", arg, 0, 100, &a->max_loss_pct); break;
	case OPT_SEED:
		cli_int("--seed", arg, 0, 0x7fffffffffffffffL, &v);
		a->cfg.seed = (uint64_t)v;
		break;
	case OPT_NO_STATS: a->cfg.no_stats = true; break;
	case ARGP_KEY_ARG:
		usage_error("unexpected argument '%s' (see bpfcost sweep --help)", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- knees ---- */

struct cfg_knee {
	int first, n;            /* the configuration's points */
	struct knee cpu, loss, k;
	const char *cause;       /* "cpu", "loss" or NULL */
	double max_rate;         /* highest rate measured */
};

/* Points of one configuration in ascending achieved rate (max last). */
static void knee_of(const struct sweep_point *pts, int first, int n, const struct sweep_args *a,
		    struct cfg_knee *ck)
{
	double r[MAX_RATES] = { 0 }, c[MAX_RATES] = { 0 }, clo[MAX_RATES] = { 0 }, chi[MAX_RATES] = { 0 };
	double l[MAX_RATES] = { 0 }, llo[MAX_RATES] = { 0 }, lhi[MAX_RATES] = { 0 };
	int m = 0;

	memset(ck, 0, sizeof(*ck));
	ck->first = first;
	ck->n = n;
	ck->max_rate = NAN;
	for (int i = first; i < first + n && m < MAX_RATES; i++) {
		const struct sweep_point *p = &pts[i];

		if (p->status != RES_OK || !(p->achieved_rate > 0))
			continue;
		/* keep rates ascending: a saturated point may fall below the
		 * one before it; it then stands for the ceiling only once */
		if (m && p->achieved_rate <= r[m - 1])
			continue;
		r[m] = p->achieved_rate;
		c[m] = p->system_overhead_pct;
		clo[m] = p->sys_lo;
		chi[m] = p->sys_hi;
		l[m] = p->loss_pct;
		llo[m] = p->loss_lo;
		lhi[m] = p->loss_hi;
		m++;
	}
	knee_find(m, r, c, clo, chi, a->max_cpu_pct, &ck->cpu);
	knee_find(m, r, l, llo, lhi, a->max_loss_pct, &ck->loss);
	ck->max_rate = m ? r[m - 1] : NAN;
	if (ck->cpu.found && (!ck->loss.found || ck->cpu.rate <= ck->loss.rate)) {
		ck->k = ck->cpu;
		ck->cause = "cpu";
	} else if (ck->loss.found) {
		ck->k = ck->loss;
		ck->cause = "loss";
	} else {
		ck->k.found = false;
		ck->k.rate = ck->k.lo = ck->k.hi = NAN;
	}
}

static json_object *knee_part_json(const struct knee *k)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "found", json_object_new_boolean(k->found));
	json_object_object_add(o, "rate_per_s", jnum(k->rate));
	json_object_object_add(o, "ci95", jpair(k->lo, k->hi));
	json_object_object_add(o, "below_range", json_object_new_boolean(k->below_range));
	return o;
}

static json_object *knee_json(const struct sweep_point *p0, const struct cfg_knee *ck,
			      const struct sweep_args *a)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "workload", jstr(p0->workload));
	json_object_object_add(o, "hook", jstr(p0->hook));
	json_object_object_add(o, "body", jstr(p0->body));
	json_object_object_add(o, "consumer", jstr(consumer_names[p0->consumer]));
	json_object_object_add(o, "threads", jint(p0->threads));
	json_object_object_add(o, "found", json_object_new_boolean(ck->k.found));
	json_object_object_add(o, "rate_per_s", jnum(ck->k.rate));
	json_object_object_add(o, "ci95", jpair(ck->k.lo, ck->k.hi));
	json_object_object_add(o, "below_range", json_object_new_boolean(ck->k.below_range));
	json_object_object_add(o, "cause", jstr(ck->cause));
	json_object_object_add(o, "max_rate_measured", jnum(ck->max_rate));
	json_object_object_add(o, "max_cpu_pct", jnum(a->max_cpu_pct));
	json_object_object_add(o, "max_loss_pct", jnum(a->max_loss_pct));
	json_object_object_add(o, "cpu", knee_part_json(&ck->cpu));
	json_object_object_add(o, "loss", knee_part_json(&ck->loss));
	return o;
}

/* Configurations: runs of points with the same body, in order. */
static int next_cfg(const struct sweep_point *pts, int n, int first)
{
	int i = first + 1;

	while (i < n && !strcmp(pts[i].body, pts[first].body))
		i++;
	return i;
}

/* ---- output ---- */

/* The buffer the probe really gets: ring buffer bytes and perf pages per
 * CPU are powers of two of 4 KiB pages (probe.c); 0 is its 256 KiB. */
static long long buf_effective(uint32_t asked)
{
	long long sz = 4096;

	if (!asked)
		return 256 * 1024;
	while (sz < asked)
		sz <<= 1;
	return sz;
}


/* The 1-minute load average: this machine is shared, and a point that
 * fell behind should say what else ran. */
static double loadavg_1m(void)
{
	char buf[128];
	double v;

	if (read_small_file("/proc/loadavg", buf, sizeof(buf)) < 0 || sscanf(buf, "%lf", &v) != 1)
		return NAN;
	return v;
}

static double load_start = NAN;


static const char *fmt_rate(char *buf, size_t len, double r)
{
	if (!(r > 0))
		snprintf(buf, len, "max");
	else if (r >= 1e6 && fmod(r, 1e6) == 0)
		snprintf(buf, len, "%.0fm", r / 1e6);
	else if (r >= 1e3 && fmod(r, 1e3) == 0)
		snprintf(buf, len, "%.0fk", r / 1e3);
	else
		snprintf(buf, len, "%.0f", r);
	return buf;
}

static const struct table_col main_cols[] = {
	{ "TARGET/s", 8 }, { "GOT/s", 8 }, { "+ns", 6 }, { "±95%", 5 }, { "SYS %", 6 },
	{ "WL %", 5 }, { "CONS %", 6 }, { "PROG ns", 7 }, { "LOST", 8 }, { "LOSS %", 6 },
};
static const struct table_col lat_cols[] = {
	{ "TARGET/s", 8 }, { "BASE p50", 8 }, { "p99", 8 }, { "p99.9", 8 },
	{ "PROBE p50", 9 }, { "p99", 8 }, { "p99.9", 8 }, { "max", 8 }, { "BACKLOG", 7 },
};
static const struct table_col thr_cols[] = {
	{ "TARGET/s", 8 }, { "THREAD", 6 }, { "CPU", 3 }, { "BASE ns", 8 }, { "PROBE ns", 8 },
	{ "+ns", 7 }, { "OPS/s", 9 }, { "EVENTS/s", 9 },
};
static const struct table_col csv_cols[] = {
	{ "workload" }, { "hook" }, { "body" }, { "arrival" }, { "consumer" }, { "threads" },
	{ "flow" }, { "status" }, { "reason" }, { "target_rate" }, { "achieved_rate" },
	{ "base_p50_ns" }, { "base_p99_ns" }, { "base_p999_ns" }, { "base_max_ns" },
	{ "probe_p50_ns" }, { "probe_p99_ns" }, { "probe_p999_ns" }, { "probe_max_ns" },
	{ "overhead_ns" }, { "cpu_workload_pct" }, { "cpu_consumer_pct" }, { "prog_avg_ns" },
	{ "system_overhead_pct" }, { "produced" }, { "consumed" }, { "lost" }, { "loss_pct" },
};
#define NCSV ((int)ARRAY_SIZE(csv_cols))

#define US(v) ((v) / 1000.0)

static void print_csv_row(FILE *f, const struct results *res, int i)
{
	const struct sweep_point *p = (const struct sweep_point *)res->rows + i;
	struct row r = { { p->workload, p->hook, p->body, arrival_names[p->arrival],
			   consumer_names[p->consumer], NULL, p->flow_multi ? "multi" : "single",
			   result_status_names[p->status], p->reason, "max" } };

	row_u64(&r, 5, (unsigned long long)p->threads);
	if (p->target_rate > 0)
		row_num(&r, 9, p->target_rate, 0);
	row_num(&r, 10, p->achieved_rate, 1);
	ROW_NUMS(&r, 11, 0, p->base_p50_ns, p->base_p99_ns, p->base_p999_ns, p->base_max_ns,
		 p->probe_p50_ns, p->probe_p99_ns, p->probe_p999_ns, p->probe_max_ns);
	row_num(&r, 19, p->overhead_ns, 1);
	row_num(&r, 20, p->cpu_workload_pct, 2);
	row_num(&r, 21, p->cpu_consumer_pct, 2);
	row_num(&r, 22, p->prog_avg_ns, 1);
	row_num(&r, 23, p->system_overhead_pct, 4);
	row_u64(&r, 24, p->produced);
	row_u64(&r, 25, p->consumed);
	row_u64(&r, 26, p->lost);
	row_num(&r, 27, p->loss_pct, 4);
	csv_row(f, r.cells, NCSV);
}

static void print_knee(FILE *f, const struct cfg_knee *ck, const struct sweep_args *a)
{
	char r[32], lo[32], hi[32];

	if (!ck->k.found) {
		fprintf(f, "knee: none up to %s/s (system overhead <= %g%%, loss <= %g%%)\n",
			fmt_rate(r, sizeof(r), round(ck->max_rate)), a->max_cpu_pct, a->max_loss_pct);
		return;
	}
	if (ck->k.below_range) {
		fprintf(f, "knee: at or below the lowest rate, %s/s (%s over %g%%)\n",
			fmt_rate(r, sizeof(r), round(ck->k.rate)),
			!strcmp(ck->cause, "cpu") ? "system overhead" : "loss",
			!strcmp(ck->cause, "cpu") ? a->max_cpu_pct : a->max_loss_pct);
		return;
	}
	snprintf(lo, sizeof(lo), "%s", isnan(ck->k.lo) ? "below range" : fmt_rate(r, sizeof(r), round(ck->k.lo)));
	snprintf(hi, sizeof(hi), "%s", isnan(ck->k.hi) ? "above range" : fmt_rate(r, sizeof(r), round(ck->k.hi)));
	fprintf(f, "knee: %s/s, 95%% interval [%s, %s] (%s over %g%%)\n",
		fmt_rate(r, sizeof(r), round(ck->k.rate)), lo, hi,
		!strcmp(ck->cause, "cpu") ? "system overhead" : "loss",
		!strcmp(ck->cause, "cpu") ? a->max_cpu_pct : a->max_loss_pct);
}

/* A measured point's row in the main table and in the latency one. */
static void main_row(struct row *r, const struct sweep_point *p)
{
	ROW_NUMS(r, 1, 0, p->achieved_rate, p->overhead_ns, (p->overhead_hi - p->overhead_lo) / 2);
	row_num(r, 4, p->system_overhead_pct, p->system_overhead_pct < 0.1 ? 3 : 2);
	row_num(r, 5, p->cpu_workload_pct, 0);
	row_num(r, 6, p->cpu_consumer_pct, 1);
	row_num(r, 7, p->prog_avg_ns, 0);
	row_u64(r, 8, p->lost);
	row_num(r, 9, p->loss_pct, p->loss_pct > 0 && p->loss_pct < 0.1 ? 3 : 2);
}

static void lat_row(struct row *r, const struct sweep_point *p)
{
	ROW_NUMS(r, 1, 1, US(p->base_p50_ns), US(p->base_p99_ns), US(p->base_p999_ns),
		 US(p->probe_p50_ns), US(p->probe_p99_ns), US(p->probe_p999_ns));
	row_fit(r, 7, US(p->probe_max_ns), lat_cols[7].width, 1);
	/* behind schedule: these are the queue of a rate not sustained */
	r->cells[8] = p->base_backlog && p->probe_backlog ? "both" :
		      p->probe_backlog ? "probe" : p->base_backlog ? "base" : "-";
}

/* A table of the measured points of one configuration: the target rate,
 * then what fill puts in the row. */
static void points_table(FILE *f, const struct table_col *cols, int ncols,
			 const struct sweep_point *pts, int first, int end,
			 void (*fill)(struct row *r, const struct sweep_point *p))
{
	struct row r;

	table_header(f, cols, ncols);
	for (int i = first; i < end; i++) {
		if (pts[i].status != RES_OK)
			continue;
		r.cells[0] = fmt_rate(r.buf[0], sizeof(r.buf[0]), pts[i].target_rate);
		fill(&r, &pts[i]);
		table_row(f, cols, ncols, r.cells);
	}
}

/* A row of the per-thread table: a thread's, or the point's total. */
static void thread_row(FILE *f, const struct sweep_point *p, const char *thread, const char *cpu,
		       double base_ns, double probe_ns, double ops_per_s, double events_per_s)
{
	struct row r = { { NULL, thread, cpu } };

	r.cells[0] = fmt_rate(r.buf[0], sizeof(r.buf[0]), p->target_rate);
	ROW_NUMS(&r, 3, 0, base_ns, probe_ns, probe_ns - base_ns, ops_per_s, events_per_s);
	table_row(f, thr_cols, 8, r.cells);
}

static void print_table(FILE *f, const struct results *res)
{
	const struct sweep_point *pts = res->rows;
	const struct sweep_args *a = res->ctx;
	int n = res->n;
	char bs[32], rate[32];

	fprintf(f, "\n");
	env_print(f, res->env);
	fprintf(f, "load average %.2f at the start, %.2f at the end (%d CPUs)\n", load_start,
		loadavg_1m(), online_cpus());
	for (int first = 0; first < n; first = next_cfg(pts, n, first)) {
		int end = next_cfg(pts, n, first);
		const struct sweep_point *p0 = &pts[first];
		struct cfg_knee ck;
		bool any_ok = false;

		snprintf(bs, sizeof(bs), "%lld KiB%s", buf_effective(a->cfg.buf_size) / 1024,
			 strcmp(p0->body, "perfbuf") ? "" : " per CPU");
		{
			char head[512];
			int l;

			l = snprintf(head, sizeof(head), "%s x %s x %s: %s arrivals, %d thread%s from CPU %d%s",
				     p0->workload, p0->hook, p0->body, arrival_names[p0->arrival],
				     p0->threads, p0->threads > 1 ? "s" : "", a->cfg.cpu,
				     p0->threads > 1 ? (p0->flow_multi ? ", multi-flow" : ", single-flow") : "");
			if (!strcmp(p0->hook, "null"))
				snprintf(head + l, sizeof(head) - (size_t)l,
					 " (the control: nothing attached; +ns is the method's noise floor)");
			else if (!strcmp(p0->body, "ringbuf") || !strcmp(p0->body, "perfbuf"))
				snprintf(head + l, sizeof(head) - (size_t)l, ", consumer %s on CPU %d, buffer %s",
					 consumer_names[p0->consumer], a->cfg.consumer_cpu, bs);
			fprintf(f, "\n");
			print_words(f, head, 2);
		}
		for (int i = first; i < end; i++) {
			char line[320];

			if (pts[i].status == RES_OK) {
				any_ok = true;
				continue;
			}
			/* one line for the points one reason stopped */
			if (i > first && pts[i - 1].status == pts[i].status &&
			    !strcmp(pts[i - 1].reason, pts[i].reason))
				continue;
			snprintf(line, sizeof(line), "%s%s%s: %s",
				 pts[i].status == RES_FAILED ? fmt_rate(rate, sizeof(rate), pts[i].target_rate) : "",
				 pts[i].status == RES_FAILED ? "/s " : "", result_status_names[pts[i].status],
				 pts[i].reason[0] ? pts[i].reason : "-");
			fprintf(f, "%.79s\n", line);
		}
		if (!any_ok)
			continue;
		points_table(f, main_cols, 10, pts, first, end, main_row);
		fprintf(f, "latency from the scheduled start, us (BACKLOG: a phase behind schedule,\n"
			   "whose numbers are the queue of a rate not sustained, not per-op latency)\n");
		points_table(f, lat_cols, 9, pts, first, end, lat_row);
		if (p0->threads > 1) {
			fprintf(f, "per thread (ns per op, service time)\n");
			table_header(f, thr_cols, 8);
			for (int i = first; i < end; i++) {
				const struct sweep_point *p = &pts[i];
				char t_s[16], cpu_s[16];

				if (p->status != RES_OK)
					continue;
				for (int t = 0; t < p->nthreads; t++) {
					const struct sweep_thread *th = &p->th[t];

					snprintf(t_s, sizeof(t_s), "%d", t);
					snprintf(cpu_s, sizeof(cpu_s), "%d", th->cpu);
					thread_row(f, p, t_s, cpu_s, th->base_ns, th->probe_ns,
						   th->ops_per_s, th->events_per_s);
				}
				thread_row(f, p, "total", "", p->base_ns, p->probe_ns,
					   p->achieved_rate, p->achieved_rate);
			}
		}
		for (int i = first; i < end; i++)
			if (pts[i].status == RES_OK && pts[i].note[0]) {
				char line[640];

				snprintf(line, sizeof(line), "%s: %s",
					 fmt_rate(rate, sizeof(rate), pts[i].target_rate), pts[i].note);
				print_words(f, line, 2);
			}
		knee_of(pts, first, end - first, a, &ck);
		print_knee(f, &ck, a);
	}
	fprintf(f, "\n+ns: added service time per op (paired slices); SYS %%: events/s x ns per\n"
		   "event (+ns, plus the consumer's CPU) / (1e9 x %d CPUs); WL %%, CONS %%: CPU of\n"
		   "the workload threads (pacing included) and of the consumer; PROG ns: the\n"
		   "program's own run time (BPF stats slice).\n", online_cpus());
}

static void sweep_json(json_object *root, const struct results *res)
{
	const struct sweep_point *pts = res->rows;
	const struct sweep_args *a = res->ctx;
	json_object *cfg = json_object_new_object(), *arr = json_object_new_array();
	json_object *knees = json_object_new_array(), *rates = json_object_new_array();
	int n = res->n;

	jset(cfg, "workload", jstr(a->wl->name));
	jset(cfg, "hook", jstr(hooks[a->hook].name));
	for (int i = 0; i < a->nrates; i++)
		json_object_array_add(rates, a->rates[i] > 0 ? jnum(a->rates[i]) : jstr("max"));
	jset(cfg, "rates", rates);
	jset(cfg, "arrival", jstr(arrival_names[a->cfg.arrival]));
	jset(cfg, "duration_s", jnum(a->duration_s));
	jset(cfg, "slice_ms", jnum((double)a->cfg.slice_ns / 1e6));
	jset(cfg, "buf_size", jint(buf_effective(a->cfg.buf_size)));
	jset(cfg, "buf_size_asked", a->cfg.buf_size ? jint(a->cfg.buf_size) : NULL);
	jset(cfg, "consumer", jstr(consumer_names[a->cfg.consumer]));
	jset(cfg, "batch", jint(a->cfg.batch));
	jset(cfg, "threads", jint(a->cfg.threads));
	jset(cfg, "flow", jstr(a->cfg.flow_multi ? "multi" : "single"));
	jset(cfg, "cpu", jint(a->cfg.cpu));
	jset(cfg, "consumer_cpu", jint(a->cfg.consumer_cpu));
	jset(cfg, "max_cpu_pct", jnum(a->max_cpu_pct));
	jset(cfg, "max_loss_pct", jnum(a->max_loss_pct));
	jset(cfg, "stats_slice", json_object_new_boolean(!a->cfg.no_stats));
	jset(cfg, "seed", jint((long long)a->cfg.seed));
	jset(root, "config", cfg);
	jset(root, "loadavg_start", jnum(load_start));
	jset(root, "loadavg_now", jnum(loadavg_1m()));
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, sweep_point_json(&pts[i]));
	jset(root, "points", arr);
	for (int first = 0; first < n; first = next_cfg(pts, n, first)) {
		struct cfg_knee ck;

		knee_of(pts, first, next_cfg(pts, n, first) - first, a, &ck);
		json_object_array_add(knees, knee_json(&pts[first], &ck, a));
	}
	jset(root, "knee", knees);
}

struct progress {
	bool on;
	int point, points;
	const char *body;
	double rate;
	double est_s;      /* the whole run's expected length */
	uint64_t t0_ns;
};

static void show_progress(void *arg, int slice, int slices)
{
	struct progress *pg = arg;
	char r[32];

	if (!pg->on)
		return;
	fprintf(stderr, "\r[%d/%d] %s %s/s: slice %d/%d, ~%.0f s left%-10s", pg->point, pg->points,
		pg->body, fmt_rate(r, sizeof(r), pg->rate), slice, slices,
		fmax(0, pg->est_s - (double)(now_ns() - pg->t0_ns) / 1e9), "");
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep_args a = {
		.wl = workload_find("munmap"),
		.hook = HOOK_TP,
		.bodies = 1ULL << BODY_RINGBUF,
		.rates = { 1000, 10000, 100000, 0 },
		.nrates = 4,
		.duration_s = 5,
		.max_cpu_pct = 1,
		.max_loss_pct = 0.01,
		.cfg = { .arrival = ARRIVAL_UNIFORM, .consumer = CONSUMER_EVENT, .batch = 64,
			 .threads = 1, .slice_ns = 500000000ULL, .seed = 1 },
		.cli.consumer_cpu = -1,
	};
	struct argp argp = { sweep_opts_def, sweep_parse, NULL, sweep_doc, sweep_groups };
	struct results res = { .schema = "bpfcost.sweep/1", .cli = &a.cli, .kept = "points",
			       .ctx = &a, .json = sweep_json, .csv_cols = csv_cols,
			       .csv_ncols = NCSV, .csv_row = print_csv_row, .table = print_table };
	struct sweep_point *pts = NULL;
	struct sweep_run *s = NULL;
	struct progress pg = { 0 };
	int n = 0, ret = 0, nbodies, total, cfg_first = 0;
	bool failed = false;
	double est_s;

	if (cli_parse(&argp, argc, argv, &a, &a.cli))
		return EXIT_USAGE;
	a.cfg.cpu = a.cli.cpu;
	if (a.cfg.cpu + a.cfg.threads > online_cpus())
		return usage_error("--cpu %d with --threads %d needs CPUs %d..%d; %d are online",
				   a.cfg.cpu, a.cfg.threads, a.cfg.cpu, a.cfg.cpu + a.cfg.threads - 1,
				   online_cpus());
	a.cfg.consumer_cpu = a.cli.consumer_cpu >= 0 ? a.cli.consumer_cpu :
			     cpu_after(a.cfg.cpu, a.cfg.threads);
	a.cfg.wl = a.wl;
	a.cfg.hook = a.hook;
	a.cfg.duration_ns = (uint64_t)(a.duration_s * 1e9);
	if (a.cfg.slice_ns > a.cfg.duration_ns / 2)
		a.cfg.slice_ns = a.cfg.duration_ns / 2;
	if ((ret = require_privileges(NEED_TRACING, "to load probes")))
		return ret;

	if (a.hook == HOOK_NULL)
		a.bodies = 1ULL << BODY_EMPTY; /* nothing runs: one configuration */
	nbodies = __builtin_popcountll(a.bodies);
	total = nbodies * a.nrates;
	pts = calloc((size_t)total, sizeof(*pts));
	if (!pts)
		return runtime_error("out of memory");
	res.rows = pts;
	res.env = env_begin(-1); /* each workload thread pins itself */
	load_start = loadavg_1m();
	est_s = total * (2 * a.duration_s + (a.cfg.no_stats ? 0 : fmin(1, fmax(0.2, a.duration_s / 10))));
	pg.on = (isatty(STDERR_FILENO) && est_s > 3) || verbose;
	pg.points = total;
	pg.est_s = est_s;
	pg.t0_ns = now_ns();

	for (int b = 0; b < NR_BODIES && !stop_requested; b++) {
		char reason[256];
		enum probe_status st;

		if (!(a.bodies & (1ULL << b)))
			continue;
		a.cfg.body = (enum body_id)b;
		st = sweep_open(&s, &a.cfg, reason, sizeof(reason));
		if (st != PROBE_OK) {
			for (int r = 0; r < a.nrates; r++) {
				sweep_point_init(&pts[n], &a.cfg, a.rates[r]);
				pts[n].status = st == PROBE_UNSUPPORTED ? RES_UNSUPPORTED : RES_FAILED;
				snprintf(pts[n].reason, sizeof(pts[n].reason), "%s", reason);
				n++;
			}
			pg.point += a.nrates;
			if ((ret = results_save(&res, n)))
				goto cleanup;
			continue;
		}
		cfg_first = n;
		if (a.cfg.flow_multi && a.cfg.threads > 1 && sweep_keys_collide(s))
			warn_msg("two workload threads share a multi-flow key (tid %% 64): "
				 "they contend as if single-flow");
		for (int r = 0; r < a.nrates && !stop_requested; r++) {
			pg.point++;
			pg.body = bodies[b].name;
			pg.rate = a.rates[r];
			sweep_point_run(s, a.rates[r], &pts[n], show_progress, &pg);
			if (stop_requested && pts[n].status != RES_OK)
				break; /* the interrupted point is not a point */
			/* a later point can beat an earlier one: judge them all again */
			sweep_judge(&pts[cfg_first], n + 1 - cfg_first);
			if ((ret = results_save(&res, ++n)))
				goto cleanup;
		}
		sweep_close(s);
		s = NULL;
	}
	if (pg.on)
		fprintf(stderr, "\r%-60s\r", "");
	for (int i = 0; i < n; i++)
		failed |= pts[i].status == RES_FAILED;
	ret = results_finish(&res, n, failed);
cleanup:
	sweep_close(s);
	free(pts);
	json_object_put(res.env);
	tracefs_restore();
	return ret;
}
