// SPDX-License-Identifier: GPL-2.0
/* The hooks' dispatch cost for `bpfcost top`: calibrated with bench's
 * paired method, cached per kernel and CPU, or read from a bench result;
 * then applied to every program. */
#include "top/dispatch.h"
#include "core/hoststate.h"
#include "core/engine.h"
#include "core/env.h"
#include "core/kernel.h"
#include "core/workload.h"
#include "base/output.h"
#include "base/stats.h"
#include "base/util.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DISP_SCHEMA "bpfcost.dispatch/1"
#define DISP_WORKLOAD "getpid"

const char *const top_disp_status_names[] = {
	"none", "ok", "unsupported", "failed", "unresolved",
};

/* Attach point kinds (the prefix of top's attach strings) whose dispatch
 * bench can measure. uprobe_multi runs its programs from the same trap as
 * a uprobe. Every other kind (xdp, tc, cgroup, socket, kprobe_multi, lsm,
 * iter, ...) has no triggerable bench hook: no estimate. */
static const struct {
	const char *kind;
	enum hook_id hook;
} kinds[] = {
	{ "tp", HOOK_TP }, { "raw_tp", HOOK_RAWTP }, { "tp_btf", HOOK_TP_BTF },
	{ "fentry", HOOK_FENTRY }, { "fexit", HOOK_FEXIT }, { "kprobe", HOOK_KPROBE },
	{ "kretprobe", HOOK_KRETPROBE }, { "uprobe", HOOK_UPROBE },
	{ "uretprobe", HOOK_URETPROBE }, { "uprobe_multi", HOOK_UPROBE },
	{ "uretprobe_multi", HOOK_URETPROBE },
};

static int hook_index(const char *name)
{
	for (int h = 1; h < NR_HOOKS; h++)
		if (name && !strcmp(name, hooks[h].name))
			return h;
	return -1;
}

void top_dispatch_init(struct top_dispatch *d)
{
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	for (int h = 0; h < NR_HOOKS; h++) {
		struct top_hook_cost *c = &d->hook[h];

		c->dispatch_ns = c->lo_ns = c->hi_ns = NAN;
		c->overhead_ns = c->ovh_lo_ns = c->ovh_hi_ns = c->avg_ns = c->seconds = NAN;
		c->b2b_ns = c->b2b_lo_ns = c->b2b_hi_ns = c->iso_ns = c->iso_lo_ns = c->iso_hi_ns = NAN;
	}
}

/* ---- this host: cache key and place ---- */

const char *top_dispatch_cache_dir(char *buf, size_t len)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME"),
		   *sd = getenv("CACHE_DIRECTORY");

	if (sd && *sd) /* systemd's CacheDirectory= (the exporter's unit): the first */
		snprintf(buf, len, "%.*s", (int)strcspn(sd, ":"), sd);
	else if (x && *x)
		snprintf(buf, len, "%s/bpfcost", x);
	else if (!geteuid() || !home || !*home)
		snprintf(buf, len, "/var/cache/bpfcost");
	else
		snprintf(buf, len, "%s/.cache/bpfcost", home);
	return buf;
}

static void host_identity(struct top_dispatch *d)
{
	struct utsname u;

	uname(&u);
	snprintf(d->kernel, sizeof(d->kernel), "%s", u.release);
	snprintf(d->kernel_version, sizeof(d->kernel_version), "%s", u.version);
	env_cpu_model(d->cpu_model, sizeof(d->cpu_model));
}

/* dispatch-<release>-<hash of build and CPU>.json */
static void cache_path(const struct top_dispatch *d, char *buf, size_t len)
{
	char dir[PATH_MAX - 128], rel[64];
	uint32_t h = 2166136261u; /* FNV-1a */
	const char *parts[] = { d->kernel_version, "\n", d->cpu_model };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(parts); i++)
		for (const char *c = parts[i]; *c; c++)
			h = (h ^ (unsigned char)*c) * 16777619u;
	for (i = 0; d->kernel[i] && i < sizeof(rel) - 1; i++)
		rel[i] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
				d->kernel[i]) ? d->kernel[i] : '_';
	rel[i] = '\0';
	snprintf(buf, len, "%s/dispatch-%s-%08x.json", top_dispatch_cache_dir(dir, sizeof(dir)),
		 rel, h);
}

static int mkdir_parents(const char *dir)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return mkdir(p, 0755) && errno != EEXIST ? -errno : 0;
}

/* ---- JSON of one hook, both ways ---- */

