/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_fixtures.c - the XDP program against tables of packets.
 *
 * Each row: a description, a packet, the XDP verdict the kernel program must
 * return and the counters that must move. Around every packet the test reads
 * the generation's counters and demands an exact delta: +1 packet (and +len
 * bytes) on the role counter, the action counter of the verdict, the row's
 * rule counter (R(n), DEF, or none) and the row's status counter (MALFORMED,
 * NONIP, UNPARSED, FOLLOWED, ORPHAN, or none); 0 everywhere else. So every
 * row also proves that the packet was counted once per category, under one
 * generation.
 *
 * Rows run in order: a later fragment follows the first fragment above it.
 * Needs root (BPF_PROG_TEST_RUN) and room for one instance's maps (~0.5 GiB)
 * at a time.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "abi.h"
#include "dataplane.h"
#include "policy.h"
#include "packets.h"
#include "instance.h"

/* ---- the policies ------------------------------------------------------ */

#define CLIENT4 "198.18.0.1"
#define CLIENT6 "2001:db8::1"
#define PINHOLE4 "198.18.9.9"
#define PINHOLE6 "2001:db8:9::9"
#define APNS4 "198.18.17.5" /* in set apns */
#define APNS6 "2001:db8:17::5"
#define OTHER4 "198.18.20.1" /* in no set */
#define OTHER6 "2001:db8:20::1"
#define PING4 "198.18.66.6"
#define PING6 "2001:db8:66::6"
#define HOLE4 "198.18.77.1" /* blackholed: every protocol */
#define HOLE6 "2001:db8:77::1"

/* Rules are numbered from 0 in order; R(n) below refers to these. */
/* clang-format off */
static const char policy_pass[] =
	"policy fixtures\n"
	"default pass\n"
	"set apns addr { 198.18.17.0/24, 2001:db8:17::/48 }\n"
	"set pinhole addr { 198.18.9.9, 2001:db8:9::9 }\n"
	"set facetime port { 3478-3497, 16384-16387 }\n"
	/* 0 */ "rule \"apns-5223\" tcp daddr @apns dport 5223 drop\n"
	/* 1 */ "rule \"facetime\" udp dport @facetime drop\n"
	/* 2 */ "rule \"pinhole\" tcp saddr @pinhole daddr @apns dport 443 pass\n"
	/* 3 */ "rule \"apns-443\" tcp daddr @apns dport 443 drop\n"
	/* 4 */ "rule \"ping\" icmp daddr { 198.18.66.6, 198.18.66.8, 198.18.67.1, 198.18.67.2, 198.18.67.4, 198.18.67.6, 198.18.67.8, 198.18.67.10, 198.18.67.12, 198.18.67.14, 198.18.67.16, 198.18.67.18, 198.18.67.20, 198.18.67.22, 2001:db8:66::6 } drop\n"
	/* 5 */ "rule \"low-sports\" udp sport 1000-1999 drop\n"
	/* 6 */ "rule \"blackhole\" any daddr { 198.18.77.0/24, 198.18.66.9, 2001:db8:77::/48 } drop\n";

/* The same, and what a packet gets that hides what a rule ahead needs. */
static const char policy_unreadable[] =
	"policy fixtures-unreadable\n"
	"unreadable drop\n"
	"set apns addr { 198.18.17.0/24, 2001:db8:17::/48 }\n"
	/* 0 */ "rule \"apns-5223\" tcp daddr @apns dport 5223 drop\n"
	/* 1 */ "rule \"apns-icmp\" icmp daddr @apns pass\n"
	/* 2 */ "rule \"apns\" any daddr @apns pass\n";

static const char policy_drop[] =
	"policy fixtures-drop\n"
	"default drop\n"
	/* 0 */ "rule ether type arp drop\n"
	/* 1 */ "rule \"web\" tcp dport 80 pass\n"
	/* 2 */ "rule \"dns\" udp dport 53 pass\n";

/* clang-format on */

/* ---- expectations ------------------------------------------------------ */

#define R(n) (BR_CTR_RULE0 + (n))
#define DEF BR_CTR_DEFAULT
#define NO_RULE (-1) /* malformed, or non-IP that no rule matched */

#define NONE 0 /* no status counter */
#define MALFORMED BR_CTR_MALFORMED
#define UNPARSED BR_CTR_UNPARSED
#define NONIP BR_CTR_NONIP
#define FOLLOWED BR_CTR_FRAG_FOLLOWED
#define ORPHAN BR_CTR_FRAG_ORPHAN
/*
 * More counters with a status, each in a byte of its own: a rule ahead
 * needed the ports the packet hides; the policy's unreadable action.
 */
#define UNREAD (BR_CTR_UNREADABLE << 8)
#define UNREAD_ACTION (BR_CTR_UNREADABLE_ACTION << 16)

/* Verdict of a malformed frame: pass when fail-open, drop when closed. */
#define FAILMODE 0xffu

struct fixture {
	const char *desc;
	struct pkt_spec pkt;
	__u32 verdict;
	int rule;
	int status;
};

/* ---- the tables ---------------------------------------------------------- */

/* clang-format off */

