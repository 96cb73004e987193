// SPDX-License-Identifier: GPL-2.0
/* bpfcost top: the live cost of every loaded BPF program.
 *
 * Samples run_time_ns / run_cnt / recursion_misses of every program each
 * interval (top/collect.c) with BPF stats held on (top/stats_ctl.c), adds
 * each hook's dispatch cost (top/dispatch.c), and shows the differences as
 * a TUI (top/tui.c), a plain table, JSON or CSV, or serves them to
 * Prometheus (top/prom.c). */
#include "base/cli.h"
#include "base/output.h"
#include "cmd/commands.h"
#include "core/kernel.h"
#include "top/dispatch.h"
#include "top/prom.h"
#include "top/tui.h"
#include "top/view.h"
#include "base/util.h"

#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char doc[] =
	"Show the live cost of every loaded BPF program: runs per second, average\n"
	"run time, CPU share, recursion misses, attach point and holding processes,\n"
	"and its full cost: the run plus its hook's dispatch, calibrated on this host.\n"
	"\n"
	"USAGE: bpfcost top [-d SECS] [-n COUNT | --once] [--sort COL] [--filter STR]\n"
	"                   [--json | --csv] [-o FILE] [--prometheus ADDR:PORT\n"
	"                   [--web-config FILE]]\n"
	"\n"
	"On a terminal an interactive view (ncurses); otherwise, or with --once or -n,\n"
	"a plain table per interval. BPF stats are turned on while top runs and back\n"
	"off when it exits; what they cost per program run is measured at start.\n"
	"Each kind of hook's dispatch cost is calibrated once per kernel and CPU (a few\n"
	"seconds, in the background; cached), or read from a bench result.\n"
	"\n"
	"EXAMPLES:\n"
	"  bpfcost top                          # interactive, 1 s refresh\n"
	"  bpfcost top --once                   # one 1 s interval as a table\n"
	"  bpfcost top -d 5 -n 12 --csv -o top.csv   # a minute of samples for scripts\n"
	"  bpfcost top --json --once --sort events\n"
	"  bpfcost top --filter tracepoint      # by name, type, attach or comm\n"
	"  bpfcost top --prometheus 127.0.0.1:9464  # exporter, /metrics\n"
	"  bpfcost top --calibration bench.json      # dispatch from a bench result\n"
	"  bpfcost top --prometheus :9464 --web-config web.yml  # TLS, basic auth\n"
	"\n"
	"Sort columns: id, type, name, events, avg, total_avg, cpu, misses, attach, comm,\n"
	"full, full_cpu (default).";

enum {
	OPT_ONCE = 1000, OPT_PROM, OPT_STATS, OPT_NO_CALIB, OPT_CALIB_FILE, OPT_RECALIB,
	OPT_WEB_CONFIG,
};

static const struct argp_option options[] = {
	{ "interval", 'd', "SECS", 0, "Refresh interval in seconds (default 1, min 0.1)", 0 },
	{ "count", 'n', "COUNT", 0, "Print COUNT intervals, then exit (table/JSON/CSV)", 0 },
	{ "once", OPT_ONCE, NULL, 0, "One interval, as a table (same as -n 1)", 0 },
	{ "sort", 's', "COL", 0, "Sort by COL (default full_cpu)", 0 },
	{ "reverse", 'r', NULL, 0, "Reverse the sort order", 0 },
	{ "filter", 'f', "STR", 0, "Only programs whose name, type, attach or comm contains STR", 0 },
	{ "prometheus", OPT_PROM, "ADDR:PORT", 0,
	  "Serve /metrics for Prometheus on ADDR:PORT (ADDR defaults to 127.0.0.1, "
	  "PORT to 9464)", 0 },
	{ "web-config", OPT_WEB_CONFIG, "FILE", 0,
	  "TLS and basic auth for --prometheus, in the Prometheus exporter-toolkit "
	  "format (docs/top.md)", 0 },
	{ "stats", OPT_STATS, "HOW", 0,
	  "Turn BPF stats on with 'fd' (BPF_ENABLE_STATS) or 'sysctl' (default: fd, "
	  "the sysctl if that fails)", 0 },
	{ "no-calibrate", OPT_NO_CALIB, NULL, 0,
	  "Measure nothing at start: no stats cost, dispatch only from the cache", 0 },
	{ "calibration", OPT_CALIB_FILE, "FILE", 0,
	  "Dispatch costs from a bench --json result (its empty-body rows)", 0 },
	{ "recalibrate", OPT_RECALIB, NULL, 0, "Calibrate dispatch again, ignoring the cache", 0 },
	{ 0 },
};

