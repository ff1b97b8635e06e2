/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * attrib.h - which catalog services a rule's verdicts fall on.
 *
 * The flows a rule reaches are the program's answer (classify.h): each
 * flow's signature packets, the traffic model's, run through a private
 * instance of the program with the rule alone in force -- the device's
 * and the server's packets, plus the flow's DNS lookup and answer when it
 * looks a name up first. There is no second classifier in user space.
 *
 * The answer is conservative: a rule is not checked against the rules
 * before it (a flow an earlier rule passes is still listed), and a
 * '%'-numbered name counts as every name it stands for.
 *
 * A flow's verdicts fall on its own service and on every service whose
 * actions need it: iMessage, FaceTime and every iOS app's pushes ride on
 * apns.courier. A signature that more than one service needs is shared: a
 * drop on it counts against each of them.
 *
 * Every call needs the privileges of a private instance (root); the first
 * in a process loads it (about a second).
 */
#ifndef BR_ATTRIB_H
#define BR_ATTRIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "catalog.h"
#include "classify.h"
#include "policy.h"

/* A catalog flow one rule matches. */
struct br_attrib_sig {
	int service, flow;  /* the flow: catalog indices */
	unsigned int parts; /* enum br_attrib_part */
	size_t n_users;	    /* services needing it, its own included */
};

/* A service a rule's verdicts fall on. */
struct br_attrib_svc {
	int service;
	bool direct; /* one of the matched flows is its own */
	bool shared; /* through a flow another service needs too */
	size_t n_via;
	size_t *via; /* indices into the rule's sigs: the flows it needs */
	size_t n_actions;
	int *actions; /* its actions that need a matched flow */
};

struct br_attrib_rule {
	size_t rule; /* index into the policy's rules */
	size_t n_sigs;
	struct br_attrib_sig *sigs;
	size_t n_svcs;
	struct br_attrib_svc *svcs; /* catalog order */
};

struct br_attrib {
	size_t n_rules;
	struct br_attrib_rule *rules; /* the rules that block (not pass) */
};

/* Does action a block or slow (anything but pass)? */
bool br_attrib_blocks(enum br_action a);

/*
 * The services each blocking rule of pol may cut, seen from side. out is
 * filled (free it with br_attrib_free) or a negative errno returned.
 */
int br_attrib_compute(const struct br_catalog *cat, const struct br_policy *pol,
		      const struct br_attrib_side *side, struct br_attrib *out);

void br_attrib_free(struct br_attrib *a);

/*
 * Could pol, in the traffic model, block or slow a flow that a service
 * other than its targets needs? False only when no blocking rule reaches
 * such a flow and neither the default nor the sni-default blocks: then a
 * simulation would show no collateral, and need not run. On an error (no
 * instance, no memory) the answer is true.
 */
bool br_attrib_touches_others(const struct br_catalog *cat,
			      const struct br_policy *pol);

/* "tls 5223 sni %-courier.push.apple.com": a flow's signature in words. */
void br_attrib_flow_text(const struct br_cat_flow *f, char *buf, size_t len);

#endif /* BR_ATTRIB_H */
