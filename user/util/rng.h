/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * rng.h - the model's deterministic randomness: splitmix64 (Steele, Lea
 * and Flood, "Fast splittable pseudorandom number generators", OOPSLA
 * 2014). Never seeded from time or addresses: the same seed gives the
 * same bytes.
 */
#ifndef BR_RNG_H
#define BR_RNG_H

#include <stdint.h>

/* The splitmix64 finaliser of z + the golden gamma: a well-mixed hash. */
static inline uint64_t br_mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The next number of the stream in *state. */
static inline uint64_t br_rnd(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ull;
	return br_mix64(*state);
}

/* Uniform in [0, 1), 53 bits. */
static inline double br_rnd01(uint64_t *state)
{
	return (double)(br_rnd(state) >> 11) * (1.0 / 9007199254740992.0);
}

#endif /* BR_RNG_H */
