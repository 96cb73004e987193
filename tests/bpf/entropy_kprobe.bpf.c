// SPDX-License-Identifier: GPL-2.0
/* The directive's entropy probe as it ships (entropy.h): kprobes on the
 * syscalls' x86-64 entry points. On a kernel without kprobes it loads but
 * cannot attach; bpfcost says so and points to `make vmtest`. */
#include "entropy.h"

SEC("kprobe/__x64_sys_munmap")
int BPF_KPROBE(trace_munmap, struct pt_regs *regs)
{
	/* __x64_sys_* take the user's registers: the length is PARM2 there */
	return emit(ctx, PT_REGS_PARM2_CORE(regs), ENTROPY_MUNMAP);
}

SEC("kprobe/__x64_sys_madvise")
int BPF_KPROBE(trace_madvise, struct pt_regs *regs)
{
	return emit(ctx, PT_REGS_PARM2_CORE(regs), ENTROPY_MADVISE);
}
