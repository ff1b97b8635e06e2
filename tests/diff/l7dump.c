// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * l7dump.c - what the L7 extractors make of a capture, frame by frame.
 *
 * Reads a pcap or pcapng file of Ethernet frames with libpcap, parses each
 * frame with br_parse_frame() (bpf/parse.h) and runs the extractors on it
 * the way the dataplane will, one segment at a time, without reassembly:
 *
 *   TCP  one struct br_tls_state per connection, fed the client's payload
 *        segments in sequence order (each copied into a BR_L7_SCRATCH
 *        buffer, as the program copies into its per-CPU scratch). The
 *        client is the sender of the SYN, or, when the capture holds no
 *        SYN, the side whose first payload starts with a TLS handshake
 *        record. A segment entirely below the next expected sequence number
 *        is a retransmission and is skipped; a hole or a partial overlap
 *        ends the parse with br_tls_gap(), as tls.h asks of its caller.
 *   UDP  every datagram to port 53: br_dns_parse() on its payload.
 *
 * One line per such frame on stdout, tab-separated, nothing else:
 *
 *   FRAME  sni  NAME|-  RESULT  FLAGS  SEGS  FIRST  NAMEFRAME
 *	printed on the frame where the TLS parse becomes final (not for a
 *	flow whose client does not speak TLS). RESULT is sni, no-sni,
 *	malformed or gave-up, with the reason after a colon when there is
 *	one; FLAGS a comma list of ech, later (the name completed after the
 *	first segment), recfrag (the hello spans records), or -; SEGS the
 *	non-empty segments fed; FIRST the frame of the first one; NAMEFRAME
 *	the frame on which the name was completed, or -.
 *   FRAME  dns  QNAME|-  QTYPE|-  STATUS
 *	QNAME as br_dns_parse() folds it ("." for the root), with '\',
 *	the space and bytes outside printable ASCII escaped as \DDD;
 *	STATUS query, unmatchable, not-query or malformed.
 *
 * Frame numbers count from 1, as tshark's frame.number does. Diagnostics
 * go to stderr, and make the exit status 1 after the whole dump: frames cut
 * short by the snap length (skipped), and with -m, IP packets longer than
 * MTU (a capture of TSO super-frames is not what XDP sees on the wire).
 * Exit 2: the capture cannot be read, or is not of Ethernet frames.
 *
 * usage: l7dump [-m MTU] CAPTURE
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * pcap.h pulls in glibc's <netinet/in.h>, so <linux/in6.h> (from parse.h)
 * leaves struct in6_addr to glibc, whose union members carry a prefix:
 * map the kernel's names parse.h uses onto them.
 */
#include <pcap/pcap.h>
#define in6_u __in6_u
#define u6_addr32 __u6_addr32
#include "parse.h"
#undef in6_u
#undef u6_addr32
#include "tls.h"
#include "dns.h"

#define TCP_SYN 0x02
#define TCP_ACK 0x10

/* One end of a connection: an address and a port. */
struct end {
	__u32 addr[4];
	__u16 port;
};

enum flow_dir {
	DIR_UNKNOWN = 0, /* no SYN and no payload seen yet */
	DIR_A_CLIENT,	 /* ends[0] is the client */
	DIR_B_CLIENT,	 /* ends[1] is the client */
	DIR_NONE,	 /* not a TLS client flow: ignored */
};

struct flow {
	__u8 family;
	struct end ends[2];
	enum flow_dir dir;
	int have_seq;	   /* next_seq is known */
	__u32 next_seq;	   /* next client byte expected */
	int reported;	   /* the final line was printed */
	__u64 first_frame; /* of the first payload segment fed */
	__u64 name_frame;  /* on which the name was completed */
	struct br_tls_state tls;
};

static struct flow *flows;
static size_t n_flows, cap_flows;

static int end_eq(const struct end *e, const __u32 *addr, __u16 port)
{
	return e->port == port && !memcmp(e->addr, addr, sizeof(e->addr));
}

/* The flow of a TCP packet and which end sent it (0 or 1), made if new. */
static struct flow *flow_get(const struct br_pkt *pkt, int *from)
{
	struct flow *f;
	size_t i;

	for (i = 0; i < n_flows; i++) {
		f = &flows[i];
		if (f->family != pkt->family)
			continue;
		if (end_eq(&f->ends[0], pkt->saddr, pkt->sport) &&
		    end_eq(&f->ends[1], pkt->daddr, pkt->dport)) {
			*from = 0;
			return f;
		}
		if (end_eq(&f->ends[1], pkt->saddr, pkt->sport) &&
		    end_eq(&f->ends[0], pkt->daddr, pkt->dport)) {
			*from = 1;
			return f;
		}
	}
	if (n_flows == cap_flows) {
		size_t n = cap_flows ? 2 * cap_flows : 64;
		struct flow *nf = realloc(flows, n * sizeof(*nf));

		if (!nf)
			return NULL;
		flows = nf;
		cap_flows = n;
	}
	f = &flows[n_flows++];
	memset(f, 0, sizeof(*f));
	f->family = pkt->family;
	memcpy(f->ends[0].addr, pkt->saddr, sizeof(f->ends[0].addr));
	memcpy(f->ends[1].addr, pkt->daddr, sizeof(f->ends[1].addr));
	f->ends[0].port = pkt->sport;
	f->ends[1].port = pkt->dport;
	br_tls_init(&f->tls);
	*from = 0;
	return f;
}

