// SPDX-License-Identifier: GPL-2.0
/* What a run changes on the host, recorded under /run/bpfcost so that it
 * is put back even when the run cannot do it itself (hoststate.h).
 *
 * The record: a lock file, a state file with one line per change
 * ("KEY PREV HOLDER..."), and one holder file per running bpfcost process
 * that holds something. A holder keeps an flock on its own file for as
 * long as it lives; the kernel drops it when the process dies, however it
 * dies, so "is this holder alive" is a non-blocking flock that fails. That
 * works across PID namespaces (a PID would not), as long as both see the
 * same /run. */
#include "core/hoststate.h"
#include "core/kernel.h"
#include "base/util.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define TRACEFS_MAGIC_NR 0x74726163

#define MAX_ENTRIES 32
#define MAX_HOLDERS 16
#define TOKEN_LEN 32

struct entry {
	char key[96];   /* "rcu_expedited", "instance:bpfcost-123", ... */
	char prev[24];  /* the value to put back ("-" for instances) */
	char holders[MAX_HOLDERS][TOKEN_LEN];
	int nholders;
};

struct state {
	struct entry e[MAX_ENTRIES];
	int n;
};

/* ---- the knobs ---- */

static int tracefs_state_read(char *buf, size_t len)
{
	struct statfs sf;

	snprintf(buf, len, "%s",
		 !statfs(TRACEFS, &sf) && sf.f_type == TRACEFS_MAGIC_NR ? "mounted" : "unmounted");
	return 0;
}

static int tracefs_state_write(const char *v)
{
	char cur[16];

	tracefs_state_read(cur, sizeof(cur));
	if (!strcmp(cur, v))
		return 0;
	if (!strcmp(v, "mounted"))
		return mount("tracefs", TRACEFS, "tracefs", 0, NULL) ? -errno : 0;
	return umount2(TRACEFS, MNT_DETACH) ? -errno : 0;
}

static const struct knob {
	const char *key;
	const char *path; /* the file that holds it; NULL: read/write below */
	const char *what; /* in messages */
	int (*read)(char *buf, size_t len);
	int (*write)(const char *v);
} knobs[NR_HOST_KNOBS] = {
	[HOST_RCU_EXPEDITED] = { "rcu_expedited", "/sys/kernel/rcu_expedited",
				 "/sys/kernel/rcu_expedited" },
	[HOST_BPF_STATS] = { "bpf_stats_enabled", "/proc/sys/kernel/bpf_stats_enabled",
			     "kernel.bpf_stats_enabled" },
	[HOST_PRINTK_EVENT] = { "printk_event", TRACEFS "/" PRINTK_EVENT_ENABLE,
				"the bpf_trace_printk event (" TRACEFS "/" PRINTK_EVENT_ENABLE ")" },
	[HOST_TRACEFS] = { "tracefs_mount", NULL, "tracefs at " TRACEFS, tracefs_state_read,
			   tracefs_state_write },
};

static int knob_read(enum host_knob k, char *buf, size_t len)
{
	int n;

	if (knobs[k].read)
		return knobs[k].read(buf, len);
	n = read_small_file(knobs[k].path, buf, len);
	return n < 0 ? n : n == 0 ? -ENODATA : 0;
}

static int knob_write(enum host_knob k, const char *v)
{
	if (knobs[k].write)
		return knobs[k].write(v);
	return write_small_file(knobs[k].path, v, 0);
}

static int knob_of(const char *key)
{
	for (int k = 0; k < NR_HOST_KNOBS; k++)
		if (!strcmp(knobs[k].key, key))
			return k;
	return -1;
}

/* ---- the record ---- */

const char *hoststate_dir(void)
{
	const char *d = getenv("BPFCOST_RUN_DIR");

	return d && *d ? d : "/run/bpfcost";
}

static void record_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", hoststate_dir(), name);
}

/* The record's lock, taken (blocking; a signal does not stop it: what
 * follows must finish). -errno when there is no record and create is
 * false, or it cannot be made. Taken again by the process that holds it
 * (a restore that mounts tracefs, a load under printk_guard), it nests:
 * a second open file description would wait for the first forever.
 * Threads (attach runs on the consumer's CPU) take the mutex first. */
