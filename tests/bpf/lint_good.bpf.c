// SPDX-License-Identifier: GPL-2.0
/* lint sample that follows the checklist: tracepoints, a constant pid
 * filter, per-CPU maps, one lookup per key, output only when sampled.
 * `bpfcost lint` must report no findings for it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} opens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

struct event {
	__u64 ts_ns;
	__u32 pid;
	__u32 cpu;
};

SEC("tp/syscalls/sys_enter_openat")
int good_openat(struct trace_event_raw_sys_enter *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, *v;

	if (pid != target_tgid)
		return 0;
	v = bpf_map_lookup_elem(&opens, &pid);
	if (v)
		*v += 1;
	else
		bpf_map_update_elem(&opens, &pid, &one, BPF_NOEXIST);
	return 0;
}

/* syscall-wide, but aggregates in kernel */
SEC("raw_tp/sys_enter")
int good_hist(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 slot = (__u32)ctx->args[1] & 63;
	__u64 *v = bpf_map_lookup_elem(&hist, &slot);

	if (v)
		*v += 1;
	return 0;
}

/* syscall-wide output, but sampled: 1 event in 100 */
SEC("raw_tp/sys_enter")
int good_sampled(struct bpf_raw_tracepoint_args *ctx)
{
	struct event *e;

	if (bpf_get_prandom_u32() % 100)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->cpu = bpf_get_smp_processor_id();
	bpf_ringbuf_submit(e, 0);
	return 0;
}
