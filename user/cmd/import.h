/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * import.h - import-registry's options and its writer of set files
 * (cmd_import.c), declared for the unit test of the split into parts.
 */
#ifndef BR_IMPORT_H
#define BR_IMPORT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct br_registry;

struct br_import {
	const char *dump;
	const char *out;    /* --out: the policy file, or NULL for stdout */
	const char *name;   /* --name: the policy's name */
	const char *action; /* --action: drop, reset or nxdomain */
	uint64_t max_errors;
	bool max_given;
	char stem[PATH_MAX];	   /* with --out: P without ".policy" */
	const char *base;	   /* its last component, for the includes */
	unsigned int n_parts;	   /* set files written */
	unsigned int n_addr_parts; /* address sets written */
};

/*
 * The set files of --out: STEM.set with the domain set and the first
 * address set, STEM-K.set with address set K ("NAME-addrs-K"), each kept
 * within budget bytes (the language reads no file over BR_TEXT_MAX) where
 * it can be; counts them in imp. 0 or -errno.
 */
int br_import_write_sets(const struct br_registry *r, struct br_import *imp,
			 size_t budget);

#endif /* BR_IMPORT_H */
