/* SPDX-License-Identifier: GPL-2.0 */
/* argp for every command, with bpfcost's rules: --help prints and exits 0;
 * an unknown option, a missing value or a bad one is ONE line and exit
 * code 2. */
#ifndef BPFCOST_CLI_H
#define BPFCOST_CLI_H

#include <argp.h>
#include <stdint.h>

#include "base/output.h"

/* What the shared option groups below fill in. */
struct cli_common {
	enum out_format fmt; /* --json, --csv; OUT_TABLE without */
	const char *out;     /* -o FILE */
	int cpu;             /* --cpu N; 0 without */
	int consumer_cpu;    /* --consumer-cpu N; set it to -1 first: the command's default */
};

/* Parse argv (argv[0] = command name) with the command's argp. common is
 * what the shared groups among the argp's children fill in (NULL: it has
 * none). A parser reports a bad value with usage_error() or one of the
 * value checks below; the first such line is printed, and the parse
 * fails. Returns 0, or EXIT_USAGE after one line on stderr. */
int cli_parse(const struct argp *argp, int argc, char **argv, void *input,
	      struct cli_common *common);

/* Option groups that commands share, as the kernel's selftests bench
 * shares its argp children: the output group (--json, --csv, -o FILE, -v)
 * and the CPU group (--cpu N, --consumer-cpu N). A group is one parser
 * here; a command lists, among its argp's children (at file scope), the
 * groups it takes with the options it takes of each, in its own words:
 *
 *	static const struct argp_child groups[] = {
 *		CLI_OUTPUT_GROUP(CLI_OPT_JSON("JSON output (schema bpfcost.lint/1)"),
 *				 CLI_OPT_OUTPUT("write the JSON to FILE")),
 *		CLI_CPU_GROUP(CLI_CPU_OPTS),
 *		{},
 *	};
 *	struct argp argp = { opts, parse, NULL, doc, groups };
 */
enum { CLI_KEY_JSON = 0x4000, CLI_KEY_CSV, CLI_KEY_CONSUMER_CPU };
#define CLI_OPT_JSON(doc) { "json", CLI_KEY_JSON, NULL, 0, doc }
#define CLI_OPT_JSON_J(doc) { "json", 'j', NULL, 0, doc } /* also -j */
#define CLI_OPT_CSV(doc) { "csv", CLI_KEY_CSV, NULL, 0, doc }
#define CLI_OPT_OUTPUT(doc) { "output", 'o', "FILE", 0, doc }
#define CLI_OPT_VERBOSE(doc) { "verbose", 'v', NULL, 0, doc }
#define CLI_OPT_CPU(doc) { "cpu", 'c', "N", 0, doc }
#define CLI_OPT_CONSUMER_CPU(doc) { "consumer-cpu", CLI_KEY_CONSUMER_CPU, "N", 0, doc }

/* The output group of the commands that write rows of results (bench,
 * sweep, app, measure): --json and its schema, --csv, -o FILE written
 * atomically (when: ", after every row"), -v. */
#define CLI_RESULTS_OPTS(schema, when)                                             \
	CLI_OPT_JSON("JSON output (schema " schema ")"), CLI_OPT_CSV("CSV output"), \
	CLI_OPT_OUTPUT("write JSON (or CSV with --csv) to FILE, atomically" when), \
	CLI_OPT_VERBOSE("libbpf's messages and progress")
/* The CPU group of the commands that run one workload thread and a
 * consumer on the next CPU (bench, lab). */
#define CLI_CPU_OPTS                                                       \
	CLI_OPT_CPU("CPU the workload runs on (default 0)"),               \
	CLI_OPT_CONSUMER_CPU("CPU of the output consumer (default: the next CPU)")

error_t cli_output_parse(int key, char *arg, struct argp_state *state);
error_t cli_cpu_parse(int key, char *arg, struct argp_state *state);
#define CLI_GROUP(parser, ...)                                                              \
	{ &(const struct argp){ (const struct argp_option[]){ __VA_ARGS__, {} }, (parser) }, \
	  0, NULL, 0 }
#define CLI_OUTPUT_GROUP(...) CLI_GROUP(cli_output_parse, __VA_ARGS__)
#define CLI_CPU_GROUP(...) CLI_GROUP(cli_cpu_parse, __VA_ARGS__)

/* Option values: one usage_error line naming the range on anything else.
 * Return 0 or EXIT_USAGE; *out is lo on error. */
int cli_int(const char *flag, const char *arg, long lo, long hi, long *out);
/* cli_int into an int. */
int cli_int_to(const char *flag, const char *arg, int lo, int hi, int *out);
int cli_num(const char *flag, const char *arg, double lo, double hi, double *out);
/* Bytes, 1 to 1 GiB: k and m are KiB and MiB, as buffer sizes go. 0, or
 * EXIT_USAGE after one usage_error line naming flag and the accepted form. */
int cli_bytes(const char *flag, const char *arg, uint32_t *out);
/* One of the first n names: its index, or -1 after a usage_error line
 * naming them all. */
int cli_pick(const char *flag, const char *arg, const char *const *names, int n);
/* A positional file argument into files[(*n)++]: 0, or EXIT_USAGE after
 * one usage_error line when max are already there. */
int cli_file(const char *arg, const char **files, int *n, int max);

#endif
