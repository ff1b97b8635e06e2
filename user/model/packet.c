// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * packet.c - frames as real stacks send them; see packet.h.
 *
 * Everything is written byte by byte in network order (no struct overlays,
 * no libc network headers), into a bounded writer that remembers an
 * overflow instead of checking every put. Values that a real client draws
 * at random (TLS random, session id, key shares, QUIC SCID) come from a
 * splitmix64 stream of the caller's seed, so the same arguments give the
 * same bytes. QUIC Initials are protected with OpenSSL's libcrypto:
 * HKDF-SHA256 (RFC 5869, with TLS 1.3's HKDF-Expand-Label) for the keys,
 * AES-128-GCM for the payload, AES-128-ECB for the header protection mask.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "packet.h"
#include "parse.h" /* bpf/ */
#include "stun.h"  /* bpf/ */

/* ---- a bounded writer ------------------------------------------------- */

struct br_wr {
	uint8_t *p;
	size_t cap;
	size_t n;
	bool overflow;
};

static void wr_init(struct br_wr *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->n = 0;
	w->overflow = false;
}

static void wr_bytes(struct br_wr *w, const void *src, size_t len)
{
	if (w->overflow || len > w->cap - w->n) {
		w->overflow = true;
		return;
	}
	if (len)
		memcpy(w->p + w->n, src, len);
	w->n += len;
}

static void wr_fill(struct br_wr *w, uint8_t byte, size_t len)
{
	if (w->overflow || len > w->cap - w->n) {
		w->overflow = true;
		return;
	}
	memset(w->p + w->n, byte, len);
	w->n += len;
}

static void wr8(struct br_wr *w, unsigned int v)
{
	uint8_t b = v;

	wr_bytes(w, &b, 1);
}

static void wr16(struct br_wr *w, unsigned int v)
{
	uint8_t b[2] = { v >> 8, v };

	wr_bytes(w, b, 2);
}

static void wr32(struct br_wr *w, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	wr_bytes(w, b, 4);
}

/* A length field of size bytes (1, 2 or 3) to be patched by wr_close. */
static size_t wr_open(struct br_wr *w, int size)
{
	wr_fill(w, 0, size);
	return w->n;
}

static void wr_close(struct br_wr *w, size_t at, int size)
{
	size_t len = w->n - at;
	int i;

	if (w->overflow)
		return;
	for (i = 1; i <= size; i++, len >>= 8)
		w->p[at - i] = len;
}

/* QUIC variable-length integer (RFC 9000 §16), shortest form. */
static void wr_varint(struct br_wr *w, uint64_t v)
{
	if (v < 0x40) {
		wr8(w, v);
	} else if (v < 0x4000) {
		wr16(w, 0x4000 | v);
	} else if (v < 0x40000000) {
		wr32(w, 0x80000000u | v);
	} else {
		wr32(w, 0xc0000000u | (v >> 32));
		wr32(w, v);
	}
}

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static unsigned int get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* ---- deterministic "random" ------------------------------------------ */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rand_bytes(uint64_t *s, uint8_t *out, size_t len)
{
	uint64_t r = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			r = splitmix64(s);
		out[i] = r >> (8 * (i & 7));
	}
}

/* FNV-1a over a few fields: per-flow constants (ports, TS bases, ids). */
static uint32_t fnv32(uint32_t h, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!h)
		h = 2166136261u;
	while (len--) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

/* ---- checksums -------------------------------------------------------- */

uint32_t br_csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t s = sum;

	/* 32-bit words fold to the sum of their 16-bit halves (RFC 1071) */
	while (len > 3) {
		s += get32(p);
		p += 4;
		len -= 4;
	}
	while (len > 1) {
		s += get16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return s;
}

uint16_t br_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* ---- Ethernet, IP, TCP, UDP ------------------------------------------ */

#define ETH_HLEN_ 14
#define IP4_HLEN 20
#define IP6_HLEN 40
#define TCP_HLEN 20
#define UDP_HLEN 8

/* The sender and receiver of a packet in direction dir. */
struct br_side {
	const uint8_t *saddr, *daddr, *smac, *dmac;
	uint16_t sport, dport;
};

static void br_sides(const struct br_ends *e, enum br_dir dir,
		     struct br_side *s)
{
	if (dir == BR_DIR_UP) {
		s->saddr = e->client;
		s->daddr = e->server;
		s->smac = e->client_mac;
		s->dmac = e->server_mac;
		s->sport = e->cport;
		s->dport = e->sport;
	} else {
		s->saddr = e->server;
		s->daddr = e->client;
		s->smac = e->server_mac;
		s->dmac = e->client_mac;
		s->sport = e->sport;
		s->dport = e->cport;
	}
}

static size_t br_addr_len(const struct br_ends *e)
{
	return e->family == 6 ? 16 : 4;
}

/* A per-end constant: TCP timestamp base, IP id base, flow label. */
static uint32_t br_end_hash(const struct br_ends *e, enum br_dir dir,
			    uint32_t salt)
{
	struct br_side s;
	uint32_t h;
	uint8_t b[2];

	br_sides(e, dir, &s);
	h = fnv32(salt ? salt : 1, s.saddr, br_addr_len(e));
	h = fnv32(h, s.daddr, br_addr_len(e));
	put16(b, s.sport);
	h = fnv32(h, b, 2);
	put16(b, s.dport);
	return fnv32(h, b, 2);
}

/*
 * Ethernet and IP headers for an L4 segment of l4_len bytes; returns the
 * offset of the L4 header, 0 on overflow. The IPv4 header checksum is
 * final; the L4 checksum is done by the caller with br_l4_csum.
 */
static size_t br_ip_headers(struct br_wr *w, const struct br_ends *e,
			    enum br_dir dir, uint8_t proto, size_t l4_len,
			    uint16_t ip_id)
{
	uint8_t ttl = e->ttl ? e->ttl : 64;
	struct br_side s;
	size_t ip;

	br_sides(e, dir, &s);
	wr_bytes(w, s.dmac, 6);
	wr_bytes(w, s.smac, 6);
	if (e->family == 6) {
		uint32_t label = br_end_hash(e, dir, 0x6c) & 0xfffff;

		wr16(w, 0x86dd);
		wr32(w, 0x60000000u | label);
		wr16(w, l4_len);
		wr8(w, proto);
		wr8(w, ttl);
		wr_bytes(w, s.saddr, 16);
		wr_bytes(w, s.daddr, 16);
		return w->overflow ? 0 : w->n;
	}
	wr16(w, 0x0800);
	ip = w->n;
	wr8(w, 0x45);
	wr8(w, 0);
	wr16(w, IP4_HLEN + l4_len);
	wr16(w, ip_id);
	wr16(w, 0x4000); /* DF, as Linux and iOS send TCP and DNS */
	wr8(w, ttl);
	wr8(w, proto);
	wr16(w, 0);
	wr_bytes(w, s.saddr, 4);
	wr_bytes(w, s.daddr, 4);
	if (w->overflow)
		return 0;
	put16(w->p + ip + 10,
	      br_csum_fold(br_csum_add(0, w->p + ip, IP4_HLEN)));
	return w->n;
}

