// SPDX-License-Identifier: GPL-2.0
/* The ring/perf buffer reader thread (consumer.h). */
#include "core/consumer.h"
#include "core/kernel.h"
#include "base/util.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct consumer {
	struct consumer_opts o;
	struct ring_buffer *rb;   /* every ring buffer map, one reader */
	struct perf_buffer *pb[CONSUMER_MAX_PERFBUFS];
	int npb;
	int epfd;                 /* ours, only when there are several sources */
	pthread_t thread;
	bool running;
	sem_t ready;
	atomic_int stop;
	_Atomic uint64_t consumed;
	_Atomic uint64_t lost;
	_Atomic uint64_t wakeups; /* polls that returned ready */
	pthread_mutex_t lock;     /* the thread and consumer_drain both drain */
	uint64_t kernel_bytes;    /* consumer_kernel_bytes */
};

const char *const consumer_names[4] = { "wake", "batch", "force", "none" };

size_t consumer_perf_pages(size_t bytes)
{
	size_t pages = 1;

	while (pages * 4096 < bytes)
		pages <<= 1;
	return pages;
}

/* ---- callbacks: count, the records themselves are not looked at ---- */

static int on_rb_event(void *ctx, void *data, size_t size)
{
	struct consumer *c = ctx;

	atomic_fetch_add_explicit(&c->consumed, 1, memory_order_relaxed);
	return 0;
}

static void on_pb_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct consumer *c = ctx;

	atomic_fetch_add_explicit(&c->consumed, 1, memory_order_relaxed);
}

static void on_pb_lost(void *ctx, int cpu, __u64 cnt)
{
	struct consumer *c = ctx;

	atomic_fetch_add_explicit(&c->lost, cnt, memory_order_relaxed);
}

/* Raw perf records, for batched wake-ups (wakeup_events > 1). */
struct perf_lost_rec {
	struct perf_event_header header;
	__u64 id;
	__u64 lost;
};

static enum bpf_perf_event_ret on_pb_raw(void *ctx, int cpu, struct perf_event_header *ev)
{
	struct consumer *c = ctx;

	if (ev->type == PERF_RECORD_SAMPLE)
		atomic_fetch_add_explicit(&c->consumed, 1, memory_order_relaxed);
	else if (ev->type == PERF_RECORD_LOST)
		atomic_fetch_add_explicit(&c->lost, ((struct perf_lost_rec *)ev)->lost,
					  memory_order_relaxed);
	return LIBBPF_PERF_EVENT_CONT;
}

/* ---- set-up ---- */

struct consumer *consumer_new(const struct consumer_opts *o)
{
	struct consumer *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->o = *o;
	c->epfd = -1;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

/* A map's memlock, 0 when the kernel does not say. */
static uint64_t memlock(int map_fd)
{
	long long v = map_memlock_bytes(map_fd);

	return v > 0 ? (uint64_t)v : 0;
}

int consumer_add_ringbuf(struct consumer *c, int map_fd)
{
	int err;

	if (!c)
		return -EINVAL;
	if (c->running)
		return -EBUSY;
	if (!c->rb) {
		c->rb = ring_buffer__new(map_fd, on_rb_event, c, NULL);
		err = c->rb ? 0 : (errno ? -errno : -EINVAL);
	} else {
		err = ring_buffer__add(c->rb, map_fd, on_rb_event, c);
	}
	if (!err)
		c->kernel_bytes += memlock(map_fd);
	return err;
}

int consumer_add_perfbuf(struct consumer *c, int map_fd, size_t pages)
{
	struct perf_buffer *pb;

	if (!c)
		return -EINVAL;
	if (c->running)
		return -EBUSY;
	if (c->npb == CONSUMER_MAX_PERFBUFS)
		return -ENOSPC;
	if (c->o.mode == CONSUMER_BATCH && c->o.batch > 1) {
		/* wake the reader every batch samples, not on each */
		struct perf_event_attr attr = {
			.type = PERF_TYPE_SOFTWARE,
			.config = PERF_COUNT_SW_BPF_OUTPUT,
			.sample_type = PERF_SAMPLE_RAW,
			.sample_period = 1,
			.wakeup_events = c->o.batch,
		};
		pb = perf_buffer__new_raw(map_fd, pages, &attr, on_pb_raw, c, NULL);
	} else {
		pb = perf_buffer__new(map_fd, pages, on_pb_sample, on_pb_lost, c, NULL);
	}
	if (!pb)
		return errno ? -errno : -EINVAL;
	c->pb[c->npb++] = pb;
	c->kernel_bytes += memlock(map_fd) + perf_buffer__buffer_cnt(pb) * (pages + 1) *
					     (uint64_t)sysconf(_SC_PAGESIZE);
	return 0;
}

uint64_t consumer_kernel_bytes(const struct consumer *c)
{
	return c ? c->kernel_bytes : 0;
}

int consumer_nr_perfbufs(const struct consumer *c)
{
	return c ? c->npb : 0;
}

/* ---- reading ---- */

void consumer_drain(struct consumer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->rb)
		ring_buffer__consume(c->rb);
	for (int i = 0; i < c->npb; i++)
		perf_buffer__consume(c->pb[i]);
	pthread_mutex_unlock(&c->lock);
}

