/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * l7_stun.h - the STUN fact of a datagram that a UDP flow awaits
 * (l7_dgram.h): one STUN message (stun.h), judged by its type.
 */
#ifndef BR_L7_STUN_H
#define BR_L7_STUN_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"
#include "parse.h"
#include "match.h"
#include "count.h"
#include "stun.h"

/*
 * A client datagram whose first byte may start a STUN message: its first
 * 20 bytes copied into s and read. The counter BR_CTR_STUN for a STUN
 * message, with the STUN rules its type satisfies in v->m; or 0, with
 * v->unread the STUN rules when a first fragment cuts the header.
 *
 * The length a message must fill is the datagram's as its UDP header
 * gives it, a first fragment's included. A datagram whose header claims
 * more than the packet holds is dropped by the receiving stack: never
 * STUN here.
 */
static __always_inline __u32 br_stun_fact(struct xdp_md *ctx,
					  const struct br_policy_hdr *hdr,
					  const struct br_pkt *pkt,
					  struct br_scratch *s,
					  struct br_verdict *v)
{
	__u32 whole = br_payload_len(pkt), len = 0, dgram = pkt->dgram_len;
	__u16 type;
	int kind, err = 0;

	if (!hdr->l7_stun)
		return 0;
	if (pkt->frag != BR_FRAG_FIRST && dgram > whole)
		return 0;
	/*
	 * Constant lengths: the header, else (a first fragment cut short:
	 * its data comes in multiples of 8 bytes) the 8 bytes that hold
	 * the cookie, else nothing but the first byte the caller read.
	 */
	if (whole >= BR_STUN_HDR_LEN) {
		len = BR_STUN_HDR_LEN;
		err = bpf_xdp_load_bytes(ctx, pkt->payload_off, s->buf.b,
					 BR_STUN_HDR_LEN);
	} else if (whole >= 8) {
		len = 8;
		err = bpf_xdp_load_bytes(ctx, pkt->payload_off, s->buf.b, 8);
	}
	if (err)
		return 0;
	kind = len ? br_stun_parse(s->buf.b, len, dgram, &type) : BR_STUN_CUT;
	if (kind == BR_STUN_CUT && pkt->frag == BR_FRAG_FIRST)
		v->unread = hdr->l7_stun;
	if (kind != BR_STUN_MSG)
		return 0;
	v->m = hdr->l7_stun &
	       br_dim_rules(&stun_type_rules, v->slot, BR_STUN_TYPES, type);
	return BR_CTR_STUN;
}

#endif /* BR_L7_STUN_H */
