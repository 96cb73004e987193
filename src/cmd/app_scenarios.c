// SPDX-License-Identifier: GPL-2.0
/* The scenarios of `bpfcost app` and what they share: finding programs,
 * a temporary directory and cgroup per scenario, children started into
 * that cgroup (optionally as another user), and the parsers of each load
 * generator's output. */
#include "cmd/app_scenarios.h"
#include "base/output.h"
#include "base/stats.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- finding programs ---- */

static bool executable(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

static bool find_in(const char *list, const char *name, char *out, size_t len)
{
	char *copy = strdup(list ? list : ""), *save = NULL;
	bool found = false;

	if (!copy)
		return false;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", *d ? d : ".", name);
		found = executable(out);
	}
	free(copy);
	return found;
}

/* Debian keeps the PostgreSQL server programs out of PATH. */
static void pg_bindirs(char *buf, size_t len)
{
	DIR *d = opendir("/usr/lib/postgresql");
	struct dirent *de;
	int best = -1;

	buf[0] = '\0';
	if (!d)
		return;
	while ((de = readdir(d))) {
		int v = atoi(de->d_name);
		if (v > best)
			best = v;
	}
	closedir(d);
	if (best > 0)
		snprintf(buf, len, "/usr/lib/postgresql/%d/bin", best);
}

int app_find_bins(const struct app_scenario *sc, struct app_env *e, char *err, size_t len)
{
	const char *over = getenv("BPFCOST_APP_PATH");
	char list[8192], pg[128];

	if (over) {
		snprintf(list, sizeof(list), "%s", over);
	} else {
		pg_bindirs(pg, sizeof(pg));
		snprintf(list, sizeof(list), "%s:%s:/usr/sbin:/usr/bin:/usr/local/bin",
			 pg, getenv("PATH") ? getenv("PATH") : "");
	}
	for (int i = 0; i < APP_MAX_BINS && sc->bins[i]; i++) {
		if (!find_in(list, sc->bins[i], e->bin[i], sizeof(e->bin[i]))) {
			snprintf(err, len, "%s: %s not found (install the Debian package %s)%s",
				 sc->name, sc->bins[i], sc->pkgs[i],
				 over ? "; searched $BPFCOST_APP_PATH only" : "");
			return -1;
		}
	}
	return 0;
}

int app_find_scripts(const struct app_scenario *sc, struct app_env *e, char *err, size_t len)
{
	const char *env = getenv("BPFCOST_APPS");
	char exe[PATH_MAX - 32], path[PATH_MAX + 64], *slash;
	ssize_t n;

	if (!sc->script)
		return 0;
	if (env) {
		snprintf(e->apps_dir, sizeof(e->apps_dir), "%s", env);
		snprintf(path, sizeof(path), "%s/%s", e->apps_dir, sc->script);
		if (!access(path, R_OK))
			return 0;
		snprintf(err, len, "%s: %s not found in $BPFCOST_APPS (%s)", sc->name, sc->script, env);
		return -1;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')))
			*slash = '\0';
		/* ./bpfcost in the source tree; bin/bpfcost installed under PREFIX;
		 * build/bpfcost-static */
		const char *rel[] = { "apps", "../share/bpfcost/apps", "../apps" };
		for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
			snprintf(e->apps_dir, sizeof(e->apps_dir), "%s/%s", exe, rel[i]);
			snprintf(path, sizeof(path), "%s/%s", e->apps_dir, sc->script);
			if (!access(path, R_OK))
				return 0;
		}
	}
	snprintf(err, len, "%s: script %s not found beside the binary; set BPFCOST_APPS to the apps/ directory",
		 sc->name, sc->script);
	return -1;
}

/* ---- temporary directory, cgroup ---- */

/* Where cgroup v2 is mounted and our own cgroup in it. */
static int cgroup2_base(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[512], mnt[512] = "", own[512] = "";

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - "), m[512];
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %511s", m) == 1) {
			snprintf(mnt, sizeof(mnt), "%s", m);
			break;
		}
	}
	fclose(f);
	if (!mnt[0])
		return -1;
	f = fopen("/proc/self/cgroup", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "0::", 3)) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(own, sizeof(own), "%s", line + 3);
			}
		fclose(f);
	}
	snprintf(out, len, "%s%s", mnt, strcmp(own, "/") ? own : "");
	return 0;
}

/* /dev/shm when it is a tmpfs with at least min_bytes free. */
static bool shm_room(unsigned long long min_bytes)
{
	struct statfs fs;

	return !statfs("/dev/shm", &fs) && fs.f_type == 0x01021994 /* TMPFS_MAGIC */ &&
	       (unsigned long long)fs.f_bavail * (unsigned long long)fs.f_bsize >= min_bytes;
}

int app_env_create(struct app_env *e, char *err, size_t len)
{
	char base[PATH_MAX - 64];
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	/* no TMPDIR: a scenario that writes much (postgres) goes to memory,
	 * where the kernel's writeback cannot stall it mid-window */
	if ((!tmp || !*tmp) && e->sc->tmpfs_bytes && shm_room(e->sc->tmpfs_bytes))
		tmp = "/dev/shm";

	snprintf(e->dir, sizeof(e->dir), "%s/bpfcost-app.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(e->dir)) {
		snprintf(err, len, "mkdtemp %s: %s", e->dir, strerror(errno));
		e->dir[0] = '\0';
		return -1;
	}
	e->cgroup[0] = '\0';
	e->cgroup_id = 0;
	e->ctl_fd = -1;
	if (!cgroup2_base(base, sizeof(base))) {
		snprintf(e->cgroup, sizeof(e->cgroup), "%s/bpfcost-app.%d", base, (int)getpid());
		if (mkdir(e->cgroup, 0755) && errno != EEXIST) {
			warn_msg("cannot create cgroup %s (%s): probes will count every process",
				 e->cgroup, strerror(errno));
			e->cgroup[0] = '\0';
		} else if (!stat(e->cgroup, &st)) {
			e->cgroup_id = st.st_ino; /* kernfs id == bpf_get_current_cgroup_id() */
		}
	} else {
		warn_msg("no cgroup v2 mounted: probes will count every process, no app CPU");
	}
	return 0;
}

