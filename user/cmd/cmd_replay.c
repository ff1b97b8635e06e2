// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_replay.c - blastradius replay PCAP --policy P [options] (its
 * options are declared in cmdtable.c)
 *
 * Runs a capture through the XDP program: a private instance of the
 * dataplane (its own maps, nothing attached, live state untouched) with
 * the virtual clock, so each frame is judged at its capture time, given in
 * struct br_xdp_meta in front of the frame. The reader (pcap_io.c) hands
 * over Ethernet frames whatever the capture's link types, inner frames
 * when --decap asks, and wire-size segments cut from offload super-frames.
 *
 * The virtual clock never goes back: a frame stamped before one already
 * judged is judged at the last time seen (flow tables, throttles and
 * timeouts see time as the censor did), and counted and reported. A frame
 * captured short whose IP packet is incomplete is not judged: the censor
 * saw bytes the capture does not hold. A frame whose IP header claims
 * more than the frame had is judged as it is: the program counts it
 * malformed, as the censor would.
 *
 * The role of a frame (which entry point it enters by) is the side it
 * comes from. With --subscriber, a frame whose source lies in one of the
 * prefixes comes from a subscriber, any other from upstream. Without, the
 * side that opened the flow is the subscriber: the sender of a TCP SYN
 * (the receiver of a SYN-ACK), of a DNS query (the receiver of a DNS
 * response), else of the flow's first UDP datagram; a TCP flow first seen
 * mid-stream takes the side with the higher port as its client. Frames
 * outside any flow (ICMP, later IP fragments) come from upstream unless
 * their source opened some flow; non-IP frames from subscribers.
 *
 * What each frame got is read from the program itself: the XDP verdict,
 * and the counter block of the generation before and after the frame,
 * whose difference names the deciding rule and the action. The names come
 * from the extractors the program uses (tls.h over each flow's client
 * segments in sequence, dns.h on queries, quic.h for Initials, whose
 * ClientHello is decrypted here with the DCID's keys), and are "matched"
 * when the program's top-names map lists them (br_dp_names): a rule's
 * domain set decided the flow or query on that name.
 *
 * Every frame read is written by --write (the judged frame: Ethernet, the
 * inner one when decapsulated) with a comment that starts "frame N:", N
 * the capture's own frame number, so that tshark's view of the capture
 * and replay's can be matched frame by frame. The comment also names the
 * QUIC opener's counters the frame moved (quic_opened, quic_sni,
 * quic_unopened): what the program, not replay, read in an Initial.
 *
 * Exit: 0 every frame replayed; 1 failure (nothing replayed: no capture,
 * a link type replay does not read, the policy); 2 usage; 3 the capture
 * is damaged or cut short: every frame before the damage was replayed and
 * is reported, then a warning says where the capture ends.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

/*
 * arpa/inet.h brings glibc's struct in6_addr, whose union members carry a
 * prefix: map the kernel's names bpf/parse.h uses onto them (as l7dump
 * does).
 */
#define in6_u __in6_u
#define u6_addr32 __u6_addr32
#include "parse.h"
#undef in6_u
#undef u6_addr32
#include "tls.h"
#include "dns.h"
#include "quic.h"

#include "cli.h"
#include "cmdline.h"
#include "dataplane.h"
#include "json.h"
#include "linktype.h"
#include "log.h"
#include "packet.h"
#include "pcap_io.h"
#include "policy.h"
#include "printable.h"

#define RP_MAX_SUBS 64
#define RP_FRAME_MAX BR_DP_FRAME_MAX
#define RP_NOTES_MAX 64 /* frames named in the report, the rest counted */
#define RP_EXIT_DAMAGED 3

enum rp_verdict {
	RP_PASS = 0,
	RP_DROP,
	RP_TX,
	RP_OTHER, /* aborted, redirect: the program never returns these */
	RP_N_VERDICTS,
};

static const char *const rp_verdict_name[RP_N_VERDICTS] = {
	"pass",
	"drop",
	"tx",
	"other",
};

enum rp_reply_kind {
	RP_R_RST = 0,
	RP_R_NXDOMAIN,
	RP_R_NODATA,
	RP_R_ADDR,
	RP_R_OTHER,
	RP_N_REPLIES,
};

static const char *const rp_reply_name[RP_N_REPLIES] = {
	"rst", "nxdomain", "nodata", "addr", "other",
};

/* How a flow's client (the subscriber side) was told. */
enum rp_client_how {
	RP_HOW_PREFIX = 0, /* --subscriber */
	RP_HOW_SYN,	   /* SYN or SYN-ACK */
	RP_HOW_DNS,	   /* DNS query or response */
	RP_HOW_FIRST,	   /* first datagram's sender */
	RP_HOW_PORTS,	   /* mid-stream TCP: higher port */
};

static const char *const rp_how_name[] = {
	"subscriber-prefix", "syn", "dns", "first-datagram", "ports",
};

/* Both ends in a canonical order, so that each direction finds the flow. */
struct rp_key {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;	/* 6, 17; 0 for a host entry (addr[0] only) */
	uint16_t port[2];
	uint8_t addr[2][16];
};

struct rp_flow {
	struct rp_key key;
	uint8_t client;	   /* index of the client end in key */
	uint8_t how;	   /* enum rp_client_how */
	uint8_t name_kind; /* BR_NAME_SNI, BR_NAME_DNS, 0: none */
	bool quic;	   /* saw a QUIC Initial from the client */
	bool seq_known;
	bool tls_over;	   /* the hello parse ended or cannot start */
	uint32_t next_seq; /* client stream: next byte expected */
	uint32_t quic_version;
	uint16_t qtype;
	uint64_t first_ns, last_ns;
	uint64_t packets, bytes;
	uint64_t verdicts[RP_N_VERDICTS];
	uint64_t replies[RP_N_REPLIES];
	uint8_t reply_addr[16]; /* the last forged A/AAAA answer's */
	uint8_t reply_addr_len;
	uint64_t queries;
	int rule;	/* deciding rule, BR_MAX_RULES: default, -1: none */
	uint8_t action; /* enum br_action of that decision */
	bool decided;	/* a non-pass verdict fixed rule and action */
	struct br_tls_state *tls; /* while the hello is being walked */
	char name[BR_NAME_MAX];
};

struct rp_prefix {
	uint8_t family, len;
	uint8_t addr[16];
};

struct rp_total {
	uint64_t packets, bytes;
};

/* A frame the report names: what was odd about it. */
struct rp_note {
	uint64_t frame;
	char text[160];
};

struct replay {
	struct br_dp *dp;
	__u64 generation;
	struct br_counter before[BR_CTR_PER_GEN], after[BR_CTR_PER_GEN];
	struct rp_prefix subs[RP_MAX_SUBS];
	size_t n_subs;
	/* flows: an array, and an open-addressing index of it */
	struct rp_flow *flows;
	size_t n_flows, cap_flows;
	uint32_t *index; /* flow number + 1; 0: empty */
	size_t index_cap;
	/* totals */
	struct rp_total verdicts[RP_N_VERDICTS];
	uint64_t replies[RP_N_REPLIES];
	uint64_t frames, errors, no_flow;
	uint64_t first_ns, last_ns;
	/* the virtual clock: the latest capture time seen, never back */
	uint64_t clock;
	bool clock_set;
	uint64_t backwards, back_max_ns, back_frame, not_judged, lies_malformed;
	struct rp_note notes[RP_NOTES_MAX];
	size_t n_notes;
	uint64_t notes_omitted;
	uint8_t scratch[BR_L7_SCRATCH];
	struct br_dns_query q;
	struct br_pcap_writer *writer;
};

/* ---- options ---------------------------------------------------------- */

static int rp_parse_prefix(const char *text, struct rp_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long len;
	size_t i;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->family = 4;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->family = 6;
	else
		return -EINVAL;
	len = p->family == 4 ? 32 : 128;
	if (slash) {
		len = strtoul(slash, &end, 10);
		if (!*slash || *end || len > (p->family == 4 ? 32u : 128u))
			return -EINVAL;
	}
	p->len = len;
	/* clear the host bits: 198.18.0.1/15 means 198.18.0.0/15 */
	for (i = 0; i < 16; i++) {
		if (len >= 8) {
			len -= 8;
			continue;
		}
		p->addr[i] &= (uint8_t)(0xff00 >> len);
		len = 0;
	}
	return 0;
}

