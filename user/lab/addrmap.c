// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * addrmap.c - the lab's address map; see addrmap.h.
 *
 * Per family, the prefixes form a tree under the whole address space (its
 * root). Bottom up, a node's block is the smallest power of two that holds
 * its children's blocks and min(its own addresses, BR_ADDRMAP_HOSTS) more:
 * its "own" addresses being those in none of its children. Top down, the
 * children are laid out largest first from the block's start (so each is
 * aligned to its size), and the node's own lab hosts follow them. An
 * address goes to its deepest node's own hosts, by its offset in the real
 * prefix modulo their number. Containment follows: a node's block holds
 * exactly its descendants' blocks and its own hosts.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "addrmap.h"

typedef unsigned __int128 u128;

#define NO_NODE (-1)

struct node {
	struct br_prefix p;
	u128 base;	    /* the real prefix as a number */
	u128 lab;	    /* its block's first address */
	u128 own;	    /* first of its own lab hosts */
	u128 n_own;	    /* how many */
	unsigned int log2;  /* the block holds 2^log2 addresses */
	int first, next;    /* children, largest block first; siblings */
};

struct tree {
	struct node *v;	    /* [0] the root, then in (base, len) order */
	size_t n, cap;
	unsigned int width; /* 32 or 128 */
	bool built;
};

struct br_addrmap {
	struct tree t[2]; /* IPv4, IPv6 */
};

static struct tree *tree_of(struct br_addrmap *m, int family)
{
	return &m->t[family == 6];
}

static u128 num_of(const uint8_t *a, unsigned int width)
{
	u128 x = 0;
	unsigned int i;

	for (i = 0; i < width / 8; i++)
		x = x << 8 | a[i];
	return x;
}

static void bytes_of(u128 x, unsigned int width, uint8_t *a)
{
	int i;

	memset(a, 0, 16);
	for (i = width / 8 - 1; i >= 0; i--) {
		a[i] = (uint8_t)x;
		x >>= 8;
	}
}

/* 2^k, for k < 128. */
static u128 pow2(unsigned int k)
{
	return (u128)1 << k;
}

/* Whether the prefix (base, len) holds x. */
static bool holds(u128 base, unsigned int len, unsigned int width, u128 x)
{
	unsigned int host = width - len;

	if (host >= 128)
		return true;
	return (x >> host) == (base >> host);
}

bool br_addrmap_in_world(int family, const uint8_t addr[16])
{
	const struct br_prefix w4 = BR_ADDRMAP_WORLD4, w6 = BR_ADDRMAP_WORLD6;
	const struct br_prefix *w = family == 4 ? &w4 : &w6;
	unsigned int width = family == 4 ? 32 : 128;

	return holds(num_of(w->addr, width), w->len, width,
		     num_of(addr, width));
}

int br_addrmap_new(struct br_addrmap **out)
{
	struct br_addrmap *m = calloc(1, sizeof(*m));
	int f;

	if (!m)
		return -ENOMEM;
	for (f = 0; f < 2; f++) {
		m->t[f].width = f ? 128 : 32;
		m->t[f].cap = 64;
		m->t[f].v = calloc(m->t[f].cap, sizeof(struct node));
		if (!m->t[f].v) {
			br_addrmap_free(m);
			return -ENOMEM;
		}
		m->t[f].n = 1; /* the root: the whole space */
		m->t[f].v[0].p.family = f ? 6 : 4;
	}
	*out = m;
	return 0;
}

void br_addrmap_free(struct br_addrmap *m)
{
	if (!m)
		return;
	free(m->t[0].v);
	free(m->t[1].v);
	free(m);
}

