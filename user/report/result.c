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

/* "failures": {"stage/failure": n, ...}, the failed instances' why. */
static void br_report_json_failures(struct br_json *j,
				    const struct br_outcome *o)
{
	char key[64];
	int st, k;

	br_json_key(j, "failures");
	br_json_object(j);
	for (st = 0; st < BR_STAGES; st++)
		for (k = 0; k < BR_FAILS; k++) {
			if (!o->why[st][k])
				continue;
			snprintf(key, sizeof(key), "%s/%s",
				 br_fail_stage_name[st], br_fail_kind_name[k]);
			br_json_ku64(j, key, o->why[st][k]);
		}
	br_json_end(j);
}

void br_report_json_outcome(struct br_json *j, const struct br_outcome *o)
{
	br_json_ku64(j, "attempted", o->attempted);
	br_json_ku64(j, "ok", o->ok);
	br_json_ku64(j, "fallback", o->fallback);
	br_json_ku64(j, "late", o->late);
	br_json_ku64(j, "failed", o->failed);
	br_json_ku64(j, "slow", o->slow);
	br_report_json_failures(j, o);
	if (o->sms)
		br_json_ku64(j, "sms", o->sms);
	if (!(o->superseded | o->expired | o->stale | o->held))
		return;
	br_json_ku64(j, "superseded", o->superseded);
	br_json_ku64(j, "expired", o->expired);
	br_json_ku64(j, "stale", o->stale);
	br_json_ku64(j, "held", o->held);
}

void br_report_json_quantiles(struct br_json *j, const char *key, double p50,
			      double p95)
{
	br_json_key(j, key);
	br_json_object(j);
	br_json_knum(j, "p50", p50);
	br_json_knum(j, "p95", p95);
	br_json_end(j);
}

void br_report_json_users(struct br_json *j, const struct br_users *u)
{
	br_json_key(j, "users");
	br_json_object(j);
	br_json_ku64(j, "did", u->did);
	br_json_ku64(j, "failed", u->failed);
	br_json_ku64(j, "late", u->late);
	br_json_end(j);
}

static const char *const br_chan_cause_key[BR_CHAN_CAUSES] = {
	[BR_CHAN_START] = "start",	 [BR_CHAN_HANDOVER] = "handover",
	[BR_CHAN_NAT] = "nat",		 [BR_CHAN_DEAD] = "dead",
	[BR_CHAN_RESET] = "reset",	 [BR_CHAN_RETRY] = "retry",
};

/* "channels": connects of the devices' channels by platform and cause. */
void br_report_json_channels(struct br_json *j, const struct br_impact *im)
{
	int p, c;

	br_json_key(j, "channels");
	br_json_array(j);
	for (p = 0; p < 2; p++) {
		br_json_object(j);
		br_json_kstr(j, "platform", p ? "android" : "ios");
		br_json_key(j, "connects");
		br_json_object(j);
		for (c = 0; c < BR_CHAN_CAUSES; c++)
			br_json_ku64(j, br_chan_cause_key[c],
				     im->chan[p].attempts[c]);
		br_json_end(j);
		br_json_ku64(j, "up", im->chan[p].up);
		br_json_end(j);
	}
	br_json_end(j);
}

/*
 * "timeline": by bucket, per platform, the pushes that started in it and
 * what became of them, and at its end the devices that keep a channel and
 * how many of those had it down.
 */
void br_report_json_timeline(struct br_json *j, const struct br_impact *im)
{
	size_t b, s;
	int p;

	br_json_key(j, "timeline");
	br_json_array(j);
	for (b = 0; b < im->n_buckets; b++) {
		br_json_object(j);
		br_json_knum(j, "start_s", b * im->bucket_ns / 1e9);
		br_json_knum(j, "end_s", (b + 1) * im->bucket_ns / 1e9);
		for (p = 0; p < 2; p++) {
			uint64_t att = 0, late = 0, lost = 0;
			uint64_t acts = 0, acts_failed = 0;

			for (s = 0; s < im->cat->n_services; s++) {
				const struct br_impact_cell *c =
					br_impact_cell(im, b, s, p);

				acts += c->attempted - c->push_attempted;
				acts_failed += c->failed - c->push_failed;
				att += c->push_attempted;
				late += c->push_late;
				lost += c->push_failed;
			}
			br_json_key(j, p ? "android" : "ios");
			br_json_object(j);
			br_json_ku64(j, "actions", acts);
			br_json_ku64(j, "actions_failed", acts_failed);
			br_json_ku64(j, "pushes", att);
			br_json_ku64(j, "pushes_late", late);
			br_json_ku64(j, "pushes_lost", lost);
			br_json_ku64(j, "devices_with_channel",
				     im->chan[p].kept ? im->chan[p].kept[b] : 0);
			br_json_ku64(j, "channel_down",
				     im->chan[p].down ? im->chan[p].down[b] : 0);
			br_json_end(j);
		}
		/* where the bucket's failures were, both platforms */
		br_json_key(j, "failed_by_service");
		br_json_object(j);
		for (s = 0; s < im->cat->n_services; s++) {
			uint64_t n = 0;

			for (p = 0; p < 2; p++) {
				const struct br_impact_cell *c =
					br_impact_cell(im, b, s, p);

				n += c->failed - c->push_failed;
			}
			if (n)
				br_json_ku64(j, im->cat->services[s].id, n);
		}
		br_json_end(j);
		br_json_end(j);
	}
	br_json_end(j);
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
		br_json_ku64(j, "on_time", x->on_time);
		br_json_ku64(j, "late", x->degraded);
		br_json_ku64(j, "lost", x->lost);
		br_json_ku64(j, "superseded", x->o.superseded);
		br_json_ku64(j, "expired", x->o.expired);
		br_json_ku64(j, "stale", x->o.stale);
		br_json_ku64(j, "held", x->o.held);
		br_report_json_quantiles(j, "delay_s", x->delay_p50,
					 x->delay_p95);
		br_report_json_users(j, &x->users);
		br_json_end(j);
	}
	br_json_end(j);
}
