// SPDX-License-Identifier: GPL-2.0
/* `bpfcost top` on a terminal: ncurses table, sortable and filterable, with
 * a detail view that charts a program's recent history. */
#include "top/tui.h"
#include "base/output.h"
#include "base/util.h"

#include <curses.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct tui_col {
	const char *hdr;
	int width;
	bool left;
	enum top_col sort;
};

/* Number keys 1-9 and 0 sort by the column at that position. */
static struct tui_col tcols[] = {
	{ "ID", 6, false, TOP_COL_ID },
	{ "TYPE", 11, true, TOP_COL_TYPE },
	{ "NAME", 24, true, TOP_COL_NAME },
	{ "EVENTS/s", 10, false, TOP_COL_EVENTS },
	{ "AVG ns", 8, false, TOP_COL_AVG },
	{ "FULL ns", 9, false, TOP_COL_FULL },
	{ "%CORE", 7, false, TOP_COL_CPU },
	{ "%FULL", 7, false, TOP_COL_FULL_CPU },
	{ "RMISS", 6, false, TOP_COL_MISSES },
	{ "ATTACH", 30, true, TOP_COL_ATTACH },
	{ "PROCESSES", 0, true, TOP_COL_COMM }, /* the rest of the line */
};
static const enum top_col key_sort[10] = {
	TOP_COL_ATTACH, /* key 0: the tenth column */
	TOP_COL_ID, TOP_COL_TYPE, TOP_COL_NAME, TOP_COL_EVENTS, TOP_COL_AVG,
	TOP_COL_FULL, TOP_COL_CPU, TOP_COL_FULL_CPU, TOP_COL_MISSES,
};

struct tui {
	struct top_state *st;
	struct top_stats *stats;
	struct top_dispatch *disp;
	struct top_view_opts *o;
	double interval_s;
	struct top_prog **view;
	int nview;
	uint32_t sel_id;  /* selection follows the program across re-sorts */
	int sel, top_row;
	bool detail;
};

static void put_cell(int y, int *x, const char *s, int width, bool left)
{
	int maxx = getmaxx(stdscr);

	if (*x >= maxx)
		return;
	if (width <= 0 || *x + width > maxx)
		width = maxx - *x;
	if (left)
		mvprintw(y, *x, "%-*.*s", width, width, s);
	else
		mvprintw(y, *x, "%*.*s", width, width, s);
	*x += width + 1;
}

