// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * idn.c - windows-1251 to Unicode, RFC 3492 Punycode, and a registry
 * domain in the policy language's ASCII form; see idn.h.
 *
 * Not full IDNA: labels are lowercased (ASCII and Cyrillic, the letters
 * the registry's names use) but not normalised (no NFKC, no UTS #46
 * mapping). Assumption: the registry's names are already in the form a
 * browser would send (docs/REGISTRY.md).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "idn.h"

/* windows-1251 0x80..0xBF; 0xC0..0xFF are U+0410..U+044F in order. */
static const uint16_t br_cp1251_high[64] = {
	0x0402, 0x0403, 0x201a, 0x0453, 0x201e, 0x2026, 0x2020, 0x2021,
	0x20ac, 0x2030, 0x0409, 0x2039, 0x040a, 0x040c, 0x040b, 0x040f,
	0x0452, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x0000, 0x2122, 0x0459, 0x203a, 0x045a, 0x045c, 0x045b, 0x045f,
	0x00a0, 0x040e, 0x045e, 0x0408, 0x00a4, 0x0490, 0x00a6, 0x00a7,
	0x0401, 0x00a9, 0x0404, 0x00ab, 0x00ac, 0x00ad, 0x00ae, 0x0407,
	0x00b0, 0x00b1, 0x0406, 0x0456, 0x0491, 0x00b5, 0x00b6, 0x00b7,
	0x0451, 0x2116, 0x0454, 0x00bb, 0x0458, 0x0405, 0x0455, 0x0457,
};

uint32_t br_cp1251_to_ucs(uint8_t b)
{
	if (b < 0x80)
		return b;
	if (b >= 0xc0)
		return 0x0410 + (b - 0xc0);
	return br_cp1251_high[b - 0x80];
}

/* RFC 3492 section 5: the Punycode parameters. */
enum {
	PC_BASE = 36,
	PC_TMIN = 1,
	PC_TMAX = 26,
	PC_SKEW = 38,
	PC_DAMP = 700,
	PC_INITIAL_BIAS = 72,
	PC_INITIAL_N = 0x80,
};

static char br_pc_digit(uint32_t d)
{
	return d < 26 ? (char)('a' + d) : (char)('0' + d - 26);
}

/* RFC 3492 section 6.1. */
static uint32_t br_pc_adapt(uint32_t delta, uint32_t points, bool first)
{
	uint32_t k = 0;

	delta = first ? delta / PC_DAMP : delta / 2;
	delta += delta / points;
	while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
		delta /= PC_BASE - PC_TMIN;
		k += PC_BASE;
	}
	return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

/* One delta as a generalised variable-length integer (section 6.3). */
static int br_pc_put_delta(uint32_t q, uint32_t bias, char *out, size_t size,
			   size_t *o)
{
	uint32_t k, t;

	for (k = PC_BASE;; k += PC_BASE) {
		t = k <= bias		  ? PC_TMIN
		    : k >= bias + PC_TMAX ? PC_TMAX
					  : k - bias;
		if (q < t)
			break;
		if (*o + 1 >= size)
			return -E2BIG;
		out[(*o)++] = br_pc_digit(t + (q - t) % (PC_BASE - t));
		q = (q - t) / (PC_BASE - t);
	}
	if (*o + 1 >= size)
		return -E2BIG;
	out[(*o)++] = br_pc_digit(q);
	return 0;
}

