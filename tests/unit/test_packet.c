/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_packet.c - the packet builders (user/model/packet.c) and the capture
 * reader and writer (user/capture/pcap_io.c).
 *
 * Every frame a builder makes is read back with the dataplane's own
 * parsers (bpf/parse.h, then tls.h for the SNI, dns.h for the question,
 * quic.h for a QUIC header), and its checksums are checked with a routine
 * of this file, not the one that wrote them. QUIC protection is checked
 * against the test vectors of RFC 9001 appendix A and RFC 9369 appendix A,
 * and our own Initials are decrypted back to their ClientHello.
 *
 * With arguments, "test_packet --pcap FILE" writes one frame of each kind
 * to FILE (pcapng, each labelled in its comment) and exits: the end-to-end
 * test has tshark decode them (tests/e2e/test_replay.sh).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "packet.h"
#include "pcap_io.h"
#include "../../bpf/parse.h"
#include "tls.h"
#include "dns.h"
#include "quic.h"

/* ---- helpers ---------------------------------------------------------- */

static const struct br_ends ends4 = {
	.family = 4,
	.client = { 198, 18, 0, 2 },
	.server = { 198, 19, 0, 2 },
	.cport = 51234,
	.sport = 443,
	.client_mac = { 0x02, 0, 0, 0, 0, 0x02 },
	.server_mac = { 0x02, 0, 0, 0, 0, 0x01 },
};

static const struct br_ends ends6 = {
	.family = 6,
	.client = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 },
	.server = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2 },
	.cport = 40000,
	.sport = 5223,
	.client_mac = { 0x02, 0, 0, 0, 0, 0x02 },
	.server_mac = { 0x02, 0, 0, 0, 0, 0x01 },
	.ttl = 255,
};