static const struct fixture fixtures_pass[] = {
	/* IPv4 TCP: hit, miss by port, miss by address, first match wins */
	{ "v4 tcp to apns:5223", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223)), XDP_DROP, R(0), NONE },
	{ "v4 tcp to apns:5224", PKT(IP(CLIENT4, APNS4), TCP(40000, 5224)), XDP_PASS, DEF, NONE },
	{ "v4 tcp to other:5223", PKT(IP(CLIENT4, OTHER4), TCP(40000, 5223)), XDP_PASS, DEF, NONE },
	{ "v4 tcp apns:443 from pinhole", PKT(IP(PINHOLE4, APNS4), TCP(40000, 443)), XDP_PASS, R(2), NONE },
	{ "v4 tcp apns:443", PKT(IP(CLIENT4, APNS4), TCP(40000, 443)), XDP_DROP, R(3), NONE },
	{ "v4 udp to apns:5223 is not tcp", PKT(IP(CLIENT4, APNS4), UDP(40000, 5223)), XDP_PASS, DEF, NONE },
	/* UDP port ranges and sets: both edges and one past */
	{ "v4 udp dport 3478 (low edge)", PKT(IP(CLIENT4, OTHER4), UDP(40000, 3478)), XDP_DROP, R(1), NONE },
	{ "v4 udp dport 3497 (high edge)", PKT(IP(CLIENT4, OTHER4), UDP(40000, 3497)), XDP_DROP, R(1), NONE },
	{ "v4 udp dport 3498", PKT(IP(CLIENT4, OTHER4), UDP(40000, 3498)), XDP_PASS, DEF, NONE },
	{ "v4 udp dport 16385 (second range)", PKT(IP(CLIENT4, OTHER4), UDP(40000, 16385)), XDP_DROP, R(1), NONE },
	{ "v4 udp sport 1000 (range edge)", PKT(IP(CLIENT4, OTHER4), UDP(1000, 53)), XDP_DROP, R(5), NONE },
	{ "v4 udp sport 2000", PKT(IP(CLIENT4, OTHER4), UDP(2000, 53)), XDP_PASS, DEF, NONE },
	{ "v4 tcp sport 1500 is not udp", PKT(IP(CLIENT4, OTHER4), TCP(1500, 53)), XDP_PASS, DEF, NONE },
	/* ICMP */
	{ "v4 icmp echo to ping", PKT(IP(CLIENT4, PING4), ICMP), XDP_DROP, R(4), NONE },
	{ "v4 icmp echo to other", PKT(IP(CLIENT4, OTHER4), ICMP), XDP_PASS, DEF, NONE },
	{ "v4 icmp echo to ping's neighbour", PKT(IP(CLIENT4, "198.18.66.7"), ICMP), XDP_PASS, DEF, NONE },
	{ "v4 icmp echo to ping's other", PKT(IP(CLIENT4, "198.18.66.8"), ICMP), XDP_DROP, R(4), NONE },
	{ "v4 tcp to ping is not icmp", PKT(IP(CLIENT4, PING4), TCP(40000, 80)), XDP_PASS, DEF, NONE },
	{ "v4 any to 198.18.66.9 (ranges: 3 classes)", PKT(IP(CLIENT4, "198.18.66.9"), UDP(40000, 9)), XDP_DROP, R(6), NONE },
	{ "v4 icmp echo to 198.18.67.2 (bitmap)", PKT(IP(CLIENT4, "198.18.67.2"), ICMP), XDP_DROP, R(4), NONE },
	{ "v4 icmp echo to 198.18.67.1 (bitmap)", PKT(IP(CLIENT4, "198.18.67.1"), ICMP), XDP_DROP, R(4), NONE },
	{ "v4 icmp echo to 198.18.67.3 (bitmap miss)", PKT(IP(CLIENT4, "198.18.67.3"), ICMP), XDP_PASS, DEF, NONE },
	{ "v4 icmp echo to 198.18.67.22 (bitmap, last)", PKT(IP(CLIENT4, "198.18.67.22"), ICMP), XDP_DROP, R(4), NONE },
	{ "v4 icmp echo to 198.18.67.23 (bitmap miss)", PKT(IP(CLIENT4, "198.18.67.23"), ICMP), XDP_PASS, DEF, NONE },
	/* IPv4 header variants */
	{ "v4 options, 4 bytes", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), OPTS(4)), XDP_DROP, R(0), NONE },
	{ "v4 options, 40 bytes (IHL 15)", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), OPTS(40)), XDP_DROP, R(0), NONE },
	{ "v4 tot_len 0 (TSO frame)", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), BAD(TOT_LEN_ZERO)), XDP_DROP, R(0), NONE },
	{ "v4 tcp with payload", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), PAYLOAD(1200)), XDP_DROP, R(0), NONE },
	/* protocols without ports: matched by protocol and address */
	{ "v4 gre to blackhole", PKT(IP(CLIENT4, HOLE4), PROTO(IPPROTO_GRE)), XDP_DROP, R(6), NONE },
	{ "v4 sctp to apns", PKT(IP(CLIENT4, APNS4), PROTO(IPPROTO_SCTP)), XDP_PASS, DEF, NONE },
	{ "v4 esp to blackhole", PKT(IP(CLIENT4, HOLE4), PROTO(IPPROTO_ESP)), XDP_DROP, R(6), UNPARSED },
	/* IPv6: sets hold both families */
	{ "v6 tcp to apns:5223", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223)), XDP_DROP, R(0), NONE },
	{ "v6 tcp to apns:5224", PKT(IP(CLIENT6, APNS6), TCP(40000, 5224)), XDP_PASS, DEF, NONE },
	{ "v6 tcp to other:5223", PKT(IP(CLIENT6, OTHER6), TCP(40000, 5223)), XDP_PASS, DEF, NONE },
	{ "v6 tcp apns:443 from pinhole", PKT(IP(PINHOLE6, APNS6), TCP(40000, 443)), XDP_PASS, R(2), NONE },
	{ "v6 tcp apns:443", PKT(IP(CLIENT6, APNS6), TCP(40000, 443)), XDP_DROP, R(3), NONE },
	{ "v6 udp dport 3480", PKT(IP(CLIENT6, OTHER6), UDP(40000, 3480)), XDP_DROP, R(1), NONE },
	{ "v6 udp sport 1999", PKT(IP(CLIENT6, OTHER6), UDP(1999, 53)), XDP_DROP, R(5), NONE },
	{ "v6 icmpv6 echo to ping", PKT(IP(CLIENT6, PING6), ICMP), XDP_DROP, R(4), NONE },
	{ "v6 icmpv6 echo to other", PKT(IP(CLIENT6, OTHER6), ICMP), XDP_PASS, DEF, NONE },
	{ "v6 gre to blackhole", PKT(IP(CLIENT6, HOLE6), PROTO(IPPROTO_GRE)), XDP_DROP, R(6), NONE },
	/* IPv6 extension headers: the ports behind them still match */
	{ "v6 hop-by-hop", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), EXT(PKT_EXT_HOP)), XDP_DROP, R(0), NONE },
	{ "v6 routing (SRH)", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), EXT(PKT_EXT_ROUTING)), XDP_DROP, R(0), NONE },
	{ "v6 destination options", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), EXT(PKT_EXT_DEST)), XDP_DROP, R(0), NONE },
	{ "v6 authentication header", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), EXT(PKT_EXT_AH)), XDP_DROP, R(0), NONE },
	{ "v6 atomic fragment", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), FRAG(ATOMIC, 7)), XDP_DROP, R(0), NONE },
	{ "v6 hop, dest, routing, dest, ah", PKT(IP(CLIENT6, APNS6), UDP(40000, 3478), EXT(PKT_EXT_HOP, PKT_EXT_DEST, PKT_EXT_ROUTING, PKT_EXT_DEST, PKT_EXT_AH)), XDP_DROP, R(1), NONE },
	{ "v6 chain of 8 (the bound)", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), EXT(PKT_EXT_HOP, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST)), XDP_DROP, R(0), NONE },
	{ "v6 chain of 9 to apns: no ports", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), EXT(PKT_EXT_HOP, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST)), XDP_PASS, DEF, UNPARSED | UNREAD },
	{ "v6 chain of 9 to blackhole", PKT(IP(CLIENT6, HOLE6), TCP(40000, 5223), EXT(PKT_EXT_HOP, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST)), XDP_DROP, R(6), UNPARSED | UNREAD },
	{ "v6 esp to apns", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), EXT(PKT_EXT_ESP)), XDP_PASS, DEF, UNPARSED },
	{ "v6 hop, esp to blackhole", PKT(IP(CLIENT6, HOLE6), TCP(40000, 5223), EXT(PKT_EXT_HOP, PKT_EXT_ESP)), XDP_DROP, R(6), UNPARSED },
	{ "v6 mobility header to apns", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), EXT(PKT_EXT_MH)), XDP_PASS, DEF, UNPARSED | UNREAD },
	/* VLAN tags */
	{ "802.1Q", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), VLAN(DOT1Q)), XDP_DROP, R(0), NONE },
	{ "802.1ad", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), VLAN(DOT1AD)), XDP_DROP, R(0), NONE },
	{ "QinQ 802.1ad + 802.1Q", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), VLAN(DOT1AD, DOT1Q)), XDP_DROP, R(0), NONE },
	{ "QinQ 802.1Q + 802.1Q", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), VLAN(DOT1Q, DOT1Q)), XDP_DROP, R(0), NONE },
	{ "QinQ v6 udp", PKT(IP(CLIENT6, OTHER6), UDP(40000, 3478), VLAN(DOT1AD, DOT1Q)), XDP_DROP, R(1), NONE },
	{ "three tags: not followed", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), VLAN(DOT1AD, DOT1Q, DOT1Q)), XDP_PASS, NO_RULE, NONIP },
	/* non-IP: passed whatever the default, unless an ether rule matches */
	{ "arp", PKT(ETHER(ETH_P_ARP)), XDP_PASS, NO_RULE, NONIP },
	{ "arp in 802.1Q", PKT(ETHER(ETH_P_ARP), VLAN(DOT1Q)), XDP_PASS, NO_RULE, NONIP },
	{ "lldp", PKT(ETHER(ETH_P_LLDP)), XDP_PASS, NO_RULE, NONIP },
	/* IPv4 fragments: later ones take the verdict of their first */
	{ "v4 first fragment apns:5223", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), FRAG(FIRST, 100), PAYLOAD(64)), XDP_DROP, R(0), NONE },
	{ "v4 later fragment of it", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), FRAG(LATER, 100), PAYLOAD(64)), XDP_DROP, R(0), FOLLOWED },
	{ "v4 later fragment, again", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), FRAG(LATER, 100), PAYLOAD(64)), XDP_DROP, R(0), FOLLOWED },
	{ "v4 later fragment, other id", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), FRAG(LATER, 101), PAYLOAD(64)), XDP_PASS, DEF, ORPHAN | UNREAD },
	{ "v4 later fragment, other source", PKT(IP(OTHER4, APNS4), TCP(40000, 5223), FRAG(LATER, 100), PAYLOAD(64)), XDP_PASS, DEF, ORPHAN | UNREAD },
	{ "v4 orphan to blackhole", PKT(IP(CLIENT4, HOLE4), TCP(40000, 5223), FRAG(LATER, 102), PAYLOAD(64)), XDP_DROP, R(6), ORPHAN },
	{ "v4 first fragment from pinhole", PKT(IP(PINHOLE4, APNS4), TCP(40000, 443), FRAG(FIRST, 103), PAYLOAD(64)), XDP_PASS, R(2), NONE },
	{ "v4 later fragment of it", PKT(IP(PINHOLE4, APNS4), TCP(40000, 443), FRAG(LATER, 103), PAYLOAD(64)), XDP_PASS, R(2), FOLLOWED },
	{ "v4 first fragment udp 3478", PKT(IP(CLIENT4, OTHER4), UDP(40000, 3478), FRAG(FIRST, 104), PAYLOAD(64)), XDP_DROP, R(1), NONE },
	{ "v4 later fragment of it", PKT(IP(CLIENT4, OTHER4), UDP(40000, 3478), FRAG(LATER, 104), PAYLOAD(64)), XDP_DROP, R(1), FOLLOWED },
	{ "v4 first fragment, default", PKT(IP(CLIENT4, OTHER4), TCP(40000, 80), FRAG(FIRST, 105), PAYLOAD(64)), XDP_PASS, DEF, NONE },
	{ "v4 later fragment of it", PKT(IP(CLIENT4, OTHER4), TCP(40000, 80), FRAG(LATER, 105), PAYLOAD(64)), XDP_PASS, DEF, FOLLOWED },
	/* IPv6 fragment header: the same */
	{ "v6 first fragment apns:5223", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), FRAG(FIRST, 200), PAYLOAD(64)), XDP_DROP, R(0), NONE },
	{ "v6 later fragment of it", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), FRAG(LATER, 200), PAYLOAD(64)), XDP_DROP, R(0), FOLLOWED },
	{ "v6 later fragment, other id", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), FRAG(LATER, 201), PAYLOAD(64)), XDP_PASS, DEF, ORPHAN | UNREAD },
	{ "v6 orphan to blackhole", PKT(IP(CLIENT6, HOLE6), UDP(40000, 53), FRAG(LATER, 202), PAYLOAD(64)), XDP_DROP, R(6), ORPHAN | UNREAD },
	{ "v6 first fragment after hop-by-hop", PKT(IP(CLIENT6, OTHER6), UDP(40000, 3478), EXT(PKT_EXT_HOP, PKT_EXT_FRAG), FRAG(FIRST, 203), PAYLOAD(64)), XDP_DROP, R(1), NONE },
	{ "v6 later fragment of it", PKT(IP(CLIENT6, OTHER6), UDP(40000, 3478), EXT(PKT_EXT_HOP, PKT_EXT_FRAG), FRAG(LATER, 203), PAYLOAD(64)), XDP_DROP, R(1), FOLLOWED },
	{ "v4 later fragment, v6 id 200", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), FRAG(LATER, 200), PAYLOAD(64)), XDP_PASS, DEF, ORPHAN | UNREAD },
};

