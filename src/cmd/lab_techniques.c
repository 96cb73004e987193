// SPDX-License-Identifier: GPL-2.0
/* The lab's variants and comparisons. Claims are the reference documents'
 * numbers turned into ranges: "A-B" is [A, B]; "~X" is [X/2, 1.5X]; a
 * plain "X%" or "Nx" is X +-10% (relative). Claims about what a piece of
 * code costs (a helper, a map operation, a read) are judged on the
 * programs' own run time; claims about what the workload pays (hooks,
 * savings of early exits, export vs aggregation) on the overhead. */
#include "cmd/lab_techniques.h"

#include <string.h>

const char *const lab_hook_names[] = { "tp", "tp_all", "rawtp", "tp_btf", "kprobe", "fentry" };

const struct lab_variant lab_variants[] = {
	/* hooks: the same empty program */
	{ "tp", "lab_tp", LH_TP, 0, LW_NA, false, false, "tracepoint sys_enter_getpid, filter+count" },
	{ "tp_all", "lab_tp_all", LH_TP_ALL, 0, LW_NA, false, false, "tracepoint raw_syscalls:sys_enter, id filter" },
	{ "rawtp", "lab_rawtp", LH_RAWTP, 0, LW_NA, false, false, "raw tracepoint sys_enter, id filter" },
	{ "tp_btf", "lab_tp_btf", LH_TP_BTF, 0, LW_NA, false, false, "BTF tracepoint sys_enter, id filter" },
	{ "kprobe", "lab_kprobe", LH_KPROBE, 0, LW_NA, false, false, "kprobe on getpid's kernel function" },
	{ "fentry", "lab_fentry", LH_FENTRY, 0, LW_NA, false, false, "fentry on getpid's kernel function" },
	/* early exits */
	{ "pid_map", "lab_pid_map", LH_TP_ALL, 0, LW_NA, true, false, "pid filter by hash lookup" },
	{ "work", "lab_work", LH_TP_ALL, 0, LW_ALL, false, false, "no early exit: work every event" },
	{ "arg_exit", "lab_arg_exit", LH_TP_ALL, 0, LW_NONE, false, false, "size argument < 4096 exits first" },
	{ "kthread", "lab_kthread", LH_TP_ALL, 0, LW_ALL, false, false, "kernel-thread check, then work" },
	{ "sample", "lab_sample", LH_TP_ALL, 0, LW_SAMPLE, false, false, "1% sampling (prandom), then work" },
	{ "cheap_first", "lab_cheap_first", LH_TP_ALL, 0, LW_NONE, true, false, "argument check, then map check" },
	{ "costly_first", "lab_costly_first", LH_TP_ALL, 0, LW_NONE, true, false, "map check, then argument check" },
	/* map choice */
	{ "array", "lab_array", LH_TP, 0, LW_NA, false, false, "array counter, atomic add" },
	{ "percpu_array", "lab_percpu_array", LH_TP, 0, LW_NA, false, false, "per-CPU array counter" },
	{ "hash", "lab_hash", LH_TP, 0, LW_NA, false, false, "hash counter, atomic add" },
	{ "percpu_hash", "lab_percpu_hash", LH_TP, 0, LW_NA, false, false, "per-CPU hash counter" },
	{ "lru_hash", "lab_lru_hash", LH_TP, 0, LW_NA, false, false, "LRU hash counter, atomic add" },
	{ "lru_percpu_hash", "lab_lru_percpu_hash", LH_TP, 0, LW_NA, false, false, "LRU per-CPU hash counter" },
	{ "lookup_once", "lab_lookup_once", LH_TP, 0, LW_NA, false, false, "one lookup, three fields" },
	{ "lookup_3x", "lab_lookup_3x", LH_TP, 0, LW_NA, false, false, "three lookups of the same key" },
	/* CO-RE reads vs BTF pointers */
	{ "core1", "lab_core1", LH_TP_BTF, 0, LW_NA, false, false, "BPF_CORE_READ(t, real_parent, tgid)" },
	{ "btf1", "lab_btf1", LH_TP_BTF, 0, LW_NA, false, false, "t->real_parent->tgid (BTF)" },
	{ "core10", "lab_core10", LH_TP_BTF, 0, LW_NA, false, false, "ten BPF_CORE_READ task fields" },
	{ "btf10", "lab_btf10", LH_TP_BTF, 0, LW_NA, false, false, "ten direct BTF task fields" },
	/* output */
	{ "ringbuf", "lab_ringbuf", LH_TP, LO_RINGBUF, LW_NA, false, false, "40 B event per op, ring buffer" },
	{ "perfbuf", "lab_perfbuf", LH_TP, LO_PERFBUF, LW_NA, false, false, "40 B event per op, perf buffer" },
	{ "hist", "lab_hist", LH_TP, 0, LW_NA, false, false, "log2 histogram in a per-CPU array" },
	/* helpers */
	{ "ktime", "lab_ktime", LH_TP, 0, LW_NA, false, false, "bpf_ktime_get_ns" },
	{ "pid_tgid", "lab_pid_tgid", LH_TP, 0, LW_NA, false, false, "bpf_get_current_pid_tgid" },
	{ "comm", "lab_comm", LH_TP, 0, LW_NA, false, false, "bpf_get_current_comm (16 B)" },
	{ "probe_read", "lab_probe_read", LH_TP, 0, LW_NA, false, false, "bpf_probe_read_kernel (8 B)" },
	{ "prandom", "lab_prandom", LH_TP, 0, LW_NA, false, false, "bpf_get_prandom_u32" },
	{ "printk", "lab_printk", LH_TP, 0, LW_NA, false, true, "bpf_trace_printk (debug only)" },
	/* loops */
	{ "loop", "lab_loop", LH_TP, 0, LW_NA, false, false, "comm + bounded loop, 16 iterations" },
	{ "unrolled", "lab_unrolled", LH_TP, 0, LW_NA, false, false, "comm + the same loop unrolled" },
};
const int lab_nr_variants = sizeof(lab_variants) / sizeof(lab_variants[0]);

