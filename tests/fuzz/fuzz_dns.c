/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fuzz_dns.c - libFuzzer target for bpf/dns.h and bpf/domain.h.
 *
 * The parser reads a copy of exactly the input's size, so ASan catches any
 * read past len (the scratch buffer would hide it); the answers are built
 * in a heap buffer of exactly BR_L7_SCRATCH bytes, as in the dataplane.
 * Beyond memory safety it checks what the callers rely on: the fields of a
 * parsed query stay inside the payload, every answer is as long as
 * br_dns_response_len() says and reads back as a response to the same id,
 * and the name's suffix hashes agree with br_domain_hash().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "domain.h"

#define ASSERT(cond)                                                           \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

static const __u8 sink4[4] = {198, 18, 0, 66};
static const __u8 sink6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x66};

static void check_name(const struct br_dns_query *q, int status)
{
	__u64 out[BR_DOMAIN_MAX_LABELS];
	__u32 i, n, dots = 0, pos;
	int ret;

	ASSERT(q->name_len <= 253 && q->name[q->name_len] == 0);
	ASSERT(q->n_labels <= 127);
	for (i = 0; i < q->name_len; i++) {
		ASSERT(!(q->name[i] >= 'A' && q->name[i] <= 'Z'));
		dots += q->name[i] == '.';
	}
	if (status != BR_DNS_QUERY) /* a '.' inside a label */
		return;
	ASSERT(dots + !!q->name_len == q->n_labels);

	/* a parsed name has no empty label: it always hashes */
	ret = br_domain_hashes(q->name, q->name_len, out, &n);
	ASSERT(ret >= 0 && n == (q->n_labels < BR_DOMAIN_MAX_LABELS
					 ? q->n_labels
					 : BR_DOMAIN_MAX_LABELS));
	ASSERT(ret == (int)(q->n_labels - n));
	if (!n)
		return;
	ASSERT(out[n - 1] == br_domain_hash(q->name, q->name_len));
	for (i = 0, pos = q->name_len; i + 1 < n; i++) {
		do
			pos--;
		while (q->name[pos] != '.');
		ASSERT(out[i] == br_domain_hash(q->name + pos + 1,
						q->name_len - pos - 1));
	}
}

static void check_answer(const __u8 *query, __u32 len,
			 const struct br_dns_query *q, int kind)
{
	__u8 *buf = malloc(BR_L7_SCRATCH);
	struct br_dns_query back;
	int n;

	ASSERT(buf);
	memcpy(buf, query, len < BR_L7_SCRATCH ? len : BR_L7_SCRATCH);
	switch (kind) {
	case BR_DNS_ANS_NXDOMAIN:
		n = br_dns_build_nxdomain(buf, q);
		break;
	case BR_DNS_ANS_NODATA:
		n = br_dns_build_nodata(buf, q);
		break;
	case BR_DNS_ANS_A:
		n = br_dns_build_addr(buf, q, sink4, 4);
		break;
	default: {
		/* a sinkhole with an IPv6 address only */
		struct br_rule r = { .flags = BR_RULE_F_SINK6 };

		memcpy(r.sink6, sink6, sizeof(r.sink6));
		n = br_dns_build_sinkhole(buf, q, &r);
		kind = br_dns_sinkhole_kind(q, &r);
		break;
	}
	}
	ASSERT(n > 0 && (__u32)n == br_dns_response_len(q, kind));
	ASSERT((__u32)n <= len + BR_DNS_MAX_GROWTH);
	/* the question is untouched, the header is a response's */
	ASSERT(!memcmp(buf + 12, query + 12, q->question_end - 12));
	ASSERT(br_dns_parse(buf, n, &back) == BR_DNS_NOT_QUERY);
	ASSERT(back.id == q->id && (back.flags & BR_DNS_QR));
	ASSERT((buf[5] | buf[4] << 8) == 1);
	ASSERT((buf[7] | buf[6] << 8) ==
	       (kind == BR_DNS_ANS_A || kind == BR_DNS_ANS_AAAA));
	ASSERT((buf[11] | buf[10] << 8) == (q->opt_off != 0));
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct br_dns_query q;
	__u64 out[BR_DOMAIN_MAX_LABELS];
	__u8 *copy = malloc(size ? size : 1);
	__u32 len, n;
	int status, kind;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	len = size > BR_L7_SCRATCH ? BR_L7_SCRATCH : size;

	status = br_dns_parse(copy, size > 0xffffffff ? 0xffffffff : size, &q);
	if (status == BR_DNS_QUERY || status == BR_DNS_UNMATCHABLE) {
		ASSERT(q.question_end >= 17 && q.question_end <= len);
		ASSERT(!q.opt_off || (q.opt_off == q.question_end &&
				      q.opt_off + q.opt_len <= len));
		check_name(&q, status);
		for (kind = BR_DNS_ANS_NXDOMAIN; kind <= BR_DNS_ANS_AAAA;
		     kind++)
			check_answer(copy, len, &q, kind);
	}

	/* the raw bytes as a name, as an SNI would arrive */
	if (size <= BR_NAME_MAX)
		br_domain_hashes((const char *)copy, size, out, &n);
	free(copy);
	return 0;
}
