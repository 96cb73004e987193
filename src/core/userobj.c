// SPDX-License-Identifier: GPL-2.0
/* bench --obj: a user's BPF object measured like a built-in probe. */
#include "core/userobj.h"
#include "core/consumer.h"
#include "core/hoststate.h"
#include "core/probe.h"
#include "base/util.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PROGS 16

enum spec_kind {
	SPEC_SEC, SPEC_TP, SPEC_RAWTP, SPEC_TP_BTF, SPEC_FENTRY, SPEC_FEXIT,
	SPEC_KPROBE, SPEC_KRETPROBE, SPEC_UPROBE, SPEC_URETPROBE,
};

static const struct {
	const char *name;
	enum spec_kind kind;
	int args;       /* ':'-separated parts after the name */
	bool optional;  /* may be given bare: the workload's own target */
} spec_kinds[] = {
	{ "tp", SPEC_TP, 2, true },
	{ "rawtp", SPEC_RAWTP, 1, true },
	{ "tp_btf", SPEC_TP_BTF, 1, true },
	{ "fentry", SPEC_FENTRY, 1, false },
	{ "fexit", SPEC_FEXIT, 1, false },
	{ "kprobe", SPEC_KPROBE, 1, false },
	{ "kretprobe", SPEC_KRETPROBE, 1, false },
	{ "uprobe", SPEC_UPROBE, 2, true },
	{ "uretprobe", SPEC_URETPROBE, 2, true },
};

#define SPEC_ACCEPTED "tp[:CAT:NAME], rawtp[:NAME], tp_btf[:NAME], fentry:FUNC, fexit:FUNC, " \
		      "kprobe:FUNC, kretprobe:FUNC, uprobe[:PATH:FUNC], uretprobe[:PATH:FUNC]"

struct spec {
	enum spec_kind kind;
	char a[PATH_MAX], b[256]; /* CAT/NAME, PATH/FUNC, NAME, FUNC */
	bool bare;
};

struct uprog {
	struct bpf_program *prog;
	struct bpf_link *link;
	uint64_t cnt0;     /* run_cnt before the measurement */
};

struct userobj {
	/* the object as first loaded: it owns the maps, and its programs run
	 * until the first reload */
	struct bpf_object *obj;
	/* the latest fresh instance (u_reload): its programs on obj's maps */
	struct bpf_object *copy;
	uint64_t runs_carry; /* run_cnt of the instances replaced in this row */
	char path[PATH_MAX];
	struct uprog progs[MAX_PROGS];
	int nprogs;
	struct spec spec;
	const char *attach; /* --attach as given (argv's) */
	char label[64];
	char exe[PATH_MAX];
	const struct workload *wl;
	/* the bpfcost_hits convention */
	int hits_map_fd;
	size_t hits_off, hits_n, value_size;
	void *value;
	uint64_t hits0;
	bool has_tgid;
	char trace_dir[PATH_MAX]; /* the trace instance its trace_printk lines go to */
	struct consumer *cons; /* reads the object's ring and perf buffers */
};

static int parse_spec(const char *s, struct spec *sp, char *reason, size_t len)
{
	char copy[PATH_MAX + 300], *parts[4] = {}, *rest, *tok;
	int n = 0;

	memset(sp, 0, sizeof(*sp));
	if (!s || !*s || strlen(s) >= sizeof(copy))
		goto bad;
	snprintf(copy, sizeof(copy), "%s", s);
	rest = copy;
	/* the name, then at most two parts, none empty; a uprobe's PATH keeps no ':' */
	while ((tok = strsep(&rest, ":"))) {
		if (!*tok || n == 3)
			goto bad;
		parts[n++] = tok;
	}
	for (size_t i = 0; i < ARRAY_SIZE(spec_kinds); i++) {
		if (strcmp(parts[0], spec_kinds[i].name))
			continue;
		if (n == 1 && spec_kinds[i].optional) {
			sp->kind = spec_kinds[i].kind;
			sp->bare = true;
			return 0;
		}
		if (n - 1 != spec_kinds[i].args)
			goto bad;
		sp->kind = spec_kinds[i].kind;
		snprintf(sp->a, sizeof(sp->a), "%s", parts[1]);
		if (n > 2)
			snprintf(sp->b, sizeof(sp->b), "%s", parts[2]);
		return 0;
	}
bad:
	snprintf(reason, len, "bad --attach '%s' (accepted: %s)", s ? s : "", SPEC_ACCEPTED);
	return -1;
}

