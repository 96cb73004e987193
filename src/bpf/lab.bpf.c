// SPDX-License-Identifier: GPL-2.0
/* The optimisation lab: one program per technique variant, all on the
 * same workload (getpid with a size argument). Variants of one technique
 * differ only in that technique. Every program filters to the lab's own
 * process (and to getpid on sys_enter-wide hooks), counts its runs in a
 * per-CPU slot (exact count vs ops issued), and keeps what it computed in
 * the slot's sink so the compiler cannot drop the work. Only the program
 * being measured is loaded (autoload). */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lab.h"
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tgid = 0;
const volatile long target_nr = -1;   /* getpid's syscall id */

struct lab_slot slots[LAB_MAX_CPUS] SEC(".bss");

static __always_inline struct lab_slot *my_slot(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return cpu < LAB_MAX_CPUS ? &slots[cpu] : 0;
}

/* pid allowlist of the map-based filter (holds the lab's tgid) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} pid_map SEC(".maps");

/* the expensive work early exits avoid */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct lab_work_key);
	__type(value, __u64);
} work_map SEC(".maps");

/* map choice: the same counter in every map type */
#define COUNTER_MAP(name, maptype)                                             \
	struct {                                                               \
		__uint(type, maptype);                                         \
		__uint(max_entries, 256);                                      \
		__type(key, __u32);                                            \
		__type(value, __u64);                                          \
	} name SEC(".maps");
COUNTER_MAP(m_array, BPF_MAP_TYPE_ARRAY)
COUNTER_MAP(m_percpu_array, BPF_MAP_TYPE_PERCPU_ARRAY)
COUNTER_MAP(m_hash, BPF_MAP_TYPE_HASH)
COUNTER_MAP(m_percpu_hash, BPF_MAP_TYPE_PERCPU_HASH)
COUNTER_MAP(m_lru_hash, BPF_MAP_TYPE_LRU_HASH)
COUNTER_MAP(m_lru_percpu_hash, BPF_MAP_TYPE_LRU_PERCPU_HASH)

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct lab_triple);
} triple_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LAB_HIST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} hist_map SEC(".maps");

OUTPUT_MAPS();

/* Our event? Count it. Every variant starts with this, so it cancels in
 * the differences the lab reports. */
#define ENTER()                                                                \
	__u64 pt = bpf_get_current_pid_tgid();                                 \
	struct lab_slot *s;                                                    \
	if ((__u32)(pt >> 32) != target_tgid)                                  \
		return 0;                                                      \
	s = my_slot();                                                         \
	if (!s)                                                                \
		return 0;                                                      \
	s->hits++

/* sys_enter-wide hooks see every syscall: getpid only */
#define ENTER_ID(id)                                                           \
	if ((id) != target_nr)                                                 \
		return 0;                                                      \
	ENTER()

/* Most variants sit on the classic per-syscall tracepoint: it fires only
 * for getpid, so the programs' run time (BPF stats) is ours alone. The
 * early exits need the syscall's arguments, which sys_enter_getpid's record
 * lacks: they sit on raw_syscalls:sys_enter (every syscall, arguments
 * included), with a baseline of their own. Both records start with the
 * syscall id, so the programs' code is the same on either. */
#define TP_SEC SEC("tp/syscalls/sys_enter_getpid")
#define TPA_SEC SEC("tp/raw_syscalls/sys_enter")
/* The common start of both records: the syscall id (an int in
 * sys_enter_getpid's, the low half of a long in raw_syscalls'), then, in
 * raw_syscalls' only, the arguments. */
struct lab_sys_enter {
	__u64 common;
	int nr;
	int pad;
	unsigned long args[6];
};
#define TP_ARGS struct lab_sys_enter *ctx

static __always_inline void counter_incr(void *map, bool atomic)
{
	__u32 key = 0;
	__u64 one = 1, *v = bpf_map_lookup_elem(map, &key);

	if (v) {
		if (atomic)
			__sync_fetch_and_add(v, 1);
		else
			*v += 1;
	} else {
		bpf_map_update_elem(map, &key, &one, BPF_NOEXIST);
	}
}

