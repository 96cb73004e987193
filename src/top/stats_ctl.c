// SPDX-License-Identifier: GPL-2.0
#include "top/stats_ctl.h"
#include "core/hoststate.h"
#include "core/engine.h"
#include "core/kernel.h"
#include "core/probe.h"
#include "core/workload.h"
#include "base/stats.h"
#include "base/util.h"

#include "top_calib.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYSCTL_PATH "/proc/sys/kernel/bpf_stats_enabled"

/* The sysctl must go back even when the command leaves through exit(). */
static struct top_stats *restore_at_exit;

static int sysctl_read(void)
{
	char buf[16];

	if (read_small_file(SYSCTL_PATH, buf, sizeof(buf)) <= 0)
		return -1;
	return atoi(buf);
}

static int sysctl_write(int v)
{
	return write_small_file(SYSCTL_PATH, v ? "1" : "0", 0);
}

static void restore_atexit(void)
{
	if (restore_at_exit)
		top_stats_restore(restore_at_exit);
}

const char *top_stats_method_str(const struct top_stats *s)
{
	switch (s->method) {
	case STATS_FD: return "BPF_ENABLE_STATS fd";
	case STATS_SYSCTL: return "sysctl kernel.bpf_stats_enabled";
	default: return "none";
	}
}

static uint64_t prog_run_cnt(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.run_cnt;
}

/* Whether stats count runs right now, whoever turned them on: the sysctl
 * only shows its own state, not BPF_ENABLE_STATS fds held by others. One
 * test run of the calibration program answers for the whole kernel. */
static int stats_counting(int prog_fd)
{
	unsigned char pkt[64] = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 16);
	uint64_t cnt0 = prog_run_cnt(prog_fd);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -1;
	return prog_run_cnt(prog_fd) > cnt0;
}

void top_stats_refresh(struct top_stats *s)
{
	s->on = sysctl_read() == 1 || s->fd >= 0;
}

int top_stats_enable(struct top_stats *s, enum top_stats_method want)
{
	int prev = sysctl_read();
	int err;

	struct top_calib_bpf *skel;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->sysctl_prev = -1;
	s->cost_ns = s->cost_lo_ns = s->cost_hi_ns = s->cost_in_avg_max_ns = NAN;
	s->were_on = prev == 1;
	skel = top_calib_bpf__open_and_load();
	if (skel) {
		s->calib = skel;
		hoststate_track_object(skel->obj);
		if (stats_counting(bpf_program__fd(skel->progs.top_calib)) == 1)
			s->were_on = true;
	} else {
		info_msg("cannot load the calibration program: %s", libbpf_last_lines());
	}
	if (want != STATS_SYSCTL) {
		/* Preferred: the kernel turns stats off again when the fd
		 * closes, whatever way this process ends. */
		s->fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (s->fd >= 0) {
			s->method = STATS_FD;
			s->on = true;
			return 0;
		}
		err = -errno;
		if (want == STATS_FD)
			return runtime_error("BPF_ENABLE_STATS failed: %s (try --stats sysctl)",
					     strerror(-err));
		info_msg("BPF_ENABLE_STATS failed (%s); using the sysctl", strerror(-err));
	}
	s->method = STATS_SYSCTL;
	if (prev < 0)
		return runtime_error("cannot read %s: BPF stats unsupported by this kernel",
				     SYSCTL_PATH);
	/* Held through the record under /run/bpfcost: put back by the last
	 * bpfcost run that holds it, or by the next one if this one is killed.
	 * Already on by another bpfcost run: held too, or it would go off
	 * when that run ends; on by someone else: theirs, left alone. */
	restore_at_exit = s;
	atexit(restore_atexit);
	err = hoststate_hold(HOST_BPF_STATS, "1");
	if (err < 0 && prev != 1)
		return runtime_error("cannot enable BPF stats through %s: %s%s", SYSCTL_PATH,
				     strerror(-err), geteuid() ? " (it needs uid 0 and CAP_SYS_ADMIN)" : "");
	s->sysctl_prev = err > 0 ? prev : -1; /* >= 0: ours to let go of */
	s->on = true;
	return 0;
}

void top_stats_restore(struct top_stats *s)
{
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	if (s->sysctl_prev >= 0) {
		hoststate_release(HOST_BPF_STATS);
		s->sysctl_prev = -1;
	}
	restore_at_exit = NULL;
	top_calib_bpf__destroy(s->calib);
	s->calib = NULL;
	s->on = sysctl_read() == 1;
}

void top_stats_release(struct top_stats *s)
{
	if (!s->cost_note[0])
		snprintf(s->cost_note, sizeof(s->cost_note), "not measured (--no-calibrate)");
	top_calib_bpf__destroy(s->calib);
	s->calib = NULL;
}

/* Switch stats for the calibration; only when we are the one holding them. */
static int stats_set(struct top_stats *s, bool on)
{
	if (s->method == STATS_FD) {
		if (!on && s->fd >= 0) {
			close(s->fd);
			s->fd = -1;
		} else if (on && s->fd < 0) {
			s->fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
			if (s->fd < 0)
				return -errno;
		}
		return 0;
	}
	return sysctl_write(on);
}

