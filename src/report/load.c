// SPDX-License-Identifier: GPL-2.0
#include "report/load.h"
#include "base/output.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const rp_schema_names[RK_N] = {
	[RK_BENCH] = "bpfcost.bench/1",
	[RK_SWEEP] = "bpfcost.sweep/1",
	[RK_APP] = "bpfcost.app/1",
	[RK_MEASURE] = "bpfcost.measure/1",
	[RK_LAB] = "bpfcost.lab/1",
	[RK_CHECK] = "bpfcost.check/1",
	[RK_STUDY] = "bpfcost.study/1",
};

/* Where each schema keeps its rows. */
static const char *const rows_key[RK_N] = {
	[RK_BENCH] = "results", [RK_SWEEP] = "points", [RK_APP] = "results",
	[RK_MEASURE] = "results", [RK_LAB] = "results", [RK_CHECK] = "hooks",
	[RK_STUDY] = "phases",
};

/* Grow an RP_ARRAY by one zeroed element; NULL when out of memory. */
#define RP_PUSH(d, name)                                                                   \
	({                                                                                 \
		__typeof__((d)->name) _p = NULL;                                          \
		if ((d)->n_##name == (d)->cap_##name) {                                   \
			int _c = (d)->cap_##name ? (d)->cap_##name * 2 : 16;              \
			__typeof__((d)->name) _n = realloc((d)->name, _c * sizeof(*_n)); \
			if (_n) {                                                         \
				(d)->name = _n;                                           \
				(d)->cap_##name = _c;                                     \
			}                                                                 \
		}                                                                         \
		if ((d)->n_##name < (d)->cap_##name) {                                    \
			_p = &(d)->name[(d)->n_##name++];                                 \
			memset(_p, 0, sizeof(*_p));                                       \
		}                                                                         \
		_p;                                                                       \
	})

const char *rp_s(const char *s)
{
	return s && *s ? s : "-";
}

bool rp_has_output(const char *body)
{
	return body && (strstr(body, "ringbuf") || strstr(body, "perfbuf") || strstr(body, "perf"));
}

bool rp_row_emits(const struct rp_bench_row *r)
{
	return rp_has_output(r->body) || (r->obj_output && *r->obj_output);
}

bool rp_is_control(const char *hook)
{
	return hook && (!strcmp(hook, "null") || !strcmp(hook, "none"));
}

double rp_added(double probe, double base)
{
	return isfinite(probe) && isfinite(base) ? probe - base : NAN;
}

/* A finite number or NaN: null, strings, NaN and Infinity all count as
 * not measured. */
static double num(json_object *o, const char *key)
{
	double v = jget_num(o, key);

	return isfinite(v) ? v : NAN;
}

/* First of several names that holds a number. */
static double num2(json_object *o, const char *a, const char *b)
{
	double v = num(o, a);

	return isfinite(v) || !b ? v : num(o, b);
}

/* A latency in ns, given as KEY_ns, KEY_us or KEY_ms. */
static double num_ns(json_object *o, const char *key)
{
	static const struct { const char *sfx; double mult; } units[] = {
		{ "_ns", 1 }, { "_us", 1e3 }, { "_ms", 1e6 },
	};
	char k[96];

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		double v;

		snprintf(k, sizeof(k), "%s%s", key, units[i].sfx);
		v = num(o, k);
		if (isfinite(v))
			return v * units[i].mult;
	}
	return NAN;
}

static const char *str(json_object *o, const char *key)
{
	return jget_str(o, key);
}

static json_object *obj(json_object *o, const char *key, enum json_type t)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v || !json_object_is_type(v, t))
		return NULL;
	return v;
}

/* Two arrays of numbers, one value per trial, into tr: pairs with a
 * non-number on either side are left out; arrays of different lengths give
 * none. -1 only when out of memory. */
static int load_trials(json_object *row, const char *base_key, const char *probe_key,
		       struct rp_trials *tr)
{
	json_object *b = obj(row, base_key, json_type_array), *p = obj(row, probe_key, json_type_array);
	size_t n;

