// SPDX-License-Identifier: GPL-2.0
#include "report/doc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum blk_type { B_H, B_P, B_LI, B_PRE, B_TABLE, B_IMG };

struct blk {
	enum blk_type type;
	int level;            /* heading level */
	enum doc_style style;
	char *text;           /* B_H, B_P, B_LI, B_PRE; B_IMG: src */
	char *alt;            /* B_IMG */
	int ncols, nrows, cap; /* B_TABLE: row 0 is the header */
	char **cells;
	bool *right;
};

struct doc {
	struct blk *b;
	int n, cap;
	bool oom;
};

struct doc *doc_new(void)
{
	return calloc(1, sizeof(struct doc));
}

void doc_free(struct doc *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->n; i++) {
		struct blk *b = &d->b[i];

		free(b->text);
		free(b->alt);
		for (int c = 0; c < b->nrows * b->ncols; c++)
			free(b->cells[c]);
		free(b->cells);
		free(b->right);
	}
	free(d->b);
	free(d);
}

static struct blk *add(struct doc *d, enum blk_type t)
{
	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 64;
		struct blk *nb = realloc(d->b, cap * sizeof(*nb));

		if (!nb) {
			d->oom = true;
			return NULL;
		}
		d->b = nb;
		d->cap = cap;
	}
	memset(&d->b[d->n], 0, sizeof(struct blk));
	d->b[d->n].type = t;
	return &d->b[d->n++];
}

static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

void doc_h(struct doc *d, int level, const char *fmt, ...)
{
	struct blk *b = add(d, B_H);
	va_list ap;

	if (!b)
		return;
	b->level = level < 1 ? 1 : level > 4 ? 4 : level;
	va_start(ap, fmt);
	b->text = vfmt(fmt, ap);
	va_end(ap);
}

static void para(struct doc *d, enum blk_type t, enum doc_style s, const char *fmt, va_list ap)
{
	struct blk *b = add(d, t);

	if (!b)
		return;
	b->style = s;
	b->text = vfmt(fmt, ap);
}

void doc_p(struct doc *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	para(d, B_P, DS_PLAIN, fmt, ap);
	va_end(ap);
}

void doc_ps(struct doc *d, enum doc_style s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	para(d, B_P, s, fmt, ap);
	va_end(ap);
}

void doc_li(struct doc *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	para(d, B_LI, DS_PLAIN, fmt, ap);
	va_end(ap);
}

void doc_pre(struct doc *d, const char *text)
{
	struct blk *b = add(d, B_PRE);

	if (b)
		b->text = strdup(text ? text : "");
}

void doc_table(struct doc *d, int ncols, const char *const *hdr, const bool *right)
{
	struct blk *b = add(d, B_TABLE);

	if (!b)
		return;
	b->ncols = ncols;
	b->right = calloc(ncols, sizeof(bool));
	if (b->right && right)
		memcpy(b->right, right, ncols * sizeof(bool));
	doc_row(d, hdr);
}

void doc_row(struct doc *d, const char *const *cells)
{
	struct blk *b = d->n ? &d->b[d->n - 1] : NULL;

	if (!b || b->type != B_TABLE)
		return;
	if (b->nrows == b->cap) {
		int cap = b->cap ? b->cap * 2 : 16;
		char **nc = realloc(b->cells, (size_t)cap * b->ncols * sizeof(char *));

		if (!nc) {
			d->oom = true;
			return;
		}
		b->cells = nc;
		b->cap = cap;
	}
	for (int c = 0; c < b->ncols; c++)
		b->cells[b->nrows * b->ncols + c] = strdup(cells[c] ? cells[c] : "-");
	b->nrows++;
}

void doc_img(struct doc *d, const char *src, const char *alt)
{
	struct blk *b = add(d, B_IMG);

	if (!b)
		return;
	b->text = strdup(src);
	b->alt = strdup(alt ? alt : "");
}

/* Markdown text: control characters become spaces; '<' that could open a
 * tag and '&' that could start an entity are written as entities, so that
 * renderers do not take input text for HTML ("p99 < 1000" stays readable);
 * in tables '|' is escaped. */
static void md_text(FILE *f, const char *s, bool cell)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s, n = (unsigned char)s[1];

		if (c < 0x20 || c == 0x7f)
			fputc(' ', f);
		else if (c == '<' && (isalpha(n) || n == '/' || n == '!' || n == '?'))
			fputs("&lt;", f);
		else if (c == '&' && (isalnum(n) || n == '#'))
			fputs("&amp;", f);
		else if (c == '`' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (cell && c == '|')
			fputs("\\|", f);
		else
			fputc(c, f);
	}
}

