/* SPDX-License-Identifier: GPL-2.0 */
/* What a program really costs: BPF stats time only its body, while each
 * run also pays its hook's dispatch (a uprobe's trap, a tracepoint's
 * perf record, a trampoline). That dispatch is calibrated per kind of
 * hook on this host with bench's method (src/core/engine.c), in a child
 * process at start, and cached per kernel and CPU; or read from a bench
 * result (--calibration FILE). Each program then gets its dispatch
 * estimate, its full cost per run and its full CPU share, and the host a
 * total. */
#ifndef BPFCOST_TOP_DISPATCH_H
#define BPFCOST_TOP_DISPATCH_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/probe.h" /* enum hook_id, NR_HOOKS */
#include "top/collect.h"
#include "top/stats_ctl.h"

enum top_disp_state { DISP_OFF, DISP_CALIBRATING, DISP_READY, DISP_FAILED };
enum top_disp_status { DS_NONE, DS_OK, DS_UNSUPPORTED, DS_FAILED, DS_UNRESOLVED };
extern const char *const top_disp_status_names[]; /* "none", "ok", ... */

/* One kind of hook. Every figure is per run with BPF stats on, the state
 * top keeps them in: dispatch = an empty program's whole cost per hit
 * (overhead) less its AVG, so AVG + dispatch is the whole cost of a run,
 * the stats' own share included. */
struct top_hook_cost {
	enum top_disp_status status;
	double dispatch_ns, lo_ns, hi_ns;      /* estimate, 95% interval */
	double overhead_ns, ovh_lo_ns, ovh_hi_ns;
	double avg_ns;
	/* user-space hooks: hits back to back and hits 1 ms apart (isolated),
	 * of which dispatch is the midpoint; NaN otherwise */
	double b2b_ns, b2b_lo_ns, b2b_hi_ns, iso_ns, iso_lo_ns, iso_hi_ns;
	int pairs;
	double seconds;  /* the calibration's time */
	bool stats_on;   /* bench file: its trials ran with stats on */
	char reason[160];
};

struct top_dispatch {
	enum top_disp_state state;
	const char *source;     /* "calibrated", "cache", "file"; NULL */
	struct top_hook_cost hook[NR_HOOKS]; /* [HOOK_NULL] unused */
	char date[32], kernel[128], kernel_version[192], cpu_model[160];
	char path[4096];        /* the cache file, or --calibration FILE */
	char note[192];         /* why not ready; or what to know about it */
	/* the calibration child */
	pid_t child;
	int fd;                 /* read end of its pipe, -1 */
	char *buf;
	size_t len, cap;
	uint64_t start_ns;
	struct top_stats *stats; /* its cost goes into the cache */
};

void top_dispatch_init(struct top_dispatch *d);
/* --calibration FILE (a bpfcost.bench/1 result): 0, or EXIT_USAGE after
 * one line saying what is accepted. Read before stats are calibrated;
 * top_dispatch_start turns the rows into estimates. */
int top_dispatch_read_bench(struct top_dispatch *d, const char *path);
/* After stats are on and their cost measured: the bench file's rows, the
 * cache for this kernel and CPU (unless recalibrate), or a calibration in
 * a child process (unless !calibrate). Fills s's cost from the cache when
 * it could not be measured now. */
void top_dispatch_start(struct top_dispatch *d, bool calibrate, bool recalibrate,
			struct top_stats *s);
/* Collect a finished calibration (wait: until it ends or a signal);
 * true when the state changed. */
bool top_dispatch_poll(struct top_dispatch *d, bool wait);
/* End a calibration still running; free what d holds. */
void top_dispatch_stop(struct top_dispatch *d);
/* Each program's dispatch and full figures, and st->host. */
void top_dispatch_apply(const struct top_dispatch *d, struct top_state *st);
/* The hook kind a program's attach points share (enum hook_id), or -1
 * with why in note. */
int top_prog_hook(const struct top_prog *p, char *note, size_t len);
/* "dispatch ns/run (cache 2026-12-03): tp 95 rawtp 28 uprobe 7800" */
const char *top_dispatch_line(const struct top_dispatch *d, char *buf, size_t len);
/* the hooks and program kinds without an estimate, and why */
const char *top_dispatch_gaps(const struct top_dispatch *d, char *buf, size_t len);
json_object *top_dispatch_json(const struct top_dispatch *d);
/* Where the cache lives: $CACHE_DIRECTORY (a systemd service's
 * CacheDirectory=), else $XDG_CACHE_HOME/bpfcost, else /var/cache/bpfcost
 * for root and ~/.cache/bpfcost for others. */
const char *top_dispatch_cache_dir(char *buf, size_t len);

#endif
