/* SPDX-License-Identifier: GPL-2.0 */
/* Application scenarios of `bpfcost app`: a real program and its own load
 * generator, each one entry in a table (app_scenarios.c). A scenario runs
 * in a temporary directory and a cgroup of its own, so the probes can
 * filter on the application's processes (postgres has many) and its CPU
 * can be read from the cgroup, and everything it started can be killed on
 * any exit path (cgroup.kill). */
#ifndef BPFCOST_APP_SCENARIOS_H
#define BPFCOST_APP_SCENARIOS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define APP_MAX_BINS 4

/* One load-generator run, as the generator itself reports it. */
struct app_run {
	double ops;          /* requests / transactions / iterations completed */
	double seconds;      /* the generator's own elapsed time */
	double throughput;   /* ops / seconds */
	double p50_ms, p99_ms, p999_ms; /* NaN where the generator does not give it */
	double app_cpu_pct;  /* the application's cgroup CPU over the run, % of one CPU */
	double app_cpu_us;   /* the same, in CPU microseconds */
	double wall_s;       /* our wall time of the run */
};

/* Ops the load completed, from its own log (pgbench's per-transaction
 * log, the scripts' per-iteration lines), read after the load: each op's
 * end (CLOCK_MONOTONIC, now_ns's clock) and duration, sorted by end. */
struct app_oplog {
	uint64_t *end_ns;
	uint64_t *dur_ns;
	size_t n, cap;
	/* every op that ended before this is in the log (pgbench buffers its
	 * log per thread: the earliest of the threads' last lines) */
	uint64_t complete_ns;
};

/* A running scenario instance. */
struct app_env {
	const struct app_scenario *sc;
	char dir[256];                /* mkdtemp; removed by app_env_destroy */
	char cgroup[PATH_MAX];        /* cgroup v2 directory; "" when none */
	uint64_t cgroup_id;           /* what bpf_get_current_cgroup_id() returns */
	char bin[APP_MAX_BINS][PATH_MAX]; /* resolved binaries, in sc->bins order */
	char apps_dir[PATH_MAX];      /* where apps/python_gc.py etc. live */
	pid_t server;                 /* the server's main process, 0 when none */
	double duration_s;            /* target length of one run */
	uint64_t requests;            /* redis: requests per run (calibrated) */
	int pg_scale;                 /* postgres: pgbench -i scale */
	/* windowed scenarios (redis): the load that runs through a probe set's
	 * windows, and our connection for reading the server's op counter */
	bool windowed;                /* the windowed method, not separate runs */
	double window_s;              /* one measurement window */
	pid_t load;                   /* the continuous load generator, 0 when none */
	int ctl_fd;                   /* -1 when not connected */
	int clients;                  /* load generator connections */
	int64_t epoch_shift_ns;       /* CLOCK_REALTIME - CLOCK_MONOTONIC at load start */
	bool release;                 /* --release: the memory-release load shape */
	char version[128];            /* the server's version, for the record */
};

