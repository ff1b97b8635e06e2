// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report_csv.c - simulate --csv: one row per run, service, platform and
 * action that was attempted.
 */
#include <errno.h>

#include "result.h"

/* "stage/failure:n" for each, space-separated, and the end of the row. */
static void br_csv_failures(FILE *f, const struct br_outcome *o)
{
	const char *sep = "";
	int st, k;

	for (st = 0; st < BR_STAGES; st++)
		for (k = 0; k < BR_FAILS; k++) {
			if (!o->why[st][k])
				continue;
			fprintf(f, "%s%s/%s:%llu", sep, br_fail_stage_name[st],
				br_fail_kind_name[k],
				(unsigned long long)o->why[st][k]);
			sep = " ";
		}
	fputc('\n', f);
}

static int br_csv_write(FILE *f, const struct br_result *r)
{
	size_t i, k;

	fprintf(f, "policy,file,service,platform,action,target,attempted,"
		   "ok,fallback,late,failed,superseded,expired,stale,held,"
		   "users,users_failed,duration_p50_s,duration_p95_s,"
		   "failures\n");
	for (i = 0; i < r->n_runs; i++) {
		const struct br_impact *im = &r->runs[i];

		for (k = 0; k < im->n_actions; k++) {
			const struct br_impact_action *a = &im->actions[k];
			const struct br_cat_service *svc =
				&r->cat->services[a->service];

			if (!a->o.attempted)
				continue;
			fprintf(f,
				"%s,%s,%s,%s,%s,%d,%llu,%llu,%llu,%llu,%llu,"
				"%llu,%llu,%llu,%llu,%llu,%llu,%.3f,%.3f,",
				im->name, im->file ? im->file : "", svc->id,
				br_result_plat_key(a->platform),
				svc->actions[a->action].name, a->target,
				(unsigned long long)a->o.attempted,
				(unsigned long long)a->o.ok,
				(unsigned long long)a->o.fallback,
				(unsigned long long)a->o.late,
				(unsigned long long)a->o.failed,
				(unsigned long long)a->o.superseded,
				(unsigned long long)a->o.expired,
				(unsigned long long)a->o.stale,
				(unsigned long long)a->o.held,
				(unsigned long long)a->users.did,
				(unsigned long long)a->users.failed,
				a->dur_p50, a->dur_p95);
			br_csv_failures(f, &a->o);
		}
	}
	return ferror(f) ? -EIO : 0;
}

const struct br_report_format br_report_csv = {
	.name = "csv",
	.write = br_csv_write,
};
