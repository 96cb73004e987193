/* SPDX-License-Identifier: GPL-2.0 */
/* The sections of `report`, built from loaded results into a document. */
#ifndef BPFCOST_REPORT_SECTIONS_H
#define BPFCOST_REPORT_SECTIONS_H

#include "core/budget_model.h"
#include "report/chart.h"
#include "report/doc.h"
#include "report/load.h"
#include "report/model.h"

struct rp_ctx {
	struct rp_data *d;
	struct budget b;
	const char *budget_spec;     /* NULL: the directive's defaults */
	struct doc *doc;
	struct chart_ctx *ch;        /* NULL: no charts (why_off says why) */
	const char *charts_off_why;
	struct rp_model model;       /* built by report_build */
};

/* Build the whole report into ctx->doc. Returns 0 or -1 (out of memory). */
int report_build(struct rp_ctx *ctx);

/* The verdict of a host, for the command's summary line. */
enum verdict report_host_verdict(struct rp_ctx *ctx, int host);

/* The verdict per host as lines "PREFIX: HOST: GREEN - CONFIGURATION:
 * the numbers that decided it", then one per probe of the user's (bench
 * --obj rows) with its own verdict. After report_build. */
void report_summary_lines(struct rp_ctx *x, FILE *f, const char *prefix);

/* Free what report_build kept. */
void report_free(struct rp_ctx *ctx);

#endif