	memset(tr, 0, sizeof(*tr));
	if (!b || !p || (n = json_object_array_length(b)) != json_object_array_length(p) || !n)
		return 0;
	tr->base = malloc(n * sizeof(double));
	tr->probe = malloc(n * sizeof(double));
	if (!tr->base || !tr->probe) {
		free(tr->base);
		free(tr->probe);
		memset(tr, 0, sizeof(*tr));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		double bv = jget_elem(b, i), pv = jget_elem(p, i);

		if (isnan(bv) || isnan(pv))
			continue;
		tr->base[tr->n] = bv;
		tr->probe[tr->n] = pv;
		tr->n++;
	}
	return 0;
}

static void free_trials(struct rp_trials *tr)
{
	free(tr->base);
	free(tr->probe);
	memset(tr, 0, sizeof(*tr));
}

static int find_host(struct rp_data *d, json_object *env)
{
	const char *hn = str(env, "hostname"), *kv = str(env, "kernel");
	struct rp_host *h;
	json_object *v;

	for (int i = 0; i < d->n_hosts; i++) {
		h = &d->hosts[i];
		if (!strcmp(rp_s(h->hostname), rp_s(hn)) && !strcmp(rp_s(h->kernel), rp_s(kv)))
			return i;
	}
	h = RP_PUSH(d, hosts);
	if (!h)
		return -1;
	h->env = env;
	h->hostname = hn;
	h->kernel = kv;
	h->arch = str(env, "arch");
	h->cpu_model = str(env, "cpu_model");
	h->smt = str(env, "smt");
	h->virt = str(env, "virtualization");
	h->governor = str(env, "governor");
	h->clocksource = str(env, "clocksource");
	h->timer = str(env, "timer");
	h->cpus = num2(env, "cpus_online", "cpus");
	h->jit = num(env, "bpf_jit_enable");
	h->timer_overhead_ns = num(env, "timer_overhead_ns");
	h->turbo = -1;
	if ((v = obj(env, "turbo", json_type_boolean)))
		h->turbo = json_object_get_boolean(v);
	if ((v = obj(env, "emulated", json_type_boolean)))
		h->emulated = json_object_get_boolean(v);
	h->mitigations = obj(env, "mitigations", json_type_object);
	snprintf(h->label, sizeof(h->label), "%s (%s)", hn ? hn : "unknown host",
		 kv ? kv : "unknown kernel");
	return d->n_hosts - 1;
}

static int load_bench(struct rp_data *d, json_object *root, json_object *row, int host, int file)
{
	struct rp_bench_row *r = RP_PUSH(d, bench);
	json_object *cfg = obj(root, "config", json_type_object);
	json_object *o = obj(root, "obj", json_type_object);

	if (!r)
		return -1;
	r->background = str(cfg, "background");
	if (r->background && (!*r->background || !strcmp(r->background, "none")))
		r->background = NULL;
	r->buf_size = num(cfg, "buf_size");
	r->buf_kernel_bytes = num(row, "buf_kernel_bytes");
	if (o) {
		json_object *progs = obj(o, "programs", json_type_array);

		r->obj_output = str(o, "output");
		r->obj_path = str(o, "path");
		/* the first program's kind names the object's hook */
		if (progs && json_object_array_length(progs))
			r->obj_kinds = str(json_object_array_get_idx(progs, 0), "kind");
	}
	r->host = host;
	r->file = file;
	r->workload = str(row, "workload");
	r->hook = str(row, "hook");
	r->body = str(row, "body");
	r->status = str(row, "status");
	r->reason = str(row, "reason");
	r->ops = num(row, "ops");
	r->events = num(row, "events");
	r->lost = num(row, "lost");
	jget_ci(row, "overhead_mean", "ns", &r->overhead_mean_ns, &r->mean_lo, &r->mean_hi);
	r->base_ns = num(row, "base_ns");
	r->probe_ns = num(row, "probe_ns");
	jget_ci(row, "overhead", "ns", &r->overhead_ns, &r->ci_lo, &r->ci_hi);
	r->overhead_pct = num(row, "overhead_pct");
	r->base_p50 = num_ns(row, "base_p50");
	r->base_p99 = num_ns(row, "base_p99");
	r->base_p999 = num_ns(row, "base_p999");
	r->probe_p50 = num_ns(row, "probe_p50");
	r->probe_p99 = num_ns(row, "probe_p99");
	r->probe_p999 = num_ns(row, "probe_p999");
	r->prog_avg_ns = num(row, "prog_avg_ns");
	/* body and dispatch only where bench resolved the split: older files'
	 * dispatch_ns (overhead - program time, the stats' cost included)
	 * could be negative, and nothing is built on it */
	r->split = str(row, "split");
	r->split_reason = str(row, "split_reason");
	r->body_ns = r->body_lo = r->body_hi = NAN;
	r->dispatch_ns = r->dispatch_lo = r->dispatch_hi = NAN;
	if (r->split && !strcmp(r->split, "resolved")) {
		jget_ci(row, "body", "ns", &r->body_ns, &r->body_lo, &r->body_hi);
		jget_ci(row, "dispatch", "ns", &r->dispatch_ns, &r->dispatch_lo, &r->dispatch_hi);
	}
	r->trials = num(row, "trials");
	r->samples = num(row, "samples");
	return load_trials(row, "base_trials_ns", "probe_trials_ns", &r->tr);
}

