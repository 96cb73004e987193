// SPDX-License-Identifier: GPL-2.0
/* bpfcost: what eBPF costs on this machine. The top-level command table. */
#include "cmd/commands.h"
#include "core/hoststate.h"
#include "cmd/version.h"
#include "base/util.h"

#include <stdio.h>
#include <string.h>

static const struct command commands[] = {
#define COMMAND_ROW(name, summary) { #name, cmd_##name, summary },
	COMMANDS(COMMAND_ROW)
#undef COMMAND_ROW
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: bpfcost [-v] COMMAND [OPTIONS]\n\n"
		   "What eBPF probes cost on this machine, with honest statistics.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'bpfcost COMMAND --help' shows a command's options and examples.\n"
		   "\nExamples:\n"
		   "  bpfcost check                 # hooks and maps this kernel supports\n"
		   "  bpfcost bench                 # getpid x every hook x empty,hash,ringbuf\n"
		   "  bpfcost bench --hook tp --body all --json -o tp.json\n");
}

int main(int argc, char **argv)
{
	int i = 1, ret;

	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			print_version(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose++;
		} else {
			usage(stderr);
			return usage_error("unknown option '%s' (accepted: -v, --version, --help)", argv[i]);
		}
		i++;
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t c = 0; c < ARRAY_SIZE(commands); c++) {
		if (!strcmp(argv[i], commands[c].name)) {
			cmd_name = commands[c].name;
			libbpf_setup_print();
			signals_install();
			/* what killed runs left changed, first; at the end, our
			 * programs gone and every knob we hold put back */
			hoststate_recover();
			ret = commands[c].run(argc - i, argv + i);
			hoststate_end();
			return ret;
		}
	}
	{
		char names[512];
		size_t off = 0;

		for (size_t c = 0; c < ARRAY_SIZE(commands); c++)
			off += snprintf(names + off, sizeof(names) - off, "%s%s", c ? ", " : "",
					commands[c].name);
		return usage_error("unknown command '%s' (accepted: %s)", argv[i], names);
	}
}
