// SPDX-License-Identifier: GPL-2.0
#include "report/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool rp_same(const char *a, const char *b)
{
	return !strcmp(rp_s(a), rp_s(b));
}

double rp_host_cpus(const struct rp_data *d, const struct budget *b, int host)
{
	double c = d->hosts[host].cpus;

	if (b->cpus >= 1)
		return b->cpus;
	return isfinite(c) && c >= 1 ? c : 1;
}

/* The sweep point of this configuration closest to rate (within 25 %). */
const struct rp_sweep_point *rp_point_near(const struct rp_data *d, const struct cfg *c, double r)
{
	const struct rp_sweep_point *best = NULL;
	double best_d = INFINITY;

	for (int i = 0; i < d->n_points; i++) {
		const struct rp_sweep_point *p = &d->points[i];
		double t = isfinite(p->target_rate) ? p->target_rate : p->achieved_rate;
		double dist;

		if (p->host != c->host || !rp_same(p->workload, c->workload) || !rp_same(p->hook, c->hook) ||
		    !rp_same(p->body, c->body) || !isfinite(t) || r <= 0)
			continue;
		dist = fabs(t - r) / r;
		if (dist <= 0.25 && dist < best_d) {
			best = p;
			best_d = dist;
		}
	}
	return best;
}

int rp_model_find(const struct rp_model *m, int host, const char *w, const char *h, const char *b)
{
	for (int i = 0; i < m->n; i++)
		if (m->c[i].host == host && rp_same(m->c[i].workload, w) && rp_same(m->c[i].hook, h) &&
		    rp_same(m->c[i].body, b))
			return i;
	return -1;
}

static struct cfg *add_cfg(struct rp_model *m, int host, const char *w, const char *h, const char *b)
{
	int i = rp_model_find(m, host, w, h, b);
	struct cfg *n;

	if (i >= 0)
		return &m->c[i];
	n = realloc(m->c, (m->n + 1) * sizeof(*n));
	if (!n)
		return NULL;
	m->c = n;
	n = &m->c[m->n++];
	memset(n, 0, sizeof(*n));
	n->host = host;
	n->workload = w;
	n->hook = h;
	n->body = b;
	n->est_ns = n->mean_ns = n->ci_lo = n->ci_hi = n->p50_added = n->p99_added = NAN;
	n->cpu_pct = n->loss_pct = n->loss_100k = NAN;
	return n;
}

bool rp_status_ok(const char *s)
{
	return !s || !strcmp(s, "ok");
}

static int measured(const struct cfg *c)
{
	return (c->v.p99 != V_UNKNOWN) + (c->v.cpu != V_UNKNOWN) + (c->v.loss != V_UNKNOWN);
}

/* The better of two judged configurations: the lower level; at the same
 * level the one with more of its numbers measured (stronger evidence),
 * then the cheaper. */
static bool better(const struct cfg *a, const struct cfg *b)
{
	double ma = isfinite(a->mean_ns) ? a->mean_ns : INFINITY;
	double mb = isfinite(b->mean_ns) ? b->mean_ns : INFINITY;

	if (a->v.level != b->v.level)
		return a->v.level < b->v.level;
	if (measured(a) != measured(b))
		return measured(a) > measured(b);
	return ma < mb;
}