static pthread_mutex_t lock_mu = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static int lock_fd = -1, lock_depth;

static int record_lock(bool create)
{
	char path[PATH_MAX];
	int fd, e;

	pthread_mutex_lock(&lock_mu);
	if (lock_fd >= 0) {
		lock_depth++;
		return lock_fd;
	}
	if (create && mkdir(hoststate_dir(), 0755) && errno != EEXIST)
		goto fail;
	record_path(path, sizeof(path), "lock");
	fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
	if (fd < 0)
		goto fail;
	while (flock(fd, LOCK_EX))
		if (errno != EINTR) {
			e = errno;
			close(fd);
			errno = e;
			goto fail;
		}
	lock_fd = fd;
	lock_depth = 1;
	return fd;
fail:
	e = -errno;
	pthread_mutex_unlock(&lock_mu);
	return e;
}

static void record_unlock(int fd)
{
	if (fd < 0 || fd != lock_fd)
		return;
	if (--lock_depth == 0) {
		close(fd); /* drops the flock */
		lock_fd = -1;
	}
	pthread_mutex_unlock(&lock_mu);
}

static void state_read(struct state *st)
{
	char path[PATH_MAX], line[1024];
	FILE *f;

	memset(st, 0, sizeof(*st));
	record_path(path, sizeof(path), "state");
	f = fopen(path, "re");
	if (!f)
		return;
	while (st->n < MAX_ENTRIES && fgets(line, sizeof(line), f)) {
		struct entry *e = &st->e[st->n];
		char *save = NULL, *tok = strtok_r(line, " \n", &save);

		if (!tok || *tok == '#')
			continue;
		snprintf(e->key, sizeof(e->key), "%s", tok);
		tok = strtok_r(NULL, " \n", &save);
		if (!tok)
			continue;
		snprintf(e->prev, sizeof(e->prev), "%s", tok);
		e->nholders = 0;
		while ((tok = strtok_r(NULL, " \n", &save)) && e->nholders < MAX_HOLDERS)
			snprintf(e->holders[e->nholders++], TOKEN_LEN, "%s", tok);
		st->n++;
	}
	fclose(f);
}

static int state_write(const struct state *st)
{
	char path[PATH_MAX], buf[MAX_ENTRIES * (96 + 24 + MAX_HOLDERS * TOKEN_LEN + 4) + 128];
	size_t off;

	record_path(path, sizeof(path), "state");
	if (!st->n)
		return unlink(path) && errno != ENOENT ? -errno : 0;
	off = (size_t)snprintf(buf, sizeof(buf),
			       "# bpfcost: what runs changed on this host: KEY PREV HOLDER...\n");
	for (int i = 0; i < st->n; i++) {
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s %s", st->e[i].key,
					st->e[i].prev);
		for (int h = 0; h < st->e[i].nholders; h++)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, " %s", st->e[i].holders[h]);
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "\n");
	}
	return write_file_atomic(path, buf, off);
}

static struct entry *state_find(struct state *st, const char *key)
{
	for (int i = 0; i < st->n; i++)
		if (!strcmp(st->e[i].key, key))
			return &st->e[i];
	return NULL;
}

static void state_drop(struct state *st, struct entry *e)
{
	int i = (int)(e - st->e);

	memmove(&st->e[i], &st->e[i + 1], (size_t)(st->n - i - 1) * sizeof(*e));
	st->n--;
}

/* ---- holders ---- */

static int holder_fd = -1;
static char holder_token[TOKEN_LEN];

/* Our holder file, locked for as long as we live. Under the record's
 * lock, so that nobody takes it for a dead one's meanwhile. */
static int holder_ensure(void)
{
	char path[PATH_MAX];
	unsigned int nonce = 0;

	if (holder_fd >= 0)
		return 0;
	if (getrandom(&nonce, sizeof(nonce), GRND_NONBLOCK) != sizeof(nonce))
		nonce = (unsigned int)now_ns();
	snprintf(holder_token, sizeof(holder_token), "h-%d-%08x", (int)getpid(), nonce);
	record_path(path, sizeof(path), holder_token);
	holder_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (holder_fd < 0)
		return -errno;
	if (flock(holder_fd, LOCK_EX | LOCK_NB)) {
		int e = -errno;

		close(holder_fd);
		holder_fd = -1;
		return e;
	}
	return 0;
}

