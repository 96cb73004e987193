// SPDX-License-Identifier: GPL-2.0
/* What this kernel offers, asked of the kernel itself: its config, BTF and
 * kallsyms, tracefs, and a program's BPF run-time statistics. check, the
 * probes' reasons, lint and top use these; none of them loads a program. */
#include "core/kernel.h"
#include "base/util.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
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

const char *kprobe_unsupported_reason(void)
{
	static char reason[256];
	struct stat st;
	int cfg;

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

static bool tracefs_mounted_by_us;

/* tracefs is mounted in a private mount namespace of this process: the
 * host's mounts stay as they were (nothing to restore), and another
 * process's tracefs is never taken away under it. Only where that fails
 * is it mounted for everyone, and unmounted again at exit. */
int tracefs_ensure(void)
{
	struct stat st;

	if (!stat("/sys/kernel/tracing/events", &st) || !stat("/sys/kernel/debug/tracing/events", &st))
		return 0;
	if (!unshare(CLONE_NEWNS) && !mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) &&
	    !mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return -errno;
	tracefs_mounted_by_us = true;
	return 0;
}

void tracefs_restore(void)
{
	if (tracefs_mounted_by_us && !umount2("/sys/kernel/tracing", MNT_DETACH))
		tracefs_mounted_by_us = false;
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

int require_privileges(const char *why)
{
	if (geteuid() != 0)
		return runtime_error("needs root %s", why);
	return 0;
}
