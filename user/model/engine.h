/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * engine.h - the traffic model's inside, for its wires.
 *
 * The engine (engine.c) runs the scenario: devices, arrivals, action
 * instances and their fallbacks, channels, their reconnects and stores,
 * the outcomes. How a step of a flow, a channel's data and a keepalive
 * meet the network is a wire's (struct br_wire): the model's own pushes
 * packets through the kernel program by BPF_PROG_TEST_RUN in virtual time
 * (wire_sim.c); the live lab's drives real sockets through a real router
 * in real time (lab/wire_lab.c). Both run the one engine, so retries,
 * fallbacks and reconnects are defined once.
 */
#ifndef BR_ENGINE_H
#define BR_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include "browser.h"
#include "diag.h"
#include "stack.h"
#include "traffic.h"

/* ---- the model's state ----------------------------------------------- */

enum ev_kind {
	EV_JOB,	      /* step a job */
	EV_ARRIVAL,   /* a device starts an action instance */
	EV_KEEPALIVE, /* a channel's keepalive is due */
	EV_SWAP,      /* the timeline puts a policy in force */
	EV_HANDOVER,  /* a device changes network attachment */
	EV_SAMPLE,    /* the end of a timeline bucket: count channels */
};

struct event {
	uint64_t t;
	uint64_t seq; /* ties: first scheduled, first run */
	uint32_t kind;
	uint32_t id;
	uint32_t aux; /* EV_KEEPALIVE: the channel's epoch */
};

struct heap {
	struct event *v;
	size_t n, cap;
	uint64_t seq;
};

/* A channel kind: one distinct set of channel flow alternatives. */
struct chan_key {
	const struct br_cat_term *term;
	bool push; /* some push action uses it: a push channel */
};

enum chan_state {
	CH_DOWN = 0,
	CH_CONNECTING,
	CH_UP,
};

struct channel {
	uint8_t state;
	uint8_t alt;	   /* alternative it is connected on */
	uint8_t wanted;	   /* some app of the device uses it */
	uint64_t backoff;
	struct br_ends ends;
	uint32_t cseq, sseq;
	uint8_t cause;	   /* of the next connect: enum br_chan_cause */
	uint32_t waiters; /* jobs waiting for it to come up: a list */
	uint32_t epoch;	  /* bumped at each (re)connect: stale keepalives */
	uint8_t ka;	  /* a keepalive the wire answers later: 1 under
			   * way, 2 answered (ka_res) */
	uint8_t ka_res;
	uint64_t last_io; /* the last packet through it: NAT idle timer */
};

struct dns_entry {
	uint64_t expires;
	uint32_t name; /* hash of the name looked up (a channel's varies) */
	uint8_t addr[16];
	uint8_t family;
};

struct device {
	uint32_t index;
	uint8_t platform; /* BR_PLAT_IOS or BR_PLAT_ANDROID */
	uint8_t v6;
	uint8_t cellular;
	uint8_t sms;	  /* its user has "Send as Text Message" on */
	uint8_t unseen;	  /* the censor sees none of its traffic: a VPN
			   * for everything, or a link without it */
	uint64_t vpn;	  /* bit per service: its flows go over a VPN */
	uint64_t proxy;	  /* bit per service: through a proxy */
	uint16_t next_port;
	uint32_t conns;	  /* channel connects so far: draws their host */
	uint64_t apps;	  /* bit per service (at most 64) */
	struct dns_entry *dns; /* by flat flow index, allocated on use */
};

enum flow_step {
	ST_START = 0,
	ST_DNS,
	ST_SYN,
	ST_HELLO,
	ST_QUIC,
	ST_REQUEST,
	ST_RESPONSE,
	ST_MEDIA,
	ST_DONE,
	ST_FAILED,
};

/* One flow being tried. */
struct flow_run {
	uint8_t step;
	uint8_t tries;
	uint8_t reset; /* a reset ended it: fall back at once */
	uint8_t why_stage, why_kind; /* how it failed (traffic.h) */
	const struct br_cat_flow *flow;
	int svc, idx; /* of the flow in the catalog */
	struct br_ends ends;
	uint32_t cseq, sseq;
	uint16_t dns_id;
	char sni[BR_NAME_MAX];
	char dns[BR_NAME_MAX];
	uint32_t bytes; /* of the response (resp_size) */
	uint32_t total, delivered, window, ssthresh, dropped_rounds;
	uint64_t data_start;
	uint64_t swaps; /* the run's swaps when the response began */
	uint8_t proxied;    /* through the user's proxy (reach_draw) */
	uint8_t race;	    /* QUIC racing the next alternative (browser.h) */
	uint64_t race_wait; /* how long that alternative waits for it */
	double goodput_bps;
};

