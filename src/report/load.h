/* SPDX-License-Identifier: GPL-2.0 */
/* Loading and validating result files for `report` and `compare`:
 * bpfcost.bench/1, sweep/1, app/1, measure/1, lab/1, check/1, study/1 (a study's
 * plan and phases), one by one or every one in a directory (a study's).
 * Tolerant of extra
 * fields and nulls; strict about the schema name and the shape (object,
 * arrays). Strings point into the parsed JSON, which lives as long as the
 * rp_data. */
#ifndef BPFCOST_REPORT_LOAD_H
#define BPFCOST_REPORT_LOAD_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

enum rp_kind { RK_BENCH, RK_SWEEP, RK_APP, RK_MEASURE, RK_LAB, RK_CHECK, RK_STUDY, RK_N };
extern const char *const rp_schema_names[RK_N];

struct rp_file {
	const char *path;
	char *own_path;          /* path, when d owns it (a directory's file) */
	json_object *root;
	enum rp_kind kind;
	int host;
	const char *created, *version;
	bool interrupted;
};

/* The paired trials behind a row, in file order: trial i's baseline and
 * probe values (ns per op; throughput per run for app). n is 0 when the
 * file has none, or arrays of different lengths. Owned by the rp_data. */
struct rp_trials {
	double *base, *probe;
	int n;
};

struct rp_host {
	char label[160];         /* "hostname (kernel)" */
	const char *hostname, *kernel, *arch, *cpu_model, *smt, *virt, *governor,
		*clocksource, *timer;
	double cpus, jit, timer_overhead_ns;
	int turbo;               /* -1 unknown, 0, 1 */
	bool emulated;
	json_object *env, *mitigations;
	int nfiles;
};

/* One configuration: workload x hook x body on one host. */
struct rp_bench_row {
	int host, file;
	const char *workload, *hook, *body, *status, *reason;
	double ops, events, lost, base_ns, probe_ns, overhead_ns, ci_lo, ci_hi, overhead_pct;
	double overhead_mean_ns;   /* the plain mean, for CPU cost; NaN if absent */
	double mean_lo, mean_hi;   /* its 95% interval */
	double base_p50, base_p99, base_p999, probe_p50, probe_p99, probe_p999;
	double prog_avg_ns, dispatch_ns, trials, samples;
	double buf_kernel_bytes;   /* output buffers' kernel memory; NaN: none */
	double buf_size;           /* the file's config.buf_size */
	/* the file's config.background: "cpu", "mem" (a load on the other
	 * CPUs); NULL for the quiet figure */
	const char *background;
	/* hook "obj" (bench --obj): the object's output path ("perfbuf",
	 * "ringbuf"; NULL: none) and its programs' hook kinds ("kprobe") */
	const char *obj_output, *obj_kinds, *obj_path;
	struct rp_trials tr;       /* base_trials_ns, probe_trials_ns */
	/* the split of the overhead (bench's Method 7): body and dispatch with
	 * their intervals, and "resolved" / "unresolved" with its reason; NULL
	 * in files from before the split had a stats floor (their program
	 * time includes the stats' own cost: nothing is built on it) */
	double body_ns, body_lo, body_hi, dispatch_lo, dispatch_hi;
	const char *split, *split_reason;
};

struct rp_sweep_point {
	int host, file;
	const char *workload, *hook, *body, *arrival, *consumer, *flow, *status, *reason;
	double target_rate, achieved_rate, threads;
	bool max;                  /* the ceiling point (no target rate) */
	double base_ns, overhead_ns, overhead_lo, overhead_hi;
	double base_p50, base_p99, base_p999, base_max, probe_p50, probe_p99, probe_p999, probe_max;
	double cpu_workload_pct, cpu_consumer_pct, prog_avg_ns, system_overhead_pct;
	double produced, consumed, lost, loss_pct;
	/* a phase behind schedule: its latency from the scheduled start is
	 * the backlog of a rate not sustained */
	bool base_backlog, probe_backlog;
};

struct rp_knee {
	int host, file;
	const char *workload, *hook, *body, *cause;
	bool found;                /* false: no knee within the rates measured */
	double rate, lo, hi;
	double max_cpu_pct, max_loss_pct; /* the bounds the sweep used, if given */
};