static const char *tls_reason(__u8 reason)
{
	switch (reason) {
	case BR_TLS_R_NOT_TLS:
		return "not-tls";
	case BR_TLS_R_NOT_HELLO:
		return "not-hello";
	case BR_TLS_R_MALFORMED:
		return "malformed";
	case BR_TLS_R_NO_SNI:
		return "no-sni";
	case BR_TLS_R_BAD_SNI:
		return "bad-sni";
	case BR_TLS_R_GAP:
		return "gap";
	case BR_TLS_R_LIMIT:
		return "limit";
	default:
		return NULL;
	}
}

static void print_tls(__u64 frame, const struct flow *f)
{
	const struct br_tls_state *st = &f->tls;
	const char *res, *why = tls_reason(st->reason);
	char flags[32] = "";

	switch (st->result) {
	case BR_TLS_DONE_SNI:
		res = "sni";
		why = NULL;
		break;
	case BR_TLS_DONE_NO_SNI:
		res = "no-sni";
		why = NULL;
		break;
	case BR_TLS_MALFORMED:
		res = "malformed";
		break;
	default:
		res = "gave-up";
		break;
	}
	if (br_tls_ech(st))
		strcat(flags, ",ech");
	if (br_tls_sni_later(st))
		strcat(flags, ",later");
	if (br_tls_rec_fragmented(st))
		strcat(flags, ",recfrag");

	printf("%llu\tsni\t%s\t%s%s%s\t%s\t%u\t%llu\t", (unsigned long long)frame,
	       br_tls_has_sni(st) ? st->sni : "-", res, why ? ":" : "",
	       why ? why : "", flags[0] ? flags + 1 : "-", st->segs,
	       (unsigned long long)f->first_frame);
	if (f->name_frame)
		printf("%llu\n", (unsigned long long)f->name_frame);
	else
		printf("-\n");
}

/* A payload segment from the client, in whatever order it came. */
static void tls_segment(__u64 frame, struct flow *f, __u32 seq,
			const __u8 *data, __u32 len)
{
	static __u8 scratch[BR_L7_SCRATCH];
	__s32 ahead;

	if (!f->have_seq) {
		f->next_seq = seq;
		f->have_seq = 1;
	}
	ahead = (__s32)(seq - f->next_seq);
	if (ahead < 0 && (__s32)(seq + len - f->next_seq) <= 0)
		return; /* a retransmission of bytes already fed */
	if (!f->first_frame)
		f->first_frame = frame;
	if (ahead) {
		br_tls_gap(&f->tls); /* a hole, or an overlap */
	} else {
		/* a scratch at a time, as the dataplane feeds a long segment */
		__u32 off, n;

		for (off = 0; off < len; off += n) {
			n = len - off < sizeof(scratch) ? len - off
							: sizeof(scratch);
			memset(scratch, 0, sizeof(scratch));
			memcpy(scratch, data + off, n);
			if (off)
				br_tls_feed_more(&f->tls, scratch, n);
			else
				br_tls_feed(&f->tls, scratch, n);
		}
		f->next_seq = seq + len;
	}
	if (!f->name_frame && (f->tls.flags & BR_TLS_F_SNI_FOUND))
		f->name_frame = frame;
	if (!br_tls_done(&f->tls))
		return;
	f->reported = 1;
	if (f->tls.result == BR_TLS_NOT_TLS) {
		f->dir = DIR_NONE; /* not a TLS client: say nothing */
		return;
	}
	print_tls(frame, f);
}

