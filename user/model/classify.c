// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * classify.c - a rule against the catalog's flows, decided by the program
 * (see classify.h).
 *
 * For each flow, probes: one per place the rule can see it (an address
 * and a port on each side, one of two ways round), per family, and per
 * name when the rule names names. A probe sends the flow's packets as the
 * traffic model does (wire_sim.c's steps, the first try, nothing dropped
 * on the way) and reads the rule's counter; the first probe that moves it
 * settles the flow.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addrplan.h"
#include "classify.h"
#include "dataplane.h"
#include "packet.h"

const struct br_attrib_side br_attrib_model = {
	.dev4 = BR_PLAN_DEV4,
	.dev6 = BR_PLAN_DEV6,
	.res4 = BR_PLAN_RES4,
	.res6 = BR_PLAN_RES6,
	.port_lo = BR_PLAN_PORT_LO,
	.port_hi = BR_PLAN_PORT_HI,
};

const struct br_attrib_side br_attrib_live = {
	.unknown = true,
	.dev4 = { .family = 4, .len = 0 },
	.dev6 = { .family = 6, .len = 0 },
	.res4 = { .family = 4, .len = 0 },
	.res6 = { .family = 6, .len = 0 },
	.port_lo = 1024, /* not used: a port no set names stands for them */
	.port_hi = 65535,
};

#define SEC 1000000000ull
/*
 * between probes: past the lifetime of anything a probe leaves behind,
 * a penalty's included (a probe that sets one must not see a later
 * probe's packets dropped under its rule)
 */
#define PROBE_GAP (BR_PENALTY_MAX_NS + 1000 * SEC)
_Static_assert(PROBE_GAP > BR_FLOW_TCP_TTL_NS &&
		       PROBE_GAP > BR_FLOW_UDP_TTL_NS &&
		       PROBE_GAP > BR_FRAG_TTL_NS &&
		       PROBE_GAP > BR_PENALTY_MAX_NS,
	       "a probe must not meet the flows of the one before");
#define PROBE_STEP (1000000ull) /* between a probe's packets: 1 ms */
#define MAX_POINTS 16		/* places per side a rule is tried at */
#define QTYPE_A 1
#define QTYPE_AAAA 28

/* The process's instance: loaded on first use, reused (classify.h). */
static struct br_dp *cls_dp;
static __u64 cls_now;

void br_classify_close(void)
{
	br_dp_close(cls_dp);
	cls_dp = NULL;
}

static int cls_open(void)
{
	/* a probe is one flow at a time: small tables, little memory */
	struct br_dp_opts opts = { .virtual_clock = true,
				   .flow_entries = 1024,
				   .hello_entries = 256 };
	static bool registered;
	int err;

	if (cls_dp)
		return 0;
	err = br_dp_open_private(&opts, &cls_dp);
	if (err)
		return err;
	if (!registered && !atexit(br_classify_close))
		registered = true;
	return 0;
}

/* One side of a probe: the addresses of a family and the ports to try. */
struct points {
	size_t n_addr, n_port;
	uint8_t addr[MAX_POINTS][16];
	uint16_t port[MAX_POINTS];
};

struct probe {
	const struct br_catalog *cat;
	const struct br_policy *pol;
	const struct br_rule_ir *r;
	const struct br_attrib_side *side;
	const struct br_policy *solo; /* the rule alone, installed on demand */
	bool installed;
	__u64 gen, seen; /* the install; the rule's counter when last read */
	uint64_t seed;
	/* what no set of the policy names: unknown hosts and device ports */
	uint8_t unknown4[16], unknown6[16];
	uint16_t unknown_port;
	uint8_t frame[BR_FRAME_MAX];
	uint8_t payload[BR_FRAME_MAX * 2];
};

/* ---- where a rule can see a flow ---------------------------------------- */