int64_t app_cgroup_cpu_us(const struct app_env *e)
{
	char path[PATH_MAX + 16], buf[512], *p;

	if (!e->cgroup[0])
		return -1;
	snprintf(path, sizeof(path), "%s/cpu.stat", e->cgroup);
	if (read_small_file(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, "usage_usec ")))
		return -1;
	return strtoll(p + 11, NULL, 10);
}

static int cgroup_nprocs(const struct app_env *e, bool kill_them)
{
	char path[PATH_MAX + 16], line[64];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", e->cgroup);
	if (!(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (kill_them)
			kill((pid_t)atoi(line), SIGKILL);
	}
	fclose(f);
	return n;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) ? 0 : 0; /* best effort; the count is checked by tests */
}

void app_env_destroy(struct app_env *e)
{
	char path[PATH_MAX + 16];

	if (e->sc && e->sc->load_stop)
		e->sc->load_stop(e);
	if (e->server > 0 && e->sc && e->sc->stop)
		e->sc->stop(e);
	if (e->cgroup[0]) {
		int fd;

		snprintf(path, sizeof(path), "%s/cgroup.kill", e->cgroup);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "1", 1) < 0)
				cgroup_nprocs(e, true);
			close(fd);
		} else {
			cgroup_nprocs(e, true); /* kernels before 5.14 */
		}
		for (int i = 0; i < 200 && cgroup_nprocs(e, i > 50); i++)
			usleep(10000);
	}
	if (e->server > 0) {
		kill(-e->server, SIGKILL);
		waitpid(e->server, NULL, 0);
		e->server = 0;
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		; /* reap anything else we started */
	if (e->cgroup[0]) {
		for (int i = 0; i < 100 && rmdir(e->cgroup) && errno == EBUSY; i++)
			usleep(10000);
		e->cgroup[0] = '\0';
	}
	if (e->dir[0]) {
		nftw(e->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		e->dir[0] = '\0';
	}
}

/* ---- children ---- */

/* uid and gid of a user from /etc/passwd (getpwnam needs glibc's NSS
 * modules at run time, which the static build cannot carry). */
static int lookup_user(const char *name, uid_t *uid, gid_t *gid)
{
	FILE *f = fopen("/etc/passwd", "r");
	char line[512];
	size_t n = strlen(name);
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned u, g;
		if (!strncmp(line, name, n) && line[n] == ':' &&
		    sscanf(line + n, ":%*[^:]:%u:%u:", &u, &g) == 2) {
			*uid = u;
			*gid = g;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

struct spawn_opts {
	bool in_cgroup;       /* the application itself, not its load generator */
	const char *user;     /* run as this user (postgres refuses root) */
	const char *out;      /* stdout and stderr to this file (truncated) */
	int cpu_plus1;        /* pinned to CPU cpu_plus1 - 1; 0: not pinned */
	const char *env_add;  /* one more "NAME=VALUE" in its environment */
};

/* Start argv[0] (an absolute path) in its own process group. Everything
 * the child needs is prepared before fork: our consumer threads may hold
 * locks, so the child only makes system calls. */
static pid_t spawn(struct app_env *e, char *const argv[], const struct spawn_opts *o,
		   char *err, size_t len)
{
	int cg_fd = -1, out_fd = -1, null_fd;
	uid_t uid = 0;
	gid_t gid = 0;
	pid_t pid;
	cpu_set_t cpus;
	char **envp = environ;
	size_t nenv = 0;

	CPU_ZERO(&cpus);
	if (o->cpu_plus1)
		CPU_SET(o->cpu_plus1 - 1, &cpus);

	if (o->user && lookup_user(o->user, &uid, &gid)) {
		snprintf(err, len, "no user %s (the Debian package creates it)", o->user);
		return -1;
	}
	if (o->env_add) {
		while (environ[nenv])
			nenv++;
		envp = calloc(nenv + 2, sizeof(*envp));
		if (!envp) {
			snprintf(err, len, "out of memory");
			return -1;
		}
		memcpy(envp, environ, nenv * sizeof(*envp));
		envp[nenv] = (char *)o->env_add;
	}
	if (o->in_cgroup && e->cgroup[0]) {
		char path[PATH_MAX + 16];
		snprintf(path, sizeof(path), "%s/cgroup.procs", e->cgroup);
		cg_fd = open(path, O_WRONLY | O_CLOEXEC);
	}
	out_fd = open(o->out ? o->out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (out_fd < 0 || null_fd < 0) {
		snprintf(err, len, "cannot open %s: %s", o->out ? o->out : "/dev/null", strerror(errno));
		pid = -1;
		goto out;
	}
	if (o->out && o->user && fchown(out_fd, uid, gid)) {
		/* harmless: the child writes through the fd it inherits */
	}
	pid = fork();
	if (pid == 0) {
		sigset_t none;

		setpgid(0, 0);
		if (o->cpu_plus1 && sched_setaffinity(0, sizeof(cpus), &cpus))
			_exit(126);
		if (cg_fd >= 0 && write(cg_fd, "0", 1) < 0)
			_exit(126);
		if (o->user && (setgroups(1, &gid) || setgid(gid) || setuid(uid)))
			_exit(126);
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* after setuid, which clears it */
		if (chdir(e->dir))
			_exit(126);
		dup2(null_fd, 0);
		dup2(out_fd, 1);
		dup2(out_fd, 2);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	if (pid < 0)
		snprintf(err, len, "fork: %s", strerror(errno));
	else
		setpgid(pid, pid); /* no race with a kill(-pid) right after */
out:
	if (envp != environ)
		free(envp);
	if (cg_fd >= 0)
		close(cg_fd);
	if (out_fd >= 0)
		close(out_fd);
	if (null_fd >= 0)
		close(null_fd);
	return pid;
}

static void kill_group(pid_t pid, int sig)
{
	if (pid > 0)
		kill(-pid, sig);
}

/* Wait for pid up to timeout_s; on a stop request or the timeout, end
 * its process group. Returns the exit status (>= 0), -EINTR or -ETIMEDOUT. */
static int wait_child(pid_t pid, double timeout_s)
{
	uint64_t end = now_ns() + (uint64_t)(timeout_s * 1e9);
	int status, ret;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (r < 0 && errno != EINTR)
			return -ECHILD;
		if (stop_requested) {
			ret = -EINTR;
			break;
		}
		if (now_ns() > end) {
			ret = -ETIMEDOUT;
			break;
		}
		usleep(20000);
	}
	kill_group(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return ret;
		usleep(20000);
	}
	kill_group(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return ret;
}

/* The last non-empty line of a file, for error messages. */
static const char *last_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[256];

	buf[0] = '\0';
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			snprintf(buf, len, "%s", line);
	}
	fclose(f);
	return buf;
}

/* Run argv to completion with a timeout; non-zero exit is an error that
 * quotes the last line of its output. */
static int run_child(struct app_env *e, char *const argv[], const struct spawn_opts *o,
		     double timeout_s, char *err, size_t len)
{
	char tail[400];
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	pid_t pid = spawn(e, argv, o, err, len);
	int rc;

	if (pid < 0)
		return -1;
	rc = wait_child(pid, timeout_s);
	if (rc == -EINTR) {
		snprintf(err, len, "interrupted");
		return -EINTR;
	}
	if (rc == -ETIMEDOUT) {
		snprintf(err, len, "%s did not finish within %.0f s", base, timeout_s);
		return -1;
	}
	if (rc != 0) {
		snprintf(err, len, "%s exited %d: %s", base, rc,
			 o->out ? last_line(o->out, tail, sizeof(tail)) : "");
		return -1;
	}
	return 0;
}

static void path_in(const struct app_env *e, char *out, size_t len, const char *name)
{
	if ((size_t)snprintf(out, len, "%s/%s", e->dir, name) >= len)
		out[0] = '\0';
}

/* Poll until connect() on a unix socket succeeds, the server dies or
 * timeout_s passes. */
static int wait_socket(struct app_env *e, const char *sock, double timeout_s, const char *log,
		       char *err, size_t len)
{
	uint64_t end = now_ns() + (uint64_t)(timeout_s * 1e9);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char tail[400];
	int status;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	while (!stop_requested) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			close(fd);
			return 0;
		}
		if (fd >= 0)
			close(fd);
		if (waitpid(e->server, &status, WNOHANG) == e->server) {
			e->server = 0;
			snprintf(err, len, "%s exited at start: %s", e->sc->bins[0],
				 last_line(log, tail, sizeof(tail)));
			return -1;
		}
		if (now_ns() > end) {
			snprintf(err, len, "%s did not accept connections within %.0f s", e->sc->bins[0],
				 timeout_s);
			return -1;
		}
		usleep(50000);
	}
	snprintf(err, len, "interrupted");
	return -EINTR;
}

static void stop_server(struct app_env *e, int sig, double grace_s)
{
	if (e->server <= 0)
		return;
	kill(e->server, sig);
	for (int i = 0; i < (int)(grace_s * 50); i++) {
		if (waitpid(e->server, NULL, WNOHANG) == e->server) {
			e->server = 0;
			return;
		}
		usleep(20000);
	}
	kill_group(e->server, SIGKILL);
	waitpid(e->server, NULL, 0);
	e->server = 0;
}

static void version_of(struct app_env *e, const char *bin, const char *flag)
{
	char *argv[] = { (char *)bin, (char *)flag, NULL }, out[PATH_MAX + 16], err[256];
	struct spawn_opts o = { .out = out };

	path_in(e, out, sizeof(out), "version.out");
	e->version[0] = '\0';
	if (!run_child(e, argv, &o, 10, err, sizeof(err))) {
		char line[128], *w, *save = NULL;
		/* "Redis server v=7.0.15 sha=...", "postgres (PostgreSQL) 15.18 (Debian...)",
		 * "v20.20.2", "Python 3.11.2": keep the first word that is a version */
		last_line(out, line, sizeof(line));
		snprintf(e->version, sizeof(e->version), "%s", line);
		for (w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			if (!strncmp(w, "v=", 2))
				w += 2;
			else if (*w == 'v')
				w++;
			if (*w >= '0' && *w <= '9' && strchr(w, '.')) {
				snprintf(e->version, sizeof(e->version), "%s", w);
				break;
			}
		}
	}
	unlink(out);
}

/* The windowed method's continuous load: started into e->load, killed
 * (SIGKILL: a load generator or script has nothing to save; pgbench's
 * log loses the lines still in its stdio buffers, about a tenth of a
 * second's, which is why the caller stops it only well after the last
 * window). */
static int load_spawn(struct app_env *e, char *const argv[], const struct spawn_opts *o, char *err,
		      size_t len)
{
	e->load = spawn(e, argv, o, err, len);
	if (e->load < 0) {
		e->load = 0;
		return -1;
	}
	return 0;
}

static void load_kill(struct app_env *e)
{
	if (e->load > 0) {
		kill_group(e->load, SIGKILL);
		waitpid(e->load, NULL, 0);
		e->load = 0;
	}
}

/* ---- op logs (the windowed method's counter for postgres and scripts) ---- */

int app_oplog_add(struct app_oplog *log, uint64_t end_ns, uint64_t dur_ns)
{
	if (log->n == log->cap) {
		size_t cap = log->cap ? 2 * log->cap : 4096;
		uint64_t *e = realloc(log->end_ns, cap * sizeof(*e)), *d;

		if (!e)
			return -1;
		log->end_ns = e;
		if (!(d = realloc(log->dur_ns, cap * sizeof(*d))))
			return -1;
		log->dur_ns = d;
		log->cap = cap;
	}
	log->end_ns[log->n] = end_ns;
	log->dur_ns[log->n++] = dur_ns;
	return 0;
}

struct op {
	uint64_t end, dur;
};

static int cmp_op(const void *a, const void *b)
{
	const struct op *x = a, *y = b;

	return x->end < y->end ? -1 : x->end > y->end;
}

void app_oplog_sort(struct app_oplog *log)
{
	struct op *ops = malloc(log->n * sizeof(*ops) + 1);

	if (!ops)
		return;
	for (size_t i = 0; i < log->n; i++)
		ops[i] = (struct op){ log->end_ns[i], log->dur_ns[i] };
	qsort(ops, log->n, sizeof(*ops), cmp_op);
	for (size_t i = 0; i < log->n; i++) {
		log->end_ns[i] = ops[i].end;
		log->dur_ns[i] = ops[i].dur;
	}
	free(ops);
}

void app_oplog_free(struct app_oplog *log)
{
	free(log->end_ns);
	free(log->dur_ns);
	memset(log, 0, sizeof(*log));
}

/* One op from a line: its end (on the clock of the line) and duration in
 * ns; false for a line that is not one. */
typedef bool (*oplog_line_fn)(const char *line, int64_t *end_ns, uint64_t *dur_ns);

static bool pgbench_line(const char *line, int64_t *end_ns, uint64_t *dur_ns)
{
	unsigned long long lat_us, sec, us;

	/* "skipped" lines (-R, not used here) have no latency: ignored */
	if (sscanf(line, "%*d %*d %llu %*d %llu %llu", &lat_us, &sec, &us) != 3)
		return false;
	*end_ns = (int64_t)(sec * 1000000000ULL + us * 1000ULL);
	*dur_ns = lat_us * 1000ULL;
	return true;
}

static bool iter_line(const char *line, int64_t *end_ns, uint64_t *dur_ns)
{
	unsigned long long end, dur;

	/* a line the killed script did not finish has no newline */
	if (!strchr(line, '\n') || sscanf(line, "%llu %llu", &end, &dur) != 2)
		return false;
	*end_ns = (int64_t)end;
	*dur_ns = dur;
	return true;
}

/* The ops of a log file, ends minus shift_ns; the latest end, 0 if none. */
static uint64_t read_oplog(const char *path, oplog_line_fn parse, int64_t shift_ns,
			   struct app_oplog *log)
{
	FILE *f = fopen(path, "r");
	char line[256];
	uint64_t last = 0, dur;
	int64_t end;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!parse(line, &end, &dur) || (end -= shift_ns) <= 0 ||
		    app_oplog_add(log, (uint64_t)end, dur))
			continue;
		if ((uint64_t)end > last)
			last = (uint64_t)end;
	}
	fclose(f);
	return last;
}

