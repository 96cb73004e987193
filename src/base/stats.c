// SPDX-License-Identifier: GPL-2.0
#include "base/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

int hist_bucket(uint64_t v)
{
	int e, b;

	if (v < HIST_LINEAR)
		return (int)v;
	e = 63 - __builtin_clzll(v); /* 2^e <= v < 2^(e+1), e >= 10 */
	if (e >= HIST_MAX_EXP)
		return HIST_BUCKETS - 1;
	b = HIST_LINEAR + (e - 10) * (1 << HIST_SUB_BITS) +
	    (int)((v >> (e - HIST_SUB_BITS)) & ((1 << HIST_SUB_BITS) - 1));
	return b;
}

uint64_t hist_bucket_lo(int b)
{
	int e, sub;

	if (b < HIST_LINEAR)
		return (uint64_t)b;
	e = 10 + (b - HIST_LINEAR) / (1 << HIST_SUB_BITS);
	sub = (b - HIST_LINEAR) % (1 << HIST_SUB_BITS);
	return (1ULL << e) + ((uint64_t)sub << (e - HIST_SUB_BITS));
}

uint64_t hist_bucket_hi(int b)
{
	int e;

	if (b < HIST_LINEAR)
		return (uint64_t)b + 1;
	e = 10 + (b - HIST_LINEAR) / (1 << HIST_SUB_BITS);
	return hist_bucket_lo(b) + (1ULL << (e - HIST_SUB_BITS));
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (int i = 0; i < HIST_BUCKETS; i++)
		dst->counts[i] += src->counts[i];
	dst->n += src->n;
	dst->sum_ns += src->sum_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

double hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->n)
		return NAN;
	if (q <= 0)
		q = 0;
	if (q >= 1)
		return (double)h->max_ns;
	rank = (uint64_t)ceil(q * (double)h->n);
	if (rank < 1)
		rank = 1;
	for (int b = 0; b < HIST_BUCKETS; b++) {
		seen += h->counts[b];
		if (seen >= rank) {
			if (b < HIST_LINEAR)
				return (double)b;
			double mid = ((double)hist_bucket_lo(b) + (double)hist_bucket_hi(b)) / 2;
			return mid > (double)h->max_ns ? (double)h->max_ns : mid;
		}
	}
	return (double)h->max_ns;
}

double hist_mean(const struct hist *h)
{
	return h->n ? h->sum_ns / (double)h->n : NAN;
}

double t_975(int df)
{
	static const double t[] = {
		NAN,    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262,
		2.228, 2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093,
		2.086, 2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045,
		2.042,
	};

	if (df < 1)
		return NAN;
	if (df <= 30)
		return t[df];
	if (df <= 40)
		return 2.042 - (df - 30) * (2.042 - 2.021) / 10;
	if (df <= 60)
		return 2.021 - (df - 40) * (2.021 - 2.000) / 20;
	if (df <= 120)
		return 2.000 - (df - 60) * (2.000 - 1.980) / 60;
	return 1.960 + 2.4 / df; /* asymptotic correction, < 0.001 off */
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median_of(const double *x, int n)
{
	double *c, m;

	if (n <= 0)
		return NAN;
	c = malloc(sizeof(*c) * (size_t)n);
	if (!c)
		return NAN;
	memcpy(c, x, sizeof(*c) * (size_t)n);
	qsort(c, (size_t)n, sizeof(*c), cmp_double);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

void summarize(const double *x, int n, struct summary *s)
{
	double sum = 0, ss = 0;

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->mean = s->sd = s->ci_lo = s->ci_hi = s->median = s->min = s->max = NAN;
	if (n <= 0)
		return;
	s->min = s->max = x[0];
	for (int i = 0; i < n; i++) {
		sum += x[i];
		if (x[i] < s->min)
			s->min = x[i];
		if (x[i] > s->max)
			s->max = x[i];
	}
	s->mean = sum / n;
	s->median = median_of(x, n);
	if (n < 2)
		return;
	for (int i = 0; i < n; i++)
		ss += (x[i] - s->mean) * (x[i] - s->mean);
	s->sd = sqrt(ss / (n - 1));
	double half = t_975(n - 1) * s->sd / sqrt((double)n);
	s->ci_lo = s->mean - half;
	s->ci_hi = s->mean + half;
}

double coeff_of_variation(const double *x, int n)
{
	struct summary s;

	summarize(x, n, &s);
	return s.mean != 0 ? s.sd / s.mean : NAN;
}

void hodges_lehmann(const double *d, int n, double *est, double *lo, double *hi)
{
	size_t nw = (size_t)n * (size_t)(n + 1) / 2, k = 0;
	double *w;

	*est = *lo = *hi = NAN;
	if (n <= 0)
		return;
	w = malloc(nw * sizeof(*w));
	if (!w)
		return;
	for (int i = 0; i < n; i++)
		for (int j = i; j < n; j++)
			w[k++] = (d[i] + d[j]) / 2;
	qsort(w, nw, sizeof(*w), cmp_double);
	*est = nw % 2 ? w[nw / 2] : (w[nw / 2 - 1] + w[nw / 2]) / 2;
	if (n >= 6) {
		double mean = (double)n * (n + 1) / 4;
		double sd = sqrt((double)n * (n + 1) * (2.0 * n + 1) / 24);
		long c = (long)floor(mean - 1.959964 * sd); /* rank of the lower bound */

		if (c < 0)
			c = 0;
		*lo = w[c];
		*hi = w[nw - 1 - (size_t)c];
	}
	free(w);
}

const char *centre_ci(const double *x, int n, double *est, double *lo, double *hi)
{
	struct summary sm;

	*est = *lo = *hi = NAN;
	if (n < 1)
		return NULL;
	if (n >= 6) {
		hodges_lehmann(x, n, est, lo, hi);
		if (!isnan(*lo))
			return "hodges-lehmann";
	}
	summarize(x, n, &sm);
	*est = sm.mean;
	*lo = sm.ci_lo;
	*hi = sm.ci_hi;
	return "t";
}