int userobj_check_spec(const char *spec, char *reason, size_t len)
{
	struct spec sp;

	return parse_spec(spec, &sp, reason, len);
}

/* ---- the bpfcost_tgid / bpfcost_hits conventions, through BTF ---- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Find global variable name in the object's data sections: its map, offset
 * and size. Returns 0 or -1. */
static int find_global(struct bpf_object *obj, const char *name, struct bpf_map **map,
		       size_t *off, size_t *size)
{
	static const char *const secs[] = { ".rodata", ".bss", ".data" };
	struct btf *btf = bpf_object__btf(obj);

	if (!btf)
		return -1;
	for (size_t s = 0; s < ARRAY_SIZE(secs); s++) {
		int id = btf__find_by_name_kind(btf, secs[s], BTF_KIND_DATASEC);
		const struct btf_type *t;
		const struct btf_var_secinfo *v;
		struct bpf_map *m;

		if (id <= 0)
			continue;
		t = btf__type_by_id(btf, id);
		v = btf_var_secinfos(t);
		for (int i = 0; i < btf_vlen(t); i++, v++) {
			const struct btf_type *var = btf__type_by_id(btf, v->type);

			if (strcmp(btf__name_by_offset(btf, var->name_off), name))
				continue;
			bpf_object__for_each_map(m, obj) {
				if (bpf_map__is_internal(m) && ends_with(bpf_map__name(m), secs[s])) {
					*map = m;
					*off = v->offset;
					*size = v->size;
					return 0;
				}
			}
		}
	}
	return -1;
}

static uint64_t read_hits(struct userobj *u)
{
	uint32_t zero = 0;
	uint64_t sum = 0, v;

	if (u->hits_map_fd < 0 || bpf_map_lookup_elem(u->hits_map_fd, &zero, u->value))
		return 0;
	for (size_t i = 0; i < u->hits_n; i++) {
		memcpy(&v, (char *)u->value + u->hits_off + i * sizeof(v), sizeof(v));
		sum += v;
	}
	return sum;
}

/* ---- consumer ---- */

/* Every ring buffer map of the object (one reader for all) and every perf
 * event array (up to CONSUMER_MAX_PERFBUFS; the rest stay unread). */
static int consumer_open(struct userobj *u, int cpu, char *reason, size_t len)
{
	struct consumer_opts co = { .cpu = cpu, .mode = CONSUMER_EVENT };
	struct bpf_map *m;
	int err;

	bpf_object__for_each_map(m, u->obj) {
		enum bpf_map_type t = bpf_map__type(m);

		if (t != BPF_MAP_TYPE_RINGBUF &&
		    (t != BPF_MAP_TYPE_PERF_EVENT_ARRAY ||
		     consumer_nr_perfbufs(u->cons) == CONSUMER_MAX_PERFBUFS))
			continue;
		if (!u->cons && !(u->cons = consumer_new(&co))) {
			snprintf(reason, len, "out of memory");
			return -1;
		}
		err = t == BPF_MAP_TYPE_RINGBUF ? consumer_add_ringbuf(u->cons, bpf_map__fd(m)) :
		      consumer_add_perfbuf(u->cons, bpf_map__fd(m), 64);
		if (err) {
			snprintf(reason, len, "%s for map %s: %s",
				 t == BPF_MAP_TYPE_RINGBUF ? "ring_buffer__new" : "perf_buffer__new",
				 bpf_map__name(m), strerror(-err));
			return -1;
		}
	}
	if ((err = consumer_start(u->cons))) {
		snprintf(reason, len, "consumer thread: %s", strerror(-err));
		return -1;
	}
	return 0;
}

/* ---- open / load ---- */

/* The program libbpf names in its "prog 'x': failed to load" line. */
static const char *failed_prog(char *prog, size_t len)
{
	const char *eol, *p, *q;

	prog[0] = '\0';
	for (const char *line = libbpf_last_lines(); *line; line = *eol ? eol + 1 : eol) {
		size_t n;

		eol = strchrnul(line, '\n');
		n = (size_t)(eol - line);
		p = memmem(line, n, "prog '", 6);
		if (p && memmem(line, n, "failed to load", 14) &&
		    (q = memchr(p + 6, '\'', (size_t)(eol - p - 6)))) {
			snprintf(prog, len, "%.*s", (int)(q - p - 6), p + 6);
			break;
		}
	}
	return prog;
}

