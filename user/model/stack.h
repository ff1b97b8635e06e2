/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * stack.h - what a device's network stack and its apps do when a packet
 * gets no answer: the round trips of its links, the retry schedules of
 * DNS, TCP, TLS and QUIC, and how long data waits. One definition for the
 * traffic model (which sends its retries itself, engine.c and
 * wire_sim.c) and the live lab (whose kernel and QUIC stack retransmit,
 * and whose devices give a step up when the same schedule has run out,
 * lab/wire_lab.c).
 *
 * The schedules are those of the stacks' defaults: Linux's and iOS's
 * initial SYN RTO of 1 s doubling (RFC 6298 section 2, 5.7), a data RTO
 * floor of 200 ms (Linux TCP_RTO_MIN), a stub resolver retrying at 1 and
 * 2 s, QUIC's first PTO near 1 s (RFC 9002 section 6.2.2, initial RTT
 * 333 ms). How many retries each gets before the app gives up or falls
 * back is an assumption of the model, stated here once.
 */
#ifndef BR_STACK_H
#define BR_STACK_H

#include <stdint.h>

#define MS (1000000ull)
#define SEC (1000 * MS)

#define BR_RTT_WIFI (30 * MS)
#define BR_RTT_CELL (70 * MS)
#define BR_SYN_RETRIES 3
#define BR_RTO (200 * MS)
#define BR_DATA_RETRIES 5
#define BR_DNS_RETRIES 2
#define BR_QUIC_RETRIES 2
#define BR_DNS_TTL (300 * SEC)
/*
 * How long data the device sends (a message) waits for its channel before
 * the app gives up and shows it as not delivered (assumption: Messages
 * marks a message "Not Delivered" after about that long; not sourced).
 */
#define BR_SEND_TIMEOUT (120 * SEC)
/* the devices' first connects, spread over the run's first second: the
 * channels were up before the run began (a warm start) */
#define BR_CONNECT_SPREAD (1 * SEC)
#define BR_WINDOW_INIT 10
#define BR_WINDOW_MAX 64
#define BR_MEDIA_PKTS 3

/*
 * When a step that got no answer is given up, counted from its first
 * send: the last retry of the schedule (base, doubling, max retries) goes
 * out at base * (2^max - 1); the model gives up there, as the lab does
 * when that much time passed with no answer.
 */
static inline uint64_t br_stack_give_up(uint64_t base, unsigned int max)
{
	return base * ((1ull << max) - 1);
}

#endif /* BR_STACK_H */