static bool prefix_meets(const struct br_prefix *a, const struct br_prefix *b)
{
	unsigned int len = a->len < b->len ? a->len : b->len;
	unsigned int bytes = len / 8, bits = len % 8;

	if (a->family != b->family)
		return false;
	if (memcmp(a->addr, b->addr, bytes))
		return false;
	return !bits || !((a->addr[bytes] ^ b->addr[bytes]) & (0xff00 >> bits));
}

/* A host of p: its first address but one, when it has more than two. */
static void host_of(const struct br_prefix *p, uint8_t out[16])
{
	unsigned int bytes = p->family == 4 ? 4 : 16;

	memset(out, 0, 16);
	memcpy(out, p->addr, bytes);
	if (bytes * 8 - p->len >= 2)
		out[bytes - 1] |= 1;
}

static bool in_set(const struct br_set *set, const struct br_prefix *p)
{
	size_t i;

	for (i = 0; set->type == BR_SET_ADDR && i < set->n; i++)
		if (prefix_meets(&set->prefixes[i], p))
			return true;
	return false;
}

static void add_addr(struct points *pt, const uint8_t addr[16])
{
	size_t i;

	for (i = 0; i < pt->n_addr; i++)
		if (!memcmp(pt->addr[i], addr, 16))
			return;
	if (pt->n_addr < MAX_POINTS)
		memcpy(pt->addr[pt->n_addr++], addr, 16);
}

/*
 * A host of each prefix of range in family fam; with a set s, of where s
 * meets it instead (the longer of the two prefixes), none where it does
 * not.
 */
static void addr_points(struct points *pt, const struct br_prefix *range,
			size_t n, int fam, const struct br_policy *pol, int s)
{
	const struct br_set *set = s == BR_NO_SET ? NULL : &pol->sets[s];
	uint8_t host[16];
	size_t i, k;

	for (i = 0; i < n; i++) {
		const struct br_prefix *p = &range[i];

		if (p->family != fam)
			continue;
		if (!set) {
			host_of(p, host);
			add_addr(pt, host);
			continue;
		}
		for (k = 0; set->type == BR_SET_ADDR && k < set->n; k++) {
			const struct br_prefix *q = &set->prefixes[k];

			if (!prefix_meets(p, q))
				continue;
			host_of(q->len > p->len ? q : p, host);
			add_addr(pt, host);
			break;
		}
	}
}

/* lo, or with a set s, where each of its ranges meets [lo, hi]. */
static void port_points(struct points *pt, uint16_t lo, uint16_t hi,
			const struct br_policy *pol, int s)
{
	const struct br_set *set = s == BR_NO_SET ? NULL : &pol->sets[s];
	size_t i;

	if (!set) {
		pt->port[pt->n_port++] = lo;
		return;
	}
	for (i = 0; set->type == BR_SET_PORT && i < set->n; i++) {
		const struct br_port_range *r = &set->ports[i];

		if (r->lo <= hi && lo <= r->hi && pt->n_port < MAX_POINTS)
			pt->port[pt->n_port++] = r->lo > lo ? r->lo : lo;
	}
}

static bool addr_named(const struct br_policy *pol, const struct br_prefix *p)
{
	size_t s;

	for (s = 0; s < pol->n_sets; s++)
		if (in_set(&pol->sets[s], p))
			return true;
	return false;
}

static bool port_named(const struct br_policy *pol, unsigned int port)
{
	const struct br_set *set;
	size_t s, k;

	for (s = 0; s < pol->n_sets; s++) {
		set = &pol->sets[s];
		for (k = 0; set->type == BR_SET_PORT && k < set->n; k++)
			if (set->ports[k].lo <= port && port <= set->ports[k].hi)
				return true;
	}
	return false;
}

/* The first host of cands no set of pol names (the last if all are). */
static void unnamed_host(const struct br_policy *pol,
			 const struct br_prefix *cands, size_t n,
			 uint8_t out[16])
{
	size_t i;

	for (i = 0; i < n - 1 && addr_named(pol, &cands[i]);)
		i++;
	memcpy(out, cands[i].addr, 16);
}