/* Under "default drop": ether rules, and the default applied to IP only. */
static const struct fixture fixtures_drop[] = {
	{ "arp, dropped by ether type arp", PKT(ETHER(ETH_P_ARP)), XDP_DROP, R(0), NONIP },
	{ "arp in QinQ", PKT(ETHER(ETH_P_ARP), VLAN(DOT1AD, DOT1Q)), XDP_DROP, R(0), NONIP },
	{ "lldp passes despite default drop", PKT(ETHER(ETH_P_LLDP)), XDP_PASS, NO_RULE, NONIP },
	{ "v4 tcp dport 80", PKT(IP(CLIENT4, OTHER4), TCP(40000, 80)), XDP_PASS, R(1), NONE },
	{ "v6 tcp dport 80", PKT(IP(CLIENT6, OTHER6), TCP(40000, 80)), XDP_PASS, R(1), NONE },
	{ "v4 udp dport 53", PKT(IP(CLIENT4, OTHER4), UDP(40000, 53)), XDP_PASS, R(2), NONE },
	{ "v4 tcp dport 443: default drop", PKT(IP(CLIENT4, OTHER4), TCP(40000, 443)), XDP_DROP, DEF, NONE },
	{ "v6 icmpv6: default drop", PKT(IP(CLIENT6, OTHER6), ICMP), XDP_DROP, DEF, NONE },
	{ "v4 gre: default drop", PKT(IP(CLIENT4, OTHER4), PROTO(IPPROTO_GRE)), XDP_DROP, DEF, NONE },
	{ "v4 orphan fragment: no port", PKT(IP(CLIENT4, OTHER4), TCP(40000, 80), FRAG(LATER, 300), PAYLOAD(64)), XDP_DROP, DEF, ORPHAN | UNREAD },
	{ "v4 first fragment dport 80", PKT(IP(CLIENT4, OTHER4), TCP(40000, 80), FRAG(FIRST, 301), PAYLOAD(64)), XDP_PASS, R(1), NONE },
	{ "v4 later fragment of it", PKT(IP(CLIENT4, OTHER4), TCP(40000, 80), FRAG(LATER, 301), PAYLOAD(64)), XDP_PASS, R(1), FOLLOWED },
};

