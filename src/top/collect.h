/* SPDX-License-Identifier: GPL-2.0 */
/* What every view of `bpfcost top` shows (table, JSON, CSV, TUI,
 * Prometheus) comes from here: the loaded programs, their run statistics,
 * what they are attached to and which processes hold them. */
#ifndef BPFCOST_TOP_COLLECT_H
#define BPFCOST_TOP_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOP_NAME_LEN 128
#define TOP_ATTACH_LEN 192
#define TOP_MAX_HOLDERS 8
#define TOP_HIST_LEN 240 /* intervals kept for the TUI's detail chart */
#define TOP_MAX_PERF 4   /* perf-event attachments kept per program */

struct top_holder {
	int pid;
	uint32_t cycle; /* scan cycle that last saw it */
	char comm[16];
};

/* An attachment without a BPF link (perf_event_open + PERF_EVENT_IOC_SET_BPF,
 * as bpftrace 0.17 and bcc attach), found on a holder's perf-event fd. */
struct top_perf_attach {
	uint32_t cycle; /* scan cycle that last saw it */
	char desc[TOP_ATTACH_LEN / 2]; /* formatted like a link's: "uprobe:/bin/x+0x1a0" */
};

struct top_prog {
	uint32_t id;
	uint32_t type;
	char type_str[32];     /* libbpf's name, "type N" when unknown */
	char name[TOP_NAME_LEN]; /* full BTF name when the kernel's is cut */
	char tag[17];
	char attach[TOP_ATTACH_LEN]; /* "tp:syscalls/sys_enter_getpid,..." or "" */
	bool name_resolved;

	/* Kernel counters at the last sample (cumulative since load, while
	 * stats were on). */
	uint64_t run_time_ns, run_cnt, recursion_misses;
	/* At the first sample bpfcost took of this program. */
	uint64_t first_run_time_ns, first_run_cnt;
	/* Differences over the last interval. */
	uint64_t d_run_time_ns, d_run_cnt, d_misses;
	bool have_interval; /* false on the first sample of a program */

	double events_per_s;
	double avg_ns;          /* this interval */
	double avg_ns_total;    /* since bpfcost started watching it */
	double cpu_core_pct;    /* % of one CPU */
	double cpu_host_pct;    /* % of all online CPUs */

	int nholders;           /* processes holding a prog or link fd */
	bool holders_more;      /* more than TOP_MAX_HOLDERS */
	uint32_t more_cycle;
	struct top_holder holders[TOP_MAX_HOLDERS];

	int nperf;              /* perf-event attachments seen by the holder scan */
	struct top_perf_attach perf[TOP_MAX_PERF];

	/* The full cost (dispatch.c): what the hook costs around each run,
	 * from the calibration of its kind of hook, and body + that. */
	const char *hook;       /* the calibrated hook kind ("uprobe"), NULL */
	double dispatch_ns, dispatch_lo_ns, dispatch_hi_ns; /* per run, NaN: none */
	char dispatch_note[64]; /* why there is no estimate */
	double full_ns;         /* avg_ns + dispatch_ns, this interval */
	double full_ns_total;   /* avg_ns_total + dispatch_ns */
	double full_core_pct, full_host_pct; /* events/s x full_ns, of one CPU / all */

	float hist_events[TOP_HIST_LEN], hist_avg[TOP_HIST_LEN];
	int hist_len, hist_pos; /* ring: next write at hist_pos */
};

struct top_link {
	uint32_t id, prog_id;
	char desc[TOP_ATTACH_LEN];
};

/* All programs of the host together, body-only and full. */
struct top_host {
	int programs, running;    /* loaded; with runs in the interval */
	int unestimated;          /* running without a dispatch estimate */
	uint64_t runs, run_time_ns;
	double events_per_s, avg_ns;
	double cpu_core_pct, cpu_host_pct;           /* bodies */
	double full_core_pct, full_host_pct;         /* bodies + dispatch (body
						      * only where no estimate) */
};

struct top_state {
	struct top_prog **progs; /* sorted by id */
	int nprogs, cap;
	struct top_link *links;
	int nlinks, links_cap;
	uint64_t t_prev_ns, t_now_ns;
	double interval_s;      /* between the last two samples */
	int ncpus;
	int samples;
	bool want_holders;      /* scan /proc for holders */
	/* The /proc scan runs in slices: each sample visits processes until
	 * holder_budget syscalls are spent, so no refresh pays for a whole
	 * host; a full cycle takes a few samples. */
	int holder_budget;
	int *scan_pids, scan_npids, scan_pos;
	int scan_resume_fd;     /* within scan_pids[scan_pos], or -1 */
	uint32_t scan_cycle;
	int scan_cycles_done;
	uint64_t collect_cpu_ns;  /* CPU time of the last sample, all of it */
	uint64_t holders_cpu_ns;  /* part of it spent in the /proc scan */
	int errors;               /* programs that vanished mid-read, etc. */
	void *vmlinux_btf;        /* struct btf *, loaded on first need */
	struct top_host host;     /* filled by top_dispatch_apply */
};

void top_state_init(struct top_state *st, bool want_holders);
void top_state_free(struct top_state *st);
/* Take a sample: enumerate programs and links, compute the interval's
 * figures. Returns 0, or -errno when the kernel refuses enumeration. */
int top_sample(struct top_state *st);
/* Visit processes in /proc for prog or link fds, spending at most budget
 * syscalls (< 0: the whole host). */
void top_scan_holders(struct top_state *st, int budget);
/* "tracepoint" -> shorter forms for the 80-column table. */
const char *top_short_type(const char *type_str);
/* holders as "123 comm, 456 comm2" into buf. */
const char *top_holders_str(const struct top_prog *p, char *buf, size_t len);

#endif