uint64_t app_parse_pgbench_log(const char *path, int64_t epoch_shift_ns, struct app_oplog *log)
{
	return read_oplog(path, pgbench_line, epoch_shift_ns, log);
}

uint64_t app_parse_iter_log(const char *path, struct app_oplog *log)
{
	return read_oplog(path, iter_line, 0, log);
}

/* ---- redis ---- */

#define REDIS_MAXMEMORY "64mb"   /* small: eviction starts after ~60k keys */
#define REDIS_KEYSPACE "1000000" /* x 1 KiB values = ~1 GiB wanted: constant eviction */

/* SET's value size: 1 KiB, or with --release 16 KiB, jemalloc's smallest
 * size class that is an extent of pages of its own: every evicted value
 * frees whole pages, which the release shape's jemalloc settings (decay 0
 * ms, no thread cache to keep freed values in) hand back to the kernel at
 * once (1 KiB values share slabs that an eviction seldom empties). */
static const char *redis_value_size(const struct app_env *e)
{
	return e->release ? "16384" : "1024";
}

/* The windowed method's load is SET only (see redis_load_start); its
 * latency runs use the same command. */
static const char *redis_tests(const struct app_env *e)
{
	return e->windowed ? "set" : "set,get";
}

/* The windowed method pins redis-server to CPU 1 and redis-benchmark to
 * CPU 0 (with 2 or more CPUs): unpinned, the two wander between the CPUs
 * and throughput jumps between levels from one window to the next. */
