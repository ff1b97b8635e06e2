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

/* At a time of the simulation, a policy comes into force (a swap). */
struct br_scn_event {
	uint64_t at_ns;
	char *policy; /* path, resolved against the scenario's directory */
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
	size_t n_apps;
	struct br_scn_app *apps;
	size_t n_rates;
	struct br_scn_rate *rates;
	size_t n_events; /* in time order */
	struct br_scn_event *events;
	char *description; /* NULL when none is given */
};

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

/* The sizes of the censor's tables in a scenario's simulation. */
uint32_t br_scn_flow_table(const struct br_scenario *scn);
uint32_t br_scn_hello_table(const struct br_scenario *scn);

#endif /* BR_SCENARIO_H */
