// SPDX-License-Identifier: GPL-2.0
/* bpfcost bench: the overhead a probe adds per event, over the matrix
 * workload x hook x body, with a null control row per workload. */
#include "base/cli.h"
#include "cmd/commands.h"
#include "core/background.h"
#include "core/engine.h"
#include "core/env.h"
#include "core/hoststate.h"
#include "core/kernel.h"
#include "base/output.h"
#include "core/probe.h"
#include "core/results.h"
#include "base/timer.h"
#include "core/userobj.h"
#include "base/util.h"

#include <argp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char bench_doc[] =
	"Measure the overhead a BPF probe adds to each event.\n"
	"\n"
	"USAGE: bpfcost bench [--workload LIST] [--hook LIST] [--body LIST]\n"
	"                     [--ops N] [--trials N] [--cpu N] [--json|--csv] [-o FILE]\n"
	"                     [--consumer batch|wake|force] [--buf-size BYTES]\n"
	"       bpfcost bench --obj FILE.bpf.o [--prog NAME,...] [--attach SPEC] [...]\n"
	"\n"
	"Trials alternate baseline (probe detached) and probe (attached) on a pinned\n"
	"CPU; the overhead is the Hodges-Lehmann estimate of the paired trial\n"
	"differences, with its 95% interval. A row runs at least 60 pairs of ~5 ms\n"
	"trials (at least 2500 ops; 20 pairs for uprobe rows, whose pairs are slow),\n"
	"then more until its interval is within +-2 ns or +-3% of the estimate, for\n"
	"at most --max-time seconds; --trials N runs exactly N pairs. RCU grace\n"
	"periods are expedited while it runs (shorter detach waits; restored after;\n"
	"--no-expedite leaves them alone).\n"
	"ringbuf/perfbuf rows are read on the other CPU without wake-ups (--consumer\n"
	"wake: woken per event, as libbpf's poll loop does; that costs what the\n"
	"reader's CPU takes to wake). A null row (nothing attached) shows the noise\n"
	"floor. Every probe counts the events it saw; a count that differs from the\n"
	"ops issued fails the row.\n"
	"\n"
	"EXAMPLES:\n"
	"    bpfcost bench              # getpid x every hook x empty,hash,ringbuf\n"
	"    bpfcost bench --hook tp,rawtp --body all\n"
	"    bpfcost bench --workload munmap --hook tp --body ringbuf,perfbuf\n"
	"    bpfcost bench --hook rawtp --body ringbuf --consumer wake\n"
	"    bpfcost bench --json -o results.json\n"
	"    bpfcost bench --obj my.bpf.o          # your object, attached by SEC()\n"
	"    bpfcost bench --obj my.bpf.o --prog handler --attach rawtp:sys_enter\n"
	"    bpfcost bench --obj my.bpf.o --max-ns 150   # exit 1 above 150 ns\n"
	"    bpfcost bench --workload munmap --hook tp --background cpu  # under load\n";

enum {
	OPT_NO_STATS = 1000, OPT_TRIAL_MS, OPT_NO_NULL, OPT_OBJ, OPT_PROG, OPT_ATTACH, OPT_MAX_TIME,
	OPT_NO_EXPEDITE, OPT_CONSUMER, OPT_BATCH, OPT_BUF, OPT_MAX_NS, OPT_MAX_PCT,
	OPT_STATS_PHASES, OPT_CHECK_TIMING, OPT_REPEAT, OPT_BACKGROUND,
};

static const struct argp_option bench_opts_def[] = {
	{ "workload", 'w', "LIST", 0, "getpid, munmap, madvise, storm, madvise_free; larger regions: munmap_64k, munmap_2m, madvise_64k, madvise_2m, madvise_free_64k, madvise_free_2m; all (default getpid)" },
	{ "hook", 'H', "LIST", 0, HOOK_NAMES_HELP "all (default all)" },
	{ "body", 'b', "LIST", 0, BODY_NAMES_HELP "all (default empty,hash,ringbuf)" },
	{ "ops", 'n', "N", 0, "timed ops per trial and phase (default: sized to ~5 ms)" },
	{ "trials", 't', "N", 0, "exactly N baseline/probe trial pairs (default: 60 or more, 20 for uprobe rows, 30 with --obj; see --max-time)" },
	{ "max-time", OPT_MAX_TIME, "S", 0, "seconds of trial pairs a row may take to narrow its interval (default 8)" },
	{ "consumer", OPT_CONSUMER, "MODE", 0, "ringbuf/perfbuf reader: wake (woken per event, libbpf's default), batch (no wake-ups: BPF_RB_NO_WAKEUP and a reader polling every 200 us; perf wakeup_events=--batch), force (BPF_RB_FORCE_WAKEUP); default batch (wake with --obj)" },
	{ "buf-size", OPT_BUF, "BYTES", 0, "ring buffer bytes / perf buffer bytes per CPU, k/m = KiB/MiB (default 4m: larger than the L2 cache, so the ring's placement does not change its cost, and 16 ms of events at 5 per us)" },
	{ "batch", OPT_BATCH, "N", 0, "--consumer batch: perf wakeup_events (default 64)" },
	{ "trial-ms", OPT_TRIAL_MS, "MS", 0, "target trial length when --ops is not given (default 5)" },
	{ "no-stats", OPT_NO_STATS, NULL, 0, "skip the BPF stats phases (no PROG ns, no body / dispatch split)" },
	{ "stats-phases", OPT_STATS_PHASES, "N", 0, "BPF stats phases over a row's minimum pairs, for the program's own time and the split of the overhead into body and dispatch (default 6, the fewest with an interval)" },
	{ "check-timing", OPT_CHECK_TIMING, NULL, 0, "after each pair, the same pair untimed (the loop timed as a whole): shows whether timing every op changes the probe's delta (twice the time)" },
	{ "repeat", OPT_REPEAT, "N", 0, "--obj: the whole measurement N times, the object loaded afresh each time (its maps empty again; within a run its maps carry over to the fresh instances loaded every 10 pairs), and the spread between runs (default 1)" },
	{ "no-null", OPT_NO_NULL, NULL, 0, "leave out the null control row" },
	{ "no-expedite", OPT_NO_EXPEDITE, NULL, 0, "leave /sys/kernel/rcu_expedited alone (bench sets it for its run, then restores it, to shorten detach waits)" },
	{ "obj", OPT_OBJ, "FILE", 0, "measure your compiled BPF object instead of the built-in probes (rows: hook obj)" },
	{ "prog", OPT_PROG, "LIST", 0, "--obj: the programs to attach (default: every one with an attach point in SEC())" },
	{ "attach", OPT_ATTACH, "SPEC", 0, "--obj: attach as tp[:CAT:NAME], rawtp[:NAME], tp_btf[:NAME], fentry:FUNC, kprobe:FUNC, uprobe[:PATH:FUNC] (bare: the workload's own)" },
	{ "max-ns", OPT_MAX_NS, "NS", 0, "budget gate: exit 1 when a row's overhead interval lies above NS" },
	{ "max-pct", OPT_MAX_PCT, "PCT", 0, "budget gate: exit 1 when a row's overhead interval lies above PCT% of its baseline" },
	{ "background", OPT_BACKGROUND, "KIND", 0, "a load on every other CPU for the whole run, started and stopped by bench: cpu (arithmetic) or mem (streaming through 64 MiB); default none" },
	{},
};

