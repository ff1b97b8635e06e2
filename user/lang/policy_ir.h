/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * policy_ir.h - the policy IR: what the parser produces from a .policy file
 * (policy.h) and the compiler turns into map images. Every element keeps
 * its source position so later stages can report errors as file:line:col.
 * The service catalog's sets are the same sets.
 */
#ifndef BR_POLICY_IR_H
#define BR_POLICY_IR_H

#include <stddef.h>
#include <stdint.h>
#include "abi.h"
#include "diag.h"

enum br_set_type {
	BR_SET_ADDR,   /* IPv4 and IPv6 prefixes, mixed */
	BR_SET_PORT,   /* ports and port ranges */
	BR_SET_DOMAIN, /* domain names, wildcards and suffixes */
};

/*
 * One domain-set element: "example.com" (EXACT), "*.example.com" (BELOW) or
 * ".example.com" (EXACT|BELOW); flags are enum br_domain_flags (domain.h).
 * name is the text without "*." or the leading ".", lowercase, without a
 * trailing dot.
 */
struct br_domain {
	char *name;
	uint8_t flags;
	struct br_pos pos;
};

/* One address or prefix; bytes in network order, IPv4 in addr[0..3]. */
struct br_prefix {
	uint8_t family;	  /* 4 or 6 */
	uint8_t len;	  /* prefix length: 0..32 or 0..128 */
	uint8_t addr[16]; /* host bits are zero (the parser rejects others) */
};

/* As a policy writes it: "192.0.2.0/24", "2001:db8::1" (a host: no /len). */
void br_prefix_format(const struct br_prefix *p, char *buf, size_t len);

struct br_port_range {
	uint16_t lo;
	uint16_t hi; /* inclusive; lo == hi for a single port */
};

struct br_set {
	char *name;    /* "" never; anonymous sets get "rule3.daddr" */
	int anonymous; /* written inline in a rule, or a literal */
	enum br_set_type type;
	struct br_pos pos;	     /* where the set was declared */
	size_t n;		     /* elements */
	struct br_prefix *prefixes;  /* BR_SET_ADDR */
	struct br_port_range *ports; /* BR_SET_PORT */
	struct br_domain *domains;   /* BR_SET_DOMAIN */
};

/* A rule's transport: BR_PROTO_ANY (0), _TCP, _UDP, _ICMP (abi.h). */
enum br_proto {
#define BR_PROTO_ENUM(name, kw, v4, v6) BR_PROTO_##name,
	BR_RULE_PROTOS(BR_PROTO_ENUM)
#undef BR_PROTO_ENUM
};

#define BR_NO_SET (-1)

/* Which L7 fact a rule needs, besides its L3/L4 matches (at most one). */
enum br_l7 {
	BR_L7_NONE = 0,
	BR_L7_TLS,  /* sni, ech and/or ja4: a TCP flow's ClientHello */
	BR_L7_DNS,  /* dns and/or qtype: a DNS query on UDP port 53 */
	BR_L7_QUIC, /* quic [version ...]: a QUIC Initial on UDP */
	BR_L7_STUN, /* stun [type ...]: one STUN message on UDP */
};

#define BR_MAX_QTYPES 16
#define BR_MAX_QUIC_VERSIONS 8 /* per rule; BR_QUIC_VERSIONS per policy */
#define BR_MAX_STUN_TYPES 8    /* types and ranges per rule */
#define BR_MAX_JA4 16	       /* fingerprints per rule; BR_JA4_FPS per policy */

/* STUN message types lo..hi, inclusive: 14 bits (BR_STUN_TYPES). */
struct br_stun_range {
	uint16_t lo;
	uint16_t hi;
};

/*
 * A JA4 fingerprint a rule lists (parse_ja4.c): the hello's JA4 matches
 * when (JA4 & mask) == key; a part written "*" is zero in both.
 */
struct br_ja4_pattern {
	struct br_ja4_fp key;
	struct br_ja4_fp mask;
	struct br_pos pos;
};

