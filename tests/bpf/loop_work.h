/* SPDX-License-Identifier: GPL-2.0 */
/* The body of loop_base.bpf.c and loop_more.bpf.c: two objects identical
 * but for LOOPS, the iterations of a bounded loop that adds a known amount
 * of work to every event (compare's tests, docs/compare.md). The program
 * has the same name in both, so that compare matches their rows. It
 * follows bench --obj's conventions: bpfcost_tgid filters to the
 * benchmark, bpfcost_hits counts what passed (exact count check). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 bpfcost_tgid = 0;
__u64 bpfcost_hits[64]; /* one slot per CPU: plain increments stay exact */
__u64 loop_sink[64];    /* keeps the loop's result, so it is not dropped */

SEC("tp/syscalls/sys_enter_getpid")
int loop_getpid(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 acc = id;

	if (bpfcost_tgid && (__u32)(id >> 32) != bpfcost_tgid)
		return 0;
	if (cpu >= 64)
		return 0;
	bpfcost_hits[cpu]++;
	/* a dependent multiply-add chain: no closed form for the compiler to
	 * fold, a fixed cost per iteration for the CPU */
#pragma clang loop unroll(disable)
	for (int i = 0; i < LOOPS; i++)
		acc = acc * 6364136223846793005ULL + (__u64)i;
	loop_sink[cpu] = acc;
	return 0;
}
