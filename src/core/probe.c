// SPDX-License-Identifier: GPL-2.0
#include "core/probe.h"
#include "core/consumer.h"
#include "core/hoststate.h"
#include "base/util.h"
#include "bpf/probes.h"
#include "probes.skel.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

const struct hook_info hooks[NR_HOOKS] = {
	[HOOK_NULL] = { "null", "control: the whole procedure, nothing attached" },
#define HOOK_INFO_(ID, name, user, desc) [HOOK_##ID] = { #name, desc, user },
	PROBE_HOOKS(HOOK_INFO_)
};

const struct body_info bodies[NR_BODIES] = {
#define BODY_INFO_(ID, name, map, output, desc) [BODY_##ID] = { #name, map, desc, output },
	PROBE_BODIES(BODY_INFO_)
};

#define NAME_(ID, name, ...) #name,
const char *const hook_names[NR_HOOKS - 1] = { PROBE_HOOKS(NAME_) };
const char *const body_names[NR_BODIES] = { PROBE_BODIES(NAME_) };

const char *probe_prog_name_of(char *buf, size_t len, enum hook_id hook, enum body_id body)
{
	snprintf(buf, len, "%s__%s", hooks[hook].name, bodies[body].name);
	return buf;
}

struct probe {
	struct probe_spec spec;
	struct probes_bpf *skel;
	struct bpf_program *prog, *floor; /* prog: the one attached (or to attach) next */
	struct bpf_link *link, *floor_link;
	/* Kernels before 5.13 attach an fentry/fexit program once per load
	 * (a second attach returns ENOENT): each later attach then loads a
	 * copy of the program that shares the original's maps, counts and
	 * ring buffer included. */
	struct probes_bpf *copy;
	bool attached_once, copy_per_attach, floor_attached_once;
	char kfunc[128];
	char exe[PATH_MAX];
	int ncpus;
	struct consumer *cons; /* output bodies only */
};

/* ---- consumer ---- */

static int consumer_open(struct probe *p, char *reason, size_t len)
{
	struct consumer_opts co = { .cpu = p->spec.consumer_cpu, .mode = p->spec.consumer,
				    .batch = p->spec.batch };
	int err;

	if (!bodies[p->spec.body].output)
		return 0;
	p->cons = consumer_new(&co);
	if (!p->cons) {
		snprintf(reason, len, "out of memory");
		return -1;
	}
	if (p->spec.body == BODY_RINGBUF) {
		if ((err = consumer_add_ringbuf(p->cons, bpf_map__fd(p->skel->maps.rb)))) {
			snprintf(reason, len, "ring_buffer__new: %s", strerror(-err));
			return -1;
		}
	} else {
		size_t bytes = p->spec.buf_size ? p->spec.buf_size : 256 * 1024;

		if ((err = consumer_add_perfbuf(p->cons, bpf_map__fd(p->skel->maps.pb),
						consumer_perf_pages(bytes)))) {
			snprintf(reason, len, "perf_buffer__new: %s", strerror(-err));
			return -1;
		}
	}
	if ((err = consumer_start(p->cons))) {
		snprintf(reason, len, "consumer thread: %s", strerror(-err));
		return -1;
	}
	return 0;
}

/* ---- open / load ---- */

static enum probe_status unsupported(char *reason, size_t len, const char *fmt, const char *arg)
{
	snprintf(reason, len, fmt, arg);
	return PROBE_UNSUPPORTED;
}

/* In an opened skeleton, the one program of p's spec, set to load alone
 * and aimed at its target. NULL with *err -ENOENT (no such program) or the
 * error of setting the attach target. */
static struct bpf_program *only_program(const struct probe *p, struct probes_bpf *skel, int *err)
{
	const struct probe_spec *spec = &p->spec;
	struct bpf_program *prog, *want;
	char name[64];

