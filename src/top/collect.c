// SPDX-License-Identifier: GPL-2.0
/* Enumerates loaded BPF programs and links, keeps per-program state across
 * samples, finds which processes hold them. Shared by every view of top.
 *
 * Cost per sample: three syscalls per program (get fd by id, get info,
 * close) plus one per link id; names, tags and link descriptions are read
 * once per object and kept. The /proc scan for holders is the expensive
 * part (a readlink per fd on the host, an fdinfo read per BPF fd), so it is
 * spread over samples with a budget per sample. */
#include "top/collect.h"
#include "base/util.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The uapi header on this distribution (6.1) predates link info for
 * perf_event, tcx, netkit, netfilter and uprobe_multi links; the layout
 * below follows include/uapi/linux/bpf.h of newer kernels. The kernel
 * copies min(our size, its size), so older kernels simply leave the
 * newer members zero. */
struct top_link_info {
	__u32 type;
	__u32 id;
	__u32 prog_id;
	union {
		struct {
			__aligned_u64 tp_name;
			__u32 tp_name_len;
		} raw_tracepoint;
		struct {
			__u32 attach_type;
			__u32 target_obj_id;
			__u32 target_btf_id;
		} tracing;
		struct {
			__u64 cgroup_id;
			__u32 attach_type;
		} cgroup;
		struct {
			__aligned_u64 target_name;
			__u32 target_name_len;
		} iter;
		struct {
			__u32 netns_ino;
			__u32 attach_type;
		} netns;
		struct {
			__u32 ifindex;
		} xdp;
		struct {
			__u32 map_id;
		} struct_ops;
		struct {
			__u32 pf;
			__u32 hooknum;
			__s32 priority;
			__u32 flags;
		} netfilter;
		struct {
			__aligned_u64 addrs;
			__u32 count;
			__u32 flags;
		} kprobe_multi;
		struct {
			__aligned_u64 path;
			__aligned_u64 offsets;
			__aligned_u64 ref_ctr_offsets;
			__aligned_u64 cookies;
			__u32 path_size;
			__u32 count;
			__u32 flags;
			__u32 pid;
		} uprobe_multi;
		struct {
			__u32 type; /* enum bpf_perf_event_type */
			__u32 : 32;
			union {
				struct {
					__aligned_u64 file_name;
					__u32 name_len;
					__u32 offset;
				} uprobe;
				struct {
					__aligned_u64 func_name;
					__u32 name_len;
					__u32 offset;
					__u64 addr;
				} kprobe;
				struct {
					__aligned_u64 tp_name;
					__u32 name_len;
				} tracepoint;
				struct {
					__u64 config;
					__u32 type;
				} event;
			};
		} perf_event;
		struct {
			__u32 ifindex;
			__u32 attach_type;
		} tcx; /* also netkit */
		struct {
			__u32 map_id;
			__u32 attach_type;
		} sockmap;
		__u8 pad[64];
	};
} __attribute__((aligned(8)));

enum { /* link types newer than this distribution's uapi header */
	TOP_LINK_NETFILTER = 10, TOP_LINK_TCX = 11, TOP_LINK_UPROBE_MULTI = 12,
	TOP_LINK_NETKIT = 13, TOP_LINK_SOCKMAP = 14,
};
enum { TOP_PE_UPROBE = 1, TOP_PE_URETPROBE, TOP_PE_KPROBE, TOP_PE_KRETPROBE,
       TOP_PE_TRACEPOINT, TOP_PE_EVENT };

void top_state_init(struct top_state *st, bool want_holders)
{
	memset(st, 0, sizeof(*st));
	st->ncpus = online_cpus();
	st->want_holders = want_holders;
	st->holder_budget = 400; /* syscalls per refresh (docs/top.md) */
}

void top_state_free(struct top_state *st)
{
	free_array(st->progs, st->nprogs);
	free(st->links);
	free(st->scan_pids);
	btf__free(st->vmlinux_btf);
	memset(st, 0, sizeof(*st));
}