/* mvprintw, cut at the right edge instead of wrapping onto the next row */
static void put_line(int y, int x, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put_line(int y, int x, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (x >= COLS || y >= LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mvaddnstr(y, x, buf, COLS - x);
}

static void draw_header(struct tui *t)
{
	char line[512], when[16], a[32], b[32];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	attron(A_BOLD);
	put_line(0, 0, "bpfcost top  %s  every %.1f s  %d/%d programs  %d CPUs  collect %.2f ms CPU",
		 when, t->interval_s, t->nview, t->st->nprogs, t->st->ncpus,
		 t->st->collect_cpu_ns / 1e6);
	attroff(A_BOLD);
	put_line(1, 0, "%s", top_stats_line(t->stats, line, sizeof(line)));
	put_line(2, 0, "%s", top_dispatch_line(t->disp, line, sizeof(line)));
	put_line(3, 0, "host: %d programs  body %s%% of one CPU, full %s%%  (%%HOST: / %d)  "
		 "sort: %s%s (0-9,s,r)  filter: %s (/)  Enter: detail  q: quit",
		 t->st->nprogs, fmt_num(a, sizeof(a), t->st->host.cpu_core_pct, 2),
		 fmt_num(b, sizeof(b), t->st->host.full_core_pct, 2), t->st->ncpus,
		 top_col_names[t->o->sort], t->o->sort_reverse ? " rev" : "",
		 t->o->filter[0] ? t->o->filter : "-");
}

static void draw_table(struct tui *t)
{
	int rows = LINES - 6, x = 0;

	attron(A_REVERSE);
	mvhline(4, 0, ' ', COLS);
	for (size_t i = 0; i < ARRAY_SIZE(tcols); i++) {
		char h[32];

		snprintf(h, sizeof(h), "%s%s", tcols[i].hdr, tcols[i].sort == t->o->sort ? "*" : "");
		put_cell(4, &x, h, tcols[i].width, tcols[i].left);
	}
	attroff(A_REVERSE);
	if (t->sel >= t->nview)
		t->sel = t->nview - 1;
	if (t->sel < 0)
		t->sel = 0;
	if (t->sel < t->top_row)
		t->top_row = t->sel;
	if (rows > 0 && t->sel >= t->top_row + rows)
		t->top_row = t->sel - rows + 1;
	for (int r = 0; r < rows && t->top_row + r < t->nview; r++) {
		const struct top_prog *p = t->view[t->top_row + r];
		char c[11][TOP_ATTACH_LEN];
		bool sel = t->top_row + r == t->sel;

		top_prog_cells(p, c[0], sizeof(c[0]), tcols[3].width, tcols[8].width);
		snprintf(c[9], sizeof(c[9]), "%s", p->attach[0] ? p->attach : "-");
		top_holders_str(p, c[10], sizeof(c[10]));
		if (sel)
			attron(A_REVERSE);
		mvhline(5 + r, 0, ' ', COLS);
		x = 0;
		for (size_t i = 0; i < ARRAY_SIZE(tcols); i++)
			put_cell(5 + r, &x, c[i], tcols[i].width, tcols[i].left);
		if (sel)
			attroff(A_REVERSE);
	}
	if (t->nview && t->sel < t->nview)
		t->sel_id = t->view[t->sel]->id;
}

/* Columns of '#', newest at the right; NaN intervals left blank. */
static void chart(int y, int height, const char *title, const float *ring, int len, int pos)
{
	int width = COLS - 12;
	float maxv = 0;

	if (width < 10 || height < 2)
		return;
	if (width > len)
		width = len;
	for (int i = 0; i < width; i++) {
		float v = ring[(pos - width + i + TOP_HIST_LEN) % TOP_HIST_LEN];

		if (!isnan(v) && v > maxv)
			maxv = v;
	}
	put_line(y, 0, "%s (last %d intervals, max %.0f)", title, width, maxv);
	for (int row = 0; row < height; row++) {
		float level = maxv * (height - row) / height;

		mvprintw(y + 1 + row, 0, "%10.0f ", level);
		for (int i = 0; i < width; i++) {
			float v = ring[(pos - width + i + TOP_HIST_LEN) % TOP_HIST_LEN];

			mvaddch(y + 1 + row, 11 + i,
				!isnan(v) && maxv > 0 && v >= level - maxv / height / 2 ? '#' : ' ');
		}
	}
}

static void draw_detail(struct tui *t)
{
	const struct top_prog *p = NULL;
	char hold[TOP_MAX_HOLDERS * 24], a[32], b[32], c[32], d[32], e[32], disp[160], line[512];
	int h;

	for (int i = 0; i < t->st->nprogs; i++)
		if (t->st->progs[i]->id == t->sel_id)
			p = t->st->progs[i];
	if (!p) {
		put_line(5, 0, "program %u is gone (unloaded). Esc: back", t->sel_id);
		return;
	}
	top_dispatch_cell(p, disp, sizeof(disp));
	put_line(4, 0, "program %u  %s  (Esc: back)", p->id, p->name[0] ? p->name : "(no name)");
	put_line(5, 2, "type %s  tag %s", p->type_str, p->tag);
	put_line(6, 2, "attach: %s", p->attach[0] ? p->attach : "- (not seen: no link, no perf event of a visible holder)");
	put_line(7, 2, "held by: %s", p->nholders ? top_holders_str(p, hold, sizeof(hold)) : "-");
	put_line(8, 2, "body (BPF stats): events/s %s  avg %s ns  since start %s ns  %%CORE %s  %%HOST %s",
		 fmt_num(a, sizeof(a), p->events_per_s, 0), fmt_num(b, sizeof(b), p->avg_ns, 0),
		 fmt_num(c, sizeof(c), p->avg_ns_total, 0), fmt_num(d, sizeof(d), p->cpu_core_pct, 2),
		 fmt_num(e, sizeof(e), p->cpu_host_pct, 2));
	put_line(9, 2, "%s", disp[0] ? disp : "dispatch -");
	put_line(10, 2, "full (body + dispatch): %s ns/run  since start %s ns  %%CORE %s  %%HOST %s",
		 fmt_num(a, sizeof(a), p->full_ns, 0), fmt_num(b, sizeof(b), p->full_ns_total, 0),
		 fmt_num(c, sizeof(c), p->full_core_pct, 2), fmt_num(d, sizeof(d), p->full_host_pct, 2));
	put_line(11, 2, "totals: %llu runs, %llu ns, %llu recursion misses",
		 (unsigned long long)p->run_cnt, (unsigned long long)p->run_time_ns,
		 (unsigned long long)p->recursion_misses);
	if (isnan(p->dispatch_ns))
		put_line(12, 2, "%s", top_dispatch_gaps(t->disp, line, sizeof(line)));
	h = (LINES - 15) / 2 - 1;
	if (h > 10)
		h = 10;
	chart(13, h, "events/s", p->hist_events, p->hist_len, p->hist_pos);
	chart(13 + h + 2, h, "avg ns", p->hist_avg, p->hist_len, p->hist_pos);
}

static void redraw(struct tui *t)
{
	/* NAME takes what a wide terminal has to spare, within 16..40 */
	int name_w = COLS - 125;

	tcols[2].width = name_w < 16 ? 16 : name_w > 40 ? 40 : name_w;
	t->nview = top_view(t->st, t->o, t->view);
	/* keep the selection on the same program */
	for (int i = 0; i < t->nview; i++)
		if (t->view[i]->id == t->sel_id)
			t->sel = i;
	erase();
	draw_header(t);
	if (t->detail)
		draw_detail(t);
	else
		draw_table(t);
	refresh();
}

static void prompt_filter(struct tui *t)
{
	char buf[sizeof(t->o->filter)] = "";

	mvhline(LINES - 1, 0, ' ', COLS);
	mvprintw(LINES - 1, 0, "filter (name/type/attach/comm, empty clears): ");
	echo();
	curs_set(1);
	timeout(-1);
	getnstr(buf, sizeof(buf) - 1);
	noecho();
	curs_set(0);
	snprintf(t->o->filter, sizeof(t->o->filter), "%s", buf);
	t->sel = 0;
	t->top_row = 0;
}

/* Returns false to quit. */
static bool on_key(struct tui *t, int ch)
{
	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case 27: /* Esc */
		if (!t->detail)
			return false;
		t->detail = false;
		break;
	case KEY_ENTER:
	case '\n':
	case '\r':
		t->detail = !t->detail && t->nview > 0;
		break;
	case KEY_UP:
	case 'k':
		t->sel--;
		break;
	case KEY_DOWN:
	case 'j':
		t->sel++;
		break;
	case KEY_PPAGE:
		t->sel -= LINES - 6;
		break;
	case KEY_NPAGE:
		t->sel += LINES - 6;
		break;
	case KEY_HOME:
		t->sel = 0;
		break;
	case KEY_END:
		t->sel = t->nview - 1;
		break;
	case 's':
		t->o->sort = (t->o->sort + 1) % TOP_NCOLS;
		break;
	case 'r':
		t->o->sort_reverse = !t->o->sort_reverse;
		break;
	case '/':
		prompt_filter(t);
		break;
	default:
		if (ch >= '0' && ch <= '9') {
			enum top_col c = key_sort[ch - '0'];

			if (t->o->sort == c)
				t->o->sort_reverse = !t->o->sort_reverse;
			else
				t->o->sort_reverse = false;
			t->o->sort = c;
		}
	}
	if (t->sel < 0)
		t->sel = 0;
	if (t->sel >= t->nview)
		t->sel = t->nview ? t->nview - 1 : 0;
	if (t->nview)
		t->sel_id = t->view[t->sel]->id;
	return true;
}

int top_tui_run(struct top_state *st, struct top_stats *stats, struct top_dispatch *disp,
		struct top_view_opts *o, double interval_s)
{
	struct tui t = { .st = st, .stats = stats, .disp = disp, .o = o, .interval_s = interval_s };
	SCREEN *scr;
	uint64_t next, step = (uint64_t)(interval_s * 1e9);
	int err, ret = 0;

	if ((err = top_sample(st)))
		return runtime_error("cannot enumerate BPF programs: %s", strerror(-err));
	top_dispatch_apply(disp, st);
	/* newterm, not initscr: initscr exits the process on a bad TERM */
	scr = newterm(NULL, stdout, stdin);
	if (!scr)
		return TOP_TUI_NO_TERMINAL;
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	next = st->t_now_ns + step;
	t.view = calloc(st->nprogs + 1, sizeof(*t.view));
	if (!t.view) {
		ret = runtime_error("out of memory");
		goto out;
	}
	redraw(&t);
	while (!stop_requested) {
		uint64_t now = now_ns();
		int ch, wait_ms;

		if (now >= next) {
			if ((err = top_sample(st))) {
				ret = runtime_error("cannot enumerate BPF programs: %s", strerror(-err));
				break;
			}
			top_stats_refresh(stats);
			top_dispatch_poll(disp, false);
			top_dispatch_apply(disp, st);
			next += step;
			if (next <= now)
				next = now + step;
			free(t.view);
			t.view = calloc(st->nprogs + 1, sizeof(*t.view));
			if (!t.view) {
				ret = runtime_error("out of memory");
				break;
			}
			redraw(&t);
			continue;
		}
		wait_ms = (int)((next - now) / 1000000) + 1;
		timeout(wait_ms > 200 ? 200 : wait_ms); /* re-check stop_requested */
		ch = getch();
		if (ch == ERR)
			continue;
		if (ch == KEY_RESIZE) {
			redraw(&t);
			continue;
		}
		if (!on_key(&t, ch))
			break;
		redraw(&t);
	}
out:
	endwin();
	delscreen(scr);
	free(t.view);
	return ret;
}