static unsigned int be16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* RFC 1071, the plain way: 32-bit sum of 16-bit words, folded at the end */
static uint16_t naive_sum(const uint8_t *a, size_t alen, const uint8_t *b,
			  size_t blen)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < alen; i += 2)
		s += a[i] << 8 | a[i + 1];
	for (i = 0; i < blen; i++)
		s += i & 1 ? b[i] : b[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/*
 * Parse a frame with parse.h and check its IP and L4 checksums: the sum of
 * a header with its checksum in it is 0xffff.
 */
static void parse_checked(const uint8_t *f, size_t len, struct br_pkt *pkt)
{
	uint8_t pseudo[40];
	size_t l4_len, alen;
	const uint8_t *ip;

	memset(pkt, 0, sizeof(*pkt));
	assert_int_equal(br_parse_frame((void *)f, (void *)(f + len), len, pkt),
			 BR_PKT_IP);
	assert_true(pkt->l4_off > 0);
	assert_int_equal(pkt->ip_end, len);
	ip = f + pkt->l3_off;
	l4_len = len - pkt->l4_off;
	if (pkt->family == 4) {
		assert_int_equal(naive_sum(ip, 20, NULL, 0), 0xffff);
		alen = 4;
		memcpy(pseudo, ip + 12, 8);
	} else {
		alen = 16;
		memcpy(pseudo, ip + 8, 32);
	}
	memset(pseudo + 2 * alen, 0, 8);
	pseudo[2 * alen + 2] = l4_len >> 8;
	pseudo[2 * alen + 3] = l4_len;
	pseudo[2 * alen + 7] = pkt->proto;
	assert_int_equal(
		naive_sum(pseudo, 2 * alen + 8, f + pkt->l4_off, l4_len),
		0xffff);
	if (pkt->proto == IPPROTO_UDP)
		assert_int_equal(be16(f + pkt->l4_off + 4), l4_len);
}

/* Feed payloads to tls.h as the dataplane does, one segment at a time. */
static int tls_feed(struct br_tls_state *st, const uint8_t *p, size_t n)
{
	static uint8_t scratch[BR_L7_SCRATCH];

	assert_true(n <= BR_L7_SCRATCH);
	memset(scratch, 0, sizeof(scratch));
	memcpy(scratch, p, n);
	return br_tls_feed(st, scratch, n);
}

/* Does buf[0, n) contain the bytes of s? */
static int has(const uint8_t *buf, size_t n, const void *s, size_t len)
{
	return memmem(buf, n, s, len) != NULL;
}

/* ---- TCP -------------------------------------------------------------- */

static void check_syn(const struct br_ends *e, enum br_stack stack,
		      const uint8_t *want, size_t want_len)
{
	struct br_ends ec = *e;
	uint8_t f[BR_FRAME_MAX];
	struct br_pkt pkt;
	const uint8_t *th;
	size_t len;

	ec.stack = stack;
	ec.ts_ms = 1000;
	len = br_pkt_tcp(f, sizeof(f), &ec, BR_DIR_UP, BR_TCP_SYN, 12345, 0,
			 NULL, 0);
	assert_true(len > 0);
	parse_checked(f, len, &pkt);
	assert_int_equal(pkt.proto, IPPROTO_TCP);
	assert_int_equal(pkt.sport, e->cport);
	assert_int_equal(pkt.dport, e->sport);
	assert_int_equal(pkt.family, e->family);
	th = f + pkt.l4_off;
	assert_int_equal(be32(th + 4), 12345);
	assert_int_equal(be32(th + 8), 0);
	assert_int_equal(th[13], BR_TCP_SYN);
	assert_int_equal((th[12] >> 4) * 4, 20 + want_len);
	assert_int_equal(pkt.payload_off, len);
	/* options, but the 8 timestamp bytes, which depend on the ends */
	for (size_t i = 0; i < want_len; i++) {
		if (want[i] == 0xee)
			continue;
		assert_int_equal(th[20 + i], want[i]);
	}
	if (e->family == 4) {
		const uint8_t *ip = f + pkt.l3_off;

		assert_int_equal(ip[8], 64);		/* TTL */
		assert_int_equal(be16(ip + 6), 0x4000); /* DF */
	} else {
		assert_int_equal(f[pkt.l3_off + 7], 255); /* hop limit */
	}
}

static void test_tcp_syn_options(void **state)
{
	/* Linux: MSS, SACK-permitted, timestamps, NOP, wscale 7 */
	static const uint8_t linux4[] = {
		2,    4,    0x05, 0xb4, 4, 2, 8, 10, 0xee, 0xee,
		0xee, 0xee, 0,	  0,	0, 0, 1, 3,  3,	   7,
	};
	static const uint8_t linux6[] = {
		2,    4,    0x05, 0xa0, 4, 2, 8, 10, 0xee, 0xee,
		0xee, 0xee, 0,	  0,	0, 0, 1, 3,  3,	   7,
	};
	/* iOS: MSS, NOP, wscale 6, NOP, NOP, timestamps, SACK-permitted, EOL */
	static const uint8_t ios4[] = {
		2,    4,    0x05, 0xb4, 1, 3, 3, 6, 1, 1, 8, 10,
		0xee, 0xee, 0xee, 0xee, 0, 0, 0, 0, 4, 2, 0, 0,
	};

	(void)state;
	check_syn(&ends4, BR_STACK_LINUX, linux4, sizeof(linux4));
	check_syn(&ends6, BR_STACK_LINUX, linux6, sizeof(linux6));
	check_syn(&ends4, BR_STACK_IOS, ios4, sizeof(ios4));
}

static void test_tcp_segments(void **state)
{
	static const uint8_t data[] = "GET / HTTP/1.1\r\n\r\n";
	uint8_t f[BR_FRAME_MAX], big[4000];
	const struct br_ends *ends[] = { &ends4, &ends6 };
	struct br_pkt pkt;
	const uint8_t *th;
	size_t len, i;

	(void)state;
	for (i = 0; i < 2; i++) {
		const struct br_ends *e = ends[i];

		/* SYN-ACK from the server echoes a timestamp */
		len = br_pkt_tcp(f, sizeof(f), e, BR_DIR_DOWN,
				 BR_TCP_SYN | BR_TCP_ACK, 777, 12346, NULL, 0);
		parse_checked(f, len, &pkt);
		th = f + pkt.l4_off;
		assert_int_equal(pkt.sport, e->sport);
		assert_int_equal(pkt.dport, e->cport);
		assert_int_equal(be32(th + 8), 12346);
		assert_int_not_equal(be32(th + 20 + 8), 0); /* TSecr */
		/* data: NOP NOP timestamps */
		len = br_pkt_tcp(f, sizeof(f), e, BR_DIR_UP,
				 BR_TCP_ACK | BR_TCP_PSH, 12346, 778, data,
				 sizeof(data) - 1);
		parse_checked(f, len, &pkt);
		th = f + pkt.l4_off;
		assert_int_equal((th[12] >> 4) * 4, 32);
		assert_int_equal(th[20], 1);
		assert_int_equal(th[22], 8);
		assert_int_equal(len - pkt.payload_off, sizeof(data) - 1);
		assert_memory_equal(f + pkt.payload_off, data,
				    sizeof(data) - 1);
		/* RST from the server */
		len = br_pkt_tcp(f, sizeof(f), e, BR_DIR_DOWN,
				 BR_TCP_RST | BR_TCP_ACK, 778, 12346, NULL, 0);
		parse_checked(f, len, &pkt);
		assert_int_equal(br_pkt_reply(f, len, NULL, NULL),
				 BR_REPLY_RST);
	}
	/* too small a buffer, or too much payload */
	assert_int_equal(br_pkt_tcp(f, 60, &ends4, BR_DIR_UP, BR_TCP_ACK, 1, 1,
				    data, sizeof(data)),
			 0);
	assert_int_equal(br_pkt_tcp(f, sizeof(f), &ends4, BR_DIR_UP, BR_TCP_ACK,
				    1, 1, big, sizeof(big)),
			 0);
}

/* ---- TLS ClientHello -------------------------------------------------- */

/*
 * Send a hello in segments of at most mss bytes, as TCP frames, and feed
 * their payloads parsed back from the frames to tls.h.
 */
static int hello_over_tcp(const struct br_ends *e, const uint8_t *hello,
			  size_t n, size_t mss, struct br_tls_state *st)
{
	uint8_t f[BR_FRAME_MAX];
	struct br_pkt pkt;
	size_t off, take, len;
	int segs = 0, r = BR_TLS_NEED_MORE;

	br_tls_init(st);
	for (off = 0; off < n; off += take) {
		take = n - off < mss ? n - off : mss;
		len = br_pkt_tcp(f, sizeof(f), e, BR_DIR_UP,
				 BR_TCP_ACK |
					 (off + take == n ? BR_TCP_PSH : 0),
				 1000 + off, 1, hello + off, take);
		assert_true(len > 0);
		parse_checked(f, len, &pkt);
		r = tls_feed(st, f + pkt.payload_off, len - pkt.payload_off);
		segs++;
	}
	assert_int_equal(r, st->result);
	return segs;
}

static void test_client_hello(void **state)
{
	static const char *names[] = {
		"courier.push.apple.com",
		"1-courier.push.apple.com",
		"example.com",
		"a",
		"xn--80ak6aa92e.com",
	};
	uint8_t hello[8192];
	struct br_tls_state st;
	size_t n, i;
	int segs;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = br_pkt_client_hello(hello, sizeof(hello), names[i],
					"h2,http/1.1", 0, i);
		assert_true(n > 200 && n < 700);
		assert_int_equal(hello[0], 22);
		assert_int_equal(be16(hello + 3), n - 5);
		assert_int_equal(hello[5], 1);
		assert_int_equal(hello[5 + 4 + 2 + 32], 32); /* session id */
		segs = hello_over_tcp(&ends4, hello, n, 1448, &st);
		assert_int_equal(segs, 1);
		assert_int_equal(st.result, BR_TLS_DONE_SNI);
		assert_string_equal(st.sni, names[i]);
		assert_false(br_tls_ech(&st));
		assert_true(has(hello, n, "\x02h2\x08http/1.1", 12));
		/* X25519 share, supported_versions with 1.3 and 1.2 */
		assert_true(has(hello, n, "\x00\x1d\x00\x20", 4));
		assert_true(has(hello, n,
				"\x00\x2b\x00\x05\x04\x03\x04\x03\x03", 9));
		assert_true(has(hello, n, "\x00\x2d\x00\x02\x01\x01", 6));
	}
	/* no SNI, no ALPN */
	n = br_pkt_client_hello(hello, sizeof(hello), NULL, NULL, 0, 1);
	assert_true(n > 0);
	hello_over_tcp(&ends4, hello, n, 1448, &st);
	assert_int_equal(st.result, BR_TLS_DONE_NO_SNI);
	assert_false(has(hello, n, "\x00\x10\x00", 3) &&
		     has(hello, n, "http/1.1", 8));
	/* a name that no server_name can carry */
	assert_int_equal(
		br_pkt_client_hello(hello, sizeof(hello), "", NULL, 0, 1), 0);
	/* too small a buffer */
	assert_int_equal(
		br_pkt_client_hello(hello, 100, "example.com", NULL, 0, 1), 0);
}

