// SPDX-License-Identifier: GPL-2.0
/* A study's plan and its fit to a time budget (plan.h). */
#include "core/plan.h"
#include "base/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const phase_kind_names[NR_PHASE_KINDS] = {
	[PH_CHECK] = "check", [PH_BENCH] = "bench", [PH_OBJ] = "obj", [PH_SWEEP] = "sweep",
	[PH_APP] = "app", [PH_LOAD] = "load", [PH_OBJ_LOAD] = "obj-load",
	[PH_REGIONS] = "regions", [PH_LAB] = "lab", [PH_REPORT] = "report",
};

/* ---- what each phase runs ---- */

/* The built-in matrix: the directive's test matrix (empty, hash lookup,
 * perf output, ring buffer) on every entry hook; a hook this kernel lacks
 * is a row that says so, at no cost. */
#define BENCH_HOOKS "tp,rawtp,tp_btf,kprobe,fentry"
#define BENCH_BODIES "empty,hash,perfbuf,ringbuf"
/* Under load: the hook alone and the directive's output, on the classic
 * and the raw tracepoint. */
#define LOAD_HOOKS "tp,rawtp"
#define LOAD_BODIES "empty,perfbuf"
#define SWEEP_BODIES "perfbuf,ringbuf"
#define SWEEP_RATES "1k,10k,100k,1m"
#define SWEEP_NRATES 4
#define APP_HOOK "tp"
#define APP_BODIES "perfbuf,ringbuf"
#define APP_SETS 3 /* null, tp/perfbuf, tp/ringbuf */

/* The commands' defaults (bench.c, sweep.c, app.c): what "shortened" is
 * measured against. */
#define BENCH_PAIRS 60
#define BENCH_PAIRS_OBJ 30
#define BENCH_MAX_TIME_S 8.0
#define SWEEP_DURATION_S 5.0
#define APP_REPEAT_WINDOWS 80 /* redis */
#define APP_REPEAT_RUNS 10

/* ---- the cost model ---- */

/* Seconds per op on a machine of the development VM's kind: the timed op,
 * and everything a trial runs per op (the untimed map and touch before
 * it, the timer). Workloads not listed cost like getpid. */
static const struct {
	const char *name;
	double timed_s, all_s;
} op_cost[] = {
	{ "getpid", 0.15e-6, 0.2e-6 },
	{ "munmap", 1.5e-6, 4e-6 },
	{ "madvise", 1.0e-6, 2e-6 },
	{ "storm", 4e-6, 4e-6 },
	{ "madvise_free", 0.5e-6, 1e-6 },
	{ "munmap_64k", 6e-6, 20e-6 },
	{ "madvise_64k", 5e-6, 25e-6 },
	{ "madvise_free_64k", 3e-6, 6e-6 },
	{ "munmap_2m", 80e-6, 400e-6 },
	{ "madvise_2m", 80e-6, 500e-6 },
	{ "madvise_free_2m", 50e-6, 80e-6 },
};
/* Per pair: attaching and detaching (RCU expedited), the switch between
 * CPUs; per row: loading, sizing the trials; a probe loaded again every
 * 10 pairs. */
#define SWITCH_S 0.010
#define ROW_S 0.15
#define RELOAD_S 0.03
#define UNSUPPORTED_ROW_S 0.05
/* bench's trial sizing (engine.c): ~5 ms of the slower phase, at least
 * 2500 ops and 10,000 timed ops a phase, fewer for large regions */
#define TRIAL_S 0.005
/* a machine busy on its other CPUs runs the phases this much slower */
#define LOADED 1.15

static void op_of(const char *w, double *timed, double *all, double *pages)
{
	*timed = 0.15e-6;
	*all = 0.2e-6;
	*pages = strstr(w, "_2m") ? 512 : strstr(w, "_64k") ? 16 : 1;
	for (size_t i = 0; i < ARRAY_SIZE(op_cost); i++)
		if (!strcmp(op_cost[i].name, w)) {
			*timed = op_cost[i].timed_s;
			*all = op_cost[i].all_s;
		}
}

/* One bench row of workload w: pairs minimum pairs (exactly, when
 * max_time_s is 0), adaptive up to max_time_s of pairs. */
