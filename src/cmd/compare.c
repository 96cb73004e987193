// SPDX-License-Identifier: GPL-2.0
/* bpfcost compare: a regression gate for BPF cost. Two sets of results
 * (bench, measure, app, sweep, lab JSON), rows matched by what they
 * measured; per row the old and new cost with their intervals, the change
 * with its interval and a p-value, and an exit code for CI. Method and
 * reasons: docs/compare.md. */
#include "base/cli.h"
#include "base/output.h"
#include "base/stats.h"
#include "base/util.h"
#include "cmd/commands.h"
#include "core/budget_model.h"
#include "core/results.h"
#include "report/load.h"

#include <argp.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 256
/* Two runs' baselines (the workload's own ns per op) that differ by more
 * than this are compared by +% rather than ns: the machine's speed moved,
 * and a probe's cost moves with it (docs/bench.md, Method 6). */
#define BASE_TOL_PCT 2.0
/* A side whose own interval is wider than this share of its cost was
 * disturbed (another process, a machine in two states): said, not hidden,
 * and one such run does not fail a build (verdict). bench aims at +-3%;
 * the runs measured off their object's level were wider than this, the
 * quiet ones well inside it (NOTES, issue 20). */
#define WIDE_PCT 8.0
/* A comparison that cannot judge: a row rose above the threshold, but the
 * machine changed speed between the runs by enough to explain that rise,
 * or a run was disturbed. Neither a pass nor a failure: run again. */
#define EXIT_INCONCLUSIVE 3

static const char compare_doc[] =
	"Compare two sets of results, row by row, and fail on a regression.\n"
	"\n"
	"USAGE: bpfcost compare OLD.json NEW.json [OLD2.json NEW2.json ...]\n"
	"                       [--threshold PCT] [--alpha A] [--cross-host]\n"
	"                       [--json|--csv] [-o FILE]\n"
	"\n"
	"Reads bench (built-in rows and --obj), measure, app, sweep and lab results;\n"
	"files alternate old and new, and several per side are pooled as repeated\n"
	"runs. Rows match by what they measured (workload, hook, body or program;\n"
	"app and probes; sweep rate; lab variant). Per row: the old and new cost\n"
	"with 95% intervals, the change in % with its interval and p-value (a t\n"
	"test on the runs' estimates; one run a side, a bootstrap of blocks of\n"
	"consecutive pairs); \"~\" where the change is not significant. When\n"
	"the runs' baselines differ by more than 2%, rows are compared by +% of\n"
	"the baseline. Results from other kernels or CPU models are refused\n"
	"unless --cross-host (+% only). One run a side holds its pairs' noise,\n"
	"not the run's own: give three or more a side for a CI gate.\n"
	"\n"
	"Exit: 0 when no row regressed; 1 when a row's change interval lies above\n"
	"+threshold (its cost rose by more than PCT% beyond doubt); 3 when the runs\n"
	"cannot judge a row (it rose above PCT% while the machine changed speed\n"
	"between them by as much, or a run was disturbed): run again; 2 on\n"
	"bad input.\n"
	"\n"
	"EXAMPLES:\n"
	"    bpfcost compare baseline.json new.json\n"
	"    bpfcost compare old1.json new1.json old2.json new2.json --threshold 10\n"
	"    bpfcost compare baseline.json new.json --json -o cmp.json\n";

enum { OPT_THRESHOLD = 1000, OPT_ALPHA, OPT_CROSS };

static const struct argp_option compare_opts[] = {
	{ "threshold", OPT_THRESHOLD, "PCT", 0, "fail when a row's cost rose by more than PCT% beyond doubt (default 5)" },
	{ "alpha", OPT_ALPHA, "A", 0, "significance level of the test, and 1 - the change interval's level (default 0.05)" },
	{ "cross-host", OPT_CROSS, NULL, 0, "compare results from different kernels or CPU models, by +% only" },
	{},
};

static const struct argp_child compare_groups[] = {
	CLI_OUTPUT_GROUP(CLI_OPT_JSON("JSON output (schema bpfcost.compare/2)"), CLI_OPT_CSV("CSV output"),
		CLI_OPT_OUTPUT("write JSON (or CSV with --csv) to FILE, atomically"),
		CLI_OPT_VERBOSE("more detail")),
	{},
};

struct compare_args {
	struct cli_common cli; /* --json, --csv, -o */
	const char *paths[MAX_FILES];
	int npaths;
	double threshold_pct, alpha;
	bool cross_host;
};