	probe_prog_name_of(name, sizeof(name), spec->hook, spec->body);
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	want = bpf_object__find_program_by_name(skel->obj, name);
	if (!want) {
		*err = -ENOENT;
		return NULL;
	}
	bpf_program__set_autoload(want, true);
	if (spec->hook == HOOK_TP_BTF)
		*err = bpf_program__set_attach_target(want, 0, "sys_enter");
	else if (spec->hook == HOOK_FENTRY || spec->hook == HOOK_FEXIT)
		*err = bpf_program__set_attach_target(want, 0, p->kfunc);
	else
		*err = 0;
	return *err ? NULL : want;
}

/* Load a fresh copy of p's program onto p's own maps (see struct probe)
 * and make it the one to attach. 0 or -errno, with reason. */
static int load_copy(struct probe *p, char *reason, size_t len)
{
	struct probes_bpf *c = probes_bpf__open();
	struct bpf_program *prog;
	struct bpf_map *m;
	int err;

	if (!c) {
		err = -errno;
		snprintf(reason, len, "cannot open the BPF object again: %s", strerror(-err));
		return err;
	}
	prog = only_program(p, c, &err);
	bpf_object__for_each_map(m, c->obj) {
		struct bpf_map *orig = bpf_object__find_map_by_name(p->skel->obj, bpf_map__name(m));

		if (err)
			break;
		err = orig ? bpf_map__reuse_fd(m, bpf_map__fd(orig)) : -ENOENT;
	}
	if (!err && prog)
		err = probes_bpf__load(c);
	if (err || !prog) {
		snprintf(reason, len, "reloading %s to attach it again failed: %s",
			 hooks[p->spec.hook].name, strerror(err ? -err : ENOENT));
		probes_bpf__destroy(c);
		return err ? err : -ENOENT;
	}
	probes_bpf__destroy(p->copy); /* the previous copy, detached */
	p->copy = c;
	p->prog = prog;
	return 0;
}