static void *consumer_main(void *arg)
{
	struct consumer *c = arg;
	struct pollfd pfd;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals go to the main thread */
	/* A thread's first malloc maps a new glibc arena and trims it with
	 * munmap: had libbpf's perf reader done it (a record that wraps the
	 * ring) while attached, a munmap probe would count two extra events.
	 * Create the arena now, before anything is attached. */
	{
		void *volatile m = malloc(64); /* volatile: the pair must not be optimized out */

		free(m);
	}
	if (c->o.cpu >= 0)
		pin_to_cpu(c->o.cpu);
	sem_post(&c->ready);
	pfd.fd = c->epfd >= 0 ? c->epfd : c->rb ? ring_buffer__epoll_fd(c->rb) :
		 perf_buffer__epoll_fd(c->pb[0]);
	pfd.events = POLLIN; /* an epoll fd is readable when its buffers have data */
	while (!atomic_load(&c->stop)) {
		if (c->o.mode == CONSUMER_BATCH && c->rb) {
			/* no wake-ups: poll the ring on a timer */
			consumer_drain(c);
			usleep(CONSUMER_POLL_US);
			continue;
		}
		/* Wait outside the lock, then drain under it: holding it
		 * through a blocking poll starved the main thread's drain of
		 * the lock for seconds. */
		if (poll(&pfd, 1, 50) > 0)
			atomic_fetch_add_explicit(&c->wakeups, 1, memory_order_relaxed);
		consumer_drain(c);
	}
	return NULL;
}

/* One epoll fd over every source, when there is more than one. */
static int open_epoll(struct consumer *c)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if ((c->rb ? 1 : 0) + c->npb < 2)
		return 0;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0)
		return -errno;
	if (c->rb && epoll_ctl(c->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(c->rb), &ev))
		return -errno;
	for (int i = 0; i < c->npb; i++)
		if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, perf_buffer__epoll_fd(c->pb[i]), &ev))
			return -errno;
	return 0;
}

int consumer_start(struct consumer *c)
{
	int err;

	if (!c || c->running || (!c->rb && !c->npb) || c->o.mode == CONSUMER_NONE)
		return 0; /* NONE: buffers exist (perf needs them opened), nobody reads */
	if ((err = open_epoll(c)))
		return err;
	if (sem_init(&c->ready, 0, 0))
		return -errno;
	atomic_store(&c->stop, 0);
	err = pthread_create(&c->thread, NULL, consumer_main, c);
	if (err) {
		sem_destroy(&c->ready);
		return -err;
	}
	c->running = true;
	while (sem_wait(&c->ready) && errno == EINTR)
		;
	sem_destroy(&c->ready);
	return 0;
}

bool consumer_running(const struct consumer *c)
{
	return c && c->running;
}

void consumer_catch_up(struct consumer *c, uint64_t want, int tries)
{
	uint64_t prev = UINT64_MAX;

	if (!c || (!c->rb && !c->npb))
		return;
	for (int i = 0; i < tries; i++) {
		if (!c->running)
			consumer_drain(c);
		uint64_t got = atomic_load(&c->consumed);
		if (got >= want || (got == prev && i > 20 && !c->running))
			break;
		prev = got;
		if (c->running && i > 50)
			consumer_drain(c);
		usleep(2000);
	}
}

void consumer_settle(struct consumer *c)
{
	uint64_t prev = UINT64_MAX;

	for (int i = 0; c && (c->rb || c->npb) && i < 100; i++) {
		uint64_t got = atomic_load(&c->consumed);
		if (got == prev && i > 3)
			break;
		prev = got;
		usleep(5000);
	}
}

uint64_t consumer_consumed(const struct consumer *c)
{
	return c ? atomic_load(&c->consumed) : 0;
}

uint64_t consumer_lost(const struct consumer *c)
{
	return c ? atomic_load(&c->lost) : 0;
}

void consumer_reset_counts(struct consumer *c)
{
	if (!c)
		return;
	atomic_store(&c->consumed, 0);
	atomic_store(&c->lost, 0);
}

uint64_t consumer_cpu_ns(const struct consumer *c)
{
	clockid_t cid;
	struct timespec ts;

	if (!c || !c->running || pthread_getcpuclockid(c->thread, &cid) ||
	    clock_gettime(cid, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t consumer_wakeups(const struct consumer *c)
{
	return c ? atomic_load(&c->wakeups) : 0;
}

void consumer_stop(struct consumer *c)
{
	if (!c || !c->running)
		return;
	atomic_store(&c->stop, 1);
	pthread_join(c->thread, NULL);
	c->running = false;
}

void consumer_free(struct consumer *c)
{
	if (!c)
		return;
	consumer_stop(c);
	ring_buffer__free(c->rb);
	for (int i = 0; i < c->npb; i++)
		perf_buffer__free(c->pb[i]);
	if (c->epfd >= 0)
		close(c->epfd);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
