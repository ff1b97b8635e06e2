// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * engine.c - the closed-loop traffic model: its engine.
 *
 * A discrete-event simulation in virtual time. Devices of the scenario's
 * population have apps (catalog services); each (device, action) pair
 * arrives as a Poisson process at its rate. An action instance walks its
 * needs: each AND term tries its flows in order (the fallbacks) until one
 * works. A flow is a small state machine of what a device's stack does:
 *
 *   dns     query (UDP 53), the resolver's answer; dropped: retried at 1 s
 *           and 2 s; a forged NXDOMAIN or NODATA fails the flow at once; a
 *           forged (sinkhole) address sends it to a host that is not the
 *           service, which fails it too
 *   tcp     SYN, SYN-ACK, ACK; dropped: the SYN is retried at 1, 2, 4 s,
 *           then the app falls back; a reset fails it at once
 *   tls     the ClientHello (two segments for a post-quantum one) and the
 *           ServerHello; dropped: retransmitted at the RTO (0.2 s doubling,
 *           five times); reset: fails at once
 *   quic    the Initial and the server's; dropped: retried at 1 s and 2 s,
 *           then the next alternative (TCP)
 *   udp     media: three datagrams each way; half of them lost fails it
 *   data    request up, the whole response down, window by window (Reno
 *           in brief: doubling, then one more a round trip; halved on a
 *           loss): a throttled flow's goodput and completion time follow
 *           the policer; a frozen one stops at the freeze's byte, and
 *           fails as transfer_stalled once its retransmissions at the RTO
 *           (doubling, five times) got nothing. Every response packet
 *           goes through the program unless the program's own state
 *           shows the flow cannot be affected (no policy, a stateless
 *           one, or a decided verdict other than throttle and freeze,
 *           and no swap since the response began): then one packet a
 *           window stands for it (step_response)
 *
 * Every packet of those steps goes through the kernel program at its
 * virtual time (struct br_xdp_meta), from the direction it travels in; the
 * next step depends on its verdict: XDP_PASS delivers it, XDP_DROP loses
 * it, XDP_TX sends back what the program wrote (a reset, a DNS answer).
 *
 * Long-lived channels (APNs, FCM) are per device: connected at start,
 * kept up by a keepalive, closed by a handover (a new network attachment,
 * a Poisson process per device at the scenario's rate for its access) and
 * by a NAT that forgets an idle connection sooner than the keepalive
 * comes, and reconnected at once, or after a backoff when the last
 * connect failed; every connect draws its host anew (courier 1-50). A
 * push travels down the channel. While the channel is down the sender's
 * store holds it (APNs, FCM: the catalog's store, expiry and valid) and
 * it goes down when the channel is back: on time, late, superseded by a
 * newer one, expired, or stale (past its validity). Data the device sends
 * waits for its channel up to BR_SEND_TIMEOUT. Because the flow table
 * keeps a decided flow's verdict, an SNI rule put in force mid-run does
 * not touch an established channel (on-swap keep) until it reconnects:
 * that is what a stateful censor does too, and why such a swap spreads at
 * the pace of reconnects (br_scn_reconnect_horizon).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include "addrplan.h"
#include "log.h"
#include "rng.h"
#include "tls.h"
#include "engine.h"

/* ---- randomness (splitmix64: rng.h) ------------------------------- */

/* Exponential inter-arrival time for a rate per hour, in ns. */
static uint64_t rnd_exp_ns(uint64_t *state, double per_hour)
{
	double u = br_rnd01(state);

	if (per_hour <= 0)
		return UINT64_MAX;
	if (u < 1e-12)
		u = 1e-12;
	return (uint64_t)(-log(u) * 3600.0 / per_hour * 1e9);
}

/* ---- the event heap ---------------------------------------------------- */

static bool ev_before(const struct event *a, const struct event *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static int heap_push(struct heap *h, uint64_t t, uint32_t kind, uint32_t id,
		     uint32_t aux)
{
	struct event e = { .t = t, .seq = h->seq++, .kind = kind, .id = id,
			   .aux = aux };
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 4096;
		struct event *v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	i = h->n++;
	while (i && ev_before(&e, &h->v[(i - 1) / 2])) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = e;
	return 0;
}

static struct event heap_pop(struct heap *h)
{
	struct event top = h->v[0], last = h->v[--h->n];
	size_t i = 0, c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && ev_before(&h->v[c + 1], &h->v[c]))
			c++;
		if (!ev_before(&h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}

/* ---- catalog lookups ------------------------------------------------- */

static size_t flat_action(const struct model *m, int s, int a)
{
	return m->res->action_base[s] + a;
}

static bool term_is_channel(const struct model *m, const struct br_cat_term *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!flow_of(m, &t->alts[i])->channel)
			return false;
	return t->n > 0;
}

static bool same_term(const struct br_cat_term *a, const struct br_cat_term *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (a->alts[i].service != b->alts[i].service ||
		    a->alts[i].flow != b->alts[i].flow)
			return false;
	return true;
}

/* Does the data of this action travel to the device over a channel? */
static bool action_down(const struct br_cat_action *a)
{
	return a->received;
}

/* ---- addresses --------------------------------------------------------- */

/*
 * A server of the flow's address set for a device of this family: one
 * prefix and one host in it, chosen by hash so a device keeps its server.
 * Returns the family used (4 when the set has no IPv6 prefix), 0 if the
 * set is empty.
 */
static int server_addr(const struct model *m, int set_idx, uint64_t h,
		       int family, uint8_t out[16])
{
	const struct br_set *set;
	size_t i, n = 0, pick;
	int want;

	if (set_idx < 0 || (size_t)set_idx >= m->cat->n_sets)
		return 0;
	set = &m->cat->sets[set_idx];
	for (want = family; want >= 4; want -= 2) {
		n = 0;
		for (i = 0; i < set->n; i++)
			n += set->prefixes[i].family == want;
		if (n)
			break;
	}
	if (!n)
		return 0;
	pick = h % n;
	for (i = 0; i < set->n; i++) {
		const struct br_prefix *p = &set->prefixes[i];
		unsigned int bytes = want == 4 ? 4 : 16, b, host_bits;
		uint64_t hv = br_mix64(h);

		if (p->family != want || pick--)
			continue;
		memset(out, 0, 16);
		memcpy(out, p->addr, bytes);
		host_bits = bytes * 8 - p->len;
		/* a host inside the prefix, never its first or last address */
		for (b = 0; b < host_bits && b < 24; b++)
			if (hv >> b & 1)
				out[bytes - 1 - b / 8] |= 1u << (b % 8);
		if (host_bits >= 2) {
			out[bytes - 1] |= 1;
			if (host_bits < 24 && (out[bytes - 1] & 0xff) == 0xff)
				out[bytes - 1] &= 0xfe;
		}
		return want;
	}
	return 0;
}

/*
 * Whether the censor sees a device's packets of a flow of service svc:
 * not when the device is out of its reach (a VPN for everything, an
 * access the censor does not cover) or its user turned a VPN on for that
 * service. A per-service VPN carries the flow's own packets, its DNS
 * lookup included (an assumption: split tunnelling that also tunnels the
 * app's lookups); it goes by the flow's service, so a bank push on iOS
 * goes the way of APNs's flows, not the bank's.
 */
bool br_tm_censor_sees(const struct model *m, uint32_t dev, int svc)
{
	const struct device *d = &m->devs[dev];

	return !d->unseen && !(svc >= 0 && (d->vpn >> svc & 1));
}

/* ---- jobs --------------------------------------------------------------- */

static uint32_t job_new(struct model *m)
{
	uint32_t id;

	if (m->free_job != NO_JOB) {
		id = m->free_job;
		m->free_job = m->jobs[id].next;
	} else {
		if (m->n_jobs == m->cap_jobs) {
			uint32_t cap = m->cap_jobs ? m->cap_jobs * 2 : 4096;
			struct job *v = realloc(m->jobs, cap * sizeof(*v));

			if (!v)
				return NO_JOB;
			m->jobs = v;
			m->cap_jobs = cap;
		}
		id = m->n_jobs++;
	}
	memset(&m->jobs[id], 0, sizeof(m->jobs[id]));
	m->jobs[id].next = NO_JOB;
	return id;
}

static void job_free(struct model *m, uint32_t id)
{
	if (m->wire->flow_reset)
		m->wire->flow_reset(m, id);
	m->jobs[id].kind = JOB_FREE;
	m->jobs[id].waiting = 0;
	m->jobs[id].next = m->free_job;
	m->free_job = id;
}

static void flow_begin(struct model *m, struct job *j,
		       const struct br_cat_flow_ref *ref)
{
	struct device *d = &m->devs[j->dev];
	struct flow_run *fr = &j->fr;
	const struct br_cat_flow *f = flow_of(m, ref);
	uint64_t h = br_mix64(m->o->seed ^ ((uint64_t)d->index << 20) ^
			   (m->flow_base[ref->service] + ref->flow));
	uint16_t lo = f->port, hi = f->port_hi > f->port ? f->port_hi : f->port;
	unsigned int n;

	if (m->wire->flow_reset)
		m->wire->flow_reset(m, (uint32_t)(j - m->jobs));
	/* a channel draws its host at every connect, as the APNs client
	 * picks N-courier at random in 1..50 (FACTS.md, APNs) */
	if (j->kind == JOB_CONNECT)
		h = br_mix64(h ^ ((uint64_t)++d->conns << 40));
	n = f->sni_max > 1 ? 1 + h % f->sni_max : 1;
	memset(fr, 0, sizeof(*fr));
	fr->flow = f;
	fr->svc = ref->service;
	fr->idx = ref->flow;
	br_plan_name(f->sni, n, fr->sni, sizeof(fr->sni));
	br_plan_name(f->dns, n, fr->dns, sizeof(fr->dns));
	/*
	 * Through a proxy: to the address the proxy link gives (no lookup),
	 * on the flow's port, without the service's name: what an MTProto
	 * proxy's obfuscated transport shows ([mtp] in messengers.catalog);
	 * an assumption for any other service's proxy.
	 */
	fr->proxied = d->proxy >> ref->service & 1;
	if (fr->proxied)
		fr->sni[0] = fr->dns[0] = '\0';
	fr->ends.family = d->v6 ? 6 : 4;
	fr->ends.cport = d->next_port;
	d->next_port = br_plan_next_port(d->next_port);
	fr->ends.sport = lo + (uint16_t)(h % (uint32_t)(hi - lo + 1));
	memcpy(fr->ends.client_mac, BR_PLAN_DEV_MAC, 6);
	memcpy(fr->ends.server_mac, BR_PLAN_ROUTER_MAC, 6);
	fr->cseq = (uint32_t)br_mix64(h ^ j->instance);
	fr->sseq = (uint32_t)br_mix64(h ^ ~(uint64_t)j->instance);
	fr->step = ST_START;
}

#define BR_X_NAME(name, str) [BR_STAGE_##name] = str,
const char *const br_fail_stage_name[BR_STAGES] = { BR_FAIL_STAGES(BR_X_NAME) };
#undef BR_X_NAME
#define BR_X_NAME(name, str) [BR_FAIL_##name] = str,
const char *const br_fail_kind_name[BR_FAILS] = { BR_FAIL_KINDS(BR_X_NAME) };
#undef BR_X_NAME

/*
 * The flow failed at the step it was at: a reset, or no answer (a
 * timeout), unless the step said what else (a forged DNS answer).
 */
void br_tm_flow_fail(struct flow_run *fr, bool reset)
{
	static const uint8_t stage[] = {
		[ST_START] = BR_STAGE_DNS,   [ST_DNS] = BR_STAGE_DNS,
		[ST_SYN] = BR_STAGE_TCP,     [ST_HELLO] = BR_STAGE_TLS,
		[ST_QUIC] = BR_STAGE_QUIC,   [ST_REQUEST] = BR_STAGE_DATA,
		[ST_RESPONSE] = BR_STAGE_DATA, [ST_MEDIA] = BR_STAGE_UDP,
	};

	if (fr->step < sizeof(stage))
		fr->why_stage = stage[fr->step];
	if (reset)
		fr->why_kind = BR_FAIL_RESET;
	fr->step = ST_FAILED;
	fr->reset = reset;
}

/*
 * A step that got nothing back: try again after base, doubling each time
 * (1, 2, 4 s for a SYN; the RTO for data), or give the flow up after max
 * retries. Returns the delay, or 0 when the flow failed.
 */
int64_t br_tm_retry_after(struct flow_run *fr, unsigned int max,
			   uint64_t base)
{
	if (fr->tries++ >= max) {
		br_tm_flow_fail(fr, false);
		return 0;
	}
	return base << (fr->tries - 1);
}

static uint64_t rotation(const struct br_cat_flow *f, uint64_t t)
{
	return f->rotate_ns ? t / f->rotate_ns : 0;
}

/*
 * The server a device reaches for the flow it tries (the same one every
 * time in a rotation period: the choice hashes the seed, the device and
 * the flow), in the device's family when the set has one; its family, 0
 * if none.
 */
int br_tm_pick_server(const struct model *m, const struct job *j,
		       uint8_t out[16])
{
	const struct device *d = &m->devs[j->dev];
	uint64_t h = br_mix64(m->o->seed ^ d->index ^
			   ((uint64_t)flat_flow(m, &j->fr) << 32));

	const struct br_cat_flow *f = j->fr.flow;
	uint64_t period = rotation(f, m->now), moved, next;
	int pool;

	if (j->fr.proxied) { /* the user's own proxy, one per service */
		br_plan_proxy_addr(br_mix64(h ^ 0x70726f7879), d->v6 ? 6 : 4,
				   out);
		return d->v6 ? 6 : 4;
	}
	/* the scenario's chase moves it on after the censor's blocks; a
	 * rotation of the catalog goes on within the pool it moved to */
	pool = br_scn_move_pool(m->scn, j->fr.svc, j->fr.idx, m->now,
				&moved, &next);
	if (pool != BR_NO_SET)
		return server_addr(m, pool,
				   br_mix64(h ^ period ^ moved << 32 ^
					    0x6d6f7665),
				   d->v6 ? 6 : 4, out);
	if (period) /* moved: fresh hosts of the pool for this period */
		return server_addr(m, f->rotate_set, br_mix64(h ^ period),
				   d->v6 ? 6 : 4, out);
	return server_addr(m, f->addr_set, h, d->v6 ? 6 : 4, out);
}

/* After DNS (or without it): where to connect, then the first step. */
void br_tm_flow_connect(struct model *m, struct job *j, const uint8_t *addr,
			 int family)
{
	struct device *d = &m->devs[j->dev];
	struct flow_run *fr = &j->fr;
	int fam = family;

	if (!addr) {
		fam = br_tm_pick_server(m, j, fr->ends.server);
		if (!fam) {
			br_tm_flow_fail(fr, false);
			return;
		}
	} else {
		memcpy(fr->ends.server, addr, 16);
	}
	fr->ends.family = fam;
	br_plan_dev_addr(d->index, fam, fr->ends.client);
	fr->tries = 0;
	switch (fr->flow->kind) {
	case BR_CAT_QUIC:
		fr->step = ST_QUIC;
		break;
	case BR_CAT_UDP:
		fr->step = ST_MEDIA;
		break;
	case BR_CAT_DNS:
		fr->step = ST_DONE;
		break;
	default:
		fr->step = ST_SYN;
		break;
	}
}

/*
 * The steps of a flow, one function each, all called by flow_step at
 * m->now: each returns the delay after which to step the flow again (0:
 * the flow ended, fr->step is ST_DONE or ST_FAILED), or a negative errno.
 */

/* FNV-1a of a name: which of a flow's names a cache entry holds. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* Connect at once, from the device's DNS cache, or look the name up. */
static int64_t step_start(struct model *m, struct job *j)
{
	struct device *d = &m->devs[j->dev];
	struct flow_run *fr = &j->fr;
	struct dns_entry *de;

	if (!fr->dns[0]) {
		br_tm_flow_connect(m, j, NULL, 0);
		return fr->step == ST_FAILED ? 0 : 1;
	}
	de = d->dns ? &d->dns[flat_flow(m, fr)] : NULL;
	if (de && de->family && de->expires > m->now &&
	    de->name == name_hash(fr->dns)) {
		br_tm_flow_connect(m, j, de->addr, de->family);
		return 1;
	}
	fr->step = ST_DNS;
	fr->tries = 0;
	fr->dns_id = (uint16_t)br_mix64(m->now ^ j->dev);
	return 1;
}

/* Remember a resolved address until its TTL runs out. */
void br_tm_dns_cache(struct model *m, struct job *j, const uint8_t *addr,
		      int fam, uint64_t expires)
{
	struct device *d = &m->devs[j->dev];
	uint64_t moved, next_move;
	struct dns_entry *de;

	if (!d->dns)
		d->dns = calloc(m->n_flows, sizeof(*d->dns));
	if (!d->dns)
		return;
	de = &d->dns[flat_flow(m, &j->fr)];
	/* a rotating service's name answers anew when its servers move */
	if (j->fr.flow->rotate_ns) {
		uint64_t next = (rotation(j->fr.flow, m->now) + 1) *
				j->fr.flow->rotate_ns;

		if (next < expires)
			expires = next;
	}
	/* and when the scenario's chase moves them */
	br_scn_move_pool(m->scn, j->fr.svc, j->fr.idx, m->now, &moved,
			 &next_move);
	if (next_move < expires)
		expires = next_move;
	de->expires = expires;
	de->name = name_hash(j->fr.dns);
	memcpy(de->addr, addr, 16);
	de->family = fam;
}

/*
 * The size of this instance's response: the catalog's figure is a mean;
 * objects differ (an image, a page), so each instance draws uniformly
 * within a quarter of it either way (an assumption: the catalog gives one
 * size a flow). The draw hashes the seed, the device, the instance's
 * start and the flow: the same run, the same sizes.
 */
uint32_t br_tm_resp_size(const struct model *m, const struct job *j)
{
	uint64_t h = br_mix64(br_mix64(m->o->seed ^ j->start) ^
			   ((uint64_t)j->dev << 24) ^ flat_flow(m, &j->fr));
	double u = (h >> 11) * (1.0 / 9007199254740992.0);
	uint32_t n = (uint32_t)(j->fr.flow->resp_bytes * (0.75 + u / 2));

	return n ? n : 1;
}

static int64_t flow_step(struct model *m, struct job *j)
{
	switch (j->fr.step) {
	case ST_START:
		return step_start(m, j);
	case ST_DONE:
	case ST_FAILED:
		return 0;
	default: /* on the network: the wire's */
		return m->wire->step(m, j);
	}
}

/* ---- channels ---------------------------------------------------------- */

/* 0 for an iOS device, 1 for an Android one: the results' index. */
static int plat_ix(const struct model *m, uint32_t dev)
{
	return m->devs[dev].platform == BR_PLAT_ANDROID;
}

static uint64_t keepalive_of(const struct model *m, uint32_t dev)
{
	return m->scn->keepalive_ns[m->devs[dev].cellular];
}

/* Has the device's NAT forgotten the channel, idle for too long? */
static bool chan_forgotten(const struct model *m, uint32_t dev,
			   const struct channel *c)
{
	return m->now - c->last_io > m->scn->nat_timeout_ns[m->devs[dev].cellular];
}

/* Connect a channel that is down at t, for the cause it went down for. */
static int chan_connect(struct model *m, uint32_t dev, int key, uint64_t t)
{
	struct channel *c = chan_at(m, dev, key);
	uint32_t id;
	struct job *j;

	if (c->state != CH_DOWN)
		return 0;
	id = job_new(m);
	if (id == NO_JOB)
		return -ENOMEM;
	j = &m->jobs[id];
	j->kind = JOB_CONNECT;
	j->dev = dev;
	j->chan = key;
	j->start = t;
	c->state = CH_CONNECTING;
	m->res->chan[plat_ix(m, dev)].attempts[c->cause]++;
	flow_begin(m, j, &m->keys[key].term->alts[0]);
	return heap_push(&m->heap, t, EV_JOB, id, 0);
}

/* The channel's connection is gone: reconnect it at t. */
static int chan_lost(struct model *m, uint32_t dev, int key, uint64_t t,
		     enum br_chan_cause cause)
{
	struct channel *c = chan_at(m, dev, key);

	c->state = CH_DOWN;
	c->epoch++;
	c->cause = cause;
	c->ka = 0;
	if (m->wire->chan_down)
		m->wire->chan_down(m, dev, key);
	return chan_connect(m, dev, key, t);
}

/* ---- messaging ---------------------------------------------------------- */

static int action_run(struct model *m, uint32_t id);

/* Device dev's contact k for service s: a device that uses s, by hash. */
static uint32_t contact_dev(const struct model *m, uint32_t dev, int s,
			    unsigned int k)
{
	uint32_t n = m->n_users_of[s];
	uint64_t h = br_mix64(m->o->seed ^ ((uint64_t)dev << 20) ^
			   ((uint64_t)s << 52) ^ k);
	uint32_t i = h % n;

	if (m->users_of[s][i] == dev && n > 1)
		i = (i + 1) % n;
	return m->users_of[s][i];
}

/* The bits of dev's contacts for service s whose keys dev knows. */
static uint32_t *keys_at(struct model *m, uint32_t dev, int s)
{
	return &m->keys_known[(size_t)dev * m->cat->n_services + s];
}

/* A job that messages or calls someone: one of its device's contacts. */
static void pick_contact(struct model *m, struct job *j, uint64_t *r)
{
	size_t fa = flat_action(m, j->svc, j->act);

	j->contact = NO_CONTACT;
	if ((!m->looks_up[fa] && m->delivers[fa] < 0) ||
	    !m->n_users_of[j->svc] || !m->scn->contacts)
		return;
	j->contact = (uint8_t)(br_rnd(r) % m->scn->contacts);
	j->peer = contact_dev(m, j->dev, j->svc, j->contact);
}

/* A term whose every flow looks up a peer's keys. */
static bool term_is_lookup(const struct model *m, const struct br_cat_term *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!flow_of(m, &t->alts[i])->lookup)
			return false;
	return t->n > 0;
}

/* The first channel an action's terms use, or -1. */
static int action_chan(const struct model *m, size_t fa)
{
	const struct br_cat_action *a = &svc_of(m, m->fa_svc[fa])
						  ->actions[m->fa_act[fa]];
	size_t t;

	for (t = 0; t < a->n_terms; t++)
		if (m->term_chan[m->term_base[fa] + t] >= 0)
			return m->term_chan[m->term_base[fa] + t];
	return -1;
}

/* Start an instance of flat action fa on device dev now: its job id. */
static uint32_t job_start(struct model *m, uint32_t dev, size_t fa)
{
	uint64_t r = br_mix64(m->o->seed ^ m->now ^ ((uint64_t)dev << 32) ^
			   (fa << 8) ^ 0x63);
	uint32_t id = job_new(m);
	struct job *j;

	if (id == NO_JOB)
		return NO_JOB;
	j = &m->jobs[id];
	j->kind = JOB_ACTION;
	j->dev = dev;
	j->svc = m->fa_svc[fa];
	j->act = m->fa_act[fa];
	j->start = m->now;
	j->instance = ++m->instances;
	pick_contact(m, j, &r);
	m->res->by_platform[plat_ix(m, dev)][fa].attempted++;
	return id;
}

/*
 * A send that the device's channel carried to the service: it arrives at
 * the contact as an instance of the receiving action, if the catalog has
 * one (a send that never got through is never received).
 */
static int deliver(struct model *m, uint32_t peer, size_t fa)
{
	uint32_t id;

	if (m->delivers[fa] < 0)
		return 0;
	id = job_start(m, peer, (size_t)m->delivers[fa]);
	if (id == NO_JOB)
		return -ENOMEM;
	return heap_push(&m->heap, m->now, EV_JOB, id, 0);
}

/*
 * Who messages whom: the actions that deliver to contacts and those that
 * look keys up, the devices of each service, and the keys each device
 * knows at the start (a key_cache share of its contacts').
 */
static int messaging_init(struct model *m)
{
	const struct br_catalog *cat = m->cat;
	size_t fa, s, a, t;
	uint32_t i, k;

	m->delivers = malloc((m->res->n_actions + 1) * sizeof(int));
	m->looks_up = calloc(m->res->n_actions + 1, 1);
	m->users_of = calloc(cat->n_services + 1, sizeof(*m->users_of));
	m->n_users_of = calloc(cat->n_services + 1, sizeof(uint32_t));
	m->keys_known = calloc((size_t)m->n_devs * cat->n_services + 1,
			       sizeof(uint32_t));
	if (!m->delivers || !m->looks_up || !m->users_of || !m->n_users_of ||
	    !m->keys_known)
		return -ENOMEM;
	for (fa = 0; fa < m->res->n_actions; fa++)
		m->delivers[fa] = -1;
	for (s = 0; s < cat->n_services; s++)
		for (a = 0; a < cat->services[s].n_actions; a++) {
			const struct br_cat_action *act =
				&cat->services[s].actions[a];

			fa = flat_action(m, s, a);
			if (act->from >= 0)
				m->delivers[flat_action(m, s, act->from)] = fa;
			for (t = 0; t < act->n_terms; t++)
				m->looks_up[fa] |= term_is_lookup(m,
								  &act->terms[t]);
		}
	for (s = 0; s < cat->n_services; s++) {
		m->users_of[s] = malloc((m->n_devs + 1) * sizeof(uint32_t));
		if (!m->users_of[s])
			return -ENOMEM;
		for (i = 0; i < m->n_devs; i++)
			if (m->devs[i].apps >> s & 1)
				m->users_of[s][m->n_users_of[s]++] = i;
	}
	for (i = 0; i < m->n_devs; i++)
		for (s = 0; s < cat->n_services; s++) {
			uint64_t r = br_mix64(m->o->seed ^ ((uint64_t)i << 24) ^
					   (s << 8) ^ 0x6b);

			for (k = 0; k < m->scn->contacts; k++)
				if (br_rnd01(&r) < m->scn->key_cache)
					*keys_at(m, i, s) |= 1u << k;
		}
	return 0;
}

/* ---- outcomes ------------------------------------------------------------ */

enum job_end {
	END_DONE,	/* completed (in time, late, or stale) */
	END_FAILED,
	END_SUPERSEDED, /* a newer one took its place in the store */
	END_EXPIRED,	/* the store dropped it */
	END_HELD,	/* the store still held it when the run ended */
};

static int samples_add(struct br_samples *s, uint64_t v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

double br_samples_quantile(struct br_samples *s, double q)
{
	size_t k;

	if (!s->n)
		return 0;
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	k = (size_t)ceil(q * (double)s->n);
	return (double)s->v[k ? k - 1 : 0];
}

/* Mark bit fa of the device's did (0), failed (1) or late (2) words. */
static void user_mark(struct model *m, uint32_t dev, size_t fa, int what)
{
	m->user_bits[((size_t)dev * 3 + what) * m->user_words + fa / 64] |=
		1ull << (fa % 64);
}

/* The store slot of a job's device and service, or NULL. */
static uint32_t *held_slot(struct model *m, const struct job *j)
{
	int slot = m->slot_of[j->svc];

	return slot < 0 ? NULL : &m->held[(size_t)j->dev * m->n_slots + slot];
}

static void job_finish(struct model *m, uint32_t id, enum job_end end)
{
	struct job *j = &m->jobs[id];
	const struct br_cat_action *a = &svc_of(m, j->svc)->actions[j->act];
	int p = plat_ix(m, j->dev);
	size_t fa = flat_action(m, j->svc, j->act);
	size_t b = j->start / m->res->bucket_ns, i;
	uint64_t took = m->now - j->start;
	bool done = end == END_DONE;
	bool stale = done && a->valid_ns && took > a->valid_ns;
	/* succeeded, visibly worse: later than its deadline, or slow */
	bool late = done && !stale &&
		    (j->slow || (a->deadline_ns && took > a->deadline_ns));
	uint32_t *slot = held_slot(m, j);
	struct br_outcome *o, *at[2];

	if (slot && *slot == id)
		*slot = NO_JOB;
	if (b >= m->res->n_buckets)
		b = m->res->n_buckets - 1;
	at[0] = &m->res->by_platform[p][fa];
	at[1] = &m->res->timeline[(b * 2 + p) * m->res->n_actions + fa];
	for (i = 0; i < 2; i++) {
		o = at[i];
		if (i)
			o->attempted++;
		if (!done || stale) {
			o->failed++;
			if (end == END_FAILED)
				o->why[j->why_stage][j->why_kind]++;
			/* the user's message still went out, as an SMS,
			 * outside the IP network the censor filters */
			o->sms += end == END_FAILED && a->sms &&
				  m->devs[j->dev].sms;
			o->superseded += end == END_SUPERSEDED;
			o->expired += end == END_EXPIRED;
			o->held += end == END_HELD;
			o->stale += stale;
		} else if (late) {
			o->late++;
			o->slow += j->slow;
		} else if (j->fallback) {
			o->fallback++;
		} else {
			o->ok++;
		}
	}
	/* out of memory for a sample: the percentiles miss it, no more */
	if (done)
		samples_add(&m->res->durations[p][fa], took);
	user_mark(m, j->dev, fa, 0);
	if (!done || stale)
		user_mark(m, j->dev, fa, 1);
	if (late)
		user_mark(m, j->dev, fa, 2);
	job_free(m, id);
}

/* Take job id out of the channel's list of waiters. */
static void chan_unlink(struct model *m, struct channel *c, uint32_t id)
{
	uint32_t *w;

	for (w = &c->waiters; *w != NO_JOB; w = &m->jobs[*w].next)
		if (*w == id) {
			*w = m->jobs[id].next;
			m->jobs[id].next = NO_JOB;
			m->jobs[id].waiting = 0;
			return;
		}
}

/*
 * Park job id on the channel until it is up. Data for the device waits in
 * the sender's store: with "store latest" it takes the place of the one
 * held for the same device and service, which is superseded.
 */
static void chan_park(struct model *m, uint32_t id, int key)
{
	struct job *j = &m->jobs[id];
	const struct br_cat_action *a = &svc_of(m, j->svc)->actions[j->act];
	struct channel *c = chan_at(m, j->dev, key);
	uint32_t *slot = held_slot(m, j), old;

	j->waiting = 1;
	j->chan = key;
	j->next = c->waiters;
	c->waiters = id;
	/*
	 * While the channel's first connect of the run is under way (its
	 * first second) nothing is superseded: the channel was up before
	 * the run began, and what came then was delivered (assumption of
	 * the warm start). Once that connect failed, the store works.
	 */
	if (!a->received || !a->store_latest || !slot || *slot == id ||
	    (!c->epoch && c->cause == BR_CHAN_START))
		return;
	old = *slot;
	*slot = id;
	if (old != NO_JOB) {
		chan_unlink(m, chan_at(m, m->jobs[old].dev, m->jobs[old].chan),
			    old);
		job_finish(m, old, END_SUPERSEDED);
	}
}

/*
 * A waiting job that can wait no longer ends here: data for the device
 * past its expiry, data from it past BR_SEND_TIMEOUT. True when it ended.
 */
static bool wait_over(struct model *m, uint32_t id)
{
	const struct job *j = &m->jobs[id];
	const struct br_cat_action *a = &svc_of(m, j->svc)->actions[j->act];
	uint64_t waited = m->now - j->start;

	if (a->received) {
		if (!a->expiry_ns || waited < a->expiry_ns)
			return false;
		job_finish(m, id, END_EXPIRED);
		return true;
	}
	if (waited < BR_SEND_TIMEOUT)
		return false;
	m->jobs[id].why_stage = BR_STAGE_CHANNEL;
	m->jobs[id].why_kind = BR_FAIL_TIMEOUT;
	job_finish(m, id, END_FAILED);
	return true;
}

/* End the waiters of a channel that can wait no longer. */
static void chan_settle(struct model *m, struct channel *c)
{
	uint32_t w, next, keep = NO_JOB;

	for (w = c->waiters, c->waiters = NO_JOB; w != NO_JOB; w = next) {
		next = m->jobs[w].next;
		m->jobs[w].next = NO_JOB;
		if (wait_over(m, w))
			continue;
		m->jobs[w].next = keep;
		keep = w;
	}
	/* back in arrival order */
	for (w = keep; w != NO_JOB; w = next) {
		next = m->jobs[w].next;
		m->jobs[w].next = c->waiters;
		c->waiters = w;
	}
}

enum { CT_WAIT, CT_OK, CT_GONE };

/*
 * The channel term of an action: move the action's data over the device's
 * channel. Returns CT_OK when it went through, CT_WAIT when the job now
 * waits for the channel, CT_GONE when the job ended, or a negative errno.
 */
static int chan_term(struct model *m, uint32_t id, int key)
{
	struct job *j = &m->jobs[id];
	uint32_t dev = j->dev;
	struct channel *c = chan_at(m, dev, key);
	const struct br_cat_action *a = &svc_of(m, j->svc)->actions[j->act];
	bool down = action_down(a);
	uint64_t t = m->now;
	int err, res;

	if (j->io == 2) { /* the wire's answer, in real time */
		j->io = 0;
		res = j->io_res;
		if (c->epoch != j->io_epoch) {
			/* the connection it went on is gone already: the
			 * data waits for the next one */
			j->fr.flow = NULL;
			chan_park(m, id, key);
			return CT_WAIT;
		}
		goto answered;
	}
	if (wait_over(m, id))
		return CT_GONE;
	if (c->state == CH_UP && chan_forgotten(m, dev, c)) {
		/* the NAT forgot it: what the device sends meets a reset
		 * (assumption) and it reconnects; what comes to it waits
		 * until its next keepalive finds out */
		chan_park(m, id, key);
		if (!down) {
			err = chan_lost(m, dev, key, t, BR_CHAN_NAT);
			return err ? err : CT_WAIT;
		}
		return CT_WAIT;
	}
	if (c->state != CH_UP) {
		chan_park(m, id, key);
		err = chan_connect(m, dev, key, t);
		return err ? err : CT_WAIT;
	}
	j->fr.flow = flow_of(m, &m->keys[key].term->alts[c->alt]);
	j->fr.svc = m->keys[key].term->alts[c->alt].service;
	res = m->wire->chan_io(m, id, c, down, &t);
	if (res < 0)
		return res;
	if (res == BR_IO_WAIT) {
		j->io = 1;
		j->io_epoch = c->epoch;
		return CT_WAIT;
	}
answered:
	if (res == BR_IO_OK) {
		c->last_io = t;
		if (c->alt)
			j->fallback = 1;
		return CT_OK;
	}
	/* a reset, or no answer to any retransmission: the connection is
	 * gone; the data waits for the next one (the store keeps what the
	 * device did not acknowledge: assumption) */
	j->fr.flow = NULL;
	chan_park(m, id, key);
	err = chan_lost(m, dev, key, t + (res == BR_IO_RESET ? SEC : 0),
			res == BR_IO_RESET ? BR_CHAN_RESET : BR_CHAN_DEAD);
	return err ? err : CT_WAIT;
}

/* The flat flow index of a term's alt-svc flow, or -1 (browser.h). */
static long term_alt_svc(const struct model *m, const struct br_cat_term *t)
{
	size_t flow;

	if (t->n < 2)
		return -1;
	flow = m->flow_base[t->alts[0].service] + t->alts[0].flow;
	return br_browser_is_alt(&m->browser, flow) ? (long)flow : -1;
}

/*
 * Begin the flow of the term's current alternative. At the term's start
 * a browser picks by what it remembers (browser.h): an alt-svc flow not
 * learnt, or broken, is skipped (broken: a fallback, since the device
 * would have used it); a learnt one races the next alternative.
 */
static void term_flow_begin(struct model *m, struct job *j,
			    const struct br_cat_term *term)
{
	long alt = j->alt ? -1 : term_alt_svc(m, term);
	enum br_alt_use use = BR_ALT_UNKNOWN;

	if (!j->alt)
		j->first_alt = 0;
	if (alt >= 0) {
		use = br_browser_use(&m->browser, j->dev, alt, m->now);
		if (use != BR_ALT_RACE)
			j->alt = j->first_alt = 1;
		if (use == BR_ALT_BROKEN)
			j->fallback = 1;
	}
	flow_begin(m, j, &term->alts[j->alt]);
	if (alt >= 0 && use == BR_ALT_RACE) {
		j->fr.race = 1;
		j->fr.race_wait = br_browser_main_wait(&m->browser, j->dev, alt,
						       rtt_of(m, j->dev));
	}
}

/*
 * A term succeeded on alternative j->alt: a later one than it began on is
 * a fallback; a browser learns Alt-Svc from a load over the next
 * alternative (and that QUIC is broken if it raced and lost), and forgets
 * past breaks when QUIC worked.
 */
static void term_done(struct model *m, struct job *j,
		      const struct br_cat_term *term)
{
	long alt = term_alt_svc(m, term);

	if (j->alt > j->first_alt)
		j->fallback = 1;
	if (alt < 0)
		return;
	if (!j->alt)
		br_browser_confirmed(&m->browser, j->dev, alt);
	else if (j->alt == 1)
		br_browser_loaded(&m->browser, j->dev, alt, m->now,
				  !j->first_alt);
}

/* Run an action job as far as it goes now. */
static int action_run(struct model *m, uint32_t id)
{
	struct job *j = &m->jobs[id];
	const struct br_cat_action *a = &svc_of(m, j->svc)->actions[j->act];
	size_t fa = flat_action(m, j->svc, j->act);
	int64_t delay;
	int key, r;

	while (j->term < a->n_terms) {
		const struct br_cat_term *term = &a->terms[j->term];
		bool lookup = j->contact != NO_CONTACT &&
			      term_is_lookup(m, term);

		key = m->term_chan[m->term_base[fa] + j->term];
		if (lookup && *keys_at(m, j->dev, j->svc) >> j->contact & 1) {
			j->term++; /* the keys are known: no lookup */
			continue;
		}
		/* the lookup inside the action's channel, as the scenario
		 * says; else its own connection */
		if (lookup && m->scn->lookup_in_channel)
			key = action_chan(m, fa);
		if (key >= 0) {
			r = chan_term(m, id, key);
			if (r < 0)
				return r;
			if (r != CT_OK)
				return 0;
			j = &m->jobs[id];
			j->fr.flow = NULL;
			if (lookup) {
				*keys_at(m, j->dev, j->svc) |= 1u << j->contact;
			} else if (j->contact != NO_CONTACT) {
				/* the channel carried it to the service: it
				 * goes on to the contact, whatever follows */
				r = deliver(m, j->peer, fa);
				if (r < 0)
					return r;
				j = &m->jobs[id];
			}
			j->term++;
			continue;
		}
		if (!j->fr.flow)
			term_flow_begin(m, j, term);
		delay = flow_step(m, j);
		if (delay < 0)
			return (int)delay;
		if (delay == BR_WIRE_WAIT) /* the wire wakes it */
			return 0;
		if (delay > 0)
			return heap_push(&m->heap, m->now + delay, EV_JOB, id, 0);
		if (j->fr.step == ST_DONE) {
			if (j->fr.flow->need_bps && j->fr.goodput_bps &&
			    j->fr.goodput_bps < j->fr.flow->need_bps)
				j->slow = 1;
			term_done(m, j, term);
			if (lookup)
				*keys_at(m, j->dev, j->svc) |= 1u << j->contact;
			j->term++;
			j->alt = 0;
			j->fr.flow = NULL;
			continue;
		}
		/* failed: the next alternative, if any */
		j->fr.flow = NULL;
		j->why_stage = j->fr.why_stage;
		j->why_kind = j->fr.why_kind;
		if (++j->alt >= term->n) {
			job_finish(m, id, END_FAILED);
			return 0;
		}
	}
	job_finish(m, id, END_DONE);
	return 0;
}

/* Every alternative of a connect failed: down, retried after backoff. */
static int connect_failed(struct model *m, uint32_t dev, int key)
{
	struct channel *c = chan_at(m, dev, key);

	c->state = CH_DOWN;
	c->cause = BR_CHAN_RETRY;
	c->backoff = c->backoff ? c->backoff * 2 : m->scn->backoff_min_ns;
	if (c->backoff > m->scn->backoff_max_ns)
		c->backoff = m->scn->backoff_max_ns;
	chan_settle(m, c);
	if ((c->waiters == NO_JOB && !c->wanted) ||
	    m->now + c->backoff >= m->end)
		return 0;
	return chan_connect(m, dev, key, m->now + c->backoff);
}

static int connect_run(struct model *m, uint32_t id)
{
	struct job *j = &m->jobs[id];
	struct channel *c = chan_at(m, j->dev, j->chan);
	const struct br_cat_term *term = m->keys[j->chan].term;
	int64_t delay;
	uint32_t w, next;
	int err, key = j->chan;
	uint32_t dev = j->dev;

	delay = flow_step(m, j);
	if (delay < 0)
		return (int)delay;
	if (delay == BR_WIRE_WAIT) /* the wire wakes it */
		return 0;
	if (delay > 0)
		return heap_push(&m->heap, m->now + delay, EV_JOB, id, 0);
	if (j->fr.step != ST_DONE) {
		if (++j->alt < term->n) {
			flow_begin(m, j, &term->alts[j->alt]);
			return heap_push(&m->heap, m->now, EV_JOB, id, 0);
		}
		job_free(m, id);
		return connect_failed(m, dev, key);
	}
	c->state = CH_UP;
	c->alt = j->alt;
	c->ends = j->fr.ends;
	c->cseq = j->fr.cseq;
	c->sseq = j->fr.sseq;
	c->backoff = 0;
	c->last_io = m->now;
	c->epoch++;
	c->ka = 0;
	if (m->wire->chan_up)
		m->wire->chan_up(m, id, dev, key);
	m->res->chan[plat_ix(m, dev)].up++;
	job_free(m, id);
	err = heap_push(&m->heap, m->now + keepalive_of(m, dev), EV_KEEPALIVE,
			(uint32_t)((size_t)dev * m->n_keys + key), c->epoch);
	/* the data that waited goes now */
	for (w = c->waiters, c->waiters = NO_JOB; w != NO_JOB && !err;
	     w = next) {
		next = m->jobs[w].next;
		m->jobs[w].waiting = 0;
		m->jobs[w].next = NO_JOB;
		err = heap_push(&m->heap, m->now, EV_JOB, w, 0);
	}
	return err;
}

/* A keepalive on an up channel; a dead one is reconnected. */
static int keepalive(struct model *m, uint32_t slot, uint32_t epoch)
{
	uint32_t dev = slot / m->n_keys;
	int key = slot % m->n_keys;
	struct channel *c = chan_at(m, dev, key);
	uint64_t t = m->now;
	int res;

	/* a keepalive of an earlier connection of the channel: it is gone */
	if (c->state != CH_UP || c->epoch != epoch)
		return 0;
	if (c->ka == 2) { /* the wire's answer, in real time */
		c->ka = 0;
		res = c->ka_res;
	} else {
		if (chan_forgotten(m, dev, c))
			return chan_lost(m, dev, key, m->now, BR_CHAN_NAT);
		res = m->wire->keepalive(m, dev, key, c, &t);
		if (res < 0)
			return res;
		if (res == BR_IO_WAIT) {
			c->ka = 1;
			return 0;
		}
	}
	if (res == BR_IO_OK) {
		c->last_io = t;
		return heap_push(&m->heap, m->now + keepalive_of(m, dev),
				 EV_KEEPALIVE, slot, c->epoch);
	}
	return chan_lost(m, dev, key, t + SEC,
			 res == BR_IO_RESET ? BR_CHAN_RESET : BR_CHAN_DEAD);
}

/* A device changes network attachment: its connections are gone. */
static int handover(struct model *m, uint32_t dev)
{
	const struct device *d = &m->devs[dev];
	uint64_t r = br_mix64(m->o->seed ^ m->now ^ ((uint64_t)dev << 32) ^ 0x68);
	uint64_t next = m->now +
			rnd_exp_ns(&r, m->scn->handover_per_hour[d->cellular]);
	size_t k;
	int err;

	for (k = 0; k < m->n_keys; k++) {
		struct channel *c = chan_at(m, dev, k);

		if (c->state != CH_UP)
			continue;
		err = chan_lost(m, dev, k, m->now, BR_CHAN_HANDOVER);
		if (err)
			return err;
	}
	if (next < m->end && next > m->now)
		return heap_push(&m->heap, next, EV_HANDOVER, dev, 0);
	return 0;
}

/*
 * At the end of bucket b: the devices that keep a push channel (APNs,
 * FCM), and how many of them had it down.
 */
static void sample_channels(struct model *m, size_t b)
{
	uint32_t i;
	size_t k;

	for (i = 0; i < m->n_devs; i++) {
		bool kept = false, down = false;

		for (k = 0; k < m->n_keys; k++) {
			const struct channel *c = chan_at(m, i, k);

			if (!c->wanted || !m->keys[k].push)
				continue;
			kept = true;
			down |= c->state != CH_UP || chan_forgotten(m, i, c);
		}
		if (!kept)
			continue;
		m->res->chan[plat_ix(m, i)].kept[b]++;
		m->res->chan[plat_ix(m, i)].down[b] += down;
	}
}

/* ---- setup --------------------------------------------------------------- */

static double rate_of(const struct model *m, int s, int a)
{
	size_t i;

	for (i = 0; i < m->scn->n_rates; i++)
		if (m->scn->rates[i].service == s &&
		    m->scn->rates[i].action == a)
			return m->scn->rates[i].per_hour;
	return svc_of(m, s)->actions[a].per_hour;
}

static bool plat_ok(int want, int dev_plat)
{
	return want == BR_PLAT_ANY || want == dev_plat;
}

/* The store slots: one per service with a "store latest" action. */
static int store_init(struct model *m)
{
	const struct br_catalog *cat = m->cat;
	size_t s, a, i;

	m->slot_of = calloc(cat->n_services + 1, sizeof(int));
	if (!m->slot_of)
		return -ENOMEM;
	for (s = 0; s < cat->n_services; s++) {
		m->slot_of[s] = -1;
		for (a = 0; a < cat->services[s].n_actions; a++)
			if (cat->services[s].actions[a].store_latest)
				m->slot_of[s] = (int)m->n_slots;
		m->n_slots += m->slot_of[s] >= 0;
	}
	m->held = malloc(((size_t)m->n_devs * m->n_slots + 1) *
			 sizeof(*m->held));
	if (!m->held)
		return -ENOMEM;
	for (i = 0; i < (size_t)m->n_devs * m->n_slots; i++)
		m->held[i] = NO_JOB;
	return 0;
}

/*
 * Who the censor sees of device d: a VPN for everything, the coverage of
 * its operator or else of its access, a VPN or a proxy per service. Each from its own stream off
 * the device's state r, so none shifts the draws before it or the others
 * (a scenario without these statements draws as it did), and each draw is
 * made whatever the share, so changing one share moves no other draw.
 */
static void reach_draw(struct model *m, struct device *d, uint64_t r)
{
	const struct br_scenario *scn = m->scn;
	uint64_t q = br_mix64(r ^ 0x7265616368); /* "reach" */
	uint64_t o = br_mix64(r ^ 0x6f70); /* "op": the device's operator */
	double cov = scn->coverage[d->cellular], u = br_rnd01(&o), sum = 0;
	bool vpn, covered;
	size_t i;

	/* an operator of its access, or none named: the access's coverage */
	for (i = 0; i < scn->n_operators; i++) {
		const struct br_scn_operator *op = &scn->operators[i];

		if (op->access != d->cellular)
			continue;
		sum += op->share;
		if (u < sum) {
			cov = op->coverage;
			break;
		}
	}
	vpn = br_rnd01(&q) < scn->vpn_share;
	covered = br_rnd01(&q) < cov;
	d->unseen = vpn || !covered;
	for (i = 0; i < scn->n_vpns; i++) {
		uint64_t v = br_mix64(r ^ 0x76706e ^ (uint64_t)scn->vpns[i].service
						      << 32);

		if (br_rnd01(&v) < scn->vpns[i].share)
			d->vpn |= 1ull << scn->vpns[i].service;
	}
	for (i = 0; i < scn->n_proxies; i++) {
		uint64_t v = br_mix64(r ^ 0x70726f7879 ^
				   (uint64_t)scn->proxies[i].service << 40);

		if (br_rnd01(&v) < scn->proxies[i].share)
			d->proxy |= 1ull << scn->proxies[i].service;
	}
}

static int model_init(struct model *m)
{
	const struct br_catalog *cat = m->cat;
	size_t s, a, t, k, n_terms = 0;
	uint32_t i;
	int err;

	if (cat->n_services > 64) {
		br_err("simulate: at most 64 catalog services");
		return -E2BIG;
	}
	m->res->action_base = calloc(cat->n_services + 1, sizeof(size_t));
	m->flow_base = calloc(cat->n_services + 1, sizeof(size_t));
	if (!m->res->action_base || !m->flow_base)
		return -ENOMEM;
	for (s = 0; s < cat->n_services; s++) {
		m->res->action_base[s + 1] =
			m->res->action_base[s] + cat->services[s].n_actions;
		m->flow_base[s + 1] =
			m->flow_base[s] + cat->services[s].n_flows;
	}
	m->res->n_actions = m->res->action_base[cat->n_services];
	m->n_flows = m->flow_base[cat->n_services];
	m->term_base = calloc(m->res->n_actions + 1, sizeof(size_t));
	m->rate = calloc(m->res->n_actions + 1, sizeof(double));
	m->fa_svc = calloc(m->res->n_actions + 1, sizeof(uint16_t));
	m->fa_act = calloc(m->res->n_actions + 1, sizeof(uint16_t));
	m->res->by_platform[0] =
		calloc(m->res->n_actions + 1, sizeof(struct br_outcome));
	m->res->by_platform[1] =
		calloc(m->res->n_actions + 1, sizeof(struct br_outcome));
	m->res->n_buckets = 20;
	m->res->bucket_ns = (m->scn->duration_ns + 19) / 20;
	if (!m->res->bucket_ns)
		m->res->bucket_ns = 1;
	m->res->timeline = calloc(m->res->n_buckets * 2 * m->res->n_actions + 1,
				  sizeof(struct br_outcome));
	if (!m->res->timeline)
		return -ENOMEM;
	for (i = 0; i < 2; i++) {
		m->res->durations[i] = calloc(m->res->n_actions + 1,
					      sizeof(struct br_samples));
		m->res->users[i] = calloc(m->res->n_actions + 1,
					  sizeof(struct br_users));
		m->res->chan[i].kept = calloc(m->res->n_buckets,
					      sizeof(uint64_t));
		m->res->chan[i].down = calloc(m->res->n_buckets,
					      sizeof(uint64_t));
		if (!m->res->durations[i] || !m->res->users[i] ||
		    !m->res->chan[i].kept || !m->res->chan[i].down)
			return -ENOMEM;
	}
	if (!m->term_base || !m->rate || !m->fa_svc || !m->fa_act ||
	    !m->res->by_platform[0] ||
	    !m->res->by_platform[1])
		return -ENOMEM;
	for (s = 0; s < cat->n_services; s++)
		for (a = 0; a < cat->services[s].n_actions; a++) {
			size_t fa = flat_action(m, s, a);

			m->term_base[fa] = n_terms;
			n_terms += cat->services[s].actions[a].n_terms;
			m->rate[fa] = rate_of(m, s, a);
			m->fa_svc[fa] = s;
			m->fa_act[fa] = a;
		}
	m->term_chan = calloc(n_terms + 1, sizeof(int));
	m->keys = calloc(n_terms + 1, sizeof(*m->keys));
	if (!m->term_chan || !m->keys)
		return -ENOMEM;
	for (s = 0; s < cat->n_services; s++)
		for (a = 0; a < cat->services[s].n_actions; a++) {
			const struct br_cat_action *act =
				&cat->services[s].actions[a];

			for (t = 0; t < act->n_terms; t++) {
				int *tc = &m->term_chan[m->term_base[flat_action(
								m, s, a)] +
							t];

				*tc = -1;
				if (!term_is_channel(m, &act->terms[t]))
					continue;
				for (k = 0; k < m->n_keys; k++)
					if (same_term(m->keys[k].term,
						      &act->terms[t]))
						break;
				if (k == m->n_keys)
					m->keys[m->n_keys++].term =
						&act->terms[t];
				m->keys[k].push |= act->push;
				*tc = k;
			}
		}

	m->n_devs = m->scn->devices;
	err = store_init(m);
	if (err)
		return err;
	m->user_words = (m->res->n_actions + 63) / 64;
	m->user_bits = calloc((size_t)m->n_devs * 3 * m->user_words + 1,
			      sizeof(uint64_t));
	if (!m->user_bits)
		return -ENOMEM;
	m->devs = calloc(m->n_devs, sizeof(*m->devs));
	m->chans = calloc((size_t)m->n_devs * (m->n_keys ? m->n_keys : 1),
			  sizeof(*m->chans));
	if (!m->devs || !m->chans)
		return -ENOMEM;
	for (i = 0; i < (size_t)m->n_devs * m->n_keys; i++)
		m->chans[i].waiters = NO_JOB;
	if (br_browser_init(&m->browser, cat, m->n_devs))
		return -ENOMEM;
	m->free_job = NO_JOB;

	for (i = 0; i < m->n_devs; i++) {
		struct device *d = &m->devs[i];
		uint64_t r = br_mix64(m->o->seed * 0x100000001b3ull + i);

		d->index = i;
		d->platform = br_rnd01(&r) < m->scn->ios_share ? BR_PLAT_IOS
							    : BR_PLAT_ANDROID;
		d->v6 = br_rnd01(&r) < m->scn->ipv6_share;
		d->cellular = br_rnd01(&r) < m->scn->cellular_share;
		/* drawn apart, so the draws above stay as they were */
		{
			uint64_t q = br_mix64(r ^ 0x736d73);

			d->sms = br_rnd01(&q) < m->scn->sms_share;
		}
		reach_draw(m, d, r);
		d->next_port = BR_PLAN_PORT_LO + br_rnd(&r) % 10000;
		for (a = 0; a < m->scn->n_apps; a++) {
			const struct br_scn_app *app = &m->scn->apps[a];

			if (!plat_ok(svc_of(m, app->service)->platform,
				     d->platform))
				continue;
			if (br_rnd01(&r) < app->share)
				d->apps |= 1ull << app->service;
		}
		m->res->devices[d->platform == BR_PLAT_ANDROID]++;
	}
	return messaging_init(m);
}

/* The first handover of a device that keeps a channel. */
static int schedule_handover(struct model *m, uint32_t dev)
{
	uint64_t r = br_mix64(m->o->seed ^ ((uint64_t)dev << 24) ^ 0x68616e64);
	uint64_t at = rnd_exp_ns(
		&r, m->scn->handover_per_hour[m->devs[dev].cellular]);
	size_t k;

	for (k = 0; k < m->n_keys; k++)
		if (chan_at(m, dev, k)->wanted)
			break;
	if (k == m->n_keys || at >= m->end)
		return 0;
	return heap_push(&m->heap, at, EV_HANDOVER, dev, 0);
}

/* Schedule every device's first arrival of every action it does. */
static int schedule_arrivals(struct model *m)
{
	const struct br_catalog *cat = m->cat;
	uint32_t i;
	size_t s, a, t;
	int err;

	for (i = 0; i < m->n_devs; i++) {
		struct device *d = &m->devs[i];

		for (s = 0; s < cat->n_services; s++) {
			if (!(d->apps >> s & 1))
				continue;
			for (a = 0; a < cat->services[s].n_actions; a++) {
				const struct br_cat_action *act =
					&cat->services[s].actions[a];
				size_t fa = flat_action(m, s, a);
				uint64_t r = br_mix64(m->o->seed ^ ((uint64_t)i
								 << 24) ^
						   fa);
				uint64_t at = rnd_exp_ns(&r, m->rate[fa]);

				if (!plat_ok(act->platform, d->platform))
					continue;
				/* the device keeps its channels up anyway */
				for (t = 0; t < act->n_terms; t++) {
					int key = m->term_chan[m->term_base[fa] +
							       t];
					struct channel *c;

					if (key < 0)
						continue;
					c = chan_at(m, i, key);
					if (!c->wanted) {
						c->wanted = 1;
						err = chan_connect(
							m, i, key,
							br_rnd(&r) %
								BR_CONNECT_SPREAD);
						if (err)
							return err;
					}
				}
				/* received from another device: no arrivals
				 * of its own */
				if (at >= m->end || act->from >= 0)
					continue;
				/* an arrival names its device and action */
				err = heap_push(&m->heap, at, EV_ARRIVAL,
						i * m->res->n_actions + fa, 0);
				if (err)
					return err;
			}
		}
		err = schedule_handover(m, i);
		if (err)
			return err;
	}
	return 0;
}

static int arrival(struct model *m, uint32_t ev)
{
	uint32_t dev = ev / m->res->n_actions, id;
	size_t fa = ev % m->res->n_actions;
	uint64_t r = br_mix64(m->o->seed ^ m->now ^ ((uint64_t)dev << 32) ^ fa);
	uint64_t next = m->now + rnd_exp_ns(&r, m->rate[fa]);
	int err;

	/* the next instance of the same action */
	if (next < m->end && next > m->now) {
		err = heap_push(&m->heap, next, EV_ARRIVAL, ev, 0);
		if (err)
			return err;
	}
	id = job_start(m, dev, fa);
	if (id == NO_JOB)
		return -ENOMEM;
	return action_run(m, id);
}

/* Users: the devices that did each action, and saw it fail or late. */
static void users_count(struct model *m)
{
	uint32_t i;
	size_t fa, w;
	int k;

	for (i = 0; i < m->n_devs; i++) {
		int p = plat_ix(m, i);

		for (fa = 0; fa < m->res->n_actions; fa++) {
			struct br_users *u = &m->res->users[p][fa];
			uint64_t bit = 1ull << (fa % 64);

			for (k = 0; k < 3; k++) {
				w = ((size_t)i * 3 + k) * m->user_words + fa / 64;
				if (!(m->user_bits[w] & bit))
					continue;
				if (k == 0)
					u->did++;
				else if (k == 1)
					u->failed++;
				else
					u->late++;
			}
		}
	}
}

static void model_free(struct model *m)
{
	uint32_t i;

	for (i = 0; i < m->n_devs; i++)
		free(m->devs[i].dns);
	free(m->devs);
	free(m->chans);
	free(m->jobs);
	free(m->heap.v);
	free(m->flow_base);
	free(m->rate);
	free(m->fa_svc);
	free(m->fa_act);
	free(m->term_chan);
	free(m->term_base);
	free(m->keys);
	free(m->held);
	free(m->slot_of);
	free(m->user_bits);
	for (i = 0; m->users_of && i < m->cat->n_services; i++)
		free(m->users_of[i]);
	free(m->users_of);
	free(m->n_users_of);
	free(m->keys_known);
	free(m->delivers);
	free(m->looks_up);
	br_browser_free(&m->browser);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int br_tm_wake(struct model *m, uint32_t id, uint64_t delay)
{
	return heap_push(&m->heap, m->now + delay, EV_JOB, id, 0);
}

int br_tm_io_done(struct model *m, uint32_t id, uint32_t dev, int key,
		  int res)
{
	struct channel *c;

	if (id != NO_JOB) {
		m->jobs[id].io = 2;
		m->jobs[id].io_res = (uint8_t)res;
		return heap_push(&m->heap, m->now, EV_JOB, id, 0);
	}
	c = chan_at(m, dev, key);
	if (c->ka != 1)
		return 0; /* the connection went meanwhile */
	c->ka = 2;
	c->ka_res = (uint8_t)res;
	return heap_push(&m->heap, m->now, EV_KEEPALIVE,
			 (uint32_t)((size_t)dev * m->n_keys + key), c->epoch);
}

/* The timeline's events before the run: swaps, arrivals, samples. */
static int schedule(struct model *m)
{
	const struct br_scenario *scn = m->scn;
	size_t i;
	int err;

	for (i = 0; i < scn->n_events; i++) {
		err = heap_push(&m->heap, scn->events[i].at_ns, EV_SWAP, i, 0);
		if (err)
			return err;
	}
	err = schedule_arrivals(m);
	for (i = 0; !err && i < m->res->n_buckets; i++) {
		uint64_t at = (i + 1) * m->res->bucket_ns;

		err = heap_push(&m->heap, at < m->end ? at : m->end - 1,
				EV_SAMPLE, i, 0);
	}
	return err;
}

/* One event at its time. */
static int event_run(struct model *m, const struct event *e)
{
	switch (e->kind) {
	case EV_SWAP:
		m->res->swaps++;
		return m->wire->install(m, m->o->event_policies[e->id]);
	case EV_ARRIVAL:
		return arrival(m, e->id);
	case EV_KEEPALIVE:
		return keepalive(m, e->id, e->aux);
	case EV_HANDOVER:
		return handover(m, e->id);
	case EV_SAMPLE:
		sample_channels(m, e->id);
		return 0;
	default:
		if (m->jobs[e->id].kind == JOB_CONNECT)
			return connect_run(m, e->id);
		return action_run(m, e->id);
	}
}

/*
 * The events in time order until none is left. A wire with a clock of its
 * own (the lab's) is waited for before each: it may wake jobs meanwhile,
 * and runs on while I/O it started is under way.
 */
static int events_run(struct model *m)
{
	const struct br_wire *w = m->wire;
	uint64_t now;
	struct event e;
	int err;

	for (;;) {
		/* past the end only jobs run: the rest need no waiting for */
		while (m->heap.n && m->heap.v[0].t >= m->end &&
		       m->heap.v[0].kind != EV_JOB)
			heap_pop(&m->heap);
		if (w->wait && (m->heap.n || (w->busy && w->busy(m)))) {
			err = w->wait(m, m->heap.n ? m->heap.v[0].t : UINT64_MAX,
				      &now);
			if (err)
				return err;
			if (!m->heap.n || m->heap.v[0].t > now)
				continue;
		}
		if (!m->heap.n)
			return 0;
		e = heap_pop(&m->heap);
		m->now = e.t;
		err = event_run(m, &e);
		if (err)
			return err;
	}
}

/* The actions still parked on a channel that never came back. */
static void parked_end(struct model *m)
{
	uint32_t i;

	m->now = m->end;
	for (i = 0; i < m->n_jobs; i++) {
		struct job *j = &m->jobs[i];

		if (j->kind != JOB_ACTION || !j->waiting)
			continue;
		j->waiting = 0;
		j->why_stage = BR_STAGE_CHANNEL;
		j->why_kind = BR_FAIL_TIMEOUT;
		if (!wait_over(m, i))
			job_finish(m, i,
				   action_down(&svc_of(m, j->svc)->actions[j->act])
					   ? END_HELD
					   : END_FAILED);
	}
}

int br_tm_run(const struct br_wire *w, void *ctx, struct br_sim *sim,
	      const struct br_traffic_opts *o, struct br_traffic_result *res)
{
	struct model m = { .wire = w, .wire_ctx = ctx, .sim = sim, .o = o,
			   .cat = o->cat, .scn = o->scn, .res = res };
	struct br_diag diag;
	double t0 = mono_s();
	int err = 0;

	memset(res, 0, sizeof(*res));
	m.end = o->scn->duration_ns;
	m.diag = &diag;
	br_diag_init(&diag);
	if (o->initial)
		err = w->install(&m, o->initial);
	if (!err)
		err = model_init(&m);
	if (!err && w->start)
		err = w->start(&m);
	if (!err)
		err = schedule(&m);
	if (!err)
		err = events_run(&m);
	if (!err) {
		parked_end(&m);
		users_count(&m);
		if (w->end)
			err = w->end(&m);
	}
	if (err && diag.n)
		br_diag_print(&diag, stderr);
	br_diag_free(&diag);
	res->wall_s = mono_s() - t0;
	model_free(&m);
	return err;
}

int br_traffic_devices(const struct br_traffic_opts *o,
		       struct br_traffic_device **out)
{
	struct br_traffic_result res;
	struct model m = { .wire = &br_wire_sim, .o = o, .cat = o->cat,
			   .scn = o->scn, .res = &res };
	struct br_traffic_device *v = NULL;
	uint32_t i;
	int err;

	memset(&res, 0, sizeof(res));
	m.end = o->scn->duration_ns;
	err = model_init(&m);
	if (!err) {
		v = calloc(m.n_devs + 1, sizeof(*v));
		err = v ? 0 : -ENOMEM;
	}
	for (i = 0; !err && i < m.n_devs; i++) {
		const struct device *d = &m.devs[i];

		v[i] = (struct br_traffic_device){
			.platform = d->platform, .v6 = d->v6,
			.cellular = d->cellular,
			.unseen = d->unseen || d->vpn, .proxy = !!d->proxy };
	}
	if (!err)
		err = (int)m.n_devs;
	model_free(&m);
	br_traffic_result_free(&res);
	if (err < 0)
		free(v);
	else
		*out = v;
	return err;
}

int br_traffic_run(struct br_sim *sim, const struct br_traffic_opts *o,
		   struct br_traffic_result *res)
{
	uint64_t run0 = sim->run_ns, pk0 = sim->packets, v0[5];
	size_t i;
	int err;

	memcpy(v0, sim->verdicts, sizeof(v0));
	err = br_tm_run(&br_wire_sim, NULL, sim, o, res);
	res->packets = sim->packets - pk0;
	for (i = 0; i < 5; i++)
		res->verdicts[i] = sim->verdicts[i] - v0[i];
	res->run_s = (sim->run_ns - run0) / 1e9;
	return err;
}

void br_traffic_result_free(struct br_traffic_result *res)
{
	size_t i;
	int p;

	free(res->timeline);
	free(res->action_base);
	for (p = 0; p < 2; p++) {
		for (i = 0; res->durations[p] && i < res->n_actions; i++)
			free(res->durations[p][i].v);
		free(res->durations[p]);
		free(res->users[p]);
		free(res->chan[p].kept);
		free(res->chan[p].down);
		free(res->by_platform[p]);
	}
	memset(res, 0, sizeof(*res));
}

/* ---- estimate ------------------------------------------------------------ */

/*
 * Memory of the process besides the model: the dataplane instance and
 * the catalog (measured 2026-12-06: 441 MB resident for 10 devices; the
 * model of 100,000 devices added 306 MB, estimated below as 363 MB).
 */
#define BR_SIM_FIXED_BYTES (440.0 * 1024 * 1024)

/*
 * What an entry of the censor's tables costs beyond the default sizes (in
 * the fixed part above): the kernel's preallocated hash element (about 48
 * bytes, an assumption from its struct htab_elem), the key and the value.
 */
#define BR_SIM_FLOW_BYTES (48.0 + sizeof(struct br_flow_key) + \
			   sizeof(struct br_flow_val))
/* struct br_tls_pending (bpf/maps.h): the parser's state, two words */
#define BR_SIM_HELLO_BYTES (48.0 + sizeof(struct br_flow_key) + \
			    sizeof(struct br_tls_state) + 2 * sizeof(__u32))

/*
 * Packets of a response of resp bytes and its acknowledgements, in a run
 * that blocks nothing: step_response pushes one packet a window (its
 * shortcut) and one acknowledgement.
 */
static double est_response(uint32_t resp)
{
	unsigned int total = (resp + BR_MSS - 1) / BR_MSS, got = 0, rounds = 0;
	unsigned int window = BR_WINDOW_INIT;

	if (!total)
		total = 1;
	while (got < total) {
		got += window;
		rounds++;
		window = window * 2 > BR_WINDOW_MAX ? BR_WINDOW_MAX : window * 2;
	}
	return 2.0 * rounds;
}

/*
 * Packets of one try of flow f that nothing blocks, as flow_step sends
 * them; dns_share: the share of tries that look the name up (the answer
 * is cached for BR_DNS_TTL).
 */
static double est_flow(const struct br_cat_flow *f, double dns_share)
{
	double dns = f->dns ? 2 * dns_share : 0;

	switch (f->kind) {
	case BR_CAT_DNS:
		return dns;
	case BR_CAT_UDP:
		return dns + 2 * BR_MEDIA_PKTS;
	case BR_CAT_QUIC:
		return dns + 2 + 1 + est_response(f->resp_bytes);
	case BR_CAT_TLS:
		return dns + 3 + (f->pq_hello ? 2 : 1) + 1 + 1 +
		       est_response(f->resp_bytes);
	default:
		return dns + 3 + 1 + est_response(f->resp_bytes);
	}
}

/*
 * Packets of one instance's try of term t that nothing blocks: its first
 * alternative, but for an alt-svc one (browser.h) the next alternative on
 * a device's first instance of the run, which is the share
 * (1 - e^-n) / n of the instances when a device does n on average.
 */
static double est_term(const struct model *m, const struct br_cat_term *t,
		       double dns_share, double n)
{
	double first = n > 0 ? (1 - exp(-n)) / n : 1;

	if (!t->n)
		return 0;
	if (t->n < 2 || !flow_of(m, &t->alts[0])->alt_svc)
		return est_flow(flow_of(m, &t->alts[0]), dns_share);
	return first * est_flow(flow_of(m, &t->alts[1]), dns_share) +
	       (1 - first) * est_flow(flow_of(m, &t->alts[0]), dns_share);
}

/* The share of a platform's devices that have service s. */
static double est_app_share(const struct model *m, int s, int plat)
{
	size_t i;

	if (!plat_ok(svc_of(m, s)->platform, plat))
		return 0;
	for (i = 0; i < m->scn->n_apps; i++)
		if (m->scn->apps[i].service == s)
			return m->scn->apps[i].share;
	return 0;
}

static size_t pow2_at_least(size_t n, size_t min)
{
	size_t c = min;

	while (c < n)
		c *= 2;
	return c;
}

void br_traffic_estimate(const struct br_catalog *cat,
			 const struct br_scenario *scn,
			 struct br_traffic_estimate *est)
{
	struct model m = { .cat = cat, .scn = scn };
	double hours = scn->duration_ns / 3600e9, n = scn->devices;
	double share[2] = { scn->ios_share, 1 - scn->ios_share };
	double events = 0, jobs = 0, flows = 0, keys = 0;
	const struct br_cat_term *seen[256];
	size_t n_seen = 0, s, a, t, k;
	int p;

	memset(est, 0, sizeof(*est));
	for (s = 0; s < cat->n_services; s++)
		flows += cat->services[s].n_flows;
	/* the channel kinds, as model_init finds them */
	for (s = 0; s < cat->n_services; s++)
		for (a = 0; a < cat->services[s].n_actions; a++)
			for (t = 0; t < cat->services[s].actions[a].n_terms;
			     t++) {
				const struct br_cat_term *term =
					&cat->services[s].actions[a].terms[t];

				if (!term_is_channel(&m, term))
					continue;
				for (k = 0; k < n_seen; k++)
					if (same_term(seen[k], term))
						break;
				if (k == n_seen && n_seen < 256)
					seen[n_seen++] = term;
			}

	for (p = 0; p < 2; p++) {
		int plat = p ? BR_PLAT_ANDROID : BR_PLAT_IOS;
		double devs = n * share[p];

		for (s = 0; s < cat->n_services; s++) {
			double app = est_app_share(&m, s, plat);

			if (!app)
				continue;
			for (a = 0; a < cat->services[s].n_actions; a++) {
				const struct br_cat_action *act =
					&cat->services[s].actions[a];
				double rate = rate_of(&m, s, a), per = 0;
				double inst = devs * app * rate * hours;
				double dns_share = 1 / (1 + rate / 12);

				if (!plat_ok(act->platform, plat))
					continue;
				for (t = 0; t < act->n_terms; t++) {
					const struct br_cat_term *term =
						&act->terms[t];

					if (term_is_channel(&m, term))
						per += 1;
					else
						per += est_term(&m, term, dns_share,
								rate * hours);
				}
				est->instances += inst;
				est->packets += inst * per;
				/* one pending arrival per device and action */
				if (rate > 0)
					events += devs * app;
			}
		}
		/* channels: a connection each, a keepalive every 5 minutes */
		for (k = 0; k < n_seen; k++) {
			double none = 1, wanted, per;

			for (s = 0; s < cat->n_services; s++) {
				bool uses = false;

				for (a = 0; a < cat->services[s].n_actions; a++) {
					const struct br_cat_action *act =
						&cat->services[s].actions[a];

					if (!plat_ok(act->platform, plat))
						continue;
					for (t = 0; t < act->n_terms; t++)
						uses |= same_term(seen[k],
								  &act->terms[t]);
				}
				if (uses)
					none *= 1 - est_app_share(&m, s, plat);
			}
			wanted = devs * (1 - none);
			per = est_flow(flow_of(&m, &seen[k]->alts[0]), 1) +
			      hours * 3600 * SEC /
				      scn->keepalive_ns[0];
			est->packets += wanted * per;
			events += wanted;
			jobs += wanted; /* every connection starts at once */
			keys = n_seen;
		}
	}
	est->seconds = est->packets / BR_SIM_PACKETS_PER_S;
	est->memory = BR_SIM_FIXED_BYTES +
		      n * (sizeof(struct device) +
			   (keys ? keys : 1) * sizeof(struct channel) +
			   flows * sizeof(struct dns_entry)) +
		      (double)pow2_at_least((size_t)events, 4096) *
			      sizeof(struct event) +
		      (double)pow2_at_least((size_t)jobs, 4096) *
			      sizeof(struct job);
	/* tables larger than the dataplane's default (smaller save little) */
	if (br_scn_flow_table(scn) > BR_FLOW_ENTRIES)
		est->memory += (br_scn_flow_table(scn) - BR_FLOW_ENTRIES) *
			       BR_SIM_FLOW_BYTES;
	if (br_scn_hello_table(scn) > BR_FLOW_PENDING)
		est->memory += (br_scn_hello_table(scn) - BR_FLOW_PENDING) *
			       BR_SIM_HELLO_BYTES;
}