enum probe_status probe_open(struct probe **out, const struct probe_spec *spec,
			     char *reason, size_t reason_len)
{
	struct probe *p;
	char name[64], detail[512];
	enum probe_status st = PROBE_FAILED;
	int err;

	*out = NULL;
	reason[0] = '\0';
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(reason, reason_len, "out of memory");
		return PROBE_FAILED;
	}
	p->spec = *spec;
	p->ncpus = libbpf_num_possible_cpus();
	if (spec->hook == HOOK_NULL) {
		*out = p;
		return PROBE_OK;
	}

	switch (spec->hook) {
	case HOOK_KPROBE:
	case HOOK_KRETPROBE: {
		const char *why = kprobe_unsupported_reason();
		if (why) {
			st = unsupported(reason, reason_len, "%s", why);
			goto fail;
		}
		if (!syscall_kfunc_kallsyms(spec->wl->syscall, p->kfunc, sizeof(p->kfunc))) {
			st = unsupported(reason, reason_len, "no kernel function for %s in /proc/kallsyms",
					 spec->wl->syscall);
			goto fail;
		}
		break;
	}
	case HOOK_FENTRY:
	case HOOK_FEXIT:
	case HOOK_TP_BTF:
		if (!vmlinux_btf()) {
			st = unsupported(reason, reason_len, "%s",
					 "no kernel BTF (/sys/kernel/btf/vmlinux): CONFIG_DEBUG_INFO_BTF is off");
			goto fail;
		}
		if (spec->hook != HOOK_TP_BTF &&
		    !syscall_kfunc_btf(spec->wl->syscall, p->kfunc, sizeof(p->kfunc))) {
			st = unsupported(reason, reason_len, "no BTF function for %s's syscall",
					 spec->wl->syscall);
			goto fail;
		}
		break;
	case HOOK_TP: {
		struct stat sb;

		/* LOCKDOWN_TRACEFS: tracefs mounts, but without a file in it */
		if (stat("/sys/kernel/tracing/events", &sb) &&
		    stat("/sys/kernel/debug/tracing/events", &sb) && kernel_locked_down_confidential()) {
			st = unsupported(reason, reason_len, "%s",
					 "kernel lockdown (confidentiality) leaves tracefs empty: no tracepoint to attach to");
			goto fail;
		}
		char ev[96];

		snprintf(ev, sizeof(ev), "syscalls/sys_enter_%s", spec->wl->syscall);
		if (tracefs_event_unusable(ev, reason, reason_len))
			goto fail;
		break;
	}
	case HOOK_UPROBE:
	case HOOK_URETPROBE: {
		struct stat sb;
		ssize_t n;

		if (stat("/sys/bus/event_source/devices/uprobe", &sb)) {
			st = unsupported(reason, reason_len, "%s",
					 "no uprobe PMU (/sys/bus/event_source/devices/uprobe): CONFIG_UPROBE_EVENTS is off");
			goto fail;
		}
		n = readlink("/proc/self/exe", p->exe, sizeof(p->exe) - 1);
		if (n <= 0) {
			snprintf(reason, reason_len, "cannot resolve /proc/self/exe");
			goto fail;
		}
		p->exe[n] = '\0';
		break;
	}
	default:
		break;
	}

	p->skel = probes_bpf__open();
	if (!p->skel) {
		snprintf(reason, reason_len, "cannot open the BPF object: %s", strerror(errno));
		goto fail;
	}
	p->skel->rodata->target_tgid = spec->target_tgid ? spec->target_tgid : bpf_self_tgid();
	p->skel->rodata->target_nr = spec->wl->nr;
	p->skel->rodata->target_cgid = spec->target_cgroup_id;
	p->skel->rodata->flow_multi = spec->flow_multi;
	p->skel->rodata->rb_wakeup = spec->consumer == CONSUMER_BATCH ? 1 :
				     spec->consumer == CONSUMER_FORCE ? 2 : 0;
	if (spec->body == BODY_RINGBUF && spec->buf_size) {
		uint32_t sz = 4096;
		while (sz < spec->buf_size)
			sz <<= 1; /* a power of two of pages */
		bpf_map__set_max_entries(p->skel->maps.rb, sz);
	}

	p->prog = only_program(p, p->skel, &err);
	if (!p->prog) {
		if (err == -ENOENT) {
			snprintf(reason, reason_len, "no program %s in the BPF object",
				 probe_prog_name_of(name, sizeof(name), spec->hook, spec->body));
		} else {
			st = unsupported(reason, reason_len, "attach target not found in kernel BTF (%s)",
					 spec->hook == HOOK_TP_BTF ? "sys_enter" : p->kfunc);
		}
		goto fail;
	}
	if (spec->floor) {
		snprintf(name, sizeof(name), "%s__floor", hooks[spec->hook].name);
		p->floor = bpf_object__find_program_by_name(p->skel->obj, name);
		if (p->floor) {
			bpf_program__set_autoload(p->floor, true);
			if (spec->hook == HOOK_TP_BTF)
				err = bpf_program__set_attach_target(p->floor, 0, "sys_enter");
			else if (spec->hook == HOOK_FENTRY || spec->hook == HOOK_FEXIT)
				err = bpf_program__set_attach_target(p->floor, 0, p->kfunc);
		}
	}
	if (err) {
		st = unsupported(reason, reason_len, "attach target not found in kernel BTF (%s)",
				 spec->hook == HOOK_TP_BTF ? "sys_enter" : p->kfunc);
		goto fail;
	}

	libbpf_clear_last_lines();
	err = probes_bpf__load(p->skel);
	if (err) {
		if ((spec->hook == HOOK_FENTRY || spec->hook == HOOK_FEXIT || spec->hook == HOOK_TP_BTF) &&
		    (err == -EPERM || err == -EACCES)) {
			snprintf(reason, reason_len,
				 "loading a tracing program (%s) returns EPERM here",
				 hooks[spec->hook].name);
			st = PROBE_UNSUPPORTED;
		} else if ((err == -EPERM || err == -EACCES) &&
			   *privs_missing(NEED_TRACING, detail, sizeof(detail))) {
			snprintf(reason, reason_len, "loading a tracing program needs %s: %s", detail,
				 strerror(-err));
		} else {
			bool map_ok = true;
			if (bodies[spec->body].map) {
				enum bpf_map_type t = spec->body == BODY_RINGBUF ? BPF_MAP_TYPE_RINGBUF :
						      spec->body == BODY_LRU_HASH ? BPF_MAP_TYPE_LRU_HASH :
						      BPF_MAP_TYPE_HASH;
				map_ok = libbpf_probe_bpf_map_type(t, NULL) == 1;
			}
			if (!map_ok) {
				st = unsupported(reason, reason_len, "map type %s is not supported by this kernel",
						 bodies[spec->body].map);
			} else {
				snprintf(reason, reason_len, "load failed (%s): %s", strerror(-err),
					 log_last_lines(NULL, 1, detail, sizeof(detail)));
			}
		}
		goto fail;
	}
	hoststate_track_object(p->skel->obj);
	if (consumer_open(p, reason, reason_len))
		goto fail;
	*out = p;
	return PROBE_OK;
