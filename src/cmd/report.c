// SPDX-License-Identifier: GPL-2.0
/* bpfcost report: the directive's deliverables (per-probe results, scaling,
 * decision matrix, budget validation, GREEN / YELLOW / RED verdict,
 * recommendations, charts) from the JSON that bench, sweep, app, measure
 * and lab write. Markdown or HTML; charts by gnuplot as SVG files. */
#include "core/budget_model.h"
#include "base/cli.h"
#include "cmd/commands.h"
#include "report/chart.h"
#include "report/doc.h"
#include "report/load.h"
#include "report/sections.h"
#include "base/util.h"

#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_FILES 256

struct report_args {
	struct cli_common cli; /* -o */
	const char *paths[MAX_FILES];
	int npaths;
	const char *budget_spec;
	const char *format;     /* "md", "html", NULL: from -o's extension */
	bool no_charts;
	struct budget b;
};

static const char report_doc_str[] =
	"Report, decision matrix, budget validation and verdict from results.\n"
	"\n"
	"USAGE: bpfcost report FILE|DIR... [-o report.md|report.html] [--budget SPEC]\n"
	"\n"
	"Reads any mix of bpfcost.bench/1, sweep/1, app/1, measure/1, lab/1 and\n"
	"check/1 or study/1 JSON files, or directories of them (a study's: every\n"
	"*.json with one of those schemas), from one or several hosts and kernels\n"
	"(grouped by hostname and kernel; several kernels are shown side by side),\n"
	"and writes Markdown (default) or HTML (-o NAME.html). Charts are drawn by\n"
	"gnuplot as SVG files next to the report (NAME-*.svg).\n"
	"\n"
	"Verdict (the directive's go/no-go, per host, on its best configuration\n"
	"that emits events): GREEN when p99 added < 1000 ns, system CPU < 1% and\n"
	"loss < 0.01% at 10K events/s; YELLOW up to 2000 ns, 3%, 1%; RED beyond.\n"
	"--budget changes the bounds: KEY=VALUE,... with p99, p99y (ns; GREEN and\n"
	"YELLOW bounds), cpu, cpuy, loss, lossy (%), rate (events/s, 10k), cpus\n"
	"(default: each host's online CPUs).\n"
	"\n"
	"EXAMPLES:\n"
	"  bpfcost report bench.json sweep.json -o report.html\n"
	"  bpfcost report hostA/*.json hostB/*.json -o cmp.md\n"
	"  bpfcost report build/vmtest/results/*/{check,bench,sweep}.json\n"
	"  bpfcost report study-hostA/ study-hostB/ -o hosts.html   # two studies\n"
	"  bpfcost report bench.json --budget p99=500,cpu=0.5,rate=50k,cpus=8\n";

static const struct argp_option report_opts[] = {
	{ "budget", 'b', "SPEC", 0, "verdict bounds, e.g. p99=1000,cpu=1,loss=0.01,rate=10k,p99y=2000,cpuy=3" },
	{ "format", 'f', "md|html", 0, "output format (default: from -o's extension)" },
	{ "no-charts", 'n', NULL, 0, "do not draw charts" },
	{},
};

static const struct argp_child report_groups[] = {
	CLI_OUTPUT_GROUP(
		CLI_OPT_OUTPUT("write the report to FILE (.md or .html); default: Markdown on stdout"),
		CLI_OPT_VERBOSE("more detail")),
	{},
};