static int load_sweep(struct rp_data *d, json_object *row, int host, int file)
{
	struct rp_sweep_point *p = RP_PUSH(d, points);
	json_object *v;

	if (!p)
		return -1;
	p->host = host;
	p->file = file;
	p->workload = str(row, "workload");
	p->hook = str(row, "hook");
	p->body = str(row, "body");
	p->arrival = str(row, "arrival");
	p->consumer = str(row, "consumer");
	p->flow = str(row, "flow");
	p->status = str(row, "status");
	p->reason = str(row, "reason");
	p->threads = num(row, "threads");
	p->max = (v = obj(row, "max", json_type_boolean)) && json_object_get_boolean(v);
	p->base_ns = num(row, "base_ns");
	jget_ci(row, "overhead", "ns", &p->overhead_ns, &p->overhead_lo, &p->overhead_hi);
	p->target_rate = num(row, "target_rate");
	p->achieved_rate = num(row, "achieved_rate");
	p->base_p50 = num_ns(row, "base_p50");
	p->base_p99 = num_ns(row, "base_p99");
	p->base_p999 = num_ns(row, "base_p999");
	p->base_max = num_ns(row, "base_max");
	p->probe_p50 = num_ns(row, "probe_p50");
	p->probe_p99 = num_ns(row, "probe_p99");
	p->probe_p999 = num_ns(row, "probe_p999");
	p->probe_max = num_ns(row, "probe_max");
	p->cpu_workload_pct = num(row, "cpu_workload_pct");
	p->cpu_consumer_pct = num(row, "cpu_consumer_pct");
	p->prog_avg_ns = num(row, "prog_avg_ns");
	p->system_overhead_pct = num(row, "system_overhead_pct");
	p->produced = num(row, "produced");
	p->consumed = num(row, "consumed");
	p->lost = num(row, "lost");
	p->loss_pct = num(row, "loss_pct");
	p->base_backlog = (v = obj(row, "base_backlog", json_type_boolean)) && json_object_get_boolean(v);
	p->probe_backlog = (v = obj(row, "probe_backlog", json_type_boolean)) &&
			   json_object_get_boolean(v);
	if (!isfinite(p->loss_pct) && isfinite(p->lost) && isfinite(p->produced) && p->produced > 0)
		p->loss_pct = p->lost / p->produced * 100.0;
	return 0;
}