/* The TCP or UDP checksum of p[l4, l4 + len), pseudo-header included. */
static uint16_t br_l4_csum(const struct br_ends *e, enum br_dir dir,
			   uint8_t proto, const uint8_t *l4, size_t len)
{
	size_t alen = br_addr_len(e);
	struct br_side s;
	uint8_t tail[4];
	uint32_t sum;

	br_sides(e, dir, &s);
	sum = br_csum_add(0, s.saddr, alen);
	sum = br_csum_add(sum, s.daddr, alen);
	put32(tail, len);
	sum = br_csum_add(sum, tail, 4);
	put32(tail, proto);
	sum = br_csum_add(sum, tail, 4);
	return br_csum_fold(br_csum_add(sum, l4, len));
}

/* TCP options of a segment; returns their length (a multiple of 4). */
static size_t br_tcp_options(uint8_t *o, const struct br_ends *e,
			     enum br_dir dir, uint8_t flags)
{
	uint32_t tsval = br_end_hash(e, dir, 0x75) + e->ts_ms;
	uint32_t tsecr = br_end_hash(e, !dir, 0x75) + e->ts_ms;
	unsigned int mss = e->family == 6 ? 1440 : 1460;
	size_t n = 0;

	if (!(flags & BR_TCP_ACK))
		tsecr = 0; /* a SYN echoes nothing */
	if (!(flags & BR_TCP_SYN)) {
		o[n++] = 1;
		o[n++] = 1;
		goto ts;
	}
	o[n++] = 2; /* MSS */
	o[n++] = 4;
	put16(o + n, mss);
	n += 2;
	if (e->stack == BR_STACK_IOS) {
		o[n++] = 1;
		o[n++] = 3; /* window scale */
		o[n++] = 3;
		o[n++] = 6;
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 8; /* timestamps */
		o[n++] = 10;
		put32(o + n, tsval);
		put32(o + n + 4, tsecr);
		n += 8;
		o[n++] = 4; /* SACK permitted */
		o[n++] = 2;
		o[n++] = 0; /* EOL, padding */
		o[n++] = 0;
		return n;
	}
	o[n++] = 4; /* SACK permitted */
	o[n++] = 2;
ts:
	o[n++] = 8;
	o[n++] = 10;
	put32(o + n, tsval);
	put32(o + n + 4, tsecr);
	n += 8;
	if (flags & BR_TCP_SYN) {
		o[n++] = 1;
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = 7;
	}
	return n;
}

static unsigned int br_tcp_window(const struct br_ends *e, uint8_t flags)
{
	if (flags & BR_TCP_SYN) {
		if (e->stack == BR_STACK_IOS)
			return 65535;
		/* Linux: the largest multiple of the MSS up to 65535 */
		return e->family == 6 ? 64800 : 64240;
	}
	return e->stack == BR_STACK_IOS ? 2048 : 502;
}

size_t br_pkt_tcp(uint8_t *frame, size_t cap, const struct br_ends *e,
		  enum br_dir dir, uint8_t flags, uint32_t seq, uint32_t ack,
		  const void *payload, size_t n)
{
	uint8_t opts[40], key[13];
	size_t olen, l4, hlen;
	struct br_side s;
	struct br_wr w;
	uint16_t id;

	if (!e || (e->family != 4 && e->family != 6) || (n && !payload))
		return 0;
	br_sides(e, dir, &s);
	olen = br_tcp_options(opts, e, dir, flags);
	hlen = TCP_HLEN + olen;
	if (n > 0xffff - hlen - IP4_HLEN)
		return 0;
	/* an id that moves with the segment, as a per-socket counter would */
	put32(key, seq);
	put32(key + 4, ack);
	put32(key + 8, n);
	key[12] = flags;
	id = br_end_hash(e, dir, 0x1d) + fnv32(0, key, sizeof(key));

	wr_init(&w, frame, cap);
	l4 = br_ip_headers(&w, e, dir, 6, hlen + n, id);
	wr16(&w, s.sport);
	wr16(&w, s.dport);
	wr32(&w, seq);
	wr32(&w, flags & BR_TCP_ACK ? ack : 0);
	wr8(&w, (hlen / 4) << 4);
	wr8(&w, flags);
	wr16(&w, br_tcp_window(e, flags));
	wr16(&w, 0); /* checksum */
	wr16(&w, 0); /* urgent pointer */
	wr_bytes(&w, opts, olen);
	wr_bytes(&w, payload, n);
	if (w.overflow || !l4)
		return 0;
	put16(frame + l4 + 16, br_l4_csum(e, dir, 6, frame + l4, hlen + n));
	return w.n;
}

size_t br_pkt_udp(uint8_t *frame, size_t cap, const struct br_ends *e,
		  enum br_dir dir, const void *payload, size_t n)
{
	struct br_side s;
	struct br_wr w;
	uint16_t csum, id;
	size_t l4;

	if (!e || (e->family != 4 && e->family != 6) || (n && !payload))
		return 0;
	if (n > 0xffff - UDP_HLEN - IP4_HLEN)
		return 0;
	br_sides(e, dir, &s);
	id = br_end_hash(e, dir, 0x1d) + fnv32(0, payload, n < 16 ? n : 16) + n;

	wr_init(&w, frame, cap);
	l4 = br_ip_headers(&w, e, dir, 17, UDP_HLEN + n, id);
	wr16(&w, s.sport);
	wr16(&w, s.dport);
	wr16(&w, UDP_HLEN + n);
	wr16(&w, 0);
	wr_bytes(&w, payload, n);
	if (w.overflow || !l4)
		return 0;
	csum = br_l4_csum(e, dir, 17, frame + l4, UDP_HLEN + n);
	put16(frame + l4 + 6, csum ? csum : 0xffff);
	return w.n;
}

/* ---- TLS ClientHello --------------------------------------------------- */

