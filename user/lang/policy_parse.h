/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * policy_parse.h - the policy language's state while a policy is read,
 * beside the core's (parser.h): what policy.c and service_rules.c share.
 * Private to them.
 */
#ifndef BR_POLICY_PARSE_H
#define BR_POLICY_PARSE_H

#include <stddef.h>
#include "diag.h"
#include "parser.h"

struct br_catalog;

struct br_pol_parser {
	struct br_parser ps; /* the core; its priv is this */
	const struct br_catalog *cat; /* NULL: targets are not checked */
	int *cat_copy; /* catalog set -> its copy in the policy, or -1 */
	size_t cap_rules;
	size_t cap_targets;
	size_t cap_records;
	unsigned int statements; /* of the policy file */
	unsigned int rule_slots; /* rules the rule statements make, good or bad */
	unsigned int sni_matches; /* rule statements with an sni match, */
	unsigned int quic_sni_matches; /* good or bad; with quic: the
					* Initial's name, not TLS's */
	int any_ech; /* ... an ech match */
	int any_ja4; /* ... a ja4 match */
	/* where each once-only statement was given; line 0: not yet */
	struct br_pos policy_pos;
	struct br_pos description_pos;
	struct br_pos default_pos;
	struct br_pos on_swap_pos;
	struct br_pos sni_default_pos;
	struct br_pos tls_default_pos;
	struct br_pos unreadable_pos;
	struct br_pos record_scenario_pos;
	struct br_pos first_record_pos; /* of a record, good or bad */
};

/* The policy language's state of the core parser ps. */
static inline struct br_pol_parser *br_pol_of(struct br_parser *ps)
{
	return ps->priv;
}

#endif /* BR_POLICY_PARSE_H */
