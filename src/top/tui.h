/* SPDX-License-Identifier: GPL-2.0 */
/* top's interactive view (ncurses): reads the view, draws, takes keys. */
#ifndef BPFCOST_TOP_TUI_H
#define BPFCOST_TOP_TUI_H

#include "top/dispatch.h"
#include "top/view.h"

/* Returns an exit code, or TOP_TUI_NO_TERMINAL when curses cannot drive
 * this terminal (then the caller prints tables). The keys change *o. */
#define TOP_TUI_NO_TERMINAL (-1)
int top_tui_run(struct top_state *st, struct top_stats *stats, struct top_dispatch *disp,
		struct top_view_opts *o, double interval_s);

#endif
