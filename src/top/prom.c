// SPDX-License-Identifier: GPL-2.0
/* `bpfcost top --prometheus`: /metrics in the Prometheus text format,
 * collected at scrape time (no background sampling: Prometheus computes
 * rates from the counters). HTTP by libmicrohttpd, with TLS and basic auth
 * from --web-config (webcfg.c).
 *
 * A scrape storm cannot eat the host: one server thread does all the work
 * (TLS handshakes, bcrypt, collection), it may use PROM_CPU_BUDGET of a
 * CPU on average (it sleeps when it has used more, and everything queues
 * meanwhile), and connections are capped in number, per address and in
 * idle time. */
#include "top/prom.h"
#include "top/collect.h"
#include "base/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROM_DEFAULT_HOST "127.0.0.1"
#define PROM_DEFAULT_PORT "9464"

/* The server thread's CPU allowance: a quarter of one CPU on average, with
 * a second of CPU in hand so an ordinary scrape never waits. */
#define PROM_CPU_BUDGET 0.25
#define PROM_CPU_BURST_NS 2e8
/* Passwords not seen before cost a bcrypt run each (tens of ms): at most
 * this many a second, the rest get 429. A scraper's known password is
 * checked from its cached digest and never waits for these. */
#define PROM_BCRYPT_PER_S 2.0
#define PROM_BCRYPT_BURST 4.0
#define PROM_MAX_CONNECTIONS 64u
#define PROM_MAX_PER_IP 32u      /* one address gets half of them at most */
#define PROM_IDLE_TIMEOUT_S 10u

struct prom_ctx {
	struct top_stats *stats;
	struct top_dispatch *disp; /* polled at scrape time, on MHD's thread */
	struct webcfg *web;      /* --web-config, or NULL */
	struct top_state st;     /* owned by MHD's single polling thread */
	char *buf;
	size_t len, cap;
	uint64_t scrapes;
	double last_scrape_s;
	/* CPU budget of the server thread (a token bucket, in ns of CPU) */
	double tokens_ns;
	uint64_t tb_wall_ns, tb_cpu_ns;
	uint64_t throttled_ns, auth_failures, auth_busy;
	double bcrypt_tokens;
	uint64_t bcrypt_wall_ns;
	unsigned long bcrypt_seen;
};

static void out(struct prom_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(struct prom_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(c->buf + c->len, c->cap - c->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (c->len + (size_t)n < c->cap) {
			c->len += n;
			return;
		}
		size_t cap = c->cap ? 2 * c->cap : 65536;
		while (cap < c->len + (size_t)n + 1)
			cap *= 2;
		char *b = realloc(c->buf, cap);
		if (!b)
			return;
		c->buf = b;
		c->cap = cap;
	}
}

/* Label values: backslash, double quote and newline are escaped. */
static void out_label(struct prom_ctx *c, const char *k, const char *v, bool first)
{
	out(c, "%s%s=\"", first ? "" : ",", k);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			out(c, "\\%c", *v);
		else if (*v == '\n')
			out(c, "\\n");
		else
			out(c, "%c", *v);
	}
	out(c, "\"");
}

static void out_prog_labels(struct prom_ctx *c, const char *metric, const struct top_prog *p)
{
	char id[16];

	snprintf(id, sizeof(id), "%u", p->id);
	out(c, "%s{", metric);
	out_label(c, "id", id, true);
	out_label(c, "type", p->type_str, false);
	out_label(c, "name", p->name, false);
}

