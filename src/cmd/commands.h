/* SPDX-License-Identifier: GPL-2.0 */
/* Every command is one function, one file named after it (bench.c, ...). */
#ifndef BPFCOST_COMMANDS_H
#define BPFCOST_COMMANDS_H

struct command {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
	const char *summary;
};

int cmd_check(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_budget(int argc, char **argv);
int cmd_measure(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_app(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_study(int argc, char **argv);

#endif
