// SPDX-License-Identifier: GPL-2.0
#include "core/probe.h"
#include "core/consumer.h"
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
	struct bpf_program *prog;
	struct bpf_link *link;
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
	case HOOK_TP:
		if ((err = tracefs_ensure())) {
			snprintf(reason, reason_len, "tracefs is not mounted and mounting it failed: %s",
				 strerror(-err));
			goto fail;
		}
		break;
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
	p->skel->rodata->target_tgid = spec->target_tgid ? spec->target_tgid : (__u32)getpid();
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

	probe_prog_name_of(name, sizeof(name), spec->hook, spec->body);
	{
		struct bpf_program *prog;

		bpf_object__for_each_program(prog, p->skel->obj)
			bpf_program__set_autoload(prog, false);
	}
	p->prog = bpf_object__find_program_by_name(p->skel->obj, name);
	if (!p->prog) {
		snprintf(reason, reason_len, "no program %s in the BPF object", name);
		goto fail;
	}
	bpf_program__set_autoload(p->prog, true);
	if (spec->hook == HOOK_TP_BTF)
		err = bpf_program__set_attach_target(p->prog, 0, "sys_enter");
	else if (spec->hook == HOOK_FENTRY || spec->hook == HOOK_FEXIT)
		err = bpf_program__set_attach_target(p->prog, 0, p->kfunc);
	else
		err = 0;
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
		} else if (err == -EPERM || err == -EACCES) {
			snprintf(reason, reason_len, "loading BPF needs root (CAP_BPF, CAP_PERFMON): %s",
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
	if (consumer_open(p, reason, reason_len))
		goto fail;
	*out = p;
	return PROBE_OK;
fail:
	probe_close(p);
	return st;
}

int probe_attach(struct probe *p, char *reason, size_t reason_len)
{
	char sec[128];
	int err;

	if (p->link || p->spec.hook == HOOK_NULL)
		return 0;
	switch (p->spec.hook) {
	case HOOK_TP:
		snprintf(sec, sizeof(sec), "sys_enter_%s", p->spec.wl->syscall);
		p->link = bpf_program__attach_tracepoint(p->prog, "syscalls", sec);
		break;
	case HOOK_RAWTP:
		p->link = bpf_program__attach_raw_tracepoint(p->prog, "sys_enter");
		break;
	case HOOK_KPROBE:
	case HOOK_KRETPROBE:
		p->link = bpf_program__attach_kprobe(p->prog, p->spec.hook == HOOK_KRETPROBE, p->kfunc);
		break;
	case HOOK_UPROBE:
	case HOOK_URETPROBE: {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = p->spec.wl->func,
			    .retprobe = p->spec.hook == HOOK_URETPROBE);
		p->link = bpf_program__attach_uprobe_opts(p->prog, p->spec.target_tgid ? -1 : getpid(),
							  p->exe, 0, &uo);
		break;
	}
	default:
		p->link = bpf_program__attach(p->prog);
		break;
	}
	if (!p->link) {
		err = -errno;
		if ((p->spec.hook == HOOK_KPROBE || p->spec.hook == HOOK_KRETPROBE) &&
		    kprobe_unsupported_reason())
			snprintf(reason, reason_len, "%s", kprobe_unsupported_reason());
		else
			snprintf(reason, reason_len, "attach %s failed: %s", hooks[p->spec.hook].name,
				 strerror(-err));
		return err ? err : -EINVAL;
	}
	return 0;
}

void probe_detach(struct probe *p)
{
	if (p && p->link) {
		bpf_link__destroy(p->link);
		p->link = NULL;
	}
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
	consumer_free(p->cons);
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
