// SPDX-License-Identifier: GPL-2.0
/* lint sample that breaks the checklist once per finding (the test
 * expects exactly these):
 *   bad_kprobe:  kprobe where tracepoint syscalls:sys_enter_getpid exists,
 *                and trace_printk
 *   bad_output:  ring buffer output per event on raw_tp/sys_enter, no
 *                filter or sampling
 *   bad_strread: probe_read_user_str on sys_enter_openat (hot)
 *   bad_maps:    the same key looked up three times
 *   lru_counts:  LRU hash with a small integer key space (an array serves) */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} lru_counts SEC(".maps");

struct triple {
	__u64 a, b, c;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, struct triple);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

struct event {
	__u64 ts_ns;
	__u32 pid;
	__u32 cpu;
};

SEC("kprobe/__x64_sys_getpid")
int bad_kprobe(struct pt_regs *ctx)
{
	bpf_printk("getpid");
	return 0;
}

SEC("raw_tp/sys_enter")
int bad_output(struct bpf_raw_tracepoint_args *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->cpu = bpf_get_smp_processor_id();
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/syscalls/sys_enter_openat")
int bad_strread(struct trace_event_raw_sys_enter *ctx)
{
	char path[64];
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u32 key = pid & 255;
	__u64 one = 1, *v;

	if (pid != target_tgid)
		return 0;
	bpf_probe_read_user_str(path, sizeof(path), (void *)ctx->args[1]);
	v = bpf_map_lookup_elem(&lru_counts, &key);
	if (v)
		*v += path[0];
	else
		bpf_map_update_elem(&lru_counts, &key, &one, BPF_NOEXIST);
	return 0;
}

SEC("tp/syscalls/sys_enter_read")
int bad_maps(struct trace_event_raw_sys_enter *ctx)
{
	__u64 key = bpf_get_current_pid_tgid();
	struct triple *t, init = {};

	if ((__u32)(key >> 32) != target_tgid)
		return 0;
	t = bpf_map_lookup_elem(&stats, &key);
	if (!t) {
		bpf_map_update_elem(&stats, &key, &init, BPF_NOEXIST);
		return 0;
	}
	t->a += 1;
	t = bpf_map_lookup_elem(&stats, &key);
	if (t)
		t->b += ctx->args[2];
	t = bpf_map_lookup_elem(&stats, &key);
	if (t)
		t->c = bpf_ktime_get_ns();
	return 0;
}
