// SPDX-License-Identifier: GPL-2.0
/* bpfcost measure: what a running BPF tool (bpftrace, a bcc tool, an
 * agent) costs the workloads' hot path. The tool is started and stopped
 * around the probe phases of the bench method (B P / P B trials), so the
 * overhead comes from paired differences like every bench row; a stats
 * phase with the tool running gives each of its programs' runs and run
 * time per op. --pid: a tool that is already running, programs' cost only. */
#include "base/cli.h"
#include "cmd/commands.h"
#include "core/engine.h"
#include "core/env.h"
#include "core/hoststate.h"
#include "core/kernel.h"
#include "cmd/measure_tool.h"
#include "base/output.h"
#include "core/probe.h"
#include "core/results.h"
#include "base/timer.h"
#include "base/util.h"

#include <argp.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char measure_doc[] =
	"Measure the overhead a BPF tool adds to the workloads while it runs.\n"
	"\n"
	"USAGE: bpfcost measure [--workload LIST] [--settle S] [--repeat N]\n"
	"                       [--duration S] [--log FILE] [--json|--csv] [-o FILE]\n"
	"                       -- CMD [ARGS...]\n"
	"       bpfcost measure --pid PID [--workload LIST] [--duration S]\n"
	"\n"
	"Runs each workload without the tool, starts CMD (own process group, output\n"
	"to a log file), waits until it has attached (new BPF programs held by it,\n"
	"stable for a moment; or --settle S), runs the workload again, stops CMD\n"
	"(SIGINT, then SIGTERM, then SIGKILL), and repeats --repeat times, B P then\n"
	"P B, so that drift cancels. The overhead is the Hodges-Lehmann estimate of\n"
	"the paired differences with its 95% interval. A last run with BPF stats on\n"
	"names the tool's programs and gives their runs and run time per op.\n"
	"--pid PID: a tool already running; its programs' cost per op only (no\n"
	"baseline alternation: the tool cannot be detached).\n"
	"\n"
	"EXAMPLES:\n"
	"    bpfcost measure -- bpftrace -e \\\n"
	"        'tracepoint:syscalls:sys_enter_getpid { @[comm] = count(); }'\n"
	"    bpfcost measure --workload all --repeat 10 -- /usr/sbin/opensnoop-bpfcc\n"
	"    bpfcost measure --settle 5 -o tool.json -- ./my-agent -c a.yaml\n"
	"    bpfcost measure --pid $(pidof my-agent)\n";

enum { OPT_SETTLE = 1000, OPT_TIMEOUT, OPT_DURATION, OPT_LOG, OPT_PID, OPT_MAX_TIME };

/* Pairs when --repeat is not given: at least MIN_PAIRS, then more until
 * the interval's half-width is within +-CI_TARGET_NS or +-CI_TARGET_PCT
 * of the estimate (bench's rule, looked at every 5th pair), for at most
 * --max-time seconds of pairs. A pair here is two phases and a start and
 * stop of the tool, a thousand times a bench pair, and the host drifts
 * between pairs: bench's +-2 ns would take several minutes of pairs for
 * a tool of ~100 ns (docs/measure.md), so the floor is wider here. */
#define MIN_PAIRS 10
#define MAX_TIME_S 100
#define CI_TARGET_NS 10
#define CI_TARGET_PCT 3

static const struct argp_option measure_opts_def[] = {
	{ "workload", 'w', "LIST", 0, "getpid, munmap, madvise, all (default getpid)" },
	{ "repeat", 'r', "N", 0, "exactly N tool stopped/running trial pairs (default: 10 or more, until the interval is within +-10 ns or +-3%, see --max-time)" },
	{ "max-time", OPT_MAX_TIME, "S", 0, "seconds of trial pairs a workload may take to narrow its interval (default 100)" },
	{ "settle", OPT_SETTLE, "S", 0, "wait S seconds after start instead of watching for its programs" },
	{ "timeout", OPT_TIMEOUT, "S", 0, "give up when CMD has loaded nothing after S seconds (default 30)" },
	{ "duration", OPT_DURATION, "S", 0, "length of one phase at baseline speed (default 1)" },
	{ "log", OPT_LOG, "FILE", 0, "CMD's stdout and stderr (default /tmp/bpfcost-measure.PID.log)" },
	{ "pid", OPT_PID, "PID", 0, "a tool already running: its programs' cost, no alternation" },
	{},
};


