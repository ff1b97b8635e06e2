/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * targets.h - what a policy means to block: its "target" statements,
 * each a catalog service ("whatsapp") or one action of one
 * ("whatsapp.call", on every platform that has it). One answer for the
 * reports, the attribution and the HTML pages.
 */
#ifndef BR_TARGETS_H
#define BR_TARGETS_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "policy_ir.h"

/*
 * Whether pol targets action `action` of catalog service s (its name; on
 * any platform), or with action NULL any action of s.
 */
bool br_targets(const struct br_catalog *cat, const struct br_policy *pol,
		size_t s, const char *action);

/* Whether pol targets catalog service s as a whole (not an action of it). */
bool br_targets_whole(const struct br_catalog *cat,
		      const struct br_policy *pol, size_t s);

#endif /* BR_TARGETS_H */
