// SPDX-License-Identifier: GPL-2.0
/* bpfcost sweep: a probe's cost against the event rate, open loop: added
 * latency, CPU, events lost, the knee, and contention across CPUs. */
#include "base/cli.h"
#include "cmd/commands.h"
#include "core/env.h"
#include "base/output.h"
#include "core/kernel.h"
#include "core/probe.h"
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
	{ "workload", 'w', "W", 0, "getpid, munmap, madvise, storm, madvise_free (default munmap)" },
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
	{ "PROBE p50", 9 }, { "p99", 8 }, { "p99.9", 8 }, { "max", 9 },
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

#define CELL(i, v, d) (cells[i] = fmt_num(buf[i], sizeof(buf[i]), (v), (d)))
#define US(v) ((v) / 1000.0)

static void print_csv_row(FILE *f, const struct sweep_point *p)
{
	char buf[NCSV][48];
	const char *cells[NCSV] = { p->workload, p->hook, p->body, arrival_names[p->arrival],
				    consumer_names[p->consumer] };

	cells[5] = fmt_u64(buf[5], sizeof(buf[5]), (unsigned long long)p->threads);
	cells[6] = p->flow_multi ? "multi" : "single";
	cells[7] = result_status_names[p->status];
	cells[8] = p->reason;
	cells[9] = p->target_rate > 0 ? fmt_num(buf[9], sizeof(buf[9]), p->target_rate, 0) : "max";
	CELL(10, p->achieved_rate, 1);
	CELL(11, p->base_p50_ns, 0);
	CELL(12, p->base_p99_ns, 0);
	CELL(13, p->base_p999_ns, 0);
	CELL(14, p->base_max_ns, 0);
	CELL(15, p->probe_p50_ns, 0);
	CELL(16, p->probe_p99_ns, 0);
	CELL(17, p->probe_p999_ns, 0);
	CELL(18, p->probe_max_ns, 0);
	CELL(19, p->overhead_ns, 1);
	CELL(20, p->cpu_workload_pct, 2);
	CELL(21, p->cpu_consumer_pct, 2);
	CELL(22, p->prog_avg_ns, 1);
	CELL(23, p->system_overhead_pct, 4);
	cells[24] = fmt_u64(buf[24], sizeof(buf[24]), p->produced);
	cells[25] = fmt_u64(buf[25], sizeof(buf[25]), p->consumed);
	cells[26] = fmt_u64(buf[26], sizeof(buf[26]), p->lost);
	CELL(27, p->loss_pct, 4);
	csv_row(f, cells, NCSV);
}