/*
 * "unreadable drop": a packet that hides its ports from a rule ahead of
 * the one it matches gets the policy's action; one that hides nothing a
 * rule ahead needs is matched as usual.
 */
static const struct fixture fixtures_unreadable[] = {
	{ "v6 chain of 9 to apns", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), EXT(PKT_EXT_HOP, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST)), XDP_DROP, NO_RULE, UNPARSED | UNREAD | UNREAD_ACTION },
	{ "v6 chain of 9 to other: no rule ahead", PKT(IP(CLIENT6, OTHER6), TCP(40000, 5223), EXT(PKT_EXT_HOP, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST)), XDP_PASS, DEF, UNPARSED },
	{ "v6 mobility header to apns", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), EXT(PKT_EXT_MH)), XDP_DROP, NO_RULE, UNPARSED | UNREAD | UNREAD_ACTION },
	{ "v6 esp to apns: its protocol is shown", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), EXT(PKT_EXT_ESP)), XDP_PASS, R(2), UNPARSED },
	{ "v4 orphan tcp to apns", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), FRAG(LATER, 600), PAYLOAD(64)), XDP_DROP, NO_RULE, ORPHAN | UNREAD | UNREAD_ACTION },
	{ "v4 orphan udp to apns: no udp rule ahead", PKT(IP(CLIENT4, APNS4), UDP(40000, 5223), FRAG(LATER, 601), PAYLOAD(64)), XDP_PASS, R(2), ORPHAN },
	{ "v4 icmp to apns: no ports to hide", PKT(IP(CLIENT4, APNS4), ICMP), XDP_PASS, R(1), NONE },
	{ "v4 gre to apns", PKT(IP(CLIENT4, APNS4), PROTO(IPPROTO_GRE)), XDP_PASS, R(2), NONE },
	{ "v4 first fragment tcp to apns:5223", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), FRAG(FIRST, 602), PAYLOAD(64)), XDP_DROP, R(0), NONE },
	{ "v4 later fragment of it", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), FRAG(LATER, 602), PAYLOAD(64)), XDP_DROP, R(0), FOLLOWED },
	{ "v4 first fragment tcp to apns:443", PKT(IP(CLIENT4, APNS4), TCP(40000, 443), FRAG(FIRST, 603), PAYLOAD(64)), XDP_PASS, R(2), NONE },
	{ "v4 later fragment of it", PKT(IP(CLIENT4, APNS4), TCP(40000, 443), FRAG(LATER, 603), PAYLOAD(64)), XDP_PASS, R(2), FOLLOWED },
};