static json_object *cost_json(int h, const struct top_hook_cost *c)
{
	json_object *o = json_object_new_object();
	bool ok = c->status == DS_OK;

	json_object_object_add(o, "hook", jstr(hooks[h].name));
	json_object_object_add(o, "status", jstr(top_disp_status_names[c->status]));
	json_object_object_add(o, "reason", c->reason[0] ? jstr(c->reason) : NULL);
	jset_ci(o, "dispatch", "ns", ok ? c->dispatch_ns : NAN, ok && !isnan(c->lo_ns), c->lo_ns,
		c->hi_ns);
	jset_ci(o, "overhead", "ns", c->overhead_ns, !isnan(c->ovh_lo_ns), c->ovh_lo_ns,
		c->ovh_hi_ns);
	json_object_object_add(o, "avg_ns", jnum(c->avg_ns));
	jset_ci(o, "back_to_back", "ns", c->b2b_ns, !isnan(c->b2b_lo_ns), c->b2b_lo_ns,
		c->b2b_hi_ns);
	jset_ci(o, "isolated", "ns", c->iso_ns, !isnan(c->iso_lo_ns), c->iso_lo_ns, c->iso_hi_ns);
	json_object_object_add(o, "pairs", c->pairs ? jint(c->pairs) : NULL);
	json_object_object_add(o, "seconds", jnum(c->seconds));
	return o;
}

static void cost_from_json(json_object *o, struct top_hook_cost *c)
{
	const char *st = jget_str(o, "status"), *why = jget_str(o, "reason");

	c->status = DS_NONE;
	for (size_t i = 0; st && i < ARRAY_SIZE(top_disp_status_names); i++)
		if (!strcmp(st, top_disp_status_names[i]))
			c->status = (enum top_disp_status)i;
	snprintf(c->reason, sizeof(c->reason), "%s", why ? why : "");
	jget_ci(o, "dispatch", "ns", &c->dispatch_ns, &c->lo_ns, &c->hi_ns);
	jget_ci(o, "overhead", "ns", &c->overhead_ns, &c->ovh_lo_ns, &c->ovh_hi_ns);
	c->avg_ns = jget_num(o, "avg_ns");
	jget_ci(o, "back_to_back", "ns", &c->b2b_ns, &c->b2b_lo_ns, &c->b2b_hi_ns);
	jget_ci(o, "isolated", "ns", &c->iso_ns, &c->iso_lo_ns, &c->iso_hi_ns);
	c->pairs = (int)jget_int(o, "pairs", 0);
	c->seconds = jget_num(o, "seconds");
	if (c->status == DS_OK && isnan(c->dispatch_ns))
		c->status = DS_FAILED;
}

/* A calibration document (the cache, or the child's answer) into d:
 * false when it is not one, or not of this host. */
