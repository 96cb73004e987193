// SPDX-License-Identifier: GPL-2.0
/* bpfcost lint: static and load-time review of a user's BPF object
 * against the documents' checklist. Every program is loaded on its own
 * (autoload) with the verifier's statistics, never attached; helpers, map
 * references and early exits are read from the relocated instructions
 * libbpf loaded. */
#include "base/cli.h"
#include "cmd/commands.h"
#include "core/env.h"
#include "base/output.h"
#include "core/hoststate.h"
#include "core/kernel.h"
#include "core/results.h"
#include "base/util.h"

#include <argp.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <glob.h>
#include <linux/bpf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char lint_doc[] =
	"Review a BPF object against the overhead checklist.\n"
	"\n"
	"USAGE: bpfcost lint FILE.bpf.o [--lab-results FILE] [--fail-on warning|error]\n"
	"                   [--json] [-o FILE]\n"
	"\n"
	"Loads every program of the object on its own (never attaches it) and\n"
	"reports its hook, instructions after load, JIT size, the verifier's\n"
	"statistics (instructions processed, states, verification time, stack\n"
	"depth), the helpers it calls and the maps, then findings: trace_printk,\n"
	"string reads on high-frequency hooks, per-event output on a syscall-wide\n"
	"hook without filter or sampling, LRU or shared hashes where an array\n"
	"serves, the same key looked up repeatedly, kprobes where a tracepoint\n"
	"exists. With --lab-results (from bpfcost lab --json) each finding shows\n"
	"what it cost per event on the machine the lab ran on.\n"
	"\n"
	"EXAMPLES:\n"
	"    bpfcost lint myprog.bpf.o\n"
	"    bpfcost lab -o lab.json       # once per machine\n"
	"    bpfcost lint myprog.bpf.o --lab-results lab.json\n"
	"    bpfcost lint myprog.bpf.o --json\n"
	"    bpfcost lint myprog.bpf.o --fail-on warning   # exit 1 on a warning (CI)\n";

enum { OPT_LAB = 1000, OPT_FAIL_ON };

static const struct argp_option lint_opts_def[] = {
	{ "lab-results", OPT_LAB, "FILE", 0, "bpfcost lab --json output: expected cost per finding" },
	{ "fail-on", OPT_FAIL_ON, "LEVEL", 0, "exit 1 when a finding is at LEVEL or worse: warning, error" },
	{},
};

static const struct argp_child lint_groups[] = {
	CLI_OUTPUT_GROUP(CLI_OPT_JSON("JSON output (schema bpfcost.lint/1)"),
		CLI_OPT_OUTPUT("write the JSON to FILE (atomically)"),
		CLI_OPT_VERBOSE("libbpf's messages and the verifier's")),
	{},
};

struct lint_args {
	struct cli_common cli; /* --json, -o */
	const char *obj, *lab;
	int fail_on; /* -1: never; else the mildest severity that fails */
};

