// SPDX-License-Identifier: GPL-2.0
#include "report/sections.h"
#include "report/model.h"
#include "base/output.h"
#include "base/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct rp_model *M; /* the model of the report being built */

#define NB 160

/* Numbers into a ring of buffers, so that one call can format several. */
static char *nb(void)
{
	static char bufs[48][NB];
	static int i;

	i = (i + 1) % 48;
	return bufs[i];
}

static const char *num(double v, int dec)
{
	char *b = nb();

	if (!isfinite(v))
		return "-";
	snprintf(b, NB, "%.*f", dec, v);
	return b;
}

static const char *snum(double v, int dec) /* signed: "+55.1" */
{
	char *b = nb();

	if (!isfinite(v))
		return "-";
	snprintf(b, NB, "%+.*f", dec, v);
	return b;
}

static const char *pct(double v)
{
	char *b = nb();

	if (!isfinite(v))
		return "-";
	snprintf(b, NB, "%.*f%%", fabs(v) < 0.1 ? 3 : 2, v);
	return b;
}

static const char *ci(double lo, double hi)
{
	char *b = nb();

	if (!isfinite(lo) || !isfinite(hi))
		return "-";
	snprintf(b, NB, "[%.1f, %.1f]", lo, hi);
	return b;
}

static const char *rate(double r)
{
	return fmt_rate(nb(), 64, r);
}

static const char *cnt(double v)
{
	char *b = nb();

	if (!isfinite(v))
		return "-";
	snprintf(b, NB, "%.0f", v);
	return b;
}

static const char *cfg_name(const struct cfg *c)
{
	char *b = nb();

	snprintf(b, NB, "%s %s/%s", rp_s(c->workload), rp_s(c->hook), rp_s(c->body));
	return b;
}


static enum doc_style vstyle(enum verdict v)
{
	return v == V_GREEN ? DS_GREEN : v == V_YELLOW ? DS_YELLOW : v == V_RED ? DS_RED : DS_STRONG;
}

enum verdict report_host_verdict(struct rp_ctx *x, int host)
{
	return rp_model_host_verdict(&x->model, x->d, host);
}

void report_summary_lines(struct rp_ctx *x, FILE *f, const char *prefix)
{
	for (int h = 0; h < x->d->n_hosts; h++) {
		const struct rp_host *H = &x->d->hosts[h];
		int b = M->best[h];

		if (H->emulated)
			fprintf(f, "%s: %s: NONE (emulated CPU)\n", prefix, H->label);
		else if (b < 0)
			fprintf(f, "%s: %s: UNKNOWN (no measured probe configuration)\n", prefix,
				H->label);
		else
			fprintf(f, "%s: %s: %s - %s: %s\n", prefix, H->label,
				verdict_name(M->c[b].v.level), cfg_name(&M->c[b]), M->c[b].v.why);
		for (int i = 0; i < M->n; i++) {
			const struct cfg *c = &M->c[i];

			if (c->host != h || !c->bench || strcmp(rp_s(c->hook), "obj") || H->emulated)
				continue;
			if (c->ok && c->v.level != V_UNKNOWN)
				fprintf(f, "%s: %s: your probe %s: %s - %s\n", prefix, H->label,
					cfg_name(c), verdict_name(c->v.level), c->v.why);
			else
				fprintf(f, "%s: %s: your probe %s: not measured - %s\n", prefix,
					H->label, cfg_name(c), rp_s(c->reason));
		}
	}
}

static const char *emul_tag(struct rp_ctx *x, int host)
{
	return x->d->hosts[host].emulated ? " (emulated: timings not representative)" : "";
}

static void host_headline(struct rp_ctx *x, int h)
{
	struct rp_host *H = &x->d->hosts[h];
	int b = M->best[h];

	if (b < 0) {
		doc_ps(x->doc, DS_STRONG, "Verdict for %s: UNKNOWN - no measured probe configuration%s",
		       H->label, emul_tag(x, h));
		return;
	}
	if (H->emulated) {
		/* an emulated CPU's timings decide nothing; show what they say */
		doc_ps(x->doc, DS_STRONG, "Verdict for %s: NONE - the CPU is emulated, timings are not "
		       "representative (they would say %s - %s: %s)", H->label,
		       verdict_name(M->c[b].v.level), cfg_name(&M->c[b]), M->c[b].v.why);
		return;
	}
	doc_ps(x->doc, vstyle(M->c[b].v.level), "Verdict for %s: %s - %s: %s%s", H->label,
	       verdict_name(M->c[b].v.level), cfg_name(&M->c[b]), M->c[b].v.why, emul_tag(x, h));
}

/* ---- sections ---- */

static void sec_summary(struct rp_ctx *x)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm);
	doc_h(x->doc, 1, "bpfcost report");
	doc_p(x->doc, "Generated %s by bpfcost %s from %d result file%s on %d host%s.", date,
	      BPFCOST_VERSION, x->d->n_files, x->d->n_files == 1 ? "" : "s", x->d->n_hosts,
	      x->d->n_hosts == 1 ? "" : "s");
	doc_h(x->doc, 2, "Summary");
	for (int h = 0; h < x->d->n_hosts; h++)
		host_headline(x, h);
	if (x->charts_off_why)
		doc_ps(x->doc, DS_NOTE, "Charts: %s.", x->charts_off_why);
}

static const char *mitigation_summary(json_object *m)
{
	char *b = nb();
	int vuln = 0, mit = 0, na = 0, other = 0;

	if (!m)
		return "-";
	json_object_object_foreach(m, k, v)
	{
		const char *s = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";

		(void)k;
		if (!strncasecmp(s, "vulnerable", 10))
			vuln++;
		else if (!strncasecmp(s, "mitigation", 10))
			mit++;
		else if (!strncasecmp(s, "not affected", 12))
			na++;
		else
			other++;
	}
	snprintf(b, NB, "%d mitigated, %d vulnerable, %d not affected%s", mit, vuln, na,
		 other ? ", other" : "");
	return b;
}

static void sec_environment(struct rp_ctx *x)
{
	struct rp_data *d = x->d;

	doc_h(x->doc, 2, "Environment");
	{
		const char *hdr[] = { "File", "Schema", "Host", "Created", "bpfcost" };

		doc_table(x->doc, 5, hdr, NULL);
		for (int i = 0; i < d->n_files; i++) {
			const struct rp_file *f = &d->files[i];
			const char *row[] = { f->path, rp_schema_names[f->kind], d->hosts[f->host].label,
					      rp_s(f->created), rp_s(f->version) };

			doc_row(x->doc, row);
		}
	}
	{
		const char *hdr[] = { "Host", "Kernel", "Arch", "CPU", "CPUs", "SMT", "Virtualization",
				      "Governor / turbo", "Clocksource", "JIT", "Timer", "Mitigations" };
		bool right[12] = { [4] = true };

		doc_table(x->doc, 12, hdr, right);
		for (int h = 0; h < d->n_hosts; h++) {
			const struct rp_host *H = &d->hosts[h];
			char gt[96], tm[96], virt[96];
			const char *row[12];

			snprintf(gt, sizeof(gt), "%s / %s", rp_s(H->governor),
				 H->turbo < 0 ? "-" : H->turbo ? "on" : "off");
			if (H->timer && isfinite(H->timer_overhead_ns))
				snprintf(tm, sizeof(tm), "%s (%.1f ns)", H->timer, H->timer_overhead_ns);
			else
				snprintf(tm, sizeof(tm), "%s", rp_s(H->timer));
			snprintf(virt, sizeof(virt), "%s%s", rp_s(H->virt), H->emulated ? ", EMULATED" : "");
			row[0] = rp_s(H->hostname);
			row[1] = rp_s(H->kernel);
			row[2] = rp_s(H->arch);
			row[3] = rp_s(H->cpu_model);
			row[4] = num(H->cpus, 0);
			row[5] = rp_s(H->smt);
			row[6] = virt;
			row[7] = gt;
			row[8] = rp_s(H->clocksource);
			row[9] = isfinite(H->jit) ? (H->jit > 0 ? "on" : "off") : "-";
			row[10] = tm;
			row[11] = mitigation_summary(H->mitigations);
			doc_row(x->doc, row);
		}
	}
	for (int h = 0; h < d->n_hosts; h++)
		if (d->hosts[h].emulated)
			doc_ps(x->doc, DS_NOTE,
			       "%s runs emulated (no hardware virtualization): its timings are not "
			       "representative of real hardware; read them for structure only.",
			       d->hosts[h].label);
}

