/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * addrmap.h - the lab's address map (issue 14): the real prefixes the
 * catalog and the policies name (Apple's 17.0.0.0/8, AWS's ranges,
 * Telegram's, ...) moved into the lab's ranges, so that a shipped policy
 * loads in the lab unmodified (its sets rewritten by the map on the fly)
 * and hits there what it would hit on a real link.
 *
 * The map keeps containment both ways: for every prefix P it was built
 * with and every address a, a is in P exactly when map(a) is in map(P);
 * P inside Q exactly when map(P) is inside map(Q); disjoint prefixes get
 * disjoint blocks. Sizes do not carry over: a block gets room for its
 * sub-prefixes' blocks and for at most BR_ADDRMAP_HOSTS addresses of its
 * own (those in no sub-prefix), so many real hosts share a lab host.
 *
 * The world goes to 198.19.0.0/17 and 2001:db8:8000::/33 (RFC 2544, RFC
 * 3849): the lab's devices and its own servers use the rest of the ranges.
 */
#ifndef BR_ADDRMAP_H
#define BR_ADDRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "policy_ir.h"

#define BR_ADDRMAP_WORLD4 { .family = 4, .len = 17, .addr = { 198, 19 } }
#define BR_ADDRMAP_WORLD6                                              \
	{ .family = 6, .len = 33, .addr = { 0x20, 0x01, 0x0d, 0xb8, 0x80 } }

/* Lab hosts a block keeps for the addresses in none of its sub-prefixes. */
#define BR_ADDRMAP_HOSTS 16

struct br_addrmap;

/* An empty map: add prefixes, then build. 0 or -ENOMEM. */
int br_addrmap_new(struct br_addrmap **out);
void br_addrmap_free(struct br_addrmap *m);

/* A prefix the map must keep (duplicates are fine). 0 or -errno. */
int br_addrmap_add(struct br_addrmap *m, const struct br_prefix *p);

/* Every prefix of the address sets among sets[0..n). 0 or -errno. */
int br_addrmap_add_sets(struct br_addrmap *m, const struct br_set *sets,
			size_t n);

/* Place every block: 0, or -ENOSPC if they do not fit the world. */
int br_addrmap_build(struct br_addrmap *m);

/* The block of a prefix added before the build; -ENOENT for another. */
int br_addrmap_prefix(const struct br_addrmap *m, const struct br_prefix *real,
		      struct br_prefix *lab);

/* Where an address of family 4 or 6 goes (16 bytes, IPv4 in the first 4). */
void br_addrmap_addr(const struct br_addrmap *m, int family,
		     const uint8_t real[16], uint8_t lab[16]);

/*
 * Rewrite the address sets among sets[0..n) in place, every prefix to its
 * block. -ENOENT (and *bad the set's index) for a prefix the map was not
 * built with.
 */
int br_addrmap_rewrite(const struct br_addrmap *m, struct br_set *sets,
		       size_t n, size_t *bad);

/* Whether an address of family 4 or 6 lies in the lab's world. */
bool br_addrmap_in_world(int family, const uint8_t addr[16]);

/* The map's prefixes in order (families apart, each in address order). */
size_t br_addrmap_count(const struct br_addrmap *m);
void br_addrmap_entry(const struct br_addrmap *m, size_t i,
		      struct br_prefix *real, struct br_prefix *lab);

#endif /* BR_ADDRMAP_H */
