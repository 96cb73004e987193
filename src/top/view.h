/* SPDX-License-Identifier: GPL-2.0 */
/* top's view of the programs, apart from any screen: the filter and sort
 * the user chose, the programs they select, and each program's cells as
 * text. The command's table, the TUI (tui.c) and the exporter only read
 * it; nothing here knows of terminals or HTTP. */
#ifndef BPFCOST_TOP_VIEW_H
#define BPFCOST_TOP_VIEW_H

#include "top/collect.h"
#include "top/stats_ctl.h"

enum top_col {
	TOP_COL_ID, TOP_COL_TYPE, TOP_COL_NAME, TOP_COL_EVENTS, TOP_COL_AVG,
	TOP_COL_AVG_TOTAL, TOP_COL_CPU, TOP_COL_MISSES, TOP_COL_ATTACH, TOP_COL_COMM,
	TOP_COL_FULL, TOP_COL_FULL_CPU,
	TOP_NCOLS
};
extern const char *const top_col_names[TOP_NCOLS]; /* --sort names */

/* What the user asked to see; the TUI changes it with keys. */
struct top_view_opts {
	enum top_col sort;
	bool sort_reverse;      /* against the column's natural order */
	char filter[64];        /* substring of name, type, attach or comm */
};

/* Programs passing the filter, sorted; returns how many went into out
 * (sized st->nprogs). */
int top_view(const struct top_state *st, const struct top_view_opts *o, struct top_prog **out);
/* A count in at most width columns: 1234567 -> "1235k" (k, M, G, ...). */
const char *top_fmt_count(char *buf, size_t len, uint64_t v, int width);
/* The first nine cells of a program's row, shared by the table and the
 * TUI: ID, TYPE, NAME, EVENTS/s, AVG ns, FULL ns, %CORE, %FULL, RMISS.
 * cells is 9 strings of cell_len bytes each; the counts fit their
 * columns' widths. A full figure without a dispatch estimate is "?". */
void top_prog_cells(const struct top_prog *p, char *cells, size_t cell_len, int events_width,
		    int misses_width);
/* "dispatch ~7.80 us [7.62, 7.95] uprobe" or why there is no estimate;
 * "" for a program that did not run and has no hook. */
const char *top_dispatch_cell(const struct top_prog *p, char *buf, size_t len);
/* "stats on (...): +N ns/run [lo, hi], <=M in AVG" for headers. */
const char *top_stats_line(const struct top_stats *s, char *buf, size_t len);

#endif