/* Words to 79 columns, continuation lines indented by two. */
static void print_wrapped(FILE *f, const char *text)
{
	const char *p = text;
	int col = 0, indent = 0;

	while (*p) {
		const char *w = p;
		int len;

		while (*p && *p != ' ')
			p++;
		len = (int)(p - w);
		if (col > indent && col + 1 + len > 79) {
			fputc('\n', f);
			indent = 2;
			col = fprintf(f, "  ");
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		col += fprintf(f, "%.*s", len, w);
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
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

static void print_table(FILE *f, const struct sweep_point *pts, int n, json_object *env,
			const struct sweep_args *a)
{
	char buf[10][40], bs[32];
	const char *cells[10];

	fprintf(f, "\n");
	env_print(f, env);
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
			print_wrapped(f, head);
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
				 pts[i].status == RES_FAILED ? fmt_rate(buf[0], sizeof(buf[0]), pts[i].target_rate) : "",
				 pts[i].status == RES_FAILED ? "/s " : "", result_status_names[pts[i].status],
				 pts[i].reason[0] ? pts[i].reason : "-");
			fprintf(f, "%.79s\n", line);
		}
		if (!any_ok)
			continue;
		table_header(f, main_cols, 10);
		for (int i = first; i < end; i++) {
			const struct sweep_point *p = &pts[i];

			if (p->status != RES_OK)
				continue;
			cells[0] = fmt_rate(buf[0], sizeof(buf[0]), p->target_rate);
			CELL(1, p->achieved_rate, 0);
			CELL(2, p->overhead_ns, 0);
			CELL(3, (p->overhead_hi - p->overhead_lo) / 2, 0);
			CELL(4, p->system_overhead_pct, p->system_overhead_pct < 0.1 ? 3 : 2);
			CELL(5, p->cpu_workload_pct, 0);
			CELL(6, p->cpu_consumer_pct, 1);
			CELL(7, p->prog_avg_ns, 0);
			cells[8] = fmt_u64(buf[8], sizeof(buf[8]), p->lost);
			CELL(9, p->loss_pct, p->loss_pct > 0 && p->loss_pct < 0.1 ? 3 : 2);
			table_row(f, main_cols, 10, cells);
		}
		fprintf(f, "latency from the scheduled start, us\n");
		table_header(f, lat_cols, 8);
		for (int i = first; i < end; i++) {
			const struct sweep_point *p = &pts[i];

			if (p->status != RES_OK)
				continue;
			cells[0] = fmt_rate(buf[0], sizeof(buf[0]), p->target_rate);
			CELL(1, US(p->base_p50_ns), 1);
			CELL(2, US(p->base_p99_ns), 1);
			CELL(3, US(p->base_p999_ns), 1);
			CELL(4, US(p->probe_p50_ns), 1);
			CELL(5, US(p->probe_p99_ns), 1);
			CELL(6, US(p->probe_p999_ns), 1);
			CELL(7, US(p->probe_max_ns), 1);
			table_row(f, lat_cols, 8, cells);
		}
		if (p0->threads > 1) {
			fprintf(f, "per thread (ns per op, service time)\n");
			table_header(f, thr_cols, 8);
			for (int i = first; i < end; i++) {
				const struct sweep_point *p = &pts[i];

				for (int t = 0; p->status == RES_OK && t < p->nthreads; t++) {
					const struct sweep_thread *th = &p->th[t];

					cells[0] = fmt_rate(buf[0], sizeof(buf[0]), p->target_rate);
					cells[1] = fmt_u64(buf[1], sizeof(buf[1]), (unsigned long long)t);
					cells[2] = fmt_u64(buf[2], sizeof(buf[2]), (unsigned long long)th->cpu);
					CELL(3, th->base_ns, 0);
					CELL(4, th->probe_ns, 0);
					CELL(5, th->probe_ns - th->base_ns, 0);
					CELL(6, th->ops_per_s, 0);
					CELL(7, th->events_per_s, 0);
					table_row(f, thr_cols, 8, cells);
				}
				if (p->status == RES_OK) {
					cells[0] = fmt_rate(buf[0], sizeof(buf[0]), p->target_rate);
					cells[1] = "total";
					cells[2] = "";
					CELL(3, p->base_ns, 0);
					CELL(4, p->probe_ns, 0);
					CELL(5, p->probe_ns - p->base_ns, 0);
					CELL(6, p->achieved_rate, 0);
					CELL(7, p->achieved_rate, 0);
					table_row(f, thr_cols, 8, cells);
				}
			}
		}
		for (int i = first; i < end; i++)
			if (pts[i].status == RES_OK && pts[i].note[0]) {
				char line[400];

				snprintf(line, sizeof(line), "%s: %s",
					 fmt_rate(buf[0], sizeof(buf[0]), pts[i].target_rate), pts[i].note);
				print_wrapped(f, line);
			}
		knee_of(pts, first, end - first, a, &ck);
		print_knee(f, &ck, a);
	}
	fprintf(f, "\n+ns: added service time per op (paired slices); SYS %%: events/s x ns per\n"
		   "event (+ns, plus the consumer's CPU) / (1e9 x %d CPUs); WL %%, CONS %%: CPU of\n"
		   "the workload threads (pacing included) and of the consumer; PROG ns: the\n"
		   "program's own run time (BPF stats slice).\n", online_cpus());
}

