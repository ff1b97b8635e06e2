// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * record.c - the model's figure for a policy's record, and how the text
 * report and --json show the two side by side (record.h).
 */
#include <math.h>

#include "catalog.h"
#include "json.h"
#include "record.h"
#include "result.h"

double br_record_model(const struct br_impact *im,
		       const struct br_policy_record *r)
{
	struct br_impact_count c;
	uint64_t part = 0;
	int s;

	s = br_catalog_service(im->cat, r->service);
	if (s < 0)
		return NAN;
	br_impact_service_on(im, s, (enum br_platform)r->platform, &c);
	if (!c.attempted)
		return NAN;
	switch (r->figure) {
	case BR_RECORD_FAILED:
		part = c.failed;
		break;
	case BR_RECORD_LATE:
		part = c.degraded;
		break;
	case BR_RECORD_FAILED_OR_LATE:
		part = c.failed + c.degraded;
		break;
	}
	return br_pct(part, c.attempted);
}

bool br_record_within(const struct br_policy_record *r, double model)
{
	return !isnan(model) && model >= r->lo && model <= r->hi;
}

/* Instances the model counted for r: what its percentage is of. */
static uint64_t br_record_instances(const struct br_impact *im,
				    const struct br_policy_record *r)
{
	struct br_impact_count c;
	int s = br_catalog_service(im->cat, r->service);

	if (s < 0)
		return 0;
	br_impact_service_on(im, s, (enum br_platform)r->platform, &c);
	return c.attempted;
}

void br_record_json(struct br_json *j, const struct br_impact *im)
{
	const struct br_policy *pol = im->pol;
	size_t i;

	if (!pol || !pol->n_records)
		return;
	br_json_kstr(j, "record_scenario", pol->record_scenario);
	br_json_key(j, "record");
	br_json_array(j);
	for (i = 0; i < pol->n_records; i++) {
		const struct br_policy_record *r = &pol->records[i];
		double model = br_record_model(im, r);

		br_json_object(j);
		br_json_kstr(j, "service", r->service);
		br_json_kstr(j, "platform",
			     br_result_plat_key((enum br_platform)r->platform));
		br_json_kstr(j, "figure", br_record_figure_name(r->figure));
		br_json_ku64(j, "instances", br_record_instances(im, r));
		br_json_key(j, "model");
		if (isnan(model))
			br_json_null(j);
		else
			br_json_num(j, model);
		br_json_knum(j, "record_lo", r->lo);
		br_json_knum(j, "record_hi", r->hi);
		br_json_kstr(j, "source", r->source);
		br_json_kbool(j, "within", br_record_within(r, model));
		br_json_end(j);
	}
	br_json_end(j);
}

void br_record_text(FILE *f, const struct br_impact *im)
{
	const struct br_policy *pol = im->pol;
	size_t i;

	if (!pol || !pol->n_records)
		return;
	fprintf(f,
		"  the model beside the record (%% of the service's "
		"user-started instances;\n  the record holds for scenario "
		"%s):\n",
		pol->record_scenario);
	fprintf(f, "  %-12s %-8s %-15s %9s %8s %15s %-8s %s\n", "service",
		"platform", "figure", "instances", "model", "record", "",
		"source");
	for (i = 0; i < pol->n_records; i++) {
		const struct br_policy_record *r = &pol->records[i];
		double model = br_record_model(im, r);
		char range[32];

		snprintf(range, sizeof(range), "%.1f-%.1f%%", r->lo, r->hi);
		fprintf(f, "  %-12s %-8s %-15s %9llu ", r->service,
			br_result_plat_key((enum br_platform)r->platform),
			br_record_figure_name(r->figure),
			(unsigned long long)br_record_instances(im, r));
		if (isnan(model))
			fprintf(f, "%8s", "-");
		else
			fprintf(f, "%7.1f%%", model);
		fprintf(f, " %15s %-8s %s\n", range,
			br_record_within(r, model) ? "within" : "OUTSIDE",
			r->source);
	}
}
