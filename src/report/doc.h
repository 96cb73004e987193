/* SPDX-License-Identifier: GPL-2.0 */
/* A small document model for `report`: headings, paragraphs, lists, tables,
 * images; written once, rendered as Markdown or HTML. Text is plain (the
 * renderers escape it), so strings from input files cannot inject markup. */
#ifndef BPFCOST_REPORT_DOC_H
#define BPFCOST_REPORT_DOC_H

#include <stdbool.h>
#include <stdio.h>

struct doc;

/* Paragraph styles; HTML colours them, Markdown makes them bold. */
enum doc_style { DS_PLAIN, DS_NOTE, DS_GREEN, DS_YELLOW, DS_RED, DS_STRONG };

struct doc *doc_new(void);
void doc_free(struct doc *d);

void doc_h(struct doc *d, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void doc_p(struct doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void doc_ps(struct doc *d, enum doc_style s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Consecutive items make one bulleted list. */
void doc_li(struct doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Preformatted text (a formula, a box). */
void doc_pre(struct doc *d, const char *text);
/* Start a table; right[i] right-aligns column i (numbers). */
void doc_table(struct doc *d, int ncols, const char *const *hdr, const bool *right);
/* A row of the current table (ncols cells; NULL shows as "-"). */
void doc_row(struct doc *d, const char *const *cells);
/* An image (chart) by a path relative to the report. */
void doc_img(struct doc *d, const char *src, const char *alt);

int doc_write_md(const struct doc *d, FILE *f);
int doc_write_html(const struct doc *d, FILE *f, const char *title);

#endif
