/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bench.h - what bench.bpf.c's feeder (bench_feed) shares with the
 * benchmark and its test: the pool entry and where it goes in the packet.
 *
 * A streamed run is one BPF_PROG_TEST_RUN call of bench_feed with repeat =
 * the pool's size on one template packet. Each run writes the next pool
 * entry into the packet and tail-calls the program under test (slot
 * BENCH_FEED_SLOT of bench_feed_progs), so many packets go through that
 * program per call, with no system call between them.
 */
#ifndef BR_BENCH_H
#define BR_BENCH_H

#include <linux/types.h>

/*
 * What changes from one packet of a pool to the next: the destination and
 * the checksums that cover it, as they are in the packet (network order),
 * computed by user space for the template with that destination. 24 bytes:
 * a multiple of 8, so the mmapped array holds them back to back.
 */
struct bench_feed_entry {
	__u8 daddr[16];		/* IPv4: the first 4 bytes */
	__u8 ip_csum[2];	/* IPv4 header checksum */
	__u8 l4_csum[2];	/* TCP checksum */
	__u32 pad;
};

/*
 * Where an entry goes in the template packet: byte offsets from its start.
 * The one entry of bench_feed_ctl.
 */
struct bench_feed_cfg {
	__u32 daddr_off;
	__u32 daddr_len;	/* 4 or 16 */
	__u32 ip_csum_off;	/* 0: none (IPv6) */
	__u32 l4_csum_off;
	__u32 n;		/* entries in the pool */
	__u32 next;		/* the entry the next run writes */
};

/* Offsets are masked with this: the template packets are shorter. */
#define BENCH_FEED_OFF_MASK	0x7f
#define BENCH_FEED_SLOT		0

#endif /* BR_BENCH_H */