static void do_tcp(__u64 frame, const __u8 *data, const struct br_pkt *pkt)
{
	const struct tcphdr *th = (const void *)(data + pkt->l4_off);
	__u32 seq = bpf_ntohl(th->seq), len = pkt->ip_end - pkt->payload_off;
	const __u8 *payload = data + pkt->payload_off;
	__u8 tflags = ((const __u8 *)th)[13]; /* CWR ECE URG ACK PSH RST SYN FIN */
	struct flow *f;
	int from;

	f = flow_get(pkt, &from);
	if (!f) {
		fprintf(stderr, "l7dump: out of memory\n");
		exit(2);
	}
	if ((tflags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		/* an opening SYN, maybe reusing the ports of an older flow:
		 * a new connection, whose sender is the client */
		f->reported = 0;
		f->first_frame = 0;
		f->name_frame = 0;
		br_tls_init(&f->tls);
		f->dir = from ? DIR_B_CLIENT : DIR_A_CLIENT;
		f->next_seq = seq + 1;
		f->have_seq = 1;
		if (!len)
			return;
		seq++; /* data on a SYN (TCP Fast Open) follows the ISN */
	}
	if (!len || f->dir == DIR_NONE || f->reported)
		return;
	if (f->dir == DIR_UNKNOWN) {
		/* midstream: the first to send a handshake record is client */
		if (payload[0] != BR_TLS_CT_HANDSHAKE) {
			f->dir = DIR_NONE;
			return;
		}
		f->dir = from ? DIR_B_CLIENT : DIR_A_CLIENT;
	}
	if ((f->dir == DIR_A_CLIENT) != (from == 0))
		return; /* from the server */
	tls_segment(frame, f, seq, payload, len);
}

/* A DNS name as text: printable ASCII as is, the rest as \DDD. */
static void print_name(const char *name, __u16 len)
{
	__u16 i;
	__u8 c;

	if (!len) {
		putchar('.');
		return;
	}
	for (i = 0; i < len; i++) {
		c = (__u8)name[i];
		if (c <= ' ' || c >= 0x7f || c == '\\')
			printf("\\%03u", c);
		else
			putchar(c);
	}
}

static void do_dns(__u64 frame, const __u8 *data, const struct br_pkt *pkt)
{
	static __u8 scratch[BR_L7_SCRATCH];
	static struct br_dns_query q;
	__u32 len = pkt->ip_end - pkt->payload_off;
	const char *status;
	int ret;

	if (len > sizeof(scratch))
		len = sizeof(scratch);
	memset(scratch, 0, sizeof(scratch));
	memcpy(scratch, data + pkt->payload_off, len);
	memset(&q, 0, sizeof(q));
	ret = br_dns_parse(scratch, len, &q);

	printf("%llu\tdns\t", (unsigned long long)frame);
	switch (ret) {
	case BR_DNS_QUERY:
	case BR_DNS_UNMATCHABLE:
		status = ret == BR_DNS_QUERY ? "query" : "unmatchable";
		print_name(q.name, q.name_len);
		printf("\t%u\t%s\n", q.qtype, status);
		return;
	case BR_DNS_NOT_QUERY:
		status = "not-query";
		break;
	default:
		status = "malformed";
		break;
	}
	printf("-\t-\t%s\n", status);
}

int main(int argc, char **argv)
{
	/* 2 bytes in, as drivers place frames: the IP header 4-aligned */
	static __u8 buf[2 + 65536] __attribute__((aligned(8)));
	__u8 *frm = buf + 2;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct br_pkt pkt;
	unsigned long mtu = 0, too_big = 0, cut = 0;
	__u64 frame = 0;
	pcap_t *p;
	int opt, ret;

	while ((opt = getopt(argc, argv, "m:")) != -1) {
		switch (opt) {
		case 'm':
			mtu = strtoul(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;

	p = pcap_open_offline(argv[optind], errbuf);
	if (!p) {
		fprintf(stderr, "l7dump: %s\n", errbuf);
		return 2;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "l7dump: %s: link type %s, want Ethernet\n",
			argv[optind], pcap_datalink_val_to_name(pcap_datalink(p)));
		pcap_close(p);
		return 2;
	}

	while ((ret = pcap_next_ex(p, &h, &data)) == 1) {
		frame++;
		if (h->caplen < h->len) {
			cut++;
			fprintf(stderr, "l7dump: frame %llu cut short (%u of %u)\n",
				(unsigned long long)frame, h->caplen, h->len);
			continue;
		}
		if (h->caplen > sizeof(buf) - 2) {
			cut++;
			fprintf(stderr, "l7dump: frame %llu: %u bytes, too long\n",
				(unsigned long long)frame, h->caplen);
			continue;
		}
		memcpy(frm, data, h->caplen);
		memset(&pkt, 0, sizeof(pkt));
		if (br_parse_frame(frm, frm + h->caplen, h->caplen, &pkt) !=
		    BR_PKT_IP)
			continue;
		if (mtu && pkt.ip_end - pkt.l3_off > mtu) {
			too_big++;
			fprintf(stderr, "l7dump: frame %llu: %u bytes of IP over MTU %lu\n",
				(unsigned long long)frame,
				pkt.ip_end - pkt.l3_off, mtu);
		}
		if (pkt.frag != BR_FRAG_NONE || !pkt.payload_off)
			continue;
		if (pkt.proto == IPPROTO_TCP)
			do_tcp(frame, frm, &pkt);
		else if (pkt.proto == IPPROTO_UDP && pkt.dport == BR_DNS_PORT)
			do_dns(frame, frm, &pkt);
	}
	if (ret == PCAP_ERROR) {
		fprintf(stderr, "l7dump: %s: %s\n", argv[optind], pcap_geterr(p));
		pcap_close(p);
		return 2;
	}
	pcap_close(p);
	free(flows);
	if (fflush(stdout)) {
		fprintf(stderr, "l7dump: stdout: %s\n", strerror(errno));
		return 2;
	}
	return too_big || cut ? 1 : 0;

usage:
	fprintf(stderr, "usage: l7dump [-m MTU] CAPTURE\n");
	return 2;
}