static double row_s(const char *w, int pairs, double max_time_s)
{
	double timed, all, pages, n, phase, pair, t;

	op_of(w, &timed, &all, &pages);
	n = fmax(TRIAL_S / timed, pages > 1 ? fmax(2500 / pages, 50) : 2500);
	n = fmax(n, (pages > 1 ? 2000 : 10000) / (double)pairs);
	phase = 1.2 * n * all; /* a fifth more: the untimed warm-up */
	pair = 2 * phase + SWITCH_S;
	t = pairs * pair;
	/* an adaptive row goes on until its interval is narrow or its time
	 * is spent: planned as spent */
	if (max_time_s > t)
		t = max_time_s;
	return ROW_S + t + (t / pair / 10) * RELOAD_S + phase;
}

static int list_len(const char *s)
{
	int n = s && *s ? 1 : 0;

	for (; s && *s; s++)
		n += *s == ',';
	return n;
}

/* The items of a comma list, at most max. */
#define MAX_ITEMS 16
static int items(const char *list, char out[][64], int max)
{
	int n = 0;

	for (const char *p = list, *e; p && *p && n < max; p = *e ? e + 1 : e) {
		e = p + strcspn(p, ",");
		snprintf(out[n++], 64, "%.*s", (int)(e - p), p);
	}
	return n;
}

/* Hooks of the built-in matrix this kernel is expected to have. */
static int hooks_ok(const struct plan_req *r)
{
	return 3 + r->kprobes + r->fentry; /* tp, rawtp, tp_btf; kprobe, fentry */
}

static double bench_like_s(const struct plan_phase *ph, const struct plan_req *r,
			   const char *workloads, int nhooks_ok, int nhooks, int nbodies)
{
	int pairs = ph->trials ? ph->trials : ph->kind == PH_OBJ || ph->kind == PH_OBJ_LOAD ?
					       BENCH_PAIRS_OBJ : BENCH_PAIRS;
	double t = 0, mt = ph->trials ? 0 : ph->max_time_s;
	char w[MAX_ITEMS][64];
	int nw = items(workloads, w, MAX_ITEMS);

	for (int i = 0; i < nw; i++) {
		t += row_s(w[i], pairs, mt); /* the null row */
		t += nhooks_ok * nbodies * row_s(w[i], pairs, mt);
		t += (nhooks - nhooks_ok) * nbodies * UNSUPPORTED_ROW_S;
	}
	return t;
}

/* Sized workloads of the study's families: munmap -> munmap_64k,
 * munmap_2m; madvise -> madvise_free, madvise_64k, ... */
static void region_workloads(const struct plan_req *r, char *buf, size_t len)
{
	static const struct { const char *family, *sized; } fam[] = {
		{ "munmap", "munmap_64k,munmap_2m" },
		{ "madvise", "madvise_64k,madvise_2m,madvise_free,madvise_free_64k,madvise_free_2m" },
	};
	char w[MAX_ITEMS][64];
	int nw = items(r->workloads, w, MAX_ITEMS);
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(fam); i++)
		for (int k = 0; k < nw; k++)
			if (!strcmp(w[k], fam[i].family) && off < len)
				off += snprintf(buf + off, len - off, "%s%s", off ? "," : "", fam[i].sized);
}

/* The study workload the sweep runs: the first that releases memory. */
static void sweep_workload(const struct plan_req *r, char *buf, size_t len)
{
	char w[MAX_ITEMS][64];
	int nw = items(r->workloads, w, MAX_ITEMS);

	snprintf(buf, len, "%.63s", nw ? w[0] : "munmap");
	for (int k = 0; k < nw; k++)
		if (strcmp(w[k], "getpid")) {
			snprintf(buf, len, "%.63s", w[k]);
			return;
		}
}

/* The sweep's hook: the user's probe's when bpfcost has it built in and
 * the kernel runs it, else the classic tracepoint. */
static const char *sweep_hook(const struct plan_req *r)
{
	for (int i = 0; i < r->nobjs; i++) {
		const char *h = r->objs[i].hook;

		if (!r->objs[i].runnable)
			continue;
		if (!strcmp(h, "rawtp") || !strcmp(h, "tp_btf") || !strcmp(h, "fentry") ||
		    (!strcmp(h, "kprobe") && r->kprobes))
			return h;
		break;
	}
	return "tp";
}

static bool redis(const struct plan_phase *ph, const struct plan_req *r)
{
	return ph->kind == PH_APP && !strcmp(r->apps[ph->app], "redis");
}