static error_t compare_parse(int key, char *arg, struct argp_state *state)
{
	struct compare_args *a = state->input;

	switch (key) {
	case OPT_THRESHOLD: cli_num("--threshold", arg, 0, 10000, &a->threshold_pct); break;
	case OPT_ALPHA: cli_num("--alpha", arg, 0.0001, 0.5, &a->alpha); break;
	case OPT_CROSS: a->cross_host = true; break;
	case ARGP_KEY_ARG: cli_file(arg, a->paths, &a->npaths, MAX_FILES); break;
	case ARGP_KEY_END:
		if (a->npaths < 2 || a->npaths % 2)
			usage_error("give files in old/new pairs: OLD.json NEW.json [OLD2.json NEW2.json "
				    "...] (%d given)", a->npaths);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- rows of one side, whatever their schema ---- */

/* How a row's cost is expressed. Time rows (bench, measure, lab, sweep):
 * ns per op, or +% of the baseline when the baselines differ; app rows: %
 * of throughput lost. */
enum metric { M_NS, M_PCT, M_TPUT };
static const char *const metric_names[] = { "ns", "pct", "tput_pct" };
static const char *const metric_hdr[] = { "ns", "+%", "-%" };

struct item {
	enum rp_kind kind;
	char key[384];       /* identity: kind and what was measured */
	char group[96];      /* the table it goes in: kind and workload or app */
	char name[256];      /* its name within the group */
	char id[320];        /* its name on its own: getpid/tp/empty, redis tp/ringbuf */
	int file;            /* the run it comes from */
	bool ok;
	bool control;        /* a null row: its baselines count, it is no row */
	const char *why;     /* status and reason when not ok */
	const struct rp_trials *tr; /* paired trials, when the file has them */
	/* the file's own summary: the cost in ns (time rows) or % of
	 * throughput lost (app), its 95% interval, the baseline ns */
	double est, lo, hi, base_ns;
};

struct side {
	struct rp_data d;
	struct item *it;
	int n, cap;
	int nfiles;
};

static struct item *add_item(struct side *s, enum rp_kind kind, int file, const char *status,
			     const char *reason)
{
	struct item *it;

	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 64;
		struct item *n = realloc(s->it, (size_t)cap * sizeof(*n));

		if (!n)
			return NULL;
		s->it = n;
		s->cap = cap;
	}
	it = &s->it[s->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->file = file;
	it->ok = !status || !strcmp(status, "ok");
	it->why = reason ? reason : status;
	it->est = it->lo = it->hi = it->base_ns = NAN;
	return it;
}

/* A measured command as words: measure keeps it as a JSON array. */
static void cmd_words(char *buf, size_t len, const char *cmd)
{
	size_t k = 0;

	if (!cmd)
		cmd = "-";
	if (*cmd != '[') {
		snprintf(buf, len, "%s", cmd);
		return;
	}
	for (const char *c = cmd + 1; *c && k + 1 < len; c++) {
		if (*c == '"' || *c == ']')
			continue;
		if (*c == '\\' && c[1]) {
			buf[k++] = *++c;
			continue;
		}
		buf[k++] = *c == ',' ? ' ' : *c;
	}
	buf[k] = '\0';
}

/* Every row of d that compare can use, as items. Control rows (null) are
 * the method's noise floor, not a cost: only their baselines are used. */
static int gather(struct side *s)
{
	struct rp_data *d = &s->d;
	struct item *it;
	char r[32], rr[32], cmd[200];

	for (int i = 0; i < d->n_bench; i++) {
		const struct rp_bench_row *b = &d->bench[i];

		if (!(it = add_item(s, RK_BENCH, b->file, b->status, b->reason)))
			return -1;
		it->control = rp_is_control(b->hook);
		/* a row under a background load never stands for a quiet one */
		snprintf(it->key, sizeof(it->key), "bench|%s|%s|%s%s%s", rp_s(b->workload),
			 rp_s(b->hook), rp_s(b->body), b->background ? "|load " : "",
			 b->background ? b->background : "");
		snprintf(it->group, sizeof(it->group), "bench %s", rp_s(b->workload));
		snprintf(it->name, sizeof(it->name), "%s/%s%s%s", rp_s(b->hook), rp_s(b->body),
			 b->background ? " load " : "", b->background ? b->background : "");
		snprintf(it->id, sizeof(it->id), "%s/%s", rp_s(b->workload), it->name);
		it->tr = &b->tr;
		it->est = b->overhead_ns;
		it->lo = b->ci_lo;
		it->hi = b->ci_hi;
		it->base_ns = b->base_ns;
	}
	for (int i = 0; i < d->n_measures; i++) {
		const struct rp_measure_row *m = &d->measures[i];

		if (!(it = add_item(s, RK_MEASURE, m->file, m->status, m->reason)))
			return -1;
		cmd_words(cmd, sizeof(cmd), m->cmd);
		snprintf(it->key, sizeof(it->key), "measure|%s|%s", rp_s(m->workload), cmd);
		snprintf(it->group, sizeof(it->group), "measure %s", rp_s(m->workload));
		snprintf(it->name, sizeof(it->name), "%s", cmd);
		snprintf(it->id, sizeof(it->id), "measure %s %s", rp_s(m->workload), cmd);
		it->tr = &m->tr;
		it->est = m->overhead_ns;
		it->lo = m->ci_lo;
		it->hi = m->ci_hi;
		it->base_ns = m->base_ns;
	}
	for (int i = 0; i < d->n_apps; i++) {
		const struct rp_app_row *a = &d->apps[i];

		if (rp_is_control(a->hook))
			continue;
		if (!(it = add_item(s, RK_APP, a->file, a->status, a->reason)))
			return -1;
		snprintf(it->key, sizeof(it->key), "app|%s|%s|%s|%s", rp_s(a->app), rp_s(a->hook),
			 rp_s(a->body), rp_s(a->syscalls));
		snprintf(it->group, sizeof(it->group), "app %s", rp_s(a->app));
		snprintf(it->name, sizeof(it->name), "%s/%s", rp_s(a->hook), rp_s(a->body));
		snprintf(it->id, sizeof(it->id), "%s %s", rp_s(a->app), it->name);
		it->tr = &a->tr;
		/* the cost is the throughput lost: app's change, negated */
		it->est = -a->change_pct;
		it->lo = -a->change_hi;
		it->hi = -a->change_lo;
	}
	for (int i = 0; i < d->n_points; i++) {
		const struct rp_sweep_point *p = &d->points[i];

		if (rp_is_control(p->hook))
			continue;
		if (!(it = add_item(s, RK_SWEEP, p->file, p->status, p->reason)))
			return -1;
		if (p->max)
			snprintf(r, sizeof(r), "max");
		else
			snprintf(r, sizeof(r), "%s/s", fmt_rate(rr, sizeof(rr), p->target_rate));
		snprintf(it->key, sizeof(it->key), "sweep|%s|%s|%s|%s|%s|%g|%s|%.0f", rp_s(p->workload),
			 rp_s(p->hook), rp_s(p->body), rp_s(p->arrival), rp_s(p->consumer), p->threads,
			 rp_s(p->flow), p->max ? -1 : p->target_rate);
		snprintf(it->group, sizeof(it->group), "sweep %s", rp_s(p->workload));
		if (p->threads > 1)
			snprintf(it->name, sizeof(it->name), "%s/%s %s x%g", rp_s(p->hook), rp_s(p->body),
				 r, p->threads);
		else
			snprintf(it->name, sizeof(it->name), "%s/%s %s", rp_s(p->hook), rp_s(p->body), r);
		snprintf(it->id, sizeof(it->id), "sweep %s/%s", rp_s(p->workload), it->name);
		it->est = p->overhead_ns;
		it->lo = p->overhead_lo;
		it->hi = p->overhead_hi;
		it->base_ns = p->base_ns;
	}
	for (int i = 0; i < d->n_labvars; i++) {
		const struct rp_lab_variant *l = &d->labvars[i];

		if (!(it = add_item(s, RK_LAB, l->file, l->status, l->reason)))
			return -1;
		snprintf(it->key, sizeof(it->key), "lab|%s|%s", rp_s(l->name), rp_s(l->hook));
		snprintf(it->group, sizeof(it->group), "lab getpid");
		snprintf(it->name, sizeof(it->name), "%s", rp_s(l->name));
		snprintf(it->id, sizeof(it->id), "lab %s", it->name);
		it->tr = &l->tr;
		it->est = l->overhead_ns;
		it->lo = l->ci_lo;
		it->hi = l->ci_hi;
		it->base_ns = l->base_ns;
	}
	return 0;
}

/* ---- the comparison of one row ---- */

struct est {
	int runs, n;           /* files, pairs (0: the files' summaries) */
	double est, lo, hi;    /* in the row's metric, 95% */
	double base_ns;        /* median baseline */
};

struct cmp_row {
	enum rp_kind kind;
	const char *key, *group, *name, *id;
	enum metric metric;
	bool points;           /* change in points of +% (the old cost is not above 0) */
	struct est old, new;
	double change, lo, hi; /* % (or points), interval at 1 - alpha */
	double p;
	const char *test;      /* the test used: t on runs, bootstrap, z */
	bool significant, regressed;
	/* the row's baseline's move, new / old - 1 in %, its interval at
	 * 1 - alpha (NaN without trials); speed: the move is beyond
	 * BASE_TOL_PCT (baseline_move) */
	double base_change, base_lo, base_hi;
	bool speed;
	double fail_above;     /* the bar the change's interval must clear */
	bool inconclusive;     /* above the threshold, not above the bar, or disturbed */
	const char *disturbed; /* a run of either side that was disturbed */
	double disturbed_pct;  /* its interval, +-% of its cost */
	const char *why;       /* why inconclusive: "speed" or "disturbed" */
	const char *verdict;   /* FAIL, worse, better, ~, inconclusive */
};

/* A baseline per group and side: the median of every baseline trial (or
 * of the sweep points' baselines). */
struct baseline {
	const char *group;
	double old_ns, new_ns;
	bool differ;
	enum metric metric;
};

/* The median of every baseline trial of the side's items whose group (or,
 * with key, whose identity) is this one; or of their baselines, for items
 * without trials. */
static double side_base(const struct side *s, const char *group, const char *key)
{
	double *v = NULL, m = NAN;
	int n = 0, cap = 0;

	for (int i = 0; i < s->n; i++) {
		const struct item *it = &s->it[i];
		int add = it->tr && it->tr->n ? it->tr->n : 1;

		if (!it->ok || strcmp(it->group, group) || (key && strcmp(it->key, key)))
			continue;
		if (n + add > cap) {
			cap = (n + add) * 2;
			double *nv = realloc(v, (size_t)cap * sizeof(*v));
			if (!nv) {
				free(v);
				return NAN;
			}
			v = nv;
		}
		if (it->tr && it->tr->n)
			for (int k = 0; k < it->tr->n; k++)
				v[n++] = it->tr->base[k];
		else if (isfinite(it->base_ns))
			v[n++] = it->base_ns;
	}
	m = median_of(v, n);
	free(v);
	return m;
}

/* One side's runs of a row, pooled: value per pair (relative overhead in
 * %, or % of throughput lost), the pair's baseline, the blocks of
 * consecutive pairs (struct block_sample) and where each run's pairs
 * start; and each run's own summary, for rows without trials. */
struct pooled {
	double *v, *w;
	int *block, *first;
	int n, nblocks, runs;
	bool paired;   /* every run had its trials */
	double *sest, *sse, *sbase; /* per run: the file's estimate, se, baseline */
	double base_ns;
	/* the first run that was disturbed (its own interval beyond WIDE_PCT
	 * of a cost clearly above 0; time rows only: an app's small loss of
	 * throughput has a wide relative interval by nature), and that width */
	const char *disturbed;
	double disturbed_pct;
};

static void pooled_free(struct pooled *p)
{
	free(p->v);
	free(p->w);
	free(p->block);
	free(p->first);
	free(p->sest);
	free(p->sse);
	free(p->sbase);
	memset(p, 0, sizeof(*p));
}

static int pool(const struct side *s, const char *key, struct pooled *p)
{
	int cap = 0, runs = 0;
	double bsum = 0;
	int nb = 0;

	memset(p, 0, sizeof(*p));
	p->paired = true;
	for (int i = 0; i < s->n; i++) {
		const struct item *it = &s->it[i];

		if (!it->ok || strcmp(it->key, key))
			continue;
		runs++;
		if (!it->tr || it->tr->n < 2)
			p->paired = false;
		else
			cap += it->tr->n;
	}
	if (!runs)
		return 0;
	p->v = malloc((size_t)(cap + 1) * sizeof(double));
	p->w = malloc((size_t)(cap + 1) * sizeof(double));
	p->block = malloc((size_t)(cap + 2) * sizeof(int));
	p->first = malloc((size_t)(runs + 1) * sizeof(int));
	p->sest = malloc((size_t)runs * sizeof(double));
	p->sse = malloc((size_t)runs * sizeof(double));
	p->sbase = malloc((size_t)runs * sizeof(double));
	if (!p->v || !p->w || !p->block || !p->first || !p->sest || !p->sse || !p->sbase)
		return -1;
	for (int i = 0; i < s->n; i++) {
		const struct item *it = &s->it[i];
		int first = p->n;

		if (!it->ok || strcmp(it->key, key))
			continue;
		/* the file's summary, its 95% interval taken as normal */
		p->sest[p->runs] = it->est;
		p->sse[p->runs] = (it->hi - it->lo) / (2 * 1.959964);
		p->sbase[p->runs] = it->base_ns;
		if (it->kind != RK_APP && it->lo > 0 && !p->disturbed &&
		    (it->hi - it->lo) / 2 / fabs(it->est) * 100 > WIDE_PCT) {
			p->disturbed = s->d.files[it->file].path;
			p->disturbed_pct = (it->hi - it->lo) / 2 / fabs(it->est) * 100;
		}
		if (isfinite(it->base_ns)) {
			bsum += it->base_ns;
			nb++;
		}
		p->first[p->runs++] = p->n;
		if (!p->paired)
			continue;
		for (int k = 0; k < it->tr->n; k++) {
			double b = it->tr->base[k], q = it->tr->probe[k];

			if (!(b > 0))
				continue;
			/* time: probe slower than base; throughput: lower */
			p->v[p->n] = it->kind == RK_APP ? (1 - q / b) * 100 : (q / b - 1) * 100;
			p->w[p->n] = b;
			p->n++;
		}
		/* blocks of consecutive pairs, the last one taking the rest */
		p->nblocks += boot_blocks(first, p->n - first, p->block + p->nblocks);
		if (p->n - first < 2)
			p->paired = false;
	}
	p->block[p->nblocks] = p->n;
	p->first[p->runs] = p->n;
	p->base_ns = nb ? bsum / nb : NAN;
	return 0;
}

/* The statistic of pairs first..first+n-1 of p in metric m: the
 * Hodges-Lehmann centre of their % values, times the median baseline / 100
 * for ns. tmp holds n values. */
static struct block_sample sample_of(const struct pooled *p, enum metric m, int first, int n,
				     double *tmp, const int *block, int nblocks)
{
	struct block_sample s = { .v = p->v + first, .w = m == M_NS ? p->w + first : NULL,
				  .block = block, .n = n, .nblocks = nblocks };

	if (m == M_NS) {
		for (int i = 0; i < n; i++)
			tmp[i] = p->v[first + i] / 100;
		s.v = tmp;
	}
	return s;
}

/* A run's summary in metric m (its file's estimate and se). */
static void run_summary(const struct pooled *p, int r, enum metric m, double *est, double *se)
{
	double k = m == M_PCT ? 100 / p->sbase[r] : 1;

	*est = p->sest[r] * k;
	*se = p->sse[r] * k;
}

/* Each run's estimate in metric m: from its pairs when the runs kept them,
 * else its file's. */
static int run_estimates(const struct pooled *p, enum metric m, double *out)
{
	double *tmp = malloc((size_t)(p->n + 1) * sizeof(double)), se;

	if (!tmp)
		return -1;
	for (int r = 0; r < p->runs; r++) {
		if (p->paired) {
			int first = p->first[r], len = p->first[r + 1] - first;
			struct block_sample s = sample_of(p, m, first, len, tmp, NULL, 0);

			out[r] = block_sample_stat(&s);
		} else {
			run_summary(p, r, m, &out[r], &se);
		}
	}
	free(tmp);
	return 0;
}

/* One side's estimate with its 95% interval. One run: as bench gives it
 * (Hodges-Lehmann of the pairs, Wilcoxon interval; mean and t under 6
 * pairs), or the file's own. Several: the runs' mean and its t interval,
 * the runs being the unit (their spread is what decides, NOTES). */
static int side_est(const struct pooled *p, enum metric m, struct est *e)
{
	double *tmp = malloc((size_t)(p->n + p->runs + 1) * sizeof(double));

	if (!tmp)
		return -1;
	e->runs = p->runs;
	e->n = p->paired ? p->n : 0;
	e->base_ns = m == M_TPUT ? NAN : p->paired ? median_of(p->w, p->n) : p->base_ns;
	if (p->runs > 1) {
		struct summary su;

		if (run_estimates(p, m, tmp)) {
			free(tmp);
			return -1;
		}
		summarize(tmp, p->runs, &su);
		e->est = su.mean;
		e->lo = su.ci_lo;
		e->hi = su.ci_hi;
	} else if (p->paired) {
		double b = m == M_NS ? median_of(p->w, p->n) / 100 : 1;

		for (int i = 0; i < p->n; i++)
			tmp[i] = p->v[i] * b;
		if (p->n >= 6) {
			hodges_lehmann(tmp, p->n, &e->est, &e->lo, &e->hi);
		} else {
			struct summary su;

			summarize(tmp, p->n, &su);
			e->est = su.mean;
			e->lo = su.ci_lo;
			e->hi = su.ci_hi;
		}
	} else {
		double se;

		run_summary(p, 0, m, &e->est, &se);
		e->lo = e->est - 1.959964 * se;
		e->hi = e->est + 1.959964 * se;
	}
	free(tmp);
	return 0;
}


/* A row fails when its change's interval lies above the threshold. When
 * the machine changed speed between the runs (r->speed), a probe's +% moves
 * with it, by about as much as the baseline did, either way (NOTES, issue
 * 20): the bar is then the threshold and that move together, and a rise
 * above the threshold but not above the bar is inconclusive, not a
 * failure. So is any row, whatever its change, when a run on either side
 * was disturbed (its own interval beyond WIDE_PCT): that run's cost is not
 * the object's, and a pass could hide a regression as well as a failure
 * invent one. */
static void verdict(struct cmp_row *r, const struct compare_args *a)
{
	bool above, noisy = r->disturbed != NULL;

	r->significant = isfinite(r->p) && r->p < a->alpha;
	r->fail_above = a->threshold_pct;
	if (r->speed) {
		double move = exp(fabs(log1p(r->base_change / 100))); /* >= 1, either way */

		r->fail_above = r->points ? a->threshold_pct + fabs(r->old.est) * (move - 1)
					  : ((1 + a->threshold_pct / 100) * move - 1) * 100;
	}
	above = r->significant && r->lo > a->threshold_pct;
	r->regressed = above && r->lo > r->fail_above && !noisy;
	r->inconclusive = noisy || (above && !r->regressed);
	r->why = !r->inconclusive ? NULL : noisy ? "disturbed" : "speed";
	r->verdict = r->regressed ? "FAIL" : r->inconclusive ? "inconclusive" : !r->significant ? "~"
		   : r->change > 0 ? "worse" : "better";
}

/* The metric the change is taken in: a ratio needs an old cost clearly
 * above 0; else points of +% (ns rows move to +%). */
static enum metric change_metric(struct cmp_row *r)
{
	r->points = !(r->old.lo > 0);
	return r->points && r->metric == M_NS ? M_PCT : r->metric;
}

/* One run a side, with its trials. Each pair is reduced with its own
 * baseline first (paired); the two runs are then two samples, compared by
 * a bootstrap of blocks of consecutive pairs: the interval of the change
 * and the p-value of no change both come from it, so that p < alpha
 * exactly when the interval leaves out 0. */
static int compare_pairs(struct cmp_row *r, struct pooled *o, struct pooled *n,
			 const struct compare_args *a)
{
	double *so = malloc((size_t)o->n * sizeof(double)), *sn = malloc((size_t)n->n * sizeof(double));
	int ret = -1;

	if (!so || !sn)
		goto out;
	if (side_est(o, r->metric, &r->old) || side_est(n, r->metric, &r->new))
		goto out;
	enum metric m = change_metric(r);
	struct block_sample ro = sample_of(o, m, 0, o->n, so, o->block, o->nblocks);
	struct block_sample rn = sample_of(n, m, 0, n->n, sn, n->block, n->nblocks);
	double eo = block_sample_stat(&ro), en = block_sample_stat(&rn);

	r->test = "bootstrap of blocks of pairs";
	r->change = r->points ? en - eo : (en / eo - 1) * 100;
	if (boot_interval(&ro, &rn, !r->points, boot_reps(o->n, n->n), 1 - a->alpha, &r->lo, &r->hi,
			  &r->p))
		goto out;
	if (!r->points) {
		r->lo *= 100;
		r->hi *= 100;
	}
	ret = 0;
out:
	free(so);
	free(sn);
	return ret;
}

/* Two sets of runs' values, eo (old) and en (new), as two samples: a t
 * test with the two sides' pooled variance (so that 1 run against 3 works
 * too). The change is en - eo in points, or the ratio's - 1 in % with its
 * interval by the delta method on t quantiles, so that p and the interval
 * agree. */
static void t_change(const double *eo, int no, const double *en, int nn, bool points, double alpha,
		     double *change, double *lo, double *hi, double *p)
{
	double mo = 0, mn = 0, ss = 0, sp, df = no + nn - 2, tq, se_d, d;

	for (int i = 0; i < no; i++)
		mo += eo[i] / no;
	for (int i = 0; i < nn; i++)
		mn += en[i] / nn;
	for (int i = 0; i < no; i++)
		ss += (eo[i] - mo) * (eo[i] - mo);
	for (int i = 0; i < nn; i++)
		ss += (en[i] - mn) * (en[i] - mn);
	sp = sqrt(ss / df);
	tq = t_quantile(1 - alpha / 2, df);
	se_d = sp * sqrt(1.0 / no + 1.0 / nn);
	d = mn - mo;
	if (points) {
		*change = d;
		*lo = d - tq * se_d;
		*hi = d + tq * se_d;
	} else {
		double ratio = mn / mo;

		se_d = sp * sqrt(1.0 / nn + ratio * ratio / no) / fabs(mo);
		d = ratio - 1;
		*change = d * 100;
		*lo = (d - tq * se_d) * 100;
		*hi = (d + tq * se_d) * 100;
	}
	*p = se_d > 0 ? 2 * (1 - t_cdf(fabs(d) / se_d, df)) : d == 0 ? 1 : 0;
}

/* Several runs on a side (three or more in all): the runs are the unit.
 * Two runs of one object differ here by more than their own intervals say
 * (NOTES, issue 20), and only the spread between runs shows by how much.
 * Each run's estimate (its pairs' centre, or its file's), compared by
 * t_change. */
static int compare_runs(struct cmp_row *r, struct pooled *o, struct pooled *n,
			const struct compare_args *a)
{
	double *eo = malloc(sizeof(double) * (size_t)o->runs);
	double *en = malloc(sizeof(double) * (size_t)n->runs);
	int ret = -1;

	if (!eo || !en)
		goto out;
	if (side_est(o, r->metric, &r->old) || side_est(n, r->metric, &r->new))
		goto out;
	enum metric m = change_metric(r);

	if (run_estimates(o, m, eo) || run_estimates(n, m, en))
		goto out;
	r->test = "t on the runs";
	t_change(eo, o->runs, en, n->runs, r->points, a->alpha, &r->change, &r->lo, &r->hi, &r->p);
	ret = 0;
out:
	free(eo);
	free(en);
	return ret;
}

/* Each run's median baseline (its pairs', or its file's). */
static void run_bases(const struct pooled *p, double *out)
{
	for (int r = 0; r < p->runs; r++)
		out[r] = p->paired ? median_of(p->w + p->first[r], p->first[r + 1] - p->first[r])
				   : p->sbase[r];
}

/* How far the row's baseline moved from old to new (new / old - 1, in %),
 * with its interval at 1 - alpha where the runs kept their trials, taken
 * the way the cost is: one run a side, the median baselines by the same
 * bootstrap of blocks of pairs; several, the runs' median baselines by
 * t_change. The machine changed speed (r->speed) when the move is beyond
 * BASE_TOL_PCT, the tolerance that switches rows to +%: the bar a rise
 * must clear grows with the move (verdict), so a small move costs little,
 * and a noisy baseline can only make a verdict inconclusive, never a
 * failure. */
static int baseline_move(struct cmp_row *r, const struct pooled *o, const struct pooled *n,
			 const struct compare_args *a)
{
	int ret = 0;

	r->base_change = r->base_lo = r->base_hi = NAN;
	r->speed = false;
	if (r->metric == M_TPUT)
		return 0;
	if (isfinite(o->base_ns) && isfinite(n->base_ns) && o->base_ns > 0)
		r->base_change = (n->base_ns / o->base_ns - 1) * 100;
	if (o->runs + n->runs >= 3) {
		double *bo = malloc(sizeof(double) * (size_t)o->runs);
		double *bn = malloc(sizeof(double) * (size_t)n->runs), p;

		if (bo && bn) {
			run_bases(o, bo);
			run_bases(n, bn);
			t_change(bo, o->runs, bn, n->runs, false, a->alpha, &r->base_change, &r->base_lo,
				 &r->base_hi, &p);
		} else {
			ret = -1;
		}
		free(bo);
		free(bn);
	} else if (o->paired && n->paired) {
		/* the statistic of a block sample is hl_center(v) * median(w):
		 * with every v 1, the median baseline */
		double *one = malloc(sizeof(double) * (size_t)(o->n > n->n ? o->n : n->n));
		struct block_sample so = { one, o->w, o->block, o->n, o->nblocks };
		struct block_sample sn = { one, n->w, n->block, n->n, n->nblocks };

		if (!one)
			return -1;
		for (int i = 0; i < (o->n > n->n ? o->n : n->n); i++)
			one[i] = 1;
		r->base_change = (median_of(n->w, n->n) / median_of(o->w, o->n) - 1) * 100;
		ret = boot_interval(&so, &sn, true, boot_reps(o->n, n->n), 1 - a->alpha, &r->base_lo,
				    &r->base_hi, NULL);
		r->base_lo *= 100;
		r->base_hi *= 100;
		free(one);
	}
	r->speed = isfinite(r->base_change) && fabs(r->base_change) > BASE_TOL_PCT;
	return ret;
}

/* One run a side without per-trial data (sweep points, older files): the
 * stored estimates and intervals, taken as normal; a z test, and the
 * ratio's interval by the delta method. Approximate, and said so. */
static int compare_summaries(struct cmp_row *r, const struct pooled *o, const struct pooled *n,
			     const struct compare_args *a)
{
	double z = normal_quantile(1 - a->alpha / 2), vo, so, vn, sn, se_d;

	if (side_est(o, r->metric, &r->old) || side_est(n, r->metric, &r->new))
		return -1;
	enum metric m = change_metric(r);

	run_summary(o, 0, m, &vo, &so);
	run_summary(n, 0, m, &vn, &sn);
	r->test = "z (summaries)";
	se_d = sqrt(so * so + sn * sn);
	r->p = se_d > 0 ? erfc(fabs(vn - vo) / se_d / M_SQRT2) : NAN;
	if (r->points) {
		r->change = vn - vo;
		r->lo = r->change - z * se_d;
		r->hi = r->change + z * se_d;
		return 0;
	}
	double ratio = vn / vo, se_r = sqrt(sn * sn + ratio * ratio * so * so) / fabs(vo);

	r->change = (ratio - 1) * 100;
	r->lo = (ratio - 1 - z * se_r) * 100;
	r->hi = (ratio - 1 + z * se_r) * 100;
	return 0;
}

/* ---- output ---- */

static const struct table_col row_cols[] = {
	{ "ROW", 20, true }, { "OLD", 7 }, { "+-", 5 }, { "NEW", 7 }, { "+-", 5 },
	{ "CHANGE", 7 }, { "CI", 11 }, { "P", 5 }, { "", 5, true },
};
#define NCOLS 9

static const char *fmt_sig(char *buf, size_t len, double v, int width)
{
	return fmt_fit(buf, len, v, width, fabs(v) < 100 ? 1 : 0);
}

static const char *fmt_signed(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%+.*f", fabs(v) < 100 ? 1 : 0, v);
	return buf;
}

static const char *change_text(char *buf, size_t len, const struct cmp_row *r)
{
	char v[32];

	if (!r->significant)
		return "~";
	snprintf(buf, len, "%s%s", fmt_signed(v, sizeof(v), r->change), r->points ? "pt" : "%");
	return buf;
}

static void print_row(FILE *f, const struct cmp_row *r)
{
	char b[NCOLS][48], lo[24], hi[24];
	const char *cells[NCOLS] = { r->name };

	cells[1] = fmt_sig(b[1], sizeof(b[1]), r->old.est, row_cols[1].width);
	cells[2] = fmt_sig(b[2], sizeof(b[2]), (r->old.hi - r->old.lo) / 2, row_cols[2].width);
	cells[3] = fmt_sig(b[3], sizeof(b[3]), r->new.est, row_cols[3].width);
	cells[4] = fmt_sig(b[4], sizeof(b[4]), (r->new.hi - r->new.lo) / 2, row_cols[4].width);
	cells[5] = change_text(b[5], sizeof(b[5]), r);
	snprintf(b[6], sizeof(b[6]), "%s %s", fmt_signed(lo, sizeof(lo), r->lo),
		 fmt_signed(hi, sizeof(hi), r->hi));
	cells[6] = b[6];
	cells[7] = isfinite(r->p) ? (snprintf(b[7], sizeof(b[7]), "%.3f", r->p), b[7]) : "-";
	cells[8] = r->inconclusive ? "?" : r->verdict[0] == '~' ? "" : r->verdict;
	table_row(f, row_cols, NCOLS, cells);
}

/* "what: a, b, c", wrapped. */
static void print_list(FILE *f, const char *what, char **items, int n)
{
	char *buf, *p;
	size_t len = strlen(what) + 1;

	if (!n)
		return;
	for (int i = 0; i < n; i++)
		len += strlen(items[i]) + 2;
	if (!(buf = malloc(len + 1)))
		return;
	p = buf + sprintf(buf, "%s", what);
	for (int i = 0; i < n; i++)
		p += sprintf(p, " %s%s", items[i], i + 1 < n ? "," : "");
	print_words(f, buf, 3);
	free(buf);
}

struct result {
	struct cmp_row *rows;
	int nrows;
	struct baseline *bases;
	int nbases;
	char **only_old, **only_new, **not_compared; /* "id: why" */
	int n_only_old, n_only_new, n_not;
	char *warnings[8];
	int nwarn;
	char summary[1024];
	int regressed, inconclusive, worse, better, same;
};

static const char *kind_name(enum rp_kind k)
{
	static const char *const names[RK_N] = { "bench", "sweep", "app", "measure", "lab", "check",
						  "study" };

	return k < RK_N ? names[k] : "?";
}

/* What the results tail's callbacks need. */
struct compare_ctx {
	const struct result *res;
	const struct side *o, *n;
	const struct compare_args *a;
};

/* "+11.8% [+3.5, +21.0]", or "+11.8%" without an interval. */
static const char *move_text(char *buf, size_t len, const struct cmp_row *r)
{
	if (isfinite(r->base_lo) && isfinite(r->base_hi))
		snprintf(buf, len, "%+.1f%% [%+.1f, %+.1f]", r->base_change, r->base_lo, r->base_hi);
	else
		snprintf(buf, len, "%+.1f%%", r->base_change);
	return buf;
}

/* Why each inconclusive row is, and the rows whose baselines moved: the
 * machine changed speed between the runs, and the bar rose with it. */
static void print_speed(FILE *f, const struct result *res)
{
	char line[1024], mv[64];
	int moved = 0, last = -1;
	double lo = INFINITY, hi = -INFINITY;

	for (int i = 0; i < res->nrows; i++) {
		const struct cmp_row *r = &res->rows[i];
		const char *u = r->points ? "pt" : "%";

		if (r->inconclusive && !strcmp(r->why, "disturbed"))
			snprintf(line, sizeof(line), "?: %s inconclusive: %+.1f%s [%+.1f, %+.1f], but a run "
				 "was disturbed (%s: its interval +-%.0f%% of its cost): run it again",
				 r->id, r->change, u, r->lo, r->hi, r->disturbed, r->disturbed_pct);
		else if (r->inconclusive)
			snprintf(line, sizeof(line), "?: %s inconclusive: rose %+.1f%s [%+.1f, %+.1f], but "
				 "its baseline moved %s between the runs, and a probe's +%% moves with the "
				 "machine's speed by about as much: it fails only above %+.1f%s. Run "
				 "again, or give three runs a side",
				 r->id, r->change, u, r->lo, r->hi, move_text(mv, sizeof(mv), r),
				 r->fail_above, u);
		if (r->inconclusive)
			print_words(f, line, 3);
		else if (r->speed) {
			moved++;
			last = i;
			lo = fmin(lo, r->base_change);
			hi = fmax(hi, r->base_change);
		}
	}
	if (moved == 1) {
		const struct cmp_row *r = &res->rows[last];

		snprintf(line, sizeof(line), "%s: baseline moved %s between the runs: a rise fails "
			 "only above %+.1f%s (the threshold and that move)", r->id,
			 move_text(mv, sizeof(mv), r), r->fail_above, r->points ? "pt" : "%");
		print_words(f, line, 3);
	} else if (moved) {
		snprintf(line, sizeof(line), "%d rows' baselines moved %+.1f%% to %+.1f%% between the "
			 "runs: a rise fails only above the threshold and its row's move", moved, lo,
			 hi);
		print_words(f, line, 3);
	}
}

static void print_table(FILE *f, const struct results *out)
{
	const struct compare_ctx *c = out->ctx;
	const struct result *res = c->res;
	const struct side *o = c->o, *n = c->n;
	const struct compare_args *a = c->a;
	char ci_hdr[32];
	struct table_col cols[NCOLS];

	memcpy(cols, row_cols, sizeof(cols));
	snprintf(ci_hdr, sizeof(ci_hdr), "%g%% CI", 100 * (1 - a->alpha));
	cols[6].hdr = ci_hdr;
	fprintf(f, "old: %d run%s, new: %d run%s; a row fails when its change's %g%% interval\n"
		   "lies above +%g%% (--threshold); ~: no significant change (p >= %g)\n",
		o->nfiles, o->nfiles == 1 ? "" : "s", n->nfiles, n->nfiles == 1 ? "" : "s",
		100 * (1 - a->alpha), a->threshold_pct, a->alpha);
	/* one table per group, in the order the groups first appear */
	for (int g = 0; g < res->nrows; g++) {
		const struct cmp_row *r = &res->rows[g];
		const struct baseline *b = NULL;
		char oh[16], nh[16];
		bool seen = false;

		for (int k = 0; k < g && !seen; k++)
			seen = !strcmp(res->rows[k].group, r->group);
		if (seen)
			continue;
		for (int k = 0; k < res->nbases; k++)
			if (!strcmp(res->bases[k].group, r->group))
				b = &res->bases[k];
		fprintf(f, "\n%s", r->group);
		if (r->metric == M_TPUT)
			fprintf(f, ": %% of throughput lost to the probes\n");
		else if (b && isfinite(b->old_ns) && isfinite(b->new_ns))
			fprintf(f, ": baselines %.1f and %.1f ns (%+.1f%%)%s\n", b->old_ns, b->new_ns,
				(b->new_ns / b->old_ns - 1) * 100,
				r->metric == M_PCT ? ": compared by +%" : "");
		else
			fprintf(f, "\n");
		snprintf(oh, sizeof(oh), "OLD %s", metric_hdr[r->metric]);
		snprintf(nh, sizeof(nh), "NEW %s", metric_hdr[r->metric]);
		cols[1].hdr = oh;
		cols[3].hdr = nh;
		table_header(f, cols, NCOLS);
		for (int k = g; k < res->nrows; k++)
			if (!strcmp(res->rows[k].group, r->group))
				print_row(f, &res->rows[k]);
	}
	fputc('\n', f);
	for (int i = 0; i < res->nrows; i++)
		if (!strcmp(res->rows[i].test, "z (summaries)")) {
			fprintf(f, "rows without per-trial data (sweep points, older files): z test on the\n"
				   "files' intervals, approximate\n");
			break;
		}
	if (o->nfiles + n->nfiles < 3)
		fprintf(f, "one run a side: the intervals hold the pairs' noise, not the run's own\n"
			   "state; several runs a side (OLD NEW OLD2 NEW2 ...) include it\n");
	print_speed(f, res);
	print_list(f, "only in old:", res->only_old, res->n_only_old);
	print_list(f, "only in new:", res->only_new, res->n_only_new);
	for (int i = 0; i < res->n_not; i++) {
		char line[1024];

		snprintf(line, sizeof(line), "not compared: %s", res->not_compared[i]);
		print_words(f, line, 3);
	}
	fprintf(f, "%s\n", res->summary);
}

static json_object *est_json(const struct est *e)
{
	json_object *o = json_object_new_object();

	jset(o, "runs", jint(e->runs));
	jset(o, "pairs", e->n ? jint(e->n) : NULL);
	jset(o, "estimate", jnum(e->est));
	jset(o, "ci95", jpair(e->lo, e->hi));
	jset(o, "base_ns", jnum(e->base_ns));
	return o;
}

static json_object *strs_json(char **s, int n)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(a, jstr(s[i]));
	return a;
}

static json_object *side_json(const struct side *s, const struct compare_args *a, int first)
{
	json_object *o = json_object_new_object(), *files = json_object_new_array();
	json_object *hosts = json_object_new_array();

	for (int i = first; i < a->npaths; i += 2)
		json_object_array_add(files, jstr(a->paths[i]));
	for (int h = 0; h < s->d.n_hosts; h++) {
		json_object *x = json_object_new_object();

		jset(x, "hostname", jstr(s->d.hosts[h].hostname));
		jset(x, "kernel", jstr(s->d.hosts[h].kernel));
		jset(x, "cpu_model", jstr(s->d.hosts[h].cpu_model));
		json_object_array_add(hosts, x);
	}
	jset(o, "files", files);
	jset(o, "hosts", hosts);
	return o;
}

/* compare's keys of bpfcost.compare/2, after the envelope (schema,
 * version, created, env: null, for nothing was measured here) */
static void compare_json(json_object *root, const struct results *out)
{
	const struct compare_ctx *c = out->ctx;
	const struct result *res = c->res;
	const struct side *o = c->o, *n = c->n;
	const struct compare_args *a = c->a;
	json_object *cfg = json_object_new_object();
	json_object *rows = json_object_new_array(), *bases = json_object_new_array();
	json_object *sum = json_object_new_object(), *failed = json_object_new_array();
	json_object *undecided = json_object_new_array();

	jset(cfg, "threshold_pct", jnum(a->threshold_pct));
	jset(cfg, "alpha", jnum(a->alpha));
	jset(cfg, "cross_host", json_object_new_boolean(a->cross_host));
	jset(cfg, "baseline_tolerance_pct", jnum(BASE_TOL_PCT));
	jset(cfg, "test", jstr("t on the runs' estimates; one run a side: bootstrap of blocks of pairs"));
	jset(cfg, "block_pairs", jint(BOOT_BLOCK));
	jset(cfg, "resamples", jint(BOOT_REPS));
	jset(root, "config", cfg);
	jset(root, "old", side_json(o, a, 0));
	jset(root, "new", side_json(n, a, 1));
	for (int i = 0; i < res->nbases; i++) {
		const struct baseline *b = &res->bases[i];
		json_object *x = json_object_new_object();

		jset(x, "group", jstr(b->group));
		jset(x, "old_ns", jnum(b->old_ns));
		jset(x, "new_ns", jnum(b->new_ns));
		jset(x, "differ", json_object_new_boolean(b->differ));
		jset(x, "metric", jstr(metric_names[b->metric]));
		json_object_array_add(bases, x);
	}
	jset(root, "baselines", bases);
	for (int i = 0; i < res->nrows; i++) {
		const struct cmp_row *r = &res->rows[i];
		json_object *x = json_object_new_object();

		jset(x, "kind", jstr(kind_name(r->kind)));
		jset(x, "id", jstr(r->id));
		jset(x, "group", jstr(r->group));
		jset(x, "name", jstr(r->name));
		jset(x, "metric", jstr(metric_names[r->metric]));
		jset(x, "old", est_json(&r->old));
		jset(x, "new", est_json(&r->new));
		jset(x, "change_unit", jstr(r->points ? "points" : "pct"));
		jset(x, "change", jnum(r->change));
		jset(x, "change_ci", jpair(r->lo, r->hi));
		jset(x, "p_value", jnum(r->p));
		jset(x, "test", jstr(r->test));
		jset(x, "significant", json_object_new_boolean(r->significant));
		jset(x, "regressed", json_object_new_boolean(r->regressed));
		jset(x, "baseline_change", jnum(r->base_change));
		jset(x, "baseline_change_ci", jpair(r->base_lo, r->base_hi));
		jset(x, "speed_changed", json_object_new_boolean(r->speed));
		jset(x, "fail_above", jnum(r->fail_above));
		jset(x, "verdict", jstr(r->verdict));
		jset(x, "inconclusive_reason", r->why ? jstr(r->why) : NULL);
		json_object_array_add(rows, x);
		if (r->regressed)
			json_object_array_add(failed, jstr(r->id));
		if (r->inconclusive)
			json_object_array_add(undecided, jstr(r->id));
	}
	jset(root, "rows", rows);
	jset(root, "only_old", strs_json(res->only_old, res->n_only_old));
	jset(root, "only_new", strs_json(res->only_new, res->n_only_new));
	jset(root, "not_compared", strs_json(res->not_compared, res->n_not));
	jset(root, "warnings", strs_json((char **)res->warnings, res->nwarn));
	jset(sum, "outcome", jstr(res->regressed ? "fail" : res->inconclusive ? "inconclusive" : "pass"));
	jset(sum, "compared", jint(res->nrows));
	jset(sum, "regressed", jint(res->regressed));
	jset(sum, "inconclusive", jint(res->inconclusive));
	jset(sum, "worse", jint(res->worse));
	jset(sum, "better", jint(res->better));
	jset(sum, "unchanged", jint(res->same));
	jset(sum, "failed", failed);
	jset(sum, "inconclusive_rows", undecided);
	jset(sum, "line", jstr(res->summary));
	jset(root, "summary", sum);
}

static const struct table_col csv_cols[] = {
	{ "kind" }, { "group" }, { "row" }, { "metric" }, { "old" }, { "old_lo" }, { "old_hi" },
	{ "new" }, { "new_lo" }, { "new_hi" }, { "change" }, { "change_unit" }, { "change_lo" },
	{ "change_hi" }, { "p_value" }, { "verdict" }, { "baseline_change_pct" }, { "fail_above" },
	{ "inconclusive_reason" },
};
#define NCSV 19

static void print_csv_row(FILE *f, const struct results *out, int i)
{
	const struct cmp_row *r = &((const struct compare_ctx *)out->ctx)->res->rows[i];
	char b[NCSV][40];
	const char *c[NCSV] = { kind_name(r->kind), r->group, r->name, metric_names[r->metric] };
	double v[] = { r->old.est, r->old.lo, r->old.hi, r->new.est, r->new.lo, r->new.hi };

	for (int k = 0; k < 6; k++)
		c[4 + k] = fmt_num(b[4 + k], sizeof(b[4 + k]), v[k], 3);
	c[10] = fmt_num(b[10], sizeof(b[10]), r->change, 3);
	c[11] = r->points ? "points" : "pct";
	c[12] = fmt_num(b[12], sizeof(b[12]), r->lo, 3);
	c[13] = fmt_num(b[13], sizeof(b[13]), r->hi, 3);
	c[14] = fmt_num(b[14], sizeof(b[14]), r->p, 4);
	c[15] = r->verdict;
	c[16] = fmt_num(b[16], sizeof(b[16]), r->base_change, 3);
	c[17] = fmt_num(b[17], sizeof(b[17]), r->fail_above, 3);
	c[18] = r->why ? r->why : "";
	csv_row(f, c, NCSV);
}

/* ---- the whole comparison ---- */

static int push_str(char ***arr, int *n, const char *s)
{
	char **na = realloc(*arr, (size_t)(*n + 1) * sizeof(char *));

	if (!na)
		return -1;
	*arr = na;
	if (!(na[*n] = strdup(s)))
		return -1;
	(*n)++;
	return 0;
}

static const struct item *find_key(const struct side *s, const char *key, bool want_ok)
{
	for (int i = 0; i < s->n; i++)
		if (!s->it[i].control && !strcmp(s->it[i].key, key) && (!want_ok || s->it[i].ok))
			return &s->it[i];
	return NULL;
}

static bool seen_before(const struct side *s, int i)
{
	for (int k = 0; k < i; k++)
		if (!strcmp(s->it[k].key, s->it[i].key))
			return true;
	return false;
}

static bool bases_differ(double old_ns, double new_ns)
{
	return isfinite(old_ns) && isfinite(new_ns) && old_ns > 0 &&
	       fabs(new_ns / old_ns - 1) * 100 > BASE_TOL_PCT;
}

/* Several runs of a row on one side at different speeds: in ns the runs
 * carry the speed's spread, in +% about half of it (NOTES, issue 20). */
static bool runs_differ(const struct side *s, const char *group, const char *key)
{
	double lo = NAN, hi = NAN;

	for (int i = 0; i < s->n; i++) {
		const struct item *it = &s->it[i];

		if (!it->ok || strcmp(it->group, group) || strcmp(it->key, key) ||
		    !isfinite(it->base_ns))
			continue;
		lo = isnan(lo) || it->base_ns < lo ? it->base_ns : lo;
		hi = isnan(hi) || it->base_ns > hi ? it->base_ns : hi;
	}
	return bases_differ(lo, hi);
}

static enum metric group_metric(struct result *res, const struct side *o, const struct side *n,
				const struct item *it, const struct compare_args *a)
{
	struct baseline *b;

	if (it->kind == RK_APP)
		return M_TPUT;
	for (int k = 0; k < res->nbases; k++)
		if (!strcmp(res->bases[k].group, it->group))
			return res->bases[k].metric;
	b = &res->bases[res->nbases++];
	b->group = it->group;
	b->old_ns = side_base(o, it->group, NULL);
	b->new_ns = side_base(n, it->group, NULL);
	b->differ = bases_differ(b->old_ns, b->new_ns);
	/* a row's own baselines too: a file's rows run at different times
	 * (bench's null row first, then the rest), and the machine's speed can
	 * change between them */
	for (int i = 0; i < o->n && !b->differ; i++)
		if (!o->it[i].control && !strcmp(o->it[i].group, it->group))
			b->differ = bases_differ(side_base(o, it->group, o->it[i].key),
						 side_base(n, it->group, o->it[i].key)) ||
				    runs_differ(o, it->group, o->it[i].key) ||
				    runs_differ(n, it->group, o->it[i].key);
	b->metric = b->differ || a->cross_host ? M_PCT : M_NS;
	return b->metric;
}

static void add_warning(struct result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_warning(struct result *res, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	warn_msg("%s", buf);
	if (res->nwarn < (int)ARRAY_SIZE(res->warnings))
		res->warnings[res->nwarn++] = strdup(buf);
}

static int run_compare(struct side *o, struct side *n, const struct compare_args *a,
		       struct result *res)
{
	char line[1024];

	res->rows = calloc((size_t)(o->n + 1), sizeof(*res->rows));
	res->bases = calloc((size_t)(o->n + 1), sizeof(*res->bases));
	if (!res->rows || !res->bases)
		return -1;
	for (int i = 0; i < o->n; i++) {
		const struct item *it = &o->it[i], *oo, *no;
		struct pooled po, pn;
		struct cmp_row *r;
		int rc;

		if (it->control || seen_before(o, i))
			continue;
		if (!find_key(n, it->key, false)) {
			if (push_str(&res->only_old, &res->n_only_old, it->id))
				return -1;
			continue;
		}
		oo = find_key(o, it->key, true);
		no = find_key(n, it->key, true);
		if (!oo || !no) {
			const struct item *bad = !oo ? it : find_key(n, it->key, false);

			snprintf(line, sizeof(line), "%s: %s run: %s", it->id, !oo ? "old" : "new",
				 rp_s(bad->why));
			if (push_str(&res->not_compared, &res->n_not, line))
				return -1;
			continue;
		}
		r = &res->rows[res->nrows];
		r->kind = it->kind;
		r->key = it->key;
		r->group = it->group;
		r->name = it->name;
		r->id = it->id;
		r->metric = group_metric(res, o, n, it, a);
		if (pool(o, it->key, &po) || pool(n, it->key, &pn)) {
			pooled_free(&po);
			pooled_free(&pn);
			return -1;
		}
		if (po.runs + pn.runs >= 3)
			rc = compare_runs(r, &po, &pn, a);
		else if (po.paired && pn.paired)
			rc = compare_pairs(r, &po, &pn, a);
		else
			rc = compare_summaries(r, &po, &pn, a);
		if (!rc)
			rc = baseline_move(r, &po, &pn, a);
		r->disturbed = po.disturbed ? po.disturbed : pn.disturbed;
		r->disturbed_pct = po.disturbed ? po.disturbed_pct : pn.disturbed_pct;
		pooled_free(&po);
		pooled_free(&pn);
		if (rc)
			return -1;
		if (!isfinite(r->old.est) || !isfinite(r->new.est)) {
			snprintf(line, sizeof(line), "%s: no estimate on one side", it->id);
			if (push_str(&res->not_compared, &res->n_not, line))
				return -1;
			continue;
		}
		verdict(r, a);
		res->nrows++;
		if (r->disturbed)
			add_warning(res, "%s: %s's interval +-%.0f%% of the cost: a disturbed run, "
					 "run it again", r->id, r->disturbed, r->disturbed_pct);
	}
	for (int i = 0; i < n->n; i++) {
		if (n->it[i].control || seen_before(n, i) || find_key(o, n->it[i].key, false))
			continue;
		if (push_str(&res->only_new, &res->n_only_new, n->it[i].id))
			return -1;
	}
	return 0;
}

/* "id +12.3%" for each row that failed (or was inconclusive), the first
 * eight, from off in res->summary. */
static void list_rows(struct result *res, size_t off, bool inconclusive)
{
	int shown = 0, n = inconclusive ? res->inconclusive : res->regressed;

	for (int i = 0; i < res->nrows && off < sizeof(res->summary); i++) {
		const struct cmp_row *r = &res->rows[i];

		if (!(inconclusive ? r->inconclusive : r->regressed))
			continue;
		if (shown == 8) {
			off += (size_t)snprintf(res->summary + off, sizeof(res->summary) - off,
						" and %d more", n - shown);
			break;
		}
		off += (size_t)snprintf(res->summary + off, sizeof(res->summary) - off, "%s %s %+.1f%s",
					shown ? "," : "", r->id, r->change, r->points ? "pt" : "%");
		if (inconclusive && off < sizeof(res->summary) && !strcmp(r->why, "speed"))
			off += (size_t)snprintf(res->summary + off, sizeof(res->summary) - off,
						" (the machine changed speed: baseline %+.1f%%)",
						r->base_change);
		else if (inconclusive && off < sizeof(res->summary))
			off += (size_t)snprintf(res->summary + off, sizeof(res->summary) - off,
						" (a disturbed run)");
		shown++;
	}
}

/* The last line: which rows failed, or were inconclusive, or that none
 * did. A failure outranks an inconclusive row: it is a regression found. */
static void summarize_result(struct result *res, const struct compare_args *a)
{
	size_t off;

	for (int i = 0; i < res->nrows; i++) {
		const struct cmp_row *r = &res->rows[i];

		res->regressed += r->regressed;
		res->inconclusive += r->inconclusive;
		res->worse += !r->regressed && !r->inconclusive && r->significant && r->change > 0;
		res->better += !r->inconclusive && r->significant && r->change <= 0;
		res->same += !r->inconclusive && !r->significant;
	}
	if (res->regressed) {
		off = (size_t)snprintf(res->summary, sizeof(res->summary),
				       "compare: FAIL: %d of %d row%s above +%g%%:", res->regressed,
				       res->nrows, res->nrows == 1 ? "" : "s", a->threshold_pct);
		list_rows(res, off, false);
		off = strlen(res->summary);
		if (res->inconclusive && off < sizeof(res->summary))
			snprintf(res->summary + off, sizeof(res->summary) - off,
				 "; %d more inconclusive", res->inconclusive);
		return;
	}
	if (res->inconclusive) {
		off = (size_t)snprintf(res->summary, sizeof(res->summary),
				       "compare: inconclusive: the runs cannot judge %d of %d row%s "
				       "against +%g%%; run again, or give three runs a side:",
				       res->inconclusive, res->nrows, res->nrows == 1 ? "" : "s",
				       a->threshold_pct);
		list_rows(res, off, true);
		return;
	}
	snprintf(res->summary, sizeof(res->summary),
		 "compare: ok: no row above +%g%% (%d compared: %d worse, %d better, %d unchanged)",
		 a->threshold_pct, res->nrows, res->worse, res->better, res->same);
}

static void result_free(struct result *res)
{
	free_array(res->only_old, res->n_only_old);
	free_array(res->only_new, res->n_only_new);
	free_array(res->not_compared, res->n_not);
	for (int i = 0; i < res->nwarn; i++)
		free(res->warnings[i]);
	free(res->rows);
	free(res->bases);
}

/* Results from another kernel or CPU model do not compare in ns: the
 * probe's cost is the kernel's and the CPU's. */
static int check_hosts(const struct side *o, const struct side *n, const struct compare_args *a,
		       struct result *res)
{
	const struct rp_host *h0 = o->d.n_hosts ? &o->d.hosts[0] : NULL;

	for (int s = 0; s < 2 && h0; s++) {
		const struct side *side = s ? n : o;

		for (int i = 0; i < side->d.n_hosts; i++) {
			const struct rp_host *h = &side->d.hosts[i];
			bool kernel = strcmp(rp_s(h->kernel), rp_s(h0->kernel)) != 0;

			if (!kernel && !strcmp(rp_s(h->cpu_model), rp_s(h0->cpu_model)))
				continue;
			if (!a->cross_host)
				return usage_error("%s differ: %s runs %s on %s, %s runs %s on %s: their "
						   "costs do not compare (--cross-host compares +%% only)",
						   kernel ? "kernels" : "CPU models", rp_s(h0->hostname),
						   rp_s(h0->kernel), rp_s(h0->cpu_model), rp_s(h->hostname),
						   rp_s(h->kernel), rp_s(h->cpu_model));
			add_warning(res, "--cross-host: %s on %s against %s on %s: compared by +%% of "
					 "each one's baseline only, and the baseline itself moved",
				    rp_s(h0->kernel), rp_s(h0->cpu_model), rp_s(h->kernel),
				    rp_s(h->cpu_model));
			return 0;
		}
	}
	return 0;
}

static int count_rows(const struct side *s)
{
	int k = 0;

	for (int i = 0; i < s->n; i++)
		k += !s->it[i].control && !seen_before(s, i);
	return k;
}

static int load_side(struct side *s, const struct compare_args *a, int first)
{
	char err[1024];

	for (int i = first; i < a->npaths; i += 2) {
		if (rp_load_file(&s->d, a->paths[i], err, sizeof(err)))
			return usage_error("%s", err);
		s->nfiles++;
		/* report reads these too; they hold nothing to compare */
		if (s->d.files[s->d.n_files - 1].kind == RK_CHECK ||
		    s->d.files[s->d.n_files - 1].kind == RK_STUDY)
			return usage_error("%s: unknown schema 'bpfcost.%s/1' for compare (accepted: "
					   "bpfcost.bench/1, sweep/1, app/1, measure/1, lab/1)", a->paths[i],
					   s->d.files[s->d.n_files - 1].kind == RK_CHECK ? "check" : "study");
	}
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	struct compare_args a = { .threshold_pct = 5, .alpha = 0.05 };
	struct argp argp = { compare_opts, compare_parse, "OLD.json NEW.json [OLD2.json NEW2.json ...]",
			     compare_doc, compare_groups };
	struct side o = { 0 }, n = { 0 };
	struct result res = { 0 };
	struct compare_ctx ctx = { &res, &o, &n, &a };
	struct results out = { .schema = "bpfcost.compare/2", .cli = &a.cli, .ctx = &ctx,
			       .json = compare_json, .csv_cols = csv_cols, .csv_ncols = NCSV,
			       .csv_row = print_csv_row, .table = print_table };
	int ret;

	if (cli_parse(&argp, argc, argv, &a, &a.cli))
		return EXIT_USAGE;
	if ((ret = load_side(&o, &a, 0)) || (ret = load_side(&n, &a, 1)))
		goto out;
	for (int i = 0; i < o.nfiles; i++) {
		enum rp_kind ko = o.d.files[i].kind, kn = n.d.files[i].kind;

		if (ko != kn) {
			ret = usage_error("%s is %s but %s is %s: an old file and its new one must be "
					  "of one kind",
					  a.paths[2 * i], rp_schema_names[ko], a.paths[2 * i + 1],
					  rp_schema_names[kn]);
			goto out;
		}
	}
	if ((ret = check_hosts(&o, &n, &a, &res)))
		goto out;
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < (s ? n : o).d.n_files; i++)
			if ((s ? n : o).d.files[i].interrupted)
				add_warning(&res, "%s was interrupted: its finished rows are compared",
					    (s ? n : o).d.files[i].path);
	if (gather(&o) || gather(&n) || run_compare(&o, &n, &a, &res)) {
		ret = runtime_error("out of memory");
		goto out;
	}
	if (!res.nrows) {
		if (res.n_not)
			ret = usage_error("nothing to compare: %s%s", res.not_compared[0],
					  res.n_not > 1 ? " (and more)" : "");
		else
			ret = usage_error("%s and %s have no row in common (%d old rows, %d new; rows "
					  "match by workload, hook and body, app and probes, sweep "
					  "rate, lab variant, measured command)",
					  a.paths[0], a.paths[1], count_rows(&o), count_rows(&n));
		goto out;
	}
	summarize_result(&res, &a);
	if ((ret = results_save(&out, res.nrows)))
		goto out;
	ret = results_finish(&out, res.nrows, res.regressed > 0);
	if (!ret && res.inconclusive)
		ret = EXIT_INCONCLUSIVE;
	if (a.cli.fmt != OUT_TABLE)
		fprintf(stderr, "%s\n", res.summary); /* the verdict, beside the machine output */
out:
	result_free(&res);
	free(o.it);
	free(n.it);
	rp_free(&o.d);
	rp_free(&n.d);
	return ret;
}
