// SPDX-License-Identifier: GPL-2.0
/* bpfcost measure's tool: a child command, or a running process. */
#include "cmd/measure_tool.h"
#include "base/util.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- which programs a process holds ---- */

struct id_set {
	uint32_t *ids;
	size_t n, cap;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Every loaded program's ID, sorted. */
static int loaded_ids(struct id_set *s)
{
	uint32_t id = 0;

	s->n = 0;
	while (!bpf_prog_get_next_id(id, &id)) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 256;
			uint32_t *p = realloc(s->ids, cap * sizeof(*p));
			if (!p)
				return -ENOMEM;
			s->ids = p;
			s->cap = cap;
		}
		s->ids[s->n++] = id;
	}
	qsort(s->ids, s->n, sizeof(*s->ids), cmp_u32);
	return 0;
}

static bool id_in(const struct id_set *s, uint32_t id)
{
	return s && s->n && bsearch(&id, s->ids, s->n, sizeof(id), cmp_u32);
}

static struct tool_prog *add_prog(struct tool_prog *out, int *n, int max, uint32_t id)
{
	for (int i = 0; i < *n; i++)
		if (out[i].id == id)
			return &out[i];
	if (*n >= max)
		return NULL;
	memset(&out[*n], 0, sizeof(out[*n]));
	out[*n].id = id;
	return &out[(*n)++];
}

static const char *fdinfo_field(const char *text, const char *key, char *buf, size_t len)
{
	const char *p = text;
	size_t kl = strlen(key);

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == ':') {
			const char *v = p + kl + 1, *e;
			while (*v == ' ' || *v == '\t')
				v++;
			e = strchr(v, '\n');
			if (!e)
				e = v + strlen(v);
			snprintf(buf, len, "%.*s", (int)(e - v), v);
			return buf;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* The attach point of a perf event or raw tracepoint fd of process pid. */
static bool fd_attach_point(pid_t pid, int fd, uint32_t *prog_id, char *out, size_t len)
{
	char buf[256];
	__u32 buf_len = sizeof(buf), fd_type = 0, id = 0;
	__u64 off = 0, addr = 0;

	if (bpf_task_fd_query(pid, fd, 0, buf, &buf_len, &id, &fd_type, &off, &addr))
		return false;
	*prog_id = id;
	switch (fd_type) {
	case BPF_FD_TYPE_RAW_TRACEPOINT: snprintf(out, len, "raw_tp:%.100s", buf); break;
	case BPF_FD_TYPE_TRACEPOINT: snprintf(out, len, "tp:%.100s", buf); break;
	case BPF_FD_TYPE_KPROBE:
	case BPF_FD_TYPE_KRETPROBE:
		if (buf[0])
			snprintf(out, len, "%s:%.100s%s", fd_type == BPF_FD_TYPE_KPROBE ? "kprobe" : "kretprobe",
				 buf, off ? "+off" : "");
		else
			snprintf(out, len, "%s:0x%llx", fd_type == BPF_FD_TYPE_KPROBE ? "kprobe" : "kretprobe",
				 (unsigned long long)addr);
		break;
	case BPF_FD_TYPE_UPROBE:
	case BPF_FD_TYPE_URETPROBE:
		snprintf(out, len, "%s:%.100s+0x%llx", fd_type == BPF_FD_TYPE_UPROBE ? "uprobe" : "uretprobe",
			 buf, (unsigned long long)off);
		break;
	default: snprintf(out, len, "perf:%u", fd_type); break;
	}
	return true;
}

/* Add the programs process pid holds (not in skip) to out. */
static void scan_process(pid_t pid, const struct id_set *skip, struct tool_prog *out, int *n,
			 int max)
{
	char path[64], text[2048], val[128], ap[128];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char fpath[320];
		uint32_t id = 0;
		struct tool_prog *p;
		int fd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		fd = atoi(de->d_name);
		snprintf(fpath, sizeof(fpath), "%s/%s", path, de->d_name);
		if (read_small_file(fpath, text, sizeof(text)) < 0)
			continue;
		if (fdinfo_field(text, "prog_id", val, sizeof(val))) {
			id = (uint32_t)strtoul(val, NULL, 10);
			if (!id || id_in(skip, id) || !(p = add_prog(out, n, max, id)))
				continue;
			if (fdinfo_field(text, "link_type", val, sizeof(val))) {
				char tp[96];
				if (fdinfo_field(text, "tp_name", tp, sizeof(tp)))
					snprintf(ap, sizeof(ap), "%.30s:%.90s", val, tp);
				else
					snprintf(ap, sizeof(ap), "link:%.30s", val);
				if (!p->attach[0] || !strncmp(p->attach, "link:", 5))
					snprintf(p->attach, sizeof(p->attach), "%.127s", ap);
			}
			/* a raw tracepoint link: the fd query names it better */
		}
		/* perf events (tracepoints, kprobes, uprobes) with a program */
		if (fd_attach_point(pid, fd, &id, ap, sizeof(ap)) && id && !id_in(skip, id) &&
		    (p = add_prog(out, n, max, id)))
			snprintf(p->attach, sizeof(p->attach), "%.127s", ap);
	}
	closedir(d);
}

