/* SPDX-License-Identifier: GPL-2.0 */
/* What the objects whose programs emit events (probes.bpf.c, lab.bpf.c)
 * declare alike. Each object expands it once and has maps of its own. */
#ifndef BPFCOST_COMMON_BPF_H
#define BPFCOST_COMMON_BPF_H

/* The output maps: a ring buffer (probe.c resizes probes' before load,
 * --buf-size) and a perf event array (one buffer a CPU, opened by user
 * space). */
#define OUTPUT_MAPS()                                                          \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_RINGBUF);                            \
		__uint(max_entries, 256 * 1024);                               \
	} rb SEC(".maps");                                                     \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);                   \
		__uint(key_size, sizeof(__u32));                               \
		__uint(value_size, sizeof(__u32));                             \
	} pb SEC(".maps")

#endif
