// SPDX-License-Identifier: GPL-2.0
#include "base/output.h"
#include "base/util.h"

#include <errno.h>
#include <math.h>
#include <string.h>

void table_header(FILE *f, const struct table_col *cols, int n)
{
	const char *cells[64];

	for (int i = 0; i < n && i < 64; i++)
		cells[i] = cols[i].hdr;
	table_row(f, cols, n, cells);
}

void table_row(FILE *f, const struct table_col *cols, int n, const char *const *cells)
{
	for (int i = 0; i < n; i++) {
		const char *c = cells[i] ? cells[i] : "";
		int w = cols[i].width;

		if (i)
			fputc(' ', f);
		if (i == n - 1 && cols[i].left)
			fprintf(f, "%s", c); /* last column: no padding */
		else if (cols[i].left)
			fprintf(f, "%-*.*s", w, w, c);
		else
			fprintf(f, "%*.*s", w, w, c);
	}
	fputc('\n', f);
}

void csv_row(FILE *f, const char *const *cells, int n)
{
	for (int i = 0; i < n; i++) {
		const char *c = cells[i] ? cells[i] : "";

		if (i)
			fputc(',', f);
		if (strpbrk(c, ",\"\n")) {
			fputc('"', f);
			for (; *c; c++) {
				if (*c == '"')
					fputc('"', f);
				fputc(*c, f);
			}
			fputc('"', f);
		} else {
			fputs(c, f);
		}
	}
	fputc('\n', f);
}

void csv_header(FILE *f, const struct table_col *cols, int n)
{
	const char *cells[64];

	for (int i = 0; i < n && i < 64; i++)
		cells[i] = cols[i].hdr;
	csv_row(f, cells, n);
}

const char *fmt_num(char *buf, size_t len, double v, int decimals)
{
	if (isnan(v) || isinf(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.*f", decimals, v);
	return buf;
}

const char *fmt_fit(char *buf, size_t len, double v, int width, int maxdec)
{
	for (int d = maxdec; d >= 0; d--) {
		fmt_num(buf, len, v, d);
		if ((int)strlen(buf) <= width)
			break;
	}
	return buf;
}

const char *fmt_u64(char *buf, size_t len, unsigned long long v)
{
	snprintf(buf, len, "%llu", v);
	return buf;
}

const char *row_num(struct row *r, int i, double v, int decimals)
{
	return r->cells[i] = fmt_num(r->buf[i], sizeof(r->buf[i]), v, decimals);
}

const char *row_fit(struct row *r, int i, double v, int width, int maxdec)
{
	return r->cells[i] = fmt_fit(r->buf[i], sizeof(r->buf[i]), v, width, maxdec);
}

const char *row_u64(struct row *r, int i, unsigned long long v)
{
	return r->cells[i] = fmt_u64(r->buf[i], sizeof(r->buf[i]), v);
}

void row_nums(struct row *r, int first, int decimals, const double *v, int n)
{
	for (int i = 0; i < n; i++)
		row_num(r, first + i, v[i], decimals);
}

void row_fits(struct row *r, const struct table_col *cols, int first, int maxdec,
	      const double *v, int n)
{
	for (int i = 0; i < n; i++)
		row_fit(r, first + i, v[i], cols[first + i].width, maxdec);
}

void jset_fields(json_object *o, const void *rec, const struct jfield *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *m = (const char *)rec + f[i].off;
		json_object *v = NULL;

		switch (f[i].kind) {
		case JF_INT:
			v = jint(*(const int *)m);
			break;
		case JF_U32:
			v = jint(*(const uint32_t *)m);
			break;
		case JF_U64:
			v = jint((long long)*(const uint64_t *)m);
			break;
		case JF_DOUBLE:
			v = jnum(*(const double *)m);
			break;
		case JF_CHARS:
			v = jstr(m);
			break;
		case JF_CSTR:
			v = jstr(*(const char *const *)m);
			break;
		}
		json_object_object_add(o, f[i].key, v);
	}
}

json_object *jnum(double v)
{
	if (isnan(v) || isinf(v))
		return NULL;
	/* Keep files readable: 3 decimals are below any resolution we have. */
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%.3f", v);

	while (n > 1 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 1 && buf[n - 1] == '.')
		buf[--n] = '\0';
	if (!strcmp(buf, "-0"))
		strcpy(buf, "0");
	return json_object_new_double_s(v, buf);
}

json_object *jint(long long v)
{
	return json_object_new_int64(v);
}

json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

void jset_pcts(json_object *o, const char *prefix, const char *unit, int n, const double v[])
{
	static const char *const names[] = { "p50", "p99", "p999", "max" };
	char key[64];

	for (int i = 0; i < n && i < 4; i++) {
		snprintf(key, sizeof(key), "%s_%s_%s", prefix, names[i], unit);
		jset(o, key, jnum(v[i]));
	}
}

void jset_pcts_ns(json_object *o, const char *prefix, double p50, double p99, double p999,
		  double max)
{
	jset_pcts(o, prefix, "ns", 4, (const double[]){ p50, p99, p999, max });
}

void jset_ci(json_object *o, const char *name, const char *unit, double v, bool has_ci,
	     double lo, double hi)
{
	char key[96];

	snprintf(key, sizeof(key), "%s_%s", name, unit);
	jset(o, key, jnum(v));
	snprintf(key, sizeof(key), "%s_ci95", name);
	jset(o, key, has_ci ? jpair(lo, hi) : NULL);
}

json_object *jpair(double lo, double hi)
{
	json_object *a = json_object_new_array();

	json_object_array_add(a, jnum(lo));
	json_object_array_add(a, jnum(hi));
	return a;
}

int json_write(json_object *root, const char *path)
{
	const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_SPACED |
								JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(s);

	if (!path || !strcmp(path, "-")) {
		fwrite(s, 1, len, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		return 0;
	}
	char *buf = malloc(len + 2);
	int err;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, s, len);
	buf[len] = '\n';
	err = write_file_atomic(path, buf, len + 1);
	free(buf);
	return err;
}

int save_results(const char *path, enum out_format fmt, json_object *root,
		 void (*write_csv)(FILE *f, const void *rows, int n), const void *rows, int n)
{
	int err;

	if (fmt == OUT_CSV) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		json_object_put(root);
		if (!f)
			return runtime_error("cannot write %s: out of memory", path);
		write_csv(f, rows, n);
		fclose(f);
		err = write_file_atomic(path, buf, len);
		free(buf);
	} else {
		err = json_write(root, path);
		json_object_put(root);
	}
	if (err)
		return runtime_error("cannot write %s: %s", path, strerror(-err));
	return 0;
}

