/* SPDX-License-Identifier: GPL-2.0 */
/* Structs shared by probes.bpf.c and the user side. */
#ifndef BPFCOST_PROBES_H
#define BPFCOST_PROBES_H

#define PROBE_MAX_CPUS 128
#define PROBE_MAX_THREADS 64    /* multi-flow keys: one per workload thread */
#define COMPLEX_KEYS 1024
#define PROBE_ANY_TGID 0xffffffffu /* target_tgid: count every process */       /* ktime % 1024 in the complex body */

/* Per-CPU accounting slot, one cache line each: hits counts every time
 * the probe passed its filter (the number compared with ops issued),
 * drops counts ring buffer reservations that failed. Written only by the
 * CPU it belongs to, so plain increments suffice. */
struct probe_slot {
	unsigned long long hits;
	unsigned long long drops;
	unsigned long long pad[6];
};

/* The ~40-byte event of the ringbuf and perfbuf bodies. */
struct probe_event {
	unsigned long long ts_ns;
	unsigned long long seq;
	unsigned long long arg;
	unsigned int pid;
	unsigned int tid;
	unsigned int cpu;
	unsigned int hook;
};

/* 48-byte key of the complex body (ebpf_exporter's getpid benchmark). */
struct complex_key {
	unsigned int pid;
	unsigned int pad;
	unsigned long long slot; /* ktime % 1024 */
	char comm[32];
};

#endif
