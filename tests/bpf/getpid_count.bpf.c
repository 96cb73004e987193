// SPDX-License-Identifier: GPL-2.0
/* Sample object for `bench --obj` tests: counts getpid calls of the
 * benchmark process, following bpfcost's conventions (docs/measure.md):
 * bpfcost_tgid is set by bench before load, bpfcost_hits is read back so
 * the row is checked like a built-in one (one hit per op). A ring buffer
 * record per hit exercises the consumer. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 bpfcost_tgid = 0;
__u64 bpfcost_hits[64]; /* one slot per CPU: plain increments stay exact */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

SEC("tp/syscalls/sys_enter_getpid")
int count_getpid(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 *rec;

	if (bpfcost_tgid && tgid != bpfcost_tgid)
		return 0;
	if (cpu < 64)
		bpfcost_hits[cpu]++;
	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (rec) {
		*rec = tgid;
		bpf_ringbuf_submit(rec, 0);
	}
	return 0;
}
