// SPDX-License-Identifier: GPL-2.0
/* The probes bench measures: every hook x every body, generated from the
 * two lists in probes.h (a body is its body_<name>() below, a hook its
 * PROG_<hook> template). Only the one program a configuration needs is loaded (autoload);
 * attach targets are set from user space, so one object serves every
 * workload. Every program filters to the benchmark's own process (and to
 * the syscall for sys_enter hooks) and counts what passed, so the count
 * can be compared with the ops the workload issued. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "probes.h"
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tgid = 0;  /* PROBE_ANY_TGID: every process */
const volatile long target_nr = -1;    /* syscall id for rawtp/tp_btf; < 0: every syscall */
const volatile __u64 target_cgid = 0;  /* cgroup v2 id to match; 0: no cgroup filter */
const volatile __u32 flow_multi = 0;   /* keys per thread, not shared */
const volatile __u32 rb_wakeup = 0;    /* 0 default, 1 no wakeup, 2 force */

struct probe_slot slots[PROBE_MAX_CPUS] SEC(".bss");

static __always_inline struct probe_slot *my_slot(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	if (cpu >= PROBE_MAX_CPUS)
		return 0;
	return &slots[cpu];
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} count_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} hash_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct complex_key);
	__type(value, __u64);
} complex_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} percpu_hash_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} lru_hash_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PROBE_MAX_THREADS);
	__type(key, __u32);
	__type(value, __u64);
} array_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PROBE_MAX_THREADS);
	__type(key, __u32);
	__type(value, __u64);
} percpu_array_map SEC(".maps");

OUTPUT_MAPS();

/* The flow key: one shared key (single flow) or one per thread. */
static __always_inline __u32 flow_key(__u64 pid_tgid)
{
	return flow_multi ? (__u32)pid_tgid % PROBE_MAX_THREADS : 0;
}

static __always_inline void hash_incr(void *map, void *key)
{
	__u64 one = 1, *v = bpf_map_lookup_elem(map, key);

	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(map, key, &one, BPF_NOEXIST);
}

static __always_inline int body_empty(void *ctx, __u64 pid_tgid, struct probe_slot *s)
{
	return 0;
}

static __always_inline int body_count(void *ctx, __u64 pid_tgid, struct probe_slot *s)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&count_map, &zero);

	if (v)
		*v += 1;
	return 0;
}

static __always_inline int body_hash(void *ctx, __u64 pid_tgid, struct probe_slot *s)
{
	/* one key per process; one per thread in multi-flow (contention) runs */
	__u32 key = flow_multi ? flow_key(pid_tgid) : (__u32)(pid_tgid >> 32);

	hash_incr(&hash_map, &key);
	return 0;
}

static __always_inline int body_complex(void *ctx, __u64 pid_tgid, struct probe_slot *s)
{
	struct complex_key key = {};

	key.pid = pid_tgid >> 32;
	key.slot = bpf_ktime_get_ns() % COMPLEX_KEYS;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	hash_incr(&complex_map, &key);
	return 0;
}

static __always_inline void fill_event(struct probe_event *e, __u64 pid_tgid,
				       struct probe_slot *s)
{
	e->ts_ns = bpf_ktime_get_ns();
	e->seq = s->hits;
	e->arg = 0;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->cpu = bpf_get_smp_processor_id();
	e->hook = 0;
}

static __always_inline int body_ringbuf(void *ctx, __u64 pid_tgid, struct probe_slot *s)
{
	struct probe_event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e) {
		s->drops++;
		return 0;
	}
	fill_event(e, pid_tgid, s);
	bpf_ringbuf_submit(e, rb_wakeup == 1 ? BPF_RB_NO_WAKEUP :
			      rb_wakeup == 2 ? BPF_RB_FORCE_WAKEUP : 0);
	return 0;
}

static __always_inline int body_perfbuf(void *ctx, __u64 pid_tgid, struct probe_slot *s)
{
	struct probe_event e;

	fill_event(&e, pid_tgid, s);
	if (bpf_perf_event_output(ctx, &pb, BPF_F_CURRENT_CPU, &e, sizeof(e)))
		s->drops++;
	return 0;
}

static __always_inline int body_percpu_hash(void *ctx, __u64 pid_tgid, struct probe_slot *s)
{
	__u32 key = flow_key(pid_tgid);

	hash_incr(&percpu_hash_map, &key);
	return 0;
}

static __always_inline int body_lru_hash(void *ctx, __u64 pid_tgid, struct probe_slot *s)
{
	__u32 key = flow_key(pid_tgid);

	hash_incr(&lru_hash_map, &key);
	return 0;
}

static __always_inline int body_array(void *ctx, __u64 pid_tgid, struct probe_slot *s)
{
	__u32 key = flow_key(pid_tgid);
	__u64 *v = bpf_map_lookup_elem(&array_map, &key);

	if (v)
		__sync_fetch_and_add(v, 1); /* shared by CPUs: atomic */
	return 0;
}

