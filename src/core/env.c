// SPDX-License-Identifier: GPL-2.0
#include "core/env.h"
#include "base/output.h"
#include "base/timer.h"
#include "base/util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

const char *iso_time_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static json_object *file_str(const char *path)
{
	char buf[512];

	return read_small_file(path, buf, sizeof(buf)) >= 0 ? json_object_new_string(buf) : NULL;
}

static json_object *file_int(const char *path)
{
	char buf[64];

	return read_small_file(path, buf, sizeof(buf)) >= 0 ? json_object_new_int(atoi(buf)) : NULL;
}

static void cpuinfo(char *model, size_t mlen, int *hypervisor)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];

	snprintf(model, mlen, "unknown");
	*hypervisor = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "model name", 10) && !strcmp(model, "unknown")) {
			char *v = strchr(line, ':');
			if (v) {
				v += 1 + (v[1] == ' ');
				v[strcspn(v, "\n")] = '\0';
				snprintf(model, mlen, "%s", v);
			}
		} else if (!strncmp(line, "flags", 5)) {
			*hypervisor = strstr(line, " hypervisor") != NULL;
			break;
		}
	}
	fclose(f);
}

const char *env_cpu_model(char *buf, size_t len)
{
	int hypervisor;

	cpuinfo(buf, len, &hypervisor);
	return buf;
}