/* Alive: its holder file is locked by someone (a new open file
 * description conflicts even with our own lock). A dead one's file goes. */
static bool holder_alive(const char *token)
{
	char path[PATH_MAX];
	int fd;

	if (holder_fd >= 0 && !strcmp(token, holder_token))
		return true;
	if (strncmp(token, "h-", 2) || strchr(token, '/'))
		return false;
	record_path(path, sizeof(path), token);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return errno == EWOULDBLOCK;
	}
	unlink(path);
	close(fd);
	return false;
}

static void prune(struct entry *e)
{
	int k = 0;

	for (int h = 0; h < e->nholders; h++)
		if (holder_alive(e->holders[h]))
			memmove(e->holders[k++], e->holders[h], TOKEN_LEN);
	e->nholders = k;
}

static bool add_holder(struct entry *e)
{
	for (int h = 0; h < e->nholders; h++)
		if (!strcmp(e->holders[h], holder_token))
			return true;
	if (e->nholders == MAX_HOLDERS)
		return false;
	snprintf(e->holders[e->nholders++], TOKEN_LEN, "%s", holder_token);
	return true;
}

static void remove_holder(struct entry *e)
{
	int k = 0;

	for (int h = 0; h < e->nholders; h++)
		if (strcmp(e->holders[h], holder_token))
			memmove(e->holders[k++], e->holders[h], TOKEN_LEN);
	e->nholders = k;
}

/* ---- putting things back ---- */

static int instance_path(char *buf, size_t len, const char *name)
{
	if (strchr(name, '/') || !strncmp(name, "..", 2))
		return -EINVAL;
	snprintf(buf, len, TRACEFS "/instances/%s", name);
	return 0;
}

/* Put an entry's original back. 0, or -errno. */
static int entry_restore(const struct entry *e)
{
	int k = knob_of(e->key);

	if (!strncmp(e->key, "instance:", 9)) {
		char dir[PATH_MAX];
		int err = instance_path(dir, sizeof(dir), e->key + 9);

		if (err)
			return err;
		if ((err = tracefs_ensure()))
			return err;
		return rmdir(dir) && errno != ENOENT ? -errno : 0;
	}
	if (k < 0)
		return -EINVAL;
	if (k == HOST_PRINTK_EVENT) {
		int err = tracefs_ensure();

		if (err)
			return err;
	}
	return knob_write(k, e->prev);
}

static const char *entry_what(const struct entry *e, char *buf, size_t len)
{
	int k = knob_of(e->key);

	if (!strncmp(e->key, "instance:", 9))
		snprintf(buf, len, "removed the trace instance %s/instances/%s", TRACEFS, e->key + 9);
	else if (k == HOST_TRACEFS)
		snprintf(buf, len, "unmounted %s", TRACEFS);
	else
		snprintf(buf, len, "restored %s to %s", k >= 0 ? knobs[k].what : e->key, e->prev);
	return buf;
}

void hoststate_recover(void)
{
	struct state st;
	char path[PATH_MAX];
	int fd, changed = 0;

	record_path(path, sizeof(path), "state");
	if (access(path, R_OK))
		return;
	if ((fd = record_lock(false)) < 0)
		return;
	state_read(&st);
	/* tracefs last: the other entries may need it mounted */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < st.n; i++) {
			struct entry *e = &st.e[i];
			char what[256];
			int err;

			if ((knob_of(e->key) == HOST_TRACEFS) != (pass == 1))
				continue;
			prune(e);
			if (e->nholders)
				continue;
			entry_what(e, what, sizeof(what));
			if ((err = entry_restore(e))) {
				info_msg("a bpfcost run that ended left %s changed; cannot put it back: %s",
					 e->key, strerror(-err));
				continue;
			}
			fprintf(stderr, "bpfcost%s%s: %s (a bpfcost run ended without putting it back)\n",
				cmd_name ? " " : "", cmd_name ? cmd_name : "", what);
			state_drop(&st, e);
			i--;
			changed++;
		}
	if (changed)
		state_write(&st);
	record_unlock(fd);
}

