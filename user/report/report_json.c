// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report_json.c - simulate --json: the result as one JSON object, the
 * scenario and per run its figures and every catalog action's outcome
 * (docs/simulate-output.md describes the keys).
 */
#include <errno.h>

#include "json.h"
#include "record.h"
#include "result.h"

/* The channel parameters by access, and what they make of a swap. */
static void br_json_scn_channels(struct br_json *j,
				 const struct br_scenario *scn)
{
	uint64_t h = br_scn_reconnect_horizon(scn, 0.9);
	int a;

	br_json_key(j, "channels");
	br_json_object(j);
	for (a = 0; a < 2; a++) {
		br_json_key(j, a ? "cellular" : "wifi");
		br_json_object(j);
		br_json_knum(j, "handover_per_hour", scn->handover_per_hour[a]);
		br_json_knum(j, "keepalive_s", scn->keepalive_ns[a] / 1e9);
		br_json_knum(j, "nat_timeout_s", scn->nat_timeout_ns[a] / 1e9);
		br_json_end(j);
	}
	br_json_knum(j, "backoff_min_s", scn->backoff_min_ns / 1e9);
	br_json_knum(j, "backoff_max_s", scn->backoff_max_ns / 1e9);
	/* 90% of the channels reconnected: where a swapped-in stateful rule
	 * has reached nine devices in ten; null: never */
	br_json_key(j, "reconnect_horizon_s");
	if (h == UINT64_MAX)
		br_json_null(j);
	else
		br_json_num(j, h / 1e9);
	br_json_end(j);
}

/* A per-service share list as {"service": share, ...}. */
static void br_json_svc_shares(struct br_json *j, const char *key,
			       const struct br_catalog *cat,
			       const struct br_scn_app *l, size_t n)
{
	size_t i;

	br_json_key(j, key);
	br_json_object(j);
	for (i = 0; i < n; i++)
		br_json_knum(j, cat->services[l[i].service].id, l[i].share);
	br_json_end(j);
}

/* Who the censor sees: the scenario's VPN, coverage and proxy shares. */
static void br_json_scn_reach(struct br_json *j, const struct br_result *r)
{
	const struct br_scenario *scn = r->scn;
	size_t i;

	br_json_key(j, "reach");
	br_json_object(j);
	br_json_knum(j, "vpn", scn->vpn_share);
	br_json_key(j, "coverage");
	br_json_object(j);
	br_json_knum(j, "wifi", scn->coverage[0]);
	br_json_knum(j, "cellular", scn->coverage[1]);
	br_json_end(j);
	br_json_svc_shares(j, "vpn_by_service", r->cat, scn->vpns, scn->n_vpns);
	br_json_svc_shares(j, "proxy_by_service", r->cat, scn->proxies,
			   scn->n_proxies);
	br_json_key(j, "operators");
	br_json_array(j);
	for (i = 0; i < scn->n_operators; i++) {
		const struct br_scn_operator *op = &scn->operators[i];

		br_json_object(j);
		br_json_kstr(j, "name", op->name);
		br_json_kstr(j, "access", op->access ? "cellular" : "wifi");
		br_json_knum(j, "share", op->share);
		br_json_knum(j, "coverage", op->coverage);
		br_json_end(j);
	}
	br_json_end(j);
	br_json_end(j);
}

/*
 * The assumptions given as ranges, each with the value this run has (an
 * ensemble's draw, or the central value): shares in percent, times in
 * seconds, rates per hour.
 */
static void br_json_scn_params(struct br_json *j,
			       const struct br_scenario *scn)
{
	static const char *const unit[] = {
		[BR_UNIT_SHARE] = "percent",
		[BR_UNIT_TIME] = "seconds",
		[BR_UNIT_RATE] = "per_hour",
	};
	size_t i;

	if (!scn->n_params)
		return;
	br_json_key(j, "parameters");
	br_json_array(j);
	for (i = 0; i < scn->n_params; i++) {
		const struct br_scn_param *p = &scn->params[i];
		double k = p->unit == BR_UNIT_TIME    ? 1e-9
			   : p->unit == BR_UNIT_SHARE ? 100
						      : 1;

		br_json_object(j);
		br_json_kstr(j, "name", p->name);
		br_json_kstr(j, "unit", unit[p->unit]);
		br_json_kstr(j, "distribution",
			     p->triangular ? "triangular" : "uniform");
		br_json_knum(j, "low", p->lo * k);
		br_json_knum(j, "central", p->mode * k);
		br_json_knum(j, "high", p->hi * k);
		br_json_knum(j, "value", br_scn_param_get(scn, i) * k);
		br_json_end(j);
	}
	br_json_end(j);
}

