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

#endif /* BR_PCAP_IO_H */
