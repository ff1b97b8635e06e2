/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_quic.c - bpf/quic.h on the host, under ASan/UBSan.
 *
 * Each row is one UDP payload: the bytes the parser reads (header hex),
 * padded with filler up to the datagram length (the protected payload is
 * opaque to the parser), and the fields expected back. Rows marked
 * "ngtcp2" were captured from ngtcp2 0.12.1 (Debian 12 gtlsclient and
 * gtlsserver on loopback); "RFC" rows are the published test vectors of
 * RFC 9001 and RFC 9369 Appendix A; the rest are built per RFC 9000 §17.2.
 *
 * The scratch bytes past len are poisoned, so a read beyond the copy is an
 * ASan report even though it stays inside the BR_L7_SCRATCH buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sanitizer/asan_interface.h>

#include "quic.h"

#define FILLER 0x5a

enum {
	NONE = BR_QUIC_NONE,
	INITIAL = BR_QUIC_INITIAL,
	ZRTT = BR_QUIC_0RTT,
	HANDSHAKE = BR_QUIC_HANDSHAKE,
	RETRY = BR_QUIC_RETRY,
	VNEG = BR_QUIC_VERSION_NEG,
	GREASED = BR_QUIC_GREASED,
	FIX = BR_QUIC_F_FIXED_CLEAR,
	SHORT = BR_QUIC_F_SHORT_DGRAM,
	TOK = BR_QUIC_F_TOKEN,
	COAL = BR_QUIC_F_COALESCED,
};

struct row {
	const char *name;
	const char *hex; /* first bytes of the datagram */
	__u32 dgram;	 /* datagram length; filler after the hex */
	__u32 len;	 /* bytes in the scratch copy; 0: all */
	int kind;
	__u32 version;
	__u8 type, flags, dcid_len, scid_len;
	__u16 token_len, length, pn_off;
};