static bool doc_into(struct top_dispatch *d, json_object *doc)
{
	json_object *arr;
	const char *k = jget_str(doc, "kernel"), *kv = jget_str(doc, "kernel_version");
	const char *cpu = jget_str(doc, "cpu_model"), *date = jget_str(doc, "date");
	const char *schema = jget_str(doc, "schema");

	if (!schema || strcmp(schema, DISP_SCHEMA) || !k || strcmp(k, d->kernel) || !kv ||
	    strcmp(kv, d->kernel_version) || !cpu || strcmp(cpu, d->cpu_model) ||
	    !json_object_object_get_ex(doc, "hooks", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return false;
	snprintf(d->date, sizeof(d->date), "%s", date ? date : "?");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		int h = hook_index(jget_str(o, "hook"));

		if (h > 0)
			cost_from_json(o, &d->hook[h]);
	}
	return true;
}

/* The stats' cost kept with the cache, for runs that do not measure it
 * (stats already on, --no-calibrate). */
static void stats_cost_from_doc(json_object *doc, struct top_stats *s, const char *date)
{
	json_object *sc;

	if (!s || !isnan(s->cost_ns) || !json_object_object_get_ex(doc, "stats_cost", &sc) ||
	    isnan(jget_num(sc, "cost_ns")))
		return;
	jget_ci(sc, "cost", "ns", &s->cost_ns, &s->cost_lo_ns, &s->cost_hi_ns);
	s->cost_in_avg_max_ns = jget_num(sc, "cost_in_avg_max_ns");
	snprintf(s->cost_note, sizeof(s->cost_note),
		 "from the cache of %.20s (not measured in this run)", date);
}

static json_object *stats_cost_json(const struct top_stats *s)
{
	json_object *o = json_object_new_object();

	jset_ci(o, "cost", "ns", s->cost_ns, true, s->cost_lo_ns, s->cost_hi_ns);
	json_object_object_add(o, "cost_in_avg_max_ns", jnum(s->cost_in_avg_max_ns));
	json_object_object_add(o, "note", jstr(s->cost_note));
	return o;
}

/* ---- calibration of one hook (in the child) ---- */

/* The empty probe of bench on getpid, a few pairs. Stats are on (the
 * parent holds them), so each pair's probe trial pays dispatch + body +
 * the stats' cost, and the program's counters give its AVG over the same
 * pair: dispatch = (probe - baseline) - AVG, pair by pair. */
/* Before each op, untimed: 1 ms of sleep, after which the hook's path is
 * out of the caches (NOTES: a uprobe hit cost 34.6 us so, against 27.7 us
 * back to back, and a caller at 200/s paid 34.8, at 20,000/s 26.9). */
static void paced_prep(struct wl_ctx *c)
{
	struct timespec ts = { 0, 1000000 };

	nanosleep(&ts, NULL);
}

static void calibrate_hook(int h, int sw_cpu, bool paced, struct top_hook_cost *c)
{
	bool user = hooks[h].user;
	struct workload wl_paced;
	enum { MAX_PAIRS = 20 };
	struct probe_spec spec = { .hook = h, .body = BODY_EMPTY, .wl = workload_find(DISP_WORKLOAD),
				   .consumer_cpu = sw_cpu };
	/* Short. A kernel hook's pair takes ~30-70 ms: at least 10 pairs, then
	 * five more at a time until bench's interval is within 5% (3 ns) or
	 * the pairs took 0.6 s. A uprobe's, of 1000 hits, ~0.15 s (the detach
	 * waits ~100 ms): 8 pairs; paced, 48 hits a trial, 6 pairs. */
	struct bench_opts o = { .trials = 10, .max_trials = MAX_PAIRS, .max_s = 0.6, .ci_ns = 3,
				.ci_pct = 5, .cpu = 0, .consumer_cpu = sw_cpu, .trial_ms = 2,
				.no_stats = true };
	struct bench_result r;
	struct probe_row pr;
	double d[MAX_PAIRS], avg[MAX_PAIRS];
	uint64_t c0 = 0, t0 = 0, c1, t1, start = now_ns();
	int fd, n = 0;

	if (user) {
		o.ops = 1000;
		o.trials = o.max_trials = 8;
	}
	if (paced) {
		wl_paced = *spec.wl;
		wl_paced.prep = paced_prep;
		spec.wl = &wl_paced;
		o.ops = 48;
		o.trials = o.max_trials = 6;
	}

	if (probe_row_open(&pr, &spec, &o, &r)) {
		c->status = r.status == RES_UNSUPPORTED ? DS_UNSUPPORTED : DS_FAILED;
		snprintf(c->reason, sizeof(c->reason), "%.150s", r.reason);
		bench_result_free(&r);
		return;
	}
	fd = probe_prog_fd(pr.p);
	prog_run_stats(fd, &c0, &t0, NULL);
	for (bool more = true; more;) {
		int before = r.trials;

		more = bench_pair(&pr.br);
		if (r.trials == before || n == MAX_PAIRS)
			continue;
		if (prog_run_stats(fd, &c1, &t1, NULL) || c1 <= c0) {
			snprintf(c->reason, sizeof(c->reason), "BPF stats did not count the runs");
			break;
		}
		avg[n] = (double)(t1 - t0) / (double)(c1 - c0);
		d[n] = r.probe_trials_ns[before] - r.base_trials_ns[before] - avg[n];
		n++;
		c0 = c1;
		t0 = t1;
	}
	probe_row_close(&pr);
	c->pairs = n;
	c->seconds = (now_ns() - start) / 1e9;
	if (r.status != RES_OK || n < 6) {
		c->status = r.status == RES_UNSUPPORTED ? DS_UNSUPPORTED : DS_FAILED;
		if (!c->reason[0])
			snprintf(c->reason, sizeof(c->reason), "%.150s",
				 r.reason[0] ? r.reason : "interrupted");
		bench_result_free(&r);
		return;
	}
	c->overhead_ns = r.overhead_ns;
	c->ovh_lo_ns = r.ci_lo;
	c->ovh_hi_ns = r.ci_hi;
	c->avg_ns = median_of(avg, n);
	hodges_lehmann(d, n, &c->dispatch_ns, &c->lo_ns, &c->hi_ns);
	c->status = DS_OK;
	if (c->dispatch_ns < 0) {
		c->status = DS_UNRESOLVED;
		snprintf(c->reason, sizeof(c->reason),
			 "the program's AVG (%.0f ns) is above its whole cost per hit (%.0f ns)",
			 c->avg_ns, c->overhead_ns);
	}
	bench_result_free(&r);
}

/* A uprobe hit costs ~25% more when it comes alone than right after
 * another (its path cold in the caches, NOTES): both are measured, and
 * the estimate is their midpoint, its interval from the back-to-back
 * hits' lower bound to the isolated ones' upper bound. A caller's hits
 * fall anywhere between; the midpoint is off by at most half the range. */
static void add_isolated(int h, int sw_cpu, struct top_hook_cost *c)
{
	struct top_hook_cost iso;

	memset(&iso, 0, sizeof(iso));
	iso.dispatch_ns = iso.lo_ns = iso.hi_ns = NAN;
	c->b2b_ns = c->dispatch_ns;
	c->b2b_lo_ns = c->lo_ns;
	c->b2b_hi_ns = c->hi_ns;
	calibrate_hook(h, sw_cpu, true, &iso);
	c->seconds += iso.seconds;
	if (iso.status != DS_OK) {
		snprintf(c->reason, sizeof(c->reason), "back to back only; isolated hits: %.100s",
			 iso.reason[0] ? iso.reason : top_disp_status_names[iso.status]);
		return;
	}
	c->iso_ns = iso.dispatch_ns;
	c->iso_lo_ns = iso.lo_ns;
	c->iso_hi_ns = iso.hi_ns;
	c->dispatch_ns = (c->b2b_ns + c->iso_ns) / 2;
	c->lo_ns = fmin(c->b2b_lo_ns, c->iso_lo_ns);
	c->hi_ns = fmax(c->b2b_hi_ns, c->iso_hi_ns);
	c->pairs += iso.pairs;
}

static json_object *doc_header(const struct top_dispatch *d, const char *method)
{
	json_object *doc = json_object_new_object();
	char date[32];

	json_object_object_add(doc, "schema", jstr(DISP_SCHEMA));
	json_object_object_add(doc, "date", jstr(iso_time_now(date, sizeof(date))));
	json_object_object_add(doc, "kernel", jstr(d->kernel));
	json_object_object_add(doc, "kernel_version", jstr(d->kernel_version));
	json_object_object_add(doc, "cpu_model", jstr(d->cpu_model));
	json_object_object_add(doc, "online_cpus", jint(online_cpus()));
	json_object_object_add(doc, "bpfcost_version", jstr(BPFCOST_VERSION));
	json_object_object_add(doc, "workload", jstr(DISP_WORKLOAD));
	json_object_object_add(doc, "method", jstr(method));
	return doc;
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t w = write(fd, s, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		len -= (size_t)w;
	}
}

static const char method[] =
	"bench's paired method per hook: an empty program on getpid, baseline and probe "
	"trials alternating on CPU 0 with BPF stats on; dispatch = (probe - baseline) - "
	"the program's AVG, per pair; Hodges-Lehmann estimate and 95% interval";

/* The child: calibrate every hook, write the document, leave. Never
 * returns. The parent's atexit handlers (the stats sysctl) are not ours:
 * _exit. */
static void child_main(const struct top_dispatch *d, int wfd, pid_t parent)
{
	json_object *doc = doc_header(d, method), *arr = json_object_new_array();
	int ncpus = online_cpus(), sw_cpu = ncpus > 1 ? 1 : -1, devnull;
	const char *txt;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	signal(SIGPIPE, SIG_IGN);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, STDIN_FILENO);
		if (!verbose) /* the parent may be drawing a screen */
			dup2(devnull, STDERR_FILENO);
	}
	pin_to_cpu(0);
	for (int h = 1; h < NR_HOOKS && !stop_requested; h++) {
		struct top_hook_cost c;

		memset(&c, 0, sizeof(c));
		c.dispatch_ns = c.lo_ns = c.hi_ns = c.overhead_ns = NAN;
		c.ovh_lo_ns = c.ovh_hi_ns = c.avg_ns = c.seconds = NAN;
		c.b2b_ns = c.b2b_lo_ns = c.b2b_hi_ns = c.iso_ns = c.iso_lo_ns = c.iso_hi_ns = NAN;
		calibrate_hook(h, sw_cpu, false, &c);
		if (hooks[h].user && c.status == DS_OK && !stop_requested)
			add_isolated(h, sw_cpu, &c);
		json_object_array_add(arr, cost_json(h, &c));
	}
	json_object_object_add(doc, "hooks", arr);
	txt = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	if (!stop_requested)
		write_all(wfd, txt, strlen(txt));
	close(wfd);
	hoststate_end();
	_exit(stop_requested ? EXIT_INTERRUPTED : 0);
}

