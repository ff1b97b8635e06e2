/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * traffic.h - the closed-loop traffic model: a scenario's population doing
 * its catalog actions, every deciding packet pushed through the dataplane
 * (sim.h), each device's stack reacting to what the program did.
 *
 * Ground truth is per action instance: what a device tried, and whether it
 * got it, from the kernel's verdicts alone. Deterministic for a seed.
 */
#ifndef BR_TRAFFIC_H
#define BR_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>
#include "catalog.h"
#include "policy.h"
#include "scenario.h"
#include "sim.h"

struct br_traffic_opts {
	const struct br_catalog *cat;
	const struct br_scenario *scn;
	uint64_t seed;
	/* in force from t = 0; NULL: none (everything passes) */
	const struct br_policy *initial;
	/* the scenario's timeline, parsed: events[i] puts policies[i] in
	 * force at scn->events[i].at_ns */
	struct br_policy *const *event_policies;
	int labels; /* label every packet (for --write-pcap) */
	/* the round trips of Wi-Fi [0] and cellular [1] links, ns; 0: the
	 * model's (stack.h: BR_RTT_WIFI, BR_RTT_CELL). The live lab sets
	 * its links' own, and its comparison runs the model with them. */
	uint64_t rtt_ns[2];
};

/*
 * Why an instance failed, in the words analysts already read: the stage
 * ("stage/failure", as Censored Planet writes outcomes) and the failure
 * string of OONI's error vocabulary (ooni/spec data-formats/df-007-errors;
 * FACTS.md, measurement vocabularies). dns_sinkhole is not OONI's: a
 * forged address of another host, whose connection OONI would see fail.
 * Nor is transfer_stalled: a response that began to arrive and then
 * stopped, through every retransmission (a freeze: the page or download
 * hangs after its first bytes); OONI would call it generic_timeout_error.
 */
#define BR_FAIL_STAGES(X) \
	X(DNS, "dns") X(TCP, "tcp") X(TLS, "tls") X(QUIC, "quic") \
	X(UDP, "udp") X(DATA, "data") X(CHANNEL, "channel")
#define BR_FAIL_KINDS(X)                                        \
	X(TIMEOUT, "generic_timeout_error")                     \
	X(RESET, "connection_reset")                            \
	X(NXDOMAIN, "dns_nxdomain_error")                       \
	X(NO_ANSWER, "dns_no_answer")                           \
	X(SINKHOLE, "dns_sinkhole")                             \
	X(STALLED, "transfer_stalled")

#define BR_X_ENUM(name, str) BR_STAGE_##name,
enum br_fail_stage { BR_FAIL_STAGES(BR_X_ENUM) BR_STAGES };
#undef BR_X_ENUM
#define BR_X_ENUM(name, str) BR_FAIL_##name,
enum br_fail_kind { BR_FAIL_KINDS(BR_X_ENUM) BR_FAILS };
#undef BR_X_ENUM

extern const char *const br_fail_stage_name[BR_STAGES];
extern const char *const br_fail_kind_name[BR_FAILS];

/*
 * What happened to the instances of one action on one platform: each
 * instance has one outcome, named as its user would see it.
 */
struct br_outcome {
	uint64_t attempted;
	uint64_t ok;	   /* in time, by the first path */
	uint64_t fallback; /* in time, by a later alternative: invisible */
	uint64_t late;	   /* succeeded, visibly worse: later than the
			    * action's deadline after it started, or below
			    * the goodput a flow of it needs */
	uint64_t failed;
	uint64_t slow;	   /* of late: below the needed goodput */
	/* of failed, data a store held for the device (a push, a message) */
	uint64_t superseded; /* replaced by a newer one ("store latest") */
	uint64_t expired;    /* dropped by the store at its expiry */
	uint64_t stale;	     /* delivered after its validity: of no use */
	uint64_t held;	     /* still held when the run ended */
	uint64_t sms;	     /* sent as an SMS instead (the catalog's sms) */
	/* of failed, the others: at which stage and how the last path
	 * tried failed */
	uint64_t why[BR_STAGES][BR_FAILS];
};

/* Times of the instances that completed, in ns, in completion order. */
struct br_samples {
	uint64_t *v;
	size_t n, cap;
};

/* The value at quantile q (0..1) of s, by nearest rank; sorts s. */
double br_samples_quantile(struct br_samples *s, double q);

/*
 * Devices (users) of one platform and action: how many did it at least
 * once in the run, and how many of those saw it fail (or late) at least
 * once.
 */