static int load_knee(struct rp_data *d, json_object *root, json_object *k, int host, int file)
{
	json_object *cfg = obj(root, "config", json_type_object);
	struct rp_knee *n;
	json_object *v;

	if (!json_object_is_type(k, json_type_object))
		return 0;
	n = RP_PUSH(d, knees);
	if (!n)
		return -1;
	n->host = host;
	n->file = file;
	n->workload = str(k, "workload");
	n->hook = str(k, "hook");
	n->body = str(k, "body");
	n->cause = str(k, "cause");
	if (!n->cause)
		n->cause = str(k, "reason");
	n->rate = num2(k, "rate_per_s", "rate");
	jget_pair(k, "ci95", &n->lo, &n->hi);
	if (!isfinite(n->lo))
		jget_pair(k, "interval", &n->lo, &n->hi);
	n->max_cpu_pct = num(k, "max_cpu_pct");
	if (!isfinite(n->max_cpu_pct))
		n->max_cpu_pct = num(cfg, "max_cpu_pct");
	n->max_loss_pct = num(k, "max_loss_pct");
	if (!isfinite(n->max_loss_pct))
		n->max_loss_pct = num(cfg, "max_loss_pct");
	n->found = isfinite(n->rate);
	if ((v = obj(k, "found", json_type_boolean)))
		n->found = json_object_get_boolean(v) && isfinite(n->rate);
	return 0;
}

static int load_app(struct rp_data *d, json_object *root, json_object *row, int host, int file)
{
	struct rp_app_row *a = RP_PUSH(d, apps);
	json_object *pr, *v;

	if (!a)
		return -1;
	a->host = host;
	a->file = file;
	a->app = str(row, "app");
	if (!a->app)
		a->app = str(root, "app");
	if (!a->app)
		a->app = str(root, "name");
	a->hook = str(row, "hook");
	a->body = str(row, "body");
	a->status = str(row, "status");
	a->reason = str(row, "reason");
	a->unit = str(row, "throughput_unit");
	if (!a->unit)
		a->unit = str(root, "throughput_unit");
	a->base_tput = num(row, "base_throughput");
	a->probe_tput = num(row, "probe_throughput");
	a->change_pct = num(row, "change_pct");
	if (!isfinite(a->change_pct) && isfinite(a->base_tput) && a->base_tput > 0 &&
	    isfinite(a->probe_tput))
		a->change_pct = (a->probe_tput - a->base_tput) / a->base_tput * 100.0;
	jget_pair(row, "change_ci95", &a->change_lo, &a->change_hi);
	a->base_p50 = num_ns(row, "base_p50");
	a->base_p99 = num_ns(row, "base_p99");
	a->base_p999 = num_ns(row, "base_p999");
	a->probe_p50 = num_ns(row, "probe_p50");
	a->probe_p99 = num_ns(row, "probe_p99");
	a->probe_p999 = num_ns(row, "probe_p999");
	a->event_rate = num2(row, "event_rate_per_s", "events_per_s");
	a->bpf_cpu_pct = num(row, "bpf_cpu_pct");
	a->bpf_avg_ns = num(row, "bpf_avg_ns");
	a->app_cpu_pct = num(row, "app_cpu_pct");
	a->lost = num(row, "lost");
	if ((v = obj(row, "syscalls", json_type_array)))
		a->syscalls = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	a->pred_pct = a->pred_lo = a->pred_hi = NAN;
	a->app_ns_event = a->bench_ns_event = a->bench_prog_ns = NAN;
	a->pred_agrees = -1;
	if ((pr = obj(row, "prediction", json_type_object))) {
		jget_ci(pr, "change", "pct", &a->pred_pct, &a->pred_lo, &a->pred_hi);
		a->pred_reason = str(pr, "reason");
		a->app_ns_event = num(pr, "app_ns_per_event");
		a->bench_prog_ns = num(pr, "bench_prog_ns");
		if ((v = obj(pr, "bench_ns_per_event", json_type_object))) {
			json_object_object_foreach(v, key, val) {
				(void)key;
				if (json_object_is_type(val, json_type_double) ||
				    json_object_is_type(val, json_type_int)) {
					a->bench_ns_event = json_object_get_double(val);
					break;
				}
			}
		}
		if ((v = obj(pr, "agrees", json_type_boolean)))
			a->pred_agrees = json_object_get_boolean(v);
	}
	return load_trials(row, "base_runs", "probe_runs", &a->tr);
}

