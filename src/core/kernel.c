// SPDX-License-Identifier: GPL-2.0
/* What this kernel offers, asked of the kernel itself: its config, BTF and
 * kallsyms, a program's BPF run-time statistics, and what this process may
 * do (capabilities). check, the probes' reasons, lint and top use these. */
#include "core/kernel.h"
#include "base/util.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zlib.h>

static int config_has(const char *opt) /* 1 set, 0 not set, -1 unknown */
{
	char path[384], line[512], want_y[128], want_n[128];
	struct { char r[256]; } u;
	gzFile gz;
	int res = -1;

	snprintf(want_y, sizeof(want_y), "%s=", opt);
	snprintf(want_n, sizeof(want_n), "# %s is not set", opt);
	gz = gzopen("/proc/config.gz", "r");
	if (!gz) {
		if (read_small_file("/proc/sys/kernel/osrelease", u.r, sizeof(u.r)) < 0)
			return -1;
		snprintf(path, sizeof(path), "/boot/config-%s", u.r);
		gz = gzopen(path, "r"); /* gzopen reads plain files too */
		if (!gz)
			return -1;
	}
	while (gzgets(gz, line, sizeof(line))) {
		if (!strncmp(line, want_y, strlen(want_y))) {
			res = 1;
			break;
		}
		if (!strncmp(line, want_n, strlen(want_n))) {
			res = 0;
			break;
		}
	}
	gzclose(gz);
	return res;
}

const char *kernel_lockdown(void)
{
	static char mode[32];
	char buf[256], *a, *b;

	/* "none integrity [confidentiality]": the bracketed one is in force */
	if (read_small_file("/sys/kernel/security/lockdown", buf, sizeof(buf)) >= 0 &&
	    (a = strchr(buf, '[')) && (b = strchr(a, ']'))) {
		snprintf(mode, sizeof(mode), "%.*s", (int)(b - a - 1), a + 1);
		return mode;
	}
	/* securityfs not mounted: the command line still says it */
	if (read_small_file("/proc/cmdline", buf, sizeof(buf)) >= 0 &&
	    (a = strstr(buf, "lockdown="))) {
		a += strlen("lockdown=");
		snprintf(mode, sizeof(mode), "%.*s", (int)strcspn(a, " \n"), a);
		return mode;
	}
	return NULL;
}

bool kernel_locked_down_confidential(void)
{
	const char *m = kernel_lockdown();

	return m && !strcmp(m, "confidentiality");
}

const char *kprobe_unsupported_reason(void)
{
	static char reason[256];
	struct stat st;
	int cfg;

	/* LOCKDOWN_KPROBES: the kprobe PMU is there, registering one is not */
	if (kernel_locked_down_confidential())
		return "kernel lockdown (confidentiality) forbids kprobes";
	if (!stat("/sys/bus/event_source/devices/kprobe", &st))
		return NULL;
	cfg = config_has("CONFIG_KPROBES");
	if (cfg == 0)
		return "CONFIG_KPROBES is not set (/proc/config.gz): no kprobe PMU";
	if (cfg == 1) {
		/* built with kprobes but no PMU: very old kernel, legacy tracefs only */
		if (!stat("/sys/kernel/tracing/kprobe_events", &st) ||
		    !stat("/sys/kernel/debug/tracing/kprobe_events", &st))
			return NULL;
		return "no kprobe PMU and no kprobe_events in tracefs";
	}
	snprintf(reason, sizeof(reason),
		 "no kprobe PMU (/sys/bus/event_source/devices/kprobe missing): kernel built without CONFIG_KPROBES");
	return reason;
}

struct btf *vmlinux_btf(void)
{
	static struct btf *btf;
	static bool tried;

	if (!tried) {
		tried = true;
		btf = btf__load_vmlinux_btf();
		if (libbpf_get_error(btf))
			btf = NULL;
	}
	return btf;
}

static const char *const kfunc_fmts[] = { "__x64_sys_%s", "__arm64_sys_%s", "__do_sys_%s",
					  "__se_sys_%s", "sys_%s" };

const char *syscall_kfunc_btf(const char *syscall, char *buf, size_t len)
{
	struct btf *btf = vmlinux_btf();

	if (!btf)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(kfunc_fmts); i++) {
		snprintf(buf, len, kfunc_fmts[i], syscall);
		if (btf__find_by_name_kind(btf, buf, BTF_KIND_FUNC) > 0)
			return buf;
	}
	return NULL;
}

