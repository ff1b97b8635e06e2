/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * catalog.h - the service catalog: services as a censor sees them (the
 * addresses, ports and names their flows show) and as devices use them (the
 * flows a device makes, and what each user action needs of them).
 *
 * Text in policies/catalog/ *.catalog files (language: policies/catalog/
 * README.md), parsed with the policy lexer into this IR. Every element
 * keeps its source position for file:line:col errors.
 *
 * A user action needs an AND of terms; a term is an OR of flows tried in
 * order (the fallbacks: APNs tries 5223, then 443). A flow may belong to
 * another service ("apns.courier"): iMessage rides on APNs.
 */
#ifndef BR_CATALOG_H
#define BR_CATALOG_H

#include <stddef.h>
#include <stdint.h>
#include "diag.h"
#include "policy_ir.h"

enum br_cat_kind {
	BR_CAT_TLS,  /* TCP handshake, a ClientHello with sni, data */
	BR_CAT_QUIC, /* a QUIC Initial (sni inside, encrypted), data */
	BR_CAT_TCP,  /* TCP handshake and data, no TLS (e.g. MTProto) */
	BR_CAT_UDP,  /* datagrams both ways (media, STUN) */
	BR_CAT_DNS,  /* a DNS lookup alone */
};

enum br_platform {
	BR_PLAT_ANY = 0,
	BR_PLAT_IOS,
	BR_PLAT_ANDROID,
};

/* A flow a device opens for a service. */
struct br_cat_flow {
	char *name; /* unique within its service */
	struct br_pos pos;
	enum br_cat_kind kind;
	int addr_set;	/* index into br_catalog.sets: the servers (both
			 * families; a device picks by its own family). A
			 * dns flow: the answer's addresses, BR_NO_SET when
			 * not given */
	uint16_t port;	/* destination port; UDP: the first of the range;
			 * dns: 53 */
	uint16_t port_hi; /* UDP media: last port of the range (= port) */
	char *sni;	/* TLS/QUIC server name; NULL: none sent. A '%'
			 * stands for a number 1..sni_max the device picks
			 * ("%-courier.push.apple.com") */
	uint16_t sni_max; /* 1 when neither sni nor dns has a '%' */
	char *dns;	/* name looked up first ('%' as in sni); NULL: the
			 * device connects to an address of addr_set */
	uint16_t qtype_aaaa; /* 1: an IPv6 device also asks AAAA (every
			      * flow with a dns name) */
	uint8_t pq_hello;    /* 1: a 1.8 KB post-quantum ClientHello, the
			      * SNI in its second segment (iOS 26, Chrome) */
	uint8_t ech_hello;   /* 1: an encrypted_client_hello extension; sni
			      * is then the outer, public name */
	uint8_t channel;     /* 1: long-lived: kept open, carries pushes */
	uint8_t alt_svc;     /* 1: HTTP/3 a device learns from Alt-Svc
			      * and races against the term's next
			      * alternative (user/model/browser.h) */
	uint32_t req_bytes;  /* request after the handshake */
	uint32_t resp_bytes; /* response; UDP: bytes each way */
	uint64_t need_bps;   /* goodput below this: late; 0: any */
	uint8_t stun;	     /* udp: 1: the device's first datagram is a
			      * STUN message of stun_type (bpf/stun.h),
			      * the rest media */
	uint16_t stun_type;  /* 14 bits, as a policy's "stun type" */
	uint8_t lookup;	     /* 1: a lookup of the peer's keys (identity):
			      * once per peer, then cached; the scenario's
			      * identity-lookup may carry it in the channel */
	/*
	 * Address rotation ("rotate EVERY into @set"): every rotate_ns from
	 * the start of a run the service's servers move to fresh addresses
	 * of rotate_set (period k: hosts drawn for k); the first period
	 * uses addr_set. A device's new connection, a retry after a failed
	 * one included, goes to the period's address. 0: no rotation.
	 */
	uint64_t rotate_ns;
	int rotate_set; /* index into br_catalog.sets; BR_NO_SET: none */
};

/* One AND term of an action's needs: flows tried in order. */
struct br_cat_flow_ref {
	int service; /* index into br_catalog.services */
	int flow;    /* index into that service's flows */
	struct br_pos pos;
};

