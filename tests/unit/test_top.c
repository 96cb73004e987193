// SPDX-License-Identifier: GPL-2.0
/* Unit tests for top's shared view logic: sorting, filtering, the short
 * type names, holders, and the exporter's address parsing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "top/view.h"
#include "top/prom.h"

static struct top_prog progs[4];
static struct top_prog *ptrs[4];
static struct top_state st;

static void setup_progs(void)
{
	static const struct { unsigned id; const char *type, *name, *comm; double cpu, ev; } d[] = {
		{ 10, "tracepoint", "beta", "agent", 2.0, 100 },
		{ 11, "kprobe", "alpha", "collector", NAN, NAN }, /* new: no interval yet */
		{ 12, "xdp", "gamma", "agent", 5.0, 10 },
		{ 13, "raw_tracepoint", "", "", 0.5, 1000 },
	};

	memset(progs, 0, sizeof(progs));
	for (int i = 0; i < 4; i++) {
		progs[i].id = d[i].id;
		strcpy(progs[i].type_str, d[i].type);
		strcpy(progs[i].name, d[i].name);
		progs[i].cpu_core_pct = d[i].cpu;
		progs[i].events_per_s = d[i].ev;
		if (d[i].comm[0]) {
			progs[i].nholders = 1;
			progs[i].holders[0].pid = 100 + i;
			strcpy(progs[i].holders[0].comm, d[i].comm);
		}
		ptrs[i] = &progs[i];
	}
	memset(&st, 0, sizeof(st));
	st.progs = ptrs;
	st.nprogs = 4;
}

static void test_sort_cpu_nan_last(void **state)
{
	struct top_view_opts o = { .sort = TOP_COL_CPU };
	struct top_prog *v[4];

	setup_progs();
	assert_int_equal(top_view(&st, &o, v), 4);
	assert_int_equal(v[0]->id, 12);
	assert_int_equal(v[1]->id, 10);
	assert_int_equal(v[2]->id, 13);
	assert_int_equal(v[3]->id, 11); /* NaN sorts below every number */
}

static void test_sort_name_and_reverse(void **state)
{
	struct top_view_opts o = { .sort = TOP_COL_NAME };
	struct top_prog *v[4];

	setup_progs();
	top_view(&st, &o, v);
	assert_int_equal(v[0]->id, 13); /* unnamed first (empty string) */
	assert_int_equal(v[1]->id, 11);
	o.sort_reverse = true;
	top_view(&st, &o, v);
	assert_int_equal(v[0]->id, 12);
}

static void test_filter(void **state)
{
	struct top_view_opts o = { .sort = TOP_COL_ID };
	struct top_prog *v[4];

	setup_progs();
	strcpy(o.filter, "AGENT"); /* comm, case-insensitive */
	assert_int_equal(top_view(&st, &o, v), 2);
	assert_int_equal(v[0]->id, 10);
	assert_int_equal(v[1]->id, 12);
	strcpy(o.filter, "raw_trace"); /* type */
	assert_int_equal(top_view(&st, &o, v), 1);
	assert_int_equal(v[0]->id, 13);
	strcpy(o.filter, "nothing-matches");
	assert_int_equal(top_view(&st, &o, v), 0);
}

static void test_short_type_and_holders(void **state)
{
	char buf[128];
	struct top_prog p = { .nholders = 2 };

	assert_string_equal(top_short_type("raw_tracepoint"), "raw_tp");
	assert_string_equal(top_short_type("tracepoint"), "tracepoint");
	p.holders[0].pid = 1;
	strcpy(p.holders[0].comm, "systemd");
	p.holders[1].pid = 42;
	strcpy(p.holders[1].comm, "agent");
	assert_string_equal(top_holders_str(&p, buf, sizeof(buf)), "1 systemd, 42 agent");
	p.holders_more = true;
	assert_string_equal(top_holders_str(&p, buf, sizeof(buf)), "1 systemd, 42 agent, ...");
}

static void test_fmt_count(void **state)
{
	char b[32];

	assert_string_equal(top_fmt_count(b, sizeof(b), 12345, 5), "12345");
	assert_string_equal(top_fmt_count(b, sizeof(b), 123456, 5), "123k");
	assert_string_equal(top_fmt_count(b, sizeof(b), 123456789, 5), "123M");
	assert_string_equal(top_fmt_count(b, sizeof(b), 0, 5), "0");
}

static void test_prom_addr(void **state)
{
	char h[64], p[16];

	assert_int_equal(top_prom_parse_addr("127.0.0.1:9464", h, sizeof(h), p, sizeof(p)), 0);
	assert_string_equal(h, "127.0.0.1");
	assert_string_equal(p, "9464");
	assert_int_equal(top_prom_parse_addr(":8080", h, sizeof(h), p, sizeof(p)), 0);
	assert_string_equal(h, "127.0.0.1");
	assert_string_equal(p, "8080");
	assert_int_equal(top_prom_parse_addr("9000", h, sizeof(h), p, sizeof(p)), 0);
	assert_string_equal(h, "127.0.0.1");
	assert_string_equal(p, "9000");
	assert_int_equal(top_prom_parse_addr("[::1]:9100", h, sizeof(h), p, sizeof(p)), 0);
	assert_string_equal(h, "::1");
	assert_string_equal(p, "9100");
	assert_int_equal(top_prom_parse_addr("0.0.0.0", h, sizeof(h), p, sizeof(p)), 0);
	assert_string_equal(h, "0.0.0.0");
	assert_string_equal(p, "9464");
	assert_int_equal(top_prom_parse_addr("host:port", h, sizeof(h), p, sizeof(p)), -1);
	assert_int_equal(top_prom_parse_addr("h:70000", h, sizeof(h), p, sizeof(p)), -1);
	assert_int_equal(top_prom_parse_addr("[::1", h, sizeof(h), p, sizeof(p)), -1);
	assert_int_equal(top_prom_parse_addr("", h, sizeof(h), p, sizeof(p)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort_cpu_nan_last),
		cmocka_unit_test(test_sort_name_and_reverse),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_short_type_and_holders),
		cmocka_unit_test(test_fmt_count),
		cmocka_unit_test(test_prom_addr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
