/* SPDX-License-Identifier: GPL-2.0 */
/* The overhead-validation directive's entropy probe (its "current
 * implementation"): on munmap and madvise, a 32-byte event through a perf
 * event array, for every process the daemon monitors. entropy_tp.bpf.c
 * attaches it to the syscall tracepoints, entropy_kprobe.bpf.c to the
 * syscalls' kernel functions, as the directive's design does. Both follow
 * bench --obj's conventions: bpfcost_tgid stands in for the directive's
 * monitored_pids lookup (should_trace), bpfcost_hits counts what passed
 * (one per op: the row is checked exactly). docs/study.md uses them. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

enum { ENTROPY_MUNMAP = 1, ENTROPY_MADVISE = 2 };

struct entropy_event { /* 32 bytes */
	__u32 pid;
	__u32 tgid;
	__u64 bytes_freed;
	__u64 timestamp_ns;
	__u32 event_type;
	__u32 pad;
};

const volatile __u32 bpfcost_tgid = 0;
__u64 bpfcost_hits[64]; /* one slot per CPU: plain increments stay exact */

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} entropy_events SEC(".maps");

static __always_inline bool should_trace(__u32 pid)
{
	return !bpfcost_tgid || pid == bpfcost_tgid;
}

static __always_inline int emit(void *ctx, __u64 len, __u32 type)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 pid = pid_tgid >> 32, cpu;

	if (!should_trace(pid))
		return 0;
	cpu = bpf_get_smp_processor_id();
	if (cpu < 64)
		bpfcost_hits[cpu]++;

	struct entropy_event event = {
		.pid = pid,
		.tgid = (__u32)pid_tgid,
		.bytes_freed = len,
		.timestamp_ns = bpf_ktime_get_ns(),
		.event_type = type,
	};

	bpf_perf_event_output(ctx, &entropy_events, BPF_F_CURRENT_CPU, &event, sizeof(event));
	return 0;
}