fail:
	probe_close(p);
	return st;
}

/* prog (the probe's or its floor) on the probe's hook and target. */
static struct bpf_link *attach_prog(struct probe *p, struct bpf_program *prog)
{
	char sec[128];

	switch (p->spec.hook) {
	case HOOK_TP:
		snprintf(sec, sizeof(sec), "sys_enter_%s", p->spec.wl->syscall);
		return bpf_program__attach_tracepoint(prog, "syscalls", sec);
	case HOOK_RAWTP:
		return bpf_program__attach_raw_tracepoint(prog, "sys_enter");
	case HOOK_KPROBE:
	case HOOK_KRETPROBE:
		return bpf_program__attach_kprobe(prog, p->spec.hook == HOOK_KRETPROBE, p->kfunc);
	case HOOK_UPROBE:
	case HOOK_URETPROBE: {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = p->spec.wl->func,
			    .retprobe = p->spec.hook == HOOK_URETPROBE);
		return bpf_program__attach_uprobe_opts(prog, p->spec.target_tgid ? -1 : getpid(),
						       p->exe, 0, &uo);
	}
	default:
		return bpf_program__attach(prog);
	}
}

/* prog into *link unless it is there; 0 or -errno with reason. */
static int attach_link(struct probe *p, struct bpf_program *prog, struct bpf_link **link,
		       char *reason, size_t reason_len)
{
	char sec[128];
	int err;

	if (*link)
		return 0;
	*link = attach_prog(p, prog);
	if (*link)
		return 0;
	err = -errno;
	if ((p->spec.hook == HOOK_KPROBE || p->spec.hook == HOOK_KRETPROBE) &&
	    kprobe_unsupported_reason())
		snprintf(reason, reason_len, "%s", kprobe_unsupported_reason());
	else
		snprintf(reason, reason_len, "attach %s%s failed: %s%s", hooks[p->spec.hook].name,
			 prog == p->floor ? "__floor" : "", strerror(-err),
			 hooks[p->spec.hook].user && (err == -EACCES || err == -EPERM) &&
			 *privs_missing(NEED_SYS_ADMIN, sec, sizeof(sec)) ?
			 " (uprobes need CAP_SYS_ADMIN here)" : "");
	return err ? err : -EINVAL;
}

static void destroy_link(struct bpf_link **link)
{
	bpf_link__destroy(*link);
	*link = NULL;
}

/* attach_link, remembering a success in *once. *per_load: it failed
 * because this kernel attaches a tracing program once per load (before
 * 5.13, the second attach is ENOENT). */
static int attach_counted(struct probe *p, struct bpf_program *prog, struct bpf_link **link,
			  bool *once, bool *per_load, char *reason, size_t reason_len)
{
	int err = attach_link(p, prog, link, reason, reason_len);

	*per_load = err == -ENOENT && *once &&
		    (p->spec.hook == HOOK_FENTRY || p->spec.hook == HOOK_FEXIT);
	if (!err)
		*once = true;
	return err;
}

