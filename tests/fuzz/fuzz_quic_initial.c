/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fuzz_quic_initial.c - libFuzzer target for bpf/quic_initial.h.
 *
 * Input: one mode byte, then the rest. Mode bit 0 clear: the rest is a
 * datagram, opened as it is (random bytes rarely get past the header or
 * decrypt to frames). Set: the rest is an Initial's plaintext frames,
 * encrypted and header-protected here with the functions under test
 * (v2 if bit 1, packet number length 1 + bits 2-3), so the frame walk
 * sees what the fuzzer wrote. Bits 4-7 pick a chunk: the payload is also
 * decrypted and walked 16 (chunk + 1) bytes at a time.
 *
 * The buffer past the copy is poisoned, so ASan sees any read beyond it.
 * Invariants: whole and chunked give the same result, frames and prefix
 * (unless either hit the step limit, which depends on the chunk);
 * every reported CRYPTO frame lies inside the payload; the prefix is the
 * frames' bytes at their stream offsets, no longer than their sum.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#include "quic_initial.h"

struct opened {
	int result;
	struct br_qi_pkt pkt;
	struct br_qi_walk walk;
	__u32 prefix;
	struct br_qi_buf hello;
};

static struct br_qi_buf buf;
static struct br_qi_work work;
static struct br_qi_keys keys;
static struct opened whole, chunked;

static int open_dgram(const __u8 *d, __u32 len, __u32 chunk,
		      struct opened *o)
{
	struct br_quic_info qi;
	__u32 to;
	int r;

	memset(o, 0, sizeof(*o));
	memset(&buf, 0, sizeof(buf));
	memcpy(buf.b, d, len);
	ASAN_POISON_MEMORY_REGION(buf.b + len, sizeof(buf) - len);
	r = BR_QI_E_NOT_INITIAL;
	if (br_quic_parse(buf.b, len, len, &qi) != BR_QUIC_INITIAL)
		goto out;
	r = br_qi_check(&qi, len);
	if (r)
		goto out;
	r = br_qi_derive(&keys, &qi, &work);
	if (r)
		goto out;
	r = br_qi_unprotect(&keys, &buf, len, &qi, &o->pkt);
	if (r)
		goto out;
	if (o->pkt.end > len ||
	    o->pkt.payload_off + o->pkt.payload_len + BR_QI_TAG_LEN !=
		    o->pkt.end)
		abort();
	br_qi_walk_init(&o->walk, &o->pkt);
	for (to = chunk;; to += chunk) {
		r = br_qi_decrypt(&keys, &buf, &o->pkt, to);
		if (r)
			goto out;
		r = br_qi_walk(&o->walk, &buf, &o->pkt);
		if (r != BR_QI_MORE)
			break;
		if (o->pkt.dec_len >= o->pkt.payload_len)
			abort(); /* MORE with all of it decrypted */
	}
	if (r)
		goto out;
	r = br_qi_crypto_prefix(&o->walk, &buf, &o->hello, &o->prefix);
out:
	ASAN_UNPOISON_MEMORY_REGION(buf.b, sizeof(buf));
	o->result = r;
	return r;
}

static void check(const struct opened *o)
{
	__u32 i, k, sum = 0, start, stop;
	const struct br_qi_crypto *c;

	if (o->walk.ncrypto > BR_QI_MAX_CRYPTO)
		abort();
	start = o->pkt.payload_off;
	stop = start + o->pkt.payload_len;
	for (i = 0; i < o->walk.ncrypto; i++) {
		c = &o->walk.crypto[i];
		if (c->pos < start || c->pos + c->len > stop)
			abort();
		sum += c->len;
	}
	if (o->result || o->prefix > sum)
		return;
	/* every prefix byte is some frame's byte at that stream offset */
	for (k = 0; k < o->prefix; k++) {
		for (i = 0; i < o->walk.ncrypto; i++) {
			c = &o->walk.crypto[i];
			if (c->offset <= k && k < c->offset + c->len)
				break;
		}
		if (i == o->walk.ncrypto)
			abort();
	}
}

/* frames[0, n) as the payload of a protected client Initial, into out */
static __u32 build(__u8 mode, const __u8 *frames, __u32 n, __u8 *out)
{
	static const __u8 dcid[8] = { 0x83, 0x94, 0xc8, 0xf0,
				      0x3e, 0x51, 0x57, 0x08 };
	__u32 v2 = mode & 2, pn_len = ((mode >> 2) & 3) + 1, len, i, o = 0;
	struct br_quic_info qi = { 0 };
	struct br_qi_pkt p = { 0 };
	struct br_aes_block mask;

	qi.version = v2 ? BR_QUIC_V2 : BR_QUIC_V1;
	qi.dcid_len = sizeof(dcid);
	memcpy(qi.dcid, dcid, sizeof(dcid));
	len = pn_len + n + BR_QI_TAG_LEN;
	if (len < BR_QUIC_HP_SAMPLE_END)
		return 0;
	out[o++] = 0xc0 | (v2 ? 0x10 : 0) | (pn_len - 1);
	for (i = 0; i < 4; i++)
		out[o++] = qi.version >> (24 - 8 * i);
	out[o++] = sizeof(dcid);
	memcpy(out + o, dcid, sizeof(dcid));
	o += sizeof(dcid);
	out[o++] = 0;
	out[o++] = 0;
	out[o++] = 0x40 | len >> 8;
	out[o++] = len;
	p.pn_len = pn_len;
	p.pn = 7;
	p.payload_off = o + pn_len;
	p.payload_len = n;
	for (i = 0; i < pn_len; i++)
		out[o + i] = i == pn_len - 1 ? 7 : 0;
	memcpy(out + p.payload_off, frames, n);
	memset(out + p.payload_off + n, 0xee, BR_QI_TAG_LEN);
	if (br_qi_derive(&keys, &qi, &work))
		abort();
	memcpy(buf.b, out, o + len);
	br_qi_decrypt(&keys, &buf, &p, BR_QI_BUF);
	memcpy(out, buf.b, o + len);
	br_aes_load(&mask, out + o + BR_QI_SAMPLE_OFF);
	br_aes128_encrypt(&keys.hp, &mask);
	out[0] ^= (mask.w[0] >> 24) & 0x0f;
	for (i = 0; i < pn_len; i++)
		out[o + i] ^= br_qi_byte(&mask, i + 1);
	return o + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static __u8 dgram[BR_QI_BUF];
	__u32 len, chunk;
	__u8 mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	/* room for a header of 19 bytes and the tag */
	if (size > BR_QI_BUF - 64)
		size = BR_QI_BUF - 64;
	if (mode & 1) {
		len = build(mode, data, size, dgram);
		if (!len)
			return 0;
	} else {
		len = size;
		memcpy(dgram, data, len);
	}
	chunk = 16 * ((mode >> 4) + 1);
	open_dgram(dgram, len, BR_QI_BUF, &whole);
	open_dgram(dgram, len, chunk, &chunked);
	check(&whole);
	check(&chunked);
	/* a PADDING run stops at a chunk's end: more steps, chunked */
	if (whole.result == BR_QI_E_LIMIT || chunked.result == BR_QI_E_LIMIT)
		return 0;
	if (whole.result != chunked.result || whole.prefix != chunked.prefix ||
	    memcmp(&whole.walk.crypto, &chunked.walk.crypto,
		   sizeof(whole.walk.crypto)) ||
	    whole.walk.ncrypto != chunked.walk.ncrypto ||
	    memcmp(whole.hello.b, chunked.hello.b, whole.prefix))
		abort();
	return 0;
}
