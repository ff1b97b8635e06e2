// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * partial.c - the partial results of simulate --shard, written and read
 * back for merge (ensemble.h has the format). A draw's result goes out
 * as the very text simulate made of it and comes back as the same tree,
 * so merge reduces exactly what a single machine would have.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ensemble.h"
#include "json.h"
#include "log.h"

int br_partial_write_header(FILE *f, const struct br_partial *p)
{
	struct br_json j;

	br_json_init(&j, f);
	br_json_object(&j);
	br_json_key(&j, "partial");
	br_json_object(&j);
	br_json_ku64(&j, "runs", p->runs);
	br_json_ku64(&j, "seed", p->seed);
	br_json_ku64(&j, "shard", p->shard);
	br_json_ku64(&j, "shards", p->shards);
	br_json_kbool(&j, "sensitivity", p->sensitivity);
	br_json_kstr(&j, "what", p->what);
	br_json_end(&j);
	br_json_end(&j);
	return ferror(f) ? -EIO : 0;
}

int br_partial_write_draw(FILE *f, size_t k, const char *json)
{
	size_t len = strlen(json);

	while (len && json[len - 1] == '\n')
		len--;
	fprintf(f, "{\"draw\":%zu,\"result\":", k);
	fwrite(json, 1, len, f);
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}

static uint64_t u64_of(const struct br_jnode *o, const char *key, int *ok)
{
	const struct br_jnode *n = br_jget(o, key);
	char *end;
	uint64_t v;

	if (!n || n->type != BR_J_NUM) {
		*ok = 0;
		return 0;
	}
	v = strtoull(n->text, &end, 10);
	if (*end)
		*ok = 0;
	return v;
}

/* The header of file (line 1) into *p; what points into hdr. */
static int read_header(const char *file, const struct br_jnode *hdr,
		       struct br_partial *p)
{
	const struct br_jnode *h = br_jget(hdr, "partial"),
			      *what = br_jget(h, "what"),
			      *sens = br_jget(h, "sensitivity");
	int ok = 1;

	p->runs = u64_of(h, "runs", &ok);
	p->seed = u64_of(h, "seed", &ok);
	p->shard = u64_of(h, "shard", &ok);
	p->shards = u64_of(h, "shards", &ok);
	if (!ok || !what || what->type != BR_J_STR || !sens ||
	    sens->type != BR_J_BOOL || !p->runs || !p->shards ||
	    p->shard >= p->shards) {
		br_err("%s:1: not the header of a partial result of "
		       "simulate --shard",
		       file);
		return -EINVAL;
	}
	p->sensitivity = sens->b;
	p->what = what->text;
	return 0;
}

static int same_run(const char *file, const struct br_partial *a,
		    const struct br_partial *b, const char *first)
{
	if (a->runs == b->runs && a->seed == b->seed &&
	    a->shards == b->shards && a->sensitivity == b->sensitivity &&
	    !strcmp(a->what, b->what))
		return 0;
	br_err("%s:1: a shard of another ensemble than %s's (runs %zu, seed "
	       "%" PRIu64 ", %zu shards, %s; here runs %zu, seed %" PRIu64
	       ", %zu shards, %s)",
	       file, first, b->runs, b->seed, b->shards, b->what, a->runs,
	       a->seed, a->shards, a->what);
	return -EINVAL;
}

/* The draw lines of file (from line 2) into e->draws. */
static int read_draws(const char *file, FILE *f, struct br_ensemble *e)
{
	char *line = NULL;
	size_t cap = 0, lineno = 1, k, at;
	struct br_jnode *n;
	ssize_t len;
	int ok, err = 0;

	while (!err && (len = getline(&line, &cap, f)) > 0) {
		lineno++;
		err = br_jparse(line, (size_t)len, &n, &at);
		if (err) {
			br_err("%s:%zu:%zu: not JSON", file, lineno, at + 1);
			break;
		}
		ok = 1;
		k = u64_of(n, "draw", &ok);
		if (!ok || k >= e->runs || !br_jget(n, "result") ||
		    e->draws[k]) {
			br_err("%s:%zu: %s", file, lineno,
			       !ok || !br_jget(n, "result")
				       ? "not a draw of a partial result"
			       : k >= e->runs
				       ? "a draw past the ensemble's runs"
				       : "a draw already read");
			br_jfree(n);
			err = -EINVAL;
			break;
		}
		/* keep the result, drop its envelope (br_jfree skips NULL) */
		for (at = 0; at < n->n; at++)
			if (!strcmp(n->keys[at], "result") && !e->draws[k]) {
				e->draws[k] = n->kids[at];
				n->kids[at] = NULL;
			}
		br_jfree(n);
	}
	free(line);
	return err;
}

int br_partial_read(const char *const *files, size_t n, struct br_ensemble *e)
{
	struct br_partial first = { 0 }, p;
	struct br_jnode *hdr = NULL, *hdr0 = NULL;
	char *line = NULL;
	size_t cap = 0, i, k, at;
	ssize_t len;
	FILE *f;
	int err = 0;

	memset(e, 0, sizeof(*e));
	for (i = 0; !err && i < n; i++) {
		f = fopen(files[i], "r");
		if (!f) {
			err = -errno;
			br_err("%s: %s", files[i], strerror(-err));
			break;
		}
		len = getline(&line, &cap, f);
		err = len > 0 ? br_jparse(line, (size_t)len, &hdr, &at)
			      : -EINVAL;
		if (!err)
			err = read_header(files[i], hdr, &p);
		else
			br_err("%s:1: not the header of a partial result of "
			       "simulate --shard",
			       files[i]);
		if (!err && !i) {
			first = p;
			hdr0 = hdr;
			hdr = NULL;
			e->runs = p.runs;
			e->seed = p.seed;
			e->n_sens = p.sensitivity ? (p.runs - 1) / 2 : 0;
			e->draws = calloc(p.runs, sizeof(*e->draws));
			if (!e->draws)
				err = -ENOMEM;
		} else if (!err) {
			err = same_run(files[i], &p, &first, files[0]);
		}
		if (!err)
			err = read_draws(files[i], f, e);
		br_jfree(hdr);
		hdr = NULL;
		fclose(f);
	}
	for (k = 0; !err && k < e->runs; k++)
		if (!e->draws[k]) {
			br_err("merge: run %zu of %zu is in none of the "
			       "partial results (shard %zu of %zu missing?)",
			       k + 1, e->runs, k % first.shards, first.shards);
			err = -EINVAL;
		}
	free(line);
	br_jfree(hdr0);
	if (err)
		br_ensemble_free(e);
	return err;
}
