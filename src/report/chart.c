// SPDX-License-Identifier: GPL-2.0
#include "report/chart.h"
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define GNUPLOT_TIMEOUT_MS 10000

static bool executable(const char *p)
{
	struct stat st;

	return p && *p && !stat(p, &st) && S_ISREG(st.st_mode) && !access(p, X_OK);
}

static int find_gnuplot(char *out, size_t len)
{
	const char *env = getenv("BPFCOST_GNUPLOT");
	const char *path = getenv("PATH");
	char *copy, *tok, *save = NULL;
	int ret = -1;

	if (env) {
		if (!executable(env))
			return -1;
		snprintf(out, len, "%s", env);
		return 0;
	}
	copy = strdup(path && *path ? path : "/usr/bin:/bin");
	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		char p[512];

		snprintf(p, sizeof(p), "%s/gnuplot", tok);
		if (executable(p)) {
			snprintf(out, len, "%s", p);
			ret = 0;
			break;
		}
	}
	free(copy);
	return ret;
}

int chart_begin(struct chart_ctx *c, const char *report_path)
{
	const char *slash, *base, *dot;
	size_t dlen;

	memset(c, 0, sizeof(*c));
	if (!report_path || !strcmp(report_path, "-")) {
		snprintf(c->why_off, sizeof(c->why_off),
			 "charts are written only next to a report file (-o FILE)");
		return -1;
	}
	if (find_gnuplot(c->gnuplot, sizeof(c->gnuplot))) {
		c->gnuplot[0] = '\0';
		snprintf(c->why_off, sizeof(c->why_off),
			 "gnuplot not found (Debian package gnuplot-nox), so this report has no charts");
		return -1;
	}
	slash = strrchr(report_path, '/');
	base = slash ? slash + 1 : report_path;
	dlen = slash ? (size_t)(slash - report_path) : 0;
	if (dlen >= sizeof(c->out_dir))
		dlen = sizeof(c->out_dir) - 1;
	if (slash)
		memcpy(c->out_dir, report_path, dlen ? dlen : 1); /* "/x.md" -> "/" */
	else
		strcpy(c->out_dir, ".");
	snprintf(c->prefix, sizeof(c->prefix), "%s", base);
	dot = strrchr(c->prefix, '.');
	if (dot && dot != c->prefix)
		c->prefix[dot - c->prefix] = '\0';
	snprintf(c->tmpdir, sizeof(c->tmpdir), "/tmp/bpfcost-report.XXXXXX");
	if (!mkdtemp(c->tmpdir)) {
		c->tmpdir[0] = '\0';
		c->gnuplot[0] = '\0';
		snprintf(c->why_off, sizeof(c->why_off), "no temp dir for charts: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void chart_end(struct chart_ctx *c)
{
	static const char *const files[] = { "chart.gp", "chart.svg", "gnuplot.err" };
	char p[128];

	if (!c->tmpdir[0])
		return;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", c->tmpdir, files[i]);
		unlink(p);
	}
	rmdir(c->tmpdir);
	c->tmpdir[0] = '\0';
}

/* gnuplot text: letters, digits and a few marks; anything else is '?'.
 * No quotes, backquotes or backslashes can reach the script. */
static void safe(char *out, size_t len, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		out[i++] = (ch < 0x80 && (isalnum(ch) || strchr(" _.,:/()+%-=<>[]#", ch))) ? ch : '?';
	}
	out[i] = '\0';
}

static void preamble(FILE *f, const char *title, const char *ylabel)
{
	char t[160], y[96];

	safe(t, sizeof(t), title);
	safe(y, sizeof(y), ylabel);
	fprintf(f, "set terminal svg size 960,520 noenhanced font 'sans,11' background rgb 'white'\n"
		   "set output 'chart.svg'\n"
		   "set encoding utf8\n"
		   "set datafile missing '?'\n"
		   "set title '%s'\n"
		   "set ylabel '%s'\n"
		   "set grid ytics\n"
		   "set key outside right top\n",
		t, y);
}

static void put_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, " %.6g", v);
	else
		fputs(" ?", f);
}

/* Run gnuplot on chart.gp in the temp dir, then move chart.svg to its
 * place. Returns the file name or NULL. */