static bool rp_in_prefix(const struct rp_prefix *p, int family,
			 const uint8_t *addr)
{
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (p->family != family)
		return false;
	if (memcmp(p->addr, addr, full))
		return false;
	return !rest ||
	       !((p->addr[full] ^ addr[full]) & (uint8_t)(0xff00 >> rest));
}

static bool rp_is_subscriber(const struct replay *rp, int family,
			     const uint8_t *addr)
{
	size_t i;

	for (i = 0; i < rp->n_subs; i++)
		if (rp_in_prefix(&rp->subs[i], family, addr))
			return true;
	return false;
}

/* ---- the flow table --------------------------------------------------- */

static uint64_t rp_hash(const struct rp_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < sizeof(*k); i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

static int rp_grow_index(struct replay *rp)
{
	size_t cap = rp->index_cap ? rp->index_cap * 2 : 1024, i, j;
	uint32_t *idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (i = 0; i < rp->n_flows; i++) {
		j = rp_hash(&rp->flows[i].key) & (cap - 1);
		while (idx[j])
			j = (j + 1) & (cap - 1);
		idx[j] = i + 1;
	}
	free(rp->index);
	rp->index = idx;
	rp->index_cap = cap;
	return 0;
}

/* The flow of key, created when new (*created set); NULL: no memory. */
static struct rp_flow *rp_flow(struct replay *rp, const struct rp_key *key,
			       bool *created)
{
	struct rp_flow *f;
	size_t j;

	*created = false;
	if ((rp->n_flows + 1) * 2 > rp->index_cap && rp_grow_index(rp))
		return NULL;
	j = rp_hash(key) & (rp->index_cap - 1);
	for (; rp->index[j]; j = (j + 1) & (rp->index_cap - 1)) {
		f = &rp->flows[rp->index[j] - 1];
		if (!memcmp(&f->key, key, sizeof(*key)))
			return f;
	}
	if (rp->n_flows == rp->cap_flows) {
		size_t cap = rp->cap_flows ? rp->cap_flows * 2 : 256;

		f = realloc(rp->flows, cap * sizeof(*f));
		if (!f)
			return NULL;
		rp->flows = f;
		rp->cap_flows = cap;
	}
	f = &rp->flows[rp->n_flows];
	memset(f, 0, sizeof(*f));
	f->key = *key;
	f->rule = -1;
	rp->index[j] = ++rp->n_flows;
	*created = true;
	return f;
}

/*
 * The canonical key of a packet's flow; returns the index (0 or 1) of the
 * packet's source in it.
 */
static int rp_key_of(const struct br_pkt *pkt, struct rp_key *k)
{
	size_t alen = pkt->family == 6 ? 16 : 4;
	uint8_t s[16] = {}, d[16] = {};
	int cmp;

	memset(k, 0, sizeof(*k));
	memcpy(s, pkt->saddr, alen);
	memcpy(d, pkt->daddr, alen);
	k->family = pkt->family;
	k->proto = pkt->proto;
	cmp = memcmp(s, d, 16);
	if (!cmp)
		cmp = (int)pkt->sport - (int)pkt->dport;
	if (cmp <= 0) {
		memcpy(k->addr[0], s, 16);
		memcpy(k->addr[1], d, 16);
		k->port[0] = pkt->sport;
		k->port[1] = pkt->dport;
		return 0;
	}
	memcpy(k->addr[0], d, 16);
	memcpy(k->addr[1], s, 16);
	k->port[0] = pkt->dport;
	k->port[1] = pkt->sport;
	return 1;
}

/* Remember addr as a subscriber's (the client of some flow). */
static void rp_note_host(struct replay *rp, int family, const uint8_t *addr)
{
	struct rp_key k = { .family = family };
	bool created;

	memcpy(k.addr[0], addr, family == 6 ? 16 : 4);
	rp_flow(rp, &k, &created);
}

static bool rp_known_host(struct replay *rp, int family, const uint8_t *addr)
{
	struct rp_key k = { .family = family };
	size_t j;

	if (!rp->index_cap)
		return false;
	memcpy(k.addr[0], addr, family == 6 ? 16 : 4);
	j = rp_hash(&k) & (rp->index_cap - 1);
	for (; rp->index[j]; j = (j + 1) & (rp->index_cap - 1))
		if (!memcmp(&rp->flows[rp->index[j] - 1].key, &k, sizeof(k)))
			return true;
	return false;
}

/* ---- roles -------------------------------------------------------------- */

static const uint8_t *rp_l4(const uint8_t *frame, const struct br_pkt *pkt)
{
	return frame + pkt->l4_off;
}

/*
 * A new flow: which end is its client? src is the packet's source index.
 * Notes the client as a host: rp->flows may move, f with it.
 */
static void rp_pick_client(struct replay *rp, struct rp_flow *f,
			   const uint8_t *frame, const struct br_pkt *pkt,
			   int src)
{
	const uint8_t *l4 = rp_l4(frame, pkt);
	uint8_t flags;

	if (rp->n_subs) {
		f->how = RP_HOW_PREFIX;
		if (rp_is_subscriber(rp, pkt->family, f->key.addr[src]))
			f->client = src;
		else if (rp_is_subscriber(rp, pkt->family, f->key.addr[!src]))
			f->client = !src;
		else
			f->client = src;
		return;
	}
	if (pkt->proto == IPPROTO_TCP) {
		flags = l4[13];
		if (flags & BR_TCP_SYN) {
			f->how = RP_HOW_SYN;
			f->client = flags & BR_TCP_ACK ? !src : src;
		} else {
			f->how = RP_HOW_PORTS;
			f->client = pkt->sport >= pkt->dport ? src : !src;
		}
	} else if ((pkt->sport == 53 || pkt->dport == 53) &&
		   (__u32)pkt->payload_off + 4 <= pkt->ip_end) {
		f->how = RP_HOW_DNS;
		/* QR set: a response, whose receiver asked */
		f->client = frame[pkt->payload_off + 2] & 0x80 ? !src : src;
	} else {
		f->how = RP_HOW_FIRST;
		f->client = src;
	}
	rp_note_host(rp, pkt->family, f->key.addr[f->client]);
}

/* ---- names ------------------------------------------------------------ */

static void rp_tls_feed(struct replay *rp, struct rp_flow *f, const uint8_t *p,
			size_t n)
{
	size_t take, off;

	/* one segment, a scratch at a time, as the dataplane feeds it */
	for (off = 0; off < n && !br_tls_done(f->tls); off += take) {
		take = n - off < BR_L7_SCRATCH ? n - off : BR_L7_SCRATCH;
		memset(rp->scratch, 0, sizeof(rp->scratch));
		memcpy(rp->scratch, p + off, take);
		if (off)
			br_tls_feed_more(f->tls, rp->scratch, take);
		else
			br_tls_feed(f->tls, rp->scratch, take);
	}
}

static void rp_tls_done(struct rp_flow *f)
{
	if (!f->tls || !br_tls_done(f->tls))
		return;
	if (br_tls_has_sni(f->tls) && !f->name_kind) {
		snprintf(f->name, sizeof(f->name), "%s", f->tls->sni);
		f->name_kind = BR_NAME_SNI;
	}
	free(f->tls);
	f->tls = NULL;
	f->tls_over = true;
}

/* The client's TCP payload, in sequence, to the ClientHello parser. */
static void rp_tcp_name(struct replay *rp, struct rp_flow *f,
			const uint8_t *frame, const struct br_pkt *pkt)
{
	const uint8_t *th = rp_l4(frame, pkt);
	uint32_t seq = (uint32_t)th[4] << 24 | th[5] << 16 | th[6] << 8 | th[7];
	size_t n = pkt->ip_end - pkt->payload_off;

	if (th[13] & BR_TCP_SYN) {
		f->next_seq = seq + 1;
		f->seq_known = true;
		return;
	}
	if (!n || f->name_kind || f->tls_over)
		return;
	if (!f->seq_known) { /* mid-stream: take it from here */
		f->next_seq = seq;
		f->seq_known = true;
	}
	if (!f->tls) {
		f->tls = calloc(1, sizeof(*f->tls));
		if (!f->tls) {
			f->tls_over = true;
			return;
		}
	}
	if ((int32_t)(seq + n - f->next_seq) <= 0)
		return; /* a retransmission */
	if (seq != f->next_seq) {
		br_tls_gap(f->tls);
	} else {
		rp_tls_feed(rp, f, frame + pkt->payload_off, n);
		f->next_seq = seq + n;
	}
	rp_tls_done(f);
}

static void rp_udp_name(struct replay *rp, struct rp_flow *f,
			const uint8_t *frame, const struct br_pkt *pkt)
{
	static uint8_t hello[4096], rec[4096 + 5];
	const uint8_t *p = frame + pkt->payload_off;
	size_t n = pkt->ip_end - pkt->payload_off, take, len;
	struct br_tls_state st;
	struct br_quic_info qi;
	uint32_t version = 0;

	take = n < BR_L7_SCRATCH ? n : BR_L7_SCRATCH;
	memset(rp->scratch, 0, sizeof(rp->scratch));
	memcpy(rp->scratch, p, take);
	if (pkt->dport == 53) {
		int st_dns = br_dns_parse(rp->scratch, take, &rp->q);

		if (st_dns != BR_DNS_QUERY && st_dns != BR_DNS_UNMATCHABLE)
			return;
		f->queries++;
		if (f->name_kind)
			return;
		memcpy(f->name, rp->q.name, rp->q.name_len);
		f->name[rp->q.name_len] = 0;
		f->name_kind = BR_NAME_DNS;
		f->qtype = rp->q.qtype;
		return;
	}
	if (f->name_kind ||
	    br_quic_parse(rp->scratch, take, n, &qi) != BR_QUIC_INITIAL)
		return;
	f->quic = true;
	f->quic_version = qi.version;
	len = br_quic_initial_crypto(p, n, hello, sizeof(hello), &version);
	if (!len)
		return;
	/* a record header in front, as tls.h walks records */
	rec[0] = 22;
	rec[1] = 3;
	rec[2] = 1;
	rec[3] = len >> 8;
	rec[4] = len;
	memcpy(rec + 5, hello, len);
	br_tls_init(&st);
	for (take = 0; take < len + 5 && !br_tls_done(&st);
	     take += BR_L7_SCRATCH) {
		size_t k = len + 5 - take < BR_L7_SCRATCH ? len + 5 - take
							  : BR_L7_SCRATCH;

		memset(rp->scratch, 0, sizeof(rp->scratch));
		memcpy(rp->scratch, rec + take, k);
		br_tls_feed(&st, rp->scratch, k);
	}
	if (br_tls_has_sni(&st)) {
		snprintf(f->name, sizeof(f->name), "%s", st.sni);
		f->name_kind = BR_NAME_SNI;
	}
}

/* ---- one frame -------------------------------------------------------- */

static enum rp_verdict rp_verdict_of(__u32 xdp)
{
	switch (xdp) {
	case XDP_PASS:
		return RP_PASS;
	case XDP_DROP:
		return RP_DROP;
	case XDP_TX:
		return RP_TX;
	default:
		return RP_OTHER;
	}
}

/*
 * Run one frame at time now through the program of role; *out and
 * *out_len receive the frame as the program left it.
 */
static int rp_run(struct replay *rp, enum br_role role, const uint8_t *frame,
		  size_t len, __u64 now, __u32 *verdict, const uint8_t **out,
		  size_t *out_len)
{
	struct br_dp_result res;
	int err;

	err = br_dp_run(rp->dp, role, now, frame, len, &res);
	if (err)
		return err;
	*verdict = res.verdict;
	*out = res.frame;
	*out_len = res.len;
	return 0;
}

/* Which rule and action the counters say decided the last frame. */
static void rp_decision(const struct replay *rp, int *rule, int *action)
{
	int i;

	*rule = -1;
	*action = -1;
	for (i = 0; i <= BR_MAX_RULES; i++)
		if (rp->after[BR_CTR_RULE0 + i].packets !=
		    rp->before[BR_CTR_RULE0 + i].packets)
			*rule = i;
	for (i = 0; i < BR_ACT_SLOTS; i++)
		if (rp->after[BR_CTR_ACTION0 + i].packets !=
		    rp->before[BR_CTR_ACTION0 + i].packets)
			*action = i;
}

static const char *rp_rule_label(int rule, char *buf, size_t len)
{
	if (rule < 0)
		return "-";
	if (rule >= BR_MAX_RULES)
		return "default";
	snprintf(buf, len, "%d", rule);
	return buf;
}

static void rp_name_text(const char *name, char *buf, size_t len);
static const char *rp_kind_name(uint8_t kind, bool quic);

/*
 * Name the frame in the report (the first RP_NOTES_MAX; the rest counted),
 * once: the segments of a super-frame share its number and notes.
 */
static void rp_note(struct replay *rp, uint64_t frame, const char *text)
{
	struct rp_note *n;
	size_t i;

	for (i = rp->n_notes; i && rp->notes[i - 1].frame == frame; i--)
		if (!strncmp(rp->notes[i - 1].text, text,
			     sizeof(rp->notes[i - 1].text) - 1))
			return;
	if (rp->n_notes == RP_NOTES_MAX) {
		rp->notes_omitted++;
		return;
	}
	n = &rp->notes[rp->n_notes++];
	n->frame = frame;
	snprintf(n->text, sizeof(n->text), "%s", text);
}

/*
 * The time fr is judged at: its capture time, unless that is before the
 * last one seen (or the capture gives none): then the last one seen.
 * Writes what happened to note ("" when nothing did).
 */
static uint64_t rp_judge_time(struct replay *rp, const struct br_frame *fr,
			      char *note, size_t len)
{
	uint64_t back;

	note[0] = 0;
	if (!rp->clock_set) {
		rp->clock = fr->ts_ns;
		rp->clock_set = true;
	}
	if (fr->flags & BR_FRAME_NO_TS) {
		snprintf(note, len,
			 "no timestamp in the capture: judged at the last "
			 "time seen");
	} else if (fr->ts_ns < rp->clock) {
		back = rp->clock - fr->ts_ns;
		if (fr->number != rp->back_frame) /* once per captured frame */
			rp->backwards++;
		rp->back_frame = fr->number;
		if (back > rp->back_max_ns)
			rp->back_max_ns = back;
		snprintf(note, len,
			 "timestamp %llu.%09llu s before the last seen: "
			 "judged at the last time seen",
			 (unsigned long long)(back / 1000000000ULL),
			 (unsigned long long)(back % 1000000000ULL));
	} else {
		rp->clock = fr->ts_ns;
	}
	return rp->clock;
}

/* What the reader found odd about fr, for its comment and the report. */
static void rp_frame_note(const struct br_frame *fr, char *note, size_t len)
{
	note[0] = 0;
	if (fr->flags & BR_FRAME_INCOMPLETE)
		snprintf(note, len,
			 "not judged: captured short, %zu of %zu bytes, its IP "
			 "packet incomplete",
			 fr->len, fr->wire_len);
	else if (fr->flags & BR_FRAME_IP_LIE)
		snprintf(note, len,
			 "its IP header claims %zu bytes, the frame holds %zu",
			 fr->ip_claim, fr->ip_held);
	else if (fr->flags & BR_FRAME_SHORT)
		snprintf(note, len,
			 "captured short, %zu of %zu bytes, its IP packet "
			 "whole",
			 fr->len, fr->wire_len);
	else if (fr->flags & BR_FRAME_OVERSIZE)
		snprintf(note, len, "%zu bytes, over the MTU, not TCP: judged "
				    "whole",
			 fr->len);
}

/* Append ", text" to the comment c (text may be empty). */
static void rp_append(char *c, size_t len, const char *text)
{
	size_t n = strlen(c);

	if (*text && n < len)
		snprintf(c + n, len - n, ", %s", text);
}

/* What one judged frame got: for its flow, the report and --write. */
struct rp_judged {
	enum br_role role;
	enum rp_verdict v;
	int rule;
	int action;	    /* -1: none */
	int reply;	    /* enum rp_reply of the forged reply; -1: none */
	const uint8_t *out; /* the forged reply */
	size_t out_len;
	uint8_t addr[16]; /* RP_R_ADDR: the address answered */
	size_t addr_len;
	const char *fname; /* the name the frame carried, or NULL */
	uint8_t fkind;
	bool fquic;
};

/*
 * The flow of a TCP or UDP packet (*f NULL for any other), created at its
 * first frame; *src the side of the key that sent it. 0 or -ENOMEM.
 */
static int rp_frame_flow(struct replay *rp, const uint8_t *frame,
			 const struct br_pkt *pkt, int status, uint64_t now,
			 struct rp_flow **f, int *src)
{
	struct rp_key key;
	bool created;
	size_t fi;

	*f = NULL;
	if (status != BR_PKT_IP || !pkt->l4_off || pkt->frag ||
	    (pkt->proto != IPPROTO_TCP && pkt->proto != IPPROTO_UDP))
		return 0;
	*src = rp_key_of(pkt, &key);
	*f = rp_flow(rp, &key, &created);
	if (!*f)
		return -ENOMEM;
	if (created) {
		fi = *f - rp->flows;
		(*f)->first_ns = now;
		rp_pick_client(rp, *f, frame, pkt, *src);
		/* a host entry may have moved the array */
		*f = &rp->flows[fi];
	}
	return 0;
}

/* The entry point a frame enters by: see the comment at the top. */
static enum br_role rp_role(struct replay *rp, const struct br_pkt *pkt,
			    int status, const struct rp_flow *f, int src)
{
	const uint8_t *src_addr = (const uint8_t *)pkt->saddr;

	if (status != BR_PKT_IP && status != BR_PKT_UNPARSED)
		return BR_ROLE_SUBSCRIBER;
	if (rp->n_subs)
		return rp_is_subscriber(rp, pkt->family, src_addr)
			       ? BR_ROLE_SUBSCRIBER
			       : BR_ROLE_UPSTREAM;
	if (f)
		return f->client == src ? BR_ROLE_SUBSCRIBER : BR_ROLE_UPSTREAM;
	return rp_known_host(rp, pkt->family, src_addr) ? BR_ROLE_SUBSCRIBER
							: BR_ROLE_UPSTREAM;
}

/* The verdict into the totals, and what a forged reply was. */
static void rp_count_verdict(struct replay *rp, struct rp_judged *j, size_t len,
			     uint64_t now)
{
	if (!rp->frames)
		rp->first_ns = now;
	rp->frames++;
	rp->last_ns = now;
	rp->verdicts[j->v].packets++;
	rp->verdicts[j->v].bytes += len;
	j->reply = -1;
	if (j->v != RP_TX)
		return;
	switch (br_pkt_reply(j->out, j->out_len, j->addr, &j->addr_len)) {
	case BR_REPLY_RST:
		j->reply = RP_R_RST;
		break;
	case BR_REPLY_NXDOMAIN:
		j->reply = RP_R_NXDOMAIN;
		break;
	case BR_REPLY_NODATA:
		j->reply = RP_R_NODATA;
		break;
	case BR_REPLY_ADDR:
		j->reply = RP_R_ADDR;
		break;
	default:
		j->reply = RP_R_OTHER;
	}
	rp->replies[j->reply]++;
}

/* The frame into its flow: counts, the decision, the name it carried. */
static void rp_flow_frame(struct replay *rp, struct rp_flow *f,
			  struct rp_judged *j, const uint8_t *frame,
			  const struct br_pkt *pkt, int src, size_t len,
			  uint64_t now)
{
	uint64_t queries;
	uint8_t had_name;

	f->last_ns = now;
	f->packets++;
	f->bytes += len;
	f->verdicts[j->v]++;
	if (j->reply >= 0)
		f->replies[j->reply]++;
	if (j->reply == RP_R_ADDR) {
		memcpy(f->reply_addr, j->addr, j->addr_len);
		f->reply_addr_len = j->addr_len;
	}
	if (!f->decided) {
		f->rule = j->rule;
		f->action = j->action < 0 ? BR_ACT_NONE : j->action;
		f->decided = j->v != RP_PASS;
	}
	if (f->client != src)
		return;
	had_name = f->name_kind;
	queries = f->queries;
	if (pkt->proto == IPPROTO_TCP)
		rp_tcp_name(rp, f, frame, pkt);
	else
		rp_udp_name(rp, f, frame, pkt);
	/* the name this frame carried, if it carried one */
	if (f->queries != queries && rp->q.name_len) {
		j->fname = rp->q.name;
		j->fkind = BR_NAME_DNS;
	} else if (!had_name && f->name_kind) {
		j->fname = f->name;
		j->fkind = f->name_kind;
		j->fquic = f->quic;
	}
}

/*
 * The QUIC opener's counters the last frame moved, as stats names them
 * ("quic_opened quic_sni"), "" for none: what the program itself made of
 * an Initial, for a differential test to hold against tshark frame by
 * frame.
 */
static void rp_opener_moved(const struct replay *rp, char *buf, size_t len)
{
	static const int ctrs[] = { BR_CTR_QUIC_OPENED, BR_CTR_QUIC_SNI,
				    BR_CTR_QUIC_PARTIAL, BR_CTR_QUIC_UNOPENED,
				    BR_CTR_QUIC_OVER_BUDGET };
	size_t i, n = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(ctrs) / sizeof(ctrs[0]); i++) {
		if (rp->after[ctrs[i]].packets == rp->before[ctrs[i]].packets)
			continue;
		if (n < len)
			n += snprintf(buf + n, len - n, "%s%s", n ? " " : "",
				      br_ctr_key(ctrs[i]));
	}
}

