/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fuzz_stun.c - libFuzzer target for bpf/stun.h.
 *
 * The input is a UDP payload. Its first two bytes pick how much of it the
 * copy holds (as a first fragment cut short: 0 to 20 bytes), the copy
 * sits in a buffer of exactly that size (ASan catches a read past it).
 * Invariants: a STUN message has at least 20 bytes, the cookie, the top
 * bits clear and a length that fills the datagram, and its type is the
 * first two bytes; CUT only for a copy under 20 bytes; a second parse
 * gives the same result.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u16 type, again;
	__u32 len, dgram;
	__u8 *copy;
	int kind;

	if (size < 2)
		return 0;
	dgram = (__u32)size - 2;
	len = (data[0] | data[1] << 8) % (BR_STUN_HDR_LEN + 2);
	if (len > BR_STUN_HDR_LEN) /* mostly: as much as the dataplane copies */
		len = dgram < BR_STUN_HDR_LEN ? dgram : BR_STUN_HDR_LEN;
	if (len > dgram)
		len = dgram;
	copy = malloc(len ? len : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 2, len);
	kind = br_stun_parse(copy, len, dgram, &type);
	if (kind == BR_STUN_MSG) {
		const __u8 *p = data + 2;

		if (dgram < BR_STUN_HDR_LEN || len != BR_STUN_HDR_LEN ||
		    (p[0] & 0xc0) || p[4] != 0x21 || p[5] != 0x12 ||
		    p[6] != 0xa4 || p[7] != 0x42 ||
		    (__u32)(p[2] << 8 | p[3]) + BR_STUN_HDR_LEN != dgram ||
		    (p[3] & 3) || type != (p[0] << 8 | p[1]))
			abort();
	} else if (kind == BR_STUN_CUT) {
		if (len >= BR_STUN_HDR_LEN || !len || (copy[0] & 0xc0))
			abort();
	} else if (kind != BR_STUN_NONE || type) {
		abort();
	}
	if (br_stun_parse(copy, len, dgram, &again) != kind || again != type)
		abort();
	free(copy);
	return 0;
}
