/* SPDX-License-Identifier: GPL-2.0 */
/* Charts for `report`, drawn by gnuplot (Debian gnuplot-nox) as SVG files
 * next to the report. gnuplot is run once per chart on a script we write;
 * every string from input files is reduced to a safe character set first,
 * so data cannot reach gnuplot's command substitution. */
#ifndef BPFCOST_REPORT_CHART_H
#define BPFCOST_REPORT_CHART_H

#include <stdbool.h>
#include <stddef.h>

struct chart_ctx {
	char gnuplot[512];   /* the binary; empty when charts are off */
	char tmpdir[64];     /* scripts and SVGs before they are moved */
	char out_dir[512];   /* where the SVGs go (the report's directory) */
	char prefix[256];    /* report file name without extension */
	char why_off[256];   /* one line: why there are no charts */
	int drawn, failed;
	char last_err[1600];
};

/* Find gnuplot ($BPFCOST_GNUPLOT, else PATH) and make a temp dir. Returns 0,
 * or -1 with why_off set (charts off, the report goes on without them). */
int chart_begin(struct chart_ctx *c, const char *report_path);
/* Remove the temp dir. */
void chart_end(struct chart_ctx *c);

/* Clustered bars: ncat categories x ngroup groups, vals[cat * ngroup + g]
 * (NaN: no bar); lo/hi (may be NULL) draw error bars. Writes
 * PREFIX-NAME.svg; returns its file name (static buffer) or NULL. */
const char *chart_bars(struct chart_ctx *c, const char *name, const char *title,
		       const char *ylabel, int ncat, const char *const *cats, int ngroup,
		       const char *const *groups, const double *vals, const double *lo,
		       const double *hi, bool logy);

struct chart_series {
	const char *title;
	int n;
	const double *x, *y;   /* y on the left axis */
	const double *y2;      /* may be NULL: a second line on the right axis */
};

/* Lines against a log x axis: each series draws y (solid) and y2 (dashed,
 * right axis). vlines[] mark x positions (knees); hline (if finite) a
 * horizontal budget line on the left axis. */
const char *chart_lines(struct chart_ctx *c, const char *name, const char *title,
			const char *xlabel, const char *ylabel, const char *y2label, int nser,
			const struct chart_series *ser, int nv, const double *vlines,
			double hline);

#endif
