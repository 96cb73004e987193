// SPDX-License-Identifier: GPL-2.0
/* bpfcost study: the overhead-validation directive's whole protocol in one
 * command. It plans the phases (check, bench, your probes, sweep, apps,
 * overhead under load, region sizes, lab if asked, report) within a time
 * budget (core/plan.c), shows the plan, and runs each phase as a child
 * bpfcost (this same binary) writing one results file into DIR, atomically
 * as the phase finishes; DIR/study.json records the plan and what is done,
 * so that the same command again resumes where a Ctrl-C or a reboot
 * stopped it. */
#include "base/cli.h"
#include "base/output.h"
#include "base/util.h"
#include "cmd/app_scenarios.h"
#include "cmd/commands.h"
#include "core/env.h"
#include "core/kernel.h"
#include "core/plan.h"
#include "core/userobj.h"
#include "core/workload.h"

#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SCHEMA "bpfcost.study/1"
#define DEFAULT_BUDGET_S (15 * 60)
#define DEFAULT_WORKLOADS "munmap,madvise"
#define DEFAULT_APPS "redis"
/* A child that has not ended this long after its SIGINT gets SIGTERM,
 * then SIGKILL. */
#define STOP_GRACE_S 30

static const char study_doc[] =
	"Run the overhead-validation directive's whole study within a time budget.\n"
	"\n"
	"USAGE: bpfcost study [--obj FILE.bpf.o ...] [--workloads LIST] [--apps LIST]\n"
	"                     [--time BUDGET] [--only LIST] [--lab] [-o DIR]\n"
	"\n"
	"Plans the phases (check; bench: every entry hook x empty, hash, perf and ring\n"
	"buffer; your probes beside them; sweep: 1k to 1m events/s with loss; the\n"
	"applications; the overhead under a CPU and a memory load; madvise and munmap\n"
	"of 4 KiB to 2 MiB; lab if asked; report), fits them into --time by choosing\n"
	"trial counts and durations (and says what it shortened), shows the plan,\n"
	"then runs each phase as a bpfcost command writing DIR/PHASE.json as it\n"
	"finishes, with a progress bar and ETA. Ends with DIR/report.html and the\n"
	"verdict line naming its numbers. The same command again with the same DIR\n"
	"resumes: finished phases are kept (after a check that the host, kernel and\n"
	"bpfcost version are the same).\n"
	"\n"
	"EXAMPLES:\n"
	"    bpfcost study -o study                       # ~15 minutes\n"
	"    bpfcost study --obj maxwell.bpf.o --time 10m -o study\n"
	"    bpfcost study --workloads getpid --only check,bench,report --time 2m\n"
	"    bpfcost study --time 10m --dry-run            # the plan only\n"
	"    bpfcost report hostA-study hostB-study -o hosts.html\n";

enum { OPT_OBJ = 1000, OPT_WORKLOADS, OPT_APPS, OPT_TIME, OPT_ONLY, OPT_LAB, OPT_FORCE_NEW,
       OPT_DRY_RUN };

static const struct argp_option study_opts[] = {
	{ "obj", OPT_OBJ, "FILE", 0, "your compiled probe (repeatable): measured on the workloads it traces beside the built-in probes" },
	{ "workloads", OPT_WORKLOADS, "LIST", 0, "getpid, munmap, madvise, storm, madvise_free (default munmap,madvise)" },
	{ "apps", OPT_APPS, "LIST", 0, "redis, postgres, python-gc, node, all, none (default redis, when installed)" },
	{ "time", OPT_TIME, "BUDGET", 0, "time budget: 90s, 10m, 1h, or seconds (default 15m)" },
	{ "only", OPT_ONLY, "LIST", 0, "phases: check, bench, obj, sweep, app, load, regions, lab, report (default all but lab)" },
	{ "lab", OPT_LAB, NULL, 0, "also run the optimisation lab" },
	{ "force-new", OPT_FORCE_NEW, NULL, 0, "start over in DIR: remove the results of the study it holds" },
	{ "dry-run", OPT_DRY_RUN, NULL, 0, "show the plan and exit (nothing runs, DIR is not touched)" },
	{},
};

static const struct argp_child study_groups[] = {
	CLI_OUTPUT_GROUP(CLI_OPT_OUTPUT("the study's directory (default bpfcost-study)"),
			 CLI_OPT_VERBOSE("the phases' command lines")),
	{},
};

struct study_args {
	struct cli_common cli;
	const char *objs[PLAN_MAX_OBJS];
	int nobjs;
	uint64_t workloads; /* mask over workload_names */
	uint64_t apps;      /* mask over app_names; 0 with apps_none */
	bool apps_set, apps_none, lab, force_new, dry_run;
	unsigned only;      /* 0: the default */
	double budget_s;
	const char *dir;
};

/* "90s", "10m", "1.5h", "600": seconds; -1 when not a duration. */
static double parse_duration(const char *s)
{
	char *end;
	double v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		return -1;
	if (!strcmp(end, "h"))
		v *= 3600;
	else if (!strcmp(end, "m"))
		v *= 60;
	else if (*end && strcmp(end, "s"))
		return -1;
	return v;
}

