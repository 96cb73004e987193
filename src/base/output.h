/* SPDX-License-Identifier: GPL-2.0 */
/* One writer for every command: 80-column tables, CSV, JSON (json-c). */
#ifndef BPFCOST_OUTPUT_H
#define BPFCOST_OUTPUT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum out_format { OUT_TABLE, OUT_JSON, OUT_CSV };

struct table_col {
	const char *hdr;   /* header, with its unit: "BASE ns" */
	int width;         /* columns; the row is cut to fit, never wrapped */
	bool left;         /* left-aligned (names) or right (numbers) */
};

void table_header(FILE *f, const struct table_col *cols, int n);
void table_row(FILE *f, const struct table_col *cols, int n, const char *const *cells);
/* text cut into lines of at most width columns, at a space or after a
 * comma where one is in the line's second half; the first line as it
 * comes (its own spacing kept), the others indented by indent. */
void print_wrap(FILE *f, const char *text, int indent, int width);
/* text in words to 79 columns, continuation lines indented by indent. */
void print_words(FILE *f, const char *text, int indent);
/* CSV with RFC 4180 quoting. */
void csv_row(FILE *f, const char *const *cells, int n);
void csv_header(FILE *f, const struct table_col *cols, int n);

/* Number cells: "-" for NaN. */
const char *fmt_num(char *buf, size_t len, double v, int decimals);
/* As many decimals (up to maxdec) as fit in width; never cut digits. */
const char *fmt_fit(char *buf, size_t len, double v, int width, int maxdec);
const char *fmt_u64(char *buf, size_t len, unsigned long long v);

/* One row of a table or CSV being built: cells for table_row/csv_row,
 * numbers formatted into the row's own storage. */
#define ROW_MAX_CELLS 40
struct row {
	const char *cells[ROW_MAX_CELLS];
	char buf[ROW_MAX_CELLS][48];
};
/* cells[i]: v with decimals ("-" for NaN); v in at most width columns
 * with up to maxdec decimals; a count. Each returns the cell. */
const char *row_num(struct row *r, int i, double v, int decimals);
const char *row_fit(struct row *r, int i, double v, int width, int maxdec);
const char *row_u64(struct row *r, int i, unsigned long long v);
/* cells[first], cells[first + 1], ...: the numbers after decimals, each
 * with that many decimals. */
#define ROW_NUMS(r, first, decimals, ...)                                         \
	row_nums((r), (first), (decimals), (const double[]){ __VA_ARGS__ },        \
		 (int)(sizeof((const double[]){ __VA_ARGS__ }) / sizeof(double)))
void row_nums(struct row *r, int first, int decimals, const double *v, int n);

/* The same, each value fitted to its column's width (row_fit, at most
 * maxdec decimals): cells first.. from cols[first..]. */
#define ROW_FITS(r, cols, first, maxdec, ...)                                    \
	row_fits((r), (cols), (first), (maxdec), (const double[]){ __VA_ARGS__ }, \
		 (int)(sizeof((const double[]){ __VA_ARGS__ }) / sizeof(double)))
void row_fits(struct row *r, const struct table_col *cols, int first, int maxdec,
	      const double *v, int n);

/* JSON numbers: null for NaN/inf, so files stay valid JSON. */
json_object *jnum(double v);
json_object *jint(long long v);
json_object *jstr(const char *s); /* null for NULL */
/* Two-element [lo, hi] array. */
json_object *jpair(double lo, double hi);
/* o[key] = v (v may be NULL: a JSON null). */
static inline void jset(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}
/* A flat record's members in JSON, in table order: each entry names the
 * key, how the member is stored and where (JF(key, kind, type, member)).
 * The table is the object's schema in one place (top's program and host). */
enum jf_kind { JF_INT, JF_U32, JF_U64, JF_DOUBLE, JF_CHARS, JF_CSTR };
struct jfield {
	const char *key;
	enum jf_kind kind;
	size_t off;
};
#define JF(key, kind, type, member) { (key), (kind), offsetof(type, member) }
void jset_fields(json_object *o, const void *rec, const struct jfield *f, size_t n);
#define JSET_FIELDS(o, rec, table) \
	jset_fields((o), (rec), (table), sizeof(table) / sizeof((table)[0]))
/* An estimate and its interval: NAME_UNIT = v and NAME_ci95 = [lo, hi],
 * or null where there is no interval (has_ci false). */
void jset_ci(json_object *o, const char *name, const char *unit, double v, bool has_ci,
	     double lo, double hi);
/* A latency distribution: the first n (3 or 4) of PREFIX_p50_UNIT, _p99_UNIT,
 * _p999_UNIT and _max_UNIT, from v[0..n-1]. */
void jset_pcts(json_object *o, const char *prefix, const char *unit, int n, const double v[]);
/* The same in ns, with the maximum. */
void jset_pcts_ns(json_object *o, const char *prefix, double p50, double p99, double p999,
		  double max);

/* Serialize root (pretty) to path atomically, or to stdout when path is
 * NULL or "-". Returns 0 or a negative errno. */
int json_write(json_object *root, const char *path);
/* A command's results file, written atomically: CSV through write_csv
 * (fmt OUT_CSV), JSON from root otherwise (root is released). Returns 0,
 * or EXIT_RUNTIME after one line. */
int save_results(const char *path, enum out_format fmt, json_object *root,
		 void (*write_csv)(FILE *f, const void *rows, int n), const void *rows, int n);
/* Read and parse a JSON file; on failure returns NULL and puts one line
 * into err. */
json_object *json_read_file(const char *path, char *err, size_t errlen);
/* Field getters tolerant of absence: NaN / NULL / dflt. */
double jget_num(json_object *o, const char *key);
const char *jget_str(json_object *o, const char *key);
long long jget_int(json_object *o, const char *key, long long dflt);
/* Element i of array a as a finite number; NaN for anything else. */
double jget_elem(json_object *a, size_t i);
/* o[key] as [lo, hi] (jget_elem each); both NaN unless a 2-element array. */
void jget_pair(json_object *o, const char *key, double *lo, double *hi);
/* What jset_ci writes: *v = NAME_UNIT (finite, else NaN), NAME_ci95 into
 * *lo, *hi. */
void jget_ci(json_object *o, const char *name, const char *unit, double *v, double *lo,
	     double *hi);

#endif
