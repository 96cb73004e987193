// SPDX-License-Identifier: GPL-2.0
/* top's view: which programs, in which order, and their cells as text.
 * Knows nothing of terminals or HTTP: the plain table, the TUI (tui.c) and
 * the command read it. */
#include "top/view.h"
#include "base/output.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const top_col_names[TOP_NCOLS] = {
	"id", "type", "name", "events", "avg", "total_avg", "cpu", "misses", "attach", "comm",
	"full", "full_cpu",
};

/* "?": it ran, but its hook has no dispatch estimate */
static const char *full_cell(char *buf, size_t len, double full, double body, int dec)
{
	if (isnan(full) && !isnan(body))
		return snprintf(buf, len, "?"), buf;
	return fmt_num(buf, len, full, dec);
}

void top_prog_cells(const struct top_prog *p, char *cells, size_t cell_len, int events_width,
		    int misses_width)
{
#define C(i) (cells + (i) * cell_len)
	snprintf(C(0), cell_len, "%u", p->id);
	snprintf(C(1), cell_len, "%s", top_short_type(p->type_str));
	snprintf(C(2), cell_len, "%s", p->name[0] ? p->name : "(no name)");
	if (isnan(p->events_per_s))
		fmt_num(C(3), cell_len, p->events_per_s, 0);
	else
		top_fmt_count(C(3), cell_len, llround(p->events_per_s), events_width);
	fmt_num(C(4), cell_len, p->avg_ns, 0);
	full_cell(C(5), cell_len, p->full_ns, p->avg_ns, 0);
	fmt_num(C(6), cell_len, p->cpu_core_pct, 2);
	full_cell(C(7), cell_len, p->full_core_pct, p->cpu_core_pct, 2);
	top_fmt_count(C(8), cell_len, p->recursion_misses, misses_width);
#undef C
}

const char *top_dispatch_cell(const struct top_prog *p, char *buf, size_t len)
{
	/* ns below 1 us, us above: "95 ns", "7.80 us" */
	bool us = fabs(p->dispatch_ns) >= 1000;
	double k = us ? 1000 : 1;
	int dec = us ? 2 : 0;
	char e[32], lo[32], hi[32];

	buf[0] = '\0';
	snprintf(hi, sizeof(hi), "%s]", fmt_num(e, sizeof(e), p->dispatch_hi_ns / k, dec));
	if (!isnan(p->dispatch_ns))
		snprintf(buf, len, "dispatch ~%s%s%s%s%s %s %s",
			 fmt_num(e, sizeof(e), p->dispatch_ns / k, dec),
			 isnan(p->dispatch_lo_ns) ? "" : " [",
			 isnan(p->dispatch_lo_ns) ? "" : fmt_num(lo, sizeof(lo), p->dispatch_lo_ns / k, dec),
			 isnan(p->dispatch_lo_ns) ? "" : ", ",
			 isnan(p->dispatch_lo_ns) ? "" : hi,
			 us ? "us" : "ns", p->hook);
	else if (p->hook || p->d_run_cnt)
		snprintf(buf, len, "dispatch ? (%s)", p->dispatch_note);
	return buf;
}

const char *top_fmt_count(char *buf, size_t len, uint64_t v, int width)
{
	static const char suffix[] = "kMGTPE";
	double x = (double)v;
	int i = -1;

	snprintf(buf, len, "%llu", (unsigned long long)v);
	/* never cut digits off a count: 123456 in 5 columns is "123k" */
	while ((int)strlen(buf) > width && i < 5) {
		x /= 1000;
		i++;
		snprintf(buf, len, "%.0f%c", x, suffix[i]);
	}
	return buf;
}

/* Natural order: numbers high first, text A-Z. */
static int cmp_col(const struct top_prog *a, const struct top_prog *b, enum top_col col)
{
	double x, y;
	char ba[128], bb[128];

	switch (col) {
	case TOP_COL_ID: return a->id < b->id ? -1 : a->id > b->id;
	case TOP_COL_TYPE: return strcmp(a->type_str, b->type_str);
	case TOP_COL_NAME: return strcmp(a->name, b->name);
	case TOP_COL_ATTACH: return strcmp(a->attach, b->attach);
	case TOP_COL_COMM:
		return strcmp(top_holders_str(a, ba, sizeof(ba)), top_holders_str(b, bb, sizeof(bb)));
	case TOP_COL_EVENTS: x = a->events_per_s; y = b->events_per_s; break;
	case TOP_COL_AVG: x = a->avg_ns; y = b->avg_ns; break;
	case TOP_COL_AVG_TOTAL: x = a->avg_ns_total; y = b->avg_ns_total; break;
	case TOP_COL_MISSES: x = a->recursion_misses; y = b->recursion_misses; break;
	/* without an estimate, the body alone */
	case TOP_COL_FULL:
		x = isnan(a->full_ns) ? a->avg_ns : a->full_ns;
		y = isnan(b->full_ns) ? b->avg_ns : b->full_ns;
		break;
	case TOP_COL_FULL_CPU:
		x = isnan(a->full_core_pct) ? a->cpu_core_pct : a->full_core_pct;
		y = isnan(b->full_core_pct) ? b->cpu_core_pct : b->full_core_pct;
		break;
	default: x = a->cpu_core_pct; y = b->cpu_core_pct; break;
	}
	if (isnan(x))
		x = -1;
	if (isnan(y))
		y = -1;
	return x > y ? -1 : x < y;
}

static const struct top_view_opts *sort_opts;

static int cmp_prog(const void *pa, const void *pb)
{
	const struct top_prog *a = *(struct top_prog *const *)pa, *b = *(struct top_prog *const *)pb;
	int r = cmp_col(a, b, sort_opts->sort);

	if (!r) /* stable ties: by id */
		r = a->id < b->id ? -1 : a->id > b->id;
	return sort_opts->sort_reverse ? -r : r;
}

static bool matches(const struct top_prog *p, const char *f)
{
	char buf[TOP_MAX_HOLDERS * 24];

	if (!*f)
		return true;
	return strcasestr(p->name, f) || strcasestr(p->type_str, f) || strcasestr(p->attach, f) ||
	       strcasestr(top_holders_str(p, buf, sizeof(buf)), f);
}

int top_view(const struct top_state *st, const struct top_view_opts *o, struct top_prog **out)
{
	int n = 0;

	for (int i = 0; i < st->nprogs; i++)
		if (matches(st->progs[i], o->filter))
			out[n++] = st->progs[i];
	sort_opts = o;
	qsort(out, n, sizeof(*out), cmp_prog);
	return n;
}

const char *top_stats_line(const struct top_stats *s, char *buf, size_t len)
{
	int off;

	off = snprintf(buf, len, "stats %s (%s; %s)", s->on ? "on" : "OFF",
		       s->method == STATS_FD ? "BPF_ENABLE_STATS fd" : "sysctl",
		       s->were_on ? "were already on" : "were off");
	if (off < 0 || (size_t)off >= len)
		return buf;
	/* the whole cost is in FULL; AVG holds only what falls between the
	 * two clock reads, at most an empty program's AVG */
	if (!isnan(s->cost_ns))
		snprintf(buf + off, len - off, ": +%.0f ns/run [%.0f, %.0f], <=%.0f in AVG",
			 s->cost_ns, s->cost_lo_ns, s->cost_hi_ns, s->cost_in_avg_max_ns);
	else
		snprintf(buf + off, len - off, ", cost %s", s->cost_note);
	return buf;
}
