// SPDX-License-Identifier: GPL-2.0
#include "top/stats_ctl.h"
#include "core/hoststate.h"
#include "base/util.h"

#include "top_calib.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
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
	s->cost_ns = NAN;
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void top_stats_calibrate(struct top_stats *s)
{
	enum { PAIRS = 9, RUNS = 200000 };
	struct top_calib_bpf *skel = s->calib;
	unsigned char pkt[64] = {}; /* an Ethernet frame's worth of zeros */
	double diff[PAIRS];
	int fd, err = 0, n = 0;

	if (s->were_on) {
		snprintf(s->cost_note, sizeof(s->cost_note),
			 "not measured: stats were already on and are not ours to switch off");
		top_stats_release(s);
		return;
	}
	if (!skel) {
		snprintf(s->cost_note, sizeof(s->cost_note), "not measured: calibration load failed");
		return;
	}
	fd = bpf_program__fd(skel->progs.top_calib);
	/* Pairs of trials, off then on, close in time; the median of the
	 * paired differences resists the drift and noise of a shared VM. */
	for (int i = 0; i < PAIRS && !stop_requested; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
			    .repeat = RUNS);
		uint32_t off_ns, on_ns;
		uint64_t cnt0;

		if ((err = stats_set(s, false)))
			break;
		cnt0 = prog_run_cnt(fd);
		if (bpf_prog_test_run_opts(fd, &opts)) {
			err = -errno;
			break;
		}
		off_ns = opts.duration;
		if (prog_run_cnt(fd) != cnt0) {
			err = -EBUSY; /* someone else turned them on meanwhile */
			break;
		}
		if ((err = stats_set(s, true)))
			break;
		cnt0 = prog_run_cnt(fd);
		if (bpf_prog_test_run_opts(fd, &opts)) {
			err = -errno;
			break;
		}
		on_ns = opts.duration;
		/* Proof that test runs go through the stats path at all. */
		if (prog_run_cnt(fd) - cnt0 < RUNS) {
			err = -ENOTSUP;
			break;
		}
		diff[n++] = (double)on_ns - (double)off_ns;
	}
	if (stats_set(s, true))
		warn_msg("could not turn BPF stats back on after calibration");
	top_calib_bpf__destroy(skel);
	s->calib = NULL;
	if (err || n < 3) {
		snprintf(s->cost_note, sizeof(s->cost_note), "not measured: %s",
			 err == -ENOTSUP ? "test runs not counted by stats" :
			 err == -EBUSY ? "another process turned stats on" :
			 err ? strerror(-err) : "interrupted");
		return;
	}
	qsort(diff, n, sizeof(diff[0]), cmp_double);
	s->cost_ns = diff[n / 2];
	s->cost_runs = RUNS;
	s->cost_pairs = n;
	snprintf(s->cost_note, sizeof(s->cost_note),
		 "median of %d off/on pairs of %d BPF_PROG_TEST_RUN runs (range %.0f..%.0f ns)",
		 n, RUNS, diff[0], diff[n - 1]);
}
