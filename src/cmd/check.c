// SPDX-License-Identifier: GPL-2.0
/* bpfcost check: what this kernel can do for BPF tracing, found by loading,
 * attaching and firing a trivial program for every hook and map, with a
 * specific reason for each that fails. */
#include "base/cli.h"
#include "cmd/commands.h"
#include "core/env.h"
#include "core/hoststate.h"
#include "core/kernel.h"
#include "base/output.h"
#include "core/probe.h"
#include "base/util.h"

#include <argp.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

static const char check_doc[] =
	"Report what this kernel can do for BPF tracing, and why not.\n"
	"\n"
	"USAGE: bpfcost check [--json] [-v]\n"
	"\n"
	"Each hook and map is tried for real: a trivial program is loaded, attached\n"
	"and fired on getpid; the reason is given for each that fails.\n"
	"\n"
	"EXAMPLES:\n"
	"    bpfcost check\n"
	"    bpfcost check --json | python3 -m json.tool\n";

static const struct argp_child check_groups[] = {
	CLI_OUTPUT_GROUP(CLI_OPT_JSON_J("JSON output (schema bpfcost.check/1)"),
		CLI_OPT_VERBOSE("libbpf's messages")),
	{},
};

static error_t check_parse(int key, char *arg, struct argp_state *state)
{
	if (key != ARGP_KEY_ARG)
		return ARGP_ERR_UNKNOWN;
	usage_error("unexpected argument '%s' (accepted: --json, -v)", arg);
	return 0;
}

/* The map each check exercises, through the body that uses it. */
static const struct {
	const char *name;
	enum body_id body;
} map_checks[] = {
	{ "hash", BODY_HASH }, { "percpu_hash", BODY_PERCPU_HASH }, { "lru_hash", BODY_LRU_HASH },
	{ "array", BODY_ARRAY }, { "percpu_array", BODY_PERCPU_ARRAY },
	{ "ringbuf", BODY_RINGBUF }, { "perf_event_array", BODY_PERFBUF },
};

#define FIRE_OPS 16

/* Load, attach, fire FIRE_OPS times, count. true when it all worked. */
static bool try_probe(enum hook_id hook, enum body_id body, char *reason, size_t len)
{
	const struct workload *wl = workload_find("getpid");
	struct probe_spec spec = { .hook = hook, .body = body, .wl = wl,
				   .consumer = CONSUMER_EVENT, .consumer_cpu = -1 };
	struct probe *p = NULL;
	struct probe_counts c;
	struct wl_ctx ctx = {};
	bool ok = false;

	reason[0] = '\0';
	if (probe_open(&p, &spec, reason, len) != PROBE_OK)
		return false;
	if (probe_attach(p, reason, len))
		goto out;
	for (int i = 0; i < FIRE_OPS; i++)
		wl->op(&ctx);
	probe_detach(p);
	probe_counts(p, &c);
	if (c.hits != FIRE_OPS) {
		snprintf(reason, len, "attached, but fired %llu times for %d calls",
			 (unsigned long long)c.hits, FIRE_OPS);
		goto out;
	}
	if (bodies[body].output && c.consumed + c.drops != c.hits) {
		snprintf(reason, len, "attached, but %llu of %llu events reached user space",
			 (unsigned long long)c.consumed, (unsigned long long)c.hits);
		goto out;
	}
	ok = true;
out:
	probe_close(p);
	return ok;
}

static json_object *item(const char *name, bool ok, const char *reason)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", jstr(name));
	json_object_object_add(o, "available", json_object_new_boolean(ok));
	json_object_object_add(o, "reason", ok ? NULL : jstr(reason[0] ? reason : "unknown"));
	return o;
}

static void print_items(const char *title, json_object *arr)
{
	printf("%-16s %-3s %s\n", title, "OK", "REASON");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		bool ok = json_object_get_boolean(json_object_object_get(o, "available"));
		const char *why = jget_str(o, "reason");
		int col = 21, len;

		printf("%-16s %-3s", jget_str(o, "name"), ok ? "yes" : "no");
		/* wrap the reason at word boundaries, never past column 79 */
		while (!ok && why && *why) {
			len = (int)strlen(why);
			if (len > 79 - col) {
				len = 79 - col;
				while (len > 20 && why[len] != ' ')
					len--;
			}
			printf(" %.*s\n", len, why);
			why += len;
			while (*why == ' ')
				why++;
			if (*why)
				printf("%*s", col - 1, "");
		}
		if (ok || !why)
			printf("\n");
	}
}

int cmd_check(int argc, char **argv)
{
	struct cli_common cli = {};
	struct argp argp = { NULL, check_parse, NULL, check_doc, check_groups };
	json_object *root = NULL, *hooks_arr, *maps_arr, *env;
	enum hook_id map_hook = HOOK_NULL;
	char reason[512];
	int fd;

	if (cli_parse(&argp, argc, argv, NULL, &cli))
		return EXIT_USAGE;
	if (require_privileges(NEED_TRACING, "to load test programs"))
		return EXIT_RUNTIME;

	root = json_object_new_object();
	hooks_arr = json_object_new_array();
	maps_arr = json_object_new_array();
	env = env_collect();
	json_object_object_add(root, "schema", jstr("bpfcost.check/1"));
	json_object_object_add(root, "version", jstr(BPFCOST_VERSION));

	for (int h = HOOK_TP; h < NR_HOOKS && !stop_requested; h++) {
		bool ok = try_probe(h, BODY_EMPTY, reason, sizeof(reason));

		json_object_array_add(hooks_arr, item(hooks[h].name, ok, reason));
		if (ok && map_hook == HOOK_NULL && !hooks[h].user)
			map_hook = h;
	}
	for (size_t m = 0; m < ARRAY_SIZE(map_checks) && !stop_requested; m++) {
		bool ok = false;

		if (map_hook != HOOK_NULL)
			ok = try_probe(map_hook, map_checks[m].body, reason, sizeof(reason));
		else
			snprintf(reason, sizeof(reason), "no kernel hook works to test it on");
		json_object_array_add(maps_arr, item(map_checks[m].name, ok, reason));
	}

	/* BPF_ENABLE_STATS: an fd that turns run-time stats on while open */
	fd = stats_enable();
	json_object_object_add(env, "bpf_enable_stats", json_object_new_boolean(fd >= 0));
	if (fd >= 0)
		close(fd);
	json_object_object_add(root, "hooks", hooks_arr);
	json_object_object_add(root, "maps", maps_arr);
	json_object_object_add(root, "env", env);

	if (cli.fmt == OUT_JSON) {
		json_write(root, NULL);
	} else {
		env_print(stdout, env);
		printf("BPF_ENABLE_STATS %s\n\n", fd >= 0 ? "yes" :
		       fd == -EPERM ? "no (it needs CAP_SYS_ADMIN)" : "no");
		print_items("HOOK", hooks_arr);
		printf("\n");
		print_items("MAP", maps_arr);
	}
	json_object_put(root);
	tracefs_restore();
	return stop_requested ? EXIT_INTERRUPTED : 0;
}