static int redis_cpu_plus1(const struct app_env *e, bool server)
{
	return e->windowed && online_cpus() >= 2 ? (server ? 2 : 1) : 0;
}

static void redis_paths(struct app_env *e, char *sock, char *log, size_t len)
{
	path_in(e, sock, len, "redis.sock");
	path_in(e, log, len, "redis.log");
}

/* redis-benchmark --csv: "test","rps","avg_latency_ms","min_latency_ms",
 * "p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms".
 * Throughput over both tests = requests / sum of each test's time. */
int app_parse_redis_csv(const char *path, uint64_t n_per_test, struct app_run *r)
{
	FILE *f = fopen(path, "r");
	char line[512];
	double secs = 0, p50 = NAN, p99 = NAN;
	int tests = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char name[32];
		double rps, avg, mn, q50, q95, q99, mx;
		if (sscanf(line, "\"%31[^\"]\",\"%lf\",\"%lf\",\"%lf\",\"%lf\",\"%lf\",\"%lf\",\"%lf\"",
			   name, &rps, &avg, &mn, &q50, &q95, &q99, &mx) != 8 || rps <= 0)
			continue;
		secs += (double)n_per_test / rps;
		/* the worse of SET and GET: SET is the one that evicts */
		p50 = isnan(p50) || q50 > p50 ? q50 : p50;
		p99 = isnan(p99) || q99 > p99 ? q99 : p99;
		tests++;
	}
	fclose(f);
	if (!tests)
		return -1;
	r->ops = (double)n_per_test * tests;
	r->seconds = secs;
	r->throughput = r->ops / secs;
	r->p50_ms = p50;
	r->p99_ms = p99;
	r->p999_ms = NAN; /* redis-benchmark's CSV stops at p99 */
	return 0;
}

static int redis_bench(struct app_env *e, const char *tests, uint64_t n, struct app_run *r,
		       char *err, size_t len)
{
	char sock[PATH_MAX], log[PATH_MAX], out[PATH_MAX + 16], nbuf[32], cbuf[16];
	char *argv[] = { e->bin[1], "-s", sock, "-t", (char *)tests, "-n", nbuf, "-r", REDIS_KEYSPACE,
			 "-d", (char *)redis_value_size(e), "-c", cbuf, "-P", "16", "--csv", NULL };
	struct spawn_opts o = { .out = out, .cpu_plus1 = redis_cpu_plus1(e, false) };
	int rc;

	redis_paths(e, sock, log, sizeof(sock));
	path_in(e, out, sizeof(out), "redis-benchmark.out");
	snprintf(nbuf, sizeof(nbuf), "%llu", (unsigned long long)n);
	snprintf(cbuf, sizeof(cbuf), "%d", e->clients);
	rc = run_child(e, argv, &o, 60 + 10 * e->duration_s, err, len);
	if (rc)
		return rc;
	if (r && app_parse_redis_csv(out, n, r)) {
		snprintf(err, len, "redis-benchmark printed no CSV result");
		return -1;
	}
	return 0;
}