static error_t study_parse(int key, char *arg, struct argp_state *state)
{
	struct study_args *a = state->input;

	switch (key) {
	case OPT_OBJ:
		if (a->nobjs == PLAN_MAX_OBJS)
			usage_error("at most %d --obj files", PLAN_MAX_OBJS);
		else
			a->objs[a->nobjs++] = arg;
		break;
	case OPT_WORKLOADS:
		a->workloads = 0;
		parse_name_list("--workloads", arg, workload_names, nr_workloads, &a->workloads);
		break;
	case OPT_APPS:
		a->apps_set = true;
		a->apps = 0;
		a->apps_none = !strcmp(arg, "none");
		if (!a->apps_none)
			parse_name_list("--apps", arg, app_names, nr_app_scenarios, &a->apps);
		break;
	case OPT_TIME:
		a->budget_s = parse_duration(arg);
		if (a->budget_s < 30 || a->budget_s > 24 * 3600)
			usage_error("--time '%s' (accepted: 30s to 24h, as 90s, 10m, 1.5h or seconds)", arg);
		break;
	case OPT_ONLY: {
		/* obj and load together select your probes under load */
		static const char *const names[] = { "check", "bench", "obj", "sweep", "app", "load",
						     "regions", "lab", "report" };
		static const enum phase_kind kinds[] = { PH_CHECK, PH_BENCH, PH_OBJ, PH_SWEEP, PH_APP,
							 PH_LOAD, PH_REGIONS, PH_LAB, PH_REPORT };
		uint64_t mask = 0;

		a->only = 0;
		if (!parse_name_list("--only", arg, names, ARRAY_SIZE(names), &mask))
			for (size_t i = 0; i < ARRAY_SIZE(names); i++)
				if (mask & (1ULL << i))
					a->only |= 1u << kinds[i];
		break;
	}
	case OPT_LAB: a->lab = true; break;
	case OPT_FORCE_NEW: a->force_new = true; break;
	case OPT_DRY_RUN: a->dry_run = true; break;
	case ARGP_KEY_ARG:
		usage_error("unexpected argument '%s' (see bpfcost study --help)", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- the study's state ---- */

enum phase_status { ST_PENDING, ST_DONE, ST_FAILED, ST_INTERRUPTED, ST_DROPPED };
static const char *const status_names[] = { "pending", "done", "failed", "interrupted", "dropped" };

struct phase_state {
	enum phase_status status;
	double elapsed_s;       /* NAN: not run */
	int exit_code;          /* -1: not run */
	char note[256];
	/* as run (kept from an earlier session); "" while pending */
	char command[1024], shortened[200];
};

struct study {
	struct study_args *a;
	struct plan_req req;
	struct plan p;
	struct phase_state st[PLAN_MAX_PHASES];
	json_object *env;
	char created[32];
	char workloads[160];
	char obj_hash[PLAN_MAX_OBJS][24];
	char notes[PLAN_MAX_OBJS + 8][400];
	int nnotes;
	double first_est_s;     /* the plan's estimate when the study began */
	double est_done, act_done; /* of the measuring phases run: the model's error */
	bool tty;
	bool interrupted;
};

static void note_add(struct study *S, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note_add(struct study *S, const char *fmt, ...)
{
	va_list ap;

	if (S->nnotes == (int)ARRAY_SIZE(S->notes))
		return;
	va_start(ap, fmt);
	vsnprintf(S->notes[S->nnotes++], sizeof(S->notes[0]), fmt, ap);
	va_end(ap);
}

static void path_in(char *buf, size_t len, const char *dir, const char *name, const char *ext)
{
	snprintf(buf, len, "%s/%s%s", dir, name, ext);
}

/* The file a phase's results end up in (relative to DIR). */
static const char *result_name(const struct plan_phase *ph, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", ph->kind == PH_REPORT ? "report" : ph->name,
		 ph->kind == PH_REPORT ? ".html" : ".json");
	return buf;
}

/* FNV-1a of a file's bytes: an object rebuilt since the study began is
 * another probe. */
static int file_hash(const char *path, char *out, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 0x100000001b3ULL;
	close(fd);
	snprintf(out, len, "%016llx", (unsigned long long)h);
	return n < 0 ? -EIO : 0;
}

/* The comma list of the names whose bit is in mask. */
static void mask_list(char *buf, size_t len, const char *const *names, int n, uint64_t mask)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && off < len; i++)
		if (mask & (1ULL << i))
			off += snprintf(buf + off, len - off, "%s%s", off ? "," : "", names[i]);
}

/* ---- your probes: what they trace, where they run ---- */

static int plan_obj(struct study *S, const char *path, struct plan_obj *o)
{
	char why[600], traced[256] = "", wl[160] = "", kinds[64] = "";
	uint64_t mask = 0, study_mask = S->a->workloads;
	struct userobj_info info;
	const char *kr;

	memset(o, 0, sizeof(*o));
	o->path = path;
	if (userobj_describe(path, &info, why, sizeof(why)))
		return usage_error("--obj %s", why);
	for (int i = 0; i < info.nprogs; i++) {
		const struct userobj_prog_info *pi = &info.progs[i];
		bool any = false;

		if (!pi->kind[0])
			continue;
		if (!kinds[0])
			snprintf(kinds, sizeof(kinds), "%s", pi->kind);
		if (!pi->syscall[0])
			continue;
		snprintf(traced + strlen(traced), sizeof(traced) - strlen(traced), "%s%s",
			 traced[0] ? "," : "", pi->syscall);
		/* the study's workloads making that syscall, else its own */
		for (int w = 0; w < nr_workloads; w++)
			if ((study_mask & (1ULL << w)) &&
			    (!strcmp(pi->syscall, "*") || !strcmp(workloads[w].syscall, pi->syscall))) {
				mask |= 1ULL << w;
				any = true;
			}
		if (!any) {
			const struct workload *wk = workload_find(pi->syscall);

			if (wk)
				mask |= 1ULL << (wk - workloads);
		}
	}
	if (!kinds[0])
		return usage_error("--obj %s: no program has an attach point in its SEC() name "
				   "(measure it with bpfcost bench --obj --attach)", path);
	if (!mask)
		return usage_error("--obj %s traces %s, which no bpfcost workload makes (accepted: a "
				   "probe on getpid, munmap or madvise; bpfcost bench --obj --attach "
				   "measures others)", path, traced[0] ? traced : "no syscall");
	mask_list(wl, sizeof(wl), workload_names, nr_workloads, mask);
	snprintf(o->workloads, sizeof(o->workloads), "%s", wl);
	snprintf(o->hook, sizeof(o->hook), "%s", kinds);
	o->runnable = true;
	if ((!strcmp(kinds, "kprobe") || !strcmp(kinds, "kretprobe")) &&
	    (kr = kprobe_unsupported_reason())) {
		o->runnable = false;
		snprintf(o->note, sizeof(o->note),
			 "its programs are kprobes, and this kernel has none (%s): not measured here; "
			 "the built-in tracepoint and raw tracepoint rows are its equivalents, and "
			 "make vmtest measures kprobes on Debian's stock kernels "
			 "(build/vmtest/results/RELEASE/)", kr);
	}
	return 0;
}

/* ---- study.json ---- */

static json_object *request_json(const struct study *S)
{
	json_object *r = json_object_new_object(), *objs = json_object_new_array();
	char apps[128] = "";

	for (int i = 0; i < S->a->nobjs; i++) {
		json_object *o = json_object_new_object();

		jset(o, "path", jstr(S->a->objs[i]));
		jset(o, "hash", jstr(S->obj_hash[i]));
		json_object_array_add(objs, o);
	}
	jset(r, "objs", objs);
	jset(r, "workloads", jstr(S->workloads));
	for (int i = 0; i < S->req.napps; i++)
		snprintf(apps + strlen(apps), sizeof(apps) - strlen(apps), "%s%s", i ? "," : "",
			 S->req.apps[i]);
	jset(r, "apps", jstr(apps));
	jset(r, "lab", json_object_new_boolean(S->a->lab));
	{
		char only[160];

		mask_list(only, sizeof(only), phase_kind_names, NR_PHASE_KINDS, S->req.only);
		jset(r, "only", jstr(only));
	}
	return r;
}

static int save_study(struct study *S)
{
	json_object *root = json_object_new_object(), *arr;
	char path[4096], when[32], buf[1024], rn[64];
	double elapsed = 0;

	for (int i = 0; i < S->p.n; i++)
		if (isfinite(S->st[i].elapsed_s) && S->st[i].status == ST_DONE)
			elapsed += S->st[i].elapsed_s;
	jset(root, "schema", jstr(SCHEMA));
	jset(root, "version", jstr(BPFCOST_VERSION));
	jset(root, "created", jstr(S->created));
	jset(root, "updated", jstr(iso_time_now(when, sizeof(when))));
	jset(root, "env", json_object_get(S->env));
	jset(root, "interrupted", json_object_new_boolean(S->interrupted));
	jset(root, "request", request_json(S));
	jset(root, "budget_s", jnum(S->req.budget_s));
	jset(root, "estimate_s", jnum(S->first_est_s));
	jset(root, "elapsed_s", jnum(elapsed));
	arr = json_object_new_array();
	for (int i = 0; i < S->p.n; i++) {
		const char *sh = S->st[i].command[0] ? S->st[i].shortened : S->p.ph[i].shortened;

		if (sh[0]) {
			snprintf(buf, sizeof(buf), "%s: %s", S->p.ph[i].name, sh);
			json_object_array_add(arr, jstr(buf));
		}
	}
	jset(root, "shortened", arr);
	arr = json_object_new_array();
	for (int i = 0; i < S->nnotes; i++)
		json_object_array_add(arr, jstr(S->notes[i]));
	jset(root, "notes", arr);
	arr = json_object_new_array();
	for (int i = 0; i < S->req.nobjs; i++) {
		json_object *o = json_object_new_object();

		jset(o, "path", jstr(S->req.objs[i].path));
		jset(o, "hook", jstr(S->req.objs[i].hook));
		jset(o, "workloads", jstr(S->req.objs[i].workloads));
		jset(o, "measured", json_object_new_boolean(S->req.objs[i].runnable));
		jset(o, "note", S->req.objs[i].note[0] ? jstr(S->req.objs[i].note) : NULL);
		json_object_array_add(arr, o);
	}
	jset(root, "objs", arr);
	arr = json_object_new_array();
	for (int i = 0; i < S->p.n; i++) {
		const struct plan_phase *ph = &S->p.ph[i];
		const struct phase_state *st = &S->st[i];
		json_object *o = json_object_new_object();
		const char *argv[64];
		char nums[256];
		size_t off = 0;
		int argc = plan_argv(ph, &S->req, "OUT", argv, 64, nums, sizeof(nums));

		for (int k = 0; k < argc && off < sizeof(buf); k++)
			off += snprintf(buf + off, sizeof(buf) - off, "%s%s", k ? " " : "bpfcost ", argv[k]);
		if (st->command[0])
			snprintf(buf, sizeof(buf), "%s", st->command);
		jset(o, "name", jstr(ph->name));
		jset(o, "kind", jstr(phase_kind_names[ph->kind]));
		jset(o, "file", jstr(result_name(ph, rn, sizeof(rn))));
		jset(o, "status", jstr(status_names[st->status]));
		jset(o, "what", jstr(ph->what));
		jset(o, "command", jstr(buf));
		jset(o, "estimate_s", jnum(ph->dropped ? NAN : ph->est_s));
		jset(o, "elapsed_s", jnum(st->elapsed_s));
		jset(o, "exit_code", st->exit_code >= 0 ? jint(st->exit_code) : NULL);
		jset(o, "shortened", st->command[0] ? (st->shortened[0] ? jstr(st->shortened) : NULL) :
				     ph->shortened[0] ? jstr(ph->shortened) : NULL);
		jset(o, "note", st->note[0] ? jstr(st->note) : NULL);
		json_object_array_add(arr, o);
	}
	jset(root, "phases", arr);
	path_in(path, sizeof(path), S->a->dir, "study", ".json");
	{
		int rc = json_write(root, path);

		json_object_put(root);
		if (rc)
			return runtime_error("cannot write %s: %s", path, strerror(-rc));
	}
	return 0;
}

/* ---- DIR: a new study, or the one it holds ---- */

/* Remove what the study in DIR wrote (its phases' files, logs, report and
 * charts, study.json), nothing else. */
static void remove_old(const char *dir, json_object *old)
{
	json_object *phases;
	char path[4096];

	if (json_object_object_get_ex(old, "phases", &phases) &&
	    json_object_is_type(phases, json_type_array))
		for (size_t i = 0; i < json_object_array_length(phases); i++) {
			json_object *ph = json_object_array_get_idx(phases, i);
			const char *file = jget_str(ph, "file"), *name = jget_str(ph, "name");

			/* names of ours only: no path in them */
			if (file && !strchr(file, '/') && file[0] != '.') {
				path_in(path, sizeof(path), dir, file, "");
				unlink(path);
			}
			if (name && !strchr(name, '/') && name[0] != '.') {
				snprintf(path, sizeof(path), "%s/logs/%s.log", dir, name);
				unlink(path);
				snprintf(path, sizeof(path), "%s/.%s.part", dir, name);
				unlink(path);
			}
		}
	{
		static const char *const charts[] = { "overhead", "latency", "scaling" };

		for (size_t c = 0; c < ARRAY_SIZE(charts); c++)
			for (int h = 1; h <= 16; h++) {
				snprintf(path, sizeof(path), "%s/report-%s-h%d.svg", dir, charts[c], h);
				unlink(path);
			}
	}
	path_in(path, sizeof(path), dir, "study", ".json");
	unlink(path);
}

/* Does DIR hold results that are not a study's? */
static bool foreign_results(const char *dir)
{
	static const char *const names[] = { "bench.json", "sweep.json", "check.json", "report.html" };
	char path[4096];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		path_in(path, sizeof(path), dir, names[i], "");
		if (!access(path, F_OK))
			return true;
	}
	return false;
}

