/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * name_index.c - names to indices by hash; see name_index.h.
 *
 * Open addressing with linear probing, at most half full: a lookup looks
 * at a slot or two on average.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "name_index.h"

unsigned long long br_name_index_probes;

/* FNV-1a, 64 bits. */
static uint64_t hash_name(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

void br_name_index_free(struct br_name_index *ix)
{
	free(ix->slots);
	ix->slots = NULL;
	ix->cap = 0;
	ix->n = 0;
}

static void place(struct br_name_slot *slots, size_t cap,
		  const struct br_name_slot *e)
{
	size_t i = e->hash & (cap - 1);

	while (slots[i].name)
		i = (i + 1) & (cap - 1);
	slots[i] = *e;
}

int br_name_index_add(struct br_name_index *ix, const char *name, int idx)
{
	struct br_name_slot e = { .name = name, .idx = idx }, *slots;
	size_t cap, i;

	if (2 * (ix->n + 1) > ix->cap) {
		cap = ix->cap ? 2 * ix->cap : 64;
		slots = calloc(cap, sizeof(*slots));
		if (!slots)
			return -ENOMEM;
		for (i = 0; i < ix->cap; i++)
			if (ix->slots[i].name)
				place(slots, cap, &ix->slots[i]);
		free(ix->slots);
		ix->slots = slots;
		ix->cap = cap;
	}
	e.len = strlen(name);
	e.hash = hash_name(name, e.len);
	place(ix->slots, ix->cap, &e);
	ix->n++;
	return 0;
}

int br_name_index_find(const struct br_name_index *ix, const char *name,
		       size_t len)
{
	uint64_t h;
	size_t i;

	if (!ix->cap)
		return -1;
	h = hash_name(name, len);
	for (i = h & (ix->cap - 1); ix->slots[i].name;
	     i = (i + 1) & (ix->cap - 1)) {
		const struct br_name_slot *s = &ix->slots[i];

		br_name_index_probes++;
		if (s->hash == h && s->len == len && !memcmp(s->name, name, len))
			return s->idx;
	}
	return -1;
}
