// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report_csv.c - simulate --csv: one row per run, service, platform and
 * action that was attempted.
 */
#include <errno.h>

#include "result.h"

static int br_csv_write(FILE *f, const struct br_result *r)
{
	size_t i, k;

	fprintf(f, "policy,file,service,platform,action,target,attempted,"
		   "succeeded,degraded,failed\n");
	for (i = 0; i < r->n_runs; i++) {
		const struct br_impact *im = &r->runs[i];

		for (k = 0; k < im->n_actions; k++) {
			const struct br_impact_action *a = &im->actions[k];
			const struct br_cat_service *svc =
				&r->cat->services[a->service];

			if (!a->o.attempted)
				continue;
			fprintf(f, "%s,%s,%s,%s,%s,%d,%llu,%llu,%llu,%llu\n",
				im->name, im->file ? im->file : "", svc->id,
				br_result_plat_key(a->platform),
				svc->actions[a->action].name, a->target,
				(unsigned long long)a->o.attempted,
				(unsigned long long)(a->o.succeeded +
						     a->o.degraded),
				(unsigned long long)a->o.degraded,
				(unsigned long long)a->o.failed);
		}
	}
	return ferror(f) ? -EIO : 0;
}

const struct br_report_format br_report_csv = {
	.name = "csv",
	.write = br_csv_write,
};