/* Create DIR, or take up the study it holds: same host, kernel, bpfcost
 * and options, or one line and EXIT_USAGE (--force-new starts over). */
static int open_dir(struct study *S)
{
	const char *dir = S->a->dir;
	char path[4096], err[512];
	json_object *old, *env, *phases;
	const char *oh, *ok, *ov, *nh, *nk;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return runtime_error("cannot create %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/logs", dir);
	if (mkdir(path, 0755) && errno != EEXIST)
		return runtime_error("cannot create %s: %s", path, strerror(errno));
	path_in(path, sizeof(path), dir, "study", ".json");
	if (access(path, F_OK)) {
		if (foreign_results(dir))
			return usage_error("%s holds results but no study.json: give a new or empty "
					   "directory", dir);
		return 0;
	}
	if (!(old = json_read_file(path, err, sizeof(err))))
		return usage_error("%s: %s (remove it, or --force-new)", path, err);
	if (!json_object_object_get_ex(old, "env", &env))
		env = NULL;
	oh = jget_str(env, "hostname");
	ok = jget_str(env, "kernel");
	ov = jget_str(old, "version");
	nh = jget_str(S->env, "hostname");
	nk = jget_str(S->env, "kernel");
	if (S->a->force_new) {
		remove_old(dir, old);
		json_object_put(old);
		return 0;
	}
	if (strcmp(jget_str(old, "schema") ? jget_str(old, "schema") : "", SCHEMA) ||
	    !oh || !ok || !ov || strcmp(oh, nh ? nh : "") || strcmp(ok, nk ? nk : "") ||
	    strcmp(ov, BPFCOST_VERSION)) {
		int ret = usage_error("%s holds a study from %s (%s), bpfcost %s; this is %s (%s), "
				      "bpfcost %s: give another -o DIR, or --force-new to start over",
				      dir, oh ? oh : "?", ok ? ok : "?", ov ? ov : "?", nh ? nh : "?",
				      nk ? nk : "?", BPFCOST_VERSION);
		json_object_put(old);
		return ret;
	}
	{
		json_object *req = request_json(S), *oreq;
		const char *a = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
		bool same = json_object_object_get_ex(old, "request", &oreq) &&
			    !strcmp(a, json_object_to_json_string_ext(oreq, JSON_C_TO_STRING_PLAIN));

		if (!same) {
			int ret = usage_error("%s holds a study of other options (%s): give the same "
					      "ones to resume it, another -o DIR, or --force-new",
					      dir, oreq ? json_object_to_json_string_ext(
							   oreq, JSON_C_TO_STRING_PLAIN) : "none");
			json_object_put(req);
			json_object_put(old);
			return ret;
		}
		json_object_put(req);
	}
	snprintf(S->created, sizeof(S->created), "%s",
		 jget_str(old, "created") ? jget_str(old, "created") : S->created);
	S->first_est_s = jget_num(old, "estimate_s");
	/* finished phases whose files are still there are kept */
	if (json_object_object_get_ex(old, "phases", &phases) &&
	    json_object_is_type(phases, json_type_array))
		for (size_t k = 0; k < json_object_array_length(phases); k++) {
			json_object *o = json_object_array_get_idx(phases, k);
			const char *name = jget_str(o, "name"), *st = jget_str(o, "status");
			char rn[64];

			for (int i = 0; i < S->p.n && name && st; i++) {
				if (strcmp(S->p.ph[i].name, name) || strcmp(st, "done") ||
				    S->p.ph[i].kind == PH_REPORT)
					continue;
				path_in(path, sizeof(path), dir, result_name(&S->p.ph[i], rn, sizeof(rn)), "");
				if (access(path, R_OK))
					continue;
				S->st[i].status = ST_DONE;
				S->p.ph[i].fixed = true;
				S->st[i].elapsed_s = jget_num(o, "elapsed_s");
				S->st[i].exit_code = (int)jget_int(o, "exit_code", 0);
				snprintf(S->st[i].command, sizeof(S->st[i].command), "%s",
					 jget_str(o, "command") ? jget_str(o, "command") : "?");
				snprintf(S->st[i].shortened, sizeof(S->st[i].shortened), "%s",
					 jget_str(o, "shortened") ? jget_str(o, "shortened") : "");
				snprintf(S->st[i].note, sizeof(S->st[i].note), "%s",
					 jget_str(o, "note") ? jget_str(o, "note") : "");
			}
		}
	json_object_put(old);
	return 0;
}