#define G "G"  /* overhead-guide.md */
#define C "C"  /* performance-chapter.md */

const struct lab_row lab_rows[] = {
	{ "hook", "tp", "tracepoint", LK_DIFF, "tp", NULL, NULL, LJ_RANGE, LB_OVERHEAD, 10, 50,
	  "tracepoint: 10-50 ns per event", G },
	{ "hook", "rawtp", "raw tracepoint", LK_DIFF, "rawtp", NULL, NULL, LJ_RANGE, LB_OVERHEAD, 10, 40,
	  "raw tracepoint: 10-40 ns per event", G },
	{ "hook", "rawtp-vs-tp", "raw tp saves vs tp", LK_SAVING, "tp_all", "rawtp", NULL, LJ_RANGE, LB_OVERHEAD, 10, 20,
	  "raw tracepoints are ~10-20% faster than tracepoints", G },
	{ "hook", "tp_btf", "BTF tracepoint", LK_DIFF, "tp_btf", NULL, NULL, LJ_NONE, LB_OVERHEAD, 0, 0,
	  "(no number given)", G },
	{ "hook", "kprobe", "kprobe", LK_DIFF, "kprobe", NULL, NULL, LJ_RANGE, LB_OVERHEAD, 100, 300,
	  "kprobe: 100-300 ns per event", G },
	{ "hook", "kprobe-vs-tp", "kprobe / tp", LK_RATIO, "kprobe", "tp", NULL, LJ_RANGE, LB_OVERHEAD, 1.08, 1.32,
	  "kprobes are ~20% slower than tracepoints", G },
	{ "hook", "fentry", "fentry", LK_DIFF, "fentry", NULL, NULL, LJ_RANGE, LB_OVERHEAD, 50, 100,
	  "fentry/fexit: 50-100 ns per event", G },

	{ "exit", "pid-map", "pid map - constant", LK_DIFF, "pid_map", "tp_all", NULL, LJ_RANGE, LB_OVERHEAD, 50, 100,
	  "map lookups are expensive (50-100 ns); a pid compare is cheap", C },
	{ "exit", "arg-exit", "arg exit saves", LK_SAVING, "work", "arg_exit", NULL, LJ_RANGE, LB_OVERHEAD, 60, 90,
	  "early exits save 60-90% of the work", G },
	{ "exit", "kthread", "kthread check cost", LK_DIFF, "kthread", "work", NULL, LJ_NONE, LB_OVERHEAD, 0, 0,
	  "skip kernel threads first (60-80% fewer runs: depends on the event mix)", G },
	{ "exit", "sample-1pct", "1% sampling saves", LK_SAVING, "work", "sample", NULL, LJ_RANGE, LB_OVERHEAD, 89.1, 100,
	  "1% sampling: 99% overhead reduction", C },
	{ "exit", "check-order", "costly-cheap first", LK_DIFF, "costly_first", "cheap_first", NULL,
	  LJ_POSITIVE, LB_OVERHEAD, 0, 0, "order matters: put the cheapest checks first", G },

	{ "map", "percpu_array", "per-CPU array", LK_DIFF, "percpu_array", "tp", NULL, LJ_RANGE, LB_PROGRAM, 50, 150,
	  "per-CPU array lookup: ~50-150 ns (fastest)", G },
	{ "map", "hash", "hash", LK_DIFF, "hash", "tp", NULL, LJ_RANGE, LB_PROGRAM, 200, 600,
	  "hash map lookup: ~200-600 ns (includes locking)", G },
	{ "map", "hash-vs-array", "hash - array", LK_DIFF, "hash", "array", NULL, LJ_RANGE, LB_PROGRAM, 25, 75,
	  "array lookup ~50 ns vs hash ~100 ns", C },
	{ "map", "hash-vs-percpu", "hash - percpu_hash", LK_DIFF, "hash", "percpu_hash", NULL, LJ_RANGE, LB_PROGRAM,
	  25, 75, "per-CPU hash ~50 ns vs hash ~100 ns per update", C },
	{ "map", "lru-vs-hash", "LRU - hash", LK_DIFF, "lru_hash", "hash", NULL, LJ_RANGE, LB_PROGRAM, 40, 50,
	  "LRU maps add 40-50 ns per operation", G },
	{ "map", "lru-vs-percpu-hash", "LRU - hash percpu", LK_DIFF, "lru_percpu_hash", "percpu_hash", NULL,
	  LJ_RANGE, LB_PROGRAM, 40, 50, "LRU maps add 40-50 ns per operation", G },
	{ "map", "lru-vs-percpu-array", "LRU / percpu_arr", LK_RATIO, "lru_hash", "percpu_array", "tp",
	  LJ_RANGE, LB_PROGRAM, 3, 5, "per-CPU arrays are 3-5x faster than LRU hashes", G },
	{ "map", "lookup-cached", "cached lookup save", LK_SAVING, "lookup_3x", "lookup_once", "tp",
	  LJ_RANGE, LB_PROGRAM, 45, 55, "one cached lookup: 50% less map overhead", C },

	{ "core", "core-1", "CORE_READ-BTF, 1", LK_DIFF, "core1", "btf1", NULL, LJ_RANGE, LB_PROGRAM, 20, 30,
	  "BPF_CORE_READ adds 20-30 ns per invocation", G },
	{ "core", "core-10", "CORE_READ-BTF, 10", LK_DIFF, "core10", "btf10", NULL, LJ_RANGE, LB_PROGRAM, 200, 300,
	  "10 fields with BPF_CORE_READ: +250 ns (20-30 each)", G },

	{ "output", "ringbuf", "ringbuf output", LK_DIFF, "ringbuf", "tp", NULL, LJ_RANGE, LB_PROGRAM, 200, 500,
	  "ringbuf_output: ~200-500 ns", C },
	{ "output", "perfbuf", "perfbuf output", LK_DIFF, "perfbuf", "tp", NULL, LJ_NONE, LB_PROGRAM, 0, 0,
	  "(no number given; 'send every event' is the bad pattern)", G },
	{ "output", "hist", "log2 histogram", LK_DIFF, "hist", "tp", NULL, LJ_RANGE, LB_PROGRAM, 25, 75,
	  "aggregation in a map: ~50 ns per event", C },
	{ "output", "agg-vs-ringbuf", "ringbuf / hist", LK_RATIO, "ringbuf", "hist", "tp", LJ_RANGE, LB_OVERHEAD,
	  9, 11, "aggregation beats per-event export 10x", C },
	{ "output", "agg-vs-perfbuf", "perfbuf / hist", LK_RATIO, "perfbuf", "hist", "tp", LJ_RANGE, LB_OVERHEAD,
	  9, 11, "aggregation beats per-event export 10x", C },

	{ "helper", "ktime_get_ns", "ktime_get_ns", LK_DIFF, "ktime", "tp", NULL, LJ_RANGE, LB_PROGRAM, 10, 30,
	  "ktime_get_ns: ~20 ns", C },
	{ "helper", "get_current_pid_tgid", "get_current_pid", LK_DIFF, "pid_tgid", "tp", NULL,
	  LJ_RANGE, LB_PROGRAM, 5, 15, "get_current_pid_tgid: ~10 ns", C },
	{ "helper", "get_current_comm", "get_current_comm", LK_DIFF, "comm", "tp", NULL, LJ_NONE, LB_PROGRAM, 0, 0,
	  "(no number given; 'fixed 16 bytes, fast')", G },
	{ "helper", "probe_read_kernel", "probe_read_kernel", LK_DIFF, "probe_read", "tp", NULL, LJ_RANGE, LB_PROGRAM,
	  50, 200, "probe_read_kernel: ~50-200 ns", C },
	{ "helper", "get_prandom_u32", "get_prandom_u32", LK_DIFF, "prandom", "tp", NULL, LJ_NONE, LB_PROGRAM, 0, 0,
	  "(no number given)", C },
	{ "helper", "trace_printk", "trace_printk debug", LK_DIFF, "printk", "tp", NULL, LJ_RANGE, LB_PROGRAM, 500,
	  1500, "trace_printk: ~1000 ns, debug only", C },

	{ "loop", "unroll", "unrolling saves", LK_SAVING, "loop", "unrolled", "comm", LJ_RANGE, LB_PROGRAM, 20, 30,
	  "unrolled small loops (< 16 iterations) are 20-30% faster", C },
};
const int lab_nr_rows = sizeof(lab_rows) / sizeof(lab_rows[0]);

const char *const lab_technique_names[] = { "hook", "exit", "map", "core", "output", "helper", "loop" };
const int lab_nr_techniques = sizeof(lab_technique_names) / sizeof(lab_technique_names[0]);

const struct lab_variant *lab_variant_find(const char *name)
{
	for (int i = 0; name && i < lab_nr_variants; i++)
		if (!strcmp(lab_variants[i].name, name))
			return &lab_variants[i];
	return NULL;
}

const char *lab_kind_unit(enum lab_kind k)
{
	return k == LK_RATIO ? "x" : k == LK_SAVING ? "%" : "ns";
}