struct br_users {
	uint64_t did, failed, late;
};

/* Why a channel was (re)connected. */
enum br_chan_cause {
	BR_CHAN_START,	  /* the device's first connect */
	BR_CHAN_HANDOVER, /* a new network attachment closed it */
	BR_CHAN_NAT,	  /* a NAT forgot it between two keepalives */
	BR_CHAN_DEAD,	  /* a keepalive or data got no answer */
	BR_CHAN_RESET,	  /* a reset closed it */
	BR_CHAN_RETRY,	  /* the last connect failed: after backoff */
	BR_CHAN_CAUSES,
};

/* Connects of the devices' channels on one platform. */
struct br_chan_stats {
	uint64_t attempts[BR_CHAN_CAUSES]; /* connects started, by cause */
	uint64_t up;			   /* connects that succeeded */
	/*
	 * At the end of each timeline bucket: the devices that keep a push
	 * channel (one a push action uses: APNs, FCM), and how many of them
	 * had it not up.
	 */
	uint64_t *kept, *down; /* n_buckets each */
};

struct br_traffic_result {
	/*
	 * Outcomes by action, [platform][flat action index]: flat index of
	 * action a of service s is action_base[s] + a. platform: ios,
	 * android (enum br_platform minus one).
	 */
	size_t n_actions;
	size_t *action_base;		/* by service */
	struct br_outcome *by_platform[2];
	/* time from start to completion of the instances that completed
	 * (ok, fallback, late; a push delivered, stale too) */
	struct br_samples *durations[2];
	struct br_users *users[2];	/* by flat action */
	struct br_chan_stats chan[2];	/* by platform */
	uint64_t devices[2];		/* by platform */
	uint64_t packets;		/* pushed through the program */
	/* packets the censor never saw (a VPN, a link without it): they
	 * skipped the program and passed */
	uint64_t unseen;
	uint64_t verdicts[5];		/* by XDP action */
	uint64_t swaps;			/* timeline policies put in force */
	/*
	 * The same outcomes by the time the instance started: n_buckets of
	 * bucket_ns each, timeline[(b * 2 + platform) * n_actions + flat
	 * action index].
	 */
	size_t n_buckets;
	uint64_t bucket_ns;
	struct br_outcome *timeline;
	double wall_s;			/* the whole run */
	double run_s;			/* of which in BPF_PROG_TEST_RUN */
};

/*
 * What one run of a scenario will cost, estimated from the scenario and
 * the catalog before it starts (no packet is pushed): the model's own
 * arithmetic on the expected action instances, channel connections and
 * keepalives of a run in which nothing is blocked (a blocking policy
 * adds retries, or saves what a blocked flow would have sent).
 */
struct br_traffic_estimate {
	double instances; /* action instances started */
	double packets;	  /* pushed through the program */
	double seconds;	  /* at BR_SIM_PACKETS_PER_S */
	double memory;	  /* bytes at the peak: the model and the instance */
};

/*
 * Packets a second a run pushes, model included: what the time of an
 * estimate assumes. Measured with the default scenario: 780,000-875,000
 * on the quiet bench machine (docs/PERFORMANCE.md), 150,000-330,000 on
 * the same 2 cores shared with other builds (2026-12-06); 100,000 devices
 * ran no slower a packet than 10,000.
 */
#define BR_SIM_PACKETS_PER_S 500000.0

void br_traffic_estimate(const struct br_catalog *cat,
			 const struct br_scenario *scn,
			 struct br_traffic_estimate *est);

/* Run the scenario through sim. res is filled; free with the function below. */
int br_traffic_run(struct br_sim *sim, const struct br_traffic_opts *o,
		   struct br_traffic_result *res);

void br_traffic_result_free(struct br_traffic_result *res);

/* A device of the scenario's population, as a run of o draws it. */
struct br_traffic_device {
	uint8_t platform; /* BR_PLAT_IOS or BR_PLAT_ANDROID */
	uint8_t v6;	  /* has IPv6 (and IPv4) */
	uint8_t cellular; /* on the cellular access, else Wi-Fi */
	uint8_t unseen;	  /* some of its traffic bypasses the censor (a
			   * VPN, a link it does not cover) */
	uint8_t proxy;	  /* some service goes through a proxy */
};

/* o's devices into *out (malloc'd): their number, or a negative errno. */
int br_traffic_devices(const struct br_traffic_opts *o,
		       struct br_traffic_device **out);

#endif /* BR_TRAFFIC_H */