/* ---- showing the plan ---- */

static void print_plan(struct study *S)
{
	char b1[32], b2[32], line[512];
	int todo = 0;

	for (int i = 0; i < S->p.n; i++)
		todo += S->st[i].status != ST_DONE && !S->p.ph[i].dropped;
	snprintf(line, sizeof(line), "bpfcost study: %d phases, about %s of a %s budget (%d CPUs), "
		 "into %s", todo, plan_fmt_s(b1, sizeof(b1), S->p.est_s),
		 plan_fmt_s(b2, sizeof(b2), S->req.budget_s), S->req.cpus, S->a->dir);
	print_wrap(stdout, line, 2, 79);
	printf("%-10s %9s  %s\n", "PHASE", "ESTIMATE", "WHAT");
	for (int i = 0; i < S->p.n; i++) {
		const struct plan_phase *ph = &S->p.ph[i];

		snprintf(line, sizeof(line), "%-10.10s %9s  %s", ph->name,
			 S->st[i].status == ST_DONE ? "done" : ph->dropped ? "left out" :
			 plan_fmt_s(b1, sizeof(b1), ph->est_s), ph->what);
		print_wrap(stdout, line, 22, 79);
	}
	/* phases shortened alike on one line */
	for (int i = 0, first = 1; i < S->p.n; i++) {
		const char *sh = S->p.ph[i].shortened;
		size_t off = 0;
		bool seen = false;

		if (!sh[0] || S->st[i].status == ST_DONE)
			continue;
		for (int j = 0; j < i && !seen; j++)
			seen = S->st[j].status != ST_DONE && !strcmp(S->p.ph[j].shortened, sh);
		if (seen)
			continue;
		if (first)
			printf("shortened to fit the budget:\n");
		first = 0;
		for (int j = i; j < S->p.n && off < sizeof(line); j++)
			if (S->st[j].status != ST_DONE && !strcmp(S->p.ph[j].shortened, sh))
				off += snprintf(line + off, sizeof(line) - off, "%s%s", off ? ", " : "  ",
						S->p.ph[j].name);
		if (off < sizeof(line))
			snprintf(line + off, sizeof(line) - off, ": %s", sh);
		print_wrap(stdout, line, 4, 79);
	}
	for (int i = 0; i < S->nnotes; i++) {
		snprintf(line, sizeof(line), "note: %s", S->notes[i]);
		print_wrap(stdout, line, 6, 79);
	}
	fflush(stdout);
}

