/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pcap_io.h - captures in and out.
 *
 * Out: pcapng written directly (libpcap cannot write packet comments), one
 * Ethernet interface, nanosecond timestamps, each packet with an optional
 * comment: `simulate --write-pcap` puts every packet's label there
 * (tshark shows it as frame.comment).
 *
 * In: pcap or pcapng (capfile.c), frames of any link type linktype.h
 * names turned into Ethernet, tunnels taken off when asked (decap.h).
 * Frames longer than the MTU (captures taken with GRO/TSO offloads on
 * hold TCP super-frames of up to 64 KB) are cut back into MTU-sized TCP
 * segments with consecutive sequence numbers and fresh IP and TCP
 * checksums, as they were on the wire. Each frame comes with what the
 * reader found out about it (struct br_frame).
 */
#ifndef BR_PCAP_IO_H
#define BR_PCAP_IO_H

#include <stddef.h>
#include <stdint.h>
#include "decap.h"

struct br_pcap_writer;

int br_pcap_create(const char *path, struct br_pcap_writer **out);
int br_pcap_write(struct br_pcap_writer *w, uint64_t ts_ns,
		  const void *frame, size_t len, const char *comment);
int br_pcap_close(struct br_pcap_writer *w); /* flushes; 0 or -errno */

/* br_pcap_write of a frame captured short: len of its wire_len bytes. */
int br_pcap_write_short(struct br_pcap_writer *w, uint64_t ts_ns,
			const void *frame, size_t len, size_t wire_len,
			const char *comment);

struct br_pcap_reader;

struct br_pcap_opts {
	unsigned int mtu; /* the IP MTU to re-segment to; 1500 when 0 */
	struct br_decap_opts decap;
};

int br_pcap_open(const char *path, const struct br_pcap_opts *o,
		 struct br_pcap_reader **out, char *err, size_t err_len);

/* What the reader found out about a frame (struct br_frame's flags). */
#define BR_FRAME_LINK_MADE 0x01	 /* its Ethernet header was made up */
#define BR_FRAME_CUT 0x02	 /* a segment cut from a super-frame */
#define BR_FRAME_OVERSIZE 0x04	 /* over the MTU, not TCP: passed whole */
#define BR_FRAME_SHORT 0x08	 /* captured short (snap length) */
#define BR_FRAME_INCOMPLETE 0x10 /* ... and its IP packet with it */
#define BR_FRAME_IP_LIE 0x20	 /* its IP header claims more bytes than
				  * the frame had on the wire */
#define BR_FRAME_NO_TS 0x40	 /* the capture gives it no timestamp */

struct br_frame {
	const uint8_t *data; /* Ethernet; valid until the next call */
	size_t len;
	uint64_t ts_ns;	    /* as captured */
	uint64_t number;    /* the record's, from 1: tshark's frame.number */
	uint64_t offset;    /* the record's byte offset in the file */
	uint32_t linktype;  /* the record's */
	size_t wire_len;    /* of data, as it was on the wire */
	size_t ip_claim;    /* BR_FRAME_IP_LIE: what the header claims */
	size_t ip_held;	    /* ... and what the frame holds from it on */
	unsigned int flags; /* BR_FRAME_* */
	struct br_decap decap; /* BR_TUNNEL_NONE unless taken off */
};

/*
 * The next frame: 1 with *fr filled, 0 at the end. Errors, explained by
 * br_pcap_error: -EBADMSG when the file is damaged or cut short (the
 * frames before were good: report them, then warn), -EPROTONOSUPPORT for
 * a frame of a link type replay does not read, -errno otherwise.
 *
 * A frame captured short whose IP packet is incomplete is returned as
 * captured, flagged BR_FRAME_INCOMPLETE: what the censor saw of it is not
 * in the capture. A frame whose IP header claims more than the frame had
 * is returned as it is, flagged BR_FRAME_IP_LIE, never cut.
 *
 * Re-segmentation covers TCP over IPv4 (no fragment) and over IPv6 (TCP
 * right after the fixed header), with or without up to two VLAN tags:
 * each segment gets the super-frame's headers, an IP length of its own,
 * IPv4 ids counting up from the super-frame's (and a fresh header
 * checksum), the sequence number of its first byte, PSH and FIN only on
 * the last segment, CWR only on the first, a fresh TCP checksum and the
 * super-frame's timestamp and number. The MSS is the MTU less the IP and
 * TCP headers (options included), as the sender's was. Anything else
 * longer than the MTU (UDP GSO super-frames, IPv6 extension headers,
 * IPv4 fragments) is passed whole, flagged BR_FRAME_OVERSIZE.
 */
int br_pcap_next(struct br_pcap_reader *r, struct br_frame *fr);

/* The message of the last error of br_pcap_open or br_pcap_next. */
const char *br_pcap_error(const struct br_pcap_reader *r);

/* "pcap" or "pcapng" */
const char *br_pcap_format(const struct br_pcap_reader *r);

void br_pcap_close_reader(struct br_pcap_reader *r);

#define BR_PCAP_LINKS_MAX 8

struct br_pcap_stats {
	uint64_t read;	       /* frames read from the file */
	uint64_t superframes;  /* TCP super-frames cut */
	uint64_t resegmented;  /* segments cut out of them */
	uint64_t oversize;     /* longer than the MTU, passed whole */
	uint64_t short_frames; /* captured short (snap length) */
	uint64_t incomplete;   /* ... of which the IP packet too */
	uint64_t ip_lies;      /* IP length claims over the frame */
	uint64_t no_ts;	       /* frames without a timestamp */
	uint64_t decap[BR_N_TUNNELS]; /* inner frames taken out, by kind */
	struct {
		uint32_t linktype;
		uint64_t frames;
	} links[BR_PCAP_LINKS_MAX]; /* the link types met, in order */
	size_t n_links;
};

void br_pcap_stats(const struct br_pcap_reader *r, struct br_pcap_stats *st);

#endif /* BR_PCAP_IO_H */