/* The stats' cost, measured as bench measures a probe: the "probe" is
 * stats on, the "baseline" stats off, around an empty raw tracepoint
 * program that stays attached to sys_enter while the workload calls
 * getpid. Trials alternate, pinned, the switch made from the other CPU;
 * the paired differences give the estimate and its interval. */
struct toggle {
	struct top_stats *s;
	struct probe *p;
};

static int toggle_on(void *ctx, char *reason, size_t len)
{
	int err = stats_set(((struct toggle *)ctx)->s, true);

	if (err)
		snprintf(reason, len, "cannot turn stats on: %s", strerror(-err));
	return err;
}

static void toggle_off(void *ctx)
{
	stats_set(((struct toggle *)ctx)->s, false);
}

static int toggle_counts(void *ctx, struct probe_counts *c)
{
	probe_counts(((struct toggle *)ctx)->p, c);
	return 0;
}

static void toggle_reset(void *ctx)
{
	probe_reset_counts(((struct toggle *)ctx)->p);
}

/* 0 with cost_* filled, or -1 with why set. Stats are left off. */
static int cost_on_hook(struct top_stats *s, char *why, size_t wlen)
{
	enum { PAIRS = 16 };
	const struct workload *wl = workload_find("getpid");
	struct probe_spec spec = { .hook = HOOK_RAWTP, .body = BODY_EMPTY, .wl = wl,
				   .consumer_cpu = -1 };
	int ncpus = online_cpus();
	struct bench_opts o = { .trials = PAIRS, .max_trials = PAIRS, .cpu = 0,
				.consumer_cpu = ncpus > 1 ? 1 : -1, .trial_ms = 2, .no_stats = true };
	struct toggle tg = { .s = s };
	struct bench_target t = { .ctx = &tg, .attach = toggle_on, .detach = toggle_off,
				  .counts = toggle_counts, .reset = toggle_reset };
	struct bench_result r;
	struct bench_run br;
	double diff[PAIRS];
	uint64_t c0 = 0, t0 = 0, c1, t1;
	cpu_set_t old;
	bool pinned;
	int fd, n = 0, ret = -1;

	if (!wl || probe_open(&tg.p, &spec, why, wlen) != PROBE_OK)
		return -1;
	if (probe_attach(tg.p, why, wlen) || stats_set(s, false)) {
		probe_close(tg.p);
		return -1;
	}
	fd = probe_prog_fd(tg.p);
	pinned = !sched_getaffinity(0, sizeof(old), &old) && !pin_to_cpu(0);
	bench_result_init(&r, wl->name, "rawtp", "stats");
	if (!bench_begin(&br, &t, wl, &o, &r)) {
		prog_run_stats(fd, &c0, &t0, NULL);
		for (bool more = true; more;) {
			int before = r.trials;

			more = bench_pair(&br);
			if (r.trials > before && n < PAIRS)
				diff[n++] = r.probe_trials_ns[before] - r.base_trials_ns[before];
		}
	}
	bench_end(&br);
	if (pinned)
		sched_setaffinity(0, sizeof(old), &old);
	if (prog_run_stats(fd, &c1, &t1, NULL) || c1 <= c0)
		snprintf(why, wlen, "stats did not count the program's runs");
	else if (r.status != RES_OK || n < 6)
		snprintf(why, wlen, "%.100s", r.reason[0] ? r.reason : "interrupted");
	else
		ret = 0;
	if (!ret) {
		hodges_lehmann(diff, n, &s->cost_ns, &s->cost_lo_ns, &s->cost_hi_ns);
		s->cost_in_avg_max_ns = (double)(t1 - t0) / (double)(c1 - c0);
		s->cost_pairs = n;
	}
	bench_result_free(&r);
	probe_close(tg.p);
	return ret;
}

void top_stats_calibrate(struct top_stats *s)
{
	struct top_calib_bpf *skel = s->calib;
	char why[128] = "";
	int err;

	if (s->were_on) {
		snprintf(s->cost_note, sizeof(s->cost_note),
			 "not measured: stats were already on and are not ours to switch off");
		top_stats_release(s);
		return;
	}
	err = cost_on_hook(s, why, sizeof(why));
	/* Nobody else may have turned stats on meanwhile: with ours off, a
	 * test run of the calibration program must not be counted. */
	if (!err && skel && stats_counting(bpf_program__fd(skel->progs.top_calib)) == 1) {
		err = -1;
		snprintf(why, sizeof(why), "another process turned stats on");
	}
	if (stats_set(s, true))
		warn_msg("could not turn BPF stats back on after calibration");
	top_stats_release(s);
	if (err) {
		s->cost_ns = s->cost_lo_ns = s->cost_hi_ns = s->cost_in_avg_max_ns = NAN;
		snprintf(s->cost_note, sizeof(s->cost_note), "not measured: %s", why);
		return;
	}
	snprintf(s->cost_note, sizeof(s->cost_note),
		 "raw tracepoint sys_enter, %d pairs of getpid trials with stats off and on",
		 s->cost_pairs);
}