static void test_client_hello_pq(void **state)
{
	uint8_t hello[8192];
	struct br_tls_state st;
	unsigned int flags;
	uint64_t seed;
	size_t n;
	int segs, later = 0;

	(void)state;
	/* X25519MLKEM768: two segments at a 1448-byte MSS */
	n = br_pkt_client_hello(hello, sizeof(hello), "courier.push.apple.com",
				"h2,http/1.1", 1, 7);
	assert_true(n > 1448 && n < 1700);
	assert_true(has(hello, n, "\x11\xec\x04\xc0", 4));
	segs = hello_over_tcp(&ends4, hello, n, 1448, &st);
	assert_int_equal(segs, 2);
	assert_int_equal(st.result, BR_TLS_DONE_SNI);
	assert_string_equal(st.sni, "courier.push.apple.com");

	/* Chrome: GREASE, shuffled extensions, ECH GREASE: ~1.8 KB */
	flags = BR_HELLO_PQ | BR_HELLO_GREASE | BR_HELLO_ECH;
	for (seed = 0; seed < 64; seed++) {
		n = br_pkt_client_hello_ex(hello, sizeof(hello),
					   "eu.courier.push.apple.com",
					   "h2,http/1.1", flags, seed);
		assert_true(n > 1700 && n < 1950);
		segs = hello_over_tcp(&ends6, hello, n, 1428, &st);
		assert_int_equal(segs, 2);
		assert_int_equal(st.result, BR_TLS_DONE_SNI);
		assert_string_equal(st.sni, "eu.courier.push.apple.com");
		assert_true(br_tls_ech(&st));
		later += br_tls_sni_later(&st);
	}
	/* shuffled: the name is in the second segment now and then */
	assert_true(later > 0 && later < 64);

	/* GREASE without PQ: padded to 512 bytes when 256..511 */
	n = br_pkt_client_hello_ex(hello, sizeof(hello), "a.example", NULL,
				   BR_HELLO_GREASE, 3);
	assert_int_equal(n, 5 + 512);
	hello_over_tcp(&ends4, hello, n, 1448, &st);
	assert_int_equal(st.result, BR_TLS_DONE_SNI);
}

/* ---- DNS -------------------------------------------------------------- */

