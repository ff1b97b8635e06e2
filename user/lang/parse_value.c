/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * parse_value.c - the literal values the languages write the same way:
 * numbers, addresses and prefixes, ports and port ranges, domain names,
 * rates and sizes. Each reports a bad value at its token (parser.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "lex.h"
#include "parser.h"

#define BR_DOMAIN_LABEL_LEN 63
#define BR_THROTTLE_MIN_BPS 8000ULL /* what a rate may be */
#define BR_THROTTLE_MAX_BPS 100000000000ULL

/* Decimal, or with hex_ok also 0x hex. -EINVAL: not a number. */
int br_parse_uint(const char *p, size_t n, int hex_ok, uint32_t *out)
{
	unsigned int base = 10, d;
	int overflow = 0;
	uint64_t v = 0;
	size_t i = 0;

	if (hex_ok && n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return -EINVAL;
	for (; i < n; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = (unsigned int)(p[i] - '0');
		else if (base == 16 && p[i] >= 'a' && p[i] <= 'f')
			d = (unsigned int)(p[i] - 'a' + 10);
		else if (base == 16 && p[i] >= 'A' && p[i] <= 'F')
			d = (unsigned int)(p[i] - 'A' + 10);
		else
			return -EINVAL;
		if (!overflow) {
			v = v * base + d;
			overflow = v > UINT32_MAX;
		}
	}
	if (overflow)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* Dotted quad; leading zeros are refused, as they read as octal elsewhere. */
static int parse_v4(const char *p, size_t n, uint8_t out[4])
{
	const char *end = p + n;
	unsigned int v, digits;
	int i;

	for (i = 0; i < 4; i++) {
		if (i) {
			if (p == end || *p != '.')
				return -EINVAL;
			p++;
		}
		v = 0;
		digits = 0;
		while (p < end && *p >= '0' && *p <= '9') {
			if (digits && !v)
				return -EINVAL;
			v = v * 10 + (unsigned int)(*p - '0');
			if (v > 255)
				return -EINVAL;
			digits++;
			p++;
		}
		if (!digits)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	return p == end ? 0 : -EINVAL;
}

static void mask_prefix(uint8_t *a, unsigned int plen, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++) {
		if (plen >= 8) {
			plen -= 8;
			continue;
		}
		a[i] &= (uint8_t)(0xff00u >> plen);
		plen = 0;
	}
}

int br_parse_prefix(struct br_parser *ps, const struct br_token *t,
		    struct br_prefix *out)
{
	const char *slash = memchr(t->start, '/', t->len);
	size_t alen = slash ? (size_t)(slash - t->start) : t->len;
	char buf[INET6_ADDRSTRLEN + 8];
	char want[INET6_ADDRSTRLEN];
	char d[BR_PARSE_DESC_LEN];
	unsigned int max, bytes;
	uint8_t masked[16];
	uint32_t plen;
	int err;

	memset(out, 0, sizeof(*out));
	if (memchr(t->start, ':', alen)) {
		/* IPv4-mapped addresses stay IPv6: that is how they travel */
		if (alen >= sizeof(buf))
			goto bad;
		memcpy(buf, t->start, alen);
		buf[alen] = '\0';
		if (inet_pton(AF_INET6, buf, out->addr) != 1)
			goto bad;
		out->family = 6;
		max = 128;
	} else {
		if (parse_v4(t->start, alen, out->addr))
			goto bad;
		out->family = 4;
		max = 32;
	}

	plen = max;
	if (slash) {
		err = br_parse_uint(slash + 1, t->len - alen - 1, 0, &plen);
		if (err == -ERANGE) {
			br_perr(ps, t->pos, "number too large in %s",
				br_parse_desc(t, d));
			return -EINVAL;
		}
		if (err)
			goto bad;
		if (plen > max) {
			br_perr(ps, t->pos,
				"prefix length %u out of range (0-%u)", plen,
				max);
			return -EINVAL;
		}
	}
	out->len = (uint8_t)plen;

	bytes = max / 8;
	memcpy(masked, out->addr, bytes);
	mask_prefix(masked, plen, bytes);
	if (memcmp(masked, out->addr, bytes)) {
		inet_ntop(out->family == 4 ? AF_INET : AF_INET6, masked, want,
			  sizeof(want));
		br_perr(ps, t->pos,
			"prefix %.*s has host bits set (did you mean %s/%u?)",
			(int)t->len, t->start, want, plen);
		return -EINVAL;
	}
	return 0;
bad:
	br_perr(ps, t->pos, "bad address %s", br_parse_desc(t, d));
	return -EINVAL;
}

int br_parse_port_range(struct br_parser *ps, const struct br_token *t,
			struct br_port_range *out)
{
	const char *dash = memchr(t->start, '-', t->len);
	size_t llen = dash ? (size_t)(dash - t->start) : t->len;
	uint32_t lo = 0, hi = 0;
	int e1, e2 = 0;
	char d[BR_PARSE_DESC_LEN];

	e1 = br_parse_uint(t->start, llen, 0, &lo);
	if (dash)
		e2 = br_parse_uint(dash + 1, t->len - llen - 1, 0, &hi);
	else
		hi = lo;
	if (e1 == -EINVAL || e2 == -EINVAL) {
		br_perr(ps, t->pos, "bad port %s", br_parse_desc(t, d));
		return -EINVAL;
	}
	if (e1 || e2) {
		br_perr(ps, t->pos, "number too large in %s",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	if (lo > 65535 || hi > 65535) {
		br_perr(ps, t->pos, "port %u out of range (0-65535)",
			lo > 65535 ? lo : hi);
		return -EINVAL;
	}
	if (lo > hi) {
		br_perr(ps, t->pos,
			"port range %u-%u is reversed (did you mean %u-%u?)",
			lo, hi, hi, lo);
		return -EINVAL;
	}
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return 0;
}

/* A byte as a message shows it: printable ASCII as is, else \xNN. */
static const char *show_byte(unsigned char c, char buf[8])
{
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, 8, "%c", c);
	else
		snprintf(buf, 8, "\\x%02x", c);
	return buf;
}

/*
 * A domain-set element: "example.com" (that name), "*.example.com" (every
 * name strictly below it) or ".example.com" (both). The name is stored
 * lowercase, without the wildcard, the leading dot or a trailing dot.
 */
/*
 * A name shown in messages as show, or, when show is NULL, as the token t
 * is described: only when there is a message, since describing every
 * element of a registry-sized set cost a sixth of its parse.
 */
#define SHOW (show ? show : br_parse_desc(t, desc))

static int domain_text(struct br_parser *ps, struct br_pos pos,
		       const char *show, const struct br_token *t,
		       const char *p, size_t n, struct br_domain *out)
{
	size_t i, label = 0;
	unsigned int labels = 1;
	uint8_t flags = BR_DOMAIN_EXACT;
	char c, bad[8], desc[BR_PARSE_DESC_LEN];

	if (n >= 2 && p[0] == '*' && p[1] == '.') {
		flags = BR_DOMAIN_BELOW;
		p += 2;
		n -= 2;
	} else if (n >= 1 && p[0] == '.') {
		flags = BR_DOMAIN_EXACT | BR_DOMAIN_BELOW;
		p++;
		n--;
	}
	if (n && p[n - 1] == '.')
		n--;
	if (!n) {
		br_perr(ps, pos, "bad domain %s: no name", SHOW);
		return -EINVAL;
	}
	if (n > BR_DOMAIN_TEXT_LEN) {
		br_perr(ps, pos, "domain %s is longer than %d bytes", SHOW,
			BR_DOMAIN_TEXT_LEN);
		return -EINVAL;
	}
	for (i = 0; i <= n; i++) {
		c = i < n ? p[i] : '.';
		if (c == '.') {
			if (i == label) {
				br_perr(ps, pos, "bad domain %s: empty label",
					SHOW);
				return -EINVAL;
			}
			if (i - label > BR_DOMAIN_LABEL_LEN) {
				br_perr(ps, pos,
					"bad domain %s: label \"%.*s\" is "
					"longer than %d bytes",
					SHOW, (int)(i - label), p + label,
					BR_DOMAIN_LABEL_LEN);
				return -EINVAL;
			}
			if (i < n)
				labels++;
			label = i + 1;
			continue;
		}
		if (c == '*') {
			br_perr(ps, pos,
				"bad domain %s: \"*\" only as a whole first "
				"label, as in \"*.example.com\"",
				SHOW);
			return -EINVAL;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_')) {
			br_perr(ps, pos,
				"bad domain %s: \"%s\" is not allowed in a "
				"name (letters, digits, \"-\" and \"_\")",
				SHOW, show_byte((unsigned char)c, bad));
			return -EINVAL;
		}
	}
	/* domain.h: a name keeps only its 15 shortest proper suffixes */
	if ((flags & BR_DOMAIN_BELOW) && labels >= BR_DOMAIN_MAX_LABELS) {
		br_perr(ps, pos,
			"domain %s has %u labels: names below it cannot be "
			"matched (at most %d for \"*.\" or \".\" entries)",
			SHOW, labels, BR_DOMAIN_MAX_LABELS - 1);
		return -EINVAL;
	}
	out->name = malloc(n + 1);
	if (!out->name)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		c = p[i];
		out->name[i] = c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
	}
	out->name[n] = '\0';
	out->flags = flags;
	out->pos = pos;
	return 0;
}

#undef SHOW

int br_parse_domain_text(struct br_parser *ps, struct br_pos pos,
			 const char *show, const char *p, size_t n,
			 struct br_domain *out)
{
	return domain_text(ps, pos, show, NULL, p, n, out);
}

int br_parse_domain(struct br_parser *ps, const struct br_token *t,
		    struct br_domain *out)
{
	return domain_text(ps, t->pos, NULL, t, t->start, t->len, out);
}

/* Leading decimal digits of p[0, n) into *v; their count, 0 on overflow. */
static size_t parse_digits(const char *p, size_t n, uint64_t *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (*v > (UINT64_MAX - 9) / 10)
			return 0;
		*v = *v * 10 + (uint64_t)(p[i] - '0');
	}
	return i;
}

/* RATE: an integer and bit, kbit, mbit or gbit (SI), optionally "/s". */
int br_parse_rate(struct br_parser *ps, const struct br_token *t, uint64_t *bps)
{
	static const struct {
		const char *unit;
		uint64_t mul;
	} units[] = {
		{ "bit", 1 },
		{ "kbit", 1000 },
		{ "mbit", 1000000 },
		{ "gbit", 1000000000 },
	};
	size_t n = t->len, digits, i, ulen;
	char d[BR_PARSE_DESC_LEN];
	uint64_t v;

	if (n > 2 && !memcmp(t->start + n - 2, "/s", 2))
		n -= 2;
	digits = parse_digits(t->start, n, &v);
	if (!digits && n && t->start[0] >= '0' && t->start[0] <= '9')
		goto range;
	for (i = 0; digits && i < sizeof(units) / sizeof(units[0]); i++) {
		ulen = strlen(units[i].unit);
		if (n - digits != ulen ||
		    memcmp(t->start + digits, units[i].unit, ulen))
			continue;
		if (v > BR_THROTTLE_MAX_BPS / units[i].mul)
			goto range;
		v *= units[i].mul;
		if (v < BR_THROTTLE_MIN_BPS || v > BR_THROTTLE_MAX_BPS)
			goto range;
		*bps = v;
		return 0;
	}
	br_perr(ps, t->pos,
		"bad rate %s (expected a number and bit, kbit, mbit or gbit, "
		"as in 128kbit)",
		br_parse_desc(t, d));
	return -EINVAL;
range:
	br_perr(ps, t->pos, "rate %s out of range (8kbit to 100gbit)",
		br_parse_desc(t, d));
	return -EINVAL;
}

/* SIZE: bytes, or an integer and B, K, KB, KiB (1024), MB or MiB (2^20). */
int br_parse_size(struct br_parser *ps, const struct br_token *t,
		  const char *what, uint32_t *bytes)
{
	static const struct {
		const char *unit;
		uint64_t mul;
	} units[] = {
		{ "", 1 },	     { "B", 1 },	 { "K", 1024 },
		{ "KB", 1024 },	     { "KiB", 1024 },	 { "MB", 1048576 },
		{ "MiB", 1048576 },
	};
	size_t digits, i, ulen;
	char d[BR_PARSE_DESC_LEN];
	uint64_t v;

	digits = parse_digits(t->start, t->len, &v);
	if (!digits && t->start[0] >= '0' && t->start[0] <= '9')
		goto range;
	for (i = 0; digits && i < sizeof(units) / sizeof(units[0]); i++) {
		ulen = strlen(units[i].unit);
		if (t->len - digits != ulen ||
		    memcmp(t->start + digits, units[i].unit, ulen))
			continue;
		if (v > UINT32_MAX / units[i].mul)
			goto range;
		*bytes = (uint32_t)(v * units[i].mul);
		return 0;
	}
	br_perr(ps, t->pos,
		"bad size %s (expected bytes, or a number and B, K, KB, KiB, "
		"MB "
		"or MiB, as in 16KB)",
		br_parse_desc(t, d));
	return -EINVAL;
range:
	br_perr(ps, t->pos, "%s %s too large (at most %u bytes)", what,
		br_parse_desc(t, d), UINT32_MAX);
	return -EINVAL;
}

/*
 * DURATION (parser.h): a decimal number (at most 9 decimals) and ms, s,
 * m, h or d ("10s", "1.5m", "500ms", "28d"), above 0, at most max; the
 * catalog's deadlines and expiries, a policy's penalties.
 */
int br_parse_duration(struct br_parser *ps, const struct br_token *t,
		      const char *what, uint64_t max, uint64_t *out)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
		{ "ms", 1000000ull },
		{ "s", 1000000000ull },
		{ "m", 60 * 1000000000ull },
		{ "h", 3600 * 1000000000ull },
		{ "d", 24 * 3600 * 1000000000ull },
	};
	const uint64_t hour = 3600 * 1000000000ull, day = 24 * hour;
	const char *p = t->start, *end = t->start + t->len;
	uint64_t whole = 0, frac = 0, scale = 1, unit = 0, ns;
	char d[BR_PARSE_DESC_LEN], most[32];
	size_t i, digits = 0, decimals = 0;

	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++)
		if (digits < 12)
			whole = whole * 10 + (uint64_t)(*p - '0');
	if (!digits)
		goto bad;
	if (p < end && *p == '.') {
		for (p++; p < end && *p >= '0' && *p <= '9'; p++, decimals++) {
			if (decimals >= 9)
				goto bad;
			frac = frac * 10 + (uint64_t)(*p - '0');
			scale *= 10;
		}
		if (!decimals)
			goto bad;
	}
	for (i = 0; i < ARRAY_SIZE(units); i++)
		if ((size_t)(end - p) == strlen(units[i].unit) &&
		    !memcmp(p, units[i].unit, (size_t)(end - p)))
			unit = units[i].ns;
	if (!unit)
		goto bad;
	if (digits > 12 || whole > max / unit)
		goto range;
	ns = whole * unit +
	     (uint64_t)((unsigned __int128)frac * unit / scale);
	if (!ns || ns > max)
		goto range;
	*out = ns;
	return 0;
