// SPDX-License-Identifier: GPL-2.0
#include "core/workload.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096

/* The ops are global, noinline functions: their addresses are what the
 * uprobe hooks attach to (by name, from our own symbol table), and each
 * makes exactly one traced syscall. */
__attribute__((noinline, used)) long bpfcost_op_getpid(struct wl_ctx *c)
{
	/* syscall(): glibc's getpid() could be served from a cache. */
	return syscall(SYS_getpid);
}

__attribute__((noinline, used)) long bpfcost_op_munmap(struct wl_ctx *c)
{
	return syscall(SYS_munmap, c->region, c->len);
}

__attribute__((noinline, used)) long bpfcost_op_madvise(struct wl_ctx *c)
{
	return syscall(SYS_madvise, c->region, c->len, MADV_DONTNEED);
}

/* storm: the directive's entropy storm, one op = mmap + memset + munmap of
 * 4 KiB, all three timed: in a storm the application pays all three per
 * event. The traced syscall (one per op) is the munmap; the mmap goes
 * through syscall() so glibc adds nothing. */
__attribute__((noinline, used)) long bpfcost_op_storm(struct wl_ctx *c)
{
	void *p = (void *)syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	memset(p, 0xab, 4096);
	return syscall(SYS_munmap, p, 4096);
}

__attribute__((noinline, used)) long bpfcost_op_madvise_free(struct wl_ctx *c)
{
	return syscall(SYS_madvise, c->region, c->len, MADV_FREE);
}

static void touch(struct wl_ctx *c)
{
	for (size_t off = 0; off < c->len; off += PAGE)
		((volatile char *)c->region)[off] = (char)c->seq;
	c->seq++;
}

/* munmap: map and touch 4 KiB (untimed), then time the munmap. The mmap
 * goes through syscall() as well: glibc must not add other calls. */
static void munmap_prep(struct wl_ctx *c)
{
	c->len = PAGE;
	c->region = (void *)syscall(SYS_mmap, NULL, PAGE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->region == MAP_FAILED)
		c->region = NULL;
	else
		touch(c);
}

static int region_init(struct wl_ctx *c)
{
	c->len = PAGE;
	c->region = mmap(NULL, c->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return c->region == MAP_FAILED ? -1 : 0;
}

static void region_fini(struct wl_ctx *c)
{
	if (c->region && c->region != MAP_FAILED)
		munmap(c->region, c->len);
	c->region = NULL;
}

/* The workloads, one entry each, in the order of --help, error messages
 * and rows: X(name, syscall, nr, init, fini, prep, description). Its timed
 * op is bpfcost_op_<name>() above, making one traced syscall (the uprobes
 * attach to it by that name); init, fini and prep are functions above or
 * NULL (see struct workload). workloads[] and workload_names[] (--workload)
 * come from this list: adding a workload is an entry here and its op
 * (and its name in sweep's --workload help, which lists them all). */
#define WORKLOADS(X)                                                               \
	X(getpid, "getpid", SYS_getpid, NULL, NULL, NULL,                          \
	  "getpid(2): the cheapest syscall, the classic reference")                \
	X(munmap, "munmap", SYS_munmap, NULL, NULL, munmap_prep,                   \
	  "mmap + touch 4 KiB (untimed), munmap timed")                            \
	X(madvise, "madvise", SYS_madvise, region_init, region_fini, touch,        \
	  "touch 4 KiB (untimed), madvise(MADV_DONTNEED) timed")                   \
	X(storm, "munmap", SYS_munmap, NULL, NULL, NULL,                           \
	  "mmap + memset + munmap of 4 KiB, all timed (the entropy storm)")        \
	X(madvise_free, "madvise", SYS_madvise, region_init, region_fini, touch,   \
	  "touch 4 KiB (untimed), madvise(MADV_FREE) timed")

#define WORKLOAD_(name, syscall, nr, init, fini, prep, desc) \
	{ #name, desc, syscall, nr, "bpfcost_op_" #name, init, fini, prep, bpfcost_op_##name },
const struct workload workloads[] = { WORKLOADS(WORKLOAD_) };
const int nr_workloads = sizeof(workloads) / sizeof(workloads[0]);
#define WORKLOAD_NAME_(name, ...) #name,
const char *const workload_names[] = { WORKLOADS(WORKLOAD_NAME_) };

const struct workload *workload_find(const char *name)
{
	for (int i = 0; i < nr_workloads; i++)
		if (!strcmp(workloads[i].name, name))
			return &workloads[i];
	return NULL;
}