static const struct argp_child groups[] = {
	CLI_OUTPUT_GROUP(CLI_OPT_JSON("One JSON document per interval (one line each)"),
		CLI_OPT_CSV("CSV, one row per program per interval"),
		CLI_OPT_OUTPUT("Write to FILE instead of stdout"),
		CLI_OPT_VERBOSE("libbpf messages, details")),
	{},
};

struct top_opts {
	double interval_s;
	long count;             /* intervals to print, 0 = until stopped */
	struct top_view_opts view;
	struct cli_common cli;  /* --json, --csv, -o */
	const char *prom_addr;  /* --prometheus */
	const char *web_config; /* --web-config */
	enum top_stats_method stats_method;
	bool calibrate, recalibrate;
	const char *calib_file; /* --calibration */
};

struct parse_ctx {
	struct top_opts *o;
	bool once, count_set;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_ctx *c = state->input;
	struct top_opts *o = c->o;
	uint64_t u;
	double d;

	switch (key) {
	case 'd':
		if (parse_double(arg, &d) || !(d >= 0.1 && d <= 3600)) {
			usage_error("bad -d '%s' (accepted: seconds from 0.1 to 3600)", arg);
			return EINVAL;
		}
		o->interval_s = d;
		break;
	case 'n':
		if (parse_u64(arg, &u) || u == 0 || u > 100000000) {
			usage_error("bad -n '%s' (accepted: a count of intervals >= 1)", arg);
			return EINVAL;
		}
		o->count = (long)u;
		c->count_set = true;
		break;
	case OPT_ONCE:
		c->once = true;
		break;
	case 's': {
		int i;

		for (i = 0; i < TOP_NCOLS; i++)
			if (!strcmp(arg, top_col_names[i]))
				break;
		if (i == TOP_NCOLS) {
			char names[256];

			usage_error("unknown --sort '%s' (accepted: %s)", arg,
				    join_names(names, sizeof(names), top_col_names, TOP_NCOLS));
			return EINVAL;
		}
		o->view.sort = (enum top_col)i;
		break;
	}
	case 'r':
		o->view.sort_reverse = true;
		break;
	case 'f':
		snprintf(o->view.filter, sizeof(o->view.filter), "%s", arg);
		break;
	case OPT_PROM:
		o->prom_addr = arg;
		break;
	case OPT_WEB_CONFIG:
		o->web_config = arg;
		break;
	case OPT_STATS:
		if (!strcmp(arg, "fd")) {
			o->stats_method = STATS_FD;
		} else if (!strcmp(arg, "sysctl")) {
			o->stats_method = STATS_SYSCTL;
		} else {
			usage_error("unknown --stats '%s' (accepted: fd, sysctl)", arg);
			return EINVAL;
		}
		break;
	case OPT_NO_CALIB:
		o->calibrate = false;
		break;
	case OPT_CALIB_FILE:
		o->calib_file = arg;
		break;
	case OPT_RECALIB:
		o->recalibrate = true;
		break;
	case ARGP_KEY_ARG:
		usage_error("unexpected argument '%s' (top takes only options; see --help)", arg);
		return EINVAL;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void now_iso(char *buf, size_t len, bool iso_date)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, len, iso_date ? "%Y-%m-%dT%H:%M:%SZ" : "%H:%M:%SZ", &tm);
}

static const struct table_col cols[] = {
	{ "ID", 6, false },
	{ "TYPE", 10, true },
	{ "NAME", 14, true },
	{ "EVENTS/s", 9, false },
	{ "AVG ns", 7, false },
	{ "FULL ns", 8, false },
	{ "%CORE", 6, false },
	{ "%FULL", 6, false },
	{ "RMISS", 5, false },
};