static void test_dns_query(void **state)
{
	static struct br_dns_query q;
	static uint8_t scratch[BR_L7_SCRATCH];
	struct br_ends e = ends4;
	uint8_t p[512], f[BR_FRAME_MAX];
	struct br_pkt pkt;
	size_t n, len;

	(void)state;
	e.sport = 53;
	n = br_pkt_dns_query(p, sizeof(p), 0x1234, "FaceTime.Apple.com", 28, 1);
	assert_true(n > 0);
	len = br_pkt_udp(f, sizeof(f), &e, BR_DIR_UP, p, n);
	parse_checked(f, len, &pkt);
	assert_int_equal(pkt.proto, IPPROTO_UDP);
	assert_int_equal(pkt.dport, 53);
	memset(scratch, 0, sizeof(scratch));
	memcpy(scratch, f + pkt.payload_off, len - pkt.payload_off);
	assert_int_equal(br_dns_parse(scratch, len - pkt.payload_off, &q),
			 BR_DNS_QUERY);
	assert_string_equal(q.name, "facetime.apple.com");
	assert_int_equal(q.qtype, 28);
	assert_int_equal(q.qclass, 1);
	assert_int_equal(q.id, 0x1234);
	assert_int_equal(q.flags, BR_DNS_RD);
	assert_int_not_equal(q.opt_off, 0);

	/* without EDNS, with a trailing dot; the root */
	n = br_pkt_dns_query(p, sizeof(p), 1, "example.com.", 1, 0);
	memset(scratch, 0, sizeof(scratch));
	memcpy(scratch, p, n);
	assert_int_equal(br_dns_parse(scratch, n, &q), BR_DNS_QUERY);
	assert_string_equal(q.name, "example.com");
	assert_int_equal(q.opt_off, 0);
	n = br_pkt_dns_query(p, sizeof(p), 1, ".", 2, 0);
	assert_int_equal(n, 12 + 1 + 4);

	/* names no query can carry */
	assert_int_equal(br_pkt_dns_query(p, sizeof(p), 1, "a..b", 1, 0), 0);
	assert_int_equal(br_pkt_dns_query(p, sizeof(p), 1,
					  "0123456789012345678901234567890123"
					  "456789012345678901234567890123.com",
					  1, 0),
			 0);
}

static void test_dns_answers(void **state)
{
	static const uint8_t a4[4] = { 198, 18, 7, 7 };
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
	struct br_ends e = ends6;
	uint8_t p[512], f[BR_FRAME_MAX], got[16];
	struct br_pkt pkt;
	size_t n, len, got_len;

	(void)state;
	e.sport = 53;
	n = br_pkt_dns_answer(p, sizeof(p), 9, "facetime.apple.com", 1, NULL, 0,
			      1);
	len = br_pkt_udp(f, sizeof(f), &e, BR_DIR_DOWN, p, n);
	parse_checked(f, len, &pkt);
	assert_int_equal(br_pkt_reply(f, len, got, &got_len),
			 BR_REPLY_NXDOMAIN);
	assert_int_equal(be16(p + 2) & 0x800f, 0x8003);

	n = br_pkt_dns_answer(p, sizeof(p), 9, "facetime.apple.com", 28, a4, 0,
			      0);
	len = br_pkt_udp(f, sizeof(f), &e, BR_DIR_DOWN, p, n);
	assert_int_equal(br_pkt_reply(f, len, got, &got_len), BR_REPLY_NODATA);

	n = br_pkt_dns_answer(p, sizeof(p), 9, "example.com", 1, a4, 4, 1);
	len = br_pkt_udp(f, sizeof(f), &e, BR_DIR_DOWN, p, n);
	assert_int_equal(br_pkt_reply(f, len, got, &got_len), BR_REPLY_ADDR);
	assert_int_equal(got_len, 4);
	assert_memory_equal(got, a4, 4);

	e = ends4;
	e.sport = 53;
	n = br_pkt_dns_answer(p, sizeof(p), 9, "example.com", 28, a6, 16, 0);
	len = br_pkt_udp(f, sizeof(f), &e, BR_DIR_DOWN, p, n);
	parse_checked(f, len, &pkt);
	assert_int_equal(br_pkt_reply(f, len, got, &got_len), BR_REPLY_ADDR);
	assert_int_equal(got_len, 16);
	assert_memory_equal(got, a6, 16);

	/* a query is no reply; nor is a frame that is not IP */
	n = br_pkt_dns_query(p, sizeof(p), 9, "example.com", 1, 0);
	len = br_pkt_udp(f, sizeof(f), &e, BR_DIR_UP, p, n);
	assert_int_equal(br_pkt_reply(f, len, NULL, NULL), BR_REPLY_OTHER);
	memset(f, 0, 60);
	f[12] = 0x08;
	f[13] = 0x06; /* ARP */
	assert_int_equal(br_pkt_reply(f, 60, NULL, NULL), BR_REPLY_NONE);
}

/* ---- QUIC ------------------------------------------------------------- */

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned int v;

	while (s[0] && s[1] && n < cap) {
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = v;
		s += 2;
	}
	return n;
}

static void assert_hex(const uint8_t *got, const char *want)
{
	uint8_t w[64];
	size_t n = unhex(want, w, sizeof(w));

	assert_memory_equal(got, w, n);
}

static const uint8_t rfc_dcid[8] = { 0x83, 0x94, 0xc8, 0xf0,
				     0x3e, 0x51, 0x57, 0x08 };

