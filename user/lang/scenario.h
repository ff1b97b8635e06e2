/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * scenario.h - who uses the network during a simulation, how, for how
 * long, and which policies come into force when.
 *
 * Text in policies/scenarios/ *.scenario (language: policies/scenarios/
 * README.md), parsed with the policy lexer against a catalog (apps and
 * rates name catalog services and actions). A default scenario is built
 * into the binary, so `simulate` runs with nothing else given.
 */
#ifndef BR_SCENARIO_H
#define BR_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include "catalog.h"
#include "diag.h"

/* Devices of the population that have a service (an app), and how many. */
struct br_scn_app {
	int service;  /* index into the catalog's services */
	double share; /* 0..1 of the devices (of the service's platform) */
	struct br_pos pos;
};

/*
 * A rate that replaces an action's catalog default. An action name that a
 * service has once per platform ("bank.push-received" on iOS and Android)
 * gives one entry per action, all with the statement's position.
 */
struct br_scn_rate {
	int service;
	int action; /* index into that service's actions */
	double per_hour;
	struct br_pos pos;
};

/*
 * An assumption given as a range (policies/scenarios/README.md,
 * "Uncertain assumptions"): "LO..HI" is uniform, "LO..MODE..HI"
 * triangular. A single run takes the central value (MODE, or the
 * midpoint); simulate --runs draws one value per run, --sensitivity
 * sets LO and HI in turn.
 */
enum br_scn_unit {
	BR_UNIT_SHARE, /* 0..1 */
	BR_UNIT_TIME,  /* nanoseconds */
	BR_UNIT_RATE,  /* per hour */
};

enum br_scn_where {
	BR_PARAM_FIELD,	   /* a double of struct br_scenario at .at */
	BR_PARAM_FIELD_NS, /* a uint64_t of struct br_scenario at .at */
	BR_PARAM_APP,	   /* apps[.at].share */
	BR_PARAM_RATE,	   /* rates[.at .. .at + .count).per_hour */
	BR_PARAM_VPN,	   /* vpns[.at].share */
	BR_PARAM_PROXY,	   /* proxies[.at].share */
	BR_PARAM_OP_SHARE, /* operators[.at].share */
	BR_PARAM_OP_COVERAGE, /* operators[.at].coverage */
	BR_PARAM_EVENT,	      /* events[.at].at_ns: the censor's lag */
	BR_PARAM_MOVE,	      /* moves[.at].after_ns: the target's */
};

struct br_scn_param {
	char *name; /* the statement as written: "platform ios", "app bank" */
	enum br_scn_unit unit;
	double lo, mode, hi; /* in the unit; mode: the central value */
	int triangular;	     /* else uniform, mode the midpoint */
	enum br_scn_where where;
	int complement; /* the field takes 1 - value (a split's other key) */
	size_t at, count;
	struct br_pos pos;
};

/*
 * An operator of one access: share of that access's devices are its
 * subscribers, and the censor sees coverage of them (instead of the
 * access's coverage).
 */
struct br_scn_operator {
	char *name;
	int access; /* 0 Wi-Fi, 1 cellular */
	double share;
	double coverage;
	struct br_pos pos;
};

/*
 * At a time of the simulation, a policy comes into force (a swap). The
 * time may be a range (a param): latest_ns is its end, so that every draw
 * keeps the events in order and before the end of the run.
 */
struct br_scn_event {
	uint64_t at_ns;
	uint64_t latest_ns;
	char *policy; /* path, resolved against the scenario's directory */
	struct br_pos pos;
};

/*
 * A target that moves on when the censor catches up ("move SERVICE.FLOW
 * after T into @set[, @set]..."): after_ns after each swap of the
 * timeline (the censor's block grew), the flow's servers answer at hosts
 * of the next pool of the list, drawn afresh; after the last pool they
 * stay there. A connection already up stays where it is; every new one
 * goes to the pool in force (user/model/engine.c, br_tm_pick_server).
 */
#define BR_SCN_MOVE_POOLS 8
struct br_scn_move {
	int service; /* index into the catalog's services */
	int flow;    /* index into that service's flows */
	uint64_t after_ns;
	size_t n_pools;
	int pools[BR_SCN_MOVE_POOLS]; /* indexes into the catalog's sets */
	struct br_pos pos;
};