struct app_scenario {
	const char *name;
	const char *desc;
	const char *unit;                       /* throughput unit: "ops/s", "tps" */
	const char *bins[APP_MAX_BINS];         /* programs it needs (NULL-ended) */
	const char *pkgs[APP_MAX_BINS];         /* the Debian package of each */
	const char *script;                     /* file in the apps dir, or NULL */
	/* Start the server, fill its data, calibrate; untimed. */
	int (*setup)(struct app_env *e, char *err, size_t len);
	/* One measured run of the load generator. */
	int (*run)(struct app_env *e, struct app_run *r, char *err, size_t len);
	/* Stop the server gracefully (app_env_destroy kills what is left). */
	void (*stop)(struct app_env *e);
	const char *filter_note;                /* how the probes select the app */
	double default_duration_s;              /* one run; short runs pair better on a busy machine */
	int default_repeat;
	/* The windowed method (NULL: separate runs). The load runs without a
	 * break through a probe set's windows, and throughput is read from the
	 * application's own op counter at each window's ends: windows adjacent
	 * in time pair much better than separate runs here. */
	int (*load_start)(struct app_env *e, char *err, size_t len);
	void (*load_stop)(struct app_env *e);
	/* Either a cumulative op count read live at both ends of a window
	 * (redis: total_commands_processed; latency then from separate runs),
	 * or the load's own op log, read once the load has stopped, each op
	 * counted in the window it ended in (sequential ops: by the part of
	 * it inside the window), its duration in that window's latency. */
	int (*ops_read)(struct app_env *e, uint64_t *ops, char *err, size_t len);
	int (*ops_log)(struct app_env *e, struct app_oplog *log, char *err, size_t len);
	bool ops_sequential;                    /* one op at a time (the scripts) */
	const char *op_counter;                 /* what counts the ops, for the record */
	double warmup_s;                        /* load before the first window */
	double window_s;                        /* default window length */
	int window_pairs;                       /* default window pairs per probe set */
	double latency_run_s;                   /* each separate latency run (ops_read) */
	/* --release, the memory-release load shape: the scripts' --release
	 * count per iteration, an environment variable for the application */
	int release_per_op;
	const char *release_env;
	/* without $TMPDIR, its directory goes to /dev/shm when that tmpfs has
	 * this much room (0: never) */
	unsigned long long tmpfs_bytes;
};

extern const struct app_scenario app_scenarios[];
extern const int nr_app_scenarios;
extern const char *const app_names[];

/* Resolve sc's binaries into e->bin: $BPFCOST_APP_PATH (a PATH-like list)
 * when set, else $PATH, /usr/sbin, /usr/lib/postgresql/N/bin (newest N).
 * Returns 0, or -1 with one line in err naming the program and package. */
int app_find_bins(const struct app_scenario *sc, struct app_env *e, char *err, size_t len);
/* The directory of the helper scripts: $BPFCOST_APPS, else apps/ beside the
 * binary, else ../share/bpfcost/apps beside it. */
int app_find_scripts(const struct app_scenario *sc, struct app_env *e, char *err, size_t len);

/* Temporary directory and cgroup. Returns 0 or -1 with err. */
int app_env_create(struct app_env *e, char *err, size_t len);
/* Stop the server, kill every process of the cgroup, remove cgroup and
 * directory. Safe to call twice and on a half-created env. */
void app_env_destroy(struct app_env *e);

/* Load generators' output, into r (0, or -1 when there is no result). */
int app_parse_redis_csv(const char *path, uint64_t n_per_test, struct app_run *r);
int app_parse_pgbench(const char *path, struct app_run *r);
int app_parse_script_json(const char *path, struct app_run *r);

/* RESP: total_commands_processed from an INFO stats reply (bulk string
 * "$N\r\n...\r\n"), 0 or -1 when absent. */
int app_parse_redis_info(const char *reply, uint64_t *ops);

/* 0 while the continuous load runs (or there is none); -1 with err once
 * it has exited. */
int app_load_alive(struct app_env *e, char *err, size_t len);

/* Op logs: append one op (0 or -1 out of memory), sort by end, free. */
int app_oplog_add(struct app_oplog *log, uint64_t end_ns, uint64_t dur_ns);
void app_oplog_sort(struct app_oplog *log);
void app_oplog_free(struct app_oplog *log);
/* pgbench -l lines ("client txno latency_us script epoch_s us"), into
 * log with ends shifted to CLOCK_MONOTONIC; the scripts' "END_NS DUR_NS"
 * lines as they are. Returns the latest end in the file, 0 when none. */
uint64_t app_parse_pgbench_log(const char *path, int64_t epoch_shift_ns, struct app_oplog *log);
uint64_t app_parse_iter_log(const char *path, struct app_oplog *log);

/* Cumulative CPU of the cgroup in microseconds (cpu.stat usage_usec). */
int64_t app_cgroup_cpu_us(const struct app_env *e);

#endif
