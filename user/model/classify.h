/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * classify.h - which catalog flows a rule reaches, as the program decides.
 *
 * There is one classifier, the kernel's. To learn whether a rule reaches a
 * catalog flow, the flow's signature packets -- those the traffic model
 * sends for it, built by the same packet builders (packet.h) from the
 * same address plan (addrplan.h): its DNS lookup and the answer, its
 * handshake, ClientHello or QUIC Initial, a request and a response -- run
 * through a private instance of the program (dataplane.h) in which the
 * rule is the policy's only rule; the rule reaches the flow when its
 * counter moved. Alone in its policy, a rule is not shadowed by the rules
 * before it: a flow an earlier rule passes is still listed.
 *
 * The packets are placed where a rule can see them: where the rule names
 * addresses or ports, at one address or port of each place its set meets
 * the flow's (the catalog's servers, the side's devices and resolver),
 * both ways round (a server's packets are the client's turned around);
 * where it names server names, once for each name a '%' stands for. Each
 * probe is a flow of its own: the virtual clock moves past every flow
 * table entry's lifetime between them.
 *
 * The instance is loaded once per process, on first use (the verifier
 * takes about a second: docs/PERFORMANCE.md), and reused; a rule costs an
 * install (a fraction of a millisecond) and a few test runs per flow. A
 * rule whose sets leave no flow a place to be seen (a lab's addresses, a
 * port no flow uses) needs neither: no probe, no instance. Needs the
 * privileges a private instance needs (root).
 */
#ifndef BR_CLASSIFY_H
#define BR_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "catalog.h"
#include "policy.h"

/*
 * The subscriber side of every flow: who opens them, from where. When it
 * is unknown (a live network's subscribers and resolvers), the packets
 * come from an address and a port that no set of the policy names: a rule
 * that names addresses or ports on that side does not reach them (its
 * addresses are the servers', or hosts the catalog does not know, and a
 * port on the devices' side is no service's signature). A catalog flow
 * without an address set is unknown on the server side alike.
 */
struct br_attrib_side {
	bool unknown;		     /* dev, res and the ports: not known */
	struct br_prefix dev4, dev6; /* the devices' addresses */
	struct br_prefix res4, res6; /* the resolver they ask */
	uint16_t port_lo, port_hi;   /* their source ports */
};

/* The traffic model's devices (addrplan.h): lab addresses and ports. */
extern const struct br_attrib_side br_attrib_model;
/* A live network's: unknown addresses and ports. */
extern const struct br_attrib_side br_attrib_live;

/* Which packets of a flow a rule reaches. */
enum br_attrib_part {
	BR_ATTRIB_FLOW = 1 << 0, /* the flow's own packets */
	BR_ATTRIB_DNS = 1 << 1,	 /* its DNS lookup or the answer */
};

/*
 * Which packets of every catalog flow rule ri of pol reaches, seen from
 * side: parts[k] for the k-th flow of the catalog (services in order, their
 * flows in order), a mask of enum br_attrib_part. 0 or a negative errno.
 */
int br_classify_rule(const struct br_catalog *cat, const struct br_policy *pol,
		     size_t ri, const struct br_attrib_side *side,
		     unsigned int *parts);

/* Close the process's instance (it is loaded again on the next use). */
void br_classify_close(void);

#endif /* BR_CLASSIFY_H */
