// SPDX-License-Identifier: GPL-2.0
#include "core/workload.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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

/* The same three over larger regions (the directive's madvise pattern
 * test, 4 KiB to 2 MiB, and munmap of larger mappings): one op function
 * each, since the uprobe hooks attach to a workload's own function. */
#define SIZED_OPS(sfx)                                                             \
	__attribute__((noinline, used)) long bpfcost_op_munmap_##sfx(struct wl_ctx *c) \
	{                                                                          \
		return bpfcost_op_munmap(c);                                       \
	}                                                                          \
	__attribute__((noinline, used)) long bpfcost_op_madvise_##sfx(struct wl_ctx *c) \
	{                                                                          \
		return bpfcost_op_madvise(c);                                      \
	}                                                                          \
	__attribute__((noinline, used)) long bpfcost_op_madvise_free_##sfx(struct wl_ctx *c) \
	{                                                                          \
		return bpfcost_op_madvise_free(c);                                 \
	}
SIZED_OPS(64k)
SIZED_OPS(2m)

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

/* Larger regions are 4 KiB pages, whatever the host's transparent huge
 * page setting: a 2 MiB region that happened to be one huge page would
 * release one page, not 512, and sizes would not compare. THP is off for
 * the process (PR_SET_THP_DISABLE: no syscall a probe could count) while
 * any sized workload is set up; several rows may be at once. */
static int thp_refs, thp_was;

static void thp_off(void)
{
	if (thp_refs++ == 0) {
		thp_was = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) > 0;
		prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	}
}

static void thp_back(void)
{
	if (thp_refs > 0 && --thp_refs == 0)
		prctl(PR_SET_THP_DISABLE, thp_was, 0, 0, 0);
}

/* The sized madvise workloads: a region of len bytes, touched before each
 * op (untimed) so that the op has every page to release. */
static int sized_init(struct wl_ctx *c, size_t len)
{
	thp_off();
	c->len = len;
	c->region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->region == MAP_FAILED) {
		c->region = NULL;
		thp_back();
		return -1;
	}
	return 0;
}

static void sized_fini(struct wl_ctx *c)
{
	region_fini(c);
	thp_back();
}

/* The sized munmap workloads: THP off from init to fini; before each op a
 * fresh mapping of len bytes, populated by the kernel (MAP_POPULATE writes
 * every page in, as touching would, without a fault each). */
static int sized_munmap_init(struct wl_ctx *c, size_t len)
{
	thp_off();
	c->len = len;
	c->region = NULL;
	return 0;
}

static void sized_munmap_fini(struct wl_ctx *c)
{
	thp_back();
}

static void sized_munmap_prep(struct wl_ctx *c)
{
	c->region = (void *)syscall(SYS_mmap, NULL, c->len, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (c->region == MAP_FAILED)
		c->region = NULL;
}

#define SIZED_SETUP(sfx, bytes)                                                            \
	static int madvise_##sfx##_init(struct wl_ctx *c) { return sized_init(c, bytes); } \
	static int munmap_##sfx##_init(struct wl_ctx *c) { return sized_munmap_init(c, bytes); }
SIZED_SETUP(64k, 64 * 1024)
SIZED_SETUP(2m, 2 * 1024 * 1024)

/* The workloads, one entry each, in the order of --help, error messages
 * and rows: X(name, syscall, nr, bytes, init, fini, prep, description).
 * Its timed op is bpfcost_op_<name>() above, making one traced syscall
 * (the uprobes attach to it by that name); bytes is the memory one op
 * releases (0: none); init, fini and prep are functions above or NULL
 * (see struct workload). workloads[] and workload_names[] (--workload)
 * come from this list: adding a workload is an entry here and its op
 * (and its name in sweep's --workload help, which lists them all). */
#define WORKLOADS(X)                                                                   \
	X(getpid, "getpid", SYS_getpid, 0, NULL, NULL, NULL,                           \
	  "getpid(2): the cheapest syscall, the classic reference")                    \
	X(munmap, "munmap", SYS_munmap, PAGE, NULL, NULL, munmap_prep,                 \
	  "mmap + touch 4 KiB (untimed), munmap timed")                                \
	X(madvise, "madvise", SYS_madvise, PAGE, region_init, region_fini, touch,      \
	  "touch 4 KiB (untimed), madvise(MADV_DONTNEED) timed")                       \
	X(storm, "munmap", SYS_munmap, PAGE, NULL, NULL, NULL,                         \
	  "mmap + memset + munmap of 4 KiB, all timed (the entropy storm)")            \
	X(madvise_free, "madvise", SYS_madvise, PAGE, region_init, region_fini, touch, \
	  "touch 4 KiB (untimed), madvise(MADV_FREE) timed")                           \
	X(munmap_64k, "munmap", SYS_munmap, 64 * 1024, munmap_64k_init,                \
	  sized_munmap_fini, sized_munmap_prep,                                        \
	  "mmap 64 KiB populated (untimed), munmap timed")                             \
	X(munmap_2m, "munmap", SYS_munmap, 2 * 1024 * 1024, munmap_2m_init,            \
	  sized_munmap_fini, sized_munmap_prep,                                        \
	  "mmap 2 MiB populated, 4 KiB pages (untimed), munmap timed")                 \
	X(madvise_64k, "madvise", SYS_madvise, 64 * 1024, madvise_64k_init,            \
	  sized_fini, touch, "touch 64 KiB (untimed), madvise(MADV_DONTNEED) timed")   \
	X(madvise_2m, "madvise", SYS_madvise, 2 * 1024 * 1024, madvise_2m_init,        \
	  sized_fini, touch, "touch 2 MiB, 4 KiB pages (untimed), MADV_DONTNEED timed") \
	X(madvise_free_64k, "madvise", SYS_madvise, 64 * 1024, madvise_64k_init,       \
	  sized_fini, touch, "touch 64 KiB (untimed), madvise(MADV_FREE) timed")       \
	X(madvise_free_2m, "madvise", SYS_madvise, 2 * 1024 * 1024, madvise_2m_init,   \
	  sized_fini, touch, "touch 2 MiB, 4 KiB pages (untimed), MADV_FREE timed")

#define WORKLOAD_(name, syscall, nr, bytes, init, fini, prep, desc) \
	{ #name, desc, syscall, nr, "bpfcost_op_" #name, init, fini, prep, bpfcost_op_##name, bytes },
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
