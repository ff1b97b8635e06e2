// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * targets.c - a policy's targets against the catalog (targets.h).
 */
#include <string.h>

#include "targets.h"

bool br_targets(const struct br_catalog *cat, const struct br_policy *pol,
		size_t s, const char *action)
{
	const char *id = cat->services[s].id;
	size_t n = strlen(id), t;

	for (t = 0; pol && t < pol->n_targets; t++) {
		const char *name = pol->targets[t];

		if (strncmp(name, id, n) || (name[n] && name[n] != '.'))
			continue;
		if (!name[n] || !action || !strcmp(name + n + 1, action))
			return true;
	}
	return false;
}

bool br_targets_whole(const struct br_catalog *cat,
		      const struct br_policy *pol, size_t s)
{
	size_t t;

	for (t = 0; pol && t < pol->n_targets; t++)
		if (!strcmp(pol->targets[t], cat->services[s].id))
			return true;
	return false;
}
