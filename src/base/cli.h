/* SPDX-License-Identifier: GPL-2.0 */
/* argp for every command, with bpfcost's rules: --help prints and exits 0;
 * an unknown option or a missing value is ONE line and exit code 2. */
#ifndef BPFCOST_CLI_H
#define BPFCOST_CLI_H

#include <argp.h>
#include <stdint.h>

/* Parse argv (argv[0] = command name) with the command's argp. The
 * command's parser reports its own bad values with usage_error() and sets
 * *bad. Returns 0, or EXIT_USAGE after one line on stderr. */
int cli_parse(const struct argp *argp, int argc, char **argv, void *input, const int *bad);

/* In a command's parser: report a bad value in one line (only the first
 * of a run) and mark the args bad. a has an int member `bad`. */
#define CLI_BAD(a, ...)                              \
	do {                                         \
		if (!(a)->bad)                       \
			usage_error(__VA_ARGS__);    \
		(a)->bad = 1;                        \
	} while (0)

/* Option values: one usage_error line naming the range on anything else.
 * Return 0 or EXIT_USAGE; *out is lo on error. */
int cli_int(const char *flag, const char *arg, long lo, long hi, long *out);
int cli_num(const char *flag, const char *arg, double lo, double hi, double *out);
/* Bytes, 1 to 1 GiB: k and m are KiB and MiB, as buffer sizes go. 0, or
 * EXIT_USAGE after one usage_error line naming flag and the accepted form. */
int cli_bytes(const char *flag, const char *arg, uint32_t *out);
/* One of the first n names: its index, or -1 after a usage_error line
 * naming them all. */
int cli_pick(const char *flag, const char *arg, const char *const *names, int n);

#endif
