/* SPDX-License-Identifier: GPL-2.0 */
/* Workloads: the operation a probe is measured on. Adding one is an
 * entry in the list WORKLOADS in workload.c and its op function there. */
#ifndef BPFCOST_WORKLOAD_H
#define BPFCOST_WORKLOAD_H

#include <stddef.h>

struct wl_ctx {
	void *region;     /* mapped memory the op works on */
	size_t len;
	unsigned long seq;
};

struct workload {
	const char *name;
	const char *desc;
	const char *syscall;  /* traced syscall: sys_enter_<syscall>, kernel function */
	long nr;              /* its number, for sys_enter filters */
	const char *func;     /* noinline function of ours the uprobes attach to */
	int (*init)(struct wl_ctx *c);   /* may be NULL */
	void (*fini)(struct wl_ctx *c);  /* may be NULL */
	void (*prep)(struct wl_ctx *c);  /* untimed, before each op; may be NULL */
	long (*op)(struct wl_ctx *c);    /* the timed op: one traced syscall */
	size_t bytes;         /* memory one op releases (munmap, madvise); 0: none */
};

extern const struct workload workloads[];
extern const int nr_workloads;
extern const char *const workload_names[];

const struct workload *workload_find(const char *name);

#endif