static void br_json_scenario(struct br_json *j, const struct br_result *r)
{
	const struct br_scenario *scn = r->scn;

	br_json_key(j, "scenario");
	br_json_object(j);
	br_json_kstr(j, "name", scn->name);
	br_json_kstr(j, "file", scn->file);
	br_json_ku64(j, "devices", scn->devices);
	br_json_ku64(j, "duration_s", scn->duration_ns / 1000000000ull);
	br_json_ku64(j, "seed", r->seed);
	br_json_ku64(j, "flow_table", br_scn_flow_table(scn));
	br_json_ku64(j, "hello_table", br_scn_hello_table(scn));
	br_json_scn_channels(j, scn);
	br_json_kstr(j, "identity_lookup",
		     scn->lookup_in_channel ? "channel" : "tls");
	br_json_ku64(j, "contacts", scn->contacts);
	br_json_knum(j, "key_cache", scn->key_cache);
	br_json_knum(j, "sms_fallback", scn->sms_share);
	br_json_scn_reach(j, r);
	br_json_scn_params(j, scn);
	if (r->est) {
		br_json_key(j, "estimate");
		br_json_object(j);
		br_json_ku64(j, "instances", (uint64_t)r->est->instances);
		br_json_ku64(j, "packets", (uint64_t)r->est->packets);
		br_json_ku64(j, "seconds", (uint64_t)r->est->seconds);
		br_json_ku64(j, "memory_bytes", (uint64_t)r->est->memory);
		br_json_end(j);
	}
	br_json_end(j);
}

/* Every catalog action, attempted or not. */
static void br_json_actions(struct br_json *j, const struct br_impact *im)
{
	const struct br_catalog *cat = im->cat;
	size_t k;

	br_json_key(j, "services");
	br_json_array(j);
	for (k = 0; k < im->n_actions; k++) {
		const struct br_impact_action *a = &im->actions[k];
		const struct br_cat_service *svc = &cat->services[a->service];

		br_json_object(j);
		br_json_kstr(j, "service", svc->id);
		br_json_kstr(j, "platform", br_result_plat_key(a->platform));
		br_json_kstr(j, "action", svc->actions[a->action].name);
		if (a->derived)
			br_json_kstr(j, "from",
				     svc->actions[svc->actions[a->action].from]
					     .name);
		br_report_json_outcome(j, &a->o);
		br_report_json_quantiles(j, "duration_s", a->dur_p50,
					 a->dur_p95);
		br_report_json_users(j, &a->users);
		br_json_end(j);
	}
	br_json_end(j);
}

/*
 * Per service and platform, its actions' instances on that platform (an
 * action done on both counts on each instance's): the figures behind a
 * what-if matrix's per-platform rows.
 */
static void br_json_service_platforms(struct br_json *j,
				      const struct br_impact *im)
{
	size_t k;
	int p;

	br_json_key(j, "service_platforms");
	br_json_array(j);
	for (k = 0; k < im->n_services; k++)
		for (p = 0; p < 2; p++) {
			const struct br_impact_count *c =
				&im->services[k].on[p];

			if (!c->attempted)
				continue;
			br_json_object(j);
			br_json_kstr(
				j, "service",
				im->cat->services[im->services[k].service].id);
			br_json_kstr(j, "platform",
				     br_result_plat_key(p ? BR_PLAT_ANDROID
							  : BR_PLAT_IOS));
			br_json_ku64(j, "attempted", c->attempted);
			br_json_ku64(j, "failed", c->failed);
			br_json_ku64(j, "degraded", c->degraded);
			br_json_end(j);
		}
	br_json_end(j);
}

static void br_json_run(struct br_json *j, const struct br_impact *im)
{
	size_t t;

	br_json_object(j);
	br_json_kstr(j, "name", im->name);
	br_json_kstr(j, "file", im->file ? im->file : "");
	br_json_key(j, "targets");
	br_json_array(j);
	for (t = 0; im->pol && t < im->pol->n_targets; t++)
		br_json_str(j, im->pol->targets[t]);
	br_json_end(j);
	br_json_kstr(j, "headline", im->headline);
	br_json_ku64(j, "packets", im->packets);
	br_json_ku64(j, "unseen_packets", im->unseen_packets);
	br_json_ku64(j, "swaps", im->swaps);
	br_record_json(j, im);
	br_report_json_impact(j, im);
	br_report_json_channels(j, im);
	br_json_actions(j, im);
	br_json_service_platforms(j, im);
	br_report_json_timeline(j, im);
	br_json_end(j);
}

static int br_json_write(FILE *f, const struct br_result *r)
{
	struct br_json j;
	size_t i;

	br_json_init(&j, f);
	br_json_object(&j);
	br_json_scenario(&j, r);
	br_json_key(&j, "policies");
	br_json_array(&j);
	for (i = 0; i < r->n_runs; i++)
		br_json_run(&j, &r->runs[i]);
	br_json_end(&j);
	br_json_end(&j);
	return ferror(f) ? -EIO : 0;
}

const struct br_report_format br_report_json = {
	.name = "json",
	.write = br_json_write,
};