/* The expensive part: a 48-byte key (pid, time slot, comm) counted in a
 * hash, like a typical per-process aggregation. */
static __always_inline void do_work(struct lab_slot *s, __u64 pt)
{
	struct lab_work_key key = {};

	key.pid = pt >> 32;
	key.slot = bpf_ktime_get_ns() % 1024;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	{
		__u64 one = 1, *v = bpf_map_lookup_elem(&work_map, &key);

		if (v)
			__sync_fetch_and_add(v, 1);
		else
			bpf_map_update_elem(&work_map, &key, &one, BPF_NOEXIST);
	}
	s->work++;
}

/* The two filters whose order the lab compares: the argument (raw_syscalls'
 * record), and the process through a map lookup. */
#define ARG_FILTER()                                                           \
	if (ctx->args[0] < LAB_ARG_MIN)                                        \
		return 0
#define PID_MAP_FILTER()                                                       \
	do {                                                                   \
		__u32 tgid = pt >> 32;                                         \
		if (!bpf_map_lookup_elem(&pid_map, &tgid))                     \
			return 0;                                              \
	} while (0)

/* ---- hooks: the same empty program on each ---- */

TP_SEC int lab_tp(TP_ARGS) { ENTER_ID(ctx->nr); return 0; }
TPA_SEC int lab_tp_all(TP_ARGS) { ENTER_ID(ctx->nr); return 0; }

SEC("raw_tp/sys_enter")
int lab_rawtp(struct bpf_raw_tracepoint_args *ctx) { ENTER_ID((long)ctx->args[1]); return 0; }

SEC("tp_btf/sys_enter")
int BPF_PROG(lab_tp_btf, struct pt_regs *regs, long id) { ENTER_ID(id); return 0; }

SEC("kprobe")
int lab_kprobe(struct pt_regs *ctx) { ENTER(); return 0; }

SEC("fentry")
int lab_fentry(void *ctx) { ENTER(); return 0; }

/* ---- early exits ---- */

/* pid filter through a map lookup instead of a constant compare */
TPA_SEC int lab_pid_map(TP_ARGS)
{
	__u64 pt = bpf_get_current_pid_tgid();
	struct lab_slot *s;

	if (ctx->nr != target_nr)
		return 0;
	PID_MAP_FILTER();
	s = my_slot();
	if (!s)
		return 0;
	s->hits++;
	return 0;
}

/* no early exit: the work runs on every event */
TPA_SEC int lab_work(TP_ARGS) { ENTER_ID(ctx->nr); do_work(s, pt); return 0; }

/* argument filter: small requests exit before the work (ours are small) */
TPA_SEC int lab_arg_exit(TP_ARGS)
{
	ENTER_ID(ctx->nr);
	ARG_FILTER();
	do_work(s, pt);
	return 0;
}

/* the guide's kernel-thread filter (pid 0, "kwor" comm) in front of the
 * work; our events pass it, so this is its price when it does not help */
TPA_SEC int lab_kthread(TP_ARGS)
{
	char comm[16];

	ENTER_ID(ctx->nr);
	if ((pt >> 32) == 0)
		return 0;
	bpf_get_current_comm(comm, sizeof(comm));
	if (comm[0] == 'k' && comm[1] == 'w' && comm[2] == 'o' && comm[3] == 'r')
		return 0;
	do_work(s, pt);
	return 0;
}

/* 1% sampling with bpf_get_prandom_u32 */
TPA_SEC int lab_sample(TP_ARGS)
{
	ENTER_ID(ctx->nr);
	if (bpf_get_prandom_u32() % 100)
		return 0;
	do_work(s, pt);
	return 0;
}

/* check order: both reject at the argument check; one looks up the pid
 * map first */
TPA_SEC int lab_cheap_first(TP_ARGS)
{
	ENTER_ID(ctx->nr); ARG_FILTER(); PID_MAP_FILTER(); do_work(s, pt); return 0;
}
TPA_SEC int lab_costly_first(TP_ARGS)
{
	ENTER_ID(ctx->nr); PID_MAP_FILTER(); ARG_FILTER(); do_work(s, pt); return 0;
}

