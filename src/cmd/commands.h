/* SPDX-License-Identifier: GPL-2.0 */
/* Every command is one function, one file named after it (bench.c, ...). */
#ifndef BPFCOST_COMMANDS_H
#define BPFCOST_COMMANDS_H

struct command {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
	const char *summary;
};

/* Every command: its name (cmd_NAME() in NAME.c) and the line `bpfcost
 * --help` shows for it, in that order. */
#define COMMANDS(X)                                                                     \
	X(check, "what this kernel can do for BPF tracing, and why not")                \
	X(bench, "overhead a probe adds per event: hook x body x workload")             \
	X(sweep, "cost against event rate: latency, CPU, loss, knee, contention")       \
	X(app, "what probes do to redis, postgres, python-gc, node")                    \
	X(measure, "overhead a running BPF tool adds: bpftrace, bcc, agents")           \
	X(lab, "do the documents' optimisation rules hold on this kernel")              \
	X(lint, "review a BPF object against the overhead checklist")                   \
	X(compare, "regression gate: two sets of results, row by row, with statistics") \
	X(report, "report, decision matrix, budget and verdict from results")           \
	X(study, "the directive's whole study in one go, within a time budget")         \
	X(budget, "system overhead % of a per-event cost, by the guide's table")        \
	X(top, "live cost of every loaded BPF program; Prometheus exporter")

#define COMMAND_DECL(name, summary) int cmd_##name(int argc, char **argv);
COMMANDS(COMMAND_DECL)
#undef COMMAND_DECL

#endif
