// SPDX-License-Identifier: GPL-2.0
/* bpfcost budget: what a probe's per-event cost means for the whole system,
 * by the guide's formula, against its table of safe thresholds. */
#include "core/budget_model.h"
#include "base/cli.h"
#include "cmd/commands.h"
#include "base/output.h"
#include "base/util.h"

#include <argp.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct budget_args {
	struct cli_common cli; /* --json, -o */
	double rate_per_s, ns_per_event, cpus, per_request;
	bool have_rate, have_ns;
};

static const char budget_doc[] =
	"System overhead of a probe by the guide's formula.\n"
	"\n"
	"USAGE: bpfcost budget --rate R --ns NS [--cpus N] [--per-request N] [--json]\n"
	"\n"
	"  overhead % = events/s x ns/event / (1e9 x CPUs) x 100\n"
	"and where that falls in the guide's table of safe thresholds per service\n"
	"type, with the highest rate each type allows at this cost.\n"
	"\n"
	"EXAMPLES:\n"
	"  bpfcost budget --rate 50k --ns 500 --cpus 8        # 0.31 %\n"
	"  bpfcost budget --rate 10k --ns 210 --per-request 40 --json\n";

static const struct argp_option budget_opts[] = {
	{ "rate", 'r', "EVENTS/S", 0, "events per second (10k, 1.5m)" },
	{ "ns", 'n', "NS", 0, "cost of one event in ns (e.g. bench's overhead_ns)" },
	{ "cpus", 'c', "N", 0, "CPUs sharing the load (default: online CPUs)" },
	{ "per-request", 'p', "N", 0, "events per request, for latency added per request (default 1)" },
	{},
};

static const struct argp_child budget_groups[] = {
	CLI_OUTPUT_GROUP(CLI_OPT_JSON_J("JSON (schema bpfcost.budget/1)"),
		CLI_OPT_OUTPUT("write to FILE instead of stdout"),
		CLI_OPT_VERBOSE("more detail")),
	{},
};