static bool attachable_sec(const struct bpf_program *p)
{
	enum bpf_prog_type t = bpf_program__type(p);

	return strchr(bpf_program__section_name(p), '/') &&
	       (t == BPF_PROG_TYPE_TRACEPOINT || t == BPF_PROG_TYPE_RAW_TRACEPOINT ||
		t == BPF_PROG_TYPE_TRACING || t == BPF_PROG_TYPE_KPROBE);
}

static int select_progs(struct userobj *u, const struct userobj_opts *o, char *reason, size_t len)
{
	struct bpf_program *p;
	int total = 0;

	bpf_object__for_each_program(p, u->obj)
		total++;
	if (!total) {
		snprintf(reason, len, "%s: no BPF programs in the object", u->path);
		return -1;
	}
	if (o->progs) {
		char *copy = strdup(o->progs), *tok, *save = NULL;

		if (!copy)
			return -1;
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			p = bpf_object__find_program_by_name(u->obj, tok);
			if (!p || u->nprogs == MAX_PROGS) {
				char names[512] = "";
				size_t off = 0;
				struct bpf_program *q;

				bpf_object__for_each_program(q, u->obj)
					off += snprintf(names + off, off < sizeof(names) ? sizeof(names) - off : 0,
							"%s%s", off ? ", " : "", bpf_program__name(q));
				if (p)
					snprintf(reason, len, "%s: at most %d programs", u->path, MAX_PROGS);
				else
					snprintf(reason, len, "%s: no program '%s' (the object has: %s)",
						 u->path, tok, names);
				free(copy);
				return -1;
			}
			u->progs[u->nprogs++].prog = p;
		}
		free(copy);
	} else if (u->spec.kind != SPEC_SEC) {
		if (total > 1) {
			snprintf(reason, len, "%s has %d programs: name the ones --attach applies to with --prog",
				 u->path, total);
			return -1;
		}
		u->progs[u->nprogs++].prog = bpf_object__next_program(u->obj, NULL);
	} else {
		bpf_object__for_each_program(p, u->obj)
			if (attachable_sec(p) && u->nprogs < MAX_PROGS)
				u->progs[u->nprogs++].prog = p;
		if (!u->nprogs) {
			snprintf(reason, len, "%s: no program has an attach point in its SEC() name; "
				 "give one with --attach", u->path);
			return -1;
		}
	}
	for (int i = 0; i < u->nprogs; i++) {
		size_t off = strlen(u->label);
		snprintf(u->label + off, sizeof(u->label) - off, "%s%s", i ? "," : "",
			 bpf_program__name(u->progs[i].prog));
	}
	return 0;
}

/* --attach tp_btf, fentry, fexit: a selected program's target. 0 or -1. */
static int set_target(const struct userobj *u, struct bpf_program *p, char *reason, size_t len)
{
	const char *target = u->spec.bare ? "sys_enter" : u->spec.a;

	if (u->spec.kind != SPEC_TP_BTF && u->spec.kind != SPEC_FENTRY &&
	    u->spec.kind != SPEC_FEXIT)
		return 0;
	if (!bpf_program__set_attach_target(p, 0, target))
		return 0;
	snprintf(reason, len, "--attach %s: no %s in kernel BTF", u->attach, target);
	return -1;
}

/* Load obj, with the kernel's bpf_trace_printk event kept where it was
 * (the object's lines go to this run's trace instance). 0 or -errno. */
static int load_guarded(struct userobj *u, struct bpf_object *obj)
{
	struct printk_guard g;
	int err;

	libbpf_clear_last_lines();
	printk_guard_begin(&g);
	err = bpf_object__load(obj);
	if (printk_guard_end(&g, obj) && !err && !u->trace_dir[0] &&
	    trace_instance_printk(u->trace_dir, sizeof(u->trace_dir)))
		warn_msg("%s calls bpf_trace_printk and no trace instance can be made for its "
			 "lines: they are not written anywhere", u->path);
	hoststate_track_object(obj);
	return err;
}