double plan_estimate(const struct plan_phase *ph, const struct plan_req *r)
{
	char buf[256];
	double t = 0;

	if (ph->dropped)
		return 0;
	switch (ph->kind) {
	case PH_CHECK: return 4;
	case PH_REPORT: return 3;
	case PH_LAB: return ph->lab_short ? 40 : 120;
	case PH_BENCH:
		return bench_like_s(ph, r, r->workloads, hooks_ok(r), list_len(BENCH_HOOKS),
				    list_len(BENCH_BODIES));
	case PH_OBJ:
		return bench_like_s(ph, r, r->objs[ph->obj].workloads, 1, 1, 1);
	case PH_OBJ_LOAD:
		return LOADED * bench_like_s(ph, r, r->objs[ph->obj].workloads, 1, 1, 1);
	case PH_LOAD:
		return LOADED * bench_like_s(ph, r, r->workloads, 2, 2, 2);
	case PH_REGIONS:
		region_workloads(r, buf, sizeof(buf));
		return bench_like_s(ph, r, buf, 1, 1, 1);
	case PH_SWEEP: {
		double d = ph->duration_s, stats = fmin(fmax(d / 10, 0.2), 1);

		return list_len(SWEEP_BODIES) * (0.3 + SWEEP_NRATES * (2 * d + stats + 0.5));
	}
	case PH_APP:
		if (redis(ph, r)) /* windows of 0.2 s, latency runs, start-up */
			return 8 + APP_SETS * (ph->repeat * 2 * 0.2 + 6);
		if (!strcmp(r->apps[ph->app], "postgres"))
			t = 20;
		return t + 2 + APP_SETS * (ph->repeat * 2 * 2.0 + 2);
	default:
		return t;
	}
}

const char *plan_fmt_s(char *buf, size_t len, double s)
{
	if (!isfinite(s) || s < 0)
		snprintf(buf, len, "-");
	else if (s >= 60)
		snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(buf, len, "%.0fs", s);
	return buf;
}

/* ---- building ---- */

static struct plan_phase *add(struct plan *p, enum phase_kind k, const char *name)
{
	struct plan_phase *ph;

	if (p->n == PLAN_MAX_PHASES)
		return NULL;
	ph = &p->ph[p->n++];
	memset(ph, 0, sizeof(*ph));
	ph->kind = k;
	snprintf(ph->name, sizeof(ph->name), "%s", name);
	return ph;
}

/* Knobs at the commands' defaults. */
static void defaults(struct plan_phase *ph, const struct plan_req *r)
{
	ph->trials = 0;
	ph->max_time_s = BENCH_MAX_TIME_S;
	ph->duration_s = SWEEP_DURATION_S;
	ph->repeat = redis(ph, r) ? APP_REPEAT_WINDOWS : APP_REPEAT_RUNS;
	ph->lab_short = false;
	ph->dropped = false;
	ph->shortened[0] = '\0';
}