static void family(struct prom_ctx *c, const char *name, const char *type, const char *help)
{
	out(c, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render(struct prom_ctx *c)
{
	uint64_t t0 = now_ns();
	struct top_state *st = &c->st;
	int err = top_sample(st);
	const struct top_dispatch *d = c->disp;

	top_stats_refresh(c->stats);
	top_dispatch_poll(c->disp, false);
	top_dispatch_apply(c->disp, st);
	c->len = 0;
	family(c, "bpfcost_up", "gauge", "1 when bpfcost could enumerate BPF programs at this scrape.");
	out(c, "bpfcost_up %d\n", err ? 0 : 1);
	family(c, "bpfcost_stats_enabled", "gauge",
	       "1 when kernel BPF run-time stats are on (run counters only move then).");
	out(c, "bpfcost_stats_enabled %d\n", c->stats->on ? 1 : 0);
	family(c, "bpfcost_stats_cost_seconds", "gauge",
	       "What BPF stats add to each program run, measured at exporter start "
	       "(absent when not measured). Included in run_seconds.");
	if (!isnan(c->stats->cost_ns))
		out(c, "bpfcost_stats_cost_seconds %.3e\n", c->stats->cost_ns / 1e9);
	family(c, "bpfcost_stats_cost_ci95_seconds", "gauge",
	       "The 95% interval of bpfcost_stats_cost_seconds (bound: lower, upper).");
	if (!isnan(c->stats->cost_lo_ns))
		out(c, "bpfcost_stats_cost_ci95_seconds{bound=\"lower\"} %.3e\n"
		    "bpfcost_stats_cost_ci95_seconds{bound=\"upper\"} %.3e\n",
		    c->stats->cost_lo_ns / 1e9, c->stats->cost_hi_ns / 1e9);
	family(c, "bpfcost_hook_dispatch_seconds", "gauge",
	       "Estimated cost of a hook around each program run (trap, trampoline, perf "
	       "record, the stats' own clock reads), beyond the run time BPF stats count: "
	       "calibrated on this host with bench's paired method (an empty program on "
	       "getpid), or from a bench result. bound: estimate, lower, upper (95%).");
	for (int h = 1; h < NR_HOOKS && d->state == DISP_READY; h++) {
		const struct top_hook_cost *k = &d->hook[h];

		if (k->status != DS_OK)
			continue;
		out(c, "bpfcost_hook_dispatch_seconds{hook=\"%s\",bound=\"estimate\"} %.3e\n",
		    hooks[h].name, k->dispatch_ns / 1e9);
		if (!isnan(k->lo_ns))
			out(c, "bpfcost_hook_dispatch_seconds{hook=\"%s\",bound=\"lower\"} %.3e\n"
			    "bpfcost_hook_dispatch_seconds{hook=\"%s\",bound=\"upper\"} %.3e\n",
			    hooks[h].name, k->lo_ns / 1e9, hooks[h].name, k->hi_ns / 1e9);
	}
	family(c, "bpfcost_online_cpus", "gauge", "Online CPUs, to turn CPU seconds into a share of the machine.");
	out(c, "bpfcost_online_cpus %d\n", st->ncpus);
	family(c, "bpfcost_progs_loaded", "gauge", "BPF programs loaded.");
	out(c, "bpfcost_progs_loaded %d\n", st->nprogs);

	family(c, "bpfcost_prog_info", "gauge", "Loaded BPF program, value 1; attach lists its links.");
	for (int i = 0; i < st->nprogs; i++) {
		out_prog_labels(c, "bpfcost_prog_info", st->progs[i]);
		out_label(c, "tag", st->progs[i]->tag, false);
		out_label(c, "attach", st->progs[i]->attach, false);
		out(c, "} 1\n");
	}
	family(c, "bpfcost_prog_runs_total", "counter", "Program runs counted while BPF stats were on.");
	for (int i = 0; i < st->nprogs; i++) {
		out_prog_labels(c, "bpfcost_prog_runs_total", st->progs[i]);
		out(c, "} %llu\n", (unsigned long long)st->progs[i]->run_cnt);
	}
	family(c, "bpfcost_prog_run_seconds_total", "counter",
	       "CPU time spent in the program while BPF stats were on.");
	for (int i = 0; i < st->nprogs; i++) {
		uint64_t ns = st->progs[i]->run_time_ns;

		out_prog_labels(c, "bpfcost_prog_run_seconds_total", st->progs[i]);
		out(c, "} %llu.%09llu\n", (unsigned long long)(ns / 1000000000ULL),
		    (unsigned long long)(ns % 1000000000ULL));
	}
	family(c, "bpfcost_prog_dispatch_seconds_total", "counter",
	       "Estimate: runs x the calibrated dispatch cost of the program's hook "
	       "(bpfcost_hook_dispatch_seconds), the CPU time its hook spends around its runs "
	       "beyond run_seconds. Absent for hooks without an estimate.");
	for (int i = 0; i < st->nprogs; i++) {
		const struct top_prog *p = st->progs[i];

		if (isnan(p->dispatch_ns))
			continue;
		out_prog_labels(c, "bpfcost_prog_dispatch_seconds_total", p);
		out(c, "} %.9f\n", (double)p->run_cnt * p->dispatch_ns / 1e9);
	}
	family(c, "bpfcost_prog_recursion_misses_total", "counter",
	       "Runs skipped because the program was already running on that CPU.");
	for (int i = 0; i < st->nprogs; i++) {
		out_prog_labels(c, "bpfcost_prog_recursion_misses_total", st->progs[i]);
		out(c, "} %llu\n", (unsigned long long)st->progs[i]->recursion_misses);
	}
	family(c, "bpfcost_scrape_collect_seconds", "gauge", "Wall time this scrape spent collecting.");
	out(c, "bpfcost_scrape_collect_seconds %.6f\n", (now_ns() - t0) / 1e9);
	family(c, "bpfcost_scrape_collect_cpu_seconds", "gauge", "CPU time this scrape spent collecting.");
	out(c, "bpfcost_scrape_collect_cpu_seconds %.6f\n", st->collect_cpu_ns / 1e9);
	family(c, "bpfcost_exporter_throttled_seconds_total", "counter",
	       "Time the exporter paused to stay within its CPU budget (a scrape storm).");
	out(c, "bpfcost_exporter_throttled_seconds_total %.3f\n", c->throttled_ns / 1e9);
	if (c->web && c->web->nusers) {
		family(c, "bpfcost_exporter_auth_failures_total", "counter",
		       "Requests refused: 401 for a missing or wrong user or password, 429 when new "
		       "passwords came faster than the bcrypt budget.");
		out(c, "bpfcost_exporter_auth_failures_total{code=\"401\"} %llu\n",
		    (unsigned long long)c->auth_failures);
		out(c, "bpfcost_exporter_auth_failures_total{code=\"429\"} %llu\n",
		    (unsigned long long)c->auth_busy);
	}
	c->scrapes++;
}

static const char landing[] =
	"<html><head><title>bpfcost exporter</title></head><body>\n"
	"<h1>bpfcost exporter</h1>\n"
	"<p>The cost of every loaded BPF program: run counts, run time, recursion misses.</p>\n"
	"<p><a href=\"/metrics\">Metrics</a></p>\n"
	"</body></html>\n";

/* Called by the server thread before each new connection and after each
 * request: when it has used more CPU than its budget allows, it sleeps,
 * and connections and requests wait in the queue meanwhile. */
static void throttle(struct prom_ctx *c)
{
	uint64_t wall = now_ns(), cpu = thread_cpu_ns();

	if (!c->tb_wall_ns) {
		c->tokens_ns = PROM_CPU_BURST_NS;
	} else {
		c->tokens_ns += (double)(wall - c->tb_wall_ns) * PROM_CPU_BUDGET -
				(double)(cpu - c->tb_cpu_ns);
		if (c->tokens_ns > PROM_CPU_BURST_NS)
			c->tokens_ns = PROM_CPU_BURST_NS;
	}
	c->tb_wall_ns = wall;
	c->tb_cpu_ns = cpu;
	if (c->tokens_ns < 0 && !stop_requested) {
		double wait_ns = -c->tokens_ns / PROM_CPU_BUDGET;
		struct timespec ts;

		if (wait_ns > 1e9)
			wait_ns = 1e9; /* stays responsive to a stop */
		ts.tv_sec = (time_t)(wait_ns / 1e9);
		ts.tv_nsec = (long)(wait_ns - ts.tv_sec * 1e9);
		nanosleep(&ts, NULL);
		c->throttled_ns += now_ns() - wall;
	}
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	throttle(cls);
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	throttle(cls);
}

static struct MHD_Response *response(struct prom_ctx *c, const char *ctype, const char *body,
				     size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
								  MHD_RESPMEM_MUST_COPY);

	if (!r)
		return NULL;
	MHD_add_response_header(r, "Content-Type", ctype);
	for (int i = 0; c->web && i < c->web->nheaders; i++)
		MHD_add_response_header(r, c->web->header_name[i], c->web->header_value[i]);
	return r;
}

static enum MHD_Result reply(struct prom_ctx *c, struct MHD_Connection *conn, unsigned status,
			     const char *ctype, const char *body, size_t len)
{
	struct MHD_Response *r = response(c, ctype, body, len);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static bool bcrypt_allowed(struct prom_ctx *c)
{
	uint64_t now = now_ns();

	c->bcrypt_tokens += (now - c->bcrypt_wall_ns) / 1e9 * PROM_BCRYPT_PER_S;
	if (!c->bcrypt_wall_ns || c->bcrypt_tokens > PROM_BCRYPT_BURST)
		c->bcrypt_tokens = PROM_BCRYPT_BURST;
	c->bcrypt_wall_ns = now;
	return c->bcrypt_tokens >= 1.0;
}

/* Basic auth when --web-config has users: true when the request may go
 * on; otherwise a 401 (or 429 when bcrypt runs are used up) is queued and
 * *queued is its result. */
static bool authorized(struct prom_ctx *c, struct MHD_Connection *conn, enum MHD_Result *queued)
{
	static const char denied[] = "Unauthorized\n", busy[] = "Too many new passwords; retry\n";
	enum webcfg_auth a;
	struct MHD_Response *r;
	char *user, *pass = NULL;
	bool may;

	if (!c->web || !c->web->nusers)
		return true;
	user = MHD_basic_auth_get_username_password(conn, &pass);
	may = bcrypt_allowed(c);
	a = webcfg_auth(c->web, user, pass, may);
	c->bcrypt_tokens -= (double)(c->web->bcrypt_runs - c->bcrypt_seen);
	c->bcrypt_seen = c->web->bcrypt_runs;
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	if (a == WEBCFG_AUTH_OK)
		return true;
	if (a == WEBCFG_AUTH_BUSY) {
		c->auth_busy++;
		r = response(c, "text/plain; charset=utf-8", busy, sizeof(busy) - 1);
		if (r)
			MHD_add_response_header(r, "Retry-After", "1");
		*queued = r ? MHD_queue_response(conn, MHD_HTTP_TOO_MANY_REQUESTS, r) : MHD_NO;
	} else {
		c->auth_failures++;
		r = response(c, "text/plain; charset=utf-8", denied, sizeof(denied) - 1);
		*queued = r ? MHD_queue_basic_auth_fail_response(conn, "bpfcost", r) : MHD_NO;
	}
	if (r)
		MHD_destroy_response(r);
	return false;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct prom_ctx *c = cls;
	static const char text[] = "text/plain; charset=utf-8";
	enum MHD_Result queued;

	if (!authorized(c, conn, &queued))
		return queued;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, conn, MHD_HTTP_METHOD_NOT_ALLOWED, text, "GET only\n", 9);
	if (!strcmp(url, "/metrics")) {
		render(c);
		return reply(c, conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
			     c->buf ? c->buf : "", c->len);
	}
	if (!strcmp(url, "/"))
		return reply(c, conn, MHD_HTTP_OK, "text/html; charset=utf-8", landing,
			     sizeof(landing) - 1);
	return reply(c, conn, MHD_HTTP_NOT_FOUND, text, "not found; try /metrics\n", 24);
}

int top_prom_parse_addr(const char *arg, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon;

	snprintf(host, hlen, PROM_DEFAULT_HOST);
	snprintf(port, plen, PROM_DEFAULT_PORT);
	if (!*arg)
		return -1;
	if (arg[0] == '[') {
		const char *end = strchr(arg, ']');

		if (!end || (end[1] && end[1] != ':'))
			return -1;
		snprintf(host, hlen, "%.*s", (int)(end - arg - 1), arg + 1);
		if (end[1] == ':')
			snprintf(port, plen, "%s", end + 2);
	} else if ((colon = strchr(arg, ':')) && !strchr(colon + 1, ':')) {
		if (colon != arg)
			snprintf(host, hlen, "%.*s", (int)(colon - arg), arg);
		snprintf(port, plen, "%s", colon + 1);
	} else if (strspn(arg, "0123456789") == strlen(arg)) {
		snprintf(port, plen, "%s", arg);
	} else {
		snprintf(host, hlen, "%s", arg); /* a bare IPv6 address or a host name */
	}
	if (!*port || strspn(port, "0123456789") != strlen(port) || atol(port) > 65535 || !*host)
		return -1;
	return 0;
}

static int listen_on(const char *arg, char *shown, size_t slen)
{
	char host[256], port[16];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, one = 1, rc;

	if (top_prom_parse_addr(arg, host, sizeof(host), port, sizeof(port)))
		return -EXIT_USAGE - 1000;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		runtime_error("cannot resolve '%s': %s", host, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
		runtime_error("cannot listen on %s:%s: %s%s", host, port, strerror(errno),
			      errno == EADDRINUSE ? " (pass --prometheus ADDR:PORT with a free port)" : "");
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	if (!getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		char a[INET6_ADDRSTRLEN] = "?";

		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
			snprintf(shown, slen, "[%s]:%u", a, ntohs(s6->sin6_port));
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
			snprintf(shown, slen, "%s:%u", a, ntohs(s4->sin_port));
		}
	}
	return fd;
}

int top_prom_run(struct top_stats *stats, struct top_dispatch *disp, const char *addr,
		 struct webcfg *web)
{
	struct prom_ctx c = { .stats = stats, .disp = disp, .web = web };
	struct MHD_Daemon *d = NULL;
	sigset_t block, old;
	char shown[300] = "?";
	bool tls = web && web->tls;
	int fd, ret = 0;

	fd = listen_on(addr, shown, sizeof(shown));
	if (fd == -EXIT_USAGE - 1000)
		return usage_error("bad --prometheus '%s' (accepted: ADDR:PORT, [IPV6]:PORT, "
				   ":PORT, PORT; default %s:%s)", addr, PROM_DEFAULT_HOST,
				   PROM_DEFAULT_PORT);
	if (fd < 0)
		return EXIT_RUNTIME;
	/* The /proc scan runs sliced at scrape time too: it finds the attach
	 * points of perf-event attachments (bpftrace, bcc), which decide a
	 * program's hook and so its dispatch. */
	top_state_init(&c.st, true);
	/* Signals go to this thread, not MHD's, so the wait below ends. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	struct MHD_OptionItem tls_opts[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, tls ? web->cert_pem : NULL },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, tls ? web->key_pem : NULL },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0, tls ? web->priorities : NULL },
		{ MHD_OPTION_END, 0, NULL },
	};
	/* One thread for everything: the CPU budget is that thread's. */
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY |
			     (tls ? MHD_USE_TLS : 0), 0, on_accept, &c, handle, &c,
			     MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_CONNECTION_TIMEOUT, PROM_IDLE_TIMEOUT_S,
			     MHD_OPTION_CONNECTION_LIMIT, PROM_MAX_CONNECTIONS,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, PROM_MAX_PER_IP,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, &c,
			     MHD_OPTION_ARRAY, tls ? tls_opts : &tls_opts[3],
			     MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!d) {
		close(fd);
		ret = runtime_error("cannot start the HTTP%s server on %s", tls ? "S" : "", shown);
		goto cleanup;
	}
	if (web && web->nusers && !tls)
		warn_msg("basic auth without TLS: passwords cross the network in clear text");
	fprintf(stderr, "bpfcost top: serving Prometheus metrics on %s://%s/metrics%s\n",
		tls ? "https" : "http", shown,
		web && web->nusers ? " (basic auth)" : "");
	while (!stop_requested)
		usleep(100000);
	MHD_stop_daemon(d); /* closes fd */
cleanup:
	top_state_free(&c.st);
	free(c.buf);
	return ret;
}