int userobj_open(struct userobj **out, const struct userobj_opts *o, char *reason, size_t len)
{
	struct userobj *u;
	struct bpf_map *m;
	struct stat st;
	size_t off, size;
	char detail[400], prog[128];
	int err;

	*out = NULL;
	u = calloc(1, sizeof(*u));
	if (!u) {
		snprintf(reason, len, "out of memory");
		return -1;
	}
	u->hits_map_fd = -1;
	snprintf(u->path, sizeof(u->path), "%s", o->path);
	if (o->attach && parse_spec(o->attach, &u->spec, reason, len))
		goto fail;
	u->attach = o->attach;
	if (stat(o->path, &st)) {
		snprintf(reason, len, "%s: %s", o->path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(reason, len, "%s: not a regular file", o->path);
		goto fail;
	}
	libbpf_clear_last_lines();
	u->obj = bpf_object__open_file(o->path, NULL);
	if (!u->obj) {
		err = -errno;
		snprintf(reason, len, "%s: not a BPF object libbpf can open (%s)", o->path,
			 err == -ENOENT ? "no such file" :
			 err == -EINVAL || err == -EILSEQ || err == -ENOEXEC || err == -LIBBPF_ERRNO__FORMAT ?
			 "not an ELF file for BPF" : strerror(-err));
		u->obj = NULL;
		goto fail;
	}
	if (select_progs(u, o, reason, len))
		goto fail;

	/* bpfcost_tgid: let the object filter to this process */
	if (!find_global(u->obj, "bpfcost_tgid", &m, &off, &size) && size == sizeof(uint32_t)) {
		size_t vsz = 0;
		const char *data = bpf_map__initial_value(m, &vsz);
		uint32_t tgid = bpf_self_tgid();
		char *copy = data && off + size <= vsz ? malloc(vsz) : NULL;

		if (copy) {
			memcpy(copy, data, vsz);
			memcpy(copy + off, &tgid, sizeof(tgid));
			u->has_tgid = !bpf_map__set_initial_value(m, copy, vsz);
			free(copy);
		}
	}
	for (int i = 0; i < u->nprogs; i++)
		if (set_target(u, u->progs[i].prog, reason, len))
			goto fail;
	if (u->spec.kind == SPEC_TP || u->spec.kind == SPEC_SEC) {
		if ((err = tracefs_ensure()) && u->spec.kind == SPEC_TP) {
			snprintf(reason, len, "tracefs is not mounted and mounting it failed: %s",
				 strerror(-err));
			goto fail;
		}
	}

	/* the kernel turns the bpf_trace_printk event on, in the global
	 * buffer, for an object that calls bpf_trace_printk: its lines go to
	 * a trace instance of this run instead */
	err = load_guarded(u, u->obj);
	if (err) {
		/* the failing instruction and the verifier's complaint */
		log_last_lines(NULL, 2, detail, sizeof(detail));
		failed_prog(prog, sizeof(prog));
		if (err == -EACCES && detail[0])
			snprintf(reason, len, "%s: %s%s%s rejected by the verifier: %s", o->path,
				 prog[0] ? "program '" : "the object", prog, prog[0] ? "'" : "", detail);
		else if ((err == -EPERM || err == -EACCES) &&
			 *privs_missing(NEED_TRACING, detail, sizeof(detail)))
			snprintf(reason, len, "%s: loading %s%s%sneeds %s: %s", o->path,
				 prog[0] ? "program '" : "", prog, prog[0] ? "' " : "", detail,
				 strerror(-err));
		else if (err == -EPERM || err == -EACCES)
			snprintf(reason, len, "%s: loading %s%s%sreturns %s here%s", o->path,
				 prog[0] ? "program '" : "", prog, prog[0] ? "' " : "", strerror(-err),
				 " (tracing programs such as fentry are refused on some kernels)");
		else
			snprintf(reason, len, "%s: %s%s%s failed to load (%s): %s", o->path,
				 prog[0] ? "program '" : "the object", prog, prog[0] ? "'" : "",
				 strerror(-err), detail[0] ? detail : "no verifier output (try -v)");
		goto fail;
	}

	/* bpfcost_hits: the object's own count of events that passed */
	if (!find_global(u->obj, "bpfcost_hits", &m, &off, &size) && size >= sizeof(uint64_t) &&
	    size % sizeof(uint64_t) == 0) {
		u->value_size = bpf_map__value_size(m);
		u->value = calloc(1, u->value_size);
		if (u->value && off + size <= u->value_size) {
			u->hits_map_fd = bpf_map__fd(m);
			u->hits_off = off;
			u->hits_n = size / sizeof(uint64_t);
		}
	}
	if (consumer_open(u, o->consumer_cpu, reason, len))
		goto fail;
	{
		ssize_t n = readlink("/proc/self/exe", u->exe, sizeof(u->exe) - 1);
		u->exe[n > 0 ? n : 0] = '\0';
	}
	*out = u;
	return 0;
fail:
	userobj_close(u);
	return -1;
}

const char *userobj_label(const struct userobj *u)
{
	return u->label;
}

/* ---- describing an object without loading it ---- */

const char *userobj_syscall_of(const char *func, char *buf, size_t len)
{
	/* the syscall entries' prefixes on x86, arm64, s390, generic */
	static const char *const prefixes[] = {
		"__x64_sys_", "__ia32_sys_", "__arm64_sys_", "__s390x_sys_", "__riscv_sys_",
		"__se_sys_", "__do_sys_", "__sys_", "sys_",
	};
	/* kernel functions behind the memory-release syscalls */
	static const struct { const char *func, *syscall; } inner[] = {
		{ "do_munmap", "munmap" }, { "__vm_munmap", "munmap" }, { "vm_munmap", "munmap" },
		{ "do_vmi_munmap", "munmap" }, { "do_madvise", "madvise" },
	};

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(func, prefixes[i], strlen(prefixes[i]))) {
			snprintf(buf, len, "%s", func + strlen(prefixes[i]));
			return buf;
		}
	for (size_t i = 0; i < ARRAY_SIZE(inner); i++)
		if (!strcmp(func, inner[i].func))
			snprintf(buf, len, "%s", inner[i].syscall);
	return buf;
}