static const char *run(struct chart_ctx *c, const char *name)
{
	static char fname[512];
	char errp[128], svg[128], dest[1200], buf[256];
	posix_spawn_file_actions_t fa;
	char *argv[] = { c->gnuplot, "chart.gp", NULL };
	pid_t pid;
	int status = 0, rc, waited_ms = 0;
	char *data = NULL;
	long len;
	FILE *f;

	snprintf(errp, sizeof(errp), "%s/gnuplot.err", c->tmpdir);
	snprintf(svg, sizeof(svg), "%s/chart.svg", c->tmpdir);
	unlink(svg);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	/* gnuplot runs in the temp dir: the script names only local files. */
	rc = posix_spawn_file_actions_addchdir_np(&fa, c->tmpdir);
	if (!rc)
		rc = posix_spawn(&pid, c->gnuplot, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		snprintf(c->last_err, sizeof(c->last_err), "cannot run %s: %s", c->gnuplot, strerror(rc));
		goto fail;
	}
	while ((rc = waitpid(pid, &status, WNOHANG)) == 0 && waited_ms < GNUPLOT_TIMEOUT_MS) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		waited_ms += 5;
	}
	if (rc == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		snprintf(c->last_err, sizeof(c->last_err), "gnuplot took over %d s", GNUPLOT_TIMEOUT_MS / 1000);
		goto fail;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		buf[0] = '\0';
		if ((f = fopen(errp, "r"))) {
			/* gnuplot's message is on the last non-empty line */
			char line[256];

			while (fgets(line, sizeof(line), f))
				if (line[0] != '\n' && strspn(line, " ^\n") != strlen(line))
					snprintf(buf, sizeof(buf), "%s", line);
			fclose(f);
		}
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(c->last_err, sizeof(c->last_err), "gnuplot failed: %s", buf);
		goto fail;
	}
	f = fopen(svg, "r");
	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) ||
	    !(data = malloc(len)) || fread(data, 1, len, f) != (size_t)len) {
		if (f)
			fclose(f);
		free(data);
		snprintf(c->last_err, sizeof(c->last_err), "gnuplot wrote no SVG");
		goto fail;
	}
	fclose(f);
	snprintf(fname, sizeof(fname), "%s-%s.svg", c->prefix, name);
	snprintf(dest, sizeof(dest), "%s/%s", c->out_dir, fname);
	rc = write_file_atomic(dest, data, len);
	free(data);
	if (rc) {
		snprintf(c->last_err, sizeof(c->last_err), "cannot write %s: %s", dest, strerror(-rc));
		goto fail;
	}
	c->drawn++;
	return fname;
fail:
	c->failed++;
	if (verbose)
		warn_msg("chart %s: %s", name, c->last_err);
	return NULL;
}

static FILE *open_script(struct chart_ctx *c)
{
	char p[128];

	if (!c->gnuplot[0] || !c->tmpdir[0])
		return NULL;
	snprintf(p, sizeof(p), "%s/chart.gp", c->tmpdir);
	return fopen(p, "w");
}

const char *chart_bars(struct chart_ctx *c, const char *name, const char *title,
		       const char *ylabel, int ncat, const char *const *cats, int ngroup,
		       const char *const *groups, const double *vals, const double *lo,
		       const double *hi, bool logy)
{
	FILE *f;
	char s[96];
	bool any = false;

	if (ncat <= 0 || ngroup <= 0)
		return NULL;
	for (int i = 0; i < ncat * ngroup; i++)
		if (isfinite(vals[i]) && (!logy || vals[i] > 0))
			any = true;
	if (!any || !(f = open_script(c)))
		return NULL;
	preamble(f, title, ylabel);
	fprintf(f, "set style data histograms\n"
		   "set style histogram %s gap 1\n"
		   "set style fill solid 0.85 border -1\n"
		   "set boxwidth 0.9\n"
		   "set xtics rotate by -30 nomirror\n"
		   "set xzeroaxis\n",
		lo && hi ? "errorbars lw 1" : "clustered");
	if (logy) {
		fprintf(f, "set logscale y\nset yrange [*:*]\n");
	} else {
		bool neg = false;

		for (int i = 0; i < ncat * ngroup; i++)
			if ((isfinite(vals[i]) && vals[i] < 0) || (lo && isfinite(lo[i]) && lo[i] < 0))
				neg = true;
		fprintf(f, "set yrange [%s:*]\n", neg ? "*" : "0");
	}
	fprintf(f, "$d << EOD\n");
	for (int i = 0; i < ncat; i++) {
		safe(s, sizeof(s), cats[i]);
		fprintf(f, "\"%s\"", s);
		for (int g = 0; g < ngroup; g++) {
			double v = vals[i * ngroup + g];

			if (logy && !(v > 0))
				v = NAN;
			put_num(f, v);
			if (lo && hi) {
				double l = lo[i * ngroup + g], h = hi[i * ngroup + g];

				/* a missing interval draws as a zero-width bar */
				put_num(f, isfinite(l) && isfinite(v) ? l : v);
				put_num(f, isfinite(h) && isfinite(v) ? h : v);
			}
		}
		fputc('\n', f);
	}
	fprintf(f, "EOD\nplot ");
	for (int g = 0; g < ngroup; g++) {
		int per = lo && hi ? 3 : 1, col = 2 + g * per;

		safe(s, sizeof(s), groups[g]);
		if (per == 3)
			fprintf(f, "%s$d using %d:%d:%d%s title '%s'", g ? ", " : "", col, col + 1, col + 2,
				g ? "" : ":xtic(1)", s);
		else
			fprintf(f, "%s$d using %d%s title '%s'", g ? ", " : "", col, g ? "" : ":xtic(1)", s);
	}
	fprintf(f, "\n");
	if (fclose(f))
		return NULL;
	return run(c, name);
}