/*
 * Hosts and a port no set of pol names, for the side that is not known:
 * documentation and private ranges first.
 */
static void pick_unknown(struct probe *p)
{
	static const struct br_prefix v4[] = {
		{ 4, 32, { 192, 0, 2, 1 } },   { 4, 32, { 198, 51, 100, 1 } },
		{ 4, 32, { 203, 0, 113, 1 } }, { 4, 32, { 100, 64, 0, 1 } },
		{ 4, 32, { 10, 0, 0, 1 } },    { 4, 32, { 240, 0, 0, 1 } },
	};
	static const struct br_prefix v6[] = {
		{ 6, 128, { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 1 } },
		{ 6, 128, { 0xfd, [15] = 1 } },
		{ 6, 128, { 0x01, [15] = 1 } },
	};
	unsigned int port = BR_PLAN_PORT_LO;

	unnamed_host(p->pol, v4, sizeof(v4) / sizeof(v4[0]), p->unknown4);
	unnamed_host(p->pol, v6, sizeof(v6) / sizeof(v6[0]), p->unknown6);
	while (port < 65535 && port_named(p->pol, port))
		port++;
	p->unknown_port = port;
}

/*
 * The device's side of a probe in family fam: a rule's set for its
 * addresses (as) and ports (ps), where the devices are (range) or not
 * known.
 */
static void device_points(const struct probe *p, struct points *pt,
			  const struct br_prefix *range, int fam, int as,
			  int ps)
{
	memset(pt, 0, sizeof(*pt));
	if (p->side->unknown) { /* no set names them: none where one is asked */
		if (as == BR_NO_SET)
			add_addr(pt, fam == 6 ? p->unknown6 : p->unknown4);
		if (ps == BR_NO_SET)
			pt->port[pt->n_port++] = p->unknown_port;
		return;
	}
	addr_points(pt, range, 1, fam, p->pol, as);
	port_points(pt, p->side->port_lo, p->side->port_hi, p->pol, ps);
}

/* The server's side: the flow's address set (or none known) and ports. */
static void server_points(const struct probe *p, struct points *pt,
			  const struct br_cat_flow *f, int fam, int as, int ps)
{
	const struct br_catalog *cat = p->cat;
	uint16_t hi = f->port_hi > f->port ? f->port_hi : f->port;

	memset(pt, 0, sizeof(*pt));
	if (f->addr_set >= 0 && (size_t)f->addr_set < cat->n_sets &&
	    cat->sets[f->addr_set].type == BR_SET_ADDR)
		addr_points(pt, cat->sets[f->addr_set].prefixes,
			    cat->sets[f->addr_set].n, fam, p->pol, as);
	else if (as == BR_NO_SET)
		add_addr(pt, fam == 6 ? p->unknown6 : p->unknown4);
	port_points(pt, f->port, hi, p->pol, ps);
}

/* The resolver's side: the side's resolver (or none known), port 53. */
static void resolver_points(const struct probe *p, struct points *pt, int fam,
			    int as, int ps)
{
	const struct br_attrib_side *sd = p->side;

	memset(pt, 0, sizeof(*pt));
	if (!sd->unknown)
		addr_points(pt, fam == 6 ? &sd->res6 : &sd->res4, 1, fam,
			    p->pol, as);
	else if (as == BR_NO_SET)
		add_addr(pt, fam == 6 ? p->unknown6 : p->unknown4);
	port_points(pt, 53, 53, p->pol, ps);
}

/* ---- one probe: a flow's packets through the program ------------------ */

/* The frame in p->frame, len bytes, as the k-th packet of the probe. */
static int probe_send(struct probe *p, enum br_dir dir, size_t len,
		      unsigned int k)
{
	struct br_dp_result res;

	if (!len)
		return -EMSGSIZE;
	return br_dp_run(cls_dp,
			 dir == BR_DIR_UP ? BR_ROLE_SUBSCRIBER
					  : BR_ROLE_UPSTREAM,
			 cls_now + k * PROBE_STEP, p->frame, len, &res);
}