/* SEC() name -> kind and syscall, as libbpf reads its prefixes. */
static void describe_sec(const char *sec, struct userobj_prog_info *pi)
{
	static const struct { const char *prefix, *kind; } kinds[] = {
		{ "tracepoint/", "tp" }, { "tp/", "tp" }, { "raw_tracepoint/", "rawtp" },
		{ "raw_tp/", "rawtp" }, { "tp_btf/", "tp_btf" }, { "kprobe/", "kprobe" },
		{ "kretprobe/", "kretprobe" }, { "ksyscall/", "kprobe" },
		{ "kretsyscall/", "kretprobe" }, { "fentry/", "fentry" }, { "fexit/", "fexit" },
		{ "uprobe", "uprobe" }, { "uretprobe", "uretprobe" },
	};
	char buf[64];

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		const char *t = sec + strlen(kinds[i].prefix);

		if (strncmp(sec, kinds[i].prefix, strlen(kinds[i].prefix)))
			continue;
		snprintf(pi->kind, sizeof(pi->kind), "%s", kinds[i].kind);
		if (!strcmp(pi->kind, "tp")) {
			/* syscalls/sys_enter_X, syscalls/sys_exit_X; raw_syscalls/sys_enter */
			const char *ev = strchr(t, '/');

			ev = ev ? ev + 1 : t;
			if (!strncmp(ev, "sys_enter_", 10))
				snprintf(pi->syscall, sizeof(pi->syscall), "%s", ev + 10);
			else if (!strncmp(ev, "sys_exit_", 9))
				snprintf(pi->syscall, sizeof(pi->syscall), "%s", ev + 9);
			else if (!strcmp(ev, "sys_enter") || !strcmp(ev, "sys_exit"))
				snprintf(pi->syscall, sizeof(pi->syscall), "*");
		} else if (!strcmp(pi->kind, "rawtp") || !strcmp(pi->kind, "tp_btf")) {
			if (!strcmp(t, "sys_enter") || !strcmp(t, "sys_exit"))
				snprintf(pi->syscall, sizeof(pi->syscall), "*");
		} else if (!strncmp(sec, "ksyscall/", 9) || !strncmp(sec, "kretsyscall/", 12)) {
			snprintf(buf, sizeof(buf), "%s", t);
			memcpy(pi->syscall, buf, sizeof(pi->syscall) - 1);
		} else if (pi->kind[0] != 'u') {
			char fn[128];

			/* kprobe/FUNC+OFF: the function alone */
			snprintf(fn, sizeof(fn), "%.*s", (int)strcspn(t, "+"), t);
			snprintf(pi->syscall, sizeof(pi->syscall), "%s",
				 userobj_syscall_of(fn, buf, sizeof(buf)));
		}
		return;
	}
}