static error_t lint_parse(int key, char *arg, struct argp_state *state)
{
	struct lint_args *a = state->input;

	switch (key) {
	case OPT_LAB: a->lab = arg; break;
	case OPT_FAIL_ON: {
		static const char *const levels[] = { "error", "warning" }; /* = enum severity */

		a->fail_on = cli_pick("--fail-on", arg, levels, 2);
		break;
	}
	case ARGP_KEY_ARG:
		if (a->obj)
			usage_error("one object at a time, not also '%s' (see bpfcost lint --help)", arg);
		a->obj = arg;
		break;
	case ARGP_KEY_END:
		if (!a->obj)
			usage_error("which object? USAGE: bpfcost lint FILE.bpf.o");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- what we learn about a program and a map ---- */

#define MAX_HELPERS 64
#define MAX_LOOKUPS 64
#define LOG_SIZE (4 << 20)

struct lint_prog {
	char name[64], sec[128], type[32];
	bool loaded;
	char reason[256];
	unsigned int xlated_bytes, jited_bytes, verified_insns;
	long processed, total_states, peak_states, max_states, verif_us;
	char stack[32];
	int helpers[MAX_HELPERS], nhelpers;
	bool syscall_wide, hot;
	char hot_why[192];
	/* instruction scan */
	int first_output_helper;   /* helper id, 0 none */
	bool branch_before_output;
	char repeated_map[64];
	int repeated_count;
};

struct lint_map {
	char name[64];
	enum bpf_map_type type;
	unsigned int key_size, value_size, max_entries;
};

enum severity { SEV_ERROR, SEV_WARNING, SEV_INFO };
static const char *const sev_names[] = { "error", "warning", "info" };

struct finding {
	enum severity sev;
	const char *id;
	char where[64];
	char msg[448]; /* the longest: a helper, a section and why it is hot */
	const char *lab_a, *lab_b; /* lab variants whose difference is the cost */
	double scale;
	bool program;              /* on the programs' run time, not the overhead */
	double expected_ns;
};

/* ---- helper names from the kernel's own enum ---- */

static char helper_names[256][48];

static void load_helper_names(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int id;

	if (libbpf_get_error(btf))
		return;
	id = btf__find_by_name_kind(btf, "bpf_func_id", BTF_KIND_ENUM);
	if (id > 0) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e = btf_enum(t);

		for (int i = 0; i < btf_vlen(t); i++, e++) {
			const char *n = btf__name_by_offset(btf, e->name_off);
			if (e->val >= 0 && e->val < 256 && n && !strncmp(n, "BPF_FUNC_", 9))
				snprintf(helper_names[e->val], sizeof(helper_names[0]), "%s", n + 9);
		}
	}
	btf__free(btf);
}

static const char *helper_name(int id, char *buf, size_t len)
{
	if (id >= 0 && id < 256 && helper_names[id][0])
		return helper_names[id];
	snprintf(buf, len, "helper#%d", id);
	return buf;
}

/* helper ids: stable UAPI numbers */
enum {
	H_MAP_LOOKUP = 1, H_TRACE_PRINTK = 6, H_PERF_EVENT_OUTPUT = 25, H_PROBE_READ_STR = 45,
	H_PROBE_READ_USER_STR = 114, H_PROBE_READ_KERNEL_STR = 115, H_RINGBUF_OUTPUT = 130,
	H_RINGBUF_RESERVE = 131, H_TRACE_VPRINTK = 177,
};

static bool is_output_helper(int id)
{
	return id == H_PERF_EVENT_OUTPUT || id == H_RINGBUF_OUTPUT || id == H_RINGBUF_RESERVE;
}

static bool is_str_helper(int id)
{
	return id == H_PROBE_READ_STR || id == H_PROBE_READ_USER_STR || id == H_PROBE_READ_KERNEL_STR;
}

static bool prog_calls(const struct lint_prog *p, int id)
{
	for (int i = 0; i < p->nhelpers; i++)
		if (p->helpers[i] == id)
			return true;
	return false;
}

/* ---- hooks: how often do they fire? ---- */

static const char *const hot_syscalls[] = {
	"read", "write", "readv", "writev", "pread64", "pwrite64", "futex", "epoll_wait",
	"epoll_pwait", "poll", "ppoll", "select", "pselect6", "recvfrom", "sendto", "recvmsg",
	"sendmsg", "openat", "close", "newfstatat", "fstat", "statx", "mmap", "munmap", "ioctl",
	"clock_gettime", "getpid", "gettid", "nanosleep", "sched_yield", "lseek", "fcntl",
};
static const char *const hot_events[] = {
	"sched_switch", "sched_wakeup", "sched_wakeup_new", "sched_waking", "sys_enter",
	"sys_exit", "irq_handler_entry", "softirq_entry", "net_dev_queue", "netif_receive_skb",
	"kmalloc", "kfree", "mm_page_alloc", "page_fault_user", "block_rq_issue",
};
static const char *const hot_functions[] = {
	"vfs_read", "vfs_write", "tcp_sendmsg", "tcp_recvmsg", "__schedule", "schedule",
	"finish_task_switch", "do_sys_openat2", "__kmalloc", "kfree", "ksys_read", "ksys_write",
	"handle_mm_fault", "do_page_fault", "try_to_wake_up",
};

static bool in_list(const char *s, const char *const *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, l[i]))
			return true;
	return false;
}

static const char *after_prefix(const char *s, const char *const *prefixes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(prefixes[i]);
		if (!strncmp(s, prefixes[i], l))
			return s + l;
	}
	return NULL;
}

static const char *const sys_prefixes[] = { "__x64_sys_", "__ia32_sys_", "__arm64_sys_",
					    "__se_sys_", "__do_sys_", "__sys_", "sys_" };

/* The syscall a kernel function implements, or NULL. */
static const char *func_syscall(const char *func)
{
	return after_prefix(func, sys_prefixes, ARRAY_SIZE(sys_prefixes));
}