/* --write: the judged frame with its comment, then any forged reply. */
static int rp_write_judged(struct replay *rp, const struct br_frame *fr,
			   const struct rp_judged *j, size_t len,
			   uint64_t ts_out, const char *note,
			   const char *time_note)
{
	char comment[4 * BR_NAME_MAX + 512], rbuf[16], tun[64], opener[64];
	char name[4 * BR_NAME_MAX];
	int err;

	snprintf(comment, sizeof(comment),
		 "frame %llu: %s %s, rule %s, action %s",
		 (unsigned long long)fr->number,
		 j->role == BR_ROLE_SUBSCRIBER ? "subscriber" : "upstream",
		 rp_verdict_name[j->v],
		 rp_rule_label(j->rule, rbuf, sizeof(rbuf)),
		 j->action < 0 ? "-" : br_action_name(j->action));
	rp_opener_moved(rp, opener, sizeof(opener));
	rp_append(comment, sizeof(comment), opener);
	if (fr->flags & BR_FRAME_CUT)
		rp_append(comment, sizeof(comment), "cut from a super-frame");
	if (fr->decap.tunnel) {
		snprintf(tun, sizeof(tun), "inner frame of %s",
			 br_tunnel_name[fr->decap.tunnel]);
		if (fr->decap.has_id)
			snprintf(tun + strlen(tun), sizeof(tun) - strlen(tun),
				 " id %u", fr->decap.id);
		rp_append(comment, sizeof(comment), tun);
	}
	rp_append(comment, sizeof(comment), note);
	rp_append(comment, sizeof(comment), time_note);
	if (j->fname) {
		rp_name_text(j->fname, name, sizeof(name));
		snprintf(comment + strlen(comment),
			 sizeof(comment) - strlen(comment), "; %s %s",
			 rp_kind_name(j->fkind, j->fquic), name);
	}
	err = br_pcap_write(rp->writer, ts_out, fr->data, len, comment);
	if (!err && j->v == RP_TX) {
		snprintf(comment, sizeof(comment), "forged by blastradius: %s",
			 rp_reply_name[j->reply]);
		err = br_pcap_write(rp->writer, ts_out, j->out, j->out_len,
				    comment);
	}
	return err;
}

