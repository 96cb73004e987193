// SPDX-License-Identifier: GPL-2.0
/* Unit tests for top's shared view logic: sorting, filtering, the short
 * type names, holders, the exporter's address parsing; and the full cost:
 * which hook a program's attach points name, the dispatch applied to it
 * and the host total, a bench result read as a calibration. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "top/dispatch.h"
#include "top/view.h"
#include "top/prom.h"
#include "base/util.h"

#include <bpf/bpf.h>

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

static void test_prog_hook(void **state)
{
	static const struct { const char *attach; unsigned type; int hook; const char *note; } c[] = {
		{ "uprobe:/bin/x+0x10", BPF_PROG_TYPE_KPROBE, HOOK_UPROBE, "" },
		{ "uretprobe:/bin/x+0x10", BPF_PROG_TYPE_KPROBE, HOOK_URETPROBE, "" },
		{ "tp:sys_enter_getpid,tp:sys_enter_read", BPF_PROG_TYPE_TRACEPOINT, HOOK_TP, "" },
		{ "raw_tp:sys_enter", BPF_PROG_TYPE_RAW_TRACEPOINT, HOOK_RAWTP, "" },
		{ "tp_btf:sched_switch", BPF_PROG_TYPE_TRACING, HOOK_TP_BTF, "" },
		{ "uprobe_multi:/bin/x (3)", BPF_PROG_TYPE_KPROBE, HOOK_UPROBE, "" },
		{ "", BPF_PROG_TYPE_TRACEPOINT, HOOK_TP, "" },
		{ "", BPF_PROG_TYPE_RAW_TRACEPOINT, HOOK_RAWTP, "" },
		{ "", BPF_PROG_TYPE_KPROBE, -1, "attach point not seen" },
		{ "xdp:eth0", BPF_PROG_TYPE_XDP, -1, "no calibration for xdp hooks" },
		{ "cgroup 12:cgroup_inet_ingress", BPF_PROG_TYPE_CGROUP_SKB, -1,
		  "no calibration for cgroup hooks" },
		{ "kprobe_multi:3 fns", BPF_PROG_TYPE_KPROBE, -1, "no calibration for kprobe_multi hooks" },
		{ "tp:sys_enter_read,uprobe:/b+0x1", BPF_PROG_TYPE_KPROBE, -1,
		  "attached to hooks of several kinds" },
	};
	struct top_prog p;
	char note[64];

	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		memset(&p, 0, sizeof(p));
		strcpy(p.attach, c[i].attach);
		p.type = c[i].type;
		assert_int_equal(top_prog_hook(&p, note, sizeof(note)), c[i].hook);
		assert_string_equal(note, c[i].note);
	}
}

static void test_apply_full_cost_and_host(void **state)
{
	struct top_dispatch d;
	struct top_prog a, b, *v[2] = { &a, &b };
	struct top_state s = { .progs = v, .nprogs = 2, .ncpus = 2, .interval_s = 1.0, .samples = 2 };

	top_dispatch_init(&d);
	d.state = DISP_READY;
	d.source = "cache";
	d.hook[HOOK_UPROBE].status = DS_OK;
	d.hook[HOOK_UPROBE].dispatch_ns = 8000;
	d.hook[HOOK_UPROBE].lo_ns = 7900;
	d.hook[HOOK_UPROBE].hi_ns = 8100;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	/* a uprobe: 2000 runs of 100 ns in 1 s */
	strcpy(a.attach, "uprobe:/bin/x+0x10");
	a.have_interval = true;
	a.d_run_cnt = 2000;
	a.d_run_time_ns = 200000;
	a.avg_ns = a.avg_ns_total = 100;
	a.cpu_core_pct = 0.02;
	/* an XDP program: no estimate, counted by its body in the total */
	strcpy(b.attach, "xdp:eth0");
	b.type = BPF_PROG_TYPE_XDP;
	b.have_interval = true;
	b.d_run_cnt = 1000;
	b.d_run_time_ns = 50000;
	b.avg_ns = 50;
	b.cpu_core_pct = 0.005;
	top_dispatch_apply(&d, &s);
	assert_string_equal(a.hook, "uprobe");
	assert_true(fabs(a.dispatch_ns - 8000) < 1e-9);
	assert_true(fabs(a.full_ns - 8100) < 1e-9);
	assert_true(fabs(a.full_core_pct - 1.62) < 1e-9);
	assert_true(fabs(a.full_host_pct - 0.81) < 1e-9);
	assert_null(b.hook);
	assert_true(isnan(b.dispatch_ns) && isnan(b.full_ns) && isnan(b.full_core_pct));
	assert_string_equal(b.dispatch_note, "no calibration for xdp hooks");
	assert_int_equal(s.host.programs, 2);
	assert_int_equal(s.host.running, 2);
	assert_int_equal(s.host.unestimated, 1);
	assert_true(fabs(s.host.events_per_s - 3000) < 1e-9);
	assert_true(fabs(s.host.cpu_core_pct - 0.025) < 1e-9);
	assert_true(fabs(s.host.full_core_pct - 1.625) < 1e-9);
	/* while the calibration runs: the hook is known, its cost not yet */
	d.state = DISP_CALIBRATING;
	top_dispatch_apply(&d, &s);
	assert_true(isnan(a.dispatch_ns));
	assert_string_equal(a.dispatch_note, "uprobe: calibrating");
}

