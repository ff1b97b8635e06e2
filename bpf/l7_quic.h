/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * l7_quic.h - the QUIC fact of a datagram that a UDP flow awaits
 * (l7_dgram.h): an Initial, judged by the version of its long header.
 */
#ifndef BR_L7_QUIC_H
#define BR_L7_QUIC_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"
#include "parse.h"
#include "count.h"
#include "l7.h"

#define BR_QUIC_HDR_MAX 64 /* a first fragment shorter may cut the header */

/* The QUIC rules of the policy in slot that the first packet qi satisfies. */
static __always_inline br_rules_t br_quic_rules(const struct br_policy_hdr *hdr,
						__u32 slot,
						const struct br_quic_info *qi)
{
	struct br_quic_version_table *t;

	t = bpf_map_lookup_elem(&quic_versions, &slot);
	if (!t)
		return 0;
	return br_quic_version_match(qi, t, hdr->n_quic_versions,
				     hdr->l7_quic_any, hdr->l7_quic);
}

/*
 * A client datagram whose first byte starts a long header, copied into
 * s and parsed: the counter of what it is (an Initial, 0-RTT, a reserved
 * version), with the QUIC rules it satisfies in v->m; or 0, with
 * v->unread the QUIC rules when a first fragment may cut the header.
 */
static __always_inline __u32 br_quic_fact(struct xdp_md *ctx,
					  const struct br_policy_hdr *hdr,
					  const struct br_pkt *pkt,
					  struct br_scratch *s,
					  struct br_verdict *v)
{
	__u32 len, whole, dgram, ctr = 0;
	int kind;

	if (!hdr->l7_quic)
		return 0;
	len = br_load_payload(ctx, pkt, s, &whole);
	dgram = pkt->frag == BR_FRAG_FIRST ? pkt->dgram_len : whole;
	kind = len ? br_quic_stage(&s->buf, len, dgram, &s->qi) : BR_QUIC_NONE;
	if (kind == BR_QUIC_INITIAL)
		ctr = BR_CTR_QUIC_INITIAL;
	else if (kind == BR_QUIC_0RTT)
		ctr = BR_CTR_QUIC_0RTT;
	else if (kind == BR_QUIC_GREASED)
		ctr = BR_CTR_QUIC_GREASED;
	else if (pkt->frag == BR_FRAG_FIRST && len < BR_QUIC_HDR_MAX)
		v->unread = hdr->l7_quic; /* the header may be cut */
	if (ctr)
		v->m = br_quic_rules(hdr, v->slot, &s->qi);
	return ctr;
}

#endif /* BR_L7_QUIC_H */
