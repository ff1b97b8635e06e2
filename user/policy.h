/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * policy.h - the policy IR: what the parser produces from a .policy file and
 * the compiler turns into map images. Every element keeps its source
 * position so later stages can report errors as file:line:col.
 */
#ifndef BR_POLICY_H
#define BR_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include "abi.h"
#include "diag.h"

enum br_set_type {
	BR_SET_ADDR, /* IPv4 and IPv6 prefixes, mixed */
	BR_SET_PORT, /* ports and port ranges */
};

/* One address or prefix; bytes in network order, IPv4 in addr[0..3]. */
struct br_prefix {
	uint8_t family;	  /* 4 or 6 */
	uint8_t len;	  /* prefix length: 0..32 or 0..128 */
	uint8_t addr[16]; /* host bits are zero (the parser rejects others) */
};

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
};

enum br_proto {
	BR_PROTO_ANY = 0,
	BR_PROTO_TCP,
	BR_PROTO_UDP,
	BR_PROTO_ICMP, /* ICMP for IPv4 and ICMPv6 for IPv6 */
};

#define BR_NO_SET (-1)

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
	enum br_action action;
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
	size_t n_sets;
	struct br_set *sets; /* named sets first in order of declaration */
	size_t n_rules;
	struct br_rule_ir *rules; /* in order: the first match wins */
};

/*
 * Parse one policy file (and the files it includes). On success *out holds
 * the policy and 0 is returned. On failure every error found is appended to
 * diag and -EINVAL returned (or -ENOENT/-ENOMEM ... for the file itself);
 * *out is NULL.
 */
int br_policy_parse_file(const char *path, struct br_policy **out,
			 struct br_diag *diag);

/* The same from a buffer; "file" names it in diagnostics and includes. */
int br_policy_parse_buffer(const char *file, const char *text, size_t len,
			   struct br_policy **out, struct br_diag *diag);

void br_policy_free(struct br_policy *pol);

const char *br_action_name(enum br_action action);
const char *br_proto_name(enum br_proto proto);

#endif /* BR_POLICY_H */
