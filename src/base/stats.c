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

double normal_quantile(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
				    -2.759285104469687e+02, 1.383577518672690e+02,
				    -3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
				    -1.556989798598866e+02, 6.680131188771972e+01,
				    -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
				    -2.400758277161838e+00, -2.549732539343734e+00,
				    4.374664141464968e+00, 2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
				    2.445134137142996e+00, 3.754408661907416e+00 };
	double q, r, x, e;

	if (!(p > 0 && p < 1))
		return NAN;
	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else if (p > 1 - 0.02425) {
		q = sqrt(-2 * log(1 - p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else {
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	}
	/* one Newton step on the normal CDF */
	e = 0.5 * erfc(-x / M_SQRT2) - p;
	return x - e * sqrt(2 * M_PI) * exp(x * x / 2);
}

/* The regularized incomplete beta function I_x(a, b), by its continued
 * fraction (modified Lentz). */
static double beta_cf(double a, double b, double x)
{
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	d = 1 / (fabs(d) < 1e-300 ? 1e-300 : d);
	h = d;
	for (int m = 1; m <= 300; m++) {
		for (int odd = 0; odd < 2; odd++) {
			double num = odd ? -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
					 : m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));

			d = 1 + num * d;
			d = 1 / (fabs(d) < 1e-300 ? 1e-300 : d);
			c = 1 + num / c;
			c = fabs(c) < 1e-300 ? 1e-300 : c;
			h *= d * c;
			if (odd && fabs(d * c - 1) < 1e-15)
				return h;
		}
	}
	return h;
}

