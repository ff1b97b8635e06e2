// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_merge.c - blastradius merge PARTIAL...: the partial results of
 * simulate --shard (one file per shard, any order) into the report
 * simulate --runs would have printed with the same seed, byte for byte
 * (docs/CLUSTER.md). Needs no privileges and no kernel: the draws are
 * already run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cmdline.h"
#include "ensemble.h"
#include "log.h"

int cmd_merge(struct br_cli *cli, int argc, char **argv)
{
	const char *html = NULL, *md = NULL;
	struct br_ensemble e;
	bool csv = false, summary = false;
	struct br_args a;
	int c, err;

	br_args_init(&a, argc, argv);
	while ((c = br_args_next(&a)) != -1) {
		switch (c) {
		case BR_OPT_CSV:
			csv = true;
			break;
		case BR_OPT_SUMMARY:
			summary = true;
			break;
		case BR_OPT_HTML:
			html = a.arg;
			break;
		case BR_OPT_MARKDOWN:
			md = a.arg;
			break;
		default:
			br_cmd_usage_error(argv[0]);
			return 2;
		}
	}
	if (a.next == argc) {
		br_cmd_usage_error(argv[0]);
		return 2;
	}
	err = br_partial_read((const char *const *)argv + a.next,
			      (size_t)(argc - a.next), &e);
	if (err)
		return 1;
	err = e.n_sens ? br_ensemble_summaries(&e) : br_ensemble_reduce(&e);
	if (!err)
		err = br_ensemble_report(&e,
					 cli->json ? "json"
					 : csv	   ? "csv"
					 : summary ? "summary"
						   : "text",
					 html, md, cli->quiet);
	br_ensemble_free(&e);
	return err ? 1 : 0;
}