static void classify_hook(struct lint_prog *p)
{
	static const char *const tp_pre[] = { "tp/", "tracepoint/" };
	static const char *const raw_pre[] = { "raw_tp/", "raw_tracepoint/", "tp_btf/",
					       "raw_tp.w/", "raw_tracepoint.w/" };
	static const char *const fn_pre[] = { "kprobe/", "kretprobe/", "fentry/", "fexit/",
					      "fmod_ret/" };
	static const char *const sc_pre[] = { "ksyscall/", "kretsyscall/" };
	const char *ev, *sc;

	p->hot_why[0] = '\0';
	if ((ev = after_prefix(p->sec, tp_pre, ARRAY_SIZE(tp_pre)))) {
		const char *name = strchr(ev, '/') ? strchr(ev, '/') + 1 : ev;

		if (!strncmp(ev, "raw_syscalls/", 13))
			p->syscall_wide = true;
		else if (!strncmp(ev, "syscalls/", 9) && (sc = after_prefix(name, (const char *const[]){ "sys_enter_", "sys_exit_" }, 2)) &&
			 in_list(sc, hot_syscalls, ARRAY_SIZE(hot_syscalls)))
			snprintf(p->hot_why, sizeof(p->hot_why), "%s is a frequent syscall", sc);
		else if (in_list(name, hot_events, ARRAY_SIZE(hot_events)))
			snprintf(p->hot_why, sizeof(p->hot_why), "%s fires very often", name);
	} else if ((ev = after_prefix(p->sec, raw_pre, ARRAY_SIZE(raw_pre)))) {
		if (!strcmp(ev, "sys_enter") || !strcmp(ev, "sys_exit"))
			p->syscall_wide = true;
		else if (in_list(ev, hot_events, ARRAY_SIZE(hot_events)))
			snprintf(p->hot_why, sizeof(p->hot_why), "%s fires very often", ev);
	} else if ((ev = after_prefix(p->sec, fn_pre, ARRAY_SIZE(fn_pre)))) {
		char fn[128];

		snprintf(fn, sizeof(fn), "%s", ev);
		fn[strcspn(fn, "+")] = '\0';
		if ((sc = func_syscall(fn)) && in_list(sc, hot_syscalls, ARRAY_SIZE(hot_syscalls)))
			snprintf(p->hot_why, sizeof(p->hot_why), "%s is a frequent syscall", sc);
		else if (in_list(fn, hot_functions, ARRAY_SIZE(hot_functions)))
			snprintf(p->hot_why, sizeof(p->hot_why), "%s runs very often", fn);
	} else if ((sc = after_prefix(p->sec, sc_pre, ARRAY_SIZE(sc_pre)))) {
		if (in_list(sc, hot_syscalls, ARRAY_SIZE(hot_syscalls)))
			snprintf(p->hot_why, sizeof(p->hot_why), "%s is a frequent syscall", sc);
	} else if (!strncmp(p->sec, "xdp", 3) || !strncmp(p->sec, "tc", 2) ||
		   !strncmp(p->sec, "classifier", 10)) {
		snprintf(p->hot_why, sizeof(p->hot_why), "runs for every packet");
	}
	if (p->syscall_wide)
		snprintf(p->hot_why, sizeof(p->hot_why), "fires for every syscall of every process");
	p->hot = p->hot_why[0] != '\0';
}

/* A tracepoint for the event a kprobe watches: the syscall's
 * sys_enter/sys_exit, or any category's event of the function's name. */
