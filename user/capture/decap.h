/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * decap.h - the inner frame of a tunnelled one, for `replay --decap`.
 *
 * A capture from a mirror port or a tunnel holds the subscribers' traffic
 * inside an outer header: VXLAN (RFC 7348: UDP to port 4789, or another
 * port given), GRE (RFC 2784 and 2890: checksum, key and sequence number
 * present or not) carrying Ethernet (Transparent Ethernet Bridging,
 * 0x6558) or IP, and ERSPAN carried over GRE (type I without a header of
 * its own, type II 0x88be, type III 0x22eb with or without its platform
 * sub-header). The censor is modelled on the inner frame, as it would sit
 * on the tunnel's far side. One level is taken off; the outer IP packet
 * must be whole (not a fragment, no IPv6 extension header before UDP or
 * GRE).
 */
#ifndef BR_DECAP_H
#define BR_DECAP_H

#include <stddef.h>
#include <stdint.h>

#define BR_DECAP_VXLAN 0x1u
#define BR_DECAP_GRE 0x2u /* GRE and ERSPAN over it */
#define BR_DECAP_ALL (BR_DECAP_VXLAN | BR_DECAP_GRE)

#define BR_VXLAN_PORT 4789
#define BR_DECAP_PORTS_MAX 8

struct br_decap_opts {
	unsigned int kinds; /* BR_DECAP_* */
	uint16_t vxlan_ports[BR_DECAP_PORTS_MAX];
	size_t n_vxlan_ports; /* none: 4789 */
};

enum br_tunnel {
	BR_TUNNEL_NONE = 0,
	BR_TUNNEL_VXLAN,
	BR_TUNNEL_GRE,
	BR_TUNNEL_ERSPAN,
	BR_N_TUNNELS,
};

extern const char *const br_tunnel_name[BR_N_TUNNELS];

struct br_decap {
	enum br_tunnel tunnel;
	uint32_t id;	      /* VNI, GRE key, ERSPAN session */
	int has_id;	      /* the tunnel header carries one */
	size_t inner, end;    /* where the inner frame starts and ends */
	unsigned int ip_type; /* 0: the inner frame is Ethernet; else an IP
			       * packet of this EtherType, to be given an
			       * Ethernet header */
};

/*
 * Is the Ethernet frame f[0, len) a tunnel of a kind in o? 1 with *d
 * filled, 0 when it is not (or the inner frame would be empty).
 */
int br_decap_find(const struct br_decap_opts *o, const uint8_t *f, size_t len,
		  struct br_decap *d);

/*
 * The inner frame as Ethernet: f[d->inner, d->end) itself, or an Ethernet
 * header (the outer frame's addresses, d->ip_type) and the inner IP packet
 * in buf (room for d->end bytes). Sets *out and *out_len.
 */
void br_decap_frame(const struct br_decap *d, const uint8_t *f, uint8_t *buf,
		    const uint8_t **out, size_t *out_len);

#endif /* BR_DECAP_H */
