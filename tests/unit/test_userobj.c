// SPDX-License-Identifier: GPL-2.0
/* bench --obj's attach specs: what is accepted, what is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "core/userobj.h"

static void test_specs_accepted(void **state)
{
	static const char *const good[] = {
		"tp", "tp:syscalls:sys_enter_getpid", "rawtp", "rawtp:sys_enter", "tp_btf",
		"tp_btf:sys_enter", "fentry:do_sys_open", "fexit:x", "kprobe:f", "kretprobe:f",
		"uprobe", "uprobe:/bin/bash:readline", "uretprobe:/lib/libc.so.6:malloc",
	};
	char why[512];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(userobj_check_spec(good[i], why, sizeof(why)), 0);
}

static void test_specs_refused(void **state)
{
	static const char *const bad[] = {
		"", "kprobe", "fentry", "tp:syscalls", "tp:a:b:c", "rawtp:a:b", "uprobe:/bin/bash",
		"xdp:eth0", "TP", "tp::",
	};
	char why[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(userobj_check_spec(bad[i], why, sizeof(why)), -1);
		assert_non_null(strstr(why, "accepted: tp[:CAT:NAME]"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specs_accepted),
		cmocka_unit_test(test_specs_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