/* ---- holding a knob ---- */

static bool held[NR_HOST_KNOBS];

int hoststate_hold(enum host_knob k, const char *want)
{
	struct state st;
	struct entry *e;
	char cur[24];
	bool created = false;
	int fd, err;

	if (held[k])
		return 1;
	if ((fd = record_lock(true)) < 0)
		return fd;
	state_read(&st);
	e = state_find(&st, knobs[k].key);
	if (e)
		prune(e); /* a dead run's entry: its original stays the one to put back */
	if (!e) {
		if ((err = knob_read(k, cur, sizeof(cur))))
			goto out;
		if (!strcmp(cur, want)) {
			err = 0; /* already so, and nobody's to put back */
			goto out;
		}
		if (st.n == MAX_ENTRIES) {
			err = -ENOSPC;
			goto out;
		}
		e = &st.e[st.n++];
		memset(e, 0, sizeof(*e));
		snprintf(e->key, sizeof(e->key), "%s", knobs[k].key);
		snprintf(e->prev, sizeof(e->prev), "%s", cur);
		created = true;
	}
	if ((err = holder_ensure()) || !add_holder(e) || (err = state_write(&st))) {
		err = err ? err : -ENOSPC;
		goto out;
	}
	if ((err = knob_write(k, want))) {
		/* not changed after all: nothing to put back for us (a dead
		 * run's entry stays, for the next run to restore) */
		remove_holder(e);
		if (created)
			state_drop(&st, e);
		state_write(&st);
		goto out;
	}
	held[k] = true;
	err = 1;
out:
	record_unlock(fd);
	return err;
}

bool hoststate_holding(enum host_knob k)
{
	return held[k];
}

void hoststate_release(enum host_knob k)
{
	struct state st;
	struct entry *e;
	int fd;

	if (!held[k])
		return;
	held[k] = false;
	if ((fd = record_lock(false)) < 0)
		return;
	state_read(&st);
	e = state_find(&st, knobs[k].key);
	if (e) {
		remove_holder(e);
		prune(e);
		if (!e->nholders) {
			int err = knob_write(k, e->prev);

			if (err)
				warn_msg("could not restore %s to %s: %s", knobs[k].what, e->prev,
					 strerror(-err));
			state_drop(&st, e);
		}
		state_write(&st);
	}
	record_unlock(fd);
}

/* ---- the bpf_trace_printk event around a load ---- */

void printk_guard_begin(struct printk_guard *g)
{
	struct state st;
	struct entry *e;

	memset(g, 0, sizeof(*g));
	g->lock_fd = -1;
	if (tracefs_ensure() || knob_read(HOST_PRINTK_EVENT, g->prev, sizeof(g->prev)))
		return;
	g->have = true;
	/* Held until end: another bpfcost process's load in between would
	 * otherwise see our load's change as the original. */
	if ((g->lock_fd = record_lock(true)) < 0 || holder_ensure())
		return;
	state_read(&st);
	e = state_find(&st, knobs[HOST_PRINTK_EVENT].key);
	if (e) {
		/* a dead run's: its original is the one to put back */
		prune(e);
		snprintf(g->prev, sizeof(g->prev), "%s", e->prev);
	} else if (st.n < MAX_ENTRIES) {
		e = &st.e[st.n++];
		memset(e, 0, sizeof(*e));
		snprintf(e->key, sizeof(e->key), "%s", knobs[HOST_PRINTK_EVENT].key);
		snprintf(e->prev, sizeof(e->prev), "%s", g->prev);
	}
	if (e && add_holder(e))
		state_write(&st);
}

/* A program of obj that is loaded (autoload) and calls bpf_trace_printk
 * or bpf_trace_vprintk. */
static bool obj_calls_printk(const struct bpf_object *obj)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		const struct bpf_insn *in = bpf_program__insns(p);
		size_t n = bpf_program__insn_cnt(p);

		if (!bpf_program__autoload(p) || !in)
			continue;
		for (size_t i = 0; i < n; i++)
			if (in[i].code == (BPF_JMP | BPF_CALL) && in[i].src_reg == 0 &&
			    (in[i].imm == BPF_FUNC_trace_printk || in[i].imm == BPF_FUNC_trace_vprintk))
				return true;
	}
	return false;
}

