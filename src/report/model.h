/* SPDX-License-Identifier: GPL-2.0 */
/* The model behind `report`: loaded rows grouped into configurations
 * (workload x hook x body on one host), each with the numbers the decision
 * matrix, the budget and the verdict need, and each host's best
 * configuration, whose verdict is the host's. */
#ifndef BPFCOST_REPORT_MODEL_H
#define BPFCOST_REPORT_MODEL_H

#include "core/budget_model.h"
#include "report/load.h"

struct cfg {
	int host;
	const char *workload, *hook, *body;
	const struct rp_bench_row *bench;  /* NULL: sweep only */
	bool ok;                           /* measured (not unsupported/failed) */
	bool emits;                        /* has an output path (events to lose) */
	const char *status, *reason;
	double est_ns, ci_lo, ci_hi;       /* the bench's estimate with its interval */
	double mean_ns;                    /* mean added per event: the CPU cost */
	double p50_added, p99_added;
	bool p99_backlog;                  /* p99 from a sweep point behind schedule */
	double cpu_pct;                    /* system overhead at b.rate_per_s */
	bool cpu_from_sweep;
	double loss_pct;                   /* at b.rate_per_s */
	double loss_100k;
	struct verdict_result v;
	bool candidate;                    /* judged for the host's verdict */
};

struct rp_model {
	struct cfg *c;
	int n;
	int *best;                         /* per host: index into c, or -1 */
};

/* Group d's rows and judge every configuration against b (bench rows run
 * under a background load are not configurations: they are set beside
 * the quiet ones in their own section). Returns 0 or -1 (out of memory). */
int rp_model_build(struct rp_model *m, const struct rp_data *d, const struct budget *b);
void rp_model_free(struct rp_model *m);
/* Index of a configuration, or -1. */
int rp_model_find(const struct rp_model *m, int host, const char *w, const char *h, const char *b);
/* The host's verdict (its best configuration's), V_UNKNOWN without one. */
enum verdict rp_model_host_verdict(const struct rp_model *m, const struct rp_data *d, int host);

/* The sweep point of c closest to rate_per_s (within 25 %), or NULL. */
const struct rp_sweep_point *rp_point_near(const struct rp_data *d, const struct cfg *c,
					   double rate_per_s);
/* CPUs in the formula: the budget's cpus=, else the host's online CPUs. */
double rp_host_cpus(const struct rp_data *d, const struct budget *b, int host);
bool rp_same(const char *a, const char *b); /* NULL equals "-" */
bool rp_status_ok(const char *status);    /* NULL or "ok" */

#endif
