/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * policy_ir.c - freeing the policy IR (policy_ir.h), the names of its
 * actions and protocols, and the IP protocol numbers a protocol matches.
 */
#include <netinet/in.h>
#include <stdlib.h>

#include "policy_ir.h"

void br_sets_free(struct br_set *sets, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; sets[i].domains && j < sets[i].n; j++)
			free(sets[i].domains[j].name);
		free(sets[i].name);
		free(sets[i].prefixes);
		free(sets[i].ports);
		free(sets[i].domains);
	}
}

void br_policy_free(struct br_policy *pol)
{
	size_t i;

	if (!pol)
		return;
	for (i = 0; i < pol->n_targets; i++)
		free(pol->targets[i]);
	br_sets_free(pol->sets, pol->n_sets);
	for (i = 0; i < pol->n_rules; i++) {
		free(pol->rules[i].name);
		free(pol->rules[i].text);
	}
	for (i = 0; i < pol->n_records; i++) {
		free(pol->records[i].service);
		free(pol->records[i].source);
	}
	free(pol->records);
	free(pol->record_scenario);
	free(pol->record_scenario_text);
	free(pol->file);
	free(pol->name);
	free(pol->description);
	free(pol->targets);
	free(pol->target_pos);
	free(pol->sets);
	free(pol->rules);
	free(pol);
}

const char *br_record_figure_name(enum br_record_figure figure)
{
	switch (figure) {
	case BR_RECORD_FAILED:
		return "failed";
	case BR_RECORD_LATE:
		return "late";
	case BR_RECORD_FAILED_OR_LATE:
		return "failed-or-late";
	}
	return "?";
}

const char *br_action_name(enum br_action action)
{
	switch (action) {
	case BR_ACT_NONE:
		return "none";
	case BR_ACT_PASS:
		return "pass";
	case BR_ACT_DROP:
		return "drop";
	case BR_ACT_RESET:
		return "reset";
	case BR_ACT_NXDOMAIN:
		return "nxdomain";
	case BR_ACT_SINKHOLE:
		return "sinkhole";
	case BR_ACT_THROTTLE:
		return "throttle";
	case BR_ACT_FREEZE:
		return "freeze";
	case BR_ACT_PENALTY:
		return "penalty";
	default:
		return "unknown";
	}
}

static const struct {
	const char *name;
	int v4, v6;
} protos[] = {
#define BR_PROTO_ROW(id, kw, n4, n6) [BR_PROTO_##id] = { kw, n4, n6 },
	BR_RULE_PROTOS(BR_PROTO_ROW)
#undef BR_PROTO_ROW
};

const char *br_proto_name(enum br_proto proto)
{
	if ((unsigned int)proto >= sizeof(protos) / sizeof(protos[0]))
		return "unknown";
	return protos[proto].name;
}

int br_proto_number(enum br_proto proto, int family)
{
	if ((unsigned int)proto >= sizeof(protos) / sizeof(protos[0]))
		return -1;
	return family == 6 ? protos[proto].v6 : protos[proto].v4;
}