#define PRINTK_QUIET_NS 200000000ULL

static void printk_put_back(const struct printk_guard *g)
{
	int err = knob_write(HOST_PRINTK_EVENT, g->prev);

	if (err)
		warn_msg("could not restore %s to %s: %s", knobs[HOST_PRINTK_EVENT].what, g->prev,
			 strerror(-err));
}

bool printk_guard_end(struct printk_guard *g, const struct bpf_object *obj)
{
	struct state st;
	struct entry *e;
	char cur[24];
	bool changed = false;

	if (!g->have)
		return false;
	/* The kernel turns the event on from a work item, queued each time
	 * the verifier looks the helper up (verification, then fix-ups):
	 * it can run after the load returned, and once more after we put
	 * the event back. Wait for it to turn on, put it back, and watch
	 * until it has stayed put for PRINTK_QUIET_NS. */
	if (obj && !strcmp(g->prev, "0") && obj_calls_printk(obj)) {
		uint64_t t = now_ns(), until = t + 2000000000ULL, quiet = 0; /* a busy host runs it late */

		for (; t < until; t = now_ns()) {
			if (!knob_read(HOST_PRINTK_EVENT, cur, sizeof(cur)) && strcmp(cur, g->prev)) {
				printk_put_back(g);
				changed = true;
				quiet = t;
			} else if (quiet && t - quiet >= PRINTK_QUIET_NS) {
				break;
			}
			usleep(1000);
		}
	}
	if (!knob_read(HOST_PRINTK_EVENT, cur, sizeof(cur)) && strcmp(cur, g->prev)) {
		printk_put_back(g);
		changed = true;
	}
	if (g->lock_fd >= 0) {
		state_read(&st);
		if ((e = state_find(&st, knobs[HOST_PRINTK_EVENT].key))) {
			remove_holder(e);
			prune(e);
			if (!e->nholders)
				state_drop(&st, e);
			state_write(&st);
		}
		record_unlock(g->lock_fd);
	}
	g->lock_fd = -1;
	g->have = false;
	return changed;
}

/* ---- trace instances ---- */

#define MAX_INSTANCES 4
static char instances[MAX_INSTANCES][64];

static int instance_record(const char *name, bool add)
{
	struct state st;
	struct entry *e;
	char key[96];
	int fd, err = 0;

	snprintf(key, sizeof(key), "instance:%s", name);
	if ((fd = record_lock(add)) < 0)
		return fd;
	state_read(&st);
	e = state_find(&st, key);
	if (add) {
		if ((err = holder_ensure()))
			goto out;
		if (!e) {
			if (st.n == MAX_ENTRIES) {
				err = -ENOSPC;
				goto out;
			}
			e = &st.e[st.n++];
			memset(e, 0, sizeof(*e));
			snprintf(e->key, sizeof(e->key), "%s", key);
			snprintf(e->prev, sizeof(e->prev), "-");
		}
		err = add_holder(e) ? state_write(&st) : -ENOSPC;
	} else if (e) {
		remove_holder(e);
		prune(e);
		if (!e->nholders)
			state_drop(&st, e);
		err = state_write(&st);
	}
out:
	record_unlock(fd);
	return err;
}

int trace_instance_create(char *dir, size_t len)
{
	char name[64];
	int slot, err = -EEXIST;

	for (slot = 0; slot < MAX_INSTANCES && instances[slot][0]; slot++)
		;
	if (slot == MAX_INSTANCES)
		return -ENOSPC;
	if ((err = tracefs_ensure()))
		return err;
	/* bpfcost-PID; another PID namespace may have a run of the same PID */
	for (int n = 0; n < 16; n++) {
		if (n)
			snprintf(name, sizeof(name), "bpfcost-%d-%d", (int)getpid(), n);
		else
			snprintf(name, sizeof(name), "bpfcost-%d", (int)getpid());
		if ((err = instance_record(name, true)))
			return err;
		instance_path(dir, len, name);
		if (!mkdir(dir, 0700)) {
			snprintf(instances[slot], sizeof(instances[slot]), "%s", name);
			return 0;
		}
		err = -errno;
		if (err != -EEXIST) {
			instance_record(name, false);
			return err;
		}
		instance_record(name, false); /* someone else's: our holder goes */
	}
	return err;
}

