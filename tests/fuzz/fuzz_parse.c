// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_parse.c - bpf/parse.h on arbitrary frames, under ASan/UBSan.
 *
 * The kernel's verifier proves the BPF build never reads outside the packet;
 * this proves the same source, compiled for the host, never does either and
 * always reaches a verdict the program can act on, whatever the bytes. The
 * frame is copied to the end of a buffer so any overread trips ASan, two
 * bytes in, as drivers place frames (NET_IP_ALIGN) so the IP header is
 * 4-byte aligned.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct br_pkt pkt;
	uint8_t *buf, *frame;
	int status;

	if (size < 14 || size > 9000)	/* the kernel refuses shorter frames */
		return 0;
	buf = malloc(size + 2);
	if (!buf)
		return 0;
	frame = buf + 2;
	memcpy(frame, data, size);
	memset(&pkt, 0, sizeof(pkt));
	status = br_parse_frame(frame, frame + size, size, &pkt);
	if (status < BR_PKT_IP || status > BR_PKT_MALFORMED)
		abort();
	if (status == BR_PKT_IP || status == BR_PKT_UNPARSED) {
		/* What the classifier indexes with must stay in range. */
		if (pkt.sport > BR_PORT_NONE || pkt.dport > BR_PORT_NONE)
			abort();
		if (pkt.family != 4 && pkt.family != 6)
			abort();
		/* Later stages read the payload from these offsets. */
		if (pkt.l4_off > size || pkt.payload_off > size ||
		    pkt.ip_end > size)
			abort();
	}
	free(buf);
	return 0;
}
