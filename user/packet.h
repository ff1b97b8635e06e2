/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * packet.h - frames as a device's network stack would send them: Ethernet,
 * IPv4 or IPv6, TCP or UDP with valid checksums, and the payloads a censor
 * looks at (TLS ClientHellos, DNS queries and answers, QUIC Initials).
 *
 * The traffic model builds every packet it pushes through the dataplane
 * here, and `simulate --write-pcap` writes them as built: they must be what
 * real stacks send, so that tshark decodes each to what its label says
 * (the ClientHello's server_name, the query's name and type, a QUIC
 * Initial's version and, once decrypted with its DCID's keys, its SNI).
 * Deterministic: the same arguments give the same bytes.
 */
#ifndef BR_PACKET_H
#define BR_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define BR_FRAME_MAX 2048 /* one MTU-sized frame and its headers */

/* The two ends of a flow, as the client sees them. */
struct br_ends {
	int family;		/* 4 or 6 */
	uint8_t client[16];	/* network order; IPv4 in the first 4 bytes */
	uint8_t server[16];
	uint16_t cport, sport;	/* host order */
	uint8_t client_mac[6];
	uint8_t server_mac[6];	/* the censor router's side: any fixed MAC */
	uint8_t ttl;		/* as sent; 64 when 0 */
};

enum br_dir {
	BR_DIR_UP = 0, /* client to server: arrives on a subscriber port */
	BR_DIR_DOWN,   /* server to client: arrives on an upstream port */
};

/* TCP flags */
#define BR_TCP_FIN 0x01
#define BR_TCP_SYN 0x02
#define BR_TCP_RST 0x04
#define BR_TCP_PSH 0x08
#define BR_TCP_ACK 0x10

/*
 * A TCP segment of the flow in direction dir, with payload[0, n) (a SYN
 * carries MSS, SACK-permitted, timestamps and window-scale options, as
 * Linux and iOS send them). Returns the frame length, 0 if it does not fit
 * cap.
 */
size_t br_pkt_tcp(uint8_t *frame, size_t cap, const struct br_ends *e,
		  enum br_dir dir, uint8_t flags, uint32_t seq, uint32_t ack,
		  const void *payload, size_t n);

/* A UDP datagram, likewise. */
size_t br_pkt_udp(uint8_t *frame, size_t cap, const struct br_ends *e,
		  enum br_dir dir, const void *payload, size_t n);

/*
 * The TLS record(s) of a ClientHello for sni (NULL: no server_name),
 * TLS 1.3 with 1.2 offered, ALPN alpn (NULL: none, else "h2,http/1.1"
 * style). pq: an X25519MLKEM768 key share, which makes it ~1.8 KB (two
 * segments at a 1460-byte MSS). seed varies random, session id and key
 * shares. Returns the length, 0 if it does not fit.
 */
size_t br_pkt_client_hello(uint8_t *out, size_t cap, const char *sni,
			   const char *alpn, int pq, uint64_t seed);

/* A DNS query (RD set; an OPT record for 1232 bytes when edns). */
size_t br_pkt_dns_query(uint8_t *out, size_t cap, uint16_t id,
			const char *name, uint16_t qtype, int edns);

/*
 * The resolver's answer to that query: one A (addr_len 4) or AAAA (16)
 * record with addr, or NXDOMAIN when addr is NULL.
 */
size_t br_pkt_dns_answer(uint8_t *out, size_t cap, uint16_t id,
			 const char *name, uint16_t qtype, const uint8_t *addr,
			 size_t addr_len, int edns);

/*
 * A client's first QUIC Initial for version (1 or 0x6b3343cf), DCID dcid
 * (8 bytes), carrying a CRYPTO frame with a ClientHello for sni, encrypted
 * and header-protected with the Initial keys of RFC 9001 (RFC 9369 for v2),
 * padded to 1200 bytes. Returns the UDP payload length, 0 on failure.
 */
size_t br_pkt_quic_initial(uint8_t *out, size_t cap, uint32_t version,
			   const uint8_t dcid[8], const char *sni,
			   uint64_t seed);

/* What came back from the dataplane in an XDP_TX frame. */
enum br_reply {
	BR_REPLY_NONE = 0,
	BR_REPLY_RST,	   /* a TCP reset */
	BR_REPLY_NXDOMAIN, /* a DNS answer with RCODE 3 */
	BR_REPLY_NODATA,   /* NOERROR, no answer */
	BR_REPLY_ADDR,	   /* NOERROR, an A/AAAA: in addr, addr_len */
	BR_REPLY_OTHER,
};

int br_pkt_reply(const uint8_t *frame, size_t len, uint8_t addr[16],
		 size_t *addr_len);

#endif /* BR_PACKET_H */
