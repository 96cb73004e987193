/* SPDX-License-Identifier: GPL-2.0 */
/* One statistics module: log-linear latency histograms, percentiles,
 * means with Student-t 95% intervals, medians. */
#ifndef BPFCOST_STATS_H
#define BPFCOST_STATS_H

#include <stdint.h>

/* 1 ns buckets below 1024 ns, then 128 buckets per power of two (< 0.8%
 * wide) up to 2^48 ns: p99.9 stays honest without keeping every sample. */
#define HIST_LINEAR 1024
#define HIST_SUB_BITS 7
#define HIST_MAX_EXP 48
#define HIST_BUCKETS (HIST_LINEAR + (HIST_MAX_EXP - 10) * (1 << HIST_SUB_BITS))

struct hist {
	uint64_t n;
	uint64_t max_ns;
	double sum_ns;
	uint64_t counts[HIST_BUCKETS];
};

void hist_reset(struct hist *h);
int hist_bucket(uint64_t v_ns);
uint64_t hist_bucket_lo(int b);
uint64_t hist_bucket_hi(int b); /* exclusive */
static inline void hist_add(struct hist *h, uint64_t v_ns)
{
	h->counts[hist_bucket(v_ns)]++;
	h->n++;
	h->sum_ns += (double)v_ns;
	if (v_ns > h->max_ns)
		h->max_ns = v_ns;
}
void hist_merge(struct hist *dst, const struct hist *src);
/* Value at quantile q (0..1): the midpoint of the bucket holding the
 * ceil(q*n)-th sample; NaN when empty. */
double hist_quantile(const struct hist *h, double q);
double hist_mean(const struct hist *h);

/* Two-sided 95% Student t quantile for df degrees of freedom. */
double t_975(int df);

struct summary {
	int n;
	double mean, sd;
	double ci_lo, ci_hi; /* 95% interval of the mean (t) */
	double median;
	double min, max;
};
/* Summarize n values (n >= 1; interval NaN when n < 2). */
void summarize(const double *x, int n, struct summary *s);
double median_of(const double *x, int n); /* does not modify x */
/* Hodges-Lehmann estimate of the centre of paired differences d (the
 * median of all Walsh averages) with its 95% interval from the Wilcoxon
 * signed-rank distribution (normal approximation). Robust to the odd trial
 * another process disturbed, nearly as efficient as the mean otherwise.
 * lo/hi are NaN for n < 6. */
void hodges_lehmann(const double *d, int n, double *est, double *lo, double *hi);
/* The centre of n values with its 95% interval: Hodges-Lehmann from 6
 * values on (robust to the odd one another process disturbed), else the
 * mean with a t interval. Returns the method, "hodges-lehmann" or "t";
 * NULL, with NaNs, when n < 1. */
const char *centre_ci(const double *x, int n, double *est, double *lo, double *hi);
/* Coefficient of variation of n values (sd / mean). */
double coeff_of_variation(const double *x, int n);

#endif
