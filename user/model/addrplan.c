// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * addrplan.c - the traffic model's address plan (see addrplan.h).
 */
#include <stdio.h>
#include <string.h>

#include "addrplan.h"

static const struct br_prefix dev4 = BR_PLAN_DEV4, dev6 = BR_PLAN_DEV6;
static const struct br_prefix res4 = BR_PLAN_RES4, res6 = BR_PLAN_RES6;
static const struct br_prefix proxy4 = BR_PLAN_PROXY4,
				proxy6 = BR_PLAN_PROXY6;

void br_plan_dev_addr(uint32_t index, int family, uint8_t out[16])
{
	memset(out, 0, 16);
	if (family == 4) {
		uint32_t a = ((uint32_t)dev4.addr[0] << 24 |
			      (uint32_t)dev4.addr[1] << 16) +
			     1 + index;

		out[0] = a >> 24;
		out[1] = a >> 16;
		out[2] = a >> 8;
		out[3] = a;
	} else { /* one /64 per device */
		memcpy(out, dev6.addr, 6);
		out[6] = index >> 8;
		out[7] = index;
		out[15] = 0x10;
	}
}

const uint8_t *br_plan_resolver(int family)
{
	return family == 6 ? res6.addr : res4.addr;
}

void br_plan_proxy_addr(uint64_t h, int family, uint8_t out[16])
{
	memset(out, 0, 16);
	if (family == 4) {
		memcpy(out, proxy4.addr, 3);
		out[3] = 1 + h % 254; /* neither .0 nor .255 */
	} else {
		memcpy(out, proxy6.addr, 6);
		out[14] = h >> 8;
		out[15] = h | 1;
	}
}

uint16_t br_plan_next_port(uint16_t port)
{
	return port >= BR_PLAN_PORT_HI ? BR_PLAN_PORT_LO : port + 1;
}

void br_plan_name(const char *tmpl, unsigned int n, char *out, size_t len)
{
	const char *pct = tmpl ? strchr(tmpl, '%') : NULL;

	if (!tmpl)
		out[0] = 0;
	else if (!pct)
		snprintf(out, len, "%s", tmpl);
	else
		snprintf(out, len, "%.*s%u%s", (int)(pct - tmpl), tmpl, n,
			 pct + 1);
}
