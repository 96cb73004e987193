// SPDX-License-Identifier: GPL-2.0
/* Test driver for `bpfcost top` (tests/integration/test_top.sh).
 *
 *   top_driver OBJ RATE SECONDS [LOG]   load OBJ (build/tests/top_test.bpf.o),
 *       attach its two uprobes to top_driver_hot/top_driver_cold in this
 *       binary, call hot RATE times a second and cold RATE/10 times for
 *       SECONDS, then stay loaded until SIGINT/SIGTERM. LOG gets a line
 *       "CLOCK_MONOTONIC_ns hot_calls cold_calls" per 1 ms tick: the truth
 *       at any instant, even when this process was descheduled for a while.
 *   top_driver --progs N          load N trivial socket filters, hold them
 *       until SIGINT/SIGTERM (a host with many programs).
 *   top_driver --call RATE SECONDS LOG   no BPF of its own: call
 *       top_driver_target RATE times a second for SECONDS (or until
 *       SIGINT/SIGTERM), timing every call, for a tool to probe (bpftrace's
 *       uprobe). LOG gets "CLOCK_MONOTONIC_ns calls ns_in_calls" per 1 ms
 *       tick: the time per call with and without the tool, from the
 *       driver's own clock.
 *
 * Lines on stdout: "ready hot=ID cold=ID" (or "ready progs=N"), "fired ..."
 * when the firing stops, and "done hot_calls=.. hot_count=.. hot_run_cnt=..
 * hot_run_time_ns=.. cold_calls=.. cold_count=.." before unloading. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_sig(int s) { stop = 1; }

/* The uprobe targets: kept out of line so each call is one probe hit. */
__attribute__((noinline, used)) void top_driver_hot(void) { __asm__ volatile("" ::: "memory"); }
__attribute__((noinline, used)) void top_driver_cold(void) { __asm__ volatile("" ::: "memory"); }
__attribute__((noinline, used)) void top_driver_target(void) { __asm__ volatile("" ::: "memory"); }

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void info_of(struct bpf_program *p, unsigned long long *cnt, unsigned long long *ns)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	*cnt = *ns = 0;
	if (!bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len)) {
		*cnt = info.run_cnt;
		*ns = info.run_time_ns;
	}
}

static unsigned long long prog_id(struct bpf_program *p)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) ? 0 : info.id;
}

static int hold_progs(int n)
{
	struct bpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 }, /* r0 = 0 */
		{ .code = 0x95 },                         /* exit */
	};
	int *fds = calloc(n, sizeof(int)), loaded = 0;

	for (int i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "top_many_%d", i % 100000);
		fds[i] = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, name, "GPL", insns, 2, NULL);
		if (fds[i] < 0) {
			fprintf(stderr, "top_driver: load %d failed: %s\n", i, strerror(errno));
			break;
		}
		loaded++;
	}
	printf("ready progs=%d\n", loaded);
	fflush(stdout);
	while (!stop && loaded == n)
		usleep(50000); /* no pause(): a signal between test and wait is lost */
	for (int i = 0; i < loaded; i++)
		close(fds[i]);
	free(fds);
	return loaded == n ? 0 : 1;
}

static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void tick(struct timespec *next)
{
	next->tv_nsec += 1000000;
	if (next->tv_nsec >= 1000000000) {
		next->tv_nsec -= 1000000000;
		next->tv_sec++;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL);
}

/* Calls at RATE on absolute 1 ms ticks (making up what is due, like the
 * uprobe mode), each one timed. */
