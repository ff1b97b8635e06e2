// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * whatif.c - one policy's impact on the default scenario, for load and
 * swap (see whatif.h): the run `simulate --policy P` makes, a compact
 * summary of it, and the --max-collateral limits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attrib.h"
#include "json.h"
#include "log.h"
#include "result.h"
#include "scenario.h"
#include "sim.h"
#include "whatif.h"

bool br_whatif_needed(const struct br_catalog *cat, const struct br_policy *pol)
{
	bool needed = br_attrib_touches_others(cat, pol);

	br_classify_close(); /* the simulation loads an instance of its own */
	return needed;
}

int br_whatif_run(const struct br_catalog *cat, const struct br_policy *pol,
		  struct br_whatif *w)
{
	struct br_scenario *scn = NULL, only;
	struct br_traffic_opts o = { .cat = cat, .initial = pol };
	struct br_traffic_result res = { 0 };
	struct br_diag diag;
	struct br_sim sim;
	int err;

	memset(w, 0, sizeof(*w));
	w->cat = cat;
	br_diag_init(&diag);
	err = br_scenario_default(cat, &scn, &diag);
	if (err) {
		br_diag_print(&diag, stderr);
		goto out;
	}
	/* the policy alone in force: a timeline would swap it away */
	only = *scn;
	only.n_events = 0;
	only.events = NULL;
	o.scn = &only;
	o.seed = scn->seed;
	snprintf(w->scenario, sizeof(w->scenario), "%s", scn->name);
	w->devices = scn->devices;
	w->duration_s = scn->duration_ns / 1000000000ull;
	w->seed = scn->seed;
	err = br_sim_open(&sim, NULL, scn->flow_entries, scn->hello_entries);
	if (err)
		goto out;
	err = br_traffic_run(&sim, &o, &res);
	br_sim_close(&sim);
	if (!err)
		err = br_impact_compute(cat, pol, pol ? pol->file : NULL, &res,
					&w->im);
	br_traffic_result_free(&res);
	if (err)
		goto out;
	w->simulated = true;
	w->collateral = w->im.other_failed || w->im.other_degraded;
out:
	br_diag_free(&diag);
	br_scenario_free(scn);
	if (err)
		br_whatif_free(w);
	return err;
}

int br_whatif_maybe(const struct br_catalog *cat, const struct br_policy *pol,
		    struct br_whatif *w)
{
	if (br_whatif_needed(cat, pol))
		return br_whatif_run(cat, pol, w);
	memset(w, 0, sizeof(*w));
	w->cat = cat;
	return 0;
}

void br_whatif_free(struct br_whatif *w)
{
	const struct br_catalog *cat = w->cat;

	if (w->simulated)
		br_impact_free(&w->im);
	memset(w, 0, sizeof(*w));
	w->cat = cat;
}

/* ---- the summary -------------------------------------------------------- */

void br_whatif_print(FILE *out, const struct br_whatif *w)
{
	const struct br_catalog *cat = w->cat;
	const struct br_impact *im = &w->im;
	bool head = false;
	size_t i;

	if (!w->simulated)
		return;
	fprintf(out,
		"impact on the %s scenario (%u devices, %llu s, seed %llu; "
		"simulated in a private instance, %llu packets):\n",
		w->scenario, w->devices, (unsigned long long)w->duration_s,
		(unsigned long long)w->seed,
		(unsigned long long)im->packets);
	fprintf(out, "  %s\n", im->headline);
	for (i = 0; i < im->n_push; i++) {
		const struct br_impact_push *x = &im->push[i];

		if (!x->lost && !x->degraded)
			continue;
		if (!head)
			fprintf(out,
				"  push notifications lost, by app class:\n"
				"    %-16s %-8s %9s %9s %7s %9s\n",
				"app class", "platform", "attempted", "lost",
				"lost %", "degraded");
		head = true;
		fprintf(out, "    %-16s %-8s %9llu %9llu %6.1f%% %9llu\n",
			br_impact_class_name(cat, x->service),
			br_result_plat_key(x->platform), (unsigned long long)x->attempted,
			(unsigned long long)x->lost,
			br_pct(x->lost, x->attempted),
			(unsigned long long)x->degraded);
	}
	head = false;
	for (i = 0; i < im->n_services; i++) {
		const struct br_impact_service *s = &im->services[i];

		/* what is not targeted of it: all of it, or the actions of
		 * a service the policy targets some of */
		uint64_t att = s->attempted - s->tgt.attempted;
		uint64_t bad = s->failed - s->tgt.failed;
		uint64_t late = s->degraded - s->tgt.degraded;

		if (!att || (!bad && !late))
			continue;
		if (!head)
			fprintf(out,
				"  collateral, by service (not a target):\n"
				"    %-16s %9s %9s %7s %9s %7s\n",
				"service", "attempted", "failed", "%",
				"degraded", "%");
		head = true;
		fprintf(out, "    %-16s %9llu %9llu %6.1f%% %9llu %6.1f%%\n",
			br_impact_service_name(cat, s->service),
			(unsigned long long)att, (unsigned long long)bad,
			br_pct(bad, att), (unsigned long long)late,
			br_pct(late, att));
	}
	fprintf(out,
		"  (every action: blastradius simulate --policy %s; "
		"--quiet or --no-impact skip this)\n",
		im->file ? im->file : "POLICY");
}