int rp_model_build(struct rp_model *m, const struct rp_data *d, const struct budget *b)
{

	m->n = 0;
	for (int i = 0; i < d->n_bench; i++) {
		const struct rp_bench_row *r = &d->bench[i];
		struct cfg *c;

		if (r->background)
			continue;
		if (!(c = add_cfg(m, r->host, r->workload, r->hook, r->body)))
			return -1;
		c->bench = r; /* the last file wins for a repeated configuration */
	}
	for (int i = 0; i < d->n_points; i++) {
		const struct rp_sweep_point *p = &d->points[i];

		if (!add_cfg(m, p->host, p->workload, p->hook, p->body))
			return -1;
	}
	free(m->best);
	m->best = malloc((d->n_hosts + 1) * sizeof(int));
	if (!m->best)
		return -1;

	for (int i = 0; i < m->n; i++) {
		struct cfg *c = &m->c[i];
		const struct rp_sweep_point *p = rp_point_near(d, c, b->rate_per_s);
		const struct rp_sweep_point *p100 = rp_point_near(d, c, 100000);
		double cpus = rp_host_cpus(d, b, c->host);
		bool loss_na;

		c->emits = c->bench ? rp_row_emits(c->bench) : rp_has_output(c->body);
		loss_na = !c->emits;

		if (c->bench) {
			const struct rp_bench_row *r = c->bench;

			c->status = r->status;
			c->reason = r->reason;
			c->ok = rp_status_ok(r->status) && isfinite(r->overhead_ns);
			c->est_ns = r->overhead_ns;
			c->mean_ns = isfinite(r->overhead_mean_ns) ? r->overhead_mean_ns : r->overhead_ns;
			c->ci_lo = r->ci_lo;
			c->ci_hi = r->ci_hi;
			c->p50_added = rp_added(r->probe_p50, r->base_p50);
			c->p99_added = rp_added(r->probe_p99, r->base_p99);
		}
		if (p) {
			if (!isfinite(c->p50_added))
				c->p50_added = rp_added(p->probe_p50, p->base_p50);
			if (!isfinite(c->p99_added)) {
				c->p99_added = rp_added(p->probe_p99, p->base_p99);
				c->p99_backlog = p->probe_backlog || p->base_backlog;
			}
			c->cpu_pct = p->system_overhead_pct;
			c->cpu_from_sweep = isfinite(c->cpu_pct);
			c->loss_pct = p->loss_pct;
			if (!c->bench)
				c->ok = true;
		} else if (!c->bench) {
			/* sweep rows at other rates only: still a configuration */
			c->ok = true;
		}
		if (!isfinite(c->cpu_pct))
			c->cpu_pct = overhead_pct(b->rate_per_s, c->mean_ns, cpus);
		if (p100)
			c->loss_100k = p100->loss_pct;
		if (c->ok && !rp_is_control(c->hook)) {
			verdict_judge(b, c->p99_added, c->cpu_pct, c->loss_pct, loss_na, &c->v);
			if (c->p99_backlog) {
				size_t l = strlen(c->v.why);

				snprintf(c->v.why + l, sizeof(c->v.why) - l, "; the p99 is backlog: the "
					 "sweep point fell behind its schedule");
			}
		}
	}
	/* Judge a host on the configurations that emit events when it has
	 * any (the directive's design ships every event to user space),
	 * else on every probe; the best of them is its verdict. */
	for (int h = 0; h < d->n_hosts; h++) {
		bool any_out = false;
		int best = -1;

		for (int i = 0; i < m->n; i++)
			if (m->c[i].host == h && m->c[i].ok && !rp_is_control(m->c[i].hook) &&
			    m->c[i].emits && m->c[i].v.level != V_UNKNOWN)
				any_out = true;
		for (int i = 0; i < m->n; i++) {
			struct cfg *c = &m->c[i];

			if (c->host != h || !c->ok || rp_is_control(c->hook) || c->v.level == V_UNKNOWN)
				continue;
			if (any_out && !c->emits)
				continue;
			c->candidate = true;
			if (best < 0 || better(c, &m->c[best]))
				best = i;
		}
		m->best[h] = best;
	}
	return 0;
}

void rp_model_free(struct rp_model *m)
{
	free(m->c);
	free(m->best);
	memset(m, 0, sizeof(*m));
}

enum verdict rp_model_host_verdict(const struct rp_model *m, const struct rp_data *d, int host)
{
	if (!m->best || host < 0 || host >= d->n_hosts || m->best[host] < 0)
		return V_UNKNOWN;
	/* an emulated CPU's timings decide nothing */
	if (d->hosts[host].emulated)
		return V_UNKNOWN;
	return m->c[m->best[host]].v.level;
}