static int send_tcp(struct probe *p, const struct br_ends *e,
		    enum br_dir dir, unsigned int k, uint8_t flags,
		    uint32_t seq, uint32_t ack, const void *pl, size_t n)
{
	return probe_send(p, dir,
			  br_pkt_tcp(p->frame, sizeof(p->frame), e, dir, flags,
				     seq, ack, pl, n),
			  k);
}

static int send_udp(struct probe *p, const struct br_ends *e,
		    enum br_dir dir, unsigned int k, const void *pl, size_t n)
{
	return probe_send(p, dir,
			  br_pkt_udp(p->frame, sizeof(p->frame), e, dir, pl, n),
			  k);
}

/* Did the rule win a packet since the last look? */
static int reached(struct probe *p, bool *hit)
{
	struct br_counter ctr[BR_CTR_PER_GEN];
	int err;

	cls_now += PROBE_GAP; /* the next probe is a flow of its own */
	err = br_dp_counters(cls_dp, p->gen, ctr, NULL);
	if (err)
		return err;
	*hit = ctr[BR_CTR_RULE0].packets > p->seen;
	p->seen = ctr[BR_CTR_RULE0].packets;
	return 0;
}

/* The request's first segment, as the model sends it. */
static size_t request_len(const struct br_cat_flow *f)
{
	size_t n = f->req_bytes ? f->req_bytes : 400;

	return n > BR_MSS ? BR_MSS : n;
}

/* The handshake, the hello for a TLS flow, a request and a response. */
static int probe_tcp(struct probe *p, const struct br_ends *e,
		     const struct br_cat_flow *f, const char *sni)
{
	uint32_t c = (uint32_t)p->seed, s = ~(uint32_t)p->seed;
	size_t n = 0, half, req;
	int err;

	err = send_tcp(p, e, BR_DIR_UP, 0, BR_TCP_SYN, c, 0, NULL, 0);
	if (!err)
		err = send_tcp(p, e, BR_DIR_DOWN, 1, BR_TCP_SYN | BR_TCP_ACK, s,
			       c + 1, NULL, 0);
	c++;
	s++;
	if (!err)
		err = send_tcp(p, e, BR_DIR_UP, 2, BR_TCP_ACK, c, s, NULL, 0);
	if (!err && f->kind == BR_CAT_TLS) {
		n = br_pkt_client_hello_ex(p->payload, sizeof(p->payload),
					   sni[0] ? sni : NULL, NULL,
					   br_hello_flags(f->pq_hello,
							  f->ech_hello),
					   p->seed);
		if (!n)
			return -EMSGSIZE;
		half = n > BR_MSS ? BR_MSS : n;
		err = send_tcp(p, e, BR_DIR_UP, 3,
			       BR_TCP_ACK | (half == n ? BR_TCP_PSH : 0), c, s,
			       p->payload, half);
		if (!err && half < n)
			err = send_tcp(p, e, BR_DIR_UP, 4,
				       BR_TCP_ACK | BR_TCP_PSH, c + half, s,
				       p->payload + half, n - half);
		c += n;
		memset(p->payload, 0x16, 1200);
		if (!err)
			err = send_tcp(p, e, BR_DIR_DOWN, 5,
				       BR_TCP_ACK | BR_TCP_PSH, s, c,
				       p->payload, 1200);
		s += 1200;
	}
	req = request_len(f);
	memset(p->payload, 0x17, BR_MSS);
	if (!err)
		err = send_tcp(p, e, BR_DIR_UP, 6, BR_TCP_ACK | BR_TCP_PSH, c,
			       s, p->payload, req);
	c += req;
	if (!err)
		err = send_tcp(p, e, BR_DIR_DOWN, 7, BR_TCP_ACK, s, c,
			       p->payload, BR_MSS);
	return err;
}

