/* SPDX-License-Identifier: GPL-2.0 */
/* What a run changes on the host, and putting it back: kernel knobs
 * (rcu_expedited, the BPF stats sysctl, the bpf_trace_printk event), a
 * tracefs mounted for everyone, trace instances, and the BPF programs the
 * run loaded.
 *
 * Every change is written to a small record under /run/bpfcost before it
 * is made, with the value to put back. Several bpfcost processes may hold
 * the same knob at once: the first records the original value, the others
 * join, and only the last one out puts it back (reference counting under
 * a file lock). A run that dies without putting things back (SIGKILL, a
 * crash) holds no lock any more; the next bpfcost run finds that, restores
 * what it left and says so. */
#ifndef BPFCOST_HOSTSTATE_H
#define BPFCOST_HOSTSTATE_H

#include <stdbool.h>
#include <stddef.h>

#define TRACEFS "/sys/kernel/tracing"
#define PRINTK_EVENT_ENABLE "events/bpf_trace/bpf_trace_printk/enable"

enum host_knob {
	HOST_RCU_EXPEDITED, /* /sys/kernel/rcu_expedited */
	HOST_BPF_STATS,     /* kernel.bpf_stats_enabled */
	HOST_PRINTK_EVENT,  /* the bpf_trace_printk event in the global trace buffer */
	HOST_TRACEFS,       /* tracefs at /sys/kernel/tracing, mounted for everyone */
	NR_HOST_KNOBS,
};

/* The record's directory (BPFCOST_RUN_DIR overrides it, for tests). */
const char *hoststate_dir(void);

/* Restore what bpfcost runs that are gone left changed, one line each on
 * stderr ("restored ..."). Every command calls it first; quiet when there
 * is nothing to do or no record can be read. */
void hoststate_recover(void);

/* Hold a knob at want for this run. Returns 1 when it is held (set by us
 * or already held by another bpfcost run), 0 when it already had that
 * value and no bpfcost run holds it (nothing to put back), -errno when it
 * cannot be read or written, or no record can be kept (then it is left
 * alone). */
int hoststate_hold(enum host_knob k, const char *want);
/* Let go of a knob held by hoststate_hold; the last holder puts the
 * original value back. Safe to call when not holding it. */
void hoststate_release(enum host_knob k);
/* Whether this process holds k. */
bool hoststate_holding(enum host_knob k);

/* Around a program load: the kernel turns the bpf_trace_printk event on in
 * the global trace buffer when it verifies a program that calls
 * bpf_trace_printk, from a work item that runs a little after the load
 * returns. begin saves the event's state (and records it, under the
 * record's lock, held until end); end waits for that work when a loaded
 * program of obj calls bpf_trace_printk (up to 2 s), puts the state
 * back, and says whether the load had turned it on. Without tracefs both
 * do nothing (false). */
struct printk_guard {
	int lock_fd;
	char prev[24];
	bool have;
};
void printk_guard_begin(struct printk_guard *g);
struct bpf_object;
bool printk_guard_end(struct printk_guard *g, const struct bpf_object *obj);

/* A trace instance of this run (TRACEFS/instances/bpfcost-PID), recorded
 * before it is made. 0 and its directory in dir, or -errno. */
int trace_instance_create(char *dir, size_t len);
void trace_instance_remove(const char *dir);
/* After a load that turned the bpf_trace_printk event on (printk_guard_end
 * said so): a trace instance of this run with the event on in it, so that
 * the program's lines are written there, where they harm no one, and not
 * into the global buffer. 0 and its directory, or -errno. */
int trace_instance_printk(char *dir, size_t len);

/* Mount tracefs at /sys/kernel/tracing if it is not: in a private mount
 * namespace of this process (threads created afterwards share it), so the
 * host is not changed; failing that, for everyone (recorded, and unmounted
 * by the last bpfcost run out). Returns 0 or -errno. */
int tracefs_ensure(void);
void tracefs_restore(void);
/* Why the classic tracepoint EVENT ("syscalls/sys_enter_getpid") cannot be
 * attached through tracefs (mounting it first if needed), naming what is
 * missing; NULL when nothing stands in the way that tracefs can tell. */
const char *tracefs_event_unusable(const char *event, char *buf, size_t len);

/* Expedited RCU grace periods. Detaching a classic tracepoint or a uprobe
 * waits for RCU (40-100 ms on a small VM); expedited grace periods cut that
 * wait. rcu_expedite_begin holds /sys/kernel/rcu_expedited at 1 for the
 * run (HOST_RCU_EXPEDITED); rcu_expedite_end lets go. Returns 1 if held,
 * 0 if it was already on, -errno if it could not be set. */
int rcu_expedite_begin(void);
bool rcu_expedited_on(void); /* what /sys/kernel/rcu_expedited says now */
void rcu_expedite_end(void);

/* The BPF programs this run loaded, by id: every load site adds its
 * object or fd, and at exit the run waits (bounded) until the kernel has
 * freed them all, so that a check right after exit finds nothing. */
struct bpf_object;
void hoststate_track_object(const struct bpf_object *obj);
void hoststate_track_prog_fd(int fd);
/* Wait up to timeout_ms for every tracked id to be gone. Returns how many
 * are still loaded (0), or -errno when ids cannot be looked up (no
 * CAP_SYS_ADMIN). */
int hoststate_wait_progs_gone(int timeout_ms);

/* The end of a run: let go of everything still held, remove trace
 * instances, wait for the programs to be gone (saying so when they are
 * not). main() calls it after the command returns. */
void hoststate_end(void);

/* In a forked child that goes on to change things of its own: forget what
 * the parent holds (the parent puts those back), so that the child's
 * hoststate_end releases only the child's own holds. */
void hoststate_after_fork(void);

#endif