int userobj_describe(const char *path, struct userobj_info *info, char *reason, size_t len)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	struct bpf_map *m;
	struct stat st;
	bool rb = false, pb = false;

	memset(info, 0, sizeof(*info));
	if (stat(path, &st) || !S_ISREG(st.st_mode)) {
		snprintf(reason, len, "%s: %s", path, errno ? strerror(errno) : "not a regular file");
		return -1;
	}
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		snprintf(reason, len, "%s: not a BPF object libbpf can open", path);
		return -1;
	}
	bpf_object__for_each_program(p, obj) {
		struct userobj_prog_info *pi = &info->progs[info->nprogs];

		if (info->nprogs == USEROBJ_MAX_INFO)
			break;
		snprintf(pi->name, sizeof(pi->name), "%s", bpf_program__name(p));
		snprintf(pi->section, sizeof(pi->section), "%s", bpf_program__section_name(p));
		describe_sec(pi->section, pi);
		info->nprogs++;
	}
	bpf_object__for_each_map(m, obj) {
		struct userobj_map_info *mi = &info->maps[info->nmaps];
		const char *t = libbpf_bpf_map_type_str(bpf_map__type(m));

		if (bpf_map__is_internal(m) || info->nmaps == USEROBJ_MAX_INFO)
			continue;
		snprintf(mi->name, sizeof(mi->name), "%s", bpf_map__name(m));
		snprintf(mi->type, sizeof(mi->type), "%s", t ? t : "unknown");
		mi->max_entries = bpf_map__max_entries(m);
		rb |= bpf_map__type(m) == BPF_MAP_TYPE_RINGBUF;
		pb |= bpf_map__type(m) == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
		info->nmaps++;
	}
	info->output = rb && pb ? "ringbuf,perfbuf" : rb ? "ringbuf" : pb ? "perfbuf" : NULL;
	bpf_object__close(obj);
	return 0;
}

/* ---- the bench target ---- */

static struct bpf_link *attach_one(struct userobj *u, struct bpf_program *p)
{
	const struct workload *wl = u->wl;
	struct spec *s = &u->spec;
	char name[128];

	switch (s->kind) {
	case SPEC_SEC:
	case SPEC_TP_BTF:
	case SPEC_FENTRY:
	case SPEC_FEXIT:
		return bpf_program__attach(p);
	case SPEC_TP:
		if (s->bare) {
			snprintf(name, sizeof(name), "sys_enter_%s", wl->syscall);
			return bpf_program__attach_tracepoint(p, "syscalls", name);
		}
		return bpf_program__attach_tracepoint(p, s->a, s->b);
	case SPEC_RAWTP:
		return bpf_program__attach_raw_tracepoint(p, s->bare ? "sys_enter" : s->a);
	case SPEC_KPROBE:
	case SPEC_KRETPROBE:
		return bpf_program__attach_kprobe(p, s->kind == SPEC_KRETPROBE, s->a);
	case SPEC_UPROBE:
	case SPEC_URETPROBE: {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = s->bare ? wl->func : s->b,
			    .retprobe = s->kind == SPEC_URETPROBE);
		return bpf_program__attach_uprobe_opts(p, s->bare ? getpid() : -1,
						       s->bare ? u->exe : s->a, 0, &uo);
	}
	}
	errno = EINVAL;
	return NULL;
}

static void u_detach(void *ctx)
{
	struct userobj *u = ctx;

	for (int i = 0; i < u->nprogs; i++) {
		bpf_link__destroy(u->progs[i].link);
		u->progs[i].link = NULL;
	}
}

static int u_attach(void *ctx, char *reason, size_t len)
{
	struct userobj *u = ctx;

	for (int i = 0; i < u->nprogs; i++) {
		struct bpf_program *p = u->progs[i].prog;

		if (u->progs[i].link)
			continue;
		u->progs[i].link = attach_one(u, p);
		if (!u->progs[i].link) {
			int err = errno;

			snprintf(reason, len, "attach %s: %s (type %s, SEC \"%s\")%s",
				 bpf_program__name(p),
				 err == EOPNOTSUPP ? "no attach point in its SEC(); give --attach" :
				 strerror(err),
				 libbpf_bpf_prog_type_str(bpf_program__type(p)),
				 bpf_program__section_name(p),
				 (u->spec.kind == SPEC_KPROBE || u->spec.kind == SPEC_KRETPROBE ||
				  !strncmp(bpf_program__section_name(p), "kprobe", 6)) &&
				 kprobe_unsupported_reason() ? "; no kprobes on this kernel" : "");
			u_detach(u);
			return -err ? -err : -EINVAL;
		}
	}
	return 0;
}

