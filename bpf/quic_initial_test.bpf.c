/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * quic_initial_test.bpf.c - quic_initial.h in the kernel, for its test
 * and to measure it (tests/dataplane/test_quic_crypto.c): an XDP frame
 * Ethernet/IPv4/UDP/QUIC Initial is copied, its keys derived, header
 * protection removed, the payload decrypted, the frames walked and the
 * crypto stream's prefix copied; what each step found goes to qi_result.
 *   qi_first   derives the keys on every run: a connection's first Initial;
 *   qi_cached  keeps the keys per version and DCID in qi_keys: the later
 *              Initials of a connection (its first run derives them).
 * Not part of the dataplane, which will call the same functions.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "quic_initial_test.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct qi_scratch {
	struct br_qi_buf pkt;
	struct br_qi_buf hello;
	struct br_qi_work work;
	struct br_qi_keys keys;
	struct br_qi_walk walk;
	struct br_qi_pkt p;
	struct br_quic_info qi;
	struct qi_test_dcid id;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct qi_scratch);
} qi_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct qi_test_dcid);
	__type(value, struct br_qi_keys);
} qi_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct qi_test_result);
} qi_result SEC(".maps");

/* The UDP payload's offset and length in an Ethernet/IPv4/UDP frame. */
static __always_inline int qi_udp(struct xdp_md *ctx, __u32 *off, __u32 *len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;
	__u32 ihl;

	if ((void *)(eth + 1) > data_end ||
	    eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_UDP)
		return -1;
	ihl = ip->ihl * 4;
	if (ihl < sizeof(*ip))
		return -1;
	udp = (void *)ip + ihl;
	if ((void *)(udp + 1) > data_end)
		return -1;
	*off = sizeof(*eth) + ihl + sizeof(*udp);
	*len = bpf_ntohs(udp->len);
	if (*len < sizeof(*udp))
		return -1;
	*len -= sizeof(*udp);
	return 0;
}

/* The keys of s->qi: from the cache, else derived (and cached). */
static __always_inline int qi_keys_of(struct qi_scratch *s,
				      struct qi_test_result *res,
				      const int use_cache)
{
	struct br_qi_keys *k;
	__u32 i;

	if (use_cache) {
		__builtin_memset(&s->id, 0, sizeof(s->id));
		s->id.version = s->qi.version;
		s->id.len = s->qi.dcid_len;
		for (i = 0; i < BR_QUIC_CID_MAX; i++)
			s->id.dcid[i] = s->qi.dcid[i];
		k = bpf_map_lookup_elem(&qi_keys, &s->id);
		if (k) {
			s->keys = *k;
			res->cached = 1;
			return BR_QI_OK;
		}
	}
	res->result = br_qi_derive(&s->keys, &s->qi, &s->work);
	if (res->result)
		return res->result;
	if (use_cache)
		bpf_map_update_elem(&qi_keys, &s->id, &s->keys, BPF_ANY);
	return BR_QI_OK;
}

static __always_inline int qi_run(struct xdp_md *ctx, const int use_cache)
{
	struct qi_test_result *res;
	struct qi_scratch *s;
	__u32 zero = 0, off, dgram, len, i;

	s = bpf_map_lookup_elem(&qi_scratch, &zero);
	res = bpf_map_lookup_elem(&qi_result, &zero);
	if (!s || !res)
		return XDP_ABORTED;
	__builtin_memset(res, 0, sizeof(*res));
	res->at = QI_AT_PARSE;
	if (qi_udp(ctx, &off, &dgram))
		return XDP_PASS;
	len = dgram < BR_QI_BUF ? dgram : BR_QI_BUF;
	if (len < 1 || bpf_xdp_load_bytes(ctx, off, s->pkt.b, len))
		return XDP_PASS;
	if (br_quic_parse(s->pkt.b, len, dgram, &s->qi) != BR_QUIC_INITIAL)
		return XDP_PASS;

	res->at = QI_AT_CHECK;
	res->result = br_qi_check(&s->qi, len);
	if (res->result)
		return XDP_PASS;
	res->at = QI_AT_DERIVE;
	if (qi_keys_of(s, res, use_cache))
		return XDP_PASS;
	res->at = QI_AT_UNPROTECT;
	res->result = br_qi_unprotect(&s->keys, &s->pkt, len, &s->qi, &s->p);
	if (res->result)
		return XDP_PASS;
	res->first_byte = s->p.first_byte;
	res->pn_len = s->p.pn_len;
	res->pn = s->p.pn;
	res->at = QI_AT_DECRYPT;
	res->result = br_qi_decrypt(&s->keys, &s->pkt, &s->p, BR_QI_BUF);
	if (res->result)
		return XDP_PASS;
	res->at = QI_AT_WALK;
	br_qi_walk_init(&s->walk, &s->p);
	res->result = br_qi_walk(&s->walk, &s->pkt, &s->p);
	res->ncrypto = s->walk.ncrypto;
	for (i = 0; i < BR_QI_MAX_CRYPTO; i++)
		res->crypto[i] = s->walk.crypto[i];
	if (res->result)
		return XDP_PASS;
	res->at = QI_AT_PREFIX;
	res->result = br_qi_crypto_prefix(&s->walk, &s->pkt, &s->hello,
					  &res->prefix_len);
	if (res->result)
		return XDP_PASS;
	for (i = 0; i < QI_TEST_HELLO; i++)
		res->hello[i] = s->hello.b[i];
	res->at = QI_AT_DONE;
	return XDP_PASS;
}

SEC("xdp")
int qi_first(struct xdp_md *ctx)
{
	return qi_run(ctx, 0);
}

SEC("xdp")
int qi_cached(struct xdp_md *ctx)
{
	return qi_run(ctx, 1);
}
