// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * namemap.c - see namemap.h. Chained hashing over a fixed table: the lab
 * holds hundreds of devices with a few channels each, so 4096 chains stay
 * short without ever growing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "namemap.h"

#define BR_NAMEMAP_BUCKETS 4096

struct br_name_entry {
	struct br_name_entry *next;
	void *val;
	char name[]; /* NUL-terminated */
};

struct br_namemap {
	size_t count;
	struct br_name_entry *bucket[BR_NAMEMAP_BUCKETS];
};

/* FNV-1a (64 bits): a spread good enough for names, and no state. */
static struct br_name_entry **br_namemap_chain(const struct br_namemap *m,
					       const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ull;
	return (struct br_name_entry **)&m->bucket[h % BR_NAMEMAP_BUCKETS];
}

int br_namemap_new(struct br_namemap **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void br_namemap_free(struct br_namemap *m)
{
	struct br_name_entry *e, *next;
	size_t i;

	if (!m)
		return;
	for (i = 0; i < BR_NAMEMAP_BUCKETS; i++)
		for (e = m->bucket[i]; e; e = next) {
			next = e->next;
			free(e);
		}
	free(m);
}

void *br_namemap_get(const struct br_namemap *m, const char *name)
{
	struct br_name_entry *e;

	for (e = *br_namemap_chain(m, name); e; e = e->next)
		if (!strcmp(e->name, name))
			return e->val;
	return NULL;
}

int br_namemap_set(struct br_namemap *m, const char *name, void *val,
		   void **old)
{
	struct br_name_entry **chain = br_namemap_chain(m, name), *e;
	size_t len = strlen(name);

	for (e = *chain; e; e = e->next)
		if (!strcmp(e->name, name))
			break;
	if (old)
		*old = e ? e->val : NULL;
	if (e) {
		e->val = val;
		return 0;
	}
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return -ENOMEM;
	memcpy(e->name, name, len + 1);
	e->val = val;
	e->next = *chain;
	*chain = e;
	m->count++;
	return 0;
}

void br_namemap_drop(struct br_namemap *m, const char *name, const void *val)
{
	struct br_name_entry **p, *e;

	for (p = br_namemap_chain(m, name); (e = *p); p = &e->next) {
		if (strcmp(e->name, name))
			continue;
		if (e->val == val) {
			*p = e->next;
			free(e);
			m->count--;
		}
		return;
	}
}

size_t br_namemap_count(const struct br_namemap *m)
{
	return m->count;
}

void br_namemap_each(const struct br_namemap *m, void (*fn)(void *val))
{
	struct br_name_entry *e;
	size_t i;

	for (i = 0; i < BR_NAMEMAP_BUCKETS; i++)
		for (e = m->bucket[i]; e; e = e->next)
			fn(e->val);
}
