/* SPDX-License-Identifier: GPL-2.0 */
/* What probes.bpf.c and the user side share: the hook and body lists,
 * and the structs of the maps. */
#ifndef BPFCOST_PROBES_H
#define BPFCOST_PROBES_H

/* The hooks, one line each: X(ID, name, user, description). From this
 * list come enum hook_id (HOOK_<ID>, after HOOK_NULL, the control with
 * nothing attached), hooks[] and hook_names[] (--hook) in src/core/probe.[ch],
 * and one program <name>__<body> per body in probes.bpf.c. Adding a hook:
 * a line here, its program template PROG_<name> in probes.bpf.c, and its
 * support check and attach case in src/core/probe.c (probe_open,
 * probe_attach). The order is that of --help, error messages and rows.
 * user: fires in user space (uprobes). */
#define PROBE_HOOKS(X)                                                                         \
	X(TP, tp, false, "tracepoint syscalls/sys_enter_<syscall>")                            \
	X(RAWTP, rawtp, false, "raw tracepoint sys_enter, filtered by syscall id")             \
	X(TP_BTF, tp_btf, false, "BTF tracepoint sys_enter, filtered by syscall id")           \
	X(FENTRY, fentry, false, "fentry on the syscall's kernel function")                    \
	X(FEXIT, fexit, false, "fexit on the syscall's kernel function")                       \
	X(KPROBE, kprobe, false, "kprobe on the syscall's kernel function")                    \
	X(KRETPROBE, kretprobe, false, "kretprobe on the syscall's kernel function")           \
	X(UPROBE, uprobe, true, "uprobe on the workload's own function")                       \
	X(URETPROBE, uretprobe, true, "uretprobe on the workload's own function")

/* The bodies, one line each: X(ID, name, map, output, description). From
 * this list come enum body_id (BODY_<ID>), bodies[] and body_names[]
 * (--body) in src/core/probe.[ch], and the programs <hook>__<name> of every
 * hook in probes.bpf.c. Adding a body: a line here and its function
 * body_<name>() in probes.bpf.c. The order is that of --help, error
 * messages and rows (a new map type also goes in check's map_checks,
 * src/cmd/check.c). map: the map type it exercises, for check and for
 * load errors; output: it emits events a consumer must drain. */
#define PROBE_BODIES(X)                                                                        \
	X(EMPTY, empty, NULL, false, "filter and count only")                                  \
	X(COUNT, count, "percpu_array", false, "per-CPU array counter")                        \
	X(HASH, hash, "hash", false, "pid-keyed hash increment")                               \
	X(COMPLEX, complex, "hash", false, "hash keyed by pid, ktime%1024, comm[32]")          \
	X(RINGBUF, ringbuf, "ringbuf", true, "ring buffer reserve+submit of 40 B")             \
	X(PERFBUF, perfbuf, "perf_event_array", true, "perf buffer output of 40 B")            \
	X(PERCPU_HASH, percpu_hash, "percpu_hash", false, "per-CPU hash increment (flow key)") \
	X(LRU_HASH, lru_hash, "lru_hash", false, "LRU hash increment (flow key)")              \
	X(ARRAY, array, "array", false, "array atomic increment (flow key)")                   \
	X(PERCPU_ARRAY, percpu_array, "percpu_array", false, "per-CPU array increment (flow key)")

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
