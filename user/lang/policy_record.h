/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * policy_record.h - the policy language's "record" statements
 * (policy_record.c): a policy's documented outcome. Private to policy.c.
 */
#ifndef BR_POLICY_RECORD_H
#define BR_POLICY_RECORD_H

#include "parser.h"

/* "record ..." at cur (its keyword). */
int br_parse_record(struct br_parser *ps, struct br_src *s);

/* After the last statement: records and their scenario go together. */
void br_check_records(struct br_parser *ps);

#endif /* BR_POLICY_RECORD_H */
