/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * side.h - which side of a flow a packet comes from: its client (the side
 * that opened it, flow.h says how that is found) or its server. Apart
 * from flow.h because the actions need it too (a freeze counts what the
 * server sends, action.h), and action.h comes before flow.h.
 */
#ifndef BR_SIDE_H
#define BR_SIDE_H

#include <linux/types.h>
#include "abi.h"
#include "parse.h"

/* Whether the packet travels from the side that opened the flow. */
static __always_inline int br_flow_from_client(const struct br_flow_val *f,
					       const struct br_pkt *pkt)
{
	int from_sub = pkt->role == BR_ROLE_SUBSCRIBER;

	return !!(f->flags & BR_FLOW_F_CLIENT_SUB) == from_sub;
}

#endif /* BR_SIDE_H */
