/* SPDX-License-Identifier: GPL-2.0 */
/* The overhead budget: the guide's CPU formula, its table of safe thresholds
 * per service type, and the directive's GREEN / YELLOW / RED go/no-go.
 * Shared by `budget`, `report` and `sweep` so the numbers agree. */
#ifndef BPFCOST_BUDGET_MODEL_H
#define BPFCOST_BUDGET_MODEL_H

#include <stdbool.h>
#include <stddef.h>

/* overhead-guide.md, "Manual CPU overhead calculation":
 *   Overhead % = events_per_sec x avg_ns / (1e9 x num_cpus) x 100
 * NaN when an input is missing or cpus < 1. */
double overhead_pct(double rate_per_s, double ns_per_event, double cpus);
/* The inverse: the highest event rate that stays within max_pct. */
double max_rate_for_pct(double max_pct, double ns_per_event, double cpus);
/* ns per event that max_pct allows at rate_per_s on cpus. */
double ns_budget_per_event(double max_pct, double rate_per_s, double cpus);

/* overhead-guide.md, "Production Overhead Thresholds". */
struct service_type {
	const char *name;
	const char *notes;
	double max_cpu_pct;
	double max_latency_ns; /* added per request; INFINITY for "Any" */
};
extern const struct service_type service_types[];
extern const int n_service_types;

/* The go/no-go thresholds. Defaults are the directive's: GREEN below
 * p99 1000 ns, CPU 1 %, loss 0.01 % at 10K events/s; YELLOW up to
 * 2000 ns, 3 %; the directive gives no YELLOW bound for loss, we use 1 %. */
struct budget {
	double p99_ns, p99_yellow_ns;     /* added p99 latency per event */
	double cpu_pct, cpu_yellow_pct;   /* system overhead % */
	double loss_pct, loss_yellow_pct; /* events lost % */
	double rate_per_s;                /* the rate the budget is judged at */
	double cpus;                      /* 0: the host's online CPUs */
};

void budget_defaults(struct budget *b);
/* "p99=1000,cpu=1,loss=0.01,rate=10k,p99y=2000,cpuy=3,lossy=1,cpus=8".
 * Keys not given keep their value. Returns 0, or -1 with one line in err. */
int budget_parse(const char *spec, struct budget *b, char *err, size_t errlen);
/* The accepted syntax, for --help and error messages. */
extern const char budget_spec_help[];

/* parse_num_suffix() is in util.h */

enum verdict { V_UNKNOWN = 0, V_GREEN, V_YELLOW, V_RED };
const char *verdict_name(enum verdict v);

/* One metric against its two bounds; NaN is V_UNKNOWN. */
enum verdict verdict_metric(double value, double green_below, double yellow_upto);

struct verdict_result {
	enum verdict level;       /* worst of the measured metrics */
	enum verdict p99, cpu, loss;
	char why[512];            /* the numbers that decided it */
};

/* Judge p99 added (ns), system overhead (%) and loss (%) measured at
 * b->rate_per_s. Missing numbers are NaN: they are named as not measured
 * and the level rests on the others (V_UNKNOWN if none was measured).
 * loss_na: the configuration has no output path, so nothing can be lost. */
void verdict_judge(const struct budget *b, double p99_ns, double cpu_pct, double loss_pct,
		   bool loss_na, struct verdict_result *out);

/* Short rate text: 10000 -> "10K", 1500000 -> "1.5M". */
const char *fmt_rate(char *buf, size_t len, double rate_per_s);

#endif
