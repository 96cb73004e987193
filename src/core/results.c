// SPDX-License-Identifier: GPL-2.0
#include "core/results.h"
#include "core/env.h"
#include "base/output.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

json_object *results_json(const struct results *r)
{
	json_object *root = json_object_new_object();
	char when[32];

	jset(root, "schema", jstr(r->schema));
	jset(root, "version", jstr(BPFCOST_VERSION));
	jset(root, "created", jstr(iso_time_now(when, sizeof(when))));
	jset(root, "env", json_object_get(r->env));
	if (r->kept)
		jset(root, "interrupted", json_object_new_boolean(stop_requested));
	r->json(root, r);
	return root;
}

static void write_csv(FILE *f, const void *rv, int n)
{
	const struct results *r = rv;

	csv_header(f, r->csv_cols, r->csv_ncols);
	for (int i = 0; i < n; i++)
		r->csv_row(f, r, i);
}

static int save(const struct results *r)
{
	if (!r->cli->out)
		return 0;
	return save_results(r->cli->out, r->cli->fmt,
			    r->cli->fmt == OUT_CSV ? NULL : results_json(r), write_csv, r, r->n);
}

int results_save(struct results *r, int n)
{
	r->n = n;
	return save(r);
}

int results_finish(struct results *r, int n, bool failed)
{
	int ret;

	r->n = n;
	if (stop_requested && r->kept) {
		if (r->n >= 0)
			fprintf(stderr, "bpfcost %s: interrupted; %d finished %s kept\n", cmd_name, r->n,
				r->kept);
		else
			fprintf(stderr, "bpfcost %s: interrupted; finished %s kept\n", cmd_name, r->kept);
		if ((ret = save(r)))
			return ret;
	}
	if (r->cli->fmt == OUT_TABLE) {
		r->table(stdout, r);
	} else if (!r->cli->out) {
		if (r->cli->fmt == OUT_CSV) {
			write_csv(stdout, r, r->n);
		} else {
			json_object *root = results_json(r);

			json_write(root, NULL);
			json_object_put(root);
		}
	}
	if (stop_requested)
		return EXIT_INTERRUPTED;
	return failed ? EXIT_RUNTIME : 0;
}