static int redis_setup(struct app_env *e, char *err, size_t len)
{
	char sock[PATH_MAX], log[PATH_MAX];
	char *argv[] = { e->bin[0], "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
			 "--dir", e->dir, "--save", "", "--appendonly", "no",
			 "--maxmemory", REDIS_MAXMEMORY, "--maxmemory-policy", "allkeys-lru",
			 "--logfile", log, "--daemonize", "no", NULL };
	struct spawn_opts o = { .in_cgroup = true, .cpu_plus1 = redis_cpu_plus1(e, true),
				.env_add = e->release ? e->sc->release_env : NULL };
	struct app_run cal;
	int rc;

	version_of(e, e->bin[0], "--version");
	redis_paths(e, sock, log, sizeof(sock));
	e->server = spawn(e, argv, &o, err, len);
	if (e->server < 0) {
		e->server = 0;
		return -1;
	}
	if ((rc = wait_socket(e, sock, 15, log, err, len)))
		return rc;
	if (!e->clients)
		e->clients = 50;
	/* Fill past maxmemory so every later SET evicts, then size the runs. */
	if ((rc = redis_bench(e, "set", 150000, NULL, err, len)))
		return rc;
	if ((rc = redis_bench(e, redis_tests(e), 100000, &cal, err, len)))
		return rc;
	e->requests = (uint64_t)(e->duration_s * cal.throughput / (e->windowed ? 1 : 2));
	if (e->requests < 10000)
		e->requests = 10000;
	return 0;
}

static int redis_run(struct app_env *e, struct app_run *r, char *err, size_t len)
{
	return redis_bench(e, redis_tests(e), e->requests, r, err, len);
}

static void redis_stop(struct app_env *e)
{
	stop_server(e, SIGTERM, 5); /* no save points: exits at once */
}

/* The windowed method's load: redis-benchmark SET with a request count
 * that does not run out (2e9; docs/app.md), on persistent connections,
 * stopped by redis_load_stop. SET only: it is the command that evicts,
 * and one command keeps the load the same in every window (-t set,get
 * runs SET then GET, one after the other). */
static int redis_load_start(struct app_env *e, char *err, size_t len)
{
	char sock[PATH_MAX], log[PATH_MAX], cbuf[16];
	char *argv[] = { e->bin[1], "-s", sock, "-t", "set", "-n", "2000000000", "-r", REDIS_KEYSPACE,
			 "-d", (char *)redis_value_size(e), "-c", cbuf, "-P", "16", "-q", NULL };
	struct spawn_opts o = { .out = NULL, .cpu_plus1 = redis_cpu_plus1(e, false) };

	redis_paths(e, sock, log, sizeof(sock));
	snprintf(cbuf, sizeof(cbuf), "%d", e->clients);
	return load_spawn(e, argv, &o, err, len);
}

static void redis_load_stop(struct app_env *e)
{
	load_kill(e);
	if (e->ctl_fd >= 0) {
		close(e->ctl_fd);
		e->ctl_fd = -1;
	}
}

int app_parse_redis_info(const char *reply, uint64_t *ops)
{
	const char *p = strstr(reply, "total_commands_processed:");
	char *end;

	if (reply[0] != '$' || !p)
		return -1;
	*ops = strtoull(p + 25, &end, 10);
	return end > p + 25 ? 0 : -1;
}

/* Our tiny RESP client: INFO stats on a connection kept open, the reply
 * read whole (about 1.5 KB). Waits at most 2 s for the server. */
static int redis_ops_read(struct app_env *e, uint64_t *ops, char *err, size_t len)
{
	static const char cmd[] = "*2\r\n$4\r\nINFO\r\n$5\r\nstats\r\n";
	char buf[16384];
	size_t got = 0, want = 0;

	if (e->ctl_fd < 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		char log[PATH_MAX];

		redis_paths(e, sa.sun_path, log, sizeof(sa.sun_path));
		e->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (e->ctl_fd < 0 || connect(e->ctl_fd, (struct sockaddr *)&sa, sizeof(sa))) {
			snprintf(err, len, "connect %s: %s", sa.sun_path, strerror(errno));
			if (e->ctl_fd >= 0)
				close(e->ctl_fd);
			e->ctl_fd = -1;
			return -1;
		}
	}
	if (write(e->ctl_fd, cmd, sizeof(cmd) - 1) != (ssize_t)(sizeof(cmd) - 1)) {
		snprintf(err, len, "redis INFO: write: %s", strerror(errno));
		return -1;
	}
	while (!want || got < want) {
		struct pollfd pfd = { .fd = e->ctl_fd, .events = POLLIN };
		ssize_t n;
		int pr = poll(&pfd, 1, 2000);

		if (pr < 0 && errno == EINTR && !stop_requested)
			continue;
		if (pr <= 0) {
			snprintf(err, len, "redis INFO: %s", pr ? strerror(errno) : "no reply within 2 s");
			return stop_requested ? -EINTR : -1;
		}
		n = read(e->ctl_fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0) {
			snprintf(err, len, "redis INFO: %s", n ? strerror(errno) : "connection closed");
			return -1;
		}
		got += (size_t)n;
		buf[got] = '\0';
		if (!want && strstr(buf, "\r\n")) {
			/* "$N\r\n" + N bytes + "\r\n" */
			want = (size_t)(strstr(buf, "\r\n") - buf) + 2 + strtoul(buf + 1, NULL, 10) + 2;
			if (buf[0] != '$' || want >= sizeof(buf)) {
				snprintf(err, len, "redis INFO: unexpected reply: %.60s", buf);
				return -1;
			}
		}
	}
	if (app_parse_redis_info(buf, ops)) {
		snprintf(err, len, "redis INFO: no total_commands_processed");
		return -1;
	}
	return 0;
}

/* ---- postgres ---- */