#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_STATUS_REQUEST 5
#define TLS_EXT_SUPPORTED_GROUPS 10
#define TLS_EXT_EC_POINT_FORMATS 11
#define TLS_EXT_SIG_ALGS 13
#define TLS_EXT_ALPN 16
#define TLS_EXT_SCT 18
#define TLS_EXT_PADDING 21
#define TLS_EXT_EMS 23
#define TLS_EXT_COMPRESS_CERT 27
#define TLS_EXT_SESSION_TICKET 35
#define TLS_EXT_SUPPORTED_VERSIONS 43
#define TLS_EXT_PSK_MODES 45
#define TLS_EXT_KEY_SHARE 51
#define TLS_EXT_QUIC_TP 57
#define TLS_EXT_ALPS 17513
#define TLS_EXT_ECH 0xfe0d
#define TLS_EXT_RENEGOTIATION 0xff01

#define GROUP_X25519 0x001d
#define GROUP_SECP256R1 0x0017
#define GROUP_SECP384R1 0x0018
#define GROUP_SECP521R1 0x0019
#define GROUP_X25519MLKEM768 0x11ec
#define MLKEM768_SHARE 1216 /* 1184-byte ML-KEM-768 key + 32-byte X25519 */

#define HELLO_MAX_EXTS 24

struct br_hello {
	const char *sni;
	const char *alpn;
	unsigned int flags;
	uint64_t rng;
	/* QUIC: a ClientHello for the CRYPTO frame of an Initial */
	bool quic;
	uint32_t version;
	const uint8_t *scid;
	size_t scid_len;
	uint16_t grease[4]; /* cipher, group, extension, version */
};

static uint16_t br_grease(uint64_t *rng)
{
	unsigned int n = splitmix64(rng) & 0xf;

	return (n << 12) | 0x0a00 | (n << 4) | 0x0a;
}

/* A comma list "h2,http/1.1" as an ALPN protocol_name_list body. */
static void br_alpn_list(struct br_wr *w, const char *alpn)
{
	const char *p = alpn, *end;
	size_t len;

	while (*p) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		if (len && len < 256) {
			wr8(w, len);
			wr_bytes(w, p, len);
		}
		p += len;
		if (*p == ',')
			p++;
	}
}

static void br_ext_begin(struct br_wr *w, unsigned int type, size_t *at)
{
	wr16(w, type);
	*at = wr_open(w, 2);
}

static int br_ext_server_name(struct br_wr *w, const char *sni)
{
	size_t ext, list, name, len = strlen(sni);

	if (!len || len > 255)
		return -EINVAL;
	br_ext_begin(w, TLS_EXT_SERVER_NAME, &ext);
	list = wr_open(w, 2);
	wr8(w, 0); /* host_name */
	name = wr_open(w, 2);
	wr_bytes(w, sni, len);
	wr_close(w, name, 2);
	wr_close(w, list, 2);
	wr_close(w, ext, 2);
	return 0;
}

static void br_ext_groups(struct br_wr *w, const struct br_hello *h)
{
	size_t ext, list;

	br_ext_begin(w, TLS_EXT_SUPPORTED_GROUPS, &ext);
	list = wr_open(w, 2);
	if (h->flags & BR_HELLO_GREASE)
		wr16(w, h->grease[1]);
	if (h->flags & BR_HELLO_PQ)
		wr16(w, GROUP_X25519MLKEM768);
	wr16(w, GROUP_X25519);
	wr16(w, GROUP_SECP256R1);
	wr16(w, GROUP_SECP384R1);
	if (!(h->flags & BR_HELLO_GREASE))
		wr16(w, GROUP_SECP521R1);
	wr_close(w, list, 2);
	wr_close(w, ext, 2);
}

static void br_ext_sigalgs(struct br_wr *w)
{
	/* Chrome's list: ECDSA, RSA-PSS and RSA PKCS#1 with SHA-256..512 */
	static const uint16_t algs[] = { 0x0403, 0x0804, 0x0401, 0x0503,
					 0x0805, 0x0501, 0x0806, 0x0601 };
	size_t ext, list, i;

	br_ext_begin(w, TLS_EXT_SIG_ALGS, &ext);
	list = wr_open(w, 2);
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		wr16(w, algs[i]);
	wr_close(w, list, 2);
	wr_close(w, ext, 2);
}

static void br_ext_key_share(struct br_wr *w, struct br_hello *h)
{
	uint8_t key[MLKEM768_SHARE];
	size_t ext, list;

	br_ext_begin(w, TLS_EXT_KEY_SHARE, &ext);
	list = wr_open(w, 2);
	if (h->flags & BR_HELLO_GREASE) {
		wr16(w, h->grease[1]);
		wr16(w, 1);
		wr8(w, 0);
	}
	if (h->flags & BR_HELLO_PQ) {
		rand_bytes(&h->rng, key, MLKEM768_SHARE);
		wr16(w, GROUP_X25519MLKEM768);
		wr16(w, MLKEM768_SHARE);
		wr_bytes(w, key, MLKEM768_SHARE);
	}
	rand_bytes(&h->rng, key, 32);
	key[31] &= 0x7f; /* an X25519 u-coordinate below 2^255 */
	wr16(w, GROUP_X25519);
	wr16(w, 32);
	wr_bytes(w, key, 32);
	wr_close(w, list, 2);
	wr_close(w, ext, 2);
}

static void br_ext_versions(struct br_wr *w, const struct br_hello *h)
{
	size_t ext, list;

	br_ext_begin(w, TLS_EXT_SUPPORTED_VERSIONS, &ext);
	list = wr_open(w, 1);
	if (h->flags & BR_HELLO_GREASE)
		wr16(w, h->grease[3]);
	wr16(w, 0x0304);
	if (!h->quic)
		wr16(w, 0x0303);
	wr_close(w, list, 1);
	wr_close(w, ext, 2);
}

static void br_tp(struct br_wr *w, uint64_t id, uint64_t value)
{
	uint8_t tmp[8];
	struct br_wr v;

	wr_init(&v, tmp, sizeof(tmp));
	wr_varint(&v, value);
	wr_varint(w, id);
	wr_varint(w, v.n);
	wr_bytes(w, tmp, v.n);
}