int trace_instance_printk(char *dir, size_t len)
{
	char path[PATH_MAX];
	int err = trace_instance_create(dir, len);

	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/" PRINTK_EVENT_ENABLE, dir);
	if ((err = write_small_file(path, "1", 0)))
		trace_instance_remove(dir);
	return err;
}

void trace_instance_remove(const char *dir)
{
	const char *name = strrchr(dir, '/');

	name = name ? name + 1 : dir;
	for (int i = 0; i < MAX_INSTANCES; i++) {
		if (strcmp(instances[i], name))
			continue;
		if (rmdir(dir) && errno != ENOENT)
			warn_msg("could not remove the trace instance %s: %s", dir, strerror(errno));
		else
			instance_record(name, false);
		instances[i][0] = '\0';
	}
}

/* ---- tracefs ---- */

static bool tracefs_private; /* mounted in our own mount namespace */

int tracefs_ensure(void)
{
	static bool joined;
	struct stat st;
	int r, seen = stat(TRACEFS "/events", &st) ? errno : 0, unshared;

	if (!seen || !stat("/sys/kernel/debug/tracing/events", &st)) {
		/* Mounted for everyone by another bpfcost run? Then hold it
		 * too, or it goes when that run ends. */
		if (!joined && !tracefs_private && !held[HOST_TRACEFS] && lock_fd < 0) {
			struct state s;
			struct entry *e;
			int fd = record_lock(false);

			joined = true;
			if (fd >= 0) {
				state_read(&s);
				e = state_find(&s, knobs[HOST_TRACEFS].key);
				if (e)
					prune(e);
				record_unlock(fd);
				if (e && e->nholders)
					hoststate_hold(HOST_TRACEFS, "mounted");
			}
		}
		return 0;
	}
	/* mounted, but this user may not look inside (tracefs is 0700 root) */
	if (seen == EACCES)
		return -EACCES;
	unshared = unshare(CLONE_NEWNS) ? errno : 0;
	if (!unshared && !mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) &&
	    !mount("tracefs", TRACEFS, "tracefs", 0, NULL)) {
		tracefs_private = true;
		return 0;
	}
	r = hoststate_hold(HOST_TRACEFS, "mounted");
	/* no record for a user who may not write /run: nor may it mount */
	return r == -EACCES && unshared == EPERM ? -EPERM : r < 0 ? r : 0;
}

const char *tracefs_event_unusable(const char *event, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct stat st;
	int err = tracefs_ensure(), fd;

	if (err == -EACCES) {
		snprintf(buf, len, "classic tracepoints need read access to tracefs, which this user "
			 "lacks (%s: %s; root or CAP_DAC_READ_SEARCH)", TRACEFS, strerror(-err));
		return buf;
	}
	if (err) {
		char miss[64];

		/* EPERM with CAP_SYS_ADMIN: a system call filter or a namespace
		 * restriction said no (a hardened service) */
		snprintf(buf, len, "tracefs is not mounted and mounting it failed: %s%s", strerror(-err),
			 err != -EPERM ? "" :
			 *privs_missing(NEED_SYS_ADMIN, miss, sizeof(miss)) ? " (it needs CAP_SYS_ADMIN)" :
			 " (refused despite CAP_SYS_ADMIN: a system call filter or namespace restriction)");
		return buf;
	}
	/* libbpf reads the event's id where tracefs is, as we do */
	snprintf(path, sizeof(path), "%s/events/%s/id",
		 stat(TRACEFS "/events", &st) ? "/sys/kernel/debug/tracing" : TRACEFS, event);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return NULL;
	}
	if (errno != EACCES && errno != EPERM)
		return NULL;
	snprintf(buf, len, "classic tracepoints need read access to tracefs, which this user "
		 "lacks (%s: %s; root or CAP_DAC_READ_SEARCH)", path, strerror(errno));
	return buf;
}

void tracefs_restore(void)
{
	hoststate_release(HOST_TRACEFS);
}

/* ---- expedited RCU ---- */

bool rcu_expedited_on(void)
{
	char buf[16];

	return !knob_read(HOST_RCU_EXPEDITED, buf, sizeof(buf)) && atoi(buf) != 0;
}

