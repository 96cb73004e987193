/* SPDX-License-Identifier: GPL-2.0 */
/* A user's compiled BPF object as a bench target (bench --obj): open and
 * load it as it declares, attach its programs by their SEC() names or by
 * an --attach spec, drain its ring and perf buffers on another CPU, and
 * measure it on a workload with the same method as the built-in rows.
 *
 * Conventions an object may follow (both optional, found by name in BTF):
 *   const volatile __u32 bpfcost_tgid;  set to bench's tgid before load,
 *                                       so the object can filter to it
 *   __u64 bpfcost_hits (or an array of __u64, summed), in .bss or .data:
 *                                       events that passed its filter; with
 *                                       bpfcost_tgid as well, the row is
 *                                       checked exactly like a built-in row
 *                                       (hits must equal the ops issued). */
#ifndef BPFCOST_USEROBJ_H
#define BPFCOST_USEROBJ_H

#include <stdbool.h>
#include <stddef.h>

#include "core/consumer.h"
#include "core/engine.h"

struct userobj_opts {
	const char *path;      /* FILE.bpf.o */
	const char *progs;     /* comma list of program names; NULL: every attachable one */
	const char *attach;    /* attach spec for the selected programs; NULL: by SEC() */
	int consumer_cpu;      /* CPU of the buffer consumer; -1 unpinned */
	/* how its buffers are read: CONSUMER_EVENT (0, libbpf's reader: woken
	 * on every record) or CONSUMER_BATCH (perf: woken every batch records;
	 * ring buffers polled), as the built-in rows are */
	enum consumer_mode consumer;
	uint32_t batch;
};

struct userobj;

/* Open, check the attach spec, load. 0, or -1 with one line in reason
 * (a bad file, a verifier rejection with its last line, no program). */
int userobj_open(struct userobj **out, const struct userobj_opts *o, char *reason, size_t len);
/* Measure the object on wl; fills r (hook "obj", body: the programs). */
void userobj_bench(struct userobj *u, const struct workload *wl, const struct bench_opts *o,
		   struct bench_result *r);
/* "a,b" of the selected programs' names. */
const char *userobj_label(const struct userobj *u);
void userobj_close(struct userobj *u); /* detaches, stops the consumer, unloads */

/* What an object holds, read from its ELF without loading it (no
 * privileges): each program's SEC() name, the hook kind and the syscall
 * it traces, and its maps. */
#define USEROBJ_MAX_INFO 16
struct userobj_prog_info {
	char name[64], section[160];
	char kind[16];     /* tp, rawtp, tp_btf, kprobe, kretprobe, fentry, fexit,
			    * uprobe, uretprobe; "" when SEC() names no attach point */
	char syscall[32];  /* the syscall traced ("munmap"), "*" for every
			    * syscall (sys_enter), "" when not a syscall */
};
struct userobj_map_info {
	char name[64], type[32]; /* libbpf's type name: ringbuf, perf_event_array */
	unsigned max_entries;
};
struct userobj_info {
	int nprogs, nmaps;
	struct userobj_prog_info progs[USEROBJ_MAX_INFO];
	struct userobj_map_info maps[USEROBJ_MAX_INFO];
	const char *output; /* "ringbuf", "perfbuf", "ringbuf,perfbuf" or NULL */
};
/* 0, or -1 with one line in reason (not a file, not a BPF object). */
int userobj_describe(const char *path, struct userobj_info *info, char *reason, size_t len);
/* The syscall a kernel function or a SEC() target enters ("__x64_sys_munmap",
 * "__do_sys_munmap", "do_munmap" -> "munmap"), into buf; "" if none. */
const char *userobj_syscall_of(const char *func, char *buf, size_t len);

/* An attach spec: "tp[:CAT:NAME]", "rawtp[:NAME]", "tp_btf[:NAME]",
 * "fentry:FUNC", "fexit:FUNC", "kprobe:FUNC", "kretprobe:FUNC",
 * "uprobe[:PATH:FUNC]", "uretprobe[:PATH:FUNC]". Without a target the
 * workload's own syscall tracepoint / sys_enter / function is used.
 * Returns 0 or -1 (one line in reason naming what is accepted). */
int userobj_check_spec(const char *spec, char *reason, size_t len);

#endif