/* quic_transport_parameters (RFC 9000 §18), as Chrome sends them. */
static void br_ext_quic_tp(struct br_wr *w, const struct br_hello *h)
{
	size_t ext;

	br_ext_begin(w, TLS_EXT_QUIC_TP, &ext);
	br_tp(w, 0x01, 30000);	  /* max_idle_timeout, ms */
	br_tp(w, 0x03, 1472);	  /* max_udp_payload_size */
	br_tp(w, 0x04, 15728640); /* initial_max_data */
	br_tp(w, 0x05, 6291456);  /* initial_max_stream_data_bidi_local */
	br_tp(w, 0x06, 6291456);  /* initial_max_stream_data_bidi_remote */
	br_tp(w, 0x07, 6291456);  /* initial_max_stream_data_uni */
	br_tp(w, 0x08, 100);	  /* initial_max_streams_bidi */
	br_tp(w, 0x09, 103);	  /* initial_max_streams_uni */
	wr_varint(w, 0x0f);	  /* initial_source_connection_id */
	wr_varint(w, h->scid_len);
	wr_bytes(w, h->scid, h->scid_len);
	if (h->version == 0x6b3343cfu) {
		/* version_information (RFC 9368): chosen, then available */
		wr_varint(w, 0x11);
		wr_varint(w, 12);
		wr32(w, h->version);
		wr32(w, h->version);
		wr32(w, 1);
	}
	wr_close(w, ext, 2);
}

static void br_ext_alpn(struct br_wr *w, const char *alpn)
{
	size_t ext, list;

	br_ext_begin(w, TLS_EXT_ALPN, &ext);
	list = wr_open(w, 2);
	br_alpn_list(w, alpn);
	wr_close(w, list, 2);
	wr_close(w, ext, 2);
}

/* a GREASE ECH (draft-ietf-tls-esni §6.2): outer, random */
static void br_ext_ech(struct br_wr *w, struct br_hello *h)
{
	uint8_t enc[32], payload[208];
	size_t ext;

	rand_bytes(&h->rng, enc, sizeof(enc));
	rand_bytes(&h->rng, payload, sizeof(payload));
	br_ext_begin(w, TLS_EXT_ECH, &ext);
	wr8(w, 0);	 /* outer */
	wr16(w, 0x0001); /* HKDF-SHA256 */
	wr16(w, 0x0001); /* AES-128-GCM */
	wr8(w, enc[0]);	 /* config id */
	wr16(w, sizeof(enc));
	wr_bytes(w, enc, sizeof(enc));
	wr16(w, sizeof(payload));
	wr_bytes(w, payload, sizeof(payload));
	wr_close(w, ext, 2);
}

/*
 * The extensions of a hello, each in its own slice of a scratch buffer so
 * that GREASE mode can shuffle them (br_hello_exts).
 */
struct br_ext_slices {
	struct br_wr w;
	uint8_t scratch[4096];
	size_t start[HELLO_MAX_EXTS], len[HELLO_MAX_EXTS];
	size_t n;
};

#define EXT_BEGIN(x) ((x)->start[(x)->n] = (x)->w.n)
#define EXT_END(x) ((x)->len[(x)->n] = (x)->w.n - (x)->start[(x)->n], (x)->n++)

/* The extensions only a TLS-over-TCP hello sends, before the groups. */
static void br_exts_tcp_early(struct br_ext_slices *x)
{
	EXT_BEGIN(x);
	wr16(&x->w, TLS_EXT_EMS);
	wr16(&x->w, 0);
	EXT_END(x);
	EXT_BEGIN(x);
	wr16(&x->w, TLS_EXT_RENEGOTIATION);
	wr16(&x->w, 1);
	wr8(&x->w, 0);
	EXT_END(x);
}

/* ... and after them. */
static void br_exts_tcp_late(struct br_ext_slices *x)
{
	EXT_BEGIN(x);
	wr16(&x->w, TLS_EXT_EC_POINT_FORMATS);
	wr16(&x->w, 2);
	wr8(&x->w, 1);
	wr8(&x->w, 0); /* uncompressed */
	EXT_END(x);
	EXT_BEGIN(x);
	wr16(&x->w, TLS_EXT_SESSION_TICKET);
	wr16(&x->w, 0);
	EXT_END(x);
}

/* The extensions Chrome's GREASE hellos add after supported_versions. */
static void br_exts_grease_late(struct br_ext_slices *x,
				const struct br_hello *h)
{
	EXT_BEGIN(x);
	wr16(&x->w, TLS_EXT_COMPRESS_CERT);
	wr16(&x->w, 3);
	wr8(&x->w, 2);
	wr16(&x->w, 2); /* brotli */
	EXT_END(x);
	if (h->alpn && *h->alpn) {
		EXT_BEGIN(x); /* application_settings for h2 */
		wr16(&x->w, TLS_EXT_ALPS);
		wr16(&x->w, 5);
		wr16(&x->w, 3);
		wr8(&x->w, 2);
		wr_bytes(&x->w, "h2", 2);
		EXT_END(x);
	}
}

/* Every extension of the hello, in Chrome's order before any shuffle. */
static int br_hello_slices(struct br_ext_slices *x, struct br_hello *h)
{
	bool grease = h->flags & BR_HELLO_GREASE;
	int err;

	wr_init(&x->w, x->scratch, sizeof(x->scratch));
	x->n = 0;
	if (h->sni) {
		EXT_BEGIN(x);
		err = br_ext_server_name(&x->w, h->sni);
		if (err)
			return err;
		EXT_END(x);
	}
	if (!h->quic)
		br_exts_tcp_early(x);
	EXT_BEGIN(x);
	br_ext_groups(&x->w, h);
	EXT_END(x);
	if (!h->quic)
		br_exts_tcp_late(x);
	if (h->alpn && *h->alpn) {
		EXT_BEGIN(x);
		br_ext_alpn(&x->w, h->alpn);
		EXT_END(x);
	}
	if (!h->quic) {
		EXT_BEGIN(x);
		wr16(&x->w, TLS_EXT_STATUS_REQUEST);
		wr16(&x->w, 5);
		wr8(&x->w, 1); /* OCSP */
		wr16(&x->w, 0);
		wr16(&x->w, 0);
		EXT_END(x);
	}
	EXT_BEGIN(x);
	br_ext_sigalgs(&x->w);
	EXT_END(x);
	if (grease) {
		EXT_BEGIN(x);
		wr16(&x->w, TLS_EXT_SCT);
		wr16(&x->w, 0);
		EXT_END(x);
	}
	EXT_BEGIN(x);
	br_ext_key_share(&x->w, h);
	EXT_END(x);
	EXT_BEGIN(x);
	wr16(&x->w, TLS_EXT_PSK_MODES);
	wr16(&x->w, 2);
	wr8(&x->w, 1);
	wr8(&x->w, 1); /* psk_dhe_ke */
	EXT_END(x);
	EXT_BEGIN(x);
	br_ext_versions(&x->w, h);
	EXT_END(x);
	if (grease)
		br_exts_grease_late(x, h);
	if (h->flags & BR_HELLO_ECH) {
		EXT_BEGIN(x);
		br_ext_ech(&x->w, h);
		EXT_END(x);
	}
	if (h->quic) {
		EXT_BEGIN(x);
		br_ext_quic_tp(&x->w, h);
		EXT_END(x);
	}
	return x->w.overflow ? -ENOSPC : 0;
}