static const struct argp_child measure_groups[] = {
	CLI_OUTPUT_GROUP(CLI_RESULTS_OPTS("bpfcost.measure/1", "")),
	CLI_CPU_GROUP(CLI_OPT_CPU("CPU the workload runs on (default 0)")),
	{},
};

struct measure_args {
	struct cli_common cli; /* --json, --csv, -o, --cpu */
	uint64_t workloads;
	int repeat;         /* pairs: the minimum, or exactly that many (repeat_set) */
	bool repeat_set;
	double max_time_s;  /* adaptive: seconds of pairs at most */
	double settle_s, timeout_s, duration_s;
	const char *log;
	pid_t pid;
	char **cmd;
	int ncmd;
	const char *cmdline; /* cmd quoted for a shell, for the table */
};

/* A whole number from lo to hi written as a plain number ("2", "2.0"),
 * where cli_int takes suffixes. */
static int parse_whole(const char *flag, const char *arg, double lo, double hi, double *out)
{
	double v;

	*out = lo;
	if (parse_double(arg, &v) || !(v >= lo && v <= hi) || v != (double)(long)v)
		return usage_error("%s takes a whole number from %g to %g, not '%s'", flag, lo, hi, arg);
	*out = v;
	return 0;
}

static error_t measure_parse(int key, char *arg, struct argp_state *state)
{
	struct measure_args *a = state->input;
	double v;

	switch (key) {
	case 'w':
		parse_name_list("--workload", arg, workload_names, nr_workloads, &a->workloads);
		break;
	case 'r':
		parse_whole("--repeat", arg, 2, 1000, &v);
		a->repeat = (int)v;
		a->repeat_set = true;
		break;
	case OPT_MAX_TIME: cli_num("--max-time", arg, 1, 36000, &a->max_time_s); break;
	case OPT_SETTLE: cli_num("--settle", arg, 0.01, 3600, &a->settle_s); break;
	case OPT_TIMEOUT: cli_num("--timeout", arg, 0.1, 3600, &a->timeout_s); break;
	case OPT_DURATION: cli_num("--duration", arg, 0.01, 600, &a->duration_s); break;
	case OPT_PID:
		parse_whole("--pid", arg, 1, 4194304, &v);
		a->pid = (pid_t)v;
		break;
	case OPT_LOG: a->log = arg; break;
	case ARGP_KEY_ARG:
		usage_error("unexpected argument '%s': give the command after -- "
			    "(bpfcost measure [OPTIONS] -- CMD ARGS...)", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- one workload ---- */

struct mrow {
	struct bench_result r;
	struct tool_prog progs[TOOL_MAX_PROGS];
	double runs_per_op[TOOL_MAX_PROGS], avg_ns[TOOL_MAX_PROGS], ns_per_op[TOOL_MAX_PROGS];
	int nprogs;
};

static int t_attach(void *ctx, char *reason, size_t len)
{
	return tool_start(ctx, reason, len);
}

static void t_detach(void *ctx)
{
	tool_stop(ctx);
}

static int t_counts(void *ctx, struct probe_counts *c)
{
	memset(c, 0, sizeof(*c)); /* a tool's events are its own business */
	return 0;
}

static void t_reset(void *ctx)
{
}

/* Ops per phase for duration_s at the workload's baseline speed: the
 * tool's phases may run slower, which is fine; a fixed count keeps B and
 * P comparable and spares bench_measure's sizing run (one more start). */
static uint64_t ops_for(const struct workload *wl, double duration_s)
{
	struct wl_ctx c = {};
	double ns;
	uint64_t n;

	timer_init();
	if (wl->init && wl->init(&c))
		return 0;
	run_ops(wl, &c, 2000, NULL, NULL);
	ns = run_ops(wl, &c, 20000, NULL, NULL);
	if (wl->fini)
		wl->fini(&c);
	if (!(ns > 0))
		ns = 1000;
	n = (uint64_t)(duration_s * 1e9 / ns);
	return n < 1000 ? 1000 : n;
}

/* The stats floor for a tool's program: the hook of bpfcost's own probes
 * whose do-nothing program runs the way the tool's does (README, Method
 * 7), on the workload's target; HOOK_NULL where there is none. */
static enum hook_id floor_hook(const struct tool_prog *p)
{
	if (!strcmp(p->type, "tracepoint"))
		return HOOK_TP;
	if (!strncmp(p->type, "raw_tracepoint", 14))
		return HOOK_RAWTP;
	if (!strcmp(p->type, "kprobe")) /* kprobes and uprobes alike */
		return !strncmp(p->attach, "uretprobe", 9) ? HOOK_URETPROBE :
		       !strncmp(p->attach, "uprobe", 6) ? HOOK_UPROBE :
		       !strncmp(p->attach, "kretprobe", 9) ? HOOK_KRETPROBE : HOOK_KPROBE;
	return HOOK_NULL; /* tracing (fentry, tp_btf) and others: not told apart here */
}

/* The stats run is read in this many chunks: the body per op and its
 * interval come from them (they cover that run's seconds only). */
#define SPLIT_CHUNKS 6

/* With the programs in place (tool running, or --pid): BPF stats on, n
 * ops in SPLIT_CHUNKS chunks, each program's runs and run time, and beside
 * them the stats floors of their hooks: the body per op and the split of
 * the overhead. Returns the mean ns/op (timer cost included) or NaN. */
static double stats_run(const struct workload *wl, uint64_t n, struct mrow *m, char *reason,
			size_t len)
{
	struct wl_ctx c = {};
	int fds[TOOL_MAX_PROGS], sfd, ffd[NR_HOOKS];
	struct probe *floor[NR_HOOKS] = { 0 };
	uint64_t cnt0[TOOL_MAX_PROGS], time0[TOOL_MAX_PROGS], cnt[TOOL_MAX_PROGS],
		time_ns[TOOL_MAX_PROGS], fc[NR_HOOKS], ft[NR_HOOKS], done = 0;
	double mean = 0, sum_ns = 0, sum_runs = 0, sum_time = 0, body[SPLIT_CHUNKS];
	char why[256] = "";
	int chunks = 0;

	if (wl->init && wl->init(&c)) {
		snprintf(reason, len, "workload %s: setup failed", wl->name);
		return NAN;
	}
	for (int h = 0; h < NR_HOOKS; h++)
		ffd[h] = -1;
	/* the floors of the tools' hooks, attached for the run */
	for (int i = 0; i < m->nprogs; i++) {
		enum hook_id h = floor_hook(&m->progs[i]);
		struct probe_spec spec = { .hook = h, .body = BODY_EMPTY, .wl = wl, .floor = true,
					   .consumer_cpu = -1 };

		if (h == HOOK_NULL) {
			if (!why[0])
				snprintf(why, sizeof(why), "no stats floor for program %s (type %s)",
					 m->progs[i].name, m->progs[i].type);
			continue;
		}
		if (floor[h] || ffd[h] == -2)
			continue;
		if (probe_open(&floor[h], &spec, why, sizeof(why)) != PROBE_OK ||
		    probe_floor_attach(floor[h], why, sizeof(why))) {
			probe_close(floor[h]);
			floor[h] = NULL;
			ffd[h] = -2; /* tried: why says what failed */
			continue;
		}
		ffd[h] = probe_floor_fd(floor[h]);
	}
	sfd = stats_enable();
	if (sfd < 0)
		warn_msg("BPF_ENABLE_STATS failed (%s): no program run time", strerror(-sfd));
	for (int i = 0; i < m->nprogs; i++) {
		fds[i] = bpf_prog_get_fd_by_id(m->progs[i].id);
		if (fds[i] < 0 || prog_run_stats(fds[i], &cnt0[i], &time0[i], NULL))
			cnt0[i] = time0[i] = 0;
		cnt[i] = cnt0[i];
		time_ns[i] = time0[i];
	}
	run_ops(wl, &c, n / 5, NULL, NULL);
	for (int i = 0; i < m->nprogs; i++)
		if (fds[i] >= 0 && prog_run_stats(fds[i], &cnt0[i], &time0[i], NULL) == 0) {
			cnt[i] = cnt0[i];
			time_ns[i] = time0[i];
		}
	for (int h = 0; h < NR_HOOKS; h++)
		if (ffd[h] >= 0 && prog_run_stats(ffd[h], &fc[h], &ft[h], NULL))
			ffd[h] = -2;
	for (int k = 0; k < SPLIT_CHUNKS && !stop_requested; k++) {
		uint64_t chunk_done = 0, c1, t1;
		double floor_avg[NR_HOOKS], b = 0;

		mean += run_ops(wl, &c, n / SPLIT_CHUNKS, NULL, &chunk_done);
		done += chunk_done;
		for (int h = 0; h < NR_HOOKS; h++) {
			floor_avg[h] = NAN;
			if (ffd[h] >= 0 && !prog_run_stats(ffd[h], &c1, &t1, NULL) && c1 > fc[h])
				floor_avg[h] = (double)(t1 - ft[h]) / (double)(c1 - fc[h]);
			if (ffd[h] >= 0) {
				fc[h] = c1;
				ft[h] = t1;
			}
		}
		/* per op: each program's run time less the floor of its runs */
		for (int i = 0; i < m->nprogs; i++) {
			enum hook_id h = floor_hook(&m->progs[i]);

			if (fds[i] < 0 || prog_run_stats(fds[i], &c1, &t1, NULL)) {
				b = NAN;
				continue;
			}
			b += (double)(t1 - time_ns[i]) - floor_avg[h] * (double)(c1 - cnt[i]);
			cnt[i] = c1;
			time_ns[i] = t1;
		}
		if (chunk_done)
			body[chunks++] = b / (double)chunk_done;
	}
	mean /= SPLIT_CHUNKS;
	for (int i = 0; i < m->nprogs; i++) {
		m->runs_per_op[i] = m->avg_ns[i] = m->ns_per_op[i] = NAN;
		if (fds[i] >= 0 && sfd >= 0 && done) {
			uint64_t dc = cnt[i] - cnt0[i], dt = time_ns[i] - time0[i];

			m->runs_per_op[i] = (double)dc / (double)done;
			m->ns_per_op[i] = (double)dt / (double)done;
			m->avg_ns[i] = dc ? (double)dt / (double)dc : NAN;
			sum_ns += m->ns_per_op[i];
			sum_runs += (double)dc;
			sum_time += (double)dt;
		}
		if (fds[i] >= 0)
			close(fds[i]);
	}
	if (sfd >= 0) {
		close(sfd);
		m->r.prog_ns_per_op = sum_ns;
		m->r.prog_runs_per_op = done ? sum_runs / (double)done : NAN;
		m->r.prog_avg_ns = sum_runs > 0 ? sum_time / sum_runs : NAN;
		m->r.stats_phases = chunks;
		/* chunks of one stats run, not bench's phases: no per-phase
		 * program or floor times (the engine's arrays are sized for
		 * its own phases, none here) */
		zfree(&m->r.prog_phases_ns);
		zfree(&m->r.floor_phases_ns);
		for (int k = 0; k < chunks && k < SPLIT_CHUNKS; k++)
			if (isnan(body[k]))
				chunks = 0;
		if (chunks && !why[0])
			median_ci(body, chunks, &m->r.body_ns, &m->r.body_lo, &m->r.body_hi);
		if (isnan(m->r.overhead_ns)) {
			/* --pid: no overhead to split; the body per op stands alone */
		} else if (chunks && !why[0]) {
			m->r.split = bench_split(m->r.overhead_ns, m->r.ci_lo, m->r.ci_hi, m->r.body_ns,
						 m->r.body_lo, m->r.body_hi, chunks, &m->r.dispatch_ns,
						 &m->r.dispatch_lo, &m->r.dispatch_hi, m->r.split_reason,
						 sizeof(m->r.split_reason));
			if (strcmp(m->r.split, "resolved"))
				m->r.body_ns = m->r.body_lo = m->r.body_hi = NAN;
		} else {
			m->r.split = "unresolved";
			snprintf(m->r.split_reason, sizeof(m->r.split_reason), "%s",
				 why[0] ? why : "a chunk of the stats run had no runs to read");
		}
	}
	for (int h = 0; h < NR_HOOKS; h++)
		probe_close(floor[h]);
	if (wl->fini)
		wl->fini(&c);
	return mean;
}

static void measure_cmd_row(struct tool *tool, const struct workload *wl,
			    const struct measure_args *a, struct mrow *m)
{
	struct bench_target t = {
		.ctx = tool, .attach = t_attach, .detach = t_detach, .counts = t_counts,
		.reset = t_reset, .exact = false,
	};
	/* bench's stopping rule, or exactly --repeat pairs */
	struct bench_opts o = { .trials = a->repeat, .cpu = a->cli.cpu, .no_stats = true,
				.max_trials = a->repeat_set ? 0 : 1000, .max_s = a->max_time_s,
				.ci_ns = CI_TARGET_NS, .ci_pct = CI_TARGET_PCT };
	char label[64], *copy = strdup(tool->argv[0]);
	char reason[512];

	snprintf(label, sizeof(label), "%s", copy ? basename(copy) : tool->argv[0]);
	free(copy);
	bench_result_init(&m->r, wl->name, "cmd", label);
	o.ops = ops_for(wl, a->duration_s);
	if (!o.ops) {
		snprintf(m->r.reason, sizeof(m->r.reason), "workload %s: setup failed", wl->name);
		return;
	}
	bench_measure(&t, wl, &o, &m->r);
	tool_stop(tool);
	if (m->r.status != RES_OK || stop_requested)
		return;
	/* the stats phase: the tool running once more, its programs named */
	if (tool_start(tool, reason, sizeof(reason))) {
		m->r.status = RES_FAILED;
		snprintf(m->r.reason, sizeof(m->r.reason), "stats phase: %.480s", reason);
		return;
	}
	m->nprogs = tool->nprogs;
	memcpy(m->progs, tool->progs, sizeof(m->progs[0]) * (size_t)tool->nprogs);
	stats_run(wl, o.ops, m, reason, sizeof(reason));
	tool_stop(tool);
}

static void measure_pid_row(pid_t pid, const struct workload *wl, const struct measure_args *a,
			    struct mrow *m)
{
	char reason[256] = "";
	double mean;
	uint64_t n = ops_for(wl, a->duration_s);

	timer_init();
	bench_result_init(&m->r, wl->name, "pid", "");
	snprintf(m->r.body, sizeof(m->r.body), "%d", (int)pid);
	m->nprogs = tool_held_progs(pid, m->progs, TOOL_MAX_PROGS);
	if (!m->nprogs) {
		snprintf(m->r.reason, sizeof(m->r.reason), "process %d holds no BPF programs now",
			 (int)pid);
		return;
	}
	mean = stats_run(wl, n, m, reason, sizeof(reason));
	if (isnan(mean)) {
		snprintf(m->r.reason, sizeof(m->r.reason), "%s", reason);
		return;
	}
	m->r.probe_ns = mean - timer_overhead_ns; /* the tool attached throughout */
	m->r.ops = n;
	m->r.samples = n;
	m->r.status = RES_OK;
}

/* ---- output ---- */

static const struct table_col ovh_cols[] = {
	{ "WORKLOAD", 8, true }, { "BASE ns", 8 }, { "TOOL ns", 8 }, { "+ns", 7 },
	{ "95% CI ns", 17 }, { "+%", 6 }, { "BODY ns/op", 10 },
};
static const struct table_col prog_cols[] = {
	{ "WORKLOAD", 8, true }, { "ID", 5 }, { "NAME", 15, true }, { "TYPE", 10, true },
	{ "RUNS/op", 7 }, { "AVG ns", 6 }, { "ATTACH", 22, true },
};
static const struct table_col csv_cols[] = {
	{ "workload" }, { "status" }, { "reason" }, { "base_ns" }, { "probe_ns" },
	{ "overhead_ns" }, { "ci95_lo" }, { "ci95_hi" }, { "overhead_pct" }, { "prog_ns_per_op" },
	{ "prog_runs_per_op" }, { "trials" }, { "body_ns" }, { "dispatch_ns" },
};

static const char *short_type(const char *t)
{
	if (!strncmp(t, "raw_tracepoint", 14))
		return t[14] ? "raw_tp_w" : "raw_tp";
	return t;
}

/* CMD runnable? One line now beats a status 127 later. */
static bool cmd_runnable(const char *cmd)
{
	char path[4096], *dirs, *dir, *save = NULL;
	bool found = false;

	if (strchr(cmd, '/'))
		return !access(cmd, X_OK);
	dirs = strdup(getenv("PATH") ? getenv("PATH") : "/usr/local/bin:/usr/bin:/bin");
	for (dir = strtok_r(dirs, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", dir, cmd);
		found = !access(path, X_OK);
	}
	free(dirs);
	return found;
}

/* Where the tool's time goes: the body of its programs per op (the
 * stats' own cost taken out, README, Method 7) and the dispatch, or why
 * the split is unresolved. */
static void print_split(FILE *f, const struct mrow *rows, int n)
{
	char line[512];

	for (int i = 0; i < n; i++) {
		const struct bench_result *r = &rows[i].r;

		if (r->status != RES_OK || !r->split)
			continue;
		if (!strcmp(r->split, "resolved"))
			snprintf(line, sizeof(line), "%s: the programs' own %.1f ns [%.1f, %.1f] an op, "
				 "dispatch %.1f [%.1f, %.1f] (BPF stats' cost per run taken out, from %d "
				 "chunks of the stats run)", r->workload, r->body_ns, r->body_lo,
				 r->body_hi, r->dispatch_ns, r->dispatch_lo, r->dispatch_hi,
				 r->stats_phases);
		else
			snprintf(line, sizeof(line), "%s: body / dispatch unresolved: %s", r->workload,
				 r->split_reason);
		print_words(f, line, 2);
	}
}

static void print_table(FILE *f, const struct results *res)
{
	const struct mrow *rows = res->rows;
	const struct measure_args *a = res->ctx;
	const char *cmdline = a->cmdline;
	struct row row;
	int n = res->n;

	if (!n)
		return;
	fprintf(f, "\n");
	env_print(f, res->env);
	if (a->pid) {
		fprintf(f, "tool: pid %d (already running); workload on CPU %d\n", (int)a->pid,
			a->cli.cpu);
		fprintf(f, "no baseline alternation: the tool stayed attached, so this is its\n"
			   "programs' own run time per op (BPF stats), without dispatch cost\n\n");
	} else {
		fprintf(f, "tool: %.70s%s\n", cmdline, strlen(cmdline) > 70 ? "..." : "");
		fprintf(f, "its output: %s\n", a->log);
		fprintf(f, "workload on CPU %d; tool stopped / running trial pairs of %.2g s "
			   "phases:\n", a->cli.cpu, a->duration_s);
		if (a->repeat_set)
			fprintf(f, "  %d per workload (--repeat)\n", a->repeat);
		else
			fprintf(f, "  at least %d, then until the interval is within +-%d ns or "
				   "+-%d%% (--max-time %g s)\n", a->repeat, CI_TARGET_NS,
				CI_TARGET_PCT, a->max_time_s);
		for (int i = 0; i < n; i++)
			if (rows[i].r.status == RES_OK)
				fprintf(f, "  %s: %d pairs, stopped by %s\n", rows[i].r.workload,
					rows[i].r.trials, rows[i].r.stopped_by ? rows[i].r.stopped_by : "-");
		fprintf(f, "\n");
		fprintf(f, "Overhead per op while the tool runs (paired trials)\n");
		table_header(f, ovh_cols, 7);
		for (int i = 0; i < n; i++) {
			const struct bench_result *r = &rows[i].r;
			char *ci = row.buf[4];

			if (r->status != RES_OK) {
				fprintf(f, "%-8.8s %s: %.60s\n", r->workload,
					result_status_names[r->status], r->reason);
				continue;
			}
			if (isfinite(r->ci_lo) && isfinite(r->ci_hi))
				snprintf(ci, sizeof(row.buf[4]), "[%.1f, %.1f]", r->ci_lo, r->ci_hi);
			else
				snprintf(ci, sizeof(row.buf[4]), "- (few trials)");
			row.cells[0] = r->workload;
			ROW_NUMS(&row, 1, 1, r->base_ns, r->probe_ns, r->overhead_ns);
			row.cells[4] = ci;
			row_num(&row, 5, r->overhead_pct, 1);
			row_num(&row, 6, r->body_ns, 1);
			table_row(f, ovh_cols, 7, row.cells);
		}
		print_split(f, rows, n);
		fprintf(f, "\n");
	}
	fprintf(f, "The tool's BPF programs (BPF stats, tool running; runs count every "
		   "process;\nAVG ns includes what the stats add to each run)\n");
	table_header(f, prog_cols, 7);
	for (int i = 0; i < n; i++) {
		const struct mrow *m = &rows[i];

		if (a->pid && m->r.status != RES_OK)
			fprintf(f, "%-8.8s %s: %.60s\n", m->r.workload, result_status_names[m->r.status],
				m->r.reason);
		for (int k = 0; k < m->nprogs; k++) {
			row_u64(&row, 1, m->progs[k].id);
			row.cells[0] = m->r.workload;
			row.cells[2] = m->progs[k].name;
			row.cells[3] = short_type(m->progs[k].type);
			row_num(&row, 4, m->runs_per_op[k], 2);
			row_num(&row, 5, m->avg_ns[k], 1);
			snprintf(row.buf[6], sizeof(row.buf[6]), "%.22s", m->progs[k].attach);
			row.cells[6] = row.buf[6];
			table_row(f, prog_cols, 7, row.cells);
		}
	}
	if (a->pid)
		for (int i = 0; i < n; i++)
			if (rows[i].r.status == RES_OK)
				fprintf(f, "%s: %.1f ns per op in the tool's programs, %s ns of them "
					   "their own (the stats' cost taken out; %.1f ns/op with it "
					   "attached)\n", rows[i].r.workload, rows[i].r.prog_ns_per_op,
					fmt_num(row.buf[0], sizeof(row.buf[0]), rows[i].r.body_ns, 1),
					rows[i].r.probe_ns);
}

static json_object *prog_json(const struct mrow *m, int k)
{
	json_object *o = json_object_new_object();

	jset(o, "workload", jstr(m->r.workload));
	jset(o, "id", jint(m->progs[k].id));
	jset(o, "name", jstr(m->progs[k].name));
	jset(o, "type", jstr(m->progs[k].type));
	jset(o, "attach", jstr(m->progs[k].attach));
	jset(o, "runs_per_op", jnum(m->runs_per_op[k]));
	jset(o, "avg_ns", jnum(m->avg_ns[k]));
	jset(o, "ns_per_op", jnum(m->ns_per_op[k]));
	return o;
}

static void measure_json(json_object *root, const struct results *res)
{
	const struct mrow *rows = res->rows;
	const struct measure_args *a = res->ctx;
	json_object *cfg = json_object_new_object(), *cmd = NULL;
	json_object *arr = json_object_new_array(), *progs = json_object_new_array();

	if (!a->pid) {
		cmd = json_object_new_array();
		for (int i = 0; i < a->ncmd; i++)
			json_object_array_add(cmd, jstr(a->cmd[i]));
	}
	jset(root, "mode", jstr(a->pid ? "pid" : "cmd"));
	jset(root, "cmd", cmd);
	jset(root, "pid", a->pid ? jint(a->pid) : NULL);
	jset(root, "log", a->pid ? NULL : jstr(a->log));
	jset(root, "baseline_alternation", json_object_new_boolean(!a->pid));
	jset(cfg, "trials", a->pid ? NULL : jint(a->repeat));
	/* adaptive (no --repeat): at least trials pairs, then until the
	 * interval's half-width is within the target, for at most max_time_s */
	jset(cfg, "adaptive", json_object_new_boolean(!a->pid && !a->repeat_set));
	jset(cfg, "max_time_s", a->pid || a->repeat_set ? NULL : jnum(a->max_time_s));
	jset(cfg, "ci_target_ns", a->pid || a->repeat_set ? NULL : jnum(CI_TARGET_NS));
	jset(cfg, "ci_target_pct", a->pid || a->repeat_set ? NULL : jnum(CI_TARGET_PCT));
	jset(cfg, "duration_s", jnum(a->duration_s));
	jset(cfg, "settle_s", a->settle_s > 0 ? jnum(a->settle_s) : NULL);
	jset(cfg, "timeout_s", jnum(a->timeout_s));
	jset(cfg, "cpu", jint(a->cli.cpu));
	jset(root, "config", cfg);
	for (int i = 0; i < res->n; i++) {
		json_object *row = bench_result_json(&rows[i].r), *pr = json_object_new_array();

		for (int k = 0; k < rows[i].nprogs; k++) {
			json_object_array_add(pr, prog_json(&rows[i], k));
			json_object_array_add(progs, prog_json(&rows[i], k));
		}
		jset(row, "programs", pr);
		json_object_array_add(arr, row);
	}
	jset(root, "results", arr);
	jset(root, "programs", progs);
}

static void print_csv_row(FILE *f, const struct results *res, int i)
{
	const struct bench_result *r = &((const struct mrow *)res->rows)[i].r;
	struct row row = { { r->workload, result_status_names[r->status], r->reason } };

	ROW_NUMS(&row, 3, 2, r->base_ns, r->probe_ns, r->overhead_ns, r->ci_lo, r->ci_hi,
		 r->overhead_pct, r->prog_ns_per_op);
	row_num(&row, 10, r->prog_runs_per_op, 3);
	row_u64(&row, 11, (unsigned long long)r->trials);
	ROW_NUMS(&row, 12, 2, r->body_ns, r->dispatch_ns);
	csv_row(f, row.cells, 14);
}

int cmd_measure(int argc, char **argv)
{
	struct measure_args a = {
		.workloads = 1, .repeat = MIN_PAIRS, .timeout_s = 30, .duration_s = 1,
		.max_time_s = MAX_TIME_S,
	};
	struct argp argp = { measure_opts_def, measure_parse, NULL, measure_doc, measure_groups };
	struct results res = { .schema = "bpfcost.measure/1", .cli = &a.cli, .kept = "rows",
			       .ctx = &a, .json = measure_json, .csv_cols = csv_cols,
			       .csv_ncols = ARRAY_SIZE(csv_cols), .csv_row = print_csv_row,
			       .table = print_table };
	struct tool tool = {};
	struct mrow *rows = NULL;
	char log_default[64], cmdline[512] = "";
	int n = 0, ret = 0, argc_opts = argc;
	bool tty = isatty(STDERR_FILENO), failed = false;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			argc_opts = i;
			a.cmd = argv + i + 1;
			a.ncmd = argc - i - 1;
			break;
		}
	if (cli_parse(&argp, argc_opts, argv, &a, &a.cli))
		return EXIT_USAGE;
	if (a.pid && a.ncmd)
		return usage_error("give either --pid PID or -- CMD, not both");
	if (!a.pid && !a.ncmd)
		return usage_error("no command: bpfcost measure [OPTIONS] -- CMD ARGS... (or --pid PID)");
	if (a.pid && kill(a.pid, 0) && errno == ESRCH)
		return usage_error("--pid %d: no such process", (int)a.pid);
	if (a.ncmd && !cmd_runnable(a.cmd[0]))
		return usage_error("%s: no such command (or not executable)", a.cmd[0]);
	if ((ret = require_privileges(NEED_SYS_ADMIN, "to find a tool's programs by id and time them with BPF_ENABLE_STATS")))
		return ret;
	/* tools read tracepoint formats from tracefs: CMD inherits our mount
	 * namespace, where tracefs is mounted if the host has it unmounted */
	if (tracefs_ensure())
		warn_msg("tracefs is not mounted and cannot be: tools that need it will fail");
	if (!a.log) {
		snprintf(log_default, sizeof(log_default), "/tmp/bpfcost-measure.%d.log", (int)getpid());
		a.log = log_default;
	}
	for (int i = 0; i < a.ncmd; i++) {
		size_t off = strlen(cmdline);
		bool q = strpbrk(a.cmd[i], " \t\"$*?{}[]();&|<>") != NULL;
		snprintf(cmdline + off, sizeof(cmdline) - off, "%s%s%s%s", i ? " " : "", q ? "'" : "",
			 a.cmd[i], q ? "'" : "");
	}
	a.cmdline = cmdline;
	tool = (struct tool){ .argv = a.cmd, .log_path = a.log, .settle_s = a.settle_s,
			      .timeout_s = a.timeout_s, .stable_s = 0.5 };
	if (!a.pid)
		unlink(a.log); /* one run, one log */

	rows = calloc((size_t)nr_workloads, sizeof(*rows));
	if (!rows)
		return runtime_error("out of memory");
	res.rows = rows;
	res.env = env_begin(a.cli.cpu);

	for (int w = 0; w < nr_workloads && !stop_requested; w++) {
		if (!(a.workloads & (1ULL << w)))
			continue;
		if (tty || verbose)
			fprintf(stderr, "\r%s: %s%-20s", workloads[w].name,
				a.pid ? "programs' cost" : "tool stopped / running", "");
		if (a.pid)
			measure_pid_row(a.pid, &workloads[w], &a, &rows[n]);
		else
			measure_cmd_row(&tool, &workloads[w], &a, &rows[n]);
		if (stop_requested && rows[n].r.status == RES_FAILED) {
			bench_result_free(&rows[n].r);
			break;
		}
		if ((ret = results_save(&res, ++n)))
			goto cleanup;
		if (!a.pid && rows[n - 1].r.status == RES_FAILED && rows[n - 1].r.trials == 0)
			break; /* CMD would not attach: the next workload would not fare better */
	}
	if (tty || verbose)
		fprintf(stderr, "\r%-60s\r", "");
	/* CMD that never attached: one line, nothing else */
	if (!a.pid && n > 0 && rows[0].r.status == RES_FAILED && rows[0].r.trials == 0 &&
	    !strstr(rows[0].r.reason, "stats phase")) {
		ret = runtime_error("%s", rows[0].r.reason);
		goto cleanup;
	}
	if (a.pid && n > 0 && rows[0].nprogs == 0) {
		ret = runtime_error("%s", rows[0].r.reason);
		goto cleanup;
	}
	for (int i = 0; i < n; i++)
		failed |= rows[i].r.status == RES_FAILED;
	ret = results_finish(&res, n, failed);
cleanup:
	tool_stop(&tool);
	for (int i = 0; i < n; i++)
		bench_result_free(&rows[i].r);
	free(rows);
	json_object_put(res.env);
	return ret;
}