/* ---- running a phase ---- */

/* Seconds of the phases after i still to run, at the model's error. */
static double rest_s(const struct study *S, int i, double scale)
{
	double t = 0;

	for (int j = i + 1; j < S->p.n; j++)
		if (S->st[j].status != ST_DONE && !S->p.ph[j].dropped)
			t += S->p.ph[j].est_s * scale;
	return t;
}

static double spent_s(const struct study *S)
{
	double t = 0;

	for (int i = 0; i < S->p.n; i++)
		if (S->st[i].status != ST_PENDING && isfinite(S->st[i].elapsed_s))
			t += S->st[i].elapsed_s;
	return t;
}

static double model_scale(const struct study *S)
{
	double s = S->est_done > 30 ? S->act_done / S->est_done : 1;

	return s < 0.5 ? 0.5 : s > 2 ? 2 : s;
}

static int phase_no(const struct study *S, int i)
{
	int n = 0;

	for (int j = 0; j <= i; j++)
		n += !S->p.ph[j].dropped;
	return n;
}

static int phases_todo(const struct study *S)
{
	int n = 0;

	for (int j = 0; j < S->p.n; j++)
		n += !S->p.ph[j].dropped;
	return n;
}

/* The progress bar (a terminal), or a line a minute (not). */
static void progress(struct study *S, int i, double elapsed, double *last_line)
{
	const struct plan_phase *ph = &S->p.ph[i];
	double scale = model_scale(S), est = ph->est_s * scale;
	double eta = fmax(est - elapsed, 0) + rest_s(S, i, scale);
	double done = spent_s(S) + elapsed, frac = done / (done + eta);
	char b1[32], b2[32], b3[32], bar[21];

	if (!S->tty) {
		if (elapsed - *last_line >= 60) {
			*last_line = elapsed;
			fprintf(stderr, "[%d/%d] %s: %s of ~%s, ETA %s\n", phase_no(S, i), phases_todo(S),
				ph->name, plan_fmt_s(b1, sizeof(b1), elapsed),
				plan_fmt_s(b2, sizeof(b2), est), plan_fmt_s(b3, sizeof(b3), eta));
		}
		return;
	}
	for (int k = 0; k < 20; k++)
		bar[k] = k < (int)(frac * 20 + 0.5) ? '#' : '.';
	bar[20] = '\0';
	fprintf(stderr, "\r[%s] %3.0f%% %2d/%-2d %-10.10s %7s of ~%-7s ETA %-7s", bar, frac * 100,
		phase_no(S, i), phases_todo(S), ph->name, plan_fmt_s(b1, sizeof(b1), elapsed),
		plan_fmt_s(b2, sizeof(b2), est), plan_fmt_s(b3, sizeof(b3), eta));
	fflush(stderr);
}