static const struct argp_child bench_groups[] = {
	CLI_OUTPUT_GROUP(CLI_RESULTS_OPTS("bpfcost.bench/1", ", after every row")),
	CLI_CPU_GROUP(CLI_CPU_OPTS),
	{},
};

struct bench_args {
	struct cli_common cli; /* --json, --csv, -o, --cpu, --consumer-cpu */
	uint64_t workloads, hooks, bodies;
	struct bench_opts o;
	bool no_null;
	bool no_expedite;
	enum consumer_mode consumer; /* of the output bodies */
	uint32_t batch;
	uint32_t buf_size; /* 0: the probe's default */
	int expedited; /* rcu_expedited during the run: 1 on, 0 off */
	struct userobj_opts obj; /* --obj */
	bool trials_set; /* --trials N: every row N pairs, one a turn */
	double max_ns, max_pct; /* the budget gate; NaN: none */
	int stats_phases; /* over a row's minimum pairs */
	int repeat;       /* --obj: runs with fresh loads */
	bool consumer_set; /* --consumer given (--obj: else libbpf's reader) */
	enum background_kind bg_kind; /* --background */
	struct background bg;
};

/* Each row's probe, built-in or --obj, is loaded afresh every this many
 * pairs. One instance's cost can sit a few ns off for its whole life
 * (where its program, maps and ring landed); fresh instances average that
 * out (docs/bench.md, Method 4). An object's new instance keeps its maps. */
#define RELOAD_EVERY 10
/* Pairs per row when --trials is not given: at least PAIRS (then more
 * until the interval is narrow), PAIRS_UPROBE for uprobe and uretprobe
 * rows, whose pairs take several times a kernel hook's (slow hits, a
 * long detach). A row takes its minimum over the same rounds as the
 * others (three pairs a turn to a uprobe row's one), so every row runs
 * among the same company from first to last. The time the uprobe rows
 * give up narrows the kernel rows' intervals (docs/bench.md, Method 4). */
#define PAIRS 60
#define PAIRS_UPROBE 20
/* Stats phases over a row's minimum pairs (--stats-phases): 6 is the
 * fewest for which the median has a 95% interval. */
#define STATS_PHASES 6
/* A row's later pairs that differ from its earlier ones by more than this
 * (and 2 ns) are named under the table. */
#define DRIFT_PCT 8.0