json_object *json_read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	json_tokener *tok;
	json_object *obj = NULL;
	char buf[65536];
	size_t n;
	enum json_tokener_error jerr = json_tokener_continue;

	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	tok = json_tokener_new_ex(64);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		obj = json_tokener_parse_ex(tok, buf, (int)n);
		jerr = json_tokener_get_error(tok);
		if (jerr != json_tokener_continue)
			break;
	}
	if (jerr == json_tokener_continue) {
		/* whole file read, parser still waiting: maybe a bare number */
		obj = json_tokener_parse_ex(tok, "", -1);
		jerr = json_tokener_get_error(tok);
	}
	if (jerr != json_tokener_success || !obj) {
		snprintf(err, errlen, "%s is not valid JSON (%s at offset %zu)", path,
			 jerr == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(jerr),
			 json_tokener_get_parse_end(tok));
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	fclose(f);
	return obj;
}

/* o[key] when it is a number, else NULL. */
static json_object *jget_number(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return NULL;
	return v;
}

double jget_num(json_object *o, const char *key)
{
	json_object *v = jget_number(o, key);

	return v ? json_object_get_double(v) : NAN;
}

const char *jget_str(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

long long jget_int(json_object *o, const char *key, long long dflt)
{
	json_object *v = jget_number(o, key);

	return v ? json_object_get_int64(v) : dflt;
}

double jget_elem(json_object *a, size_t i)
{
	json_object *v = json_object_array_get_idx(a, i);
	double x = NAN;

	if (v && (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		x = json_object_get_double(v);
	return isfinite(x) ? x : NAN;
}

void jget_pair(json_object *o, const char *key, double *lo, double *hi)
{
	json_object *a;

	*lo = *hi = NAN;
	if (!o || !json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) != 2)
		return;
	*lo = jget_elem(a, 0);
	*hi = jget_elem(a, 1);
}

void jget_ci(json_object *o, const char *name, const char *unit, double *v, double *lo,
	     double *hi)
{
	char key[96];

	snprintf(key, sizeof(key), "%s_%s", name, unit);
	*v = jget_num(o, key);
	if (!isfinite(*v))
		*v = NAN;
	snprintf(key, sizeof(key), "%s_ci95", name);
	jget_pair(o, key, lo, hi);
}

void print_wrap(FILE *f, const char *text, int indent, int width)
{
	const char *p = text;
	bool first = true;

	while (*p) {
		int room = width - (first ? 0 : indent), len = (int)strlen(p);

		if (len > room) {
			len = room;
			while (len > room / 2 && p[len] != ' ' && p[len - 1] != ',')
				len--;
			if (p[len] != ' ' && p[len - 1] != ',')
				len = room;
		}
		fprintf(f, "%*s%.*s\n", first ? 0 : indent, "", len, p);
		p += len;
		while (*p == ' ')
			p++;
		first = false;
	}
}

void print_words(FILE *f, const char *text, int indent)
{
	const char *p = text;
	int col = 0, ind = 0;

	while (*p) {
		const char *w = p;
		int len;

		while (*p && *p != ' ')
			p++;
		len = (int)(p - w);
		if (col > ind && col + 1 + len > 79) {
			fputc('\n', f);
			ind = indent;
			col = fprintf(f, "%*s", indent, "");
		} else if (col > ind) {
			fputc(' ', f);
			col++;
		}
		/* a word longer than a line (a path) is cut where the line ends */
		while (col + len > 79 && 79 - col > 0) {
			int room = 79 - col;

			fprintf(f, "%.*s\n%*s", room, w, indent, "");
			w += room;
			len -= room;
			ind = indent;
			col = indent;
		}
		col += fprintf(f, "%.*s", len, w);
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}