/* Under a row, what does not fit in 80 columns, packed in lines. */
static void print_details(FILE *f, const struct top_prog *p, int name_width)
{
	char hold[TOP_MAX_HOLDERS * 24], detail[512], segs[4][256];

	segs[0][0] = segs[1][0] = segs[2][0] = '\0';
	if (strlen(p->name) > (size_t)name_width)
		snprintf(segs[0], sizeof(segs[0]), "name: %s", p->name);
	if (p->attach[0])
		snprintf(segs[1], sizeof(segs[1]), "on: %s", p->attach);
	if (p->nholders)
		snprintf(segs[2], sizeof(segs[2]), "pids: %s", top_holders_str(p, hold, sizeof(hold)));
	top_dispatch_cell(p, segs[3], sizeof(segs[3]));
	detail[0] = '\0';
	for (int k = 0; k < 4; k++) {
		size_t dl = strlen(detail), sl = strlen(segs[k]);

		if (!sl)
			continue;
		if (dl && dl + 2 + sl > 74) {
			fprintf(f, "      %s\n", detail);
			detail[0] = '\0';
			dl = 0;
		}
		snprintf(detail + dl, sizeof(detail) - dl, "%s%s", dl ? "  " : "", segs[k]);
	}
	if (detail[0])
		fprintf(f, "      %.74s\n", detail);
}

/* The host total: every program, whatever the filter shows. */
static void print_host(FILE *f, const struct top_state *st)
{
	const struct top_host *h = &st->host;
	char c[9][32], prog[32];
	const char *cells[9];
	double full_ns = h->runs ? h->full_core_pct / 100 * st->interval_s * 1e9 / h->runs : NAN;

	snprintf(prog, sizeof(prog), "%d programs", h->programs);
	cells[0] = "";
	cells[1] = "host";
	cells[2] = prog;
	if (isnan(h->events_per_s))
		fmt_num(c[3], sizeof(c[3]), NAN, 0);
	else
		top_fmt_count(c[3], sizeof(c[3]), llround(h->events_per_s), cols[3].width);
	fmt_num(c[4], sizeof(c[4]), h->avg_ns, 0);
	fmt_num(c[5], sizeof(c[5]), full_ns, 0);
	fmt_num(c[6], sizeof(c[6]), h->cpu_core_pct, 2);
	fmt_num(c[7], sizeof(c[7]), h->full_core_pct, 2);
	for (int k = 3; k < 8; k++)
		cells[k] = c[k];
	cells[8] = "";
	table_row(f, cols, ARRAY_SIZE(cols), cells);
	fprintf(f, "      all programs: %s%% of the host's %d CPUs, %s%% with dispatch",
		fmt_num(c[0], sizeof(c[0]), h->cpu_host_pct, 2), st->ncpus,
		fmt_num(c[1], sizeof(c[1]), h->full_host_pct, 2));
	if (h->unestimated)
		fprintf(f, " (%d without\n      an estimate counted by body)", h->unestimated);
	fputc('\n', f);
}

static void print_table(FILE *f, const struct top_state *st, const struct top_stats *stats,
			const struct top_dispatch *disp, struct top_prog **v, int n,
			long interval_no)
{
	char when[32], line[512], ids[128] = "";
	int below = 0;

	now_iso(when, sizeof(when), false);
	fprintf(f, "bpfcost top  %s  every %.2f s  %d/%d programs  %d CPUs  collect %.2f ms CPU\n",
		when, st->interval_s, n, st->nprogs, st->ncpus, st->collect_cpu_ns / 1e6);
	fprintf(f, "%.80s\n", top_stats_line(stats, line, sizeof(line)));
	print_wrap(f, top_dispatch_line(disp, line, sizeof(line)), 2, 80);
	if (interval_no == 1) {
		fprintf(f, "AVG ns: the program's own run (BPF stats); FULL ns: AVG + its hook's "
			   "dispatch.\n%%CORE, %%FULL: their share of one CPU (%%HOST: / %d CPUs). "
			   "?: no estimate.\n", st->ncpus);
		print_wrap(f, top_dispatch_gaps(disp, line, sizeof(line)), 2, 80);
	}
	table_header(f, cols, ARRAY_SIZE(cols));
	for (int i = 0; i < n; i++) {
		const struct top_prog *p = v[i];
		char c[9][TOP_NAME_LEN];
		const char *cells[9];

		top_prog_cells(p, c[0], sizeof(c[0]), cols[3].width, cols[8].width);
		for (int k = 0; k < 9; k++)
			cells[k] = c[k];
		table_row(f, cols, ARRAY_SIZE(cols), cells);
		print_details(f, p, cols[2].width);
		/* AVG holds at most an empty program's AVG of the stats' cost */
		if (p->avg_ns < stats->cost_in_avg_max_ns) {
			size_t l = strlen(ids);

			if (l < sizeof(ids) - 16)
				snprintf(ids + l, sizeof(ids) - l, "%s%u", below ? ", " : "", p->id);
			below++;
		}
	}
	print_host(f, st);
	if (below) {
		snprintf(line, sizeof(line), "note: AVG of %s is below %.0f ns, the AVG of an empty "
			 "program under stats here (measured on a raw tracepoint): their hook "
			 "times less of the stats' own cost.", ids, stats->cost_in_avg_max_ns);
		print_wrap(f, line, 2, 80);
	}
	fputc('\n', f);
	fflush(f);
}

