/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * service_rules.h - a catalog service as policy rules (service_rules.c),
 * for the policy language's statements. Private to policy.c.
 */
#ifndef BR_SERVICE_RULES_H
#define BR_SERVICE_RULES_H

#include "diag.h"
#include "parser.h"
#include "policy_ir.h"

/* The catalog's index of service id (at pos), or -1 with the error reported. */
int br_parse_service_id(struct br_parser *ps, const char *id,
			struct br_pos pos);

/*
 * A target name at pos: a service id, or SERVICE.ACTION naming one of its
 * actions. 0, or -1 with the error reported.
 */
int br_parse_target_name(struct br_parser *ps, const char *name,
			 struct br_pos pos);

/*
 * Rules a statement makes (n) count against the policy's limit; the
 * statement that first goes past it is the error (svc: a service rule's
 * id, or NULL).
 */
void br_claim_rules(struct br_parser *ps, unsigned int n, struct br_pos pos,
		    const char *svc);

/*
 * Service svc_idx's own flows as rules with r's action (act_text as the
 * rule wrote it, for stats labels), appended to the policy.
 */
int br_expand_service(struct br_parser *ps, const struct br_rule_ir *r,
		      int svc_idx, const char *act_text);

#endif /* BR_SERVICE_RULES_H */