static void sec_method(struct rp_ctx *x)
{
	struct rp_data *d = x->d;
	bool any_control = false;

	doc_h(x->doc, 2, "Method");
	doc_li(x->doc, "Overhead per event = time per op with the probe attached - time per op "
		       "without it, same loop, same CPU, close in time; baseline and probe trials "
		       "run in back-to-back pairs, and the estimate (Hodges-Lehmann in bench) and "
		       "its 95%% interval come from the pairs (relative differences times the "
		       "median baseline, in bench files that have overhead_diff_ns; plain "
		       "differences before).");
	doc_li(x->doc, "Percentiles come from per-op timings (base and probe pay the same timer "
		       "cost); \"p99 added\" is probe p99 - base p99.");
	doc_li(x->doc, "The program's own run time comes from BPF stats phases spread over the run, "
		       "with stats off in the trials (they inflate what they measure); beside the "
		       "program, one that does nothing on the same hook gives what the stats add to "
		       "each run. Body = program time - that, dispatch = overhead - body, each with its "
		       "interval; where the intervals allow an impossible split (a body above its "
		       "overhead, a negative dispatch) the split is unresolved, and nothing here is "
		       "built on it.");
	doc_li(x->doc, "System overhead %% = events/s x ns/event / (1e9 x CPUs) x 100 (the "
		       "guide's formula); from the sweep's measured CPU where a point at the "
		       "budget rate exists, computed from the mean overhead otherwise.");
	doc_li(x->doc, "Sweeps pace the load open-loop and count events produced, consumed and "
		       "lost exactly; the knee is the lowest rate where CPU or loss passes its bound.");
	for (int i = 0; i < d->n_files; i++) {
		json_object *cfg;
		const struct rp_file *f = &d->files[i];

		if (f->kind != RK_BENCH || !json_object_object_get_ex(f->root, "config", &cfg) ||
		    !json_object_is_type(cfg, json_type_object))
			continue;
		{
			double ops = jget_num(cfg, "ops_per_trial"), ms = jget_num(cfg, "trial_ms");
			char sz[96];

			if (!isfinite(ops))
				ops = jget_num(cfg, "ops");
			if (isfinite(ops))
				snprintf(sz, sizeof(sz), "%s ops per trial", cnt(ops));
			else if (isfinite(ms))
				snprintf(sz, sizeof(sz), "trials sized to ~%s ms", cnt(ms));
			else
				snprintf(sz, sizeof(sz), "trial size not recorded");
			double tmax = jget_num(cfg, "max_trials"), t = jget_num(cfg, "trials");
			double tu = jget_num(cfg, "trials_uprobe");
			char pairs[96], up[40] = "";
			/* files before trials_uprobe ran every row's minimum alike */
			if (isfinite(tu) && tu != t)
				snprintf(up, sizeof(up), "; %s for uprobe rows", cnt(tu));
			if (isfinite(tmax) && tmax > t)
				snprintf(pairs, sizeof(pairs), "%s or more trial pairs (up to %g s a row%s)",
					 cnt(t), jget_num(cfg, "max_time_s"), up);
			else if (*up)
				snprintf(pairs, sizeof(pairs), "%s trial pairs (%s)", cnt(t), up + 2);
			else
				snprintf(pairs, sizeof(pairs), "%s trial pairs", cnt(t));
			json_object *exp;
			bool expedited = json_object_object_get_ex(cfg, "rcu_expedited", &exp) &&
					 json_object_get_boolean(exp);
			doc_li(x->doc, "%s: %s, %s, workload on CPU %s, consumer on CPU %s%s.",
			       f->path, sz, pairs, cnt(jget_num(cfg, "cpu")),
			       cnt(jget_num(cfg, "consumer_cpu")),
			       expedited ? ", RCU grace periods expedited (shorter detach waits)" : "");
			/* files before the reader was a choice woke it per event */
			const char *cons = jget_str(cfg, "consumer");
			json_object *res;
			bool outputs = false;
			if (json_object_object_get_ex(f->root, "results", &res) &&
			    json_object_is_type(res, json_type_array))
				for (size_t k = 0; k < json_object_array_length(res); k++) {
					const char *b = jget_str(json_object_array_get_idx(res, k), "body");
					outputs |= b && (!strcmp(b, "ringbuf") || !strcmp(b, "perfbuf"));
				}
			if (outputs && (!cons || !strcmp(cons, "wake")))
				doc_li(x->doc, "%s: ring/perf buffer reader woken per event (libbpf's "
					       "default): output rows include wake-ups, whose cost is how "
					       "fast the reader's CPU wakes.", f->path);
			else if (outputs && !strcmp(cons, "batch"))
				doc_li(x->doc, "%s: ring/perf buffer reader without wake-ups (polled; "
					       "perf every %s records): output rows are what the probe "
					       "pays per event, wake-ups apart.", f->path,
				       cnt(jget_num(cfg, "batch")));
		}
		{
			/* how far the machine's own speed moved during the run */
			json_object *arr, *o;

			if (json_object_object_get_ex(f->root, "baseline_spread", &arr) &&
			    json_object_is_type(arr, json_type_array))
				for (size_t k = 0; k < json_object_array_length(arr); k++) {
					o = json_object_array_get_idx(arr, k);
					double p10 = jget_num(o, "p10_ns"), p50 = jget_num(o, "p50_ns"),
					       p90 = jget_num(o, "p90_ns");
					if (!isfinite(p10) || !isfinite(p50) || !isfinite(p90) || p50 <= 0)
						continue;
					doc_li(x->doc, "%s: the %s baseline over the run was p10 %.0f, "
						       "median %.0f, p90 %.0f ns (%.0f%% apart)%s",
					       f->path, (jget_str(o, "workload") ? jget_str(o, "workload") : "?"), p10, p50, p90,
					       100 * (p90 - p10) / p50,
					       (p90 - p10) / p50 > 0.10 ?
					       ": probe costs move with the machine's speed, so compare "
					       "runs at like baselines." : ".");
				}
		}
	}
	for (int i = 0; i < d->n_bench; i++) {
		const struct rp_bench_row *r = &d->bench[i];

		if (!rp_is_control(r->hook) || !isfinite(r->overhead_ns))
			continue;
		any_control = true;
		if (r->background)
			continue; /* the quiet control is the method's; see "Under load" */
		if (isfinite(r->ci_lo) && isfinite(r->ci_hi) && (r->ci_lo > 0 || r->ci_hi < 0))
			doc_ps(x->doc, DS_NOTE,
			       "Control row (nothing attached) on %s, %s: %s ns %s; its interval "
			       "excludes 0, so the method has a bias of about %s ns here: read "
			       "differences of that size with care.",
			       d->hosts[r->host].label, rp_s(r->workload), snum(r->overhead_ns, 1),
			       ci(r->ci_lo, r->ci_hi), num(fabs(r->overhead_ns), 1));
		else
			doc_li(x->doc, "Control row (nothing attached) on %s, %s: %s ns %s: the method's "
				       "bias is within its noise.",
			       d->hosts[r->host].label, rp_s(r->workload), snum(r->overhead_ns, 1),
			       ci(r->ci_lo, r->ci_hi));
	}
	if (d->n_bench && !any_control)
		doc_ps(x->doc, DS_NOTE, "No control (null hook) row: the method's bias is not known.");
}

static const char *ratio(double a, double b)
{
	char *s = nb();

	if (!isfinite(a) || !isfinite(b) || b <= 0)
		return "-";
	snprintf(s, 64, "%.3f", a / b);
	return s;
}

static const char *pair_s(double a, double b)
{
	char *s = nb();

	if (!isfinite(a) && !isfinite(b))
		return "-";
	snprintf(s, 64, "%s / %s", num(a, 0), num(b, 0));
	return s;
}

/* Distinct strings in order of first appearance. */
static int uniq_add(const char **arr, int n, int max, const char *s)
{
	for (int i = 0; i < n; i++)
		if (rp_same(arr[i], s))
			return n;
	if (n < max)
		arr[n++] = rp_s(s);
	return n;
}

#define MAXCAT 32

static void chart_overhead(struct rp_ctx *x, int h)
{
	const char *cats[MAXCAT], *groups[MAXCAT], *wl[MAXCAT];
	char catbuf[MAXCAT][64], key[64], name[32], title[400];
	double vals[MAXCAT * MAXCAT], lo[MAXCAT * MAXCAT], hi[MAXCAT * MAXCAT];
	int ncat = 0, ng = 0, nw = 0;
	const char *file;

	if (!x->ch)
		return;
	for (int i = 0; i < M->n; i++) {
		const struct cfg *c = &M->c[i];

		if (c->host != h || !c->bench || rp_is_control(c->hook) || !c->ok)
			continue;
		nw = uniq_add(wl, nw, MAXCAT, c->workload);
		ng = uniq_add(groups, ng, MAXCAT, c->body);
	}
	/* categories: hook, or "workload hook" when several workloads */
	for (int i = 0; i < M->n; i++) {
		const struct cfg *c = &M->c[i];
		int k;

		if (c->host != h || !c->bench || rp_is_control(c->hook) || !c->ok)
			continue;
		snprintf(key, sizeof(key), "%s%s%s", nw > 1 ? rp_s(c->workload) : "", nw > 1 ? " " : "",
			 rp_s(c->hook));
		for (k = 0; k < ncat; k++)
			if (!strcmp(cats[k], key))
				break;
		if (k == ncat && ncat < MAXCAT) {
			memcpy(catbuf[ncat], key, sizeof(key));
			cats[ncat] = catbuf[ncat];
			for (int g = 0; g < MAXCAT; g++)
				vals[ncat * MAXCAT + g] = lo[ncat * MAXCAT + g] = hi[ncat * MAXCAT + g] = NAN;
			ncat++;
		}
		if (k >= MAXCAT)
			continue;
		for (int g = 0; g < ng; g++)
			if (rp_same(groups[g], c->body)) {
				vals[k * MAXCAT + g] = c->est_ns;
				lo[k * MAXCAT + g] = c->ci_lo;
				hi[k * MAXCAT + g] = c->ci_hi;
			}
	}
	if (!ncat)
		return;
	/* compact to ncat x ng */
	for (int k = 0; k < ncat; k++)
		for (int g = 0; g < ng; g++) {
			vals[k * ng + g] = vals[k * MAXCAT + g];
			lo[k * ng + g] = lo[k * MAXCAT + g];
			hi[k * ng + g] = hi[k * MAXCAT + g];
		}
	snprintf(name, sizeof(name), "overhead-h%d", h + 1);
	snprintf(title, sizeof(title), "Overhead per event by hook and body, %s", x->d->hosts[h].label);
	file = chart_bars(x->ch, name, title, "added ns per event (95% CI)", ncat, cats, ng, groups,
			  vals, lo, hi, false);
	if (file)
		doc_img(x->doc, file, title);
}

static void chart_latency(struct rp_ctx *x, int h)
{
	const char *cats[MAXCAT], *groups[] = { "p50", "p99", "p99.9" };
	char catbuf[MAXCAT][64], name[32], title[400];
	double vals[MAXCAT * 3];
	int ncat = 0;
	const struct rp_bench_row *base = NULL;
	const char *file;

	if (!x->ch)
		return;
	/* one baseline per workload: the control row's, else the first row's */
	for (int i = 0; i < M->n && ncat < MAXCAT; i++) {
		bool seen = false;

		if (M->c[i].host != h || !M->c[i].bench || !isfinite(M->c[i].bench->base_p99))
			continue;
		for (int j = 0; j < i; j++)
			if (M->c[j].host == h && M->c[j].bench && isfinite(M->c[j].bench->base_p99) &&
			    rp_same(M->c[j].workload, M->c[i].workload))
				seen = true;
		if (seen)
			continue;
		base = M->c[i].bench;
		for (int j = i; j < M->n; j++)
			if (M->c[j].host == h && M->c[j].bench && rp_is_control(M->c[j].hook) &&
			    rp_same(M->c[j].workload, M->c[i].workload) && isfinite(M->c[j].bench->base_p99))
				base = M->c[j].bench;
		snprintf(catbuf[ncat], 64, "%s baseline", rp_s(base->workload));
		cats[ncat] = catbuf[ncat];
		vals[ncat * 3] = base->base_p50;
		vals[ncat * 3 + 1] = base->base_p99;
		vals[ncat * 3 + 2] = base->base_p999;
		ncat++;
	}
	for (int i = 0; i < M->n && ncat < MAXCAT; i++) {
		const struct cfg *c = &M->c[i];

		if (c->host != h || !c->bench || !c->ok || rp_is_control(c->hook))
			continue;
		snprintf(catbuf[ncat], 64, "%s %s/%s", rp_s(c->workload), rp_s(c->hook), rp_s(c->body));
		cats[ncat] = catbuf[ncat];
		vals[ncat * 3] = c->bench->probe_p50;
		vals[ncat * 3 + 1] = c->bench->probe_p99;
		vals[ncat * 3 + 2] = c->bench->probe_p999;
		ncat++;
	}
	snprintf(name, sizeof(name), "latency-h%d", h + 1);
	snprintf(title, sizeof(title), "Latency percentiles per op with the probe, %s",
		 x->d->hosts[h].label);
	file = chart_bars(x->ch, name, title, "ns per op (log)", ncat, cats, 3, groups, vals, NULL,
			  NULL, true);
	if (file)
		doc_img(x->doc, file, title);
}

/* A part of a bench row's split: the number with its interval where the
 * split is resolved, else what it is. */
static const char *split_cell(const struct rp_bench_row *r, double v, double lo, double hi)
{
	char *b = nb();

	if (rp_is_control(r->hook) || !rp_status_ok(r->status))
		return "-";
	if (!r->split)
		return isfinite(r->prog_avg_ns) ? "older file" : "-";
	if (strcmp(r->split, "resolved"))
		return "unresolved";
	if (!isfinite(lo) || !isfinite(hi))
		return num(v, 1);
	snprintf(b, NB, "%.1f [%.1f, %.1f]", v, lo, hi);
	return b;
}