int probe_attach(struct probe *p, char *reason, size_t reason_len)
{
	bool per_load;
	int err;

	if (p->link || p->spec.hook == HOOK_NULL)
		return 0;
	if (p->copy_per_attach && (err = load_copy(p, reason, reason_len)))
		return err;
	err = attach_counted(p, p->prog, &p->link, &p->attached_once, &per_load, reason,
			     reason_len);
	if (per_load && !p->copy_per_attach) {
		p->copy_per_attach = true;
		return probe_attach(p, reason, reason_len);
	}
	return err;
}

void probe_detach(struct probe *p)
{
	if (p)
		destroy_link(&p->link);
}

int probe_floor_attach(struct probe *p, char *reason, size_t reason_len)
{
	bool per_load;
	int err;

	if (!p || !p->floor) {
		snprintf(reason, reason_len, "no stats floor loaded");
		return -ENOENT;
	}
	err = attach_counted(p, p->floor, &p->floor_link, &p->floor_attached_once, &per_load,
			     reason, reason_len);
	/* the floor is not copied per attach (only the measured program is):
	 * from its second attach on such a kernel, the row has no split */
	if (per_load)
		snprintf(reason, reason_len, "this kernel attaches an %s program once "
			 "per load (before 5.13), and the stats floor is loaded once",
			 hooks[p->spec.hook].name);
	return err;
}

void probe_floor_detach(struct probe *p)
{
	if (p)
		destroy_link(&p->floor_link);
}

int probe_floor_fd(const struct probe *p)
{
	return p && p->floor ? bpf_program__fd(p->floor) : -1;
}

bool probe_attached(const struct probe *p)
{
	return p && (p->link || p->spec.hook == HOOK_NULL);
}

void probe_close(struct probe *p)
{
	if (!p)
		return;
	probe_detach(p);
	probe_floor_detach(p);
	consumer_free(p->cons);
	probes_bpf__destroy(p->copy);
	probes_bpf__destroy(p->skel);
	free(p);
}

uint64_t probe_hits_cpu(struct probe *p, int cpu)
{
	if (!p->skel || cpu < 0 || cpu >= PROBE_MAX_CPUS)
		return 0;
	return __atomic_load_n(&p->skel->bss->slots[cpu].hits, __ATOMIC_RELAXED);
}

static void read_slots(struct probe *p, uint64_t *hits, uint64_t *drops)
{
	*hits = *drops = 0;
	if (!p->skel)
		return;
	for (int c = 0; c < PROBE_MAX_CPUS; c++) {
		*hits += __atomic_load_n(&p->skel->bss->slots[c].hits, __ATOMIC_RELAXED);
		*drops += __atomic_load_n(&p->skel->bss->slots[c].drops, __ATOMIC_RELAXED);
	}
}

void probe_slot_totals(struct probe *p, uint64_t *hits, uint64_t *drops)
{
	read_slots(p, hits, drops);
}

uint64_t probe_consumer_cpu_ns(struct probe *p)
{
	return p ? consumer_cpu_ns(p->cons) : 0;
}

uint64_t probe_consumer_wakeups(struct probe *p)
{
	return p ? consumer_wakeups(p->cons) : 0;
}

uint64_t probe_buf_kernel_bytes(const struct probe *p)
{
	return p ? consumer_kernel_bytes(p->cons) : 0;
}

void probe_counts(struct probe *p, struct probe_counts *c)
{
	memset(c, 0, sizeof(*c));
	read_slots(p, &c->hits, &c->drops);
	/* Let the consumer catch up (or drain here when there is none):
	 * every produced event must be either read or counted lost. */
	consumer_catch_up(p->cons, c->hits > c->drops ? c->hits - c->drops : 0, 200);
	c->consumed = consumer_consumed(p->cons);
	c->lost_records = consumer_lost(p->cons);
}

void probe_reset_counts(struct probe *p)
{
	consumer_drain(p->cons);
	if (p->skel)
		memset(p->skel->bss->slots, 0, sizeof(p->skel->bss->slots));
	consumer_reset_counts(p->cons);
}

int probe_prog_fd(const struct probe *p)
{
	return p && p->prog ? bpf_program__fd(p->prog) : -1;
}

const char *probe_prog_name(const struct probe *p)
{
	return p && p->prog ? bpf_program__name(p->prog) : "-";
}
