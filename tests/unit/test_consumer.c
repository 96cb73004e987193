// SPDX-License-Identifier: GPL-2.0
/* The ring/perf buffer consumer (consumer.c): sizes, NULL and empty
 * consumers without the kernel; then, where BPF maps can be made (root),
 * exact counts through the reader thread, the main thread's drain (mode
 * none), timed polling (batch), a raw perf reader and several buffers in
 * one epoll. Records come from a socket filter run by BPF_PROG_TEST_RUN
 * (repeat = N: N records), so no probe has to be attached. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <unistd.h>

#include "core/consumer.h"

static void test_perf_pages(void **state)
{
	assert_int_equal(consumer_perf_pages(0), 1);
	assert_int_equal(consumer_perf_pages(1), 1);
	assert_int_equal(consumer_perf_pages(4096), 1);
	assert_int_equal(consumer_perf_pages(4097), 2);
	assert_int_equal(consumer_perf_pages(256 * 1024), 64);
	assert_int_equal(consumer_perf_pages(256 * 1024 + 1), 128);
}

static void test_null(void **state)
{
	assert_int_equal(consumer_start(NULL), 0);
	assert_false(consumer_running(NULL));
	consumer_drain(NULL);
	consumer_catch_up(NULL, 10, 10);
	consumer_settle(NULL);
	consumer_reset_counts(NULL);
	assert_int_equal(consumer_consumed(NULL), 0);
	assert_int_equal(consumer_lost(NULL), 0);
	assert_int_equal(consumer_cpu_ns(NULL), 0);
	assert_int_equal(consumer_nr_perfbufs(NULL), 0);
	assert_true(consumer_add_ringbuf(NULL, 0) < 0);
	consumer_stop(NULL);
	consumer_free(NULL);
}

static void test_no_buffers(void **state)
{
	struct consumer_opts o = { .cpu = -1, .mode = CONSUMER_EVENT };
	struct consumer *c = consumer_new(&o);

	assert_non_null(c);
	assert_int_equal(consumer_start(c), 0); /* nothing to read: no thread */
	assert_false(consumer_running(c));
	assert_int_equal(consumer_cpu_ns(c), 0);
	consumer_catch_up(c, 5, 1000); /* returns at once */
	consumer_settle(c);
	assert_int_equal(consumer_consumed(c), 0);
	consumer_free(c);
}

static void test_bad_map(void **state)
{
	struct consumer_opts o = { .cpu = -1, .mode = CONSUMER_EVENT };
	struct consumer *c = consumer_new(&o);

	assert_non_null(c);
	assert_true(consumer_add_ringbuf(c, -1) < 0);
	assert_true(consumer_add_perfbuf(c, -1, 1) < 0);
	assert_int_equal(consumer_nr_perfbufs(c), 0);
	assert_int_equal(consumer_start(c), 0);
	assert_false(consumer_running(c));
	consumer_free(c);
}

/* ---- with the kernel ---- */

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
						.off = (o), .imm = (i) })

/* A socket filter that writes one 8-byte record to map_fd per run. */
static int output_prog(int map_fd, bool perf)
{
	struct bpf_insn ring[] = {
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0),
		INSN(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map_fd), INSN(0, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -8),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 8),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_output),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	struct bpf_insn pe[] = { /* r1 is the skb */
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0),
		INSN(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_MAP_FD, 0, map_fd), INSN(0, 0, 0, 0, 0),
		INSN(BPF_ALU | BPF_MOV | BPF_K, 3, 0, 0, -1), /* BPF_F_CURRENT_CPU, zero-extended */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 4, 10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, -8),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 5, 0, 0, 8),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_perf_event_output),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	return perf ? bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", pe, sizeof(pe) / sizeof(pe[0]), NULL) :
		      bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", ring, sizeof(ring) / sizeof(ring[0]), NULL);
}

static int fire(int prog_fd, int n)
{
	char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt), .repeat = n);

	return bpf_prog_test_run_opts(prog_fd, &o);
}

struct src {
	int map_fd, prog_fd;
	bool perf;
};

/* A map and its program; false (and the test skips) where BPF is refused. */
static bool src_open(struct src *s, bool perf)
{
	s->perf = perf;
	s->prog_fd = -1;
	s->map_fd = perf ? bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, NULL, 4, 4,
					  libbpf_num_possible_cpus(), NULL) :
			   bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, 256 * 1024, NULL);
	if (s->map_fd < 0)
		return false;
	s->prog_fd = output_prog(s->map_fd, perf);
	if (s->prog_fd < 0) {
		close(s->map_fd);
		return false;
	}
	return true;
}