#undef EXT_BEGIN
#undef EXT_END

/*
 * The extensions block: in GREASE mode shuffled as Chrome does, with a
 * GREASE extension first and another last, the rest in a seed-dependent
 * order.
 */
static int br_hello_exts(struct br_wr *out, struct br_hello *h)
{
	bool grease = h->flags & BR_HELLO_GREASE;
	size_t order[HELLO_MAX_EXTS], i, j, exts, tmp;
	struct br_ext_slices x;
	int err;

	err = br_hello_slices(&x, h);
	if (err)
		return err;
	for (i = 0; i < x.n; i++)
		order[i] = i;
	if (grease) { /* Fisher-Yates with the seed's stream */
		for (i = x.n - 1; i > 0; i--) {
			j = splitmix64(&h->rng) % (i + 1);
			tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
	}
	exts = wr_open(out, 2);
	if (grease) {
		wr16(out, h->grease[2]);
		wr16(out, 0);
	}
	for (i = 0; i < x.n; i++)
		wr_bytes(out, x.scratch + x.start[order[i]], x.len[order[i]]);
	if (grease) {
		/* a second GREASE extension, one zero byte, last */
		wr16(out, h->grease[2] ^ 0x1010);
		wr16(out, 1);
		wr8(out, 0);
	}
	wr_close(out, exts, 2);
	return out->overflow ? -ENOSPC : 0;
}

/*
 * The handshake message (type, 24-bit length, body). BoringSSL's padding
 * rule in GREASE mode: a hello whose record would be 256..511 bytes is
 * padded to 512 (old F5 boxes hang on those sizes).
 */
static size_t br_hello_msg(struct br_wr *w, struct br_hello *h)
{
	static const uint16_t suites_tcp[] = {
		0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
		0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
	};
	static const uint16_t suites_quic[] = { 0x1301, 0x1302, 0x1303 };
	const uint16_t *suites = h->quic ? suites_quic : suites_tcp;
	size_t n_suites = h->quic ? 3 : sizeof(suites_tcp) / 2;
	uint8_t random[32], sid[32];
	size_t start = w->n, body, cs, i, len, pad;

	rand_bytes(&h->rng, random, sizeof(random));
	rand_bytes(&h->rng, sid, sizeof(sid));
	for (i = 0; i < 4; i++)
		h->grease[i] = br_grease(&h->rng);

	wr8(w, 1); /* client_hello */
	body = wr_open(w, 3);
	wr16(w, 0x0303);
	wr_bytes(w, random, sizeof(random));
	if (h->quic) { /* RFC 9001 §8.4: no middlebox compatibility mode */
		wr8(w, 0);
	} else {
		wr8(w, sizeof(sid));
		wr_bytes(w, sid, sizeof(sid));
	}
	cs = wr_open(w, 2);
	if (h->flags & BR_HELLO_GREASE)
		wr16(w, h->grease[0]);
	for (i = 0; i < n_suites; i++)
		wr16(w, suites[i]);
	wr_close(w, cs, 2);
	wr8(w, 1); /* compression_methods: null */
	wr8(w, 0);
	if (br_hello_exts(w, h))
		return 0;
	wr_close(w, body, 3);
	if (w->overflow)
		return 0;

	len = w->n - start;
	if ((h->flags & BR_HELLO_GREASE) && !h->quic && len > 0xff &&
	    len < 0x200) {
		pad = 0x200 - len;
		pad = pad >= 5 ? pad - 4 : 1;
		/* append a padding extension and grow both lengths */
		wr16(w, TLS_EXT_PADDING);
		wr16(w, pad);
		wr_fill(w, 0, pad);
		if (w->overflow)
			return 0;
		len = w->n - start;
		w->p[start + 1] = (len - 4) >> 16;
		w->p[start + 2] = (len - 4) >> 8;
		w->p[start + 3] = len - 4;
		/* the extensions block length sits right after compression */
		i = start + 4 + 2 + 32 + 1 + (h->quic ? 0 : 32) + 2 +
		    2 * (n_suites + !!(h->flags & BR_HELLO_GREASE)) + 2;
		put16(w->p + i, get16(w->p + i) + 4 + pad);
	}
	return len;
}

size_t br_pkt_client_hello_ex(uint8_t *out, size_t cap, const char *sni,
			      const char *alpn, unsigned int flags,
			      uint64_t seed)
{
	struct br_hello h = {
		.sni = sni,
		.alpn = alpn,
		.flags = flags,
		.rng = seed ^ 0x7ac1e7c11e4e110ULL,
	};
	struct br_wr w;
	size_t rec, len;

	if (!out)
		return 0;
	wr_init(&w, out, cap);
	wr8(&w, 22);	  /* handshake */
	wr16(&w, 0x0301); /* as every client's first record */
	rec = wr_open(&w, 2);
	len = br_hello_msg(&w, &h);
	if (!len || len > 16384)
		return 0;
	wr_close(&w, rec, 2);
	return w.overflow ? 0 : w.n;
}

size_t br_pkt_client_hello(uint8_t *out, size_t cap, const char *sni,
			   const char *alpn, int pq, uint64_t seed)
{
	return br_pkt_client_hello_ex(out, cap, sni, alpn,
				      br_hello_flags(pq, 0), seed);
}

/* ---- DNS ------------------------------------------------------------- */

#define DNS_TTL 300

/* name in wire form; "" and "." are the root; one trailing dot is fine. */
static int br_dns_name(struct br_wr *w, const char *name)
{
	size_t total = 1, len;
	const char *p = name, *dot;

	if (!name)
		return -EINVAL;
	if (!strcmp(name, "."))
		p = "";
	while (*p) {
		dot = strchr(p, '.');
		len = dot ? (size_t)(dot - p) : strlen(p);
		if (!len || len > 63)
			return -EINVAL;
		total += 1 + len;
		if (total > 255)
			return -EINVAL;
		wr8(w, len);
		wr_bytes(w, p, len);
		p += len;
		if (*p == '.')
			p++;
	}
	wr8(w, 0);
	return 0;
}

static void br_dns_opt(struct br_wr *w)
{
	wr8(w, 0);     /* root */
	wr16(w, 41);   /* OPT */
	wr16(w, 1232); /* UDP payload size */
	wr32(w, 0);    /* extended RCODE, version 0, no DO */
	wr16(w, 0);
}

size_t br_pkt_stun(uint8_t *out, size_t cap, uint16_t type, uint64_t seed)
{
	struct br_wr w = { .p = out, .cap = cap };
	uint8_t txid[12];

	rand_bytes(&seed, txid, sizeof(txid));
	wr16(&w, type & (BR_STUN_TYPES - 1));
	wr16(&w, 0); /* no attributes */
	wr32(&w, BR_STUN_COOKIE);
	wr_bytes(&w, txid, sizeof(txid));
	return w.overflow ? 0 : w.n;
}

size_t br_pkt_dns_query(uint8_t *out, size_t cap, uint16_t id, const char *name,
			uint16_t qtype, int edns)
{
	struct br_wr w;

	if (!out)
		return 0;
	wr_init(&w, out, cap);
	wr16(&w, id);
	wr16(&w, 0x0100); /* RD */
	wr16(&w, 1);
	wr16(&w, 0);
	wr16(&w, 0);
	wr16(&w, edns ? 1 : 0);
	if (br_dns_name(&w, name))
		return 0;
	wr16(&w, qtype);
	wr16(&w, 1); /* IN */
	if (edns)
		br_dns_opt(&w);
	return w.overflow ? 0 : w.n;
}

size_t br_pkt_dns_answer(uint8_t *out, size_t cap, uint16_t id,
			 const char *name, uint16_t qtype, const uint8_t *addr,
			 size_t addr_len, int edns)
{
	unsigned int flags = 0x8180; /* QR, RD, RA */
	bool record = addr && addr_len;
	struct br_wr w;

	if (!out || (record && addr_len != 4 && addr_len != 16))
		return 0;
	if (!addr)
		flags |= 3; /* NXDOMAIN */
	wr_init(&w, out, cap);
	wr16(&w, id);
	wr16(&w, flags);
	wr16(&w, 1);
	wr16(&w, record);
	wr16(&w, 0);
	wr16(&w, edns ? 1 : 0);
	if (br_dns_name(&w, name))
		return 0;
	wr16(&w, qtype);
	wr16(&w, 1);
	if (record) {
		wr16(&w, 0xc00c); /* the question's name */
		wr16(&w, addr_len == 4 ? 1 : 28);
		wr16(&w, 1);
		wr32(&w, DNS_TTL);
		wr16(&w, addr_len);
		wr_bytes(&w, addr, addr_len);
	}
	if (edns)
		br_dns_opt(&w);
	return w.overflow ? 0 : w.n;
}

/* ---- QUIC Initial protection ---------------------------------------- */

static const uint8_t br_salt_v1[20] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};
static const uint8_t br_salt_v2[20] = {
	0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};
