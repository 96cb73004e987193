/* SPDX-License-Identifier: GPL-2.0 */
/* What this kernel offers, asked of the kernel itself (no program loaded):
 * config options, kprobe support, kernel functions in BTF and kallsyms, a
 * program's BPF run-time statistics, and what this process may do. */
#ifndef BPFCOST_KERNEL_H
#define BPFCOST_KERNEL_H

#include <stdbool.h>
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

/* What an operation needs, as capabilities (root has them all; CAP_SYS_ADMIN
 * also stands in for CAP_BPF and CAP_PERFMON, as in the kernel). */
enum priv_need {
	NEED_BPF = 1 << 0,       /* load programs, make maps */
	NEED_PERFMON = 1 << 1,   /* tracing programs, perf events (tracepoints, uprobes) */
	NEED_SYS_ADMIN = 1 << 2, /* list programs by id, BPF_ENABLE_STATS */
	NEED_PTRACE = 1 << 3,    /* read other users' /proc/PID/fd (who holds a program) */
	NEED_DAC_READ = 1 << 4,  /* CAP_DAC_READ_SEARCH: list other users' /proc/PID/fd */
	NEED_SETUID = 1 << 5,    /* CAP_SETUID and CAP_SETGID: run a server as its user */
	NEED_ROOT = 1 << 6,      /* uid 0 (root-owned sysctls and sysfs files) */
};
#define NEED_TRACING (NEED_BPF | NEED_PERFMON)

/* The capabilities of need this process lacks, as "CAP_BPF and
 * CAP_PERFMON" ("" when none). */
const char *privs_missing(unsigned int need, char *buf, size_t len);
/* The one privilege check every command that loads or reads BPF programs
 * calls first: 0 when the process has what need names, else EXIT_RUNTIME
 * after one line: "needs CAP_PERFMON (or root) " and why. Everything past
 * it runs what the capabilities allow and names what is missing per item. */
int require_privileges(unsigned int need, const char *why);

/* This process's tgid as BPF helpers see it (bpf_get_current_pid_tgid):
 * the PID in the initial PID namespace, which differs from getpid() in a
 * container. Found once per process (again after a fork) by test-running
 * a three-instruction program; getpid() when that cannot be done. */
uint32_t bpf_self_tgid(void);

/* Kernel capabilities, used by check and by probe_open's reasons. */
/* The kernel lockdown in force ("none", "integrity", "confidentiality"),
 * from securityfs or the command line; NULL when unknown. Under
 * confidentiality the kernel refuses kprobes and leaves tracefs empty. */
const char *kernel_lockdown(void);
bool kernel_locked_down_confidential(void);
const char *kprobe_unsupported_reason(void); /* NULL when kprobes exist */
struct btf;
/* The kernel's BTF, loaded once; NULL when it has none. */
struct btf *vmlinux_btf(void);
/* Kernel function that fentry/kprobe use for a syscall; NULL if none. */
const char *syscall_kfunc_btf(const char *syscall, char *buf, size_t len);
const char *syscall_kfunc_kallsyms(const char *syscall, char *buf, size_t len);

#endif
