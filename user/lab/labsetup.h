/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * labsetup.h - what a live lab is built from: the scenario's devices
 * (where each sits and its addresses), the resolver's names, the ports
 * the servers listen on, and scripts/labctl.sh, which wires the
 * namespaces and starts the servers in them.
 */
#ifndef BR_LABSETUP_H
#define BR_LABSETUP_H

#include <stdint.h>
#include <stdio.h>
#include "addrmap.h"
#include "catalog.h"
#include "traffic.h"

/* The most devices a lab emulates (one process, one epoll loop). */
#define BR_LAB_DEVICES_MAX 2000

/* labctl.sh's device file: "wifi|cell V4 V6" a line, device by index. */
int br_lab_devfile(FILE *f, const struct br_traffic_device *v, uint32_t n);

/*
 * dnsmasq's configuration for the lab's resolver: every name a catalog
 * flow looks up (each number of a '%' template) answered with a lab host
 * of the flow's servers (the map's block of the set's first prefix of
 * each family), nothing else answered, nothing forwarded.
 */
int br_lab_dnsmasq_conf(FILE *f, const struct br_catalog *cat,
			const struct br_addrmap *map);

/* The ports the catalog's flows reach, as "a,b,c-d" lists: TCP (TLS
 * and plain), UDP (media), QUIC. */
void br_lab_ports(const struct br_catalog *cat, char *tcp, char *udp,
		  char *quic, size_t len);

/*
 * Run scripts/labctl.sh (next to the binary's build directory, or
 * $BLASTRADIUS_LABCTL) with args, NULL-terminated; its standard output
 * into out (len bytes, NUL-terminated) when out is not NULL, else to
 * standard error. Its exit status, or a negative errno.
 */
int br_labctl(char *out, size_t len, const char *const args[]);

/* The directory of the running binary (its build directory). */
int br_lab_bin_dir(char *out, size_t len);

#endif /* BR_LABSETUP_H */
