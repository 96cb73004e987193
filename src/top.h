/* `bpfcost top`: options and helpers shared by its views (table, JSON, CSV,
 * TUI in top_tui.c, Prometheus in top_prom.c). */
#ifndef BPFCOST_TOP_H
#define BPFCOST_TOP_H

#include "output.h"
#include "top_collect.h"
#include "top_stats.h"

enum top_col {
	TOP_COL_ID, TOP_COL_TYPE, TOP_COL_NAME, TOP_COL_EVENTS, TOP_COL_AVG,
	TOP_COL_AVG_TOTAL, TOP_COL_CPU, TOP_COL_MISSES, TOP_COL_ATTACH, TOP_COL_COMM,
	TOP_NCOLS
};
extern const char *const top_col_names[TOP_NCOLS]; /* --sort names */

struct top_opts {
	double interval_s;
	long count;             /* intervals to print, 0 = until stopped */
	enum top_col sort;
	bool sort_reverse;      /* against the column's natural order */
	char filter[64];        /* substring of name, type, attach or comm */
	enum out_format fmt;
	const char *out_path;
	const char *prom_addr;  /* --prometheus */
	enum top_stats_method stats_method;
	bool calibrate;
};

/* Programs passing the filter, sorted; returns how many went into out
 * (sized st->nprogs). */
int top_view(const struct top_state *st, const struct top_opts *o, struct top_prog **out);
/* A count in at most width columns: 1234567 -> "1235k" (k, M, G, ...). */
const char *top_fmt_count(char *buf, size_t len, uint64_t v, int width);
/* The first nine cells of a program's row, shared by the table and the
 * TUI: ID, TYPE, NAME, EVENTS/s, AVG ns (interval, total), %CORE, %HOST,
 * MISSES. cells is 9 strings of cell_len bytes each; the counts fit their
 * columns' widths. */
void top_prog_cells(const struct top_prog *p, char *cells, size_t cell_len, int events_width,
		    int misses_width);
/* "stats: on (...) cost ~N ns/run" for headers. */
const char *top_stats_line(const struct top_stats *s, char *buf, size_t len);

#ifndef BPFCOST_STATIC
/* Returns an exit code, or TOP_TUI_NO_TERMINAL when curses cannot drive
 * this terminal (then the caller prints tables). */
#define TOP_TUI_NO_TERMINAL (-1)
int top_tui_run(struct top_state *st, struct top_stats *stats, struct top_opts *o);
int top_prom_run(struct top_stats *stats, const char *addr);
/* "ADDR:PORT", "[V6]:PORT", ":PORT", "PORT", "ADDR" -> host, port with the
 * defaults 127.0.0.1 and 9464. Returns 0 or -1. */
int top_prom_parse_addr(const char *arg, char *host, size_t hlen, char *port, size_t plen);
#endif

#endif