/* The JSON members of a program and of the host, in output order. */
#define PROG(key, kind, member) JF(key, kind, struct top_prog, member)
static const struct jfield prog_id_fields[] = {
	PROG("id", JF_U32, id),
	PROG("type", JF_CHARS, type_str),
	PROG("name", JF_CHARS, name),
	PROG("tag", JF_CHARS, tag),
};
static const struct jfield prog_cost_fields[] = {
	PROG("events_per_s", JF_DOUBLE, events_per_s),
	PROG("avg_ns", JF_DOUBLE, avg_ns),
	PROG("avg_ns_since_start", JF_DOUBLE, avg_ns_total),
	PROG("cpu_core_pct", JF_DOUBLE, cpu_core_pct),
	PROG("cpu_host_pct", JF_DOUBLE, cpu_host_pct),
	PROG("runs", JF_U64, d_run_cnt),
	PROG("run_time_ns", JF_U64, d_run_time_ns),
	PROG("run_cnt_total", JF_U64, run_cnt),
	PROG("run_time_ns_total", JF_U64, run_time_ns),
	PROG("recursion_misses_total", JF_U64, recursion_misses),
	PROG("recursion_misses", JF_U64, d_misses),
	PROG("hook", JF_CSTR, hook),
};
static const struct jfield prog_full_fields[] = {
	PROG("full_ns", JF_DOUBLE, full_ns),
	PROG("full_ns_since_start", JF_DOUBLE, full_ns_total),
	PROG("full_cpu_core_pct", JF_DOUBLE, full_core_pct),
	PROG("full_cpu_host_pct", JF_DOUBLE, full_host_pct),
};
#undef PROG
#define HOST(key, kind, member) JF(key, kind, struct top_host, member)
static const struct jfield host_fields[] = {
	HOST("programs", JF_INT, programs),
	HOST("programs_running", JF_INT, running),
	HOST("programs_without_estimate", JF_INT, unestimated),
	HOST("runs", JF_U64, runs),
	HOST("run_time_ns", JF_U64, run_time_ns),
	HOST("events_per_s", JF_DOUBLE, events_per_s),
	HOST("avg_ns", JF_DOUBLE, avg_ns),
	HOST("cpu_core_pct", JF_DOUBLE, cpu_core_pct),
	HOST("cpu_host_pct", JF_DOUBLE, cpu_host_pct),
	HOST("full_cpu_core_pct", JF_DOUBLE, full_core_pct),
	HOST("full_cpu_host_pct", JF_DOUBLE, full_host_pct),
};
#undef HOST
/* The sample itself; the monotonic times line up with other logs. */
#define SAMPLE(key, kind, member) JF(key, kind, struct top_state, member)
static const struct jfield sample_fields[] = {
	SAMPLE("interval_s", JF_DOUBLE, interval_s),
	SAMPLE("start_mono_ns", JF_U64, t_prev_ns),
	SAMPLE("end_mono_ns", JF_U64, t_now_ns),
	SAMPLE("online_cpus", JF_INT, ncpus),
	SAMPLE("programs_loaded", JF_INT, nprogs),
	SAMPLE("collect_cpu_ns", JF_U64, collect_cpu_ns),
	SAMPLE("holders_cpu_ns", JF_U64, holders_cpu_ns),
};
#undef SAMPLE

static json_object *prog_json(const struct top_prog *p)
{
	json_object *o = json_object_new_object(), *h = json_object_new_array();
	json_object *at = json_object_new_array();
	char buf[TOP_ATTACH_LEN], *tok, *save = NULL;

	JSET_FIELDS(o, p, prog_id_fields);
	snprintf(buf, sizeof(buf), "%s", p->attach);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		json_object_array_add(at, jstr(tok));
	jset(o, "attach", at);
	JSET_FIELDS(o, p, prog_cost_fields);
	jset_ci(o, "dispatch", "ns", p->dispatch_ns,
		!isnan(p->dispatch_lo_ns), p->dispatch_lo_ns, p->dispatch_hi_ns);
	jset(o, "dispatch_note", p->dispatch_note[0] ? jstr(p->dispatch_note) : NULL);
	JSET_FIELDS(o, p, prog_full_fields);
	for (int i = 0; i < p->nholders; i++) {
		json_object *x = json_object_new_object();

		jset(x, "pid", jint(p->holders[i].pid));
		jset(x, "comm", jstr(p->holders[i].comm));
		json_object_array_add(h, x);
	}
	jset(o, "holders", h);
	return o;
}