struct br_scenario {
	char *name;
	char *file; /* "(built-in)" for the default */
	uint32_t devices;
	double ios_share;      /* the rest are Android */
	double ipv6_share;     /* devices with IPv6 (they also keep IPv4) */
	double cellular_share; /* the rest are on Wi-Fi */
	uint64_t duration_ns;
	uint64_t seed; /* --seed replaces it */
	/* the censor's state tables: 0 for the dataplane's default sizes */
	uint32_t flow_entries;
	uint32_t hello_entries;
	/*
	 * The devices' channels (APNs, FCM), by access: [0] Wi-Fi, [1]
	 * cellular. A handover (a new network attachment) closes them; a
	 * NAT that forgets an idle connection sooner than the keepalive
	 * kills it silently, found out at the next keepalive; a failed
	 * connect is retried after backoff, doubling from min to max.
	 */
	double handover_per_hour[2];
	uint64_t keepalive_ns[2];
	uint64_t nat_timeout_ns[2];
	uint64_t backoff_min_ns, backoff_max_ns;
	/*
	 * Messaging between the devices of the population: every device
	 * that uses a service whose actions send to others has this many
	 * contacts (devices of the same service); the keys of a key_cache
	 * share of them are known at the start, the others are looked up
	 * (a flow marked "lookup") at the first message or call, as its own
	 * TLS connection, or inside the action's channel when
	 * lookup_in_channel.
	 */
	uint8_t lookup_in_channel;
	uint32_t contacts;
	double key_cache;
	/* the share of devices whose user has "Send as Text Message" on:
	 * a failed send of an action marked "sms" goes out as an SMS */
	double sms_share;
	/*
	 * Who the censor sees. vpn_share: devices whose user keeps a VPN on
	 * for all traffic; coverage[access] ([0] Wi-Fi, [1] cellular): the
	 * share of that access's devices whose traffic crosses the censor
	 * (the others are behind operators or links without it). A device
	 * the censor does not see sends nothing through the policy. vpns:
	 * per service, the share of devices whose user turns a VPN on for
	 * that service's flows only; proxies: per service, the share whose
	 * user reaches it through a proxy on an address no policy lists.
	 */
	double vpn_share;
	double coverage[2];
	size_t n_vpns;
	struct br_scn_app *vpns;
	size_t n_proxies;
	struct br_scn_app *proxies;
	size_t n_operators; /* in statement order */
	struct br_scn_operator *operators;
	size_t n_apps;
	struct br_scn_app *apps;
	size_t n_rates;
	struct br_scn_rate *rates;
	size_t n_params; /* the assumptions given as ranges */
	struct br_scn_param *params;
	size_t n_events; /* in time order */
	struct br_scn_event *events;
	size_t n_moves; /* at most one per flow */
	struct br_scn_move *moves;
	char *description; /* NULL when none is given */
};

/*
 * Defaults of the channel parameters, for a scenario that does not set
 * them (policies/scenarios/README.md gives their reasons): all
 * assumptions but the Wi-Fi NAT timeout.
 *   handover: Wi-Fi 1/h, cellular 4/h. No published rate of network
 *     changes of Russian smartphones was at hand (assumption).
 *   keepalive: 5 min on both. Apple does not publish the APNs keepalive
 *     (assumption).
 *   nat-timeout: Wi-Fi 124 min, the least RFC 5382 (REQ-5) allows a NAT
 *     for an established TCP connection; cellular 30 min (assumption:
 *     carrier-grade NATs are known to keep idle TCP shorter; the figure
 *     is not sourced here).
 *   backoff: 5 s doubling to 2 min (assumption).
 */
#define BR_SCN_HANDOVER_WIFI 1.0
#define BR_SCN_HANDOVER_CELL 4.0
#define BR_SCN_KEEPALIVE_NS (300ull * 1000000000ull)
#define BR_SCN_NAT_WIFI_NS (124ull * 60 * 1000000000ull)
#define BR_SCN_NAT_CELL_NS (30ull * 60 * 1000000000ull)
#define BR_SCN_BACKOFF_MIN_NS (5ull * 1000000000ull)
#define BR_SCN_BACKOFF_MAX_NS (120ull * 1000000000ull)

/*
 * Defaults of the messaging parameters (policies/scenarios/README.md):
 *   identity-lookup channel: the reverse-engineered open-source client
 *     (JJTech0130/pypush, ids/query.py) sends the identity query inside
 *     the APNs connection; a 2015 iOS capture (nDPI's test suite) shows a
 *     TLS connection to query.ess.apple.com. Which a current iOS uses is
 *     unverified (FACTS.md, iMessage): the more recent evidence is the
 *     default.
 *   contacts 10, key-cache 80%: assumptions (most messages go to people
 *     one writes to often, whose keys the device has).
 */
