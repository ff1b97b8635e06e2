/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pcap_io.h - captures in and out.
 *
 * Out: pcapng written directly (libpcap cannot write packet comments), one
 * Ethernet interface, nanosecond timestamps, each packet with an optional
 * comment: `simulate --write-pcap` puts every packet's label there
 * (tshark shows it as frame.comment).
 *
 * In: pcap or pcapng through libpcap. Frames longer than the MTU (captures
 * taken with GRO/TSO offloads on hold TCP super-frames of up to 64 KB) are
 * cut back into MTU-sized TCP segments with consecutive sequence numbers
 * and fresh IP and TCP checksums, as they were on the wire.
 */
#ifndef BR_PCAP_IO_H
#define BR_PCAP_IO_H

#include <stddef.h>
#include <stdint.h>

struct br_pcap_writer;

int br_pcap_create(const char *path, struct br_pcap_writer **out);
int br_pcap_write(struct br_pcap_writer *w, uint64_t ts_ns,
		  const void *frame, size_t len, const char *comment);
int br_pcap_close(struct br_pcap_writer *w); /* flushes; 0 or -errno */

struct br_pcap_reader;

/* mtu: the IP MTU to re-segment to (1500 when 0). */
int br_pcap_open(const char *path, unsigned int mtu,
		 struct br_pcap_reader **out, char *err, size_t err_len);

/*
 * The next frame (after re-segmentation): 1 with *frame, *len and *ts_ns
 * set (valid until the next call), 0 at the end, -errno on error. Non-
 * Ethernet link types are refused at open.
 */
int br_pcap_next(struct br_pcap_reader *r, const uint8_t **frame,
		 size_t *len, uint64_t *ts_ns);

/* Frames read from the file, and frames cut out of super-frames. */
void br_pcap_counts(const struct br_pcap_reader *r, uint64_t *read,
		    uint64_t *resegmented);

void br_pcap_close_reader(struct br_pcap_reader *r);

/* ---- additions ------------------------------------------------------ */

/*
 * What the reader did, in detail. Re-segmentation covers TCP over IPv4
 * (no fragment) and over IPv6 (TCP right after the fixed header), with or
 * without up to two VLAN tags: each segment gets the super-frame's
 * headers, an IP length of its own, IPv4 ids counting up from the
 * super-frame's (and a fresh header checksum), the sequence number of its
 * first byte, PSH and FIN only on the last segment, CWR only on the first,
 * a fresh TCP checksum and the super-frame's timestamp. The MSS is the MTU
 * less the IP and TCP headers (options included), as the sender's was.
 * Anything else longer than the MTU (UDP GSO super-frames, IPv6 extension
 * headers, IPv4 fragments) is passed whole and counted in oversize; a frame
 * cut short by the capture's snap length is passed as captured and
 * counted in truncated.
 */
struct br_pcap_stats {
	uint64_t read;	      /* frames read from the file */
	uint64_t superframes; /* TCP super-frames cut */
	uint64_t resegmented; /* segments cut out of them */
	uint64_t oversize;    /* longer than the MTU, passed whole */
	uint64_t truncated;   /* shorter than on the wire (snap length) */
};

void br_pcap_stats(const struct br_pcap_reader *r, struct br_pcap_stats *st);

#endif /* BR_PCAP_IO_H */
