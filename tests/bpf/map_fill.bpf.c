// SPDX-License-Identifier: GPL-2.0
/* Sample object for `bench --obj` map-fill tests: a 1024-entry hash that
 * every getpid of the benchmark adds a new key to until it is full (as
 * ebpf_exporter's "complex" benchmark probe fills its map), so a row
 * starts with an empty map and ends with a full one. Follows bpfcost's
 * conventions (bpfcost_tgid, bpfcost_hits) for the exact count check. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 bpfcost_tgid = 0;
__u64 bpfcost_hits[64];

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} seen SEC(".maps");

SEC("tp/syscalls/sys_enter_getpid")
int fill_getpid(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 key, one = 1;

	if (bpfcost_tgid && tgid != bpfcost_tgid)
		return 0;
	if (cpu >= 64)
		return 0;
	key = bpfcost_hits[cpu]++;
	bpf_map_update_elem(&seen, &key, &one, BPF_NOEXIST);
	return 0;
}