static void test_read_bench_file(void **state)
{
	struct top_dispatch d;
	struct top_stats s = { .cost_ns = 60, .cost_lo_ns = 55, .cost_hi_ns = 66 };

	top_dispatch_init(&d);
	assert_int_equal(top_dispatch_read_bench(&d, "tests/data/lab.json"), EXIT_USAGE);
	top_dispatch_init(&d);
	assert_int_equal(top_dispatch_read_bench(&d, "tests/data/bench-green.json"), 0);
	top_dispatch_start(&d, false, false, &s);
	assert_int_equal(d.state, DISP_READY);
	assert_string_equal(d.source, "file");
	/* getpid tp/empty there: overhead 55.1 [53.9, 56.3], prog_avg 8.2, the
	 * trials with stats off: + the stats' cost measured here */
	assert_int_equal(d.hook[HOOK_TP].status, DS_OK);
	assert_true(fabs(d.hook[HOOK_TP].dispatch_ns - (55.1 - 8.2 + 60)) < 1e-6);
	assert_true(fabs(d.hook[HOOK_TP].lo_ns - (53.9 - 8.2 + 55)) < 1e-6);
	assert_int_equal(d.hook[HOOK_KPROBE].status, DS_UNSUPPORTED);
	assert_int_equal(d.hook[HOOK_UPROBE].status, DS_NONE);
	top_dispatch_stop(&d);
}

static void test_cache_dir(void **state)
{
	char buf[256];

	(void)state;
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	setenv("CACHE_DIRECTORY", "/var/cache/bpfcost:/var/cache/other", 1);
	assert_string_equal(top_dispatch_cache_dir(buf, sizeof(buf)), "/var/cache/bpfcost");
	unsetenv("CACHE_DIRECTORY");
	assert_string_equal(top_dispatch_cache_dir(buf, sizeof(buf)), "/x/cache/bpfcost");
	unsetenv("XDG_CACHE_HOME");
}

/* What cannot be estimated is said: hooks by status, then the kinds bench
 * cannot trigger; a uprobe's dispatch in us. */
static void test_gaps_and_us(void **state)
{
	struct top_dispatch d;
	struct top_prog p;
	char buf[512];

	top_dispatch_init(&d);
	d.state = DISP_READY;
	d.source = "cache";
	for (int h = 1; h < NR_HOOKS; h++)
		d.hook[h].status = DS_OK;
	d.hook[HOOK_FENTRY].status = d.hook[HOOK_KPROBE].status = DS_UNSUPPORTED;
	d.hook[HOOK_TP_BTF].status = DS_UNRESOLVED;
	top_dispatch_gaps(&d, buf, sizeof(buf));
	assert_non_null(strstr(buf, "no dispatch estimate for fentry, kprobe (unsupported here); "
				    "tp_btf (unresolved); programs on xdp, "));
	assert_non_null(strstr(buf, "(no hook bench can trigger)"));
	d.state = DISP_CALIBRATING;
	top_dispatch_gaps(&d, buf, sizeof(buf));
	assert_null(strstr(buf, "fentry"));
	memset(&p, 0, sizeof(p));
	p.hook = "uprobe";
	p.dispatch_ns = 7800;
	p.dispatch_lo_ns = 7610;
	p.dispatch_hi_ns = 8020;
	assert_string_equal(top_dispatch_cell(&p, buf, sizeof(buf)),
			    "dispatch ~7.80 [7.61, 8.02] us uprobe");
	p.hook = "tp";
	p.dispatch_ns = 95;
	p.dispatch_lo_ns = p.dispatch_hi_ns = NAN;
	assert_string_equal(top_dispatch_cell(&p, buf, sizeof(buf)), "dispatch ~95 ns tp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort_cpu_nan_last),
		cmocka_unit_test(test_cache_dir),
		cmocka_unit_test(test_sort_name_and_reverse),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_short_type_and_holders),
		cmocka_unit_test(test_fmt_count),
		cmocka_unit_test(test_prom_addr),
		cmocka_unit_test(test_prog_hook),
		cmocka_unit_test(test_apply_full_cost_and_host),
		cmocka_unit_test(test_read_bench_file),
		cmocka_unit_test(test_gaps_and_us),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
