// SPDX-License-Identifier: GPL-2.0
/* `bpfcost top` asks the kernel whether BPF stats count runs right now
 * (whoever turned them on): one BPF_PROG_TEST_RUN of this empty program,
 * and whether its run_cnt moved. Nothing is attached, so no other process
 * ever runs it. (What stats cost per run is measured on a real hook, a
 * raw tracepoint: src/top/stats_ctl.c.) */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("socket")
int top_calib(struct __sk_buff *skb)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
