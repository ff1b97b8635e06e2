/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_stun.c - bpf/stun.h on the host, under ASan/UBSan.
 *
 * Each row is one UDP payload: its first bytes (hex), the datagram's
 * length (filler after the hex), how many bytes the copy holds, and what
 * the parser must say. Rows marked "coturn" were captured from Debian
 * 12's coturn 4.6.1 (turnutils_stunclient against turnserver on
 * loopback); the rest are built per RFC 5389 section 6.
 *
 * The bytes past the copy are poisoned, so a read beyond it is an ASan
 * report.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sanitizer/asan_interface.h>

#include "stun.h"

#define FILLER 0x5a

enum {
	NONE = BR_STUN_NONE,
	MSG = BR_STUN_MSG,
	CUT = BR_STUN_CUT,
};

struct row {
	const char *name;
	const char *hex; /* first bytes of the payload */
	__u32 dgram;	 /* payload length; filler after the hex */
	__u32 len;	 /* bytes in the copy; 0: min(dgram, 20) */
	int kind;
	__u16 type;
};

/* clang-format off */
static const struct row rows[] = {
/* name                                 first bytes                                  dgram len kind type */
{ "coturn binding request",            "000100002112a442cfdf84f507d14fa3647d0481",      20, 0, MSG, 0x0001 },
{ "coturn binding response",           "010100242112a442cfdf84f507d14fa3647d0481",      56, 0, MSG, 0x0101 },
{ "WhatsApp ping 0x0801",              "080100082112a442000102030405060708090a0b",      28, 0, MSG, 0x0801 },
{ "WhatsApp 0x0800",                   "080000002112a442000102030405060708090a0b",      20, 0, MSG, 0x0800 },
{ "highest type 0x3fff",               "3fff00002112a442000102030405060708090a0b",      20, 0, MSG, 0x3fff },
{ "type 0",                            "000000002112a442000102030405060708090a0b",      20, 0, MSG, 0x0000 },
{ "the longest message",               "0001ffe82112a442000102030405060708090a0b",   65532, 0, MSG, 0x0001 },
{ "wrong cookie",                      "000100002112a443000102030405060708090a0b",      20, 0, NONE, 0 },
{ "classic STUN (RFC 3489)",           "00010000a1b2c3d4000102030405060708090a0b",      20, 0, NONE, 0 },
{ "top bit set",                       "800100002112a442000102030405060708090a0b",      20, 0, NONE, 0 },
{ "second bit set",                    "400100002112a442000102030405060708090a0b",      20, 0, NONE, 0 },
{ "19 bytes",                          "000100002112a442000102030405060708090a",        19, 0, NONE, 0 },
{ "length 4 short of the datagram",    "000100042112a442000102030405060708090a0b",      28, 0, NONE, 0 },
{ "length past the datagram",          "000100082112a442000102030405060708090a0b",      24, 0, NONE, 0 },
{ "length not a multiple of 4",        "000100022112a442000102030405060708090a0b",      22, 0, NONE, 0 },
{ "RTP",                               "80780001000000a0deadbeef0102030405060708",     172, 0, NONE, 0 },
{ "TURN ChannelData",                  "40000010000102030405060708090a0b0c0d0e0f",      20, 0, NONE, 0 },
{ "DNS query",                         "12340100000100000000000004737475",              32, 0, NONE, 0 },
{ "DTLS ClientHello",                  "16feff0000000000000000007e010000720000",       139, 0, NONE, 0 },
{ "QUIC Initial",                      "c000000001088394c8f03e5157080000449e",        1200, 0, NONE, 0 },
{ "copy of 8: cookie there",           "080100082112a442",                            1400, 8, CUT, 0 },
{ "copy of 6: half the cookie",        "0801000821120000",                            1400, 6, CUT, 0 },
{ "copy of 8: a wrong cookie",         "080100082112a443",                            1400, 8, NONE, 0 },
{ "copy of 1",                         "08",                                          1400, 1, CUT, 0 },
{ "copy of 1, top bit",                "88",                                          1400, 1, NONE, 0 },
{ "copy of 8, datagram under 20",      "080100082112a442",                              16, 8, NONE, 0 },
{ "empty copy",                        "",                                              20, 0, NONE, 0 },
{ "copy longer than the datagram",     "000100002112a442000102030405060708090a0b",      19, 20, NONE, 0 },
{ "datagram past 64 KiB",              "0001ffec2112a442000102030405060708090a0b",   65536, 0, NONE, 0 },
};
/* clang-format on */

static __u32 unhex(const char *hex, __u8 *out, __u32 cap)
{
	__u32 n = 0;
	unsigned int b;

	while (hex[0] && hex[1] && n < cap) {
		sscanf(hex, "%2x", &b);
		out[n++] = (__u8)b;
		hex += 2;
	}
	return n;
}

static void test_rows(void **state)
{
	static __u8 buf[BR_STUN_HDR_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		__u32 len;
		__u16 type = 0xffff;
		int kind;

		memset(buf, FILLER, sizeof(buf)); /* past the hex: filler */
		unhex(r->hex, buf, sizeof(buf));
		len = r->len ? r->len
			     : (r->dgram < BR_STUN_HDR_LEN ? r->dgram
							   : BR_STUN_HDR_LEN);
		if (!r->len && !r->hex[0])
			len = 0;
		assert_true(len <= sizeof(buf));
		ASAN_POISON_MEMORY_REGION(buf + len, sizeof(buf) - len);
		kind = br_stun_parse(buf, len, r->dgram, &type);
		ASAN_UNPOISON_MEMORY_REGION(buf, sizeof(buf));
		if (kind != r->kind || (kind == MSG && type != r->type) ||
		    (kind != MSG && type != 0))
			fail_msg("%s: kind %d type 0x%04x, expected %d 0x%04x",
				 r->name, kind, type, r->kind, r->type);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