struct rp_app_row {
	int host, file;
	const char *app, *hook, *body, *status, *reason, *unit;
	double base_tput, probe_tput, change_pct, change_lo, change_hi;
	double base_p50, base_p99, base_p999, probe_p50, probe_p99, probe_p999; /* ns */
	double event_rate, bpf_cpu_pct, app_cpu_pct, lost;
	const char *syscalls;      /* "munmap,madvise,brk": part of the row's identity */
	struct rp_trials tr;       /* base_runs, probe_runs (throughput) */
	/* the change bench predicts (app's "prediction"), NaN when none;
	 * pred_agrees 1/0, -1 when not compared */
	double pred_pct, pred_lo, pred_hi;
	int pred_agrees;
	const char *pred_reason;
	/* what an event cost the application (from its CPU per op) and in
	 * bench (the first syscall's row), ns */
	double app_ns_event, bench_ns_event;
	/* the programs' mean run in the app (stats window) and in bench's
	 * stats phase, ns: both with BPF stats on */
	double bpf_avg_ns, bench_prog_ns;
};

struct rp_measure_row {
	int host, file;
	const char *cmd, *workload, *mode, *status, *reason;
	double base_ns, probe_ns, overhead_ns, ci_lo, ci_hi, overhead_pct;
	struct rp_trials tr;
};

struct rp_measure_prog {
	int host, file;
	const char *cmd, *name, *type, *attach;
	double id, runs_per_op, avg_ns;
};

struct rp_lab_row {
	int host, file;
	const char *technique, *variant, *status, *reason, *claim, *agrees;
	double cost_ns, ci_lo, ci_hi, saving_pct;
};

/* One of lab's programs, measured as a bench row (variants[]). */
struct rp_lab_variant {
	int host, file;
	const char *name, *hook, *status, *reason;
	double base_ns, overhead_ns, ci_lo, ci_hi;
	struct rp_trials tr;
};

/* What a kernel can do, from bpfcost.check/1: a hook, a map, or
 * BPF_ENABLE_STATS, with the reason when it cannot. */
struct rp_cap {
	int host, file;
	const char *kind;          /* "hook", "map", "stats" */
	const char *name, *reason;
	bool available;
};

/* A phase of a study (bpfcost.study/1). */
struct rp_study_phase {
	int host, file;
	const char *name, *status, *what, *shortened, *note, *result;
	double estimate_s, elapsed_s;
};

/* What rp_data holds: one growing array of each kind, in load order. */
#define RP_ARRAYS(X)                       \
	X(struct rp_file, files)           \
	X(struct rp_host, hosts)           \
	X(struct rp_bench_row, bench)      \
	X(struct rp_sweep_point, points)   \
	X(struct rp_knee, knees)           \
	X(struct rp_app_row, apps)         \
	X(struct rp_measure_row, measures) \
	X(struct rp_measure_prog, mprogs)  \
	X(struct rp_lab_row, labs)         \
	X(struct rp_lab_variant, labvars)  \
	X(struct rp_cap, caps)             \
	X(struct rp_study_phase, phases)

#define RP_ARRAY(T, name) T *name; int n_##name, cap_##name;

struct rp_data {
	RP_ARRAYS(RP_ARRAY)
};

/* Load one file into d. Returns 0, or -1 with one line in err. */
int rp_load_file(struct rp_data *d, const char *path, char *err, size_t errlen);
/* A file, or every *.json of a directory (sorted by name) whose schema is
 * one of the above; the directory's other files (check.json, ...) are
 * passed over. Paths are kept (d owns the copies). 0, or -1 with one line
 * in err (a directory without any result is an error too). */
int rp_load_path(struct rp_data *d, const char *path, char *err, size_t errlen);
void rp_free(struct rp_data *d);

/* Helpers the sections share. */
const char *rp_s(const char *s);         /* NULL -> "-" */
bool rp_has_output(const char *body);    /* ringbuf, perfbuf: events to lose */
/* A bench row's output path: its body's, or an --obj row's object's. */
bool rp_row_emits(const struct rp_bench_row *r);
bool rp_is_control(const char *hook);    /* the "null" row */
double rp_added(double probe, double base);

#endif