/* A frame not judged: noted, and written as it is by --write. */
static int rp_not_judged(struct replay *rp, const struct br_frame *fr,
			 size_t len, uint64_t ts_out, const char *note,
			 const char *time_note)
{
	char comment[512];

	rp_note(rp, fr->number, note);
	snprintf(comment, sizeof(comment), "frame %llu: %s",
		 (unsigned long long)fr->number, note);
	rp_append(comment, sizeof(comment), time_note);
	if (!rp->writer)
		return 0;
	if (fr->flags & BR_FRAME_INCOMPLETE)
		return br_pcap_write_short(rp->writer, ts_out, fr->data, len,
					   fr->wire_len, comment);
	return br_pcap_write(rp->writer, ts_out, fr->data, len, comment);
}

static int rp_frame(struct replay *rp, const struct br_frame *fr)
{
	const uint8_t *frame = fr->data;
	struct rp_judged j = {};
	struct rp_flow *f = NULL;
	struct br_pkt pkt = {};
	size_t len = fr->len;
	int src = 0, err, status;
	char note[160], time_note[160];
	uint64_t now, ts_out;
	__u32 xdp;

	now = rp_judge_time(rp, fr, time_note, sizeof(time_note));
	/* --write keeps capture times; a frame without one gets its judging */
	ts_out = fr->flags & BR_FRAME_NO_TS ? now : fr->ts_ns;
	if (*time_note)
		rp_note(rp, fr->number, time_note);
	rp_frame_note(fr, note, sizeof(note));
	if (fr->flags & BR_FRAME_INCOMPLETE) {
		rp->not_judged++;
		return rp_not_judged(rp, fr, len, ts_out, note, time_note);
	}
	if (len > RP_FRAME_MAX)
		len = RP_FRAME_MAX;
	status =
		br_parse_frame((void *)frame, (void *)(frame + len), len, &pkt);
	err = rp_frame_flow(rp, frame, &pkt, status, now, &f, &src);
	if (err)
		return err;
	j.role = rp_role(rp, &pkt, status, f, src);

	err = rp_run(rp, j.role, frame, len, now, &xdp, &j.out, &j.out_len);
	if (err) {
		rp->errors++;
		snprintf(note, sizeof(note),
			 "not judged: the kernel refused to run it: %s",
			 strerror(-err));
		return rp_not_judged(rp, fr, len, ts_out, note, "");
	}
	memcpy(rp->before, rp->after, sizeof(rp->before));
	err = br_dp_counters(rp->dp, rp->generation, rp->after, NULL);
	if (err)
		return err;
	rp_decision(rp, &j.rule, &j.action);
	if (fr->flags & BR_FRAME_IP_LIE) {
		if (rp->after[BR_CTR_MALFORMED].packets !=
		    rp->before[BR_CTR_MALFORMED].packets) {
			rp->lies_malformed++;
			rp_append(note, sizeof(note),
				  "the program counted it malformed");
		}
	}
	if (*note)
		rp_note(rp, fr->number, note);

	j.v = rp_verdict_of(xdp);
	rp_count_verdict(rp, &j, len, now);
	if (f)
		rp_flow_frame(rp, f, &j, frame, &pkt, src, len, now);
	else
		rp->no_flow++;
	if (!rp->writer)
		return 0;
	return rp_write_judged(rp, fr, &j, len, ts_out, note, time_note);
}