/* clang-format off */
static const struct row rows[] = {
/* name                          header hex                                 dgram len  kind       version     type flags      dcid scid tok  length pn */
{ "ngtcp2 v1 client Initial",    "c70000000108001122334455667711f20438faac88a4a8d7860d22f4f38c0579008000048b", 1200, 0, INITIAL, 1, 0, 0, 8, 17, 0, 1163, 37 },
{ "ngtcp2 draft-29 Initial",     "c8ff00001d08001122334455667711ba7176baf7710a321c8af1e073df600bab008000048b", 1200, 0, INITIAL, 0xff00001d, 0, 0, 8, 17, 0, 1163, 37 },
{ "ngtcp2 v2 draft Initial (01)", "dd709a50c40800112233445566771113fa8049aa54a32ceb23a23277020d4c20008000048b", 1200, 0, INITIAL, 0x709a50c4, 1, 0, 8, 17, 0, 1163, 37 },
{ "ngtcp2 v1 bits under v2: Retry", "c46b3343cf08001122334455667711b32716dde4a66b4248", 1200, 0, RETRY, BR_QUIC_V2, 0, 0, 8, 17, 0, 0, 0 },
{ "ngtcp2 Initial after Retry",  "cd0000000112e38730ba1e9de3096e064fa9f6e9f9ece3bb11ca7186252a7cf5a5fe399db27cbc532c20404eb6aab5323a14847e6da22e353009435254b2127cb2420e3b5a0a14994a4778e08c87e66c41157172e8505a3cb252425f921b10566fd404443c5a0b524a209176ff9c5fd0606313fd8c81c395a09380000432", 1200, 0, INITIAL, 1, 0, TOK, 18, 17, 78, 1074, 126 },
{ "ngtcp2 server Initial+Hs",    "cc00000001119f26cd8fc8f9f918ff396663cefe6ff2ef1235a64521cb1a712dcb26dc2e8be465de95ea0080000074", 1200, 0, INITIAL, 1, 0, COAL, 17, 18, 0, 116, 47 },
{ "ngtcp2 v2d server, greased",  "93709a50c411eef3184264ced7692b6f799ae053a5ea2a12df7cc1d6fb0f6b3fd6f7ffcec73b878a56ea0080000074", 1200, 0, INITIAL, 0x709a50c4, 1, FIX | COAL, 17, 18, 0, 116, 47 },
{ "ngtcp2 v1 Handshake",         "e2000000011235a64521cb1a712dcb26dc2e8be465de95ea119f26cd8fc8f9f918ff396663cefe6ff2ef80000016", 68, 0, HANDSHAKE, 1, 2, 0, 18, 17, 0, 22, 46 },
{ "ngtcp2 v1 Handshake greased", "ab00000001122509d4d7e1e8e5ae4071d84da2d52c284478110246438d90e746b5680fc3d8de0408595180000016", 68, 0, HANDSHAKE, 1, 2, FIX, 18, 17, 0, 22, 46 },
{ "ngtcp2 v1 Handshake + 1-RTT", "ef000000011235a64521cb1a712dcb26dc2e8be465de95ea119f26cd8fc8f9f918ff396663cefe6ff2ef80000038", 440, 0, HANDSHAKE, 1, 2, COAL, 18, 17, 0, 56, 46 },
{ "ngtcp2 v1 0-RTT",             "d70000000112479034462b3a327ce9aeb60e8ea543425c86110246438d90e746b5680fc3d8de04085951800001c2", 496, 0, ZRTT, 1, 1, 0, 18, 17, 0, 450, 46 },
{ "ngtcp2 v2d Handshake (11)",   "b1709a50c412df7cc1d6fb0f6b3fd6f7ffcec73b878a56ea11eef3184264ced7692b6f799ae053a5ea2a80000016", 68, 0, HANDSHAKE, 0x709a50c4, 3, FIX, 18, 17, 0, 22, 46 },
{ "ngtcp2 v1 Retry",             "f00000000111ca7186252a7cf5a5fe399db27cbc532c2012e38730ba1e9de3096e064fa9f6e9f9ece3bbb6aab5323a14847e6da22e353009435254b2127cb2420e3b5a0a14994a4778e08c87e66c41157172e8505a3cb252425f921b10566fd404443c5a0b524a209176ff9c5fd0606313fd8c81c395a0936ce9660f050a05ab7731502b121a720b", 136, 0, RETRY, 1, 3, 0, 17, 18, 0, 0, 0 },
{ "ngtcp2 short header 1-RTT",   "4535a64521cb1a712dcb26dc2e8be465de95eadda280f117", 1406, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "RFC 9001 A.2 client Initial", "c000000001088394c8f03e5157080000449e", 1200, 0, INITIAL, 1, 0, 0, 8, 0, 0, 1182, 18 },
{ "RFC 9369 A.2 v2 Initial",     "d76b3343cf088394c8f03e5157080000449e", 1200, 0, INITIAL, BR_QUIC_V2, 1, 0, 8, 0, 0, 1182, 18 },
{ "RFC 9001 A.3 server Initial", "cf000000010008f067a5502a4262b5004075", 135, 0, INITIAL, 1, 0, SHORT, 0, 8, 0, 117, 18 },
{ "RFC 9369 A.3 v2 server",      "dc6b3343cf0008f067a5502a4262b5004075", 135, 0, INITIAL, BR_QUIC_V2, 1, SHORT, 0, 8, 0, 117, 18 },
{ "RFC 9001 A.4 Retry",          "ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba", 36, 0, RETRY, 1, 3, 0, 0, 8, 0, 0, 0 },
{ "RFC 9369 A.4 v2 Retry (00)",  "cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d955543665dcc7b6", 36, 0, RETRY, BR_QUIC_V2, 0, 0, 0, 8, 0, 0, 0 },
{ "Retry without token",         "f0000000010008f067a5502a4262b504a265ba2eff4d829058fb3f0f2496ba", 31, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "SCID length 137",             "e06b3343cf0800112233445566778900004040", 81, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "v2 0-RTT (10), 2-byte Length", "e06b3343cf080011223344556677004040", 81, 0, ZRTT, BR_QUIC_V2, 2, 0, 8, 0, 0, 64, 17 },
{ "v2 Handshake (11), 1-byte Len", "f06b3343cf000014", 28, 0, HANDSHAKE, BR_QUIC_V2, 3, 0, 0, 0, 0, 20, 8 },
{ "v2 Initial bits 00 are Retry", "c06b3343cf088394c8f03e5157080000449e", 1200, 0, RETRY, BR_QUIC_V2, 0, 0, 8, 0, 0, 0, 0 },
{ "v1 0-RTT, 1-byte Length",     "d0000000010000" "1e", 38, 0, ZRTT, 1, 1, 0, 0, 0, 0, 30, 8 },
{ "Initial, 1-byte Length",      "c000000001000000" "3f", 72, 0, INITIAL, 1, 0, SHORT, 0, 0, 0, 63, 9 },
{ "Initial, 8-byte Length",      "c000000001000000" "c0000000000004a0", 1200, 0, INITIAL, 1, 0, 0, 0, 0, 0, 1184, 16 },
{ "Initial, 8-byte token length", "c300000001088394c8f03e51570800c000000000000004deadbeef4493", 1200, 0, INITIAL, 1, 0, TOK, 8, 0, 4, 1171, 29 },
{ "Initial, Length 20 (sample)", "c00000000100000014", 29, 0, INITIAL, 1, 0, SHORT, 0, 0, 0, 20, 9 },
{ "Initial, Length 19",          "c00000000100000013", 28, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "Initial, Length past dgram",  "c000000001088394c8f03e5157080000449e", 1199, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "Initial, token past copy",    "c0000000010000" "44b0", 1200, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "client Initial < 1200",       "c000000001088394c8f03e515708000041ea", 508, 0, INITIAL, 1, 0, SHORT, 8, 0, 0, 490, 18 },
{ "Initial, fixed bit clear",    "8000000001088394c8f03e5157080000449e", 1200, 0, INITIAL, 1, 0, FIX, 8, 0, 0, 1182, 18 },
{ "copy shorter than datagram",  "c70000000108001122334455667711f20438faac88a4a8d7860d22f4f38c0579008000048b", 1200, 64, INITIAL, 1, 0, 0, 8, 17, 0, 1163, 37 },
{ "DCID 20 (the most for v1)",   "c00000000114000102030405060708090a0b0c0d0e0f1011121300004492", 1200, 0, INITIAL, 1, 0, 0, 20, 0, 0, 1170, 30 },
{ "DCID 21: invalid for v1",     "c00000000115000102030405060708090a0b0c0d0e0f101112131400004491", 1200, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "DCID 21: invalid for v2",     "d06b3343cf15000102030405060708090a0b0c0d0e0f101112131400004491", 1200, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "SCID 21: invalid for v1",     "c00000000100150102030405060708090a0b0c0d0e0f10111213141500004491", 1200, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "draft-22 Initial",            "c0ff000016088394c8f03e5157080000449e", 1200, 0, INITIAL, 0xff000016, 0, 0, 8, 0, 0, 1182, 18 },
{ "draft-34 Initial",            "c0ff000022088394c8f03e5157080000449e", 1200, 0, INITIAL, 0xff000022, 0, 0, 8, 0, 0, 1182, 18 },
{ "draft-21: packed CID lengths", "c0ff000015088394c8f03e5157080000449e", 1200, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "draft-35 does not exist",     "c0ff000023088394c8f03e5157080000449e", 1200, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "Google Q050",                 "c351303530088394c8f03e5157080000449e", 1200, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "Google T051",                 "c354303531088394c8f03e5157080000449e", 1200, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "reserved version 0x?a?a?a?a", "c01a2a3a4a088394c8f03e5157080000449e", 1200, 0, GREASED, 0x1a2a3a4a, 0, 0, 8, 0, 0, 0, 0 },
{ "reserved, 0xfafafafa, DCID 21", "c0fafafafa15" "0102030405060708090a0b0c0d0e0f101112131415" "00", 1200, 0, GREASED, 0xfafafafa, 0, 0, 21, 0, 0, 0, 0 },
{ "reserved, DCID past the datagram", "c00a0a0a0aff0102", 8, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "Version Negotiation",         "80" "00000000" "08" "0011223344556677" "08" "8899aabbccddeeff" "00000001" "6b3343cf", 31, 0, VNEG, 0, 0, 0, 8, 8, 0, 0, 0 },
{ "VN, arbitrary low bits",      "aa" "00000000" "08" "0011223344556677" "08" "8899aabbccddeeff" "00000001", 27, 0, VNEG, 0, 0, 0, 8, 8, 0, 0, 0 },
{ "VN, DCID 21 (RFC 8999)",      "80" "00000000" "15" "0102030405060708090a0b0c0d0e0f101112131415" "00" "00000001", 32, 0, VNEG, 0, 0, 0, 21, 0, 0, 0, 0 },
{ "VN without versions",         "80" "00000000" "08" "0011223344556677" "08" "8899aabbccddeeff", 23, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "VN, ragged version list",     "80" "00000000" "08" "0011223344556677" "08" "8899aabbccddeeff" "00000001" "6b3343", 30, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "DNS query to 443",            "12340100000100000000000007" "6578616d706c6503636f6d0000010001", 29, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "DNS ID 0xc000, RD",           "c0000100000100000000000007" "6578616d706c6503636f6d0000010001", 29, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "DNS ID 0x8000, no flags",     "80000000000100000000000007" "6578616d706c6503636f6d0000010001", 29, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
/* a DNS query can pass as Version Negotiation (no rule matches that), never as an Initial */
{ "DNS ID 0x8000 as VN",         "8000000000010000000000000261620363" "6f6d0000010001", 24, 0, VNEG, 0, 0, 0, 1, 0, 0, 0, 0 },
{ "empty datagram",              "", 0, 0, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
{ "datagram over 64 KiB",        "c000000001088394c8f03e5157080000449e", 70000, 1200, NONE, 0, 0, 0, 0, 0, 0, 0, 0 },
};
/* clang-format on */

static __u8 scratch[BR_L7_SCRATCH];
static __u8 packet[BR_L7_SCRATCH];

static __u32 unhex(const char *hex, __u8 *out)
{
	__u32 n = 0;
	unsigned int b;

	while (hex[0] && hex[1]) {
		assert_int_equal(sscanf(hex, "%2x", &b), 1);
		out[n++] = b;
		hex += 2;
	}
	assert_int_equal(hex[0], '\0');
	return n;
}

/* Row bytes into packet[], filler up to the datagram (or the scratch). */
static void build(const struct row *r)
{
	__u32 n, end = r->dgram < BR_L7_SCRATCH ? r->dgram : BR_L7_SCRATCH;

	memset(packet, FILLER, sizeof(packet));
	n = unhex(r->hex, packet);
	assert_true(n <= end || r->dgram == 0);
}

/* Copy len bytes to the scratch, poison the rest, parse. */
static int parse(__u32 len, __u32 dgram, struct br_quic_info *qi)
{
	int kind;

	memcpy(scratch, packet, len);
	ASAN_POISON_MEMORY_REGION(scratch + len, sizeof(scratch) - len);
	kind = br_quic_parse(scratch, len, dgram, qi);
	ASAN_UNPOISON_MEMORY_REGION(scratch, sizeof(scratch));
	return kind;
}

static __u32 copy_len(const struct row *r)
{
	if (r->len)
		return r->len;
	return r->dgram < BR_L7_SCRATCH ? r->dgram : BR_L7_SCRATCH;
}

static void check_row(const struct row *r, const struct br_quic_info *qi,
		      int kind)
{
	__u8 dcid[BR_QUIC_CID_MAX] = {0};
	__u32 n;

	print_message("%s\n", r->name);
	assert_int_equal(kind, r->kind);
	assert_int_equal(qi->kind, r->kind);
	assert_int_equal(qi->version, r->version);
	assert_int_equal(qi->type, r->type);
	assert_int_equal(qi->flags, r->flags);
	assert_int_equal(qi->dcid_len, r->dcid_len);
	assert_int_equal(qi->scid_len, r->scid_len);
	assert_int_equal(qi->token_len, r->token_len);
	assert_int_equal(qi->length, r->length);
	assert_int_equal(qi->pn_off, r->pn_off);
	/* the DCID follows its length byte at offset 5; zeros after it */
	n = r->dcid_len < BR_QUIC_CID_MAX ? r->dcid_len : BR_QUIC_CID_MAX;
	if (kind != NONE)
		memcpy(dcid, packet + 6, n);
	assert_memory_equal(qi->dcid, dcid, sizeof(dcid));
	if (kind == NONE) {
		struct br_quic_info zero = {0};

		assert_memory_equal(qi, &zero, sizeof(zero));
	}
	/* the token lies between the SCID and the Length field */
	if (kind == INITIAL) {
		assert_true(qi->token_off > 6u + qi->dcid_len + qi->scid_len);
		assert_true(qi->token_off + qi->token_len < qi->pn_off);
	} else {
		assert_int_equal(qi->token_off, 0);
	}
}

static void test_rows(void **state)
{
	struct br_quic_info qi;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		build(&rows[i]);
		check_row(&rows[i], &qi,
			  parse(copy_len(&rows[i]), rows[i].dgram, &qi));
	}
}

/*
 * A datagram cut at any byte, copy and datagram alike, is not recognised
 * as long as the cut falls inside the first packet (Retry and Version
 * Negotiation have no length field: only their header must be whole).
 */
static void test_truncated(void **state)
{
	struct br_quic_info qi;
	__u32 k, need;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		if (r->kind == NONE || r->len)
			continue;
		build(r);
		if (r->kind == RETRY)
			need = 7 + r->dcid_len + r->scid_len + 1 +
			       BR_QUIC_RETRY_TAG;
		else if (r->kind == VNEG)
			need = 7 + r->dcid_len + r->scid_len + 4;
		else
			need = r->pn_off + r->length;
		for (k = 0; k < need; k++)
			assert_int_equal(parse(k, k, &qi), NONE);
	}
}