/* The memory-release load shape's second script: a sort of a few
 * thousand rows in memory (well inside work_mem), whose blocks, with
 * glibc's mmap threshold fixed at 64 KiB (the scenario's release_env),
 * are each mapped and unmapped with the query's memory context. */
static const char pg_release_sql[] =
	"\\set aid random(1, 100000 * :scale)\n"
	"SELECT abalance, filler FROM pgbench_accounts WHERE aid BETWEEN :aid AND :aid + 3000 "
	"ORDER BY filler, abalance OFFSET 3000;\n";

static int pg_setup(struct app_env *e, char *err, size_t len)
{
	char data[PATH_MAX], log[PATH_MAX], out[PATH_MAX], scale[16], sock[PATH_MAX + 32];
	char *initdb[] = { e->bin[0], "-D", data, "-U", "postgres", "-A", "trust", "--no-sync",
			   "-E", "UTF8", NULL };
	/* Unix socket only; small shared_buffers so the pgbench data does not fit;
	 * no fsync and no autovacuum: the disk and the vacuum daemon are not
	 * what is measured, and both add noise between runs. */
	char *server[] = { e->bin[1], "-D", data, "-k", e->dir, "-c", "listen_addresses=",
			   "-c", "shared_buffers=16MB", "-c", "fsync=off", "-c", "synchronous_commit=off",
			   "-c", "full_page_writes=off", "-c", "autovacuum=off", "-c", "max_connections=40",
			   "-c", "max_wal_size=512MB", NULL };
	char *init[] = { e->bin[2], "-i", "-s", scale, "-I", "dtGvp", "-q", "-h", e->dir, "-U", "postgres",
			 "postgres", NULL };
	struct spawn_opts as_pg = { .user = "postgres", .out = out };
	struct spawn_opts srv = { .user = "postgres", .out = log, .in_cgroup = true,
				  .env_add = e->release ? e->sc->release_env : NULL };
	struct spawn_opts client = { .out = out };
	uid_t uid;
	gid_t gid;
	int rc;

	if (lookup_user("postgres", &uid, &gid)) {
		snprintf(err, len, "no user postgres (the Debian package postgresql creates it)");
		return -1;
	}
	if (chown(e->dir, uid, gid)) {
		snprintf(err, len, "chown %s: %s", e->dir, strerror(errno));
		return -1;
	}
	version_of(e, e->bin[1], "--version");
	path_in(e, data, sizeof(data), "data");
	path_in(e, log, sizeof(log), "postgres.log");
	path_in(e, out, sizeof(out), "setup.out");
	if ((rc = run_child(e, initdb, &as_pg, 120, err, len))) {
		if (strstr(err, "exited 126"))
			snprintf(err, len, "cannot run initdb as user postgres in %s: is every parent "
				 "directory searchable by postgres? (set TMPDIR)", e->dir);
		return rc;
	}
	e->server = spawn(e, server, &srv, err, len);
	if (e->server < 0) {
		e->server = 0;
		return -1;
	}
	snprintf(sock, sizeof(sock), "%s/.s.PGSQL.5432", e->dir);
	if ((rc = wait_socket(e, sock, 30, log, err, len)))
		return rc;
	snprintf(scale, sizeof(scale), "%d", e->pg_scale);
	/* the server may still be finishing its start-up: retry briefly */
	for (int i = 0; i < 20; i++) {
		rc = run_child(e, init, &client, 600, err, len);
		if (!rc || rc == -EINTR)
			break;
		usleep(250000);
	}
	if (rc)
		return rc;
	if (!e->clients)
		e->clients = 4;
	return 0;
}

/* pgbench -l: "client_id transaction_no time script_no time_epoch time_us"
 * per transaction, time in us; one file per thread. */
static int pg_latencies(struct app_env *e, struct app_run *r)
{
	struct hist *h = calloc(1, sizeof(*h));
	DIR *d = opendir(e->dir);
	struct dirent *de;

	if (!h || !d) {
		free(h);
		if (d)
			closedir(d);
		return -1;
	}
	while ((de = readdir(d))) {
		char path[PATH_MAX + 300], line[256];
		FILE *f;

		if (strncmp(de->d_name, "pgl.", 4))
			continue;
		snprintf(path, sizeof(path), "%s/%s", e->dir, de->d_name);
		if ((f = fopen(path, "r"))) {
			while (fgets(line, sizeof(line), f)) {
				unsigned long long us;
				if (sscanf(line, "%*d %*d %llu", &us) == 1)
					hist_add(h, us * 1000);
			}
			fclose(f);
		}
		unlink(path);
	}
	closedir(d);
	r->p50_ms = hist_quantile(h, 0.50) / 1e6;
	r->p99_ms = hist_quantile(h, 0.99) / 1e6;
	r->p999_ms = hist_quantile(h, 0.999) / 1e6;
	free(h);
	return 0;
}

/* pgbench's summary: "number of transactions actually processed: N" and
 * "tps = X (without initial connection time)". */
int app_parse_pgbench(const char *path, struct app_run *r)
{
	double tps = NAN, n = NAN;
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		double v;
		if (sscanf(line, "number of transactions actually processed: %lf", &v) == 1)
			n = v;
		else if (sscanf(line, "tps = %lf (without initial connection time)", &v) == 1)
			tps = v;
	}
	fclose(f);
	if (!(tps > 0) || !(n > 0))
		return -1;
	r->ops = n;
	r->throughput = tps;
	r->seconds = n / tps;
	return 0;
}

/* pgbench's command line: clients, -T secs, per-transaction log under
 * prefix; with --release the TPC-B-like script and the sort take turns. */
