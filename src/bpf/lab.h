/* SPDX-License-Identifier: GPL-2.0 */
/* Structs shared by lab.bpf.c and src/lab.c. */
#ifndef BPFCOST_LAB_H
#define BPFCOST_LAB_H

#define LAB_MAX_CPUS 128
#define LAB_HIST_SLOTS 64
#define LAB_ARG_MIN 4096   /* argument filter: events below this exit early */

/* Per-CPU accounting, one cache line each, written only by its own CPU:
 * hits = the program ran for one of our events (the number compared with
 * the ops issued), work = the expensive part ran (early-exit variants),
 * drops = output that failed, sink = results kept so the compiler cannot
 * drop the work, last_ns = previous event time (histogram variant). */
struct lab_slot {
	unsigned long long hits;
	unsigned long long work;
	unsigned long long drops;
	unsigned long long sink;
	unsigned long long last_ns;
	unsigned long long pad[3];
};

/* The ~40-byte event of the output variants. */
struct lab_event {
	unsigned long long ts_ns;
	unsigned long long delta_ns;
	unsigned long long arg;
	unsigned int pid;
	unsigned int tid;
	unsigned int cpu;
	unsigned int pad;
};

/* Key of the "expensive work" of the early-exit family (48 bytes, like
 * bench's complex body). */
struct lab_work_key {
	unsigned int pid;
	unsigned int pad;
	unsigned long long slot;
	char comm[32];
};

/* Value of the cached vs repeated lookup pair. */
struct lab_triple {
	unsigned long long a, b, c;
};

#endif