static const char *virt_kind(int hypervisor, char *buf, size_t len)
{
	char vendor[128] = "", product[128] = "";

	if (!hypervisor)
		return "none";
	read_small_file("/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor));
	read_small_file("/sys/class/dmi/id/product_name", product, sizeof(product));
	if (read_small_file("/sys/hypervisor/type", buf, len) > 0)
		return buf;
	if (strstr(vendor, "QEMU") || strstr(product, "KVM") || strstr(product, "Standard PC"))
		snprintf(buf, len, "kvm");
	else if (strstr(vendor, "Amazon"))
		snprintf(buf, len, "aws-nitro");
	else if (strstr(vendor, "Microsoft"))
		snprintf(buf, len, "hyperv");
	else if (strstr(vendor, "VMware"))
		snprintf(buf, len, "vmware");
	else if (strstr(vendor, "Google"))
		snprintf(buf, len, "gce");
	else if (*vendor)
		snprintf(buf, len, "vm (%s)", vendor);
	else
		snprintf(buf, len, "vm");
	return buf;
}

json_object *env_collect(void)
{
	json_object *env = json_object_new_object(), *mit = json_object_new_object();
	struct utsname u;
	char model[256], hostname[256], vbuf[128], buf[256];
	int hyper, emulated;
	const char *e;
	DIR *d;
	struct dirent *de;
	struct stat st;

	timer_init();
	uname(&u);
	cpuinfo(model, sizeof(model), &hyper);
	gethostname(hostname, sizeof(hostname));
	e = getenv("BPFCOST_EMULATED");
	/* "QEMU Virtual CPU" is also KVM's -cpu qemu64: only TCG's own name or
	 * the vmtest guest's word counts */
	emulated = (e && *e == '1') || strstr(model, "TCG") != NULL;

	json_object_object_add(env, "hostname", json_object_new_string(hostname));
	json_object_object_add(env, "kernel", json_object_new_string(u.release));
	json_object_object_add(env, "kernel_version", json_object_new_string(u.version));
	json_object_object_add(env, "arch", json_object_new_string(u.machine));
	json_object_object_add(env, "cpu_model", json_object_new_string(model));
	json_object_object_add(env, "cpus_online", json_object_new_int(online_cpus()));
	json_object_object_add(env, "smt", file_str("/sys/devices/system/cpu/smt/control"));
	json_object_object_add(env, "virtualization",
			       json_object_new_string(emulated ? "qemu-tcg" : virt_kind(hyper, vbuf, sizeof(vbuf))));
	json_object_object_add(env, "emulated", json_object_new_boolean(emulated));
	json_object_object_add(env, "governor",
			       file_str("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"));
	if (read_small_file("/sys/devices/system/cpu/intel_pstate/no_turbo", buf, sizeof(buf)) >= 0)
		json_object_object_add(env, "turbo", json_object_new_boolean(atoi(buf) == 0));
	else if (read_small_file("/sys/devices/system/cpu/cpufreq/boost", buf, sizeof(buf)) >= 0)
		json_object_object_add(env, "turbo", json_object_new_boolean(atoi(buf) == 1));
	else
		json_object_object_add(env, "turbo", NULL);
	d = opendir("/sys/devices/system/cpu/vulnerabilities");
	while (d && (de = readdir(d))) {
		char path[512];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/vulnerabilities/%s", de->d_name);
		json_object_object_add(mit, de->d_name, file_str(path));
	}
	if (d)
		closedir(d);
	json_object_object_add(env, "mitigations", mit);
	json_object_object_add(env, "cmdline_mitigations", NULL);
	if (read_small_file("/proc/cmdline", buf, sizeof(buf)) >= 0) {
		char *m = strstr(buf, "mitigations=");
		if (m) {
			m[strcspn(m, " ")] = '\0';
			json_object_object_add(env, "cmdline_mitigations", json_object_new_string(m + 12));
		}
	}
	json_object_object_add(env, "clocksource",
			       file_str("/sys/devices/system/clocksource/clocksource0/current_clocksource"));
	json_object_object_add(env, "preempt", file_str("/sys/kernel/debug/sched/preempt"));
	json_object_object_add(env, "bpf_jit_enable", file_int("/proc/sys/net/core/bpf_jit_enable"));
	json_object_object_add(env, "bpf_jit_harden", file_int("/proc/sys/net/core/bpf_jit_harden"));
	json_object_object_add(env, "bpf_stats_enabled", file_int("/proc/sys/kernel/bpf_stats_enabled"));
	json_object_object_add(env, "btf", json_object_new_boolean(!stat("/sys/kernel/btf/vmlinux", &st)));
	json_object_object_add(env, "timer", json_object_new_string(timer_name));
	json_object_object_add(env, "timer_overhead_ns", jnum(timer_overhead_ns));
	json_object_object_add(env, "bpfcost_version", json_object_new_string(BPFCOST_VERSION));
	return env;
}

void env_print(FILE *f, json_object *env)
{
	const char *gov = jget_str(env, "governor");
	json_object *t;
	const char *turbo = "n/a";
	json_object *mit;
	int vuln = 0, total = 0;

	if (json_object_object_get_ex(env, "turbo", &t) && t)
		turbo = json_object_get_boolean(t) ? "on" : "off";
	if (json_object_object_get_ex(env, "mitigations", &mit)) {
		json_object_object_foreach(mit, k, v) {
			(void)k;
			total++;
			if (v && !strncmp(json_object_get_string(v), "Vulnerable", 10))
				vuln++;
		}
	}
	fprintf(f, "kernel %.40s, %s, %lld CPUs, SMT %s, virt %s%s\n", jget_str(env, "kernel"),
		jget_str(env, "arch"), jget_int(env, "cpus_online", 0),
		jget_str(env, "smt") ? jget_str(env, "smt") : "n/a", jget_str(env, "virtualization"),
		json_object_get_boolean(json_object_object_get(env, "emulated")) ? " (EMULATED)" : "");
	fprintf(f, "cpu %.60s\n", jget_str(env, "cpu_model"));
	fprintf(f, "governor %s, turbo %s, clocksource %s, mitigations %d/%d vulnerable\n",
		gov ? gov : "n/a", turbo, jget_str(env, "clocksource") ? jget_str(env, "clocksource") : "?",
		vuln, total);
	fprintf(f, "JIT %lld, bpf_stats_enabled %lld, BTF %s, timer %s (%.1f ns subtracted)\n",
		jget_int(env, "bpf_jit_enable", -1), jget_int(env, "bpf_stats_enabled", -1),
		json_object_get_boolean(json_object_object_get(env, "btf")) ? "yes" : "no",
		jget_str(env, "timer"), jget_num(env, "timer_overhead_ns"));
}

json_object *env_begin(int cpu)
{
	json_object *env = env_collect();

	if (cpu >= 0 && pin_to_cpu(cpu))
		warn_msg("cannot pin to CPU %d: numbers will be noisier", cpu);
	if (jget_int(env, "bpf_stats_enabled", 0) == 1)
		warn_msg("kernel.bpf_stats_enabled is 1 (someone else turned it on): "
			 "overheads include the stats' own clock reads");
	return env;
}
