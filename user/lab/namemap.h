/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * namemap.h - a map from names (NUL-terminated strings, copied) to
 * pointers, for the lab's servers: the channel of each (device, key) and
 * the certificate minted for each server name. A few thousand entries.
 */
#ifndef BR_NAMEMAP_H
#define BR_NAMEMAP_H

#include <stddef.h>

struct br_namemap;

/* 0 or -ENOMEM. */
int br_namemap_new(struct br_namemap **out);
/* Frees the map, not what its values point to. */
void br_namemap_free(struct br_namemap *m);

/* The value of name, or NULL. */
void *br_namemap_get(const struct br_namemap *m, const char *name);

/*
 * name now maps to val; *old (when old is not NULL) gets what it mapped
 * to before, or NULL. 0 or -ENOMEM.
 */
int br_namemap_set(struct br_namemap *m, const char *name, void *val,
		   void **old);

/* Remove name, but only while it maps to val (a newer value stays). */
void br_namemap_drop(struct br_namemap *m, const char *name, const void *val);

/* The names mapped. */
size_t br_namemap_count(const struct br_namemap *m);

/* Every value, in no order (to free them). */
void br_namemap_each(const struct br_namemap *m, void (*fn)(void *val));

#endif /* BR_NAMEMAP_H */
