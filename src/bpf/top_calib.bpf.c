// SPDX-License-Identifier: GPL-2.0
/* `bpfcost top`'s observer-effect calibration: an empty program run through
 * BPF_PROG_TEST_RUN with stats off and on. Nothing is attached, so other
 * processes never run it; the difference per run is what BPF stats add to
 * every program run (two clock reads and a per-CPU counter update). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("socket")
int top_calib(struct __sk_buff *skb)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