static const uint8_t br_salt_draft29[20] = {
	0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
	0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99,
};

#define QUIC_V1 0x00000001u
#define QUIC_V2 0x6b3343cfu

/* 1: v1 packet types and labels; 2: v2's; 0: unknown. */
static int br_quic_family(uint32_t version, const uint8_t **salt)
{
	if (version == QUIC_V1) {
		*salt = br_salt_v1;
		return 1;
	}
	if (version == QUIC_V2) {
		*salt = br_salt_v2;
		return 2;
	}
	if (version >= 0xff00001du && version <= 0xff000020u) {
		*salt = br_salt_draft29;
		return 1;
	}
	return 0;
}

/* HKDF-Expand-Label (RFC 8446 §7.1) with an empty context, out_len <= 32 */
static int br_hkdf_expand_label(const uint8_t secret[32], const char *label,
				uint8_t *out, size_t out_len)
{
	uint8_t info[2 + 1 + 255 + 1 + 1], md[32];
	size_t llen = strlen(label), n = 0;
	unsigned int md_len = 0;

	if (out_len > 32 || 6 + llen > 255)
		return -EINVAL;
	info[n++] = out_len >> 8;
	info[n++] = out_len;
	info[n++] = 6 + llen;
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, llen);
	n += llen;
	info[n++] = 0; /* context */
	info[n++] = 1; /* T(1) = HMAC(PRK, info | 0x01) */
	if (!HMAC(EVP_sha256(), secret, 32, info, n, md, &md_len) ||
	    md_len != 32)
		return -EIO;
	memcpy(out, md, out_len);
	return 0;
}

int br_quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
			 int server, struct br_quic_keys *k)
{
	const uint8_t *salt = NULL;
	uint8_t initial[32], secret[32];
	unsigned int md_len = 0;
	int family, err;
	const char *pre;
	char label[16];

	family = br_quic_family(version, &salt);
	if (!family)
		return -EPROTONOSUPPORT;
	if (!k || (!dcid && dcid_len) || dcid_len > 20)
		return -EINVAL;
	/* HKDF-Extract(salt, DCID); HMAC needs a non-NULL key buffer */
	if (!HMAC(EVP_sha256(), salt, 20, dcid ? dcid : salt, dcid_len, initial,
		  &md_len) ||
	    md_len != 32)
		return -EIO;
	err = br_hkdf_expand_label(initial, server ? "server in" : "client in",
				   secret, 32);
	pre = family == 2 ? "quicv2 " : "quic ";
	snprintf(label, sizeof(label), "%skey", pre);
	err = err ?: br_hkdf_expand_label(secret, label, k->key, 16);
	snprintf(label, sizeof(label), "%siv", pre);
	err = err ?: br_hkdf_expand_label(secret, label, k->iv, 12);
	snprintf(label, sizeof(label), "%shp", pre);
	err = err ?: br_hkdf_expand_label(secret, label, k->hp, 16);
	return err;
}

/* The five bytes of header protection mask from a 16-byte sample. */
static int br_quic_hp_mask(const uint8_t hp[16], const uint8_t *sample,
			   uint8_t mask[5])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t out[32];
	int n = 0, ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, hp, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	     EVP_EncryptUpdate(ctx, out, &n, sample, 16) && n == 16;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		return -EIO;
	memcpy(mask, out, 5);
	return 0;
}