static void test_quic_keys(void **state)
{
	struct br_quic_keys k;

	(void)state;
	/* RFC 9001 A.1 */
	assert_int_equal(br_quic_initial_keys(1, rfc_dcid, 8, 0, &k), 0);
	assert_hex(k.key, "1f369613dd76d5467730efcbe3b1a22d");
	assert_hex(k.iv, "fa044b2f42a3fd3b46fb255c");
	assert_hex(k.hp, "9f50449e04a0e810283a1e9933adedd2");
	assert_int_equal(br_quic_initial_keys(1, rfc_dcid, 8, 1, &k), 0);
	assert_hex(k.key, "cf3a5331653c364c88f0f379b6067e37");
	assert_hex(k.iv, "0ac1493ca1905853b0bba03e");
	assert_hex(k.hp, "c206b8d9b9f0f37644430b490eeaa314");
	/* RFC 9369 A.1 */
	assert_int_equal(br_quic_initial_keys(0x6b3343cf, rfc_dcid, 8, 0, &k),
			 0);
	assert_hex(k.key, "8b1a0bc121284290a29e0971b5cd045d");
	assert_hex(k.iv, "91f73e2351d8fa91660e909f");
	assert_hex(k.hp, "45b95e15235d6f45a6b19cbcb0294ba9");
	assert_int_equal(br_quic_initial_keys(0x6b3343cf, rfc_dcid, 8, 1, &k),
			 0);
	assert_hex(k.key, "82db637861d55e1d011f19ea71d5d2a7");
	assert_hex(k.iv, "dd13c276499c0249d3310652");
	assert_hex(k.hp, "edf6d05c83121201b436e16877593c3a");
	assert_int_equal(br_quic_initial_keys(0xabcdef01, rfc_dcid, 8, 0, &k),
			 -EPROTONOSUPPORT);
}

/* The CRYPTO frame of RFC 9001 A.2 and RFC 9369 A.2 (a ClientHello). */
static const char rfc_crypto[] =
	"060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
	"04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
	"616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
	"04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
	"baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
	"0d0010000e0403050306030203080408050806002d00020101001c0002400100"
	"3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
	"75300901100f088394c8f03e51570806048000ffff";

static void check_rfc_initial(uint32_t version, const char *header,
			      const char *head, const char *tag)
{
	uint8_t pkt[1200 + 16], hello[2048];
	struct br_quic_keys k;
	uint32_t got_version = 0;
	size_t n, h;

	memset(pkt, 0, sizeof(pkt));
	h = unhex(header, pkt, sizeof(pkt));
	assert_int_equal(h, 22);
	n = unhex(rfc_crypto, pkt + h, sizeof(pkt) - h);
	assert_int_equal(n, 245);
	assert_int_equal(br_quic_initial_keys(version, rfc_dcid, 8, 0, &k), 0);
	/* 1162 bytes of payload after a 4-byte packet number 2 */
	n = br_quic_protect(&k, pkt, 18, 4, 2, 1162);
	assert_int_equal(n, 1200);
	assert_hex(pkt, head);
	assert_hex(pkt + 1200 - 16, tag);
	/* and back: the ClientHello the CRYPTO frame carried */
	n = br_quic_initial_crypto(pkt, 1200, hello, sizeof(hello),
				   &got_version);
	assert_int_equal(n, 245 - 4);
	assert_int_equal(got_version, version);
	assert_int_equal(hello[0], 1);
	assert_true(has(hello, n, "example.com", 11));
	/* one flipped bit: the tag no longer verifies */
	pkt[600] ^= 1;
	assert_int_equal(
		br_quic_initial_crypto(pkt, 1200, hello, sizeof(hello), NULL),
		0);
}

static void test_quic_rfc_packets(void **state)
{
	(void)state;
	/* RFC 9001 A.2: header, sample, mask, first bytes, and the tag */
	check_rfc_initial(1, "c300000001088394c8f03e5157080000449e00000002",
			  "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98d"
			  "d7689fb8ec11d242b123dc9bd8bab936b47d92ec356c0bab7d",
			  "e221af44860018ab0856972e194cd934");
	/* RFC 9369 A.2 */
	check_rfc_initial(0x6b3343cf,
			  "d36b3343cf088394c8f03e5157080000449e00000002",
			  "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b"
			  "6abcdb4298b485dd04de806071",
			  "a18b2faa745b6fe189cf772a9f84cbfc");
}