struct br_rule_ir {
	struct br_pos pos; /* the rule keyword */
	char *name;	   /* optional: rule "name" ...; NULL otherwise */
	char *text;	   /* the rule's source line, for stats labels */
	enum br_proto proto;
	int saddr_set; /* index into br_policy.sets, or BR_NO_SET */
	int daddr_set;
	int sport_set;
	int dport_set;
	int ether_type; /* -1, or 0..65535: matches non-IP frames only */
	enum br_l7 l7;
	int domain_set;	 /* sni or dns: index of a BR_SET_DOMAIN set */
	int ech;	 /* BR_L7_TLS: the hello must carry ECH */
	size_t n_qtypes; /* BR_L7_DNS: 0 = any query type */
	uint16_t qtypes[BR_MAX_QTYPES];
	size_t n_quic_versions; /* BR_L7_QUIC: 0 = any recognised version */
	uint32_t quic_versions[BR_MAX_QUIC_VERSIONS];
	size_t n_stun_types; /* BR_L7_STUN: 0 = any message type */
	struct br_stun_range stun_types[BR_MAX_STUN_TYPES];
	size_t n_ja4; /* BR_L7_TLS: 0 = any hello (no "ja4" match) */
	struct br_ja4_pattern ja4[BR_MAX_JA4];
	enum br_action action;
	/* action parameters */
	int has_sink4, has_sink6; /* sinkhole: one address of each family */
	uint8_t sink4[4];
	uint8_t sink6[16];
	uint64_t rate_bps;    /* throttle: bits per second */
	uint32_t burst_bytes; /* throttle */
	uint32_t freeze_bytes; /* freeze after SIZE: 1 or more */
	int freeze_both;       /* freeze ... both; 0: from the server */
	uint64_t penalty_ns;   /* penalty DURATION: 1 ns .. BR_PENALTY_MAX_NS */
	enum br_penalty_scope penalty_scope; /* penalty ... on SCOPE */
};

/*
 * A documented outcome the policy carries ("record", policies/README.md):
 * what a report said share of a service's user-started instances a
 * censor's action left failed, late, or either (impact.h, struct
 * br_impact_service), as a range that holds the report's uncertainty.
 * The compiler ignores records; simulate shows the model beside them
 * (record.h).
 */
enum br_record_figure {
	BR_RECORD_FAILED,
	BR_RECORD_LATE,
	BR_RECORD_FAILED_OR_LATE,
};

struct br_policy_record {
	struct br_pos pos; /* the service */
	char *service;	   /* a catalog service id */
	int platform;	   /* enum br_platform (catalog.h): 0 both */
	enum br_record_figure figure;
	double lo, hi;	   /* percent of the instances, lo <= hi */
	char *source;	   /* who reported it, when: never empty */
};

struct br_policy {
	char *file; /* path as given */
	char *name;
	struct br_pos name_pos;
	char *description;
	size_t n_targets;
	char **targets; /* services the policy means to block */
	struct br_pos *target_pos;
	enum br_action default_action; /* BR_ACT_PASS unless "default drop" */
	int on_swap_flush;	       /* "on-swap flush"; keep when absent */
	enum br_action sni_default;    /* "sni-default A"; BR_ACT_NONE: none */
	enum br_action tls_default;    /* "tls-default A"; BR_ACT_NONE: none */
	enum br_action unreadable;     /* "unreadable A"; BR_ACT_NONE: none */
	size_t n_sets;
	struct br_set *sets; /* named sets first in order of declaration */
	size_t n_rules;
	struct br_rule_ir *rules; /* in order: the first match wins */
	/* "record scenario": the scenario the records hold for, relative
	 * to the current directory (as written: record_scenario_text) */
	char *record_scenario;
	char *record_scenario_text;
	size_t n_records;
	struct br_policy_record *records; /* in order of the file */
};

void br_policy_free(struct br_policy *pol);

/* Free the sets of a set array (not the array). */
void br_sets_free(struct br_set *sets, size_t n);

const char *br_action_name(enum br_action action);

/* "failed", "late", "failed-or-late": a record's figure as written. */
const char *br_record_figure_name(enum br_record_figure figure);
const char *br_proto_name(enum br_proto proto);

/* The IP protocol number proto matches in family 4 or 6; -1: every one. */
int br_proto_number(enum br_proto proto, int family);

#endif /* BR_POLICY_IR_H */