static int u_counts(void *ctx, struct probe_counts *c)
{
	struct userobj *u = ctx;

	/* Buffers are the object's own: their records need not be one per
	 * hit, so they are reported beside the counts (userobj_bench), not in
	 * them, which would trip the engine's 1:1 accounting check. */
	memset(c, 0, sizeof(*c));
	c->hits = u->hits_map_fd >= 0 ? read_hits(u) - u->hits0 : 0;
	return 0;
}

static void u_reset(void *ctx)
{
	struct userobj *u = ctx;

	u->hits0 = read_hits(u);
	consumer_reset_counts(u->cons);
}

static int u_prog_fds(void *ctx, int *fds, int max)
{
	struct userobj *u = ctx;
	int n = 0;

	for (int i = 0; i < u->nprogs && n < max; i++)
		fds[n++] = bpf_program__fd(u->progs[i].prog);
	return n;
}

/* A fresh instance of the object (bench_target.reload), loaded onto the
 * maps of the first load (bpf_map__reuse_fd: its counters, ring and
 * perf buffers and every map's entries carry over, so the exact count
 * holds across instances); its selected programs replace the current
 * ones, which are detached between pairs. The first load stays open: it
 * owns the maps the reader and the count use. 0, or -1 with reason. */
static int u_reload(void *ctx, char *reason, size_t len)
{
	struct userobj *u = ctx;
	struct bpf_program *fresh[MAX_PROGS];
	struct bpf_object *c;
	struct bpf_map *m;
	uint64_t cnt, time_ns;
	int err = 0;

	c = bpf_object__open_file(u->path, NULL);
	if (!c) {
		snprintf(reason, len, "%s: cannot open it again for a fresh instance: %s", u->path,
			 strerror(errno));
		return -1;
	}
	for (int i = 0; i < u->nprogs && !err; i++) {
		fresh[i] = bpf_object__find_program_by_name(c, bpf_program__name(u->progs[i].prog));
		if (!fresh[i])
			err = -ENOENT;
		else if (set_target(u, fresh[i], reason, len))
			err = -EINVAL;
	}
	bpf_object__for_each_map(m, c) {
		struct bpf_map *orig = bpf_object__find_map_by_name(u->obj, bpf_map__name(m));

		if (err)
			break;
		/* the first load pinned what the object pins */
		bpf_map__set_pin_path(m, NULL);
		err = orig ? bpf_map__reuse_fd(m, bpf_map__fd(orig)) : -ENOENT;
	}
	if (!err)
		err = load_guarded(u, c);
	if (err) {
		char detail[400];

		log_last_lines(NULL, 1, detail, sizeof(detail));
		if (!reason[0])
			snprintf(reason, len, "%s: a fresh instance on the first one's maps failed to "
				 "load (%s)%s%s", u->path, strerror(-err), detail[0] ? ": " : "",
				 detail);
		bpf_object__close(c);
		return -1;
	}
	u_detach(u);
	for (int i = 0; i < u->nprogs; i++) {
		if (!prog_run_stats(bpf_program__fd(u->progs[i].prog), &cnt, &time_ns, NULL))
			u->runs_carry += cnt - u->progs[i].cnt0;
		u->progs[i].prog = fresh[i];
		if (prog_run_stats(bpf_program__fd(fresh[i]), &u->progs[i].cnt0, &time_ns, NULL))
			u->progs[i].cnt0 = 0;
	}
	bpf_object__close(u->copy); /* the instance replaced, unless it was the first */
	u->copy = c;
	return 0;
}

/* Entries in a map whose fill means something (the hash family, LPM
 * tries); -1 for the others (arrays are always full, rings have none).
 * Counted key by key, at most max_entries + 1. */
