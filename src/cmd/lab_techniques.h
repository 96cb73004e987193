/* SPDX-License-Identifier: GPL-2.0 */
/* The optimisation lab as data: the program variants of src/bpf/lab.bpf.c
 * and the comparisons between them, each with the reference documents'
 * claim and how to judge it. Adding a technique is adding a program, a
 * variant and a comparison row. */
#ifndef BPFCOST_LAB_TECHNIQUES_H
#define BPFCOST_LAB_TECHNIQUES_H

#include <stdbool.h>

/* LH_TP: syscalls:sys_enter_getpid; LH_TP_ALL: raw_syscalls:sys_enter */
enum lab_hook { LH_TP, LH_TP_ALL, LH_RAWTP, LH_TP_BTF, LH_KPROBE, LH_FENTRY };
enum lab_output { LO_NONE, LO_RINGBUF, LO_PERFBUF };
/* How often the variant's expensive part must run, checked exactly. */
enum lab_work { LW_NA, LW_ALL, LW_NONE, LW_SAMPLE };

struct lab_variant {
	const char *name;   /* as rows and JSON name it */
	const char *prog;   /* program in lab.bpf.c */
	enum lab_hook hook;
	enum lab_output output;
	enum lab_work work;
	bool pid_map;       /* needs the lab's tgid in pid_map */
	bool printk;        /* writes to the trace buffer: restore afterwards */
	const char *desc;
};

/* What a comparison computes from the variants' overheads (ns/op over the
 * baseline): DIFF a - b (b optional: a alone), RATIO (a - c) / (b - c),
 * SAVING 100 * (a - b) / (a - c) (c optional: 0). */
enum lab_kind { LK_DIFF, LK_RATIO, LK_SAVING };
/* RANGE: agrees when the interval lies inside [lo, hi], disagrees when
 * wholly outside, inconclusive when it straddles a bound. POSITIVE: the
 * claim is only a direction (> 0). NONE: no number to check. */
enum lab_judge { LJ_RANGE, LJ_POSITIVE, LJ_NONE };
/* What the claim is about: the overhead the workload sees (bench's paired
 * trials: dispatch, program, side effects) or the program's own run time
 * (BPF stats, per trial): the cost of code inside the program, where
 * dispatch cancels and the machine's noise matters far less. */
enum lab_basis { LB_OVERHEAD, LB_PROGRAM };

struct lab_row {
	const char *technique;  /* family, --only names it */
	const char *name;       /* unique */
	const char *label;      /* table text */
	enum lab_kind kind;
	const char *a, *b, *c;  /* variant names */
	enum lab_judge judge;
	enum lab_basis basis;   /* which measurement the verdict uses */
	double lo, hi;          /* the claim, in the row's unit */
	const char *claim;      /* the documents' words */
	const char *source;
};

extern const struct lab_variant lab_variants[];
extern const int lab_nr_variants;
extern const struct lab_row lab_rows[];
extern const int lab_nr_rows;
extern const char *const lab_technique_names[];
extern const int lab_nr_techniques;
extern const char *const lab_hook_names[];

const struct lab_variant *lab_variant_find(const char *name);
const char *lab_kind_unit(enum lab_kind k); /* "ns", "x", "%" */

#endif
