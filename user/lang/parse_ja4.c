// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * parse_ja4.c - a JA4 fingerprint as a policy writes it, into the key and
 * mask the dataplane matches (abi.h, struct br_ja4_rules).
 *
 * JA4 is FoxIO's technical_details/JA4.md (read at commit 0e54bc8):
 * "t13d1516h2_8daaf6152771_e5627efa2ab1". Each of the three parts may be
 * "*" instead, for any value of it: "t13d1516h2_*_*" matches a hello of
 * that shape whatever its ciphers and extensions are, "*_8daaf6152771_*"
 * one with those cipher suites. A bad character is reported at its
 * column.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "parser.h"
#include "policy_ir.h"

#define BR_JA4_HEX (BR_JA4_HASH_LEN * 2)

/* The JA4_a versions, JA4.md's table: TLS, SSL and DTLS, or 00. */
static const char *const ja4_versions[] = {
	"13", "12", "11", "10", "s3", "s2", "d1", "d2", "d3", "00",
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hex_val(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static struct br_pos at(const struct br_token *t, size_t off)
{
	struct br_pos pos = t->pos;

	pos.col += (int)off;
	return pos;
}

/* JA4_a, 10 characters at t->start + off. */
static int parse_a(struct br_parser *ps, const struct br_token *t, size_t off,
		   char *out)
{
	const char *p = t->start + off;
	size_t i;

	if (p[0] == 'q' || p[0] == 'd') {
		br_perr(ps, at(t, off),
			"a JA4 of a %s hello (\"%c\"): blastradius "
			"fingerprints TLS over TCP only (\"t\")",
			p[0] == 'q' ? "QUIC" : "DTLS", p[0]);
		return -EINVAL;
	}
	if (p[0] != 't') {
		br_perr(ps, at(t, off),
			"JA4_a starts with the transport \"t\" (TLS over "
			"TCP), not \"%c\"", p[0]);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(ja4_versions) / sizeof(ja4_versions[0]); i++)
		if (!memcmp(p + 1, ja4_versions[i], 2))
			break;
	if (i == sizeof(ja4_versions) / sizeof(ja4_versions[0])) {
		br_perr(ps, at(t, off + 1),
			"unknown JA4 version \"%.2s\" (expected 13, 12, 11, "
			"10, s3, s2, d1, d2, d3 or 00)", p + 1);
		return -EINVAL;
	}
	if (p[3] != 'd' && p[3] != 'i') {
		br_perr(ps, at(t, off + 3),
			"JA4_a's fourth character is \"d\" (server_name "
			"sent) or \"i\" (none), not \"%c\"", p[3]);
		return -EINVAL;
	}
	for (i = 4; i < 8; i++) {
		if (is_digit(p[i]))
			continue;
		br_perr(ps, at(t, off + i),
			"JA4_a's %s count is two decimal digits",
			i < 6 ? "cipher suite" : "extension");
		return -EINVAL;
	}
	for (i = 8; i < 10; i++) {
		if (is_alnum(p[i]))
			continue;
		br_perr(ps, at(t, off + i),
			"JA4_a ends with two letters or digits of the first "
			"ALPN (\"00\" for none)");
		return -EINVAL;
	}
	memcpy(out, p, BR_JA4_A_LEN);
	return 0;
}

/* JA4_b or JA4_c, 12 hex digits at t->start + off, into 6 bytes. */
static int parse_hash(struct br_parser *ps, const struct br_token *t,
		      size_t off, const char *name, __u8 *out)
{
	const char *p = t->start + off;
	int i, hi, lo;

	for (i = 0; i < BR_JA4_HEX; i++) {
		if (hex_val(p[i]) >= 0)
			continue;
		br_perr(ps, at(t, off + (size_t)i),
			"%s is 12 hex digits (or \"*\"), not \"%c\" here",
			name, p[i]);
		return -EINVAL;
	}
	for (i = 0; i < BR_JA4_HASH_LEN; i++) {
		hi = hex_val(p[2 * i]);
		lo = hex_val(p[2 * i + 1]);
		out[i] = (__u8)(hi << 4 | lo);
	}
	return 0;
}

int br_parse_ja4(struct br_parser *ps, const struct br_token *t,
		 struct br_ja4_pattern *out)
{
	static const size_t want[3] = { BR_JA4_A_LEN, BR_JA4_HEX,
					BR_JA4_HEX };
	static const char *const names[3] = { "JA4_a", "JA4_b", "JA4_c" };
	size_t start[3], len[3], off = 0, k;
	char d[BR_PARSE_DESC_LEN];
	const char *us;
	int any = 0;

	memset(out, 0, sizeof(*out));
	out->pos = t->pos;
	for (k = 0; k < 3; k++) {
		us = k < 2 ? memchr(t->start + off, '_', t->len - off) : NULL;
		if (k < 2 && !us) {
			br_perr(ps, t->pos,
				"%s is not a JA4 fingerprint (three parts "
				"joined by \"_\": t13d1516h2_8daaf6152771_"
				"e5627efa2ab1, a part may be \"*\")",
				br_parse_desc(t, d));
			return -EINVAL;
		}
		start[k] = off;
		len[k] = us ? (size_t)(us - (t->start + off)) : t->len - off;
		off += len[k] + 1;
	}
	for (k = 0; k < 3; k++) {
		const char *p = t->start + start[k];

		if (len[k] == 1 && p[0] == '*')
			continue;
		any = 1;
		if (len[k] != want[k]) {
			br_perr(ps, at(t, start[k]),
				"%s is %zu characters%s, not %zu%s", names[k],
				want[k], k ? " of hex" : "", len[k],
				k == 2 && len[k] > want[k] ?
					" (the raw JA4_r and JA4_o forms are "
					"not matched)" : "");
			return -EINVAL;
		}
		memset(k == 0 ? out->mask.a : k == 1 ? (char *)out->mask.b
						     : (char *)out->mask.c,
		       0xff, want[k] / (k ? 2 : 1));
		if (k == 0 && parse_a(ps, t, start[k], out->key.a))
			return -EINVAL;
		if (k == 1 &&
		    parse_hash(ps, t, start[k], names[k], out->key.b))
			return -EINVAL;
		if (k == 2 &&
		    parse_hash(ps, t, start[k], names[k], out->key.c))
			return -EINVAL;
	}
	if (!any) {
		br_perr(ps, t->pos,
			"\"*_*_*\" matches every fingerprinted hello: a rule "
			"without \"ja4\" says that");
		return -EINVAL;
	}
	return 0;
}