static int call_mode(double rate, double secs, const char *log_path)
{
	FILE *logf = fopen(log_path, "w");
	unsigned long long calls = 0, in_calls_ns = 0;
	struct timespec next;
	double t0 = now_s();

	if (!logf) {
		fprintf(stderr, "top_driver: cannot write %s\n", log_path);
		return 1;
	}
	printf("ready pid=%d func=top_driver_target\n", (int)getpid());
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		double el = now_s() - t0;

		if (el >= secs)
			break;
		while (calls < (unsigned long long)(rate * el)) {
			unsigned long long a = mono_ns();

			top_driver_target();
			in_calls_ns += mono_ns() - a;
			calls++;
		}
		fprintf(logf, "%llu %llu %llu\n", mono_ns(), calls, in_calls_ns);
		tick(&next);
	}
	fclose(logf);
	printf("done calls=%llu\n", calls);
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj = NULL;
	struct bpf_program *hot, *cold;
	struct bpf_link *lh = NULL, *lc = NULL;
	struct bpf_map *counts;
	unsigned long long hot_calls = 0, cold_calls = 0, c_hot = 0, c_cold = 0, cnt, ns;
	double rate, secs, t0;
	FILE *logf = NULL;
	struct timespec next;
	int ret = 1;

	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	if (argc == 3 && !strcmp(argv[1], "--progs"))
		return hold_progs(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "--call"))
		return call_mode(atof(argv[2]), atof(argv[3]), argv[4]);
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: top_driver OBJ RATE SECONDS [LOG] | top_driver --progs N | "
			"top_driver --call RATE SECONDS LOG\n");
		return 2;
	}
	if (argc == 5 && !(logf = fopen(argv[4], "w"))) {
		fprintf(stderr, "top_driver: cannot write %s\n", argv[4]);
		return 1;
	}
	rate = atof(argv[2]);
	secs = atof(argv[3]);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || libbpf_get_error(obj) || bpf_object__load(obj)) {
		fprintf(stderr, "top_driver: cannot load %s\n", argv[1]);
		return 1;
	}
	hot = bpf_object__find_program_by_name(obj, "top_test_hot_handler_long_name");
	cold = bpf_object__find_program_by_name(obj, "top_test_cold");
	counts = bpf_object__find_map_by_name(obj, "top_test_counts");
	if (!hot || !cold || !counts)
		goto out;
	{
		char self[4096] = "/proc/self/exe";
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (n > 0)
			self[n] = '\0';
		LIBBPF_OPTS(bpf_uprobe_opts, oh, .func_name = "top_driver_hot");
		LIBBPF_OPTS(bpf_uprobe_opts, oc, .func_name = "top_driver_cold");

		lh = bpf_program__attach_uprobe_opts(hot, 0, self, 0, &oh);
		lc = bpf_program__attach_uprobe_opts(cold, 0, self, 0, &oc);
	}
	if (!lh || libbpf_get_error(lh) || !lc || libbpf_get_error(lc)) {
		fprintf(stderr, "top_driver: uprobe attach failed\n");
		lh = libbpf_get_error(lh) ? NULL : lh;
		lc = libbpf_get_error(lc) ? NULL : lc;
		goto out;
	}
	printf("ready hot=%llu cold=%llu\n", prog_id(hot), prog_id(cold));
	fflush(stdout);

	/* Absolute 1 ms ticks; each tick makes up the calls due so far, so
	 * the rate holds over any window longer than a few ticks. */
	t0 = now_s();
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		double el = now_s() - t0;

		if (el >= secs)
			el = secs;
		while (hot_calls < (unsigned long long)(rate * el)) {
			top_driver_hot();
			hot_calls++;
		}
		while (cold_calls < (unsigned long long)(rate / 10 * el)) {
			top_driver_cold();
			cold_calls++;
		}
		if (logf) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			fprintf(logf, "%llu %llu %llu\n",
				(unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec,
				hot_calls, cold_calls);
		}
		if (el >= secs)
			break;
		tick(&next);
	}
	if (logf)
		fclose(logf);
	logf = NULL;
	printf("fired hot_calls=%llu cold_calls=%llu\n", hot_calls, cold_calls);
	fflush(stdout);
	while (!stop)
		usleep(50000); /* no pause(): a signal between test and wait is lost */
	{
		__u32 k0 = 0, k1 = 1;

		bpf_map__lookup_elem(counts, &k0, sizeof(k0), &c_hot, sizeof(c_hot), 0);
		bpf_map__lookup_elem(counts, &k1, sizeof(k1), &c_cold, sizeof(c_cold), 0);
	}
	info_of(hot, &cnt, &ns);
	printf("done hot_calls=%llu hot_count=%llu hot_run_cnt=%llu hot_run_time_ns=%llu "
	       "cold_calls=%llu cold_count=%llu\n", hot_calls, c_hot, cnt, ns, cold_calls, c_cold);
	fflush(stdout);
	ret = 0;
out:
	if (logf)
		fclose(logf);
	bpf_link__destroy(lh);
	bpf_link__destroy(lc);
	bpf_object__close(obj);
	return ret;
}
