/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * stun.h - L7 extractor: is this UDP datagram one STUN message, and of
 * which type?
 *
 * Calls set themselves up with STUN: WebRTC's ICE checks (Telegram's
 * calls) send Binding Requests, WhatsApp's relays speak a dialect with
 * message types 0x0800-0x0802 (nDPI src/lib/protocols/stun.c; wacrg.org,
 * policies/catalog/messengers.catalog). A censor that drops a call's
 * STUN dooms the call while the messages pass (Russia restricted
 * WhatsApp's and Telegram's calls so from 2025-08-13). Rules match "stun",
 * optionally by message type; this header reads the 20-byte header.
 *
 * What is one STUN message here (RFC 5389 section 6, the same in RFC
 * 8489): at least the 20-byte header; the two most significant bits of
 * the first byte zero; the magic cookie 0x2112A442 in bytes 4-7; the
 * message length (bytes 2-3) a multiple of 4 (attributes are padded to
 * 4 bytes) and, with the header, exactly the datagram's payload. The last
 * test is this project's choice, as nDPI makes it for UDP: a datagram
 * carries one message, and with it a datagram that merely starts with
 * the right eight bytes is not STUN. The type is the 14 bits after the
 * two zero bits (method and class together, as written on the wire).
 *
 * Never STUN: RFC 3489's classic STUN (no cookie: those bytes were part
 * of its random transaction ID), TURN ChannelData (first byte 0x40-0x7f),
 * RTP and RTCP (0x80-0xbf), QUIC long headers (top bit set) and short
 * ones (fixed bit 0x40 set). DTLS records (first byte 20-63, RFC 7983)
 * and short headers whose fixed bit is greased (RFC 9287) pass the
 * first test: the cookie and the length rule them out.
 *
 * Pure code over a copy of the payload's first bytes, as quic.h: buf holds
 * len of them (at most BR_STUN_HDR_LEN are read), dgram_len is the whole
 * payload as the UDP header gives it. No libc, one loop bounded by a
 * constant: the same source builds for BPF and for the host tests and
 * fuzzer.
 */
#ifndef BR_STUN_H
#define BR_STUN_H

#include <linux/types.h>
#include "abi.h"

#define BR_STUN_HDR_LEN 20
#define BR_STUN_COOKIE 0x2112a442u
#define BR_STUN_TOP_BITS 0xc0 /* of byte 0: zero in every STUN message */

enum br_stun_kind {
	BR_STUN_NONE = 0, /* not a STUN message */
	BR_STUN_MSG,	  /* one STUN message: *type holds its type */
	BR_STUN_CUT,	  /* the bytes there are could start one, but the
			   * copy stops before the header's end (a first
			   * fragment cut short) */
};

/*
 * The kind of the datagram whose first len bytes are in buf (dgram_len in
 * all), and its message type in *type (BR_STUN_MSG only).
 */
static __always_inline int br_stun_parse(const __u8 *buf, __u32 len,
					 __u32 dgram_len, __u16 *type)
{
	__u32 cookie = 0, mlen, i;

	*type = 0;
	if (dgram_len < BR_STUN_HDR_LEN || dgram_len > 0xffff ||
	    len > dgram_len || !len)
		return BR_STUN_NONE;
	if (buf[0] & BR_STUN_TOP_BITS)
		return BR_STUN_NONE;
	if (len < BR_STUN_HDR_LEN) {
		/* the cookie bytes that are there must match already */
		for (i = 4; i < 8 && i < len; i++)
			if (buf[i] !=
			    ((BR_STUN_COOKIE >> (8 * (7 - i))) & 0xff))
				return BR_STUN_NONE;
		return BR_STUN_CUT;
	}
	cookie = (__u32)buf[4] << 24 | (__u32)buf[5] << 16 |
		 (__u32)buf[6] << 8 | buf[7];
	if (cookie != BR_STUN_COOKIE)
		return BR_STUN_NONE;
	mlen = (__u32)buf[2] << 8 | buf[3];
	if ((mlen & 3) || mlen + BR_STUN_HDR_LEN != dgram_len)
		return BR_STUN_NONE;
	*type = (__u16)(((__u32)buf[0] << 8 | buf[1]) & (BR_STUN_TYPES - 1));
	return BR_STUN_MSG;
}

#endif /* BR_STUN_H */
