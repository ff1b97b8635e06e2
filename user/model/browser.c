// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * browser.c - a browser's memory of HTTP/3 per device and host: Alt-Svc
 * learnt, QUIC broken with a doubling timeout (browser.h says whose rules
 * these are and where they are written).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "browser.h"

int br_browser_init(struct br_browser *b, const struct br_catalog *cat,
		    uint32_t n_devs)
{
	size_t s, f, n = 0, flat = 0;

	memset(b, 0, sizeof(*b));
	for (s = 0; s < cat->n_services; s++)
		n += cat->services[s].n_flows;
	b->slot = malloc((n ? n : 1) * sizeof(*b->slot));
	if (!b->slot)
		return -ENOMEM;
	for (s = 0; s < cat->n_services; s++)
		for (f = 0; f < cat->services[s].n_flows; f++)
			b->slot[flat++] = cat->services[s].flows[f].alt_svc
						  ? (int)b->n_slots++
						  : -1;
	b->n_devs = n_devs;
	b->mem = calloc((size_t)n_devs * b->n_slots + 1, sizeof(*b->mem));
	if (!b->mem) {
		free(b->slot);
		b->slot = NULL;
		return -ENOMEM;
	}
	return 0;
}

void br_browser_free(struct br_browser *b)
{
	free(b->slot);
	free(b->mem);
	memset(b, 0, sizeof(*b));
}

int br_browser_is_alt(const struct br_browser *b, size_t flow)
{
	return b->slot && b->slot[flow] >= 0;
}

static struct br_alt_state *state_of(const struct br_browser *b, uint32_t dev,
				     size_t flow)
{
	return &b->mem[(size_t)dev * b->n_slots + b->slot[flow]];
}

enum br_alt_use br_browser_use(const struct br_browser *b, uint32_t dev,
			       size_t flow, uint64_t now)
{
	const struct br_alt_state *st = state_of(b, dev, flow);

	if (st->known_until <= now)
		return BR_ALT_UNKNOWN;
	if (st->broken_until > now)
		return BR_ALT_BROKEN;
	return BR_ALT_RACE;
}

uint64_t br_browser_main_wait(const struct br_browser *b, uint32_t dev,
			      size_t flow, uint64_t rtt)
{
	uint64_t wait = rtt + rtt / 2;

	/* recently broken: no head start for QUIC */
	if (state_of(b, dev, flow)->breaks)
		return 0;
	return wait < BR_BROWSER_MAIN_WAIT_MAX_NS ? wait
						  : BR_BROWSER_MAIN_WAIT_MAX_NS;
}

void br_browser_loaded(struct br_browser *b, uint32_t dev, size_t flow,
		       uint64_t now, int lost)
{
	struct br_alt_state *st = state_of(b, dev, flow);
	unsigned int shift = st->breaks;

	st->known_until = now + BR_BROWSER_ALT_SVC_NS;
	if (!lost)
		return;
	if (shift > BR_BROWSER_BROKEN_MAX_SHIFT)
		shift = BR_BROWSER_BROKEN_MAX_SHIFT;
	st->broken_until = now + (BR_BROWSER_BROKEN_NS << shift);
	if (st->breaks < 255)
		st->breaks++;
}

void br_browser_confirmed(struct br_browser *b, uint32_t dev, size_t flow)
{
	struct br_alt_state *st = state_of(b, dev, flow);

	st->broken_until = 0;
	st->breaks = 0;
}