static void describe(struct tool_prog *p, int n)
{
	for (int i = 0; i < n; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(p[i].id);
		const char *t;

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			snprintf(p[i].name, sizeof(p[i].name), "%s", info.name[0] ? info.name : "-");
			t = libbpf_bpf_prog_type_str(info.type);
			snprintf(p[i].type, sizeof(p[i].type), "%s", t ? t : "?");
		}
		close(fd);
		if (!p[i].attach[0])
			snprintf(p[i].attach, sizeof(p[i].attach), "-");
	}
}

int tool_held_progs(pid_t pid, struct tool_prog *out, int max)
{
	int n = 0;

	scan_process(pid, NULL, out, &n, max);
	describe(out, n);
	return n;
}

static pid_t proc_pgrp(pid_t pid)
{
	char path[64], buf[512], *p;
	long pgrp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	if (!p || sscanf(p + 1, " %*c %*d %ld", &pgrp) != 1)
		return -1;
	return (pid_t)pgrp;
}

/* New programs held by any process of process group pgid. */
static int group_progs(pid_t pgid, const struct id_set *before, struct tool_prog *out, int max)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (pid == pgid || proc_pgrp(pid) == pgid)
			scan_process(pid, before, out, &n, max);
	}
	closedir(d);
	return n;
}

/* ---- the child ---- */

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	nanosleep(&ts, NULL); /* EINTR on a signal: the caller checks stop_requested */
}

static void child_exec(struct tool *t, int log_fd)
{
	cpu_set_t all;
	sigset_t none;
	int null_fd = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	/* stop with us even if we die without cleaning up */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* bench pinned us to the workload CPU: the tool may run anywhere */
	CPU_ZERO(&all);
	for (int c = 0; c < CPU_SETSIZE && c < 1024; c++)
		CPU_SET(c, &all);
	sched_setaffinity(0, sizeof(all), &all);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL); /* ignored dispositions survive exec */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (null_fd >= 0)
		dup2(null_fd, STDIN_FILENO);
	dup2(log_fd, STDOUT_FILENO);
	dup2(log_fd, STDERR_FILENO);
	execvp(t->argv[0], t->argv);
	dprintf(STDERR_FILENO, "bpfcost measure: cannot run %s: %s\n", t->argv[0], strerror(errno));
	_exit(127);
}

/* Reap the child if it has exited: true, with *status. */
static bool child_exited(struct tool *t, int *status)
{
	pid_t r = waitpid(t->pid, status, WNOHANG);

	return r == t->pid || (r < 0 && errno == ECHILD);
}

static void describe_exit(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended");
}