static bool tracepoint_for(const char *sec, char *tp, size_t len)
{
	static const char *const kp_pre[] = { "kprobe/", "kretprobe/", "ksyscall/", "kretsyscall/" };
	const char *fn = after_prefix(sec, kp_pre, ARRAY_SIZE(kp_pre)), *sc;
	bool ret = !strncmp(sec, "kret", 4);
	char f[128], path[384];
	struct stat st;
	glob_t g;

	if (!fn || !*fn || tracefs_ensure())
		return false;
	snprintf(f, sizeof(f), "%s", fn);
	f[strcspn(f, "+")] = '\0';
	sc = !strncmp(sec, "ksyscall/", 9) || !strncmp(sec, "kretsyscall/", 12) ? f : func_syscall(f);
	if (sc) {
		snprintf(path, sizeof(path), "/sys/kernel/tracing/events/syscalls/sys_%s_%s",
			 ret ? "exit" : "enter", sc);
		if (!stat(path, &st)) {
			snprintf(tp, len, "syscalls:sys_%s_%s", ret ? "exit" : "enter", sc);
			return true;
		}
		return false;
	}
	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/*/%s", f);
	if (glob(path, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
		char *ev = g.gl_pathv[0] + strlen("/sys/kernel/tracing/events/");
		char *slash = strchr(ev, '/');

		if (slash)
			*slash = ':';
		snprintf(tp, len, "%s", ev);
		globfree(&g);
		return true;
	}
	return false;
}

/* ---- the instructions ---- */

enum reg_kind { R_UNKNOWN, R_MAP, R_FP };
struct reg_state {
	enum reg_kind kind;
	int val; /* map fd, or stack offset */
};

struct lookup_rec {
	int map_fd, off, count;
};

static bool is_cond_jump(const struct bpf_insn *in)
{
	int cls = BPF_CLASS(in->code), op = BPF_OP(in->code);

	return (cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_JA && op != BPF_CALL &&
	       op != BPF_EXIT;
}

/* One pass over the relocated instructions in program order: helper ids,
 * the first per-event output and whether a conditional branch precedes
 * it, and map lookups whose (map, key slot) repeat with no store to the
 * key in between. Control flow is not followed: the compiler rebuilds the
 * map and key registers before each call, which is what we match. */
static void scan_insns(struct lint_prog *p, const struct bpf_insn *insns, size_t n,
		       struct bpf_object *obj)
{
	struct reg_state r[11];
	struct lookup_rec lk[MAX_LOOKUPS];
	int nlk = 0;
	bool branch = false;

	memset(r, 0, sizeof(r));
	r[10].kind = R_FP;
	r[10].val = 0;
	for (size_t i = 0; i < n; i++) {
		const struct bpf_insn *in = &insns[i];
		int cls = BPF_CLASS(in->code);

		if (in->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			if (in->dst_reg < 10) {
				r[in->dst_reg].kind = in->src_reg == BPF_PSEUDO_MAP_FD ||
						      in->src_reg == BPF_PSEUDO_MAP_IDX ? R_MAP : R_UNKNOWN;
				r[in->dst_reg].val = in->imm;
			}
			i++; /* second half of the 16-byte load */
			continue;
		}
		if (in->code == (BPF_JMP | BPF_CALL)) {
			if (in->src_reg == 0) {
				int id = in->imm, k;

				for (k = 0; k < p->nhelpers && p->helpers[k] != id; k++)
					;
				if (k == p->nhelpers && p->nhelpers < MAX_HELPERS)
					p->helpers[p->nhelpers++] = id;
				if (is_output_helper(id) && !p->first_output_helper) {
					p->first_output_helper = id;
					p->branch_before_output = branch;
				}
				if (id == H_MAP_LOOKUP && r[1].kind == R_MAP && r[2].kind == R_FP) {
					for (k = 0; k < nlk; k++)
						if (lk[k].map_fd == r[1].val && lk[k].off == r[2].val)
							break;
					if (k < nlk)
						lk[k].count++;
					else if (nlk < MAX_LOOKUPS)
						lk[nlk++] = (struct lookup_rec){ r[1].val, r[2].val, 1 };
				}
			}
			for (int k = 0; k <= 5; k++)
				r[k].kind = R_UNKNOWN;
			continue;
		}
		if (is_cond_jump(in))
			branch = true;
		if ((cls == BPF_STX || cls == BPF_ST) && in->dst_reg == 10) {
			/* a store into a key slot: a later lookup is of another key */
			for (int k = 0; k < nlk; k++)
				if (in->off >= lk[k].off && in->off < lk[k].off + 64 && lk[k].count < 2)
					lk[k] = lk[--nlk];
			continue;
		}
		if (cls == BPF_ALU64 && in->dst_reg < 10) {
			struct reg_state *d = &r[in->dst_reg];

			if (in->code == (BPF_ALU64 | BPF_MOV | BPF_X))
				*d = r[in->src_reg];
			else if (in->code == (BPF_ALU64 | BPF_ADD | BPF_K) && d->kind == R_FP)
				d->val += in->imm;
			else
				d->kind = R_UNKNOWN;
			continue;
		}
		if ((cls == BPF_ALU || cls == BPF_LDX || cls == BPF_LD) && in->dst_reg < 10)
			r[in->dst_reg].kind = R_UNKNOWN;
	}
	for (int k = 0; k < nlk; k++) {
		if (lk[k].count > p->repeated_count) {
			struct bpf_map *m;

			p->repeated_count = lk[k].count;
			snprintf(p->repeated_map, sizeof(p->repeated_map), "fd %d", lk[k].map_fd);
			bpf_object__for_each_map(m, obj)
				if (bpf_map__fd(m) == lk[k].map_fd)
					snprintf(p->repeated_map, sizeof(p->repeated_map), "%s",
						 bpf_map__name(m));
		}
	}
}

/* ---- loading one program ---- */

static long log_num(const char *log, const char *key)
{
	const char *s = strstr(log, key);

	return s ? strtol(s + strlen(key), NULL, 10) : -1;
}

static void parse_verifier_log(struct lint_prog *p, const char *log)
{
	const char *s;

	p->processed = log_num(log, "processed ");
	p->max_states = log_num(log, "max_states_per_insn ");
	p->total_states = log_num(log, "total_states ");
	p->peak_states = log_num(log, "peak_states ");
	p->verif_us = log_num(log, "verification time ");
	p->stack[0] = '\0';
	if ((s = strstr(log, "stack depth "))) {
		s += strlen("stack depth ");
		snprintf(p->stack, sizeof(p->stack), "%.*s", (int)strspn(s, "0123456789+"), s);
	}
}

static void lint_load(const char *path, int idx, struct lint_prog *p, char *logbuf)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *prog, *mine = NULL;
	struct bpf_prog_info info;
	__u32 ilen = sizeof(info);
	struct printk_guard g;
	int i = 0, err;

	if (libbpf_get_error(obj)) {
		snprintf(p->reason, sizeof(p->reason), "cannot open: %s", strerror(errno));
		return;
	}
	bpf_object__for_each_program(prog, obj) {
		bpf_program__set_autoload(prog, i == idx);
		if (i++ == idx)
			mine = prog;
	}
	if (!mine)
		goto out;
	logbuf[0] = '\0';
	bpf_program__set_log_buf(mine, logbuf, LOG_SIZE);
	bpf_program__set_log_level(mine, 4 | (verbose > 1 ? 1 : 0)); /* BPF_LOG_STATS */
	libbpf_clear_last_lines();
	/* a program that calls bpf_trace_printk turns its event on at load:
	 * lint only loads, so the event goes back as it was */
	printk_guard_begin(&g);
	err = bpf_object__load(obj);
	printk_guard_end(&g, obj);
	hoststate_track_object(obj);
	if (err) {
		char line[200];

		log_last_lines(logbuf[0] ? logbuf : NULL, 1, line, sizeof(line));
		/* LOCKDOWN_BPF_READ_KERNEL takes the helpers that can read
		 * kernel memory (bpf_probe_read, _str, ...) from tracing programs */
		snprintf(p->reason, sizeof(p->reason), "%s%s%.160s%s", strerror(-err), line[0] ? ": " : "", line,
			 strstr(line, "cannot use helper") && kernel_locked_down_confidential() ?
			 " (lockdown=confidentiality forbids it)" : "");
		/* helpers still tell something: scan what libbpf has */
		scan_insns(p, bpf_program__insns(mine), bpf_program__insn_cnt(mine), obj);
		goto out;
	}
	p->loaded = true;
	parse_verifier_log(p, logbuf);
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(bpf_program__fd(mine), &info, &ilen)) {
		p->xlated_bytes = info.xlated_prog_len;
		p->jited_bytes = info.jited_prog_len;
		p->verified_insns = info.verified_insns;
	}
	scan_insns(p, bpf_program__insns(mine), bpf_program__insn_cnt(mine), obj);
out:
	bpf_object__close(obj);
}