static int pg_bench_argv(struct app_env *e, char **argv, char *clients, size_t clen, const char *secs,
			 const char *prefix, char *sql, size_t sql_len, char *err, size_t len)
{
	int k = 0;

	snprintf(clients, clen, "%d", e->clients);
	argv[k++] = e->bin[2];
	argv[k++] = "-h";
	argv[k++] = e->dir;
	argv[k++] = "-U";
	argv[k++] = "postgres";
	argv[k++] = "-c";
	argv[k++] = clients;
	argv[k++] = "-j";
	argv[k++] = "2";
	argv[k++] = "-T";
	argv[k++] = (char *)secs;
	argv[k++] = "-n";
	argv[k++] = "-l";
	argv[k++] = "--log-prefix";
	argv[k++] = (char *)prefix;
	if (e->release) {
		char path[PATH_MAX];
		FILE *f;

		path_in(e, path, sizeof(path), "release.sql");
		if (!(f = fopen(path, "w"))) {
			snprintf(err, len, "cannot write %s: %s", path, strerror(errno));
			return -1;
		}
		fputs(pg_release_sql, f);
		if (fclose(f)) {
			snprintf(err, len, "cannot write %s", path);
			return -1;
		}
		snprintf(sql, sql_len, "%s@1", path);
		argv[k++] = "-b";
		argv[k++] = "tpcb-like@1";
		argv[k++] = "-f";
		argv[k++] = sql;
	}
	argv[k++] = "postgres";
	argv[k] = NULL;
	return 0;
}

static int pg_run(struct app_env *e, struct app_run *r, char *err, size_t len)
{
	char out[PATH_MAX], secs[16], clients[16], prefix[PATH_MAX], sql[PATH_MAX + 8];
	char *argv[24];
	struct spawn_opts o = { .out = out };
	int rc;

	path_in(e, out, sizeof(out), "pgbench.out");
	path_in(e, prefix, sizeof(prefix), "pgl");
	snprintf(secs, sizeof(secs), "%d", (int)(e->duration_s + 0.5) > 0 ? (int)(e->duration_s + 0.5) : 1);
	if (pg_bench_argv(e, argv, clients, sizeof(clients), secs, prefix, sql, sizeof(sql), err, len))
		return -1;
	if ((rc = run_child(e, argv, &o, 60 + 2 * e->duration_s, err, len)))
		return rc;
	if (app_parse_pgbench(out, r)) {
		snprintf(err, len, "pgbench printed no tps");
		return -1;
	}
	pg_latencies(e, r);
	return 0;
}

static void pg_stop(struct app_env *e)
{
	stop_server(e, SIGINT, 15); /* fast shutdown */
}

/* Remove the files of a previous load whose names start with prefix. */
static void remove_prefixed(const struct app_env *e, const char *prefix)
{
	DIR *d = opendir(e->dir);
	struct dirent *de;
	char path[PATH_MAX + 300];

	if (!d)
		return;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix))) {
			snprintf(path, sizeof(path), "%s/%s", e->dir, de->d_name);
			unlink(path);
		}
	closedir(d);
}

static int64_t epoch_shift_ns(void)
{
	struct timespec rt;
	uint64_t m0 = now_ns(), m1;

	clock_gettime(CLOCK_REALTIME, &rt);
	m1 = now_ns();
	return (int64_t)rt.tv_sec * 1000000000LL + rt.tv_nsec - (int64_t)(m0 / 2 + m1 / 2);
}

/* The windowed method's load: one pgbench for the whole probe set, its
 * per-transaction log (-l) the op counter. pgbench stamps each line with
 * its monotonic clock shifted to the epoch once at start; the same shift,
 * taken here, brings the lines back to now_ns's clock (microseconds). */
static int pg_load_start(struct app_env *e, char *err, size_t len)
{
	char out[PATH_MAX], clients[16], prefix[PATH_MAX], sql[PATH_MAX + 8];
	char *argv[24];
	struct spawn_opts o = { .out = out };

	remove_prefixed(e, "pgw.");
	path_in(e, out, sizeof(out), "pgbench-load.out");
	path_in(e, prefix, sizeof(prefix), "pgw");
	if (pg_bench_argv(e, argv, clients, sizeof(clients), "86400", prefix, sql, sizeof(sql), err,
			  len))
		return -1;
	e->epoch_shift_ns = epoch_shift_ns();
	return load_spawn(e, argv, &o, err, len);
}

int app_load_alive(struct app_env *e, char *err, size_t len)
{
	char out[PATH_MAX], tail[256];
	int status;

	if (e->load <= 0 || waitpid(e->load, &status, WNOHANG) != e->load)
		return 0;
	e->load = 0;
	path_in(e, out, sizeof(out), e->sc->script ? "app-load.out" : "pgbench-load.out");
	snprintf(err, len, "%s's load exited during the windows: %s", e->sc->name,
		 last_line(out, tail, sizeof(tail)));
	return -1;
}

static int pg_ops_log(struct app_env *e, struct app_oplog *log, char *err, size_t len)
{
	DIR *d = opendir(e->dir);
	struct dirent *de;
	int files = 0;

	log->complete_ns = UINT64_MAX;
	while (d && (de = readdir(d))) {
		char path[PATH_MAX + 300];
		uint64_t last;

		if (strncmp(de->d_name, "pgw.", 4))
			continue;
		snprintf(path, sizeof(path), "%s/%s", e->dir, de->d_name);
		last = app_parse_pgbench_log(path, e->epoch_shift_ns, log);
		files++;
		if (last < log->complete_ns)
			log->complete_ns = last;
	}
	if (d)
		closedir(d);
	if (!files || !log->n) {
		char out[PATH_MAX], tail[256];
		path_in(e, out, sizeof(out), "pgbench-load.out");
		snprintf(err, len, "pgbench wrote no transaction log: %s",
			 last_line(out, tail, sizeof(tail)));
		return -1;
	}
	app_oplog_sort(log);
	return 0;
}

/* ---- scripts: python-gc, node ---- */

/* The scripts print one JSON line at the end: {"ops", "seconds", "p50_ms",
 * "p99_ms", "p999_ms"}; the last such line counts. */
int app_parse_script_json(const char *path, struct app_run *r)
{
	char line[1024], last[1024] = "";
	json_object *j;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (line[0] == '{')
			snprintf(last, sizeof(last), "%s", line);
	fclose(f);
	j = last[0] ? json_tokener_parse(last) : NULL;
	if (!j)
		return -1;
	r->ops = jget_num(j, "ops");
	r->seconds = jget_num(j, "seconds");
	r->throughput = r->seconds > 0 ? r->ops / r->seconds : NAN;
	r->p50_ms = jget_num(j, "p50_ms");
	r->p99_ms = jget_num(j, "p99_ms");
	r->p999_ms = jget_num(j, "p999_ms");
	json_object_put(j);
	return r->throughput > 0 ? 0 : -1;
}

