// SPDX-License-Identifier: GPL-2.0
#include "base/cli.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define CLI_MAX_GROUPS 4

struct cli_state {
	const char *offender;
	void *input;               /* the command's */
	struct cli_common *common; /* the shared groups' */
	int ngroups;
};

static error_t wrapper_parse(int key, char *arg, struct argp_state *state)
{
	struct cli_state *cs = state->input;

	if (key == ARGP_KEY_INIT) {
		state->child_inputs[0] = cs->input;
		for (int i = 1; i <= cs->ngroups; i++)
			state->child_inputs[i] = cs->common;
		return 0;
	}
	if (key == ARGP_KEY_ERROR && !cs->offender && state->next > 0 && state->next <= state->argc)
		cs->offender = state->argv[state->next - 1];
	return ARGP_ERR_UNKNOWN;
}

int cli_parse(const struct argp *argp, int argc, char **argv, void *input,
	      struct cli_common *common)
{
	/* the wrapper shows the command's usage and doc; the command and its
	 * shared groups, side by side under it, only parse */
	struct argp cmd = { argp->options, argp->parser };
	struct argp_child children[CLI_MAX_GROUPS + 2] = { { &cmd, 0, NULL, 0 } };
	/* args_doc left out: argp then indents the doc; each doc has a USAGE line */
	struct argp wrapper = { NULL, wrapper_parse, NULL, argp->doc, children };
	struct cli_state cs = { NULL, input, common, 0 };
	int err, refused;

	for (const struct argp_child *g = argp->children; g && g->argp; g++)
		if (cs.ngroups < CLI_MAX_GROUPS)
			children[1 + cs.ngroups++] = *g;
	/* ARGP_NO_ERRS also silences --help: answer it here */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") || !strcmp(argv[i], "-?") ||
		    !strcmp(argv[i], "--usage")) {
			char name[64];

			snprintf(name, sizeof(name), "bpfcost %s", argv[0]);
			/* the doc as written (it has its own USAGE line and fits 80
			 * columns; argp would re-wrap it), then argp's option list */
			if (strcmp(argv[i], "--usage") && argp->doc) {
				fputs(argp->doc, stdout);
				fputc('\n', stdout);
				argp_help(&wrapper, stdout, ARGP_HELP_LONG, name);
			} else {
				argp_help(&wrapper, stdout, ARGP_HELP_USAGE, name);
			}
			exit(0);
		}
	}
	usage_errors_begin();
	err = argp_parse(&wrapper, argc, argv, ARGP_NO_ERRS | ARGP_IN_ORDER, NULL, &cs);
	refused = usage_errors_end();
	if (refused)
		return EXIT_USAGE; /* a bad value, said in one line */
	if (err) {
		usage_error("bad option or missing value%s%s%s (see 'bpfcost %s --help')",
			    cs.offender ? " '" : "", cs.offender ? cs.offender : "",
			    cs.offender ? "'" : "", cmd_name ? cmd_name : "");
		return EXIT_USAGE;
	}
	return 0;
}

error_t cli_output_parse(int key, char *arg, struct argp_state *state)
{
	struct cli_common *c = state->input;

	switch (key) {
	case CLI_KEY_JSON:
	case 'j': c->fmt = OUT_JSON; break;
	case CLI_KEY_CSV: c->fmt = OUT_CSV; break;
	case 'o': c->out = arg; break;
	case 'v': verbose++; break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

error_t cli_cpu_parse(int key, char *arg, struct argp_state *state)
{
	struct cli_common *c = state->input;

	switch (key) {
	case 'c': cli_int_to("--cpu", arg, 0, online_cpus() - 1, &c->cpu); break;
	case CLI_KEY_CONSUMER_CPU:
		cli_int_to("--consumer-cpu", arg, 0, online_cpus() - 1, &c->consumer_cpu);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int cli_int(const char *flag, const char *arg, long lo, long hi, long *out)
{
	uint64_t v = 0;

	*out = lo;
	if (parse_u64(arg, &v) || v > (uint64_t)hi || (long)v < lo)
		return usage_error("%s takes a whole number from %ld to %ld, not '%s'", flag, lo, hi, arg);
	*out = (long)v;
	return 0;
}

int cli_int_to(const char *flag, const char *arg, int lo, int hi, int *out)
{
	long v;
	int rc = cli_int(flag, arg, lo, hi, &v);

	*out = (int)v;
	return rc;
}

int cli_num(const char *flag, const char *arg, double lo, double hi, double *out)
{
	double v;

	*out = lo;
	if (parse_num_suffix(arg, &v) || !(v >= lo && v <= hi))
		return usage_error("%s takes a number from %g to %g, not '%s'", flag, lo, hi, arg);
	*out = v;
	return 0;
}

int cli_pick(const char *flag, const char *arg, const char *const *names, int n)
{
	char list[256];

	for (int i = 0; i < n; i++)
		if (!strcmp(arg, names[i]))
			return i;
	usage_error("%s takes one of %s, not '%s'", flag, join_names(list, sizeof(list), names, n), arg);
	return -1;
}

int cli_file(const char *arg, const char **files, int *n, int max)
{
	if (*n >= max)
		return usage_error("at most %d files", max);
	files[(*n)++] = arg;
	return 0;
}

int cli_bytes(const char *flag, const char *arg, uint32_t *out)
{
	char *end;
	double v = strtod(arg, &end), mult = 1;
	bool ok = end != arg;

	if (*end == 'k' || *end == 'K')
		mult = 1024, end++;
	else if (*end == 'm' || *end == 'M')
		mult = 1024 * 1024, end++;
	ok = ok && (!*end || !strcmp(end, "b") || !strcmp(end, "B"));
	v *= mult;
	if (!ok || !(v >= 1 && v <= 1024.0 * 1024 * 1024)) {
		usage_error("%s takes bytes from 1 to 1g (4k, 256k, 1m), not '%s'", flag, arg);
		return EXIT_USAGE;
	}
	*out = (uint32_t)v;
	return 0;
}