static double ibeta(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double t_cdf(double t, double df)
{
	double tail;

	if (!(df > 0) || isnan(t))
		return NAN;
	tail = 0.5 * ibeta(df / 2, 0.5, df / (df + t * t));
	return t > 0 ? 1 - tail : tail;
}

double t_quantile(double p, double df)
{
	double lo = -1e4, hi = 1e4;

	if (!(p > 0 && p < 1) || !(df > 0))
		return NAN;
	for (int i = 0; i < 200 && hi - lo > 1e-12; i++) {
		double mid = (lo + hi) / 2;

		if (t_cdf(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
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

/* The k-th smallest (0-based) of x[0..n-1], reordering x (Hoare's
 * selection): everything after x[k] is then >= it. */
static double select_kth(double *x, long n, long k)
{
	long lo = 0, hi = n - 1;

	while (lo < hi) {
		double pivot = x[lo + (hi - lo) / 2];
		long i = lo, j = hi;

		while (i <= j) {
			while (x[i] < pivot)
				i++;
			while (x[j] > pivot)
				j--;
			if (i <= j) {
				double t = x[i];

				x[i++] = x[j];
				x[j--] = t;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return x[k];
}

/* The median of x[0..n-1], reordering x. */
static double median_select(double *x, long n)
{
	double a, b;

	if (n <= 0)
		return NAN;
	a = select_kth(x, n, (n - 1) / 2);
	if (n % 2)
		return a;
	b = x[n / 2];
	for (long i = n / 2 + 1; i < n; i++)
		if (x[i] < b)
			b = x[i];
	return (a + b) / 2;
}

double hl_center(const double *d, int n, double *scratch)
{
	long k = 0;

	if (n < 1)
		return NAN;
	for (int i = 0; i < n; i++)
		for (int j = i; j < n; j++)
			scratch[k++] = (d[i] + d[j]) / 2;
	return median_select(scratch, k);
}

static double stat_of(const double *v, double *w, int n, double *scratch)
{
	double c = hl_center(v, n, scratch);

	return w ? c * median_select(w, n) : c;
}

double block_sample_stat(const struct block_sample *s)
{
	double *scratch = malloc(sizeof(double) * ((size_t)s->n * (size_t)(s->n + 1) / 2 + 1));
	double *w = s->w ? malloc(sizeof(double) * (size_t)(s->n + 1)) : NULL;
	double r = NAN;

	if (scratch && (!s->w || w)) {
		if (w)
			memcpy(w, s->w, sizeof(double) * (size_t)s->n);
		r = stat_of(s->v, w, s->n, scratch);
	}
	free(scratch);
	free(w);
	return r;
}

/* splitmix64: a fixed, portable stream for the resampling */
static uint64_t next_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int rand_below(uint64_t *state, int n)
{
	return (int)(((unsigned __int128)next_rand(state) * (unsigned)n) >> 64);
}

/* Block b of s: items first .. first+len-1. */
static void block_of(const struct block_sample *s, int b, int *first, int *len)
{
	*first = s->block ? s->block[b] : b;
	*len = s->block ? s->block[b + 1] - s->block[b] : 1;
}

static int nblocks(const struct block_sample *s)
{
	return s->block ? s->nblocks : s->n;
}

/* Most items one resample of s can hold: every draw may be the largest
 * block. */
static int resample_cap(const struct block_sample *s)
{
	int big = 0;

	for (int k = 0; k < nblocks(s); k++) {
		int fi, len;

		block_of(s, k, &fi, &len);
		big = len > big ? len : big;
	}
	return big * nblocks(s);
}

/* One resample of s into v (and w): its blocks drawn with replacement,
 * each whole. */
static int resample(const struct block_sample *s, uint64_t *state, double *v, double *w)
{
	int k = 0, nb = nblocks(s);

	for (int j = 0; j < nb; j++) {
		int fi, len;

		block_of(s, rand_below(state, nb), &fi, &len);
		memcpy(v + k, s->v + fi, sizeof(double) * (size_t)len);
		if (w)
			memcpy(w + k, s->w + fi, sizeof(double) * (size_t)len);
		k += len;
	}
	return k;
}

int boot_interval(const struct block_sample *a, const struct block_sample *b, bool ratio, int reps,
		  double conf, double *lo, double *hi, double *p)
{
	int ca = resample_cap(a), cb = b ? resample_cap(b) : 0, cmax = ca > cb ? ca : cb, k = 0;
	double *va = malloc(sizeof(double) * (size_t)(ca + 1));
	double *wa = malloc(sizeof(double) * (size_t)(ca + 1));
	double *vb = malloc(sizeof(double) * (size_t)(cb + 1));
	double *wb = malloc(sizeof(double) * (size_t)(cb + 1));
	double *scratch = malloc(sizeof(double) * ((size_t)cmax * (size_t)(cmax + 1) / 2 + 1));
	double *st = malloc(sizeof(double) * (size_t)(reps > 0 ? reps : 1));
	uint64_t state = 0x5eed5eedULL;
	int ret = -1;

	*lo = *hi = NAN;
	if (p)
		*p = NAN;
	if (!va || !wa || !vb || !wb || !scratch || !st)
		goto out;
	for (int r = 0; r < reps; r++) {
		int na = resample(a, &state, va, a->w ? wa : NULL), nb;
		double sa = stat_of(va, a->w ? wa : NULL, na, scratch), x = sa;

		if (b) {
			nb = resample(b, &state, vb, b->w ? wb : NULL);
			double sb = stat_of(vb, b->w ? wb : NULL, nb, scratch);

			x = ratio ? sb / sa - 1 : sb - sa;
		}
		if (isfinite(x))
			st[k++] = x;
	}
	ret = 0;
	if (k < 2 || k < reps * 0.9)
		goto out;
	qsort(st, (size_t)k, sizeof(*st), cmp_double);
	if (p) {
		int below = 0, above = 0;

		for (int i = 0; i < k; i++) {
			below += st[i] <= 0;
			above += st[i] >= 0;
		}
		*p = fmin(1, 2.0 * (below < above ? below : above) / k);
		if (*p < 1.0 / k)
			*p = 1.0 / k; /* as small as the resamples can tell */
	}
	for (int side = 0; side < 2; side++) {
		double q = side ? 1 - (1 - conf) / 2 : (1 - conf) / 2, pos = q * (k - 1);
		int i = (int)floor(pos);
		double v = i + 1 < k ? st[i] + (pos - i) * (st[i + 1] - st[i]) : st[k - 1];

		*(side ? hi : lo) = v;
	}
out:
	free(va);
	free(wa);
	free(vb);
	free(wb);
	free(scratch);
	free(st);
	return ret;
}

void median_ci(const double *x, int n, double *med, double *lo, double *hi)
{
	double *c, cdf = 0;
	int k = 0;

	*med = *lo = *hi = NAN;
	if (n <= 0 || !(c = malloc(sizeof(*c) * (size_t)n)))
		return;
	memcpy(c, x, sizeof(*c) * (size_t)n);
	qsort(c, (size_t)n, sizeof(*c), cmp_double);
	*med = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	/* k: the largest with P(Binomial(n, 1/2) <= k - 1) <= 2.5% */
	for (int i = 0; i < n; i++) {
		cdf += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - n * M_LN2);
		if (cdf > 0.025)
			break;
		k = i + 1;
	}
	if (k >= 1 && n >= 6) {
		*lo = c[k - 1];
		*hi = c[n - k];
	}
	free(c);
}

int boot_blocks(int first, int n, int *block)
{
	int bs = n >= BOOT_BLOCK * BOOT_MIN_BLOCKS ? BOOT_BLOCK : 1, k = 0;

	for (int i = 0; i + bs <= n; i += bs)
		block[k++] = first + i;
	return k;
}

int boot_reps(int na, int nb)
{
	/* steps of the Hodges-Lehmann centres one resample takes */
	double work = (double)na * na / 2 + (double)nb * nb / 2, budget = 2e8;
	int reps = work > 0 ? (int)(budget / work) : BOOT_REPS;

	return reps > BOOT_REPS ? BOOT_REPS : reps < BOOT_MIN_REPS ? BOOT_MIN_REPS : reps;
}

const char *centre_ci_blocks(const double *x, int n, double *est, double *lo, double *hi)
{
	int *block;
	struct block_sample s = { .v = x, .n = n };
	const char *method = NULL;

	if (n < BOOT_BLOCK * BOOT_MIN_BLOCKS)
		return centre_ci(x, n, est, lo, hi);
	*est = *lo = *hi = NAN;
	block = malloc(sizeof(int) * (size_t)(n / BOOT_BLOCK + 1));
	if (!block)
		return NULL;
	s.block = block;
	s.nblocks = boot_blocks(0, n, block);
	block[s.nblocks] = n;
	*est = block_sample_stat(&s);
	if (!boot_interval(&s, NULL, false, boot_reps(n, 0), 0.95, lo, hi, NULL) && isfinite(*est))
		method = "block bootstrap";
	free(block);
	return method;
}