/* ---- map choice: the same counter ---- */

TP_SEC int lab_array(TP_ARGS) { ENTER_ID(ctx->nr); counter_incr(&m_array, true); return 0; }
TP_SEC int lab_percpu_array(TP_ARGS) { ENTER_ID(ctx->nr); counter_incr(&m_percpu_array, false); return 0; }
TP_SEC int lab_hash(TP_ARGS) { ENTER_ID(ctx->nr); counter_incr(&m_hash, true); return 0; }
TP_SEC int lab_percpu_hash(TP_ARGS) { ENTER_ID(ctx->nr); counter_incr(&m_percpu_hash, false); return 0; }
TP_SEC int lab_lru_hash(TP_ARGS) { ENTER_ID(ctx->nr); counter_incr(&m_lru_hash, true); return 0; }
TP_SEC int lab_lru_percpu_hash(TP_ARGS) { ENTER_ID(ctx->nr); counter_incr(&m_lru_percpu_hash, false); return 0; }

/* The triple of key 0, or NULL after creating it (the first event). */
static __always_inline struct lab_triple *triple_first(__u32 *key)
{
	struct lab_triple init = { 1, 2, 3 }, *v = bpf_map_lookup_elem(&triple_map, key);

	if (!v)
		bpf_map_update_elem(&triple_map, key, &init, BPF_NOEXIST);
	return v;
}

/* Our event and the triple at key, or return (the first event ends there). */
#define ENTER_TRIPLE(v, key)                                                   \
	__u32 key = 0;                                                         \
	struct lab_triple *v;                                                  \
	ENTER_ID(ctx->nr);                                                     \
	if (!(v = triple_first(&key)))                                         \
		return 0

/* one lookup, three fields */
TP_SEC int lab_lookup_once(TP_ARGS)
{
	ENTER_TRIPLE(v, key);
	v->a += 1;
	v->b += 2;
	v->c += 3;
	return 0;
}

/* the same key looked up for each field */
TP_SEC int lab_lookup_3x(TP_ARGS)
{
	ENTER_TRIPLE(v, key);
	v->a += 1;
	v = bpf_map_lookup_elem(&triple_map, &key);
	if (v)
		v->b += 2;
	v = bpf_map_lookup_elem(&triple_map, &key);
	if (v)
		v->c += 3;
	return 0;
}

/* ---- BPF_CORE_READ vs direct BTF access (tp_btf) ---- */

/* One program per access method and field count: the task, then the sum
 * read from it, through probe reads (BPF_CORE_READ) or BTF pointers. */
#define TASK_PROG(name, get_task, sum)                                         \
	SEC("tp_btf/sys_enter")                                                \
	int BPF_PROG(name, struct pt_regs *regs, long id)                      \
	{                                                                      \
		struct task_struct *t;                                         \
                                                                               \
		ENTER_ID(id);                                                  \
		t = (get_task);                                                \
		s->sink += (sum);                                              \
		return 0;                                                      \
	}
#define CORE_TASK() ((struct task_struct *)bpf_get_current_task())
#define CORE_FIELD(f) BPF_CORE_READ(t, f)
#define BTF_FIELD(f) (t->f)
#define TEN_FIELDS(READ)                                                       \
	((__u64)READ(pid) + READ(tgid) + READ(prio) + READ(static_prio) +     \
	 READ(normal_prio) + READ(rt_priority) + READ(flags) + READ(nvcsw) +  \
	 READ(nivcsw) + READ(utime))

TASK_PROG(lab_core1, CORE_TASK(), BPF_CORE_READ(t, real_parent, tgid))
TASK_PROG(lab_btf1, bpf_get_current_task_btf(), t->real_parent->tgid)
TASK_PROG(lab_core10, CORE_TASK(), TEN_FIELDS(CORE_FIELD))
TASK_PROG(lab_btf10, bpf_get_current_task_btf(), TEN_FIELDS(BTF_FIELD))