/* AES-128-GCM seal or open (enc 0) in place; the tag follows the data. */
static int br_quic_aead(const struct br_quic_keys *k, uint64_t pn,
			const uint8_t *aad, size_t aad_len, uint8_t *data,
			size_t len, int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t nonce[12];
	int n = 0, ok, i;

	if (!ctx)
		return -ENOMEM;
	memcpy(nonce, k->iv, 12);
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= pn >> (8 * i);
	ok = EVP_CipherInit_ex(ctx, EVP_aes_128_gcm(), NULL, k->key, nonce,
			       enc) &&
	     EVP_CipherUpdate(ctx, NULL, &n, aad, aad_len) &&
	     EVP_CipherUpdate(ctx, data, &n, data, len) && (size_t)n == len;
	if (ok && enc)
		ok = EVP_CipherFinal_ex(ctx, data + len, &n) &&
		     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
					 data + len);
	else if (ok)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16,
					 data + len) &&
		     EVP_CipherFinal_ex(ctx, data + len, &n);
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EBADMSG;
}

size_t br_quic_protect(const struct br_quic_keys *k, uint8_t *pkt,
		       size_t pn_off, size_t pn_len, uint64_t pn,
		       size_t payload_len)
{
	size_t hdr_len = pn_off + pn_len, i;
	uint8_t mask[5];

	if (!k || !pkt || pn_len < 1 || pn_len > 4)
		return 0;
	/* the sample starts 4 bytes after the packet number's start */
	if (pn_len + payload_len + 16 < 4 + 16)
		return 0;
	if (br_quic_aead(k, pn, pkt, hdr_len, pkt + hdr_len, payload_len, 1))
		return 0;
	if (br_quic_hp_mask(k->hp, pkt + pn_off + 4, mask))
		return 0;
	pkt[0] ^= mask[0] & (pkt[0] & 0x80 ? 0x0f : 0x1f);
	for (i = 0; i < pn_len; i++)
		pkt[pn_off + i] ^= mask[1 + i];
	return hdr_len + payload_len + 16;
}

#define QUIC_DGRAM 1200
#define QUIC_PN_LEN 1
#define QUIC_SCID_LEN 8

size_t br_pkt_quic_hello(uint8_t *out, size_t cap, uint32_t version,
			 uint8_t scid[8], const char *sni, unsigned int flags,
			 uint64_t seed)
{
	struct br_hello h = {
		.sni = sni,
		.alpn = "h3",
		.flags = flags,
		.quic = true,
		.version = version,
		.scid = scid,
		.scid_len = QUIC_SCID_LEN,
		.rng = seed ^ 0x0917c1a1e11bULL,
	};
	const uint8_t *salt;
	struct br_wr w;
	size_t len;

	if (!out || !scid || !br_quic_family(version, &salt))
		return 0;
	rand_bytes(&h.rng, scid, QUIC_SCID_LEN);
	wr_init(&w, out, cap);
	len = br_hello_msg(&w, &h);
	return w.overflow ? 0 : len;
}

size_t br_pkt_quic_initial_frames(uint8_t *out, size_t cap, uint32_t version,
				  const uint8_t dcid[8], const uint8_t scid[8],
				  uint64_t pn, const uint8_t *crypto,
				  const struct br_crypto_piece *pieces,
				  size_t n)
{
	size_t pn_off, len_at, payload, i;
	struct br_quic_keys k;
	const uint8_t *salt;
	struct br_wr w;
	int family;

	family = br_quic_family(version, &salt);
	if (!out || !dcid || !scid || !family || cap < QUIC_DGRAM ||
	    pn > 0xff || (n && (!crypto || !pieces)))
		return 0;
	if (br_quic_initial_keys(version, dcid, 8, 0, &k))
		return 0;
	wr_init(&w, out, cap);
	/* long header, fixed bit, Initial (v1: 0b00, v2: 0b01), pn length */
	wr8(&w, 0xc0 | (family == 2 ? 0x10 : 0x00) | (QUIC_PN_LEN - 1));
	wr32(&w, version);
	wr8(&w, 8);
	wr_bytes(&w, dcid, 8);
	wr8(&w, QUIC_SCID_LEN);
	wr_bytes(&w, scid, QUIC_SCID_LEN);
	wr_varint(&w, 0); /* no token */
	len_at = w.n;
	wr16(&w, 0); /* Length: two-byte varint, patched below */
	pn_off = w.n;
	wr8(&w, (uint8_t)pn);
	if (w.overflow)
		return 0;
	payload = QUIC_DGRAM - w.n - 16;
	put16(out + len_at, 0x4000 | (QUIC_PN_LEN + payload + 16));
	/* the CRYPTO frames in the order given, then PADDING (zero bytes) */
	for (i = 0; i < n; i++) {
		wr8(&w, 0x06);
		wr_varint(&w, pieces[i].off);
		wr_varint(&w, pieces[i].len);
		wr_bytes(&w, crypto + pieces[i].off, pieces[i].len);
	}
	if (w.overflow || w.n > pn_off + QUIC_PN_LEN + payload)
		return 0;
	wr_fill(&w, 0, pn_off + QUIC_PN_LEN + payload - w.n);
	wr_fill(&w, 0, 16); /* room for the tag */
	if (w.overflow)
		return 0;
	return br_quic_protect(&k, out, pn_off, QUIC_PN_LEN, pn, payload);
}

/*
 * The CRYPTO bytes one Initial of br_pkt_quic_initial_frames() holds: its
 * 1,200 bytes less the header (27 bytes with 8-byte connection IDs, no
 * token, a 1-byte packet number), the tag (16) and the frame's own header
 * (type, offset, a 2-byte length: 5 at most).
 */
#define QUIC_CRYPTO_ROOM (QUIC_DGRAM - 27 - 16 - 5)

size_t br_pkt_quic_flight(uint8_t *out, size_t cap, uint32_t version,
			  const uint8_t dcid[8], const char *sni,
			  unsigned int flags, uint64_t seed, size_t *count)
{
	uint8_t scid[QUIC_SCID_LEN], hello[4096];
	struct br_crypto_piece p = { 0, 0 };
	size_t len, n = 0, one;

	if (!out || !count)
		return 0;
	*count = 0;
	len = br_pkt_quic_hello(hello, sizeof(hello), version, scid, sni,
				flags, seed);
	if (!len)
		return 0;
	while (p.off < len) {
		p.len = (uint32_t)(len - p.off > QUIC_CRYPTO_ROOM
					   ? QUIC_CRYPTO_ROOM
					   : len - p.off);
		if (cap < (n + 1) * QUIC_DGRAM)
			return 0;
		one = br_pkt_quic_initial_frames(out + n * QUIC_DGRAM,
						 QUIC_DGRAM, version, dcid,
						 scid, n, hello, &p, 1);
		if (one != QUIC_DGRAM)
			return 0;
		p.off += p.len;
		n++;
	}
	*count = n;
	return QUIC_DGRAM;
}