/* Malformed: never classified; FAILMODE is pass (fail-open) or drop. */
static const struct fixture fixtures_malformed[] = {
	{ "v4 version 5", PKT(IP(CLIENT4, APNS4), TCP(40000, 80), BAD(BAD_VERSION)), FAILMODE, NO_RULE, MALFORMED },
	{ "v4 IHL 4", PKT(IP(CLIENT4, APNS4), TCP(40000, 80), BAD(BAD_IHL)), FAILMODE, NO_RULE, MALFORMED },
	{ "v4 tot_len beyond the frame", PKT(IP(CLIENT4, APNS4), TCP(40000, 80), BAD(BAD_TOT_LEN_LONG)), FAILMODE, NO_RULE, MALFORMED },
	{ "v4 tot_len below IHL", PKT(IP(CLIENT4, APNS4), TCP(40000, 80), BAD(BAD_TOT_LEN_SHORT)), FAILMODE, NO_RULE, MALFORMED },
	{ "v4 options cut by the frame", PKT(IP(CLIENT4, APNS4), TCP(40000, 80), OPTS(40), CUT(14 + 40)), FAILMODE, NO_RULE, MALFORMED },
	{ "v4 tcp doff 4", PKT(IP(CLIENT4, APNS4), TCP(40000, 80), BAD(BAD_DOFF_SHORT)), FAILMODE, NO_RULE, MALFORMED },
	{ "v4 tcp doff past the packet", PKT(IP(CLIENT4, APNS4), TCP(40000, 80), BAD(BAD_DOFF_LONG)), FAILMODE, NO_RULE, MALFORMED },
	{ "v4 tcp header cut by tot_len", PKT(IP(CLIENT4, APNS4), TCP(40000, 80), BAD(BAD_L4_SHORT)), FAILMODE, NO_RULE, MALFORMED },
	{ "v4 udp header cut by tot_len", PKT(IP(CLIENT4, APNS4), UDP(40000, 53), BAD(BAD_L4_SHORT)), FAILMODE, NO_RULE, MALFORMED },
	{ "v4 icmp header cut by tot_len", PKT(IP(CLIENT4, PING4), ICMP, BAD(BAD_L4_SHORT)), FAILMODE, NO_RULE, MALFORMED },
	{ "v4 tiny first fragment", PKT(IP(CLIENT4, APNS4), TCP(40000, 80), FRAG(FIRST, 400), PAYLOAD(64), BAD(BAD_L4_SHORT)), FAILMODE, NO_RULE, MALFORMED },
	/* its later fragment follows the fail mode, not an orphan's fate */
	{ "v4 later fragment of the tiny one", PKT(IP(CLIENT4, APNS4), TCP(40000, 80), FRAG(LATER, 400), PAYLOAD(64)), FAILMODE, NO_RULE, FOLLOWED },
	{ "802.1Q tag cut short", PKT(IP(CLIENT4, APNS4), TCP(40000, 80), VLAN(DOT1Q), CUT(16)), FAILMODE, NO_RULE, MALFORMED },
	{ "QinQ inner tag cut short", PKT(IP(CLIENT4, APNS4), TCP(40000, 80), VLAN(DOT1AD, DOT1Q), CUT(20)), FAILMODE, NO_RULE, MALFORMED },
	{ "v6 version 5", PKT(IP(CLIENT6, APNS6), TCP(40000, 80), BAD(BAD_VERSION)), FAILMODE, NO_RULE, MALFORMED },
	{ "v6 payload_len beyond the frame", PKT(IP(CLIENT6, APNS6), TCP(40000, 80), BAD(BAD_PLEN_LONG)), FAILMODE, NO_RULE, MALFORMED },
	{ "v6 extension header past the frame", PKT(IP(CLIENT6, APNS6), TCP(40000, 80), EXT(PKT_EXT_HOP, PKT_EXT_DEST), BAD(BAD_EXT_LEN)), FAILMODE, NO_RULE, MALFORMED },
	{ "v6 fragment header cut", PKT(IP(CLIENT6, APNS6), TCP(40000, 80), FRAG(FIRST, 401), PAYLOAD(64), CUT(14 + 40 + 4)), FAILMODE, NO_RULE, MALFORMED },
	{ "v6 tcp doff 4", PKT(IP(CLIENT6, APNS6), TCP(40000, 80), BAD(BAD_DOFF_SHORT)), FAILMODE, NO_RULE, MALFORMED },
	{ "v6 udp header cut by payload_len", PKT(IP(CLIENT6, OTHER6), UDP(40000, 53), BAD(BAD_L4_SHORT)), FAILMODE, NO_RULE, MALFORMED },
	{ "v6 icmpv6 header cut", PKT(IP(CLIENT6, PING6), ICMP, BAD(BAD_L4_SHORT)), FAILMODE, NO_RULE, MALFORMED },
};