static int script_run(struct app_env *e, struct app_run *r, char *err, size_t len)
{
	char out[PATH_MAX], script[PATH_MAX + 64], secs[32], rel[16];
	char *argv[] = { e->bin[0], script, secs, NULL, NULL, NULL };
	struct spawn_opts o = { .out = out, .in_cgroup = true };
	int rc;

	path_in(e, out, sizeof(out), "app.out");
	snprintf(script, sizeof(script), "%s/%s", e->apps_dir, e->sc->script);
	snprintf(secs, sizeof(secs), "%.3f", e->duration_s);
	if (e->release) {
		snprintf(rel, sizeof(rel), "%d", e->sc->release_per_op);
		argv[3] = "--release";
		argv[4] = rel;
		o.env_add = e->sc->release_env;
	}
	if ((rc = run_child(e, argv, &o, 60 + 3 * e->duration_s, err, len)))
		return rc;
	if (app_parse_script_json(out, r)) {
		snprintf(err, len, "%s printed no JSON result with ops", e->sc->script);
		return -1;
	}
	return 0;
}

static int script_setup(struct app_env *e, char *err, size_t len)
{
	struct app_run warm;
	double d = e->duration_s;
	int rc;

	version_of(e, e->bin[0], "--version");
	e->duration_s = 1; /* warm the page cache and check the script works */
	rc = script_run(e, &warm, err, len);
	e->duration_s = d;
	return rc;
}

/* The windowed method's load: the script runs until killed and writes a
 * line as each iteration ends (its own counter, read afterwards). */
static int script_load_start(struct app_env *e, char *err, size_t len)
{
	char out[PATH_MAX], script[PATH_MAX + 64], log[PATH_MAX], rel[16];
	char *argv[] = { e->bin[0], script, "0", "--log", log, NULL, NULL, NULL };
	struct spawn_opts o = { .out = out, .in_cgroup = true };

	path_in(e, out, sizeof(out), "app-load.out");
	path_in(e, log, sizeof(log), "iter.log");
	unlink(log);
	snprintf(script, sizeof(script), "%s/%s", e->apps_dir, e->sc->script);
	if (e->release) {
		snprintf(rel, sizeof(rel), "%d", e->sc->release_per_op);
		argv[5] = "--release";
		argv[6] = rel;
		o.env_add = e->sc->release_env;
	}
	return load_spawn(e, argv, &o, err, len);
}

static int script_ops_log(struct app_env *e, struct app_oplog *log, char *err, size_t len)
{
	char path[PATH_MAX], tail[256];

	path_in(e, path, sizeof(path), "iter.log");
	log->complete_ns = app_parse_iter_log(path, log);
	if (!log->n) {
		path_in(e, path, sizeof(path), "app-load.out");
		snprintf(err, len, "%s wrote no iteration: %s", e->sc->script,
			 last_line(path, tail, sizeof(tail)));
		return -1;
	}
	app_oplog_sort(log);
	return 0;
}

/* What the scripts share: each is its own load, one op an iteration. */
#define SCRIPT_SCENARIO                                                                   \
	.setup = script_setup, .run = script_run, .filter_note = "cgroup of the script",    \
	.default_duration_s = 2, .default_repeat = 10, .load_start = script_load_start,     \
	.load_stop = load_kill, .ops_log = script_ops_log, .ops_sequential = true,          \
	.op_counter = "the script's per-iteration log", .window_s = 0.1

const struct app_scenario app_scenarios[] = {
	{ .name = "redis", .desc = "maxmemory 64mb, allkeys-lru; redis-benchmark SET 1 KiB, -P 16",
	  .unit = "ops/s", .bins = { "redis-server", "redis-benchmark" },
	  .pkgs = { "redis-server", "redis-tools" },
	  .setup = redis_setup, .run = redis_run, .stop = redis_stop,
	  .filter_note = "cgroup of redis-server", .default_duration_s = 0.75, .default_repeat = 20,
	  .load_start = redis_load_start, .load_stop = redis_load_stop, .ops_read = redis_ops_read,
	  .op_counter = "redis INFO total_commands_processed", .warmup_s = 0.3,
	  .window_s = 0.1, .window_pairs = 160, .latency_run_s = 0.5,
	  .release_env = "MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0,tcache:false" },
	{ .name = "postgres", .desc = "postgres, shared_buffers 16MB; pgbench TPC-B-like, 4 clients",
	  .unit = "tps", .bins = { "initdb", "postgres", "pgbench" },
	  .pkgs = { "postgresql", "postgresql", "postgresql-client" },
	  .setup = pg_setup, .run = pg_run, .stop = pg_stop,
	  .filter_note = "cgroup of the postmaster and its backends", .default_duration_s = 2,
	  .default_repeat = 10, .load_start = pg_load_start, .load_stop = load_kill,
	  .ops_log = pg_ops_log, .op_counter = "pgbench per-transaction log (-l)", .warmup_s = 1,
	  .window_s = 0.05, .window_pairs = 300, .release_env = "MALLOC_MMAP_THRESHOLD_=65536",
	  .tmpfs_bytes = 2ULL << 30 },
	{ .name = "python-gc", .desc = "CPython: cyclic garbage, gc.collect() (apps/python_gc.py)",
	  .unit = "iter/s", .bins = { "python3" }, .pkgs = { "python3" }, .script = "python_gc.py",
	  SCRIPT_SCENARIO, .warmup_s = 1, .window_pairs = 160, .release_per_op = 8 },
	{ .name = "node", .desc = "Node.js: grows and drops its V8 heap (apps/node_heap.js)",
	  .unit = "iter/s", .bins = { "node" }, .pkgs = { "nodejs" }, .script = "node_heap.js",
	  SCRIPT_SCENARIO, .warmup_s = 2, .window_pairs = 180, .release_per_op = 2,
	  .release_env = "MALLOC_MMAP_THRESHOLD_=131072" },
};
const int nr_app_scenarios = ARRAY_SIZE(app_scenarios);
const char *const app_names[] = { "redis", "postgres", "python-gc", "node" };