/* A QUIC Initial both ways, a request and a response; a call's media. */
static int probe_udp(struct probe *p, const struct br_ends *e,
		     const struct br_cat_flow *f, const char *sni)
{
	size_t n, count;
	unsigned int k;
	uint8_t dcid[8];
	int err;

	if (f->kind != BR_CAT_QUIC) {
		/* a flow with "stun" begins with its STUN message */
		n = f->stun ? br_pkt_stun(p->payload, sizeof(p->payload),
					  f->stun_type, p->seed)
			    : 0;
		err = n ? send_udp(p, e, BR_DIR_UP, 0, p->payload, n) : 0;
		memset(p->payload, 0x80, 200); /* RTP version 2 */
		if (!err)
			err = send_udp(p, e, BR_DIR_UP, 1, p->payload, 200);
		return err ? err : send_udp(p, e, BR_DIR_DOWN, 2, p->payload, 200);
	}
	memcpy(dcid, &p->seed, sizeof(dcid));
	n = br_pkt_quic_flight(p->payload, sizeof(p->payload), 1, dcid,
			       sni[0] ? sni : NULL,
			       br_hello_flags(f->pq_hello, f->ech_hello),
			       p->seed, &count);
	if (!n)
		return -EMSGSIZE;
	for (k = 0, err = 0; k < count && !err; k++)
		err = send_udp(p, e, BR_DIR_UP, k, p->payload + k * n, n);
	memset(p->payload, 0, 1200);
	p->payload[0] = 0xc0;
	p->payload[4] = 1;
	if (!err)
		err = send_udp(p, e, BR_DIR_DOWN, k, p->payload, 1200);
	memset(p->payload, 0x17, BR_MSS);
	if (!err)
		err = send_udp(p, e, BR_DIR_UP, k + 1, p->payload,
			       request_len(f));
	if (!err)
		err = send_udp(p, e, BR_DIR_DOWN, k + 2, p->payload, BR_MSS);
	return err;
}

/* The lookup and its answer (an address of the flow's servers). */
static int probe_dns(struct probe *p, const struct br_ends *e,
		     const char *name, uint16_t qtype, const uint8_t *addr)
{
	uint16_t id = (uint16_t)p->seed;
	size_t n;
	int err;

	n = br_pkt_dns_query(p->payload, sizeof(p->payload), id, name, qtype,
			     1);
	err = send_udp(p, e, BR_DIR_UP, 0, p->payload, n);
	if (err)
		return err;
	n = br_pkt_dns_answer(p->payload, sizeof(p->payload), id, name, qtype,
			      addr, qtype == QTYPE_AAAA ? 16 : 4, 1);
	return send_udp(p, e, BR_DIR_DOWN, 1, p->payload, n);
}

/* ---- a rule against a flow ------------------------------------------------ */

/* What one probe sends: the flow's own packets, or its lookup. */
struct probe_kind {
	const struct br_cat_flow *f;
	bool dns;
	uint16_t qtype;
	uint8_t answer[16]; /* the lookup's answer */
};

/* The names a device of the flow may send: all of them when they matter. */
static unsigned int n_names(const struct probe *p, const struct br_cat_flow *f)
{
	return p->r->domain_set != BR_NO_SET && f->sni_max > 1 ? f->sni_max
							       : 1;
}

