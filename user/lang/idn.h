/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * idn.h - internationalised domain names as the registry dump writes them
 * (windows-1251 bytes) turned into the ASCII form the policy language
 * takes (lowercase labels, "xn--" + RFC 3492 Punycode for the others).
 */
#ifndef BR_IDN_H
#define BR_IDN_H

#include <stddef.h>
#include <stdint.h>

/* The longest name the language takes (policies/README.md, "Sets"). */
#define BR_IDN_NAME_MAX 253
#define BR_IDN_LABEL_MAX 63

/* The Unicode code point of a windows-1251 byte; 0 for 0x98 (unassigned). */
uint32_t br_cp1251_to_ucs(uint8_t b);

/*
 * RFC 3492 Punycode of the n code points cp (section 6.3), without the
 * "xn--" prefix, into out (NUL-terminated): its length, or -E2BIG when
 * it does not fit in size bytes, -EOVERFLOW on the RFC's overflow.
 */
int br_punycode_encode(const uint32_t *cp, size_t n, char *out, size_t size);

/*
 * A windows-1251 domain (len bytes, no NUL needed) in the language's form:
 * lowercased, each non-ASCII label as "xn--" Punycode, a trailing dot
 * dropped, a leading "*." kept. Its length, or -EINVAL with *why set (a
 * static message) when it is not a name the language can hold.
 */
int br_idn_domain(const char *in, size_t len, char *out, size_t size,
		  const char **why);

#endif /* BR_IDN_H */
