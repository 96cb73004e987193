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

enum { OPT_SETTLE = 1000, OPT_TIMEOUT, OPT_DURATION, OPT_LOG, OPT_PID };

static const struct argp_option measure_opts_def[] = {
	{ "workload", 'w', "LIST", 0, "getpid, munmap, madvise, all (default getpid)" },
	{ "repeat", 'r', "N", 0, "tool stopped/running trial pairs (default 6, the fewest with a 95% interval)" },
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
	int repeat;
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
		break;
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

/* With the programs in place (tool running, or --pid): BPF stats on, n
 * ops, each program's runs and run time. Returns the mean ns/op (timer
 * cost included) or NaN. */
static double stats_run(const struct workload *wl, uint64_t n, struct mrow *m, char *reason,
			size_t len)
{
	struct wl_ctx c = {};
	int fds[TOOL_MAX_PROGS], sfd;
	uint64_t cnt0[TOOL_MAX_PROGS], time0[TOOL_MAX_PROGS], cnt, time_ns, done = 0;
	double mean, sum_ns = 0, sum_runs = 0, sum_time = 0;

	if (wl->init && wl->init(&c)) {
		snprintf(reason, len, "workload %s: setup failed", wl->name);
		return NAN;
	}
	sfd = stats_enable();
	if (sfd < 0)
		warn_msg("BPF_ENABLE_STATS failed (%s): no program run time", strerror(-sfd));
	for (int i = 0; i < m->nprogs; i++) {
		fds[i] = bpf_prog_get_fd_by_id(m->progs[i].id);
		if (fds[i] < 0 || prog_run_stats(fds[i], &cnt0[i], &time0[i], NULL))
			cnt0[i] = time0[i] = 0;
	}
	run_ops(wl, &c, n / 5, NULL, NULL);
	mean = run_ops(wl, &c, n, NULL, &done);
	for (int i = 0; i < m->nprogs; i++) {
		m->runs_per_op[i] = m->avg_ns[i] = m->ns_per_op[i] = NAN;
		if (fds[i] >= 0 && sfd >= 0 && done && !prog_run_stats(fds[i], &cnt, &time_ns, NULL)) {
			uint64_t dc = cnt - cnt0[i], dt = time_ns - time0[i];

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
	}
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
	struct bench_opts o = { .trials = a->repeat, .cpu = a->cli.cpu, .no_stats = true };
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
	if (!isnan(m->r.prog_ns_per_op))
		m->r.dispatch_ns = m->r.overhead_ns - m->r.prog_ns_per_op;
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
	{ "95% CI ns", 17 }, { "+%", 6 }, { "PROG ns/op", 10 },
};
static const struct table_col prog_cols[] = {
	{ "WORKLOAD", 8, true }, { "ID", 5 }, { "NAME", 15, true }, { "TYPE", 10, true },
	{ "RUNS/op", 7 }, { "AVG ns", 6 }, { "ATTACH", 22, true },
};
static const struct table_col csv_cols[] = {
	{ "workload" }, { "status" }, { "reason" }, { "base_ns" }, { "probe_ns" },
	{ "overhead_ns" }, { "ci95_lo" }, { "ci95_hi" }, { "overhead_pct" }, { "prog_ns_per_op" },
	{ "prog_runs_per_op" }, { "trials" },
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
		fprintf(f, "workload on CPU %d; %d trial pairs (tool stopped / running), "
			   "%.2g s phases\n\n", a->cli.cpu, a->repeat, a->duration_s);
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
			row_num(&row, 6, r->prog_ns_per_op, 1);
			table_row(f, ovh_cols, 7, row.cells);
		}
		fprintf(f, "\n");
	}
	fprintf(f, "The tool's BPF programs (BPF stats, tool running; runs count every "
		   "process)\n");
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
				fprintf(f, "%s: %.1f ns per op in the tool's programs (%.1f ns/op with it "
					   "attached)\n", rows[i].r.workload, rows[i].r.prog_ns_per_op,
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
	csv_row(f, row.cells, 12);
}

int cmd_measure(int argc, char **argv)
{
	struct measure_args a = {
		.workloads = 1, .repeat = 6, .timeout_s = 30, .duration_s = 1,
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
