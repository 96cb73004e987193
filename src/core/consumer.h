/* SPDX-License-Identifier: GPL-2.0 */
/* The reader of BPF ring buffers and perf buffers: one thread (pinned if
 * asked) drains every buffer added to it and counts the records it read
 * and the perf lost-sample records; the main thread can drain as well
 * (under the same lock) and wait for the reader to catch up before it
 * counts. probe.c, lab.c and userobj.c (bench --obj) all read through it.
 *
 *   c = consumer_new(&opts);
 *   consumer_add_ringbuf(c, map_fd); consumer_add_perfbuf(c, map_fd, pages);
 *   consumer_start(c);                    before anything is attached
 *   ... attach, run, detach ...
 *   consumer_catch_up(c, produced, tries); consumer_consumed(c)
 *   consumer_free(c);
 *
 * Every function accepts NULL (no consumer: nothing to read, counts 0). */
#ifndef BPFCOST_CONSUMER_H
#define BPFCOST_CONSUMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum consumer_mode {
	CONSUMER_EVENT,   /* wake the reader on every event (default) */
	CONSUMER_BATCH,   /* ringbuf: BPF_RB_NO_WAKEUP + periodic poll; perf: wakeup_events */
	CONSUMER_FORCE,   /* ringbuf: BPF_RB_FORCE_WAKEUP on every event */
	CONSUMER_NONE,    /* nobody reads: forces overflow */
};

/* CONSUMER_BATCH's ring buffer reader drains this often: short enough
 * that the events of one period at the highest rates fit well inside a
 * 256 KiB ring (sweep's default; bench's is 4 MiB, for readers the host
 * holds up; docs/sweep.md, docs/bench.md). */
#define CONSUMER_POLL_US 200

extern const char *const consumer_names[4]; /* wake, batch, force, none */

struct consumer_opts {
	int cpu;                 /* CPU of the reader thread; -1: unpinned */
	enum consumer_mode mode; /* BATCH and NONE change the reader; FORCE is
				  * the BPF side's flag (reads like EVENT) */
	uint32_t batch;          /* BATCH, perf: wakeup_events (raw reader when > 1) */
};

/* A perf buffer's size in pages for bytes per CPU: a power of two, at
 * least one page. */
size_t consumer_perf_pages(size_t bytes);

struct consumer;

struct consumer *consumer_new(const struct consumer_opts *o); /* NULL: out of memory */
/* Add a BPF_MAP_TYPE_RINGBUF map (several go into one ring_buffer) or a
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY map; before consumer_start. 0 or -errno
 * (-ENOSPC past CONSUMER_MAX_PERFBUFS perf buffers). */
#define CONSUMER_MAX_PERFBUFS 8
int consumer_add_ringbuf(struct consumer *c, int map_fd);
int consumer_add_perfbuf(struct consumer *c, int map_fd, size_t pages);
int consumer_nr_perfbufs(const struct consumer *c);
/* Start the reader thread: none in mode NONE or without buffers. Returns
 * once the thread has made its first allocation (so a new glibc arena's
 * munmap comes before anything is attached) and pinned itself. 0 or -errno. */
int consumer_start(struct consumer *c);
bool consumer_running(const struct consumer *c);
/* Read what is in the buffers now, from the calling thread. */
void consumer_drain(struct consumer *c);
/* Wait (2 ms steps, at most tries) until want records were read. Without
 * a thread, drain here and stop once nothing more arrives; with one, help
 * it drain after 100 ms. */
void consumer_catch_up(struct consumer *c, uint64_t want, int tries);
/* Wait (5 ms steps, at most 0.5 s) until the count stops moving: for
 * buffers whose record count is not known in advance. */
void consumer_settle(struct consumer *c);
uint64_t consumer_consumed(const struct consumer *c);
uint64_t consumer_lost(const struct consumer *c); /* perf lost-sample records */
void consumer_reset_counts(struct consumer *c);
/* Kernel memory behind the buffers added: each ring buffer map's memlock
 * (fdinfo), each perf event array's memlock plus its per-CPU perf rings
 * ((pages + 1) pages each: the data and the header page). 0: none. */
uint64_t consumer_kernel_bytes(const struct consumer *c);
/* CPU time the reader thread has used, ns; 0 when there is none. */
uint64_t consumer_cpu_ns(const struct consumer *c);
/* Times the reader thread was woken with records to read (its poll
 * returned ready); the batch ring reader, which polls on a timer, has
 * none. Not reset by consumer_reset_counts: take differences. */
uint64_t consumer_wakeups(const struct consumer *c);
void consumer_stop(struct consumer *c); /* joins the thread; buffers stay */
void consumer_free(struct consumer *c); /* stops, frees the buffers */

#endif
