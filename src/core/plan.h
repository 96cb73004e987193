/* SPDX-License-Identifier: GPL-2.0 */
/* The plan of a study (bpfcost study): which phases run, with which
 * options, and how long each should take, fitted to a time budget. Pure
 * computation: no process is started here. Each phase is one run of a
 * bpfcost command writing one results file; study.c runs them.
 *
 *   plan_build(&req, &p);             every phase the request asks for,
 *                                     at the commands' own defaults
 *   plan_fit(&p, 0, budget_s, 1.0);   shorten until it fits, saying what
 *   plan_argv(&p.ph[i], &req, out, argv, n);   the command line of phase i
 *
 * Estimates come from a cost model of each command (per row, per pair,
 * per point) with constants from the development VM; study scales them by
 * what the phases already run really took and fits the rest again before
 * each phase. */
#ifndef BPFCOST_PLAN_H
#define BPFCOST_PLAN_H

#include <stdbool.h>
#include <stddef.h>

enum phase_kind {
	PH_CHECK,    /* bpfcost check --json */
	PH_BENCH,    /* the built-in matrix */
	PH_OBJ,      /* bench --obj: a probe of the user's */
	PH_SWEEP,    /* rates 1k..1m, perf and ring buffer */
	PH_APP,      /* one application */
	PH_LOAD,     /* bench --background cpu|mem (built-in) */
	PH_OBJ_LOAD, /* bench --obj --background cpu|mem */
	PH_REGIONS,  /* madvise and munmap of 4 KiB to 2 MiB */
	PH_LAB,      /* the optimisation lab (only when asked) */
	PH_REPORT,   /* report DIR -o DIR/report.html */
	NR_PHASE_KINDS
};
/* Their names (study --only takes them but obj-load, which obj and load
 * together select). */
extern const char *const phase_kind_names[NR_PHASE_KINDS];

#define PLAN_MAX_OBJS 8
#define PLAN_MAX_APPS 4
#define PLAN_MAX_PHASES 40

struct plan_obj {
	const char *path;
	char workloads[128]; /* the study's workloads its programs trace */
	char hook[16];       /* its programs' hook kind: tp, kprobe, ... */
	bool runnable;       /* false: not measured here, note says why */
	char note[320];
};

struct plan_req {
	double budget_s;
	char workloads[160];    /* the study's: "munmap,madvise" */
	const char *apps[PLAN_MAX_APPS]; /* installed ones only */
	int napps;
	unsigned only;          /* phase kinds wanted, bit per enum phase_kind */
	struct plan_obj objs[PLAN_MAX_OBJS];
	int nobjs;
	int cpus;               /* online CPUs */
	bool kprobes;           /* the kernel has kprobes */
	bool fentry;            /* and fentry (check says; until then, a guess) */
	const char *dir;        /* where the results go (report reads it) */
};

struct plan_phase {
	enum phase_kind kind;
	char name[32];          /* "bench", "obj1", "load-cpu": the file NAME.json */
	int obj;                /* PH_OBJ, PH_OBJ_LOAD: index into req.objs */
	int app;                /* PH_APP: index into req.apps */
	const char *background; /* PH_LOAD, PH_OBJ_LOAD: "cpu" or "mem" */
	/* the knobs fitting turns; each phase uses those of its kind */
	int trials;             /* bench: 0 adaptive (the command's minimum), else exactly */
	double max_time_s;      /* bench, adaptive: seconds of pairs a row may take */
	double duration_s;      /* sweep: seconds of baseline and of probe per point */
	int repeat;             /* app: window or run pairs per probe set */
	bool lab_short;
	bool dropped;           /* left out to fit the budget */
	bool fixed;             /* already run: fitting leaves it and its time alone */
	double est_s;
	char what[320];         /* what it runs, in words */
	char shortened[200];    /* against the commands' defaults; "" none */
};

struct plan {
	struct plan_phase ph[PLAN_MAX_PHASES];
	int n;
	double est_s;           /* of the phases not dropped */
};

/* Every phase req asks for, knobs at the commands' defaults, with their
 * estimates. Returns the number of phases. */
int plan_build(const struct plan_req *req, struct plan *p);
/* Phases from index `from` on, from their defaults again, shortened
 * (trial pairs, seconds per point, window pairs) and then left out, in an
 * order that keeps what the verdict needs longest, until their estimates
 * times scale fit in budget_s. Sets p->est_s (those phases only, unscaled)
 * and each phase's shortened text. Returns 0 when it fits, -1 when even
 * the smallest plan does not (the plan is then the smallest). */
int plan_fit(struct plan *p, const struct plan_req *req, int from, double budget_s, double scale);
/* The smallest plan's estimate from `from` on (every knob at its floor,
 * optional phases left out), for the message when nothing fits. */
double plan_floor_s(const struct plan *p, const struct plan_req *req, int from);
/* The command line of a phase (argv[0] = the command name), its results
 * to out. Strings point into ph, req, out or static storage; buf holds
 * the numbers. Returns argc. */
int plan_argv(const struct plan_phase *ph, const struct plan_req *req, const char *out,
	      const char **argv, int max, char *buf, size_t len);
/* The phase's estimate again after its knobs changed. */
double plan_estimate(const struct plan_phase *ph, const struct plan_req *req);
/* "2m05s", "48s" */
const char *plan_fmt_s(char *buf, size_t len, double s);

#endif
