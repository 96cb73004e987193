// SPDX-License-Identifier: GPL-2.0
/* Sample object whose program is not on the getpid workload's path, for
 * the "never fires" check of `bench --obj`. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

__u64 calls;

SEC("tp/syscalls/sys_enter_sync")
int on_sync(void *ctx)
{
	calls++;
	return 0;
}