enum job_kind {
	JOB_ACTION,  /* an action instance */
	JOB_CONNECT, /* (re)connecting a device's channel */
	JOB_FREE,
};

struct job {
	uint8_t kind;
	uint8_t term;
	uint8_t alt;
	uint8_t fallback; /* some term used a later alternative */
	uint8_t slow;	  /* some flow was below its needed goodput */
	uint8_t waiting;  /* parked on a channel */
	uint8_t chan_tries;
	uint8_t first_alt; /* the alternative the term began on (browser.h) */
	uint16_t svc, act;
	uint32_t dev;
	uint32_t chan; /* JOB_CONNECT: channel slot; JOB_ACTION: waited on */
	uint32_t next; /* free list, or a channel's waiter list */
	uint32_t instance;
	uint32_t peer;	  /* the contact it sends to or calls: a device */
	uint8_t contact;  /* which of the device's contacts, or NO_CONTACT */
	uint8_t why_stage, why_kind; /* failed: how its last path did */
	uint8_t io;	  /* channel data the wire answers later: 1 under
			   * way, 2 answered (io_res) */
	uint8_t io_res;
	uint32_t io_epoch; /* of the channel's connection it went on */
	uint64_t start;
	struct flow_run fr;
};

struct model {
	const struct br_wire *wire;
	void *wire_ctx;	/* the wire's own state */
	struct br_diag *diag;
	struct br_sim *sim;
	const struct br_traffic_opts *o;
	const struct br_catalog *cat;
	const struct br_scenario *scn;
	struct br_traffic_result *res;
	struct heap heap;
	struct device *devs;
	uint32_t n_devs;
	size_t *flow_base; /* flat flow index of a service's first flow */
	size_t n_flows;
	double *rate;	   /* by flat action index */
	uint16_t *fa_svc, *fa_act; /* flat action index to its service, action */
	struct chan_key *keys;
	size_t n_keys;
	struct br_browser browser;
	int *term_chan; /* by (flat action, term): channel key or -1 */
	size_t *term_base;
	struct channel *chans; /* n_devs * n_keys */
	struct job *jobs;
	uint32_t n_jobs, cap_jobs, free_job;
	/* "store latest": the job a store holds per device and service, by
	 * dev * n_slots + slot_of[service]; NO_JOB when none */
	uint32_t *held;
	int *slot_of;
	size_t n_slots;
	/* per device, bits by flat action: did, failed, late (struct
	 * br_users), words_per_dev words each */
	uint64_t *user_bits;
	size_t user_words;
	/*
	 * Messaging: by flat action, the received action that delivers its
	 * sends to a contact (-1: none); whether it has a lookup term. By
	 * service, the devices that use it (to draw contacts from); by
	 * device and service, the contacts whose keys are known (a bit
	 * each).
	 */
	int *delivers;
	uint8_t *looks_up;
	uint32_t **users_of;
	uint32_t *n_users_of;
	uint32_t *keys_known;
	uint32_t instances;
	uint64_t now;
	uint64_t end;
	char label[BR_SIM_LABEL_MAX];
	char label_base[256];
	bool unseen; /* the next packets bypass the censor (set_label) */
	bool unseen_ended; /* and their chain ended (add) */
	const char *label_key; /* "sni" or "qname": what tshark must show */
	const char *label_val;
	uint8_t frame[BR_FRAME_MAX];
	uint8_t payload[BR_FRAME_MAX * 2];
};

#define NO_JOB UINT32_MAX
#define NO_CONTACT 0xff

/* ---- the wire --------------------------------------------------------- */

/* What a channel's data or keepalive came to. */
enum br_io {
	BR_IO_OK,    /* it went through */
	BR_IO_RESET, /* a reset closed the connection */
	BR_IO_DEAD,  /* no answer to any retransmission */
	BR_IO_WAIT,  /* under way: the wire answers later (br_tm_io_done) */
};

/* A step the wire will wake itself (br_tm_wake). */
#define BR_WIRE_WAIT INT64_MAX