static json_object *results_json(const struct sweep_point *pts, int n, json_object *env,
				 const struct sweep_args *a, bool interrupted)
{
	json_object *root = json_object_new_object(), *cfg = json_object_new_object();
	json_object *arr = json_object_new_array(), *knees = json_object_new_array();
	json_object *rates = json_object_new_array();
	char when[32];

	json_object_object_add(root, "schema", jstr("bpfcost.sweep/1"));
	json_object_object_add(root, "version", jstr(BPFCOST_VERSION));
	json_object_object_add(root, "created", jstr(iso_time_now(when, sizeof(when))));
	json_object_object_add(root, "env", json_object_get(env));
	json_object_object_add(cfg, "workload", jstr(a->wl->name));
	json_object_object_add(cfg, "hook", jstr(hooks[a->hook].name));
	for (int i = 0; i < a->nrates; i++)
		json_object_array_add(rates, a->rates[i] > 0 ? jnum(a->rates[i]) : jstr("max"));
	json_object_object_add(cfg, "rates", rates);
	json_object_object_add(cfg, "arrival", jstr(arrival_names[a->cfg.arrival]));
	json_object_object_add(cfg, "duration_s", jnum(a->duration_s));
	json_object_object_add(cfg, "slice_ms", jnum((double)a->cfg.slice_ns / 1e6));
	json_object_object_add(cfg, "buf_size", jint(buf_effective(a->cfg.buf_size)));
	json_object_object_add(cfg, "buf_size_asked", a->cfg.buf_size ? jint(a->cfg.buf_size) : NULL);
	json_object_object_add(cfg, "consumer", jstr(consumer_names[a->cfg.consumer]));
	json_object_object_add(cfg, "batch", jint(a->cfg.batch));
	json_object_object_add(cfg, "threads", jint(a->cfg.threads));
	json_object_object_add(cfg, "flow", jstr(a->cfg.flow_multi ? "multi" : "single"));
	json_object_object_add(cfg, "cpu", jint(a->cfg.cpu));
	json_object_object_add(cfg, "consumer_cpu", jint(a->cfg.consumer_cpu));
	json_object_object_add(cfg, "max_cpu_pct", jnum(a->max_cpu_pct));
	json_object_object_add(cfg, "max_loss_pct", jnum(a->max_loss_pct));
	json_object_object_add(cfg, "stats_slice", json_object_new_boolean(!a->cfg.no_stats));
	json_object_object_add(cfg, "seed", jint((long long)a->cfg.seed));
	json_object_object_add(root, "config", cfg);
	json_object_object_add(root, "interrupted", json_object_new_boolean(interrupted));
	json_object_object_add(root, "loadavg_start", jnum(load_start));
	json_object_object_add(root, "loadavg_now", jnum(loadavg_1m()));
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, sweep_point_json(&pts[i]));
	json_object_object_add(root, "points", arr);
	for (int first = 0; first < n; first = next_cfg(pts, n, first)) {
		struct cfg_knee ck;

		knee_of(pts, first, next_cfg(pts, n, first) - first, a, &ck);
		json_object_array_add(knees, knee_json(&pts[first], &ck, a));
	}
	json_object_object_add(root, "knee", knees);
	return root;
}

static void write_csv(FILE *f, const void *rows, int n)
{
	const struct sweep_point *pts = rows;

	csv_header(f, csv_cols, NCSV);
	for (int i = 0; i < n; i++)
		print_csv_row(f, &pts[i]);
}

static int save(const struct sweep_args *a, const struct sweep_point *pts, int n, json_object *env,
		bool interrupted)
{
	if (!a->cli.out)
		return 0;
	return save_results(a->cli.out, a->cli.fmt,
			    a->cli.fmt == OUT_CSV ? NULL : results_json(pts, n, env, a, interrupted),
			    write_csv, pts, n);
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
	struct sweep_point *pts = NULL;
	struct sweep_run *s = NULL;
	json_object *env = NULL;
	struct progress pg = { 0 };
	int n = 0, ret = 0, nbodies, total;
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
	if ((ret = require_privileges("(CAP_BPF and CAP_PERFMON) to load probes")))
		return ret;

	if (a.hook == HOOK_NULL)
		a.bodies = 1ULL << BODY_EMPTY; /* nothing runs: one configuration */
	nbodies = __builtin_popcountll(a.bodies);
	total = nbodies * a.nrates;
	pts = calloc((size_t)total, sizeof(*pts));
	if (!pts)
		return runtime_error("out of memory");
	env = env_begin(-1); /* each workload thread pins itself */
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
			if ((ret = save(&a, pts, n, env, false)))
				goto cleanup;
			continue;
		}
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
			n++;
			if ((ret = save(&a, pts, n, env, false)))
				goto cleanup;
		}
		sweep_close(s);
		s = NULL;
	}
	if (pg.on)
		fprintf(stderr, "\r%-60s\r", "");
	if (stop_requested) {
		fprintf(stderr, "bpfcost sweep: interrupted; %d finished points kept\n", n);
		if ((ret = save(&a, pts, n, env, true)))
			goto cleanup;
	}

	if (a.cli.fmt == OUT_TABLE) {
		print_table(stdout, pts, n, env, &a);
	} else if (!a.cli.out) {
		if (a.cli.fmt == OUT_CSV) {
			write_csv(stdout, pts, n);
		} else {
			json_object *root = results_json(pts, n, env, &a, stop_requested);

			json_write(root, NULL);
			json_object_put(root);
		}
	}
	for (int i = 0; i < n; i++)
		if (pts[i].status == RES_FAILED)
			ret = EXIT_RUNTIME;
	if (stop_requested)
		ret = 130;
cleanup:
	sweep_close(s);
	free(pts);
	json_object_put(env);
	tracefs_restore();
	return ret;
}