/* ---- reports ---------------------------------------------------------- */

static const char *rp_proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP   ? "tcp"
	       : proto == IPPROTO_UDP ? "udp"
				      : "?";
}

static void rp_addr_text(int family, const uint8_t *addr, char *buf, size_t len)
{
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, buf, len))
		snprintf(buf, len, "?");
}

/* A name safe for a terminal and for JSON: \DDD outside printable ASCII. */
static void rp_name_text(const char *name, char *buf, size_t len)
{
	size_t n = 0;

	for (; *name && n + 5 < len; name++) {
		unsigned char c = *name;

		if (c > 0x20 && c < 0x7f && c != '\\')
			buf[n++] = c;
		else
			n += snprintf(buf + n, len - n, "\\%03u", c);
	}
	buf[n] = 0;
}

static const char *rp_kind_name(uint8_t kind, bool quic)
{
	if (kind == BR_NAME_DNS)
		return "dns";
	if (kind == BR_NAME_SNI)
		return quic ? "quic-sni" : "sni";
	return "";
}

static bool rp_matched(const struct rp_flow *f, const struct br_dp_name *names,
		       size_t n_names)
{
	size_t i;

	if (!f->name_kind)
		return false;
	for (i = 0; i < n_names; i++)
		if (names[i].kind == f->name_kind &&
		    !strcmp(names[i].name, f->name))
			return true;
	return false;
}

static const char *rp_flow_verdict(const struct rp_flow *f)
{
	if (f->verdicts[RP_TX])
		return "tx";
	if (f->verdicts[RP_DROP])
		return "drop";
	if (f->verdicts[RP_OTHER])
		return "other";
	return "pass";
}