static void start_child(struct top_dispatch *d)
{
	int p[2];
	pid_t parent = getpid(), pid;

	if (pipe2(p, O_CLOEXEC)) {
		d->state = DISP_FAILED;
		snprintf(d->note, sizeof(d->note), "calibration failed: pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		d->state = DISP_FAILED;
		snprintf(d->note, sizeof(d->note), "calibration failed: fork: %s", strerror(errno));
		return;
	}
	if (!pid) {
		close(p[0]);
		hoststate_after_fork();
		child_main(d, p[1], parent);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	d->child = pid;
	d->fd = p[0];
	d->start_ns = now_ns();
	d->state = DISP_CALIBRATING;
}

/* ---- the parent's side ---- */

static bool load_cache(struct top_dispatch *d, struct top_stats *s)
{
	char err[256];
	json_object *doc = access(d->path, R_OK) ? NULL : json_read_file(d->path, err, sizeof(err));
	bool ok = doc && doc_into(d, doc);

	if (ok)
		stats_cost_from_doc(doc, s, d->date);
	json_object_put(doc);
	return ok;
}

void top_dispatch_start(struct top_dispatch *d, bool calibrate, bool recalibrate,
			struct top_stats *s)
{
	d->stats = s;
	if (d->source && !strcmp(d->source, "file")) {
		/* bench measured overhead with stats off (unless someone held
		 * them on): the stats' whole cost per run comes on top */
		for (int h = 1; h < NR_HOOKS; h++) {
			struct top_hook_cost *c = &d->hook[h];
			double add = c->stats_on ? 0 : s->cost_ns, add_lo = c->stats_on ? 0 : s->cost_lo_ns,
			       add_hi = c->stats_on ? 0 : s->cost_hi_ns;

			if (c->status != DS_OK)
				continue;
			if (isnan(add)) {
				add = add_lo = add_hi = 0;
				snprintf(c->reason, sizeof(c->reason),
					 "without the stats' own cost (not measured here)");
			}
			c->dispatch_ns = c->overhead_ns - c->avg_ns + add;
			c->lo_ns = c->ovh_lo_ns - c->avg_ns + add_lo;
			c->hi_ns = c->ovh_hi_ns - c->avg_ns + add_hi;
			if (c->dispatch_ns < 0) {
				c->status = DS_UNRESOLVED;
				snprintf(c->reason, sizeof(c->reason),
					 "the AVG in FILE (%.0f ns) is above its whole cost (%.0f ns%s)",
					 c->avg_ns, c->overhead_ns + add,
					 add ? " with the stats' cost" : "");
			}
		}
		d->state = DISP_READY;
		return;
	}
	host_identity(d);
	cache_path(d, d->path, sizeof(d->path));
	if (!recalibrate && load_cache(d, s)) {
		d->source = "cache";
		d->state = DISP_READY;
		return;
	}
	if (!calibrate) {
		d->state = DISP_OFF;
		snprintf(d->note, sizeof(d->note), "not calibrated (--no-calibrate; no cache for this "
			 "kernel and CPU)");
		return;
	}
	start_child(d);
}

static void save_cache(struct top_dispatch *d, json_object *doc)
{
	char dir[PATH_MAX], *slash;
	const char *txt;
	int err;

	if (d->stats && !isnan(d->stats->cost_ns))
		json_object_object_add(doc, "stats_cost", stats_cost_json(d->stats));
	snprintf(dir, sizeof(dir), "%s", d->path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	txt = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
					     JSON_C_TO_STRING_NOSLASHESCAPE);
	err = mkdir_parents(dir);
	if (!err)
		err = write_file_atomic(d->path, txt, strlen(txt));
	if (err) {
		snprintf(d->note, sizeof(d->note), "not cached: %.120s: %s", d->path, strerror(-err));
		info_msg("cannot write the calibration cache %s: %s", d->path, strerror(-err));
	}
}

static void child_done(struct top_dispatch *d)
{
	int status = 0;
	json_object *doc = NULL;

	close(d->fd);
	d->fd = -1;
	waitpid(d->child, &status, 0);
	d->child = 0;
	if (WIFSIGNALED(status))
		hoststate_recover(); /* what a killed child held */
	if (d->buf) {
		d->buf[d->len] = '\0';
		doc = json_tokener_parse(d->buf);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && doc && doc_into(d, doc)) {
		bool any = false;

		for (int h = 1; h < NR_HOOKS; h++)
			any |= d->hook[h].status == DS_OK;
		d->source = "calibrated";
		d->state = DISP_READY;
		/* a calibration that measured nothing is not kept: the next
		 * run tries again */
		if (any)
			save_cache(d, doc);
		else
			snprintf(d->note, sizeof(d->note), "not cached: no hook calibrated");
	} else {
		d->state = DISP_FAILED;
		snprintf(d->note, sizeof(d->note), "calibration failed (%s)",
			 WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) :
			 WIFEXITED(status) && WEXITSTATUS(status) == EXIT_INTERRUPTED ? "interrupted" :
			 "no result");
	}
	json_object_put(doc);
	zfree(&d->buf);
	d->len = d->cap = 0;
}

bool top_dispatch_poll(struct top_dispatch *d, bool wait)
{
	if (d->state != DISP_CALIBRATING)
		return false;
	for (;;) {
		struct pollfd pfd = { .fd = d->fd, .events = POLLIN };
		ssize_t n;

		if (d->len + 4096 + 1 > d->cap) {
			size_t cap = d->cap ? 2 * d->cap : 65536;
			char *b = realloc(d->buf, cap);

			if (!b)
				return false;
			d->buf = b;
			d->cap = cap;
		}
		n = read(d->fd, d->buf + d->len, d->cap - d->len - 1);
		if (n > 0) {
			d->len += (size_t)n;
			continue;
		}
		if (n == 0) {
			child_done(d);
			return true;
		}
		if (errno == EINTR && !stop_requested)
			continue;
		if ((errno != EAGAIN && errno != EINTR) || !wait || stop_requested)
			return false;
		poll(&pfd, 1, 100);
	}
}

void top_dispatch_stop(struct top_dispatch *d)
{
	if (d->child > 0) {
		int status;

		kill(d->child, SIGTERM);
		/* it stops at its next op or switch; a stuck one is killed */
		for (int i = 0; i < 50 && waitpid(d->child, &status, WNOHANG) == 0; i++)
			usleep(20000);
		if (waitpid(d->child, &status, WNOHANG) == 0) {
			kill(d->child, SIGKILL);
			waitpid(d->child, &status, 0);
			/* what it held (a knob, a tracefs mount) is put back now,
			 * not by the next bpfcost run */
			hoststate_recover();
		}
		d->child = 0;
	}
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	zfree(&d->buf);
	if (d->state == DISP_CALIBRATING) {
		d->state = DISP_FAILED;
		snprintf(d->note, sizeof(d->note), "calibration stopped");
	}
}

/* ---- --calibration FILE ---- */

int top_dispatch_read_bench(struct top_dispatch *d, const char *path)
{
	static const char accepted[] = "accepted: the --json result of bpfcost bench with "
				       "empty-body rows, e.g. bench --body empty -o FILE";
	char err[256];
	json_object *doc = json_read_file(path, err, sizeof(err)), *res, *env;
	const char *schema = doc ? jget_str(doc, "schema") : NULL;
	int used = 0;

	if (!doc)
		return usage_error("bad --calibration: %s (%s)", err, accepted);
	if (!schema || strcmp(schema, "bpfcost.bench/1") ||
	    !json_object_object_get_ex(doc, "results", &res) ||
	    !json_object_is_type(res, json_type_array)) {
		json_object_put(doc);
		return usage_error("bad --calibration '%s': not a bench result (%s)", path, accepted);
	}
	for (size_t i = 0; i < json_object_array_length(res); i++) {
		json_object *r = json_object_array_get_idx(res, i), *son;
		const char *body = jget_str(r, "body"), *st = jget_str(r, "status");
		const char *wl = jget_str(r, "workload");
		int h = hook_index(jget_str(r, "hook"));
		struct top_hook_cost *c;

		if (h < 0 || !body || strcmp(body, "empty") || !st)
			continue;
		c = &d->hook[h];
		/* getpid's row first: it is what a calibration here measures */
		if (c->status == DS_OK && (!wl || strcmp(wl, DISP_WORKLOAD)))
			continue;
		if (strcmp(st, "ok")) {
			if (c->status == DS_NONE) {
				c->status = !strcmp(st, "unsupported") ? DS_UNSUPPORTED : DS_FAILED;
				snprintf(c->reason, sizeof(c->reason), "%s",
					 jget_str(r, "reason") ? jget_str(r, "reason") : st);
			}
			continue;
		}
		jget_ci(r, "overhead", "ns", &c->overhead_ns, &c->ovh_lo_ns, &c->ovh_hi_ns);
		c->avg_ns = jget_num(r, "prog_avg_ns");
		c->pairs = (int)jget_int(r, "trials", 0);
		c->stats_on = json_object_object_get_ex(r, "stats_on_in_trials", &son) &&
			      json_object_get_boolean(son);
		c->reason[0] = '\0';
		if (isnan(c->overhead_ns) || isnan(c->avg_ns)) {
			c->status = DS_FAILED;
			snprintf(c->reason, sizeof(c->reason),
				 "no program run time in the file (bench --no-stats?)");
			continue;
		}
		c->status = DS_OK;
		if (hooks[h].user) /* bench's rows are hits back to back */
			snprintf(c->reason, sizeof(c->reason), "back to back only (a bench result)");
		used++;
	}
	if (!used) {
		json_object_put(doc);
		return usage_error("bad --calibration '%s': no ok empty-body row with its program "
				   "time (%s)", path, accepted);
	}
	for (int h = 1; h < NR_HOOKS; h++)
		if (d->hook[h].status == DS_NONE)
			snprintf(d->hook[h].reason, sizeof(d->hook[h].reason), "not in %s", path);
	host_identity(d);
	if (json_object_object_get_ex(doc, "env", &env)) {
		const char *k = jget_str(env, "kernel"), *cpu = jget_str(env, "cpu_model");

		if ((k && strcmp(k, d->kernel)) || (cpu && strcmp(cpu, d->cpu_model))) {
			snprintf(d->note, sizeof(d->note), "measured on another host (%.40s, %.60s)",
				 k ? k : "?", cpu ? cpu : "?");
			warn_msg("--calibration %s was measured on %s, %s: not this host's kernel "
				 "and CPU", path, k ? k : "?", cpu ? cpu : "?");
		}
	}
	snprintf(d->date, sizeof(d->date), "%s", jget_str(doc, "time") ? jget_str(doc, "time") : "?");
	snprintf(d->path, sizeof(d->path), "%s", path);
	d->source = "file";
	json_object_put(doc);
	return 0;
}

/* ---- per program ---- */

int top_prog_hook(const struct top_prog *p, char *note, size_t len)
{
	const char *s = p->attach;
	int hook = -1;

	note[0] = '\0';
	if (!*s) {
		/* a tracepoint or raw tracepoint program can be on nothing else */
		if (p->type == BPF_PROG_TYPE_TRACEPOINT)
			return HOOK_TP;
		if (p->type == BPF_PROG_TYPE_RAW_TRACEPOINT ||
		    p->type == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE)
			return HOOK_RAWTP;
		snprintf(note, len, "attach point not seen");
		return -1;
	}
	while (*s) {
		size_t k = strcspn(s, ": ,");
		int h = -1;

		for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
			if (strlen(kinds[i].kind) == k && !strncmp(s, kinds[i].kind, k))
				h = kinds[i].hook;
		if (h < 0) {
			snprintf(note, len, "no calibration for %.*s hooks", (int)k, s);
			return -1;
		}
		if (hook >= 0 && h != hook) {
			snprintf(note, len, "attached to hooks of several kinds");
			return -1;
		}
		hook = h;
		s += strcspn(s, ",");
		s += *s == ',';
	}
	return hook;
}

void top_dispatch_apply(const struct top_dispatch *d, struct top_state *st)
{
	struct top_host *t = &st->host;
	double ns = st->interval_s * 1e9, full_time = 0;

	memset(t, 0, sizeof(*t));
	t->programs = st->nprogs;
	for (int i = 0; i < st->nprogs; i++) {
		struct top_prog *p = st->progs[i];
		int h = top_prog_hook(p, p->dispatch_note, sizeof(p->dispatch_note));
		const struct top_hook_cost *c = h > 0 ? &d->hook[h] : NULL;

		p->hook = h > 0 ? hooks[h].name : NULL;
		p->dispatch_ns = p->dispatch_lo_ns = p->dispatch_hi_ns = NAN;
		if (c && d->state == DISP_READY && c->status == DS_OK) {
			p->dispatch_ns = c->dispatch_ns;
			p->dispatch_lo_ns = c->lo_ns;
			p->dispatch_hi_ns = c->hi_ns;
		} else if (c) {
			snprintf(p->dispatch_note, sizeof(p->dispatch_note), "%s: %s", hooks[h].name,
				 d->state == DISP_CALIBRATING ? "calibrating" :
				 d->state != DISP_READY ? "not calibrated" :
				 c->status == DS_NONE ? "not calibrated" :
				 c->status == DS_UNSUPPORTED ? "unsupported here" :
				 top_disp_status_names[c->status]);
		}
		p->full_ns = p->avg_ns + p->dispatch_ns;
		p->full_ns_total = p->avg_ns_total + p->dispatch_ns;
		p->full_core_pct = p->full_host_pct = NAN;
		if (!p->have_interval || !(ns > 0))
			continue;
		/* no runs, no dispatch: nothing to estimate */
		if (!p->d_run_cnt || !isnan(p->dispatch_ns)) {
			double full = (double)p->d_run_time_ns +
				      (p->d_run_cnt ? (double)p->d_run_cnt * p->dispatch_ns : 0);

			p->full_core_pct = 100.0 * full / ns;
			p->full_host_pct = p->full_core_pct / st->ncpus;
		}
		t->runs += p->d_run_cnt;
		t->run_time_ns += p->d_run_time_ns;
		if (p->d_run_cnt)
			t->running++;
		if (p->d_run_cnt && isnan(p->dispatch_ns))
			t->unestimated++;
		full_time += isnan(p->full_core_pct) ? (double)p->d_run_time_ns : p->full_core_pct * ns / 100;
	}
	if (st->samples < 2 || !(ns > 0)) {
		t->events_per_s = t->avg_ns = t->cpu_core_pct = t->cpu_host_pct = NAN;
		t->full_core_pct = t->full_host_pct = NAN;
		return;
	}
	t->events_per_s = t->runs / st->interval_s;
	t->avg_ns = t->runs ? (double)t->run_time_ns / t->runs : NAN;
	t->cpu_core_pct = 100.0 * t->run_time_ns / ns;
	t->cpu_host_pct = t->cpu_core_pct / st->ncpus;
	t->full_core_pct = 100.0 * full_time / ns;
	t->full_host_pct = t->full_core_pct / st->ncpus;
}

/* ---- text and JSON ---- */

const char *top_dispatch_line(const struct top_dispatch *d, char *buf, size_t len)
{
	size_t off;

	switch (d->state) {
	case DISP_CALIBRATING:
		snprintf(buf, len, "dispatch: calibrating on this host (%.0f s so far; cached for "
			 "the next run)", (now_ns() - d->start_ns) / 1e9);
		return buf;
	case DISP_OFF:
	case DISP_FAILED:
		snprintf(buf, len, "dispatch: %s", d->note[0] ? d->note : "not calibrated");
		return buf;
	default:
		break;
	}
	off = (size_t)snprintf(buf, len, "dispatch ns/run (%s %.10s):",
			       !strcmp(d->source, "file") ? "file" : d->source, d->date);
	for (int h = 1; h < NR_HOOKS && off < len; h++)
		if (d->hook[h].status == DS_OK)
			off += (size_t)snprintf(buf + off, len - off, " %s %.0f", hooks[h].name,
						d->hook[h].dispatch_ns);
	if (off < len && buf[off - 1] == ':')
		snprintf(buf + off, len - off, " none");
	return buf;
}

/* Which programs can have no estimate, and why: the bench hooks this host
 * could not calibrate (or the --calibration file lacks), then the kinds of
 * hook bench cannot trigger at all. */
const char *top_dispatch_gaps(const struct top_dispatch *d, char *buf, size_t len)
{
	static const struct {
		enum top_disp_status st;
		const char *why;
	} groups[] = {
		{ DS_UNSUPPORTED, "unsupported here" }, { DS_FAILED, "failed" },
		{ DS_UNRESOLVED, "unresolved" }, { DS_NONE, NULL },
	};
	bool file = d->source && !strcmp(d->source, "file");
	size_t off = (size_t)snprintf(buf, len, "no dispatch estimate for");

	for (size_t g = 0; d->state == DISP_READY && g < ARRAY_SIZE(groups); g++) {
		int n = 0;

		for (int h = 1; h < NR_HOOKS && off < len; h++)
			if (d->hook[h].status == groups[g].st)
				off += (size_t)snprintf(buf + off, len - off, "%s%s", n++ ? ", " : " ",
							hooks[h].name);
		if (n && off < len)
			off += (size_t)snprintf(buf + off, len - off, " (%s);",
						groups[g].why ? groups[g].why :
						file ? "not in the file" : "not calibrated");
	}
	if (off < len)
		snprintf(buf + off, len - off, " programs on xdp, tc, cgroup, socket, lsm, iter, "
			 "struct_ops, kprobe_multi, fmod_ret, perf_event (no hook bench can trigger)");
	return buf;
}

json_object *top_dispatch_json(const struct top_dispatch *d)
{
	static const char *const states[] = { "off", "calibrating", "ready", "failed" };
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	bool have = d->state == DISP_READY;

	json_object_object_add(o, "state", jstr(states[d->state]));
	json_object_object_add(o, "source", jstr(d->source));
	json_object_object_add(o, "date", have ? jstr(d->date) : NULL);
	json_object_object_add(o, "kernel", d->kernel[0] ? jstr(d->kernel) : NULL);
	json_object_object_add(o, "cpu_model", d->cpu_model[0] ? jstr(d->cpu_model) : NULL);
	json_object_object_add(o, "workload", jstr(DISP_WORKLOAD));
	json_object_object_add(o, "path", d->path[0] ? jstr(d->path) : NULL);
	json_object_object_add(o, "note", d->note[0] ? jstr(d->note) : NULL);
	for (int h = 1; h < NR_HOOKS; h++)
		json_object_array_add(arr, cost_json(h, &d->hook[h]));
	json_object_object_add(o, "hooks", arr);
	return o;
}