/* The same packets on an upstream-facing interface: counted as such. */
static const struct fixture fixtures_upstream[] = {
	{ "upstream v4 tcp to apns:5223", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223)), XDP_DROP, R(0), NONE },
	{ "upstream v6 udp 3478", PKT(IP(CLIENT6, OTHER6), UDP(40000, 3478)), XDP_DROP, R(1), NONE },
	{ "upstream arp", PKT(ETHER(ETH_P_ARP)), XDP_PASS, NO_RULE, NONIP },
};

/* Cut at every length; the rule only once the transport header is whole. */
static const struct fixture truncated[] = {
	{ "v4 tcp to apns:5223", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223)), XDP_DROP, R(0), NONE },
	{ "v6 udp to 3478", PKT(IP(CLIENT6, OTHER6), UDP(40000, 3478)), XDP_DROP, R(1), NONE },
};

/*
 * On the virtual clock (simulation), time comes with each packet: a first
 * fragment's verdict lasts BR_FRAG_TTL_NS, and a clock that goes backwards
 * does not revive it.
 */
#define SEC_NS		1000000000ULL

struct timed_fixture {
	__u64 now_ns;
	struct fixture f;
};

static const struct timed_fixture fixtures_clock[] = {
	{ 1 * SEC_NS, { "first fragment at 1 s", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), FRAG(FIRST, 500), PAYLOAD(64)), XDP_DROP, R(0), NONE } },
	{ 30 * SEC_NS, { "later one at 30 s", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), FRAG(LATER, 500), PAYLOAD(64)), XDP_DROP, R(0), FOLLOWED } },
	{ 31 * SEC_NS + 1, { "later one at 31 s: expired", PKT(IP(CLIENT4, APNS4), TCP(40000, 5223), FRAG(LATER, 500), PAYLOAD(64)), XDP_PASS, DEF, ORPHAN | UNREAD } },
	{ 100 * SEC_NS, { "v6 first fragment at 100 s", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), FRAG(FIRST, 501), PAYLOAD(64)), XDP_DROP, R(0), NONE } },
	{ 99 * SEC_NS, { "later one at 99 s: clock went back", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), FRAG(LATER, 501), PAYLOAD(64)), XDP_PASS, DEF, ORPHAN | UNREAD } },
	{ 101 * SEC_NS, { "later one at 101 s", PKT(IP(CLIENT6, APNS6), TCP(40000, 5223), FRAG(LATER, 501), PAYLOAD(64)), XDP_DROP, R(0), FOLLOWED } },
};

/* clang-format on */

/* ---- the runner ---------------------------------------------------------- */

struct instance {
	struct br_dp *dp;
	__u64 generation;
	bool fail_closed;
	bool virtual_clock;
};

static void install(struct instance *in, const char *name, const char *text,
		    struct br_compile_stats *stats)
{
	in->generation = dp_install_text(in->dp, name, text, stats);
}

static void read_counters(struct instance *in, struct br_counter *c)
{
	dp_read_counters(in->dp, in->generation, c);
}