static json_object *host_json(const struct top_host *host)
{
	json_object *o = json_object_new_object();

	JSET_FIELDS(o, host, host_fields);
	return o;
}

static json_object *stats_json(const struct top_stats *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "enabled", json_object_new_boolean(s->on));
	json_object_object_add(o, "were_enabled", json_object_new_boolean(s->were_on));
	json_object_object_add(o, "method", jstr(s->method == STATS_FD ? "fd" : "sysctl"));
	json_object_object_add(o, "cost_ns_per_run", jnum(s->cost_ns));
	json_object_object_add(o, "cost_ci95", isnan(s->cost_lo_ns) ? NULL :
			       jpair(s->cost_lo_ns, s->cost_hi_ns));
	json_object_object_add(o, "cost_in_avg_max_ns", jnum(s->cost_in_avg_max_ns));
	json_object_object_add(o, "cost_note", jstr(s->cost_note));
	return o;
}

static void print_json(FILE *f, const struct top_state *st, const struct top_stats *stats,
		       const struct top_dispatch *disp, struct top_prog **v, int n,
		       long interval_no)
{
	json_object *root = json_object_new_object(), *arr = json_object_new_array();
	char when[32];

	now_iso(when, sizeof(when), true);
	json_object_object_add(root, "schema", jstr("bpfcost.top/1"));
	json_object_object_add(root, "version", jstr(BPFCOST_VERSION));
	json_object_object_add(root, "time", jstr(when));
	json_object_object_add(root, "interval", jint(interval_no));
	JSET_FIELDS(root, st, sample_fields);
	json_object_object_add(root, "stats", stats_json(stats));
	json_object_object_add(root, "dispatch", top_dispatch_json(disp));
	json_object_object_add(root, "host", host_json(&st->host));
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, prog_json(v[i]));
	json_object_object_add(root, "programs", arr);
	fprintf(f, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(f);
	json_object_put(root);
}