/* One probe at the i-th place of dev x srv x names. */
static int probe_one(struct probe *p, const struct probe_kind *pk,
		     const struct points *dev, const struct points *srv,
		     int fam, size_t i)
{
	const struct br_cat_flow *f = pk->f;
	unsigned int names = n_names(p, f), n = 1 + i % names;
	char name[BR_NAME_MAX];
	struct br_ends e;

	memset(&e, 0, sizeof(e));
	e.family = fam;
	memcpy(e.client_mac, BR_PLAN_DEV_MAC, 6);
	memcpy(e.server_mac, BR_PLAN_ROUTER_MAC, 6);
	i /= names;
	e.sport = srv->port[i % srv->n_port];
	i /= srv->n_port;
	e.cport = dev->port[i % dev->n_port];
	i /= dev->n_port;
	memcpy(e.server, srv->addr[i % srv->n_addr], 16);
	i /= srv->n_addr;
	memcpy(e.client, dev->addr[i], 16);
	p->seed = p->seed * 6364136223846793005ull + 1442695040888963407ull;
	if (pk->dns) {
		br_plan_name(f->dns, n, name, sizeof(name));
		return probe_dns(p, &e, name, pk->qtype, pk->answer);
	}
	br_plan_name(f->sni, n, name, sizeof(name));
	if (f->kind == BR_CAT_TLS || f->kind == BR_CAT_TCP)
		return probe_tcp(p, &e, f, name);
	return probe_udp(p, &e, f, name);
}

/*
 * The instance, with the rule alone in force: loaded and installed only
 * when a flow has a place the rule can see (a rule on addresses no flow
 * has, as a lab's, costs nothing).
 */
static int probe_ready(struct probe *p)
{
	struct br_diag diag;
	bool hit;
	int err;

	if (p->installed)
		return 0;
	err = cls_open();
	if (err)
		return err;
	br_diag_init(&diag);
	err = br_dp_install(cls_dp, p->solo, NULL, &diag);
	br_diag_free(&diag);
	if (err)
		return err;
	p->installed = true;
	p->gen = br_dp_last_install(cls_dp)->generation;
	return reached(p, &hit); /* from what the counter holds now */
}

/* Every place of one way round in family fam: does any reach the rule? */
static int probe_places(struct probe *p, const struct probe_kind *pk,
			const struct points *dev, const struct points *srv,
			int fam, bool *hit)
{
	size_t i, total = dev->n_addr * srv->n_addr * dev->n_port *
			  srv->n_port * n_names(p, pk->f);
	int err = probe_ready(p);

	for (i = 0; i < total && !err && !*hit; i++) {
		err = probe_one(p, pk, dev, srv, fam, i);
		if (!err)
			err = reached(p, hit);
	}
	return err;
}

/*
 * Both ways round: the rule's source matches on the device, its
 * destination on the server (a client's packet, or a server's matched as
 * its twin), then the other way (a server's packet, matched as it comes).
 * A rule that names no address needs one family, one that names nothing
 * one way round.
 */
static int probe_flow(struct probe *p, const struct probe_kind *pk, bool *hit)
{
	const struct br_rule_ir *r = p->r;
	const struct br_attrib_side *sd = p->side;
	bool addrs = r->saddr_set != BR_NO_SET || r->daddr_set != BR_NO_SET;
	bool ports = r->sport_set != BR_NO_SET || r->dport_set != BR_NO_SET;
	int way, fam, das, sas, dps, sps, err;
	struct points dev, srv;

	*hit = false;
	for (way = 0; way < (addrs || ports ? 2 : 1); way++) {
		das = way ? r->daddr_set : r->saddr_set;
		sas = way ? r->saddr_set : r->daddr_set;
		dps = way ? r->dport_set : r->sport_set;
		sps = way ? r->sport_set : r->dport_set;
		for (fam = 4; fam <= 6; fam += 2) {
			device_points(p, &dev, fam == 6 ? &sd->dev6 : &sd->dev4,
				      fam, das, dps);
			if (!pk->dns)
				server_points(p, &srv, pk->f, fam, sas, sps);
			else
				resolver_points(p, &srv, fam, sas, sps);
			if (!dev.n_addr || !srv.n_addr || !dev.n_port ||
			    !srv.n_port)
				continue;
			err = probe_places(p, pk, &dev, &srv, fam, hit);
			if (err || *hit || !addrs)
				return err;
		}
	}
	return 0;
}