int doc_write_md(const struct doc *d, FILE *f)
{
	enum blk_type prev = B_H;

	for (int i = 0; i < d->n; i++) {
		const struct blk *b = &d->b[i];

		if (i && !(b->type == B_LI && prev == B_LI))
			fputc('\n', f);
		switch (b->type) {
		case B_H:
			for (int l = 0; l < b->level; l++)
				fputc('#', f);
			fputc(' ', f);
			md_text(f, b->text, false);
			fputc('\n', f);
			break;
		case B_P:
			if (b->style != DS_PLAIN && b->style != DS_NOTE)
				fputs("**", f);
			if (b->style == DS_NOTE)
				fputs("> ", f);
			md_text(f, b->text, false);
			if (b->style != DS_PLAIN && b->style != DS_NOTE)
				fputs("**", f);
			fputc('\n', f);
			break;
		case B_LI:
			fputs("- ", f);
			md_text(f, b->text, false);
			fputc('\n', f);
			break;
		case B_PRE:
			fputs("```\n", f);
			for (const char *s = b->text; s && *s; s++)
				fputc(*s == '`' ? '\'' : *s, f);
			fputs("\n```\n", f);
			break;
		case B_TABLE:
			for (int r = 0; r < b->nrows; r++) {
				fputc('|', f);
				for (int c = 0; c < b->ncols; c++) {
					fputc(' ', f);
					md_text(f, b->cells[r * b->ncols + c], true);
					fputs(" |", f);
				}
				fputc('\n', f);
				if (r == 0) {
					fputc('|', f);
					for (int c = 0; c < b->ncols; c++)
						fputs(b->right[c] ? " ---: |" : " --- |", f);
					fputc('\n', f);
				}
			}
			break;
		case B_IMG:
			fputs("![", f);
			md_text(f, b->alt, true);
			fputs("](", f);
			md_text(f, b->text, true);
			fputs(")\n", f);
			break;
		}
		prev = b->type;
	}
	return ferror(f) || d->oom ? -1 : 0;
}

static void html_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			fputc(c < 0x20 && c != '\n' ? ' ' : c, f);
		}
	}
}

static const char *style_class(enum doc_style s)
{
	switch (s) {
	case DS_NOTE: return "note";
	case DS_GREEN: return "green";
	case DS_YELLOW: return "yellow";
	case DS_RED: return "red";
	case DS_STRONG: return "strong";
	default: return NULL;
	}
}

int doc_write_html(const struct doc *d, FILE *f, const char *title)
{
	bool in_list = false;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	html_text(f, title);
	fputs("</title>\n<style>\n"
	      "body{font-family:sans-serif;max-width:72rem;margin:1rem auto;padding:0 1rem;color:#222}\n"
	      "table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}\n"
	      "th,td{border:1px solid #bbb;padding:.2rem .5rem;vertical-align:top}\n"
	      "th{background:#eee}td.r{text-align:right;font-variant-numeric:tabular-nums}\n"
	      "p.note{color:#555;border-left:3px solid #bbb;padding-left:.5rem}\n"
	      "p.green,p.yellow,p.red,p.strong{font-weight:bold;padding:.3rem .5rem}\n"
	      "p.green{background:#d8f0d8}p.yellow{background:#f6efc4}p.red{background:#f5d0d0}\n"
	      "img{max-width:100%;border:1px solid #ddd;margin:.5rem 0}pre{background:#f4f4f4;padding:.5rem}\n"
	      "</style>\n</head>\n<body>\n", f);
	for (int i = 0; i < d->n; i++) {
		const struct blk *b = &d->b[i];
		const char *cls;

		if (in_list && b->type != B_LI) {
			fputs("</ul>\n", f);
			in_list = false;
		}
		switch (b->type) {
		case B_H:
			fprintf(f, "<h%d>", b->level);
			html_text(f, b->text);
			fprintf(f, "</h%d>\n", b->level);
			break;
		case B_P:
			cls = style_class(b->style);
			if (cls)
				fprintf(f, "<p class=\"%s\">", cls);
			else
				fputs("<p>", f);
			html_text(f, b->text);
			fputs("</p>\n", f);
			break;
		case B_LI:
			if (!in_list)
				fputs("<ul>\n", f);
			in_list = true;
			fputs("<li>", f);
			html_text(f, b->text);
			fputs("</li>\n", f);
			break;
		case B_PRE:
			fputs("<pre>", f);
			html_text(f, b->text);
			fputs("</pre>\n", f);
			break;
		case B_TABLE:
			fputs("<table>\n", f);
			for (int r = 0; r < b->nrows; r++) {
				fputs("<tr>", f);
				for (int c = 0; c < b->ncols; c++) {
					const char *tag = r ? "td" : "th";

					fprintf(f, "<%s%s>", tag, r && b->right[c] ? " class=\"r\"" : "");
					html_text(f, b->cells[r * b->ncols + c]);
					fprintf(f, "</%s>", tag);
				}
				fputs("</tr>\n", f);
			}
			fputs("</table>\n", f);
			break;
		case B_IMG:
			fputs("<p><img src=\"", f);
			html_text(f, b->text);
			fputs("\" alt=\"", f);
			html_text(f, b->alt);
			fputs("\"></p>\n", f);
			break;
		}
	}
	if (in_list)
		fputs("</ul>\n", f);
	fputs("</body>\n</html>\n", f);
	return ferror(f) || d->oom ? -1 : 0;
}
