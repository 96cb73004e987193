// SPDX-License-Identifier: GPL-2.0
/* Programs with a known run count for tests/integration/test_top.sh: two
 * uprobes on tests/top_driver.c's own functions, so only the driver fires
 * them, and each run is counted in a map (the truth top is checked against).
 * The first name is longer than the kernel's 15 characters on purpose:
 * top must show the full BTF name. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} top_test_counts SEC(".maps");

static __always_inline void bump(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&top_test_counts, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("uprobe")
int top_test_hot_handler_long_name(void *ctx)
{
	bump(0);
	return 0;
}

SEC("uprobe")
int top_test_cold(void *ctx)
{
	bump(1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