static int rp_flow_cmp(const void *a, const void *b)
{
	const struct rp_flow *x = *(const struct rp_flow *const *)a;
	const struct rp_flow *y = *(const struct rp_flow *const *)b;

	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* The real flows (not host entries), by first packet. */
static struct rp_flow **rp_sorted_flows(struct replay *rp, size_t *n)
{
	struct rp_flow **v = calloc(rp->n_flows + 1, sizeof(*v));
	size_t i;

	*n = 0;
	if (!v)
		return NULL;
	for (i = 0; i < rp->n_flows; i++)
		if (rp->flows[i].key.proto)
			v[(*n)++] = &rp->flows[i];
	qsort(v, *n, sizeof(*v), rp_flow_cmp);
	return v;
}

struct rp_report {
	const char *capture;
	const char *format; /* pcap, pcapng */
	const char *damaged; /* where the capture ends early, or NULL */
	unsigned int mtu;
	struct br_pcap_stats pst;
	struct br_gen_record rec;
	struct br_dp_name names[BR_DP_NAMES_MAX];
	size_t n_names;
	struct rp_flow **flows;
	size_t n_flows;
};

static void rp_json_flow(struct br_json *j, const struct replay *rp,
			 const struct rp_report *r, const struct rp_flow *f)
{
	char a[INET6_ADDRSTRLEN], name[4 * BR_NAME_MAX], vbuf[16];
	int c = f->client, i;

	br_json_object(j);
	br_json_kstr(j, "proto", rp_proto_name(f->key.proto));
	br_json_ku64(j, "family", f->key.family);
	rp_addr_text(f->key.family, f->key.addr[c], a, sizeof(a));
	br_json_kstr(j, "client", a);
	br_json_ku64(j, "client_port", f->key.port[c]);
	rp_addr_text(f->key.family, f->key.addr[!c], a, sizeof(a));
	br_json_kstr(j, "server", a);
	br_json_ku64(j, "server_port", f->key.port[!c]);
	br_json_kstr(j, "client_from", rp_how_name[f->how]);
	br_json_ku64(j, "first_ns", f->first_ns);
	br_json_ku64(j, "last_ns", f->last_ns);
	br_json_ku64(j, "packets", f->packets);
	br_json_ku64(j, "bytes", f->bytes);
	br_json_key(j, "verdicts");
	br_json_object(j);
	for (i = 0; i < RP_N_VERDICTS; i++)
		br_json_ku64(j, rp_verdict_name[i], f->verdicts[i]);
	br_json_end(j);
	br_json_kstr(j, "verdict", rp_flow_verdict(f));
	br_json_key(j, "rule");
	if (f->rule < 0 || f->rule >= BR_MAX_RULES)
		br_json_null(j);
	else
		br_json_u64(j, f->rule);
	br_json_kbool(j, "by_default", f->rule == BR_MAX_RULES);
	br_json_kstr(j, "action",
		     f->action ? br_action_name(f->action) : "none");
	br_json_key(j, "name");
	if (f->name_kind) {
		rp_name_text(f->name, name, sizeof(name));
		br_json_str(j, name);
	} else {
		br_json_null(j);
	}
	br_json_kstr(j, "name_kind", rp_kind_name(f->name_kind, f->quic));
	br_json_kbool(j, "matched", rp_matched(f, r->names, r->n_names));
	if (f->name_kind == BR_NAME_DNS) {
		br_json_ku64(j, "qtype", f->qtype);
		br_json_ku64(j, "queries", f->queries);
	}
	if (f->quic) {
		snprintf(vbuf, sizeof(vbuf), "0x%08x", f->quic_version);
		br_json_kstr(j, "quic_version", vbuf);
	}
	br_json_key(j, "replies");
	br_json_object(j);
	for (i = 0; i < RP_N_REPLIES; i++)
		if (f->replies[i])
			br_json_ku64(j, rp_reply_name[i], f->replies[i]);
	br_json_end(j);
	if (f->reply_addr_len) {
		rp_addr_text(f->reply_addr_len == 16 ? 6 : 4, f->reply_addr, a,
			     sizeof(a));
		br_json_kstr(j, "reply_addr", a);
	}
	br_json_end(j);
	(void)rp;
}

/* The capture as read: format, link types, tunnels, notes, damage. */
static void rp_json_capture(struct br_json *j, const struct replay *rp,
			    const struct rp_report *r)
{
	char lt[64];
	size_t i;

	br_json_kstr(j, "capture_format", r->format);
	br_json_key(j, "link_types");
	br_json_array(j);
	for (i = 0; i < r->pst.n_links; i++) {
		br_json_object(j);
		br_json_ku64(j, "linktype", r->pst.links[i].linktype);
		br_linktype_text(r->pst.links[i].linktype, lt, sizeof(lt));
		br_json_kstr(j, "name", lt);
		br_json_kbool(j, "ethernet_made_up",
			      r->pst.links[i].linktype != BR_LT_ETHERNET);
		br_json_ku64(j, "frames", r->pst.links[i].frames);
		br_json_end(j);
	}
	br_json_end(j);
	br_json_key(j, "decapsulated");
	br_json_object(j);
	for (i = BR_TUNNEL_NONE + 1; i < BR_N_TUNNELS; i++)
		br_json_ku64(j, br_tunnel_name[i], r->pst.decap[i]);
	br_json_end(j);
	br_json_key(j, "notes");
	br_json_array(j);
	for (i = 0; i < rp->n_notes; i++) {
		br_json_object(j);
		br_json_ku64(j, "frame", rp->notes[i].frame);
		br_json_kstr(j, "note", rp->notes[i].text);
		br_json_end(j);
	}
	br_json_end(j);
	br_json_ku64(j, "notes_omitted", rp->notes_omitted);
	br_json_key(j, "damaged");
	if (r->damaged)
		br_json_str(j, r->damaged);
	else
		br_json_null(j);
}

static void rp_print_json(const struct replay *rp, const struct rp_report *r)
{
	const struct br_counter *ctr = rp->after;
	char name[4 * BR_NAME_MAX];
	struct br_json j;
	size_t i;

	br_json_init(&j, stdout);
	br_json_object(&j);
	br_json_kstr(&j, "capture", r->capture);
	br_json_kstr(&j, "policy", r->rec.name);
	br_json_kstr(&j, "file", r->rec.file);
	br_json_ku64(&j, "generation", rp->generation);
	br_json_ku64(&j, "mtu", r->mtu);
	br_json_key(&j, "frames");
	br_json_object(&j);
	br_json_ku64(&j, "read", r->pst.read);
	br_json_ku64(&j, "replayed", rp->frames);
	br_json_ku64(&j, "superframes", r->pst.superframes);
	br_json_ku64(&j, "resegmented", r->pst.resegmented);
	br_json_ku64(&j, "oversize", r->pst.oversize);
	br_json_ku64(&j, "short", r->pst.short_frames);
	br_json_ku64(&j, "not_judged", rp->not_judged);
	br_json_ku64(&j, "ip_length_lies", r->pst.ip_lies);
	br_json_ku64(&j, "lies_malformed", rp->lies_malformed);
	br_json_ku64(&j, "backwards", rp->backwards);
	br_json_ku64(&j, "backwards_max_ns", rp->back_max_ns);
	br_json_ku64(&j, "no_timestamp", r->pst.no_ts);
	br_json_ku64(&j, "errors", rp->errors);
	br_json_ku64(&j, "outside_flows", rp->no_flow);
	br_json_ku64(&j, "first_ns", rp->first_ns);
	br_json_ku64(&j, "last_ns", rp->last_ns);
	br_json_end(&j);
	rp_json_capture(&j, rp, r);
	br_json_key(&j, "verdicts");
	br_json_object(&j);
	for (i = 0; i < RP_N_VERDICTS; i++) {
		struct br_counter c = { rp->verdicts[i].packets,
					rp->verdicts[i].bytes };

		br_json_counter(&j, rp_verdict_name[i], &c);
	}
	br_json_end(&j);
	br_json_key(&j, "replies");
	br_json_object(&j);
	for (i = 0; i < RP_N_REPLIES; i++)
		br_json_ku64(&j, rp_reply_name[i], rp->replies[i]);
	br_json_end(&j);

	br_json_key(&j, "flows");
	br_json_array(&j);
	for (i = 0; i < r->n_flows; i++)
		rp_json_flow(&j, rp, r, r->flows[i]);
	br_json_end(&j);

	br_json_key(&j, "rules");
	br_json_array(&j);
	for (i = 0; i < r->rec.n_rules && i < BR_MAX_RULES; i++) {
		br_json_object(&j);
		br_json_ku64(&j, "index", i);
		br_json_ku64(&j, "line", r->rec.rule_line[i]);
		br_json_kstr(&j, "text", r->rec.rule_text[i]);
		br_json_kstr(&j, "action",
			     br_action_name(r->rec.rule_action[i]));
		br_json_ku64(&j, "packets", ctr[BR_CTR_RULE0 + i].packets);
		br_json_ku64(&j, "bytes", ctr[BR_CTR_RULE0 + i].bytes);
		br_json_end(&j);
	}
	br_json_end(&j);
	br_json_key(&j, "default");
	br_json_object(&j);
	br_json_kstr(&j, "action", br_action_name(r->rec.default_action));
	br_json_ku64(&j, "packets", ctr[BR_CTR_DEFAULT].packets);
	br_json_ku64(&j, "bytes", ctr[BR_CTR_DEFAULT].bytes);
	br_json_end(&j);
	br_json_key(&j, "actions");
	br_json_object(&j);
	for (i = BR_ACT_PASS; i < BR_ACT_MAX; i++)
		br_json_counter(&j, br_action_name(i),
				&ctr[BR_CTR_ACTION0 + i]);
	br_json_end(&j);

	br_json_key(&j, "matched_names");
	br_json_array(&j);
	for (i = 0; i < r->n_names; i++) {
		br_json_object(&j);
		rp_name_text(r->names[i].name, name, sizeof(name));
		br_json_kstr(&j, "name", name);
		br_json_kstr(&j, "kind", rp_kind_name(r->names[i].kind, false));
		br_json_ku64(&j, "rule", r->names[i].rule);
		br_json_ku64(&j, "hits", r->names[i].hits);
		br_json_end(&j);
	}
	br_json_end(&j);
	br_json_end(&j);
}

/* "addr:port" or "[addr]:port" of end e of a flow. */
static void rp_end_text(const struct rp_flow *f, int e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	rp_addr_text(f->key.family, f->key.addr[e], a, sizeof(a));
	snprintf(buf, len, f->key.family == 6 ? "[%s]:%u" : "%s:%u", a,
		 f->key.port[e]);
}

static void rp_print_flows(const struct replay *rp, const struct rp_report *r)
{
	char ca[INET6_ADDRSTRLEN + 8], sa[INET6_ADDRSTRLEN + 8];
	char name[4 * BR_NAME_MAX], rbuf[16];
	const struct rp_flow *f;
	int cw = 6, sw = 6, n;
	size_t i;

	printf("\nflows: %zu (times in seconds from the first frame)\n",
	       r->n_flows);
	if (!r->n_flows)
		return;
	for (i = 0; i < r->n_flows; i++) {
		rp_end_text(r->flows[i], r->flows[i]->client, ca, sizeof(ca));
		rp_end_text(r->flows[i], !r->flows[i]->client, sa, sizeof(sa));
		n = strlen(ca);
		cw = n > cw ? n : cw;
		n = strlen(sa);
		sw = n > sw ? n : sw;
	}
	printf("%-4s %-*s %-*s %10s %10s %6s %9s %6s %6s %4s  %-7s %-7s  "
	       "%s\n",
	       "prot", cw, "client", sw, "server", "first", "last", "pkts",
	       "bytes", "pass", "drop", "tx", "verdict", "rule", "name");
	for (i = 0; i < r->n_flows; i++) {
		f = r->flows[i];
		rp_end_text(f, f->client, ca, sizeof(ca));
		rp_end_text(f, !f->client, sa, sizeof(sa));
		name[0] = 0;
		if (f->name_kind)
			rp_name_text(f->name, name, sizeof(name));
		printf("%-4s %-*s %-*s %10.6f %10.6f %6llu %9llu %6llu %6llu "
		       "%4llu  %-7s %-7s  %s%s%s%s\n",
		       rp_proto_name(f->key.proto), cw, ca, sw, sa,
		       (f->first_ns - rp->first_ns) / 1e9,
		       (f->last_ns - rp->first_ns) / 1e9,
		       (unsigned long long)f->packets,
		       (unsigned long long)f->bytes,
		       (unsigned long long)f->verdicts[RP_PASS],
		       (unsigned long long)f->verdicts[RP_DROP],
		       (unsigned long long)f->verdicts[RP_TX],
		       rp_flow_verdict(f),
		       rp_rule_label(f->rule, rbuf, sizeof(rbuf)),
		       rp_kind_name(f->name_kind, f->quic),
		       f->name_kind ? " " : "", name,
		       rp_matched(f, r->names, r->n_names) ? " (matched)" : "");
	}
}

/* What the reader met: link types, tunnels, odd frames, damage. */
static void rp_print_capture(const struct replay *rp,
			     const struct rp_report *r)
{
	const struct br_pcap_stats *st = &r->pst;
	char lt[64];
	size_t i;

	printf("  %s,", r->format);
	for (i = 0; i < st->n_links; i++) {
		br_linktype_text(st->links[i].linktype, lt, sizeof(lt));
		printf("%s %s: %llu frames%s", i ? ";" : "", lt,
		       (unsigned long long)st->links[i].frames,
		       st->links[i].linktype != BR_LT_ETHERNET
			       ? " (Ethernet header made up)"
			       : "");
	}
	printf("\n");
	for (i = BR_TUNNEL_NONE + 1; i < BR_N_TUNNELS; i++)
		if (st->decap[i])
			printf("  %llu inner frames taken out of %s\n",
			       (unsigned long long)st->decap[i],
			       br_tunnel_name[i]);
	if (st->oversize)
		printf("  %llu frames over the MTU passed whole (not TCP)\n",
		       (unsigned long long)st->oversize);
	if (st->short_frames)
		printf("  %llu frames captured short (snap length), %llu of "
		       "them with an incomplete IP packet: not judged\n",
		       (unsigned long long)st->short_frames,
		       (unsigned long long)rp->not_judged);
	if (st->ip_lies)
		printf("  %llu frames whose IP header claims more than the "
		       "frame holds: judged, %llu counted malformed by the "
		       "program\n",
		       (unsigned long long)st->ip_lies,
		       (unsigned long long)rp->lies_malformed);
	if (rp->backwards)
		printf("  %llu frames stamped before an earlier one (up to "
		       "%llu.%09llu s): judged at the last time seen\n",
		       (unsigned long long)rp->backwards,
		       (unsigned long long)(rp->back_max_ns / 1000000000ULL),
		       (unsigned long long)(rp->back_max_ns % 1000000000ULL));
	if (st->no_ts)
		printf("  %llu frames without a timestamp: judged at the last "
		       "time seen\n",
		       (unsigned long long)st->no_ts);
	if (rp->errors)
		printf("  %llu frames test_run refused (too large?)\n",
		       (unsigned long long)rp->errors);
	for (i = 0; i < rp->n_notes; i++)
		printf("  frame %llu: %s\n",
		       (unsigned long long)rp->notes[i].frame,
		       rp->notes[i].text);
	if (rp->notes_omitted)
		printf("  (%llu more frames of note)\n",
		       (unsigned long long)rp->notes_omitted);
	if (r->damaged)
		printf("  the capture ends early: %s\n", r->damaged);
}

static void rp_print_text(const struct replay *rp, const struct rp_report *r)
{
	const struct br_counter *ctr = rp->after;
	char name[4 * BR_NAME_MAX];
	size_t i;

	printf("replay %s: %llu frames read", r->capture,
	       (unsigned long long)r->pst.read);
	if (r->pst.superframes)
		printf(", %llu super-frames cut into %llu segments (MTU %u)",
		       (unsigned long long)r->pst.superframes,
		       (unsigned long long)r->pst.resegmented, r->mtu);
	printf(", %llu replayed\n", (unsigned long long)rp->frames);
	rp_print_capture(rp, r);
	printf("policy %s (%s), generation %llu, %u rules, default %s\n\n",
	       r->rec.name, r->rec.file, (unsigned long long)rp->generation,
	       r->rec.n_rules, br_action_name(r->rec.default_action));

	printf("verdicts:");
	for (i = 0; i < RP_N_VERDICTS; i++)
		if (i != RP_OTHER || rp->verdicts[i].packets)
			printf("  %s %llu pkts %llu B", rp_verdict_name[i],
			       (unsigned long long)rp->verdicts[i].packets,
			       (unsigned long long)rp->verdicts[i].bytes);
	printf("\n");
	if (rp->verdicts[RP_TX].packets) {
		printf("sent back:");
		for (i = 0; i < RP_N_REPLIES; i++)
			if (rp->replies[i])
				printf("  %s %llu", rp_reply_name[i],
				       (unsigned long long)rp->replies[i]);
		printf("\n");
	}
	rp_print_flows(rp, r);

	printf("\n%5s  %-8s %12s %14s  %s\n", "rule", "action", "packets",
	       "bytes", "match");
	for (i = 0; i < r->rec.n_rules && i < BR_MAX_RULES; i++) {
		char text[BR_PRINTABLE_LEN(BR_RULE_TEXT_LEN)];

		printf("%5zu  %-8s %12llu %14llu  %s (line %u)\n", i,
		       br_action_name(r->rec.rule_action[i]),
		       (unsigned long long)ctr[i].packets,
		       (unsigned long long)ctr[i].bytes,
		       br_printable(r->rec.rule_text[i], text, sizeof(text)),
		       r->rec.rule_line[i]);
	}
	printf("%5s  %-8s %12llu %14llu  no rule matched\n", "-",
	       br_action_name(r->rec.default_action),
	       (unsigned long long)ctr[BR_CTR_DEFAULT].packets,
	       (unsigned long long)ctr[BR_CTR_DEFAULT].bytes);

	if (r->n_names) {
		printf("\nmatched names:\n%5s  %-4s %10s  %s\n", "rule", "kind",
		       "hits", "name");
		for (i = 0; i < r->n_names; i++) {
			rp_name_text(r->names[i].name, name, sizeof(name));
			printf("%5u  %-4s %10llu  %s\n", r->names[i].rule,
			       rp_kind_name(r->names[i].kind, false),
			       (unsigned long long)r->names[i].hits, name);
		}
	}
}

/* ---- the command ------------------------------------------------------ */

/* --decap KIND and --vxlan-port N into o; 0, or -EINVAL (explained). */
static int rp_decap_option(struct br_decap_opts *o, int c, const char *arg)
{
	unsigned long port;
	char *end;

	if (c == BR_OPT_DECAP) {
		if (!strcmp(arg, "vxlan")) {
			o->kinds |= BR_DECAP_VXLAN;
		} else if (!strcmp(arg, "gre")) {
			o->kinds |= BR_DECAP_GRE;
		} else if (!strcmp(arg, "auto")) {
			o->kinds |= BR_DECAP_ALL;
		} else {
			br_err("--decap: \"%s\" is not vxlan, gre or auto",
			       arg);
			return -EINVAL;
		}
		return 0;
	}
	port = strtoul(arg, &end, 10);
	if (!*arg || *end || !port || port > 65535) {
		br_err("--vxlan-port: a UDP port, 1 to 65535");
		return -EINVAL;
	}
	if (o->n_vxlan_ports == BR_DECAP_PORTS_MAX) {
		br_err("--vxlan-port: at most %d ports",
		       BR_DECAP_PORTS_MAX - 1);
		return -EINVAL;
	}
	o->vxlan_ports[o->n_vxlan_ports++] = port;
	o->kinds |= BR_DECAP_VXLAN;
	return 0;
}

/* What the command line asks. */
struct rp_args {
	const char *policy;
	const char *write;
	unsigned long mtu; /* 0: none given */
	struct br_pcap_opts popts;
};

/* --subscriber PREFIX into rp; 0, or -EINVAL (explained). */
static int rp_subscriber_option(struct replay *rp, const char *arg)
{
	if (rp->n_subs == RP_MAX_SUBS) {
		br_err("--subscriber: at most %d prefixes", RP_MAX_SUBS);
		return -EINVAL;
	}
	if (rp_parse_prefix(arg, &rp->subs[rp->n_subs])) {
		br_err("--subscriber: \"%s\" is not an address or prefix", arg);
		return -EINVAL;
	}
	rp->n_subs++;
	return 0;
}

/*
 * The options into o and rp's subscriber prefixes; the index of the
 * capture in argv, or -EINVAL for a usage error (explained).
 */
static int rp_options(struct replay *rp, struct rp_args *o, int argc,
		      char **argv)
{
	struct br_args a;
	char *end;
	int c;

	br_args_init(&a, argc, argv);
	while ((c = br_args_next(&a)) != -1) {
		switch (c) {
		case BR_OPT_POLICY:
			o->policy = a.arg;
			break;
		case BR_OPT_MTU:
			o->mtu = strtoul(a.arg, &end, 10);
			if (!*a.arg || *end || o->mtu < 68 || o->mtu > 65535) {
				br_err("--mtu: an IP MTU, 68 to 65535");
				return -EINVAL;
			}
			break;
		case BR_OPT_SUBSCRIBER:
			if (rp_subscriber_option(rp, a.arg))
				return -EINVAL;
			break;
		case BR_OPT_WRITE:
			o->write = a.arg;
			break;
		case BR_OPT_DECAP:
		case BR_OPT_VXLAN_PORT:
			if (rp_decap_option(&o->popts.decap, c, a.arg))
				return -EINVAL;
			break;
		default:
			br_cmd_usage_error(argv[0]);
			return -EINVAL;
		}
	}
	if (a.next + 1 != argc) {
		br_cmd_usage_error(argv[0]);
		return -EINVAL;
	}
	return a.next;
}

/* The private instance, the policy installed: 0, or an error (explained). */
static int rp_instance(struct replay *rp, struct rp_report *r,
		       const struct br_policy *pol)
{
	struct br_dp_opts opts = { .virtual_clock = true };
	struct br_diag diag;
	int err;

	err = br_dp_open_private(&opts, &rp->dp);
	if (err)
		return err; /* explained */
	br_diag_init(&diag);
	err = br_dp_install(rp->dp, pol, NULL, &diag);
	if (err) {
		if (diag.n)
			br_diag_print(&diag, stderr);
		else
			br_err("cannot install %s: %s", pol->file,
			       strerror(-err));
	}
	br_diag_free(&diag);
	if (err)
		return err;
	rp->generation = br_dp_last_install(rp->dp)->generation;
	err = br_dp_counters(rp->dp, rp->generation, rp->after, &r->rec);
	if (err)
		br_err("cannot read counters: %s", strerror(-err));
	return err;
}

/*
 * Every frame of the capture through the instance, and into --write's
 * file (write). 0, also when the capture is damaged (r->damaged says
 * where); or an error (explained).
 */
static int rp_replay_frames(struct replay *rp, struct rp_report *r,
			    struct br_pcap_reader *reader, const char *write)
{
	struct br_frame fr;
	int err;

	while ((err = br_pcap_next(reader, &fr)) == 1) {
		err = rp_frame(rp, &fr);
		if (err) {
			br_err("replay: %s", strerror(-err));
			return err;
		}
	}
	/* damaged: what came before is reported, then the warning */
	if (err == -EBADMSG) {
		r->damaged = br_pcap_error(reader);
	} else if (err) {
		br_err("%s: %s", r->capture, br_pcap_error(reader));
		return err;
	}
	if (rp->writer) {
		err = br_pcap_close(rp->writer);
		rp->writer = NULL;
		if (err) {
			br_err("%s: %s", write, strerror(-err));
			return err;
		}
	}
	br_pcap_stats(reader, &r->pst);
	err = br_dp_names(rp->dp, rp->generation, r->names, BR_DP_NAMES_MAX,
			  &r->n_names);
	if (err) {
		br_err("cannot read the matched names: %s", strerror(-err));
		return err;
	}
	r->flows = rp_sorted_flows(rp, &r->n_flows);
	if (!r->flows) {
		br_err("out of memory");
		return -ENOMEM;
	}
	return 0;
}

int cmd_replay(struct br_cli *cli, int argc, char **argv)
{
	/* VXLAN's own port always; --vxlan-port adds others */
	struct rp_args o = {
		.popts.decap = { .vxlan_ports = { BR_VXLAN_PORT },
				 .n_vxlan_ports = 1 },
	};
	struct br_pcap_reader *reader = NULL;
	struct br_policy *pol = NULL;
	struct rp_report *r = NULL;
	struct replay *rp = NULL;
	char err_text[256];
	size_t i;
	int err, ret = 1;

	rp = calloc(1, sizeof(*rp));
	r = calloc(1, sizeof(*r));
	if (!rp || !r) {
		br_err("out of memory");
		goto out;
	}
	err = rp_options(rp, &o, argc, argv);
	if (err < 0) {
		ret = 2;
		goto out;
	}
	r->capture = argv[err];
	r->mtu = o.mtu ? o.mtu : 1500;

	if (br_cli_parse_policy(o.policy, &pol))
		goto out;
	o.popts.mtu = o.mtu;
	err = br_pcap_open(r->capture, &o.popts, &reader, err_text,
			   sizeof(err_text));
	if (err) {
		br_err("%s: %s", r->capture, err_text);
		goto out;
	}
	r->format = br_pcap_format(reader);
	if (br_cli_require_privileges() || rp_instance(rp, r, pol))
		goto out;
	if (o.write) {
		err = br_pcap_create(o.write, &rp->writer);
		if (err) {
			br_err("%s: %s", o.write, strerror(-err));
			goto out;
		}
	}
	if (rp_replay_frames(rp, r, reader, o.write))
		goto out;
	if (cli->json)
		rp_print_json(rp, r);
	else if (!cli->quiet)
		rp_print_text(rp, r);
	ret = 0;
	if (r->damaged) {
		fflush(stdout);
		br_err("warning: %s: %s; the %llu frames before it were "
		       "replayed",
		       r->capture, r->damaged,
		       (unsigned long long)r->pst.read);
		ret = RP_EXIT_DAMAGED;
	}
out:
	if (rp) {
		br_pcap_close(rp->writer);
		for (i = 0; i < rp->n_flows; i++)
			free(rp->flows[i].tls);
		free(rp->flows);
		free(rp->index);
		if (rp->dp)
			br_dp_close(rp->dp);
	}
	if (r)
		free(r->flows);
	free(r);
	free(rp);
	br_pcap_close_reader(reader);
	br_policy_free(pol);
	return ret;
}