static long map_entries(const struct bpf_map *m)
{
	enum bpf_map_type t = bpf_map__type(m);
	uint32_t ks = bpf_map__key_size(m), max = bpf_map__max_entries(m);
	char *a, *b, *prev = NULL;
	long n = 0;

	if (t != BPF_MAP_TYPE_HASH && t != BPF_MAP_TYPE_LRU_HASH && t != BPF_MAP_TYPE_PERCPU_HASH &&
	    t != BPF_MAP_TYPE_LRU_PERCPU_HASH && t != BPF_MAP_TYPE_LPM_TRIE &&
	    t != BPF_MAP_TYPE_HASH_OF_MAPS)
		return -1;
	a = malloc(ks ? ks : 1);
	b = malloc(ks ? ks : 1);
	if (!a || !b) {
		free(a);
		free(b);
		return -1;
	}
	while (n <= (long)max && !bpf_map_get_next_key(bpf_map__fd(m), prev, a)) {
		char *tmp = a;

		n++;
		a = b;
		b = tmp;
		prev = b; /* the key just read */
	}
	free(a);
	free(b);
	return n;
}

/* The fill of the object's maps, into r->maps (start) or beside it (end). */
static void maps_fill(struct userobj *u, struct bench_result *r, bool end)
{
	struct bpf_map *m;
	int n = 0;

	if (!end) {
		bpf_object__for_each_map(m, u->obj)
			if (!bpf_map__is_internal(m))
				n++;
		free(r->maps);
		r->maps = n ? calloc((size_t)n, sizeof(*r->maps)) : NULL;
		r->nmaps = r->maps ? n : 0;
	}
	n = 0;
	bpf_object__for_each_map(m, u->obj) {
		struct map_fill *f;
		const char *type;

		if (bpf_map__is_internal(m) || n >= r->nmaps)
			continue;
		f = &r->maps[n++];
		if (end) {
			f->entries_end = map_entries(m);
			continue;
		}
		type = libbpf_bpf_map_type_str(bpf_map__type(m));
		snprintf(f->name, sizeof(f->name), "%s", bpf_map__name(m));
		snprintf(f->type, sizeof(f->type), "%s", type ? type : "?");
		f->max_entries = bpf_map__max_entries(m);
		f->entries_start = map_entries(m);
		f->entries_end = -1;
	}
}

void userobj_bench(struct userobj *u, const struct workload *wl, const struct bench_opts *o,
		   struct bench_result *r)
{
	struct bench_target t = {
		.ctx = u, .attach = u_attach, .detach = u_detach, .counts = u_counts,
		.reset = u_reset, .prog_fds = u_prog_fds, .reload = u_reload,
		/* exact only when the object filters to us and counts */
		.exact = u->has_tgid && u->hits_map_fd >= 0,
	};
	uint64_t runs, cnt, time_ns;

	u->wl = wl;
	bench_result_init(r, wl->name, "obj", u->label);
	r->instances = 1; /* and one more at each reload */
	u->runs_carry = 0;
	r->buf_kernel_bytes = consumer_kernel_bytes(u->cons);
	for (int i = 0; i < u->nprogs; i++)
		if (prog_run_stats(bpf_program__fd(u->progs[i].prog), &u->progs[i].cnt0, &time_ns, NULL))
			u->progs[i].cnt0 = 0;
	maps_fill(u, r, false);
	bench_measure(&t, wl, o, r);
	u_detach(u);
	maps_fill(u, r, true);
	consumer_settle(u->cons); /* let it catch up with what was produced */
	r->consumed = consumer_consumed(u->cons);
	r->lost = consumer_lost(u->cons);
	/* Runs only advance with stats on, i.e. in the stats phase. */
	runs = u->runs_carry;
	for (int i = 0; i < u->nprogs; i++)
		if (!prog_run_stats(bpf_program__fd(u->progs[i].prog), &cnt, &time_ns, NULL))
			runs += cnt - u->progs[i].cnt0;
	if (!o->no_stats && !runs && !stop_requested && r->trials > 0) {
		r->status = RES_FAILED;
		snprintf(r->reason, sizeof(r->reason),
			 "never fired: 0 runs while %s ran (stats phase)", wl->name);
	}
}

void userobj_close(struct userobj *u)
{
	if (!u)
		return;
	u_detach(u);
	consumer_free(u->cons);
	bpf_object__close(u->copy);
	bpf_object__close(u->obj);
	if (u->trace_dir[0])
		trace_instance_remove(u->trace_dir);
	free(u->value);
	free(u);
}