/* The last line of a log with something on it, for a failed phase's note. */
static void last_line(const char *path, char *out, size_t len)
{
	char line[1024];
	FILE *f = fopen(path, "re");

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *s = line + strspn(line, " \t\r");

		s[strcspn(s, "\r\n")] = '\0';
		if (*s)
			snprintf(out, len, "%s", s);
	}
	fclose(f);
}

/* A results file a phase left: a JSON object with a schema. */
static bool results_ok(const char *path)
{
	char err[256];
	json_object *o = json_read_file(path, err, sizeof(err));
	bool ok = o && json_object_is_type(o, json_type_object) && jget_str(o, "schema");

	json_object_put(o);
	return ok;
}

/* Run phase i as a child bpfcost and wait, drawing the progress; fills
 * S->st[i]. */
static void run_phase(struct study *S, int i)
{
	const struct plan_phase *ph = &S->p.ph[i];
	struct phase_state *st = &S->st[i];
	char part[4096], final[4096], logp[4096], rn[64], nums[256];
	const char *argv[66];
	bool signalled = false;
	uint64_t t0 = now_ns(), stop_at = 0;
	double last = 0, elapsed;
	pid_t pid, parent = getpid();
	int status = 0, argc;

	path_in(final, sizeof(final), S->a->dir, result_name(ph, rn, sizeof(rn)), "");
	if (ph->kind == PH_REPORT)
		snprintf(part, sizeof(part), "%s", final); /* report writes atomically itself */
	else
		snprintf(part, sizeof(part), "%s/.%s.part", S->a->dir, ph->name);
	snprintf(logp, sizeof(logp), "%s/logs/%s.log", S->a->dir, ph->name);
	argv[0] = "bpfcost";
	argc = plan_argv(ph, &S->req, part, argv + 1, 65, nums, sizeof(nums));
	if (verbose) {
		fprintf(stderr, "%s$", S->tty ? "\r" : "");
		for (int k = 0; k <= argc; k++)
			fprintf(stderr, " %s", argv[k]);
		fprintf(stderr, "\n");
	}
	{
		size_t off = 0;

		for (int k = 0; k <= argc && off < sizeof(st->command); k++)
			off += snprintf(st->command + off, sizeof(st->command) - off, "%s%s",
					k ? " " : "", argv[k] == part ? final : argv[k]);
		snprintf(st->shortened, sizeof(st->shortened), "%s", ph->shortened);
	}
	unlink(part);
	pid = fork();
	if (pid < 0) {
		st->status = ST_FAILED;
		snprintf(st->note, sizeof(st->note), "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		int log = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int out = ph->kind == PH_CHECK ?
			  open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : log;
		int in = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* its own process group: a Ctrl-C reaches the study, which
		 * passes exactly one on (a second would kill the phase before
		 * it cleans up); it stops when the study dies, however */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGINT);
		if (getppid() != parent || log < 0 || out < 0 || in < 0)
			_exit(EXIT_RUNTIME);
		dup2(in, 0);
		dup2(out, 1);
		dup2(log, 2);
		execv("/proc/self/exe", (char *const *)argv);
		_exit(EXIT_RUNTIME);
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		if (w == pid || (w < 0 && errno != EINTR))
			break;
		elapsed = (double)(now_ns() - t0) / 1e9;
		if (stop_requested && !signalled) {
			kill(pid, SIGINT);
			signalled = true;
			stop_at = now_ns();
		} else if (signalled && now_ns() - stop_at > STOP_GRACE_S * 1000000000ULL) {
			kill(pid, now_ns() - stop_at > 2 * STOP_GRACE_S * 1000000000ULL ? SIGKILL : SIGTERM);
		}
		progress(S, i, elapsed, &last);
		nanosleep(&ts, NULL);
	}
	st->elapsed_s = (double)(now_ns() - t0) / 1e9;
	st->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	st->note[0] = '\0';
	if (stop_requested || st->exit_code == EXIT_INTERRUPTED) {
		st->status = ST_INTERRUPTED;
	} else if (ph->kind == PH_REPORT) {
		st->status = st->exit_code ? ST_FAILED : ST_DONE;
	} else if ((st->exit_code == 0 || st->exit_code == EXIT_RUNTIME) && results_ok(part) &&
		   !rename(part, final)) {
		/* exit 1 with results: rows that failed, which the file says */
		st->status = ST_DONE;
		if (st->exit_code)
			snprintf(st->note, sizeof(st->note), "some rows failed (logs/%s.log)", ph->name);
	} else {
		st->status = ST_FAILED;
	}
	if (st->status == ST_FAILED) {
		char line[200];

		last_line(logp, line, sizeof(line));
		snprintf(st->note, sizeof(st->note), "exit %d: %s", st->exit_code,
			 line[0] ? line : "no output");
	}
	if (st->status != ST_DONE && ph->kind != PH_REPORT)
		unlink(part);
}

