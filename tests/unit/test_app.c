// SPDX-License-Identifier: GPL-2.0
/* bpfcost app: the parsers of the load generators' output
 * (app_scenarios.c), on outputs copied from real runs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd/app_scenarios.h"

static char path[64];

static const char *write_tmp(const char *text)
{
	int fd;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/bpfcost-unit-app.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_redis_csv(void **state)
{
	struct app_run r;
	(void)state;

	write_tmp("\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\","
		  "\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n"
		  "\"SET\",\"100000.00\",\"5.580\",\"0.264\",\"3.551\",\"12.495\",\"23.023\",\"79.231\"\n"
		  "\"GET\",\"200000.00\",\"2.800\",\"0.136\",\"2.511\",\"6.151\",\"7.143\",\"8.087\"\n");
	assert_int_equal(app_parse_redis_csv(path, 100000, &r), 0);
	unlink(path);
	/* 100k at 100k/s + 100k at 200k/s = 1.5 s for 200k requests */
	assert_float_equal(r.ops, 200000, 1e-9);
	assert_float_equal(r.seconds, 1.5, 1e-9);
	assert_float_equal(r.throughput, 200000 / 1.5, 1e-6);
	/* the worse of the two tests */
	assert_float_equal(r.p50_ms, 3.551, 1e-9);
	assert_float_equal(r.p99_ms, 23.023, 1e-9);
	assert_true(isnan(r.p999_ms));
}

static void test_redis_csv_empty(void **state)
{
	struct app_run r;
	(void)state;

	write_tmp("ERR connection refused\n");
	assert_int_equal(app_parse_redis_csv(path, 1000, &r), -1);
	unlink(path);
	assert_int_equal(app_parse_redis_csv("/nonexistent/x", 1000, &r), -1);
}

static void test_redis_info(void **state)
{
	uint64_t ops = 0;
	(void)state;

	assert_int_equal(app_parse_redis_info("$120\r\n# Stats\r\ntotal_connections_received:52\r\n"
					      "total_commands_processed:12345678901\r\n"
					      "instantaneous_ops_per_sec:300000\r\n\r\n", &ops), 0);
	assert_true(ops == 12345678901ULL);
	/* an error reply, a reply without the field */
	assert_int_equal(app_parse_redis_info("-ERR unknown command\r\n", &ops), -1);
	assert_int_equal(app_parse_redis_info("$10\r\n# Stats\r\n\r\n", &ops), -1);
	assert_int_equal(app_parse_redis_info("$30\r\ntotal_commands_processed:x\r\n", &ops), -1);
}

static void test_pgbench(void **state)
{
	struct app_run r;
	(void)state;

	write_tmp("pgbench (15.18 (Debian 15.18-0+deb12u1))\n"
		  "transaction type: <builtin: TPC-B (sort of)>\n"
		  "scaling factor: 10\nquery mode: simple\nnumber of clients: 8\n"
		  "number of threads: 2\nmaximum number of tries: 1\nduration: 2 s\n"
		  "number of transactions actually processed: 4742\n"
		  "number of failed transactions: 0 (0.000%)\n"
		  "latency average = 3.370 ms\ninitial connection time = 12.310 ms\n"
		  "tps = 2371.000000 (without initial connection time)\n");
	assert_int_equal(app_parse_pgbench(path, &r), 0);
	unlink(path);
	assert_float_equal(r.ops, 4742, 1e-9);
	assert_float_equal(r.throughput, 2371, 1e-9);
	assert_float_equal(r.seconds, 2, 1e-9);

	write_tmp("pgbench: error: connection to server failed\n");
	assert_int_equal(app_parse_pgbench(path, &r), -1);
	unlink(path);
}

static void test_script_json(void **state)
{
	struct app_run r;
	(void)state;

	write_tmp("(node:1) warning: something\n"
		  "{\"ops\":805,\"seconds\":2.0,\"p50_ms\":0.42,\"p99_ms\":40.05,\"p999_ms\":57.11}\n");
	assert_int_equal(app_parse_script_json(path, &r), 0);
	unlink(path);
	assert_float_equal(r.throughput, 402.5, 1e-9);
	assert_float_equal(r.p999_ms, 57.11, 1e-9);

	write_tmp("{\"ops\": 0, \"seconds\": 1.0}\n");
	assert_int_equal(app_parse_script_json(path, &r), -1);
	unlink(path);
	write_tmp("Traceback (most recent call last):\n");
	assert_int_equal(app_parse_script_json(path, &r), -1);
	unlink(path);
}

/* pgbench -l lines: completion time (epoch s, us) back on the monotonic
 * clock by the shift given, latency in ns; a file's latest end returned. */
static void test_pgbench_log(void **state)
{
	struct app_oplog log = { 0 };
	(void)state;

	write_tmp("0 1 2500 0 1700000000 500000\n"
		  "1 1 1000 0 1700000000 250000\n"
		  "garbage\n"
		  "2 1 skipped 0 1700000001 0\n");
	/* shift: realtime - monotonic = 1699999000 s */
	assert_true(app_parse_pgbench_log(path, 1699999000LL * 1000000000LL, &log) ==
		    1000500000000ULL);
	unlink(path);
	assert_int_equal(log.n, 2);
	app_oplog_sort(&log);
	assert_true(log.end_ns[0] == 1000250000000ULL && log.dur_ns[0] == 1000000ULL);
	assert_true(log.end_ns[1] == 1000500000000ULL && log.dur_ns[1] == 2500000ULL);
	app_oplog_free(&log);
	assert_true(app_parse_pgbench_log("/nonexistent/x", 0, &log) == 0);
}

/* The scripts' iteration lines; a last line the kill cut short is left out. */
static void test_iter_log(void **state)
{
	struct app_oplog log = { 0 };
	(void)state;

	write_tmp("5000 2000\n7000 2000\n9000 20");
	assert_true(app_parse_iter_log(path, &log) == 7000);
	unlink(path);
	assert_int_equal(log.n, 2);
	assert_true(log.end_ns[1] == 7000 && log.dur_ns[1] == 2000);
	app_oplog_free(&log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redis_csv),
		cmocka_unit_test(test_redis_csv_empty),
		cmocka_unit_test(test_redis_info),
		cmocka_unit_test(test_pgbench),
		cmocka_unit_test(test_script_json),
		cmocka_unit_test(test_pgbench_log),
		cmocka_unit_test(test_iter_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
