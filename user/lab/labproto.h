/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * labproto.h - what the live lab's parts say to each other (issue 14):
 * the names of a lab's namespaces and links, its fixed addresses, and the
 * line protocol its device emulator (lab run) speaks with its servers
 * (lab serve). Defined once, here, for the script that wires the lab
 * (scripts/labctl.sh reads the same values: keep them in step), the
 * servers and the devices.
 *
 * Names. A lab has an id of 1-8 characters [0-9a-z]. Its namespaces:
 *
 *   br-ID-wifi   devices on a Wi-Fi-like link   eth0 <-> subw in br-ID-rtr
 *   br-ID-cell   devices on a cellular link     eth0 <-> subc in br-ID-rtr
 *   br-ID-rtr    the censor: blastradius native on subw, subc (subscriber)
 *                and up0 (upstream)
 *   br-ID-srv    every server                   eth0 <-> up0 in br-ID-rtr
 *
 * State in BR_LAB_RUN_DIR/ID (the lab's bpffs is mounted at its bpf/).
 *
 * Addresses. Devices keep the model's (addrplan.h: 198.18.0.1 + index,
 * 2001:db8:1:INDEX::10), each a /32 or /128 on its namespace's eth0; the
 * servers answer on every address of the address map's world
 * (addrmap.h: 198.19.0.0/17, 2001:db8:8000::/33, routed "local" in the
 * server namespace) and on the model's resolver (addrplan.h).
 *
 * Protocol. After TCP's (and TLS's) handshake, lines of ASCII ending in
 * '\n', each at most BR_LAB_LINE_MAX bytes:
 *
 *   device -> server        server -> device
 *   GET <n>                 exactly n bytes of payload (a response)
 *   CHAN <dev> <key>        OK             (this connection is the
 *                                           channel of (dev, key))
 *   PING                    PONG           (a keepalive)
 *   SEND <id> <n> + n bytes OK <id>        (data up the channel)
 *                           PUSH <id> <n> + n bytes (data down)
 *   ACK <id>                               (the push arrived)
 *
 * The control socket (BR_LAB_CTL in the lab's state directory, a unix
 * stream socket the servers listen on) takes, from the device emulator:
 *
 *   PUSH <dev> <key> <id> <n>   -> SENT <id>   (written to the channel)
 *                               -> NOCHAN <id> (no channel for it)
 *
 * and writes ACKED <id> when the device acknowledged a push.
 *
 * UDP media: every datagram to a media port comes back to its sender.
 */
#ifndef BR_LABPROTO_H
#define BR_LABPROTO_H

#define BR_LAB_RUN_DIR "/run/blastradius-lab"
#define BR_LAB_ID_MAX 8
#define BR_LAB_NS_FMT "br-%s-%s" /* id, role below */
#define BR_LAB_NS_WIFI "wifi"
#define BR_LAB_NS_CELL "cell"
#define BR_LAB_NS_ROUTER "rtr"
#define BR_LAB_NS_SERVER "srv"
#define BR_LAB_CTL "ctl"      /* the servers' control socket */
#define BR_LAB_CA "ca.pem"    /* the lab CA's certificate */
#define BR_LAB_CA_KEY "ca.key"

#define BR_LAB_LINE_MAX 128

#endif /* BR_LABPROTO_H */
