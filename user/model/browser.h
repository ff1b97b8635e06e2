/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * browser.h - what a browser remembers of HTTP/3, per device and host, as
 * Chromium does it: a catalog flow marked alt-svc (HTTP/3 over QUIC) is
 * used only after the device has learnt it from an Alt-Svc header of a
 * load over the term's next alternative (TLS over TCP); then QUIC races
 * that alternative, whose start waits a little for QUIC; a QUIC that
 * loses while TCP succeeds is remembered as broken for a while, doubling
 * each time it breaks again, and forgotten when QUIC works.
 *
 * Sources (Chromium, net/):
 *   http/broken_alternative_services.cc: kDefaultBrokenAlternativeProtocolDelay
 *     = 300 s; each further break doubles it (base-2 backoff), the shift
 *     capped by kBrokenDelayMaxShift (about two days); Confirm... clears
 *     the "recently broken" count when the alternative works
 *   http/http_stream_factory_job_controller.cc: kMaxDelayTimeForMainJobSecs
 *     = 3: the main (TCP) job waits for the alternative job at most 3 s;
 *     it starts at once when the alternative job fails
 *   quic/quic_session_pool.cc GetTimeDelayForWaitingJob: the main job
 *     waits 1.5 x the host's smoothed RTT (300 ms without one), and not at
 *     all when QUIC was recently broken for the host
 * Alt-Svc's lifetime: "ma" defaults to 24 hours (RFC 7838, 3.1).
 *
 * Assumptions: a device starts a run knowing no Alt-Svc (as on a first
 * visit); its smoothed RTT is the model's RTT of its network; the QUIC
 * attempt's own retransmissions after it lost the race are not sent
 * (they change no outcome; fewer QUIC Initials reach the program than a
 * real browser would send).
 */
#ifndef BR_BROWSER_H
#define BR_BROWSER_H

#include <stddef.h>
#include <stdint.h>
#include "catalog.h"

#define BR_BROWSER_BROKEN_NS (300ull * 1000000000ull)
#define BR_BROWSER_BROKEN_MAX_SHIFT 9
#define BR_BROWSER_MAIN_WAIT_MAX_NS (3ull * 1000000000ull)
#define BR_BROWSER_ALT_SVC_NS (86400ull * 1000000000ull)

/* What a device does with an alt-svc flow now. */
enum br_alt_use {
	BR_ALT_UNKNOWN = 0, /* not learnt: the next alternative, as usual */
	BR_ALT_BROKEN,	    /* remembered broken: the next alternative */
	BR_ALT_RACE,	    /* QUIC first, the next alternative after a wait */
};

/* One device's memory of one alt-svc flow. */
struct br_alt_state {
	uint64_t known_until;  /* Alt-Svc learnt, until then */
	uint64_t broken_until; /* marked broken, until then */
	uint8_t breaks;	       /* recent breaks: the backoff's shift */
};

struct br_browser {
	uint32_t n_devs;
	size_t n_slots;		  /* alt-svc flows of the catalog */
	int *slot;		  /* by flat flow index: slot or -1 */
	struct br_alt_state *mem; /* n_devs * n_slots */
};

/* Slots for the catalog's alt-svc flows; flat flow order as engine.c's. */
int br_browser_init(struct br_browser *b, const struct br_catalog *cat,
		    uint32_t n_devs);
void br_browser_free(struct br_browser *b);

/* Whether flat flow index flow is an alt-svc flow. */
int br_browser_is_alt(const struct br_browser *b, size_t flow);

enum br_alt_use br_browser_use(const struct br_browser *b, uint32_t dev,
			       size_t flow, uint64_t now);

/* How long the next alternative waits for the racing QUIC (rtt: the
 * device's smoothed RTT). */
uint64_t br_browser_main_wait(const struct br_browser *b, uint32_t dev,
			      size_t flow, uint64_t rtt);

/* A load over the next alternative succeeded: its Alt-Svc is learnt;
 * lost: QUIC raced and lost, so it is marked broken. */
void br_browser_loaded(struct br_browser *b, uint32_t dev, size_t flow,
		       uint64_t now, int lost);

/* QUIC worked: the recent breaks are forgotten. */
void br_browser_confirmed(struct br_browser *b, uint32_t dev, size_t flow);

#endif /* BR_BROWSER_H */
