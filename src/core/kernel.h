/* SPDX-License-Identifier: GPL-2.0 */
/* What this kernel offers, asked of the kernel itself (no program loaded):
 * config options, kprobe support, kernel functions in BTF and kallsyms,
 * tracefs, and a program's BPF run-time statistics. */
#ifndef BPFCOST_KERNEL_H
#define BPFCOST_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* BPF run-time statistics of one program: cumulative run_cnt/run_time_ns
 * from bpf_prog_info (they advance only while stats are enabled). */
int prog_run_stats(int prog_fd, uint64_t *run_cnt, uint64_t *run_time_ns,
		   uint64_t *recursion_misses);
/* What the kernel charges a map for (the "memlock" line of its fdinfo:
 * since 6.4 the memory it really uses; before, an estimate from its
 * sizes). Bytes, or -errno when the line is not there. */
long long map_memlock_bytes(int map_fd);
/* A BPF_ENABLE_STATS fd: stats on while it is open. Returns fd or -errno. */
int stats_enable(void);

/* The one privilege check of every command that loads BPF programs (a
 * later change makes it ask for capabilities instead of root). 0, or
 * EXIT_RUNTIME after one line: "needs root " and why, e.g. "(CAP_BPF and
 * CAP_PERFMON) to load probes". */
int require_privileges(const char *why);

/* Kernel capabilities, used by check and by probe_open's reasons. */
const char *kprobe_unsupported_reason(void); /* NULL when kprobes exist */
struct btf;
/* The kernel's BTF, loaded once; NULL when it has none. */
struct btf *vmlinux_btf(void);
/* Kernel function that fentry/kprobe use for a syscall; NULL if none. */
const char *syscall_kfunc_btf(const char *syscall, char *buf, size_t len);
const char *syscall_kfunc_kallsyms(const char *syscall, char *buf, size_t len);
/* Mount tracefs at /sys/kernel/tracing if it is not: in a private mount
 * namespace of this process (threads created afterwards share it), so the
 * host is not changed; failing that, for everyone, and tracefs_restore()
 * unmounts it at exit. Returns 0 or -errno. */
int tracefs_ensure(void);
void tracefs_restore(void);

#endif