int rcu_expedite_begin(void)
{
	return hoststate_hold(HOST_RCU_EXPEDITED, "1");
}

void rcu_expedite_end(void)
{
	hoststate_release(HOST_RCU_EXPEDITED);
}

/* ---- our programs ---- */

static uint32_t *prog_ids;
static int nprog_ids, prog_ids_cap;

void hoststate_track_prog_fd(int fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) || !info.id)
		return;
	for (int i = 0; i < nprog_ids; i++)
		if (prog_ids[i] == info.id)
			return;
	if (nprog_ids == prog_ids_cap) {
		int cap = prog_ids_cap ? 2 * prog_ids_cap : 64;
		uint32_t *n = realloc(prog_ids, (size_t)cap * sizeof(*n));

		if (!n)
			return;
		prog_ids = n;
		prog_ids_cap = cap;
	}
	prog_ids[nprog_ids++] = info.id;
}

void hoststate_track_object(const struct bpf_object *obj)
{
	struct bpf_program *p;

	if (!obj)
		return;
	bpf_object__for_each_program(p, obj)
		hoststate_track_prog_fd(bpf_program__fd(p));
}

int hoststate_wait_progs_gone(int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	int left;

	for (;;) {
		left = 0;
		for (int i = 0; i < nprog_ids; i++) {
			int fd;

			if (!prog_ids[i])
				continue;
			fd = bpf_prog_get_fd_by_id(prog_ids[i]);
			if (fd >= 0) {
				close(fd);
				left++;
			} else if (errno == ENOENT) {
				prog_ids[i] = 0; /* ids are not reused soon: gone for good */
			} else {
				return -errno; /* EPERM: looking up by id needs CAP_SYS_ADMIN */
			}
		}
		if (!left || now_ns() >= deadline)
			return left;
		usleep(5000);
	}
}

void hoststate_end(void)
{
	int left;

	for (int i = 0; i < MAX_INSTANCES; i++)
		if (instances[i][0]) {
			char dir[PATH_MAX];

			instance_path(dir, sizeof(dir), instances[i]);
			trace_instance_remove(dir);
		}
	left = nprog_ids ? hoststate_wait_progs_gone(1000) : 0;
	if (left > 0) {
		char ids[256] = "";
		size_t off = 0;

		for (int i = 0; i < nprog_ids && off < sizeof(ids) - 12; i++)
			if (prog_ids[i])
				off += (size_t)snprintf(ids + off, sizeof(ids) - off, "%s%u", off ? " " : "",
							prog_ids[i]);
		warn_msg("%d of this run's BPF programs are still loaded 1 s after it ended "
			 "(ids %s): the kernel frees them when their last reference goes", left, ids);
	} else if (left < 0) {
		info_msg("cannot check that this run's BPF programs are gone: %s (looking a "
			 "program up by id needs CAP_SYS_ADMIN)", strerror(-left));
	}
	for (int k = 0; k < NR_HOST_KNOBS; k++)
		hoststate_release(k);
	if (holder_fd >= 0) {
		char path[PATH_MAX];

		record_path(path, sizeof(path), holder_token);
		unlink(path);
		close(holder_fd);
		holder_fd = -1;
	}
	zfree(&prog_ids);
	nprog_ids = prog_ids_cap = 0;
}

void hoststate_after_fork(void)
{
	/* the parent's holds, record lock, holder file (its flock stays with
	 * the parent's descriptor), instances and programs are the parent's */
	static const pthread_mutex_t fresh = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

	memset(held, 0, sizeof(held));
	/* a parent thread that held the record's lock at the fork holds its
	 * mutex in the child too, owned by a thread that does not exist here:
	 * the child would wait for it forever */
	memcpy(&lock_mu, &fresh, sizeof(lock_mu));
	if (lock_fd >= 0)
		close(lock_fd); /* the flock stays with the parent's descriptor */
	lock_fd = -1;
	lock_depth = 0;
	if (holder_fd >= 0)
		close(holder_fd);
	holder_fd = -1;
	holder_token[0] = '\0';
	memset(instances, 0, sizeof(instances));
	nprog_ids = 0;
}
