// SPDX-License-Identifier: GPL-2.0
/* Background load on the other CPUs (background.h). */
#include "core/background.h"
#include "base/util.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const background_names[NR_BG] = { "none", "cpu", "mem" };

/* The one running load, for the exit handler. */
static struct background *running;

static void stop_at_exit(void)
{
	if (running)
		background_stop(running);
}

/* The load itself, in the child: never returns. It makes no syscalls in
 * its loop (it is another process anyway, so no probe counts it). */
static void __attribute__((noreturn)) load_loop(enum background_kind kind, volatile uint64_t *slot)
{
	if (kind == BG_CPU) {
		uint64_t x = (uint64_t)getpid();

		for (;;) {
			for (int i = 0; i < 64; i++)
				x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			*slot += 1;
			__asm__ volatile("" : : "r"(x));
		}
	} else {
		size_t n = BG_MEM_BYTES / sizeof(uint64_t);
		uint64_t *buf = mmap(NULL, BG_MEM_BYTES, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uint64_t sum = 0;

		if (buf == MAP_FAILED)
			_exit(1);
		for (uint64_t pass = 1;; pass++) {
			/* one word a cache line: every line is written, then read */
			for (size_t i = 0; i < n; i += 8)
				buf[i] = pass + i;
			for (size_t i = 0; i < n; i += 8)
				sum += buf[i];
			*slot += 2 * (uint64_t)BG_MEM_BYTES;
			__asm__ volatile("" : : "r"(sum));
		}
	}
}

int background_start(enum background_kind kind, int exclude_cpu, struct background *bg)
{
	int ncpu = online_cpus(), err = 0;
	pid_t parent = getpid();
	cpu_set_t online;

	memset(bg, 0, sizeof(*bg));
	bg->kind = kind;
	if (kind == BG_NONE)
		return 0;
	if (sched_getaffinity(0, sizeof(online), &online))
		CPU_ZERO(&online);
	/* every CPU the kernel has online, not only those we may run on */
	for (int cpu = 0; cpu < CPU_SETSIZE && bg->ncpus < ncpu && bg->ncpus < BG_MAX_CPUS; cpu++) {
		char path[64], v[8];

		if (cpu == exclude_cpu)
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
		if (read_small_file(path, v, sizeof(v)) > 0 ? v[0] != '1' : !CPU_ISSET(cpu, &online))
			continue;
		bg->cpus[bg->ncpus++] = cpu;
	}
	if (!bg->ncpus)
		return 0;
	bg->work = mmap(NULL, (size_t)bg->ncpus * 64, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (bg->work == MAP_FAILED) {
		bg->work = NULL;
		bg->ncpus = 0;
		return -errno;
	}
	for (int i = 0; i < bg->ncpus; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			err = -errno;
			bg->ncpus = i;
			background_stop(bg);
			return err;
		}
		if (pid == 0) {
			cpu_set_t set;

			/* nothing of ours stays open in the load (a BPF link fd
			 * held here would keep a probe attached), it dies with
			 * us, and Ctrl-C is not its to catch */
			syscall(SYS_close_range, 3U, ~0U, 0U);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(0);
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGHUP, SIG_DFL);
			CPU_ZERO(&set);
			CPU_SET(bg->cpus[i], &set);
			sched_setaffinity(0, sizeof(set), &set);
			load_loop(kind, bg->work + i * 8);
		}
		bg->pids[i] = pid;
	}
	bg->start_ns = now_ns();
	if (!running) {
		static bool registered;

		if (!registered)
			atexit(stop_at_exit);
		registered = true;
		running = bg;
	}
	return bg->ncpus;
}

void background_stop(struct background *bg)
{
	uint64_t total = 0;

	if (!bg || !bg->ncpus || !bg->work)
		return;
	bg->stop_ns = now_ns();
	for (int i = 0; i < bg->ncpus; i++)
		total += bg->work[i * 8];
	for (int i = 0; i < bg->ncpus; i++)
		if (bg->pids[i] > 0)
			kill(bg->pids[i], SIGKILL);
	for (int i = 0; i < bg->ncpus; i++) {
		while (bg->pids[i] > 0 && waitpid(bg->pids[i], NULL, 0) < 0 && errno == EINTR)
			;
		bg->pids[i] = 0;
	}
	if (bg->stop_ns > bg->start_ns)
		bg->rate_per_cpu_s = (double)total / bg->ncpus / ((double)(bg->stop_ns - bg->start_ns) / 1e9);
	munmap((void *)bg->work, (size_t)bg->ncpus * 64);
	bg->work = NULL;
	if (running == bg)
		running = NULL;
}
