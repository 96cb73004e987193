/* SPDX-License-Identifier: GPL-2.0 */
/* One statistics module: log-linear latency histograms, percentiles,
 * means with Student-t 95% intervals, medians. */
#ifndef BPFCOST_STATS_H
#define BPFCOST_STATS_H

#include <stdbool.h>
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
/* The standard normal quantile at p (0 < p < 1), |error| < 1e-8 (Acklam's
 * rational approximation, one Newton step). */
double normal_quantile(double p);

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
/* The median of n values with a distribution-free 95% interval: the
 * order statistics x(k) and x(n+1-k), k the largest with
 * P(Binomial(n, 1/2) < k) <= 2.5% (x(1) and x(6) for 6 values, x(3) and
 * x(10) for 12). Robust to a minority of values that another process
 * disturbed. lo/hi are NaN for n < 6. */
void median_ci(const double *x, int n, double *med, double *lo, double *hi);
/* Coefficient of variation of n values (sd / mean). */
double coeff_of_variation(const double *x, int n);

/* The Hodges-Lehmann centre alone, by selection instead of a full sort
 * (for resampling loops). scratch holds n(n+1)/2 doubles. NaN for n < 1. */
double hl_center(const double *d, int n, double *scratch);

/* Student's t distribution with df (> 0, not necessarily whole) degrees
 * of freedom: its CDF, and its quantile at p (0 < p < 1). */
double t_cdf(double t, double df);
double t_quantile(double p, double df);

/* Items in blocks of consecutive trials (trials next to each other share
 * the machine's state): block b holds items block[b] .. block[b+1]-1;
 * block NULL means every item is a block of its own. The statistic is
 * hl_center(v) times median(w), or hl_center(v) alone when w is NULL (w: a
 * per-item scale, resampled with its item). */
struct block_sample {
	const double *v, *w;
	const int *block;
	int n, nblocks;
};
double block_sample_stat(const struct block_sample *s);
/* Percentile bootstrap at level conf: each resample draws blocks with
 * replacement, whole; reps resamples, a fixed seed (the same input gives
 * the same interval). With b NULL: the interval of a's statistic. With b:
 * of stat(b) / stat(a) - 1 when ratio, else stat(b) - stat(a), a and b
 * resampled independently; p (if not NULL) is then the two-sided
 * bootstrap p-value of no change (twice the share of resamples on the far
 * side of 0, at least 1/reps). NaN bounds when a tenth of the resamples
 * have no finite value. Returns 0, or -1 out of memory. */
int boot_interval(const struct block_sample *a, const struct block_sample *b, bool ratio, int reps,
		  double conf, double *lo, double *hi, double *p);

/* Trials next to each other share the machine's state (its speed moves in
 * steps that last seconds; a stalled application spans several short
 * windows): a bootstrap draws blocks of BOOT_BLOCK consecutive trials,
 * whole, when there are at least BOOT_MIN_BLOCKS of them. */
#define BOOT_BLOCK 5
#define BOOT_MIN_BLOCKS 6
/* Resamples: BOOT_REPS, fewer for large samples (the Hodges-Lehmann
 * centre of n items takes n^2/2 steps), never under BOOT_MIN_REPS. */
#define BOOT_REPS 2000
#define BOOT_MIN_REPS 400
/* The starts of the blocks of items first .. first+n-1 (BOOT_BLOCK each,
 * the last one taking the rest; one item a block when there are fewer
 * than BOOT_BLOCK * BOOT_MIN_BLOCKS), written to block; returns how many. */
int boot_blocks(int first, int n, int *block);
/* Resamples for a bootstrap of two samples of na and nb items (nb 0: one). */
int boot_reps(int na, int nb);
/* The Hodges-Lehmann centre of n values with its 95% interval from a
 * bootstrap of blocks of consecutive values (boot_blocks), for values in
 * the order they were measured; below BOOT_BLOCK * BOOT_MIN_BLOCKS values,
 * as centre_ci. Returns the method ("block bootstrap", "hodges-lehmann",
 * "t"), NULL with NaNs when n < 1 or out of memory. */
const char *centre_ci_blocks(const double *x, int n, double *est, double *lo, double *hi);

#endif