struct br_cat_term {
	size_t n;
	struct br_cat_flow_ref *alts;
};

/* A user action: what a person does or gets (a push received, a call). */
struct br_cat_action {
	char *name; /* unique within its service and platform */
	struct br_pos pos;
	enum br_platform platform; /* ANY: the same on both */
	size_t n_terms;
	struct br_cat_term *terms;
	double per_hour; /* default rate per device that has the service */
	uint64_t deadline_ns; /* an instance that succeeds later than this
			       * after it started is degraded; 0: none */
	uint8_t push;	  /* 1: a push notification; reports count it per
			   * app class (the service) and platform */
	uint8_t received; /* 1: its data comes down to the device over a
			   * channel (a push, a message); 0: the device asks */
	/*
	 * Received data the sender's store holds while the device's channel
	 * is down (APNs, FCM, a messenger's server): store_latest keeps only
	 * the newest per device and service, a newer one supersedes it
	 * ("store latest"); else every one is kept ("store all"). It is
	 * dropped expiry_ns after it was sent (0: kept to the end of the
	 * run); delivered later than valid_ns after it was sent it is of no
	 * use (0: always of use).
	 */
	uint8_t store_latest;
	uint64_t expiry_ns;
	uint64_t valid_ns;
	/* received data that another device of the population sends: the
	 * index of the service's sending action ("from"), -1: none (its
	 * own arrivals, at its rate) */
	int from;
	/* 1: when it fails, a device whose user has "Send as Text Message"
	 * on (the scenario's sms-fallback) sends it as an SMS instead */
	uint8_t sms;
};

struct br_cat_service {
	char *id;    /* what policies name: "apns", "facetime", "bank" */
	char *title; /* "Apple Push Notification service" */
	char *label; /* reports' short name: "APNs", "banking"; default id */
	char *class_label; /* the same as an app class that receives pushes:
			    * "iOS system"; default label */
	struct br_pos pos;
	char *category; /* "apple", "push-app", "messenger", "web", "cloud" */
	enum br_platform platform; /* ANY unless the service is one OS's */
	size_t n_sources;
	char **sources; /* where the facts come from (URLs, papers) */
	size_t n_flows;
	struct br_cat_flow *flows;
	size_t n_actions;
	struct br_cat_action *actions;
};

struct br_catalog {
	size_t n_sets;
	struct br_set *sets; /* address, port and domain sets, by name */
	size_t n_services;
	struct br_cat_service *services;
};

/*
 * Load every *.catalog file of dir (in name order). On failure every error
 * is in diag as file:line:col and a negative errno is returned.
 */
int br_catalog_load_dir(const char *dir, struct br_catalog **out,
			struct br_diag *diag);

/* The same from one buffer (tests). */
int br_catalog_parse_buffer(const char *file, const char *text, size_t len,
			    struct br_catalog **out, struct br_diag *diag);

void br_catalog_free(struct br_catalog *cat);

/* Index of a service by id, or -1. */
int br_catalog_service(const struct br_catalog *cat, const char *id);

/* Index of a flow of svc by name, or -1. */
int br_catalog_flow(const struct br_cat_service *svc, const char *name);

/*
 * Index of an action of svc by name for a platform (an action for any
 * platform fits every platform; BR_PLAT_ANY takes the first of the name),
 * or -1.
 */
int br_catalog_action(const struct br_cat_service *svc, const char *name,
		      enum br_platform platform);

/* The service id closest to id, to suggest for a typo; NULL: none near. */
const char *br_catalog_suggest(const struct br_catalog *cat, const char *id);

/*
 * The catalog directory: $BLASTRADIUS_CATALOG, else policies/catalog next
 * to the source tree the binary was built from, else the installed
 * share/blastradius/catalog.
 */
const char *br_catalog_default_dir(void);

/* The names reports show: label, else the id; class-label, else that. */
static inline const char *br_cat_label(const struct br_cat_service *svc)
{
	return svc->label ? svc->label : svc->id;
}

static inline const char *br_cat_class_label(const struct br_cat_service *svc)
{
	return svc->class_label ? svc->class_label : br_cat_label(svc);
}

const char *br_platform_name(enum br_platform p);
const char *br_cat_kind_name(enum br_cat_kind k);

#endif /* BR_CATALOG_H */
