// SPDX-License-Identifier: GPL-2.0
/* A study's plan (plan.c): its phases, their command lines, the fit to a
 * time budget and what it says it shortened; and how an object's SEC()
 * targets name the syscall a study measures it on (userobj.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/plan.h"
#include "core/userobj.h"

static struct plan_req req(double budget_s)
{
	struct plan_req r = {
		.budget_s = budget_s, .workloads = "munmap,madvise", .apps = { "redis" }, .napps = 1,
		.only = ((1u << NR_PHASE_KINDS) - 1) & ~(1u << PH_LAB), .cpus = 2, .dir = "DIR",
	};
	return r;
}

static int find(const struct plan *p, const char *name)
{
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->ph[i].name, name))
			return i;
	return -1;
}

static void test_phases_in_order(void **state)
{
	struct plan_req r = req(900);
	struct plan p;
	static const char *const names[] = { "check", "bench", "sweep", "app-redis", "load-cpu",
					     "load-mem", "regions", "report" };

	(void)state;
	assert_int_equal(plan_build(&r, &p), (int)(sizeof(names) / sizeof(names[0])));
	for (int i = 0; i < p.n; i++) {
		assert_string_equal(p.ph[i].name, names[i]);
		assert_true(p.ph[i].est_s > 0);
		assert_true(p.ph[i].what[0]);
	}
	/* an object adds its phase after bench and its phases under load */
	r.objs[0] = (struct plan_obj){ .path = "p.bpf.o", .workloads = "munmap", .hook = "tp",
				       .runnable = true };
	r.nobjs = 1;
	plan_build(&r, &p);
	assert_int_equal(find(&p, "obj1"), find(&p, "bench") + 1);
	assert_true(find(&p, "obj1-cpu") > find(&p, "load-cpu"));
	assert_true(find(&p, "obj1-mem") > 0);
	/* one the kernel cannot run has none */
	r.objs[0].runnable = false;
	plan_build(&r, &p);
	assert_int_equal(find(&p, "obj1"), -1);
	/* lab only when asked; no load phases without another CPU */
	r.only |= 1u << PH_LAB;
	r.cpus = 1;
	plan_build(&r, &p);
	assert_true(find(&p, "lab") > 0);
	assert_int_equal(find(&p, "load-cpu"), -1);
	/* getpid alone has no region sizes */
	r = req(900);
	snprintf(r.workloads, sizeof(r.workloads), "getpid");
	plan_build(&r, &p);
	assert_int_equal(find(&p, "regions"), -1);
}

static void test_fit(void **state)
{
	struct plan_req r = req(3600);
	struct plan p;
	int b;

	(void)state;
	plan_build(&r, &p);
	/* an hour: the commands' defaults, nothing shortened */
	assert_int_equal(plan_fit(&p, &r, 0, r.budget_s, 1), 0);
	for (int i = 0; i < p.n; i++)
		assert_string_equal(p.ph[i].shortened, "");
	/* ten minutes: shortened, each saying against what */
	assert_int_equal(plan_fit(&p, &r, 0, 600, 1), 0);
	assert_true(p.est_s <= 600);
	b = find(&p, "bench");
	assert_non_null(strstr(p.ph[b].shortened, "default"));
	/* a slower machine than the model (scale 2) gets a shorter plan */
	{
		double at1 = p.est_s;

		assert_int_equal(plan_fit(&p, &r, 0, 600, 2), 0);
		assert_true(p.est_s * 2 <= 600 && p.est_s < at1);
	}
	/* at the floor: the optional phases are left out, bench stays */
	assert_int_equal(plan_fit(&p, &r, 0, plan_floor_s(&p, &r, 0) + 1, 1), 0);
	assert_false(p.ph[b].dropped);
	assert_false(p.ph[find(&p, "report")].dropped);
	assert_true(p.ph[find(&p, "load-mem")].dropped);
	assert_string_equal(p.ph[find(&p, "load-mem")].shortened, "left out to fit the budget");
	/* ten seconds: nothing fits; the floor says what would */
	assert_int_equal(plan_fit(&p, &r, 0, 10, 1), -1);
	assert_true(plan_floor_s(&p, &r, 0) > 10);
	/* a fit from phase k leaves the phases before it alone */
	plan_fit(&p, &r, 0, 600, 1);
	{
		struct plan_phase before = p.ph[b];

		plan_fit(&p, &r, b + 1, 60, 1);
		assert_memory_equal(&before, &p.ph[b], sizeof(before));
	}
}

static void test_argv(void **state)
{
	struct plan_req r = req(600);
	struct plan p;
	const char *argv[64];
	char buf[256], line[1024];
	int n;

	(void)state;
	plan_build(&r, &p);
	plan_fit(&p, &r, 0, 300, 1);
	for (int i = 0; i < p.n; i++) {
		size_t off = 0;

		n = plan_argv(&p.ph[i], &r, "OUT", argv, 64, buf, sizeof(buf));
		assert_true(n > 1);
		assert_null(argv[n]);
		for (int k = 0; k < n; k++)
			off += snprintf(line + off, sizeof(line) - off, "%s%s", k ? " " : "", argv[k]);
		switch (p.ph[i].kind) {
		case PH_CHECK:
			assert_string_equal(line, "check --json");
			break;
		case PH_REPORT:
			assert_string_equal(line, "report DIR -o OUT");
			break;
		case PH_BENCH:
			assert_non_null(strstr(line, "bench --workload munmap,madvise --hook "));
			assert_non_null(strstr(line, " -o OUT"));
			assert_null(strstr(line, "--json")); /* its table goes to the log */
			/* its knob: --trials N or --max-time S */
			assert_true(strstr(line, "--trials ") || strstr(line, "--max-time "));
			break;
		case PH_LOAD:
			assert_non_null(strstr(line, "--background "));
			break;
		case PH_SWEEP:
			assert_non_null(strstr(line, "sweep --workload munmap --hook tp "));
			assert_non_null(strstr(line, "--duration "));
			break;
		case PH_APP:
			assert_non_null(strstr(line, "app redis "));
			assert_non_null(strstr(line, "--repeat "));
			break;
		default:
			break;
		}
	}
}

static void test_syscall_of(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(userobj_syscall_of("__x64_sys_munmap", b, sizeof(b)), "munmap");
	assert_string_equal(userobj_syscall_of("__arm64_sys_madvise", b, sizeof(b)), "madvise");
	assert_string_equal(userobj_syscall_of("__do_sys_getpid", b, sizeof(b)), "getpid");
	assert_string_equal(userobj_syscall_of("do_munmap", b, sizeof(b)), "munmap");
	assert_string_equal(userobj_syscall_of("do_madvise", b, sizeof(b)), "madvise");
	assert_string_equal(userobj_syscall_of("vfs_read", b, sizeof(b)), "");
}

static void test_fmt_s(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(plan_fmt_s(b, sizeof(b), 48.4), "48s");
	assert_string_equal(plan_fmt_s(b, sizeof(b), 125), "2m05s");
	assert_string_equal(plan_fmt_s(b, sizeof(b), NAN), "-");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phases_in_order),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_syscall_of),
		cmocka_unit_test(test_fmt_s),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