/* One frame through the program at time now (read on the virtual clock). */
static int test_run_at(struct instance *in, enum br_role role,
		       const uint8_t *frame, size_t len, __u64 now,
		       __u32 *verdict)
{
	struct br_dp_result res;
	int err;

	err = br_dp_run(in->dp, role, now, frame, len, &res);
	*verdict = res.verdict;
	return err;
}

/*
 * Push one frame of len bytes (the row's, possibly cut) and compare the
 * verdict and every counter's delta with the row. Returns the number of
 * mismatches, after printing them.
 */
static int run_frame_at(struct instance *in, enum br_role role,
			const struct fixture *f, const uint8_t *frame,
			size_t len, __u64 now, __u32 verdict, int rule,
			int status)
{
	struct br_counter before[BR_CTR_PER_GEN], after[BR_CTR_PER_GEN];
	int i, fails = 0, action, role_ctr;
	char name[32];
	__u32 got;

	action = BR_CTR_ACTION0 +
		 (verdict == XDP_DROP ? BR_ACT_DROP : BR_ACT_PASS);
	role_ctr = role == BR_ROLE_SUBSCRIBER ? BR_CTR_SUBSCRIBER
					      : BR_CTR_UPSTREAM;

	read_counters(in, before);
	if (test_run_at(in, role, frame, len, now, &got)) {
		print_error("%s (%zu bytes): test_run failed\n", f->desc, len);
		return 1;
	}
	read_counters(in, after);

	if (got != verdict) {
		print_error("%s (%zu bytes): verdict %u, expected %u\n",
			    f->desc, len, got, verdict);
		fails++;
	}
	for (i = 0; i < BR_CTR_PER_GEN; i++) {
		__u64 want = (i == action) + (i == role_ctr) + (i == rule);
		int k;

		for (k = 0; k < 3; k++) /* status: up to three counters */
			want += ((status >> 8 * k) & 0xff) != NONE &&
				i == ((status >> 8 * k) & 0xff);
		__u64 packets = after[i].packets - before[i].packets;
		__u64 bytes = after[i].bytes - before[i].bytes;

		if (packets == want && bytes == want * len)
			continue;
		print_error("%s (%zu bytes): %s moved by %llu packets, "
			    "%llu bytes; expected %llu, %llu\n",
			    f->desc, len, dp_ctr_name(i, name, sizeof(name)),
			    (unsigned long long)packets,
			    (unsigned long long)bytes, (unsigned long long)want,
			    (unsigned long long)(want * len));
		fails++;
	}
	return fails;
}

static int run_frame(struct instance *in, enum br_role role,
		     const struct fixture *f, const uint8_t *frame, size_t len,
		     __u32 verdict, int rule, int status)
{
	return run_frame_at(in, role, f, frame, len, 0, verdict, rule, status);
}

static __u32 expected_verdict(const struct instance *in, __u32 verdict)
{
	if (verdict != FAILMODE)
		return verdict;
	return in->fail_closed ? XDP_DROP : XDP_PASS;
}

static void run_table(struct instance *in, enum br_role role,
		      const struct fixture *rows, size_t n)
{
	uint8_t frame[PKT_MAX];
	int fails = 0;
	size_t i, len;

	for (i = 0; i < n; i++) {
		len = pkt_build(&rows[i].pkt, frame);
		if (!len) {
			print_error("%s: cannot build the packet\n",
				    rows[i].desc);
			fails++;
			continue;
		}
		fails += run_frame(in, role, &rows[i], frame, len,
				   expected_verdict(in, rows[i].verdict),
				   rows[i].rule, rows[i].status);
	}
	assert_int_equal(fails, 0);
}

/*
 * Below 14 bytes the kernel refuses the frame (-EINVAL) and nothing is
 * counted; from 14 bytes on, the frame is malformed until the transport
 * header is complete. The rows carry no payload, so that is the full frame.
 */
static void run_truncated(struct instance *in, const struct fixture *rows,
			  size_t n)
{
	struct br_counter before[BR_CTR_PER_GEN], after[BR_CTR_PER_GEN];
	uint8_t frame[PKT_MAX];
	size_t i, len, cut;
	int fails = 0, err;
	__u32 got;

	for (i = 0; i < n; i++) {
		len = pkt_build(&rows[i].pkt, frame);
		assert_true(len > ETH_HLEN);
		for (cut = 0; cut < ETH_HLEN; cut++) {
			read_counters(in, before);
			err = test_run_at(in, BR_ROLE_SUBSCRIBER, frame, cut, 0,
					  &got);
			read_counters(in, after);
			if (err != -EINVAL) {
				print_error("%s cut to %zu: test_run %d, "
					    "expected -EINVAL\n",
					    rows[i].desc, cut, err);
				fails++;
			}
			if (memcmp(before, after, sizeof(before))) {
				print_error("%s cut to %zu: counted\n",
					    rows[i].desc, cut);
				fails++;
			}
		}
		for (; cut < len; cut++)
			fails += run_frame(in, BR_ROLE_SUBSCRIBER, &rows[i],
					   frame, cut,
					   expected_verdict(in, FAILMODE),
					   NO_RULE, MALFORMED);
		fails += run_frame(in, BR_ROLE_SUBSCRIBER, &rows[i], frame, len,
				   rows[i].verdict, rows[i].rule,
				   rows[i].status);
	}
	assert_int_equal(fails, 0);
}

