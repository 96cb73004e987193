/* SPDX-License-Identifier: GPL-2.0 */
/* One results tail for the commands that measure (bench, sweep, app,
 * measure, lab, lint), as bpftool's show_prog() gathers once and then
 * prints JSON or plain: the rows are gathered, then written as a table,
 * CSV or JSON. The JSON's envelope is built here; -o FILE is written
 * atomically after every row; the exit code says whether a row failed or
 * the run was interrupted. */
#ifndef BPFCOST_RESULTS_H
#define BPFCOST_RESULTS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/cli.h"

struct results {
	const char *schema;           /* "bpfcost.bench/1" */
	const struct cli_common *cli; /* --json / --csv, -o FILE */
	json_object *env;             /* env_collect(): the JSON's "env" */
	/* what an interrupted run keeps ("rows"): it says so, and the JSON
	 * has "interrupted"; NULL: neither */
	const char *kept;
	const void *ctx;              /* the command's own, for the three below */
	const void *rows;
	int n;                        /* rows so far; -1: not counted */
	/* the command's keys, after schema, version, created, env, interrupted */
	void (*json)(json_object *root, const struct results *r);
	/* CSV: its columns and row i (NULL: no CSV) */
	const struct table_col *csv_cols;
	int csv_ncols;
	void (*csv_row)(FILE *f, const struct results *r, int i);
	void (*table)(FILE *f, const struct results *r);
};

/* The whole JSON document (caller owns it). */
json_object *results_json(const struct results *r);
/* The first n rows so far (-1: not counted) to -o FILE, atomically: CSV
 * with --csv, JSON otherwise. 0 (also without -o), or EXIT_RUNTIME after
 * one line. */
int results_save(struct results *r, int n);
/* The end of a run, with n rows: when interrupted, one line saying what is kept and -o
 * saved once more; then the table (with or without -o), or CSV or JSON on
 * stdout (without -o). Returns the exit code: 130 when interrupted, else
 * EXIT_RUNTIME when failed (or -o could not be written), else 0. */
int results_finish(struct results *r, int n, bool failed);

#endif