/* check.json: does the kernel run fentry (the plan's guess until then)? */
static void read_check(struct study *S)
{
	char path[4096], err[256];
	json_object *root, *hooks;

	path_in(path, sizeof(path), S->a->dir, "check", ".json");
	if (!(root = json_read_file(path, err, sizeof(err))))
		return;
	if (json_object_object_get_ex(root, "hooks", &hooks) &&
	    json_object_is_type(hooks, json_type_array))
		for (size_t k = 0; k < json_object_array_length(hooks); k++) {
			json_object *h = json_object_array_get_idx(hooks, k), *av;
			const char *name = jget_str(h, "name");
			bool ok = json_object_object_get_ex(h, "available", &av) &&
				  json_object_get_boolean(av);

			if (name && !strcmp(name, "fentry"))
				S->req.fentry = ok;
			if (name && !strcmp(name, "kprobe"))
				S->req.kprobes = ok;
		}
	json_object_put(root);
}

/* The phase's line when it ends (above the bar, on a terminal). */
static void phase_end_line(struct study *S, int i)
{
	const struct phase_state *st = &S->st[i];
	char b1[32], b2[32];

	if (S->tty)
		fprintf(stderr, "\r%-79s\r", "");
	fprintf(stderr, "[%d/%d] %-10s %s in %s (estimate %s)%s%s\n", phase_no(S, i), phases_todo(S),
		S->p.ph[i].name, status_names[st->status], plan_fmt_s(b1, sizeof(b1), st->elapsed_s),
		plan_fmt_s(b2, sizeof(b2), S->p.ph[i].est_s * model_scale(S)), st->note[0] ? ": " : "",
		st->note);
}

/* The report's own lines: one per host, its verdict and the numbers. */
static void print_verdict(const struct study *S)
{
	char path[4096], line[2048];
	FILE *f;

	snprintf(path, sizeof(path), "%s/logs/report.log", S->a->dir);
	if (!(f = fopen(path, "re")))
		return;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "report.html: "))
			fputs(line, stdout);
	fclose(f);
}

