// SPDX-License-Identifier: GPL-2.0
#include "core/budget_model.h"
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double overhead_pct(double rate_per_s, double ns_per_event, double cpus)
{
	if (!isfinite(rate_per_s) || !isfinite(ns_per_event) || !isfinite(cpus) || cpus < 1)
		return NAN;
	return rate_per_s * ns_per_event / (1e9 * cpus) * 100.0;
}

double max_rate_for_pct(double max_pct, double ns_per_event, double cpus)
{
	if (!isfinite(max_pct) || !isfinite(ns_per_event) || !isfinite(cpus) || cpus < 1)
		return NAN;
	if (ns_per_event <= 0)
		return INFINITY;
	return max_pct / 100.0 * 1e9 * cpus / ns_per_event;
}

double ns_budget_per_event(double max_pct, double rate_per_s, double cpus)
{
	if (!isfinite(max_pct) || !isfinite(rate_per_s) || !isfinite(cpus) || cpus < 1 ||
	    rate_per_s <= 0)
		return NAN;
	return max_pct / 100.0 * 1e9 * cpus / rate_per_s;
}

const struct service_type service_types[] = {
	{ "Latency-sensitive (P99 <10ms)", "Trading, real-time APIs", 0.5, 50e3 },
	{ "Standard web services", "Most HTTP services", 1.0, 200e3 },
	{ "Batch processing", "ETL, analytics", 3.0, 1e6 },
	{ "Development/staging", "Comprehensive tracing OK", 10.0, INFINITY },
};
const int n_service_types = sizeof(service_types) / sizeof(service_types[0]);

void budget_defaults(struct budget *b)
{
	b->p99_ns = 1000;
	b->p99_yellow_ns = 2000;
	b->cpu_pct = 1;
	b->cpu_yellow_pct = 3;
	b->loss_pct = 0.01;
	b->loss_yellow_pct = 1;
	b->rate_per_s = 10000;
	b->cpus = 0;
}

const char budget_spec_help[] =
	"KEY=VALUE,... with keys p99, p99y (ns), cpu, cpuy, loss, lossy (%), rate (events/s, "
	"10k), cpus";


int budget_parse(const char *spec, struct budget *b, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "p99", offsetof(struct budget, p99_ns) },
		{ "p99y", offsetof(struct budget, p99_yellow_ns) },
		{ "cpu", offsetof(struct budget, cpu_pct) },
		{ "cpuy", offsetof(struct budget, cpu_yellow_pct) },
		{ "loss", offsetof(struct budget, loss_pct) },
		{ "lossy", offsetof(struct budget, loss_yellow_pct) },
		{ "rate", offsetof(struct budget, rate_per_s) },
		{ "cpus", offsetof(struct budget, cpus) },
	};
	char *copy, *tok, *save = NULL;
	int ret = 0, nkeys = 0;

	if (!spec || !*spec) {
		snprintf(err, errlen, "empty budget (accepted: %s)", budget_spec_help);
		return -1;
	}
	copy = strdup(spec);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		size_t k;
		double v;

		if (!eq) {
			snprintf(err, errlen, "'%s' is not KEY=VALUE (accepted: %s)", tok,
				 budget_spec_help);
			ret = -1;
			break;
		}
		*eq = '\0';
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(tok, keys[k].key))
				break;
		if (k == sizeof(keys) / sizeof(keys[0])) {
			snprintf(err, errlen, "unknown budget key '%s' (accepted: %s)", tok,
				 budget_spec_help);
			ret = -1;
			break;
		}
		if (parse_num_suffix(eq + 1, &v)) {
			snprintf(err, errlen, "budget %s: '%s' is not a number >= 0", tok, eq + 1);
			ret = -1;
			break;
		}
		*(double *)((char *)b + keys[k].off) = v;
		nkeys++;
	}
	free(copy);
	if (!ret && !nkeys) {
		snprintf(err, errlen, "empty budget (accepted: %s)", budget_spec_help);
		ret = -1;
	}
	if (ret)
		return ret;
	/* A GREEN bound given alone lifts its YELLOW bound along, so that
	 * "p99=3000" does not leave YELLOW below GREEN. */
	if (b->p99_yellow_ns < b->p99_ns)
		b->p99_yellow_ns = b->p99_ns;
	if (b->cpu_yellow_pct < b->cpu_pct)
		b->cpu_yellow_pct = b->cpu_pct;
	if (b->loss_yellow_pct < b->loss_pct)
		b->loss_yellow_pct = b->loss_pct;
	if (b->rate_per_s <= 0) {
		snprintf(err, errlen, "budget rate must be > 0");
		return -1;
	}
	return 0;
}

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case V_GREEN: return "GREEN";
	case V_YELLOW: return "YELLOW";
	case V_RED: return "RED";
	default: return "UNKNOWN";
	}
}