static void src_close(struct src *s)
{
	close(s->prog_fd);
	close(s->map_fd);
}

static int src_add(struct consumer *c, struct src *s)
{
	return s->perf ? consumer_add_perfbuf(c, s->map_fd, 64) : consumer_add_ringbuf(c, s->map_fd);
}

/* n records through one source in the given mode; every one is counted. */
static void one_source(bool perf, enum consumer_mode mode, uint32_t batch)
{
	struct consumer_opts o = { .cpu = -1, .mode = mode, .batch = batch };
	struct consumer *c;
	struct src s;
	const int n = 1000;

	if (!src_open(&s, perf))
		skip(); /* no BPF here (not root?) */
	c = consumer_new(&o);
	assert_non_null(c);
	assert_int_equal(src_add(c, &s), 0);
	assert_int_equal(consumer_start(c), 0);
	assert_int_equal(consumer_running(c), mode != CONSUMER_NONE);
	assert_int_equal(fire(s.prog_fd, n), 0);
	if (mode == CONSUMER_NONE)
		assert_int_equal(consumer_consumed(c), 0); /* nobody read yet */
	consumer_catch_up(c, n, 500);
	assert_int_equal(consumer_consumed(c), n);
	assert_int_equal(consumer_lost(c), 0);
	consumer_reset_counts(c);
	assert_int_equal(consumer_consumed(c), 0);
	assert_int_equal(fire(s.prog_fd, n), 0);
	consumer_catch_up(c, n, 500);
	assert_int_equal(consumer_consumed(c), n);
	consumer_free(c);
	src_close(&s);
}

static void test_ringbuf_event(void **state) { one_source(false, CONSUMER_EVENT, 0); }
static void test_ringbuf_batch(void **state) { one_source(false, CONSUMER_BATCH, 64); }
static void test_ringbuf_none(void **state) { one_source(false, CONSUMER_NONE, 0); }
static void test_perfbuf_event(void **state) { one_source(true, CONSUMER_EVENT, 0); }
static void test_perfbuf_batch(void **state) { one_source(true, CONSUMER_BATCH, 8); }
static void test_perfbuf_none(void **state) { one_source(true, CONSUMER_NONE, 0); }

/* Two ring buffers and two perf buffers, one reader (userobj's case). */
static void test_several(void **state)
{
	struct consumer_opts o = { .cpu = 0, .mode = CONSUMER_EVENT };
	struct consumer *c;
	struct src s[4];
	int i;

	for (i = 0; i < 4; i++)
		if (!src_open(&s[i], i >= 2)) {
			while (i--)
				src_close(&s[i]);
			skip();
		}
	c = consumer_new(&o);
	assert_non_null(c);
	for (i = 0; i < 4; i++)
		assert_int_equal(src_add(c, &s[i]), 0);
	assert_int_equal(consumer_nr_perfbufs(c), 2);
	assert_int_equal(consumer_start(c), 0);
	assert_true(consumer_running(c));
	for (i = 0; i < 4; i++)
		assert_int_equal(fire(s[i].prog_fd, 100 * (i + 1)), 0);
	consumer_catch_up(c, 1000, 500);
	assert_int_equal(consumer_consumed(c), 1000);
	consumer_settle(c);
	assert_int_equal(consumer_consumed(c), 1000);
	assert_int_equal(consumer_add_ringbuf(c, s[0].map_fd), -EBUSY); /* started */
	consumer_stop(c);
	assert_false(consumer_running(c));
	assert_int_equal(fire(s[0].prog_fd, 10), 0);
	consumer_drain(c); /* buffers stay after the thread stopped */
	assert_int_equal(consumer_consumed(c), 1010);
	consumer_free(c);
	for (i = 0; i < 4; i++)
		src_close(&s[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_pages),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_no_buffers),
		cmocka_unit_test(test_bad_map),
		cmocka_unit_test(test_ringbuf_event),
		cmocka_unit_test(test_ringbuf_batch),
		cmocka_unit_test(test_ringbuf_none),
		cmocka_unit_test(test_perfbuf_event),
		cmocka_unit_test(test_perfbuf_batch),
		cmocka_unit_test(test_perfbuf_none),
		cmocka_unit_test(test_several),
	};

	libbpf_set_print(NULL); /* the bad-map case makes libbpf complain */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