static void check_our_initial(uint32_t version, const char *sni)
{
	static const uint8_t dcid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t d[1500], f[BR_FRAME_MAX], hello[2048], rec[2048 + 5];
	struct br_ends e = ends4;
	struct br_quic_info qi;
	struct br_tls_state st;
	struct br_pkt pkt;
	uint32_t got = 0;
	size_t n, len;

	e.sport = 443;
	n = br_pkt_quic_initial(d, sizeof(d), version, dcid, sni, 42);
	assert_int_equal(n, 1200);
	len = br_pkt_udp(f, sizeof(f), &e, BR_DIR_UP, d, n);
	parse_checked(f, len, &pkt);
	assert_int_equal(len - pkt.payload_off, 1200);
	assert_int_equal(br_quic_parse(f + pkt.payload_off, 1200, 1200, &qi),
			 BR_QUIC_INITIAL);
	assert_int_equal(qi.version, version);
	assert_int_equal(qi.dcid_len, 8);
	assert_memory_equal(qi.dcid, dcid, 8);
	assert_int_equal(qi.scid_len, 8);
	assert_int_equal(qi.token_len, 0);
	assert_int_equal(qi.flags, 0); /* fixed bit set, 1200 bytes, alone */
	/* decrypted: a ClientHello with the name, h3 and transport params */
	n = br_quic_initial_crypto(f + pkt.payload_off, 1200, hello,
				   sizeof(hello), &got);
	assert_true(n > 100);
	assert_int_equal(got, version);
	assert_true(has(hello, n, "\x02h3", 3));
	assert_true(has(hello, n, "\x00\x39", 2));
	assert_int_equal(hello[4 + 2 + 32], 0); /* empty session id */
	rec[0] = 22;
	rec[1] = 3;
	rec[2] = 1;
	rec[3] = n >> 8;
	rec[4] = n;
	memcpy(rec + 5, hello, n);
	br_tls_init(&st);
	tls_feed(&st, rec, n + 5);
	assert_int_equal(st.result, BR_TLS_DONE_SNI);
	assert_string_equal(st.sni, sni);
}

static void test_quic_initial(void **state)
{
	static const uint8_t dcid[8] = { 9 };
	uint8_t d[1500];

	(void)state;
	check_our_initial(1, "courier.push.apple.com");
	check_our_initial(0x6b3343cf, "www.example.com");
	check_our_initial(0xff00001d, "draft29.example"); /* h3-29 */
	assert_int_equal(br_pkt_quic_initial(d, sizeof(d), 0x12345678, dcid,
					     "x.example", 1),
			 0);
	assert_int_equal(br_pkt_quic_initial(d, 1000, 1, dcid, "x.example", 1),
			 0);
}

/* ---- determinism ------------------------------------------------------ */

static void test_deterministic(void **state)
{
	static const uint8_t dcid[8] = { 0xde, 0xad };
	uint8_t a[4096], b[4096];
	size_t na, nb;
	struct br_ends e = ends4;

	(void)state;
#define SAME(call_a, call_b)                   \
	do {                                   \
		memset(a, 0xaa, sizeof(a));    \
		memset(b, 0x55, sizeof(b));    \
		na = (call_a);                 \
		nb = (call_b);                 \
		assert_true(na > 0);           \
		assert_int_equal(na, nb);      \
		assert_memory_equal(a, b, na); \
	} while (0)
	SAME(br_pkt_client_hello(a, sizeof(a), "x.example", "h2", 1, 5),
	     br_pkt_client_hello(b, sizeof(b), "x.example", "h2", 1, 5));
	SAME(br_pkt_client_hello_ex(a, sizeof(a), "x.example", "h2", 7, 5),
	     br_pkt_client_hello_ex(b, sizeof(b), "x.example", "h2", 7, 5));
	SAME(br_pkt_quic_initial(a, sizeof(a), 1, dcid, "x.example", 5),
	     br_pkt_quic_initial(b, sizeof(b), 1, dcid, "x.example", 5));
	SAME(br_pkt_dns_query(a, sizeof(a), 7, "x.example", 1, 1),
	     br_pkt_dns_query(b, sizeof(b), 7, "x.example", 1, 1));
	SAME(br_pkt_tcp(a, sizeof(a), &e, BR_DIR_UP, BR_TCP_SYN, 1, 0, NULL, 0),
	     br_pkt_tcp(b, sizeof(b), &e, BR_DIR_UP, BR_TCP_SYN, 1, 0, NULL,
			0));
	SAME(br_pkt_udp(a, sizeof(a), &e, BR_DIR_UP, "abc", 3),
	     br_pkt_udp(b, sizeof(b), &e, BR_DIR_UP, "abc", 3));
#undef SAME
	/* the seed moves random, session id and key shares */
	na = br_pkt_client_hello(a, sizeof(a), "x.example", "h2", 0, 5);
	nb = br_pkt_client_hello(b, sizeof(b), "x.example", "h2", 0, 6);
	assert_int_equal(na, nb);
	assert_memory_not_equal(a, b, na);
	na = br_pkt_quic_initial(a, sizeof(a), 1, dcid, "x.example", 5);
	nb = br_pkt_quic_initial(b, sizeof(b), 1, dcid, "x.example", 6);
	assert_memory_not_equal(a, b, na);
}

/* ---- pcapng out, pcap in, re-segmentation ----------------------------- */

static char tmp_path[64];