static void print_csv(FILE *f, const struct top_state *st, const struct top_stats *stats,
		      const struct top_dispatch *disp, struct top_prog **v, int n,
		      long interval_no)
{
	static const char *const hdr[] = {
		"time", "interval", "interval_s", "id", "type", "name", "tag", "attach",
		"events_per_s", "avg_ns", "avg_ns_since_start", "cpu_core_pct", "cpu_host_pct",
		"runs", "run_time_ns", "run_cnt_total", "run_time_ns_total", "recursion_misses_total",
		"holders", "stats_cost_ns_per_run", "hook", "dispatch_ns", "full_ns",
		"full_cpu_core_pct", "full_cpu_host_pct",
	};
	char when[32], c[25][48], hold[TOP_MAX_HOLDERS * 24];
	const char *cells[25];
	const struct top_host *h = &st->host;

	if (interval_no == 1)
		csv_row(f, hdr, ARRAY_SIZE(hdr));
	now_iso(when, sizeof(when), true);
	for (int i = 0; i < n; i++) {
		const struct top_prog *p = v[i];

		cells[0] = when;
		snprintf(c[1], 48, "%ld", interval_no);
		fmt_num(c[2], 48, st->interval_s, 3);
		snprintf(c[3], 48, "%u", p->id);
		cells[4] = p->type_str;
		cells[5] = p->name;
		cells[6] = p->tag;
		cells[7] = p->attach;
		fmt_num(c[8], 48, p->events_per_s, 1);
		fmt_num(c[9], 48, p->avg_ns, 1);
		fmt_num(c[10], 48, p->avg_ns_total, 1);
		fmt_num(c[11], 48, p->cpu_core_pct, 3);
		fmt_num(c[12], 48, p->cpu_host_pct, 3);
		snprintf(c[13], 48, "%llu", (unsigned long long)p->d_run_cnt);
		snprintf(c[14], 48, "%llu", (unsigned long long)p->d_run_time_ns);
		snprintf(c[15], 48, "%llu", (unsigned long long)p->run_cnt);
		snprintf(c[16], 48, "%llu", (unsigned long long)p->run_time_ns);
		snprintf(c[17], 48, "%llu", (unsigned long long)p->recursion_misses);
		cells[18] = top_holders_str(p, hold, sizeof(hold));
		fmt_num(c[19], 48, stats->cost_ns, 1);
		cells[20] = p->hook ? p->hook : "";
		fmt_num(c[21], 48, p->dispatch_ns, 1);
		fmt_num(c[22], 48, p->full_ns, 1);
		fmt_num(c[23], 48, p->full_core_pct, 3);
		fmt_num(c[24], 48, p->full_host_pct, 3);
		for (int k = 1; k < 25; k++)
			if (k < 4 || (k >= 8 && k <= 17) || k == 19 || k >= 21)
				cells[k] = c[k];
		csv_row(f, cells, 25);
	}
	/* the host total: every program, whatever the filter; id empty */
	for (int k = 0; k < 25; k++)
		cells[k] = "";
	cells[0] = when;
	snprintf(c[1], 48, "%ld", interval_no);
	fmt_num(c[2], 48, st->interval_s, 3);
	cells[4] = "total";
	snprintf(c[5], 48, "(all %d programs)", h->programs);
	fmt_num(c[8], 48, h->events_per_s, 1);
	fmt_num(c[9], 48, h->avg_ns, 1);
	fmt_num(c[11], 48, h->cpu_core_pct, 3);
	fmt_num(c[12], 48, h->cpu_host_pct, 3);
	snprintf(c[13], 48, "%llu", (unsigned long long)h->runs);
	snprintf(c[14], 48, "%llu", (unsigned long long)h->run_time_ns);
	fmt_num(c[19], 48, stats->cost_ns, 1);
	fmt_num(c[23], 48, h->full_core_pct, 3);
	fmt_num(c[24], 48, h->full_host_pct, 3);
	for (int k = 1; k < 25; k++)
		if (k <= 2 || k == 5 || k == 8 || k == 9 || (k >= 11 && k <= 14) || k == 19 || k >= 23)
			cells[k] = c[k];
	csv_row(f, cells, 25);
	fflush(f);
}

static int run_plain(struct top_state *st, struct top_stats *stats, struct top_dispatch *disp,
		     struct top_opts *o, FILE *f)
{
	struct top_prog **v = NULL;
	uint64_t next;
	int err;

	if ((err = top_sample(st)))
		return runtime_error("cannot enumerate BPF programs: %s", strerror(-err));
	next = st->t_now_ns;
	for (long i = 1; !o->count || i <= o->count; i++) {
		int n;

		next += (uint64_t)(o->interval_s * 1e9);
		/* stopped before the count it was asked for: interrupted,
		 * what was printed stays; a run without a count just ends */
		if (sleep_until_ns(next)) {
			free(v);
			return o->count ? EXIT_INTERRUPTED : 0;
		}
		if ((err = top_sample(st))) {
			free(v);
			return runtime_error("cannot enumerate BPF programs: %s", strerror(-err));
		}
		top_stats_refresh(stats);
		top_dispatch_poll(disp, false);
		top_dispatch_apply(disp, st);
		free(v);
		v = calloc(st->nprogs ? st->nprogs : 1, sizeof(*v));
		if (!v)
			return runtime_error("out of memory");
		n = top_view(st, &o->view, v);
		if (o->cli.fmt == OUT_JSON)
			print_json(f, st, stats, disp, v, n, i);
		else if (o->cli.fmt == OUT_CSV)
			print_csv(f, st, stats, disp, v, n, i);
		else
			print_table(f, st, stats, disp, v, n, i);
		if (ferror(f)) {
			free(v);
			return runtime_error("write failed: %s", strerror(errno));
		}
	}
	free(v);
	return 0;
}