static bool wanted(const struct plan_req *r, enum phase_kind k)
{
	/* your probes under load: both asked for */
	if (k == PH_OBJ_LOAD)
		return (r->only & (1u << PH_OBJ)) && (r->only & (1u << PH_LOAD));
	return r->only & (1u << k);
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void describe(struct plan_phase *ph, const struct plan_req *r)
{
	char buf[256];

	switch (ph->kind) {
	case PH_CHECK:
		snprintf(ph->what, sizeof(ph->what), "the hooks and maps this kernel has, and why not");
		break;
	case PH_BENCH:
		snprintf(ph->what, sizeof(ph->what), "%s x %s x %s", r->workloads, BENCH_HOOKS,
			 BENCH_BODIES);
		break;
	case PH_OBJ:
	case PH_OBJ_LOAD:
		snprintf(ph->what, sizeof(ph->what), "%s on %s%s%s%s", base(r->objs[ph->obj].path),
			 r->objs[ph->obj].workloads, ph->background ? ", a " : "",
			 ph->background ? ph->background : "", ph->background ? " load beside" : "");
		break;
	case PH_LOAD:
		snprintf(ph->what, sizeof(ph->what), "%s x %s x %s, a %s load on the other CPU%s",
			 r->workloads, LOAD_HOOKS, LOAD_BODIES, ph->background, r->cpus > 2 ? "s" : "");
		break;
	case PH_REGIONS:
		region_workloads(r, buf, sizeof(buf));
		snprintf(ph->what, sizeof(ph->what), "%s x tp x perfbuf", buf);
		break;
	case PH_SWEEP:
		sweep_workload(r, buf, sizeof(buf));
		snprintf(ph->what, sizeof(ph->what), "%s x %s x %s at %s/s", buf, sweep_hook(r),
			 SWEEP_BODIES, SWEEP_RATES);
		break;
	case PH_APP:
		snprintf(ph->what, sizeof(ph->what), "%s under its load generator: null, %s x %s",
			 r->apps[ph->app], APP_HOOK, APP_BODIES);
		break;
	case PH_LAB:
		snprintf(ph->what, sizeof(ph->what), "the optimisation techniques, one by one");
		break;
	case PH_REPORT:
		snprintf(ph->what, sizeof(ph->what), "report.html: decision matrix, budget, verdict");
		break;
	default:
		break;
	}
}

int plan_build(const struct plan_req *r, struct plan *p)
{
	char name[32], rw[256];
	struct plan_phase *ph;

	memset(p, 0, sizeof(*p));
	/* the verdict's inputs first, so that an interrupted study has them */
	if (wanted(r, PH_CHECK))
		add(p, PH_CHECK, "check");
	if (wanted(r, PH_BENCH))
		add(p, PH_BENCH, "bench");
	for (int i = 0; i < r->nobjs && wanted(r, PH_OBJ); i++) {
		if (!r->objs[i].runnable)
			continue;
		snprintf(name, sizeof(name), "obj%d", i + 1);
		if ((ph = add(p, PH_OBJ, name)))
			ph->obj = i;
	}
	if (wanted(r, PH_SWEEP))
		add(p, PH_SWEEP, "sweep");
	for (int i = 0; i < r->napps && wanted(r, PH_APP); i++) {
		snprintf(name, sizeof(name), "app-%s", r->apps[i]);
		if ((ph = add(p, PH_APP, name)))
			ph->app = i;
	}
	for (int k = 0; k < 2; k++) {
		const char *bg = k ? "mem" : "cpu";

		if (r->cpus < 2)
			break; /* no other CPU to load */
		if (wanted(r, PH_LOAD)) {
			snprintf(name, sizeof(name), "load-%s", bg);
			if ((ph = add(p, PH_LOAD, name)))
				ph->background = bg;
		}
		for (int i = 0; i < r->nobjs && wanted(r, PH_OBJ_LOAD); i++) {
			if (!r->objs[i].runnable)
				continue;
			snprintf(name, sizeof(name), "obj%d-%s", i + 1, bg);
			if ((ph = add(p, PH_OBJ_LOAD, name))) {
				ph->obj = i;
				ph->background = bg;
			}
		}
	}
	region_workloads(r, rw, sizeof(rw));
	if (wanted(r, PH_REGIONS) && rw[0])
		add(p, PH_REGIONS, "regions");
	if (wanted(r, PH_LAB))
		add(p, PH_LAB, "lab");
	if (wanted(r, PH_REPORT))
		add(p, PH_REPORT, "report");
	p->est_s = 0;
	for (int i = 0; i < p->n; i++) {
		defaults(&p->ph[i], r);
		describe(&p->ph[i], r);
		p->ph[i].est_s = plan_estimate(&p->ph[i], r);
		p->est_s += p->ph[i].est_s;
	}
	return p->n;
}

/* ---- fitting ---- */

static bool bench_like(enum phase_kind k)
{
	return k == PH_BENCH || k == PH_OBJ || k == PH_LOAD || k == PH_OBJ_LOAD || k == PH_REGIONS;
}

/* The shortening steps, cheapest loss first: rows stop pushing their
 * intervals (max_time), sweeps and applications measure for less time,
 * then fewer pairs than the commands' minimum, then phases go, those the
 * verdict needs least first. Each step is (what it turns, its value). */
enum knob { K_MAXTIME, K_DURATION, K_REPEAT, K_LAB, K_TRIALS, K_DROP };
static const struct step {
	enum knob k;
	double v; /* seconds, a fraction of the default repeat, or pairs */
} steps[] = {
	{ K_MAXTIME, 5 }, { K_DURATION, 3 }, { K_REPEAT, 0.5 }, { K_MAXTIME, 3 },
	{ K_LAB, 1 }, { K_DURATION, 2 }, { K_MAXTIME, 0 }, { K_REPEAT, 0.25 },
	{ K_DURATION, 1 }, { K_TRIALS, 40 }, { K_TRIALS, 30 }, { K_TRIALS, 20 },
	{ K_DROP, PH_OBJ_LOAD }, { K_DROP, PH_REGIONS }, { K_DROP, PH_LOAD }, { K_DROP, PH_LAB },
	{ K_DROP, PH_APP }, { K_DROP, PH_SWEEP },
};

static void apply(struct plan_phase *ph, const struct plan_req *r, const struct step *s)
{
	int def_repeat = redis(ph, r) ? APP_REPEAT_WINDOWS : APP_REPEAT_RUNS;
	int min_repeat = redis(ph, r) ? 20 : 6;

	switch (s->k) {
	case K_MAXTIME:
		if (bench_like(ph->kind) && !ph->trials)
			ph->max_time_s = fmin(ph->max_time_s, s->v);
		break;
	case K_DURATION:
		if (ph->kind == PH_SWEEP)
			ph->duration_s = fmin(ph->duration_s, s->v);
		break;
	case K_REPEAT:
		if (ph->kind == PH_APP) {
			int v = (int)lround(def_repeat * s->v);

			ph->repeat = v < min_repeat ? min_repeat : v < ph->repeat ? v : ph->repeat;
		}
		break;
	case K_LAB:
		if (ph->kind == PH_LAB)
			ph->lab_short = true;
		break;
	case K_TRIALS: {
		/* an --obj row's minimum is 30 already */
		int def = ph->kind == PH_OBJ || ph->kind == PH_OBJ_LOAD ? BENCH_PAIRS_OBJ : BENCH_PAIRS;

		if (bench_like(ph->kind) && s->v < def && (!ph->trials || s->v < ph->trials))
			ph->trials = (int)s->v;
		break;
	}
	case K_DROP:
		if (ph->kind == (enum phase_kind)s->v)
			ph->dropped = true;
		break;
	}
}

static void shortened(struct plan_phase *ph, const struct plan_req *r)
{
	int def_repeat = redis(ph, r) ? APP_REPEAT_WINDOWS : APP_REPEAT_RUNS;
	char *b = ph->shortened;
	size_t len = sizeof(ph->shortened);

	b[0] = '\0';
	if (ph->dropped)
		snprintf(b, len, "left out to fit the budget");
	else if (bench_like(ph->kind) && ph->trials)
		snprintf(b, len, "exactly %d pairs a row (default %d or more, up to %g s)", ph->trials,
			 ph->kind == PH_OBJ || ph->kind == PH_OBJ_LOAD ? BENCH_PAIRS_OBJ : BENCH_PAIRS,
			 BENCH_MAX_TIME_S);
	else if (bench_like(ph->kind) && ph->max_time_s < BENCH_MAX_TIME_S)
		snprintf(b, len, "%s%g s of pairs a row to narrow its interval (default %g)",
			 ph->max_time_s > 0 ? "at most " : "", ph->max_time_s, BENCH_MAX_TIME_S);
	else if (ph->kind == PH_SWEEP && ph->duration_s < SWEEP_DURATION_S)
		snprintf(b, len, "%g s of baseline and of probe a point (default %g)", ph->duration_s,
			 SWEEP_DURATION_S);
	else if (ph->kind == PH_APP && ph->repeat < def_repeat)
		snprintf(b, len, "%d %s pairs a probe set (default %d)", ph->repeat,
			 redis(ph, r) ? "window" : "run", def_repeat);
	else if (ph->kind == PH_LAB && ph->lab_short)
		snprintf(b, len, "--short: 6 trials a variant (default 20)");
}

static double total(struct plan *p, const struct plan_req *r, int from)
{
	double t = 0;

	for (int i = from; i < p->n; i++) {
		if (p->ph[i].fixed)
			continue;
		p->ph[i].est_s = plan_estimate(&p->ph[i], r);
		t += p->ph[i].est_s;
	}
	return t;
}

int plan_fit(struct plan *p, const struct plan_req *r, int from, double budget_s, double scale)
{
	size_t s = 0;
	int fits;

	if (!(scale > 0))
		scale = 1;
	for (int i = from; i < p->n; i++)
		if (!p->ph[i].fixed)
			defaults(&p->ph[i], r);
	while (total(p, r, from) * scale > budget_s && s < ARRAY_SIZE(steps)) {
		for (int i = from; i < p->n; i++)
			if (!p->ph[i].fixed)
				apply(&p->ph[i], r, &steps[s]);
		s++;
	}
	p->est_s = total(p, r, from);
	fits = p->est_s * scale <= budget_s;
	for (int i = from; i < p->n; i++)
		if (!p->ph[i].fixed)
			shortened(&p->ph[i], r);
	return fits ? 0 : -1;
}

double plan_floor_s(const struct plan *p, const struct plan_req *r, int from)
{
	struct plan q = *p;

	plan_fit(&q, r, from, 0, 1);
	return q.est_s;
}

/* ---- command lines ---- */

int plan_argv(const struct plan_phase *ph, const struct plan_req *r, const char *out,
	      const char **argv, int max, char *buf, size_t len)
{
	int n = 0;
	size_t off = 0;

#define ARG(s) do { if (n < max - 1) argv[n++] = (s); } while (0)
	/* a number into buf, as an argument */
#define NUMARG(fmt, v)                                                              \
	do {                                                                        \
		int _w = snprintf(buf + off, off < len ? len - off : 0, fmt, v);    \
		if (off + (size_t)_w + 1 <= len) {                                  \
			ARG(buf + off);                                             \
			off += (size_t)_w + 1;                                      \
		}                                                                   \
	} while (0)
	/* an option and its value (a number or a copy, into buf) */
#define OPT(flag, v) do { ARG(flag); ARG(v); } while (0)
#define OPTNUM(flag, fmt, v) do { ARG(flag); NUMARG(fmt, v); } while (0)
	/* the trial knobs of a bench-like phase */
#define BENCH_KNOBS()                                                               \
	do {                                                                        \
		if (ph->trials)                                                     \
			OPTNUM("--trials", "%d", ph->trials);                       \
		else if (ph->max_time_s != BENCH_MAX_TIME_S)                        \
			OPTNUM("--max-time", "%g", ph->max_time_s);                 \
	} while (0)

	switch (ph->kind) {
	case PH_CHECK:
		ARG("check");
		ARG("--json");
		break;
	case PH_BENCH:
		ARG("bench");
		OPT("--workload", r->workloads);
		OPT("--hook", BENCH_HOOKS);
		OPT("--body", BENCH_BODIES);
		BENCH_KNOBS();
		break;
	case PH_OBJ:
	case PH_OBJ_LOAD:
		ARG("bench");
		OPT("--obj", r->objs[ph->obj].path);
		OPT("--workload", r->objs[ph->obj].workloads);
		/* its buffers read like the built-in rows': the comparison is the
		 * probe's, not the reader's wake-ups */
		OPT("--consumer", "batch");
		if (ph->background)
			OPT("--background", ph->background);
		BENCH_KNOBS();
		break;
	case PH_LOAD:
		ARG("bench");
		OPT("--background", ph->background);
		OPT("--workload", r->workloads);
		OPT("--hook", LOAD_HOOKS);
		OPT("--body", LOAD_BODIES);
		BENCH_KNOBS();
		break;
	case PH_REGIONS: {
		char rw[256];

		region_workloads(r, rw, sizeof(rw));
		ARG("bench");
		OPTNUM("--workload", "%s", rw);
		OPT("--hook", "tp");
		OPT("--body", "perfbuf");
		BENCH_KNOBS();
		break;
	}
	case PH_SWEEP: {
		char w[64];

		sweep_workload(r, w, sizeof(w));
		ARG("sweep");
		OPTNUM("--workload", "%s", w);
		OPT("--hook", sweep_hook(r));
		OPT("--body", SWEEP_BODIES);
		OPT("--rates", SWEEP_RATES);
		/* read like bench's rows: the report sets the sweep's CPU beside
		 * bench's, and a reader woken per event would decide the verdict */
		OPT("--consumer", "batch");
		OPTNUM("--duration", "%g", ph->duration_s);
		break;
	}
	case PH_APP:
		ARG("app");
		ARG(r->apps[ph->app]);
		OPT("--hook", APP_HOOK);
		OPT("--body", APP_BODIES);
		OPTNUM("--repeat", "%d", ph->repeat);
		break;
	case PH_LAB:
		ARG("lab");
		if (ph->lab_short)
			ARG("--short");
		break;
	case PH_REPORT:
		ARG("report");
		ARG(r->dir);
		OPT("-o", out);
		break;
	default:
		break;
	}
	/* -o without --json: the JSON goes to the file, the table to the
	 * phase's log */
	if (ph->kind != PH_CHECK && ph->kind != PH_REPORT)
		OPT("-o", out);
	argv[n] = NULL;
	return n;
#undef ARG
#undef NUMARG
#undef OPT
#undef OPTNUM
#undef BENCH_KNOBS
}