/* The copy cut short of the header, the datagram whole: the header decides. */
static void test_copy_cut(void **state)
{
	struct br_quic_info qi;
	__u32 k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		if (r->kind != INITIAL && r->kind != ZRTT &&
		    r->kind != HANDSHAKE)
			continue;
		build(r);
		for (k = 0; k < copy_len(r); k++) {
			int kind = parse(k, r->dgram, &qi);

			assert_int_equal(kind, k < r->pn_off ? NONE : r->kind);
			if (kind != NONE)
				assert_int_equal(qi.pn_off, r->pn_off);
		}
	}
}

static void test_copy_longer_than_datagram(void **state)
{
	struct br_quic_info qi;

	(void)state;
	build(&rows[0]);
	assert_int_equal(parse(1200, 1199, &qi), NONE);
	assert_int_equal(parse(1200, 1200, &qi), INITIAL);
}

/* RFC 9000 §A.1 examples, and every size cut short. */
static void test_varint(void **state)
{
	static const struct {
		const char *hex;
		__u32 n;
		__u64 val;
	} v[] = {
		{"c2197c5eff14e88c", 8, 151288809941952652ULL},
		{"9d7f3e7d", 4, 494878333},
		{"7bbd", 2, 15293},
		{"25", 1, 37},
		{"4025", 2, 37},
		{"3f", 1, 63},
		{"ffffffffffffffff", 8, (1ULL << 62) - 1},
	};
	__u64 val;
	__u32 n, k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(packet, FILLER, sizeof(packet));
		packet[0] = 0xee;
		n = unhex(v[i].hex, packet + 1);
		val = 0;
		memcpy(scratch, packet, 1 + n);
		ASAN_POISON_MEMORY_REGION(scratch + 1 + n,
					  sizeof(scratch) - 1 - n);
		assert_int_equal(br_quic_varint(scratch, 1, 1 + n, &val),
				 v[i].n);
		assert_true(val == v[i].val);
		for (k = 0; k < 1 + n; k++)
			assert_int_equal(br_quic_varint(scratch, 1, k, &val),
					 0);
		ASAN_UNPOISON_MEMORY_REGION(scratch, sizeof(scratch));
	}
	/* an offset at the end of the scratch must not wrap into a read */
	assert_int_equal(
		br_quic_varint(scratch, BR_L7_SCRATCH, BR_L7_SCRATCH, &val), 0);
}