size_t br_pkt_quic_initial(uint8_t *out, size_t cap, uint32_t version,
			   const uint8_t dcid[8], const char *sni,
			   uint64_t seed)
{
	size_t count;

	/* a hello without a post-quantum share fits one Initial */
	return br_pkt_quic_flight(out, cap < QUIC_DGRAM ? cap : QUIC_DGRAM,
				  version, dcid, sni, 0, seed, &count);
}

static size_t br_varint_get(const uint8_t *p, size_t len, uint64_t *v)
{
	size_t n, i;

	if (!len)
		return 0;
	n = (size_t)1 << (p[0] >> 6);
	if (n > len)
		return 0;
	*v = p[0] & 0x3f;
	for (i = 1; i < n; i++)
		*v = *v << 8 | p[i];
	return n;
}

size_t br_quic_initial_crypto(const uint8_t *dgram, size_t len, uint8_t *hello,
			      size_t cap, uint32_t *version)
{
	uint64_t token_len, length, pn = 0, type, off, flen;
	size_t pos, n, pn_len, i, got = 0, end;
	struct br_quic_keys k;
	const uint8_t *salt;
	uint8_t mask[5], dcid_len, *pkt;
	uint32_t ver;
	int family;

	if (!dgram || !hello || len < 7 || !(dgram[0] & 0x80) || len > 0xffff)
		return 0;
	ver = get32(dgram + 1);
	family = br_quic_family(ver, &salt);
	if (!family)
		return 0;
	/* Initial: v1 type 0, v2 type 1 */
	if (((dgram[0] >> 4) & 3) != (family == 2 ? 1u : 0u))
		return 0;
	dcid_len = dgram[5];
	pos = 6 + dcid_len;
	if (dcid_len > 20 || pos >= len)
		return 0;
	if (br_quic_initial_keys(ver, dgram + 6, dcid_len, 0, &k))
		return 0;
	pos += 1 + dgram[pos]; /* SCID */
	if (pos >= len)
		return 0;
	n = br_varint_get(dgram + pos, len - pos, &token_len);
	if (!n || token_len > len - pos - n)
		return 0;
	pos += n + token_len;
	n = br_varint_get(dgram + pos, len - pos, &length);
	if (!n || length > len - pos - n || length < 4 + 16)
		return 0;
	pos += n; /* the packet number */
	end = pos + length;
	pkt = malloc(end);
	if (!pkt)
		return 0;
	memcpy(pkt, dgram, end);
	if (br_quic_hp_mask(k.hp, pkt + pos + 4, mask))
		goto out;
	pkt[0] ^= mask[0] & 0x0f;
	pn_len = (pkt[0] & 3) + 1;
	for (i = 0; i < pn_len; i++) {
		pkt[pos + i] ^= mask[1 + i];
		pn = pn << 8 | pkt[pos + i];
	}
	if (length < pn_len + 16)
		goto out;
	if (br_quic_aead(&k, pn, pkt, pos + pn_len, pkt + pos + pn_len,
			 length - pn_len - 16, 0))
		goto out;
	if (version)
		*version = ver;

	/* frames: PADDING, PING, CRYPTO; stop at anything else */
	pos += pn_len;
	end -= 16;
	while (pos < end) {
		n = br_varint_get(pkt + pos, end - pos, &type);
		if (!n)
			break;
		pos += n;
		if (type == 0x00 || type == 0x01)
			continue;
		if (type != 0x06)
			break;
		n = br_varint_get(pkt + pos, end - pos, &off);
		if (!n)
			break;
		pos += n;
		n = br_varint_get(pkt + pos, end - pos, &flen);
		if (!n || flen > end - pos - n)
			break;
		pos += n;
		/* contiguous from 0 only: Chrome splits a hello out of order */
		if (off <= got && off + flen > got && off + flen <= cap) {
			memcpy(hello + off, pkt + pos, flen);
			got = off + flen;
		}
		pos += flen;
	}
out:
	free(pkt);
	return got;
}

/* ---- what the dataplane sent back ------------------------------------ */

/* Skip a DNS name (labels or a pointer); returns the new offset, 0 bad. */
static size_t br_dns_skip_name(const uint8_t *p, size_t len, size_t off)
{
	while (off < len) {
		if (!p[off])
			return off + 1;
		if ((p[off] & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if (p[off] & 0xc0)
			return 0;
		off += 1 + p[off];
	}
	return 0;
}

int br_pkt_reply(const uint8_t *frame, size_t len, uint8_t addr[16],
		 size_t *addr_len)
{
	struct br_pkt pkt = {};
	const uint8_t *l4, *dns;
	size_t n, off, i, an, rdlen, type;
	unsigned int flags;

	if (addr_len)
		*addr_len = 0;
	if (!frame || !len || len > 0xffff)
		return BR_REPLY_NONE;
	if (br_parse_frame((void *)frame, (void *)(frame + len), len, &pkt) !=
		    BR_PKT_IP ||
	    !pkt.l4_off || pkt.frag)
		return BR_REPLY_NONE;
	l4 = frame + pkt.l4_off;
	if (pkt.proto == IPPROTO_TCP)
		return l4[13] & BR_TCP_RST ? BR_REPLY_RST : BR_REPLY_OTHER;
	if (pkt.proto != IPPROTO_UDP || pkt.sport != 53)
		return BR_REPLY_OTHER;
	dns = frame + pkt.payload_off;
	n = pkt.ip_end - pkt.payload_off;
	if (n < 12)
		return BR_REPLY_OTHER;
	flags = get16(dns + 2);
	if (!(flags & 0x8000) || get16(dns + 4) != 1)
		return BR_REPLY_OTHER;
	if ((flags & 0xf) == 3)
		return BR_REPLY_NXDOMAIN;
	if ((flags & 0xf) != 0)
		return BR_REPLY_OTHER;
	an = get16(dns + 6);
	off = br_dns_skip_name(dns, n, 12);
	if (!off || off + 4 > n)
		return BR_REPLY_OTHER;
	off += 4;
	for (i = 0; i < an; i++) {
		off = br_dns_skip_name(dns, n, off);
		if (!off || off + 10 > n)
			return BR_REPLY_OTHER;
		type = get16(dns + off);
		rdlen = get16(dns + off + 8);
		off += 10;
		if (off + rdlen > n)
			return BR_REPLY_OTHER;
		if ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16)) {
			if (addr)
				memcpy(addr, dns + off, rdlen);
			if (addr_len)
				*addr_len = rdlen;
			return BR_REPLY_ADDR;
		}
		off += rdlen;
	}
	return an ? BR_REPLY_OTHER : BR_REPLY_NODATA;
}
