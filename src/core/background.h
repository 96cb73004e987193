/* SPDX-License-Identifier: GPL-2.0 */
/* A background load on the other CPUs, for overhead under load: one
 * process per online CPU but the workload's, pinned there, busy with
 * integer arithmetic (cpu) or with streaming through a buffer larger than
 * the caches (mem). They are processes, not threads of ours: a thread of
 * the measured process would make every munmap and madvise shoot down its
 * TLB on the other CPU, a cost of the process's shape, not of the load.
 *
 *   background_start(BG_CPU, workload_cpu, &bg);   before any BPF object
 *   ... measure ...
 *   background_stop(&bg);                          kills, reaps, rates
 *
 * A load dies with its parent (PR_SET_PDEATHSIG) whatever ends the run,
 * SIGKILL included; background_stop also runs at exit. */
#ifndef BPFCOST_BACKGROUND_H
#define BPFCOST_BACKGROUND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum background_kind { BG_NONE, BG_CPU, BG_MEM, NR_BG };
extern const char *const background_names[NR_BG]; /* none, cpu, mem */

#define BG_MAX_CPUS 256
/* The buffer the mem load streams through: larger than the last-level
 * cache of any machine this runs on. */
#define BG_MEM_BYTES (64u << 20)

struct background {
	enum background_kind kind;
	int ncpus;                  /* load processes started */
	int cpus[BG_MAX_CPUS];      /* their CPUs */
	pid_t pids[BG_MAX_CPUS];
	uint64_t start_ns, stop_ns;
	/* what they did, per CPU and second (after stop): loop iterations of
	 * 64 multiply-adds (cpu), or bytes written and read back (mem) */
	double rate_per_cpu_s;
	volatile uint64_t *work;    /* shared with the loads: one slot each */
};

/* Start the load on every online CPU but exclude_cpu. Returns the number
 * of load processes (0: no other CPU online, nothing started) or -errno. */
int background_start(enum background_kind kind, int exclude_cpu, struct background *bg);
/* Stop and reap the loads (SIGKILL, waitpid) and fill rate_per_cpu_s.
 * Safe to call twice, and on a background never started. */
void background_stop(struct background *bg);

#endif
