/* SPDX-License-Identifier: GPL-2.0 */
/* A BPF tool as something to measure (bpfcost measure): start a command
 * in its own process group, wait until it has loaded and attached its BPF
 * programs, find them (by ID diff, held by its processes), stop it; or
 * find the programs an already running process holds. */
#ifndef BPFCOST_MEASURE_TOOL_H
#define BPFCOST_MEASURE_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TOOL_MAX_PROGS 64

struct tool_prog {
	uint32_t id;
	char name[32];      /* as the kernel keeps it (16 bytes) */
	char type[32];      /* tracepoint, raw_tracepoint, kprobe, ... */
	char attach[128];   /* tp:sys_enter_getpid, uprobe:/bin/x+0x10, link:tracing ... */
};

struct tool {
	char *const *argv;    /* the command */
	const char *log_path; /* its stdout and stderr, appended */
	double settle_s;      /* > 0: wait this long after start, then look */
	double timeout_s;     /* without settle: give up when nothing loads by then */
	double stable_s;      /* without settle: the program set must hold still this long */
	pid_t pid;            /* running child (its process group), or 0 */
	int starts;
	struct tool_prog progs[TOOL_MAX_PROGS];
	int nprogs;           /* found at the last start */
	double attach_s;      /* start to attached, last start */
};

/* Start the command and wait until it has attached. 0, or -1 with one line
 * in reason (exited at once, nothing loaded in time, interrupted); the
 * command is stopped again on failure. */
int tool_start(struct tool *t, char *reason, size_t len);
/* SIGINT, then SIGTERM, then SIGKILL to its process group, with timeouts. */
void tool_stop(struct tool *t);

/* The BPF programs process pid holds (program and link fds, perf events
 * with programs). Returns how many, up to max. */
int tool_held_progs(pid_t pid, struct tool_prog *out, int max);

#endif