/* ---- lab results: what a finding costs on the lab's machine ---- */

/* The variant's program time per op (code-cost findings) or the overhead
 * the workload saw (hook and output findings). */
static double lab_cost(json_object *lab, const char *variant, bool program)
{
	json_object *vars, *v, *b;

	if (!lab || !variant || !json_object_object_get_ex(lab, "variants", &vars))
		return NAN;
	for (size_t i = 0; i < json_object_array_length(vars); i++) {
		v = json_object_array_get_idx(vars, i);
		if (!jget_str(v, "name") || strcmp(jget_str(v, "name"), variant))
			continue;
		if (!jget_str(v, "status") || strcmp(jget_str(v, "status"), "ok"))
			return NAN;
		if (program)
			return jget_num(v, "program_ns");
		return json_object_object_get_ex(v, "bench", &b) ? jget_num(b, "overhead_ns") : NAN;
	}
	return NAN;
}

/* ---- findings ---- */

struct lint_result {
	struct lint_prog *progs;
	int nprogs;
	struct lint_map *maps;
	int nmaps;
	struct finding *f;
	int nf;
};

static struct finding *add_finding(struct lint_result *res, enum severity sev, const char *id,
				   const char *where, const char *a, const char *b, double scale)
{
	struct finding *f = &res->f[res->nf++];

	memset(f, 0, sizeof(*f));
	f->sev = sev;
	f->id = id;
	snprintf(f->where, sizeof(f->where), "%s", where);
	f->lab_a = a;
	f->lab_b = b;
	f->scale = scale;
	f->expected_ns = NAN;
	return f;
}

