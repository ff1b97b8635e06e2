/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * name_index.h - names to indices by hash: the named sets of a policy or
 * catalog while it is parsed, and of the two policies diff compares. A
 * registry split into 100,000 named sets is looked up in constant time
 * per name, not by a walk over every set before it.
 */
#ifndef BR_NAME_INDEX_H
#define BR_NAME_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct br_name_slot {
	const char *name; /* NULL: free; not owned, must outlive the index */
	size_t len;
	uint64_t hash;
	int idx;
};

struct br_name_index {
	struct br_name_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

/*
 * Slots the lookups of the process have looked at: what a lookup costs,
 * counted, so a test can assert it without a clock.
 */
extern unsigned long long br_name_index_probes;

/* A zeroed index is an empty one, as is one after br_name_index_free(). */
void br_name_index_free(struct br_name_index *ix);

/* Add name (NUL-terminated, not yet in ix) for idx; -ENOMEM or 0. */
int br_name_index_add(struct br_name_index *ix, const char *name, int idx);

/* The index of name[0, len), or -1. */
int br_name_index_find(const struct br_name_index *ix, const char *name,
		       size_t len);

#endif /* BR_NAME_INDEX_H */
