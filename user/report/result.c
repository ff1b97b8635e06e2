// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * result.c - what the report formats share (result.h): writing one to a
 * file, platform keys, and the impact's JSON keys (simulate --json, and
 * load and swap's impact object).
 */
#include <errno.h>

#include "json.h"
#include "outfile.h"
#include "result.h"

const char *br_result_plat_key(enum br_platform p)
{
	return p == BR_PLAT_IOS	      ? "ios"
	       : p == BR_PLAT_ANDROID ? "android"
				      : "any";
}

int br_report_to_file(const char *name, const char *path,
		      const struct br_result *r)
{
	const struct br_report_format *fmt = br_report_format(name);
	struct br_outfile out;
	int err, ret;

	if (!fmt)
		return -EINVAL;
	err = br_outfile_open(&out, path);
	if (err)
		return err;
	err = fmt->write(out.f, r);
	ret = br_outfile_close(&out, !err);
	return err ? err : ret;
}

void br_report_json_impact(struct br_json *j, const struct br_impact *im)
{
	const struct br_catalog *cat = im->cat;
	size_t i;

	br_json_key(j, "efficacy");
	br_json_object(j);
	br_json_ku64(j, "attempted", im->target_attempted);
	br_json_ku64(j, "failed", im->target_failed);
	br_json_end(j);
	br_json_key(j, "collateral");
	br_json_object(j);
	br_json_ku64(j, "attempted", im->other_attempted);
	br_json_ku64(j, "failed", im->other_failed);
	br_json_ku64(j, "degraded", im->other_degraded);
	br_json_end(j);
	br_json_key(j, "push");
	br_json_array(j);
	for (i = 0; i < im->n_push; i++) {
		const struct br_impact_push *x = &im->push[i];

		br_json_object(j);
		br_json_kstr(j, "app_class", cat->services[x->service].id);
		br_json_kstr(j, "name", br_impact_class_name(cat, x->service));
		br_json_kstr(j, "platform", br_result_plat_key(x->platform));
		br_json_ku64(j, "attempted", x->attempted);
		br_json_ku64(j, "lost", x->lost);
		br_json_ku64(j, "degraded", x->degraded);
		br_json_end(j);
	}
	br_json_end(j);
}
