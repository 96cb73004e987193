// SPDX-License-Identifier: GPL-2.0
/* report's loader (report_load.c) and document renderers (report_doc.c). */
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

#include "report/doc.h"
#include "report/load.h"

static char *tmp_json(const char *text)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/bpfcost-ut-report.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static char *render(struct doc *d, bool html)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(html ? doc_write_html(d, f, "t") : doc_write_md(d, f), 0);
	fclose(f);
	return buf;
}

static void test_md_escaping(void **state)
{
	struct doc *d = doc_new();
	const char *hdr[] = { "a", "b" };
	const char *row[] = { "x|y", "<script>" };
	bool right[] = { false, true };
	char *md;

	(void)state;
	doc_h(d, 2, "Title");
	doc_p(d, "p99 < 1000 ns & more, <b>bold</b>");
	doc_table(d, 2, hdr, right);
	doc_row(d, row);
	doc_li(d, "one");
	doc_li(d, "two\nlines");
	md = render(d, false);
	assert_non_null(strstr(md, "## Title\n"));
	assert_non_null(strstr(md, "p99 < 1000 ns & more, &lt;b>bold&lt;/b>"));
	assert_non_null(strstr(md, "| x\\|y | &lt;script> |"));
	assert_non_null(strstr(md, "| --- | ---: |"));
	assert_non_null(strstr(md, "- one\n- two lines\n"));
	free(md);
	doc_free(d);
}

static void test_html_escaping(void **state)
{
	struct doc *d = doc_new();
	const char *hdr[] = { "h" };
	const char *row[] = { "<img src=x onerror=alert(1)>" };
	char *html;

	(void)state;
	doc_ps(d, DS_GREEN, "GREEN & \"ok\"");
	doc_table(d, 1, hdr, NULL);
	doc_row(d, row);
	doc_img(d, "r-\"x.svg", "alt<");
	html = render(d, true);
	assert_non_null(strstr(html, "<p class=\"green\">GREEN &amp; &quot;ok&quot;</p>"));
	assert_non_null(strstr(html, "<td>&lt;img src=x onerror=alert(1)&gt;</td>"));
	assert_non_null(strstr(html, "<img src=\"r-&quot;x.svg\" alt=\"alt&lt;\">"));
	assert_null(strstr(html, "<img src=x"));
	free(html);
	doc_free(d);
}

static void test_load_bench(void **state)
{
	struct rp_data d = { 0 };
	char err[256];
	char *p = tmp_json(
		"{\"schema\":\"bpfcost.bench/1\",\"extra\":1,\"env\":{\"hostname\":\"h\",\"kernel\":\"k\","
		"\"cpus_online\":2,\"emulated\":true},\"results\":[7,"
		"{\"workload\":\"getpid\",\"hook\":\"tp\",\"body\":\"empty\",\"status\":\"ok\","
		"\"overhead_ns\":55.1,\"overhead_ci95\":[53.9,56.3],\"base_p99_ns\":131,"
		"\"probe_p99_ns\":\"oops\",\"prog_avg_ns\":8.2},"
		"{\"workload\":\"getpid\",\"hook\":\"kprobe\",\"body\":\"empty\",\"status\":\"unsupported\","
		"\"reason\":\"no kprobes\",\"overhead_ns\":null},"
		"{\"workload\":\"getpid\",\"hook\":\"rawtp\",\"body\":\"hash\",\"status\":\"ok\","
		"\"overhead_ns\":40,\"overhead_ci95\":[39,41],\"prog_avg_ns\":70,\"body_ns\":15,"
		"\"body_ci95\":[14,16],\"dispatch_ns\":25,\"dispatch_ci95\":[23,27],\"split\":\"resolved\"},"
		"{\"workload\":\"getpid\",\"hook\":\"rawtp\",\"body\":\"empty\",\"status\":\"ok\","
		"\"overhead_ns\":30,\"overhead_ci95\":[29,31],\"prog_avg_ns\":60,\"body_ns\":null,"
		"\"dispatch_ns\":-5,\"split\":\"unresolved\",\"split_reason\":\"because\"}]}");

	(void)state;
	assert_int_equal(rp_load_file(&d, p, err, sizeof(err)), 0);
	assert_int_equal(d.n_files, 1);
	assert_int_equal(d.n_hosts, 1);
	assert_true(d.hosts[0].emulated);
	assert_float_equal(d.hosts[0].cpus, 2, 0);
	assert_string_equal(d.hosts[0].label, "h (k)");
	assert_int_equal(d.n_bench, 4); /* the 7 is skipped */
	assert_float_equal(d.bench[0].overhead_ns, 55.1, 1e-9);
	assert_float_equal(d.bench[0].ci_lo, 53.9, 1e-9);
	assert_true(isnan(d.bench[0].probe_p99)); /* a string is not a number */
	/* no split in the file (older bench): no dispatch made up from the
	 * program time, which included the stats' own cost */
	assert_true(isnan(d.bench[0].dispatch_ns));
	assert_null(d.bench[0].split);
	/* a resolved split is read with its intervals */
	assert_string_equal(d.bench[2].split, "resolved");
	assert_float_equal(d.bench[2].body_ns, 15, 1e-9);
	assert_float_equal(d.bench[2].body_lo, 14, 1e-9);
	assert_float_equal(d.bench[2].dispatch_ns, 25, 1e-9);
	assert_float_equal(d.bench[2].dispatch_hi, 27, 1e-9);
	/* an unresolved one gives no number, even where the file has one */
	assert_string_equal(d.bench[3].split, "unresolved");
	assert_string_equal(d.bench[3].split_reason, "because");
	assert_true(isnan(d.bench[3].dispatch_ns) && isnan(d.bench[3].body_ns));
	assert_string_equal(d.bench[1].reason, "no kprobes");
	assert_true(isnan(d.bench[1].overhead_ns));
	unlink(p);
	rp_free(&d);
}

