/* SPDX-License-Identifier: GPL-2.0 */
/* Probes: the hook x body matrix of src/bpf/probes.bpf.c, as tables, and
 * the life of one configured probe: open, load, attach/detach, count,
 * drain its output, read its own run time, close. Every command that puts
 * a built-in probe on a workload goes through here. */
#ifndef BPFCOST_PROBE_H
#define BPFCOST_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/probes.h" /* PROBE_HOOKS, PROBE_BODIES */
#include "core/consumer.h" /* enum consumer_mode */
#include "core/kernel.h" /* the kernel facts probe_open reasons from */
#include "core/workload.h"

/* The hooks and bodies are the lists PROBE_HOOKS and PROBE_BODIES in
 * src/bpf/probes.h, shared with the BPF programs: one line there adds one
 * to the enums, the tables and the names below. */
#define PROBE_HOOK_ID_(ID, ...) HOOK_##ID,
enum hook_id {
	HOOK_NULL, /* the control: nothing attached */
	PROBE_HOOKS(PROBE_HOOK_ID_)
	NR_HOOKS
};

#define PROBE_BODY_ID_(ID, ...) BODY_##ID,
enum body_id {
	PROBE_BODIES(PROBE_BODY_ID_)
	NR_BODIES
};

/* "tp, rawtp, ..., uretprobe, " and "empty, count, ..., percpu_array, ":
 * the names in list order for an option's help, to be followed by what
 * else it takes ("all"). */
#define PROBE_NAME_HELP_(ID, name, ...) #name ", "
#define HOOK_NAMES_HELP PROBE_HOOKS(PROBE_NAME_HELP_)
#define BODY_NAMES_HELP PROBE_BODIES(PROBE_NAME_HELP_)

struct hook_info {
	const char *name;   /* as --hook names it; its programs are <name>__<body> */
	const char *desc;
	bool user;          /* fires in user space (uprobes) */
};

struct body_info {
	const char *name;
	const char *map;    /* the map type it exercises, for check */
	const char *desc;
	bool output;        /* emits events a consumer must drain */
};

extern const struct hook_info hooks[NR_HOOKS];
extern const struct body_info bodies[NR_BODIES];
/* Names without "null", for --hook parsing (index + 1 = enum hook_id). */
extern const char *const hook_names[NR_HOOKS - 1];
extern const char *const body_names[NR_BODIES];

/* The name of hook's program for body in probes.bpf.c, into buf. */
const char *probe_prog_name_of(char *buf, size_t len, enum hook_id hook, enum body_id body);

#define PROBE_TGID_ANY 0xffffffffu

struct probe_spec {
	enum hook_id hook;
	enum body_id body;
	const struct workload *wl;
	bool flow_multi;        /* per-thread keys (contention runs) */
	/* whose events pass the filter: 0 this process (default), a tgid, or
	 * PROBE_TGID_ANY for every process (applications, system-wide) */
	uint32_t target_tgid;
	/* also require this cgroup v2 id (a whole application); 0: no filter */
	uint64_t target_cgroup_id;
	uint32_t buf_size;      /* ringbuf bytes / perf buffer bytes per CPU; 0 default */
	enum consumer_mode consumer;
	int consumer_cpu;       /* -1: leave unpinned */
	uint32_t batch;         /* CONSUMER_BATCH: perf wakeup_events / poll period events */
	/* also load the hook's stats floor, <hook>__floor: a program that
	 * does nothing, for bench's stats phases (probe_floor_attach) */
	bool floor;
};

/* Outcome of probe_open. */
enum probe_status { PROBE_OK = 0, PROBE_UNSUPPORTED = 1, PROBE_FAILED = 2 };

struct probe;

/* Open and load the one program of spec; start its consumer. On anything
 * but PROBE_OK, *out is NULL and reason holds one line saying why
 * (unsupported: this kernel cannot; failed: it should have worked). */
enum probe_status probe_open(struct probe **out, const struct probe_spec *spec,
			     char *reason, size_t reason_len);
int probe_attach(struct probe *p, char *reason, size_t reason_len);
void probe_detach(struct probe *p);
bool probe_attached(const struct probe *p);
void probe_close(struct probe *p); /* detaches, stops the consumer, unloads */

struct probe_counts {
	uint64_t hits;      /* times the filter passed */
	uint64_t drops;     /* outputs that failed: ringbuf reserve or perf output full */
	uint64_t consumed;  /* events the consumer read */
	uint64_t lost_records; /* perf buffer lost-sample records (cross-check of drops) */
};
/* Settles the consumer first (drains what is readable). */
void probe_counts(struct probe *p, struct probe_counts *c);
void probe_reset_counts(struct probe *p);
/* Per-thread hits are not kept; per-CPU slots are (contention runs). */
uint64_t probe_hits_cpu(struct probe *p, int cpu);
/* Hits and output drops summed over CPUs, read without settling or
 * draining the consumer (per-interval deltas while a run goes on). */
void probe_slot_totals(struct probe *p, uint64_t *hits, uint64_t *drops);
/* CPU time the consumer thread has used, ns; 0 when there is none. */
uint64_t probe_consumer_cpu_ns(struct probe *p);
/* Times the consumer was woken with records to read (consumer_wakeups). */
uint64_t probe_consumer_wakeups(struct probe *p);
/* Kernel memory of the probe's output buffers (consumer_kernel_bytes). */
uint64_t probe_buf_kernel_bytes(const struct probe *p);
int probe_prog_fd(const struct probe *p);
/* The stats floor (spec.floor): attached beside the probe's program, on
 * the same hook and target; -1 / no-ops without one. */
int probe_floor_attach(struct probe *p, char *reason, size_t reason_len);
void probe_floor_detach(struct probe *p);
int probe_floor_fd(const struct probe *p);
const char *probe_prog_name(const struct probe *p);

#endif