/* The tool's last words in its log, for the one-line error. */
static const char *last_log_line(const char *path, char *buf, size_t len)
{
	char tail[1024];
	FILE *f = fopen(path, "r");
	size_t n = 0;
	char *end, *start;

	buf[0] = '\0';
	if (!f)
		return buf;
	if (!fseek(f, -(long)(sizeof(tail) - 1), SEEK_END) || !fseek(f, 0, SEEK_SET))
		n = fread(tail, 1, sizeof(tail) - 1, f);
	fclose(f);
	tail[n] = '\0';
	end = tail + n;
	while (end > tail && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	start = strrchr(tail, '\n');
	start = start ? start + 1 : tail;
	if (strncmp(start, "---- bpfcost measure", 20))
		snprintf(buf, len, ": \"%.100s\"", start);
	return buf;
}

int tool_start(struct tool *t, char *reason, size_t len)
{
	struct id_set before = {};
	uint64_t t0, last_change = 0;
	int log_fd, status = 0, last_n = 0, ret = -1;
	char how[96], last[128];

	t->nprogs = 0;
	if (loaded_ids(&before)) {
		snprintf(reason, len, "cannot list BPF programs: %s", strerror(errno));
		goto out;
	}
	log_fd = open(t->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		snprintf(reason, len, "cannot open the log %s: %s", t->log_path, strerror(errno));
		goto out;
	}
	dprintf(log_fd, "---- bpfcost measure: start %d ----\n", t->starts + 1);
	fflush(NULL);
	t0 = now_ns();
	t->pid = fork();
	if (t->pid < 0) {
		t->pid = 0;
		close(log_fd);
		snprintf(reason, len, "fork: %s", strerror(errno));
		goto out;
	}
	if (t->pid == 0)
		child_exec(t, log_fd);
	setpgid(t->pid, t->pid); /* no race with the child's own call */
	close(log_fd);
	t->starts++;

	for (;;) {
		double el = (double)(now_ns() - t0) / 1e9;
		int n;

		if (child_exited(t, &status)) {
			t->pid = 0;
			describe_exit(status, how, sizeof(how));
			snprintf(reason, len, "%s %s after %.1f s without attaching a BPF program%s "
				 "(its output: %s)", t->argv[0], how, el,
				 last_log_line(t->log_path, last, sizeof(last)), t->log_path);
			goto out;
		}
		if (stop_requested) {
			snprintf(reason, len, "interrupted while waiting for %s to attach", t->argv[0]);
			goto out;
		}
		n = group_progs(t->pid, &before, t->progs, TOOL_MAX_PROGS);
		if (t->settle_s > 0) {
			if (el >= t->settle_s) {
				if (n > 0)
					break;
				snprintf(reason, len, "%s loaded no BPF program in --settle %.1f s "
					 "(its output: %s)", t->argv[0], t->settle_s, t->log_path);
				goto out;
			}
		} else {
			if (n != last_n) {
				last_n = n;
				last_change = now_ns();
			}
			if (n > 0 && (double)(now_ns() - last_change) / 1e9 >= t->stable_s)
				break;
			if (el >= t->timeout_s) {
				snprintf(reason, len, "%s loaded no BPF program within %.0f s "
					 "(--timeout; its output: %s)", t->argv[0], t->timeout_s,
					 t->log_path);
				goto out;
			}
		}
		sleep_s(0.05);
	}
	t->nprogs = group_progs(t->pid, &before, t->progs, TOOL_MAX_PROGS);
	describe(t->progs, t->nprogs);
	t->attach_s = (double)(now_ns() - t0) / 1e9;
	ret = 0;
out:
	if (ret)
		tool_stop(t);
	free(before.ids);
	return ret;
}

/* Wait up to s seconds for the child to exit. */
static bool wait_exit(struct tool *t, double s)
{
	uint64_t end = now_ns() + (uint64_t)(s * 1e9);
	int status;

	do {
		if (child_exited(t, &status))
			return true;
		usleep(10000);
	} while (now_ns() < end);
	return false;
}

void tool_stop(struct tool *t)
{
	static const struct { int sig; double wait_s; } steps[] = {
		{ SIGINT, 5 }, { SIGTERM, 3 }, { SIGKILL, 5 },
	};
	pid_t pg = t->pid;

	if (!t->pid)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		if (kill(-pg, steps[i].sig) && errno == ESRCH)
			kill(pg, steps[i].sig);
		if (wait_exit(t, steps[i].wait_s))
			break;
		info_msg("%s did not stop on %s", t->argv[0], strsignal(steps[i].sig));
	}
	t->pid = 0;
	/* what it started and left behind in its group goes too */
	if (!kill(-pg, 0)) {
		kill(-pg, SIGTERM);
		usleep(200000);
		kill(-pg, SIGKILL);
	}
}