static const char *cmd_text(json_object *root)
{
	json_object *c;

	if (!json_object_object_get_ex(root, "cmd", &c) || !c)
		return NULL;
	if (json_object_is_type(c, json_type_string))
		return json_object_get_string(c);
	if (json_object_is_type(c, json_type_array))
		/* json-c keeps the serialised text alive with the object. */
		return json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN);
	return NULL;
}

static int load_measure(struct rp_data *d, json_object *root, const char *cmd, json_object *row,
			int host, int file)
{
	struct rp_measure_row *m = RP_PUSH(d, measures);

	if (!m)
		return -1;
	m->host = host;
	m->file = file;
	m->cmd = cmd;
	m->mode = str(root, "mode");
	m->workload = str(row, "workload");
	m->base_ns = num(row, "base_ns");
	m->probe_ns = num(row, "probe_ns");
	jget_ci(row, "overhead", "ns", &m->overhead_ns, &m->ci_lo, &m->ci_hi);
	m->overhead_pct = num(row, "overhead_pct");
	m->status = str(row, "status");
	m->reason = str(row, "reason");
	return load_trials(row, "base_trials_ns", "probe_trials_ns", &m->tr);
}

static int load_mprog(struct rp_data *d, const char *cmd, json_object *p, int host, int file)
{
	struct rp_measure_prog *m;

	if (!json_object_is_type(p, json_type_object))
		return 0;
	m = RP_PUSH(d, mprogs);
	if (!m)
		return -1;
	m->host = host;
	m->file = file;
	m->cmd = cmd;
	m->id = num(p, "id");
	m->name = str(p, "name");
	m->type = str(p, "type");
	m->attach = str(p, "attach");
	m->runs_per_op = num(p, "runs_per_op");
	m->avg_ns = num2(p, "avg_ns", "prog_avg_ns");
	return 0;
}

static int load_lab(struct rp_data *d, json_object *row, int host, int file)
{
	struct rp_lab_row *l = RP_PUSH(d, labs);
	json_object *v;

	if (!l)
		return -1;
	l->host = host;
	l->file = file;
	l->technique = str(row, "technique");
	l->variant = str(row, "variant");
	l->status = str(row, "status");
	l->reason = str(row, "reason");
	l->claim = str(row, "claim");
	l->cost_ns = num2(row, "cost_ns", "overhead_ns");
	jget_pair(row, "ci95", &l->ci_lo, &l->ci_hi);
	if (!isfinite(l->ci_lo))
		jget_pair(row, "overhead_ci95", &l->ci_lo, &l->ci_hi);
	l->saving_pct = num(row, "saving_pct");
	l->agrees = NULL;
	if ((v = obj(row, "agrees", json_type_boolean)))
		l->agrees = json_object_get_boolean(v) ? "yes" : "no";
	else
		l->agrees = str(row, "agrees");
	return 0;
}

static int load_phase(struct rp_data *d, json_object *row, int host, int file)
{
	struct rp_study_phase *p = RP_PUSH(d, phases);

	if (!p)
		return -1;
	p->host = host;
	p->file = file;
	p->name = str(row, "name");
	p->status = str(row, "status");
	p->what = str(row, "what");
	p->shortened = str(row, "shortened");
	p->note = str(row, "note");
	p->result = str(row, "file");
	p->estimate_s = num(row, "estimate_s");
	p->elapsed_s = num(row, "elapsed_s");
	return 0;
}

/* A lab variant: its bench row holds the paired trials. */
static int load_labvar(struct rp_data *d, json_object *var, int host, int file)
{
	json_object *b = obj(var, "bench", json_type_object);
	struct rp_lab_variant *l;

	if (!json_object_is_type(var, json_type_object))
		return 0;
	l = RP_PUSH(d, labvars);
	if (!l)
		return -1;
	l->host = host;
	l->file = file;
	l->name = str(var, "name");
	l->hook = str(var, "hook");
	l->status = str(var, "status");
	l->reason = str(var, "reason");
	l->base_ns = num(b, "base_ns");
	jget_ci(b, "overhead", "ns", &l->overhead_ns, &l->ci_lo, &l->ci_hi);
	return b ? load_trials(b, "base_trials_ns", "probe_trials_ns", &l->tr) : 0;
}

