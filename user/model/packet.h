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
#include "abi.h"

/* One MTU-sized frame and its headers: what a simulation's batch holds. */
#define BR_FRAME_MAX BR_BATCH_FRAME

/* The two ends of a flow, as the client sees them. */
struct br_ends {
	int family;		/* 4 or 6 */
	uint8_t client[16];	/* network order; IPv4 in the first 4 bytes */
	uint8_t server[16];
	uint16_t cport, sport;	/* host order */
	uint8_t client_mac[6];
	uint8_t server_mac[6];	/* the censor router's side: any fixed MAC */
	uint8_t ttl;		/* as sent; 64 when 0 */
	/*
	 * Additions, zero keeps the defaults. stack: enum br_stack, whose
	 * TCP options. ts_ms: the sender's TCP timestamp clock for this
	 * segment, in ms (TSval = a per-end base + ts_ms; TSecr the peer's
	 * base + ts_ms); advance it as the flow goes on.
	 */
	uint8_t stack;
	uint32_t ts_ms;
};

/*
 * Whose SYN options br_pkt_tcp writes. Linux: MSS, SACK-permitted,
 * timestamps, NOP, window scale 7 (20 bytes); iOS/macOS: MSS, NOP, window
 * scale 6, NOP, NOP, timestamps, SACK-permitted, EOL (24 bytes). Every
 * later segment carries NOP, NOP, timestamps (12 bytes), as both do.
 */
enum br_stack {
	BR_STACK_LINUX = 0,
	BR_STACK_IOS,
};

enum br_dir {
	BR_DIR_UP = 0, /* client to server: arrives on a subscriber port */
	BR_DIR_DOWN,   /* server to client: arrives on an upstream port */
};

/*
 * The payload of a full TCP segment the model sends: 1448 bytes, what a
 * 1500-byte MTU leaves after IPv4, TCP and the timestamps option.
 */
#define BR_MSS 1448

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

/*
 * The ClientHello of a QUIC client (ALPN "h3", transport parameters with
 * its Source Connection ID), with the flags of br_pkt_client_hello_ex
 * (BR_HELLO_PQ: ~1.5 KB, more than one Initial holds), as the crypto
 * stream of its Initials carries it: a handshake message, no record
 * header. Draws scid (8 bytes) from seed first, as br_pkt_quic_initial.
 * Returns its length, 0 on failure.
 */
size_t br_pkt_quic_hello(uint8_t *out, size_t cap, uint32_t version,
			 uint8_t scid[8], const char *sni, unsigned int flags,
			 uint64_t seed);

/* Bytes [off, off + len) of a crypto stream: one CRYPTO frame's data. */
struct br_crypto_piece {
	uint32_t off;
	uint32_t len;
};

/*
 * A client Initial of version, DCID dcid and SCID scid (8 bytes each),
 * packet number pn (at most 255), carrying the CRYPTO frames pieces[0,
 * n) of the stream crypto, in that order (a client may split and shuffle
 * them, and spread them over several Initials), padded to 1,200 bytes,
 * encrypted and header-protected. Returns the UDP payload length, 0 when
 * they do not fit or on failure.
 */
size_t br_pkt_quic_initial_frames(uint8_t *out, size_t cap, uint32_t version,
				  const uint8_t dcid[8], const uint8_t scid[8],
				  uint64_t pn, const uint8_t *crypto,
				  const struct br_crypto_piece *pieces,
				  size_t n);

/*
 * A client's first flight for a ClientHello with flags
 * (br_pkt_quic_hello): as many Initials of 1,200 bytes as the hello
 * needs (packet numbers 0, 1, ...), each filled with the hello's bytes
 * in order before the next, back to back in out; *count of them. One
 * without BR_HELLO_PQ, two with it (as Chrome sends its ~1.8 KB
 * post-quantum hello: web.catalog). Returns each one's length (1,200),
 * 0 when they do not fit cap or on failure.
 */
size_t br_pkt_quic_flight(uint8_t *out, size_t cap, uint32_t version,
			  const uint8_t dcid[8], const char *sni,
			  unsigned int flags, uint64_t seed, size_t *count);

