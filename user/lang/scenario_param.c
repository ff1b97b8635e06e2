// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * scenario_param.c - a scenario's assumptions given as ranges: setting
 * them, their central values, and the draws of an ensemble.
 *
 * Draw k's values and traffic seed come from (seed, k) alone, so a shard
 * computes exactly the draws a single machine would (docs/CLUSTER.md).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rng.h"
#include "scenario.h"

void br_scn_param_set(struct br_scenario *scn, size_t i, double v)
{
	const struct br_scn_param *p = &scn->params[i];
	char *base = (char *)scn;
	size_t k;

	if (p->complement)
		v = 1.0 - v;
	switch (p->where) {
	case BR_PARAM_FIELD:
		memcpy(base + p->at, &v, sizeof(v));
		break;
	case BR_PARAM_FIELD_NS: {
		uint64_t ns = (uint64_t)llround(v);

		memcpy(base + p->at, &ns, sizeof(ns));
		break;
	}
	case BR_PARAM_APP:
		scn->apps[p->at].share = v;
		break;
	case BR_PARAM_VPN:
		scn->vpns[p->at].share = v;
		break;
	case BR_PARAM_PROXY:
		scn->proxies[p->at].share = v;
		break;
	case BR_PARAM_OP_SHARE:
		scn->operators[p->at].share = v;
		break;
	case BR_PARAM_OP_COVERAGE:
		scn->operators[p->at].coverage = v;
		break;
	case BR_PARAM_RATE:
		for (k = 0; k < p->count; k++)
			scn->rates[p->at + k].per_hour = v;
		break;
	case BR_PARAM_EVENT:
		scn->events[p->at].at_ns = (uint64_t)llround(v);
		break;
	case BR_PARAM_MOVE:
		scn->moves[p->at].after_ns = (uint64_t)llround(v);
		break;
	}
}

double br_scn_param_get(const struct br_scenario *scn, size_t i)
{
	const struct br_scn_param *p = &scn->params[i];
	const char *base = (const char *)scn;
	uint64_t ns;
	double v = 0;

	switch (p->where) {
	case BR_PARAM_FIELD:
		memcpy(&v, base + p->at, sizeof(v));
		break;
	case BR_PARAM_FIELD_NS:
		memcpy(&ns, base + p->at, sizeof(ns));
		v = (double)ns;
		break;
	case BR_PARAM_APP:
		v = scn->apps[p->at].share;
		break;
	case BR_PARAM_VPN:
		v = scn->vpns[p->at].share;
		break;
	case BR_PARAM_PROXY:
		v = scn->proxies[p->at].share;
		break;
	case BR_PARAM_OP_SHARE:
		v = scn->operators[p->at].share;
		break;
	case BR_PARAM_OP_COVERAGE:
		v = scn->operators[p->at].coverage;
		break;
	case BR_PARAM_RATE:
		v = scn->rates[p->at].per_hour;
		break;
	case BR_PARAM_EVENT:
		v = (double)scn->events[p->at].at_ns;
		break;
	case BR_PARAM_MOVE:
		v = (double)scn->moves[p->at].after_ns;
		break;
	}
	return p->complement ? 1.0 - v : v;
}

void br_scn_param_central(struct br_scenario *scn)
{
	size_t i;

	for (i = 0; i < scn->n_params; i++)
		br_scn_param_set(scn, i, scn->params[i].mode);
}

/* u in [0, 1) through the inverse distribution function of p. */
static double br_param_quantile(const struct br_scn_param *p, double u)
{
	double a = p->lo, b = p->hi, m = p->mode, w = b - a;

	if (!p->triangular || w <= 0)
		return a + u * w;
	if (u < (m - a) / w)
		return a + sqrt(u * w * (m - a));
	return b - sqrt((1 - u) * w * (b - m));
}

uint64_t br_scn_draw(struct br_scenario *scn, uint64_t seed, uint64_t k)
{
	uint64_t state = br_mix64(br_mix64(seed) + k), traffic;
	size_t i;

	traffic = br_rnd(&state);
	for (i = 0; i < scn->n_params; i++)
		br_scn_param_set(scn, i,
				 br_param_quantile(&scn->params[i],
						   br_rnd01(&state)));
	return traffic;
}

const char *br_scn_param_text(const struct br_scn_param *p, double v,
			      char *buf, size_t len)
{
	switch (p->unit) {
	case BR_UNIT_SHARE:
		snprintf(buf, len, "%.3g%%", v * 100);
		break;
	case BR_UNIT_TIME:
		if (v >= 3600e9)
			snprintf(buf, len, "%.3gh", v / 3600e9);
		else if (v >= 60e9)
			snprintf(buf, len, "%.3gm", v / 60e9);
		else
			snprintf(buf, len, "%.3gs", v / 1e9);
		break;
	case BR_UNIT_RATE:
		snprintf(buf, len, "%.3g/h", v);
		break;
	}
	return buf;
}