/* The answer to the flow's lookup: a host of its servers of that family. */
static void answer_of(const struct probe *p, struct probe_kind *pk)
{
	const struct br_catalog *cat = p->cat;
	int fam = pk->qtype == QTYPE_AAAA ? 6 : 4, s = pk->f->addr_set;
	size_t i;

	memcpy(pk->answer, fam == 6 ? p->unknown6 : p->unknown4, 16);
	if (s < 0 || (size_t)s >= cat->n_sets || cat->sets[s].type != BR_SET_ADDR)
		return;
	for (i = 0; i < cat->sets[s].n; i++)
		if (cat->sets[s].prefixes[i].family == fam) {
			host_of(&cat->sets[s].prefixes[i], pk->answer);
			return;
		}
}

/* Which parts of flow f the rule reaches. */
static int probe_parts(struct probe *p, const struct br_cat_flow *f,
		       unsigned int *parts)
{
	struct probe_kind pk = { .f = f };
	const struct br_rule_ir *r = p->r;
	bool hit = false;
	int q, err = 0;

	*parts = 0;
	/* the query types matter to a rule that names some: A, then AAAA */
	for (q = 0; f->dns && q < (r->n_qtypes ? 2 : 1) && !hit && !err; q++) {
		pk.dns = true;
		pk.qtype = q ? QTYPE_AAAA : QTYPE_A;
		answer_of(p, &pk);
		err = probe_flow(p, &pk, &hit);
	}
	if (hit)
		*parts |= BR_ATTRIB_DNS;
	if (!err && f->kind != BR_CAT_DNS) {
		pk.dns = false;
		err = probe_flow(p, &pk, &hit);
		if (hit)
			*parts |= BR_ATTRIB_FLOW;
	}
	return err;
}

/*
 * Rule ri alone, default pass; the sets it does not name emptied, so that
 * a large one is not compiled for nothing. sets: the copy, to free.
 */
static int solo_policy(const struct br_policy *pol, size_t ri,
		       struct br_policy *solo, struct br_set **sets)
{
	const struct br_rule_ir *r = &pol->rules[ri];
	size_t i;

	*sets = calloc(pol->n_sets + 1, sizeof(**sets));
	if (!*sets)
		return -ENOMEM;
	for (i = 0; i < pol->n_sets; i++) {
		(*sets)[i] = pol->sets[i];
		if ((int)i != r->saddr_set && (int)i != r->daddr_set &&
		    (int)i != r->sport_set && (int)i != r->dport_set &&
		    (int)i != r->domain_set)
			(*sets)[i].n = 0;
	}
	memset(solo, 0, sizeof(*solo));
	solo->file = pol->file;
	solo->name = pol->name;
	solo->name_pos = pol->name_pos;
	solo->default_action = BR_ACT_PASS;
	solo->sni_default = BR_ACT_NONE;
	solo->tls_default = BR_ACT_NONE;
	solo->unreadable = BR_ACT_NONE;
	solo->n_sets = pol->n_sets;
	solo->sets = *sets;
	solo->n_rules = 1;
	solo->rules = (struct br_rule_ir *)r;
	return 0;
}

int br_classify_rule(const struct br_catalog *cat, const struct br_policy *pol,
		     size_t ri, const struct br_attrib_side *side,
		     unsigned int *parts)
{
	struct br_set *sets = NULL;
	struct probe *p = NULL;
	struct br_policy solo;
	size_t s, f, k = 0;
	int err;

	err = solo_policy(pol, ri, &solo, &sets);
	if (err)
		return err;
	p = calloc(1, sizeof(*p));
	if (!p) {
		err = -ENOMEM;
		goto out;
	}
	p->cat = cat;
	p->pol = pol;
	p->r = &pol->rules[ri];
	p->side = side;
	p->solo = &solo;
	p->seed = ri + 1;
	pick_unknown(p);
	for (s = 0; s < cat->n_services && !err; s++)
		for (f = 0; f < cat->services[s].n_flows && !err; f++, k++)
			err = probe_parts(p, &cat->services[s].flows[f],
					  &parts[k]);
out:
	free(p);
	free(sets);
	return err;
}