#define RUN_TABLE(in, role, rows)                                              \
	run_table(in, role, rows, sizeof(rows) / sizeof(rows[0]))

/* ---- tests --------------------------------------------------------------- */

static int open_instance(void **state, bool fail_closed, bool virtual_clock)
{
	struct br_dp_opts opts = {
		.fail_closed = fail_closed,
		.virtual_clock = virtual_clock,
	};
	struct instance *in = calloc(1, sizeof(*in));
	int err;

	if (!in)
		return -1;
	in->fail_closed = fail_closed;
	err = br_dp_open_private(&opts, &in->dp);
	if (err) {
		fprintf(stderr, "br_dp_open_private: %s\n", strerror(-err));
		free(in);
		return -1;
	}
	*state = in;
	return 0;
}

static int setup_open(void **state)
{
	return open_instance(state, false, false);
}

static int setup_closed(void **state)
{
	return open_instance(state, true, false);
}

static int setup_clock(void **state)
{
	return open_instance(state, false, true);
}

static int teardown(void **state)
{
	struct instance *in = *state;

	br_dp_close(in->dp);
	free(in);
	return 0;
}

/* No policy installed: everything passes and nothing can be counted. */
static void test_no_policy(void **state)
{
	static const struct pkt_spec spec =
		PKT(IP(CLIENT4, APNS4), TCP(40000, 5223));
	struct instance *in = *state;
	uint8_t frame[PKT_MAX];
	size_t len = pkt_build(&spec, frame);
	__u32 got = ~0u;

	assert_int_equal(test_run_at(in, BR_ROLE_SUBSCRIBER, frame, len, 0,
				     &got),
			 0);
	assert_int_equal(got, XDP_PASS);
}

static void test_default_pass(void **state)
{
	struct br_compile_stats stats = {0};
	struct instance *in = *state;

	install(in, "fixtures.policy", policy_pass, &stats);
	/*
	 * The rows below reach both IPv4 line kinds and two IPv6 tiers:
	 * 198.18/16 holds more ranges than a line, and 198.18.67/24 more
	 * than a line of one class (a bitmap).
	 */
	assert_int_equal(stats.v4_nodes, 1);
	assert_int_equal(stats.v4_max_k, 8);
	assert_int_equal(stats.v4_bitmap_lines, 1);
	assert_int_equal(stats.v4_lines, 256);
	assert_true(stats.v6_prefixes >= 4);
	RUN_TABLE(in, BR_ROLE_SUBSCRIBER, fixtures_pass);
	RUN_TABLE(in, BR_ROLE_UPSTREAM, fixtures_upstream);
}

static void test_malformed(void **state)
{
	struct br_compile_stats stats;
	struct instance *in = *state;

	install(in, "fixtures.policy", policy_pass, &stats);
	RUN_TABLE(in, BR_ROLE_SUBSCRIBER, fixtures_malformed);
}

static void test_truncated(void **state)
{
	struct br_compile_stats stats;
	struct instance *in = *state;

	install(in, "fixtures.policy", policy_pass, &stats);
	run_truncated(in, truncated, sizeof(truncated) / sizeof(truncated[0]));
}

static void test_default_drop(void **state)
{
	struct br_compile_stats stats;
	struct instance *in = *state;

	install(in, "fixtures-drop.policy", policy_drop, &stats);
	RUN_TABLE(in, BR_ROLE_SUBSCRIBER, fixtures_drop);
}

static void test_unreadable(void **state)
{
	struct br_compile_stats stats;
	struct instance *in = *state;

	install(in, "fixtures-unreadable.policy", policy_unreadable, &stats);
	RUN_TABLE(in, BR_ROLE_SUBSCRIBER, fixtures_unreadable);
}

static void test_virtual_clock(void **state)
{
	struct br_compile_stats stats;
	const size_t n = sizeof(fixtures_clock) / sizeof(fixtures_clock[0]);
	struct instance *in = *state;
	uint8_t frame[PKT_MAX];
	int fails = 0;
	size_t i, len;

	install(in, "fixtures.policy", policy_pass, &stats);
	for (i = 0; i < n; i++) {
		const struct fixture *f = &fixtures_clock[i].f;

		len = pkt_build(&f->pkt, frame);
		assert_true(len > 0);
		fails += run_frame_at(in, BR_ROLE_SUBSCRIBER, f, frame, len,
				      fixtures_clock[i].now_ns, f->verdict,
				      f->rule, f->status);
	}
	assert_int_equal(fails, 0);
}

int main(void)
{
	const struct CMUnitTest fail_open[] = {
		cmocka_unit_test(test_no_policy),
		cmocka_unit_test(test_default_pass),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_default_drop),
		cmocka_unit_test(test_unreadable),
	};
	const struct CMUnitTest fail_closed[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_default_drop),
	};
	const struct CMUnitTest virtual_clock[] = {
		cmocka_unit_test(test_virtual_clock),
		cmocka_unit_test(test_default_pass),
	};
	int fails;

	fails = cmocka_run_group_tests_name("fail-open", fail_open, setup_open,
					    teardown);
	fails += cmocka_run_group_tests_name("fail-closed", fail_closed,
					     setup_closed, teardown);
	fails += cmocka_run_group_tests_name("virtual clock", virtual_clock,
					     setup_clock, teardown);
	return fails ? 1 : 0;
}
