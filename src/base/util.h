/* SPDX-License-Identifier: GPL-2.0 */
/* Small shared helpers: messages, exit codes, signals, files. */
#ifndef BPFCOST_UTIL_H
#define BPFCOST_UTIL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_USAGE 2   /* bad flags or names */
#define EXIT_RUNTIME 1 /* the kernel or the system said no */
#define EXIT_INTERRUPTED 130 /* SIGINT or SIGTERM before the run was done */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* free(*pp) and clear it, so that freeing it again is harmless (libbpf's
 * and perf's zfree). */
#define zfree(pp)             \
	do {                  \
		free(*(pp));  \
		*(pp) = NULL; \
	} while (0)
/* Free the n pointers in array, then array itself. */
void free_array(void *array, int n);

extern int verbose;              /* -v: libbpf's own messages, details */
extern const char *cmd_name;     /* "bench", "check": prefix of messages */
extern volatile sig_atomic_t stop_requested; /* set by SIGINT/SIGTERM */

/* One line on stderr, "bpfcost CMD: ...". Return the exit code to use. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_parse's bracket around a command line: in between, only the first
 * usage_error line is printed (it names what to fix; more would only pile
 * up), and usage_errors_end returns how many there were. */
void usage_errors_begin(void);
int usage_errors_end(void);
int runtime_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Route libbpf's output through -v, quiet otherwise. Call once. */
void libbpf_setup_print(void);
/* The last libbpf lines seen (kept even when quiet), for error reports. */
const char *libbpf_last_lines(void);
void libbpf_clear_last_lines(void);
/* The last n lines of a libbpf or verifier log (NULL: libbpf_last_lines())
 * that say what went wrong, joined by " | " into buf: blank lines, the PROG
 * LOAD LOG markers, the verifier's statistics and libbpf's "failed to
 * load" wrap-ups (they only repeat the errno) are passed over. */
const char *log_last_lines(const char *log, int n, char *buf, size_t len);

/* SIGINT/SIGTERM set stop_requested (no SA_RESTART, so blocking calls
 * return EINTR); a second signal restores the default action. */
void signals_install(void);

/* Numbers with suffixes: "10k" -> 10000, "1m" -> 1000000, "2.5k" -> 2500.
 * Non-negative and finite; parse_u64 also requires a whole number. */
int parse_num_suffix(const char *s, double *out);
int parse_u64(const char *s, uint64_t *out);
int parse_double(const char *s, double *out);

/* Comma-separated list matched against names[]; "all" selects every one.
 * Sets bits in *mask. Returns 0, or -1 after a usage_error naming what is
 * accepted (flag names the option, e.g. "--hook"). */
int parse_name_list(const char *flag, const char *arg, const char *const *names,
                    int n, uint64_t *mask);
/* "a, b, c" of names[] into buf. */
const char *join_names(char *buf, size_t len, const char *const *names, int n);

/* Write data to path atomically (temp file in the same directory, fsync,
 * rename). Returns 0 or -errno. */
int write_file_atomic(const char *path, const char *data, size_t len);
/* Read a whole small file (sysfs, procfs) into buf, trailing newline cut.
 * Returns length or -errno. */
int read_small_file(const char *path, char *buf, size_t len);
/* Write s to a small file (sysfs, procfs, tracefs); flags are added to
 * O_WRONLY, e.g. O_TRUNC. Returns 0 or -errno. */
int write_small_file(const char *path, const char *s, int flags);

/* CLOCK_MONOTONIC in ns. */
uint64_t now_ns(void);
/* CPU time of the calling thread in ns (0 if the clock fails). */
uint64_t thread_cpu_ns(void);
/* Sleep to an absolute now_ns() time. 0, or -EINTR once a stop is
 * requested (SIGINT, SIGTERM), at once if it already was. */
int sleep_until_ns(uint64_t when_ns);
/* Pin the calling thread to cpu. Returns 0 or -errno. */
int pin_to_cpu(int cpu);
int online_cpus(void);
/* The CPU n places after cpu, wrapping around the online ones: where a
 * consumer goes so as not to share the workload's CPU (cpu itself on a
 * machine of one). */
int cpu_after(int cpu, int n);

#endif
