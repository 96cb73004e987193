// SPDX-License-Identifier: GPL-2.0
#include "base/util.h"

#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int verbose;
const char *cmd_name = NULL;
volatile sig_atomic_t stop_requested;

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "bpfcost%s%s: ", cmd_name ? " " : "", cmd_name ? cmd_name : "");
	if (kind)
		fprintf(stderr, "%s", kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static bool usage_parsing; /* between usage_errors_begin and _end */
static int usage_count;    /* usage_error lines asked for since the begin */

int usage_error(const char *fmt, ...)
{
	va_list ap;

	if (!usage_parsing || !usage_count) {
		va_start(ap, fmt);
		vmsg(NULL, fmt, ap);
		va_end(ap);
	}
	usage_count++;
	return EXIT_USAGE;
}

void usage_errors_begin(void)
{
	usage_parsing = true;
	usage_count = 0;
}

int usage_errors_end(void)
{
	usage_parsing = false;
	return usage_count;
}

int runtime_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
	return EXIT_RUNTIME;
}

void warn_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void info_msg(const char *fmt, ...)
{
	va_list ap;
	if (!verbose)
		return;
	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
}

/* A small ring of libbpf's last lines, so a failed load can quote the
 * verifier without -v. */
#define LAST_LINES_LEN 4096
static char last_lines[LAST_LINES_LEN];
static size_t last_len;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(line, sizeof(line), fmt, copy);
	va_end(copy);
	if (n > 0) {
		size_t l = strnlen(line, sizeof(line));
		if (l >= LAST_LINES_LEN / 2)
			l = LAST_LINES_LEN / 2 - 1;
		if (last_len + l >= LAST_LINES_LEN) {
			/* keep the newer half */
			size_t keep = LAST_LINES_LEN / 2;
			memmove(last_lines, last_lines + last_len - keep, keep);
			last_len = keep;
		}
		memcpy(last_lines + last_len, line, l);
		last_len += l;
		last_lines[last_len] = '\0';
	}
	if (!verbose || (level == LIBBPF_DEBUG && verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void libbpf_setup_print(void)
{
	libbpf_set_print(libbpf_print);
}

const char *libbpf_last_lines(void)
{
	return last_lines;
}

void libbpf_clear_last_lines(void)
{
	last_len = 0;
	last_lines[0] = '\0';
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	return len >= strlen(prefix) && !strncmp(s, prefix, strlen(prefix));
}

static bool contains(const char *s, size_t len, const char *what)
{
	return memmem(s, len, what, strlen(what)) != NULL;
}

/* A log line that says nothing of what went wrong. */
static bool log_noise(const char *s, size_t len)
{
	return !len || starts_with(s, len, "processed ") || starts_with(s, len, "verification time") ||
	       starts_with(s, len, "stack depth") || contains(s, len, "PROG LOAD LOG --") ||
	       contains(s, len, "failed to load object") ||
	       contains(s, len, "failed to load BPF skeleton") ||
	       /* "libbpf: prog 'x': failed to load: -13": the errno again */
	       (starts_with(s, len, "libbpf: prog '") &&
		(contains(s, len, "failed to load") || contains(s, len, "load failed")));
}

const char *log_last_lines(const char *log, int n, char *buf, size_t len)
{
	const char *end, *start, *kept[8];
	size_t klen[8];
	int k = 0;

	if (!log)
		log = libbpf_last_lines();
	if (n > (int)ARRAY_SIZE(kept))
		n = ARRAY_SIZE(kept);
	buf[0] = '\0';
	/* from the end backwards, each line without its indent and trailing blanks */
	for (end = log + strlen(log); end > log && k < n; end = start) {
		const char *s;

		while (end > log && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		start = end;
		while (start > log && start[-1] != '\n')
			start--;
		for (s = start; s < end && *s == ' '; s++)
			;
		if (!log_noise(s, (size_t)(end - s))) {
			kept[k] = s;
			klen[k++] = (size_t)(end - s);
		}
	}
	for (int i = k - 1; i >= 0; i--) {
		size_t off = strlen(buf);

		snprintf(buf + off, len - off, "%s%.*s", off ? " | " : "", (int)klen[i], kept[i]);
	}
	return buf;
}

static void on_signal(int sig)
{
	stop_requested = 1;
	signal(sig, SIG_DFL);
}

void signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: poll() and sleeps return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void free_array(void *array, int n)
{
	void **p = array;

	for (int i = 0; i < n; i++)
		free(p[i]);
	free(array);
}

int parse_num_suffix(const char *s, double *out)
{
	char *end;
	double v, mult = 1;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case 'k': mult = 1e3; end++; break;
	case 'm': mult = 1e6; end++; break;
	case 'g': mult = 1e9; end++; break;
	default: break;
	}
	v *= mult;
	if (*end || !isfinite(v) || v < 0)
		return -1;
	*out = v;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	double v;

	if (parse_num_suffix(s, &v) || v > 1.8e19 || v != floor(v))
		return -1;
	*out = (uint64_t)v;
	return 0;
}

int parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

const char *join_names(char *buf, size_t len, const char *const *names, int n)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "", names[i]);
	return buf;
}

int parse_name_list(const char *flag, const char *arg, const char *const *names,
		    int n, uint64_t *mask)
{
	char *copy, *tok, *save = NULL;
	char accepted[1024];
	int ret = 0;

	*mask = 0;
	if (!arg || !*arg) {
		usage_error("%s needs a value (%s, all)", flag,
			    join_names(accepted, sizeof(accepted), names, n));
		return -1;
	}
	copy = strdup(arg);
	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int i;

		if (!strcmp(tok, "all")) {
			*mask |= n >= 64 ? ~0ULL : (1ULL << n) - 1;
			continue;
		}
		for (i = 0; i < n; i++)
			if (!strcmp(tok, names[i]))
				break;
		if (i == n) {
			usage_error("unknown %s '%s' (accepted: %s, all)", flag, tok,
				    join_names(accepted, sizeof(accepted), names, n));
			ret = -1;
			break;
		}
		*mask |= 1ULL << i;
	}
	free(copy);
	if (!ret && !*mask) {
		usage_error("%s is empty (accepted: %s, all)", flag,
			    join_names(accepted, sizeof(accepted), names, n));
		ret = -1;
	}
	return ret;
}

int write_file_atomic(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX];
	int fd, err = 0;
	size_t off = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		off += (size_t)w;
	}
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int read_small_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	close(fd);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return (int)n;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int sleep_until_ns(uint64_t when_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(when_ns / 1000000000ULL),
			       .tv_nsec = (long)(when_ns % 1000000000ULL) };
	int err = 0;

	while (!stop_requested) {
		err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (err != EINTR)
			break;
	}
	return stop_requested ? -EINTR : -err;
}

int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

int cpu_after(int cpu, int n)
{
	return (cpu + n) % online_cpus();
}

int write_small_file(const char *path, const char *s, int flags)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags), err = 0;
	ssize_t len = (ssize_t)strlen(s);

	if (fd < 0)
		return -errno;
	if (write(fd, s, (size_t)len) != len)
		err = -errno;
	close(fd);
	return err;
}