const char *chart_lines(struct chart_ctx *c, const char *name, const char *title,
			const char *xlabel, const char *ylabel, const char *y2label, int nser,
			const struct chart_series *ser, int nv, const double *vlines,
			double hline)
{
	FILE *f;
	char s[96];
	int plotted = 0;
	bool any_y2 = false;

	for (int i = 0; i < nser; i++)
		for (int j = 0; j < ser[i].n; j++)
			if (isfinite(ser[i].x[j]) && ser[i].x[j] > 0 && isfinite(ser[i].y[j]))
				plotted++;
	if (!plotted || !(f = open_script(c)))
		return NULL;
	preamble(f, title, ylabel);
	safe(s, sizeof(s), xlabel);
	fprintf(f, "set xlabel '%s'\nset logscale x\nset format x '%%.0s%%c'\n"
		   "set ytics nomirror\nset yrange [0:*]\n", s);
	for (int i = 0; i < nser; i++)
		if (ser[i].y2)
			any_y2 = true;
	if (any_y2) {
		safe(s, sizeof(s), y2label);
		fprintf(f, "set y2label '%s'\nset y2tics\nset y2range [0:*]\n", s);
	}
	for (int v = 0; v < nv; v++)
		if (isfinite(vlines[v]) && vlines[v] > 0)
			fprintf(f, "set arrow from %.6g, graph 0 to %.6g, graph 1 nohead dt 3 lc rgb 'red'\n"
				   "set label 'knee' at %.6g, graph 0.96 offset 0.3,0 tc rgb 'red'\n",
				vlines[v], vlines[v], vlines[v]);
	for (int i = 0; i < nser; i++) {
		fprintf(f, "$s%d << EOD\n", i);
		for (int j = 0; j < ser[i].n; j++) {
			if (!(isfinite(ser[i].x[j]) && ser[i].x[j] > 0))
				continue;
			put_num(f, ser[i].x[j]);
			put_num(f, ser[i].y[j]);
			put_num(f, ser[i].y2 ? ser[i].y2[j] : NAN);
			fputc('\n', f);
		}
		fprintf(f, "EOD\n");
	}
	fprintf(f, "plot ");
	plotted = 0;
	for (int i = 0; i < nser; i++) {
		safe(s, sizeof(s), ser[i].title);
		fprintf(f, "%s$s%d using 1:2 with linespoints lw 2 pt 7 lc %d title '%s CPU %%'",
			plotted++ ? ", " : "", i, i + 1, s);
		if (ser[i].y2)
			fprintf(f, ", $s%d using 1:3 axes x1y2 with linespoints dt 2 lw 1.5 pt 6 lc %d "
				   "title '%s loss %%'", i, i + 1, s);
	}
	if (isfinite(hline))
		fprintf(f, ", %.6g with lines dt 4 lc rgb 'gray40' title 'CPU budget %.6g %%'", hline, hline);
	fprintf(f, "\n");
	if (fclose(f))
		return NULL;
	return run(c, name);
}