int cmd_top(int argc, char **argv)
{
	struct top_opts o = { .interval_s = 1.0, .view.sort = TOP_COL_FULL_CPU,
			      .stats_method = STATS_AUTO, .calibrate = true };
	struct parse_ctx pc = { .o = &o };
	const struct argp argp = { options, parse_opt, NULL, doc, groups, NULL, NULL };
	struct top_stats stats = { .fd = -1, .sysctl_prev = -1, .cost_ns = NAN };
	struct top_dispatch disp;
	struct top_state st;
	struct webcfg web = { 0 };
	FILE *out = stdout;
	bool tui;
	int ret = 0;

	if (cli_parse(&argp, argc, argv, &pc, &o.cli))
		return EXIT_USAGE;
	if (pc.once && pc.count_set && o.count != 1)
		return usage_error("--once and -n %ld disagree (accepted: one of them)", o.count);
	if (pc.once)
		o.count = 1;
	top_dispatch_init(&disp);
	if (o.calib_file && (o.recalibrate || !o.calibrate))
		return usage_error("--calibration FILE gives the dispatch costs (accepted without "
				   "--recalibrate and --no-calibrate)");
	if (o.calib_file && top_dispatch_read_bench(&disp, o.calib_file))
		return EXIT_USAGE;
	if (o.prom_addr && (o.cli.fmt != OUT_TABLE || o.count || o.cli.out))
		return usage_error("--prometheus serves metrics until stopped (accepted without "
				   "--json, --csv, -o, -n, --once)");
	if (o.prom_addr) {
		char host[256], port[16];

		if (top_prom_parse_addr(o.prom_addr, host, sizeof(host), port, sizeof(port)))
			return usage_error("bad --prometheus '%s' (accepted: ADDR:PORT, [IPV6]:PORT, "
					   ":PORT, PORT; default 127.0.0.1:9464)", o.prom_addr);
	}
	if (o.web_config && !o.prom_addr)
		return usage_error("--web-config goes with --prometheus (accepted: both, or neither)");
	if (o.web_config) {
		char err[512];

		if (webcfg_load(o.web_config, &web, err, sizeof(err)))
			return usage_error("bad --web-config %s", err);
	}
	tui = !o.prom_addr && o.cli.fmt == OUT_TABLE && !o.count && !o.cli.out && isatty(STDOUT_FILENO);
	if ((ret = require_privileges(NEED_SYS_ADMIN, "to list every loaded program by id and "
				      "turn BPF stats on")))
		return ret;
	{
		char miss[96];

		/* the exporter names no holders (pids are not metrics) */
		if (!o.prom_addr && *privs_missing(NEED_PTRACE | NEED_DAC_READ, miss, sizeof(miss)))
			warn_msg("without %s, the processes holding a program are found among "
				 "this user's own only", miss);
	}
	top_state_init(&st, !o.prom_addr);

	if (o.cli.out) {
		out = fopen(o.cli.out, "w");
		if (!out) {
			out = stdout;
			ret = runtime_error("cannot write %s: %s", o.cli.out, strerror(errno));
			goto cleanup;
		}
	}
	if ((ret = top_stats_enable(&stats, o.stats_method)))
		goto cleanup;
	if (o.calibrate)
		top_stats_calibrate(&stats);
	else
		top_stats_release(&stats);
	if (stop_requested)
		goto cleanup;
	top_dispatch_start(&disp, o.calibrate, o.recalibrate, &stats);
	info_msg("%s", top_stats_line(&stats, (char[256]){ 0 }, 256));
	/* A run that prints a fixed number of intervals waits for the
	 * calibration, so that what it prints has the full cost; a live
	 * view shows "calibrating" meanwhile. */
	if (disp.state == DISP_CALIBRATING && !o.prom_addr && !tui) {
		if (isatty(STDERR_FILENO) || verbose)
			fprintf(stderr, "bpfcost top: calibrating the hooks' dispatch costs on this "
				"host (a few seconds, once: cached in %s)\n", disp.path);
		top_dispatch_poll(&disp, true);
		if (stop_requested) {
			ret = o.count ? EXIT_INTERRUPTED : 0;
			goto cleanup;
		}
	}

	if (o.prom_addr)
		ret = top_prom_run(&stats, &disp, o.prom_addr, o.web_config ? &web : NULL);
	else if (tui)
		ret = top_tui_run(&st, &stats, &disp, &o.view, o.interval_s);
	if (ret == TOP_TUI_NO_TERMINAL || (!o.prom_addr && !tui))
		ret = run_plain(&st, &stats, &disp, &o, out);

cleanup:
	top_dispatch_stop(&disp);
	top_state_free(&st);
	webcfg_free(&web);
	top_stats_restore(&stats);
	if (out != stdout && fclose(out) && !ret)
		ret = runtime_error("cannot write %s: %s", o.cli.out, strerror(errno));
	return ret;
}