static void find_all(struct lint_result *res, json_object *lab)
{
	char buf[48], tp[160];

	for (int i = 0; i < res->nprogs; i++) {
		struct lint_prog *p = &res->progs[i];
		struct finding *f;

		if (!p->loaded) {
			f = add_finding(res, SEV_ERROR, "load-failed", p->name, NULL, NULL, 0);
			snprintf(f->msg, sizeof(f->msg), "does not load: %s", p->reason);
		}
		if (!strncmp(p->sec, "kprobe", 6) || !strncmp(p->sec, "kretprobe", 9) ||
		    !strncmp(p->sec, "ksyscall", 8) || !strncmp(p->sec, "kretsyscall", 11)) {
			if (tracepoint_for(p->sec, tp, sizeof(tp))) {
				f = add_finding(res, SEV_WARNING, "kprobe-has-tracepoint", p->name, "kprobe", "tp", 1);
				snprintf(f->msg, sizeof(f->msg),
					 "%s: tracepoint %s exists for the same event; prefer it "
					 "(stable, no int3 trap)", p->sec, tp);
			}
		}
		if (prog_calls(p, H_TRACE_PRINTK) || prog_calls(p, H_TRACE_VPRINTK)) {
			f = add_finding(res, SEV_WARNING, "trace-printk", p->name, "printk", "tp", 1);
			snprintf(f->msg, sizeof(f->msg),
				 "calls %s: debug only, it writes every call into the shared trace buffer",
				 prog_calls(p, H_TRACE_PRINTK) ? "bpf_trace_printk" : "bpf_trace_vprintk");
		}
		for (int k = 0; k < p->nhelpers && p->hot; k++) {
			if (!is_str_helper(p->helpers[k]))
				continue;
			f = add_finding(res, SEV_WARNING, "probe-read-str-hot", p->name, "probe_read", "tp", 1);
			snprintf(f->msg, sizeof(f->msg),
				 "%s on %s (%s): a variable-length copy per event; read fixed-size data "
				 "or filter first", helper_name(p->helpers[k], buf, sizeof(buf)), p->sec,
				 p->hot_why);
			break;
		}
		if (p->first_output_helper && p->syscall_wide && !p->branch_before_output) {
			bool perf = p->first_output_helper == H_PERF_EVENT_OUTPUT;

			f = add_finding(res, SEV_WARNING, "output-unfiltered", p->name,
					perf ? "perfbuf" : "ringbuf", "tp", 1);
			snprintf(f->msg, sizeof(f->msg),
				 "%s on every event of %s with no filter or sampling before it: every "
				 "syscall of the system becomes an event; filter, sample or aggregate",
				 helper_name(p->first_output_helper, buf, sizeof(buf)), p->sec);
		}
		if (p->repeated_count > 1) {
			f = add_finding(res, SEV_WARNING, "repeated-lookup", p->name, "lookup_3x",
					"lookup_once", (p->repeated_count - 1) / 2.0);
			snprintf(f->msg, sizeof(f->msg),
				 "looks up the same key of map %s %d times: look it up once and keep "
				 "the pointer", p->repeated_map, p->repeated_count);
		}
	}
	for (int i = 0; i < res->nmaps; i++) {
		struct lint_map *m = &res->maps[i];
		bool lru = m->type == BPF_MAP_TYPE_LRU_HASH || m->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
		struct finding *f;

		if (!lru && m->type != BPF_MAP_TYPE_HASH)
			continue;
		/* a small dense integer key space: index an array instead */
		if (m->key_size <= 4 && m->max_entries <= 4096) {
			f = add_finding(res, lru ? SEV_WARNING : SEV_INFO,
					lru ? "lru-where-array-serves" : "hash-where-array-serves", m->name,
					lru ? "lru_hash" : "hash", "percpu_array", 1);
			snprintf(f->msg, sizeof(f->msg),
				 "%s with a %u-byte key and %u entries: if the keys are small dense "
				 "integers, an array (a per-CPU array for counters) indexed by the key "
				 "serves, without hashing%s",
				 libbpf_bpf_map_type_str(m->type), m->key_size, m->max_entries,
				 lru ? " or LRU upkeep" : " or locks");
		}
	}
	for (int i = 0; i < res->nf; i++) {
		struct finding *f = &res->f[i];
		bool prog = strcmp(f->id, "output-unfiltered") && strcmp(f->id, "kprobe-has-tracepoint");
		double a = lab_cost(lab, f->lab_a, prog), b = lab_cost(lab, f->lab_b, prog);

		f->program = prog;

		if (!isnan(a) && !isnan(b))
			f->expected_ns = (a - b) * f->scale;
	}
}

/* ---- output ---- */

static const struct table_col prog_cols[] = {
	{ "PROGRAM", 16, true }, { "TYPE", 14, true }, { "INSNS", 6 }, { "JIT B", 6 },
	{ "PROCESSED", 9 }, { "STATES", 6 }, { "STACK", 5 }, { "VER us", 6 },
};

static void print_wrapped(FILE *f, const char *first, const char *text, int indent)
{
	int width = 79 - indent, n;

	fprintf(f, "%-*s", indent, first);
	while (*text) {
		n = (int)strlen(text);
		if (n > width) {
			n = width;
			while (n > 0 && text[n] != ' ')
				n--;
			if (!n)
				n = width;
		}
		fprintf(f, "%.*s\n", n, text);
		text += n;
		while (*text == ' ')
			text++;
		if (*text)
			fprintf(f, "%-*s", indent, "");
	}
}