static error_t budget_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct budget_args *a = state->input;
	double v;

	switch (key) {
	case 'r':
		if (parse_num_suffix(arg, &v) || v <= 0)
			usage_error("--rate: '%s' is not a rate > 0 (e.g. 50k)", arg);
		a->rate_per_s = v;
		a->have_rate = true;
		break;
	case 'n':
		if (parse_num_suffix(arg, &v))
			usage_error("--ns: '%s' is not a number of ns >= 0", arg);
		a->ns_per_event = v;
		a->have_ns = true;
		break;
	case 'c':
		if (parse_num_suffix(arg, &v) || v < 1 || v != floor(v))
			usage_error("--cpus: '%s' is not a whole number >= 1", arg);
		a->cpus = v;
		break;
	case 'p':
		if (parse_num_suffix(arg, &v) || v <= 0)
			usage_error("--per-request: '%s' is not a number > 0", arg);
		a->per_request = v;
		break;
	case ARGP_KEY_ARG:
		usage_error("unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (!a->have_rate || !a->have_ns)
			usage_error("--rate and --ns are required (e.g. --rate 50k --ns 500)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int cmd_budget(int argc, char **argv)
{
	struct budget_args a = { .per_request = 1 };
	struct argp argp = { budget_opts, budget_parse_opt, NULL, budget_doc, budget_groups };
	struct budget dir;
	double pct, latency_ns;
	enum verdict level;
	const char *fits_name = NULL;
	FILE *out = stdout;
	json_object *root = NULL;
	int ret = 0;

	if (cli_parse(&argp, argc, argv, &a, &a.cli))
		return EXIT_USAGE;
	if (a.cpus == 0)
		a.cpus = online_cpus() > 0 ? online_cpus() : 1;
	budget_defaults(&dir);
	pct = overhead_pct(a.rate_per_s, a.ns_per_event, a.cpus);
	latency_ns = a.ns_per_event * a.per_request;
	level = verdict_metric(pct, dir.cpu_pct, dir.cpu_yellow_pct);
	for (int i = 0; i < n_service_types; i++) {
		if (pct < service_types[i].max_cpu_pct && latency_ns < service_types[i].max_latency_ns) {
			fits_name = service_types[i].name;
			break;
		}
	}

	if (a.cli.fmt == OUT_JSON) {
		json_object *types = json_object_new_array();

		root = json_object_new_object();
		json_object_object_add(root, "schema", jstr("bpfcost.budget/1"));
		json_object_object_add(root, "formula",
				       jstr("overhead_pct = rate_per_s * ns_per_event / (1e9 * cpus) * 100"));
		json_object_object_add(root, "rate_per_s", jnum(a.rate_per_s));
		json_object_object_add(root, "ns_per_event", jnum(a.ns_per_event));
		json_object_object_add(root, "cpus", jnum(a.cpus));
		json_object_object_add(root, "events_per_request", jnum(a.per_request));
		json_object_object_add(root, "overhead_pct", jnum(pct));
		json_object_object_add(root, "latency_added_per_request_ns", jnum(latency_ns));
		json_object_object_add(root, "strictest_fit", jstr(fits_name));
		for (int i = 0; i < n_service_types; i++) {
			const struct service_type *s = &service_types[i];
			json_object *t = json_object_new_object();

			json_object_object_add(t, "name", jstr(s->name));
			json_object_object_add(t, "notes", jstr(s->notes));
			json_object_object_add(t, "max_cpu_pct", jnum(s->max_cpu_pct));
			json_object_object_add(t, "max_latency_ns", jnum(s->max_latency_ns));
			json_object_object_add(t, "fits", json_object_new_boolean(
				pct < s->max_cpu_pct && latency_ns < s->max_latency_ns));
			json_object_object_add(t, "max_rate_per_s",
					       jnum(max_rate_for_pct(s->max_cpu_pct, a.ns_per_event, a.cpus)));
			json_object_array_add(types, t);
		}
		json_object_object_add(root, "service_types", types);
		json_object *d = json_object_new_object();
		json_object_object_add(d, "level", jstr(verdict_name(level)));
		json_object_object_add(d, "cpu_green_below_pct", jnum(dir.cpu_pct));
		json_object_object_add(d, "cpu_yellow_upto_pct", jnum(dir.cpu_yellow_pct));
		json_object_object_add(root, "directive_cpu", d);
		ret = json_write(root, a.cli.out);
		if (ret)
			ret = runtime_error("cannot write %s: %s", a.cli.out, strerror(-ret));
		goto cleanup;
	}

	if (a.cli.out && strcmp(a.cli.out, "-")) {
		out = fopen(a.cli.out, "w");
		if (!out) {
			ret = runtime_error("cannot write %s: %m", a.cli.out);
			out = NULL;
			goto cleanup;
		}
	}
	{
		static const struct table_col cols[] = {
			{ "SERVICE TYPE", 30, true }, { "MAX CPU %", 9 }, { "MAX ADDED/REQ", 13 },
			{ "FITS", 4, true }, { "MAX RATE/s", 10 },
		};
		char r[32], c1[32], c2[32], c3[32];

		fprintf(out, "Overhead = (%s x %s) / (1e9 x %s) x 100 = %s%%\n",
			fmt_num(c1, sizeof(c1), a.rate_per_s, 0), fmt_num(c2, sizeof(c2), a.ns_per_event, 1),
			fmt_num(c3, sizeof(c3), a.cpus, 0), fmt_num(r, sizeof(r), pct, pct < 0.01 ? 4 : 2));
		if (a.per_request != 1)
			fprintf(out, "Latency added per request: %s events x %s ns = %s ns\n",
				fmt_num(c1, sizeof(c1), a.per_request, 0),
				fmt_num(c2, sizeof(c2), a.ns_per_event, 1),
				fmt_num(c3, sizeof(c3), latency_ns, 0));
		fprintf(out, "\n");
		table_header(out, cols, ARRAY_SIZE(cols));
		for (int i = 0; i < n_service_types; i++) {
			const struct service_type *s = &service_types[i];
			char mc[16], ml[24], mr[24];
			bool fits = pct < s->max_cpu_pct && latency_ns < s->max_latency_ns;
			const char *cells[5];

			fmt_num(mc, sizeof(mc), s->max_cpu_pct, 1);
			if (isinf(s->max_latency_ns))
				snprintf(ml, sizeof(ml), "any");
			else if (s->max_latency_ns >= 1e6)
				snprintf(ml, sizeof(ml), "%.0f ms", s->max_latency_ns / 1e6);
			else
				snprintf(ml, sizeof(ml), "%.0f us", s->max_latency_ns / 1e3);
			fmt_rate(mr, sizeof(mr), max_rate_for_pct(s->max_cpu_pct, a.ns_per_event, a.cpus));
			cells[0] = s->name;
			cells[1] = mc;
			cells[2] = ml;
			cells[3] = fits ? "yes" : "no";
			cells[4] = mr;
			table_row(out, cols, ARRAY_SIZE(cols), cells);
		}
		fprintf(out, "\n");
		if (fits_name)
			fprintf(out, "Falls within: %s (the strictest type it meets).\n", fits_name);
		else
			fprintf(out, "Falls within no service type of the guide's table.\n");
		fprintf(out, "Directive go/no-go, CPU part: %s (GREEN < %.0f%%, YELLOW <= %.0f%%).\n",
			verdict_name(level), dir.cpu_pct, dir.cpu_yellow_pct);
	}

cleanup:
	if (out && out != stdout)
		fclose(out);
	json_object_put(root);
	return ret;
}