/* What the program asks of a policy's version table (bpf/quic.h). */
static void test_version_set(void **state)
{
	/* rule 0: quic v1 draft-29; rule 1: quic v2; rule 2: any version;
	 * rule 3: not a QUIC rule, though the table names it */
	const br_rules_t any = 1u << 2, quic = 0x7;
	struct br_quic_version_table t = {
		.v = {
			{.version = BR_QUIC_V1, .rules = 1u << 0 | 1u << 3},
			{.version = BR_QUIC_DRAFT(29), .rules = 1u << 0},
			{.version = BR_QUIC_V2, .rules = 1u << 1},
			/* past n: never read */
			{.version = 9, .rules = 1u << 1},
		},
	};
	struct br_quic_info qi = {.kind = BR_QUIC_INITIAL};
	struct br_quic_version_table full;
	__u32 i;

	(void)state;
	qi.version = BR_QUIC_V1;
	assert_int_equal(br_quic_version_match(&qi, &t, 3, any, quic), 0x5);
	qi.version = 0xff00001d;
	assert_int_equal(br_quic_version_match(&qi, &t, 3, any, quic), 0x5);
	qi.version = BR_QUIC_V2;
	assert_int_equal(br_quic_version_match(&qi, &t, 3, any, quic), 0x6);
	qi.version = 9; /* named only past n */
	assert_int_equal(br_quic_version_match(&qi, &t, 3, any, quic), 0x4);
	qi.version = 0; /* zeroed entries past n do not match version 0 */
	assert_int_equal(br_quic_version_match(&qi, &t, 3, any, quic), 0x4);
	/* a reserved version: only the rules of any version */
	qi.kind = BR_QUIC_GREASED;
	qi.version = BR_QUIC_V1;
	assert_int_equal(br_quic_version_match(&qi, &t, 3, any, quic), 0x4);
	/* a full table, its last entry read; n beyond the table is clamped */
	qi.kind = BR_QUIC_0RTT;
	for (i = 0; i < BR_QUIC_VERSIONS; i++) {
		full.v[i].version = i + 1;
		full.v[i].reserved = 0;
		full.v[i].rules = 1u << 1;
	}
	qi.version = BR_QUIC_VERSIONS;
	assert_int_equal(
		br_quic_version_match(&qi, &full, BR_QUIC_VERSIONS, 0, quic),
		0x2);
	qi.version = BR_QUIC_VERSIONS + 1;
	assert_int_equal(br_quic_version_match(&qi, &full, 1000, 0, quic), 0);
}