void br_whatif_json(struct br_json *j, const struct br_whatif *w)
{
	const struct br_catalog *cat = w->cat;
	const struct br_impact *im = &w->im;
	size_t i;

	br_json_object(j);
	br_json_kbool(j, "simulated", w->simulated);
	br_json_kbool(j, "has_collateral", w->collateral);
	if (!w->simulated) {
		br_json_kstr(j, "reason",
			     "no rule matches a flow a non-target service "
			     "needs");
		br_json_end(j);
		return;
	}
	br_json_key(j, "scenario");
	br_json_object(j);
	br_json_kstr(j, "name", w->scenario);
	br_json_ku64(j, "devices", w->devices);
	br_json_ku64(j, "duration_s", w->duration_s);
	br_json_ku64(j, "seed", w->seed);
	br_json_end(j);
	br_json_ku64(j, "packets", im->packets);
	br_json_kstr(j, "headline", im->headline);
	br_report_json_impact(j, im);
	br_json_key(j, "services");
	br_json_array(j);
	for (i = 0; i < im->n_services; i++) {
		const struct br_impact_service *s = &im->services[i];

		br_json_object(j);
		br_json_kstr(j, "service", cat->services[s->service].id);
		br_json_kstr(j, "name",
			     br_impact_service_name(cat, s->service));
		br_json_kbool(j, "target", s->target);
		br_json_ku64(j, "attempted", s->attempted);
		br_json_ku64(j, "failed", s->failed);
		br_json_ku64(j, "degraded", s->degraded);
		br_json_end(j);
	}
	br_json_end(j);
	br_json_end(j);
}

/* ---- --max-collateral ------------------------------------------------- */

/* A service by id, or by its app class name ("banking", "2FA"). */
static int class_lookup(const struct br_catalog *cat, const char *name)
{
	size_t s;
	int idx = br_catalog_service(cat, name);

	if (idx >= 0)
		return idx;
	for (s = 0; s < cat->n_services; s++)
		if (!strcasecmp(br_impact_class_name(cat, s), name) ||
		    !strcasecmp(br_impact_service_name(cat, s), name))
			return s;
	return -1;
}

int br_whatif_limit_parse(const struct br_catalog *cat, const char *arg,
			  struct br_whatif_limit *lim)
{
	const char *eq = strrchr(arg, '=');
	char cls[128], *colon, *end;
	const char *hint;
	size_t len;

	memset(lim, 0, sizeof(*lim));
	lim->arg = arg;
	len = eq ? (size_t)(eq - arg) : 0;
	if (!eq || !len || len >= sizeof(cls) || !eq[1]) {
		br_err("--max-collateral %s: CLASS=PCT (CLASS: push, any or a "
		       "service such as bank, optionally :ios or :android)",
		       arg);
		return -EINVAL;
	}
	memcpy(cls, arg, len);
	cls[len] = '\0';
	lim->pct = strtod(eq + 1, &end);
	if (*end == '%')
		end++;
	if (*end || end == eq + 1 || lim->pct < 0 || lim->pct > 100) {
		br_err("--max-collateral %s: PCT is a percentage, 0 to 100",
		       arg);
		return -EINVAL;
	}
	lim->platform = BR_PLAT_ANY;
	colon = strchr(cls, ':');
	if (colon) {
		*colon++ = '\0';
		if (!strcmp(colon, "ios")) {
			lim->platform = BR_PLAT_IOS;
		} else if (!strcmp(colon, "android")) {
			lim->platform = BR_PLAT_ANDROID;
		} else {
			br_err("--max-collateral %s: platform \"%s\": ios or "
			       "android",
			       arg, colon);
			return -EINVAL;
		}
	}
	if (!strcmp(cls, "push")) {
		lim->service = BR_LIMIT_PUSH;
	} else if (!strcmp(cls, "any")) {
		lim->service = BR_LIMIT_ANY;
	} else {
		lim->service = class_lookup(cat, cls);
		if (lim->service < 0) {
			hint = br_catalog_suggest(cat, cls);
			br_err("--max-collateral %s: no service or app class "
			       "\"%s\"%s%s%s (push, any, or a catalog service)",
			       arg, cls, hint ? " (did you mean " : "",
			       hint ? hint : "", hint ? "?)" : "");
			return -EINVAL;
		}
	}
	return 0;
}

bool br_whatif_limit_check(const struct br_whatif *w,
			   struct br_whatif_limit *lim)
{
	const struct br_impact *im = &w->im;
	size_t k;
	int p;

	lim->attempted = lim->lost = 0;
	lim->exceeded = false;
	if (!w->simulated)
		return false;
	for (k = 0; k < im->n_actions; k++) {
		const struct br_impact_action *a = &im->actions[k];

		if (lim->service >= 0 ? a->service != lim->service : a->target)
			continue;
		if (lim->service == BR_LIMIT_PUSH && !a->push)
			continue;
		for (p = 0; p < 2; p++) {
			enum br_platform plat =
				p ? BR_PLAT_ANDROID : BR_PLAT_IOS;

			if (lim->platform != BR_PLAT_ANY &&
			    lim->platform != plat)
				continue;
			lim->attempted += a->on[p].attempted;
			lim->lost += a->on[p].failed;
		}
	}
	lim->exceeded = br_pct(lim->lost, lim->attempted) > lim->pct;
	return lim->exceeded;
}

void br_whatif_limit_name(const struct br_whatif *w,
			  const struct br_whatif_limit *lim, char *buf,
			  size_t len)
{
	const char *on = lim->platform == BR_PLAT_ANY ? "" : " on ";
	const char *plat =
		lim->platform == BR_PLAT_ANY ? "" : br_result_plat_key(lim->platform);

	if (lim->service == BR_LIMIT_PUSH)
		snprintf(buf, len, "push notifications%s%s", on, plat);
	else if (lim->service == BR_LIMIT_ANY)
		snprintf(buf, len, "actions of non-target services%s%s", on,
			 plat);
	else
		snprintf(buf, len, "%s (%s)%s%s",
			 br_impact_class_name(w->cat, lim->service),
			 w->cat->services[lim->service].id, on, plat);
}
