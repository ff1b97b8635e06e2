/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * record.h - the model beside the record: a policy's documented outcome
 * ("record" statements, policy_ir.h struct br_policy_record) against what
 * one run of the model gave (impact.h), and how the text report and
 * --json show the pair (docs/simulate-output.md).
 */
#ifndef BR_RECORD_H
#define BR_RECORD_H

#include <stdbool.h>
#include <stdio.h>
#include "impact.h"

struct br_json;

/*
 * The model's figure for record r in one run's impact im: the percentage
 * of r's service's user-started instances (on r's platform, or both) that
 * failed, were late, or either, as r's figure says. NAN when the run
 * attempted none: the run says nothing about the record.
 */
double br_record_model(const struct br_impact *im,
		       const struct br_policy_record *r);

/* Does the model's figure fall in the record's range? NAN never does. */
bool br_record_within(const struct br_policy_record *r, double model);

/*
 * A run's "record_scenario" and "record" keys (a run object's), or
 * nothing when its policy has no records.
 */
void br_record_json(struct br_json *j, const struct br_impact *im);

/* A run's records as a table of the text report, or nothing. */
void br_record_text(FILE *f, const struct br_impact *im);

#endif /* BR_RECORD_H */