/* ---- per-event output vs in-kernel aggregation ---- */

static __always_inline __u64 log2_u64(__u64 v)
{
	__u64 r = 0, shift;

	shift = (v > 0xFFFFFFFF) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

/* every variant takes the time and the gap since the last event */
static __always_inline void fill_event(struct lab_event *e, TP_ARGS, __u64 pt,
				       struct lab_slot *s)
{
	__u64 now = bpf_ktime_get_ns();

	e->ts_ns = now;
	e->delta_ns = now - s->last_ns;
	s->last_ns = now;
	e->arg = ctx->nr;
	e->pid = pt >> 32;
	e->tid = (__u32)pt;
	e->cpu = bpf_get_smp_processor_id();
	e->pad = 0;
}

TP_SEC int lab_ringbuf(TP_ARGS)
{
	struct lab_event *e;

	ENTER_ID(ctx->nr);
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		s->drops++;
		return 0;
	}
	fill_event(e, ctx, pt, s);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

TP_SEC int lab_perfbuf(TP_ARGS)
{
	struct lab_event e;

	ENTER_ID(ctx->nr);
	fill_event(&e, ctx, pt, s);
	if (bpf_perf_event_output(ctx, &pb, BPF_F_CURRENT_CPU, &e, sizeof(e)))
		s->drops++;
	return 0;
}

/* the same gap, counted in a log2 histogram that user space reads later */
TP_SEC int lab_hist(TP_ARGS)
{
	__u64 now, *v;
	__u32 slot;

	ENTER_ID(ctx->nr);
	now = bpf_ktime_get_ns();
	slot = log2_u64(now - s->last_ns);
	s->last_ns = now;
	if (slot >= LAB_HIST_SLOTS)
		slot = LAB_HIST_SLOTS - 1;
	v = bpf_map_lookup_elem(&hist_map, &slot);
	if (v)
		*v += 1;
	return 0;
}

/* ---- helpers one by one ---- */

TP_SEC int lab_ktime(TP_ARGS) { ENTER_ID(ctx->nr); s->sink += bpf_ktime_get_ns(); return 0; }
TP_SEC int lab_pid_tgid(TP_ARGS) { ENTER_ID(ctx->nr); s->sink += bpf_get_current_pid_tgid(); return 0; }
TP_SEC int lab_prandom(TP_ARGS) { ENTER_ID(ctx->nr); s->sink += bpf_get_prandom_u32(); return 0; }

TP_SEC int lab_comm(TP_ARGS)
{
	char comm[16];

	ENTER_ID(ctx->nr);
	bpf_get_current_comm(comm, sizeof(comm));
	s->sink += comm[0];
	return 0;
}

TP_SEC int lab_probe_read(TP_ARGS)
{
	int v = 0;

	ENTER_ID(ctx->nr);
	bpf_probe_read_kernel(&v, sizeof(v), &ctx->nr);
	s->sink += v;
	return 0;
}

/* debug only: writes a line to the kernel trace buffer per event */
TP_SEC int lab_printk(TP_ARGS)
{
	ENTER_ID(ctx->nr);
	bpf_printk("bpfcost");
	return 0;
}

/* ---- bounded loop vs unrolled: hash the comm read by lab_comm ---- */

/* One program, two loop pragmas: the only difference the lab measures. */
#define COMM_HASH_PROG(name, loop_pragma)                                      \
	TP_SEC int name(TP_ARGS)                                               \
	{                                                                      \
		char comm[16];                                                 \
		__u64 h = 0;                                                   \
                                                                               \
		ENTER_ID(ctx->nr);                                             \
		bpf_get_current_comm(comm, sizeof(comm));                      \
		_Pragma(loop_pragma)                                           \
		for (int i = 0; i < 16; i++)                                   \
			h = h * 31 + comm[i];                                  \
		s->sink += h;                                                  \
		return 0;                                                      \
	}

COMM_HASH_PROG(lab_loop, "clang loop unroll(disable)")
COMM_HASH_PROG(lab_unrolled, "unroll")
