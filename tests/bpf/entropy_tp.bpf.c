// SPDX-License-Identifier: GPL-2.0
/* The directive's entropy probe on the syscall tracepoints (entropy.h):
 * what a kernel without kprobes can run. */
#include "entropy.h"

SEC("tracepoint/syscalls/sys_enter_munmap")
int trace_munmap(struct trace_event_raw_sys_enter *ctx)
{
	return emit(ctx, ctx->args[1], ENTROPY_MUNMAP);
}

SEC("tracepoint/syscalls/sys_enter_madvise")
int trace_madvise(struct trace_event_raw_sys_enter *ctx)
{
	return emit(ctx, ctx->args[1], ENTROPY_MADVISE);
}