static int tmp_setup(void **state)
{
	int fd;

	(void)state;
	strcpy(tmp_path, "/tmp/test_packet.XXXXXX");
	fd = mkstemp(tmp_path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int tmp_teardown(void **state)
{
	(void)state;
	unlink(tmp_path);
	return 0;
}

static void test_pcapng_roundtrip(void **state)
{
	struct br_pcap_writer *w;
	struct br_pcap_reader *r;
	struct br_pcap_stats st;
	uint8_t f[3][BR_FRAME_MAX];
	size_t len[3];
	struct br_frame fr;
	char err[256];
	int i;

	(void)state;
	len[0] = br_pkt_tcp(f[0], sizeof(f[0]), &ends4, BR_DIR_UP, BR_TCP_SYN,
			    1, 0, NULL, 0);
	len[1] = br_pkt_udp(f[1], sizeof(f[1]), &ends6, BR_DIR_UP, "abc", 3);
	len[2] = br_pkt_udp(f[2], sizeof(f[2]), &ends4, BR_DIR_DOWN, "de", 2);
	assert_int_equal(br_pcap_create(tmp_path, &w), 0);
	assert_int_equal(br_pcap_write(w, 1700000000123456789ULL, f[0], len[0],
				       "flow 1 SYN"),
			 0);
	assert_int_equal(
		br_pcap_write(w, 1700000000123456790ULL, f[1], len[1], NULL),
		0);
	assert_int_equal(br_pcap_write(w, 5, f[2], len[2], "odd: 3 bytes"), 0);
	assert_int_equal(br_pcap_close(w), 0);

	assert_int_equal(br_pcap_open(tmp_path, NULL, &r, err, sizeof(err)),
			 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(br_pcap_next(r, &fr), 1);
		assert_int_equal(fr.len, len[i]);
		assert_memory_equal(fr.data, f[i], len[i]);
		assert_int_equal(fr.number, i + 1);
		assert_int_equal(fr.flags, 0);
	}
	assert_int_equal(fr.ts_ns, 5);
	assert_int_equal(br_pcap_next(r, &fr), 0);
	br_pcap_stats(r, &st);
	assert_int_equal(st.read, 3);
	assert_int_equal(st.resegmented, 0);
	assert_int_equal(st.superframes, 0);
	br_pcap_close_reader(r);

	/* not a capture */
	assert_int_not_equal(br_pcap_open("/nonexistent/x.pcap", NULL, &r, err,
					  sizeof(err)),
			     0);
	assert_true(strlen(err) > 0);
}

/* A TCP super-frame of n payload bytes, as TSO hands it to tcpdump. */
static size_t super_frame(const struct br_ends *e, uint8_t *f, size_t cap,
			  const uint8_t *payload, size_t n, uint8_t flags)
{
	return br_pkt_tcp(f, cap, e, BR_DIR_DOWN, flags, 1000000, 5000, payload,
			  n);
}

static void check_resegment(const struct br_ends *e, unsigned int mtu, size_t n)
{
	static uint8_t payload[60000], f[65600], joined[60000];
	size_t hdrs = e->family == 6 ? 40 : 20, mss = mtu - hdrs - 32;
	size_t len, got_len, off = 0, want_segs = (n + mss - 1) / mss;
	struct br_pcap_opts o = { .mtu = mtu };
	struct br_pcap_writer *w;
	struct br_pcap_reader *r;
	struct br_pcap_stats st;
	const uint8_t *got, *th;
	struct br_frame fr;
	struct br_pkt pkt;
	unsigned int id0 = 0, i;
	char err[256];

	for (i = 0; i < n; i++)
		payload[i] = i * 7 + (i >> 8);
	len = super_frame(e, f, sizeof(f), payload, n,
			  BR_TCP_ACK | BR_TCP_PSH | BR_TCP_FIN);
	assert_true(len > 0);
	assert_int_equal(br_pcap_create(tmp_path, &w), 0);
	assert_int_equal(br_pcap_write(w, 77, f, len, NULL), 0);
	/* a UDP datagram over the MTU (UDP GSO): passed whole */
	len = br_pkt_udp(f, sizeof(f), e, BR_DIR_DOWN, payload, 3000);
	assert_int_equal(br_pcap_write(w, 78, f, len, NULL), 0);
	assert_int_equal(br_pcap_close(w), 0);

	assert_int_equal(br_pcap_open(tmp_path, &o, &r, err, sizeof(err)), 0);
	for (i = 0; i < want_segs; i++) {
		assert_int_equal(br_pcap_next(r, &fr), 1);
		got = fr.data;
		got_len = fr.len;
		assert_int_equal(fr.ts_ns, 77);
		assert_int_equal(fr.number, 1); /* every segment: frame 1's */
		assert_true(fr.flags & BR_FRAME_CUT);
		assert_true(got_len <= 14 + mtu);
		parse_checked(got, got_len, &pkt);
		th = got + pkt.l4_off;
		assert_int_equal(be32(th + 4), 1000000 + off);
		assert_int_equal(be32(th + 8), 5000);
		if (i + 1 < want_segs)
			assert_int_equal(th[13], BR_TCP_ACK);
		else
			assert_int_equal(th[13],
					 BR_TCP_ACK | BR_TCP_PSH | BR_TCP_FIN);
		if (e->family == 4) {
			if (!i)
				id0 = be16(got + pkt.l3_off + 4);
			assert_int_equal(be16(got + pkt.l3_off + 4),
					 (id0 + i) & 0xffff);
		}
		memcpy(joined + off, got + pkt.payload_off,
		       got_len - pkt.payload_off);
		off += got_len - pkt.payload_off;
		if (i + 1 < want_segs)
			assert_int_equal(got_len - pkt.payload_off, mss);
	}
	assert_int_equal(off, n);
	assert_memory_equal(joined, payload, n);
	assert_int_equal(br_pcap_next(r, &fr), 1);
	assert_int_equal(fr.len, len); /* the UDP one, whole */
	assert_int_equal(fr.number, 2);
	assert_int_equal(fr.flags, BR_FRAME_OVERSIZE);
	assert_int_equal(br_pcap_next(r, &fr), 0);
	br_pcap_stats(r, &st);
	assert_int_equal(st.read, 2);
	assert_int_equal(st.superframes, 1);
	assert_int_equal(st.resegmented, want_segs);
	assert_int_equal(st.oversize, 1);
	br_pcap_close_reader(r);
}

static void test_resegment(void **state)
{
	(void)state;
	check_resegment(&ends4, 1500, 20000);
	check_resegment(&ends6, 1500, 20000);
	check_resegment(&ends4, 1500, 1449); /* two segments, one byte */
	check_resegment(&ends6, 1280, 60000);
	check_resegment(&ends4, 576, 5000);
}

/* ---- samples for tshark (test_replay.sh) ---------------------------- */

static int write_samples(const char *path)
{
	static const uint8_t dcid1[8] = { 0x83, 0x94, 0xc8, 0xf0, 1, 2, 3, 4 };
	static const uint8_t dcid2[8] = { 0x11, 0x22, 0x33, 0x44, 5, 6, 7, 8 };
	static const uint8_t a4[4] = { 198, 18, 9, 9 };
	struct br_ends e = ends4, e6 = ends6;
	struct br_pcap_writer *w;
	uint8_t p[4096], f[BR_FRAME_MAX];
	uint64_t ts = 1700000000000000000ULL;
	size_t n, len, off, take;
	int err;

	err = br_pcap_create(path, &w);
	if (err)
		return 1;
#define OUT(comment)                                                \
	do {                                                        \
		err = err ?: br_pcap_write(w, ts, f, len, comment); \
		ts += 1000001;                                      \
	} while (0)
	/* TLS: a plain hello and a Chrome-like PQ hello in two segments */
	len = br_pkt_tcp(f, sizeof(f), &e, BR_DIR_UP, BR_TCP_SYN, 100, 0, NULL,
			 0);
	OUT("tls syn");
	n = br_pkt_client_hello(p, sizeof(p), "courier.push.apple.com",
				"h2,http/1.1", 0, 1);
	len = br_pkt_tcp(f, sizeof(f), &e, BR_DIR_UP, BR_TCP_ACK | BR_TCP_PSH,
			 101, 1, p, n);
	OUT("tls courier.push.apple.com");
	e6.sport = 443;
	n = br_pkt_client_hello_ex(p, sizeof(p), "pq.example.com", "h2",
				   BR_HELLO_PQ | BR_HELLO_GREASE, 2);
	for (off = 0; off < n; off += take) {
		take = n - off < 1428 ? n - off : 1428;
		len = br_pkt_tcp(f, sizeof(f), &e6, BR_DIR_UP,
				 BR_TCP_ACK |
					 (off + take == n ? BR_TCP_PSH : 0),
				 5000 + off, 1, p + off, take);
		OUT(off + take == n ? "tls pq.example.com" : "tls pq segment");
	}
	/* DNS */
	e.sport = 53;
	n = br_pkt_dns_query(p, sizeof(p), 0x4242, "facetime.apple.com", 1, 1);
	len = br_pkt_udp(f, sizeof(f), &e, BR_DIR_UP, p, n);
	OUT("dns query facetime.apple.com A");
	n = br_pkt_dns_answer(p, sizeof(p), 0x4242, "facetime.apple.com", 1,
			      NULL, 0, 1);
	len = br_pkt_udp(f, sizeof(f), &e, BR_DIR_DOWN, p, n);
	OUT("dns nxdomain facetime.apple.com");
	n = br_pkt_dns_answer(p, sizeof(p), 0x4343, "example.com", 1, a4, 4, 1);
	len = br_pkt_udp(f, sizeof(f), &e, BR_DIR_DOWN, p, n);
	OUT("dns answer example.com A 198.18.9.9");
	/* QUIC v1 and v2 Initials */
	e.sport = 443;
	n = br_pkt_quic_initial(p, sizeof(p), 1, dcid1,
				"quic1.courier.push.apple.com", 3);
	len = br_pkt_udp(f, sizeof(f), &e, BR_DIR_UP, p, n);
	OUT("quic v1 quic1.courier.push.apple.com");
	e.cport++;
	n = br_pkt_quic_initial(p, sizeof(p), 0x6b3343cf, dcid2,
				"quic2.example.com", 4);
	len = br_pkt_udp(f, sizeof(f), &e, BR_DIR_UP, p, n);
	OUT("quic v2 quic2.example.com");
#undef OUT
	err = br_pcap_close(w) ?: err;
	if (err)
		fprintf(stderr, "%s: %s\n", path, strerror(-err));
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_syn_options),
		cmocka_unit_test(test_tcp_segments),
		cmocka_unit_test(test_client_hello),
		cmocka_unit_test(test_client_hello_pq),
		cmocka_unit_test(test_dns_query),
		cmocka_unit_test(test_dns_answers),
		cmocka_unit_test(test_quic_keys),
		cmocka_unit_test(test_quic_rfc_packets),
		cmocka_unit_test(test_quic_initial),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test_setup_teardown(test_pcapng_roundtrip,
						tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_resegment, tmp_setup,
						tmp_teardown),
	};

	if (argc == 3 && !strcmp(argv[1], "--pcap"))
		return write_samples(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: %s [--pcap FILE]\n", argv[0]);
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
