/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * capfile.h - the records of a capture file, pcap or pcapng, as written.
 *
 * pcap: either byte order, micro- or nanosecond timestamps, one link
 * type; also the variant of old Red Hat and SuSE tcpdump (magic
 * 0xa1b2cd34, 8 more bytes per record header). pcapng: either byte order
 * (per section), several sections, and interfaces of different link
 * types and timestamp resolutions in one file; Enhanced, Simple and (obsolete) Packet Blocks are frames, every
 * other block is skipped. Frames are numbered from 1 as tshark numbers
 * them, and each record's byte offset is kept, so that a damaged file
 * can be reported to the byte.
 *
 * libpcap reads neither a pcapng file whose interfaces differ in link
 * type nor tells where a cut-short file ends, hence a reader of our own.
 */
#ifndef BR_CAPFILE_H
#define BR_CAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A record's captured length above this marks the file as damaged. */
#define BR_CAP_RECORD_MAX (256 * 1024)

struct br_capfile;

struct br_record {
	const uint8_t *data; /* valid until the next call */
	uint32_t caplen;     /* bytes captured */
	uint32_t len;	     /* bytes on the wire */
	uint64_t ts_ns;	     /* since the epoch */
	bool no_ts;	     /* a Simple Packet Block: no timestamp */
	uint32_t linktype;   /* LINKTYPE_ value of its interface */
	uint32_t iface;	     /* pcapng interface, within its section */
	uint64_t number;     /* from 1, as tshark's frame.number */
	uint64_t offset;     /* of its record (block) in the file */
};

/*
 * Open path ("-": standard input) and read its header. 0, or -errno with
 * a message in err (not a capture, cut short in its header, I/O).
 */
int br_capfile_open(const char *path, struct br_capfile **out, char *err,
		    size_t err_len);

/*
 * The next frame: 1 with *rec filled, 0 at the end of the file. -EBADMSG
 * when the file is damaged or cut short where the next record would be,
 * -errno on a read error: err says what, and where ("frame N" and the
 * byte offset). After an error, no further frame is read.
 */
int br_capfile_next(struct br_capfile *c, struct br_record *rec, char *err,
		    size_t err_len);

/* "pcap" or "pcapng" */
const char *br_capfile_format(const struct br_capfile *c);

void br_capfile_close(struct br_capfile *c);

#endif /* BR_CAPFILE_H */
