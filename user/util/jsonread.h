/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * jsonread.h - JSON text into a tree, and the tree back out.
 *
 * For what blastradius wrote itself: an ensemble's draws and the partial
 * results of shards (ensemble.h). Numbers keep the text they were written
 * with, so a tree written back gives the same bytes.
 */
#ifndef BR_JSONREAD_H
#define BR_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>

struct br_json;

enum br_jtype {
	BR_J_NULL,
	BR_J_BOOL,
	BR_J_NUM,
	BR_J_STR,
	BR_J_ARR,
	BR_J_OBJ,
};

struct br_jnode {
	enum br_jtype type;
	bool b;		     /* BOOL */
	double num;	     /* NUM */
	char *text;	     /* STR: the string; NUM: the number as written */
	size_t n;	     /* ARR, OBJ: members */
	char **keys;	     /* OBJ: n keys */
	struct br_jnode **kids; /* ARR, OBJ: n values */
};

/*
 * Parse len bytes of text into *out: 0, -ENOMEM, or -EINVAL with *at the
 * offset of the first byte that is not valid JSON (or of the end).
 */
int br_jparse(const char *text, size_t len, struct br_jnode **out,
	      size_t *at);

void br_jfree(struct br_jnode *n);

/* The member key of object obj, or NULL (none, or not an object). */
const struct br_jnode *br_jget(const struct br_jnode *obj, const char *key);

/* Write n with j, numbers as they were written. */
void br_jwrite(struct br_json *j, const struct br_jnode *n);

#endif /* BR_JSONREAD_H */
