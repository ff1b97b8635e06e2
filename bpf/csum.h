/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * csum.h - Internet checksums (RFC 1071) of what the program writes and of
 * what it must verify.
 *
 * The sums are one's-complement sums of the bytes as they lie in memory,
 * so no byte is swapped: a 16-bit word read from memory and a checksum
 * field compared with it are in the same order. bpf_csum_diff() adds up to
 * BR_CSUM_CHUNK bytes, a multiple of 4, per call.
 */
#ifndef BR_CSUM_H
#define BR_CSUM_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "abi.h"
#include "parse.h"
#include "maps.h"
#include "copy.h"

#define BR_CSUM_CHUNK 512 /* bpf_csum_diff's largest buffer */

/* The checksum field of a sum: folded to 16 bits and complemented. */
static __always_inline __u16 br_csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static __always_inline __u64 br_csum_words(const __u16 *w, int n)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

/* The pseudo-header of a transport segment of len bytes (RFC 9293 3.1). */
static __always_inline __u64 br_csum_pseudo(const struct br_pkt *pkt,
					    __u8 proto, __u32 len)
{
	int words = pkt->family == 4 ? 2 : 8;

	return bpf_htons(proto) + bpf_htons(len & 0xffff) +
	       bpf_htons(len >> 16) +
	       br_csum_words((const __u16 *)pkt->saddr, words) +
	       br_csum_words((const __u16 *)pkt->daddr, words);
}

/*
 * The sum of buf[0, len), len <= BR_L7_SCRATCH, an odd last byte padded
 * with zero as RFC 1071 says (the bytes after len are overwritten). Returns
 * -1 if the helper refuses.
 */
static __always_inline __s64 br_csum_buf(struct br_l7_buf *buf, __u32 len)
{
	__u32 i, off, n, len4;
	__u64 sum = 0;
	__s64 part;

	len4 = (len + 3) & ~3u;
	for (i = 0; i < 3; i++) {
		off = len + i;
		asm volatile("" : "+r"(off));
		if (off < len4)
			buf->b[off & (BR_L7_SCRATCH - 1)] = 0;
	}
	for (i = 0; i < BR_L7_SCRATCH / BR_CSUM_CHUNK; i++) {
		off = i * BR_CSUM_CHUNK;
		if (off >= len4)
			break;
		n = len4 - off;
		asm volatile("" : "+r"(n));
		if (n > BR_CSUM_CHUNK)
			n = BR_CSUM_CHUNK;
		asm volatile("" : "+r"(n));
		n &= 2 * BR_CSUM_CHUNK - 1;
		part = bpf_csum_diff(NULL, 0, (__be32 *)&buf->b[off], n, 0);
		if (part < 0)
			return -1;
		sum += (__u32)part;
	}
	return sum;
}

#define BR_CSUM_SEGMENT_CHUNKS 32 /* 64 KiB: a GSO super-frame */

/*
 * Whether the receiver of a TCP segment would take it: its checksum holds
 * over the pseudo-header, the header and the payload. A segment from a
 * local socket behind a veth carries only the pseudo-header sum
 * (CHECKSUM_PARTIAL, which the NIC would complete on a real link): that is
 * taken too, or a censor on a lab's veth would read nothing. A forger who
 * writes that sum in a decoy gets it read here and dropped by the server:
 * the one trick of this kind left open, and only where such checksums
 * can be seen at all.
 */
__noinline int br_tcp_csum_ok(struct xdp_md *ctx, const struct br_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct br_scratch *s;
	__u32 zero = 0, len, i, off, n, l4;
	__u16 *check;
	__u64 sum;
	__s64 part;

	if (!pkt || pkt->ip_end <= pkt->l4_off)
		return 0;
	l4 = pkt->l4_off;
	len = pkt->ip_end - l4;
	if (l4 > 4095 || len > 0xffff)
		return 0;
	check = data + l4 + 16;
	if ((void *)(check + 1) > data_end)
		return 0;
	sum = br_csum_pseudo(pkt, IPPROTO_TCP, len);
	if (*check == (__u16)~br_csum_fold(sum))
		return 1;
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	for (i = 0; i < BR_CSUM_SEGMENT_CHUNKS; i++) {
		off = i * BR_L7_SCRATCH;
		if (off >= len)
			break;
		n = br_copy(ctx, l4 + off, s->buf.b, len - off, BR_L7_SCRATCH);
		if (!n)
			return 0;
		part = br_csum_buf(&s->buf, n);
		if (part < 0)
			return 0;
		sum += part;
	}
	return br_csum_fold(sum) == 0;
}

#endif /* BR_CSUM_H */
