/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * addrplan.h - the traffic model's address plan: where its devices are,
 * the resolver they ask, the source ports they open flows from and the
 * names they send. The model builds its packets from it (wire_sim.c) and
 * the classifier its signature packets (attrib.c), so a rule on a
 * device's address or port means the same to both.
 *
 * Lab ranges that no service uses: 198.18.0.0/15 (RFC 2544) for IPv4,
 * 2001:db8::/32 (RFC 3849) for IPv6.
 */
#ifndef BR_ADDRPLAN_H
#define BR_ADDRPLAN_H

#include <stddef.h>
#include <stdint.h>
#include "policy.h"

/* The devices: 198.18.0.1 + index, 2001:db8:1:INDEX::10 (a /64 each). */
#define BR_PLAN_DEV4 { .family = 4, .len = 15, .addr = { 198, 18 } }
#define BR_PLAN_DEV6                                                   \
	{ .family = 6, .len = 48, .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x01 } }
/* The resolver they ask: 198.19.255.53, 2001:db8:53::53. */
#define BR_PLAN_RES4 { .family = 4, .len = 32, .addr = { 198, 19, 255, 53 } }
#define BR_PLAN_RES6                                                   \
	{ .family = 6,                                                 \
	  .len = 128,                                                  \
	  .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x53, [15] = 0x53 } }

/*
 * The proxies users set up to reach a blocked service (a scenario's
 * "proxy SERVICE P%"): addresses no service and no shipped policy lists,
 * 203.0.113.0/24 (RFC 5737) and 2001:db8:70::/48.
 */
#define BR_PLAN_PROXY4 { .family = 4, .len = 24, .addr = { 203, 0, 113 } }
#define BR_PLAN_PROXY6                                                 \
	{ .family = 6, .len = 48, .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x70 } }

/* Their Ethernet addresses: the device's and the router's it talks to. */
#define BR_PLAN_DEV_MAC "\x02\x00\x5e\x00\x00\x01"
#define BR_PLAN_ROUTER_MAC "\x02\x00\x5e\x00\x00\x02"

/* A device's source ports: taken in turn, back to the first after last. */
#define BR_PLAN_PORT_LO 49152
#define BR_PLAN_PORT_HI 65000

/* Device index's address in family 4 or 6 (16 bytes, IPv4 in the first 4). */
void br_plan_dev_addr(uint32_t index, int family, uint8_t out[16]);

/* The resolver's address in family 4 or 6. */
const uint8_t *br_plan_resolver(int family);

/* A proxy's address in family 4 or 6, the host chosen by hash h. */
void br_plan_proxy_addr(uint64_t h, int family, uint8_t out[16]);

/* The port after port. */
uint16_t br_plan_next_port(uint16_t port);

/*
 * The name a device sends for a catalog template: "%-courier.push.apple.com"
 * with '%' replaced by n, as the catalog spells it (the program lowercases
 * what it reads). An empty string for a NULL template.
 */
void br_plan_name(const char *tmpl, unsigned int n, char *out, size_t len);

#endif /* BR_ADDRPLAN_H */