#define BR_SCN_LOOKUP_IN_CHANNEL 1
#define BR_SCN_CONTACTS 10
#define BR_SCN_CONTACTS_MAX 32 /* a bit each */
#define BR_SCN_KEY_CACHE 0.8
/*
 * sms-fallback 0%: the fallback is optional (issue 12); iOS's default of
 * "Send as Text Message" is not sourced here, so none is assumed.
 */
#define BR_SCN_SMS_SHARE 0.0
/*
 * vpn 0%, coverage 100% on both accesses: the censor sees every device
 * unless a scenario says otherwise (a scenario of a real event gives its
 * figures with their sources: policies/scenarios/russia-*.scenario).
 */
#define BR_SCN_VPN_SHARE 0.0
#define BR_SCN_COVERAGE 1.0

static inline void br_scn_channel_defaults(struct br_scenario *scn)
{
	scn->handover_per_hour[0] = BR_SCN_HANDOVER_WIFI;
	scn->handover_per_hour[1] = BR_SCN_HANDOVER_CELL;
	scn->keepalive_ns[0] = scn->keepalive_ns[1] = BR_SCN_KEEPALIVE_NS;
	scn->nat_timeout_ns[0] = BR_SCN_NAT_WIFI_NS;
	scn->nat_timeout_ns[1] = BR_SCN_NAT_CELL_NS;
	scn->backoff_min_ns = BR_SCN_BACKOFF_MIN_NS;
	scn->backoff_max_ns = BR_SCN_BACKOFF_MAX_NS;
	scn->lookup_in_channel = BR_SCN_LOOKUP_IN_CHANNEL;
	scn->contacts = BR_SCN_CONTACTS;
	scn->key_cache = BR_SCN_KEY_CACHE;
	scn->sms_share = BR_SCN_SMS_SHARE;
	scn->vpn_share = BR_SCN_VPN_SHARE;
	scn->coverage[0] = scn->coverage[1] = BR_SCN_COVERAGE;
}

/*
 * The reconnect horizon of a scenario's channels: the time after which
 * nine in ten devices have reconnected their channel at least once (a
 * handover, or a NAT that forgot it), so that a rule a stateful censor
 * applies to new connections only has reached them. Computed from the
 * parameters above, not from a run. UINT64_MAX: never (no cause).
 */
uint64_t br_scn_reconnect_horizon(const struct br_scenario *scn, double share);

/* The file name of the built-in scenario in its IR and messages. */
#define BR_SCENARIO_BUILTIN "(built-in)"

int br_scenario_parse_file(const char *path, const struct br_catalog *cat,
			   struct br_scenario **out, struct br_diag *diag);
int br_scenario_parse_buffer(const char *file, const char *text, size_t len,
			     const struct br_catalog *cat,
			     struct br_scenario **out, struct br_diag *diag);

/* The built-in default scenario (policies/scenarios/default.scenario). */
int br_scenario_default(const struct br_catalog *cat, struct br_scenario **out,
			struct br_diag *diag);

/* The built-in scenario's text (len bytes, NUL-terminated), to show it. */
const char *br_scenario_default_source(size_t *len);

void br_scenario_free(struct br_scenario *scn);

/* ---- uncertain assumptions (scenario_param.c) --------------------------- */

/* Set param i to v (in its unit) in scn. */
void br_scn_param_set(struct br_scenario *scn, size_t i, double v);

/* The value param i has in scn now (in its unit). */
double br_scn_param_get(const struct br_scenario *scn, size_t i);

/*
 * The pool (a catalog set index) the flow's servers answer in at time t,
 * BR_NO_SET (-1) when no move of the scenario has happened to it by then;
 * *moved: which move (1, 2, ...), for a fresh draw of hosts in each, and
 * *next_ns the time of the next move (UINT64_MAX: none).
 */
int br_scn_move_pool(const struct br_scenario *scn, int svc, int flow,
		     uint64_t t, uint64_t *moved, uint64_t *next_ns);

/* Every param at its central value: what a single run uses. */
void br_scn_param_central(struct br_scenario *scn);

/*
 * Draw k of an ensemble from seed: every param drawn from its
 * distribution into scn; returns the draw's traffic seed. Draw k is the
 * same whichever machine or shard computes it.
 */
uint64_t br_scn_draw(struct br_scenario *scn, uint64_t seed, uint64_t k);

/* "30%", "5m", "4/h": a value of param p for people. */
const char *br_scn_param_text(const struct br_scn_param *p, double v,
			      char *buf, size_t len);

/* The sizes of the censor's tables in a scenario's simulation. */
uint32_t br_scn_flow_table(const struct br_scenario *scn);
uint32_t br_scn_hello_table(const struct br_scenario *scn);

#endif /* BR_SCENARIO_H */