int cmd_study(int argc, char **argv)
{
	struct study_args a = { .budget_s = DEFAULT_BUDGET_S, .dir = "bpfcost-study" };
	struct argp argp = { study_opts, study_parse, NULL, study_doc, study_groups };
	struct study *S;
	uint64_t wmask;
	int ret = 0, napps = 0;
	bool failed = false;

	if (cli_parse(&argp, argc, argv, &a, &a.cli))
		return EXIT_USAGE;
	if (a.cli.out)
		a.dir = a.cli.out;
	if (a.cli.fmt != OUT_TABLE)
		return usage_error("study writes its results into -o DIR (--json and --csv are the "
				   "phases')");
	if (!a.workloads)
		parse_name_list("--workloads", DEFAULT_WORKLOADS, workload_names, nr_workloads,
				&a.workloads);
	if (!a.only)
		a.only = ((1u << NR_PHASE_KINDS) - 1) & ~(1u << PH_LAB);
	if (a.lab)
		a.only |= 1u << PH_LAB;
	S = calloc(1, sizeof(*S));
	if (!S)
		return runtime_error("out of memory");
	S->a = &a;
	S->tty = isatty(STDERR_FILENO);
	wmask = a.workloads;
	mask_list(S->workloads, sizeof(S->workloads), workload_names, nr_workloads, wmask);
	for (int i = 0; i < PLAN_MAX_PHASES; i++) {
		S->st[i].elapsed_s = NAN;
		S->st[i].exit_code = -1;
	}

	/* the request: what to run, on what this host has */
	S->req.budget_s = a.budget_s;
	snprintf(S->req.workloads, sizeof(S->req.workloads), "%s", S->workloads);
	S->req.only = a.only;
	S->req.cpus = online_cpus();
	S->req.kprobes = !kprobe_unsupported_reason();
	S->req.fentry = S->req.kprobes; /* a guess: check says */
	S->req.dir = a.dir;
	for (int i = 0; i < a.nobjs; i++) {
		if ((ret = plan_obj(S, a.objs[i], &S->req.objs[S->req.nobjs])))
			goto out;
		if (file_hash(a.objs[i], S->obj_hash[i], sizeof(S->obj_hash[i]))) {
			ret = usage_error("--obj %s: cannot be read", a.objs[i]);
			goto out;
		}
		if (S->req.objs[S->req.nobjs].note[0])
			note_add(S, "%s: %s", a.objs[i], S->req.objs[S->req.nobjs].note);
		S->req.nobjs++;
	}
	if (!a.apps_set && !a.apps_none)
		parse_name_list("--apps", DEFAULT_APPS, app_names, nr_app_scenarios, &a.apps);
	for (int i = 0; i < nr_app_scenarios && (a.only & (1u << PH_APP)); i++) {
		struct app_env e = { 0 };
		char err[512];

		if (!(a.apps & (1ULL << i)))
			continue;
		if (app_find_bins(&app_scenarios[i], &e, err, sizeof(err))) {
			note_add(S, "%s: not run (%s)", app_names[i], err);
			continue;
		}
		if (napps < PLAN_MAX_APPS)
			S->req.apps[napps++] = app_names[i];
	}
	S->req.napps = napps;
	if (!a.dry_run && (ret = require_privileges(NEED_TRACING, "to load probes")))
		goto out;

	plan_build(&S->req, &S->p);
	S->env = env_collect();
	iso_time_now(S->created, sizeof(S->created));
	if (!a.dry_run && (ret = open_dir(S)))
		goto out;
	read_check(S);
	{
		double spent = spent_s(S);

		if (plan_fit(&S->p, &S->req, 0, S->req.budget_s - spent, 1)) {
			char b1[32], b2[32];
			double floor = plan_floor_s(&S->p, &S->req, 0);

			ret = usage_error("--time %s is too short for this study: the smallest takes about "
					  "%s here (give more --time, fewer --workloads, or --only)",
					  plan_fmt_s(b1, sizeof(b1), S->req.budget_s - spent),
					  plan_fmt_s(b2, sizeof(b2), floor + spent));
			goto out;
		}
		if (!isfinite(S->first_est_s) || S->first_est_s <= 0)
			S->first_est_s = S->p.est_s;
	}
	print_plan(S);
	if (a.dry_run || (ret = save_study(S)))
		goto out;

	for (int i = 0; i < S->p.n && !stop_requested; i++) {
		struct plan_phase *ph = &S->p.ph[i];

		if (S->st[i].status == ST_DONE) {
			if (ph->kind == PH_CHECK)
				read_check(S);
			continue;
		}
		/* fit what is left into what is left of the budget, at the
		 * model's error so far */
		plan_fit(&S->p, &S->req, i, S->req.budget_s - spent_s(S), model_scale(S));
		if (ph->dropped) {
			S->st[i].status = ST_DROPPED;
			snprintf(S->st[i].note, sizeof(S->st[i].note), "%s", ph->shortened);
			fprintf(stderr, "%s[%s] left out to fit the budget\n", S->tty ? "\r" : "", ph->name);
			continue;
		}
		S->st[i].status = ST_PENDING;
		if (!S->tty) {
			char b1[32];

			fprintf(stderr, "[%d/%d] %s: %s (~%s)\n", phase_no(S, i), phases_todo(S), ph->name,
				ph->what, plan_fmt_s(b1, sizeof(b1), ph->est_s * model_scale(S)));
		}
		if (ph->kind == PH_REPORT && (ret = save_study(S)))
			goto out;
		run_phase(S, i);
		ph->fixed = true;
		if (S->st[i].status == ST_DONE && ph->kind != PH_CHECK && ph->kind != PH_REPORT) {
			S->est_done += ph->est_s;
			S->act_done += S->st[i].elapsed_s;
		}
		if (S->st[i].status == ST_DONE && ph->kind == PH_CHECK)
			read_check(S);
		failed |= S->st[i].status == ST_FAILED;
		S->interrupted = S->st[i].status == ST_INTERRUPTED;
		phase_end_line(S, i);
		if (ph->kind != PH_REPORT && (ret = save_study(S)))
			goto out;
	}
	if (stop_requested) {
		int kept = 0;

		S->interrupted = true;
		for (int i = 0; i < S->p.n; i++)
			kept += S->st[i].status == ST_DONE;
		save_study(S);
		fprintf(stderr, "bpfcost study: interrupted; %d finished phase%s kept in %s: the same "
			"command resumes it\n", kept, kept == 1 ? "" : "s", a.dir);
		ret = EXIT_INTERRUPTED;
		goto out;
	}
	save_study(S);
	print_verdict(S);
	{
		char b1[32], b2[32];

		printf("study: %s of a %s budget; results in %s/ (report.html, study.json, a JSON "
		       "file a phase)\n", plan_fmt_s(b1, sizeof(b1), spent_s(S)),
		       plan_fmt_s(b2, sizeof(b2), S->req.budget_s), a.dir);
	}
	ret = failed ? EXIT_RUNTIME : 0;
out:
	if (S)
		json_object_put(S->env);
	free(S);
	return ret;
}