static int load_cap(struct rp_data *d, const char *kind, json_object *row, int host, int file)
{
	struct rp_cap *c = RP_PUSH(d, caps);
	json_object *v;

	if (!c)
		return -1;
	c->host = host;
	c->file = file;
	c->kind = kind;
	c->name = str(row, "name");
	c->reason = str(row, "reason");
	c->available = (v = obj(row, "available", json_type_boolean)) && json_object_get_boolean(v);
	return 0;
}

int rp_load_file(struct rp_data *d, const char *path, char *err, size_t errlen)
{
	json_object *root, *env, *rows, *v;
	const char *schema, *cmd = NULL;
	struct rp_file *f;
	int kind, host, fi;
	size_t n;

	root = json_read_file(path, err, errlen);
	if (!root)
		return -1;
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "%s: not a bpfcost result (a JSON object with a schema field)", path);
		json_object_put(root);
		return -1;
	}
	schema = str(root, "schema");
	for (kind = 0; kind < RK_N; kind++)
		if (schema && !strcmp(schema, rp_schema_names[kind]))
			break;
	if (kind == RK_N) {
		char s[64];

		snprintf(s, sizeof(s), "%s", schema ? schema : "");
		for (char *c = s; *c; c++)
			if ((unsigned char)*c < 0x20)
				*c = '?';
		snprintf(err, errlen, "%s: %s%s%s (accepted: bpfcost.bench/1, sweep/1, app/1, measure/1, lab/1, check/1, study/1)",
			 path, schema ? "unknown schema '" : "no schema field", s, schema ? "'" : "");
		json_object_put(root);
		return -1;
	}
	rows = obj(root, rows_key[kind], json_type_array);
	if (!rows) {
		snprintf(err, errlen, "%s: %s without a '%s' array", path, schema, rows_key[kind]);
		json_object_put(root);
		return -1;
	}
	v = obj(root, "env", json_type_object);
	env = v;
	host = find_host(d, env);
	f = host < 0 ? NULL : RP_PUSH(d, files);
	if (!f) {
		snprintf(err, errlen, "%s: out of memory", path);
		json_object_put(root);
		return -1;
	}
	fi = d->n_files - 1;
	f->path = path;
	f->root = root; /* owned by d from here on */
	f->kind = kind;
	f->host = host;
	f->created = str(root, "created");
	f->version = str(root, "version");
	f->interrupted = (v = obj(root, "interrupted", json_type_boolean)) && json_object_get_boolean(v);
	d->hosts[host].nfiles++;

	if (kind == RK_MEASURE)
		cmd = cmd_text(root); /* once: json-c keeps one serialised copy */
	n = json_object_array_length(rows);
	for (size_t i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(rows, i);
		int rc = 0;

		if (!row || !json_object_is_type(row, json_type_object))
			continue; /* tolerate junk rows; the rest still counts */
		switch (kind) {
		case RK_BENCH: rc = load_bench(d, root, row, host, fi); break;
		case RK_STUDY: rc = load_phase(d, row, host, fi); break;
		case RK_SWEEP: rc = load_sweep(d, row, host, fi); break;
		case RK_APP: rc = load_app(d, root, row, host, fi); break;
		case RK_MEASURE: rc = load_measure(d, root, cmd, row, host, fi); break;
		case RK_LAB: rc = load_lab(d, row, host, fi); break;
		case RK_CHECK: rc = load_cap(d, "hook", row, host, fi); break;
		default: break;
		}
		if (rc) {
			snprintf(err, errlen, "%s: out of memory", path);
			return -1;
		}
	}
	if (kind == RK_SWEEP && json_object_object_get_ex(root, "knee", &v) && v) {
		if (json_object_is_type(v, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(v); i++)
				if (load_knee(d, root, json_object_array_get_idx(v, i), host, fi))
					return -1;
		} else if (load_knee(d, root, v, host, fi)) {
			return -1;
		}
	}
	/* A sweep of one configuration may give its knee without naming it. */
	for (int k = 0; k < d->n_knees; k++) {
		struct rp_knee *n = &d->knees[k];

		if (n->file != fi || n->hook)
			continue;
		for (int p = 0; p < d->n_points; p++) {
			if (d->points[p].file == fi) {
				n->workload = d->points[p].workload;
				n->hook = d->points[p].hook;
				n->body = d->points[p].body;
				break;
			}
		}
	}
	if (kind == RK_CHECK && (v = obj(root, "maps", json_type_array))) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *row = json_object_array_get_idx(v, i);

			if (row && json_object_is_type(row, json_type_object) &&
			    load_cap(d, "map", row, host, fi))
				return -1;
		}
	}
	if (kind == RK_CHECK && env && (v = obj(env, "bpf_enable_stats", json_type_boolean))) {
		struct rp_cap *c = RP_PUSH(d, caps);

		if (!c)
			return -1;
		c->host = host;
		c->file = fi;
		c->kind = "stats";
		c->name = "BPF_ENABLE_STATS";
		c->available = json_object_get_boolean(v);
		c->reason = c->available ? NULL : "the bpf(BPF_ENABLE_STATS) command fails (5.8+)";
	}
	if (kind == RK_MEASURE && (v = obj(root, "programs", json_type_array))) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (load_mprog(d, cmd, json_object_array_get_idx(v, i), host, fi))
				return -1;
	}
	if (kind == RK_LAB && (v = obj(root, "variants", json_type_array))) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (load_labvar(d, json_object_array_get_idx(v, i), host, fi)) {
				snprintf(err, errlen, "%s: out of memory", path);
				return -1;
			}
	}
	return 0;
}

