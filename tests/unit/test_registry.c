// SPDX-License-Identifier: GPL-2.0
/* The registries: hooks and bodies (PROBE_HOOKS, PROBE_BODIES in
 * src/bpf/probes.h) and workloads (WORKLOADS in src/core/workload.c).
 * Every entry has a unique name the options accept, and every hook x body
 * program the tables name is in the BPF object (opened, not loaded). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <bpf/libbpf.h>

#include "base/cli.h"
#include "base/util.h"
#include "core/engine.h"
#include "core/probe.h"
#include "core/workload.h"
#include "probes.skel.h"
#include "capture.h"

static void names_unique(const char *const *names, int n)
{
	for (int i = 0; i < n; i++) {
		assert_non_null(names[i]);
		assert_true(names[i][0] != '\0');
		assert_null(strpbrk(names[i], ", ")); /* list separators */
		assert_true(strcmp(names[i], "all") != 0); /* taken by "all" */
		for (int j = 0; j < i; j++)
			assert_true(strcmp(names[i], names[j]) != 0);
	}
}

/* Each name is accepted by --NAME LIST parsing as its own index. */
static void names_parse(const char *flag, const char *const *names, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t mask = 0;

		assert_int_equal(parse_name_list(flag, names[i], names, n, &mask), 0);
		assert_int_equal(mask, 1ULL << i);
		assert_int_equal(cli_pick(flag, names[i], names, n), i);
	}
}

static void test_hooks(void **state)
{
	struct capture cap;
	char list[512];
	int rc;
	(void)state;

	/* the control first, then one entry per list line, in enum order */
	assert_int_equal(HOOK_NULL, 0);
	assert_string_equal(hooks[HOOK_NULL].name, "null");
#define CHECK_HOOK(ID, name_, user_, desc_)                          \
	assert_string_equal(hooks[HOOK_##ID].name, #name_);          \
	assert_int_equal(hooks[HOOK_##ID].user, user_);              \
	assert_string_equal(hooks[HOOK_##ID].desc, desc_);
	PROBE_HOOKS(CHECK_HOOK)
	for (int h = 0; h < NR_HOOKS; h++) {
		assert_non_null(hooks[h].name);
		assert_non_null(hooks[h].desc);
	}
	/* hook_names: the same, without the control */
	for (int h = 1; h < NR_HOOKS; h++)
		assert_string_equal(hook_names[h - 1], hooks[h].name);
	names_unique(hook_names, NR_HOOKS - 1);
	names_parse("--hook", hook_names, NR_HOOKS - 1);
	/* the control is not a --hook name (sweep takes "null" itself) */
	capture_begin(&cap);
	rc = cli_pick("--hook", "null", hook_names, NR_HOOKS - 1);
	capture_end(&cap, list, sizeof(list));
	assert_int_equal(rc, -1);
	assert_int_equal(count_lines(list), 1);
	/* the help lists them all, in order */
	join_names(list, sizeof(list), hook_names, NR_HOOKS - 1);
	strcat(list, ", ");
	assert_string_equal(HOOK_NAMES_HELP, list);
	/* names fit where rows copy them */
	for (int h = 0; h < NR_HOOKS; h++)
		assert_true(strlen(hooks[h].name) < sizeof(((struct bench_result *)0)->hook));
}

static void same_or_null(const char *got, const char *want)
{
	if (want)
		assert_string_equal(got, want);
	else
		assert_null(got);
}

static void test_bodies(void **state)
{
	char list[512];
	(void)state;

#define CHECK_BODY(ID, name_, map_, output_, desc_)                  \
	assert_string_equal(bodies[BODY_##ID].name, #name_);         \
	assert_int_equal(bodies[BODY_##ID].output, output_);         \
	same_or_null(bodies[BODY_##ID].map, map_);                   \
	assert_string_equal(bodies[BODY_##ID].desc, desc_);
	PROBE_BODIES(CHECK_BODY)
	for (int b = 0; b < NR_BODIES; b++) {
		assert_string_equal(body_names[b], bodies[b].name);
		assert_non_null(bodies[b].desc);
		assert_true(strlen(bodies[b].name) < sizeof(((struct bench_result *)0)->body));
	}
	names_unique(body_names, NR_BODIES);
	names_parse("--body", body_names, NR_BODIES);
	assert_true(NR_BODIES < 64); /* --body masks are 64 bits */
	join_names(list, sizeof(list), body_names, NR_BODIES);
	strcat(list, ", ");
	assert_string_equal(BODY_NAMES_HELP, list);
	/* the two output bodies the consumer knows */
	assert_true(bodies[BODY_RINGBUF].output);
	assert_true(bodies[BODY_PERFBUF].output);
}

/* Every program the tables name is in the object, and nothing else but
 * the hooks' stats floors. */
static void test_programs_in_object(void **state)
{
	struct probes_bpf *skel;
	struct bpf_program *prog;
	char name[64];
	int n = 0;
	(void)state;

	skel = probes_bpf__open();
	assert_non_null(skel);
	for (int h = 1; h < NR_HOOKS; h++) {
		for (int b = 0; b < NR_BODIES; b++) {
			probe_prog_name_of(name, sizeof(name), h, b);
			if (!bpf_object__find_program_by_name(skel->obj, name))
				fail_msg("no program %s in probes.bpf.o", name);
		}
	}
	/* and each hook's stats floor, a program that does nothing */
	for (int h = 1; h < NR_HOOKS; h++) {
		snprintf(name, sizeof(name), "%s__floor", hooks[h].name);
		if (!bpf_object__find_program_by_name(skel->obj, name))
			fail_msg("no program %s in probes.bpf.o", name);
	}
	bpf_object__for_each_program(prog, skel->obj)
		n++;
	assert_int_equal(n, (NR_HOOKS - 1) * (NR_BODIES + 1));
	/* names as bench JSON and the tests know them */
	assert_string_equal(probe_prog_name_of(name, sizeof(name), HOOK_TP, BODY_EMPTY),
			    "tp__empty");
	assert_string_equal(probe_prog_name_of(name, sizeof(name), HOOK_TP_BTF, BODY_PERCPU_ARRAY),
			    "tp_btf__percpu_array");
	assert_string_equal(probe_prog_name_of(name, sizeof(name), HOOK_URETPROBE, BODY_RINGBUF),
			    "uretprobe__ringbuf");
	probes_bpf__destroy(skel);
}

static void test_workloads(void **state)
{
	char func[64];
	(void)state;

	assert_true(nr_workloads > 0 && nr_workloads < 64);
	for (int w = 0; w < nr_workloads; w++) {
		const struct workload *wl = &workloads[w];

		assert_string_equal(workload_names[w], wl->name);
		assert_ptr_equal(workload_find(wl->name), wl);
		assert_non_null(wl->desc);
		assert_non_null(wl->syscall);
		assert_true(wl->nr >= 0);
		assert_non_null(wl->op);
		/* the uprobes attach to the op by this name */
		snprintf(func, sizeof(func), "bpfcost_op_%s", wl->name);
		assert_string_equal(wl->func, func);
		assert_true(strlen(wl->name) < sizeof(((struct bench_result *)0)->workload));
	}
	names_unique(workload_names, nr_workloads);
	names_parse("--workload", workload_names, nr_workloads);
	assert_null(workload_find("nope"));
	assert_null(workload_find(""));
	assert_string_equal(workloads[0].name, "getpid"); /* bench's default */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_programs_in_object),
		cmocka_unit_test(test_workloads),
	};

	cmd_name = "test";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
