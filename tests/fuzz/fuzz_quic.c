/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fuzz_quic.c - libFuzzer target for bpf/quic.h.
 *
 * The input is a UDP payload. The first two bytes pick how much of it the
 * scratch copy holds (as when the dataplane copies at most BR_L7_SCRATCH
 * bytes of a longer datagram); the scratch past the copy is poisoned so a
 * read beyond it is an ASan report, not a silent read of stale bytes.
 * Invariants: every reported offset lies inside the copy, the first packet
 * inside the datagram, flags agree with the fields, NONE leaves the result
 * zeroed, and a second parse gives the same result.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#include "quic.h"

static __u8 scratch[BR_L7_SCRATCH];

static void check(int kind, const struct br_quic_info *qi, __u32 len,
		  __u32 dgram)
{
	static const struct br_quic_info zero;

	if (kind != qi->kind)
		abort();
	if (kind == BR_QUIC_NONE) {
		if (memcmp(qi, &zero, sizeof(zero)))
			abort();
		return;
	}
	if (kind > BR_QUIC_GREASED)
		abort();
	/* a reserved version: RFC 8999's invariants only, up to 255 */
	if (kind == BR_QUIC_GREASED &&
	    (!br_quic_reserved(qi->version) || qi->type || qi->flags))
		abort();
	if (kind != BR_QUIC_VERSION_NEG && kind != BR_QUIC_GREASED &&
	    (qi->dcid_len > BR_QUIC_CID_MAX || qi->scid_len > BR_QUIC_CID_MAX ||
	     !br_quic_version_family(qi->version)))
		abort();
	if (7u + qi->dcid_len + qi->scid_len > len)
		abort();
	if (kind == BR_QUIC_INITIAL || kind == BR_QUIC_0RTT ||
	    kind == BR_QUIC_HANDSHAKE) {
		if (qi->pn_off > len || qi->pn_off + qi->length > dgram ||
		    qi->length < BR_QUIC_HP_SAMPLE_END)
			abort();
		if (!!(qi->flags & BR_QUIC_F_COALESCED) !=
		    (qi->pn_off + qi->length < dgram))
			abort();
	} else if (qi->pn_off || qi->length) {
		abort();
	}
	if (kind == BR_QUIC_INITIAL) {
		if (qi->token_off + qi->token_len >= qi->pn_off)
			abort();
		if (!!(qi->flags & BR_QUIC_F_TOKEN) != !!qi->token_len)
			abort();
		if (!!(qi->flags & BR_QUIC_F_SHORT_DGRAM) !=
		    (dgram < BR_QUIC_MIN_DGRAM))
			abort();
	} else if (qi->token_off || qi->token_len ||
		   (qi->flags & (BR_QUIC_F_TOKEN | BR_QUIC_F_SHORT_DGRAM))) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct br_quic_info qi, qi2;
	__u32 len, dgram;
	int kind;

	if (size < 2)
		return 0;
	len = (__u32)data[0] << 8 | data[1];
	data += 2;
	size -= 2;
	dgram = size;
	if (len == 0 || len > size)
		len = size;
	if (len > BR_L7_SCRATCH)
		len = BR_L7_SCRATCH;

	memcpy(scratch, data, len);
	ASAN_POISON_MEMORY_REGION(scratch + len, sizeof(scratch) - len);
	kind = br_quic_parse(scratch, len, dgram, &qi);
	check(kind, &qi, len, dgram);

	/* no hidden state */
	if (br_quic_parse(scratch, len, dgram, &qi2) != kind ||
	    memcmp(&qi, &qi2, sizeof(qi)))
		abort();
	ASAN_UNPOISON_MEMORY_REGION(scratch, sizeof(scratch));
	return 0;
}