/* A JSON file with a schema this loader takes. */
static bool known_result(const char *path)
{
	char err[256];
	json_object *root = json_read_file(path, err, sizeof(err));
	const char *schema = root ? str(root, "schema") : NULL;
	bool known = false;

	for (int k = 0; schema && k < RK_N; k++)
		known |= !strcmp(schema, rp_schema_names[k]);
	json_object_put(root);
	return known;
}

int rp_load_path(struct rp_data *d, const char *path, char *err, size_t errlen)
{
	struct dirent **ents = NULL;
	struct stat st;
	int n, loaded = 0, ret = 0;

	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return rp_load_file(d, path, err, errlen);
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name);
		char *full;

		if (ret || len < 6 || strcmp(name + len - 5, ".json") || name[0] == '.')
			continue;
		if (asprintf(&full, "%s/%s", path, name) < 0) {
			snprintf(err, errlen, "%s: out of memory", path);
			ret = -1;
			continue;
		}
		if (!known_result(full)) {
			free(full); /* lint.json, compare.json, ...: not results */
			continue;
		}
		if (rp_load_file(d, full, err, errlen)) {
			free(full);
			ret = -1;
			continue;
		}
		d->files[d->n_files - 1].own_path = full;
		loaded++;
	}
	free_array(ents, n);
	if (!ret && !loaded) {
		snprintf(err, errlen, "%s: no bpfcost results in this directory", path);
		ret = -1;
	}
	return ret;
}

void rp_free(struct rp_data *d)
{
	for (int i = 0; i < d->n_bench; i++)
		free_trials(&d->bench[i].tr);
	for (int i = 0; i < d->n_apps; i++)
		free_trials(&d->apps[i].tr);
	for (int i = 0; i < d->n_measures; i++)
		free_trials(&d->measures[i].tr);
	for (int i = 0; i < d->n_labvars; i++)
		free_trials(&d->labvars[i].tr);
	for (int i = 0; i < d->n_files; i++) {
		json_object_put(d->files[i].root);
		free(d->files[i].own_path);
	}
#define RP_FREE(T, name) free(d->name);
	RP_ARRAYS(RP_FREE)
#undef RP_FREE
	memset(d, 0, sizeof(*d));
}