static void print_table(FILE *f, const struct results *out)
{
	const struct lint_args *a = out->ctx;
	const struct lint_result *res = out->rows;
	char b[8][40], line[1024], name[48];
	const char *cells[8];
	int counts[3] = { 0, 0, 0 };

	fprintf(f, "%s: %d programs, %d maps\n\n", a->obj, res->nprogs, res->nmaps);
	table_header(f, prog_cols, 8);
	for (int i = 0; i < res->nprogs; i++) {
		const struct lint_prog *p = &res->progs[i];

		cells[0] = p->name;
		cells[1] = p->type;
		if (!p->loaded) {
			snprintf(line, sizeof(line), "%-16.16s %-14.14s not loaded: %s", p->name, p->type,
				 p->reason);
			fprintf(f, "%.79s\n", line);
			continue;
		}
		cells[2] = fmt_u64(b[2], sizeof(b[2]), p->xlated_bytes / 8);
		cells[3] = fmt_u64(b[3], sizeof(b[3]), p->jited_bytes);
		cells[4] = p->processed >= 0 ? fmt_u64(b[4], sizeof(b[4]), (unsigned long long)p->processed) : "-";
		cells[5] = p->total_states >= 0 ? fmt_u64(b[5], sizeof(b[5]), (unsigned long long)p->total_states) : "-";
		cells[6] = p->stack[0] ? p->stack : "-";
		cells[7] = p->verif_us >= 0 ? fmt_u64(b[7], sizeof(b[7]), (unsigned long long)p->verif_us) : "-";
		table_row(f, prog_cols, 8, cells);
	}
	fprintf(f, "\nHooks and helpers\n");
	for (int i = 0; i < res->nprogs; i++) {
		const struct lint_prog *p = &res->progs[i];
		size_t off = 0;

		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s%s; helpers: ", p->sec,
					p->hot ? ", high frequency: " : "", p->hot ? p->hot_why : "");
		for (int k = 0; k < p->nhelpers; k++)
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s", k ? ", " : "",
						helper_name(p->helpers[k], name, sizeof(name)));
		if (!p->nhelpers)
			snprintf(line + off, sizeof(line) - off, "none");
		snprintf(name, sizeof(name), "  %.45s", p->name);
		if (strlen(name) >= 18) {
			fprintf(f, "%s\n", name);
			name[0] = '\0';
		}
		print_wrapped(f, name, line, 18);
	}
	fprintf(f, "\nMaps\n");
	for (int i = 0; i < res->nmaps; i++) {
		const struct lint_map *m = &res->maps[i];

		fprintf(f, "  %-15.15s %-16s key %3u B  value %4u B  entries %u\n", m->name,
			libbpf_bpf_map_type_str(m->type), m->key_size, m->value_size, m->max_entries);
	}
	fprintf(f, "\nFindings\n");
	if (!res->nf)
		fprintf(f, "  none: the object follows the checklist\n");
	for (int i = 0; i < res->nf; i++) {
		const struct finding *fi = &res->f[i];
		char text[600];

		counts[fi->sev]++;
		if (!isnan(fi->expected_ns))
			snprintf(text, sizeof(text), "%s: %s (lab: ~%.0f ns per event)", fi->id, fi->msg,
				 fi->expected_ns);
		else
			snprintf(text, sizeof(text), "%s: %s", fi->id, fi->msg);
		snprintf(name, sizeof(name), "  %-7s %.37s", sev_names[fi->sev], fi->where);
		if (strlen(name) >= 26) {
			fprintf(f, "%s\n", name);
			name[0] = '\0';
		}
		print_wrapped(f, name, text, 26);
	}
	fprintf(f, "\n%d errors, %d warnings, %d notes%s\n", counts[0], counts[1], counts[2],
		a->lab ? "" : " (--lab-results: expected cost per event)");
}

static void lint_json(json_object *root, const struct results *out)
{
	const struct lint_args *a = out->ctx;
	const struct lint_result *res = out->rows;
	json_object *progs = json_object_new_array();
	json_object *maps = json_object_new_array(), *fs = json_object_new_array();
	char name[48];

	jset(root, "object", jstr(a->obj));
	jset(root, "lab_results", jstr(a->lab));
	for (int i = 0; i < res->nprogs; i++) {
		const struct lint_prog *p = &res->progs[i];
		json_object *o = json_object_new_object(), *h = json_object_new_array();

#define OPT(v) ((v) >= 0 ? jint(v) : NULL)
		jset(o, "name", jstr(p->name));
		jset(o, "section", jstr(p->sec));
		jset(o, "type", jstr(p->type));
		jset(o, "syscall_wide", json_object_new_boolean(p->syscall_wide));
		jset(o, "high_frequency", json_object_new_boolean(p->hot));
		jset(o, "high_frequency_why", p->hot ? jstr(p->hot_why) : NULL);
		jset(o, "loaded", json_object_new_boolean(p->loaded));
		jset(o, "reason", p->loaded ? NULL : jstr(p->reason));
		jset(o, "xlated_insns", p->loaded ? jint(p->xlated_bytes / 8) : NULL);
		jset(o, "xlated_bytes", p->loaded ? jint(p->xlated_bytes) : NULL);
		jset(o, "jited_bytes", p->loaded ? jint(p->jited_bytes) : NULL);
		jset(o, "verified_insns", p->loaded ? jint(p->verified_insns) : NULL);
		jset(o, "processed_insns", p->loaded ? OPT(p->processed) : NULL);
		jset(o, "total_states", p->loaded ? OPT(p->total_states) : NULL);
		jset(o, "peak_states", p->loaded ? OPT(p->peak_states) : NULL);
		jset(o, "max_states_per_insn", p->loaded ? OPT(p->max_states) : NULL);
		jset(o, "verification_us", p->loaded ? OPT(p->verif_us) : NULL);
		jset(o, "stack_depth", p->stack[0] ? jstr(p->stack) : NULL);
		for (int k = 0; k < p->nhelpers; k++)
			json_object_array_add(h, jstr(helper_name(p->helpers[k], name, sizeof(name))));
		jset(o, "helpers", h);
		json_object_array_add(progs, o);
	}
	for (int i = 0; i < res->nmaps; i++) {
		const struct lint_map *m = &res->maps[i];
		json_object *o = json_object_new_object();

		jset(o, "name", jstr(m->name));
		jset(o, "type", jstr(libbpf_bpf_map_type_str(m->type)));
		jset(o, "key_size", jint(m->key_size));
		jset(o, "value_size", jint(m->value_size));
		jset(o, "max_entries", jint(m->max_entries));
		json_object_array_add(maps, o);
	}
	for (int i = 0; i < res->nf; i++) {
		const struct finding *f = &res->f[i];
		json_object *o = json_object_new_object();

		jset(o, "id", jstr(f->id));
		jset(o, "severity", jstr(sev_names[f->sev]));
		jset(o, "where", jstr(f->where));
		jset(o, "message", jstr(f->msg));
		jset(o, "expected_ns", jnum(f->expected_ns));
		jset(o, "lab_basis", f->lab_a ? json_object_new_string_len(name,
			snprintf(name, sizeof(name), "%s %s - %s%s", f->program ? "program" : "overhead",
				 f->lab_a, f->lab_b, f->scale != 1 ? " (scaled)" : "")) : NULL);
		json_object_array_add(fs, o);
#undef OPT
	}
	jset(root, "programs", progs);
	jset(root, "maps", maps);
	jset(root, "findings", fs);
}