const char *top_short_type(const char *t)
{
	static const struct { const char *full, *brief; } map[] = {
		{ "raw_tracepoint", "raw_tp" },
		{ "raw_tracepoint_writable", "raw_tp_w" },
		{ "socket_filter", "socket" },
		{ "cgroup_sock_addr", "cg_sockadr" },
		{ "cgroup_sockopt", "cg_sockopt" },
		{ "cgroup_device", "cg_device" },
		{ "cgroup_sysctl", "cg_sysctl" },
		{ "cgroup_sock", "cg_sock" },
		{ "cgroup_skb", "cg_skb" },
		{ "lwt_seg6local", "lwt_seg6" },
		{ "flow_dissector", "flow_dis" },
		{ "sk_reuseport", "sk_reuse" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(t, map[i].full))
			return map[i].brief;
	return t;
}

const char *top_holders_str(const struct top_prog *p, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < p->nholders && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%d %s", i ? ", " : "",
				p->holders[i].pid, p->holders[i].comm);
	if (p->holders_more && off < len)
		snprintf(buf + off, len - off, ", ...");
	return buf;
}

/* Kernel names stop at 15 characters; BTF keeps the function's full name.
 * Only read BTF when the name may have been cut or is missing. */
static void resolve_name(struct top_prog *p, int fd, const struct bpf_prog_info *info)
{
	struct bpf_func_info finfo = {};
	struct bpf_prog_info i2 = {};
	__u32 len = sizeof(i2);
	struct btf *btf;
	const struct btf_type *t;
	const char *n;

	p->name_resolved = true;
	if (strlen(info->name) < BPF_OBJ_NAME_LEN - 1 && info->name[0])
		return;
	if (!info->btf_id || !info->nr_func_info)
		return;
	i2.nr_func_info = 1;
	i2.func_info_rec_size = sizeof(finfo);
	i2.func_info = (__u64)(unsigned long)&finfo;
	if (bpf_obj_get_info_by_fd(fd, &i2, &len))
		return;
	btf = btf__load_from_kernel_by_id(info->btf_id);
	if (!btf)
		return;
	t = btf__type_by_id(btf, finfo.type_id);
	n = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	if (n && *n && strlen(n) >= strlen(info->name))
		snprintf(p->name, sizeof(p->name), "%s", n);
	btf__free(btf);
}

static void fill_identity(struct top_prog *p, const struct bpf_prog_info *info)
{
	const char *ts = libbpf_bpf_prog_type_str(info->type);

	p->id = info->id;
	p->type = info->type;
	if (ts)
		snprintf(p->type_str, sizeof(p->type_str), "%s", ts);
	else
		snprintf(p->type_str, sizeof(p->type_str), "type_%u", info->type);
	snprintf(p->name, sizeof(p->name), "%s", info->name);
	for (int i = 0; i < BPF_TAG_SIZE; i++)
		snprintf(p->tag + 2 * i, 3, "%02x", info->tag[i]);
}

static const char *tracing_kind(__u32 at)
{
	switch (at) {
	case BPF_TRACE_RAW_TP: return "tp_btf";
	case BPF_TRACE_FENTRY: return "fentry";
	case BPF_TRACE_FEXIT: return "fexit";
	case BPF_MODIFY_RETURN: return "fmod_ret";
	case BPF_LSM_MAC: return "lsm";
	case BPF_TRACE_ITER: return "iter";
	default: return "tracing";
	}
}

static const char *btf_target_name(struct top_state *st, __u32 obj_id, __u32 type_id,
				   char *buf, size_t len)
{
	struct btf *vm, *mod = NULL;
	const struct btf_type *t;
	const char *n = NULL;

	if (!st->vmlinux_btf)
		st->vmlinux_btf = btf__load_vmlinux_btf();
	vm = st->vmlinux_btf;
	if (!vm || libbpf_get_error(vm)) {
		st->vmlinux_btf = NULL;
		snprintf(buf, len, "btf %u/%u", obj_id, type_id);
		return buf;
	}
	/* Module BTF is split on top of vmlinux: its ids follow vmlinux's. */
	if (type_id < btf__type_cnt(vm)) {
		t = btf__type_by_id(vm, type_id);
		n = t ? btf__name_by_offset(vm, t->name_off) : NULL;
	} else {
		mod = btf__load_from_kernel_by_id_split(obj_id, vm);
		if (mod && !libbpf_get_error(mod)) {
			t = btf__type_by_id(mod, type_id);
			n = t ? btf__name_by_offset(mod, t->name_off) : NULL;
		} else {
			mod = NULL;
		}
	}
	snprintf(buf, len, "%s", n && *n ? n : "?");
	btf__free(mod);
	return buf;
}