static error_t report_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct report_args *a = state->input;
	char err[512];

	switch (key) {
	case 'b':
		if (budget_parse(arg, &a->b, err, sizeof(err)))
			usage_error("--budget: %s", err);
		a->budget_spec = arg;
		break;
	case 'f':
		if (strcmp(arg, "md") && strcmp(arg, "html"))
			usage_error("--format: '%s' (accepted: md, html)", arg);
		a->format = arg;
		break;
	case 'n': a->no_charts = true; break;
	case ARGP_KEY_ARG: cli_file(arg, a->paths, &a->npaths, MAX_FILES); break;
	case ARGP_KEY_END:
		if (!a->npaths)
			usage_error("no result files (give bench, sweep, app, measure, lab, check or study "
				    "JSON files, or a study's directory)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static bool ends_with(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n >= m && !strcasecmp(s + n - m, sfx);
}

int cmd_report(int argc, char **argv)
{
	struct report_args a = { 0 };
	struct argp argp = { report_opts, report_parse_opt, "FILE...", report_doc_str, report_groups };
	struct rp_data d = { 0 };
	struct chart_ctx ch;
	struct rp_ctx ctx = { 0 };
	bool html, charts = false;
	char err[1024];
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = NULL;
	int ret = 0;

	memset(&ch, 0, sizeof(ch));
	budget_defaults(&a.b);
	if (cli_parse(&argp, argc, argv, &a, &a.cli))
		return EXIT_USAGE;
	if (a.format)
		html = !strcmp(a.format, "html");
	else
		html = a.cli.out && (ends_with(a.cli.out, ".html") || ends_with(a.cli.out, ".htm"));

	if (a.cli.out && strcmp(a.cli.out, "-")) {
		/* fail before any work (and before charts) if the report cannot be written */
		char dir[1024];
		const char *slash = strrchr(a.cli.out, '/');

		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - a.cli.out) + 1 : 1,
			 slash ? a.cli.out : ".");
		if (access(dir, W_OK)) {
			ret = runtime_error("cannot write %s: %m", a.cli.out);
			goto cleanup;
		}
	}
	for (int i = 0; i < a.npaths; i++) {
		if (rp_load_path(&d, a.paths[i], err, sizeof(err))) {
			ret = runtime_error("%s", err);
			goto cleanup;
		}
	}

	ctx.d = &d;
	ctx.b = a.b;
	ctx.budget_spec = a.budget_spec;
	ctx.doc = doc_new();
	if (!ctx.doc) {
		ret = runtime_error("out of memory");
		goto cleanup;
	}
	if (a.no_charts) {
		ctx.charts_off_why = "not drawn (--no-charts)";
	} else if (chart_begin(&ch, a.cli.out)) {
		ctx.charts_off_why = ch.why_off;
		if (a.cli.out && strcmp(a.cli.out, "-"))
			warn_msg("%s", ch.why_off);
	} else {
		ctx.ch = &ch;
		charts = true;
	}
	if (report_build(&ctx)) {
		ret = runtime_error("out of memory");
		goto cleanup;
	}
	if (charts && ch.failed)
		warn_msg("%d chart%s not drawn: %s", ch.failed, ch.failed == 1 ? "" : "s", ch.last_err);

	mem = open_memstream(&buf, &len);
	if (!mem) {
		ret = runtime_error("out of memory");
		goto cleanup;
	}
	if (html ? doc_write_html(ctx.doc, mem, "bpfcost report") : doc_write_md(ctx.doc, mem)) {
		ret = runtime_error("cannot render the report");
		goto cleanup;
	}
	if (fclose(mem)) {
		mem = NULL;
		ret = runtime_error("out of memory");
		goto cleanup;
	}
	mem = NULL;
	if (!a.cli.out || !strcmp(a.cli.out, "-")) {
		fwrite(buf, 1, len, stdout);
		fflush(stdout);
	} else {
		int rc = write_file_atomic(a.cli.out, buf, len);

		if (rc) {
			ret = runtime_error("cannot write %s: %s", a.cli.out, strerror(-rc));
			goto cleanup;
		}
		report_summary_lines(&ctx, stdout, a.cli.out);
		if (charts)
			info_msg("%d chart%s drawn", ch.drawn, ch.drawn == 1 ? "" : "s");
	}

cleanup:
	if (mem)
		fclose(mem);
	free(buf);
	chart_end(&ch);
	doc_free(ctx.doc);
	report_free(&ctx);
	rp_free(&d);
	return ret;
}