const char *syscall_kfunc_kallsyms(const char *syscall, char *buf, size_t len)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], want[ARRAY_SIZE(kfunc_fmts)][128];
	int best = (int)ARRAY_SIZE(kfunc_fmts);

	if (!f)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(kfunc_fmts); i++)
		snprintf(want[i], sizeof(want[i]), kfunc_fmts[i], syscall);
	while (fgets(line, sizeof(line), f)) {
		char *name = strrchr(line, ' ');
		if (!name)
			continue;
		name++;
		name[strcspn(name, "\n\t")] = '\0';
		for (int i = 0; i < best; i++)
			if (!strcmp(name, want[i])) {
				best = i;
				break;
			}
	}
	fclose(f);
	if (best == (int)ARRAY_SIZE(kfunc_fmts))
		return NULL;
	snprintf(buf, len, "%s", want[best]);
	return buf;
}

long long map_memlock_bytes(int map_fd)
{
	char path[64], line[256];
	long long v = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", map_fd);
	if (!(f = fopen(path, "re")))
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

int prog_run_stats(int prog_fd, uint64_t *run_cnt, uint64_t *run_time_ns,
		   uint64_t *recursion_misses)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	*run_cnt = info.run_cnt;
	*run_time_ns = info.run_time_ns;
	if (recursion_misses)
		*recursion_misses = info.recursion_misses;
	return 0;
}

int stats_enable(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	return fd < 0 ? -errno : fd;
}

static const struct {
	unsigned int need;
	int cap, cap2; /* either suffices (cap2 -1: none) */
	const char *name;
} privs[] = {
	{ NEED_BPF, CAP_BPF, CAP_SYS_ADMIN, "CAP_BPF" },
	{ NEED_PERFMON, CAP_PERFMON, CAP_SYS_ADMIN, "CAP_PERFMON" },
	{ NEED_SYS_ADMIN, CAP_SYS_ADMIN, -1, "CAP_SYS_ADMIN" },
	{ NEED_PTRACE, CAP_SYS_PTRACE, -1, "CAP_SYS_PTRACE" },
	{ NEED_DAC_READ, CAP_DAC_READ_SEARCH, CAP_DAC_OVERRIDE, "CAP_DAC_READ_SEARCH" },
	{ NEED_SETUID, CAP_SETUID, -1, "CAP_SETUID" },
	{ NEED_SETUID, CAP_SETGID, -1, "CAP_SETGID" },
};

static bool have_cap(int cap)
{
	static struct __user_cap_data_struct data[2];
	static bool read;

	if (!read) {
		struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };

		if (syscall(SYS_capget, &hdr, data))
			memset(data, 0, sizeof(data));
		read = true;
	}
	return cap >= 0 && cap < 64 && (data[cap / 32].effective >> (cap % 32)) & 1;
}

const char *privs_missing(unsigned int need, char *buf, size_t len)
{
	size_t off = 0;
	int n = 0, total = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(privs); i++)
		total += (need & privs[i].need) && !have_cap(privs[i].cap) && !have_cap(privs[i].cap2);
	total += (need & NEED_ROOT) && geteuid() != 0;
	for (size_t i = 0; i < ARRAY_SIZE(privs) && off < len; i++) {
		if (!(need & privs[i].need) || have_cap(privs[i].cap) || have_cap(privs[i].cap2))
			continue;
		n++;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					n == 1 ? "" : n == total ? " and " : ", ", privs[i].name);
	}
	if ((need & NEED_ROOT) && geteuid() != 0 && off < len)
		snprintf(buf + off, len - off, "%suid 0", n ? " and " : "");
	return buf;
}

int require_privileges(unsigned int need, const char *why)
{
	char missing[160];

	if (!*privs_missing(need, missing, sizeof(missing)))
		return 0;
	return runtime_error("needs %s (or root) %s", missing, why);
}

uint32_t bpf_self_tgid(void)
{
	/* cached for this process only: a forked child (top's calibration)
	 * inherits the parent's value, and its probes would wait for the
	 * parent's calls */
	static uint32_t tgid;
	static pid_t for_pid;

	if (for_pid != getpid()) {
		for_pid = getpid();
		tgid = 0;
	}
	if (!tgid) {
		/* r0 = bpf_get_current_pid_tgid() >> 32: the retval of a test run */
		const struct bpf_insn insns[] = {
			{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_get_current_pid_tgid },
			{ .code = BPF_ALU64 | BPF_RSH | BPF_K, .dst_reg = BPF_REG_0, .imm = 32 },
			{ .code = BPF_JMP | BPF_EXIT },
		};
		int fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "bpfcost_tgid", "GPL", insns,
				       ARRAY_SIZE(insns), NULL);

		if (fd >= 0) {
			LIBBPF_OPTS(bpf_test_run_opts, opts);

			/* raw tracepoint test runs run in the caller's context */
			if (!bpf_prog_test_run_opts(fd, &opts))
				tgid = opts.retval;
			/* never attached, closed at once: long gone by the end of
			 * the run, so not among the programs hoststate waits for */
			close(fd);
		}
		if (!tgid)
			tgid = (uint32_t)getpid();
	}
	return tgid;
}