static void test_version_family(void **state)
{
	(void)state;
	assert_int_equal(br_quic_version_family(BR_QUIC_V1), 1);
	assert_int_equal(br_quic_version_family(BR_QUIC_V2), 2);
	assert_int_equal(br_quic_version_family(BR_QUIC_V2_DRAFT), 2);
	assert_int_equal(br_quic_version_family(BR_QUIC_DRAFT(22)), 1);
	assert_int_equal(br_quic_version_family(BR_QUIC_DRAFT(29)), 1);
	assert_int_equal(br_quic_version_family(BR_QUIC_DRAFT(34)), 1);
	assert_int_equal(br_quic_version_family(BR_QUIC_DRAFT(21)), 0);
	assert_int_equal(br_quic_version_family(0), 0);
	assert_int_equal(br_quic_version_family(0x51303530), 0); /* Q050 */
}

/* RFC 9369 §3.2: the same two bits mean different packets per version. */
static void test_type_permutation(void **state)
{
	static const int v1[4] = {INITIAL, ZRTT, HANDSHAKE, RETRY};
	static const int v2[4] = {RETRY, INITIAL, ZRTT, HANDSHAKE};
	__u32 t;

	(void)state;
	for (t = 0; t < 4; t++) {
		assert_int_equal(br_quic_decode_type(1, t), v1[t]);
		assert_int_equal(br_quic_decode_type(2, t), v2[t]);
	}
	assert_int_equal(sizeof(struct br_quic_info), 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_copy_cut),
		cmocka_unit_test(test_copy_longer_than_datagram),
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_version_set),
		cmocka_unit_test(test_version_family),
		cmocka_unit_test(test_type_permutation),
	};

	return cmocka_run_group_tests_name("quic", tests, NULL, NULL);
}