int cmd_lint(int argc, char **argv)
{
	struct lint_args a = { .fail_on = -1 };
	struct argp argp = { lint_opts_def, lint_parse, "FILE.bpf.o", lint_doc, lint_groups };
	struct lint_result res = {};
	struct results out = { .schema = "bpfcost.lint/1", .cli = &a.cli, .ctx = &a, .rows = &res,
			       .json = lint_json, .table = print_table };
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	struct bpf_map *map;
	json_object *lab = NULL;
	char *logbuf = NULL, err[512];
	int ret = 0, n = 0;
	struct stat st;

	if (cli_parse(&argp, argc, argv, &a, &a.cli))
		return EXIT_USAGE;
	if (stat(a.obj, &st) || !S_ISREG(st.st_mode))
		return usage_error("%s: not a readable file (give a compiled BPF object, FILE.bpf.o)", a.obj);
	obj = bpf_object__open_file(a.obj, NULL);
	if (libbpf_get_error(obj)) {
		obj = NULL;
		return usage_error("%s is not a BPF object libbpf can open (clang -target bpf -c ...)", a.obj);
	}
	if (a.lab) {
		lab = json_read_file(a.lab, err, sizeof(err));
		if (!lab) {
			ret = usage_error("--lab-results: %s", err);
			goto cleanup;
		}
		if (!jget_str(lab, "schema") || strcmp(jget_str(lab, "schema"), "bpfcost.lab/1")) {
			ret = usage_error("--lab-results: %s is not bpfcost lab --json output "
					  "(schema bpfcost.lab/1)", a.lab);
			goto cleanup;
		}
	}
	if ((ret = require_privileges(NEED_TRACING, "to load the programs")))
		goto cleanup;
	bpf_object__for_each_program(prog, obj)
		n++;
	res.progs = calloc((size_t)(n ? n : 1), sizeof(*res.progs));
	res.maps = calloc(64, sizeof(*res.maps));
	res.f = calloc((size_t)(n * 6 + 64), sizeof(*res.f));
	logbuf = malloc(LOG_SIZE);
	if (!res.progs || !res.maps || !res.f || !logbuf) {
		ret = runtime_error("out of memory");
		goto cleanup;
	}
	load_helper_names();
	out.env = env_collect();
	bpf_object__for_each_map(map, obj) {
		struct lint_map *m;

		if (bpf_map__is_internal(map) || res.nmaps >= 64)
			continue;
		m = &res.maps[res.nmaps++];
		snprintf(m->name, sizeof(m->name), "%s", bpf_map__name(map));
		m->type = bpf_map__type(map);
		m->key_size = bpf_map__key_size(map);
		m->value_size = bpf_map__value_size(map);
		m->max_entries = bpf_map__max_entries(map);
	}
	bpf_object__for_each_program(prog, obj) {
		struct lint_prog *p = &res.progs[res.nprogs];
		const char *t = libbpf_bpf_prog_type_str(bpf_program__type(prog));

		snprintf(p->name, sizeof(p->name), "%s", bpf_program__name(prog));
		snprintf(p->sec, sizeof(p->sec), "%s", bpf_program__section_name(prog));
		snprintf(p->type, sizeof(p->type), "%s", t ? t : "unknown");
		p->processed = p->total_states = p->peak_states = p->max_states = p->verif_us = -1;
		classify_hook(p);
		lint_load(a.obj, res.nprogs, p, logbuf);
		res.nprogs++;
		if (stop_requested)
			break;
	}
	find_all(&res, lab);
	ret = results_save(&out, res.nprogs);
	ret = results_finish(&out, res.nprogs, ret != 0);
	if (a.fail_on >= 0 && !ret) {
		int worst = 0;

		for (int i = 0; i < res.nf; i++)
			worst += (int)res.f[i].sev <= a.fail_on;
		if (worst) {
			fprintf(stderr, "bpfcost lint: %d finding%s at %s or worse (--fail-on)\n", worst,
				worst == 1 ? "" : "s", sev_names[a.fail_on]);
			ret = EXIT_RUNTIME;
		}
	}
cleanup:
	bpf_object__close(obj);
	json_object_put(lab);
	json_object_put(out.env);
	free(res.progs);
	free(res.maps);
	free(res.f);
	free(logbuf);
	tracefs_restore();
	return ret;
}