range:
	/* max as written: "24h", "30d" */
	if (max > day && !(max % day))
		snprintf(most, sizeof(most), "%llud",
			 (unsigned long long)(max / day));
	else if (!(max % hour))
		snprintf(most, sizeof(most), "%lluh",
			 (unsigned long long)(max / hour));
	else
		snprintf(most, sizeof(most), "%llums",
			 (unsigned long long)(max / 1000000ull));
	br_perr(ps, t->pos, "%s %s out of range (more than 0, at most %s)",
		what, br_parse_desc(t, d), most);
	return -EINVAL;
bad:
	br_perr(ps, t->pos,
		"bad %s %s (expected a number and ms, s, m, h or d, as in "
		"10s or 500ms)",
		what, br_parse_desc(t, d));
	return -EINVAL;
}

void br_prefix_format(const struct br_prefix *p, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, addr,
		  sizeof(addr));
	if (p->len == (p->family == 4 ? 32 : 128))
		snprintf(buf, len, "%s", addr);
	else
		snprintf(buf, len, "%s/%u", addr, p->len);
}

static int dec_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* parser.h; the languages' percentages, shares, rates and times. */
int br_parse_decimal(const char *p, size_t n, uint64_t *out, size_t *used)
{
	uint64_t whole = 0, frac = 0, scale = BR_DECIMAL_UNIT;
	size_t i = 0, digits;

	for (digits = 0; i < n && dec_digit(p[i]); i++, digits++) {
		if (whole > (UINT64_MAX / BR_DECIMAL_UNIT - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(p[i] - '0');
	}
	if (!digits)
		return -EINVAL;
	if (i < n && p[i] == '.') {
		i++;
		for (digits = 0; i < n && dec_digit(p[i]); i++, digits++) {
			if (digits == BR_DECIMAL_DIGITS)
				return -EINVAL;
			scale /= 10;
			frac += (uint64_t)(p[i] - '0') * scale;
		}
		if (!digits)
			return -EINVAL;
	}
	*out = whole * BR_DECIMAL_UNIT + frac;
	*used = i;
	return 0;
}