static const char *ifname(__u32 ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

/* One short description of what a link attaches its program to. */
static int describe_link(struct top_state *st, __u32 link_id, struct top_link *out)
{
	struct top_link_info info;
	__u32 len = sizeof(info);
	char name[256] = "", ifn[IF_NAMESIZE + 1], tmp[128];
	const char *at;
	int fd, err;

	fd = bpf_link_get_fd_by_id(link_id);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		goto out;
	/* Second call for the types that return a name through a buffer. */
	if (info.type == BPF_LINK_TYPE_RAW_TRACEPOINT || info.type == BPF_LINK_TYPE_ITER ||
	    info.type == BPF_LINK_TYPE_PERF_EVENT || info.type == TOP_LINK_UPROBE_MULTI) {
		__u32 type = info.type, pe_type = info.perf_event.type;

		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		switch (type) {
		case BPF_LINK_TYPE_RAW_TRACEPOINT:
			info.raw_tracepoint.tp_name = (__u64)(unsigned long)name;
			info.raw_tracepoint.tp_name_len = sizeof(name);
			break;
		case BPF_LINK_TYPE_ITER:
			info.iter.target_name = (__u64)(unsigned long)name;
			info.iter.target_name_len = sizeof(name);
			break;
		case TOP_LINK_UPROBE_MULTI:
			info.uprobe_multi.path = (__u64)(unsigned long)name;
			info.uprobe_multi.path_size = sizeof(name);
			break;
		default: /* perf_event: every variant has name ptr, len first */
			if (pe_type != TOP_PE_EVENT) {
				info.perf_event.uprobe.file_name = (__u64)(unsigned long)name;
				info.perf_event.uprobe.name_len = sizeof(name);
			}
		}
		err = bpf_obj_get_info_by_fd(fd, &info, &len);
		if (err)
			goto out;
		name[sizeof(name) - 1] = '\0';
	}
	out->id = link_id;
	out->prog_id = info.prog_id;
	switch (info.type) {
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
		snprintf(out->desc, sizeof(out->desc), "raw_tp:%s", name);
		break;
	case BPF_LINK_TYPE_TRACING:
		snprintf(out->desc, sizeof(out->desc), "%s:%s",
			 tracing_kind(info.tracing.attach_type),
			 info.tracing.target_obj_id && info.tracing.target_btf_id ?
			 btf_target_name(st, info.tracing.target_obj_id,
					 info.tracing.target_btf_id, tmp, sizeof(tmp)) : "?");
		break;
	case BPF_LINK_TYPE_CGROUP:
		at = libbpf_bpf_attach_type_str(info.cgroup.attach_type);
		snprintf(out->desc, sizeof(out->desc), "cgroup %llu:%s",
			 (unsigned long long)info.cgroup.cgroup_id, at ? at : "?");
		break;
	case BPF_LINK_TYPE_ITER:
		snprintf(out->desc, sizeof(out->desc), "iter:%s", name);
		break;
	case BPF_LINK_TYPE_NETNS:
		at = libbpf_bpf_attach_type_str(info.netns.attach_type);
		snprintf(out->desc, sizeof(out->desc), "netns %u:%s", info.netns.netns_ino,
			 at ? at : "?");
		break;
	case BPF_LINK_TYPE_XDP:
		snprintf(out->desc, sizeof(out->desc), "xdp:%s", ifname(info.xdp.ifindex, ifn));
		break;
	case BPF_LINK_TYPE_PERF_EVENT:
		switch (info.perf_event.type) {
		case TOP_PE_TRACEPOINT:
			snprintf(out->desc, sizeof(out->desc), "tp:%s", name);
			break;
		case TOP_PE_UPROBE:
		case TOP_PE_URETPROBE:
		case TOP_PE_KPROBE:
		case TOP_PE_KRETPROBE: {
			/* the kernel's own spelling: uprobe offsets in hex */
			static const char *const kinds[] = {
				[TOP_PE_UPROBE] = "uprobe", [TOP_PE_URETPROBE] = "uretprobe",
				[TOP_PE_KPROBE] = "kprobe", [TOP_PE_KRETPROBE] = "kretprobe",
			};
			bool up = info.perf_event.type <= TOP_PE_URETPROBE;

			snprintf(out->desc, sizeof(out->desc), up ? "%s:%s+0x%x" : "%s:%s+%u",
				 kinds[info.perf_event.type], name,
				 up ? info.perf_event.uprobe.offset : info.perf_event.kprobe.offset);
			break;
		}
		case TOP_PE_EVENT:
			snprintf(out->desc, sizeof(out->desc), "perf_event:%u/%llu",
				 info.perf_event.event.type,
				 (unsigned long long)info.perf_event.event.config);
			break;
		default:
			snprintf(out->desc, sizeof(out->desc), "perf_event");
		}
		break;
	case BPF_LINK_TYPE_KPROBE_MULTI:
		snprintf(out->desc, sizeof(out->desc), "kprobe_multi:%u fns",
			 info.kprobe_multi.count);
		break;
	case BPF_LINK_TYPE_STRUCT_OPS:
		snprintf(out->desc, sizeof(out->desc), "struct_ops:map %u", info.struct_ops.map_id);
		break;
	case TOP_LINK_NETFILTER:
		snprintf(out->desc, sizeof(out->desc), "netfilter:pf %u hook %u prio %d",
			 info.netfilter.pf, info.netfilter.hooknum, info.netfilter.priority);
		break;
	case TOP_LINK_TCX:
	case TOP_LINK_NETKIT:
		snprintf(out->desc, sizeof(out->desc), "%s:%s",
			 info.type == TOP_LINK_TCX ? "tcx" : "netkit", ifname(info.tcx.ifindex, ifn));
		break;
	case TOP_LINK_UPROBE_MULTI: /* flags bit 0: BPF_F_UPROBE_MULTI_RETURN */
		snprintf(out->desc, sizeof(out->desc), "%s:%s (%u)",
			 info.uprobe_multi.flags & 1 ? "uretprobe_multi" : "uprobe_multi", name,
			 info.uprobe_multi.count);
		break;
	case TOP_LINK_SOCKMAP:
		snprintf(out->desc, sizeof(out->desc), "sockmap:map %u", info.sockmap.map_id);
		break;
	default:
		at = libbpf_bpf_link_type_str(info.type);
		if (at)
			snprintf(out->desc, sizeof(out->desc), "%s", at);
		else
			snprintf(out->desc, sizeof(out->desc), "link type %u", info.type);
	}
out:
	if (err)
		err = -errno;
	close(fd);
	return err;
}

static struct top_prog *find_prog(struct top_state *st, uint32_t id)
{
	int lo = 0, hi = st->nprogs - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (st->progs[mid]->id == id)
			return st->progs[mid];
		if (st->progs[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Links change rarely: describe new ids once, keep the rest. */
static void sample_links(struct top_state *st)
{
	struct top_link *nl = NULL;
	int n = 0, cap = 0, old = 0;
	__u32 id = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct top_link l = {};

		while (old < st->nlinks && st->links[old].id < id)
			old++;
		if (old < st->nlinks && st->links[old].id == id)
			l = st->links[old];
		else if (describe_link(st, id, &l))
			continue; /* gone meanwhile */
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			struct top_link *t = realloc(nl, cap * sizeof(*nl));
			if (!t)
				break;
			nl = t;
		}
		nl[n++] = l;
	}
	free(st->links);
	st->links = nl;
	st->nlinks = n;
	st->links_cap = cap;

	for (int i = 0; i < st->nprogs; i++)
		st->progs[i]->attach[0] = '\0';
	for (int i = 0; i < n; i++) {
		struct top_prog *p = find_prog(st, nl[i].prog_id);
		size_t off;

		if (!p)
			continue;
		off = strlen(p->attach);
		if (off + 2 < sizeof(p->attach))
			snprintf(p->attach + off, sizeof(p->attach) - off, "%s%s", off ? "," : "",
				 nl[i].desc);
	}
}

static void add_holder(struct top_prog *p, int pid, const char *comm, uint32_t cycle)
{
	for (int i = 0; i < p->nholders; i++) {
		if (p->holders[i].pid == pid) {
			p->holders[i].cycle = cycle;
			snprintf(p->holders[i].comm, sizeof(p->holders[0].comm), "%s", comm);
			return;
		}
	}
	if (p->nholders == TOP_MAX_HOLDERS) {
		p->holders_more = true;
		p->more_cycle = cycle;
		return;
	}
	p->holders[p->nholders].pid = pid;
	p->holders[p->nholders].cycle = cycle;
	snprintf(p->holders[p->nholders].comm, sizeof(p->holders[0].comm), "%s", comm);
	p->nholders++;
}

static void add_perf(struct top_prog *p, const char *desc, uint32_t cycle)
{
	for (int i = 0; i < p->nperf; i++) {
		if (!strcmp(p->perf[i].desc, desc)) {
			p->perf[i].cycle = cycle;
			return;
		}
	}
	if (p->nperf == TOP_MAX_PERF)
		return;
	p->perf[p->nperf].cycle = cycle;
	snprintf(p->perf[p->nperf].desc, sizeof(p->perf[0].desc), "%s", desc);
	p->nperf++;
}

/* A perf-event fd of a holder: which program it runs and on what, asked
 * with BPF_TASK_FD_QUERY as `bpftool perf` does. Perf buffers and
 * counters without a program answer ENOENT. */
static void perf_attach(struct top_state *st, int pid, int fd, uint32_t cycle)
{
	char name[256] = "", desc[TOP_ATTACH_LEN / 2];
	__u32 len = sizeof(name), prog_id = 0, fd_type = 0;
	__u64 off = 0, addr = 0;
	struct top_prog *p;

	if (bpf_task_fd_query(pid, fd, 0, name, &len, &prog_id, &fd_type, &off, &addr))
		return;
	p = find_prog(st, prog_id);
	if (!p)
		return;
	name[sizeof(name) - 1] = '\0';
	/* the same forms as describe_link's, so a perf link and its own
	 * perf-event fd give one attach point */
	switch (fd_type) {
	case BPF_FD_TYPE_TRACEPOINT:
		snprintf(desc, sizeof(desc), "tp:%s", name);
		break;
	case BPF_FD_TYPE_RAW_TRACEPOINT:
		snprintf(desc, sizeof(desc), "raw_tp:%s", name);
		break;
	case BPF_FD_TYPE_KPROBE:
	case BPF_FD_TYPE_KRETPROBE:
		if (name[0])
			snprintf(desc, sizeof(desc), "%s:%s+%llu",
				 fd_type == BPF_FD_TYPE_KPROBE ? "kprobe" : "kretprobe", name,
				 (unsigned long long)off);
		else
			snprintf(desc, sizeof(desc), "%s:0x%llx",
				 fd_type == BPF_FD_TYPE_KPROBE ? "kprobe" : "kretprobe",
				 (unsigned long long)addr);
		break;
	case BPF_FD_TYPE_UPROBE:
	case BPF_FD_TYPE_URETPROBE:
		snprintf(desc, sizeof(desc), "%s:%s+0x%llx",
			 fd_type == BPF_FD_TYPE_UPROBE ? "uprobe" : "uretprobe", name,
			 (unsigned long long)off);
		break;
	default:
		return;
	}
	add_perf(p, desc, cycle);
}

static uint32_t fdinfo_field(int procfd, const char *fdname, const char *key)
{
	char path[300], buf[1024], *s;
	int fd, n;
	size_t klen = strlen(key);

	snprintf(path, sizeof(path), "fdinfo/%s", fdname);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (s = buf; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
		if (!strncmp(s, key, klen))
			return (uint32_t)strtoul(s + klen, NULL, 10);
	return 0;
}

/* One process: its prog and link fds, from the fd after *resume (-1: the
 * first) until budget syscalls are spent. Sets *resume to the last fd seen
 * when it stops early, -1 when done. Returns the syscalls it took. */
static int scan_pid(struct top_state *st, int pid, uint32_t cycle, int *resume, int budget)
{
	char comm[16] = "", path[32];
	int procfd, fdd, cost = 3;
	DIR *fds;
	struct dirent *fe;

	snprintf(path, sizeof(path), "/proc/%d", pid);
	procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0) {
		*resume = -1;
		return 1; /* gone */
	}
	fdd = openat(procfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fds = fdd >= 0 ? fdopendir(fdd) : NULL;
	if (!fds) {
		if (fdd >= 0)
			close(fdd);
		close(procfd);
		*resume = -1;
		return cost;
	}
	while ((fe = readdir(fds))) {
		char target[64];
		ssize_t n;
		uint32_t prog_id;
		struct top_prog *p;
		int fdnum;

		if (fe->d_name[0] == '.')
			continue;
		fdnum = atoi(fe->d_name); /* listed in ascending order */
		if (fdnum <= *resume)
			continue;
		if (cost >= budget) {
			*resume = fdnum - 1;
			closedir(fds);
			close(procfd);
			return cost;
		}
		cost++;
		n = readlinkat(fdd, fe->d_name, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (!strcmp(target, "anon_inode:[perf_event]")) {
			cost++;
			perf_attach(st, pid, fdnum, cycle);
			continue;
		}
		/* "anon_inode:bpf-prog" and "anon_inode:bpf_link" */
		if (strcmp(target, "anon_inode:bpf-prog") && strcmp(target, "anon_inode:bpf_link"))
			continue;
		cost += 3;
		prog_id = fdinfo_field(procfd, fe->d_name, "prog_id:");
		p = prog_id ? find_prog(st, prog_id) : NULL;
		if (!p)
			continue;
		if (!comm[0]) {
			int cfd = openat(procfd, "comm", O_RDONLY | O_CLOEXEC);
			ssize_t c = cfd >= 0 ? read(cfd, comm, sizeof(comm) - 1) : -1;

			cost += 3;
			if (cfd >= 0)
				close(cfd);
			if (c <= 0)
				snprintf(comm, sizeof(comm), "?");
			else
				comm[c - (comm[c - 1] == '\n')] = '\0';
		}
		add_holder(p, pid, comm, cycle);
	}
	*resume = -1;
	closedir(fds);
	close(procfd);
	return cost;
}

/* A cycle visited every process listed at its start: whatever it did not
 * see again is gone (process exited or closed the fd). */
static void end_cycle(struct top_state *st)
{
	for (int i = 0; i < st->nprogs; i++) {
		struct top_prog *p = st->progs[i];
		int k = 0;

		for (int j = 0; j < p->nholders; j++)
			if (p->holders[j].cycle == st->scan_cycle)
				p->holders[k++] = p->holders[j];
		p->nholders = k;
		p->holders_more = p->more_cycle == st->scan_cycle;
		k = 0;
		for (int j = 0; j < p->nperf; j++)
			if (p->perf[j].cycle == st->scan_cycle)
				p->perf[k++] = p->perf[j];
		p->nperf = k;
	}
	st->scan_cycles_done++;
}

static void start_cycle(struct top_state *st)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	int self = getpid(), cap = 0;

	st->scan_npids = st->scan_pos = 0;
	st->scan_resume_fd = -1;
	st->scan_cycle++;
	if (!proc)
		return;
	while ((de = readdir(proc))) {
		int pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = atoi(de->d_name);
		if (pid == self)
			continue; /* our own fds are transient */
		if (st->scan_npids == cap) {
			int *t;

			cap = cap ? 2 * cap : 256;
			t = realloc(st->scan_pids, cap * sizeof(int));
			if (!t)
				break;
			st->scan_pids = t;
		}
		st->scan_pids[st->scan_npids++] = pid;
	}
	closedir(proc);
}

void top_scan_holders(struct top_state *st, int budget)
{
	uint64_t t0 = thread_cpu_ns();
	int used = 0;

	do {
		if (st->scan_pos >= st->scan_npids)
			start_cycle(st);
		while (st->scan_pos < st->scan_npids && (budget < 0 || used < budget)) {
			used += scan_pid(st, st->scan_pids[st->scan_pos], st->scan_cycle,
					 &st->scan_resume_fd, budget < 0 ? INT_MAX : budget - used);
			if (st->scan_resume_fd < 0)
				st->scan_pos++;
		}
		if (st->scan_pos >= st->scan_npids)
			end_cycle(st);
	} while (budget < 0 && st->scan_pos < st->scan_npids);
	st->holders_cpu_ns = thread_cpu_ns() - t0;
}

/* After the links' descriptions: the perf-event attachments the scan
 * found, unless a link already names the same point. */
static void add_perf_attach(struct top_state *st)
{
	for (int i = 0; i < st->nprogs; i++) {
		struct top_prog *p = st->progs[i];

		for (int j = 0; j < p->nperf; j++) {
			const char *d = p->perf[j].desc, *hit = strstr(p->attach, d);
			size_t off = strlen(p->attach), dl = strlen(d);

			if (hit && (hit == p->attach || hit[-1] == ',') && (!hit[dl] || hit[dl] == ','))
				continue;
			if (off + dl + 2 < sizeof(p->attach))
				snprintf(p->attach + off, sizeof(p->attach) - off, "%s%s", off ? "," : "", d);
		}
	}
}

static void push_hist(struct top_prog *p)
{
	p->hist_events[p->hist_pos] = (float)p->events_per_s;
	p->hist_avg[p->hist_pos] = (float)p->avg_ns;
	p->hist_pos = (p->hist_pos + 1) % TOP_HIST_LEN;
	if (p->hist_len < TOP_HIST_LEN)
		p->hist_len++;
}

static void compute(struct top_state *st, struct top_prog *p, bool had_prev,
		    const struct bpf_prog_info *info)
{
	uint64_t prev_time = p->run_time_ns, prev_cnt = p->run_cnt, prev_miss = p->recursion_misses;
	double ns = st->interval_s * 1e9;

	p->run_time_ns = info->run_time_ns;
	p->run_cnt = info->run_cnt;
	p->recursion_misses = info->recursion_misses;
	if (!had_prev) {
		p->first_run_time_ns = p->run_time_ns;
		p->first_run_cnt = p->run_cnt;
		p->have_interval = false;
		p->d_run_time_ns = p->d_run_cnt = p->d_misses = 0;
		p->events_per_s = p->avg_ns = p->avg_ns_total = NAN;
		p->cpu_core_pct = p->cpu_host_pct = NAN;
		return;
	}
	p->have_interval = true;
	p->d_run_time_ns = p->run_time_ns >= prev_time ? p->run_time_ns - prev_time : 0;
	p->d_run_cnt = p->run_cnt >= prev_cnt ? p->run_cnt - prev_cnt : 0;
	p->d_misses = p->recursion_misses >= prev_miss ? p->recursion_misses - prev_miss : 0;
	p->events_per_s = ns > 0 ? p->d_run_cnt / st->interval_s : NAN;
	p->avg_ns = p->d_run_cnt ? (double)p->d_run_time_ns / p->d_run_cnt : NAN;
	p->avg_ns_total = p->run_cnt > p->first_run_cnt ?
		(double)(p->run_time_ns - p->first_run_time_ns) / (p->run_cnt - p->first_run_cnt) : NAN;
	p->cpu_core_pct = ns > 0 ? 100.0 * p->d_run_time_ns / ns : NAN;
	p->cpu_host_pct = p->cpu_core_pct / st->ncpus;
	push_hist(p);
}

int top_sample(struct top_state *st)
{
	uint64_t t0 = thread_cpu_ns();
	struct top_prog **np = NULL;
	int n = 0, cap = 0, old = 0, err = 0;
	__u32 id = 0;

	st->t_prev_ns = st->t_now_ns;
	st->t_now_ns = now_ns();
	st->interval_s = st->samples ? (st->t_now_ns - st->t_prev_ns) / 1e9 : 0;
	st->errors = 0;

	for (;;) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		struct top_prog *p = NULL;
		bool had_prev;
		int fd;

		if (bpf_prog_get_next_id(id, &id)) {
			if (errno != ENOENT)
				err = -errno;
			break;
		}
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0) {
			if (errno != ENOENT)
				st->errors++;
			continue;
		}
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			st->errors++;
			close(fd);
			continue;
		}
		while (old < st->nprogs && st->progs[old]->id < id) {
			free(st->progs[old]); /* unloaded since the last sample */
			st->progs[old++] = NULL;
		}
		had_prev = old < st->nprogs && st->progs[old]->id == id;
		if (had_prev) {
			p = st->progs[old];
			st->progs[old++] = NULL;
		} else {
			p = calloc(1, sizeof(*p));
			if (!p) {
				close(fd);
				err = -ENOMEM;
				break;
			}
			fill_identity(p, &info);
			resolve_name(p, fd, &info);
		}
		close(fd);
		compute(st, p, had_prev && st->samples, &info);
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			struct top_prog **t = realloc(np, cap * sizeof(*np));
			if (!t) {
				free(p);
				err = -ENOMEM;
				break;
			}
			np = t;
		}
		np[n++] = p;
	}
	for (; old < st->nprogs; old++)
		free(st->progs[old]); /* unloaded since the last sample */
	free(st->progs);
	st->progs = np;
	st->nprogs = n;
	st->cap = cap;
	st->samples++;

	sample_links(st);
	st->holders_cpu_ns = 0;
	/* The first sample sees the whole host, so --once shows holders. */
	if (st->want_holders)
		top_scan_holders(st, st->samples == 1 ? -1 : st->holder_budget);
	add_perf_attach(st);
	st->collect_cpu_ns = thread_cpu_ns() - t0;
	return err;
}