static __always_inline int body_percpu_array(void *ctx, __u64 pid_tgid, struct probe_slot *s)
{
	__u32 key = flow_key(pid_tgid);
	__u64 *v = bpf_map_lookup_elem(&percpu_array_map, &key);

	if (v)
		*v += 1;
	return 0;
}

/* Filter, count, run the body. nr < 0: the hook is already specific to
 * the syscall (or is a function), no id to compare; target_nr < 0: every
 * syscall passes (app's syscall-wide probe). target_cgid: a whole
 * application's processes (postgres backends). Both are rodata constants,
 * so the verifier drops the tests that are off (bench's programs stay as
 * they were). */
#define RUN_BODY(body, ctx, nr)                                                \
	({                                                                     \
		__u64 __pt = bpf_get_current_pid_tgid();                       \
		struct probe_slot *__s;                                        \
		int __r = 0;                                                   \
		if (((__pt >> 32) == target_tgid || target_tgid == PROBE_ANY_TGID) && \
		    ((nr) < 0 || target_nr < 0 || (nr) == target_nr) &&        \
		    (!target_cgid || bpf_get_current_cgroup_id() == target_cgid)) { \
			__s = my_slot();                                       \
			if (__s) {                                             \
				__s->hits++;                                   \
				__r = body_##body(ctx, __pt, __s);             \
			}                                                      \
		}                                                              \
		__r;                                                           \
	})

/* One template per hook of PROBE_HOOKS (probes.h), named PROG_<hook>:
 * the program <hook>__<body> for one body (the arguments after the body's
 * name are its other columns, unused here). */
#define PROG_tp(ID, body, ...)                                                 \
	SEC("tp") int tp__##body(void *ctx) { return RUN_BODY(body, ctx, -1); }
#define PROG_rawtp(ID, body, ...)                                              \
	SEC("raw_tp") int rawtp__##body(struct bpf_raw_tracepoint_args *ctx)   \
	{ return RUN_BODY(body, ctx, (long)ctx->args[1]); }
#define PROG_tp_btf(ID, body, ...)                                             \
	SEC("tp_btf") int BPF_PROG(tp_btf__##body, struct pt_regs *regs, long id) \
	{ return RUN_BODY(body, ctx, id); }
#define PROG_fentry(ID, body, ...)                                             \
	SEC("fentry") int fentry__##body(void *ctx) { return RUN_BODY(body, ctx, -1); }
#define PROG_fexit(ID, body, ...)                                              \
	SEC("fexit") int fexit__##body(void *ctx) { return RUN_BODY(body, ctx, -1); }
#define PROG_kprobe(ID, body, ...)                                             \
	SEC("kprobe") int kprobe__##body(struct pt_regs *ctx) { return RUN_BODY(body, ctx, -1); }
#define PROG_kretprobe(ID, body, ...)                                          \
	SEC("kretprobe") int kretprobe__##body(struct pt_regs *ctx) { return RUN_BODY(body, ctx, -1); }
#define PROG_uprobe(ID, body, ...)                                             \
	SEC("uprobe") int uprobe__##body(struct pt_regs *ctx) { return RUN_BODY(body, ctx, -1); }
#define PROG_uretprobe(ID, body, ...)                                          \
	SEC("uretprobe") int uretprobe__##body(struct pt_regs *ctx) { return RUN_BODY(body, ctx, -1); }

/* Every hook x every body, hook by hook in list order. */
#define HOOK_PROGS(ID, hook, ...) PROBE_BODIES(PROG_##hook)
PROBE_HOOKS(HOOK_PROGS)

/* Each hook's stats floor, <hook>__floor: a program that does nothing.
 * bench attaches it beside the measured program in its stats phases; its
 * run time per run is what BPF stats themselves put inside a run's
 * measured time (the clock reads around it, the call), which the
 * measured program's time is then read against (README, Method 7). */
#define FLOOR_tp SEC("tp") int tp__floor(void *ctx) { return 0; }
#define FLOOR_rawtp SEC("raw_tp") int rawtp__floor(void *ctx) { return 0; }
#define FLOOR_tp_btf SEC("tp_btf") int tp_btf__floor(void *ctx) { return 0; }
#define FLOOR_fentry SEC("fentry") int fentry__floor(void *ctx) { return 0; }
#define FLOOR_fexit SEC("fexit") int fexit__floor(void *ctx) { return 0; }
#define FLOOR_kprobe SEC("kprobe") int kprobe__floor(void *ctx) { return 0; }
#define FLOOR_kretprobe SEC("kretprobe") int kretprobe__floor(void *ctx) { return 0; }
#define FLOOR_uprobe SEC("uprobe") int uprobe__floor(void *ctx) { return 0; }
#define FLOOR_uretprobe SEC("uretprobe") int uretprobe__floor(void *ctx) { return 0; }
#define HOOK_FLOOR(ID, hook, ...) FLOOR_##hook
PROBE_HOOKS(HOOK_FLOOR)