/*
 * A STUN message of type (RFC 5389 section 6): the 20-byte header with
 * the magic cookie and a transaction ID drawn from seed, no attributes
 * (as coturn's turnutils_stunclient sends its binding request). Returns
 * its length, 0 if it does not fit cap.
 */
size_t br_pkt_stun(uint8_t *out, size_t cap, uint16_t type, uint64_t seed);

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

/* ---- additions ------------------------------------------------------ */

/* br_pkt_client_hello_ex flags */
#define BR_HELLO_PQ 0x1	    /* X25519MLKEM768 share and group first */
#define BR_HELLO_GREASE 0x2 /* Chrome: GREASE values, shuffled extensions,
			     * compress_certificate, SCT, padding */
#define BR_HELLO_ECH 0x4    /* a GREASE encrypted_client_hello (Chrome
			     * sends one; blastradius sees it as ECH) */

/* The flags of a catalog flow's hello: its "pq" and "ech" options. */
static inline unsigned int br_hello_flags(int pq, int ech)
{
	return (pq ? BR_HELLO_PQ : 0) | (ech ? BR_HELLO_ECH : 0);
}

/*
 * br_pkt_client_hello with flags; br_pkt_client_hello(.., pq, ..) is
 * flags = pq ? BR_HELLO_PQ : 0. Sizes: ~280 bytes plain, ~1.5 KB with
 * BR_HELLO_PQ, ~1.8 KB with BR_HELLO_PQ | BR_HELLO_GREASE | BR_HELLO_ECH
 * (Chrome's). One TLS record.
 */
size_t br_pkt_client_hello_ex(uint8_t *out, size_t cap, const char *sni,
			      const char *alpn, unsigned int flags,
			      uint64_t seed);

/*
 * br_pkt_dns_answer also gives NODATA (NOERROR, no record): addr non-NULL
 * and addr_len 0. Answers carry QR, RD, RA; a record's TTL is 300 s.
 */

/* QUIC Initial protection (RFC 9001 §5, RFC 9369 §3.3). */
struct br_quic_keys {
	uint8_t key[16]; /* AEAD_AES_128_GCM */
	uint8_t iv[12];
	uint8_t hp[16]; /* AES-128-ECB header protection */
};

/*
 * The Initial keys of one side (server 0: the client's) for a DCID.
 * Versions: 1, 2 (0x6b3343cf) and drafts 29 to 32. 0 or -errno
 * (-EPROTONOSUPPORT for another version).
 */
int br_quic_initial_keys(uint32_t version, const uint8_t *dcid,
			 size_t dcid_len, int server, struct br_quic_keys *k);

/*
 * Protect a long-header packet in place: pkt[0, pn_off + pn_len) is the
 * header with the packet number pn in its last pn_len bytes, followed by
 * payload_len bytes of plaintext and room for the 16-byte tag. Encrypts
 * the payload (AAD: the header), appends the tag, then masks the first
 * byte's low bits and the packet number. Returns the packet's length, 0 on
 * failure.
 */
size_t br_quic_protect(const struct br_quic_keys *k, uint8_t *pkt,
		       size_t pn_off, size_t pn_len, uint64_t pn,
		       size_t payload_len);

/*
 * A client Initial's ClientHello: removes the header protection of the
 * first packet of the datagram dgram[0, len) (the DCID's client keys),
 * decrypts it, and copies the CRYPTO data from offset 0 on, as long as it
 * is contiguous, to hello (a handshake message, no record header).
 * Returns its length (> 0), 0 when the datagram is not a client Initial of
 * a version we know or does not decrypt.
 */
size_t br_quic_initial_crypto(const uint8_t *dgram, size_t len,
			      uint8_t *hello, size_t cap, uint32_t *version);

/* The Internet checksum (RFC 1071) of buf, added to sum; not folded. */
uint32_t br_csum_add(uint32_t sum, const void *buf, size_t len);
uint16_t br_csum_fold(uint32_t sum);

#endif /* BR_PACKET_H */