enum verdict verdict_metric(double value, double green_below, double yellow_upto)
{
	if (!isfinite(value))
		return V_UNKNOWN;
	if (value < green_below)
		return V_GREEN;
	if (value <= yellow_upto)
		return V_YELLOW;
	return V_RED;
}

const char *fmt_rate(char *buf, size_t len, double r)
{
	if (!isfinite(r))
		snprintf(buf, len, "-");
	else if (r >= 1e6)
		snprintf(buf, len, "%.3gM", r / 1e6);
	else if (r >= 1e3)
		snprintf(buf, len, "%.3gK", r / 1e3);
	else
		snprintf(buf, len, "%.3g", r);
	return buf;
}

static const char *cmp_word(enum verdict v)
{
	return v == V_GREEN ? "<" : v == V_YELLOW ? "<=" : ">";
}

/* "p99 +850 ns < 1000" and the like, appended to why. */
static void add_reason(char *why, size_t len, const char *what, double value, const char *unit,
		       int decimals, enum verdict v, double green, double yellow)
{
	size_t off = strlen(why);

	if (off >= len - 1)
		return;
	if (off)
		off += snprintf(why + off, len - off, "; ");
	if (off >= len - 1)
		return;
	if (v == V_UNKNOWN)
		snprintf(why + off, len - off, "%s not measured", what);
	else
		snprintf(why + off, len - off, "%s %.*f%s %s %g%s", what, decimals, value, unit,
			 cmp_word(v), v == V_GREEN ? green : yellow, unit);
}

void verdict_judge(const struct budget *b, double p99_ns, double cpu_pct, double loss_pct,
		   bool loss_na, struct verdict_result *out)
{
	char rate[32];
	enum verdict worst = V_UNKNOWN;
	char label[64];

	memset(out, 0, sizeof(*out));
	if (loss_na)
		loss_pct = NAN;
	out->p99 = verdict_metric(p99_ns, b->p99_ns, b->p99_yellow_ns);
	out->cpu = verdict_metric(cpu_pct, b->cpu_pct, b->cpu_yellow_pct);
	out->loss = verdict_metric(loss_pct, b->loss_pct, b->loss_yellow_pct);
	if (out->p99 > worst)
		worst = out->p99;
	if (out->cpu > worst)
		worst = out->cpu;
	if (out->loss > worst)
		worst = out->loss;
	out->level = worst;

	fmt_rate(rate, sizeof(rate), b->rate_per_s);
	add_reason(out->why, sizeof(out->why), "p99 added", p99_ns, " ns", 0, out->p99, b->p99_ns,
		   b->p99_yellow_ns);
	snprintf(label, sizeof(label), "CPU at %s/s", rate);
	add_reason(out->why, sizeof(out->why), label, cpu_pct, "%", 3, out->cpu, b->cpu_pct,
		   b->cpu_yellow_pct);
	if (loss_na) {
		size_t off = strlen(out->why);

		out->loss = V_UNKNOWN;
		snprintf(out->why + off, sizeof(out->why) - off, "%sloss n/a (no output path)",
			 off ? "; " : "");
		return;
	}
	snprintf(label, sizeof(label), "loss at %s/s", rate);
	add_reason(out->why, sizeof(out->why), label, loss_pct, "%", 3, out->loss, b->loss_pct,
		   b->loss_yellow_pct);
}