static void test_load_sweep_app(void **state)
{
	struct rp_data d = { 0 };
	char err[256];
	char *p = tmp_json(
		"{\"schema\":\"bpfcost.sweep/1\",\"env\":{\"hostname\":\"h\",\"kernel\":\"k\"},"
		"\"points\":[{\"workload\":\"munmap\",\"hook\":\"tp\",\"body\":\"ringbuf\","
		"\"target_rate\":10000,\"produced\":1000,\"lost\":10}],"
		"\"knee\":{\"rate_per_s\":100000,\"ci95\":[90000,110000],\"cause\":\"loss\"}}");

	(void)state;
	assert_int_equal(rp_load_file(&d, p, err, sizeof(err)), 0);
	unlink(p);
	assert_int_equal(d.n_points, 1);
	assert_float_equal(d.points[0].loss_pct, 1.0, 1e-9); /* from lost / produced */
	assert_int_equal(d.n_knees, 1);
	assert_true(d.knees[0].found);
	assert_string_equal(d.knees[0].hook, "tp"); /* inherited from the one configuration */
	assert_float_equal(d.knees[0].hi, 110000, 0);

	p = tmp_json("{\"schema\":\"bpfcost.app/1\",\"app\":\"redis\",\"env\":{\"hostname\":\"h\","
		     "\"kernel\":\"k\"},\"results\":[{\"hook\":\"tp\",\"body\":\"perfbuf\","
		     "\"base_throughput\":200,\"probe_throughput\":190,\"base_p99_ms\":0.5,"
		     "\"probe_p99_us\":600,\"events_per_s\":3,\"prediction\":{\"change_pct\":-1.5,"
		     "\"change_ci95\":[-2,-1],\"agrees\":false}}]}");
	assert_int_equal(rp_load_file(&d, p, err, sizeof(err)), 0);
	unlink(p);
	assert_int_equal(d.n_hosts, 1); /* same hostname and kernel: one host */
	assert_int_equal(d.n_apps, 1);
	assert_string_equal(d.apps[0].app, "redis");
	assert_float_equal(d.apps[0].change_pct, -5.0, 1e-9);
	assert_float_equal(d.apps[0].base_p99, 500000, 1e-6);
	assert_float_equal(d.apps[0].probe_p99, 600000, 1e-6);
	assert_float_equal(d.apps[0].event_rate, 3, 0);
	assert_float_equal(d.apps[0].pred_pct, -1.5, 0);
	assert_float_equal(d.apps[0].pred_hi, -1, 0);
	assert_int_equal(d.apps[0].pred_agrees, 0);
	rp_free(&d);
}

static void test_load_rejects(void **state)
{
	static const char *const bad[] = {
		"{\"schema\":\"bpfcost.nope/1\",\"results\":[]}",
		"{\"results\":[]}",
		"[]",
		"{\"schema\":\"bpfcost.bench/1\",\"results\":{}}",
		"{\"schema\":\"bpfcost.sweep/1\",\"results\":[]}",
		"{\"schema\":\"bpfcost.bench/1\",\"results\":[",
		"",
		"{\"schema\":\"bpfcost.lab/1\n\",\"results\":[]}",
	};
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rp_data d = { 0 };
		char *p = tmp_json(bad[i]);

		err[0] = '\0';
		assert_int_equal(rp_load_file(&d, p, err, sizeof(err)), -1);
		assert_true(strlen(err) > 0);
		assert_null(strchr(err, '\n'));
		unlink(p);
		rp_free(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md_escaping),
		cmocka_unit_test(test_html_escaping),
		cmocka_unit_test(test_load_bench),
		cmocka_unit_test(test_load_sweep_app),
		cmocka_unit_test(test_load_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