static error_t bench_parse(int key, char *arg, struct argp_state *state)
{
	struct bench_args *a = state->input;
	long v;
	int i;

	switch (key) {
	case 'w':
		parse_name_list("--workload", arg, workload_names, nr_workloads, &a->workloads);
		break;
	case 'H': parse_name_list("--hook", arg, hook_names, NR_HOOKS - 1, &a->hooks); break;
	case 'b': parse_name_list("--body", arg, body_names, NR_BODIES, &a->bodies); break;
	case 'n':
		cli_int("--ops", arg, 1, 100000000, &v);
		a->o.ops = (uint64_t)v;
		break;
	case 't':
		cli_int_to("--trials", arg, 2, 10000, &a->o.trials);
		a->o.max_trials = 0; /* exactly N */
		a->trials_set = true;
		break;
	case OPT_MAX_TIME: cli_num("--max-time", arg, 0, 3600, &a->o.max_s); break;
	case OPT_TRIAL_MS:
		cli_int("--trial-ms", arg, 1, 60000, &v);
		a->o.trial_ms = (double)v;
		break;
	case OPT_CONSUMER:
		/* none is sweep's, not a row's */
		if ((i = cli_pick("--consumer", arg, consumer_names, 3)) >= 0)
			a->consumer = (enum consumer_mode)i;
		a->consumer_set = true;
		break;
	case OPT_BATCH:
		cli_int("--batch", arg, 1, 1000000, &v);
		a->batch = (uint32_t)v;
		break;
	case OPT_BUF: cli_bytes("--buf-size", arg, &a->buf_size); break;
	case OPT_NO_STATS: a->o.no_stats = true; break;
	case OPT_STATS_PHASES: cli_int_to("--stats-phases", arg, 1, 1000, &a->stats_phases); break;
	case OPT_CHECK_TIMING: a->o.check_timing = true; break;
	case OPT_REPEAT: cli_int_to("--repeat", arg, 1, 100, &a->repeat); break;
	case OPT_NO_NULL: a->no_null = true; break;
	case OPT_NO_EXPEDITE: a->no_expedite = true; break;
	case OPT_OBJ: a->obj.path = arg; break;
	case OPT_PROG: a->obj.progs = arg; break;
	case OPT_ATTACH: {
		char why[512];

		if (userobj_check_spec(arg, why, sizeof(why)))
			usage_error("%s", why);
		a->obj.attach = arg;
		break;
	}
	case OPT_MAX_NS: cli_num("--max-ns", arg, 0, 1e9, &a->max_ns); break;
	case OPT_MAX_PCT: cli_num("--max-pct", arg, 0, 1e6, &a->max_pct); break;
	case OPT_BACKGROUND:
		if ((i = cli_pick("--background", arg, background_names, NR_BG)) >= 0)
			a->bg_kind = (enum background_kind)i;
		break;
	case ARGP_KEY_ARG:
		usage_error("unexpected argument '%s' (see bpfcost bench --help)", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- output ---- */

static const struct table_col ovh_cols[] = {
	{ "WORKLOAD", 8, true }, { "HOOK", 9, true }, { "BODY", 12, true },
	{ "BASE ns", 7 }, { "PROBE ns", 8 }, { "+ns", 6 }, { "95%CI+-", 9 },
	{ "+%", 5 }, { "BODY ns", 7 },
};
/* Where the time goes: the stats phases' program time, its floor, and the
 * split of +ns into body and dispatch (README, Method 7). */
static const struct table_col split_cols[] = {
	{ "WORKLOAD", 8, true }, { "HOOK", 9, true }, { "BODY", 12, true },
	{ "PROG ns", 7 }, { "STATS ns", 8 }, { "BODY ns", 7 }, { "95%+-", 5 },
	{ "DISP ns", 7 }, { "95%+-", 5 },
};
/* --check-timing: the delta with each op timed against the loop timed */
static const struct table_col timing_cols[] = {
	{ "WORKLOAD", 8, true }, { "HOOK", 9, true }, { "BODY", 12, true },
	{ "TIMED +ns", 9 }, { "UNTIMED +ns", 11 }, { "EFFECT ns", 9 }, { "95% CI", 14 },
};
static const struct table_col lat_cols[] = {
	{ "WORKLOAD", 8, true }, { "HOOK", 9, true }, { "BODY", 12, true },
	{ "BASE p50", 8 }, { "p99", 6 }, { "p99.9", 6 },
	{ "PROBE p50", 9 }, { "p99", 6 }, { "p99.9", 6 },
};
static const struct table_col csv_cols[] = {
	{ "workload" }, { "hook" }, { "body" }, { "status" }, { "reason" }, { "ops" }, { "events" },
	{ "base_ns" }, { "probe_ns" }, { "overhead_ns" }, { "ci95_lo" }, { "ci95_hi" },
	{ "overhead_pct" }, { "base_p50_ns" }, { "base_p99_ns" }, { "base_p999_ns" },
	{ "probe_p50_ns" }, { "probe_p99_ns" }, { "probe_p999_ns" }, { "prog_avg_ns" },
	{ "lost" }, { "body_ns" }, { "dispatch_ns" },
};

static void print_ovh_row(FILE *f, const struct bench_result *r)
{
	struct row row = { { r->workload, r->hook, r->body } };

	if (r->status != RES_OK) {
		char line[640];
		int lead = snprintf(line, sizeof(line), "%-8.8s %-9.9s %-12.12s ", r->workload,
				    r->hook, r->body);
		snprintf(line + lead, sizeof(line) - (size_t)lead, "%s: %s",
			 result_status_names[r->status], r->reason);
		/* the whole reason, wrapped at words under its own column */
		print_wrap(f, line, lead, 79);
		return;
	}
	/* BODY ns is "-" unless the split resolved */
	ROW_FITS(&row, ovh_cols, 3, 1, r->base_ns, r->probe_ns, r->overhead_ns,
		 (r->ci_hi - r->ci_lo) / 2, r->overhead_pct, r->body_ns);
	table_row(f, ovh_cols, 9, row.cells);
}

/* A row's split: program time, floor, body and dispatch, or why not. */
static void print_split_row(FILE *f, const struct bench_result *r)
{
	struct row row = { { r->workload, r->hook, r->body } };

	if (r->status != RES_OK || !r->split)
		return;
	ROW_FITS(&row, split_cols, 3, 1, r->prog_avg_ns, r->floor_ns);
	if (strcmp(r->split, "resolved")) {
		fprintf(f, "%-8.8s %-9.9s %-12.12s %7s %8s unresolved (below)\n", row.cells[0],
			row.cells[1], row.cells[2], row.cells[3], row.cells[4]);
		return;
	}
	ROW_FITS(&row, split_cols, 5, 1, r->body_ns, (r->body_hi - r->body_lo) / 2,
		 r->dispatch_ns, (r->dispatch_hi - r->dispatch_lo) / 2);
	table_row(f, split_cols, 9, row.cells);
}

static void print_timing_row(FILE *f, const struct bench_result *r)
{
	struct row row = { { r->workload, r->hook, r->body } };

	if (r->status != RES_OK || !r->untimed_pairs)
		return;
	ROW_FITS(&row, timing_cols, 3, 1, r->diff_ns, r->untimed_diff_ns, r->timing_effect_ns);
	if (isnan(r->timing_effect_lo))
		row.cells[6] = "-";
	else {
		snprintf(row.buf[6], sizeof(row.buf[6]), "[%.1f, %.1f]", r->timing_effect_lo,
			 r->timing_effect_hi);
		row.cells[6] = row.buf[6];
	}
	table_row(f, timing_cols, 7, row.cells);
}

static void print_lat_row(FILE *f, const struct bench_result *r)
{
	struct row row = { { r->workload, r->hook, r->body } };

	if (r->status != RES_OK)
		return;
	ROW_NUMS(&row, 3, 0, r->base_p50_ns, r->base_p99_ns, r->base_p999_ns, r->probe_p50_ns,
		 r->probe_p99_ns, r->probe_p999_ns);
	table_row(f, lat_cols, 9, row.cells);
}

static void print_csv_row(FILE *f, const struct results *res, int i)
{
	const struct bench_result *r = (const struct bench_result *)res->rows + i;
	struct row row = { { r->workload, r->hook, r->body, result_status_names[r->status],
			     r->reason } };

	row_u64(&row, 5, r->ops);
	row_u64(&row, 6, r->events);
	ROW_NUMS(&row, 7, 2, r->base_ns, r->probe_ns, r->overhead_ns, r->ci_lo, r->ci_hi,
		 r->overhead_pct);
	ROW_NUMS(&row, 13, 1, r->base_p50_ns, r->base_p99_ns, r->base_p999_ns, r->probe_p50_ns,
		 r->probe_p99_ns, r->probe_p999_ns, r->prog_avg_ns);
	row_u64(&row, 20, r->lost);
	ROW_NUMS(&row, 21, 1, r->body_ns, r->dispatch_ns);
	csv_row(f, row.cells, 23);
}

/* Rows of one workload and hook that are all unsupported for one reason
 * print once, with BODY "*". */
static bool same_unsupported(const struct bench_result *a, const struct bench_result *b)
{
	return a->status == RES_UNSUPPORTED && b->status == RES_UNSUPPORTED &&
	       !strcmp(a->workload, b->workload) && !strcmp(a->hook, b->hook) &&
	       !strcmp(a->reason, b->reason);
}

/* The machine's speed over the run, per workload: quantiles of every
 * baseline trial of every row. It can move in steps that last seconds
 * (docs/bench.md, Method 6) and the probes' costs move with it, more than
 * in proportion: two runs compare only at like baselines. */
struct base_spread {
	int trials;
	double p10, p50, p90;
};

static const struct jfield base_spread_fields[] = {
	JF("trials", JF_INT, struct base_spread, trials),
	JF("p10_ns", JF_DOUBLE, struct base_spread, p10),
	JF("p50_ns", JF_DOUBLE, struct base_spread, p50),
	JF("p90_ns", JF_DOUBLE, struct base_spread, p90),
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static bool base_spread(const struct bench_result *rs, int n, const char *workload,
			struct base_spread *bs)
{
	int total = 0, k = 0;
	double *v;

	for (int i = 0; i < n; i++)
		if (rs[i].status == RES_OK && !strcmp(rs[i].workload, workload))
			total += rs[i].trials;
	if (total < 10 || !(v = malloc((size_t)total * sizeof(*v))))
		return false;
	for (int i = 0; i < n; i++)
		if (rs[i].status == RES_OK && !strcmp(rs[i].workload, workload))
			for (int j = 0; j < rs[i].trials; j++)
				v[k++] = rs[i].base_trials_ns[j];
	qsort(v, (size_t)k, sizeof(*v), cmp_double);
	bs->trials = k;
	bs->p10 = v[k / 10];
	bs->p50 = v[k / 2];
	bs->p90 = v[k - 1 - k / 10];
	free(v);
	return true;
}

/* Where each row's time goes (README, Method 7), and why not where the
 * stats phases cannot tell. */
static void print_split(FILE *f, const struct bench_result *rs, int n)
{
	int lo = 0, hi = 0;

	for (int i = 0; i < n; i++)
		if (rs[i].status == RES_OK && rs[i].split) {
			lo = !lo || rs[i].stats_phases < lo ? rs[i].stats_phases : lo;
			hi = rs[i].stats_phases > hi ? rs[i].stats_phases : hi;
		}
	if (!hi)
		return;
	fprintf(f, "\nWhere the time goes, from ");
	if (lo == hi)
		fprintf(f, "%d", hi);
	else
		fprintf(f, "%d to %d", lo, hi);
	fprintf(f, " BPF stats phases per row spread over its pairs:\n"
		   "PROG ns, the program's run time per run (median); STATS ns, that of a\n"
		   "program doing nothing on the same hook, beside it (what the stats add);\n"
		   "BODY = PROG - STATS; DISP = +ns - BODY, the hook's dispatch\n");
	table_header(f, split_cols, 9);
	for (int i = 0; i < n; i++)
		print_split_row(f, &rs[i]);
	for (int i = 0; i < n; i++) {
		char line[512];

		if (rs[i].status != RES_OK || !rs[i].split || !strcmp(rs[i].split, "resolved"))
			continue;
		snprintf(line, sizeof(line), "unresolved, %s/%s/%s: %s", rs[i].workload, rs[i].hook,
			 rs[i].body, rs[i].split_reason);
		print_words(f, line, 2);
	}
}

static void print_timing(FILE *f, const struct bench_result *rs, int n)
{
	bool any = false;

	for (int i = 0; i < n; i++)
		any |= rs[i].status == RES_OK && rs[i].untimed_pairs > 0;
	if (!any)
		return;
	fprintf(f, "\nTiming each op (--check-timing): the plain paired difference with every op\n"
		   "timed, and in untimed pairs beside them (the loop timed as a whole);\n"
		   "EFFECT: timed minus untimed, pair by pair (Hodges-Lehmann, 95%% CI)\n");
	table_header(f, timing_cols, 7);
	for (int i = 0; i < n; i++)
		print_timing_row(f, &rs[i]);
}

/* bench --obj --repeat N: the runs of one workload, and their spread */
struct repeat_spread {
	int runs;
	double v[100];      /* each run's overhead_ns */
	double min, median, max, spread_ns, spread_pct;
	double within_half; /* the runs' median 95% CI half-width */
};

static bool repeat_spread(const struct bench_result *rs, int n, const char *workload,
			  struct repeat_spread *sp)
{
	double half[100];

	memset(sp, 0, sizeof(*sp));
	for (int i = 0; i < n && sp->runs < 100; i++)
		if (rs[i].run && rs[i].status == RES_OK && !strcmp(rs[i].workload, workload)) {
			half[sp->runs] = (rs[i].ci_hi - rs[i].ci_lo) / 2;
			sp->v[sp->runs++] = rs[i].overhead_ns;
		}
	if (sp->runs < 2)
		return false;
	sp->min = sp->max = sp->v[0];
	for (int i = 1; i < sp->runs; i++) {
		sp->min = fmin(sp->min, sp->v[i]);
		sp->max = fmax(sp->max, sp->v[i]);
	}
	sp->median = median_of(sp->v, sp->runs);
	sp->spread_ns = sp->max - sp->min;
	sp->spread_pct = sp->median ? 100 * sp->spread_ns / fabs(sp->median) : NAN;
	sp->within_half = median_of(half, sp->runs);
	return true;
}

/* A map is full, or its fill moved by a tenth of its capacity or more
 * during the row: the object's cost may depend on it. */
static bool map_warns(const struct map_fill *m)
{
	long moved = m->entries_end - m->entries_start;

	if (m->entries_start < 0 || m->entries_end < 0 || !m->max_entries)
		return false;
	return m->entries_end >= (long)m->max_entries || m->entries_start >= (long)m->max_entries ||
	       labs(moved) * 10 >= (long)m->max_entries;
}

/* bench --obj: each map's fill at the start and end of each row, the
 * warnings, and the spread between --repeat's runs. */
static void print_obj_maps(FILE *f, const struct bench_result *rs, int n)
{
	char line[512];
	bool head = false;

	for (int i = 0; i < n; i++) {
		const struct bench_result *r = &rs[i];

		for (int k = 0; k < r->nmaps; k++) {
			const struct map_fill *m = &r->maps[k];
			char run[16] = "";

			if (m->entries_start < 0)
				continue;
			if (!head)
				fprintf(f, "\nThe object's maps: entries at the start and end of each row, of "
					   "its capacity\n");
			head = true;
			if (r->run)
				snprintf(run, sizeof(run), " run %d", r->run);
			fprintf(f, "  %s%s: %s (%s) %ld -> %ld of %u%s\n", r->workload, run, m->name,
				m->type, m->entries_start, m->entries_end, m->max_entries,
				m->entries_end >= (long)m->max_entries ? " (full)" : "");
		}
	}
	for (int i = 0; i < n; i++)
		for (int k = 0; k < rs[i].nmaps; k++) {
			const struct map_fill *m = &rs[i].maps[k];

			if (!map_warns(m))
				continue;
			if (m->entries_end >= (long)m->max_entries || m->entries_start >= (long)m->max_entries)
				snprintf(line, sizeof(line), "warning: %s/%s: map %s is full (%ld of %u "
					 "entries at the end): a full map's updates fail or evict, and "
					 "cost otherwise than an empty one's", rs[i].workload, rs[i].hook,
					 m->name, m->entries_end, m->max_entries);
			else
				snprintf(line, sizeof(line), "warning: %s/%s: map %s went from %ld to %ld "
					 "of %u entries during the row: the cost may depend on its fill",
					 rs[i].workload, rs[i].hook, m->name, m->entries_start,
					 m->entries_end, m->max_entries);
			print_words(f, line, 2);
			if (!rs[i].run) {
				print_words(f, "  (--repeat N loads the object afresh N times, its maps "
					       "empty each time, and shows the spread between runs)", 2);
			}
		}
	for (int w = 0; w < nr_workloads; w++) {
		struct repeat_spread sp;
		int l = 0;

		if (!repeat_spread(rs, n, workload_names[w], &sp))
			continue;
		l = snprintf(line, sizeof(line), "%s, %d runs, the object loaded afresh for each: +ns",
			     workload_names[w], sp.runs);
		for (int i = 0; i < sp.runs && l < (int)sizeof(line) - 64; i++)
			l += snprintf(line + l, sizeof(line) - (size_t)l, "%s %.1f", i ? "," : "", sp.v[i]);
		snprintf(line + l, sizeof(line) - (size_t)l, "; between runs %.1f ns apart (%.0f%% of "
			 "the median %.1f), within a run +-%.1f (median 95%% CI)", sp.spread_ns,
			 sp.spread_pct, sp.median, sp.within_half);
		fprintf(f, "\n");
		print_words(f, line, 2);
	}
}

static void print_table(FILE *f, const struct results *res)
{
	const struct bench_result *rs = res->rows, *null_row = NULL;
	const struct bench_args *a = res->ctx;
	int ok = 0, n = res->n;

	fprintf(f, "\n");
	env_print(f, res->env);
	int tmin = 0, tmax = 0;
	for (int i = 0; i < n; i++)
		if (rs[i].status == RES_OK) {
			tmin = !tmin || rs[i].trials < tmin ? rs[i].trials : tmin;
			tmax = rs[i].trials > tmax ? rs[i].trials : tmax;
		}
	fprintf(f, "workload on CPU %d, output consumer on CPU %d; ", a->o.cpu, a->o.consumer_cpu);
	if (tmin == tmax)
		fprintf(f, "%d trial pairs per row\n", tmax);
	else
		fprintf(f, "%d to %d trial pairs per row\n", tmin, tmax);
	for (int i = 0; i < n; i++)
		if (!strcmp(rs[i].body, "ringbuf") || !strcmp(rs[i].body, "perfbuf")) {
			if (a->consumer == CONSUMER_BATCH)
				fprintf(f, "ringbuf/perfbuf reader: no wake-ups (%u %s ring polled every %d us,\n"
					   "perf wakeup_events %u); --consumer wake adds libbpf's wake per event\n",
					a->buf_size % (1024 * 1024) ? a->buf_size / 1024 :
					a->buf_size / (1024 * 1024),
					a->buf_size % (1024 * 1024) ? "KiB" : "MiB", CONSUMER_POLL_US, a->batch);
			else
				fprintf(f, "ringbuf/perfbuf reader: %s\n", a->consumer == CONSUMER_FORCE ?
					"BPF_RB_FORCE_WAKEUP, woken on every event" :
					"woken per event (libbpf's default); its cost depends on how\n"
					"fast the reader's CPU wakes (the hypervisor's, on a VM)");
			break;
		}
	if (a->bg.ncpus)
		fprintf(f, "background load: %s on %d other CPU%s (%.3g %s per CPU and s), all run\n",
			background_names[a->bg.kind], a->bg.ncpus, a->bg.ncpus == 1 ? "" : "s",
			a->bg.kind == BG_MEM ? a->bg.rate_per_cpu_s / 1e9 : a->bg.rate_per_cpu_s / 1e6,
			a->bg.kind == BG_MEM ? "GB" : "M loops");
	fprintf(f, "\n");
	fprintf(f, "Overhead per op: +ns, paired trials' relative difference (Hodges-Lehmann)\n"
		   "times BASE ns, with its 95%% CI; BODY ns: the program's own run time per\n"
		   "run, less what BPF stats add to it (below; - where it is not resolved)\n");
	table_header(f, ovh_cols, 9);
	for (int i = 0; i < n; i++) {
		if (i + 1 < n && same_unsupported(&rs[i], &rs[i + 1])) {
			struct bench_result merged = rs[i];
			while (i + 1 < n && same_unsupported(&rs[i], &rs[i + 1]))
				i++;
			snprintf(merged.body, sizeof(merged.body), "*");
			print_ovh_row(f, &merged);
			continue;
		}
		print_ovh_row(f, &rs[i]);
		if (rs[i].status == RES_OK) {
			ok++;
			if (!strcmp(rs[i].hook, "null") && !null_row)
				null_row = &rs[i];
		}
	}
	if (ok) {
		fprintf(f, "\nLatency per op, ns (each op timed; 10,000 ops per phase at least)\n");
		table_header(f, lat_cols, 9);
		for (int i = 0; i < n; i++)
			print_lat_row(f, &rs[i]);
	}
	print_split(f, rs, n);
	print_timing(f, rs, n);
	if (null_row)
		fprintf(f, "\nnoise floor (null row): %+.1f ns, 95%% CI [%.1f, %.1f]%s\n",
			null_row->overhead_ns, null_row->ci_lo, null_row->ci_hi,
			isnan(null_row->ci_lo) ? "\n  (fewer than 6 pairs: no interval)" :
			null_row->ci_lo <= 0 && null_row->ci_hi >= 0 ? "" :
			"\n  it does not contain 0: the method is biased here by about that much");
	for (int w = 0; w < nr_workloads; w++) {
		struct base_spread bs;

		if (!base_spread(rs, n, workload_names[w], &bs))
			continue;
		fprintf(f, "%s baseline over the run: p10 %.0f, median %.0f, p90 %.0f ns "
			   "(%d trials)\n", workload_names[w], bs.p10, bs.p50, bs.p90, bs.trials);
		if ((bs.p90 - bs.p10) / bs.p50 > 0.10)
			fprintf(f, "  the machine's speed moved %.0f%% during the run; probe costs "
				   "move with it:\n  compare runs at like baselines\n",
				100 * (bs.p90 - bs.p10) / bs.p50);
	}
	/* a row whose later pairs read otherwise than its earlier ones: the
	 * machine moved under it, and another run may not repeat it */
	for (int i = 0, first = 1; i < n; i++) {
		const struct bench_result *r = &rs[i];
		double moved = r->drift_pct / 100 * fabs(r->overhead_ns);

		if (r->status != RES_OK || isnan(r->drift_pct) || fabs(r->drift_pct) <= DRIFT_PCT ||
		    fabs(moved) <= 2 || strcmp(r->hook, "null") == 0)
			continue;
		if (first)
			fprintf(f, "moved during the run (later half of the pairs against the earlier):\n");
		first = 0;
		fprintf(f, "  %s/%s/%s: %+.0f%% (%+.1f ns)\n", r->workload, r->hook, r->body,
			r->drift_pct, moved);
	}
	for (int i = 0; i < n; i++)
		if (rs[i].status == RES_OK && rs[i].stats_on_in_trials) {
			fprintf(f, "warning: BPF stats were on during the trials (held by another "
				   "process,\n  e.g. bpftop or bpfcost top): overheads include "
				   "their clock reads\n");
			break;
		}
	for (int i = 0; i < n; i++)
		if (rs[i].status == RES_OK && rs[i].lost)
			fprintf(f, "%s/%s/%s: %llu events lost of %llu\n", rs[i].workload, rs[i].hook,
				rs[i].body, (unsigned long long)rs[i].lost,
				(unsigned long long)rs[i].events);
	print_obj_maps(f, rs, n);
	/* the output paths' kernel memory, once per body and size */
	for (int i = 0, first = 1; i < n; i++) {
		bool seen = false;

		if (!rs[i].buf_kernel_bytes)
			continue;
		for (int j = 0; j < i && !seen; j++)
			seen = rs[j].buf_kernel_bytes == rs[i].buf_kernel_bytes &&
			       !strcmp(rs[j].body, rs[i].body);
		if (seen)
			continue;
		if (first)
			fprintf(f, "kernel memory of the output buffers (map memlock, perf rings):\n");
		first = 0;
		fprintf(f, "  %s: %.1f KiB\n", rs[i].body, rs[i].buf_kernel_bytes / 1024.0);
	}
}

/* --obj: what the object is (its programs' attach points, its maps), so
 * that a report can set it beside the built-in probe of the same hook and
 * output path. */
static json_object *obj_json(const char *path)
{
	json_object *o = json_object_new_object(), *progs, *maps;
	struct userobj_info info;
	char why[512];

	jset(o, "path", jstr(path));
	if (userobj_describe(path, &info, why, sizeof(why)))
		return o;
	progs = json_object_new_array();
	for (int i = 0; i < info.nprogs; i++) {
		json_object *p = json_object_new_object();

		jset(p, "name", jstr(info.progs[i].name));
		jset(p, "section", jstr(info.progs[i].section));
		jset(p, "kind", info.progs[i].kind[0] ? jstr(info.progs[i].kind) : NULL);
		jset(p, "syscall", info.progs[i].syscall[0] ? jstr(info.progs[i].syscall) : NULL);
		json_object_array_add(progs, p);
	}
	jset(o, "programs", progs);
	maps = json_object_new_array();
	for (int i = 0; i < info.nmaps; i++) {
		json_object *m = json_object_new_object();

		jset(m, "name", jstr(info.maps[i].name));
		jset(m, "type", jstr(info.maps[i].type));
		jset(m, "max_entries", jint(info.maps[i].max_entries));
		json_object_array_add(maps, m);
	}
	jset(o, "maps", maps);
	jset(o, "output", jstr(info.output));
	return o;
}

static void bench_json(json_object *root, const struct results *res)
{
	const struct bench_result *rs = res->rows;
	const struct bench_args *a = res->ctx;
	json_object *cfg = json_object_new_object(), *arr = json_object_new_array();

	jset(cfg, "ops_per_trial", a->o.ops ? jint((long long)a->o.ops) : NULL);
	jset(cfg, "trial_ms", jnum(a->o.trial_ms));
	jset(cfg, "trials", jint(a->o.trials));
	/* the minimum for uprobe and uretprobe rows, whose pairs are slow */
	jset(cfg, "trials_uprobe",
	     a->obj.path ? NULL : jint(a->trials_set ? a->o.trials : PAIRS_UPROBE));
	/* adaptive rows: at least trials pairs, then until the interval's
	 * half-width is within the target, for at most max_time_s */
	jset(cfg, "max_trials", jint(a->o.max_trials > a->o.trials ? a->o.max_trials : a->o.trials));
	jset(cfg, "max_time_s", a->o.max_trials > a->o.trials ? jnum(a->o.max_s) : NULL);
	jset(cfg, "ci_target_ns", jnum(a->o.ci_ns));
	jset(cfg, "ci_target_pct", jnum(a->o.ci_pct));
	jset(cfg, "schedule", jstr(a->obj.path ? "rows" : "rounds"));
	jset(cfg, "cpu", jint(a->o.cpu));
	jset(cfg, "consumer_cpu", jint(a->o.consumer_cpu));
	jset(cfg, "stats_phase", json_object_new_boolean(!a->o.no_stats));
	/* stats phases over a row's minimum pairs (more if it goes on) */
	jset(cfg, "stats_phases", a->o.no_stats ? NULL : jint(a->stats_phases));
	jset(cfg, "check_timing", json_object_new_boolean(a->o.check_timing));
	jset(cfg, "repeat", a->obj.path ? jint(a->repeat) : NULL);
	jset(cfg, "consumer", json_object_new_string(consumer_names[a->consumer]));
	jset(cfg, "batch", json_object_new_int64(a->batch));
	jset(cfg, "buf_size", json_object_new_int64(a->buf_size));
	jset(cfg, "reload_every", jint(RELOAD_EVERY));
	jset(cfg, "rcu_expedited", json_object_new_boolean(a->expedited == 1));
	/* --background: the load on the other CPUs, and what it did */
	jset(cfg, "background", a->bg.ncpus ? jstr(background_names[a->bg.kind]) : NULL);
	jset(cfg, "background_cpus", a->bg.ncpus ? jint(a->bg.ncpus) : NULL);
	jset(cfg, "background_rate_per_cpu_s",
	     a->bg.ncpus && a->bg.rate_per_cpu_s > 0 ? jnum(a->bg.rate_per_cpu_s) : NULL);
	jset(root, "config", cfg);
	if (a->obj.path)
		jset(root, "obj", obj_json(a->obj.path));
	for (int i = 0; i < res->n; i++)
		json_object_array_add(arr, bench_result_json(&rs[i]));
	jset(root, "results", arr);
	arr = json_object_new_array();
	for (int w = 0; w < nr_workloads; w++) {
		struct base_spread bs;
		json_object *o;

		if (!base_spread(rs, res->n, workload_names[w], &bs))
			continue;
		o = json_object_new_object();
		jset(o, "workload", jstr(workload_names[w]));
		JSET_FIELDS(o, &bs, base_spread_fields);
		json_object_array_add(arr, o);
	}
	jset(root, "baseline_spread", arr);
	arr = a->repeat > 1 ? json_object_new_array() : NULL;
	for (int w = 0; arr && w < nr_workloads; w++) {
		struct repeat_spread sp;
		json_object *o, *v;

		if (!repeat_spread(rs, res->n, workload_names[w], &sp))
			continue;
		o = json_object_new_object();
		v = json_object_new_array();
		for (int i = 0; i < sp.runs; i++)
			json_object_array_add(v, jnum(sp.v[i]));
		jset(o, "workload", jstr(workload_names[w]));
		jset(o, "runs", jint(sp.runs));
		jset(o, "overhead_ns", v);
		jset(o, "min_ns", jnum(sp.min));
		jset(o, "median_ns", jnum(sp.median));
		jset(o, "max_ns", jnum(sp.max));
		jset(o, "spread_ns", jnum(sp.spread_ns));
		jset(o, "spread_pct", jnum(sp.spread_pct));
		jset(o, "within_run_ci_half_ns", jnum(sp.within_half));
		json_object_array_add(arr, o);
	}
	/* --obj --repeat N: the spread between runs with fresh loads */
	jset(root, "repeat", arr);
}

/* The budget gate (--max-ns, --max-pct): a row fails only when its whole
 * interval lies above the budget; one that holds the budget is undecided
 * (more pairs decide), and passes. One line per row. Returns true when a
 * row failed. */
static bool budget_gate(FILE *f, const struct bench_result *rs, int n, const struct bench_args *a)
{
	bool failed = false;

	for (int i = 0; i < n; i++) {
		const struct bench_result *r = &rs[i];

		if (r->status != RES_OK || !strcmp(r->hook, "null"))
			continue;
		for (int k = 0; k < 2; k++) {
			double budget = k ? a->max_pct : a->max_ns;
			double scale = k ? 100 / r->base_ns : 1;
			double lo = r->ci_lo * scale, hi = r->ci_hi * scale;
			const char *unit = k ? "%" : " ns", *verdict;

			if (isnan(budget))
				continue;
			if (isnan(lo))
				verdict = "no interval (under 6 pairs), not judged against";
			else if (lo > budget)
				verdict = "FAIL, above";
			else if (hi > budget)
				verdict = "undecided, holds"; /* more pairs decide */
			else
				verdict = "ok, below";
			failed |= lo > budget;
			fprintf(f, "budget: %s/%s/%s +%.1f%s [%.1f, %.1f]: %s --max-%s %g\n", r->workload,
				r->hook, r->body, r->overhead_ns * scale, unit, lo, hi, verdict,
				k ? "pct" : "ns", budget);
		}
	}
	return failed;
}

/* --obj: the null row and the object's row per workload, one after the
 * other (one object cannot take turns with itself on two workloads).
 * --repeat N: N object rows per workload, each from a fresh load of the
 * object (its maps empty again), so that the spread between runs shows
 * what one run's interval cannot: a cost that depends on the maps' fill. */
static int run_obj(const struct bench_args *a, struct userobj **uobj, struct bench_result *rs,
		   int *n, int total, struct results *res, bool tty)
{
	int done = 0, ret, obj_rows = 0;

	for (int w = 0; w < nr_workloads && !stop_requested; w++) {
		if (!(a->workloads & (1ULL << w)))
			continue;
		for (int h = a->no_null ? 1 : 0; h <= a->repeat && !stop_requested; h++) {
			struct probe_spec spec = {
				.hook = HOOK_NULL, .wl = &workloads[w],
				.consumer = a->consumer, .batch = a->batch, .buf_size = a->buf_size,
				.consumer_cpu = a->o.consumer_cpu,
			};
			done++;
			if (tty || verbose)
				fprintf(stderr, "\r[%d/%d] %s %s%-20s", done, total, workloads[w].name,
					h ? "obj " : "null", h ? userobj_label(*uobj) : "");
			if (h && a->repeat > 1 && obj_rows++) {
				char why[1024];

				userobj_close(*uobj);
				*uobj = NULL;
				if (userobj_open(uobj, &a->obj, why, sizeof(why)))
					return runtime_error("%s", why);
			}
			if (h)
				userobj_bench(*uobj, &workloads[w], &a->o, &rs[*n]);
			else
				bench_run_probe(&spec, &a->o, &rs[*n]);
			if (h && a->repeat > 1)
				rs[*n].run = h;
			if (stop_requested && rs[*n].status == RES_FAILED) {
				bench_result_free(&rs[*n]);
				break; /* the interrupted row is not a row */
			}
			if ((ret = results_save(res, ++*n)))
				return ret;
		}
	}
	return 0;
}

enum { R_NONE, R_ACTIVE, R_DONE };

/* The finished rows, in the matrix order, become the results (rs owns
 * them from here); -o gets them. */
static int save_done(struct bench_result *all, const int *st, int rows, struct bench_result *rs,
		     int *n, struct results *res)
{
	*n = 0;
	for (int i = 0; i < rows; i++)
		if (st[i] == R_DONE)
			rs[(*n)++] = all[i];
	return results_save(res, *n);
}

/* One row's turn in a round: n pairs (a fresh instance of its probe every
 * RELOAD_EVERY pairs: bench_pair reloads). False once the row is done; an
 * interrupt ends the turn, and the rounds, with the row still running. */
static bool bench_turn(struct probe_row *pr, int n)
{
	for (int k = 0; k < n && !stop_requested; k++)
		if (!bench_pair(&pr->br))
			return false;
	return true;
}

static bool uprobe_hook(int h)
{
	return h == HOOK_UPROBE || h == HOOK_URETPROBE;
}

/* A stats phase every this many pairs: `phases` of them over a row's
 * minimum of `trials` pairs, and more at that pace if it goes on. */
static int stats_every(int trials, int phases)
{
	int every = phases > 0 ? trials / phases : trials;

	return every < 1 ? 1 : every;
}

/* The built-in matrix: every row is loaded at once and the rows take
 * turns, a turn each per round (by default three pairs for a kernel
 * hook's row, one for a uprobe's: PAIRS), so that every row sees the
 * machine of the whole run rather than the few seconds it would have had
 * alone (a machine's speed can move from one minute to the next).
 * A row leaves the rounds when its interval is narrow enough or its time
 * is spent; it is then finished (stats phase, count check) and written to
 * -o. Rows are kept in the matrix order. */
static int run_rounds(const struct bench_args *a, struct bench_result *rs, int *n, int total,
		      struct results *res, bool tty)
{
	struct probe_row *pr = calloc((size_t)total, sizeof(*pr));
	/* each row's options: the engine keeps a pointer to them */
	struct bench_opts *opts = calloc((size_t)total, sizeof(*opts));
	struct bench_result *all = calloc((size_t)total, sizeof(*all));
	int *st = calloc((size_t)total, sizeof(*st));
	/* each row's minimum pairs while loading, then its pairs a turn */
	int *turn = calloc((size_t)total, sizeof(*turn));
	int rows = 0, active = 0, round = 0, ret = 0, fewest = 0;

	if (!pr || !opts || !all || !st || !turn) {
		ret = runtime_error("out of memory");
		goto out;
	}
	/* every row is loaded at once, ~10 fds each (maps, links, perf
	 * buffers): --body all --workload all needs more than the usual 1024 */
	struct rlimit nofile;
	if (!getrlimit(RLIMIT_NOFILE, &nofile) && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	for (int w = 0; w < nr_workloads; w++) {
		if (!(a->workloads & (1ULL << w)))
			continue;
		for (int h = a->no_null ? 1 : 0; h < NR_HOOKS; h++) {
			if (h > 0 && !(a->hooks & (1ULL << (h - 1))))
				continue;
			for (int b = 0; b < NR_BODIES; b++) {
				struct probe_spec spec = {
					.hook = h, .body = b, .wl = &workloads[w],
					.consumer = a->consumer, .batch = a->batch, .buf_size = a->buf_size,
					.consumer_cpu = a->o.consumer_cpu,
				};
				if (h == HOOK_NULL && b > 0)
					break;
				if (h != HOOK_NULL && !(a->bodies & (1ULL << b)))
					continue;
				if (stop_requested)
					goto finish;
				if (tty || verbose)
					fprintf(stderr, "\r[loading %d/%d] %s %s %s%-20s", rows + 1, total,
						workloads[w].name, hooks[h].name, h ? bodies[b].name : "", "");
				struct bench_opts *o = &opts[rows];

				*o = a->o;
				if (!a->trials_set && uprobe_hook(h))
					o->trials = PAIRS_UPROBE;
				o->stats_every = stats_every(o->trials, a->stats_phases);
				st[rows] = probe_row_open(&pr[rows], &spec, o, &all[rows]) ? R_DONE
											    : R_ACTIVE;
				turn[rows] = o->trials;
				if (st[rows] == R_ACTIVE && (!fewest || o->trials < fewest))
					fewest = o->trials;
				active += st[rows] == R_ACTIVE;
				rows++;
			}
		}
	}
	/* pairs a turn: every row reaches its minimum in the same round */
	for (int i = 0; i < rows; i++)
		turn[i] = fewest && turn[i] > fewest ? (turn[i] + fewest - 1) / fewest : 1;
	while (active && !stop_requested) {
		round++;
		for (int i = 0; i < rows && !stop_requested; i++) {
			if (st[i] != R_ACTIVE)
				continue;
			if (tty || verbose)
				fprintf(stderr, "\r[round %d, %d of %d rows running] %s %s %s%-12s", round,
					active, rows, all[i].workload, all[i].hook,
					strcmp(all[i].body, "-") ? all[i].body : "", "");
			if (bench_turn(&pr[i], turn[i]))
				continue;
			probe_row_close(&pr[i]);
			st[i] = R_DONE;
			active--;
			if ((ret = save_done(all, st, rows, rs, n, res)))
				goto out;
		}
	}
finish:
	/* interrupted: the rows still running end now (kept if they had their
	 * minimum pairs: bench_end decides) */
	for (int i = 0; i < rows; i++)
		if (st[i] == R_ACTIVE) {
			probe_row_close(&pr[i]);
			/* an interrupted row is not a row */
			st[i] = all[i].status == RES_FAILED ? R_NONE : R_DONE;
		}
	ret = save_done(all, st, rows, rs, n, res);
out:
	for (int i = 0; i < rows; i++) {
		if (st[i] == R_ACTIVE)
			probe_row_close(&pr[i]);
		if (st[i] != R_DONE)
			bench_result_free(&all[i]);
	}
	free(pr);
	free(opts);
	free(all);
	free(st);
	free(turn);
	return ret;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_args a = {
		.workloads = 1, /* getpid */
		.hooks = (1ULL << (NR_HOOKS - 1)) - 1,
		.bodies = (1ULL << BODY_EMPTY) | (1ULL << BODY_HASH) | (1ULL << BODY_RINGBUF),
		.consumer = CONSUMER_BATCH, .batch = 64, .buf_size = 4 * 1024 * 1024,
		.o = { .trials = 30, .max_trials = 1000, .max_s = 8, .ci_ns = 2, .ci_pct = 3,
		       .trial_ms = 5, .reload_every = RELOAD_EVERY },
		.cli.consumer_cpu = -1,
		.max_ns = NAN, .max_pct = NAN,
		.stats_phases = STATS_PHASES, .repeat = 1,
	};
	struct argp argp = { bench_opts_def, bench_parse, NULL, bench_doc, bench_groups };
	struct results res = { .schema = "bpfcost.bench/1", .cli = &a.cli, .kept = "rows",
			       .ctx = &a, .json = bench_json, .csv_cols = csv_cols,
			       .csv_ncols = ARRAY_SIZE(csv_cols), .csv_row = print_csv_row,
			       .table = print_table };
	struct bench_result *rs = NULL;
	struct userobj *uobj = NULL;
	int n = 0, cap, ret = 0, total;
	bool tty = isatty(STDERR_FILENO), failed = false;

	if (cli_parse(&argp, argc, argv, &a, &a.cli))
		return EXIT_USAGE;
	a.o.cpu = a.cli.cpu;
	a.o.consumer_cpu = a.cli.consumer_cpu >= 0 ? a.cli.consumer_cpu : cpu_after(a.o.cpu, 1);
	if (!a.trials_set && !a.obj.path)
		a.o.trials = PAIRS;
	if (a.o.max_s <= 0)
		a.o.max_trials = 0; /* --max-time 0: exactly --trials pairs */
	if ((a.obj.progs || a.obj.attach || a.repeat > 1) && !a.obj.path)
		return usage_error("--prog, --attach and --repeat go with --obj FILE");
	if (a.obj.path) {
		/* the object's buffers are read as its own reader would (libbpf's:
		 * woken on every record) unless --consumer batch reads them like
		 * the built-in rows'; force is a flag of the built-in programs */
		if (!a.consumer_set)
			a.consumer = CONSUMER_EVENT;
		if (a.consumer == CONSUMER_FORCE)
			return usage_error("--consumer with --obj: wake or batch (force is the built-in "
					   "probes' submit flag)");
		a.obj.consumer = a.consumer;
		a.obj.batch = a.batch;
	}
	a.o.stats_every = stats_every(a.o.trials, a.stats_phases); /* --obj's rows */
	if ((ret = require_privileges(NEED_TRACING, "to load probes")))
		return ret;
	if (a.bg_kind != BG_NONE) {
		/* before any BPF object exists: the loads are forked from here */
		int nbg = background_start(a.bg_kind, a.o.cpu, &a.bg);

		if (nbg < 0)
			return runtime_error("--background %s: cannot start the load: %s",
					     background_names[a.bg_kind], strerror(-nbg));
		if (!nbg)
			return usage_error("--background needs a CPU besides the workload's %d "
					   "(%d online)", a.o.cpu, online_cpus());
	}
	if (a.obj.path) {
		char why[1024];

		a.obj.consumer_cpu = a.o.consumer_cpu;
		if (userobj_open(&uobj, &a.obj, why, sizeof(why))) {
			background_stop(&a.bg);
			return runtime_error("%s", why);
		}
		a.hooks = 1; /* one row per workload: the object's */
		a.bodies = 1;
	}

	total = 0;
	for (int w = 0; w < nr_workloads; w++)
		if (a.workloads & (1ULL << w))
			total += !a.no_null + __builtin_popcountll(a.hooks) * __builtin_popcountll(a.bodies) *
				 a.repeat;
	cap = total;
	rs = calloc((size_t)cap, sizeof(*rs));
	if (!rs) {
		ret = runtime_error("out of memory");
		goto cleanup;
	}
	res.rows = rs;
	res.env = env_begin(a.o.cpu);

	/* Detaching a tracepoint or uprobe waits for RCU grace periods:
	 * expedited ones shorten the time between pairs. The
	 * trials themselves never wait for RCU. Put back in cleanup (and at
	 * exit). */
	if (!a.no_expedite) {
		int e = rcu_expedite_begin();

		if (e < 0)
			info_msg("cannot set /sys/kernel/rcu_expedited (%s): detaches wait longer",
				 strerror(-e));
		a.expedited = e >= 0;
	} else {
		a.expedited = rcu_expedited_on();
	}
	if (uobj)
		ret = run_obj(&a, &uobj, rs, &n, total, &res, tty);
	else
		ret = run_rounds(&a, rs, &n, total, &res, tty);
	background_stop(&a.bg);
	if (!ret && a.bg.ncpus)
		ret = results_save(&res, n); /* again, with the load's rate */
	if (ret)
		goto cleanup;
	if (tty || verbose)
		fprintf(stderr, "\r%-79s\r", "");
	for (int i = 0; i < n; i++)
		failed |= rs[i].status == RES_FAILED;
	ret = results_finish(&res, n, failed);
	if ((!isnan(a.max_ns) || !isnan(a.max_pct)) &&
	    budget_gate(a.cli.fmt == OUT_TABLE ? stdout : stderr, rs, n, &a) && !ret)
		ret = EXIT_RUNTIME;
cleanup:
	background_stop(&a.bg);
	for (int i = 0; i < n; i++)
		bench_result_free(&rs[i]);
	free(rs);
	userobj_close(uobj);
	json_object_put(res.env);
	rcu_expedite_end();
	tracefs_restore();
	return ret;
}