int br_punycode_encode(const uint32_t *cp, size_t n, char *out, size_t size)
{
	uint32_t cur = PC_INITIAL_N, delta = 0, bias = PC_INITIAL_BIAS;
	uint32_t h, b, m;
	size_t i, o = 0;
	int err;

	if (!size)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		if (cp[i] >= 0x80)
			continue;
		if (o + 1 >= size)
			return -E2BIG;
		out[o++] = (char)cp[i];
	}
	h = b = (uint32_t)o;
	if (b) {
		if (o + 1 >= size)
			return -E2BIG;
		out[o++] = '-';
	}
	while (h < n) {
		m = UINT32_MAX;
		for (i = 0; i < n; i++)
			if (cp[i] >= cur && cp[i] < m)
				m = cp[i];
		if ((uint64_t)(m - cur) * (h + 1) > UINT32_MAX - delta)
			return -EOVERFLOW;
		delta += (m - cur) * (h + 1);
		cur = m;
		for (i = 0; i < n; i++) {
			if (cp[i] < cur && ++delta == 0)
				return -EOVERFLOW;
			if (cp[i] != cur)
				continue;
			err = br_pc_put_delta(delta, bias, out, size, &o);
			if (err)
				return err;
			bias = br_pc_adapt(delta, h + 1, h == b);
			delta = 0;
			h++;
		}
		delta++;
		cur++;
	}
	out[o] = '\0';
	return (int)o;
}

/* Lowercase; 0 for a code point a registry name may not hold. */
static uint32_t br_idn_fold(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	    c == '_')
		return c;
	if (c >= 0x0400 && c <= 0x040f) /* Ѐ..Џ */
		return c + 0x50;
	if (c >= 0x0410 && c <= 0x042f) /* А..Я */
		return c + 0x20;
	if (c >= 0x0430 && c <= 0x045f)
		return c;
	if (c == 0x0490 || c == 0x0491) /* Ґ ґ */
		return 0x0491;
	return 0;
}

/* One label of n code points, folded, onto out at *o. */
static int br_idn_label(const uint32_t *cp, size_t n, char *out, size_t size,
			size_t *o, const char **why)
{
	char buf[BR_IDN_LABEL_MAX + 1];
	bool ascii = true;
	size_t i;
	int len;

	if (!n) {
		*why = "empty label";
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		ascii &= cp[i] < 0x80;
	if (ascii) {
		if (n > BR_IDN_LABEL_MAX)
			goto long_label;
		for (i = 0; i < n; i++)
			buf[i] = (char)cp[i];
		len = (int)n;
	} else {
		memcpy(buf, "xn--", 4);
		len = br_punycode_encode(cp, n, buf + 4, sizeof(buf) - 4);
		if (len < 0)
			goto long_label;
		len += 4;
	}
	if (*o + (size_t)len + 1 >= size ||
	    *o + (size_t)len > BR_IDN_NAME_MAX) {
		*why = "name longer than 253 bytes";
		return -EINVAL;
	}
	memcpy(out + *o, buf, (size_t)len);
	*o += (size_t)len;
	return 0;
long_label:
	*why = "label longer than 63 bytes";
	return -EINVAL;
}

int br_idn_domain(const char *in, size_t len, char *out, size_t size,
		  const char **why)
{
	uint32_t cp[BR_IDN_NAME_MAX + 1], c;
	size_t i, n = 0, o = 0, labels = 0;
	bool wild = false;
	int err;

	if (len && in[len - 1] == '.')
		len--;
	if (len >= 2 && in[0] == '*' && in[1] == '.') {
		if (size < 3)
			return -E2BIG;
		memcpy(out, "*.", 2);
		o = 2;
		wild = true;
		in += 2;
		len -= 2;
	}
	if (!len || len > BR_IDN_NAME_MAX) {
		*why = len ? "name longer than 253 bytes" : "empty name";
		return -EINVAL;
	}
	for (i = 0; i <= len; i++) {
		if (i < len && in[i] != '.') {
			c = br_idn_fold(br_cp1251_to_ucs((uint8_t)in[i]));
			if (!c) {
				*why = "character not allowed in a name";
				return -EINVAL;
			}
			cp[n++] = c;
			continue;
		}
		if (labels++) {
			if (o + 2 >= size) {
				*why = "name longer than 253 bytes";
				return -EINVAL;
			}
			out[o++] = '.';
		}
		err = br_idn_label(cp, n, out, size, &o, why);
		if (err)
			return err;
		n = 0;
	}
	/* the dataplane looks up at most 15 suffixes (policies/README.md) */
	if (wild && labels > 15) {
		*why = "wildcard name deeper than 15 labels";
		return -EINVAL;
	}
	out[o] = '\0';
	return (int)o;
}