static void sec_results(struct rp_ctx *x)
{
	struct rp_data *d = x->d;

	doc_h(x->doc, 2, "Per-probe results");
	if (!d->n_bench) {
		doc_p(x->doc, "No bench results: run bpfcost bench --json -o bench.json for per-probe "
			      "overhead, percentiles and the dispatch / body split.");
		return;
	}
	for (int h = 0; h < d->n_hosts; h++) {
		const char *hdr[] = { "Workload", "Hook", "Body", "Overhead ns", "95% CI", "+%",
				      "p50 ns base/probe", "p99 ns base/probe", "p99.9 ns base/probe",
				      "p99 added ns", "Body ns", "Dispatch ns", "Events/op", "Status" };
		bool right[14] = { [3] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
		bool any = false, unresolved = false;

		for (int i = 0; i < d->n_bench; i++)
			if (d->bench[i].host == h && !d->bench[i].background)
				any = true;
		if (!any)
			continue;
		doc_h(x->doc, 3, "%s", d->hosts[h].label);
		if (d->hosts[h].emulated)
			doc_ps(x->doc, DS_NOTE, "Emulated host: these timings are not representative.");
		doc_table(x->doc, 14, hdr, right);
		for (int i = 0; i < M->n; i++) {
			const struct cfg *c = &M->c[i];
			const struct rp_bench_row *r = c->bench;
			char st[160];
			const char *row[14];

			if (c->host != h || !r)
				continue;
			if (rp_status_ok(r->status))
				snprintf(st, sizeof(st), "%s%s%s%s", rp_is_control(r->hook) ? "control" : "ok",
					 isfinite(r->events) && isfinite(r->ops) && !rp_is_control(r->hook) &&
							 r->events != r->ops
						 ? " (events != ops)"
						 : "",
					 isfinite(r->lost) && r->lost > 0 ? ", lost " : "",
					 isfinite(r->lost) && r->lost > 0 ? cnt(r->lost) : "");
			else
				snprintf(st, sizeof(st), "%s: %s", rp_s(r->status), rp_s(r->reason));
			row[0] = rp_s(r->workload);
			row[1] = rp_s(r->hook);
			row[2] = rp_s(r->body);
			row[3] = snum(r->overhead_ns, 1);
			row[4] = ci(r->ci_lo, r->ci_hi);
			row[5] = isfinite(r->overhead_pct) ? snum(r->overhead_pct, 1) : "-";
			row[6] = pair_s(r->base_p50, r->probe_p50);
			row[7] = pair_s(r->base_p99, r->probe_p99);
			row[8] = pair_s(r->base_p999, r->probe_p999);
			row[9] = snum(c->p99_added, 0);
			row[10] = split_cell(r, r->body_ns, r->body_lo, r->body_hi);
			row[11] = split_cell(r, r->dispatch_ns, r->dispatch_lo, r->dispatch_hi);
			unresolved |= r->split && strcmp(r->split, "resolved") && !rp_is_control(r->hook);
			row[12] = rp_is_control(r->hook) ? "-" : ratio(r->events, r->ops);
			row[13] = st;
			doc_row(x->doc, row);
		}
		doc_p(x->doc, "Overhead: the bench's estimate from the paired trial differences with its "
			      "95%% interval. CPU and budget figures use the mean overhead per event "
			      "(overhead_mean_ns) where the file has it. Body and dispatch: the split "
			      "of the overhead from BPF stats phases, with their 95%% intervals "
			      "(\"older file\": a bench file from before the stats' own cost was "
			      "measured beside the program).");
		if (unresolved) {
			doc_p(x->doc, "Unresolved splits:");
			for (int i = 0; i < M->n; i++) {
				const struct rp_bench_row *r = M->c[i].bench;

				if (M->c[i].host == h && r && r->split && strcmp(r->split, "resolved") &&
				    !rp_is_control(r->hook))
					doc_li(x->doc, "%s: %s", cfg_name(&M->c[i]),
					       r->split_reason ? r->split_reason : "no reason given");
			}
		}
		chart_overhead(x, h);
		chart_latency(x, h);
	}
}

static int cmp_rate(const void *a, const void *b)
{
	const struct rp_sweep_point *p = *(const struct rp_sweep_point *const *)a;
	const struct rp_sweep_point *q = *(const struct rp_sweep_point *const *)b;
	double x = isfinite(p->target_rate) ? p->target_rate : p->achieved_rate;
	double y = isfinite(q->target_rate) ? q->target_rate : q->achieved_rate;

	if (!isfinite(x))
		x = INFINITY; /* "max" points last */
	if (!isfinite(y))
		y = INFINITY;
	return x < y ? -1 : x > y;
}

static const struct rp_knee *knee_of(struct rp_ctx *x, const struct cfg *c)
{
	for (int k = 0; k < x->d->n_knees; k++) {
		const struct rp_knee *n = &x->d->knees[k];

		if (n->host == c->host && rp_same(n->workload, c->workload) && rp_same(n->hook, c->hook) &&
		    rp_same(n->body, c->body))
			return n;
	}
	return NULL;
}

static const char *knee_text(const struct rp_knee *n)
{
	char *b = nb();

	if (!n)
		return "no knee reported";
	if (!n->found)
		return "no knee within the rates measured";
	if (isfinite(n->lo) && isfinite(n->hi))
		snprintf(b, NB, "knee at %s/s [%s, %s]%s%s", rate(n->rate), rate(n->lo), rate(n->hi),
			 n->cause ? " by " : "", n->cause ? n->cause : "");
	else
		snprintf(b, NB, "knee at %s/s%s%s", rate(n->rate), n->cause ? " by " : "",
			 n->cause ? n->cause : "");
	return b;
}

static void sec_scaling(struct rp_ctx *x)
{
	struct rp_data *d = x->d;

	doc_h(x->doc, 2, "Scaling");
	if (!d->n_points) {
		doc_p(x->doc, "No sweep results: run bpfcost sweep --json -o sweep.json for overhead, "
			      "CPU and loss against event rate, and the knee.");
		return;
	}
	for (int h = 0; h < d->n_hosts; h++) {
		const struct rp_sweep_point **pts = NULL;
		struct chart_series ser[MAXCAT];
		double *xs[MAXCAT] = { 0 }, *ys[MAXCAT] = { 0 }, *y2s[MAXCAT] = { 0 };
		double knees[MAXCAT];
		char titles[MAXCAT][NB];
		int nser = 0, nk = 0;
		bool any = false, mismatch = false, backlog = false;

		for (int i = 0; i < d->n_points; i++)
			if (d->points[i].host == h)
				any = true;
		if (!any)
			continue;
		doc_h(x->doc, 3, "%s", d->hosts[h].label);
		if (d->hosts[h].emulated)
			doc_ps(x->doc, DS_NOTE, "Emulated host: these rates and costs are not representative.");
		pts = calloc(d->n_points, sizeof(*pts));
		if (!pts)
			return;
		{
			const char *hdr[] = { "Configuration", "Arrival", "Target/s", "Achieved/s", "System CPU",
					      "Workload CPU", "Consumer CPU", "Prog ns", "p99 ns base/probe",
					      "Produced", "Lost", "Loss" };
			bool right[12] = { [2] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };

			doc_table(x->doc, 12, hdr, right);
		}
		for (int i = 0; i < M->n; i++) {
			const struct cfg *c = &M->c[i];
			int np = 0;

			if (c->host != h)
				continue;
			for (int p = 0; p < d->n_points; p++) {
				const struct rp_sweep_point *q = &d->points[p];

				if (q->host == h && rp_same(q->workload, c->workload) && rp_same(q->hook, c->hook) &&
				    rp_same(q->body, c->body))
					pts[np++] = q;
			}
			if (!np)
				continue;
			qsort(pts, np, sizeof(*pts), cmp_rate);
			if (nser < MAXCAT) {
				xs[nser] = calloc(np, sizeof(double));
				ys[nser] = calloc(np, sizeof(double));
				y2s[nser] = calloc(np, sizeof(double));
			}
			for (int p = 0; p < np; p++) {
				const struct rp_sweep_point *q = pts[p];
				const char *row[12];
				char lost[64];
				bool bad = isfinite(q->produced) && isfinite(q->consumed) && isfinite(q->lost) &&
					   q->produced != q->consumed + q->lost;

				mismatch |= bad;
				snprintf(lost, sizeof(lost), "%s%s", cnt(q->lost), bad ? " (!)" : "");
				row[0] = cfg_name(c);
				row[1] = rp_s(q->arrival);
				row[2] = isfinite(q->target_rate) ? rate(q->target_rate) : "max";
				row[3] = rate(q->achieved_rate);
				row[4] = pct(q->system_overhead_pct);
				row[5] = pct(q->cpu_workload_pct);
				row[6] = pct(q->cpu_consumer_pct);
				row[7] = num(q->prog_avg_ns, 1);
				if (q->base_backlog || q->probe_backlog) {
					char *b = nb();

					snprintf(b, NB, "%s (backlog)", pair_s(q->base_p99, q->probe_p99));
					row[8] = b;
					backlog = true;
				} else {
					row[8] = pair_s(q->base_p99, q->probe_p99);
				}
				row[9] = cnt(q->produced);
				row[10] = lost;
				row[11] = pct(q->loss_pct);
				doc_row(x->doc, row);
				if (nser < MAXCAT && xs[nser] && ys[nser] && y2s[nser]) {
					xs[nser][p] = isfinite(q->achieved_rate) ? q->achieved_rate : q->target_rate;
					ys[nser][p] = q->system_overhead_pct;
					y2s[nser][p] = q->loss_pct;
				}
			}
			if (nser < MAXCAT && xs[nser] && ys[nser] && y2s[nser]) {
				const struct rp_knee *k = knee_of(x, c);

				snprintf(titles[nser], NB, "%s", cfg_name(c));
				ser[nser].title = titles[nser];
				ser[nser].n = np;
				ser[nser].x = xs[nser];
				ser[nser].y = ys[nser];
				ser[nser].y2 = y2s[nser];
				nser++;
				if (k && k->found && nk < MAXCAT)
					knees[nk++] = k->rate;
			}
		}
		for (int i = 0; i < M->n; i++) {
			const struct cfg *c = &M->c[i];
			bool has = false;

			for (int p = 0; p < d->n_points && !has; p++)
				has = d->points[p].host == h && rp_same(d->points[p].workload, c->workload) &&
				      rp_same(d->points[p].hook, c->hook) && rp_same(d->points[p].body, c->body);
			if (c->host == h && has) {
				const struct rp_knee *k = knee_of(x, c);

				if (k && (isfinite(k->max_cpu_pct) || isfinite(k->max_loss_pct)))
					doc_li(x->doc, "%s: %s (the sweep's bounds: CPU %s, loss %s).",
					       cfg_name(c), knee_text(k), pct(k->max_cpu_pct),
					       pct(k->max_loss_pct));
				else
					doc_li(x->doc, "%s: %s.", cfg_name(c), knee_text(k));
			}
		}
		if (backlog)
			doc_ps(x->doc, DS_NOTE, "(backlog) the point fell behind its schedule: its latency "
					     "from the scheduled start is the queue of a rate not sustained, "
					     "not a per-op latency.");
		if (mismatch)
			doc_ps(x->doc, DS_NOTE, "(!) produced != consumed + lost on these points: the event "
						"accounting does not add up, so their loss is not exact.");
		if (x->ch) {
			char name[32], title[400];
			const char *file;

			snprintf(name, sizeof(name), "scaling-h%d", h + 1);
			snprintf(title, sizeof(title), "System CPU overhead and loss against rate, %s",
				 d->hosts[h].label);
			file = chart_lines(x->ch, name, title, "events/s (achieved)", "system CPU overhead %",
					   "events lost %", nser, ser, nk, knees, x->b.cpu_pct);
			if (file)
				doc_img(x->doc, file, title);
		}
		for (int s = 0; s < MAXCAT; s++) {
			free(xs[s]);
			free(ys[s]);
			free(y2s[s]);
		}
		free(pts);
	}
}

static void sec_apps(struct rp_ctx *x)
{
	struct rp_data *d = x->d;
	bool never = false, disagree = false;

	doc_h(x->doc, 2, "Applications");
	if (!d->n_apps) {
		doc_p(x->doc, "No application results: run bpfcost app redis --json -o app.json for "
			      "the impact on a real server.");
		return;
	}
	{
		const char *hdr[] = { "Host", "App", "Probe", "Throughput base / probe", "Change", "95% CI",
				      "Predicted (95% CI)", "p99 ns base / probe", "Events/s", "BPF CPU",
				      "App CPU", "Lost", "Note" };
		bool right[13] = { [3] = 1, 1, 1, 1, 1, 1, 1, 1, 1 };

		doc_table(x->doc, 13, hdr, right);
	}
	for (int i = 0; i < d->n_apps; i++) {
		const struct rp_app_row *a = &d->apps[i];
		char probe[96], tput[96], note[256], pred[96];
		const char *row[13];
		bool fired = isfinite(a->event_rate) && a->event_rate > 0;

		snprintf(probe, sizeof(probe), "%s/%s", rp_s(a->hook), rp_s(a->body));
		snprintf(tput, sizeof(tput), "%s / %s%s%s", num(a->base_tput, 0), num(a->probe_tput, 0),
			 a->unit ? " " : "", a->unit ? a->unit : "");
		if (isfinite(a->pred_pct))
			snprintf(pred, sizeof(pred), "%s %s", snum(a->pred_pct, 2), ci(a->pred_lo, a->pred_hi));
		else
			snprintf(pred, sizeof(pred), "-");
		if (!rp_status_ok(a->status))
			snprintf(note, sizeof(note), "%s: %s", rp_s(a->status), rp_s(a->reason));
		else if (rp_is_control(a->hook))
			snprintf(note, sizeof(note), "control (nothing attached): the noise floor");
		else if (!fired) {
			snprintf(note, sizeof(note), "probe never fired: no impact can be read here");
			never = true;
		} else if (a->pred_agrees == 0) {
			if (isfinite(a->app_ns_event) && isfinite(a->bench_ns_event) &&
			    isfinite(a->bpf_avg_ns) && isfinite(a->bench_prog_ns))
				snprintf(note, sizeof(note), "measured and predicted change disagree: an "
					 "event cost the application %.0f ns, bench %.0f ns; the programs "
					 "ran %.0f ns a run in the application, %.0f ns in bench (BPF "
					 "stats on)", a->app_ns_event, a->bench_ns_event, a->bpf_avg_ns,
					 a->bench_prog_ns);
			else if (isfinite(a->app_ns_event) && isfinite(a->bench_ns_event))
				snprintf(note, sizeof(note), "measured and predicted change disagree: an "
					 "event cost the application %.0f ns, bench %.0f ns",
					 a->app_ns_event, a->bench_ns_event);
			else
				snprintf(note, sizeof(note), "measured and predicted change disagree");
			disagree = true;
		} else if (isfinite(a->change_lo) && isfinite(a->change_hi) && a->change_lo <= 0 &&
			   a->change_hi >= 0)
			snprintf(note, sizeof(note), "no significant change");
		else
			snprintf(note, sizeof(note), "%s", isfinite(a->change_pct) ? "significant" : "-");
		row[0] = d->hosts[a->host].label;
		row[1] = rp_s(a->app);
		row[2] = probe;
		row[3] = tput;
		row[4] = isfinite(a->change_pct) ? snum(a->change_pct, 2) : "-";
		row[5] = ci(a->change_lo, a->change_hi);
		row[6] = pred;
		row[7] = pair_s(a->base_p99, a->probe_p99);
		row[8] = num(a->event_rate, 0);
		row[9] = pct(a->bpf_cpu_pct);
		row[10] = pct(a->app_cpu_pct);
		row[11] = cnt(a->lost);
		row[12] = note;
		doc_row(x->doc, row);
	}
	doc_p(x->doc, "Change and interval are in %% of baseline throughput; the event rate shows "
		      "how often the probes fired, so a small change at a low rate is no evidence "
		      "of a cheap probe. Predicted: bench's cost per event times the events per "
		      "operation the probes saw, over the application's CPU per operation.");
	if (never)
		doc_ps(x->doc, DS_NOTE, "Some probes never fired during their application's run: "
					"those rows say nothing about the probe's cost.");
	if (disagree)
		doc_ps(x->doc, DS_NOTE, "Where measured and predicted change disagree, the probes "
					"cost the application more (or less) than bench's per-event "
					"cost explains: the programs also run, and are filtered, for "
					"other processes' syscalls, an enabled syscall tracepoint sends "
					"every syscall through the traced path, and the application's "
					"caches are shared with the probe's maps. Trust the measured "
					"change, and read the difference as the cost bench does not see.");
}

static void sec_measure(struct rp_ctx *x)
{
	struct rp_data *d = x->d;

	doc_h(x->doc, 2, "Your tools");
	if (!d->n_measures && !d->n_mprogs) {
		doc_p(x->doc, "No measure results: run bpfcost measure --json -o m.json -- CMD for the "
			      "overhead a tool of yours adds.");
		return;
	}
	for (int f = 0; f < d->n_files; f++) {
		if (d->files[f].kind != RK_MEASURE)
			continue;
		const char *cmd = NULL, *mode = NULL;

		for (int i = 0; i < d->n_measures; i++)
			if (d->measures[i].file == f) {
				cmd = d->measures[i].cmd;
				mode = d->measures[i].mode;
			}
		for (int i = 0; i < d->n_mprogs && !cmd; i++)
			if (d->mprogs[i].file == f)
				cmd = d->mprogs[i].cmd;
		doc_h(x->doc, 3, "%s", rp_s(cmd));
		doc_p(x->doc, "From %s on %s%s%s.", d->files[f].path, d->hosts[d->files[f].host].label,
		      mode ? ", mode " : "", mode ? mode : "");
		if (mode && !strcmp(mode, "pid"))
			doc_ps(x->doc, DS_NOTE, "Measured on a tool that was already running (--pid): no "
						"baseline alternation, so drift is not cancelled.");
		{
			const char *hdr[] = { "Workload", "Base ns", "With tool ns", "Mean +ns", "95% CI", "+%" };
			bool right[6] = { 0, 1, 1, 1, 1, 1 };

			doc_table(x->doc, 6, hdr, right);
			for (int i = 0; i < d->n_measures; i++) {
				const struct rp_measure_row *m = &d->measures[i];
				const char *row[6];

				if (m->file != f)
					continue;
				row[0] = rp_s(m->workload);
				row[1] = num(m->base_ns, 1);
				row[2] = num(m->probe_ns, 1);
				row[3] = snum(m->overhead_ns, 1);
				row[4] = ci(m->ci_lo, m->ci_hi);
				row[5] = isfinite(m->overhead_pct) ? snum(m->overhead_pct, 1) : "-";
				doc_row(x->doc, row);
			}
		}
		{
			const char *hdr[] = { "ID", "Program", "Type", "Attach", "Runs/op", "Avg ns", "ns/op" };
			bool right[7] = { 1, 0, 0, 0, 1, 1, 1 };
			bool any = false;

			for (int i = 0; i < d->n_mprogs; i++)
				if (d->mprogs[i].file == f)
					any = true;
			if (!any)
				continue;
			doc_table(x->doc, 7, hdr, right);
			for (int i = 0; i < d->n_mprogs; i++) {
				const struct rp_measure_prog *p = &d->mprogs[i];
				const char *row[7];

				if (p->file != f)
					continue;
				row[0] = cnt(p->id);
				row[1] = rp_s(p->name);
				row[2] = rp_s(p->type);
				row[3] = rp_s(p->attach);
				row[4] = num(p->runs_per_op, 3);
				row[5] = num(p->avg_ns, 1);
				row[6] = num(p->runs_per_op * p->avg_ns, 1);
				doc_row(x->doc, row);
			}
		}
	}
}

static void sec_lab(struct rp_ctx *x)
{
	struct rp_data *d = x->d;

	doc_h(x->doc, 2, "Optimisation lab");
	if (!d->n_labs) {
		doc_p(x->doc, "No lab results: run bpfcost lab --json -o lab.json to check the "
			      "documents' advice on this kernel.");
		return;
	}
	const char *hdr[] = { "Host", "Technique", "Variant", "Measured ns", "95% CI", "Saving",
			      "Documents' claim", "This kernel agrees", "Status" };
	bool right[9] = { [3] = 1, 1, 1 };

	doc_table(x->doc, 9, hdr, right);
	for (int i = 0; i < d->n_labs; i++) {
		const struct rp_lab_row *l = &d->labs[i];
		char st[160];
		const char *row[9];

		if (rp_status_ok(l->status))
			snprintf(st, sizeof(st), "ok");
		else
			snprintf(st, sizeof(st), "%s: %s", rp_s(l->status), rp_s(l->reason));
		row[0] = d->hosts[l->host].label;
		row[1] = rp_s(l->technique);
		row[2] = rp_s(l->variant);
		row[3] = num(l->cost_ns, 1);
		row[4] = ci(l->ci_lo, l->ci_hi);
		row[5] = pct(l->saving_pct);
		row[6] = rp_s(l->claim);
		row[7] = rp_s(l->agrees);
		row[8] = st;
		doc_row(x->doc, row);
	}
}

static const char *app_change(struct rp_ctx *x, const struct cfg *c)
{
	char *b = nb();
	size_t off = 0;

	b[0] = '\0';
	for (int i = 0; i < x->d->n_apps && off < 60; i++) {
		const struct rp_app_row *a = &x->d->apps[i];

		if (a->host != c->host || !rp_same(a->hook, c->hook) || !rp_same(a->body, c->body) ||
		    !isfinite(a->change_pct))
			continue;
		off += snprintf(b + off, NB - off, "%s%s %+.1f%%", off ? ", " : "", rp_s(a->app),
				a->change_pct);
	}
	return off ? b : "-";
}

static const char *metric_words(const struct verdict_result *v, enum verdict level)
{
	char *b = nb();
	size_t off = 0;

	b[0] = '\0';
	if (v->p99 == level)
		off += snprintf(b + off, NB - off, "%sp99", off ? ", " : "");
	if (v->cpu == level)
		off += snprintf(b + off, NB - off, "%sCPU", off ? ", " : "");
	if (v->loss == level)
		off += snprintf(b + off, NB - off, "%sloss", off ? ", " : "");
	return b;
}

static const char *recommendation(struct rp_ctx *x, int i)
{
	const struct cfg *c = &M->c[i];
	char *b = nb();
	int best = M->best[c->host];

	if (rp_is_control(c->hook))
		snprintf(b, NB, "control");
	else if (!c->ok)
		snprintf(b, NB, "not available here");
	else if (best == i)
		snprintf(b, NB, "recommended here");
	else if (c->v.level == V_GREEN)
		snprintf(b, NB, "proceed");
	else if (c->v.level == V_YELLOW)
		snprintf(b, NB, "with modifications (%s)", metric_words(&c->v, V_YELLOW));
	else if (c->v.level == V_RED)
		snprintf(b, NB, "redesign: sample or aggregate (%s)", metric_words(&c->v, V_RED));
	else
		snprintf(b, NB, "not enough data");
	return b;
}

static void sec_matrix(struct rp_ctx *x)
{
	struct rp_data *d = x->d;
	char cpu_hdr[48];

	doc_h(x->doc, 2, "Decision matrix");
	if (!M->n) {
		doc_p(x->doc, "No probe configurations in these files.");
		return;
	}
	snprintf(cpu_hdr, sizeof(cpu_hdr), "CPU @%s/s", rate(x->b.rate_per_s));
	for (int h = 0; h < d->n_hosts; h++) {
		const char *hdr[] = { "Configuration", "Median +ns (p50)", "p99 +ns", "Loss @100K/s",
				      cpu_hdr, "App change", "Verdict", "Recommendation" };
		bool right[8] = { 0, 1, 1, 1, 1, 1 };
		bool any = false;

		for (int i = 0; i < M->n; i++)
			if (M->c[i].host == h)
				any = true;
		if (!any)
			continue;
		doc_h(x->doc, 3, "%s%s", d->hosts[h].label, emul_tag(x, h));
		doc_table(x->doc, 8, hdr, right);
		for (int i = 0; i < M->n; i++) {
			const struct cfg *c = &M->c[i];
			char cpu[64], loss[32];
			const char *row[8];

			if (c->host != h)
				continue;
			snprintf(cpu, sizeof(cpu), "%s%s", isfinite(c->cpu_pct) && !c->cpu_from_sweep ? "~" : "",
				 pct(c->cpu_pct));
			if (!c->emits)
				snprintf(loss, sizeof(loss), "n/a");
			else
				snprintf(loss, sizeof(loss), "%s", pct(c->loss_100k));
			row[0] = cfg_name(c);
			row[1] = snum(c->p50_added, 0);
			row[2] = snum(c->p99_added, 0);
			row[3] = loss;
			row[4] = cpu;
			row[5] = app_change(x, c);
			row[6] = rp_is_control(c->hook) || !c->ok ? "-" : verdict_name(c->v.level);
			row[7] = recommendation(x, i);
			doc_row(x->doc, row);
		}
	}
	doc_p(x->doc, "\"~\": CPU computed from the mean overhead by the guide's formula (no sweep "
		      "point at that rate); n/a: the body has no output path, nothing to lose.");
}

static void sec_side_by_side(struct rp_ctx *x)
{
	struct rp_data *d = x->d;
	int nh = d->n_hosts > 8 ? 8 : d->n_hosts;
	const char *hdr[10];
	bool right[10] = { 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	char hb[8][400];
	int rows = 0;

	doc_h(x->doc, 2, "Hosts side by side");
	if (d->n_hosts < 2) {
		doc_p(x->doc, "One host only: give results from several hosts or kernels to compare "
			      "them here.");
		return;
	}
	hdr[0] = "Configuration";
	for (int h = 0; h < nh; h++) {
		snprintf(hb[h], sizeof(hb[h]), "%s%s mean +ns", d->hosts[h].label,
			 d->hosts[h].emulated ? " *" : "");
		hdr[h + 1] = hb[h];
	}
	doc_p(x->doc, "Mean overhead per event, p99 added in brackets; from the second host on, "
		      "the difference against the first. \"*\": emulated, not representative.");
	doc_table(x->doc, nh + 1, hdr, right);
	for (int i = 0; i < M->n; i++) {
		const struct cfg *c = &M->c[i];
		const char *row[10];
		char cell[8][96], name[96];
		int present = 0;
		bool first_seen = false;

		/* one row per configuration, at its first occurrence */
		for (int j = 0; j < i; j++)
			if (rp_same(M->c[j].workload, c->workload) && rp_same(M->c[j].hook, c->hook) &&
			    rp_same(M->c[j].body, c->body))
				first_seen = true;
		if (first_seen)
			continue;
		snprintf(name, sizeof(name), "%s %s/%s", rp_s(c->workload), rp_s(c->hook), rp_s(c->body));
		row[0] = name;
		{
			double ref = NAN;

			for (int h = 0; h < nh; h++) {
				int k = rp_model_find(M, h, c->workload, c->hook, c->body);
				const struct cfg *o = k >= 0 ? &M->c[k] : NULL;

				if (!o || !o->ok || !isfinite(o->mean_ns)) {
					snprintf(cell[h], sizeof(cell[h]), "%s", o && !o->ok ? "unsupported" : "-");
				} else {
					present++;
					if (!isfinite(ref)) {
						ref = o->mean_ns;
						snprintf(cell[h], sizeof(cell[h]), "%.1f (p99 %s)", o->mean_ns,
							 snum(o->p99_added, 0));
					} else {
						double dpct = (o->mean_ns - ref) / fabs(ref) * 100;

						/* % of a near-zero reference (the control) means nothing */
						if (fabs(ref) >= 5)
							snprintf(cell[h], sizeof(cell[h]), "%.1f (p99 %s), %s ns (%+.0f%%)",
								 o->mean_ns, snum(o->p99_added, 0),
								 snum(o->mean_ns - ref, 1), dpct);
						else
							snprintf(cell[h], sizeof(cell[h]), "%.1f (p99 %s), %s ns",
								 o->mean_ns, snum(o->p99_added, 0),
								 snum(o->mean_ns - ref, 1));
					}
				}
				row[h + 1] = cell[h];
			}
		}
		if (present >= 1) {
			doc_row(x->doc, row);
			rows++;
		}
	}
	if (!rows)
		doc_p(x->doc, "No configuration was measured on more than one host.");
	{
		const char *vh[10];
		char vb[8][400];

		vh[0] = "Host";
		vh[1] = "Verdict";
		vh[2] = "Best configuration";
		doc_table(x->doc, 3, vh, NULL);
		for (int h = 0; h < d->n_hosts; h++) {
			const char *row[3];

			snprintf(vb[h % 8], sizeof(vb[0]), "%s%s", d->hosts[h].label,
				 d->hosts[h].emulated ? " *" : "");
			row[0] = vb[h % 8];
			row[1] = verdict_name(report_host_verdict(x, h));
			row[2] = M->best[h] >= 0 ? cfg_name(&M->c[M->best[h]]) : "-";
			doc_row(x->doc, row);
		}
	}
}

/* ---- kernels side by side ---- */

#define MAXK 8

/* Column labels: the kernel alone when every host has the same name (the
 * vmtest guests), else the whole label; "*" marks an emulated CPU. */
static void kernel_labels(struct rp_ctx *x, int nh, char lab[][200])
{
	struct rp_data *d = x->d;
	bool same = true;

	for (int h = 1; h < nh; h++)
		same &= rp_same(d->hosts[h].hostname, d->hosts[0].hostname);
	for (int h = 0; h < nh; h++)
		snprintf(lab[h], 200, "%s%s", same ? rp_s(d->hosts[h].kernel) : d->hosts[h].label,
			 d->hosts[h].emulated ? " *" : "");
}

/* Index of reason in notes (added when new), for "(N)" marks. */
static int note_index(const char **notes, int *n, int max, const char *reason)
{
	for (int i = 0; i < *n; i++)
		if (rp_same(notes[i], reason))
			return i + 1;
	if (*n >= max)
		return 0;
	notes[(*n)++] = rp_s(reason);
	return *n;
}

static void kernel_notes(struct rp_ctx *x, const char **notes, int n)
{
	for (int i = 0; i < n; i++)
		doc_li(x->doc, "(%d) %s", i + 1, notes[i]);
}

/* A table with one column per kernel after the first (numbers right-aligned
 * when numeric). */
static void kernel_table(struct rp_ctx *x, int nh, char lab[][200], const char *first, bool numeric)
{
	const char *hdr[MAXK + 1];
	bool right[MAXK + 1];

	hdr[0] = first;
	right[0] = false;
	for (int h = 0; h < nh; h++) {
		hdr[h + 1] = lab[h];
		right[h + 1] = numeric;
	}
	doc_table(x->doc, nh + 1, hdr, right);
}

static void kernel_caps(struct rp_ctx *x, int nh, char lab[][200])
{
	struct rp_data *d = x->d;
	const char *notes[64];
	int nnotes = 0;

	if (!d->n_caps)
		return;
	doc_p(x->doc, "What each kernel can do: bpfcost check loads, attaches and fires a "
		      "trivial program for every hook and map; \"no\" is followed by the reason it "
		      "gave (below). \"-\": no check results from that kernel.");
	kernel_table(x, nh, lab, "Hook, map or stat", false);
	for (int i = 0; i < d->n_caps; i++) {
		const struct rp_cap *c = &d->caps[i];
		const char *row[MAXK + 1];
		char cell[MAXK][32], name[96];
		bool first = true;

		for (int j = 0; j < i; j++)
			if (rp_same(d->caps[j].kind, c->kind) && rp_same(d->caps[j].name, c->name))
				first = false;
		if (!first)
			continue;
		snprintf(name, sizeof(name), "%s%s", rp_same(c->kind, "map") ? "map " : "", rp_s(c->name));
		row[0] = name;
		for (int h = 0; h < nh; h++) {
			const struct rp_cap *o = NULL;

			for (int j = 0; j < d->n_caps && !o; j++)
				if (d->caps[j].host == h && rp_same(d->caps[j].kind, c->kind) &&
				    rp_same(d->caps[j].name, c->name))
					o = &d->caps[j];
			if (!o)
				snprintf(cell[h], sizeof(cell[h]), "-");
			else if (o->available)
				snprintf(cell[h], sizeof(cell[h]), "yes");
			else
				snprintf(cell[h], sizeof(cell[h]), "no (%d)",
					 note_index(notes, &nnotes, 64, o->reason));
			row[h + 1] = cell[h];
		}
		doc_row(x->doc, row);
	}
	kernel_notes(x, notes, nnotes);
}

/* The host's rawtp/empty row for a workload: its overhead, or NaN. */
static double rawtp_empty_ns(int h, const char *workload)
{
	int k = rp_model_find(M, h, workload, "rawtp", "empty");

	return k >= 0 && M->c[k].ok && M->c[k].bench ? M->c[k].bench->overhead_ns : NAN;
}

static const struct rp_bench_row *ok_row(int h, const char *w, const char *hook, const char *body)
{
	int k = rp_model_find(M, h, w, hook, body);

	return k >= 0 && M->c[k].ok ? M->c[k].bench : NULL;
}

static void kernel_costs(struct rp_ctx *x, int nh, char lab[][200])
{
	struct rp_data *d = x->d;
	const char *notes[64];
	int nnotes = 0, rows = 0;

	doc_p(x->doc, "What each hook and body costs on each kernel, as ratios that survive an "
		      "emulated CPU better than ns: the overhead as %% of that kernel's own "
		      "baseline (the workload with nothing attached, e.g. getpid) with its 95%% "
		      "interval, then relative to that kernel's rawtp/empty row. \"*\": an "
		      "emulated CPU (TCG); its figures show structure, not cost, and never decide "
		      "a verdict.");
	kernel_table(x, nh, lab, "Configuration", true);
	for (int i = 0; i < M->n; i++) {
		const struct cfg *c = &M->c[i];
		const char *row[MAXK + 1];
		char cell[MAXK][64], name[96];
		bool first = true;

		if (!c->bench || rp_is_control(c->hook))
			continue;
		for (int j = 0; j < i; j++)
			if (M->c[j].bench && rp_same(M->c[j].workload, c->workload) &&
			    rp_same(M->c[j].hook, c->hook) && rp_same(M->c[j].body, c->body))
				first = false;
		if (!first)
			continue;
		snprintf(name, sizeof(name), "%s %s/%s", rp_s(c->workload), rp_s(c->hook), rp_s(c->body));
		row[0] = name;
		for (int h = 0; h < nh; h++) {
			int k = rp_model_find(M, h, c->workload, c->hook, c->body);
			const struct rp_bench_row *r = k >= 0 ? M->c[k].bench : NULL;
			double base = r ? r->base_ns : NAN, raw = rawtp_empty_ns(h, c->workload);
			double p, hw;

			if (!r) {
				snprintf(cell[h], sizeof(cell[h]), "-");
			} else if (!M->c[k].ok) {
				snprintf(cell[h], sizeof(cell[h]), "%s (%d)", rp_s(r->status),
					 note_index(notes, &nnotes, 64, r->reason));
			} else if (!(base > 0) || !isfinite(r->overhead_ns)) {
				snprintf(cell[h], sizeof(cell[h]), "-");
			} else {
				p = 100 * r->overhead_ns / base;
				hw = isfinite(r->ci_lo) && isfinite(r->ci_hi) ? 50 * (r->ci_hi - r->ci_lo) / base : NAN;
				snprintf(cell[h], sizeof(cell[h]), "%+.0f%%%s%s, %s%s", p, isfinite(hw) ? " +-" : "",
					 isfinite(hw) ? num(hw, 0) : "", raw > 0 ? num(r->overhead_ns / raw, 2) : "-",
					 raw > 0 ? "x" : "");
			}
			row[h + 1] = cell[h];
		}
		doc_row(x->doc, row);
		rows++;
	}
	if (!rows)
		doc_p(x->doc, "No bench results to compare.");
	kernel_notes(x, notes, nnotes);
	/* The return probe against the entry probe: the uretprobe syscall
	 * (x86, 6.11+) replaced the trap that ends a uretprobe. */
	for (int h = 0; h < nh; h++) {
		const struct rp_bench_row *u = ok_row(h, "getpid", "uprobe", "empty");
		const struct rp_bench_row *ur = ok_row(h, "getpid", "uretprobe", "empty");

		if (u && ur && u->overhead_ns > 0 && isfinite(ur->overhead_ns))
			doc_li(x->doc, "%s: uretprobe/empty costs %sx uprobe/empty (%s vs %s ns%s).",
			       lab[h], num(ur->overhead_ns / u->overhead_ns, 2), num(ur->overhead_ns, 0),
			       num(u->overhead_ns, 0), d->hosts[h].emulated ? ", emulated" : "");
	}
}

static void sec_kernels(struct rp_ctx *x)
{
	struct rp_data *d = x->d;
	int nh = d->n_hosts > MAXK ? MAXK : d->n_hosts;
	char lab[MAXK][200];

	doc_h(x->doc, 2, "Kernels side by side");
	if (d->n_hosts < 2) {
		doc_p(x->doc, "One kernel only: make vmtest runs check and bench on 5.10, 6.1 and "
			      "6.12 (build/vmtest/results/*/); give their files to compare kernels here.");
		return;
	}
	kernel_labels(x, nh, lab);
	if (d->n_hosts > MAXK)
		doc_ps(x->doc, DS_NOTE, "The first %d of %d hosts.", MAXK, d->n_hosts);
	kernel_caps(x, nh, lab);
	kernel_costs(x, nh, lab);
}

static void sec_budget(struct rp_ctx *x)
{
	struct rp_data *d = x->d;
	const struct budget *b = &x->b;

	doc_h(x->doc, 2, "Budget validation");
	doc_p(x->doc, "Thresholds (%s): GREEN when p99 added < %s ns, system CPU < %s and loss < %s "
		      "at %s events/s; YELLOW up to %s ns, %s, %s; RED beyond.",
	      x->budget_spec ? x->budget_spec : "the directive's go/no-go, the default",
	      num(b->p99_ns, 0), pct(b->cpu_pct), pct(b->loss_pct), rate(b->rate_per_s),
	      num(b->p99_yellow_ns, 0), pct(b->cpu_yellow_pct), pct(b->loss_yellow_pct));
	for (int h = 0; h < d->n_hosts; h++) {
		double cpus = rp_host_cpus(x->d, &x->b, h);
		double per_event = ns_budget_per_event(b->cpu_pct, b->rate_per_s, cpus);
		double avail = ns_budget_per_event(100, b->rate_per_s, cpus);
		int best = M->best[h];
		char box[1024];
		size_t off = 0;
		bool any = false;

		for (int i = 0; i < M->n; i++)
			if (M->c[i].host == h && M->c[i].ok && !rp_is_control(M->c[i].hook))
				any = true;
		if (!any)
			continue;
		doc_h(x->doc, 3, "%s%s", d->hosts[h].label, emul_tag(x, h));
		off += snprintf(box + off, sizeof(box) - off,
				"Target: < %s system overhead at %s events/s on %s CPU%s\n"
				"Available time per event: %s ns (%s CPU x 1e9 / %s)\n"
				"Budget for eBPF: %s ns per event (%s)\n",
				pct(b->cpu_pct), cnt(b->rate_per_s), cnt(cpus), cpus == 1 ? "" : "s",
				cnt(avail), cnt(cpus), cnt(b->rate_per_s), cnt(per_event), pct(b->cpu_pct));
		if (best >= 0 && isfinite(M->c[best].mean_ns)) {
			double m = M->c[best].mean_ns;

			off += snprintf(box + off, sizeof(box) - off,
					"Measured actual: %s ns (%s, mean overhead)\n"
					"Result: %s with margin %s ns (%s of the budget)\n",
					num(m, 1), cfg_name(&M->c[best]), m <= per_event ? "PASS" : "FAIL",
					snum(per_event - m, 1),
					pct(per_event > 0 ? (per_event - m) / per_event * 100 : NAN));
		} else {
			off += snprintf(box + off, sizeof(box) - off, "Measured actual: not measured\n");
		}
		box[off ? off - 1 : 0] = '\0';
		doc_pre(x->doc, box);
		{
			const char *hdr[] = { "Configuration", "ns/event (mean)", "Budget ns", "Margin ns",
					      "p99 added", "p99 bound", "Result" };
			bool right[7] = { 0, 1, 1, 1, 1, 1 };

			doc_table(x->doc, 7, hdr, right);
			for (int i = 0; i < M->n; i++) {
				const struct cfg *c = &M->c[i];
				const char *row[7];
				bool pass;

				if (c->host != h || !c->ok || rp_is_control(c->hook))
					continue;
				pass = isfinite(c->mean_ns) && c->mean_ns <= per_event &&
				       (!isfinite(c->p99_added) || c->p99_added < b->p99_ns);
				row[0] = cfg_name(c);
				row[1] = num(c->mean_ns, 1);
				row[2] = num(per_event, 0);
				row[3] = snum(per_event - c->mean_ns, 1);
				row[4] = snum(c->p99_added, 0);
				row[5] = num(b->p99_ns, 0);
				row[6] = !isfinite(c->mean_ns) ? "-" : pass ? "PASS" : "FAIL";
				doc_row(x->doc, row);
			}
		}
	}
}

static void sec_verdict(struct rp_ctx *x)
{
	struct rp_data *d = x->d;

	doc_h(x->doc, 2, "Verdict");
	for (int h = 0; h < d->n_hosts; h++) {
		bool any = false, outputs = false;

		for (int i = 0; i < M->n; i++)
			if (M->c[i].host == h && M->c[i].candidate) {
				any = true;
				outputs |= M->c[i].emits;
			}
		host_headline(x, h);
		if (!any)
			continue;
		doc_p(x->doc, "%s", outputs ? "Judged on the configurations that emit events (ring or "
					      "perf buffer), as the directive's design does; the best "
					      "of them decides."
					    : "No configuration emits events: judged on every probe; the "
					      "best decides.");
		{
			const char *hdr[] = { "Configuration", "Verdict", "The numbers that decided it" };

			doc_table(x->doc, 3, hdr, NULL);
			for (int i = 0; i < M->n; i++) {
				const struct cfg *c = &M->c[i];
				const char *row[3];

				if (c->host != h || !c->ok || rp_is_control(c->hook))
					continue;
				row[0] = cfg_name(c);
				row[1] = verdict_name(c->v.level);
				row[2] = c->v.why;
				doc_row(x->doc, row);
			}
		}
	}
}

/* Whether dispatch or the body dominates a configuration: only from a
 * resolved split, and only where their intervals do not overlap. */
static void rec_split(struct rp_ctx *x, const struct cfg *c)
{
	const struct rp_bench_row *r = c->bench;

	if (!r || !rp_status_ok(r->status) || rp_is_control(r->hook))
		return;
	if (!r->split || strcmp(r->split, "resolved")) {
		if (r->split)
			doc_li(x->doc, "The split of %s into body and dispatch is unresolved (%s): no "
				       "advice is built on it.", cfg_name(c),
			       r->split_reason ? r->split_reason : "no reason given");
		return;
	}
	if (r->dispatch_lo > r->body_hi)
		doc_li(x->doc, "Dispatch dominates in %s (%s ns [%s, %s] of the overhead's %s ns; the "
			       "body runs %s ns [%s, %s]): a cheaper hook saves more than a leaner body.",
		       cfg_name(c), num(r->dispatch_ns, 1), num(r->dispatch_lo, 1), num(r->dispatch_hi, 1),
		       num(r->overhead_ns, 1), num(r->body_ns, 1), num(r->body_lo, 1), num(r->body_hi, 1));
	else if (r->body_lo > r->dispatch_hi)
		doc_li(x->doc, "The body dominates in %s (%s ns [%s, %s] of the overhead's %s ns): trim "
			       "it (early exits, per-CPU maps, in-kernel aggregation; see the lab).",
		       cfg_name(c), num(r->body_ns, 1), num(r->body_lo, 1), num(r->body_hi, 1),
		       num(r->overhead_ns, 1));
	else
		doc_li(x->doc, "In %s the body (%s ns [%s, %s]) and dispatch (%s ns [%s, %s]) are too "
			       "close to say which dominates.", cfg_name(c), num(r->body_ns, 1),
		       num(r->body_lo, 1), num(r->body_hi, 1), num(r->dispatch_ns, 1),
		       num(r->dispatch_lo, 1), num(r->dispatch_hi, 1));
}

/* Cheapest and dearest hook per workload, on one body for a fair compare. */
static void rec_hooks(struct rp_ctx *x, int h)
{
	const char *wl[MAXCAT];
	int nw = 0;

	for (int i = 0; i < M->n; i++)
		if (M->c[i].host == h && M->c[i].bench && M->c[i].ok && !rp_is_control(M->c[i].hook))
			nw = uniq_add(wl, nw, MAXCAT, M->c[i].workload);
	for (int w = 0; w < nw; w++) {
		const char *bodies[MAXCAT];
		int nbd = 0, lo = -1, hi = -1, nhooks = 0;
		const char *body = NULL;

		for (int i = 0; i < M->n; i++)
			if (M->c[i].host == h && M->c[i].bench && M->c[i].ok && rp_same(M->c[i].workload, wl[w]) &&
			    !rp_is_control(M->c[i].hook))
				nbd = uniq_add(bodies, nbd, MAXCAT, M->c[i].body);
		/* prefer "empty": the hook alone */
		body = nbd ? bodies[0] : NULL;
		for (int k = 0; k < nbd; k++)
			if (!strcmp(bodies[k], "empty"))
				body = bodies[k];
		for (int i = 0; i < M->n; i++) {
			const struct cfg *c = &M->c[i];

			if (c->host != h || !c->bench || !c->ok || !rp_same(c->workload, wl[w]) ||
			    !rp_same(c->body, body) || rp_is_control(c->hook) || !isfinite(c->mean_ns))
				continue;
			nhooks++;
			if (lo < 0 || c->mean_ns < M->c[lo].mean_ns)
				lo = i;
			if (hi < 0 || c->mean_ns > M->c[hi].mean_ns)
				hi = i;
		}
		if (nhooks >= 2 && lo != hi)
			doc_li(x->doc, "%s: the cheapest hook is %s (%s ns with the %s body); %s costs %s ns, "
				       "%s ns more.",
			       rp_s(wl[w]), rp_s(M->c[lo].hook), snum(M->c[lo].mean_ns, 1), rp_s(body),
			       rp_s(M->c[hi].hook), snum(M->c[hi].mean_ns, 1),
			       num(M->c[hi].mean_ns - M->c[lo].mean_ns, 1));
	}
}

/* Ring buffer against perf buffer on the same hook. */
static void rec_output(struct rp_ctx *x, int h)
{
	for (int i = 0; i < M->n; i++) {
		const struct cfg *r = &M->c[i];
		int k;

		if (r->host != h || !r->ok || !rp_same(r->body, "ringbuf") || !isfinite(r->mean_ns))
			continue;
		k = rp_model_find(M, h, r->workload, r->hook, "perfbuf");
		if (k < 0 || !M->c[k].ok || !isfinite(M->c[k].mean_ns))
			continue;
		doc_li(x->doc, "%s on %s: ring buffer %s ns vs perf buffer %s ns per event (%s is "
			       "cheaper by %s ns)%s%s%s%s.",
		       rp_s(r->workload), rp_s(r->hook), snum(r->mean_ns, 1), snum(M->c[k].mean_ns, 1),
		       r->mean_ns <= M->c[k].mean_ns ? "ring buffer" : "perf buffer",
		       num(fabs(r->mean_ns - M->c[k].mean_ns), 1),
		       isfinite(r->loss_100k) || isfinite(M->c[k].loss_100k) ? "; loss at 100K/s " : "",
		       isfinite(r->loss_100k) || isfinite(M->c[k].loss_100k) ? pct(r->loss_100k) : "",
		       isfinite(r->loss_100k) || isfinite(M->c[k].loss_100k) ? " vs " : "",
		       isfinite(r->loss_100k) || isfinite(M->c[k].loss_100k) ? pct(M->c[k].loss_100k) : "");
	}
}

static void sec_recommendations(struct rp_ctx *x)
{
	struct rp_data *d = x->d;

	doc_h(x->doc, 2, "Recommendations");
	for (int h = 0; h < d->n_hosts; h++) {
		int best = M->best[h];
		double cpus = rp_host_cpus(x->d, &x->b, h);

		doc_h(x->doc, 3, "%s", d->hosts[h].label);
		if (d->hosts[h].emulated)
			doc_li(x->doc, "This host is emulated: the numbers below show structure, not cost; "
				       "repeat the runs on hardware before deciding.");
		if (best >= 0) {
			const struct cfg *c = &M->c[best];

			doc_li(x->doc, "Use %s here: %s (%s).", cfg_name(c), verdict_name(c->v.level), c->v.why);
			if (isfinite(c->mean_ns) && c->mean_ns > 0) {
				double r = max_rate_for_pct(x->b.cpu_pct, c->mean_ns, cpus);
				double ry = max_rate_for_pct(x->b.cpu_yellow_pct, c->mean_ns, cpus);

				doc_li(x->doc, "At %s ns per event on %s CPU%s, the %s CPU budget holds up to "
					       "%s events/s (%s up to %s/s); above that, sample 1 in N events "
					       "(cost / N) or aggregate in the kernel.",
				       num(c->mean_ns, 1), cnt(cpus), cpus == 1 ? "" : "s", pct(x->b.cpu_pct),
				       rate(r), pct(x->b.cpu_yellow_pct), rate(ry));
			}
			{
				const struct rp_knee *k = knee_of(x, c);

				if (k)
					doc_li(x->doc, "The sweep of %s: %s.", cfg_name(c), knee_text(k));
			}
			rec_split(x, c);
		} else {
			doc_li(x->doc, "No measured probe configuration: nothing to recommend on this host.");
		}
		rec_hooks(x, h);
		rec_output(x, h);
		for (int i = 0; i < M->n; i++) {
			const struct cfg *c = &M->c[i];

			if (c->host == h && c->ok && c->v.level == V_RED && c->candidate)
				doc_li(x->doc, "%s is RED (%s): sample, filter earlier or aggregate in the "
					       "kernel before shipping events.",
				       cfg_name(c), c->v.why);
		}
	}
	for (int i = 0; i < d->n_apps; i++) {
		const struct rp_app_row *a = &d->apps[i];

		if (rp_status_ok(a->status) && !rp_is_control(a->hook) &&
		    !(isfinite(a->event_rate) && a->event_rate > 0))
			doc_li(x->doc, "%s with %s/%s: the probe never fired; choose a hook this "
				       "application actually hits before reading its impact.",
			       rp_s(a->app), rp_s(a->hook), rp_s(a->body));
	}
}

/* ---- a study's plan, overhead under load, region sizes, buffers' memory,
 * the user's own probe ---- */

static const char *secs(double s) /* "2m05s", "48s" */
{
	char *b = nb();

	if (!isfinite(s))
		return "-";
	if (s >= 60)
		snprintf(b, NB, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(b, NB, "%.0fs", s);
	return b;
}

static const char *rate_gb(double bytes_per_s)
{
	char *b = nb();

	snprintf(b, NB, "%.1f GB streamed", bytes_per_s / 1e9);
	return b;
}

static const char *rate_mloops(double loops_per_s)
{
	char *b = nb();

	snprintf(b, NB, "%.0f M loops of 64 multiply-adds", loops_per_s / 1e6);
	return b;
}

static const char *kib(double bytes)
{
	char *b = nb();

	if (!isfinite(bytes) || bytes <= 0)
		return "-";
	if (bytes >= 1024 * 1024)
		snprintf(b, NB, "%.1f MiB", bytes / (1024 * 1024));
	else
		snprintf(b, NB, "%.0f KiB", bytes / 1024);
	return b;
}

/* Each string of a JSON array, as list items. */
static void json_items(struct rp_ctx *x, json_object *root, const char *key, const char *lead)
{
	json_object *a;

	if (!json_object_object_get_ex(root, key, &a) || !json_object_is_type(a, json_type_array))
		return;
	for (size_t k = 0; k < json_object_array_length(a); k++) {
		json_object *v = json_object_array_get_idx(a, k);

		if (json_object_is_type(v, json_type_string))
			doc_li(x->doc, "%s%s", lead, json_object_get_string(v));
	}
}

static void sec_study(struct rp_ctx *x)
{
	struct rp_data *d = x->d;
	bool any = false;

	doc_h(x->doc, 2, "Study");
	for (int f = 0; f < d->n_files; f++) {
		const struct rp_file *F = &d->files[f];
		const char *hdr[] = { "Phase", "What it ran", "Estimate", "Took", "Status" };
		bool right[5] = { 0, 0, 1, 1 };
		double budget = jget_num(F->root, "budget_s"), took = 0;

		if (F->kind != RK_STUDY)
			continue;
		any = true;
		for (int i = 0; i < d->n_phases; i++)
			if (d->phases[i].file == f && isfinite(d->phases[i].elapsed_s))
				took += d->phases[i].elapsed_s;
		doc_h(x->doc, 3, "%s", d->hosts[F->host].label);
		doc_p(x->doc, "bpfcost study (%s): a budget of %s, %s spent in its phases%s.", F->path,
		      secs(budget), secs(took), F->interrupted ? "; interrupted, resumable" : "");
		doc_table(x->doc, 5, hdr, right);
		for (int i = 0; i < d->n_phases; i++) {
			const struct rp_study_phase *p = &d->phases[i];
			const char *row[5];
			char st[200];

			if (p->file != f)
				continue;
			/* the report phase is still running while it writes this */
			snprintf(st, sizeof(st), "%s%s%s",
				 p->result && !strcmp(p->result, "report.html") &&
				 rp_same(p->status, "pending") ? "this report" : rp_s(p->status),
				 p->note ? ": " : "", p->note ? p->note : "");
			row[0] = rp_s(p->name);
			row[1] = rp_s(p->what);
			row[2] = secs(p->estimate_s);
			row[3] = secs(p->elapsed_s);
			row[4] = st;
			doc_row(x->doc, row);
		}
		json_items(x, F->root, "shortened", "Shortened to fit the budget: ");
		json_items(x, F->root, "notes", "");
	}
	if (!any)
		doc_p(x->doc, "No study: bpfcost study -o DIR runs check, bench, sweep, app and "
			      "report in one go, within a time budget, and bpfcost report DIR reads it.");
}

/* The quiet row of a configuration measured under load, or NULL. */
static const struct cfg *quiet_of(const struct rp_bench_row *r)
{
	int i = rp_model_find(M, r->host, r->workload, r->hook, r->body);

	return i >= 0 && M->c[i].bench ? &M->c[i] : NULL;
}

static void sec_load(struct rp_ctx *x)
{
	struct rp_data *d = x->d;
	bool any = false;

	doc_h(x->doc, 2, "Under load");
	for (int h = 0; h < d->n_hosts; h++) {
		const char *hdr[] = { "Configuration", "Load", "Quiet ns", "95% CI", "Loaded ns",
				      "95% CI", "Change", "p99 added quiet/loaded" };
		bool right[8] = { 0, 0, 1, 1, 1, 1, 1, 1 };
		double moved[256];
		int nm = 0, rows = 0;

		for (int i = 0; i < d->n_bench; i++) {
			const struct rp_bench_row *r = &d->bench[i];
			const struct cfg *q = quiet_of(r);
			const char *row[8];
			char name[160], change[64];

			if (r->host != h || !r->background || !rp_status_ok(r->status))
				continue;
			if (!rows++) {
				doc_h(x->doc, 3, "%s%s", d->hosts[h].label, emul_tag(x, h));
				doc_table(x->doc, 8, hdr, right);
			}
			any = true;
			snprintf(name, sizeof(name), "%s %s/%s", rp_s(r->workload), rp_s(r->hook),
				 rp_s(r->body));
			change[0] = '\0';
			if (q && q->ok && isfinite(r->overhead_ns) && !rp_is_control(r->hook)) {
				double pc = fabs(q->est_ns) > 0 ? (r->overhead_ns / q->est_ns - 1) * 100 : NAN;

				snprintf(change, sizeof(change), "%s ns (%s%%)",
					 snum(r->overhead_ns - q->est_ns, 1), snum(pc, 0));
				if (isfinite(pc) && nm < 256)
					moved[nm++] = pc;
			}
			row[0] = name;
			row[1] = r->background;
			row[2] = q ? snum(q->est_ns, 1) : "-";
			row[3] = q ? ci(q->ci_lo, q->ci_hi) : "-";
			row[4] = snum(r->overhead_ns, 1);
			row[5] = ci(r->ci_lo, r->ci_hi);
			row[6] = change[0] ? change : "-";
			row[7] = pair_s(q ? q->p99_added : NAN, rp_added(r->probe_p99, r->base_p99));
			doc_row(x->doc, row);
		}
		if (!rows)
			continue;
		for (int f = 0; f < d->n_files; f++) {
			json_object *cfg;
			const char *k;

			if (d->files[f].host != h || d->files[f].kind != RK_BENCH ||
			    !json_object_object_get_ex(d->files[f].root, "config", &cfg) ||
			    !(k = jget_str(cfg, "background")))
				continue;
			double rate = jget_num(cfg, "background_rate_per_cpu_s");
			doc_li(x->doc, "%s: a %s load on %s other CPU%s for the whole run, started and "
				       "stopped by bench (%s per CPU and second).", d->files[f].path, k,
			       cnt(jget_num(cfg, "background_cpus")),
			       jget_num(cfg, "background_cpus") == 1 ? "" : "s",
			       !isfinite(rate) ? "rate not recorded" :
			       !strcmp(k, "mem") ? rate_gb(rate) : rate_mloops(rate));
		}
		if (nm) {
			double lo = moved[0], hi = moved[0];

			for (int i = 1; i < nm; i++) {
				lo = fmin(lo, moved[i]);
				hi = fmax(hi, moved[i]);
			}
			doc_p(x->doc, "Under load the probes' overhead moved by %s%% to %s%% of the quiet "
				      "figure. The baseline moves too: each loaded row is paired against "
				      "its own loaded baseline, so this is what the probe adds on a busy "
				      "machine, not how much slower the machine is.", snum(lo, 0), snum(hi, 0));
		}
	}
	if (!any)
		doc_p(x->doc, "No results under load: bpfcost bench --background cpu (or mem) measures "
			      "the overhead while the other CPUs are busy, beside the quiet figure.");
}

/* A workload's family and region size from its name: "madvise_free_2m"
 * is madvise_free of 2 MiB; "munmap" of 4 KiB. */
static const char *region_of(const char *w, double *bytes)
{
	static const char *const fam[] = { "madvise_free", "madvise", "munmap" };
	char *b = nb();

	*bytes = NAN;
	if (!w)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(fam); i++) {
		size_t n = strlen(fam[i]);
		char *end;
		double v;

		if (strncmp(w, fam[i], n))
			continue;
		if (!w[n]) {
			*bytes = 4096;
		} else if (w[n] == '_' && (v = strtod(w + n + 1, &end)) > 0 && end[0] && !end[1] &&
			   (end[0] == 'k' || end[0] == 'm')) {
			*bytes = v * (end[0] == 'k' ? 1024 : 1024 * 1024);
		} else {
			continue;
		}
		snprintf(b, NB, "%s", !strcmp(fam[i], "madvise") ? "madvise DONTNEED" :
			 !strcmp(fam[i], "madvise_free") ? "madvise FREE" : "munmap");
		return b;
	}
	return NULL;
}

static int cmp_region(const void *a, const void *b)
{
	const struct cfg *p = *(const struct cfg *const *)a, *q = *(const struct cfg *const *)b;
	double bp, bq;
	const char *fp = region_of(p->workload, &bp), *fq = region_of(q->workload, &bq);
	int c = strcmp(fp, fq);

	if (c)
		return c;
	if (bp != bq)
		return bp < bq ? -1 : 1;
	c = strcmp(rp_s(p->hook), rp_s(q->hook));
	return c ? c : strcmp(rp_s(p->body), rp_s(q->body));
}

static void sec_regions(struct rp_ctx *x)
{
	struct rp_data *d = x->d;
	bool any = false;

	doc_h(x->doc, 2, "Region sizes");
	for (int h = 0; h < d->n_hosts; h++) {
		const char *hdr[] = { "Syscall", "Region", "Base ns/op", "Ops/s", "Probe",
				      "Overhead ns", "95% CI", "+%" };
		bool right[8] = { 0, 1, 1, 1, 0, 1, 1, 1 };
		const struct cfg *rows[256];
		int n = 0;
		bool sized = false;

		for (int i = 0; i < M->n && n < 256; i++) {
			const struct cfg *c = &M->c[i];
			double bytes;

			if (c->host != h || !c->bench || !c->ok || !region_of(c->workload, &bytes))
				continue;
			sized |= bytes > 4096;
			rows[n++] = c;
		}
		if (!sized)
			continue;
		/* 4 KiB rows only with a probe measured at a larger size too */
		int k = 0;

		for (int i = 0; i < n; i++) {
			double bytes;
			bool keep = false;

			region_of(rows[i]->workload, &bytes);
			for (int j = 0; j < n && !keep && bytes <= 4096; j++) {
				double bj;

				region_of(rows[j]->workload, &bj);
				keep = bj > 4096 && rp_same(rows[j]->hook, rows[i]->hook) &&
				       rp_same(rows[j]->body, rows[i]->body);
			}
			if (bytes > 4096 || keep)
				rows[k++] = rows[i];
		}
		n = k;
		any = true;
		qsort(rows, (size_t)n, sizeof(rows[0]), cmp_region);
		doc_h(x->doc, 3, "%s%s", d->hosts[h].label, emul_tag(x, h));
		doc_table(x->doc, 8, hdr, right);
		for (int i = 0; i < n; i++) {
			const struct cfg *c = rows[i];
			const char *row[8];
			double bytes, base = c->bench->base_ns;
			char probe[96];

			row[0] = region_of(c->workload, &bytes);
			row[1] = kib(bytes);
			row[2] = num(base, 0);
			row[3] = isfinite(base) && base > 0 ? rate(1e9 / base) : "-";
			snprintf(probe, sizeof(probe), "%s/%s", rp_s(c->hook), rp_s(c->body));
			row[4] = rp_is_control(c->hook) ? "control" : probe;
			row[5] = snum(c->est_ns, 1);
			row[6] = ci(c->ci_lo, c->ci_hi);
			row[7] = isfinite(c->bench->overhead_pct) ? snum(c->bench->overhead_pct, 1) : "-";
			doc_row(x->doc, row);
		}
		doc_p(x->doc, "One op releases the whole region (4 KiB pages; transparent huge pages "
			      "off for the run), mapped and touched again before each op, untimed. "
			      "A probe pays once per call: its share of a call falls as the region "
			      "grows.");
	}
	if (!any)
		doc_p(x->doc, "No region sizes: bpfcost bench --workload madvise,madvise_64k,madvise_2m,"
			      "madvise_free_2m,munmap_64k,munmap_2m measures madvise and munmap of "
			      "4 KiB to 2 MiB.");
}

static void sec_memory(struct rp_ctx *x)
{
	struct rp_data *d = x->d;
	bool any = false;

	doc_h(x->doc, 2, "Output buffers: kernel memory");
	for (int h = 0; h < d->n_hosts; h++) {
		const char *hdr[] = { "Output path", "Buffer size", "Kernel memory", "Measured on" };
		bool right[4] = { 0, 1, 1 };
		int rows = 0;

		for (int i = 0; i < d->n_bench; i++) {
			const struct rp_bench_row *r = &d->bench[i];
			const char *row[4];
			char path[160], size[64];
			bool seen = false;

			if (r->host != h || !isfinite(r->buf_kernel_bytes) || r->buf_kernel_bytes <= 0)
				continue;
			for (int j = 0; j < i && !seen; j++)
				seen = d->bench[j].host == h && d->bench[j].buf_kernel_bytes == r->buf_kernel_bytes &&
				       rp_same(d->bench[j].body, r->body) && rp_same(d->bench[j].hook, r->hook);
			if (seen)
				continue;
			if (!rows++) {
				doc_h(x->doc, 3, "%s", d->hosts[h].label);
				doc_table(x->doc, 4, hdr, right);
			}
			any = true;
			if (!strcmp(rp_s(r->hook), "obj"))
				snprintf(path, sizeof(path), "your probe (%s)", rp_s(r->obj_output));
			else
				snprintf(path, sizeof(path), "%s", rp_s(r->body));
			snprintf(size, sizeof(size), "%s%s", kib(r->buf_size),
				 strstr(path, "perf") ? " per CPU" : "");
			row[0] = path;
			row[1] = !strcmp(rp_s(r->hook), "obj") ? "the object's" : size;
			row[2] = kib(r->buf_kernel_bytes);
			row[3] = cfg_name(&(struct cfg){ .workload = r->workload, .hook = r->hook,
							 .body = r->body });
			doc_row(x->doc, row);
		}
		if (rows)
			doc_p(x->doc, "What the kernel holds for each output path at the size used: a "
				      "ring buffer's memlock (one ring shared by every CPU); a perf "
				      "buffer's array memlock plus one ring per CPU (its pages and a "
				      "header page each), so at the same size it takes CPUs times the "
				      "memory.");
	}
	if (!any)
		doc_p(x->doc, "No buffer sizes: bench rows with a ringbuf or perfbuf body (bpfcost "
			      "0.1 and later) record the kernel memory of their buffers.");
}

/* The object's hook kind needs kprobes, which this host's results say it
 * lacks: the reason, else NULL. */
static const char *no_kprobes(struct rp_ctx *x, int h)
{
	for (int i = 0; i < M->n; i++) {
		const struct cfg *c = &M->c[i];

		if (c->host == h && c->bench && !strcmp(rp_s(c->hook), "kprobe") && !c->ok &&
		    c->reason && strstr(c->reason, "KPROBES"))
			return c->reason;
	}
	return NULL;
}

static void sec_your_probe(struct rp_ctx *x)
{
	struct rp_data *d = x->d;
	bool any = false;

	doc_h(x->doc, 2, "Your probe against the built-in alternatives");
	for (int i = 0; i < M->n; i++) {
		const struct cfg *o = &M->c[i], *cheap = NULL, *empty = NULL;
		const struct rp_bench_row *r = o->bench;
		const char *hdr[] = { "Configuration", "Overhead ns", "95% CI", "p99 added ns",
				      "Against yours" };
		bool right[5] = { 0, 1, 1, 1, 1 };
		char out[32];
		const char *nk;

		if (!r || strcmp(rp_s(o->hook), "obj"))
			continue;
		any = true;
		/* the output body a built-in probe needs to do what the object does */
		snprintf(out, sizeof(out), "%.*s", r->obj_output ? (int)strcspn(r->obj_output, ",") : 0,
			 r->obj_output ? r->obj_output : "");
		doc_h(x->doc, 3, "%s on %s", rp_s(r->obj_path), rp_s(o->workload));
		doc_p(x->doc, "%s (programs %s; hook %s, output %s) on %s, against the built-in "
			      "empty probe and the built-in probes with the same output path on "
			      "every hook of this kernel.", rp_s(r->obj_path), rp_s(o->body),
		      rp_s(r->obj_kinds), out[0] ? out : "none", d->hosts[o->host].label);
		doc_table(x->doc, 5, hdr, right);
		{
			const char *row[5] = { "your probe", snum(o->est_ns, 1), ci(o->ci_lo, o->ci_hi),
					       snum(o->p99_added, 0), o->ok ? "-" : o->reason };
			doc_row(x->doc, row);
		}
		for (int j = 0; j < M->n; j++) {
			const struct cfg *c = &M->c[j];
			const char *row[5];
			char vs[64];

			if (c->host != o->host || !c->bench || !rp_same(c->workload, o->workload) ||
			    rp_is_control(c->hook) || !strcmp(rp_s(c->hook), "obj") ||
			    (strcmp(rp_s(c->body), "empty") && (!out[0] || !rp_same(c->body, out))))
				continue;
			if (c->ok && !strcmp(rp_s(c->body), "empty") &&
			    (!empty || c->est_ns < empty->est_ns))
				empty = c;
			if (c->ok && out[0] && rp_same(c->body, out) && (!cheap || c->est_ns < cheap->est_ns))
				cheap = c;
			snprintf(vs, sizeof(vs), "%s ns", c->ok && o->ok ? snum(c->est_ns - o->est_ns, 1) : "-");
			row[0] = cfg_name(c);
			row[1] = c->ok ? snum(c->est_ns, 1) : "-";
			row[2] = c->ok ? ci(c->ci_lo, c->ci_hi) : "-";
			row[3] = c->ok ? snum(c->p99_added, 0) : "-";
			row[4] = c->ok ? (o->ok ? vs : "-") : "not available here";
			doc_row(x->doc, row);
		}
		if (o->ok && cheap) {
			double dlt = o->est_ns - cheap->est_ns;

			doc_li(x->doc, "The cheapest equivalent here is %s at %s ns %s: your probe costs "
				       "%s ns %s (%s%%)%s.", cfg_name(cheap), snum(cheap->est_ns, 1),
			       ci(cheap->ci_lo, cheap->ci_hi), num(fabs(dlt), 1),
			       dlt >= 0 ? "more" : "less", snum(cheap->est_ns ? dlt / cheap->est_ns * 100 : NAN, 0),
			       isfinite(o->ci_lo) && isfinite(cheap->ci_hi) &&
			       (o->ci_lo > cheap->ci_hi || o->ci_hi < cheap->ci_lo) ? "" :
			       "; the intervals overlap: no difference shown");
		}
		if (o->ok && empty)
			doc_li(x->doc, "The hook alone (%s, empty body) costs %s ns: your program's work "
				       "and output add about %s ns to it.", cfg_name(empty),
			       snum(empty->est_ns, 1), snum(o->est_ns - empty->est_ns, 1));
		if ((nk = no_kprobes(x, o->host)))
			doc_li(x->doc, "kprobe: not on this kernel (%s). The stock kernels' numbers, kprobe "
				       "and fentry included, come from make vmtest "
				       "(build/vmtest/results/RELEASE/): give that directory to report "
				       "beside this one to see them side by side.", nk);
	}
	/* objects a study could not measure here (a kprobe without kprobes) */
	for (int f = 0; f < d->n_files; f++) {
		json_object *objs;

		if (d->files[f].kind != RK_STUDY ||
		    !json_object_object_get_ex(d->files[f].root, "objs", &objs) ||
		    !json_object_is_type(objs, json_type_array))
			continue;
		for (size_t k = 0; k < json_object_array_length(objs); k++) {
			json_object *ob = json_object_array_get_idx(objs, k);
			const char *note = jget_str(ob, "note");

			if (!note)
				continue;
			any = true;
			doc_li(x->doc, "%s: %s", rp_s(jget_str(ob, "path")), note);
		}
	}
	if (!any)
		doc_p(x->doc, "No probe of yours: bpfcost bench --obj FILE.bpf.o (or study --obj) "
			      "measures your object beside the built-in probes.");
}

int report_build(struct rp_ctx *x)
{
	M = &x->model;
	if (rp_model_build(M, x->d, &x->b))
		return -1;
	sec_summary(x);
	sec_study(x);
	sec_environment(x);
	sec_method(x);
	sec_results(x);
	sec_load(x);
	sec_regions(x);
	sec_memory(x);
	sec_scaling(x);
	sec_apps(x);
	sec_measure(x);
	sec_lab(x);
	sec_your_probe(x);
	sec_matrix(x);
	sec_side_by_side(x);
	sec_kernels(x);
	sec_budget(x);
	sec_verdict(x);
	sec_recommendations(x);
	return 0;
}

void report_free(struct rp_ctx *x)
{
	rp_model_free(&x->model);
	M = NULL;
}