int br_addrmap_add(struct br_addrmap *m, const struct br_prefix *p)
{
	struct tree *t;
	struct node *v;

	if (p->family != 4 && p->family != 6)
		return -EINVAL;
	t = tree_of(m, p->family);
	if (p->len > t->width)
		return -EINVAL;
	if (t->n == t->cap) {
		v = realloc(t->v, 2 * t->cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap *= 2;
	}
	memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
	t->v[t->n].p = *p;
	t->v[t->n].base = num_of(p->addr, t->width);
	t->n++;
	t->built = false;
	return 0;
}

int br_addrmap_add_sets(struct br_addrmap *m, const struct br_set *sets,
			size_t n)
{
	size_t i, k;
	int err;

	for (i = 0; i < n; i++) {
		if (sets[i].type != BR_SET_ADDR)
			continue;
		for (k = 0; k < sets[i].n; k++) {
			err = br_addrmap_add(m, &sets[i].prefixes[k]);
			if (err)
				return err;
		}
	}
	return 0;
}

/* (base, len) order: a prefix before the prefixes inside it. */
static int node_cmp(const void *a, const void *b)
{
	const struct node *x = a, *y = b;

	if (x->base != y->base)
		return x->base < y->base ? -1 : 1;
	return (int)x->p.len - (int)y->p.len;
}

/* Sort, drop duplicates and link each node under its parent. */
static int tree_link(struct tree *t, int *parent)
{
	int *stack, top = 0;
	size_t i, n = 1;

	qsort(t->v + 1, t->n - 1, sizeof(*t->v), node_cmp);
	for (i = 1; i < t->n; i++) /* the root is /0: drop a "/0" added */
		if (t->v[i].p.len && (n == 1 || node_cmp(&t->v[i],
							 &t->v[n - 1])))
			t->v[n++] = t->v[i];
	t->n = n;
	stack = malloc(t->n * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	stack[0] = 0;
	parent[0] = NO_NODE;
	for (i = 1; i < t->n; i++) {
		while (top && !holds(t->v[stack[top]].base,
				     t->v[stack[top]].p.len, t->width,
				     t->v[i].base))
			top--;
		parent[i] = stack[top];
		stack[++top] = (int)i;
	}
	free(stack);
	return 0;
}

static unsigned int ceil_log2(u128 x)
{
	unsigned int k = 0;

	while (pow2(k) < x)
		k++;
	return k;
}

/* For sorting siblings: by parent, then largest block first, then base. */
struct sib {
	int parent, node;
	unsigned int log2;
	u128 base;
};

static int sib_cmp(const void *a, const void *b)
{
	const struct sib *x = a, *y = b;

	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	if (x->log2 != y->log2)
		return x->log2 > y->log2 ? -1 : 1;
	return x->base < y->base ? -1 : x->base > y->base;
}

/* Link each node's children, largest block first. */
static int link_children(struct tree *t, const int *parent)
{
	struct sib *s = malloc(t->n * sizeof(*s));
	size_t i;

	if (!s)
		return -ENOMEM;
	for (i = 0; i < t->n; i++)
		t->v[i].first = t->v[i].next = NO_NODE;
	for (i = 1; i < t->n; i++)
		s[i - 1] = (struct sib){ parent[i], (int)i, t->v[i].log2,
					 t->v[i].base };
	qsort(s, t->n - 1, sizeof(*s), sib_cmp);
	for (i = t->n - 1; i-- > 0;) { /* from the last, each in front */
		t->v[s[i].node].next = t->v[s[i].parent].first;
		t->v[s[i].parent].first = s[i].node;
	}
	free(s);
	return 0;
}

/*
 * Bottom up (children come after their parent): a node's own addresses
 * are the real ones its children leave (capped), its block the power of
 * two that holds its children's blocks and them.
 */
static int size_blocks(struct tree *t, const int *parent, unsigned int wlog2)
{
	u128 *covered = calloc(t->n, sizeof(*covered)), left;
	bool *full = calloc(t->n, sizeof(*full));
	unsigned int host;
	size_t i;
	int err = 0, p;

	if (!covered || !full) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < t->n; i++)
		t->v[i].own = 0; /* the sum of the children's blocks */
	for (i = t->n; i-- > 0;) {
		host = t->width - t->v[i].p.len;
		if (full[i])
			left = 0; /* the children make up all 2^128 */
		else if (host == 128)
			left = covered[i] ? (u128)0 - covered[i]
					  : BR_ADDRMAP_HOSTS;
		else
			left = pow2(host) - covered[i];
		t->v[i].n_own = left < BR_ADDRMAP_HOSTS ? left
							: BR_ADDRMAP_HOSTS;
		t->v[i].log2 = ceil_log2(t->v[i].own + t->v[i].n_own);
		if (t->v[i].log2 > wlog2) {
			err = -ENOSPC;
			goto out;
		}
		p = parent[i];
		if (p == NO_NODE)
			continue;
		t->v[p].own += pow2(t->v[i].log2);
		if (covered[p] + pow2(host) < covered[p])
			full[p] = true;
		covered[p] += pow2(host);
	}
out:
	free(covered);
	free(full);
	return err;
}

static int tree_build(struct tree *t, const struct br_prefix *world)
{
	int *parent, c;
	size_t i;
	int err;

	parent = malloc(t->n * sizeof(*parent));
	if (!parent)
		return -ENOMEM;
	err = tree_link(t, parent);
	if (!err)
		err = size_blocks(t, parent, t->width - world->len);
	if (!err)
		err = link_children(t, parent);
	if (err)
		goto out;
	/* top down: a block's children from its start, then its own hosts */
	t->v[0].lab = num_of(world->addr, t->width);
	for (i = 0; i < t->n; i++) {
		u128 off = t->v[i].lab;

		t->v[i].own += t->v[i].lab;
		for (c = t->v[i].first; c != NO_NODE; c = t->v[c].next) {
			t->v[c].lab = off;
			off += pow2(t->v[c].log2);
		}
	}
	t->built = true;
out:
	free(parent);
	return err;
}

int br_addrmap_build(struct br_addrmap *m)
{
	const struct br_prefix w4 = BR_ADDRMAP_WORLD4, w6 = BR_ADDRMAP_WORLD6;
	int err = tree_build(&m->t[0], &w4);

	return err ? err : tree_build(&m->t[1], &w6);
}

/* The node of exactly (base, len), or NULL. */
static const struct node *find(const struct tree *t, u128 base,
			       unsigned int len)
{
	size_t lo = 1, hi = t->n;
	struct node key = { .base = base, .p.len = len };

	if (!len)
		return &t->v[0];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = node_cmp(&key, &t->v[mid]);

		if (!d)
			return &t->v[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int br_addrmap_prefix(const struct br_addrmap *m, const struct br_prefix *real,
		      struct br_prefix *lab)
{
	const struct tree *t = &m->t[real->family == 6];
	const struct node *v;

	if ((real->family != 4 && real->family != 6) || !t->built)
		return -EINVAL;
	v = find(t, num_of(real->addr, t->width), real->len);
	if (!v)
		return -ENOENT;
	lab->family = real->family;
	lab->len = t->width - v->log2;
	bytes_of(v->lab, t->width, lab->addr);
	return 0;
}

void br_addrmap_addr(const struct br_addrmap *m, int family,
		     const uint8_t real[16], uint8_t lab[16])
{
	const struct tree *t = &m->t[family == 6];
	u128 x = num_of(real, t->width);
	const struct node *v = &t->v[0];
	int c;

	/* down to the deepest prefix that holds it */
	for (c = v->first; c != NO_NODE;) {
		if (holds(t->v[c].base, t->v[c].p.len, t->width, x)) {
			v = &t->v[c];
			c = v->first;
		} else {
			c = t->v[c].next;
		}
	}
	bytes_of(v->own + (v->n_own ? (x - v->base) % v->n_own : 0), t->width,
		 lab);
}

int br_addrmap_rewrite(const struct br_addrmap *m, struct br_set *sets,
		       size_t n, size_t *bad)
{
	struct br_prefix lab;
	size_t i, k;
	int err;

	for (i = 0; i < n; i++) {
		if (sets[i].type != BR_SET_ADDR)
			continue;
		for (k = 0; k < sets[i].n; k++) {
			err = br_addrmap_prefix(m, &sets[i].prefixes[k], &lab);
			if (err) {
				if (bad)
					*bad = i;
				return err;
			}
			sets[i].prefixes[k] = lab;
		}
	}
	return 0;
}

size_t br_addrmap_count(const struct br_addrmap *m)
{
	return m->t[0].n - 1 + m->t[1].n - 1;
}

void br_addrmap_entry(const struct br_addrmap *m, size_t i,
		      struct br_prefix *real, struct br_prefix *lab)
{
	const struct tree *t = &m->t[i >= m->t[0].n - 1];

	if (i >= m->t[0].n - 1)
		i -= m->t[0].n - 1;
	*real = t->v[i + 1].p;
	br_addrmap_prefix(m, real, lab);
}
