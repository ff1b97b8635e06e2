/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * json.h - a small streaming JSON writer for --json output. It tracks
 * nesting and commas, so callers only say what comes next.
 */
#ifndef BR_JSON_H
#define BR_JSON_H

#include <stdint.h>
#include <stdio.h>

#define BR_JSON_DEPTH 16

struct br_json {
	FILE *out;
	int depth;
	int count[BR_JSON_DEPTH];  /* members written at each level */
	char close[BR_JSON_DEPTH]; /* '}' or ']' for each open level */
	int in_key;		   /* a key was written, its value is next */
};

void br_json_init(struct br_json *j, FILE *out);
void br_json_object(struct br_json *j); /* { */
void br_json_array(struct br_json *j);	/* [ */
void br_json_end(struct br_json *j);	/* } or ], and "\n" at top level */
void br_json_key(struct br_json *j, const char *key);
void br_json_str(struct br_json *j, const char *s);
void br_json_u64(struct br_json *j, uint64_t v);
void br_json_i64(struct br_json *j, int64_t v);
void br_json_num(struct br_json *j, double v); /* %.3f */
void br_json_bool(struct br_json *j, int v);
void br_json_raw(struct br_json *j, const char *text); /* a number as is */
void br_json_null(struct br_json *j);

/* key + value in one call */
void br_json_kstr(struct br_json *j, const char *key, const char *s);
void br_json_ku64(struct br_json *j, const char *key, uint64_t v);
void br_json_kbool(struct br_json *j, const char *key, int v);
void br_json_knum(struct br_json *j, const char *key, double v);

struct br_counter;
/* key: {"packets": N, "bytes": N}, a dataplane counter (abi.h) */
void br_json_counter(struct br_json *j, const char *key,
		     const struct br_counter *c);

#endif /* BR_JSON_H */