struct br_wire {
	/* Optional. The model is ready, its events about to be scheduled. */
	int (*start)(struct model *m);
	/*
	 * Step job j's flow at m->now, at a step after ST_START: the delay
	 * after which to step it again, 0 when the flow ended (fr->step is
	 * ST_DONE or ST_FAILED), BR_WIRE_WAIT, or a negative errno.
	 */
	int64_t (*step)(struct model *m, struct job *j);
	/* Job id's data over its device's up channel c, to the device
	 * (down) or from it; *t: when it ended. enum br_io or -errno. */
	int (*chan_io)(struct model *m, uint32_t id, struct channel *c,
		       bool down, uint64_t *t);
	/* A keepalive on channel key of device dev, as chan_io. */
	int (*keepalive)(struct model *m, uint32_t dev, int key,
			 struct channel *c, uint64_t *t);
	/* Put a policy in force (NULL: none). 0 or -errno. */
	int (*install)(struct model *m, const struct br_policy *p);
	/* Optional. Job id's flow is over (ended, or the next begins). */
	void (*flow_reset)(struct model *m, uint32_t id);
	/* Optional. Job id's flow is now channel key of device dev. */
	void (*chan_up)(struct model *m, uint32_t id, uint32_t dev, int key);
	/* Optional. Channel key of device dev lost its connection. */
	void (*chan_down)(struct model *m, uint32_t dev, int key);
	/*
	 * Optional: a clock of its own. Return when m's clock reached
	 * until (ns since the run began) or earlier, having woken jobs
	 * whose I/O ended (br_tm_wake, br_tm_io_done); *now: its clock.
	 */
	int (*wait)(struct model *m, uint64_t until, uint64_t *now);
	/* Optional: I/O is under way that will wake a job. */
	bool (*busy)(const struct model *m);
	/* At the end of the run: what waits goes through. 0 or -errno. */
	int (*end)(struct model *m);
};

extern const struct br_wire br_wire_sim;

/* Run the scenario over wire w (its state ctx; sim NULL but for the
 * model's). res is filled; free it with br_traffic_result_free. */
int br_tm_run(const struct br_wire *w, void *ctx, struct br_sim *sim,
	      const struct br_traffic_opts *o, struct br_traffic_result *res);

/* ---- what the engine lends its wires ------------------------------------ */

static inline const struct br_cat_service *svc_of(const struct model *m,
						   int s)
{
	return &m->cat->services[s];
}

static inline const struct br_cat_flow *
flow_of(const struct model *m, const struct br_cat_flow_ref *r)
{
	return &m->cat->services[r->service].flows[r->flow];
}

static inline struct channel *chan_at(struct model *m, uint32_t dev, int key)
{
	return &m->chans[(size_t)dev * m->n_keys + key];
}

static inline uint64_t rtt_of(const struct model *m, uint32_t dev)
{
	int c = m->devs[dev].cellular;

	if (m->o->rtt_ns[c])
		return m->o->rtt_ns[c];
	return c ? BR_RTT_CELL : BR_RTT_WIFI;
}


/* The flow's index among all the catalog's flows. */
static inline size_t flat_flow(const struct model *m, const struct flow_run *fr)
{
	return m->flow_base[fr->svc] + fr->idx;
}


bool br_tm_censor_sees(const struct model *m, uint32_t dev, int svc);
void br_tm_flow_fail(struct flow_run *fr, bool reset);
int64_t br_tm_retry_after(struct flow_run *fr, unsigned int max,
			  uint64_t base);
int br_tm_pick_server(const struct model *m, const struct job *j,
		      uint8_t out[16]);
void br_tm_flow_connect(struct model *m, struct job *j, const uint8_t *addr,
			int family);
void br_tm_dns_cache(struct model *m, struct job *j, const uint8_t *addr,
		     int fam, uint64_t expires);
uint32_t br_tm_resp_size(const struct model *m, const struct job *j);

/* Step job id again after delay (a wire's BR_WIRE_WAIT is over). */
int br_tm_wake(struct model *m, uint32_t id, uint64_t delay);
/* The answer to job id's channel I/O, or (id NO_JOB) to the keepalive of
 * channel key of device dev: enum br_io. */
int br_tm_io_done(struct model *m, uint32_t id, uint32_t dev, int key,
		  int res);

#endif /* BR_ENGINE_H */
